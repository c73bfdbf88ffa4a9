"""Real-clip manifests: validation of a task table and the ground-truth cache."""

import os

import numpy as np
import pandas as pd
import pytest

from squbed_utils import manifests
from squbed_utils.clipio import write_clip
from squbed_utils.manifests import load_ground_truth, load_manifest
from squbed_utils.store import ArrayStore
from squbed_utils.world import MANIFEST_COLUMNS, validate_tasks
from test_clipio import FPS, frame_indices, index_clip  # index-coded clips: frame i can be read back as i


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    """Three small mp4 files (16 frames, 2 s at 8 fps) and their clip root."""
    root = tmp_path_factory.mktemp("clips")
    for name in ("a", "b", "c"):
        write_clip(root / f"{name}.mp4", index_clip(), fps=FPS)
    return root


def manifest(**columns):
    base = {
        "id": ["a", "b", "c"],
        "caption": ["a dog runs", "a man cooks pasta", "a racing game"],
        "path": ["a.mp4", "b.mp4", "c.mp4"],
        "category": ["Animals", "Food", "Games"],
    }
    return pd.DataFrame({**base, **columns})


# -- load_manifest ---------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_load_manifest_reads_csv_and_parquet(clips, suffix):
    table = manifest(id=["0001", "0002", "0003"], start=[0.5, np.nan, 0.0], end=[1.5, np.nan, np.nan],
                     matching_score=[0.5, 0.6, 0.7])
    path = clips / f"manifest{suffix}"
    table.to_csv(path, index=False) if suffix == ".csv" else table.to_parquet(path)
    tasks = load_manifest(path)
    assert list(tasks.columns) == [*MANIFEST_COLUMNS, "start", "end", "matching_score"]
    assert tasks["id"].tolist() == ["0001", "0002", "0003"]  # ids stay text
    assert tasks["prompt"].tolist() == table["caption"].tolist()  # the caption is the prompt
    assert tasks["split"].tolist() == ["test"] * 3
    np.testing.assert_array_equal(tasks["start"], [0.5, np.nan, 0.0])
    assert tasks["start"].dtype == np.float64 and tasks["end"].dtype == np.float64
    assert tasks.attrs["clip_root"] == str(clips)  # relative paths resolve against the manifest's folder
    validate_tasks(tasks)


def test_load_manifest_keeps_a_given_prompt_and_split(clips):
    tasks = load_manifest(manifest(prompt=["dog", "cook", "game"], split=["test", "", "val"]), clip_root=clips)
    assert tasks["prompt"].tolist() == ["dog", "cook", "game"]
    assert tasks["split"].tolist() == ["test", "test", "val"]
    assert tasks["caption"].tolist()[0] == "a dog runs"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"caption": ["a dog runs", " ", "a racing game"]}, r"row 1 \(id 'b'\): empty caption"),
        ({"id": ["a", "b", "a"]}, r"row 0 \(id 'a'\): duplicate id: 2 rows have id 'a'"),
        ({"start": [1.5, 0.0, 0.0], "end": [1.0, 1.0, 1.0]}, r"row 0 \(id 'a'\): empty window: start 1.5 s >= end 1 s"),
        ({"start": [0.0, -1.0, 0.0]}, r"row 1 \(id 'b'\): negative start -1 s"),
        ({"start": [0.0, "soon", 0.0]}, r"row 1 \(id 'b'\): start 'soon' is not a number of seconds"),
        ({"path": ["a.mp4", "b.txt", "c.mp4"]}, r"row 1 \(id 'b'\): unknown clip extension '.txt'"),
        ({"path": ["a.mp4", "b.mp4", "gone.mp4"]}, r"row 2 \(id 'c'\): clip file .*gone.mp4 not found; check clip_root"),
        ({"path": ["a.npy", "b.mp4", "c.mp4"], "start": [1.0, 0.0, 0.0]}, r"row 0 \(id 'a'\): 'a.npy' is a .npy array"),
        ({"category": ["Animals", None, "Games"]}, r"row 1 \(id 'b'\): empty category"),
    ],
)
def test_load_manifest_names_each_broken_row(clips, change, message):
    with pytest.raises(ValueError, match=message):
        load_manifest(manifest(**change), clip_root=clips)


def test_load_manifest_collects_every_broken_row_into_one_message(clips):
    n = 14
    table = pd.DataFrame({"id": [f"t{i}" for i in range(n)], "caption": ["x"] * n,
                          "path": [f"missing{i}.mp4" for i in range(n)], "category": ["Others"] * n})
    table.loc[3, "caption"] = ""
    with pytest.raises(ValueError, match=r"15 problems in 14 of 14 rows") as error:
        load_manifest(table, clip_root=clips)
    text = str(error.value)
    assert text.count("not found") == 9 and "empty caption" in text  # ten listed
    assert text.endswith("... and 5 more")


def test_load_manifest_reports_csv_lines(clips):
    path = clips / "broken.csv"
    manifest(caption=["a dog runs", "a man cooks pasta", ""]).to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"broken.csv: 1 problem in 1 of 3 rows.*\n  line 4 \(id 'c'\): empty caption"):
        load_manifest(path)


def test_load_manifest_whole_table_errors(clips):
    with pytest.raises(ValueError, match=r"lacks columns \['category'\].*rename"):
        load_manifest(manifest().drop(columns="category"), clip_root=clips)
    with pytest.raises(ValueError, match="has no rows"):
        load_manifest(manifest().iloc[:0], clip_root=clips)
    with pytest.raises(ValueError, match="write it as .csv or .parquet"):
        load_manifest(clips / "tasks.xlsx")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_manifest(clips / "nothing.csv")


def test_load_manifest_probe_finds_unreadable_videos_and_windows_past_the_end(clips, tmp_path):
    (tmp_path / "bad.mp4").write_bytes(b"not a video")
    for name in ("a", "b"):
        os.symlink(clips / f"{name}.mp4", tmp_path / f"{name}.mp4")
    table = manifest(path=["a.mp4", "b.mp4", "bad.mp4"], end=[2.0, 5.0, np.nan])
    assert len(load_manifest(table, clip_root=tmp_path)) == 3  # without probing, only existence is checked
    with pytest.raises(ValueError, match="2 problems in 2 of 3 rows") as error:
        load_manifest(table, clip_root=tmp_path, probe=True)
    text = str(error.value)
    assert "row 1 (id 'b'): window ends at 5 s but" in text and "lasts 2 s" in text
    assert "row 2 (id 'c'): cannot decode video" in text and "re-encode" in text


# -- load_ground_truth -----------------------------------------------------------------------------


def test_load_ground_truth_decodes_once_and_again_after_a_change(clips, tmp_path, monkeypatch):
    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.mp4").write_bytes((clips / f"{name}.mp4").read_bytes())
    tasks = load_manifest(manifest(start=[1.0, np.nan, np.nan], end=[1.5, np.nan, np.nan]), clip_root=tmp_path)
    decoded = []
    real_read_clip = manifests.read_clip
    monkeypatch.setattr(manifests, "read_clip", lambda path, **kw: decoded.append(path.name) or real_read_clip(path, **kw))
    store = ArrayStore(tmp_path / "cache")

    first = load_ground_truth(tasks, frames=4, height=16, width=16, store=store)
    assert first.shape == (3, 4, 16, 16, 3) and first.dtype == np.uint8
    assert [frame_indices(clip) for clip in first] == [[8, 9, 10, 11], [2, 6, 10, 14], [2, 6, 10, 14]]
    assert decoded == ["a.mp4", "b.mp4", "c.mp4"]

    decoded.clear()
    np.testing.assert_array_equal(load_ground_truth(tasks, frames=4, height=16, width=16, store=store), first)
    assert decoded == []  # everything came from the cache

    stat = (tmp_path / "b.mp4").stat()
    os.utime(tmp_path / "b.mp4", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # touched: decoded again
    load_ground_truth(tasks, frames=4, height=16, width=16, store=store)
    assert decoded == ["b.mp4"]

    decoded.clear()
    assert load_ground_truth(tasks, frames=2, height=16, width=16, store=store).shape == (3, 2, 16, 16, 3)
    assert decoded == ["a.mp4", "b.mp4", "c.mp4"]  # a new size is a new key

    decoded.clear()
    uncached = load_ground_truth(tasks, frames=4, height=16, width=16)
    np.testing.assert_array_equal(uncached, first)
    assert len(decoded) == 3


def test_load_ground_truth_reads_toy_task_tables(tmp_path):
    from squbed_utils import world

    tasks = world.make_tasks(3)
    world.write_task_clips(tasks, tmp_path, frames=4, size=16)
    np.testing.assert_array_equal(
        load_ground_truth(tasks, frames=4, height=16, width=16, clip_root=tmp_path),
        world.read_task_clips(tasks, tmp_path),
    )

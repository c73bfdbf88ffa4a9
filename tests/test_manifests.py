"""Real-clip manifests: validation, decoding rules, the ground-truth cache, and Panda-70M / VidGen-1M subsets."""

import json
import os

import numpy as np
import pandas as pd
import pytest

from squbed_utils import manifests
from squbed_utils.manifests import (
    ClipError,
    category_counts,
    clip_candidates,
    cut_subset,
    keyword_category,
    load_ground_truth,
    load_manifest,
    parse_timestamp,
    read_clip,
    write_clip,
)
from squbed_utils.store import ArrayStore
from squbed_utils.world import MANIFEST_COLUMNS, validate_tasks

FPS = 8
LEVEL_STEP = 12  # grey level of frame i is 12 * i, so up to 21 frames stay within 0..255 and decode unambiguously


def index_clip(frames=16, height=32, width=48):
    """A clip whose frame i is uniformly grey at level LEVEL_STEP * i."""
    return np.repeat((LEVEL_STEP * np.arange(frames, dtype=np.uint8))[:, None, None, None], 3, axis=-1) * np.ones(
        (1, height, width, 1), np.uint8
    )


def frame_indices(clip):
    """The index encoded in each frame of an index_clip (mean grey level / LEVEL_STEP, rounded)."""
    return np.rint(clip.reshape(len(clip), -1).mean(axis=1) / LEVEL_STEP).astype(int).tolist()


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


# -- read_clip / write_clip ------------------------------------------------------------------------


def test_read_clip_shape_dtype_and_bin_centre_sampling(clips):
    clip = read_clip(clips / "a.mp4", frames=4, height=16, width=24)
    assert clip.shape == (4, 16, 24, 3) and clip.dtype == np.uint8
    # 16 frames in 4 bins of 4: the centres floor((k + 1/2) * 4) = 2, 6, 10, 14
    assert frame_indices(clip) == [2, 6, 10, 14]
    assert frame_indices(read_clip(clips / "a.mp4", frames=16, height=32, width=48)) == list(range(16))
    assert frame_indices(read_clip(clips / "a.mp4", frames=1, height=8, width=8)) == [8]
    assert frame_indices(read_clip(clips / "a.mp4", frames=5, height=8, width=8)) == [1, 4, 8, 11, 14]


def test_read_clip_windows_in_seconds(clips):
    # at 8 fps, [1.0, 1.5) holds frames 8..11; [0.3, 1.0) holds frames 3..7 (frame i shows at i / 8 s)
    assert frame_indices(read_clip(clips / "a.mp4", frames=4, height=8, width=8, start=1.0, end=1.5)) == [8, 9, 10, 11]
    assert frame_indices(read_clip(clips / "a.mp4", frames=5, height=8, width=8, start=0.3, end=1.0)) == [3, 4, 5, 6, 7]
    assert frame_indices(read_clip(clips / "a.mp4", frames=2, height=8, width=8, start=1.5)) == [13, 15]
    assert frame_indices(read_clip(clips / "a.mp4", frames=2, height=8, width=8, end=0.5)) == [1, 3]


def test_read_clip_errors(clips, tmp_path):
    with pytest.raises(ClipError, match=r"window \[1, 1.25\) s of .*a.mp4 holds 2 frames, fewer than the 4 asked: ask for fewer"):
        read_clip(clips / "a.mp4", frames=4, height=8, width=8, start=1.0, end=1.25)
    with pytest.raises(ClipError, match=r"holds 16 frames, fewer than the 20 asked"):
        read_clip(clips / "a.mp4", frames=20, height=8, width=8)
    with pytest.raises(ClipError, match=r"needs frames 8..23 at 8 fps but the video has only 16: the window runs past"):
        read_clip(clips / "a.mp4", frames=4, height=8, width=8, start=1.0, end=3.0)
    with pytest.raises(ClipError, match="starts after the video ends"):
        read_clip(clips / "a.mp4", frames=1, height=8, width=8, start=5.0)
    (tmp_path / "bad.mp4").write_bytes(b"not a video")
    with pytest.raises(ClipError, match=r"cannot decode video .*bad.mp4: .*re-encode"):
        read_clip(tmp_path / "bad.mp4", frames=1, height=8, width=8)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_clip(tmp_path / "none.mp4", frames=1, height=8, width=8)
    with pytest.raises(ValueError, match="end must be after start"):
        read_clip(clips / "a.mp4", frames=1, height=8, width=8, start=1.0, end=1.0)
    with pytest.raises(ValueError, match="frames must be a positive integer"):
        read_clip(clips / "a.mp4", frames=0, height=8, width=8)


def test_read_clip_crops_to_the_centre_instead_of_squashing(tmp_path):
    # 32 x 64 frames, red in the left quarter and blue in the right half
    frame = np.zeros((32, 64, 3), np.uint8)
    frame[:, :16, 0] = 255
    frame[:, 32:, 2] = 255
    np.save(tmp_path / "wide.npy", np.stack([frame] * 2))
    square = read_clip(tmp_path / "wide.npy", frames=2, height=16, width=16).astype(int)
    # the centre crop keeps columns 16..47, so no red; its right half is blue, its left half black
    assert square[..., 0].max() < 20
    assert square[:, :, 10:, 2].min() > 235 and square[:, :, :6, 2].max() < 20
    # a wider target keeps more width: columns 0..63 all fit into a 1:2 frame, so red reappears on the left
    wide = read_clip(tmp_path / "wide.npy", frames=2, height=8, width=16).astype(int)
    assert wide[:, :, :3, 0].min() > 235 and wide[:, :, 5:, 0].max() < 20
    # same for a tall frame: a green top quarter is cropped away
    tall = np.zeros((64, 32, 3), np.uint8)
    tall[:16, :, 1] = 255
    np.save(tmp_path / "tall.npy", tall[None])
    assert read_clip(tmp_path / "tall.npy", frames=1, height=16, width=16)[..., 1].max() < 20


def test_npy_clips_read_without_change_at_their_own_size(tmp_path):
    rng = np.random.default_rng(0)
    clip = rng.integers(0, 256, (6, 12, 10, 3), dtype=np.uint8)
    np.save(tmp_path / "toy.npy", clip)
    np.testing.assert_array_equal(read_clip(tmp_path / "toy.npy", frames=6, height=12, width=10), clip)
    np.testing.assert_array_equal(read_clip(tmp_path / "toy.npy", frames=3, height=12, width=10), clip[[1, 3, 5]])
    with pytest.raises(ValueError, match="has no time axis"):
        read_clip(tmp_path / "toy.npy", frames=1, height=4, width=4, start=0.5)


def test_write_clip_round_trip_psnr(tmp_path):
    t, y, x = np.meshgrid(np.arange(6), np.arange(32), np.arange(48), indexing="ij")
    red = 128 + 80 * np.sin(x / 12 + t / 2)
    green = 128 + 80 * np.cos(y / 10 - t / 3)
    clip = np.stack([red, green, 60 + 1.5 * (x + y)], axis=-1).round().astype(np.uint8)  # smooth colour content
    path = write_clip(tmp_path / "out" / "smooth.mp4", clip, fps=FPS)
    back = read_clip(path, frames=6, height=32, width=48)
    mse = np.mean((back.astype(float) - clip.astype(float)) ** 2)
    assert 10 * np.log10(255**2 / mse) > 37.0  # about 39.6 dB measured
    assert not list(path.parent.glob("*.part"))  # written atomically, no temporary left


def test_write_clip_rejects_bad_input(tmp_path):
    with pytest.raises(ValueError, match="needs an even height and width, got 15 x 16"):
        write_clip(tmp_path / "odd.mp4", np.zeros((2, 15, 16, 3), np.uint8))
    with pytest.raises(ValueError, match=r"uint8 array of shape \(T, H, W, 3\), got float64"):
        write_clip(tmp_path / "float.mp4", np.zeros((2, 16, 16, 3)))
    with pytest.raises(ValueError, match="writes .mp4 files"):
        write_clip(tmp_path / "clip.avi", np.zeros((2, 16, 16, 3), np.uint8))


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


# -- subsets ---------------------------------------------------------------------------------------


def test_parse_timestamp():
    assert parse_timestamp("0:00:04.004") == 4.004
    assert parse_timestamp("1:02:03.5") == 3723.5
    assert parse_timestamp("02:03") == 123.0
    with pytest.raises(ValueError, match=r"timestamp 'soon' is not of the form H:MM:SS.mmm"):
        parse_timestamp("soon")


def test_panda70m_rows_become_one_candidate_per_clip(tmp_path):
    path = tmp_path / "panda70m_testing.csv"
    pd.DataFrame({
        "videoID": ["--abc", "xyz"],
        "url": ["https://www.youtube.com/watch?v=--abc", "https://www.youtube.com/watch?v=xyz"],
        "timestamp": ["[['0:00:00.000', '0:00:05.338'], ['0:00:05.338', '0:01:02.500']]", "[['0:00:10.000', '0:00:14.000']]"],
        "caption": ["['A dog runs on grass.', 'A man cooks pasta.']", "['A car drives.']"],
        "matching_score": ["[0.5, 0.43]", "[0.61]"],
    }).to_csv(path, index=False)
    candidates = clip_candidates(path)
    assert candidates["id"].tolist() == ["--abc_000", "--abc_001", "xyz_000"]
    assert candidates["start"].tolist() == [0.0, 5.338, 10.0]
    assert candidates["end"].tolist() == [5.338, 62.5, 14.0]
    assert candidates["caption"].tolist() == ["A dog runs on grass.", "A man cooks pasta.", "A car drives."]
    assert candidates["matching_score"].tolist() == [0.5, 0.43, 0.61]

    subset = cut_subset(path, n_tasks=3, category_mix={"Animals": 1 / 3, "Food": 1 / 3, "Others": 1 / 3})
    assert subset.set_index("id")["path"].to_dict() == {"--abc_000": "--abc.mp4", "--abc_001": "--abc.mp4", "xyz_000": "xyz.mp4"}
    cut = cut_subset(path, n_tasks=3, category_mix={"Animals": 1 / 3, "Food": 1 / 3, "Others": 1 / 3},
                     path_template="clips/{id}.mp4", use_timestamps=False)
    assert "start" not in cut.columns and cut["path"].tolist() == [f"clips/{i}.mp4" for i in cut["id"]]

    bad = pd.DataFrame({"videoID": ["v"], "timestamp": ["[['0:00:00.000', '0:00:01.000']]"], "caption": ["['a', 'b']"]})
    with pytest.raises(ValueError, match="video 'v' has 1 timestamps but 2 captions"):
        clip_candidates(bad)


def test_vidgen1m_json_candidates(tmp_path):
    path = tmp_path / "VidGen_1M_video_caption.json"
    path.write_text(json.dumps([{"vid": "Eep9uvenxAo-Scene-0030", "caption": "A hand touches red flowers."}]))
    candidates = clip_candidates(path)
    assert candidates[["id", "video_id"]].values.tolist() == [["Eep9uvenxAo-Scene-0030", "Eep9uvenxAo"]]
    subset = cut_subset(path, n_tasks=1, category_mix={"Others": 1.0})
    assert subset["path"].tolist() == ["Eep9uvenxAo-Scene-0030.mp4"]


def test_keyword_category():
    assert keyword_category("A group of basketball players in a video game arena.") == "Games"  # tie goes to Games
    assert keyword_category("Someone is frying dough balls in a pan with oil.") == "Food"
    assert keyword_category("A man walks his two dogs.") == "Animals"  # tie: Animals before People
    assert keyword_category("Two women and a man dance.") == "People"
    assert keyword_category("A rocket launches into space.") == "Others"
    assert keyword_category("A categorical catalogue") == "Others"  # whole words only


def test_category_counts_use_largest_remainders():
    assert category_counts(200) == {"Animals": 36, "People": 44, "Food": 38, "Games": 40, "Others": 42}
    assert category_counts(7) == {"Animals": 1, "People": 2, "Food": 1, "Games": 1, "Others": 2}
    for n in range(1, 60):
        assert sum(category_counts(n).values()) == n
    with pytest.raises(ValueError, match="summing to 1"):
        category_counts(10, {"Animals": 0.5, "People": 0.6})


def _synthetic_candidates(n_per_category=30):
    captions = {"Animals": "a dog number {}", "People": "a woman number {}", "Food": "a pizza number {}",
                "Games": "a video game number {}", "Others": "a sunset number {}"}
    rows = [{"id": f"{category[:3]}{i:03d}", "caption": template.format(i), "path": f"{category}/{i}.mp4"}
            for category, template in captions.items() for i in range(n_per_category)]
    return pd.DataFrame(rows)


def test_cut_subset_exact_counts_determinism_and_order_independence(tmp_path):
    candidates = _synthetic_candidates()
    subset = cut_subset(candidates, n_tasks=50, seed=3)
    assert subset["category"].value_counts().to_dict() == category_counts(50)
    assert (subset["prompt"] == subset["caption"]).all() and (subset["split"] == "test").all()
    assert subset["category"].tolist() == [keyword_category(c) for c in subset["caption"]]
    shuffled = candidates.sample(frac=1, random_state=1)
    pd.testing.assert_frame_equal(cut_subset(shuffled, n_tasks=50, seed=3), subset)
    assert set(cut_subset(candidates, n_tasks=50, seed=4)["id"]) != set(subset["id"])
    # a larger subset extends each category's draw
    larger = cut_subset(candidates, n_tasks=100, seed=3)
    assert set(subset["id"]) <= set(larger["id"])
    # the result is a manifest load_manifest accepts once the clips exist
    for relative in subset["path"]:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_bytes(b"")
    subset.to_csv(tmp_path / "subset.csv", index=False)
    assert load_manifest(tmp_path / "subset.csv")["id"].tolist() == subset["id"].tolist()


def test_cut_subset_with_a_category_column_or_function():
    candidates = _synthetic_candidates(10).assign(label=lambda t: np.where(t.index % 2, "odd", "even"))
    by_column = cut_subset(candidates, n_tasks=6, category_mix={"odd": 0.5, "even": 0.5}, category_column="label")
    assert by_column["category"].value_counts().to_dict() == {"odd": 3, "even": 3}
    by_function = cut_subset(candidates, n_tasks=4, category_mix={"short": 0.5, "long": 0.5},
                             categorise=lambda caption: "long" if len(caption) > 16 else "short")
    assert sorted(by_function["category"]) == ["long", "long", "short", "short"]


def test_cut_subset_names_every_category_short_of_candidates():
    candidates = _synthetic_candidates(5)
    with pytest.raises(ValueError, match=r"'Animals' needs 9 but has 5; 'People' needs 11 but has 5;.*Lower n_tasks"):
        cut_subset(candidates, n_tasks=50)
    with pytest.raises(ValueError, match="path_template '{shard}/{id}.mp4' names 'shard'"):
        cut_subset(candidates.drop(columns="path"), n_tasks=5, path_template="{shard}/{id}.mp4")

"""Panda-70M / VidGen-1M subsets: metadata readers, keyword categories, category counts and the seeded draw."""

import json

import numpy as np
import pandas as pd
import pytest

from squbed_utils.manifests import load_manifest
from squbed_utils.subsets import (
    category_counts,
    clip_candidates,
    cut_subset,
    keyword_category,
    parse_timestamp,
)


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

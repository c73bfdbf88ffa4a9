"""backends: what each profile runs, and that a Ray spec keys clips exactly like the model it describes."""

import numpy as np
import pandas as pd
import pytest

from squbed_utils import backends
from squbed_utils.distributed import ModelSpec
from squbed_utils.generators import DiffusersVideoGenerator
from squbed_utils.clipio import write_clip
from squbed_utils.profiles import get_profile
from squbed_utils.testing.pipelines import TINY_SETTINGS, save_tiny_pipeline


@pytest.fixture(scope="module")
def paper_settings(tmp_path_factory):
    root = tmp_path_factory.mktemp("backends")
    for i in range(3):
        write_clip(root / "clips" / f"c{i}.mp4", np.full((8, 32, 48, 3), 60 * i, np.uint8))
    pd.DataFrame({"id": ["a", "b", "c"], "caption": ["a cat", "a dog", "a bird"], "path": ["c0.mp4", "c1.mp4", "c2.mp4"],
                  "category": ["Animals"] * 3}).to_csv(root / "clips" / "manifest.csv", index=False)
    wan = TINY_SETTINGS["wan"]
    return dict(manifest=str(root / "clips" / "manifest.csv"), video_model=str(save_tiny_pipeline("wan", root / "wan")),
                llm="unused", frames=wan["frames"], height=wan["height"], width=wan["width"], num_inference_steps=2,
                stored_frames=4, stored_height=16, stored_width=16, device="cpu", torch_dtype="float32",
                artifacts=str(root / "artifacts"))


def test_toy_profiles_run_in_process_with_toy_embedders():
    settings = get_profile("tiny")
    assert backends.executor(settings) is None
    assert backends.default_video_embedders(settings) == ["toy_clip", "frame_features"]
    with pytest.raises(ValueError, match="real_tasks needs real clips; the 'tiny' profile runs the toy world"):
        backends.real_tasks(settings)


def test_paper_tasks_take_num_tasks_rows_and_clips_resolve_against_the_manifest_folder(paper_settings):
    settings = get_profile("paper", **paper_settings, num_tasks=2)
    assert backends.default_video_embedders(settings) == ["clip"]
    tasks = backends.real_tasks(settings)
    assert tasks["id"].tolist() == ["a", "b"] and tasks["prompt"].tolist() == ["a cat", "a dog"]
    tasks.to_csv(settings.artifacts_dir.parent / "tasks.csv", index=False)  # later notebooks read it back from CSV
    clips = backends.reference_clips(pd.read_csv(settings.artifacts_dir.parent / "tasks.csv"), settings)
    assert clips.shape == (2, 4, 16, 16, 3) and clips.dtype == np.uint8
    assert abs(int(clips[1].mean()) - 60) <= 2 and int(clips[0].max()) <= 2


def test_a_ray_spec_has_the_cache_key_of_the_generator_it_loads(paper_settings):
    in_process = get_profile("paper", **paper_settings)
    on_ray = get_profile("paper", **paper_settings, ray_address="local")
    loaded = backends.video_generator(in_process)
    spec = backends.video_generator(on_ray)
    assert isinstance(loaded, DiffusersVideoGenerator) and isinstance(spec, ModelSpec)
    assert spec.cache_key == loaded.cache_key
    assert isinstance(backends.video_generator(on_ray, ray_spec=False), DiffusersVideoGenerator)
    assert loaded.clip_shape == (4, 16, 16, 3) and loaded.generated_shape[0] == TINY_SETTINGS["wan"]["frames"]

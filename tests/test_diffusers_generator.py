"""DiffusersVideoGenerator on tiny random pipelines of every family: clips, seeds, persistence, cache keys, errors."""

import dataclasses
import json
import shutil

import numpy as np
import pandas as pd
import pytest
import torch

from squbed_utils import pipeline as squbed_pipeline
from squbed_utils import seeds as squbed_seeds
from squbed_utils.generators import (PIPELINE_FAMILIES, DiffusersGeneratorConfig, DiffusersVideoGenerator,
                                     VideoGenerator, family_config)
from squbed_utils.generators import diffusers_pipeline
from squbed_utils import store
from squbed_utils.store import ArrayStore
from squbed_utils.testing.pipelines import TINY_FAMILIES, TINY_SETTINGS, save_tiny_pipeline, tiny_pipeline

PROMPTS = ["a red ball rolls to the left", "a dog runs on a beach", "rain falls over a city at night"]
SEEDS = [11, 12, 13]


pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/conftest.py


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny-pipelines")
    return {family: save_tiny_pipeline(family, root / family) for family in TINY_FAMILIES}


@pytest.fixture(scope="module")
def generators(folders):
    return {family: DiffusersVideoGenerator.from_pretrained(folder, device="cpu", **TINY_SETTINGS[family])
            for family, folder in folders.items()}


@pytest.fixture(scope="module")
def reference_clips(generators):
    return {family: generator(PROMPTS, SEEDS) for family, generator in generators.items()}


# --- clips ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("family", TINY_FAMILIES)
def test_clips_have_the_configured_shape_and_are_deterministic_under_a_seed(family, generators, reference_clips):
    generator = generators[family]
    clips = reference_clips[family]
    settings = TINY_SETTINGS[family]
    assert isinstance(generator, VideoGenerator)
    assert generator.clip_shape == (settings["frames"], settings["height"], settings["width"], 3)
    assert clips.shape == (3, *generator.clip_shape) and clips.dtype == np.uint8
    assert clips.std() > 5  # random weights still draw something, not a constant frame
    np.testing.assert_array_equal(generator(PROMPTS, SEEDS), clips)
    assert not np.array_equal(generator(PROMPTS[:1], [99])[0], clips[0])
    assert not np.array_equal(clips[0], clips[1])


@pytest.mark.parametrize("family", TINY_FAMILIES)
def test_a_clip_does_not_depend_on_its_batch(family, generators, reference_clips):
    generator, clips = generators[family], reference_clips[family]
    shuffled = generator([PROMPTS[2], "a lonely tree", PROMPTS[0]], [SEEDS[2], 5, SEEDS[0]])
    np.testing.assert_array_equal(shuffled[0], clips[2])
    np.testing.assert_array_equal(shuffled[2], clips[0])
    # several clips per pipeline call: the same clips up to float rounding (one uint8 level) ...
    batched = DiffusersVideoGenerator(generator.pipeline, dataclasses.replace(generator.config, max_batch_size=3))
    together = batched(PROMPTS, SEEDS)
    difference = np.abs(together.astype(int) - clips.astype(int))
    assert difference.max() <= 1 and difference.mean() < 0.01
    # ... and, calls padded to three clips, the same bytes however they are asked for
    np.testing.assert_array_equal(batched(PROMPTS[1:2], SEEDS[1:2])[0], together[1])
    assert batched.cache_key != generator.cache_key  # the batch size decides the bits, so it keys them


@pytest.mark.parametrize("family", TINY_FAMILIES)
def test_files_reproduce_the_pipeline_built_in_memory_and_save_load_round_trips(family, generators, reference_clips,
                                                                                 tmp_path):
    in_memory = DiffusersVideoGenerator.from_pipeline(tiny_pipeline(family), device="cpu", **TINY_SETTINGS[family])
    np.testing.assert_array_equal(in_memory(PROMPTS, SEEDS), reference_clips[family])
    generators[family].save_pretrained(tmp_path / "copy")
    loaded = DiffusersVideoGenerator.from_pretrained(tmp_path / "copy", device="cpu")  # settings come from config.json
    assert dataclasses.replace(loaded.config, model="") == dataclasses.replace(generators[family].config, model="")
    np.testing.assert_array_equal(loaded(PROMPTS, SEEDS), reference_clips[family])


def test_sampling_options_override_the_config_for_one_call(generators, reference_clips):
    generator = generators["wan"]
    more_steps = generator(PROMPTS[:1], SEEDS[:1], num_inference_steps=3)
    assert not np.array_equal(more_steps[0], reference_clips["wan"][0])
    more_steps_config = DiffusersVideoGenerator(generator.pipeline,
                                                dataclasses.replace(generator.config, num_inference_steps=3))
    np.testing.assert_array_equal(more_steps_config(PROMPTS[:1], SEEDS[:1]), more_steps)


def test_cosmos_predict2_from_its_two_checkpoints_matches_the_combined_pipeline(generators, reference_clips, tmp_path):
    text2image, video2world = tiny_pipeline("cosmos-predict2").stages()
    text2image.save_pretrained(tmp_path / "text2image")
    video2world.save_pretrained(tmp_path / "video2world")
    options = dict(device="cpu", image_model=str(tmp_path / "text2image"), **TINY_SETTINGS["cosmos-predict2"])
    generator = DiffusersVideoGenerator.from_pretrained(tmp_path / "video2world", **options)
    assert generator.config.family == "cosmos-predict2"
    assert type(generator.pipeline).__name__ == "CosmosPredict2TextToWorldPipeline"
    np.testing.assert_array_equal(generator(PROMPTS, SEEDS), reference_clips["cosmos-predict2"])
    assert DiffusersVideoGenerator.pretrained_cache_key(tmp_path / "video2world", **options) == generator.cache_key


# --- cache keys ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("family", TINY_FAMILIES)
def test_pretrained_cache_key_equals_the_loaded_key_and_tracks_weights_and_sampling(family, folders, generators,
                                                                                     tmp_path):
    options = dict(device="cpu", **TINY_SETTINGS[family])
    key = DiffusersVideoGenerator.pretrained_cache_key(folders[family], **options)
    assert key == generators[family].cache_key
    # where the clips are made does not change them, so not the key either
    assert DiffusersVideoGenerator.pretrained_cache_key(folders[family], **{**options, "device": "auto"}) == key
    shutil.copytree(folders[family], tmp_path / "moved")
    assert DiffusersVideoGenerator.pretrained_cache_key(tmp_path / "moved", **options) == key
    for change in ({"num_inference_steps": 3}, {"guidance_scale": 1.5}, {"negative_prompt": "blurry"},
                   {"torch_dtype": "bfloat16"}, {"call_kwargs": {"max_sequence_length": 8}}, {"max_batch_size": 4}):
        assert DiffusersVideoGenerator.pretrained_cache_key(folders[family], **{**options, **change}) != key, change
    # other weights with the same names and shapes: a file that changes in content only
    other = save_tiny_pipeline(family, tmp_path / "other", seed=1)
    shutil.copy(other / "transformer" / "diffusion_pytorch_model.safetensors",
                tmp_path / "moved" / "transformer" / "diffusion_pytorch_model.safetensors")
    new_weights = DiffusersVideoGenerator.pretrained_cache_key(tmp_path / "moved", **options)
    assert new_weights != key
    # a sampling setting stored with the scheduler
    scheduler_config = tmp_path / "moved" / "scheduler" / "scheduler_config.json"
    scheduler_config.write_text(json.dumps({**json.loads(scheduler_config.read_text()), "shift": 2.5}))
    assert DiffusersVideoGenerator.pretrained_cache_key(tmp_path / "moved", **options) not in (key, new_weights)


def test_large_weight_files_are_fingerprinted_from_their_header_and_samples(folders, tmp_path, monkeypatch):
    monkeypatch.setattr(store, "_WHOLE_FILE_BYTES", 0)  # treat every file as large
    weights = "transformer/diffusion_pytorch_model.safetensors"
    shutil.copytree(folders["wan"], tmp_path / "a")
    before = diffusers_pipeline.pipeline_folder_fingerprint(tmp_path / "a")
    assert diffusers_pipeline.pipeline_folder_fingerprint(folders["wan"]) == before
    shutil.copy(save_tiny_pipeline("wan", tmp_path / "b", seed=1) / weights, tmp_path / "a" / weights)
    assert diffusers_pipeline.pipeline_folder_fingerprint(tmp_path / "a") != before


def test_pipeline_built_in_memory_is_keyed_by_its_tensors():
    settings = TINY_SETTINGS["ltx"]
    first = DiffusersVideoGenerator.from_pipeline(tiny_pipeline("ltx"), device="cpu", **settings)
    assert first.cache_key == DiffusersVideoGenerator.from_pipeline(tiny_pipeline("ltx"), device="cpu",
                                                                    **settings).cache_key
    other = DiffusersVideoGenerator.from_pipeline(tiny_pipeline("ltx", seed=1), device="cpu", **settings)
    assert other.cache_key != first.cache_key
    with torch.no_grad():
        next(first.pipeline.transformer.parameters()).add_(1e-3)
    assert first.cache_key != DiffusersVideoGenerator.from_pipeline(tiny_pipeline("ltx"), device="cpu",
                                                                    **settings).cache_key


def test_generate_videos_caches_every_clip_and_a_rerun_generates_nothing(generators, tmp_path):
    generator = generators["cogvideox"]
    calls = []
    original = generator.generate_batch

    def counting(prompts, seeds, **sampling):
        calls.append(len(prompts))
        return original(prompts, seeds, **sampling)

    generator.generate_batch = counting
    try:
        latents = pd.DataFrame({"task_id": ["t0", "t0", "t1"], "latent_index": [0, 1, 0], "latent_prompt": PROMPTS})
        store = ArrayStore(tmp_path / "store")
        first = squbed_pipeline.generate_videos(latents, generator, 2, seed=0, store=store, clips_per_batch=4)
        assert sum(calls) == 6
        clips = squbed_pipeline.load_videos(first, store)
        assert clips.shape == (3, 2, *generator.clip_shape) and clips.dtype == np.uint8
        calls.clear()
        again = squbed_pipeline.generate_videos(latents, generator, 2, seed=0, store=store, clips_per_batch=4)
        assert calls == []
        assert again["video_key"].tolist() == first["video_key"].tolist()
        np.testing.assert_array_equal(squbed_pipeline.load_videos(again, store), clips)
        # the clips are the generator's own, seeded by the pipeline's per-video seeds
        seeds = squbed_seeds.video_seeds(0, "t1", 0, 2)
        np.testing.assert_array_equal(np.concatenate([original([PROMPTS[2]], [s]) for s in seeds]), clips[2])
    finally:
        del generator.generate_batch


# --- families and configs ----------------------------------------------------------------------------------------

def test_every_family_documents_valid_defaults_and_is_detected_from_its_pipeline():
    assert set(TINY_FAMILIES) == set(PIPELINE_FAMILIES)
    for name, family in PIPELINE_FAMILIES.items():
        config = family_config(name, device="cpu")
        assert (config.frames, config.height, config.width) == (family.frames, family.height, family.width)
        assert config.torch_dtype == "float32"  # "auto" on the CPU
        assert diffusers_pipeline.detect_family(tiny_pipeline(name)) == name
    assert family_config("wan", device="cuda").torch_dtype == "bfloat16"


def test_non_square_clips_keep_height_and_width_apart(generators):
    generator = generators["ltx"]
    clips = generator(PROMPTS[:1], SEEDS[:1])
    assert clips.shape[2:4] == (TINY_SETTINGS["ltx"]["height"], TINY_SETTINGS["ltx"]["width"])


# --- errors -------------------------------------------------------------------------------------------------------

def test_a_missing_local_path_names_itself(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no pipeline at local path .*nowhere.*pass an existing folder"):
        DiffusersVideoGenerator.from_pretrained(tmp_path / "nowhere", device="cpu")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="holds no model_index.json, so it is not a diffusers pipeline folder"):
        DiffusersVideoGenerator.pretrained_cache_key(tmp_path / "empty")


def test_an_uncached_hub_id_says_the_weights_need_a_download():
    message = ("pipeline 'squbed-tests/no-such-video-model' is not in the local Hugging Face cache, so its weights "
               "need a download: run once with allow_download=True on a machine with internet "
               r"\(or `hf download squbed-tests/no-such-video-model`\), or pass a local folder")
    with pytest.raises(FileNotFoundError, match=message):
        DiffusersVideoGenerator.from_pretrained("squbed-tests/no-such-video-model", device="cpu")
    with pytest.raises(FileNotFoundError, match="weights need a download"):
        DiffusersVideoGenerator.pretrained_cache_key("squbed-tests/no-such-video-model")


def test_cosmos_video2world_needs_its_text2image_checkpoint(tmp_path):
    _, video2world = tiny_pipeline("cosmos-predict2").stages()
    video2world.save_pretrained(tmp_path / "video2world")
    # the default Text2Image checkpoint is a hub id, not cached here
    with pytest.raises(FileNotFoundError, match="'nvidia/Cosmos-Predict2-2B-Text2Image' is not in the local"):
        DiffusersVideoGenerator.from_pretrained(tmp_path / "video2world", device="cpu")
    with pytest.raises(ValueError, match="pass image_model= the Text2Image checkpoint"):
        DiffusersVideoGenerator.from_pretrained(tmp_path / "video2world", device="cpu", image_model=None)


def test_unknown_family_or_pipeline_class_lists_the_known_ones(folders, tmp_path):
    with pytest.raises(ValueError, match=r"unknown pipeline family 'sora'; known families: 'cosmos-predict2', "
                                         r"'wan', 'cogvideox', 'ltx'"):
        DiffusersVideoGenerator.from_pretrained(folders["wan"], family="sora", device="cpu")
    with pytest.raises(ValueError, match=r"unknown pipeline family 'sora'"):
        family_config("sora")
    with pytest.raises(ValueError, match=r"unknown pipeline class 'SoraPipeline': not a diffusers pipeline; "
                                         r"known classes: \['CogVideoXPipeline', 'CosmosPredict2TextToWorldPipeline'"):
        DiffusersVideoGenerator.from_pretrained(folders["wan"], family="wan", pipeline_class="SoraPipeline",
                                                device="cpu", **TINY_SETTINGS["wan"])
    (tmp_path / "mystery").mkdir()
    (tmp_path / "mystery" / "model_index.json").write_text(json.dumps({"_class_name": "MysteryPipeline"}))
    with pytest.raises(ValueError, match="cannot tell the family of pipeline class 'MysteryPipeline'; pass family="):
        DiffusersVideoGenerator.pretrained_cache_key(tmp_path / "mystery")
    with pytest.raises(ValueError, match=r"holds a WanPipeline \(wan family\), not a ltx pipeline"):
        DiffusersVideoGenerator.from_pretrained(folders["wan"], family="ltx", device="cpu")


def test_cuda_without_a_gpu_is_refused_before_loading(folders, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(RuntimeError, match="device 'cuda' asked for, but torch sees no CUDA GPU"):
        DiffusersVideoGenerator.from_pretrained(folders["wan"], device="cuda", **TINY_SETTINGS["wan"])
    with pytest.raises(ValueError, match="offload='model' moves weights between the CPU and a GPU: it needs"):
        DiffusersVideoGenerator.from_pipeline(tiny_pipeline("wan"), device="cpu", offload="model",
                                              **TINY_SETTINGS["wan"])


@pytest.mark.parametrize("family, change, message", [
    ("wan", {"frames": 6}, r"frames=6 is not valid for wan: frames - 1 must be a multiple of 4; the nearest valid "
                           r"values are 5 or 9"),
    ("cogvideox", {"frames": 5}, r"frames=5 is not valid for cogvideox: frames - 1 must be a multiple of 8; the "
                                 r"nearest valid values are 9"),
    ("ltx", {"height": 48}, r"height=48 is not valid for ltx: it must be a multiple of 32; the nearest valid values "
                            r"are 32 or 64"),
    ("cosmos-predict2", {"width": 1000}, r"width=1000 is not valid for cosmos-predict2: it must be a multiple of 16; "
                                         r"the nearest valid values are 992 or 1008"),
])
def test_frames_and_sizes_the_family_cannot_generate_name_the_nearest_valid_ones(family, change, message, folders):
    with pytest.raises(ValueError, match=message):
        DiffusersVideoGenerator.from_pretrained(folders[family], device="cpu", **{**TINY_SETTINGS[family], **change})
    with pytest.raises(ValueError, match=message):
        family_config(family, **{**TINY_SETTINGS[family], **change})


def test_bad_sampling_options_and_configs_are_refused(generators, folders):
    generator = generators["wan"]
    with pytest.raises(ValueError, match=r"sampling options may not set \['height'\]: frames, height and width are "
                                         r"fixed by the config"):
        generator(PROMPTS[:1], SEEDS[:1], height=32)
    with pytest.raises(ValueError, match=r"WanPipeline does not accept \['strength'\]; it accepts"):
        generator(PROMPTS[:1], SEEDS[:1], strength=0.5)
    with pytest.raises(ValueError, match=r"call_kwargs may not set \['num_frames'\]"):
        family_config("wan", call_kwargs={"num_frames": 9})
    with pytest.raises(ValueError, match="torch_dtype must be one of"):
        family_config("wan", torch_dtype="float64")
    with pytest.raises(ValueError, match=r"the pipeline is a LTXPipeline \(ltx family\) but the config says "
                                         r"family='wan'"):
        DiffusersVideoGenerator(generators["ltx"].pipeline, generator.config)
    with pytest.raises(ValueError, match=r"has keys \['num_steps'\] that DiffusersGeneratorConfig does not know"):
        DiffusersVideoGenerator.from_pretrained(folders["wan"], device="cpu", num_steps=3)
    assert isinstance(generator.config, DiffusersGeneratorConfig)


def test_cosmos_without_nvidias_guardrail_says_how_to_install_it(folders, tmp_path, monkeypatch):
    import diffusers.utils

    monkeypatch.setattr(diffusers.utils, "is_cosmos_guardrail_available", lambda: False)
    shutil.copytree(folders["cosmos-predict2"], tmp_path / "cosmos")
    index_file = tmp_path / "cosmos" / "model_index.json"
    index = json.loads(index_file.read_text())
    index_file.write_text(json.dumps({**index, "safety_checker": ["cosmos_guardrail", "CosmosSafetyChecker"]}))
    with pytest.raises(ImportError, match=r"NVIDIA Open Model License .* `pip install cosmos_guardrail`"):
        DiffusersVideoGenerator.from_pretrained(tmp_path / "cosmos", device="cpu")


def test_loading_without_accelerate_says_to_install_it(folders, monkeypatch):
    import diffusers.utils

    monkeypatch.setattr(diffusers.utils, "is_accelerate_available", lambda: False)
    with pytest.raises(ImportError, match="needs accelerate: `pip install accelerate`"):
        DiffusersVideoGenerator.from_pretrained(folders["ltx"], device="cpu", **TINY_SETTINGS["ltx"])


def test_output_geometry_resamples_each_generated_clip_and_is_part_of_the_key(generators, reference_clips):
    from squbed_utils.clipio import resample_clip

    generator = generators["wan"]
    frames, height, width, _ = generator.clip_shape
    small = DiffusersVideoGenerator(generator.pipeline, dataclasses.replace(
        generator.config, output_frames=frames // 2, output_height=height // 2, output_width=width // 4 * 2))
    assert small.generated_shape == generator.clip_shape
    assert small.clip_shape == (frames // 2, height // 2, width // 4 * 2, 3)
    clips = small(PROMPTS, SEEDS)
    assert clips.shape == (3, *small.clip_shape) and clips.dtype == np.uint8
    expected = [resample_clip(clip, frames=frames // 2, height=height // 2, width=width // 4 * 2)
                for clip in reference_clips["wan"]]
    np.testing.assert_array_equal(clips, np.stack(expected))
    assert small.cache_key != generator.cache_key
    with pytest.raises(ValueError, match=rf"output_frames={frames + 1} exceeds the {frames} frames generated"):
        dataclasses.replace(generator.config, output_frames=frames + 1)
    with pytest.raises(ValueError, match="output_height must be a positive integer or None, got 0"):
        dataclasses.replace(generator.config, output_height=0)

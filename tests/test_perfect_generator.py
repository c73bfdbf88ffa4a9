"""The perfect-model control: the toy world's renderer as a video generator with no ignorance."""

import json

import numpy as np
import pytest

from squbed_utils import backends, world
from squbed_utils.generators import (PerfectGeneratorConfig, PerfectVideoGenerator, ToyGeneratorConfig,
                                     ToyVideoGenerator, VideoGenerator)
from squbed_utils.generators.toy import saved_config
from squbed_utils.profiles import get_profile

CONFIG = PerfectGeneratorConfig(frames=8, size=32, seed=0)
PROMPTS = ["a small red circle moves to the left", "something blue", "a large green square rises", "a shape",
           "something small and yellow drifts sideways", "a big white cross stays still", "a triangle moves"]
VAGUE = ["something red moves", "a shape", "a large square", "something small and blue drifts sideways"]


@pytest.fixture(scope="module")
def generator():
    return PerfectVideoGenerator(CONFIG)


def _centres(clips: np.ndarray) -> np.ndarray:
    """(row, col) of the object's pixels in the first frame of each clip."""
    mask = np.abs(clips[:, 0].astype(np.int16) - world.BACKGROUND_RGB.astype(np.int16)).max(axis=-1) > 8
    rows, cols = np.arange(mask.shape[1]), np.arange(mask.shape[2])
    area = mask.sum(axis=(1, 2))
    return np.stack([(mask.sum(axis=2) @ rows) / area, (mask.sum(axis=1) @ cols) / area], axis=1)


def test_clips_have_the_toy_models_layout_and_the_configs_geometry(generator):
    assert isinstance(generator, VideoGenerator)
    clips = generator(PROMPTS, seeds=np.arange(len(PROMPTS)))
    assert clips.shape == (len(PROMPTS), 8, 32, 32, 3) and clips.dtype == np.uint8
    small = PerfectVideoGenerator(PerfectGeneratorConfig(frames=5, size=24))
    assert small(PROMPTS[:2], seeds=[0, 1]).shape == (2, 5, 24, 24, 3)
    profile = PerfectGeneratorConfig.like(backends.toy_generator_config(get_profile("tiny")))
    assert PerfectVideoGenerator(profile).clip_shape == (profile.frames, profile.size, profile.size, 3)


def test_the_checker_reads_back_every_fully_specified_prompt(generator):
    objects = world.all_attribute_combinations()
    rng = np.random.default_rng(0)
    prompts = [world.caption(obj, seed=int(rng.integers(2**30))) for obj in objects]  # varied phrasings
    seeds = rng.integers(0, 2**62, size=len(prompts))
    clips = generator(prompts, seeds)
    accuracy = world.attribute_accuracy(clips, prompts)
    # measured: 1.0 on every attribute (240 objects here; 1,120 clips at the tiny and default geometry)
    assert accuracy["all"].mean() >= 0.98, accuracy.mean()
    # a fully specified prompt shows exactly its object, rendered from the item's derived render seed
    assert generator.draw_completions(prompts, seeds) == objects
    np.testing.assert_array_equal(clips[:3], world.render_batch(objects[:3], generator.render_seeds(seeds[:3])))


@pytest.mark.parametrize("prompt", VAGUE)
def test_vague_prompts_satisfy_the_prompt_and_cover_several_completions(generator, prompt):
    seeds = np.arange(200)
    clips = generator([prompt] * len(seeds), seeds)
    found = world.check_attributes(clips)
    assert world.attributes_allowed(found, prompt)["all"].mean() >= 0.98  # measured: 1.0 for each prompt
    drawn = generator.draw_completions([prompt] * len(seeds), seeds)
    constraint = world.parse_prompt(prompt)
    assert all(constraint.allows(obj) for obj in drawn)
    assert len(set(drawn)) > 1
    read = set(found.itertuples(index=False, name=None))
    assert len(read) > 1  # the clips, not only the draws, differ in their attributes
    # the checker reads the drawn object itself, not just something the prompt allows
    exact = world.attributes_allowed(found, [world.Constraint.exactly(obj) for obj in drawn])
    assert exact["all"].mean() >= 0.98


def test_completions_are_drawn_uniformly(generator):
    prompt = "a small red circle moves sideways"  # left or right
    drawn = generator.draw_completions([prompt] * 400, np.arange(400))
    share = np.mean([obj.motion == "left" for obj in drawn])
    assert 0.4 < share < 0.6


def test_different_seeds_give_different_positions_and_jitter(generator):
    prompt = "a small red circle moves to the left"
    clips = generator([prompt] * 20, np.arange(20))
    centres = np.round(_centres(clips), 2)
    assert len({tuple(c) for c in centres}) >= 18
    assert len({clip.tobytes() for clip in clips}) == 20
    # the nuisance of a seed does not depend on the prompt: the same seed puts a still object at the same place
    still = generator(["a small red circle stays still", "a small blue square stays still"], [3, 3])
    np.testing.assert_allclose(_centres(still)[0], _centres(still)[1], atol=0.5)


def test_clips_do_not_depend_on_the_batch(generator):
    seeds = np.array([11, 12, 13, 14, 15, 16, 2**62 + 3])
    full = generator(PROMPTS, seeds)
    for i in range(len(PROMPTS)):
        np.testing.assert_array_equal(generator([PROMPTS[i]], [seeds[i]])[0], full[i])
    np.testing.assert_array_equal(generator(PROMPTS[2:], seeds[2:]), full[2:])
    np.testing.assert_array_equal(generator(PROMPTS[:5], seeds[:5]), full[:5])
    order = np.random.default_rng(1).permutation(len(PROMPTS))
    np.testing.assert_array_equal(generator([PROMPTS[i] for i in order], seeds[order]), full[order])

    class SmallBatches(PerfectVideoGenerator):
        default_batch_size = 3  # calls of 5 and 7 items span several padded batches

    small = SmallBatches(CONFIG)
    np.testing.assert_array_equal(small(PROMPTS, seeds), full)
    np.testing.assert_array_equal(small(PROMPTS[:5], seeds[:5]), full[:5])
    assert small.cache_key != generator.cache_key  # the batch size is part of every generator's key


def test_the_root_seed_changes_the_clips(generator):
    other = PerfectVideoGenerator(PerfectGeneratorConfig(seed=1))
    seeds = np.arange(len(PROMPTS))
    assert not np.array_equal(other(PROMPTS, seeds), generator(PROMPTS, seeds))


def test_cache_key_has_no_weights_and_tells_configs_apart(generator):
    key = generator.cache_key
    assert isinstance(key, str) and key == PerfectVideoGenerator(CONFIG).cache_key
    info = generator.cache_info()
    assert info["architecture"] == "PerfectVideoGenerator" and info["config"] == {"frames": 8, "size": 32, "seed": 0}
    others = [PerfectGeneratorConfig(frames=6), PerfectGeneratorConfig(size=24), PerfectGeneratorConfig(seed=7)]
    keys = {PerfectVideoGenerator(c).cache_key for c in others}
    assert len(keys) == 3 and key not in keys
    toy = ToyVideoGenerator(backends.toy_generator_config(get_profile("tiny")))  # untrained weights: no training
    assert toy.cache_key != key and toy.weights_fingerprint() != generator.weights_fingerprint()


def test_prompts_outside_the_grammar_raise_the_parsers_error(generator):
    with pytest.raises(ValueError, match=r"unknown word 'dragon' in prompt 'a red dragon flies'; use only the toy "
                                         r"world's vocabulary"):
        generator(["a red circle", "a red dragon flies"], seeds=[0, 1])
    with pytest.raises(ValueError, match="contradictory words in prompt 'a red blue circle'"):
        generator("a red blue circle", seeds=0)
    with pytest.raises(ValueError, match="names no object"):
        generator("the", seeds=0)
    with pytest.raises(ValueError, match="prompt 1 is empty"):
        generator(["a red circle", "  "], seeds=[0, 1])
    with pytest.raises(ValueError, match="seeds must be 2 integers"):
        generator(["a red circle", "a blue square"], seeds=[0])
    with pytest.raises(ValueError, match="takes no sampling options"):
        generator("a red circle", seeds=0, guidance_scale=2.0)
    with pytest.raises(ValueError, match="size must be an integer >= 16"):
        PerfectGeneratorConfig(size=8)
    with pytest.raises(ValueError, match="frames must be an integer >= 2"):
        PerfectGeneratorConfig(frames=1)


def test_an_unknown_prompt_fails_before_anything_is_rendered(monkeypatch):
    generator = PerfectVideoGenerator(CONFIG)

    def fail(*args, **kwargs):
        raise AssertionError("rendered before every prompt was parsed")

    monkeypatch.setattr(generator, "generate_batch", fail)
    with pytest.raises(ValueError, match="unknown word 'dragon'"):
        generator(["a red circle"] * 300 + ["a dragon"], seeds=np.arange(301))


def test_save_load_round_trip(generator, tmp_path):
    config = PerfectGeneratorConfig(frames=6, size=24, seed=5)
    original = PerfectVideoGenerator(config)
    folder = original.save_pretrained(tmp_path / "perfect")
    assert sorted(p.name for p in folder.iterdir()) == ["config.json"]  # no weights
    saved = json.loads((folder / "config.json").read_text())
    assert saved == {"architecture": "PerfectVideoGenerator", "format_version": 1, "frames": 6, "size": 24, "seed": 5}
    loaded = PerfectVideoGenerator.from_pretrained(folder)
    assert loaded.config == config and loaded.cache_key == original.cache_key
    np.testing.assert_array_equal(loaded(PROMPTS, np.arange(7)), original(PROMPTS, np.arange(7)))
    assert PerfectVideoGenerator.from_pretrained(folder, config=config).config == config
    with pytest.raises(ValueError, match="saved with another config"):
        PerfectVideoGenerator.from_pretrained(folder, config=CONFIG)


def test_loading_another_architecture_or_nothing_is_a_clear_error(tmp_path):
    toy_folder = tmp_path / "toy"
    toy_folder.mkdir()
    (toy_folder / "config.json").write_text(saved_config(ToyGeneratorConfig()))
    with pytest.raises(ValueError, match="describes a 'ToyVideoGenerator' model, not a 'PerfectVideoGenerator'"):
        PerfectVideoGenerator.from_pretrained(toy_folder)
    with pytest.raises(FileNotFoundError, match="no generator checkpoint folder"):
        PerfectVideoGenerator.from_pretrained(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="config.json is missing"):
        PerfectVideoGenerator.from_pretrained(tmp_path / "empty")
    edited = tmp_path / "edited"
    PerfectVideoGenerator(CONFIG).save_pretrained(edited)
    values = json.loads((edited / "config.json").read_text()) | {"guidance_scale": 2.0}
    (edited / "config.json").write_text(json.dumps(values))
    with pytest.raises(ValueError, match=r"keys \['guidance_scale'\] that PerfectGeneratorConfig does not know"):
        PerfectVideoGenerator.from_pretrained(edited)

"""Video embedders: the ToyClip encoder trained on the toy world and EfficientNet-Lite0 frame features."""

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
import torch

from squbed_utils import world
from squbed_utils import backends
from squbed_utils.evaluation import evaluate_video_embedder, evaluation_clips
from squbed_utils.profiles import get_profile
from squbed_utils.embedders.base import VideoEmbedder
from squbed_utils.embedders.frame_features import FrameFeatureConfig, FrameFeatureEmbedder, packaged_efficientnet_lite0_path
from squbed_utils.embedders.toy_clip import ToyClipConfig, ToyClipEmbedder, ToyClipTrainingConfig
from squbed_utils.embedders.toy_clip_training import LOSS_CURVE_NAME, train_toy_clip_embedder

TINY = backends.toy_clip_config(get_profile("tiny"))

#: A training run small enough to repeat inside a test (a fraction of a second).
MICRO = ToyClipTrainingConfig(
    model=ToyClipConfig(channels=(4, 8, 8), head_hidden=16, embed_dim=32), steps=3, batch_size=8, warmup_steps=1
)


def _clips(objects, seed=0, frames=8, size=32):
    table = pd.DataFrame(objects)
    return world.render_batch(table, np.arange(len(table)) + seed, frames=frames, size=size)


@pytest.fixture(scope="module")
def mixed_clips():
    rng = np.random.default_rng(0)
    combos = world.all_attribute_combinations()
    return _clips([combos[i] for i in rng.integers(len(combos), size=8)], seed=100)


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory):
    """The ``tiny`` preset, trained once for the module (about 10 s on one thread)."""
    folder = tmp_path_factory.mktemp("toy_clip") / "tiny"
    train_toy_clip_embedder(TINY, folder, progress=False)
    return folder


@pytest.fixture(scope="module")
def toy_clip(tiny_checkpoint):
    return ToyClipEmbedder.from_pretrained(tiny_checkpoint)


@pytest.fixture(scope="module")
def frame_features():
    # a small input keeps the test fast; the weights and the code path are the same as at 224
    return FrameFeatureEmbedder(FrameFeatureConfig(image_size=64, frames=2))


@pytest.fixture(scope="module", params=["toy_clip", "frame_features"])
def embedder(request):
    return request.getfixturevalue(request.param)


# --- the interface, for both embedders ------------------------------------------


def test_shape_dtype_and_unit_norm(embedder, mixed_clips):
    out = embedder(mixed_clips)
    assert isinstance(embedder, VideoEmbedder)
    assert out.shape == (len(mixed_clips), embedder.dim) and out.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    assert np.isfinite(out).all()


def test_deterministic_and_independent_of_batching(embedder, mixed_clips):
    first = embedder(mixed_clips, batch_size=5)
    np.testing.assert_array_equal(first, embedder(mixed_clips, batch_size=5))
    np.testing.assert_allclose(first, embedder(mixed_clips, batch_size=64), atol=1e-5)
    np.testing.assert_allclose(first[3:4], embedder(mixed_clips[3:4]), atol=1e-5)


def test_accepts_torch_tensors_and_progress_bar(embedder, mixed_clips):
    out = embedder(torch.from_numpy(mixed_clips[:2]), progress=True)
    np.testing.assert_allclose(out, embedder(mixed_clips[:2]), atol=1e-6)


@pytest.mark.parametrize(
    "bad, match",
    [
        (np.zeros((2, 8, 32, 32, 3), np.float32), "uint8"),
        (np.zeros((8, 32, 32, 3), np.uint8), "add a batch axis"),
        (np.zeros((2, 8, 32, 32), np.uint8), "5 dimensions|shape"),
        (np.zeros((2, 8, 32, 32, 4), np.uint8), "3 channels"),
        (np.zeros((0, 8, 32, 32, 3), np.uint8), "empty batch"),
        (np.zeros((2, 0, 32, 32, 3), np.uint8), "empty axis"),
        ("clips.mp4", "uint8 array"),
    ],
)
def test_bad_input_is_a_clear_error(embedder, bad, match):
    with pytest.raises(ValueError, match=match):
        embedder(bad)


def test_bad_batch_size(embedder, mixed_clips):
    with pytest.raises(ValueError, match="batch_size"):
        embedder(mixed_clips, batch_size=0)


# --- ToyClip: persistence and training ---------------------------------------------


def test_toy_clip_round_trip_is_identical(toy_clip, mixed_clips, tmp_path):
    toy_clip.save_pretrained(tmp_path / "copy")
    loaded = ToyClipEmbedder.from_pretrained(tmp_path / "copy", config=toy_clip.config)
    np.testing.assert_array_equal(loaded(mixed_clips), toy_clip(mixed_clips))
    prompts = ["a small red circle moves to the left", "something blue"]
    np.testing.assert_array_equal(loaded.embed_text(prompts), toy_clip.embed_text(prompts))
    assert loaded.training_config == TINY
    assert loaded.training_summary == toy_clip.training_summary


def test_missing_checkpoint_names_the_path(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(FileNotFoundError, match="nowhere"):
        ToyClipEmbedder.from_pretrained(missing)
    half = tmp_path / "half"
    half.mkdir()
    (half / "config.json").write_text("{}")
    with pytest.raises(FileNotFoundError, match="model.safetensors"):
        ToyClipEmbedder.from_pretrained(half)


def test_checkpoint_with_other_config_is_refused(toy_clip, tmp_path):
    folder = toy_clip.save_pretrained(tmp_path / "ckpt")
    with pytest.raises(ValueError, match="channels"):
        ToyClipEmbedder.from_pretrained(folder, config=ToyClipConfig())
    # a config.json edited so it no longer matches the weights
    saved = json.loads((folder / "config.json").read_text())
    saved["config"]["channels"] = [16, 16, 16]
    (folder / "config.json").write_text(json.dumps(saved))
    with pytest.raises(ValueError, match="do not match"):
        ToyClipEmbedder.from_pretrained(folder)
    saved["architecture"] = "FrameFeatureEmbedder"
    (folder / "config.json").write_text(json.dumps(saved))
    with pytest.raises(ValueError, match="ToyClipEmbedder"):
        ToyClipEmbedder.from_pretrained(folder)


def test_training_writes_checkpoint_and_falling_loss_curve(tiny_checkpoint):
    assert {"config.json", "model.safetensors", LOSS_CURVE_NAME} <= {p.name for p in tiny_checkpoint.iterdir()}
    curve = pd.read_csv(tiny_checkpoint / LOSS_CURVE_NAME)
    assert list(curve["step"]) == list(range(1, TINY.steps + 1))
    assert curve["loss"].tail(10).mean() < 0.5 * curve["loss"].head(10).mean()
    summary = json.loads((tiny_checkpoint / "config.json").read_text())["training_summary"]
    assert summary["clips"] == TINY.steps * TINY.batch_size


def test_training_is_seeded_and_cached(tmp_path, mixed_clips):
    a = train_toy_clip_embedder(MICRO, tmp_path / "a", progress=False)
    b = train_toy_clip_embedder(MICRO, None, progress=False)
    np.testing.assert_array_equal(a(mixed_clips), b(mixed_clips))
    # same config and folder: the checkpoint is reused, not retrained
    stamp = (tmp_path / "a" / "model.safetensors").stat().st_mtime_ns
    again = train_toy_clip_embedder(MICRO, tmp_path / "a", progress=False)
    assert (tmp_path / "a" / "model.safetensors").stat().st_mtime_ns == stamp
    np.testing.assert_array_equal(again(mixed_clips), a(mixed_clips))
    # a changed setting retrains
    other = dataclasses.replace(MICRO, seed=1)
    retrained = train_toy_clip_embedder(other, tmp_path / "a", progress=False)
    assert retrained.training_config.seed == 1
    assert not np.array_equal(retrained(mixed_clips), a(mixed_clips))


def test_bad_configs_are_refused():
    with pytest.raises(ValueError, match="channels"):
        ToyClipConfig(channels=(8, 8))
    with pytest.raises(ValueError, match="odd"):
        ToyClipConfig(temporal_kernel=2)
    with pytest.raises(ValueError, match="batch_size"):
        ToyClipTrainingConfig(batch_size=1)
    with pytest.raises(ValueError, match="must be a ToyClipTrainingConfig"):
        train_toy_clip_embedder("tiny", None)


def test_trained_space_groups_clips_by_caption(toy_clip):
    """Clips with the same attributes sit closer than clips with different ones, and retrieval beats chance."""
    objects, clips = evaluation_clips(3, seed=7)
    report = evaluate_video_embedder(toy_clip, objects=objects, clips=clips)
    assert report["cos_same"] > report["cos_different"] + 0.3
    for name in world.ATTRIBUTE_NAMES:  # the accuracy cosine reacts to every attribute
        assert report[f"cos_only_{name}"] < report["cos_same"] - 0.02, name
    assert report["retrieval_colour"] > 0.9 and report["retrieval_motion"] > 0.8 and report["retrieval_size"] > 0.8
    assert report["retrieval_all"] > 20 / 280  # chance is 1 / 280
    # an untrained network of the same shape does much worse
    untrained = evaluate_video_embedder(ToyClipEmbedder(toy_clip.config), objects=objects, clips=clips)
    assert report["retrieval_all"] > untrained["retrieval_all"] + 0.2


def test_text_side_and_classification(toy_clip):
    clips = _clips([world.Attributes("square", "red", "up", "large")] * 4, seed=3)
    table = toy_clip.classify(clips)
    assert (table["colour"] == "red").all() and (table["motion"] == "up").all()
    text = toy_clip.embed_text(["a big red square moves up", "something"])
    assert text.shape == (2, 512)
    np.testing.assert_allclose(np.linalg.norm(text, axis=1), 1.0, atol=1e-5)
    assert (toy_clip(clips) @ text[0]).mean() > 0.3
    with pytest.raises(ValueError, match="unknown word"):
        toy_clip.embed_text(["a red dragon"])
    with pytest.raises(ValueError, match="sequence"):
        toy_clip.embed_text("a red circle")


def test_toy_clip_resamples_other_clip_sizes(toy_clip):
    big = _clips([world.Attributes("circle", "blue", "right", "large")] * 2, frames=12, size=48)
    out = toy_clip(big)
    assert out.shape == (2, 512)
    assert (toy_clip.classify(big)["colour"] == "blue").all()


# --- EfficientNet-Lite0 frame features ---------------------------------------------


def test_frame_features_load_the_packaged_weights(frame_features):
    source = torch.load(packaged_efficientnet_lite0_path(), map_location="cpu", weights_only=True)
    network = frame_features.network.state_dict()
    for theirs, ours in [
        ("_conv_stem.weight", "conv_stem.weight"),
        ("_blocks.7._depthwise_conv.weight", "blocks.3.2.conv_dw.weight"),
        ("_blocks.15._project_conv.weight", "blocks.6.0.conv_pwl.weight"),
        ("_bn1.running_var", "bn2.running_var"),
        ("_fc.weight", "classifier.weight"),
    ]:
        torch.testing.assert_close(network[ours], source[theirs], rtol=0, atol=0)
    assert frame_features.dim == 1280


def test_frame_features_separate_colours(frame_features):
    reds = _clips([world.Attributes("circle", "red", "still", "large")] * 2, seed=11)
    blues = _clips([world.Attributes("circle", "blue", "still", "large")] * 2, seed=11)  # same seeds: same layout
    red, blue = frame_features(reds), frame_features(blues)
    assert not np.allclose(red, blue, atol=1e-3)
    assert (red * blue).sum(1).mean() < (red[0] * red[1]).sum() - 0.01


def test_frame_features_round_trip_and_errors(frame_features, mixed_clips, tmp_path):
    folder = frame_features.save_pretrained(tmp_path / "lite0")
    loaded = FrameFeatureEmbedder.from_pretrained(folder)
    np.testing.assert_array_equal(loaded(mixed_clips[:3]), frame_features(mixed_clips[:3]))
    with pytest.raises(ValueError, match="image_size"):
        FrameFeatureEmbedder.from_pretrained(folder, config=FrameFeatureConfig())
    with pytest.raises(FileNotFoundError, match="missing.pth"):
        FrameFeatureEmbedder(weights=tmp_path / "missing.pth")
    with pytest.raises(FileNotFoundError, match="absent"):
        FrameFeatureEmbedder.from_pretrained(tmp_path / "absent")
    with pytest.raises(ValueError, match="architecture"):
        FrameFeatureConfig(architecture="resnet50")
    with pytest.raises(ValueError, match="image_size"):
        FrameFeatureConfig(image_size=16)


# --- the committed toy CLIP of the default profile ------------------------------------------------------------------


def test_the_committed_toy_clip_is_the_default_profiles_and_has_learned():
    """models/default/toy_clip is what `make` uses on the default profile: trained on one machine and committed,
    so that every machine embeds with the same weights (retraining elsewhere gives other float roundings, then
    other weights). It must be the run of today's default config, or notebook 04 silently trains its own."""
    from squbed_utils.embedders.toy_clip_training import shipped_toy_clip

    for name in ("default", "tiny"):
        settings = get_profile(name)
        assert shipped_toy_clip(backends.toy_clip_config(settings), settings.models_dir / "toy_clip") is not None, (
            f"models/{name}/toy_clip was trained with another config than the {name} profile's; run `make train`")
    objects, clips = evaluation_clips(2, seed=5)
    shipped = get_profile("default").models_dir / "toy_clip"
    report = evaluate_video_embedder(ToyClipEmbedder.from_pretrained(shipped), objects=objects, clips=clips)
    assert report["retrieval_all"] > 0.9
    assert min(report["retrieval_colour"], report["retrieval_motion"], report["retrieval_size"]) > 0.99


def test_a_matching_committed_toy_clip_is_copied_not_trained(tmp_path, monkeypatch):
    from squbed_utils.embedders import toy_clip_training

    trained = train_toy_clip_embedder(MICRO, tmp_path / "shipped", progress=False)
    monkeypatch.setattr(toy_clip_training, "_training_batch", lambda *args: pytest.fail("trained instead of copied"))
    copied = train_toy_clip_embedder(MICRO, tmp_path / "run", progress=False, shipped=tmp_path / "shipped")
    for name in toy_clip_training.CHECKPOINT_FILES:
        assert (tmp_path / "run" / name).read_bytes() == (tmp_path / "shipped" / name).read_bytes()
    assert copied.cache_key == trained.cache_key
    other = dataclasses.replace(MICRO, steps=4)
    with pytest.raises(pytest.fail.Exception, match="trained instead of copied"):
        train_toy_clip_embedder(other, tmp_path / "run", progress=False, shipped=tmp_path / "shipped")

"""The CLIP video embedder (Transformers), on a tiny random CLIP built offline."""

import json
import shutil

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from squbed_utils import backends
from squbed_utils.embedders import ClipVideoConfig, ClipVideoEmbedder, sample_frame_indices
from squbed_utils.profiles import get_profile
from squbed_utils.testing.clip import save_tiny_clip


pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/conftest.py


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory):
    return save_tiny_clip(tmp_path_factory.mktemp("clip") / "tiny", seed=0)


@pytest.fixture(scope="module")
def embedder(tiny_folder):
    return ClipVideoEmbedder.from_pretrained(tiny_folder)


def random_clips(n, frames=12, height=40, width=56, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, frames, height, width, 3), dtype=np.uint8)


def processor_pixels(processor, frames):
    """The image processor's pixel_values for uint8 frames (N, H, W, 3)."""
    return processor(images=list(frames), return_tensors="pt")["pixel_values"]


# ---------------------------------------------------------------------------
# frame sampling


@pytest.mark.parametrize(("t", "k"), [(93, 8), (8, 8), (9, 8), (100, 7), (16, 1), (17, 4), (1, 8), (5, 8)])
def test_frame_indices_are_segment_middles(t, k):
    indices = sample_frame_indices(t, k)
    expected = [int(np.floor((j + 0.5) * t / k)) for j in range(k)] if t > k else list(range(t))
    assert indices.tolist() == expected and indices.dtype == np.int64
    assert np.all(np.diff(indices) > 0) and 0 <= indices.min() and indices.max() < t


def test_frame_indices_reject_bad_counts():
    with pytest.raises(ValueError, match="frames_sampled must be a positive integer, got 0"):
        sample_frame_indices(8, 0)
    with pytest.raises(ValueError, match="num_frames must be a positive integer"):
        sample_frame_indices(0, 8)


def test_only_the_sampled_frames_matter(embedder):
    clip = random_clips(1, frames=20)[0]
    kept = sample_frame_indices(20, embedder.config.frames_sampled)
    other = np.setdiff1d(np.arange(20), kept)
    unsampled_changed, sampled_changed = clip.copy(), clip.copy()
    unsampled_changed[other] = 255 - unsampled_changed[other]
    sampled_changed[kept[3]] = 255 - sampled_changed[kept[3]]
    base, same, different = embedder(np.stack([clip, unsampled_changed, sampled_changed]))
    np.testing.assert_array_equal(base, same)
    assert not np.allclose(base, different, atol=1e-4)


# ---------------------------------------------------------------------------
# preprocessing and the embedding itself


@pytest.mark.parametrize(
    ("height", "width", "side"),
    [(40, 56, 32), (56, 40, 32), (32, 32, 32), (17, 23, 32), (704, 1280, 224), (32, 32, 224), (90, 61, 36)],
    ids=["wide", "tall", "native", "upsample", "paper-frames", "toy-to-224", "odd"],
)
def test_preprocessing_matches_the_clip_image_processor(height, width, side):
    from transformers import CLIPImageProcessor

    processor = CLIPImageProcessor(size={"shortest_edge": side}, crop_size={"height": side, "width": side})
    embedder = ClipVideoEmbedder(_clip_reading(side), processor)
    frames = np.random.default_rng(height * width).integers(0, 256, (3, height, width, 3), dtype=np.uint8)
    ours = embedder.preprocess(torch.from_numpy(frames))
    reference = processor_pixels(processor, frames)
    assert ours.shape == reference.shape == (3, 3, side, side) and ours.dtype == torch.float32
    # In pixel levels: Pillow's fixed-point filter and float32 arithmetic round a value the other way now and
    # then (measured: at most 0.05% of values, by one level; two where a 7x upsampling amplifies it).
    levels = (ours - reference).abs() * torch.tensor(processor.image_std).view(1, 3, 1, 1) * 255
    assert levels.max() <= 2.0 + 1e-3 and (levels > 0.5).float().mean() < 0.002


def _clip_reading(side):
    """A minimal random CLIPModel whose image tower reads side x side images (only preprocess() is used)."""
    from transformers import CLIPConfig, CLIPModel

    tower = {"hidden_size": 8, "intermediate_size": 8, "num_hidden_layers": 1, "num_attention_heads": 1}
    config = CLIPConfig(text_config={**tower, "vocab_size": 4, "bos_token_id": 0, "eos_token_id": 1, "pad_token_id": 1},
                        vision_config={**tower, "image_size": side, "patch_size": 32}, projection_dim=4)
    return CLIPModel(config)


def test_shapes_dtype_unit_norm_and_determinism(embedder):
    clips = random_clips(5)
    vectors = embedder(clips, batch_size=2)
    assert vectors.shape == (5, embedder.dim) == (5, 16) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)
    np.testing.assert_array_equal(vectors, embedder(clips, batch_size=2))
    assert embedder(torch.from_numpy(clips[:1])).shape == (1, 16)


def test_embedding_is_the_normalised_mean_of_normalised_frame_features(embedder):
    """Recompute one clip's embedding with the processor and get_image_features directly."""
    clip = random_clips(1, frames=30, seed=3)[0]
    frames = clip[sample_frame_indices(30, 8)]
    with torch.inference_mode():
        features = embedder.network.get_image_features(pixel_values=processor_pixels(embedder.image_processor, frames))
    per_frame = F.normalize(features.pooler_output, dim=-1)
    expected = F.normalize(per_frame.mean(0), dim=-1).numpy()
    np.testing.assert_allclose(embedder(clip[None])[0], expected, atol=2e-4)


def test_batches_do_not_change_a_clips_embedding(embedder):
    clips = random_clips(5, seed=1)
    together = embedder(clips, batch_size=5)
    alone = np.concatenate([embedder(clips[i : i + 1]) for i in range(5)])
    np.testing.assert_allclose(together, alone, atol=1e-6)


def test_paper_dimension_and_frames_setting(tmp_path):
    folder = save_tiny_clip(tmp_path / "wide", projection_dim=512, frames_sampled=4)
    embedder = ClipVideoEmbedder.from_pretrained(folder)
    assert embedder.dim == 512 and embedder.config.frames_sampled == 4
    assert embedder(random_clips(2)).shape == (2, 512)
    assert ClipVideoEmbedder.from_pretrained(folder, frames_sampled=2).config.frames_sampled == 2


def test_embed_text(embedder):
    texts = ["a dog playing on a beach", "a red ball", "a red ball"]
    vectors = embedder.embed_text(texts)
    assert vectors.shape == (3, 16) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)
    np.testing.assert_array_equal(vectors[1], vectors[2])
    assert not np.allclose(vectors[0], vectors[1])
    np.testing.assert_allclose(embedder.embed_text("a red ball")[0], vectors[1], atol=1e-6)  # padding does not matter
    np.testing.assert_allclose(embedder.embed_text(texts, batch_size=1), vectors, atol=1e-6)
    assert embedder.embed_text([]).shape == (0, 16)
    with pytest.raises(ValueError, match="prompt 1 is empty"):
        embedder.embed_text(["a cat", " "])
    with pytest.raises(ValueError, match="no tokenizer"):
        ClipVideoEmbedder(embedder.network, embedder.image_processor).embed_text(["a cat"])


# ---------------------------------------------------------------------------
# saving, loading and cache keys


def test_save_and_load_round_trip(embedder, tmp_path):
    clips = random_clips(3, seed=2)
    folder = embedder.save_pretrained(tmp_path / "copy")
    loaded = ClipVideoEmbedder.from_pretrained(folder)
    np.testing.assert_array_equal(loaded(clips), embedder(clips))
    np.testing.assert_array_equal(loaded.embed_text(["a red ball"]), embedder.embed_text(["a red ball"]))
    assert loaded.config == ClipVideoConfig(model=str(folder), frames_sampled=8, device="cpu", dtype="float32", image_size=32)
    assert json.loads((folder / "clip_video_embedder.json").read_text()) == {"frames_sampled": 8}


def test_cache_key_follows_the_weights_not_the_folder(tiny_folder, embedder, tmp_path):
    moved = shutil.copytree(tiny_folder, tmp_path / "moved")
    assert ClipVideoEmbedder.from_pretrained(moved).cache_key == embedder.cache_key
    assert ClipVideoEmbedder.from_pretrained(moved, frames_sampled=4).cache_key != embedder.cache_key
    from safetensors.torch import load_file, save_file

    weights = moved / "model.safetensors"
    state = load_file(weights)
    name = "visual_projection.weight"
    state[name] = state[name].roll(1, dims=0)  # same names, shapes and sizes; other values
    save_file(state, weights, metadata={"format": "pt"})
    changed = ClipVideoEmbedder.from_pretrained(moved)
    assert changed.cache_key != embedder.cache_key
    assert not np.allclose(changed(random_clips(1)), embedder(random_clips(1)))
    json.dumps(changed.cache_info())


def test_model_built_in_memory_hashes_its_tensors(embedder):
    copy = ClipVideoEmbedder(embedder.network, embedder.image_processor, embedder.tokenizer)
    assert copy.cache_info()["weights"] != embedder.cache_info()["weights"]  # tensors hashed, not files
    assert copy.cache_key == ClipVideoEmbedder(embedder.network, embedder.image_processor).cache_key


def test_the_paper_profile_builds_its_clip(tiny_folder, embedder):
    assert "clip" in backends.VIDEO_EMBEDDERS
    settings = get_profile("paper", manifest="m.csv", video_model="v", llm="l", clip_model=str(tiny_folder),
                           clip_frames=3, device="cpu", torch_dtype="float32")
    assert backends.default_video_embedders(settings) == ["clip"]
    loaded = backends.video_embedders(settings)["clip"]
    assert isinstance(loaded, ClipVideoEmbedder) and loaded.config.frames_sampled == 3
    np.testing.assert_array_equal(
        ClipVideoEmbedder.from_pretrained(tiny_folder, frames_sampled=3, device="cpu")(random_clips(2)),
        loaded(random_clips(2)))


# ---------------------------------------------------------------------------
# bad input


def test_missing_folders_and_uncached_hub_ids(tmp_path):
    missing = tmp_path / "no-such-clip"
    with pytest.raises(FileNotFoundError, match=r"no CLIP model at .*no-such-clip.*does not exist"):
        ClipVideoEmbedder.from_pretrained(missing)
    with pytest.raises(FileNotFoundError, match="no CLIP model at local path 'models/clip'"):
        ClipVideoEmbedder.from_pretrained("./models/clip")
    with pytest.raises(FileNotFoundError, match=r"CLIP model 'squbed-test-org/no-such-clip' is not in the local Hugging "
                                                r"Face cache, so its weights need a download: .*allow_download=True.*"
                                                r"local folder"):
        ClipVideoEmbedder.from_pretrained("squbed-test-org/no-such-clip")
    with pytest.raises(FileNotFoundError, match="need a download"):
        ClipVideoEmbedder.from_pretrained()  # the paper's CLIP is not cached here
    missing.mkdir()
    with pytest.raises(FileNotFoundError, match="not a CLIP model folder: config.json is missing"):
        ClipVideoEmbedder.from_pretrained(missing)
    (missing / "config.json").write_text(json.dumps({"model_type": "llama"}))
    with pytest.raises(ValueError, match="holds a 'llama' model, not a CLIP model"):
        ClipVideoEmbedder.from_pretrained(missing)


def test_bad_device_dtype_and_settings(tiny_folder, embedder):
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="device 'cuda' asked for, but torch sees no CUDA GPU"):
            ClipVideoEmbedder.from_pretrained(tiny_folder, device="cuda")
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        ClipVideoEmbedder.from_pretrained(tiny_folder, device="tpu")
    with pytest.raises(ValueError, match=r"dtype must be one of \['bfloat16', 'float16', 'float32'\], got 'float8'"):
        ClipVideoEmbedder.from_pretrained(tiny_folder, dtype="float8")
    with pytest.raises(ValueError, match="frames_sampled must be a positive integer, got 0"):
        ClipVideoEmbedder.from_pretrained(tiny_folder, frames_sampled=0)
    from transformers import CLIPImageProcessor

    wrong = CLIPImageProcessor(size={"shortest_edge": 224}, crop_size={"height": 224, "width": 224})
    with pytest.raises(ValueError, match=r"makes \(224, 224\) images but the CLIP model reads 32 x 32"):
        ClipVideoEmbedder(embedder.network, wrong)
    no_resize = CLIPImageProcessor(do_resize=False, crop_size={"height": 32, "width": 32})
    with pytest.raises(ValueError, match=r"frames resized to 20 x 24 are smaller than the processor's crop \(32, 32\)"):
        ClipVideoEmbedder(embedder.network, no_resize)(random_clips(1, height=20, width=24))
    with pytest.raises(ValueError, match="resample filter 1 is not supported"):
        ClipVideoEmbedder(embedder.network, CLIPImageProcessor(resample=1, size={"shortest_edge": 32},
                                                               crop_size={"height": 32, "width": 32}))


def test_bfloat16_runs_and_stays_close(tiny_folder, embedder):
    half = ClipVideoEmbedder.from_pretrained(tiny_folder, dtype="bfloat16")
    assert half.config.dtype == "bfloat16" and half.cache_key != embedder.cache_key
    clips = random_clips(2)
    vectors = half(clips)
    assert vectors.dtype == np.float32
    assert np.all(np.sum(vectors * embedder(clips), axis=1) > 0.99)


@pytest.mark.parametrize(
    ("clips", "message"),
    [
        (np.zeros((2, 4, 8, 8, 3), np.float32), "dtype uint8"),
        (np.zeros((4, 8, 8, 3), np.uint8), "add a batch axis"),
        (np.zeros((2, 4, 8, 8, 4), np.uint8), "3 channels last"),
        (np.zeros((0, 4, 8, 8, 3), np.uint8), "empty batch"),
        (np.zeros((2, 0, 8, 8, 3), np.uint8), "an empty axis"),
        ("clip.mp4", "got str"),
    ],
    ids=["float", "one-clip", "rgba", "no-clips", "no-frames", "path"],
)
def test_bad_clips_raise_clear_errors(embedder, clips, message):
    with pytest.raises(ValueError, match=message):
        embedder(clips)

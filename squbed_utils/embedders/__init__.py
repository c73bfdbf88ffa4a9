"""Embedders: text and video into unit vectors, behind one small interface.

Every embedder has a ``config``, ``from_pretrained(path)``, and ``__call__``
returning float32 ``(N, dim)`` rows of unit length; ``cache_key`` identifies
everything that changes its output, for per-item caches.

Modules
-------
text        :class:`SentenceEmbedder`, the packaged MiniLM sentence encoder
            (384-d), loaded from local files only, with a cache.
video       :class:`VideoEmbedder` (the shared base) and
            :class:`FrameFeatureEmbedder`, pretrained EfficientNet-Lite0 frame
            features averaged over frames (1280-d).
toy_clip    :class:`ToyClipEmbedder`, a small CLIP-like video-text encoder
            trained on toy-world renders (512-d), and its training.
clip        :class:`ClipVideoEmbedder`, a real CLIP (Transformers) over
            uniformly sampled frames (512-d for the paper's ViT-B/32).
evaluation  how well an embedder separates the toy world's attributes.

:func:`load_video_embedder` builds a video embedder by name, the way the
notebooks choose one with a parameter.
"""

from .clip import DEFAULT_CLIP_MODEL, ClipVideoConfig, ClipVideoEmbedder, sample_frame_indices
from .evaluation import evaluate_video_embedder, evaluation_clips
from .text import SentenceEmbedder, default_model_path
from .toy_clip import (
    TOY_CLIP_PRESETS,
    ToyClipConfig,
    ToyClipEmbedder,
    ToyClipTrainingConfig,
    toy_clip_preset,
    train_toy_clip_embedder,
)
from .video import (
    FRAME_FEATURE_PRESETS,
    FrameFeatureConfig,
    FrameFeatureEmbedder,
    VideoEmbedder,
    frame_feature_preset,
    packaged_efficientnet_lite0_path,
    validate_clips,
)

__all__ = [
    "VIDEO_EMBEDDERS",
    "load_video_embedder",
    "DEFAULT_CLIP_MODEL",
    "ClipVideoConfig",
    "ClipVideoEmbedder",
    "FRAME_FEATURE_PRESETS",
    "FrameFeatureConfig",
    "FrameFeatureEmbedder",
    "SentenceEmbedder",
    "TOY_CLIP_PRESETS",
    "ToyClipConfig",
    "ToyClipEmbedder",
    "ToyClipTrainingConfig",
    "VideoEmbedder",
    "default_model_path",
    "evaluate_video_embedder",
    "evaluation_clips",
    "frame_feature_preset",
    "packaged_efficientnet_lite0_path",
    "sample_frame_indices",
    "toy_clip_preset",
    "train_toy_clip_embedder",
    "validate_clips",
]

#: Video embedders by the names the notebooks use.
VIDEO_EMBEDDERS = ("toy_clip", "frame_features", "clip")


def load_video_embedder(
    name: str,
    profile: str = "default",
    checkpoint_dir=None,
    *,
    progress: bool = True,
    model: str | None = None,
    frames_sampled: int | None = None,
    device: str = "auto",
    dtype: str | None = None,
    allow_download: bool = False,
) -> VideoEmbedder:
    """A video embedder by name, with the settings of ``profile``.

    Parameters
    ----------
    name : {"toy_clip", "frame_features", "clip"}
        ``toy_clip``: :class:`ToyClipEmbedder`, trained into ``checkpoint_dir``
        (or loaded from it when it holds a checkpoint trained with the same
        settings). ``frame_features``: :class:`FrameFeatureEmbedder` (pretrained).
        ``clip``: :class:`ClipVideoEmbedder`, a real CLIP loaded offline from
        ``model``.
    profile : str
        Chooses the toy embedders' preset (``tiny`` or ``default``; any other
        profile uses ``default``).
    checkpoint_dir : path, optional
        Where the toy CLIP checkpoint lives (required for ``toy_clip``).
    progress : bool
        Progress bar while training.
    model : str, optional
        ``clip`` only: a CLIP folder or hub id (default :data:`DEFAULT_CLIP_MODEL`).
    frames_sampled, device, dtype, allow_download
        ``clip`` only (the other embedders ignore them, so one call can build
        several): see :meth:`ClipVideoEmbedder.from_pretrained`.

    Raises
    ------
    ValueError
        For an unknown name.
    """
    if name == "clip":
        return ClipVideoEmbedder.from_pretrained(model or DEFAULT_CLIP_MODEL, frames_sampled=frames_sampled,
                                                 device=device, dtype=dtype, allow_download=allow_download)
    if name not in VIDEO_EMBEDDERS:
        raise ValueError(f"unknown video embedder {name!r}; choose one of {list(VIDEO_EMBEDDERS)}")
    preset = "tiny" if profile == "tiny" else "default"
    if name == "toy_clip":
        if checkpoint_dir is None:
            raise ValueError("the toy_clip embedder needs checkpoint_dir: the folder to train it into or load it from")
        return train_toy_clip_embedder(preset, checkpoint_dir, progress=progress)
    return FrameFeatureEmbedder(frame_feature_preset(preset))

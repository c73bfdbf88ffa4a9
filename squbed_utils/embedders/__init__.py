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
evaluation  how well an embedder separates the toy world's attributes.

:func:`load_video_embedder` builds a video embedder by name, the way the
notebooks choose one with a parameter.
"""

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
    "toy_clip_preset",
    "train_toy_clip_embedder",
    "validate_clips",
]

#: Video embedders by the names the notebooks use.
VIDEO_EMBEDDERS = ("toy_clip", "frame_features")


def load_video_embedder(name: str, profile: str = "default", checkpoint_dir=None, *, progress: bool = True) -> VideoEmbedder:
    """A video embedder by name, with the settings of ``profile``.

    Parameters
    ----------
    name : {"toy_clip", "frame_features"}
        ``toy_clip``: :class:`ToyClipEmbedder`, trained into ``checkpoint_dir``
        (or loaded from it when it holds a checkpoint trained with the same
        settings). ``frame_features``: :class:`FrameFeatureEmbedder` (pretrained).
    profile : str
        Chooses the preset (``tiny`` or ``default``; any other profile uses ``default``).
    checkpoint_dir : path, optional
        Where the toy CLIP checkpoint lives (required for ``toy_clip``).
    progress : bool
        Progress bar while training.
    """
    preset = "tiny" if profile == "tiny" else "default"
    if name == "toy_clip":
        if checkpoint_dir is None:
            raise ValueError("the toy_clip embedder needs checkpoint_dir: the folder to train it into or load it from")
        return train_toy_clip_embedder(preset, checkpoint_dir, progress=progress)
    if name == "frame_features":
        return FrameFeatureEmbedder(frame_feature_preset(preset))
    raise ValueError(f"unknown video embedder {name!r}; choose one of {list(VIDEO_EMBEDDERS)}")

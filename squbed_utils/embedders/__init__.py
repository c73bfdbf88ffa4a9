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

"""Embedders: text and video into unit vectors, behind one small interface.

Every embedder has a ``config``, ``from_pretrained(path)``, and ``__call__``
returning float32 ``(N, dim)`` rows of unit length; ``cache_key`` identifies
everything that changes its output, for per-item caches.

Modules
-------
base               :class:`VideoEmbedder` (the shared base) and :func:`validate_clips`.
text               :class:`SentenceEmbedder`, the packaged MiniLM sentence encoder
                   (384-d), loaded from local files only, with a cache.
frame_features     :class:`FrameFeatureEmbedder`, pretrained EfficientNet-Lite0 frame
                   features averaged over frames (1280-d).
toy_clip           :class:`ToyClipEmbedder`, a small CLIP-like video-text encoder
                   of toy-world renders (512-d), and its configs.
toy_clip_training  :func:`train_toy_clip_embedder`: its contrastive training.
clip               :class:`ClipVideoEmbedder`, a real CLIP (Transformers) over
                   uniformly sampled frames (512-d for the paper's ViT-B/32).

Which embedders a profile uses, with which settings, is decided in
:func:`squbed_utils.backends.video_embedders`; how well an embedder separates the
toy world's attributes is measured by :mod:`squbed_utils.evaluation`.
"""

from .base import VideoEmbedder, validate_clips
from .clip import DEFAULT_CLIP_MODEL, ClipVideoConfig, ClipVideoEmbedder, sample_frame_indices
from .frame_features import FrameFeatureConfig, FrameFeatureEmbedder, packaged_efficientnet_lite0_path
from .text import SentenceEmbedder, default_model_path
from .toy_clip import ToyClipConfig, ToyClipEmbedder, ToyClipTrainingConfig
from .toy_clip_training import train_toy_clip_embedder

__all__ = [
    "DEFAULT_CLIP_MODEL",
    "ClipVideoConfig",
    "ClipVideoEmbedder",
    "FrameFeatureConfig",
    "FrameFeatureEmbedder",
    "SentenceEmbedder",
    "ToyClipConfig",
    "ToyClipEmbedder",
    "ToyClipTrainingConfig",
    "VideoEmbedder",
    "default_model_path",
    "packaged_efficientnet_lite0_path",
    "sample_frame_indices",
    "train_toy_clip_embedder",
    "validate_clips",
]

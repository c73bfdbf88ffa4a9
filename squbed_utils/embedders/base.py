"""Video embedders: clips in, unit vectors out (step 3 of S-QUBED, and its accuracy metric).

S-QUBED embeds every generated video on the unit sphere (the paper uses CLIP,
about 512-d) to fit von Mises-Fisher distributions, and scores a task's accuracy
as the cosine between embeddings of generated and ground-truth videos. CLIP
cannot be downloaded here; every video encoder of the package
(:class:`~squbed_utils.embedders.toy_clip.ToyClipEmbedder`,
:class:`~squbed_utils.embedders.frame_features.FrameFeatureEmbedder`,
:class:`~squbed_utils.embedders.clip.ClipVideoEmbedder`) shares the small,
diffusers-style interface of :class:`VideoEmbedder` defined here.

The interface
-------------
Every embedder has a ``config`` (a frozen dataclass), a ``dim``, and

``embedder(clips, *, batch_size=..., progress=False) -> ndarray``
    ``clips`` is uint8 of shape (N, T, H, W, 3) (RGB, 0..255), the layout every
    generator returns; the result is float32 of shape (N, dim), each row of unit
    L2 norm. Deterministic: the same clips give the same embeddings.
``Embedder.from_pretrained(path)`` / ``embedder.save_pretrained(path)``
    a folder with ``config.json`` and ``model.safetensors`` (:mod:`squbed_utils.checkpoints`).

To plug in your own encoder (a real CLIP, a video transformer), subclass
:class:`VideoEmbedder`, set ``dim``, and implement ``_embed_batch`` (uint8
tensor of shape (B, T, H, W, 3) in, float tensor (B, dim) out); input checks,
batching, progress bars and normalisation come from the base class.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from ..store import fingerprint, tensor_fingerprint
from ..validation import check_positive_int

__all__ = ["VideoEmbedder", "validate_clips"]


def validate_clips(clips: Any) -> np.ndarray | torch.Tensor:
    """Check that ``clips`` is a non-empty uint8 batch of RGB clips, shape (N, T, H, W, 3).

    Parameters
    ----------
    clips : ndarray or torch.Tensor
        uint8 RGB clips.

    Returns
    -------
    ndarray or torch.Tensor
        ``clips`` itself (NumPy arrays are not copied).

    Raises
    ------
    ValueError
        If ``clips`` is not an array, is not uint8, does not have 5 dimensions
        with 3 channels last, or has an empty axis; the message says what was
        received and what is expected.
    """
    if isinstance(clips, (list, tuple)):
        clips = np.asarray(clips)
    if not isinstance(clips, (np.ndarray, torch.Tensor)):
        raise ValueError(f"clips must be a uint8 array of shape (N, T, H, W, 3), got {type(clips).__name__}")
    dtype_ok = clips.dtype == (torch.uint8 if isinstance(clips, torch.Tensor) else np.uint8)
    if not dtype_ok:
        raise ValueError(
            f"clips must have dtype uint8 (RGB values 0..255), got {clips.dtype}; "
            "convert float frames in [0, 1] with (255 * frames).round().clip(0, 255).astype(np.uint8)"
        )
    shape = tuple(clips.shape)
    if len(shape) != 5:
        hint = " (one clip? add a batch axis: clips[None])" if len(shape) == 4 else ""
        raise ValueError(f"clips must have shape (N, T, H, W, 3), got {len(shape)} dimensions {shape}{hint}")
    if shape[-1] != 3:
        raise ValueError(f"clips must be RGB with 3 channels last, shape (N, T, H, W, 3); got {shape[-1]} channels {shape}")
    if 0 in shape:
        kind = "empty batch" if shape[0] == 0 else "an empty axis"
        raise ValueError(f"clips has {kind}: shape {shape}; pass at least one clip of at least one frame")
    return clips


class VideoEmbedder:
    """Base class: maps uint8 clips (N, T, H, W, 3) to unit vectors (N, dim).

    Subclasses set :attr:`dim`, :attr:`name` and :attr:`default_batch_size` and
    implement :meth:`_embed_batch`; this class validates input, batches it,
    shows progress and L2-normalises the output.
    """

    #: Output dimension.
    dim: int
    #: Short name used in tables and cache keys.
    name: str = "video-embedder"
    #: Clips per forward pass when ``batch_size`` is not given.
    default_batch_size: int = 256

    def _embed_batch(self, clips: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        """Unnormalised embeddings (B, dim) of a uint8 tensor of clips (B, T, H, W, 3)."""
        raise NotImplementedError

    def cache_info(self) -> dict:
        """Everything that changes the embeddings: name, config and a hash of the weights."""
        return {"embedder": self.name, "config": dataclasses.asdict(self.config),
                "weights": tensor_fingerprint(self.network.state_dict())}

    @property
    def cache_key(self) -> str:
        """A short hash of :meth:`cache_info`, for per-item caches."""
        return fingerprint(self.cache_info())

    def __call__(self, clips, *, batch_size: int | None = None, progress: bool = False) -> np.ndarray:
        """Embed clips on the unit sphere.

        Parameters
        ----------
        clips : ndarray or torch.Tensor of uint8, shape (N, T, H, W, 3)
            RGB clips, values 0..255.
        batch_size : int, optional
            Clips per forward pass (default :attr:`default_batch_size`); the
            result does not depend on it beyond float rounding.
        progress : bool, default False
            Show a tqdm progress bar over batches.

        Returns
        -------
        ndarray of float32, shape (N, dim)
            Rows of unit L2 norm.

        Raises
        ------
        ValueError
            On a bad batch (see :func:`validate_clips`) or a bad ``batch_size``.
        """
        clips = validate_clips(clips)
        batch_size = check_positive_int("batch_size", self.default_batch_size if batch_size is None else batch_size)
        n = clips.shape[0]
        out = np.empty((n, self.dim), np.float32)
        starts = range(0, n, batch_size)
        with torch.inference_mode():
            for start in tqdm(starts, desc=f"embedding ({self.name})", unit="batch", disable=not progress):
                chunk = clips[start : start + batch_size]
                chunk = chunk if isinstance(chunk, torch.Tensor) else torch.from_numpy(np.ascontiguousarray(chunk))
                features = self._embed_batch(chunk).float()
                out[start : start + len(chunk)] = F.normalize(features, dim=-1, eps=1e-12).cpu().numpy()
        return out

    def __repr__(self) -> str:
        return f"{type(self).__name__}(dim={self.dim}, config={self.config})"

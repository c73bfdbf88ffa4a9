"""ToyClip: a small CLIP-like video-text encoder trained on toy-world renders (512-d).

The paper embeds videos with CLIP and measures accuracy as the cosine between
the embeddings of a generated and a ground-truth video. CLIP cannot be
downloaded here, and an ImageNet network knows nothing of our world, so we
train the toy world's own CLIP: a video tower and a text tower trained together
with the symmetric InfoNCE loss, so that a clip lands next to the caption that
describes it.

Architecture
------------
Video tower (about 0.2 M parameters at the default sizes)
    uint8 clip -> float in [0, 1], resampled to ``frames x size x size`` if it
    differs (trilinear; area averaging when only shrinking) -> three 3D
    convolutions (kernel 3, the first 3x3 spatially with a temporal kernel of
    ``temporal_kernel``; stride 2 in space at every layer and in time at the
    last two), each with batch norm and ReLU -> global average pool over
    space-time -> 2-layer MLP head -> 512-d, L2-normalised.
    Motion is read by the temporal kernels, shape and size by the spatial
    ones, colour by the first layer.
Text tower
    the caption is parsed with :func:`squbed_utils.world.parse_prompt`, which
    gives the exact attribute values of a full caption whatever its phrasing;
    each attribute value has a learned 512-d vector, and the caption's
    embedding is the L2-normalised *sum* of its four value vectors (a vague
    prompt takes the mean of its allowed values per attribute). The sum makes
    the space compositional: two captions that share three of four attributes
    are closer than two that share none, so the accuracy cosine degrades
    gradually with each wrong attribute instead of being all-or-nothing.

Training it (:mod:`squbed_utils.embedders.toy_clip_training`) and what it then measures are
described there.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from .. import world
from ..checkpoints import config_from_dict, config_mismatch, load_into, load_weights, read_config, save_checkpoint
from ..validation import check_positive_int
from .base import VideoEmbedder

__all__ = ["ToyClipConfig", "ToyClipTrainingConfig", "ToyClipEmbedder", "ATTRIBUTE_COUNTS", "caption_codes"]

_FORMAT_VERSION = 1

#: Number of values of each attribute: one text-tower table row per value.
ATTRIBUTE_COUNTS = {name: len(values) for name, values in world.ATTRIBUTE_VALUES.items()}


@dataclasses.dataclass(frozen=True)
class ToyClipConfig:
    """Architecture of :class:`ToyClipEmbedder` (saved as its ``config.json``).

    Attributes
    ----------
    frames, size : int
        Clip length and frame side the video tower works at; other clips are resampled.
    channels : tuple of 3 ints
        Channels of the three 3D convolutions.
    temporal_kernel : int
        Temporal extent of the first convolution (odd).
    head_hidden : int
        Width of the MLP head.
    embed_dim : int
        Output dimension (512, like CLIP ViT-B).
    """

    frames: int = 8
    size: int = 32
    channels: tuple[int, int, int] = (24, 48, 96)
    temporal_kernel: int = 3
    head_hidden: int = 256
    embed_dim: int = 512

    def __post_init__(self) -> None:
        for name in ("frames", "size", "temporal_kernel", "head_hidden", "embed_dim"):
            check_positive_int(name, getattr(self, name))
        if len(self.channels) != 3:
            raise ValueError(f"channels must hold 3 positive integers, got {self.channels!r}")
        for value in self.channels:
            check_positive_int("channels", value)
        if self.temporal_kernel % 2 == 0:
            raise ValueError(f"temporal_kernel must be odd, got {self.temporal_kernel}")
        if self.size < 8:
            raise ValueError(f"size must be at least 8, got {self.size}")


@dataclasses.dataclass(frozen=True)
class ToyClipTrainingConfig:
    """How :func:`train_toy_clip_embedder` trains (saved in the checkpoint's ``config.json``).

    Attributes
    ----------
    model : ToyClipConfig
    steps, batch_size : int
        Optimiser steps and clips per step (each step renders a fresh batch).
    learning_rate, weight_decay : float
        AdamW settings; the learning rate warms up linearly over
        ``warmup_steps`` and then follows a cosine to zero.
    temperature_init : float
        Initial softmax temperature (CLIP's 0.07); learned, and clamped at 0.01.
    noise_std : float
        Largest standard deviation of the Gaussian pixel noise added to a
        training clip (pixel values in [0, 1]); each clip draws its own
        standard deviation uniformly in [0, noise_std].
    blur_probability : float
        Fraction of training clips blurred by one or two passes (equally
        likely) of a 3 x 3 binomial filter. Blur and noise stand in for a
        generator's imperfect pixels, so that a blurry but correct clip stays
        close to its caption.
    seed : int
        The root seed (a profile's); the initial weights, the training batches and the
        noise each draw from their own stream of it (:data:`squbed_utils.seeds.TOY_CLIP_STREAM`).
    num_threads : int
        torch CPU threads while training (restored afterwards).
    """

    model: ToyClipConfig = ToyClipConfig()
    steps: int = 300
    batch_size: int = 128
    learning_rate: float = 6e-3
    weight_decay: float = 1e-4
    warmup_steps: int = 30
    temperature_init: float = 0.07
    noise_std: float = 0.06
    blur_probability: float = 0.5
    seed: int = 0
    num_threads: int = 2

    def __post_init__(self) -> None:
        if not isinstance(self.model, ToyClipConfig):
            raise ValueError(f"model must be a ToyClipConfig, got {type(self.model).__name__}")
        for name in ("steps", "batch_size", "num_threads"):
            check_positive_int(name, getattr(self, name))
        if self.batch_size < 2:
            raise ValueError("batch_size must be at least 2 (a contrastive loss needs negatives)")
        if self.warmup_steps < 0:
            raise ValueError(f"warmup_steps must be >= 0, got {self.warmup_steps}")
        if not (self.learning_rate > 0 and self.temperature_init > 0 and self.noise_std >= 0 and self.weight_decay >= 0):
            raise ValueError("learning_rate and temperature_init must be > 0; noise_std and weight_decay >= 0")
        if not 0.0 <= self.blur_probability <= 1.0:
            raise ValueError(f"blur_probability must lie in [0, 1], got {self.blur_probability}")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict, where: str = "config") -> ToyClipTrainingConfig:
        values = dict(values)
        model = config_from_dict(ToyClipConfig, values.pop("model", {}), source=where)
        return config_from_dict(cls, {**values, "model": model}, source=where)


# ---------------------------------------------------------------------------
# The network


def _conv_block(c_in: int, c_out: int, kernel, stride) -> nn.Sequential:
    padding = tuple(k // 2 for k in kernel)
    return nn.Sequential(
        nn.Conv3d(c_in, c_out, kernel, stride, padding, bias=False), nn.BatchNorm3d(c_out), nn.ReLU(inplace=True)
    )


class _ToyClipNetwork(nn.Module):
    """Video tower, text tower (attribute-value tables) and the learned logit scale."""

    def __init__(self, config: ToyClipConfig) -> None:
        super().__init__()
        c1, c2, c3 = config.channels
        self.video = nn.Sequential(
            _conv_block(3, c1, (config.temporal_kernel, 3, 3), (1, 2, 2)),
            _conv_block(c1, c2, (3, 3, 3), (2, 2, 2)),
            _conv_block(c2, c3, (3, 3, 3), (2, 2, 2)),
            nn.AdaptiveAvgPool3d(1),
            nn.Flatten(),
            nn.Linear(c3, config.head_hidden),
            nn.ReLU(inplace=True),
            nn.Linear(config.head_hidden, config.embed_dim),
        )
        self.text = nn.ModuleDict(
            {name: nn.Embedding(n, config.embed_dim) for name, n in ATTRIBUTE_COUNTS.items()}
        )
        for table in self.text.values():
            nn.init.normal_(table.weight, std=config.embed_dim**-0.5)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))
        self.target = (config.frames, config.size, config.size)

    def encode_video(self, clips01: torch.Tensor) -> torch.Tensor:
        """Unnormalised embeddings of float clips in [0, 1], shape (B, T, H, W, 3)."""
        x = clips01.permute(0, 4, 1, 2, 3)  # (B, 3, T, H, W)
        if tuple(x.shape[2:]) != self.target:
            growing = any(have < want for have, want in zip(x.shape[2:], self.target))
            x = F.interpolate(x, size=self.target, mode="trilinear" if growing else "area", **(
                {"align_corners": False} if growing else {}))
        return self.video(x * 2.0 - 1.0)

    def encode_masks(self, masks: dict[str, torch.Tensor]) -> torch.Tensor:
        """Unnormalised text embeddings from per-attribute weights over values (each row sums to 1)."""
        return sum(masks[name] @ self.text[name].weight for name in ATTRIBUTE_COUNTS)

    def encode_codes(self, codes: torch.Tensor) -> torch.Tensor:
        """Unnormalised text embeddings of exact attributes, codes of shape (B, 4)."""
        return sum(self.text[name](codes[:, i]) for i, name in enumerate(ATTRIBUTE_COUNTS))


@functools.lru_cache(maxsize=65536)
def _parse(prompt: str) -> world.Constraint:
    return world.parse_prompt(prompt)


def _prompt_masks(prompts) -> dict[str, torch.Tensor]:
    """Per attribute, a (N, n_values) matrix: uniform weights over each prompt's allowed values."""
    if isinstance(prompts, str):
        raise ValueError("prompts must be a sequence of strings; wrap a single prompt in a list")
    prompts = list(prompts)
    if not prompts:
        raise ValueError("prompts is empty; pass at least one prompt")
    constraints = [_parse(p) if isinstance(p, str) else _raise_prompt(p) for p in prompts]
    masks = {}
    for name, values in world.ATTRIBUTE_VALUES.items():
        mask = torch.tensor([[v in c.allowed(name) for v in values] for c in constraints], dtype=torch.float32)
        masks[name] = mask / mask.sum(dim=1, keepdim=True)
    return masks


def _raise_prompt(prompt) -> None:
    raise ValueError(f"prompts must be strings, got {type(prompt).__name__}: {prompt!r}")


def caption_codes(captions) -> np.ndarray:
    """Exact attribute codes (N, 4) of full captions, read with the world's parser."""
    codes = np.empty((len(captions), len(ATTRIBUTE_COUNTS)), np.int64)
    for row, text in enumerate(captions):
        constraint = _parse(text)
        for col, (name, values) in enumerate(world.ATTRIBUTE_VALUES.items()):
            allowed = constraint.allowed(name)
            if len(allowed) != 1:
                raise ValueError(f"caption {text!r} leaves the {name} open; training captions must be full")
            codes[row, col] = values.index(next(iter(allowed)))
    return codes


# ---------------------------------------------------------------------------
# The embedder


class ToyClipEmbedder(VideoEmbedder):
    """The toy world's CLIP: 512-d video embeddings trained contrastively on renders.

    Build one with :func:`train_toy_clip_embedder` (which saves it) or load one
    with :meth:`from_pretrained`. Calling it embeds clips (see
    :class:`~squbed_utils.embedders.base.VideoEmbedder`); :meth:`embed_text`
    embeds toy-world prompts in the same space, and :meth:`classify` reads a
    clip's attributes by nearest caption.

    Parameters
    ----------
    config : ToyClipConfig, optional
        Architecture (default sizes if omitted). A new embedder has random
        weights (seeded by ``seed``); train it before use.
    seed : int, default 0
    device : str or torch.device, default "cpu"
    """

    name = "toy-clip"
    architecture = "ToyClipEmbedder"
    default_batch_size = 256

    def __init__(self, config: ToyClipConfig | None = None, *, seed: int = 0, device: str | torch.device = "cpu") -> None:
        self.config = config or ToyClipConfig()
        if not isinstance(self.config, ToyClipConfig):
            raise ValueError(f"config must be a ToyClipConfig, got {type(self.config).__name__}")
        self.dim = self.config.embed_dim
        self.device = torch.device(device)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.network = _ToyClipNetwork(self.config)
        self.network.eval().to(self.device)
        self.training_config: ToyClipTrainingConfig | None = None
        self.training_summary: dict | None = None

    def _embed_batch(self, clips: torch.Tensor) -> torch.Tensor:
        self.network.eval()
        return self.network.encode_video(clips.to(self.device).float().div_(255.0))

    # -- text side ----------------------------------------------------------

    def embed_text(self, prompts) -> np.ndarray:
        """Embed toy-world prompts (full or vague) in the video space.

        Parameters
        ----------
        prompts : sequence of str
            Captions or prompts in the world's vocabulary (any phrasing).

        Returns
        -------
        ndarray of float32, shape (N, embed_dim), unit rows

        Raises
        ------
        ValueError
            If a prompt is empty or has words outside the vocabulary
            (:func:`~squbed_utils.world.parse_prompt`'s message).
        """
        with torch.inference_mode():
            masks = {k: v.to(self.device) for k, v in _prompt_masks(prompts).items()}
            return F.normalize(self.network.encode_masks(masks), dim=-1).cpu().numpy().astype(np.float32)

    def combination_embeddings(self) -> np.ndarray:
        """Text embeddings of all the world's objects (280), in :func:`~squbed_utils.world.all_attribute_combinations` order."""
        combos = world.all_attribute_combinations()
        codes = torch.as_tensor(np.stack(list(world.encode_attributes(combos).values()), axis=1), device=self.device)
        with torch.inference_mode():
            return F.normalize(self.network.encode_codes(codes), dim=-1).cpu().numpy().astype(np.float32)

    def classify(self, clips, *, batch_size: int | None = None, embeddings: np.ndarray | None = None) -> pd.DataFrame:
        """Read each clip's attributes as those of its nearest caption among all the world's objects.

        Parameters
        ----------
        clips : uint8 array (N, T, H, W, 3)
        embeddings : ndarray (N, embed_dim), optional
            Precomputed video embeddings of ``clips`` (then ``clips`` may be None).

        Returns
        -------
        DataFrame
            Columns ``shape``, ``colour``, ``motion``, ``size`` (str) and
            ``similarity`` (cosine to the chosen caption).
        """
        video = self(clips, batch_size=batch_size) if embeddings is None else np.asarray(embeddings, np.float32)
        scores = video @ self.combination_embeddings().T
        best = scores.argmax(axis=1)
        table = pd.DataFrame([world.all_attribute_combinations()[i] for i in best])
        table["similarity"] = scores[np.arange(len(best)), best]
        return table

    # -- persistence -------------------------------------------------------

    def _config_dict(self) -> dict:
        return {
            "dim": self.dim,
            "config": dataclasses.asdict(self.config),
            "training": None if self.training_config is None else self.training_config.to_dict(),
            "training_summary": self.training_summary,
        }

    def save_pretrained(self, path: str | os.PathLike) -> Path:
        """Write ``config.json`` and ``model.safetensors`` to the folder ``path`` (atomically)."""
        return save_checkpoint(path, self.architecture, _FORMAT_VERSION, self._config_dict(),
                               self.network.state_dict())

    @classmethod
    def from_pretrained(
        cls, path: str | os.PathLike, *, config: ToyClipConfig | None = None, device: str | torch.device = "cpu"
    ) -> ToyClipEmbedder:
        """Load a checkpoint folder written by :meth:`save_pretrained` / :func:`train_toy_clip_embedder`.

        Parameters
        ----------
        path : path
            The checkpoint folder.
        config : ToyClipConfig, optional
            The architecture you expect; a checkpoint saved with another raises ValueError.
        device : str or torch.device

        Raises
        ------
        FileNotFoundError
            If the folder, its config.json or its model.safetensors is missing (the message names the path).
        ValueError
            If the checkpoint is of another kind, its config differs from ``config``,
            or its weights do not fit its config.
        """
        saved = read_config(path, cls.architecture, what="video embedder")
        where = str(path)
        saved_config = config_from_dict(ToyClipConfig, saved.get("config", {}), source=f"the config at {where!r}")
        if config is not None and config != saved_config:
            raise ValueError(
                f"checkpoint at {where!r} was saved with a different config: {config_mismatch(config, saved_config)}"
            )
        embedder = cls(saved_config, device=device)
        load_into(embedder.network, load_weights(path), source=where)
        embedder.network.eval()
        if saved.get("training"):
            embedder.training_config = ToyClipTrainingConfig.from_dict(saved["training"], where)
        embedder.training_summary = saved.get("training_summary")
        return embedder

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

Training
--------
Each step draws a fresh batch with :func:`squbed_utils.world.sample_training_set`
(full captions, varied phrasing) and renders it with
:func:`~squbed_utils.world.render_batch`; data are unlimited, so there is no
over-fitting to a fixed set. **All 240 attribute combinations are drawn
uniformly**, including the cells held out of (and rare in) the video
generator's training: the embedder is the *evaluator*, like CLIP, not the
model under test, so it must know every concept the tasks can ask for.

Loss: symmetric InfoNCE between the batch's video and caption embeddings with
a learned temperature (CLIP's). A batch drawn i.i.d. from 240 combinations
repeats some of them, so the targets are soft: every caption with the same
attributes as a clip counts as a positive (a repeated caption is not treated as
a negative of its own clip). Random blur and Gaussian pixel noise on half the
clips (``blur_probability``, ``noise_std``) make the tower tolerant of a
generator's imperfect pixels. AdamW, linear warm-up,
cosine decay; seeded, on a fixed number of CPU threads (2 by default; torch's CPU
kernels give the same result for the same thread count), so a run is reproducible.

Measured (default preset, 2400 fresh renders, 10 per object; see
``benchmarks/embedding.py``)
-----------------------------------------------------------------------
Nearest caption among all 240 objects: 96.5% right (colour, motion and
size 100%, shape 96.5%: the errors are crosses read as triangles). Mean
cosine between two clips of the same object 0.99; of different objects 0.00;
when exactly one attribute differs 0.73 (shape), 0.62 (colour), 0.56
(motion), 0.60 (size); when all four differ -0.35. A blurred (two binomial
passes) or noisy (sd 0.05) copy of a clip keeps a cosine of 0.99 to the clean
one. Embedding runs at about 1,000 clips/s on one CPU thread (10,000 clips in
about 10 s). The ``tiny`` preset reaches 100% on colour, motion and size but
not shape (about 67% of captions right).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import math
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from .. import world
from .video import (
    CONFIG_NAME,
    WEIGHTS_NAME,
    VideoEmbedder,
    _check_positive_int,
    _config_from_dict,
    _config_mismatch,
    _load_state_dict,
    _read_config,
    _save_checkpoint,
)

__all__ = [
    "ToyClipConfig",
    "ToyClipTrainingConfig",
    "TOY_CLIP_PRESETS",
    "toy_clip_preset",
    "ToyClipEmbedder",
    "contrastive_loss",
    "train_toy_clip_embedder",
    "UNIFORM_SPEC",
    "LOSS_CURVE_NAME",
]

#: Every (shape, colour) cell equally likely: the embedder's training distribution.
UNIFORM_SPEC = world.TrainingSpec(rare_colours=(), held_out=())
#: Loss curve written beside the checkpoint.
LOSS_CURVE_NAME = "loss_curve.csv"

_N_VALUES = {name: len(values) for name, values in world.ATTRIBUTE_VALUES.items()}


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
            _check_positive_int(name, getattr(self, name))
        if len(self.channels) != 3:
            raise ValueError(f"channels must hold 3 positive integers, got {self.channels!r}")
        for value in self.channels:
            _check_positive_int("channels", value)
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
        Seeds the initial weights, the training batches and the noise.
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
            _check_positive_int(name, getattr(self, name))
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
        model = _config_from_dict(ToyClipConfig, values.pop("model", {}), where)
        return _config_from_dict(cls, {**values, "model": model}, where)


#: Training presets per profile: ``tiny`` trains in seconds (for tests and
#: ``make tiny``, about 10 s), ``default`` in 2 to 3.5 minutes on one CPU thread
#: (38,400 clips; 150 to 205 s measured on a 2-core machine shared with other work),
#: less on the two threads it uses by default (see the README for the measured time).
TOY_CLIP_PRESETS: dict[str, ToyClipTrainingConfig] = {
    "tiny": ToyClipTrainingConfig(
        model=ToyClipConfig(channels=(12, 24, 48), head_hidden=128), steps=60, batch_size=64, warmup_steps=10
    ),
    "default": ToyClipTrainingConfig(),
}


def toy_clip_preset(profile: str) -> ToyClipTrainingConfig:
    """The training preset of a profile (``paper`` uses ``default``: the toy world is the same)."""
    if profile == "paper":
        profile = "default"
    try:
        return TOY_CLIP_PRESETS[profile]
    except KeyError:
        raise ValueError(f"no ToyClip preset for profile {profile!r}; choose one of {sorted(TOY_CLIP_PRESETS)}") from None


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
            {name: nn.Embedding(n, config.embed_dim) for name, n in _N_VALUES.items()}
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
        return sum(masks[name] @ self.text[name].weight for name in _N_VALUES)

    def encode_codes(self, codes: torch.Tensor) -> torch.Tensor:
        """Unnormalised text embeddings of exact attributes, codes of shape (B, 4)."""
        return sum(self.text[name](codes[:, i]) for i, name in enumerate(_N_VALUES))


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


def _caption_codes(captions) -> np.ndarray:
    """Exact attribute codes (N, 4) of full captions, read with the world's parser."""
    codes = np.empty((len(captions), len(_N_VALUES)), np.int64)
    for row, text in enumerate(captions):
        constraint = _parse(text)
        for col, (name, values) in enumerate(world.ATTRIBUTE_VALUES.items()):
            allowed = constraint.allowed(name)
            if len(allowed) != 1:
                raise ValueError(f"caption {text!r} leaves the {name} open; training captions must be full")
            codes[row, col] = values.index(next(iter(allowed)))
    return codes


@contextlib.contextmanager
def _torch_threads(n: int):
    previous = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


# ---------------------------------------------------------------------------
# The embedder


class ToyClipEmbedder(VideoEmbedder):
    """The toy world's CLIP: 512-d video embeddings trained contrastively on renders.

    Build one with :func:`train_toy_clip_embedder` (which saves it) or load one
    with :meth:`from_pretrained`. Calling it embeds clips (see
    :class:`~squbed_utils.embedders.video.VideoEmbedder`); :meth:`embed_text`
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
    model_type = "ToyClipEmbedder"
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
        """Text embeddings of all 240 objects, in :func:`~squbed_utils.world.all_attribute_combinations` order."""
        combos = world.all_attribute_combinations()
        codes = torch.as_tensor(np.stack(list(world.encode_attributes(combos).values()), axis=1), device=self.device)
        with torch.inference_mode():
            return F.normalize(self.network.encode_codes(codes), dim=-1).cpu().numpy().astype(np.float32)

    def classify(self, clips, *, batch_size: int | None = None, embeddings: np.ndarray | None = None) -> pd.DataFrame:
        """Read each clip's attributes as those of its nearest caption among all 240 objects.

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
            "model_type": self.model_type,
            "dim": self.dim,
            "config": dataclasses.asdict(self.config),
            "training": None if self.training_config is None else self.training_config.to_dict(),
            "training_summary": self.training_summary,
        }

    def save_pretrained(self, path: str | os.PathLike) -> Path:
        """Write ``config.json`` and ``model.safetensors`` to the folder ``path`` (atomically)."""
        return _save_checkpoint(path, self._config_dict(), self.network)

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
        saved = _read_config(path, cls.model_type)
        where = str(path)
        saved_config = _config_from_dict(ToyClipConfig, saved.get("config", {}), where)
        if config is not None and config != saved_config:
            raise ValueError(
                f"checkpoint at {where!r} was saved with a different config: {_config_mismatch(config, saved_config)}"
            )
        embedder = cls(saved_config, device=device)
        _load_state_dict(embedder.network, Path(path) / WEIGHTS_NAME, where)
        embedder.network.eval()
        if saved.get("training"):
            embedder.training_config = ToyClipTrainingConfig.from_dict(saved["training"], where)
        embedder.training_summary = saved.get("training_summary")
        return embedder


# ---------------------------------------------------------------------------
# Training


def _soft_cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return -(targets * logits.log_softmax(dim=-1)).sum(dim=-1).mean()


def _learning_rate(config: ToyClipTrainingConfig, step: int) -> float:
    if step < config.warmup_steps:
        return config.learning_rate * (step + 1) / config.warmup_steps
    progress = (step - config.warmup_steps) / max(1, config.steps - config.warmup_steps)
    return config.learning_rate * 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))


def _training_batch(config: ToyClipTrainingConfig, step_seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Fresh renders with full captions; returns clips (B, T, H, W, 3) uint8 and attribute codes (B, 4)."""
    table = world.sample_training_set(config.batch_size, seed=step_seed, vague_fraction=0.0, spec=UNIFORM_SPEC)
    codes = _caption_codes(table["caption"].tolist())  # the text side reads the caption, not the table
    clips = world.render_batch(table, table["seed"], frames=config.model.frames, size=config.model.size)
    return clips, codes


def _blur(x: torch.Tensor) -> torch.Tensor:
    """One pass of the 3 x 3 binomial filter (1 2 1 / 4 per axis, edges replicated) over (B, T, H, W, C)."""
    for axis in (2, 3):
        first, last = x.narrow(axis, 0, 1), x.narrow(axis, x.shape[axis] - 1, 1)
        padded = torch.cat([first, x, last], dim=axis)
        n = x.shape[axis]
        x = 0.25 * padded.narrow(axis, 0, n) + 0.5 * padded.narrow(axis, 1, n) + 0.25 * padded.narrow(axis, 2, n)
    return x


def _augment(x: torch.Tensor, config: ToyClipTrainingConfig, generator: torch.Generator) -> torch.Tensor:
    """Random blur (0, 1 or 2 binomial passes) and Gaussian noise, per clip; x is (B, T, H, W, 3) in [0, 1]."""
    b = x.shape[0]
    if config.blur_probability > 0:
        blurred = torch.rand(b, generator=generator) < config.blur_probability
        passes = torch.where(blurred, torch.randint(1, 3, (b,), generator=generator), 0)
        for k in (1, 2):
            rows = (passes >= k).nonzero().flatten()
            if len(rows):
                x = x.index_copy(0, rows, _blur(x[rows]))
    if config.noise_std > 0:
        sigma = config.noise_std * torch.rand(b, 1, 1, 1, 1, generator=generator)
        x = x + sigma * torch.randn(x.shape, generator=generator)
    return x


def contrastive_loss(video: torch.Tensor, text: torch.Tensor, codes: torch.Tensor, logit_scale: torch.Tensor) -> torch.Tensor:
    """Symmetric InfoNCE between unit video and text embeddings, with every same-attribute pair a positive.

    Parameters
    ----------
    video, text : Tensor (B, D)
        L2-normalised embeddings; row i of each describes clip i.
    codes : Tensor (B, 4)
        Attribute codes of each row; rows with equal codes are positives of each other.
    logit_scale : Tensor
        Log of the inverse temperature.
    """
    logits = logit_scale.exp() * video @ text.T
    same = (codes[:, None, :] == codes[None, :, :]).all(dim=-1).float()
    targets = same / same.sum(dim=1, keepdim=True)
    return 0.5 * (_soft_cross_entropy(logits, targets) + _soft_cross_entropy(logits.T, targets))


def _existing_checkpoint(output_dir: Path, config: ToyClipTrainingConfig) -> ToyClipEmbedder | None:
    if not (output_dir / CONFIG_NAME).is_file() or not (output_dir / WEIGHTS_NAME).is_file():
        return None
    try:
        saved = json.loads((output_dir / CONFIG_NAME).read_text())
        if saved.get("model_type") != ToyClipEmbedder.model_type or saved.get("training") != json.loads(
            json.dumps(config.to_dict())
        ):
            return None
        return ToyClipEmbedder.from_pretrained(output_dir, config=config.model)
    except (ValueError, OSError):
        return None


def train_toy_clip_embedder(
    config: ToyClipTrainingConfig | str = "default",
    output_dir: str | os.PathLike | None = None,
    *,
    progress: bool = True,
    overwrite: bool = False,
) -> ToyClipEmbedder:
    """Train a :class:`ToyClipEmbedder` on fresh toy-world renders and save it.

    Parameters
    ----------
    config : ToyClipTrainingConfig or str
        Training settings, or a profile name whose preset to use
        (``"tiny"``: about 10 s; ``"default"``: 2 to 3.5 minutes on one CPU thread, less on two).
    output_dir : path, optional
        Checkpoint folder: ``config.json`` (architecture, training settings and
        a summary), ``model.safetensors`` and ``loss_curve.csv`` (step, loss,
        temperature, learning rate, elapsed seconds). ``None`` saves nothing.
        If it already holds a checkpoint trained with exactly this ``config``,
        that checkpoint is loaded instead of training again (a changed setting
        always retrains), unless ``overwrite``.
    progress : bool, default True
        tqdm progress bar with the running loss.
    overwrite : bool, default False
        Retrain even if a matching checkpoint exists.

    Returns
    -------
    ToyClipEmbedder
        In eval mode, with ``training_config`` and ``training_summary`` set.
    """
    if isinstance(config, str):
        config = toy_clip_preset(config)
    if not isinstance(config, ToyClipTrainingConfig):
        raise ValueError(f"config must be a ToyClipTrainingConfig or a profile name, got {type(config).__name__}")
    output_dir = None if output_dir is None else Path(output_dir)
    if output_dir is not None and not overwrite:
        existing = _existing_checkpoint(output_dir, config)
        if existing is not None:
            return existing

    embedder = ToyClipEmbedder(config.model, seed=config.seed)
    network = embedder.network
    with torch.no_grad():
        network.logit_scale.fill_(math.log(1.0 / config.temperature_init))
    optimiser = torch.optim.AdamW(network.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    step_seeds = np.random.default_rng(config.seed).integers(0, 2**62, size=config.steps)
    noise = torch.Generator().manual_seed(config.seed + 1)
    log_scale_max = math.log(100.0)

    rows = []
    start = time.perf_counter()
    network.train()
    with _torch_threads(config.num_threads):
        bar = tqdm(range(config.steps), desc="training ToyClip embedder", unit="step", disable=not progress)
        for step in bar:
            clips, codes = _training_batch(config, int(step_seeds[step]))
            x = _augment(torch.from_numpy(clips).float().div_(255.0), config, noise)
            codes_t = torch.from_numpy(codes)
            lr = _learning_rate(config, step)
            for group in optimiser.param_groups:
                group["lr"] = lr
            video = F.normalize(network.encode_video(x), dim=-1)
            text = F.normalize(network.encode_codes(codes_t), dim=-1)
            loss = contrastive_loss(video, text, codes_t, network.logit_scale)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            with torch.no_grad():
                network.logit_scale.clamp_(0.0, log_scale_max)
            rows.append(
                (step + 1, loss.item(), math.exp(-network.logit_scale.item()), lr,
                 time.perf_counter() - start)
            )
            if progress and (step % 10 == 0 or step == config.steps - 1):
                bar.set_postfix(loss=f"{rows[-1][1]:.3f}")
    network.eval()
    seconds = time.perf_counter() - start
    curve = pd.DataFrame(rows, columns=["step", "loss", "temperature", "learning_rate", "elapsed_s"])
    tail = curve["loss"].tail(max(1, len(curve) // 10))
    embedder.training_config = config
    embedder.training_summary = {
        "seconds": round(seconds, 2),
        "clips": config.steps * config.batch_size,
        "clips_per_s": round(config.steps * config.batch_size / seconds, 1),
        "final_loss": round(float(tail.mean()), 4),
        "final_temperature": round(float(curve["temperature"].iloc[-1]), 4),
        "torch_version": torch.__version__,
    }
    embedder.loss_curve = curve
    if output_dir is not None:
        embedder.save_pretrained(output_dir)
        curve.to_csv(output_dir / LOSS_CURVE_NAME, index=False)
    return embedder

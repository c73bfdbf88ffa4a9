"""The toy text-to-video model: a latent video diffusion model trained from scratch on CPU.

Built like the real ones (Wan, CogVideoX, LTX-Video), only tiny:

* **Video autoencoder** (:class:`FrameAutoencoder`): each frame is encoded to a
  spatial latent of ``latent_channels x size/4 x size/4`` (pixel-unshuffle by 4,
  a 1x1 projection, residual 3x3 conv blocks), the way early video LDMs reuse
  an image autoencoder per frame. A clip's latent is (T, C, h, w). It is
  trained on single frames drawn from training clips (frames of one clip are
  nearly redundant, so this is ~8x cheaper per unit of learning), with the
  object's pixels weighted ``ae_object_weight`` times in the MSE (plain MSE
  ignores a few-percent object).
* **Denoiser** (:class:`LatentDenoiser`): a residual MLP over the whole
  normalised clip latent, conditioned through FiLM on a diffusers timestep
  embedding plus the MiniLM sentence embedding of the prompt (so any free
  text works). A learned null embedding replaces the text for
  ``cond_dropout`` of the training examples (classifier-free guidance).
* **Schedulers**: diffusers ``DDPMScheduler`` noise for training,
  ``DDIMScheduler`` (or ``DPMSolverMultistepScheduler``) for sampling.

Training (:func:`train_toy_generator`) is seeded and resumable: every random
draw of step ``k`` is derived from ``(seed, phase, k)``, so a rerun after an
interruption continues from the last checkpoint and ends with the same weights.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F

from .base import CONFIG_NAME, GeneratorConfig, VideoGenerator, read_config

__all__ = ["ToyGeneratorConfig", "ToyVideoGenerator", "FrameAutoencoder", "LatentDenoiser", "PRESETS",
           "toy_config", "train_toy_generator", "accuracy_by_knowledge", "WEIGHTS_NAME"]

WEIGHTS_NAME = "model.safetensors"
_FORMAT_VERSION = 1
_MAX_THREADS = 2


@dataclasses.dataclass
class ToyGeneratorConfig(GeneratorConfig):
    """Architecture, training and sampling settings of the toy model (see :data:`PRESETS`)."""

    # autoencoder (trained on single frames of the training clips)
    latent_channels: int = 4
    ae_width: int = 32
    ae_res_blocks: int = 2
    ae_object_weight: float = 20.0
    ae_steps: int = 500
    ae_batch_size: int = 128
    ae_lr: float = 2e-3
    # denoiser
    text_dim: int = 384
    denoiser_width: int = 512
    denoiser_blocks: int = 3
    denoiser_steps: int = 1500
    denoiser_batch_size: int = 128
    denoiser_lr: float = 1e-3
    cond_dropout: float = 0.1
    train_clips: int = 10000
    vague_fraction: float = 0.2
    # diffusion
    num_train_timesteps: int = 1000
    beta_schedule: str = "squaredcos_cap_v2"
    prediction_type: str = "epsilon"
    sampler: str = "ddim"
    num_inference_steps: int = 10
    guidance_scale: float = 1.0
    # bookkeeping
    undertrained_fraction: float = 0.15
    checkpoint_every: int = 250
    text_model: str | None = None

    def __post_init__(self) -> None:
        if self.size % 4:
            raise ValueError(f"size must be a multiple of 4 (the autoencoder downsamples by 4), got {self.size}")
        if self.sampler not in ("ddim", "dpm"):
            raise ValueError(f"sampler must be 'ddim' or 'dpm', got {self.sampler!r}")
        if self.prediction_type not in ("epsilon", "v_prediction"):
            raise ValueError(f"prediction_type must be 'epsilon' or 'v_prediction', got {self.prediction_type!r}")
        if not 0.0 < self.undertrained_fraction < 1.0:
            raise ValueError(f"undertrained_fraction must lie in (0, 1), got {self.undertrained_fraction}")

    @property
    def latent_shape(self) -> tuple[int, int, int, int]:
        """(T, C, h, w) of one clip's latent."""
        return (self.frames, self.latent_channels, self.size // 4, self.size // 4)


#: Config presets per profile: ``tiny`` trains in seconds (tests), ``default`` is what ``make`` trains.
PRESETS: dict[str, dict[str, Any]] = {
    "tiny": dict(ae_width=16, ae_res_blocks=1, ae_steps=30, ae_batch_size=32, denoiser_width=64,
                 denoiser_blocks=1, denoiser_steps=40, denoiser_batch_size=32, train_clips=256,
                 checkpoint_every=20, num_inference_steps=4),
    "default": dict(),
}


def toy_config(profile: str = "default", **overrides: Any) -> ToyGeneratorConfig:
    """The :class:`ToyGeneratorConfig` of a profile, with optional overrides."""
    if profile not in PRESETS:
        raise ValueError(f"unknown toy generator preset {profile!r}; choose one of {sorted(PRESETS)}")
    return ToyGeneratorConfig(**{**PRESETS[profile], **overrides})


# --- modules -------------------------------------------------------------------


class _ResBlock(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.conv1 = nn.Conv2d(width, width, 3, padding=1)
        self.conv2 = nn.Conv2d(width, width, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv2(F.silu(self.conv1(F.silu(x))))


class FrameAutoencoder(nn.Module):
    """Per-frame conv autoencoder: (N, T, 3, S, S) in [-1, 1] <-> latents (N, T, C, S/4, S/4)."""

    def __init__(self, latent_channels: int, width: int, res_blocks: int):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.PixelUnshuffle(4), nn.Conv2d(48, width, 1), *[_ResBlock(width) for _ in range(res_blocks)],
            nn.SiLU(), nn.Conv2d(width, latent_channels, 3, padding=1),
        )
        self.decoder = nn.Sequential(
            nn.Conv2d(latent_channels, width, 3, padding=1), *[_ResBlock(width) for _ in range(res_blocks)],
            nn.SiLU(), nn.Conv2d(width, 48, 1), nn.PixelShuffle(4),
        )

    def encode(self, frames: torch.Tensor) -> torch.Tensor:
        n, t = frames.shape[:2]
        z = self.encoder(frames.reshape(n * t, *frames.shape[2:]))
        return z.reshape(n, t, *z.shape[1:])

    def decode(self, latents: torch.Tensor) -> torch.Tensor:
        n, t = latents.shape[:2]
        x = self.decoder(latents.reshape(n * t, *latents.shape[2:]))
        return x.reshape(n, t, *x.shape[1:])


class _FiLMBlock(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.norm = nn.LayerNorm(width, elementwise_affine=False)
        self.film = nn.Linear(width, 2 * width)
        self.fc1 = nn.Linear(width, width)
        self.fc2 = nn.Linear(width, width)
        nn.init.zeros_(self.fc2.weight)
        nn.init.zeros_(self.fc2.bias)

    def forward(self, h: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        scale, shift = self.film(cond).chunk(2, dim=-1)
        y = self.norm(h) * (1 + scale) + shift
        return h + self.fc2(F.silu(self.fc1(F.silu(y))))


class LatentDenoiser(nn.Module):
    """Residual MLP over a flattened clip latent, FiLM-conditioned on time and text.

    ``forward(latents (N, D), timesteps (N,), text (N, text_dim), drop (N,) bool)``
    predicts the noise (or v); ``drop`` swaps the text for the learned null embedding.
    """

    def __init__(self, latent_dim: int, text_dim: int, width: int, blocks: int):
        super().__init__()
        from diffusers.models.embeddings import TimestepEmbedding, Timesteps

        self.time_proj = Timesteps(128, flip_sin_to_cos=True, downscale_freq_shift=0)
        self.time_embed = TimestepEmbedding(128, width)
        self.text_embed = nn.Sequential(nn.Linear(text_dim, width), nn.SiLU(), nn.Linear(width, width))
        self.null_text = nn.Parameter(torch.zeros(text_dim))
        self.inp = nn.Linear(latent_dim, width)
        self.blocks = nn.ModuleList([_FiLMBlock(width) for _ in range(blocks)])
        self.out_norm = nn.LayerNorm(width)
        self.out = nn.Linear(width, latent_dim)

    def forward(self, latents, timesteps, text, drop=None):
        if drop is not None:
            text = torch.where(drop[:, None], self.null_text[None, :].to(text.dtype), text)
        cond = F.silu(self.time_embed(self.time_proj(timesteps).to(latents.dtype)) + self.text_embed(text))
        h = self.inp(latents)
        for block in self.blocks:
            h = block(h, cond)
        return self.out(F.silu(self.out_norm(h)))


# --- pixels <-> tensors --------------------------------------------------------

_BACKGROUND = None


def _clips_to_tensor(clips: np.ndarray) -> torch.Tensor:
    """uint8 (N, T, S, S, 3) -> float (N, T, 3, S, S) in [-1, 1]."""
    return torch.from_numpy(np.ascontiguousarray(clips)).permute(0, 1, 4, 2, 3).float() / 127.5 - 1.0


def _tensor_to_clips(x: torch.Tensor) -> np.ndarray:
    """float (N, T, 3, S, S) in [-1, 1] -> uint8 (N, T, S, S, 3)."""
    return ((x.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(0, 1, 3, 4, 2).contiguous().numpy()


def _object_mask(clips: np.ndarray) -> torch.Tensor:
    """1 where a pixel differs from the background (the object), (N, T, 1, S, S)."""
    from ..world import BACKGROUND_RGB

    distance = np.abs(clips.astype(np.int16) - BACKGROUND_RGB.astype(np.int16)).max(axis=-1)
    return torch.from_numpy(distance > 8).float()[:, :, None]


# --- the generator -------------------------------------------------------------


def _make_scheduler(config: ToyGeneratorConfig, kind: str):
    from diffusers import DDIMScheduler, DDPMScheduler, DPMSolverMultistepScheduler

    common = dict(num_train_timesteps=config.num_train_timesteps, beta_schedule=config.beta_schedule,
                  prediction_type=config.prediction_type)
    if kind == "ddpm":
        return DDPMScheduler(**common, clip_sample=False)
    if kind == "ddim":
        return DDIMScheduler(**common, clip_sample=False, set_alpha_to_one=True, timestep_spacing="trailing")
    return DPMSolverMultistepScheduler(**common, timestep_spacing="trailing", solver_order=2)


class ToyVideoGenerator(VideoGenerator):
    """The toy latent video diffusion model behind the :class:`VideoGenerator` interface.

    Parameters
    ----------
    config : ToyGeneratorConfig
    embedder : SentenceEmbedder, optional
        Text encoder of the prompts; loaded lazily from ``config.text_model``
        (default: the packaged MiniLM) on first use.

    Examples
    --------
    With a checkpoint trained by notebook 02::

        generator = ToyVideoGenerator.from_pretrained("artifacts/default/generator/final")
        clips = generator(["a red circle moves to the left"] * 4, seeds=[0, 1, 2, 3])
        clips.shape, clips.dtype  # ((4, 8, 32, 32, 3), dtype('uint8'))
    """

    architecture = "ToyVideoGenerator"
    config_class = ToyGeneratorConfig

    def __init__(self, config: ToyGeneratorConfig, embedder=None):
        super().__init__(config)
        self.autoencoder = FrameAutoencoder(config.latent_channels, config.ae_width, config.ae_res_blocks)
        self.latent_dim = int(np.prod(config.latent_shape))
        self.denoiser = LatentDenoiser(self.latent_dim, config.text_dim, config.denoiser_width, config.denoiser_blocks)
        # per-channel latent normalisation, set from the training latents
        self.latent_mean = torch.zeros(config.latent_channels)
        self.latent_std = torch.ones(config.latent_channels)
        self._embedder = embedder
        self._text_cache: dict[str, torch.Tensor] = {}
        self.eval()

    # -- pieces
    def eval(self) -> ToyVideoGenerator:
        self.autoencoder.eval()
        self.denoiser.eval()
        return self

    @property
    def embedder(self):
        if self._embedder is None:
            from ..embedders import SentenceEmbedder

            self._embedder = SentenceEmbedder.from_pretrained(self.config.text_model)
        return self._embedder

    def embed_prompts(self, prompts: Sequence[str]) -> torch.Tensor:
        """Text conditioning (N, text_dim); each distinct prompt is embedded alone, so its
        vector never depends on the other prompts of a call."""
        for prompt in dict.fromkeys(prompts):
            if prompt not in self._text_cache:
                self._text_cache[prompt] = torch.from_numpy(self.embedder([prompt], exact=True)[0])
        return torch.stack([self._text_cache[p] for p in prompts])

    def normalise(self, latents: torch.Tensor) -> torch.Tensor:
        """(N, T, C, h, w) autoencoder latents -> (N, D) unit-scale denoiser space."""
        z = (latents - self.latent_mean[None, None, :, None, None]) / self.latent_std[None, None, :, None, None]
        return z.reshape(len(z), -1)

    def denormalise(self, z: torch.Tensor) -> torch.Tensor:
        latents = z.reshape(len(z), *self.config.latent_shape)
        return latents * self.latent_std[None, None, :, None, None] + self.latent_mean[None, None, :, None, None]

    def initial_noise(self, seeds: np.ndarray) -> torch.Tensor:
        """Each item's starting noise from its own seed: (N, D)."""
        noise = torch.empty(len(seeds), self.latent_dim)
        for i, seed in enumerate(seeds):
            noise[i] = torch.randn(self.latent_dim, generator=torch.Generator().manual_seed(int(seed)))
        return noise

    # -- sampling
    @torch.no_grad()
    def sample_latents(self, text: torch.Tensor, noise: torch.Tensor, *, guidance_scale: float,
                       num_inference_steps: int, sampler: str) -> torch.Tensor:
        """Denoise ``noise`` (N, D) conditioned on ``text`` (N, text_dim); returns normalised latents."""
        scheduler = _make_scheduler(self.config, sampler)
        scheduler.set_timesteps(num_inference_steps)
        x = noise * scheduler.init_noise_sigma
        n = len(x)
        guided = guidance_scale != 1.0
        drop = torch.cat([torch.zeros(n, dtype=torch.bool), torch.ones(n, dtype=torch.bool)]) if guided else None
        text_in = torch.cat([text, text]) if guided else text
        for t in scheduler.timesteps:
            x_in = scheduler.scale_model_input(x, t)
            if guided:
                out = self.denoiser(torch.cat([x_in, x_in]), t.repeat(2 * n), text_in, drop)
                cond, uncond = out.chunk(2)
                out = uncond + guidance_scale * (cond - uncond)
            else:
                out = self.denoiser(x_in, t.repeat(n), text_in)
            x = scheduler.step(out, t, x).prev_sample
        return x

    @torch.no_grad()
    def decode(self, z: torch.Tensor) -> np.ndarray:
        """Normalised latents (N, D) -> uint8 clips (N, T, S, S, 3)."""
        return _tensor_to_clips(self.autoencoder.decode(self.denormalise(z)))

    @torch.no_grad()
    def generate_batch(self, prompts: list[str], seeds: np.ndarray, *, guidance_scale: float | None = None,
                       num_inference_steps: int | None = None, sampler: str | None = None) -> np.ndarray:
        threads = torch.get_num_threads()
        torch.set_num_threads(min(threads, _MAX_THREADS))
        try:
            text = self.embed_prompts(prompts)
            z = self.sample_latents(
                text, self.initial_noise(seeds),
                guidance_scale=self.config.guidance_scale if guidance_scale is None else float(guidance_scale),
                num_inference_steps=num_inference_steps or self.config.num_inference_steps,
                sampler=sampler or self.config.sampler,
            )
            return self.decode(z)
        finally:
            torch.set_num_threads(threads)

    @torch.no_grad()
    def reconstruct(self, clips: np.ndarray) -> np.ndarray:
        """Autoencoder round trip of uint8 clips (what the latent space can represent)."""
        return _tensor_to_clips(self.autoencoder.decode(self.autoencoder.encode(_clips_to_tensor(clips))))

    # -- persistence
    def state_dict(self) -> dict[str, torch.Tensor]:
        state = {f"autoencoder.{k}": v for k, v in self.autoencoder.state_dict().items()}
        state |= {f"denoiser.{k}": v for k, v in self.denoiser.state_dict().items()}
        state |= {"latent_mean": self.latent_mean, "latent_std": self.latent_std}
        return {k: v.detach().contiguous().clone() for k, v in state.items()}

    def load_state_dict(self, state: dict[str, torch.Tensor], *, source: str = "state dict") -> None:
        expected = self.state_dict()
        missing = sorted(set(expected) - set(state))
        unexpected = sorted(set(state) - set(expected))
        wrong = sorted(k for k in set(expected) & set(state) if tuple(expected[k].shape) != tuple(state[k].shape))
        if missing or unexpected or wrong:
            details = "; ".join(part for part in (
                f"missing {missing[:3]}" if missing else "", f"unexpected {unexpected[:3]}" if unexpected else "",
                f"wrong shapes for {wrong[:3]}" if wrong else "") if part)
            raise ValueError(
                f"{source} does not match the config ({details}): the weights were saved with another "
                "config; load the config.json saved beside them, or retrain"
            )
        self.autoencoder.load_state_dict({k[12:]: v for k, v in state.items() if k.startswith("autoencoder.")})
        self.denoiser.load_state_dict({k[9:]: v for k, v in state.items() if k.startswith("denoiser.")})
        self.latent_mean = state["latent_mean"].clone()
        self.latent_std = state["latent_std"].clone()

    def save_pretrained(self, path: str | os.PathLike) -> Path:
        from safetensors.torch import save_file

        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        config = {"architecture": self.architecture, "format_version": _FORMAT_VERSION, **self.config.to_dict()}
        _atomic_write_text(folder / CONFIG_NAME, json.dumps(config, indent=2) + "\n")
        tmp = folder / (WEIGHTS_NAME + ".part")
        save_file(self.state_dict(), str(tmp), metadata={"architecture": self.architecture})
        os.replace(tmp, folder / WEIGHTS_NAME)
        return folder

    @classmethod
    def from_pretrained(cls, path: str | os.PathLike, *, embedder=None, config: ToyGeneratorConfig | None = None
                        ) -> ToyVideoGenerator:
        """Load a checkpoint folder (config.json + model.safetensors).

        Parameters
        ----------
        path : folder written by :meth:`save_pretrained`
        embedder : SentenceEmbedder, optional
            Shared text encoder (default: loaded lazily).
        config : ToyGeneratorConfig, optional
            Expected config; a checkpoint whose config differs raises ValueError.

        Raises
        ------
        FileNotFoundError
            Missing folder, config.json or weights file.
        ValueError
            Another architecture, a config that differs from ``config``, or weights
            whose names or shapes do not match the config.
        """
        from safetensors.torch import load_file

        values = read_config(path, cls.architecture)
        saved = ToyGeneratorConfig.from_dict(values, source=str(Path(path) / CONFIG_NAME))
        if config is not None and _architecture_fields(config) != _architecture_fields(saved):
            diff = {k: (v, _architecture_fields(saved)[k]) for k, v in _architecture_fields(config).items()
                    if _architecture_fields(saved)[k] != v}
            raise ValueError(f"checkpoint {path} was trained with another config (expected vs saved: {diff}); "
                             "retrain it with this config or drop the config argument")
        weights = Path(path) / WEIGHTS_NAME
        if not weights.is_file():
            raise FileNotFoundError(f"{weights} is missing: the checkpoint at {path} is incomplete; retrain it")
        generator = cls(saved, embedder=embedder)
        generator.load_state_dict(load_file(str(weights)), source=str(weights))
        return generator


_ARCHITECTURE_FIELDS = ("frames", "size", "latent_channels", "ae_width", "ae_res_blocks", "text_dim",
                        "denoiser_width", "denoiser_blocks", "num_train_timesteps", "beta_schedule", "prediction_type")


def _architecture_fields(config: ToyGeneratorConfig) -> dict[str, Any]:
    return {name: getattr(config, name) for name in _ARCHITECTURE_FIELDS}


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(text)
    os.replace(tmp, path)


# --- training ------------------------------------------------------------------

_PHASES = {"autoencoder": 1, "denoiser": 2}


def _step_rng(seed: int, phase: str, step: int) -> np.random.Generator:
    return np.random.default_rng([seed, _PHASES[phase], step])


def _step_torch(seed: int, phase: str, step: int) -> torch.Generator:
    return torch.Generator().manual_seed(int(_step_rng(seed, phase, step).integers(2**62)))


def _lr_lambda(total: int, warmup: float = 0.05):
    warm = max(1, int(total * warmup))

    def schedule(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        return 0.5 * (1 + math.cos(math.pi * min(1.0, (step - warm) / max(1, total - warm))))

    return schedule


def _save_state(path: Path, state: dict) -> None:
    tmp = path.with_name(path.name + ".part")
    torch.save(state, tmp)
    os.replace(tmp, path)


def train_toy_generator(
    config: ToyGeneratorConfig | str,
    output_dir: str | os.PathLike,
    *,
    resume: bool = True,
    progress: bool = True,
    embedder=None,
    max_steps: int | None = None,
) -> ToyVideoGenerator:
    """Train the toy model from scratch; write checkpoints and training curves.

    Two phases: the autoencoder on single frames of training renders, then the
    denoiser on the normalised latents of ``config.train_clips`` training
    clips (from :func:`squbed_utils.world.sample_training_set`), with one
    MiniLM embedding per distinct caption.

    Writes under ``output_dir``:

    ``final/``            the trained model (``config.json`` + ``model.safetensors``)
    ``undertrained/``     the same model after ``undertrained_fraction`` of the denoiser steps
    ``training_curves.csv``  ``phase, step, loss`` for both phases
    ``training_state.pt`` the resumable state (every ``checkpoint_every`` steps; removed at the end)

    Parameters
    ----------
    config : ToyGeneratorConfig or preset name ("tiny", "default")
    output_dir : folder
    resume : bool, default True
        Continue from ``training_state.pt`` if present (else start over). A
        resumed run ends with the same weights as an uninterrupted one.
    progress : bool, default True
        tqdm progress bars.
    embedder : SentenceEmbedder, optional
    max_steps : int, optional
        Stop after this many optimisation steps in total (both phases), leaving
        the state to resume from: for tests and for splitting a long run.

    Returns
    -------
    ToyVideoGenerator
        The final model (or the partial one when ``max_steps`` stopped early).
    """
    from tqdm.auto import tqdm

    from .. import world

    if isinstance(config, str):
        config = toy_config(config)
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    state_file = out / "training_state.pt"
    threads = torch.get_num_threads()
    torch.set_num_threads(min(threads, _MAX_THREADS))
    torch.manual_seed(config.seed)
    generator = ToyVideoGenerator(config, embedder=embedder)
    ae_params = list(generator.autoencoder.parameters())
    ae_opt = torch.optim.AdamW(ae_params, lr=config.ae_lr, weight_decay=0.0)
    ae_sched = torch.optim.lr_scheduler.LambdaLR(ae_opt, _lr_lambda(config.ae_steps))
    dn_opt = torch.optim.AdamW(generator.denoiser.parameters(), lr=config.denoiser_lr, weight_decay=0.0)
    dn_sched = torch.optim.lr_scheduler.LambdaLR(dn_opt, _lr_lambda(config.denoiser_steps))
    curves: list[tuple[str, int, float]] = []
    ae_step = dn_step = 0
    if resume and state_file.is_file():
        state = torch.load(state_file, weights_only=False)
        if state["config"] != config.to_dict():
            raise ValueError(f"{state_file} belongs to a run with another config; delete it or use resume=False")
        generator.load_state_dict(state["model"], source=str(state_file))
        ae_opt.load_state_dict(state["ae_opt"]); ae_sched.load_state_dict(state["ae_sched"])
        dn_opt.load_state_dict(state["dn_opt"]); dn_sched.load_state_dict(state["dn_sched"])
        ae_step, dn_step, curves = state["ae_step"], state["dn_step"], state["curves"]
    budget = [max_steps if max_steps is not None else math.inf]

    def checkpoint() -> None:
        _save_state(state_file, dict(
            config=config.to_dict(), model=generator.state_dict(), ae_opt=ae_opt.state_dict(),
            ae_sched=ae_sched.state_dict(), dn_opt=dn_opt.state_dict(), dn_sched=dn_sched.state_dict(),
            ae_step=ae_step, dn_step=dn_step, curves=curves))

    def write_curves() -> None:
        table = pd.DataFrame(curves, columns=["phase", "step", "loss"])
        tmp = out / "training_curves.csv.part"
        table.to_csv(tmp, index=False)
        os.replace(tmp, out / "training_curves.csv")

    try:
        table, clips = _training_set(config, progress)
        # phase 1: the autoencoder, on single frames of training clips
        if ae_step < config.ae_steps:
            generator.autoencoder.train()
            bar = tqdm(total=config.ae_steps, initial=ae_step, desc="autoencoder", disable=not progress)
            while ae_step < config.ae_steps:
                if budget[0] <= 0:
                    checkpoint(); write_curves()
                    return generator.eval()
                rng = _step_rng(config.seed, "autoencoder", ae_step)
                pick = rng.integers(0, len(clips), config.ae_batch_size)
                frames = clips[pick, rng.integers(0, config.frames, len(pick))][:, None]
                x = _clips_to_tensor(frames)
                weight = 1.0 + config.ae_object_weight * _object_mask(frames)
                loss = (((generator.autoencoder.decode(generator.autoencoder.encode(x)) - x) ** 2) * weight).mean()
                ae_opt.zero_grad(set_to_none=True)
                loss.backward()
                ae_opt.step(); ae_sched.step()
                ae_step += 1; budget[0] -= 1
                curves.append(("autoencoder", ae_step, loss.item()))
                bar.update(); bar.set_postfix(loss=f"{loss.item():.4f}", refresh=False)
                if ae_step % config.checkpoint_every == 0:
                    checkpoint()
            bar.close()
            generator.autoencoder.eval()
            checkpoint(); write_curves()

        # phase 2: the denoiser, on normalised latents of the training clips
        latents, text = _denoiser_data(generator, table, clips, progress)
        generator.denoiser.train()
        scheduler = _make_scheduler(config, "ddpm")
        alphas = scheduler.alphas_cumprod
        undertrained_at = max(1, int(round(config.undertrained_fraction * config.denoiser_steps)))
        bar = tqdm(total=config.denoiser_steps, initial=dn_step, desc="denoiser", disable=not progress)
        while dn_step < config.denoiser_steps:
            if budget[0] <= 0:
                checkpoint(); write_curves()
                return generator.eval()
            g = _step_torch(config.seed, "denoiser", dn_step)
            idx = torch.randint(0, len(latents), (config.denoiser_batch_size,), generator=g)
            x0 = latents[idx]
            noise = torch.randn(x0.shape, generator=g)
            t = torch.randint(0, config.num_train_timesteps, (len(idx),), generator=g)
            drop = torch.rand(len(idx), generator=g) < config.cond_dropout
            xt = scheduler.add_noise(x0, noise, t)
            target = noise if config.prediction_type == "epsilon" else scheduler.get_velocity(x0, noise, t)
            loss = F.mse_loss(generator.denoiser(xt, t, text[idx], drop), target)
            dn_opt.zero_grad(set_to_none=True)
            loss.backward()
            dn_opt.step(); dn_sched.step()
            dn_step += 1; budget[0] -= 1
            curves.append(("denoiser", dn_step, loss.item()))
            bar.update(); bar.set_postfix(loss=f"{loss.item():.4f}", refresh=False)
            if dn_step == undertrained_at:
                generator.eval().save_pretrained(out / "undertrained"); generator.denoiser.train()
            if dn_step % config.checkpoint_every == 0:
                checkpoint()
        bar.close()
        del alphas
        generator.eval().save_pretrained(out / "final")
        write_curves()
        state_file.unlink(missing_ok=True)
        return generator
    finally:
        torch.set_num_threads(threads)


def _training_set(config: ToyGeneratorConfig, progress: bool) -> tuple[pd.DataFrame, np.ndarray]:
    """The model's whole training set: ``train_clips`` captioned renders (deterministic from the seed)."""
    from .. import world

    table = world.sample_training_set(config.train_clips, seed=config.seed, vague_fraction=config.vague_fraction)
    clips = world.render_batch(table, table["seed"], frames=config.frames, size=config.size)
    return table, clips


def _denoiser_data(generator: ToyVideoGenerator, table: pd.DataFrame, clips: np.ndarray, progress: bool):
    """Encode the training clips and embed their captions (once per distinct caption).

    Also sets the generator's latent normalisation from these latents.
    """
    from tqdm.auto import tqdm

    chunks = []
    with torch.no_grad():
        for start in tqdm(range(0, len(clips), 512), desc="encoding training clips", disable=not progress):
            chunks.append(generator.autoencoder.encode(_clips_to_tensor(clips[start:start + 512])))
    latents = torch.cat(chunks)
    generator.latent_mean = latents.mean(dim=(0, 1, 3, 4))
    generator.latent_std = latents.std(dim=(0, 1, 3, 4))
    captions = table["caption"].tolist()
    distinct = list(dict.fromkeys(captions))
    vectors = generator.embedder(distinct)
    lookup = {c: i for i, c in enumerate(distinct)}
    text = torch.from_numpy(vectors)[torch.tensor([lookup[c] for c in captions])]
    return generator.normalise(latents), text


def accuracy_by_knowledge(generator: VideoGenerator, *, clips_per_object: int = 4, seed: int = 0,
                          batch_size: int = 512, progress: bool = False, **sampling: Any) -> pd.DataFrame:
    """The checker's accuracy of generated clips, per knowledge level and attribute.

    Every fully specified object (240) is prompted with its canonical caption
    ``clips_per_object`` times (seeds from ``seed``); the clips are scored by
    :func:`squbed_utils.world.attribute_accuracy` against their prompts.

    Returns
    -------
    DataFrame
        Index ``common``, ``rare``, ``held_out``; columns ``shape``, ``colour``,
        ``motion``, ``size``, ``all`` (fractions) and ``n`` (clips).
    """
    from .. import world

    objects = world.training_distribution()
    objects = objects.loc[objects.index.repeat(clips_per_object)].reset_index(drop=True)
    prompts = [world.caption(row) for row in objects[list(world.ATTRIBUTE_NAMES)].to_dict("records")]
    seeds = seed + np.arange(len(prompts))
    clips = generator(prompts, seeds, batch_size=batch_size, progress=progress, **sampling)
    scores = world.attribute_accuracy(clips, prompts)
    scores["knowledge"] = objects["knowledge"].to_numpy()
    table = scores.groupby("knowledge").mean().reindex(list(world.KNOWLEDGE_LEVELS))
    table["n"] = scores.groupby("knowledge").size()
    return table

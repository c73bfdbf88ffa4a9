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
* **Clip codec** (:class:`ClipCodec`): an MLP that compresses the whole
  clip's per-frame latents (T x C x h x w = 2048 numbers at the defaults) to
  one ``codec_dim`` vector and back, the way video VAEs compress time as well
  as space. It is trained on the autoencoder's latents of the training clips.
  Diffusion runs on this vector: a denoiser over the 2048-number spatial latent
  learned far more slowly within the CPU budget.
* **Denoiser** (:class:`LatentDenoiser`): a residual MLP over the normalised
  clip code, conditioned through FiLM on a diffusers timestep
  embedding plus the MiniLM sentence embedding of the prompt (so any free
  text works). A learned null embedding replaces the text for
  ``cond_dropout`` of the training examples (classifier-free guidance).
  Its loss is weighted over timesteps by min-SNR (Hang et al., ICCV 2023;
  ``min_snr_gamma``): with equal weights the noisiest steps, whose error
  cannot fall below the average clip of a caption, dominate the gradient;
  weighting lifted generated shape accuracy from about 55% to 64% at no cost.
* **Schedulers**: diffusers ``DDPMScheduler`` noise for training,
  ``DDIMScheduler`` (or ``DPMSolverMultistepScheduler``) for sampling, with a
  cosine noise schedule and v-prediction. v-prediction matters: with the
  cosine schedule the last training step has a cumulative alpha of 2e-9, and
  an epsilon-predicting model's first sampling step divides by its square root,
  which blew samples up (every attribute at 0% in our measurements).

Training, the committed checkpoint of the default profile and its export live
in :mod:`squbed_utils.generators.toy_training`.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from ..checkpoints import CONFIG_NAME, config_json, load_weights, read_config, save_checkpoint
from ..runtime import torch_threads
from .base import GeneratorConfig, VideoGenerator

__all__ = ["ToyGeneratorConfig", "ToyVideoGenerator", "FrameAutoencoder", "ClipCodec", "LatentDenoiser",
           "THREADS", "FORMAT_VERSION", "saved_config", "clips_to_tensor", "object_mask", "make_scheduler", "architecture_fields"]

#: Version of the toy model's config.json layout.
FORMAT_VERSION = 2
#: torch threads the toy model always computes with, whatever the machine or OMP_NUM_THREADS says: another
#: thread count splits its matrix products differently (7 of 64 clips moved by a pixel level between 1 and 2
#: threads, measured), and 2 is the fastest on 2 cores (246 clips/s against 149 on one; more gain nothing).
THREADS = 2


@dataclasses.dataclass
class ToyGeneratorConfig(GeneratorConfig):
    """Architecture, training and sampling settings of the toy model (a profile's sizes: :mod:`squbed_utils.profiles`)."""

    # autoencoder (trained on single frames of the training clips)
    latent_channels: int = 4
    ae_width: int = 48
    ae_res_blocks: int = 2
    ae_object_weight: float = 20.0
    ae_steps: int = 3000
    ae_batch_size: int = 128
    ae_lr: float = 2e-3
    # clip codec (trained on the autoencoder's latents of the training clips)
    codec_dim: int = 128
    codec_width: int = 512
    codec_steps: int = 6000
    codec_batch_size: int = 256
    codec_lr: float = 1e-3
    codec_noise: float = 0.05
    # denoiser
    text_dim: int = 384
    denoiser_width: int = 512
    denoiser_blocks: int = 3
    denoiser_steps: int = 12000
    denoiser_batch_size: int = 256
    denoiser_lr: float = 4e-3
    min_snr_gamma: float = 5.0
    cond_dropout: float = 0.1
    train_clips: int = 10000
    vague_fraction: float = 0.2
    # diffusion
    num_train_timesteps: int = 1000
    beta_schedule: str = "squaredcos_cap_v2"
    prediction_type: str = "v_prediction"
    sampler: str = "ddim"
    num_inference_steps: int = 20
    guidance_scale: float = 2.0
    # bookkeeping
    undertrained_fraction: float = 0.15
    ladder_fractions: tuple[float, ...] = (0.05, 0.4)
    checkpoint_every: int = 250
    text_model: str | None = None

    def __post_init__(self) -> None:
        if self.size % 4:
            raise ValueError(f"size must be a multiple of 4 (the autoencoder downsamples by 4), got {self.size}")
        if self.sampler not in ("ddim", "dpm"):
            raise ValueError(f"sampler must be 'ddim' or 'dpm', got {self.sampler!r}")
        if self.prediction_type not in ("epsilon", "v_prediction"):
            raise ValueError(f"prediction_type must be 'epsilon' or 'v_prediction', got {self.prediction_type!r}")
        if self.min_snr_gamma < 0:
            raise ValueError(f"min_snr_gamma must be >= 0 (0 turns the weighting off), got {self.min_snr_gamma}")
        if not 0.0 < self.undertrained_fraction < 1.0:
            raise ValueError(f"undertrained_fraction must lie in (0, 1), got {self.undertrained_fraction}")
        fractions = (*self.ladder_fractions, self.undertrained_fraction)
        if not all(0.0 < f < 1.0 for f in fractions) or len(set(fractions)) < len(fractions):
            raise ValueError(f"ladder_fractions must be distinct fractions in (0, 1) other than undertrained_fraction "
                             f"({self.undertrained_fraction}), got {self.ladder_fractions}")

    @property
    def latent_shape(self) -> tuple[int, int, int, int]:
        """(T, C, h, w) of one clip's latent."""
        return (self.frames, self.latent_channels, self.size // 4, self.size // 4)


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


class ClipCodec(nn.Module):
    """MLP between a clip's flattened, normalised latents (N, D) and a code (N, codec_dim)."""

    def __init__(self, latent_dim: int, width: int, codec_dim: int):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(latent_dim, width), nn.SiLU(), nn.Linear(width, width), nn.SiLU(),
                                     nn.Linear(width, codec_dim))
        self.decoder = nn.Sequential(nn.Linear(codec_dim, width), nn.SiLU(), nn.Linear(width, width), nn.SiLU(),
                                     nn.Linear(width, latent_dim))


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

def clips_to_tensor(clips: np.ndarray) -> torch.Tensor:
    """uint8 (N, T, S, S, 3) -> float (N, T, 3, S, S) in [-1, 1]."""
    return torch.from_numpy(np.ascontiguousarray(clips)).permute(0, 1, 4, 2, 3).float() / 127.5 - 1.0


def _tensor_to_clips(x: torch.Tensor) -> np.ndarray:
    """float (N, T, 3, S, S) in [-1, 1] -> uint8 (N, T, S, S, 3)."""
    return ((x.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(0, 1, 3, 4, 2).contiguous().numpy()


def object_mask(clips: np.ndarray) -> torch.Tensor:
    """1 where a pixel differs from the background (the object), (N, T, 1, S, S)."""
    from ..world import BACKGROUND_RGB

    distance = np.abs(clips.astype(np.int16) - BACKGROUND_RGB.astype(np.int16)).max(axis=-1)
    return torch.from_numpy(distance > 8).float()[:, :, None]


# --- the generator -------------------------------------------------------------


def make_scheduler(config: ToyGeneratorConfig, kind: str):
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
    #: 256 clips (512 rows with guidance) per pass, every clip computed in a batch of this one size (see
    #: :mod:`squbed_utils.generators.base`): on 2 CPU threads 246 clips/s, against 225 at 128 and 199 at 64
    #: (measured); the pipeline asks for 250 clips at a time, so the padding costs 2%.
    default_batch_size = 256

    def __init__(self, config: ToyGeneratorConfig, embedder=None):
        super().__init__(config)
        self.autoencoder = FrameAutoencoder(config.latent_channels, config.ae_width, config.ae_res_blocks)
        self.codec = ClipCodec(int(np.prod(config.latent_shape)), config.codec_width, config.codec_dim)
        self.denoiser = LatentDenoiser(config.codec_dim, config.text_dim, config.denoiser_width, config.denoiser_blocks)
        # per-channel latent and per-dimension code normalisation, set from the training clips
        self.latent_mean = torch.zeros(config.latent_channels)
        self.latent_std = torch.ones(config.latent_channels)
        self.code_mean = torch.zeros(config.codec_dim)
        self.code_std = torch.ones(config.codec_dim)
        self._embedder = embedder
        self._text_cache: dict[str, torch.Tensor] = {}
        self.eval()

    # -- pieces
    def eval(self) -> ToyVideoGenerator:
        self.autoencoder.eval()
        self.codec.eval()
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

    def encode_codes(self, latents: torch.Tensor) -> torch.Tensor:
        """(N, T, C, h, w) autoencoder latents -> (N, codec_dim) normalised codes (the diffusion space)."""
        return (self.codec.encoder(self.normalise(latents)) - self.code_mean) / self.code_std

    def initial_noise(self, seeds: np.ndarray) -> torch.Tensor:
        """Each item's starting noise from its own seed: (N, codec_dim)."""
        noise = torch.empty(len(seeds), self.config.codec_dim)
        for i, seed in enumerate(seeds):
            noise[i] = torch.randn(self.config.codec_dim, generator=torch.Generator().manual_seed(int(seed)))
        return noise

    # -- sampling
    @torch.no_grad()
    def sample_latents(self, text: torch.Tensor, noise: torch.Tensor, *, guidance_scale: float,
                       num_inference_steps: int, sampler: str) -> torch.Tensor:
        """Denoise ``noise`` (N, codec_dim) conditioned on ``text`` (N, text_dim); returns normalised codes."""
        scheduler = make_scheduler(self.config, sampler)
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
    def decode(self, codes: torch.Tensor) -> np.ndarray:
        """Normalised codes (N, codec_dim) -> uint8 clips (N, T, S, S, 3)."""
        latents = self.denormalise(self.codec.decoder(codes * self.code_std + self.code_mean))
        return _tensor_to_clips(self.autoencoder.decode(latents))

    @torch.no_grad()
    def generate_batch(self, prompts: list[str], seeds: np.ndarray, *, guidance_scale: float | None = None,
                       num_inference_steps: int | None = None, sampler: str | None = None) -> np.ndarray:
        with torch_threads(THREADS):
            text = self.embed_prompts(prompts)
            z = self.sample_latents(
                text, self.initial_noise(seeds),
                guidance_scale=self.config.guidance_scale if guidance_scale is None else float(guidance_scale),
                num_inference_steps=num_inference_steps or self.config.num_inference_steps,
                sampler=sampler or self.config.sampler,
            )
            return self.decode(z)

    @torch.no_grad()
    def reconstruct(self, clips: np.ndarray, *, through_codec: bool = True) -> np.ndarray:
        """Round trip of uint8 clips through the autoencoder (and the codec): what the model can represent."""
        latents = self.autoencoder.encode(clips_to_tensor(clips))
        if through_codec:
            return self.decode(self.encode_codes(latents))
        return _tensor_to_clips(self.autoencoder.decode(latents))

    # -- persistence
    def state_dict(self) -> dict[str, torch.Tensor]:
        state = {f"autoencoder.{k}": v for k, v in self.autoencoder.state_dict().items()}
        state |= {f"codec.{k}": v for k, v in self.codec.state_dict().items()}
        state |= {f"denoiser.{k}": v for k, v in self.denoiser.state_dict().items()}
        state |= {"latent_mean": self.latent_mean, "latent_std": self.latent_std,
                  "code_mean": self.code_mean, "code_std": self.code_std}
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
        self.codec.load_state_dict({k[6:]: v for k, v in state.items() if k.startswith("codec.")})
        self.denoiser.load_state_dict({k[9:]: v for k, v in state.items() if k.startswith("denoiser.")})
        for name in ("latent_mean", "latent_std", "code_mean", "code_std"):
            setattr(self, name, state[name].float().clone())

    def save_pretrained(self, path: str | os.PathLike, *, dtype: torch.dtype = torch.float32) -> Path:
        """Write ``config.json`` and ``model.safetensors`` (weights stored as ``dtype``; loading
        always computes in float32) to the folder ``path``."""
        return save_checkpoint(path, self.architecture, FORMAT_VERSION, self.config.to_dict(), self.state_dict(),
                               dtype=dtype)

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
        values = read_config(path, cls.architecture, what="generator")
        saved = ToyGeneratorConfig.from_dict(values, source=str(Path(path) / CONFIG_NAME))
        if config is not None and architecture_fields(config) != architecture_fields(saved):
            diff = {k: (v, architecture_fields(saved)[k]) for k, v in architecture_fields(config).items()
                    if architecture_fields(saved)[k] != v}
            raise ValueError(f"checkpoint {path} was trained with another config (expected vs saved: {diff}); "
                             "retrain it with this config or drop the config argument")
        generator = cls(saved, embedder=embedder)
        generator.load_state_dict(load_weights(path), source=str(Path(path) / "model.safetensors"))
        return generator


def saved_config(config: ToyGeneratorConfig) -> str:
    """The text of the ``config.json`` a checkpoint of ``config`` holds."""
    return config_json(ToyVideoGenerator.architecture, FORMAT_VERSION, config.to_dict())


ARCHITECTURE_FIELDS = ("frames", "size", "latent_channels", "ae_width", "ae_res_blocks", "codec_dim", "codec_width",
                        "text_dim",
                        "denoiser_width", "denoiser_blocks", "num_train_timesteps", "beta_schedule", "prediction_type")


def architecture_fields(config: ToyGeneratorConfig) -> dict[str, Any]:
    return {name: getattr(config, name) for name in ARCHITECTURE_FIELDS}

"""The interface every video generator shares: the toy diffusion model, diffusers pipelines, your own.

A generator maps prompts and seeds to clips::

    clips = generator(prompts, seeds)        # uint8, (N, T, H, W, 3)

Sampling is a pure function of (prompt, seed): each clip's initial noise comes
from its own seed, so results can be cached per item. A network's floating-point
result for one clip can still change with the number of clips computed beside it
(matrix kernels block differently for other batch sizes, and a one-row product
takes another path), which moves a few pixels by one level. So
:meth:`VideoGenerator.__call__` hands :meth:`~VideoGenerator.generate_batch`
exactly :attr:`~VideoGenerator.batch_size` clips every time, padding the last
call with copies of its last clip: a clip is then the same bit for bit whatever
else was asked for with it, in any order, and a resumed run that regenerates
only the missing items gets the same clips as an uninterrupted one. The batch
size is part of the cache key.

A generator is saved as a folder holding ``config.json`` (the config dataclass
plus an ``architecture`` key) and its weights as safetensors
(:mod:`squbed_utils.checkpoints`).
"""

from __future__ import annotations

import abc
import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ..checkpoints import config_from_dict
from ..seeds import check_seeds
from ..store import fingerprint, tensor_fingerprint
from ..validation import check_positive_int, check_prompts

__all__ = ["GeneratorConfig", "VideoGenerator"]


@dataclasses.dataclass
class GeneratorConfig:
    """Base of every generator config: clip geometry and the seed.

    Attributes
    ----------
    frames : int
        Frames per clip (T).
    size : int
        Frame side in pixels (H = W).
    seed : int
        Root seed of training (sampling is seeded per item by the caller).
    """

    frames: int = 8
    size: int = 32
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any], *, source: str = "config") -> GeneratorConfig:
        """Build a config from a dict; unknown or missing keys raise a ValueError naming ``source``."""
        return config_from_dict(cls, values, source=source)


class VideoGenerator(abc.ABC):
    """A text-to-video generator: prompts and seeds in, uint8 clips out.

    Subclasses set :attr:`architecture` and :attr:`config_class` and implement
    :meth:`generate_batch`, :meth:`save_pretrained` and :meth:`from_pretrained`.
    :meth:`__call__` validates the input, splits it into batches and stacks
    the clips.
    """

    architecture: ClassVar[str] = "VideoGenerator"
    config_class: ClassVar[type[GeneratorConfig]] = GeneratorConfig
    #: Clips per call of :meth:`generate_batch` (see :attr:`batch_size`).
    default_batch_size: ClassVar[int] = 1

    def __init__(self, config: GeneratorConfig):
        if not isinstance(config, self.config_class):
            raise ValueError(f"{type(self).__name__} needs a {self.config_class.__name__}, got {type(config).__name__}")
        self.config = config

    @property
    def batch_size(self) -> int:
        """Clips per call of :meth:`generate_batch`, always exactly this many (the last call padded).

        Larger is faster (up to a point); a clip's bits depend on it, so it is part of :meth:`cache_info`.
        """
        return self.default_batch_size

    @property
    def clip_shape(self) -> tuple[int, int, int, int]:
        """Shape of one clip: (T, H, W, 3)."""
        return (self.config.frames, self.config.size, self.config.size, 3)

    def __call__(
        self,
        prompts: str | Sequence[str],
        seeds: int | Sequence[int] | np.ndarray,
        *,
        progress: bool = False,
        **sampling: Any,
    ) -> np.ndarray:
        """Generate one clip per (prompt, seed).

        Parameters
        ----------
        prompts : str or sequence of str
            Non-empty prompts, free text.
        seeds : int or array-like of int
            One non-negative seed per prompt (one int for all). The clip for a
            given (prompt, seed) is the same whatever else is asked for with it.
        progress : bool, default False
            Show a tqdm progress bar over batches.
        **sampling
            Backend-specific sampling options (e.g. ``guidance_scale``,
            ``num_inference_steps``); defaults come from the config.

        Returns
        -------
        ndarray of uint8, shape (N, T, H, W, 3)
        """
        prompts = check_prompts(prompts)
        seeds = check_seeds(seeds, len(prompts))
        size = check_positive_int("batch_size", self.batch_size)
        clips = np.empty((len(prompts), *self.clip_shape), np.uint8)
        starts = range(0, len(prompts), size)
        if progress:
            from tqdm.auto import tqdm

            starts = tqdm(starts, desc=f"{type(self).__name__}", unit="batch")
        for start in starts:
            batch_prompts, batch_seeds = prompts[start:start + size], seeds[start:start + size]
            real = len(batch_prompts)
            padding = size - real  # repeat the last clip: the networks always see batches of one size
            batch_prompts = batch_prompts + batch_prompts[-1:] * padding
            batch_seeds = np.concatenate([batch_seeds, np.repeat(batch_seeds[-1:], padding)])
            clips[start:start + real] = self.generate_batch(batch_prompts, batch_seeds, **sampling)[:real]
        return clips

    # -- identity, for per-item caches ------------------------------------

    def weights_fingerprint(self) -> str:
        """A hash of the weights (:func:`~squbed_utils.store.tensor_fingerprint` of ``state_dict()``).

        Generators whose weights are too large to hash on every run (a
        diffusers pipeline of several GB) override this with something
        cheaper that still changes with the weights (path + revision + file sizes).
        """
        return tensor_fingerprint(self.state_dict())

    def cache_info(self) -> dict[str, Any]:
        """Everything a generated clip depends on besides (prompt, seed, sampling options)."""
        return {"architecture": self.architecture, "config": self.config.to_dict(), "weights": self.weights_fingerprint(),
                "batch_size": self.batch_size}

    @property
    def cache_key(self) -> str:
        """A short hash of :meth:`cache_info`; part of every cached clip's key (see :mod:`squbed_utils.pipeline`)."""
        return fingerprint(self.cache_info())  # not memoised: the weights may change (training, load_state_dict)

    def state_dict(self) -> dict[str, Any]:
        """The weights as named tensors; subclasses with torch modules return them."""
        raise NotImplementedError(
            f"{type(self).__name__} does not expose state_dict(); override weights_fingerprint() so cached clips "
            "can tell one set of weights from another"
        )

    @abc.abstractmethod
    def generate_batch(self, prompts: list[str], seeds: np.ndarray, **sampling: Any) -> np.ndarray:
        """Clips for one batch of exactly :attr:`batch_size` validated prompts and seeds, uint8 (n, T, H, W, 3).

        Clip i must depend on ``prompts[i]`` and ``seeds[i]`` only (and on the batch size, which is fixed).
        """

    @abc.abstractmethod
    def save_pretrained(self, path: str | os.PathLike) -> Path:
        """Write config.json and the weights to the folder ``path``; return it."""

    @classmethod
    @abc.abstractmethod
    def from_pretrained(cls, path: str | os.PathLike, **kwargs: Any) -> VideoGenerator:
        """Load a generator that :meth:`save_pretrained` wrote."""

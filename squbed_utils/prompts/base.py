"""The latent prompt generator interface shared by every backend.

A latent prompt generator is step 1 of S-QUBED: it rewrites a task prompt
``l`` into ``n`` refined prompts ``z_1..z_n``, each a more specific reading of
``l``. The spread of the refined prompts is the aleatoric uncertainty of ``l``.

Every generator is a :class:`LatentPromptGenerator`:

* ``generator(prompt, n, seed)`` returns ``n`` distinct refined prompts, the
  same ones for the same ``(prompt, n, seed)`` and configuration;
* ``generator.generate(prompts, n, seeds)`` does it for many prompts at once
  (a backend may batch them; the answer is the same as calling one by one);
* ``generator.config`` is a JSON-serialisable dataclass of every setting that
  changes the output, and ``generator.cache_key`` a short hash of it (plus
  anything else the output depends on) for per-item caches.

To plug in your own generator, subclass :class:`LatentPromptGenerator`, give it
a ``config`` dataclass, and implement :meth:`~LatentPromptGenerator._refine`
(and, if your backend batches, :meth:`~LatentPromptGenerator._refine_many`).
"""

from __future__ import annotations

import abc
import dataclasses
import hashlib
import json
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..seeds import as_seeds

__all__ = ["LatentPromptGenerator", "check_request"]


def check_request(prompt: Any, n: Any) -> tuple[str, int]:
    """Validate one request; returns ``(prompt stripped, n)``.

    Raises
    ------
    ValueError
        If ``prompt`` is not a non-empty string or ``n`` is not an integer >= 1.
    """
    if not isinstance(prompt, str):
        raise ValueError(f"prompt must be a string, got {type(prompt).__name__} {prompt!r}")
    if not prompt.strip():
        raise ValueError(f"empty prompt {prompt!r}: give the task prompt to refine, e.g. 'something red moves'")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise ValueError(f"n (the number of refined prompts) must be an integer >= 1, got {n!r}")
    if n < 1:
        raise ValueError(f"n (the number of refined prompts) must be >= 1, got {n}")
    return prompt.strip(), int(n)


class LatentPromptGenerator(abc.ABC):
    """Rewrites a prompt into ``n`` distinct refined prompts, deterministically under a seed.

    Subclasses set :attr:`config` (a dataclass) and implement :meth:`_refine`.
    """

    config: Any

    def __call__(self, prompt: str, n: int, seed: int = 0) -> list[str]:
        """``n`` distinct refined prompts for ``prompt``.

        Parameters
        ----------
        prompt : str
            The task prompt ``l``.
        n : int
            Number of refined prompts (>= 1).
        seed : int, default 0
            The same ``(prompt, n, seed)`` and configuration give the same list.

        Raises
        ------
        ValueError
            On an empty prompt or ``n < 1`` (and on what the backend cannot read).
        """
        return self.generate([prompt], n, [seed])[0]

    def generate(self, prompts: Sequence[str], n: int, seeds: int | Sequence[int] = 0) -> list[list[str]]:
        """Refined prompts for many prompts: ``result[i]`` is ``self(prompts[i], n, seeds[i])``.

        Parameters
        ----------
        prompts : sequence of str
        n : int
            Refined prompts per prompt.
        seeds : int or sequence of int, default 0
            One seed per prompt, or a single root seed from which per-prompt
            seeds are derived (:func:`~squbed_utils.seeds.derive_seed` ``(seeds, i)``).
        """
        if isinstance(prompts, str):
            raise ValueError("generate() takes a list of prompts; call the generator itself for a single prompt")
        prompts = list(prompts)
        checked = [check_request(p, n)[0] for p in prompts]
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:  # also when prompts is empty
            check_request("x", n)
        return self._refine_many(checked, int(n), as_seeds(seeds, len(prompts)))

    @abc.abstractmethod
    def _refine(self, prompt: str, n: int, seed: int) -> list[str]:
        """Refine one validated prompt (stripped, non-empty; ``n >= 1``)."""

    def _refine_many(self, prompts: list[str], n: int, seeds: list[int]) -> list[list[str]]:
        """Refine validated prompts; override to batch (results must not depend on the batch)."""
        return [self._refine(p, n, s) for p, s in zip(prompts, seeds)]

    # -- identity, for caches ------------------------------------------------

    def cache_info(self) -> dict[str, Any]:
        """Everything the output depends on, as plain JSON data: the class and its config."""
        return {"generator": type(self).__name__, "config": dataclasses.asdict(self.config)}

    @property
    def cache_key(self) -> str:
        """A 16-hex-digit hash of :meth:`cache_info`, for per-item cache keys."""
        blob = json.dumps(self.cache_info(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.config!r})"

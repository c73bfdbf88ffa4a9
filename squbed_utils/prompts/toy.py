"""The toy world's latent prompt generator: completions of what a prompt leaves open.

For a toy-world prompt ``l`` the latent space is known exactly: it is the set of
objects (shape, colour, motion, size) that :func:`~squbed_utils.world.parse_prompt`
allows, and ``log`` of its size is the aleatoric truth. This generator plays the
LLM's part without any model: it samples ``n`` of those completions and phrases
each as a full caption with varied wording (:func:`~squbed_utils.world.caption`),
so every refined prompt is a more specific reading of ``l`` that the world's
parser maps back to exactly one object.

Sampling
--------
``sampling="balanced"`` (default): without replacement while the prompt has at
least ``n`` completions (so the refined prompts describe ``n`` different
objects); when it has fewer (``K < n``) every completion is used
``floor(n/K)`` or ``ceil(n/K)`` times, the extra ones drawn at random. A fully
specified prompt (``K = 1``) thus gives ``n`` rephrasings of the same object:
zero aleatoric uncertainty, as it should. ``sampling="iid"`` draws every
completion independently and uniformly (with replacement), the way an LLM
samples; objects may then repeat even when ``K >= n``.

The sentences themselves are distinct whenever the world's phrasings allow it
(a repeated object gets a new wording; the rarest object has 10 phrasings).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .. import world
from ..seeds import as_seeds
from .base import LatentPromptGenerator, check_request

__all__ = ["ToyLatentPromptGenerator", "ToyPromptConfig", "ToyRefinement"]

_SAMPLING = ("balanced", "iid")
_PHRASING_TRIES = 8


@dataclass(frozen=True)
class ToyPromptConfig:
    """Settings of :class:`ToyLatentPromptGenerator`.

    Attributes
    ----------
    sampling : {"balanced", "iid"}
        How completions are drawn (see the module docstring).
    """

    sampling: str = "balanced"

    def __post_init__(self):
        if self.sampling not in _SAMPLING:
            raise ValueError(f"sampling must be one of {_SAMPLING}, got {self.sampling!r}")


class ToyRefinement(NamedTuple):
    """One refined prompt of the toy world and the object it describes."""

    text: str
    attributes: world.Attributes


class ToyLatentPromptGenerator(LatentPromptGenerator):
    """Refine toy-world prompts by sampling completions of their open attributes.

    Parameters
    ----------
    sampling : {"balanced", "iid"}, default "balanced"
        See the module docstring.

    Examples
    --------
    >>> refine = ToyLatentPromptGenerator()
    >>> prompts = refine("something red moves", n=3, seed=0)
    >>> len(prompts), len(set(prompts))
    (3, 3)
    >>> all(world.parse_prompt(p).n_completions == 1 for p in prompts)
    True
    >>> refine("a small red circle moves to the left", n=2, seed=0)[0] != refine(
    ...     "a small red circle moves to the left", n=2, seed=0)[1]   # two wordings, one object
    True
    """

    def __init__(self, sampling: str = "balanced"):
        self.config = ToyPromptConfig(sampling=sampling)

    @staticmethod
    def constraint(prompt: str) -> world.Constraint:
        """The world's reading of ``prompt``; raises ValueError (naming the word) outside its vocabulary."""
        try:
            return world.parse_prompt(prompt)
        except ValueError as error:
            raise ValueError(
                f"{error}. ToyLatentPromptGenerator reads only toy-world prompts; "
                "use LLMLatentPromptGenerator for free text"
            ) from None

    def sample_completions(self, prompt: str, n: int, seed: int = 0) -> list[ToyRefinement]:
        """The refined prompts with the objects they describe.

        Returns
        -------
        list of ToyRefinement
            ``(text, attributes)`` pairs; ``[r.text for r in ...]`` is exactly
            what ``self(prompt, n, seed)`` returns, and every ``attributes`` is
            allowed by ``world.parse_prompt(prompt)``.
        """
        prompt, n = check_request(prompt, n)
        (seed,) = as_seeds([seed], 1)
        options = self.constraint(prompt).completions()
        rng = np.random.default_rng(seed)
        if self.config.sampling == "iid":
            picks = rng.integers(len(options), size=n)
        else:
            repeats, extra = divmod(n, len(options))
            picks = np.concatenate([np.repeat(np.arange(len(options)), repeats),
                                    rng.choice(len(options), size=extra, replace=False)])
            picks = rng.permutation(picks)
        refinements, seen = [], set()
        for index in picks:
            attributes = options[int(index)]
            text = self._new_phrasing(attributes, seen, rng)
            seen.add(text)
            refinements.append(ToyRefinement(text, attributes))
        return refinements

    @staticmethod
    def _new_phrasing(attributes: world.Attributes, seen: set[str], rng: np.random.Generator) -> str:
        """A seeded caption of ``attributes`` not in ``seen``, if the world has one left."""
        for _ in range(_PHRASING_TRIES):
            text = world.caption(attributes, rng)
            if text not in seen:
                return text
        unused = [text for text in world.all_captions(attributes) if text not in seen]
        return unused[int(rng.integers(len(unused)))] if unused else text

    def _refine(self, prompt: str, n: int, seed: int) -> list[str]:
        return [r.text for r in self.sample_completions(prompt, n, seed)]

    def sample_many(self, prompts: Sequence[str], n: int, seeds: int | Sequence[int] = 0) -> list[list[ToyRefinement]]:
        """:meth:`sample_completions` for many prompts, seeded like :meth:`generate`."""
        prompts = list(prompts)
        return [self.sample_completions(p, n, s) for p, s in zip(prompts, as_seeds(seeds, len(prompts)))]

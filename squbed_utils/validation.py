"""Input checks shared across the package, each with an error that says what is wrong and what to do."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["check_positive_int", "check_count", "check_seed", "check_prompts"]


def check_positive_int(name: str, value: Any) -> int:
    """``value`` as an int if it is an integer >= 1 (not a bool); else a ValueError naming ``name``.

    Examples
    --------
    >>> check_positive_int("frames", 8)
    8
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def check_count(name: str, value: Any, meaning: str) -> int:
    """A sample size of a vMF fit (``n`` or ``m``): an integer >= 2.

    Raises
    ------
    ValueError
        Naming ``name`` and its ``meaning`` (e.g. "refined prompts per task"), and why 2 is the floor.
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} ({meaning}) must be an integer >= 2, got {value!r}")
    if value < 2:
        raise ValueError(
            f"{name} ({meaning}) must be at least 2, got {value}: a von Mises-Fisher fit, and so an entropy, "
            "needs two or more unit vectors"
        )
    return int(value)


def check_seed(seed: Any) -> int:
    """A root seed: a non-negative integer."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def check_prompts(prompts: str | Sequence[str]) -> list[str]:
    """Validate prompts: a list of non-empty strings (a single str is one prompt)."""
    if isinstance(prompts, str):
        prompts = [prompts]
    prompts = list(prompts)
    for i, prompt in enumerate(prompts):
        if not isinstance(prompt, str):
            raise ValueError(f"prompt {i} is a {type(prompt).__name__}, not a str")
        if not prompt.strip():
            raise ValueError(f"prompt {i} is empty; every clip needs a prompt with at least one word")
    return prompts

"""Seed validation shared by everything that draws one random item per seed."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["check_seeds"]


def check_seeds(seeds: int | Sequence[int] | np.ndarray, n: int, *, per: str = "prompt") -> np.ndarray:
    """``n`` non-negative integer seeds as int64; one int applies to all ``n`` items.

    Raises ValueError naming the expected count (one seed per ``per``) and what was given.
    """
    array = np.asarray(seeds)
    if array.ndim == 0:
        array = np.full(n, array)
    if array.shape != (n,) or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"seeds must be {n} integers (one per {per}), got {array.dtype} array of shape {array.shape}")
    if np.any(array < 0):
        raise ValueError("seeds must be non-negative integers")
    return array.astype(np.int64)

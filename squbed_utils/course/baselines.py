"""Checkers of the exercises of notebook ``10_baselines``.

* Exercise 1 (checked, :func:`check_mean_pairwise_distance`): compute by hand the mean pairwise cosine
  distance of three given unit vectors, and compare with :func:`squbed_utils.baselines.mean_pairwise_cosine_distance`.
* Exercise 2 (open): why does the direct total rank the tasks exactly as the video spread does? The
  model answer is a markdown cell of the notebook.
"""

from __future__ import annotations

import itertools

import numpy as np

from . import Feedback, correct, hint, is_close, missing

__all__ = ["TOLERANCE", "check_mean_pairwise_distance"]

#: Absolute tolerance on the hand-computed mean distance (three decimals are enough).
TOLERANCE = 5e-3


def check_mean_pairwise_distance(answer, vectors) -> Feedback:
    """Whether ``answer`` is the mean of ``1 - cos(x_a, x_b)`` over all pairs ``a < b`` of ``vectors``.

    Parameters
    ----------
    answer : float
        The hand-computed mean distance.
    vectors : array_like, shape (N, d)
        ``N >= 2`` non-zero vectors (normalised here, so they need not be unit vectors).

    The right value is computed here pair by pair (an explicit loop over the ``N (N - 1) / 2`` pairs,
    not the library's resultant-length formula) and compared within :data:`TOLERANCE` (absolute).
    """
    feedback = missing(answer)
    if feedback is not None:
        return feedback
    x = np.asarray(vectors, dtype=np.float64)
    if x.ndim != 2 or len(x) < 2:
        raise ValueError(f"vectors must have shape (N, d) with N >= 2, got {x.shape}")
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    distances = [1.0 - float(unit[a] @ unit[b]) for a, b in itertools.combinations(range(len(unit)), 2)]
    expected = float(np.mean(distances))
    if is_close(answer, expected, abs=TOLERANCE):
        return correct(f"The mean of the {len(distances)} pairwise distances is {expected:.3f}; the baseline of "
                       "notebook 10 is this number for all n m videos of a task.")
    if is_close(answer, 1.0 - expected, abs=TOLERANCE):
        return hint("that is the mean cosine *similarity*; the distance of a pair is 1 minus its cosine.")
    if is_close(answer, float(np.sum(distances)), abs=TOLERANCE):
        return hint("that is the sum over the pairs; divide by the number of pairs.")
    return hint("list every pair once (a < b), take 1 - cos of each (for unit vectors cos is the dot product), "
                "and average over the pairs, not over the vectors.")

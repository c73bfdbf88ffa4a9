"""The study of notebooks 08-10: does each part of the decomposition track its own truth?

Small helpers the sensitivity notebook applies to every setting it tries, so
that one setting differs from another only in the factor varied:

* :func:`subsample` keeps the first ``n`` refined prompts and ``m`` videos of
  each task (they are i.i.d. draws, so a prefix is a random subsample);
* :func:`truth_checks` scores one decomposition against the toy world's truths
  and the accuracy with the same Kendall tau and BCa intervals as notebook 05.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .calibration import tau_summary

__all__ = ["CHECKS", "subsample", "truth_checks"]

#: What every setting is scored on: (uncertainty column, reference column, sign of a good tau).
#: The truths rise with the uncertainty they are the truth of; accuracy falls with total uncertainty.
CHECKS: dict[str, tuple[str, str, int]] = {
    "aleatoric vs aleatoric truth": ("aleatoric", "aleatoric_truth", +1),
    "epistemic vs measured ignorance": ("epistemic", "measured_ignorance", +1),
    "epistemic vs aleatoric truth": ("epistemic", "aleatoric_truth", 0),
    "aleatoric vs measured ignorance": ("aleatoric", "measured_ignorance", 0),
    "total vs cosine accuracy": ("total", "cosine", -1),
}


def subsample(text_by_task: Sequence, videos_by_task: Sequence, n: int | None = None, m: int | None = None):
    """The first ``n`` refined prompts of every task and the first ``m`` videos of each (None: all).

    Parameters
    ----------
    text_by_task : sequence of arrays (n_i, d_text)
    videos_by_task : sequence of arrays (n_i, m_i, d_video)

    Returns
    -------
    (list, list)
        The subsampled text and video arrays, ready for
        :func:`squbed_utils.uncertainty.decompose_tasks`.

    Raises
    ------
    ValueError
        If ``n`` or ``m`` is below 2 (one point has no spread) or above what a task has.
    """
    for name, value, available in (("n", n, min(len(t) for t in text_by_task)),
                                   ("m", m, min(v.shape[1] for v in videos_by_task))):
        if value is not None and not 2 <= value <= available:
            raise ValueError(f"{name} = {value} must lie in [2, {available}] (the samples each task has)")
    return [t[:n] for t in text_by_task], [v[:n, :m] for v in videos_by_task]


def truth_checks(decomposition: pd.DataFrame, references: pd.DataFrame, *, n_resamples: int = 9999,
                 seed: int = 0) -> list[dict]:
    """Kendall tau of each of :data:`CHECKS` for one decomposition.

    Parameters
    ----------
    decomposition : DataFrame
        Indexed by task id, with ``aleatoric``, ``epistemic``, ``total``.
    references : DataFrame
        Indexed by task id, with ``aleatoric_truth``, ``measured_ignorance`` and ``cosine``.
    n_resamples, seed
        As in :func:`squbed_utils.calibration.tau_summary` (BCa intervals).

    Returns
    -------
    list of dict
        One per check: ``check``, ``sign`` (+1/-1: the direction a working
        estimator gives; 0: should be near 0) and the :func:`tau_summary` numbers.
    """
    references = references.loc[decomposition.index]
    return [{"check": name, "sign": sign,
             **tau_summary(decomposition[column], references[reference], n_resamples=n_resamples, seed=seed)}
            for name, (column, reference, sign) in CHECKS.items()]

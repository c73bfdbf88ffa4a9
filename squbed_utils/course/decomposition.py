"""Exercises of notebook ``04_decomposition`` (aleatoric, epistemic and total entropy per task).

* :func:`check_highest_aleatoric`: which task has the highest aleatoric entropy A (a task id).
* :func:`check_half_n_aleatoric`: A of one task recomputed from half of its refined prompts (nats).
* (open) why the direct total, one vMF on all n m videos, differs from A + E: a model answer in the notebook.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd

from .. import vmf
from . import Feedback, correct, entropy_from_pieces, hint, is_close, missing

__all__ = ["check_highest_aleatoric", "check_half_n_aleatoric", "half_n", "vmf_entropy_of"]

#: Relative tolerance of :func:`check_half_n_aleatoric` (entropies are hundreds of nats; rounding only).
RELATIVE_TOLERANCE = 1e-6
#: At most this many subsets of refined prompts are tried by :func:`check_half_n_aleatoric`.
MAX_SUBSETS = 1000


def half_n(n: int) -> int:
    """Half of ``n`` refined prompts, rounded down, but at least 2 (a vMF needs two points to have a spread)."""
    return max(2, int(n) // 2)


def vmf_entropy_of(points) -> np.ndarray:
    """Entropy (nats) of the maximum-likelihood vMF fitted to ``points`` (..., k, d), from its pieces.

    Written out from :mod:`squbed_utils.vmf`'s building blocks (mean resultant length, kappa, then
    :func:`~squbed_utils.course.entropy_from_pieces`), not through ``vmf.sample_entropy``, so a checker
    does not repeat the call a solution makes.
    """
    points = np.asarray(points, dtype=np.float64)
    dim = points.shape[-1]
    return entropy_from_pieces(vmf.estimate_kappa(vmf.mean_resultant_length(points), dim), dim)


def _as_table(uncertainty: pd.DataFrame) -> pd.DataFrame:
    table = uncertainty if "task_id" not in uncertainty.columns else uncertainty.set_index("task_id")
    if "aleatoric" not in table.columns:
        raise ValueError(f"the uncertainty table needs an 'aleatoric' column, got {list(table.columns)}")
    if table.index.has_duplicates:
        raise ValueError("give one row per task (one embedder's rows of uncertainty.csv)")
    return table


def check_highest_aleatoric(answer, uncertainty: pd.DataFrame, tasks: pd.DataFrame | None = None) -> Feedback:
    """Is ``answer`` the id of the task with the highest aleatoric entropy?

    Parameters
    ----------
    answer : str
        A task id.
    uncertainty : DataFrame
        One row per task (one embedder), indexed by ``task_id`` or with a ``task_id`` column, with an
        ``aleatoric`` column (nats).
    tasks : DataFrame, optional
        The task table (``id``, ``prompt``, optionally ``vagueness`` and ``n_completions``), used only to
        say in the feedback what the task's prompt is.

    The comparison is exact: the answer must be the id of the row whose ``aleatoric`` is the largest.
    """
    if (feedback := missing(answer)) is not None:
        return feedback
    table = _as_table(uncertainty)
    expected = str(table["aleatoric"].idxmax())
    given = str(answer).strip().strip("'\"")
    if given == expected:
        message = f"{expected} has the highest A, {table.loc[expected, 'aleatoric']:.0f} nats."
        if tasks is not None and {"id", "prompt"} <= set(tasks.columns) and expected in set(tasks["id"].astype(str)):
            row = tasks.set_index(tasks["id"].astype(str)).loc[expected]
            message += f" Its prompt is '{row['prompt']}'"
            if "n_completions" in row:
                message += f", which allows {int(row['n_completions'])} different objects"
            message += "."
        return correct(message)
    if given not in {str(index) for index in table.index}:
        return hint("give one of the table's task ids (a string from its `task_id` column or index).")
    if given == str(table["aleatoric"].idxmin()):
        return hint("that task has the lowest A; you want the largest value of the `aleatoric` column.")
    return hint("sort the primary embedder's rows by the `aleatoric` column and take the task at the top "
                "(`idxmax`); use one embedder's rows only.")


def check_half_n_aleatoric(answer, refined_prompt_embeddings) -> Feedback:
    """Is ``answer`` the aleatoric entropy of a task fitted to half of its refined prompts?

    Parameters
    ----------
    answer : float
        An entropy in nats.
    refined_prompt_embeddings : array_like, shape (n, d_text)
        The task's ``n`` refined-prompt embeddings (all of them; rows need not be normalised).

    Any subset of :func:`half_n` ``(n)`` of the ``n`` prompts counts (the first ones, the last ones, a
    random draw): the answer is compared, within a relative tolerance of :data:`RELATIVE_TOLERANCE`,
    with the entropy of the maximum-likelihood vMF fitted to each such subset (at most
    :data:`MAX_SUBSETS` of them; the first ``half_n(n)`` prompts are always among them).
    """
    if (feedback := missing(answer)) is not None:
        return feedback
    points = np.asarray(refined_prompt_embeddings, dtype=np.float64)
    if points.ndim != 2 or len(points) < 2:
        raise ValueError(f"give one task's refined-prompt embeddings, shape (n, d) with n >= 2, got {points.shape}")
    n, half = len(points), half_n(len(points))
    subsets = list(itertools.islice(itertools.combinations(range(n), half), MAX_SUBSETS))
    entropies = vmf_entropy_of(points[np.array(subsets)])
    full = float(vmf_entropy_of(points))
    if any(is_close(answer, value, rel=RELATIVE_TOLERANCE) for value in entropies):
        mean_half = float(np.mean(entropies))
        change = "lower" if mean_half < full else "higher"
        return correct(
            f"With {half} of the {n} refined prompts A is {float(answer):.0f} nats, against {full:.0f} with all {n}; "
            f"averaged over subsets of {half} it is {mean_half:.0f}, {change}. Fewer points cancel less, so the mean "
            f"resultant length is larger (about 1/sqrt({half}) even for directions that share nothing), the fitted "
            "kappa higher and the entropy lower: A depends on n, not only on the prompt.")
    if is_close(answer, full, rel=RELATIVE_TOLERANCE):
        return hint(f"that is A with all {n} refined prompts; fit the vMF to {half} of them only.")
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return hint("the answer is one entropy in nats (a float), e.g. from `vmf.sample_entropy`.")
    if math.isfinite(value) and value > 0:
        return hint("on a sphere of hundreds of dimensions a fitted vMF's entropy is negative; "
                    "did you fit the refined-prompt embeddings (text space), not a count?")
    return hint(f"take {half} rows of the task's refined-prompt embeddings (shape ({n}, d)) and compute the "
                "entropy of one vMF fitted to them with `vmf.sample_entropy`.")

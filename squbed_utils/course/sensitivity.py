"""Checkers of the exercises of notebook ``09_sensitivity``.

* Exercise 1 (open): predict what doubling ``m`` (videos per refined prompt) would do to the epistemic
  entropy's tau against the measured ignorance; the model answer is a markdown cell of the notebook.
* Exercise 2 (checked, :func:`check_best_aleatoric_setting`): from ``sensitivity.csv``, which (factor,
  setting) gives the aleatoric entropy its highest tau against the aleatoric truth?
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import Feedback, correct, hint, missing

__all__ = ["ALEATORIC_CHECK", "check_best_aleatoric_setting"]

#: The check of ``sensitivity.csv`` that exercise 2 reads.
ALEATORIC_CHECK = "aleatoric vs aleatoric truth"


def _pair(answer) -> tuple[str, str] | None:
    """``(factor, setting)`` as two stripped strings, or None when the answer is not a pair."""
    if isinstance(answer, (str, bytes)) or not hasattr(answer, "__len__") or len(answer) != 2:
        return None
    factor, setting = answer
    return str(factor).strip(), str(setting).strip()


def check_best_aleatoric_setting(answer, sensitivity: pd.DataFrame, *, check: str = ALEATORIC_CHECK) -> Feedback:
    """Whether ``answer`` is a (factor, setting) at which ``check`` has its highest tau in ``sensitivity``.

    Parameters
    ----------
    answer : (str, str)
        A pair ``(factor, setting)`` as the table spells them, e.g. ``("entropy", "knn (PCA 8)")``;
        settings are compared as strings (``("n", 10)`` is read as ``("n", "10")``).
    sensitivity : DataFrame
        The rows of ``sensitivity.csv``: columns ``factor``, ``setting``, ``check`` and ``tau`` (NaN where
        undefined), one row per (factor, setting, check).
    check : str
        The check whose tau is maximised (default: the aleatoric entropy against its truth).

    The right answer is recomputed here: the largest defined tau of the check over every (factor,
    setting); every pair within 1e-12 of it is right (several factors share the profile's own setting,
    so ties are common).
    """
    feedback = missing(answer)
    if feedback is not None:
        return feedback
    rows = sensitivity[sensitivity["check"] == check].dropna(subset=["tau"])
    if rows.empty:
        raise ValueError(f"the table has no defined tau for the check {check!r}")
    taus = rows.assign(factor=rows["factor"].astype(str).str.strip(), setting=rows["setting"].astype(str).str.strip())
    taus = taus.set_index(["factor", "setting"])["tau"].astype(float)
    pair = _pair(answer)
    if pair is None:
        return hint("answer with a pair (factor, setting), e.g. a tuple of two strings as the table spells them.")
    if pair not in taus.index:
        return hint(f"{pair} is not a (factor, setting) of the rows of check {check!r}; copy both labels from "
                    "the table.")
    best = taus.max()
    if np.isclose(taus[pair], best, rtol=0.0, atol=1e-12):
        others = taus.index[np.isclose(taus, best, rtol=0.0, atol=1e-12)]
        tied = f" (tied with {len(others) - 1} other setting(s))" if len(others) > 1 else ""
        return correct(f"The setting {pair[1]} of {pair[0]} gives the aleatoric entropy its highest tau, {best:.2f}{tied}; "
                       "chosen on the same tasks it is scored on, so an optimistic pick.")
    return hint(f"{pair} gives {taus[pair]:.2f}; keep only the rows of check {check!r} and look for the "
                "largest tau over every factor, not only within one.")

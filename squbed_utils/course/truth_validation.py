"""Checkers of the exercises of notebook ``08_truth_validation``.

* Exercise 1 (checked, :func:`check_strongest_against_ignorance`): from ``truth_validation.csv``, which
  uncertainty has the strongest Kendall tau against the measured ignorance, across the final model's tasks?
* Exercise 2 (open): predict whether the perfect model's epistemic entropy is zero, and explain (the
  nuisance floor); the model answer is a markdown cell of the notebook.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import Feedback, correct, hint, missing, normalise_choice

__all__ = ["ACROSS_TASKS", "UNDEFINED", "check_strongest_against_ignorance"]

#: The scope of ``truth_validation.csv`` that exercise 1 reads: every task, the final model.
ACROSS_TASKS = "across tasks (final model)"
#: The answer when every tau of that scope is undefined (the measured ignorance does not vary, as on ``tiny``).
UNDEFINED = "undefined"


def check_strongest_against_ignorance(answer, validation: pd.DataFrame, *, scope: str = ACROSS_TASKS,
                                      truth: str = "measured ignorance") -> Feedback:
    """Whether ``answer`` names the uncertainty with the largest ``|tau|`` against ``truth`` in ``scope``.

    Parameters
    ----------
    answer : str
        An ``uncertainty`` of the table (``"epistemic"``, ``"total"``...), case and surrounding spaces
        ignored; ``"undefined"`` when no tau of the scope is defined.
    validation : DataFrame
        The rows of ``truth_validation.csv``: columns ``scope``, ``uncertainty``, ``truth`` and ``tau``
        (NaN where undefined), one row per (scope, uncertainty, truth).
    scope, truth : str
        The rows compared (default: across tasks, final model; against the measured ignorance).

    The right answer is recomputed here from ``validation``: the uncertainty whose defined tau has the
    largest absolute value; uncertainties tied with it within 1e-12 are right too.
    """
    feedback = missing(answer)
    if feedback is not None:
        return feedback
    rows = validation[(validation["scope"] == scope) & (validation["truth"] == truth)]
    if rows.empty:
        raise ValueError(f"the table has no rows of scope {scope!r} and truth {truth!r}")
    strength = rows.set_index("uncertainty")["tau"].astype(float).abs().dropna()
    choice = normalise_choice(answer)
    if strength.empty:
        if choice == UNDEFINED:
            return correct(f"Every tau against the {truth} is undefined on this run: the {truth} is the same "
                           "for every task, so there is nothing to rank.")
        return hint(f"look at the tau column of these rows: can any uncertainty rank tasks by a {truth} "
                    "that does not vary? Then the answer is 'undefined'.")
    best = strength[np.isclose(strength, strength.max(), rtol=0.0, atol=1e-12)].index
    if choice in {normalise_choice(name) for name in best}:
        message = f"The {best[0]} ranks the tasks most like the {truth} (|tau| {strength.max():.2f})."
        leak = rows.set_index("uncertainty")["tau"].astype(float).get("aleatoric", np.nan)
        if choice == "total" and leak > 0:
            message += (" The total beats the epistemic entropy because the aleatoric part it adds also rises "
                        "with the ignorance (the leak of section 3).")
        return correct(message)
    if choice not in {normalise_choice(name) for name in strength.index}:
        return hint(f"answer with one of the uncertainties of the table: {', '.join(strength.index)}.")
    return hint(f"keep only the rows with scope {scope!r} and truth {truth!r}, then compare the absolute "
                "values of tau of every uncertainty, not only the epistemic ones.")

"""Checkers for the exercises of notebook ``06_figures``.

Exercises
---------
1. Read the distribution figure: which knowledge level (category, on real clips) has the highest
   median epistemic entropy? (:func:`check_most_uncertain_group`)
2. Open: in the qualitative grid, what varies between the videos of one refined prompt, and is it
   ignorance? (model answer in the notebook)
3. Open: which part of the direct total's lead over the total is mechanical? (model answer in the notebook)
"""

from __future__ import annotations

import pandas as pd

from . import Feedback, correct, hint, missing, normalise_choice

__all__ = ["check_most_uncertain_group"]


def check_most_uncertain_group(answer, table: pd.DataFrame, group: str = "knowledge",
                               component: str = "epistemic") -> Feedback:
    """Exercise 1: the group whose tasks have the highest median ``component`` entropy.

    Parameters
    ----------
    answer : str
        A value of ``table[group]`` (e.g. ``"unseen"``; case, spaces and quotes ignored).
    table : DataFrame
        One row per task, with columns ``group`` and ``component`` (notebook 06's ``table``).
    group : str
        The column that groups the tasks (``"knowledge"`` in the toy world, ``"category"`` on real clips).
    component : str
        The entropy column (default ``"epistemic"``).

    The per-group medians are recomputed from ``table``; any group tied for the highest is accepted
    (the median is compared exactly, so ties arise only when entropies are equal).
    """
    if (feedback := missing(answer)) is not None:
        return feedback
    medians = table.groupby(group)[component].median()
    levels = {normalise_choice(level): level for level in medians.index}
    choice = normalise_choice(answer)
    if choice not in levels:
        return hint(f"answer with one of the {group} values: {sorted(levels)}")
    best = medians[medians == medians.max()].index
    if levels[choice] not in best:
        return hint("compare the medians (the line inside each box of the truth-recovery figure), not the "
                    "highest single task; entropies are negative, so the highest median is the one closest to zero")
    return correct(f"{levels[choice]!r}: its median {component} entropy is {medians[levels[choice]]:.0f} nats, "
                   f"against {medians.drop(levels[choice]).max():.0f} for the next group."
                   if len(medians) > 1 else f"{levels[choice]!r} is the only group here.")

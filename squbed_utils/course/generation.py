"""Checkers for the exercises of notebook ``02_generation`` (the toy video model and what it learned).

Exercises
---------
1. Predict, then read from the saved table, the final model's accuracy on held-out pairs:
   :func:`check_level_accuracy`.
2. Which knowledge level the final model gets right least often: :func:`check_worst_level`.
3. (open) What the under-trained checkpoint's accuracy predicts for its epistemic entropy (notebook 05).
"""

from __future__ import annotations

import os

import pandas as pd

from . import Feedback, correct, hint, is_close, missing, normalise_choice

__all__ = ["read_accuracy_table", "check_level_accuracy", "check_worst_level"]

_ATTRIBUTES = ("shape", "colour", "motion", "size", "all")


def read_accuracy_table(table: pd.DataFrame | str | os.PathLike) -> pd.DataFrame:
    """``generator_accuracy.csv`` (a path, or the table itself) indexed by (checkpoint, knowledge)."""
    if not isinstance(table, pd.DataFrame):
        table = pd.read_csv(table)
    if {"checkpoint", "knowledge"} <= set(table.columns):
        table = table.set_index(["checkpoint", "knowledge"])
    return table


def check_level_accuracy(answer, table, checkpoint: str, knowledge: str, column: str = "all") -> Feedback:
    """Check the accuracy of one checkpoint on one knowledge level, as a fraction in [0, 1].

    Parameters
    ----------
    answer : float
        The fraction of clips whose attributes all match the prompt (``column="all"``), or one attribute's.
    table : DataFrame or path
        ``generator_accuracy.csv``: rows (checkpoint, knowledge), columns shape, colour, motion, size,
        all (fractions) and n (clips).
    checkpoint, knowledge : str
        The row, e.g. ``"final"`` and ``"held_out"``.
    column : str
        The attribute, or ``"all"``.

    Compared with the table's value to within 0.005 (half a percentage point).
    """
    if (feedback := missing(answer)) is not None:
        return feedback
    accuracy = read_accuracy_table(table)
    if column not in _ATTRIBUTES:
        raise ValueError(f"column must be one of {_ATTRIBUTES}, got {column!r}")
    expected = float(accuracy.loc[(checkpoint, knowledge), column])
    if is_close(answer, expected, abs=0.005):
        return correct(f"The {checkpoint} model is right on {expected:.0%} of its {knowledge.replace('_', '-')} clips "
                       f"({int(accuracy.loc[(checkpoint, knowledge), 'n'])} clips).")
    if expected > 0.01 and is_close(answer, 100 * expected, abs=0.5):
        return hint("the table stores fractions between 0 and 1, not percentages.")
    return hint(f"read the row ({checkpoint!r}, {knowledge!r}) of the saved table, column {column!r}; "
                "`accuracy.loc[(checkpoint, knowledge), column]` selects one cell.")


def check_worst_level(answer, table, checkpoint: str = "final") -> Feedback:
    """Check which knowledge level ``checkpoint`` gets right least often (smallest ``all`` accuracy).

    Parameters
    ----------
    answer : str
        A knowledge level (``common``, ``rare``, ``held_out``, ``unseen``; "held out" is accepted).
    table : DataFrame or path
        ``generator_accuracy.csv``, as for :func:`check_level_accuracy`.
    checkpoint : str
        ``"final"`` or ``"under-trained"``.

    Any level tied (within 1e-9) for the smallest accuracy is accepted.
    """
    if (feedback := missing(answer)) is not None:
        return feedback
    scores = read_accuracy_table(table).xs(checkpoint, level="checkpoint")["all"].astype(float)
    worst = scores[scores <= scores.min() + 1e-9].index.tolist()
    given = normalise_choice(answer).replace(" ", "_").replace("-", "_")
    if given in worst:
        return correct(f"The {checkpoint} model fails most on '{given}' ({scores[given]:.0%} right); "
                       "the attribute columns of that row say which attribute it gets wrong.")
    if given not in scores.index:
        return hint(f"answer with one of the knowledge levels {list(scores.index)}.")
    return hint(f"compare the 'all' column of the {checkpoint!r} rows: which is smallest?")

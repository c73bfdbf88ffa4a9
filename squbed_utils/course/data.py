"""Checkers for the exercises of notebook ``01_data`` (the toy world and its truth).

Exercises
---------
1. Predict the aleatoric truth (in nats) of a vague prompt, then check it: :func:`check_aleatoric_truth`.
2. Which knowledge level is seen least often in training, among those seen at all: :func:`check_least_seen_level`.
3. (open) Why S-QUBED's aleatoric estimate of a fully specified prompt is not zero, although its truth is.
"""

from __future__ import annotations

import math

import pandas as pd

from .. import world
from . import Feedback, correct, hint, is_close, missing, normalise_choice

__all__ = ["check_aleatoric_truth", "check_least_seen_level"]


def check_aleatoric_truth(answer, prompt: str) -> Feedback:
    """Check a prediction of ``prompt``'s aleatoric truth, the natural log of its number of completions.

    Parameters
    ----------
    answer : float
        The predicted aleatoric truth, in nats.
    prompt : str
        A prompt of the toy world (any wording :func:`squbed_utils.world.parse_prompt` reads).

    The number of completions is counted here by testing every object of the world against the
    prompt's constraint (not read from ``n_completions``), and its natural log is compared with
    ``answer`` to within 0.01 nats.
    """
    if (feedback := missing(answer)) is not None:
        return feedback
    constraint = world.parse_prompt(prompt)
    count = sum(constraint.allows(objects) for objects in world.all_attribute_combinations())
    expected = math.log(count)
    if is_close(answer, expected, abs=0.01):
        return correct(f"'{prompt}' allows {count} objects, so its aleatoric truth is log {count} = {expected:.2f} nats.")
    if is_close(answer, count, abs=0.5):
        return hint("that is the number of completions; the aleatoric truth is its logarithm.")
    if count > 1 and (is_close(answer, math.log2(count), abs=0.01) or is_close(answer, math.log10(count), abs=0.01)):
        return hint("entropies here are in nats: use the natural logarithm.")
    return hint("count the values each attribute may take under the prompt (an attribute it does not name may take "
                "all of them), multiply the counts, and take the natural logarithm.")


def check_least_seen_level(answer, distribution: pd.DataFrame) -> Feedback:
    """Check which knowledge level has the smallest non-zero training share per (shape, colour) cell.

    Parameters
    ----------
    answer : str
        A knowledge level: ``common``, ``rare``, ``held_out`` or ``unseen`` ("held out" is accepted).
    distribution : DataFrame
        :func:`squbed_utils.world.training_distribution`: one row per object with ``shape``,
        ``colour``, ``probability`` and ``knowledge``.

    The share of each (shape, colour) cell is summed over its objects, averaged over the cells of each
    level, and the level with the smallest share above zero is the answer (exact string match after
    normalising case, spaces and quotes).
    """
    if (feedback := missing(answer)) is not None:
        return feedback
    cells = distribution.groupby(["shape", "colour", "knowledge"], observed=True)["probability"].sum().reset_index()
    share = cells.groupby("knowledge")["probability"].mean()
    expected = share[share > 0].idxmin()
    given = normalise_choice(answer).replace(" ", "_").replace("-", "_")
    if given == expected:
        return correct(f"'{expected}' cells are the least seen of those in training "
                       f"({share[expected]:.1%} of training clips per cell).")
    if given in share.index and share[given] == 0:
        return hint("that level is never shown at all; the question asks for the least seen among the levels "
                    "the model does see.")
    if given not in share.index:
        return hint(f"answer with one of the knowledge levels {sorted(share.index)}.")
    return hint("compare the percentages per cell in the heatmap of section 3, leaving out the cells at zero.")

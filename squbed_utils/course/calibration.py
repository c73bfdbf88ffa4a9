"""Checkers for the exercises of notebook ``05_calibration``.

Exercises
---------
1. Count the concordant and discordant pairs of five (uncertainty, accuracy) pairs by hand, form
   Kendall's tau and compare it with :func:`scipy.stats.kendalltau` (:func:`check_pair_counts`).
2. Predict the sign of tau for a calibrated model, then compute it on simulated calibrated tasks
   (:func:`check_calibrated_sign`).
3. On the per-task table, compute tau of epistemic entropy against cosine accuracy on the fully
   specified tasks (:func:`check_specified_epistemic_tau`).

The checkers compute their answer with :func:`pair_counts` and :func:`tau_b`, a plain count over
all pairs (no SciPy), so the course's answer is independent of the library the student calls.
"""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np

from . import Feedback, correct, hint, is_close, missing, normalise_choice

__all__ = ["pair_counts", "tau_b", "check_pair_counts", "check_calibrated_sign", "check_specified_epistemic_tau",
           "SIGN_CHOICES"]

#: The answers :func:`check_calibrated_sign` accepts, by the sign they mean.
SIGN_CHOICES = {"negative": -1, "zero": 0, "positive": 1}


def pair_counts(x, y) -> dict[str, int]:
    """Concordant, discordant and tied pairs of two equally long sequences, counted pair by pair.

    Parameters
    ----------
    x, y : array_like, shape (n,)
        One value of each per task (an uncertainty and an accuracy).

    Returns
    -------
    dict
        ``concordant`` (both differences have the same sign), ``discordant`` (opposite signs),
        ``tied_x``, ``tied_y`` (pairs tied in x, in y; a pair tied in both counts in both),
        ``pairs`` (n (n - 1) / 2).
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"x and y must be 1-D and equally long, got shapes {x.shape} and {y.shape}")
    counts = {"concordant": 0, "discordant": 0, "tied_x": 0, "tied_y": 0, "pairs": 0}
    for i, j in combinations(range(x.size), 2):
        sign = np.sign(x[i] - x[j]) * np.sign(y[i] - y[j])
        counts["pairs"] += 1
        counts["concordant"] += int(sign > 0)
        counts["discordant"] += int(sign < 0)
        counts["tied_x"] += int(x[i] == x[j])
        counts["tied_y"] += int(y[i] == y[j])
    return counts


def tau_b(x, y) -> float:
    """Kendall's tau-b from :func:`pair_counts`: (C - D) / sqrt((P - T_x)(P - T_y)); NaN if x or y is constant."""
    counts = pair_counts(x, y)
    denominator = math.sqrt((counts["pairs"] - counts["tied_x"]) * (counts["pairs"] - counts["tied_y"]))
    return (counts["concordant"] - counts["discordant"]) / denominator if denominator > 0 else math.nan


def check_pair_counts(answer, uncertainty, accuracy) -> Feedback:
    """Exercise 1: the numbers of concordant and discordant pairs.

    Parameters
    ----------
    answer : tuple of two ints
        ``(concordant, discordant)`` as counted by the student.
    uncertainty, accuracy : array_like, shape (n,)
        The pairs of the exercise (no ties, so tau-a and tau-b agree).

    Compared exactly with :func:`pair_counts`; the message gives tau = (C - D) / (n (n - 1) / 2).
    """
    if (feedback := missing(answer)) is not None:
        return feedback
    counts = pair_counts(uncertainty, accuracy)
    try:
        concordant, discordant = (int(value) for value in answer)
    except (TypeError, ValueError):
        return hint("give two whole numbers, `(concordant, discordant)`")
    untied = counts["concordant"] + counts["discordant"]
    if concordant + discordant != untied:
        return hint(f"with {len(np.asarray(uncertainty))} tasks there are {counts['pairs']} pairs, {untied} of "
                    "them untied: every untied pair is either concordant or discordant, so your two counts must "
                    "add up to that")
    if (concordant, discordant) != (counts["concordant"], counts["discordant"]):
        return hint("a pair (i, j) is concordant when u_i - u_j and a_i - a_j have the same sign; "
                    "go through the pairs one by one")
    tau = (concordant - discordant) / counts["pairs"]
    ties = untied < counts["pairs"]
    same = (f"; with ties, scipy.stats.kendalltau's tau-b divides by fewer pairs: {tau_b(uncertainty, accuracy):+.2f}"
            if ties else ", what scipy.stats.kendalltau returns (no ties, so tau-b is this tau)")
    return correct(f"tau = ({concordant} - {discordant}) / {counts['pairs']} = {tau:+.2f}{same}.")


def check_calibrated_sign(answer, uncertainty, accuracy) -> Feedback:
    """Exercise 2: the sign of Kendall's tau of a calibrated model's (uncertainty, accuracy).

    Parameters
    ----------
    answer : str
        ``"negative"``, ``"zero"`` or ``"positive"`` (case and quotes ignored).
    uncertainty, accuracy : array_like, shape (n,)
        Simulated tasks of a calibrated model (accuracy decreasing in uncertainty, plus noise).

    The sign of :func:`tau_b` of the inputs is compared with the one named.
    """
    if (feedback := missing(answer)) is not None:
        return feedback
    choice = normalise_choice(answer)
    if choice not in SIGN_CHOICES:
        return hint(f"answer with one of {sorted(SIGN_CHOICES)}")
    tau = tau_b(uncertainty, accuracy)
    if not math.isfinite(tau):
        raise ValueError("the simulated uncertainty or accuracy is constant: tau is undefined")
    if SIGN_CHOICES[choice] != int(np.sign(round(tau, 12))):
        return hint("on a calibrated model, take two tasks: the more uncertain one should be the less accurate. "
                    "Is such a pair concordant or discordant?")
    return correct(f"tau = {tau:+.2f} here: the more uncertain task of a pair is the less accurate one, so "
                   "discordant pairs dominate and a calibrated uncertainty has tau < 0.")


def check_specified_epistemic_tau(answer, table, *, tolerance: float = 0.005) -> Feedback:
    """Exercise 3: Kendall's tau-b of epistemic entropy against cosine accuracy on the fully specified tasks.

    Parameters
    ----------
    answer : float
        The student's tau (NaN when tau is undefined because a column is constant).
    table : DataFrame
        The per-task table of notebook 05: columns ``epistemic``, ``cosine`` and, in the toy world,
        ``vagueness`` (the tasks with ``vagueness == 0`` are used; without that column, all tasks).
    tolerance : float
        Absolute tolerance on tau (default 0.005).
    """
    if (feedback := missing(answer)) is not None:
        return feedback
    chosen = table[table["vagueness"] == 0] if "vagueness" in table else table
    expected = tau_b(chosen["epistemic"], chosen["cosine"])
    if not math.isfinite(expected):
        if isinstance(answer, (int, float)) and math.isnan(answer):
            return correct(f"tau is undefined on these {len(chosen)} tasks: one of the two columns is constant.")
        return hint("look at the values first: is one of the two columns constant on these tasks?")
    if is_close(answer, -expected, abs=tolerance):
        return hint("you have the right size but the wrong sign: put the uncertainty first and the accuracy "
                    "second, or check that you did not negate one of them")
    if not is_close(answer, expected, abs=tolerance):
        return hint(f"keep only the {len(chosen)} tasks with `vagueness == 0`, and correlate `epistemic` with "
                    "`cosine` (Kendall's tau-b, what scipy.stats.kendalltau computes by default)")
    return correct(f"tau = {expected:+.2f} over {len(chosen)} fully specified tasks; "
                   + ("negative: the more uncertain of two tasks tends to be the less accurate one."
                      if expected < 0 else "not negative: on these tasks the epistemic entropy is not calibrated."))

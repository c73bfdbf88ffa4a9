"""The checkers of notebook 05's exercises (squbed_utils.course.calibration), on small synthetic inputs."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from squbed_utils.course import calibration as exercises

U = [5.0, 2.0, 4.0, 1.0, 3.0]
A = [0.1, 0.6, 0.3, 0.9, 0.2]


def _is_hint(feedback):
    return not feedback and feedback.message.startswith("Hint:")


def test_pair_counts_and_tau_b_agree_with_scipy_with_and_without_ties():
    counts = exercises.pair_counts(U, A)
    assert counts["pairs"] == 10 and counts["concordant"] + counts["discordant"] == 10
    assert exercises.tau_b(U, A) == pytest.approx(stats.kendalltau(U, A).statistic)
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 4, 30), rng.integers(0, 3, 30)  # many ties
    assert exercises.tau_b(x, y) == pytest.approx(stats.kendalltau(x, y).statistic)
    assert math.isnan(exercises.tau_b([1, 1, 1], [1, 2, 3]))


def test_check_pair_counts():
    counts = exercises.pair_counts(U, A)
    right = (counts["concordant"], counts["discordant"])
    feedback = exercises.check_pair_counts(right, U, A)
    assert feedback and str(feedback).startswith("Correct.")
    assert f"{stats.kendalltau(U, A).statistic:+.2f}" in feedback.message
    assert _is_hint(exercises.check_pair_counts((right[1], right[0]), U, A))  # swapped
    assert _is_hint(exercises.check_pair_counts((3, 3), U, A))  # does not add up to the pairs
    assert _is_hint(exercises.check_pair_counts("ten", U, A))
    assert exercises.check_pair_counts(None, U, A).message.startswith("No answer yet")


def test_check_calibrated_sign():
    rng = np.random.default_rng(1)
    u = rng.normal(size=50)
    a = -u + 0.3 * rng.normal(size=50)
    assert exercises.check_calibrated_sign(" Negative ", u, a)
    assert _is_hint(exercises.check_calibrated_sign("positive", u, a))
    assert _is_hint(exercises.check_calibrated_sign("maybe", u, a))
    assert exercises.check_calibrated_sign(None, u, a).message.startswith("No answer yet")
    # the sign is computed from the inputs, not assumed
    assert exercises.check_calibrated_sign("positive", u, -a)


def test_check_specified_epistemic_tau():
    table = pd.DataFrame({"vagueness": [0, 0, 0, 0, 1, 2], "epistemic": [-5.0, -3.0, -4.0, -1.0, 0.0, 9.0],
                          "cosine": [0.9, 0.5, 0.7, 0.6, 0.1, 0.0]})
    specified = table[table["vagueness"] == 0]
    tau = stats.kendalltau(specified["epistemic"], specified["cosine"]).statistic
    assert exercises.check_specified_epistemic_tau(tau, table)
    assert _is_hint(exercises.check_specified_epistemic_tau(-tau, table))  # the sign flipped
    everything = stats.kendalltau(table["epistemic"], table["cosine"]).statistic
    assert _is_hint(exercises.check_specified_epistemic_tau(everything, table))  # all tasks, not the specified ones
    assert exercises.check_specified_epistemic_tau(None, table).message.startswith("No answer yet")
    # without a vagueness column (real clips) every task counts
    assert exercises.check_specified_epistemic_tau(everything, table.drop(columns="vagueness"))
    # a constant column: tau is undefined, and NaN is the right answer
    flat = table.assign(epistemic=-3.0)
    assert exercises.check_specified_epistemic_tau(float("nan"), flat)
    assert _is_hint(exercises.check_specified_epistemic_tau(0.0, flat))

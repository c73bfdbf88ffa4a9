"""Checkers of notebook 07_vmf_primer's exercises (squbed_utils.course.vmf_primer)."""

import math

import numpy as np
import pytest

from squbed_utils import vmf
from squbed_utils.course import vmf_primer as exercises


@pytest.mark.parametrize("kappa, dim", [(1000.0, 512), (5.0, 3), (50.0, 16)])
def test_entropy_change_right_answer_is_correct(kappa, dim):
    answer = float(vmf.entropy(2 * kappa, dim) - vmf.entropy(kappa, dim))
    feedback = exercises.check_entropy_change_when_kappa_doubles(answer, kappa, dim)
    assert feedback and str(feedback).startswith("Correct.")
    np.testing.assert_allclose(exercises.entropy_from_pieces([kappa, 2 * kappa], dim),
                               vmf.entropy([kappa, 2 * kappa], dim), rtol=1e-10)


def test_entropy_change_wrong_answers_get_hints():
    kappa, dim = 1000.0, 512
    rule = -(dim - 1) / 2 * math.log(2)
    right = float(vmf.entropy(2 * kappa, dim) - vmf.entropy(kappa, dim))
    for wrong in (rule, -right, float(vmf.entropy(2 * kappa, dim)), "less", float("nan")):
        feedback = exercises.check_entropy_change_when_kappa_doubles(wrong, kappa, dim)
        assert not feedback and feedback.message.startswith("Hint:")
        assert f"{right:.1f}" not in feedback.message  # a hint, not the answer


def test_entropy_change_without_answer_says_so():
    feedback = exercises.check_entropy_change_when_kappa_doubles(None, 1000.0, 512)
    assert not feedback and feedback.message.startswith("No answer yet")


def test_uniform_kappa_estimate_accepts_a_fit_of_uniform_points_of_any_seed():
    for seed in (1, 2):
        points = vmf.sample(np.eye(512)[0], 0.0, 10, rng=np.random.default_rng(seed))
        feedback = exercises.check_uniform_kappa_estimate(float(vmf.fit(points).kappa))
        assert feedback and str(feedback).startswith("Correct.")
    # another (dim, n): the checker recomputes, nothing is hard-coded
    points = np.random.default_rng(3).standard_normal((100, 64))
    assert exercises.check_uniform_kappa_estimate(float(vmf.fit(points).kappa), dim=64, n=100)


def test_uniform_kappa_estimate_wrong_answers_get_hints():
    r = float(vmf.mean_resultant_length(np.random.default_rng(0).standard_normal((10, 512))))
    for wrong in (0.0, r, 5000.0, 20.0, "kappa"):
        feedback = exercises.check_uniform_kappa_estimate(wrong)
        assert not feedback and feedback.message.startswith("Hint:")


def test_uniform_kappa_estimate_without_answer_says_so():
    feedback = exercises.check_uniform_kappa_estimate(None)
    assert not feedback and feedback.message.startswith("No answer yet")

"""The checker of notebook 10's exercise, on vectors whose pairwise distances are known by hand."""

import numpy as np
import pytest

from squbed_utils import baselines
from squbed_utils.course import baselines as exercises

# pairs (a, b), (a, c), (b, c): cosines 0, 0.6 and 0.8, so distances 1, 0.4 and 0.2
VECTORS = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.6, 0.8, 0.0]])


def test_the_hand_computed_mean_is_correct_and_agrees_with_the_library():
    feedback = exercises.check_mean_pairwise_distance((1.0 + 0.4 + 0.2) / 3, VECTORS)
    assert feedback and str(feedback).startswith("Correct.")
    assert exercises.check_mean_pairwise_distance(float(baselines.mean_pairwise_cosine_distance(VECTORS)), VECTORS)
    assert exercises.check_mean_pairwise_distance(0.533, VECTORS)  # three decimals are enough


def test_common_mistakes_get_hints():
    for wrong in [1.6, 1 - 1.6 / 3, 1.6 / 9, "half", 0.6]:
        feedback = exercises.check_mean_pairwise_distance(wrong, VECTORS)
        assert not feedback and feedback.message.startswith("Hint:"), wrong


def test_no_answer_yet():
    assert exercises.check_mean_pairwise_distance(None, VECTORS).message.startswith("No answer yet")


def test_vectors_need_not_be_unit_and_need_two_of_them():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 4))
    assert exercises.check_mean_pairwise_distance(float(baselines.mean_pairwise_cosine_distance(x)), 3.0 * x)
    with pytest.raises(ValueError, match="N >= 2"):
        exercises.check_mean_pairwise_distance(0.0, x[:1])

"""Checkers of notebook 04_decomposition's exercises (squbed_utils.course.decomposition), on small synthetic tasks."""

import numpy as np
import pandas as pd
import pytest

from squbed_utils import vmf
from squbed_utils.course import decomposition as exercises


@pytest.fixture
def table():
    return pd.DataFrame({"task_id": ["t0", "t1", "t2"], "aleatoric": [-900.0, -750.0, -820.0],
                         "epistemic": [-1800.0, -1900.0, -1700.0]})


@pytest.fixture
def tasks():
    return pd.DataFrame({"id": ["t0", "t1", "t2"], "prompt": ["a red circle", "a shape", "a red shape"],
                         "n_completions": [1, 40, 4]})


@pytest.fixture
def prompts():
    """One task's ten refined-prompt embeddings, 32-d, drawn from a vMF."""
    return vmf.sample(np.ones(32), 40.0, 10, rng=np.random.default_rng(0))


def test_highest_aleatoric_right_answer_is_correct(table, tasks):
    feedback = exercises.check_highest_aleatoric("t1", table, tasks)
    assert feedback and str(feedback).startswith("Correct.") and "a shape" in feedback.message
    assert exercises.check_highest_aleatoric("t1", table.set_index("task_id"))  # an indexed table too


def test_highest_aleatoric_wrong_answer_gets_a_hint(table):
    for wrong in ("t0", "t2", "nonsense"):
        feedback = exercises.check_highest_aleatoric(wrong, table)
        assert not feedback and feedback.message.startswith("Hint:")
        assert "t1" not in feedback.message  # a hint, not the answer


def test_highest_aleatoric_without_answer_says_so(table):
    feedback = exercises.check_highest_aleatoric(None, table)
    assert not feedback and feedback.message.startswith("No answer yet")


def test_half_n_aleatoric_accepts_any_half_and_recomputes_it(prompts):
    first = float(vmf.sample_entropy(prompts[:5]))
    assert exercises.half_n(10) == 5 and exercises.half_n(3) == 2
    feedback = exercises.check_half_n_aleatoric(first, prompts)
    assert feedback and str(feedback).startswith("Correct.") and "5 of the 10" in feedback.message
    assert exercises.check_half_n_aleatoric(float(vmf.sample_entropy(prompts[[1, 3, 5, 7, 9]])), prompts)
    # the checker's own route to the entropy agrees with the package's
    np.testing.assert_allclose(exercises.vmf_entropy_of(prompts), vmf.sample_entropy(prompts), rtol=1e-10)


def test_half_n_aleatoric_wrong_answers_get_hints(prompts):
    for wrong in (float(vmf.sample_entropy(prompts)), float(vmf.sample_entropy(prompts[:4])), 12.0, "A"):
        feedback = exercises.check_half_n_aleatoric(wrong, prompts)
        assert not feedback and feedback.message.startswith("Hint:")


def test_half_n_aleatoric_without_answer_says_so(prompts):
    feedback = exercises.check_half_n_aleatoric(None, prompts)
    assert not feedback and feedback.message.startswith("No answer yet")

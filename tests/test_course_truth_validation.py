"""The checker of notebook 08's exercise, on small synthetic tables of truth_validation.csv's shape."""

import numpy as np
import pandas as pd
import pytest

from squbed_utils.course import truth_validation as exercises


def _table(taus, scope=exercises.ACROSS_TASKS, truth="measured ignorance"):
    rows = [{"scope": scope, "uncertainty": name, "truth": truth, "tau": tau} for name, tau in taus.items()]
    # rows of another scope and truth that must not count
    rows += [{"scope": "across the ladder", "uncertainty": "aleatoric", "truth": truth, "tau": 0.99},
             {"scope": scope, "uncertainty": "aleatoric", "truth": "aleatoric truth", "tau": 0.95}]
    return pd.DataFrame(rows)


@pytest.fixture
def validation():
    return _table({"aleatoric": 0.24, "epistemic": 0.58, "epistemic_minus_floor": 0.54, "total": 0.64,
                   "direct_total": 0.42})


def test_the_strongest_uncertainty_is_correct(validation):
    feedback = exercises.check_strongest_against_ignorance(" Total ", validation)
    assert feedback and str(feedback).startswith("Correct.")
    assert "leak" in feedback.message  # the aleatoric part rises with the ignorance here


def test_a_weaker_uncertainty_gets_a_hint(validation):
    feedback = exercises.check_strongest_against_ignorance("epistemic", validation)
    assert not feedback and feedback.message.startswith("Hint:")
    assert "total" not in feedback.message  # a hint, not the answer
    unknown = exercises.check_strongest_against_ignorance("kappa", validation)
    assert not unknown and unknown.message.startswith("Hint:")


def test_no_answer_yet(validation):
    assert exercises.check_strongest_against_ignorance(None, validation).message.startswith("No answer yet")


def test_strength_is_the_absolute_value_and_ties_are_all_right():
    table = _table({"aleatoric": -0.7, "epistemic": 0.5, "total": 0.7})
    assert exercises.check_strongest_against_ignorance("aleatoric", table)
    assert exercises.check_strongest_against_ignorance("total", table)
    assert not exercises.check_strongest_against_ignorance("epistemic", table)


def test_a_truth_that_does_not_vary_makes_undefined_the_answer():
    table = _table({"aleatoric": np.nan, "epistemic": np.nan, "total": np.nan})
    assert exercises.check_strongest_against_ignorance("undefined", table)
    wrong = exercises.check_strongest_against_ignorance("total", table)
    assert not wrong and wrong.message.startswith("Hint:")

"""The checker of notebook 09's exercise, on a small synthetic table of sensitivity.csv's shape."""

import numpy as np
import pandas as pd
import pytest

from squbed_utils.course import sensitivity as exercises


@pytest.fixture
def sensitivity():
    rows = [("n", "2", 0.28), ("n", "10", 0.48), ("m", "10", 0.48), ("entropy", "vmf", 0.48),
            ("entropy", "knn (PCA 8)", 0.53), ("embedder", "toy_clip", np.nan)]
    table = pd.DataFrame([{"factor": f, "setting": s, "check": exercises.ALEATORIC_CHECK, "tau": t} for f, s, t in rows])
    other = pd.DataFrame([{"factor": "n", "setting": "2", "check": "epistemic vs measured ignorance", "tau": 0.9}])
    return pd.concat([table, other], ignore_index=True)


def test_the_best_setting_is_correct(sensitivity):
    feedback = exercises.check_best_aleatoric_setting(("entropy", "knn (PCA 8)"), sensitivity)
    assert feedback and str(feedback).startswith("Correct.")


def test_another_setting_or_a_malformed_answer_gets_a_hint(sensitivity):
    for answer in [("n", "2"), ("n", 10), ("embedder", "toy_clip"), "knn (PCA 8)", ("entropy", "kde")]:
        feedback = exercises.check_best_aleatoric_setting(answer, sensitivity)
        assert not feedback and feedback.message.startswith("Hint:"), answer
        assert "knn" not in feedback.message or answer == "knn (PCA 8)"


def test_no_answer_yet(sensitivity):
    assert exercises.check_best_aleatoric_setting(None, sensitivity).message.startswith("No answer yet")


def test_ties_are_all_right_and_settings_compare_as_strings(sensitivity):
    tied = sensitivity[sensitivity["setting"] != "knn (PCA 8)"]
    assert exercises.check_best_aleatoric_setting(("n", 10), tied)
    assert exercises.check_best_aleatoric_setting(["entropy", "vmf"], tied)

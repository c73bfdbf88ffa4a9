"""The checker of notebook 06's exercise (squbed_utils.course.figures), on a small synthetic table."""

import pandas as pd

from squbed_utils.course import figures as exercises

TABLE = pd.DataFrame({"knowledge": ["common", "common", "rare", "rare", "unseen", "unseen"],
                      "epistemic": [-2000.0, -1900.0, -1950.0, -1500.0, -1300.0, -1800.0]})


def _is_hint(feedback):
    return not feedback and feedback.message.startswith("Hint:")


def test_check_most_uncertain_group():
    # medians: common -1950, rare -1725, unseen -1550; rare holds the single highest task
    assert exercises.check_most_uncertain_group("'Unseen' ", TABLE)
    assert _is_hint(exercises.check_most_uncertain_group("rare", TABLE))
    assert _is_hint(exercises.check_most_uncertain_group("white", TABLE))  # not a level
    assert exercises.check_most_uncertain_group(None, TABLE).message.startswith("No answer yet")


def test_ties_accept_every_tied_group_and_other_columns_work():
    flat = TABLE.assign(epistemic=-3000.0)
    assert exercises.check_most_uncertain_group("common", flat) and exercises.check_most_uncertain_group("rare", flat)
    real = TABLE.rename(columns={"knowledge": "category"})
    assert exercises.check_most_uncertain_group("unseen", real, group="category")
    assert exercises.check_most_uncertain_group("common", TABLE.assign(aleatoric=[9.0, 9, 1, 1, 0, 0]),
                                                component="aleatoric")

"""Checkers of notebook 02's exercises (squbed_utils.course.generation), on a small synthetic accuracy table."""

import pandas as pd
import pytest

from squbed_utils.course import generation as exercises

LEVELS = ["common", "rare", "held_out", "unseen"]


@pytest.fixture
def table(tmp_path):
    rows = [("final", level, score) for level, score in zip(LEVELS, [0.97, 0.95, 0.88, 0.0])]
    rows += [("under-trained", level, score) for level, score in zip(LEVELS, [0.57, 0.5, 0.52, 0.01])]
    frame = pd.DataFrame(rows, columns=["checkpoint", "knowledge", "all"])
    for column in ("shape", "colour", "motion", "size"):
        frame[column] = frame["all"]
    frame["n"] = 40
    path = tmp_path / "generator_accuracy.csv"
    frame.to_csv(path, index=False)
    return path


def test_level_accuracy_reads_the_row_of_the_saved_table(table):
    assert exercises.check_level_accuracy(0.88, table, "final", "held_out")
    assert exercises.check_level_accuracy(0.884, table, "final", "held_out")
    frame = pd.read_csv(table).set_index(["checkpoint", "knowledge"])
    assert exercises.check_level_accuracy(0.5, frame, "under-trained", "rare")


def test_level_accuracy_hints_at_percentages_and_at_the_row(table):
    percent = exercises.check_level_accuracy(88, table, "final", "held_out")
    assert not percent and percent.message.startswith("Hint:") and "fractions" in percent.message
    other_row = exercises.check_level_accuracy(0.97, table, "final", "held_out")
    assert not other_row and other_row.message.startswith("Hint:")
    assert exercises.check_level_accuracy(None, table, "final", "held_out").message.startswith("No answer yet")


def test_worst_level_is_the_smallest_accuracy_and_ties_are_all_accepted(table, tmp_path):
    assert exercises.check_worst_level("unseen", table)
    wrong = exercises.check_worst_level("held out", table)
    assert not wrong and wrong.message.startswith("Hint:")
    assert exercises.check_worst_level("white", table).message.startswith("Hint:")
    assert exercises.check_worst_level(None, table).message.startswith("No answer yet")
    flat = pd.read_csv(table).assign(all=0.0)  # the tiny profile's model: nothing right anywhere
    assert all(exercises.check_worst_level(level, flat) for level in LEVELS)

"""Checkers of notebook 01's exercises (squbed_utils.course.data), on the toy world itself."""

import math

from squbed_utils import world
from squbed_utils.course import data as exercises


def test_aleatoric_truth_is_the_log_of_the_completions():
    # "something blue moves up": 4 shapes x 2 sizes
    assert exercises.check_aleatoric_truth(math.log(8), "something blue moves up")
    assert exercises.check_aleatoric_truth(0.0, "a small red circle moves to the left")
    assert exercises.check_aleatoric_truth(math.log(280), "something").message.startswith("'something' allows 280")


def test_aleatoric_truth_hints_at_the_count_the_base_and_the_method():
    for wrong, says in [(8, "logarithm"), (3.0, "natural logarithm"), (1.2, "count the values")]:
        feedback = exercises.check_aleatoric_truth(wrong, "something blue moves up")
        assert not feedback and feedback.message.startswith("Hint:") and says in feedback.message
    assert exercises.check_aleatoric_truth(None, "something").message.startswith("No answer yet")


def test_least_seen_level_is_the_rare_colour_and_zero_levels_get_their_own_hint():
    distribution = world.training_distribution()
    assert exercises.check_least_seen_level("rare", distribution)
    assert exercises.check_least_seen_level(" 'Rare' ", distribution)
    for wrong in ("held out", "unseen"):
        feedback = exercises.check_least_seen_level(wrong, distribution)
        assert not feedback and feedback.message.startswith("Hint:") and "never shown" in feedback.message
    assert exercises.check_least_seen_level("common", distribution).message.startswith("Hint:")
    assert exercises.check_least_seen_level("purple", distribution).message.startswith("Hint:")
    assert exercises.check_least_seen_level(None, distribution).message.startswith("No answer yet")


def test_least_seen_level_follows_the_distribution_it_is_given():
    spec = world.TrainingSpec(rare_colours=("cyan", "yellow"), rare_fraction=0.5, held_out=(), unseen_colours=())
    # 8 rare cells share half the clips (6.25% each), 20 common cells the other half (2.5% each)
    distribution = world.training_distribution(spec)
    assert exercises.check_least_seen_level("common", distribution)
    assert not exercises.check_least_seen_level("rare", distribution)

"""Checkers of notebook 03's exercises (squbed_utils.course.latent_conditioning), on small synthetic tables."""

import pandas as pd
import pytest

from squbed_utils.course import latent_conditioning as exercises


@pytest.fixture
def latents():
    specified = ["a small red circle moves to the left", "a little red ball drifts to the left",
                 "a small scarlet circle glides leftward"]
    vague = ["a small red circle moves up", "a large red square moves down", "a big red square travels downward"]
    return pd.DataFrame({"task_id": ["t0"] * 3 + ["t1"] * 3, "latent_index": [0, 1, 2] * 2,
                         "latent_prompt": specified + vague})


def test_distinct_objects_counts_objects_not_wordings(latents):
    assert exercises.distinct_objects(latents, "t0") == 1
    assert exercises.distinct_objects(latents, "t1") == 2
    assert exercises.check_distinct_objects((1, 2), latents, "t0", "t1")
    assert exercises.check_distinct_objects([1, 2], latents, "t0", "t1")


def test_distinct_objects_hints(latents):
    wordings = exercises.check_distinct_objects((3, 3), latents, "t0", "t1")
    assert not wordings and wordings.message.startswith("Hint:") and "wordings" in wordings.message
    assert exercises.check_distinct_objects((1, 3), latents, "t0", "t1").message.startswith("Hint:")
    assert exercises.check_distinct_objects("two", latents, "t0", "t1").message.startswith("Hint:")
    assert exercises.check_distinct_objects(None, latents, "t0", "t1").message.startswith("No answer yet")
    with pytest.raises(ValueError, match="no refined prompts"):
        exercises.distinct_objects(latents, "t9")


def test_video_count_is_tasks_times_n_times_m():
    tasks = pd.DataFrame({"id": [f"t{i}" for i in range(8)]})
    assert exercises.check_video_count(8 * 10 * 10, tasks, 10, 10)
    for wrong, says in [(100, "one task"), (80, "m videos of its own"), (7, "each task gets")]:
        feedback = exercises.check_video_count(wrong, tasks, 10, 10)
        assert not feedback and feedback.message.startswith("Hint:") and says in feedback.message
    assert exercises.check_video_count(None, tasks, 10, 10).message.startswith("No answer yet")

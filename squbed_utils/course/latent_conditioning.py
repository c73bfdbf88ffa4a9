"""Checkers for the exercises of notebook ``03_latent_conditioning`` (refined prompts, then videos).

Exercises
---------
1. How many distinct objects the refined prompts of a fully specified and of a vague task describe:
   :func:`check_distinct_objects`.
2. How many videos S-QUBED needs for this profile's tasks: :func:`check_video_count`.
3. (open) What a perfect video model would still vary within one row of the grid, and what that means for the
   epistemic entropy.
"""

from __future__ import annotations

import pandas as pd

from .. import world
from . import Feedback, correct, hint, is_close, missing

__all__ = ["distinct_objects", "check_distinct_objects", "check_video_count"]


def distinct_objects(latents: pd.DataFrame, task_id: str) -> int:
    """The number of different objects the refined prompts of ``task_id`` describe (toy world).

    Each refined prompt is parsed (:func:`squbed_utils.world.parse_prompt`) into the set of objects it
    allows; prompts that allow the same set count once, however they are worded.
    """
    refined = latents.loc[latents["task_id"] == task_id, "latent_prompt"]
    if refined.empty:
        raise ValueError(f"no refined prompts for task {task_id!r} in the table")
    return len({world.parse_prompt(text) for text in refined})


def check_distinct_objects(answer, latents: pd.DataFrame, specified_task: str, vague_task: str) -> Feedback:
    """Check the pair (distinct objects of a fully specified task, of a vague task).

    Parameters
    ----------
    answer : tuple of two int
        How many different objects the refined prompts of ``specified_task`` and of ``vague_task`` describe.
    latents : DataFrame
        ``latent_prompts.csv``: columns ``task_id`` and ``latent_prompt`` (n rows per task).
    specified_task, vague_task : str
        Task ids.

    Both counts are computed by :func:`distinct_objects` and must match exactly.
    """
    if (feedback := missing(answer)) is not None:
        return feedback
    expected = (distinct_objects(latents, specified_task), distinct_objects(latents, vague_task))
    try:
        given = tuple(int(value) for value in answer)
    except (TypeError, ValueError):
        return hint("give a pair of whole numbers: (fully specified task, vague task).")
    if given == expected:
        return correct(f"The fully specified task's refined prompts describe {expected[0]} object(s), the vague "
                       f"task's {expected[1]}: only between different objects does the spread come from vagueness.")
    wordings = tuple(latents.loc[latents["task_id"] == t, "latent_prompt"].nunique() for t in (specified_task, vague_task))
    if given == wordings and wordings != expected:
        return hint("those are distinct wordings; count objects instead (two wordings of one object count once): "
                    "`world.parse_prompt` turns a prompt into the objects it allows.")
    if len(given) != 2:
        return hint("give a pair of whole numbers: (fully specified task, vague task).")
    return hint("parse each refined prompt of the task with `world.parse_prompt` and count the different results.")


def check_video_count(answer, tasks: pd.DataFrame, n: int, m: int) -> Feedback:
    """Check the number of videos S-QUBED generates for ``tasks``: n refined prompts times m videos per task.

    Parameters
    ----------
    answer : int
        The total number of videos of the main model.
    tasks : DataFrame
        The task table (one row per task).
    n, m : int
        Refined prompts per task, videos per refined prompt.

    Must equal ``len(tasks) * n * m`` exactly.
    """
    if (feedback := missing(answer)) is not None:
        return feedback
    expected = len(tasks) * n * m
    if is_close(answer, expected):
        return correct(f"{len(tasks)} tasks x {n} refined prompts x {m} videos = {expected} videos; the cost of "
                       "S-QUBED grows with n x m per task.")
    if is_close(answer, n * m):
        return hint("that is the count for one task; multiply by the number of tasks.")
    if is_close(answer, len(tasks) * n) or is_close(answer, len(tasks) * m):
        return hint("each of the n refined prompts of a task gets m videos of its own.")
    return hint("each task gets n refined prompts, and each refined prompt m videos.")

"""Task tables: prompts with a ground-truth clip and known aleatoric and epistemic truth.

Task table format
-----------------
One row per task. The *manifest* columns are shared with the real-clip
manifests of the ``paper`` profile, so every later stage reads both the same way:

==========  ======  ==========================================================
column      dtype   meaning
==========  ======  ==========================================================
id          str     unique task id (``toy-0000`` ...)
prompt      str     the prompt given to the video model (may be vague)
caption     str     full caption of the ground-truth clip
path        str     ground-truth clip, relative to the clip root (``.npy``
                    uint8 array (T, H, W, 3) here; a video file for real clips)
category    str     group for plots (here ``<knowledge>-v<vagueness>``)
split       str     ``test`` for every toy task (training clips come from
                    :func:`sample_training_set`, never from a task table)
start, end  float   optional: clip bounds in seconds inside a longer video
==========  ======  ==========================================================

Toy tasks add the ground truth and the truth columns (:data:`TRUTH_COLUMNS`):
``seed`` (int64, render seed of the ground-truth clip, in
[2**31, 2**32), disjoint from training seeds), ``vagueness`` (int64, attributes
the prompt leaves open), ``shape``, ``colour``, ``motion``, ``size`` (str, the
ground-truth object, one completion of the prompt), ``n_completions`` (int64),
``aleatoric_truth`` (float64, ``log(n_completions)``), ``training_exposure``
(float64) and ``knowledge`` (str), see :mod:`.training`.

Stratification
--------------
Tasks cycle through 14 cells of (knowledge, vagueness): vagueness 0..3 for
``common`` and ``rare``, 0..2 for ``held_out`` (a held-out task must name
both its shape and its colour, which leaves only size and motion to open) and
0..2 for ``unseen`` (it must name its colour). The ``default`` set has 10 tasks
per cell (140 tasks); ``tiny`` takes the first 8, whose cells still span
vagueness 0..3 and all four knowledge labels. Task ``i`` depends only on
(seed, i), so ``tiny`` is a prefix of ``default``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..seeds import TASK_SEED_STOP, TASK_STREAM, TRAINING_SEED_STOP
from ..store import save_array
from .attributes import ATTRIBUTE_NAMES, ATTRIBUTE_VALUES, COLOURS, SHAPES, Attributes
from .language import aleatoric_truth, caption, parse_prompt, vague_prompt
from .render import render_batch
from .training import DEFAULT_SPEC, TrainingSpec, knowledge_label, training_exposure

__all__ = [
    "MANIFEST_COLUMNS",
    "TRUTH_COLUMNS",
    "make_tasks",
    "validate_tasks",
    "write_task_clips",
    "read_task_clips",
]

MANIFEST_COLUMNS: tuple[str, ...] = ("id", "prompt", "caption", "path", "category", "split")
TRUTH_COLUMNS: tuple[str, ...] = (
    "seed",
    "vagueness",
    *ATTRIBUTE_NAMES,
    "n_completions",
    "aleatoric_truth",
    "training_exposure",
    "knowledge",
)
#: Number of tasks of each named task set.

# (knowledge, vagueness) cells in the order tasks cycle through them; the first 8 tasks (tiny) cover
# vagueness 0..3 and every knowledge label.
_CELLS: tuple[tuple[str, int], ...] = (
    ("common", 0),
    ("held_out", 1),
    ("unseen", 2),
    ("rare", 3),
    ("common", 1),
    ("unseen", 0),
    ("rare", 2),
    ("held_out", 0),
    ("common", 3),
    ("rare", 0),
    ("unseen", 1),
    ("held_out", 2),
    ("common", 2),
    ("rare", 1),
)
# Attributes a task of each knowledge may leave open without changing its knowledge.
_OPENABLE: dict[str, tuple[str, ...]] = {
    "common": ATTRIBUTE_NAMES,
    "rare": ("shape", "motion", "size"),  # the rare colour must be named
    "held_out": ("motion", "size"),  # the held-out (shape, colour) must be named
    "unseen": ("shape", "motion", "size"),  # the unseen colour must be named
}


def _draw_task(rng: np.random.Generator, knowledge: str, vagueness: int, spec: TrainingSpec) -> dict:
    """Ground truth, prompt and render seed of one task in a (knowledge, vagueness) cell."""
    cells = [(s, c) for s in SHAPES for c in COLOURS if spec.cell_knowledge(s, c) == knowledge]
    if not cells:
        raise ValueError(f"the training spec has no {knowledge} cells, so no {knowledge} task can be made")
    shape, colour = cells[rng.integers(len(cells))]
    motion = ATTRIBUTE_VALUES["motion"][rng.integers(len(ATTRIBUTE_VALUES["motion"]))]
    size = ATTRIBUTE_VALUES["size"][rng.integers(len(ATTRIBUTE_VALUES["size"]))]
    truth = Attributes(shape, colour, motion, size)
    unspecified = rng.choice(_OPENABLE[knowledge], size=vagueness, replace=False).tolist()
    return {
        "prompt": vague_prompt(truth, unspecified, rng),
        "caption": caption(truth),
        "seed": int(rng.integers(TRAINING_SEED_STOP, TASK_SEED_STOP)),
        **truth._asdict(),
    }


def make_tasks(n: int = 140, seed: int = 0, *, spec: TrainingSpec = DEFAULT_SPEC) -> pd.DataFrame:
    """The stratified toy task table (see the module docstring for its columns).

    Parameters
    ----------
    n : int, default 140
        Number of tasks (a profile's count is in :data:`squbed_utils.profiles.TOY_SIZES`:
        8 on ``tiny``, 140 on ``default``).
    seed : int, default 0
        The profile's root seed; task ``i`` depends only on (seed, i), drawn from the task
        stream (:data:`squbed_utils.seeds.TASK_STREAM`).
    spec : TrainingSpec
        The training distribution the epistemic truth refers to.

    Returns
    -------
    DataFrame
        One row per task: :data:`MANIFEST_COLUMNS` then :data:`TRUTH_COLUMNS`.
        Clip files are not written; call :func:`write_task_clips`.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"number of tasks must be a positive integer, got {n!r}")
    rows = []
    for index in range(n):
        cell_knowledge, cell_vagueness = _CELLS[index % len(_CELLS)]
        row = _draw_task(np.random.default_rng([seed, TASK_STREAM, index]), cell_knowledge, cell_vagueness, spec)
        # The truth columns are measured on the prompt as written, not taken from the cell.
        constraint = parse_prompt(row["prompt"])
        knowledge, vagueness = knowledge_label(constraint, spec), len(constraint.unspecified)
        task_id = f"toy-{index:04d}"
        rows.append(
            {
                "id": task_id,
                "prompt": row["prompt"],
                "caption": row["caption"],
                "path": f"clips/{task_id}.npy",
                "category": f"{knowledge}-v{vagueness}",
                "split": "test",
                "seed": row["seed"],
                "vagueness": vagueness,
                **{name: row[name] for name in ATTRIBUTE_NAMES},
                "n_completions": constraint.n_completions,
                "aleatoric_truth": aleatoric_truth(constraint),
                "training_exposure": training_exposure(constraint, spec),
                "knowledge": knowledge,
            }
        )
    return pd.DataFrame(rows).astype({"seed": np.int64, "vagueness": np.int64, "n_completions": np.int64})


def validate_tasks(tasks: pd.DataFrame, required: Sequence[str] = MANIFEST_COLUMNS) -> pd.DataFrame:
    """Check a task table (toy or real-clip manifest) and return it unchanged.

    Parameters
    ----------
    tasks : DataFrame
    required : sequence of str, default :data:`MANIFEST_COLUMNS`
        Columns the table must have.

    Raises
    ------
    ValueError
        If ``tasks`` is not a DataFrame or has no rows, lacks required columns
        (named), repeats an id (the repeated ids are named), or has an empty or
        missing prompt (the task ids are named).
    """
    if not isinstance(tasks, pd.DataFrame):
        raise ValueError(f"a task table must be a pandas DataFrame, got {type(tasks).__name__}")
    if tasks.empty:
        raise ValueError("the task table is empty: it needs at least one task (make_tasks builds toy ones)")
    missing = [column for column in required if column not in tasks.columns]
    if missing:
        raise ValueError(f"the task table lacks columns {missing}; a task table needs {list(required)}")
    repeated = tasks["id"][tasks["id"].duplicated()].unique().tolist()
    if repeated:
        raise ValueError(f"task ids must be unique; repeated: {repeated[:10]}")
    prompts = tasks["prompt"]
    empty = tasks["id"][prompts.isna() | (prompts.astype(str).str.strip() == "")].tolist()
    if empty:
        raise ValueError(f"tasks {empty[:10]} have an empty prompt; every task needs prompt text")
    return tasks


def write_task_clips(
    tasks: pd.DataFrame,
    root: str | os.PathLike,
    *,
    frames: int = 8,
    size: int = 32,
    gif_scale: int | None = None,
) -> list[Path]:
    """Render every task's ground-truth clip and save it at ``root / path``.

    Parameters
    ----------
    tasks : DataFrame
        A toy task table (manifest columns plus ``seed`` and the attribute columns).
    root : path
        Folder the ``path`` column is relative to.
    frames, size : int
        Clip length and frame side, as in :func:`render_batch`.
    gif_scale : int or None
        If given, also write an animated GIF beside each clip (same name,
        ``.gif``), upscaled by this integer factor (nearest neighbour) so it is
        visible in a notebook.

    Returns
    -------
    list of Path
        The ``.npy`` files written, in task order; each holds a uint8 array of
        shape (frames, size, size, 3).
    """
    validate_tasks(tasks, required=(*MANIFEST_COLUMNS, "seed", *ATTRIBUTE_NAMES))
    clips = render_batch(tasks[list(ATTRIBUTE_NAMES)], tasks["seed"].to_numpy(), frames=frames, size=size)
    root = Path(root)
    written = []
    for relative, clip in zip(tasks["path"], clips):
        path = root / relative
        save_array(path, clip)
        if gif_scale is not None:
            import imageio.v3 as iio  # only needed for the optional GIFs

            large = clip.repeat(gif_scale, axis=1).repeat(gif_scale, axis=2)
            iio.imwrite(path.with_suffix(".gif"), large, duration=125, loop=0)
        written.append(path)
    return written


def read_task_clips(tasks: pd.DataFrame, root: str | os.PathLike) -> np.ndarray:
    """Load the ground-truth clips written by :func:`write_task_clips`.

    Returns
    -------
    ndarray of uint8, shape (N, T, H, W, 3)
        Clips in task order.

    Raises
    ------
    FileNotFoundError
        If a clip is missing (the message names it and says how to write it).
    """
    root = Path(root)
    clips = []
    for relative in tasks["path"]:
        path = root / relative
        if not path.is_file():
            raise FileNotFoundError(f"ground-truth clip {path} is missing; write it with write_task_clips(tasks, root)")
        clips.append(np.load(path))
    return np.stack(clips)

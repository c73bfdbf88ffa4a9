"""Seeds: how every random draw of a run derives from the profile's one root seed.

A profile has one root seed (:attr:`squbed_utils.profiles.Profile.seed`). Each
consumer draws from its own *stream*, ``derive_seed(root, STREAM, ...keys)``, so
that no two consumers share random numbers and a consumer's draws depend on
*what* an item is (a task id, a refined-prompt index, a video index), never on
its position in a table. The streams:

======================  =====  ==============================================================
stream                  salt   consumer
======================  =====  ==============================================================
(the root itself)       --     the toy video model's training data and weights
                               (:func:`~squbed_utils.generators.toy_training.train_toy_generator`,
                               keyed by phase and step inside)
``PROMPT_STREAM``       1      refined prompts of a task (:func:`squbed_utils.pipeline.refine_tasks`)
``VIDEO_STREAM``        2      the m sampling seeds of a refined prompt (:func:`video_seeds`)
``SUBSET_STREAM``       3      the draw of a real-clip subset (:func:`squbed_utils.subsets.cut_subset`)
``TASK_STREAM``         4      the toy world's task table (:func:`squbed_utils.world.make_tasks`)
``TOY_CLIP_STREAM``     5      the toy CLIP's initial weights, batches and augmentation
``FIGURE_STREAM``       6      example renders and samples drawn for figures
======================  =====  ==============================================================

Renders of the toy world take a seed each (:func:`squbed_utils.world.render`);
the ranges below keep the clips of different roles apart, so no task's ground
truth is a clip the video model was trained on:

==================================  ===============================================
range                               renders
==================================  ===============================================
``[0, TRAINING_SEED_STOP)``          training clips of the video model
``[TRAINING_SEED_STOP, TASK_SEED_STOP)``  task ground truths and figure examples
``[TASK_SEED_STOP, EVALUATION_SEED_START)``  the checker's shape prototypes
``[EVALUATION_SEED_START, ...)``     clips that evaluate an embedder
==================================  ===============================================
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

__all__ = [
    "PROMPT_STREAM",
    "VIDEO_STREAM",
    "SUBSET_STREAM",
    "TASK_STREAM",
    "TOY_CLIP_STREAM",
    "FIGURE_STREAM",
    "TRAINING_SEED_STOP",
    "TASK_SEED_STOP",
    "PROTOTYPE_SEED_START",
    "EVALUATION_SEED_START",
    "derive_seed",
    "as_seeds",
    "check_seeds",
    "task_number",
    "video_seeds",
    "render_seeds",
]

PROMPT_STREAM = 1
VIDEO_STREAM = 2
SUBSET_STREAM = 3
TASK_STREAM = 4
TOY_CLIP_STREAM = 5
FIGURE_STREAM = 6

#: Training clips use render seeds in [0, TRAINING_SEED_STOP); task ground truths use seeds above it.
TRAINING_SEED_STOP = 2**31
#: Task ground truths and figure examples use render seeds in [TRAINING_SEED_STOP, TASK_SEED_STOP).
TASK_SEED_STOP = 2**32
#: The checker's shape prototypes are rendered from seeds at and above this one.
PROTOTYPE_SEED_START = 2**32
#: Clips that evaluate an embedder start here, above every other range.
EVALUATION_SEED_START = 2**40


def derive_seed(seed: int, *keys: int) -> int:
    """A child seed in ``[0, 2**63)`` drawn from ``seed`` and integer ``keys`` (a stream, an item number).

    Distinct key tuples give (practically) independent seeds, unlike ``seed + k``,
    which collides with the neighbouring root seed.

    Examples
    --------
    >>> derive_seed(0, 1) == derive_seed(0, 1) != derive_seed(1, 0)
    True
    """
    state = np.random.SeedSequence([int(seed) % 2**64, *(int(k) % 2**64 for k in keys)]).generate_state(2, np.uint32)
    return int((int(state[0]) << 31) ^ int(state[1]))


def as_seeds(seeds: int | Sequence[int], count: int) -> list[int]:
    """Per-item seeds: a sequence of ``count`` ints as is, or one int spread by :func:`derive_seed`.

    Raises
    ------
    ValueError
        If a sequence has the wrong length or holds a non-integer.
    """
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        return [derive_seed(int(seeds), i) for i in range(count)]
    seeds = list(seeds)
    if len(seeds) != count:
        raise ValueError(f"got {len(seeds)} seeds for {count} prompts; pass one seed per prompt or a single int")
    for s in seeds:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
            raise ValueError(f"seeds must be integers, got {s!r}")
    return [int(s) for s in seeds]


def check_seeds(seeds: int | Sequence[int] | np.ndarray, n: int, *, per: str = "prompt") -> np.ndarray:
    """``n`` non-negative integer seeds as int64; one int applies to all ``n`` items.

    Raises ValueError naming the expected count (one seed per ``per``) and what was given.
    """
    array = np.asarray(seeds)
    if array.ndim == 0:
        array = np.full(n, array)
    if array.shape != (n,) or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"seeds must be {n} integers (one per {per}), got {array.dtype} array of shape {array.shape}")
    if np.any(array < 0):
        raise ValueError("seeds must be non-negative integers")
    return array.astype(np.int64)


def task_number(task_id: str) -> int:
    """A stable 60-bit integer for a task id (its SHA-256), to derive the task's seeds from.

    Examples
    --------
    >>> task_number("toy-0000") == task_number("toy-0000") != task_number("toy-0001")
    True
    """
    return int(hashlib.sha256(str(task_id).encode()).hexdigest()[:15], 16)


def video_seeds(seed: int, task_id: str, latent_index: int, m: int) -> np.ndarray:
    """The ``m`` sampling seeds of one (task, refined prompt): int64 in ``[0, 2**63)``.

    Seed ``k`` is ``derive_seed(seed, VIDEO_STREAM, task_number(task_id), latent_index, k)``,
    so ``video_seeds(s, t, j, m)[:m']`` equals ``video_seeds(s, t, j, m')``.

    Examples
    --------
    >>> bool((video_seeds(0, "toy-0001", 2, 5)[:3] == video_seeds(0, "toy-0001", 2, 3)).all())
    True
    """
    number = task_number(task_id)
    return np.array([derive_seed(seed, VIDEO_STREAM, number, int(latent_index), k) for k in range(m)], np.int64)


def render_seeds(seed: int, stream: int, count: int, key: int = 0) -> np.ndarray:
    """``count`` render seeds in the task range ``[TRAINING_SEED_STOP, TASK_SEED_STOP)`` from ``(seed, stream, key)``.

    For clips that must not be training clips: task ground truths, and the
    example renders of a figure (``stream`` :data:`FIGURE_STREAM`, ``key`` telling
    one figure's draw from another's).

    Examples
    --------
    >>> s = render_seeds(0, FIGURE_STREAM, 3)
    >>> bool(((s >= TRAINING_SEED_STOP) & (s < TASK_SEED_STOP)).all())
    True
    >>> bool((render_seeds(0, FIGURE_STREAM, 3, key=1) != s).all())
    True
    """
    rng = np.random.default_rng(derive_seed(seed, stream, key))
    return rng.integers(TRAINING_SEED_STOP, TASK_SEED_STOP, size=count, dtype=np.int64)

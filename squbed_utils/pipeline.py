"""S-QUBED on a task table, stage by stage, with every expensive item cached.

The method (PAPER.md, steps 1-3) for each task ``l``:

1. :func:`refine_tasks`: ``n`` refined (latent) prompts ``z_1..z_n`` from a
   latent prompt generator;
2. :func:`generate_videos`: ``m`` videos per refined prompt from the video
   model, one seed per video;
3. :func:`embed_texts` and :func:`embed_videos`: unit vectors for the refined
   prompts and for every video, ready for :func:`squbed_utils.uncertainty.decompose_tasks`.

Stages talk through a *latent table*: one row per (task, refined prompt) with
columns ``task_id``, ``latent_index``, ``latent_prompt`` and, after
generation, ``video_key`` (where that row's ``m`` clips live in the store).

Caching and seeds
-----------------
One *item* is one row of the latent table: its ``n`` refined prompts are
cached per task, its ``m`` clips and their embeddings per row, in an
:class:`~squbed_utils.store.ArrayStore`. Keys hash everything the item depends
on (the generator's weights and config, the sampling options, the prompt text,
the seeds; the embedder's config and the clips' key), so an interrupted run
redoes only missing items and a changed parameter never reuses a stale one.

Scale-out
---------
:func:`generate_videos` and :func:`embed_videos` take an ``executor``: with a
:class:`~squbed_utils.distributed.RayExecutor` and a
:class:`~squbed_utils.distributed.ModelSpec` instead of a live model, the
missing rows are computed by Ray workers that save them into the same store,
under the same keys (see :mod:`squbed_utils.distributed`).

Seeds derive from ``(root seed, task id, latent index, video index)`` by
:func:`~squbed_utils.seeds.derive_seed`, never from a row's position, so a
task's videos are the same whichever other tasks are in the table, and the
first ``m`` seeds of a row do not change when ``m`` grows.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .distributed import LocalExecutor
from .seeds import PROMPT_STREAM, derive_seed, task_number, video_seeds
from .store import ArrayStore, fingerprint
from .validation import check_count, check_seed

__all__ = [
    "LATENT_COLUMNS",
    "refine_tasks",
    "generate_videos",
    "load_videos",
    "videos_by_task",
    "embed_texts",
    "embed_videos",
    "per_task",
]

#: Columns of the latent table (``video_key`` is added by :func:`generate_videos`).
LATENT_COLUMNS: tuple[str, ...] = ("task_id", "latent_index", "latent_prompt")

def _check_tasks(tasks: pd.DataFrame) -> pd.DataFrame:
    from .world import validate_tasks

    return validate_tasks(tasks, required=("id", "prompt"))


def _check_latents(latents: pd.DataFrame, extra: Sequence[str] = ()) -> pd.DataFrame:
    if not isinstance(latents, pd.DataFrame):
        raise ValueError(f"the latent table must be a pandas DataFrame, got {type(latents).__name__}")
    missing = [c for c in (*LATENT_COLUMNS, *extra) if c not in latents.columns]
    if missing:
        raise ValueError(
            f"the latent table lacks columns {missing}; build it with refine_tasks (and generate_videos for 'video_key')"
        )
    if latents.empty:
        raise ValueError("the latent table is empty: refine_tasks found no tasks")
    return latents


def refine_tasks(
    tasks: pd.DataFrame,
    prompt_generator,
    n: int,
    *,
    seed: int,
    store: ArrayStore | str | os.PathLike,
    progress: bool = False,
) -> pd.DataFrame:
    """Step 1: ``n`` refined prompts per task, cached per task.

    Parameters
    ----------
    tasks : DataFrame
        A task table with at least ``id`` and ``prompt`` (see :mod:`squbed_utils.world.tasks`).
    prompt_generator : LatentPromptGenerator
        E.g. :class:`~squbed_utils.prompts.ToyLatentPromptGenerator` or
        :class:`~squbed_utils.prompts.LLMLatentPromptGenerator`.
    n : int
        Refined prompts per task, at least 2.
    seed : int
        Root seed; task ``t`` is refined with ``derive_seed(seed, PROMPT_STREAM, task_number(t))`` (:mod:`squbed_utils.seeds`).
    store : ArrayStore or path
        Where the refined prompts of each task are cached.
    progress : bool
        Show a progress bar over the tasks not cached yet.

    Returns
    -------
    DataFrame
        The latent table: ``len(tasks) * n`` rows, columns :data:`LATENT_COLUMNS`.
    """
    tasks = _check_tasks(tasks)
    n = check_count("n", n, "refined prompts per task")
    seed = check_seed(seed)
    store = store if isinstance(store, ArrayStore) else ArrayStore(store)
    generator_key = prompt_generator.cache_key
    requests = [(str(t), str(p), derive_seed(seed, PROMPT_STREAM, task_number(t))) for t, p in zip(tasks["id"], tasks["prompt"])]

    def compute(batch):
        refined = prompt_generator.generate([p for _, p, _ in batch], n, [s for _, _, s in batch])
        return [np.array(r, dtype=str) for r in refined]

    refined = store.get_or_compute(
        requests,
        key=lambda r: fingerprint("latent-prompts", generator_key, r[1], n, r[2]),
        compute=compute,
        batch_size=16,
        progress=progress,
        description="refining prompts",
    )
    rows = [(task_id, j, str(text)) for (task_id, _, _), texts in zip(requests, refined) for j, text in enumerate(texts)]
    return pd.DataFrame(rows, columns=list(LATENT_COLUMNS))


def generate_videos(
    latents: pd.DataFrame,
    generator,
    m: int,
    *,
    seed: int,
    store: ArrayStore | str | os.PathLike,
    clips_per_batch: int = 256,
    progress: bool = False,
    executor=None,
    **sampling: Any,
) -> pd.DataFrame:
    """Step 2: ``m`` videos per refined prompt, cached per (task, refined prompt).

    Parameters
    ----------
    latents : DataFrame
        The latent table of :func:`refine_tasks`.
    generator : VideoGenerator or ModelSpec
        Anything with ``generator(prompts, seeds, **sampling) -> uint8 (N, T, H, W, 3)``
        and a ``cache_key`` (every :class:`~squbed_utils.generators.VideoGenerator` has both),
        or a :class:`~squbed_utils.distributed.ModelSpec` that loads one (required with a
        :class:`~squbed_utils.distributed.RayExecutor`).
    m : int
        Videos per refined prompt, at least 2.
    seed : int
        Root seed; see :func:`squbed_utils.seeds.video_seeds`.
    store : ArrayStore or path
        Where each row's clips are saved, as uint8 ``(m, T, H, W, 3)``.
    clips_per_batch : int
        Clips asked of the generator at a time (rows are never split; the generator
        computes them in fixed-size batches of its own, so this changes no clip); with an
        executor, also what one worker takes at a time (and loses if preempted).
    progress : bool
        Show a progress bar over the rows not cached yet.
    executor : RayExecutor, optional
        Where the missing rows are generated; ``None``: here, one batch after another.
        Keys and clips are the same either way.
    **sampling
        Passed to the generator (``guidance_scale``, ``num_inference_steps``...); part of the key.

    Returns
    -------
    DataFrame
        ``latents`` with a ``video_key`` column: the store key of each row's clips.
    """
    latents = _check_latents(latents)
    m = check_count("m", m, "videos per refined prompt")
    seed = check_seed(seed)
    store = store if isinstance(store, ArrayStore) else ArrayStore(store)
    generator_key = generator.cache_key
    items = [(str(prompt), video_seeds(seed, task_id, j, m))
             for task_id, j, prompt in latents[list(LATENT_COLUMNS)].itertuples(index=False)]
    keys = [fingerprint("videos", generator_key, sampling, prompt, seeds) for prompt, seeds in items]
    (executor or LocalExecutor()).compute_missing(
        store, generator, list(zip(keys, items)), functools.partial(_generate_rows, m=m, sampling=sampling),
        batch_size=max(1, clips_per_batch // m), progress=progress, description="generating videos")
    return latents.assign(video_key=keys)


def _generate_rows(generator, rows: list[tuple[str, np.ndarray]], *, m: int, sampling: dict) -> list[np.ndarray]:
    """The clips of latent-table rows ``(prompt, m seeds)``, one generator call: uint8 ``(m, T, H, W, 3)`` per row."""
    prompts = [prompt for prompt, seeds in rows for _ in seeds]
    clips = generator(prompts, np.concatenate([seeds for _, seeds in rows]), **sampling)
    return list(clips.reshape(len(rows), m, *clips.shape[1:]))


def load_videos(latents: pd.DataFrame, store: ArrayStore | str | os.PathLike) -> np.ndarray:
    """The clips of every row of a latent table: uint8 ``(rows, m, T, H, W, 3)``."""
    latents = _check_latents(latents, extra=("video_key",))
    store = store if isinstance(store, ArrayStore) else ArrayStore(store)
    return np.stack([store.load(key) for key in latents["video_key"]])


def videos_by_task(latents: pd.DataFrame, store: ArrayStore | str | os.PathLike):
    """Yield ``(task_id, clips)`` task by task, clips uint8 ``(n, m, T, H, W, 3)``; tasks in :func:`per_task` order.

    Loads one task at a time, so memory stays at one task's videos.
    """
    latents = _check_latents(latents, extra=("video_key",))
    store = store if isinstance(store, ArrayStore) else ArrayStore(store)
    keys = latents["video_key"].to_numpy()
    for task_id, rows in _rows_by_task(latents).items():
        yield task_id, np.stack([store.load(key) for key in keys[rows]])


def embed_texts(
    latents: pd.DataFrame, embedder, *, store: ArrayStore | str | os.PathLike, progress: bool = False
) -> np.ndarray:
    """Step 3a: unit embeddings of the refined prompts, cached per task.

    Returns
    -------
    ndarray of float32, shape (rows, d_text)
        Row ``i`` embeds ``latents.latent_prompt[i]``.
    """
    latents = _check_latents(latents)
    store = store if isinstance(store, ArrayStore) else ArrayStore(store)
    embedder_key = embedder.cache_key
    rows_of_task = _rows_by_task(latents)
    texts = latents["latent_prompt"].astype(str).to_numpy()
    groups = [texts[rows].tolist() for rows in rows_of_task.values()]

    def compute(batch):
        vectors = embedder([text for texts in batch for text in texts])
        return np.split(vectors, np.cumsum([len(texts) for texts in batch])[:-1])

    embedded = store.get_or_compute(
        groups,
        key=lambda texts: fingerprint("text-embedding", embedder_key, texts),
        compute=compute,
        batch_size=64,
        progress=progress,
        description="embedding refined prompts",
    )
    result = np.empty((len(latents), embedded[0].shape[-1]), np.float32)
    for rows, vectors in zip(rows_of_task.values(), embedded):
        result[rows] = vectors
    return result


def embed_videos(
    latents: pd.DataFrame,
    embedder,
    *,
    store: ArrayStore | str | os.PathLike,
    clips_per_batch: int = 256,
    progress: bool = False,
    executor=None,
) -> np.ndarray:
    """Step 3b: unit embeddings of every generated video, cached per row.

    Parameters
    ----------
    latents : DataFrame
        A latent table with ``video_key`` (from :func:`generate_videos`).
    embedder : VideoEmbedder or ModelSpec
        ``embedder(clips) -> float32 (N, d)`` unit rows, with a ``cache_key``, or a
        :class:`~squbed_utils.distributed.ModelSpec` that loads one (required with an executor).
    clips_per_batch : int
        Clips embedded per call (rows are never split).
    progress : bool
        Show a progress bar over the rows not cached yet.
    executor : RayExecutor, optional
        Where the missing rows are embedded (the workers read the clips from ``store``);
        ``None``: here.

    Returns
    -------
    ndarray of float32, shape (rows, m, d_video)
    """
    latents = _check_latents(latents, extra=("video_key",))
    store = store if isinstance(store, ArrayStore) else ArrayStore(store)
    embedder_key = embedder.cache_key
    video_keys = latents["video_key"].tolist()
    keys = [fingerprint("video-embedding", embedder_key, video_key) for video_key in video_keys]
    m = len(store.load(video_keys[0]))
    (executor or LocalExecutor()).compute_missing(
        store, embedder, list(zip(keys, video_keys)), functools.partial(_embed_rows, store=store),
        batch_size=max(1, clips_per_batch // m), progress=progress, description="embedding videos")
    return np.stack([store.load(key) for key in keys])


def _embed_rows(embedder, video_keys: list[str], *, store: ArrayStore) -> list[np.ndarray]:
    """Embeddings of the clips saved under ``video_keys``, one embedder call: float32 ``(m, d)`` per row."""
    clips = [store.load(key) for key in video_keys]
    vectors = embedder(np.concatenate(clips))
    return np.split(vectors, np.cumsum([len(c) for c in clips])[:-1])


def per_task(latents: pd.DataFrame, values: np.ndarray) -> tuple[list[str], list[np.ndarray]]:
    """Split per-row ``values`` (rows, ...) into one array per task, in order of first appearance.

    Returns ``(task_ids, arrays)``, ready for :func:`squbed_utils.uncertainty.decompose_tasks`.
    """
    latents = _check_latents(latents)
    values = np.asarray(values)
    if len(values) != len(latents):
        raise ValueError(f"got {len(values)} values for a latent table of {len(latents)} rows")
    rows_of_task = _rows_by_task(latents)
    return list(rows_of_task), [values[rows] for rows in rows_of_task.values()]


def _rows_by_task(latents: pd.DataFrame) -> dict[str, np.ndarray]:
    """Task id -> positions of its rows, tasks in order of first appearance, rows by latent index."""
    order = np.lexsort((latents["latent_index"].to_numpy(), pd.factorize(latents["task_id"])[0]))
    codes, uniques = pd.factorize(latents["task_id"].to_numpy()[order])
    return {str(task): order[codes == i] for i, task in enumerate(uniques)}

"""How good are the toy world's models? The video model's knowledge and an embedding space, on fresh renders.

Both measurements read clips the way only the toy world allows, against the
attributes they were asked for.

The video model
---------------
:func:`object_accuracy` prompts a generator with every fully specified
object and reads each clip back with the checker
(:func:`squbed_utils.world.attribute_accuracy`). :func:`accuracy_by_knowledge`
gives the fraction of clips with the right shape, colour, motion and size, per
knowledge level (common, rare, held out of training, unseen);
:func:`measured_ignorance` the error rate on each task's own completions, the
study's embedding-free epistemic truth.

An embedding space
------------------
Accuracy in S-QUBED is the cosine between the embeddings of a generated and a
ground-truth video, so an embedding space is useful when that cosine is high
for clips of the same object and falls when *any* attribute is wrong. The
functions here render every one of the 280 objects a few times (seeds far from
the training range) and report:

* ``cos_same``: mean cosine between two different clips of the same object;
* ``cos_different``: mean cosine between clips of different objects;
* ``cos_only_<attribute>``: mean cosine when exactly that attribute differs
  (the sensitivity of the accuracy metric to each attribute; it should sit
  clearly below ``cos_same`` for every attribute);
* ``cos_all_differ``: mean cosine when all four attributes differ;
* ``retrieval_<attribute>`` / ``retrieval_all`` (embedders with
  ``combination_embeddings``): the fraction of clips whose nearest caption
  among all 280 objects has the right attribute / the right object.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from . import world
from .seeds import EVALUATION_SEED_START
from .store import fingerprint

__all__ = ["object_accuracy", "accuracy_by_knowledge", "measured_ignorance", "evaluation_clips", "evaluate_video_embedder"]

#: The checker's columns in :func:`object_accuracy`: one per attribute, and all four right.
_CHECKS = tuple(f"{name}_ok" for name in (*world.ATTRIBUTE_NAMES, "all"))


def evaluation_clips(clips_per_object: int = 10, *, seed: int = 0, frames: int = 8, size: int = 32):
    """Every object rendered ``clips_per_object`` times with fresh seeds.

    Returns
    -------
    objects : DataFrame
        ``280 * clips_per_object`` rows (object-major) with the four attribute columns.
    clips : ndarray of uint8, shape (len(objects), frames, size, size, 3)
    """
    combos = world.all_attribute_combinations()
    objects = pd.DataFrame([c for c in combos for _ in range(clips_per_object)])
    rng = np.random.default_rng(seed)
    seeds = EVALUATION_SEED_START + rng.integers(0, 2**40, size=len(objects))
    return objects, world.render_batch(objects, seeds, frames=frames, size=size)


def evaluate_video_embedder(
    embedder, *, clips_per_object: int = 10, seed: int = 0, batch_size: int | None = None, progress: bool = False,
    objects: pd.DataFrame | None = None, clips: np.ndarray | None = None,
) -> pd.Series:
    """Cosine structure (and, where possible, caption retrieval) of an embedder on fresh renders.

    Parameters
    ----------
    embedder : VideoEmbedder
        Any callable mapping uint8 clips to unit rows.
    clips_per_object : int, default 10
        Renders per object (2400 clips by default).
    seed : int
        Seeds the render seeds.
    objects, clips : optional
        Precomputed :func:`evaluation_clips` output (to share renders between embedders).

    Returns
    -------
    Series
        Indexed by metric name (see the module docstring), float values.
    """
    if objects is None or clips is None:
        objects, clips = evaluation_clips(clips_per_object, seed=seed)
    video = embedder(clips, batch_size=batch_size, progress=progress).astype(np.float64)
    codes = np.stack(list(world.encode_attributes(objects).values()), axis=1)  # (N, 4)
    cosine = video @ video.T
    differ = codes[:, None, :] != codes[None, :, :]  # (N, N, 4)
    n_differ = differ.sum(axis=-1)
    off_diagonal = ~np.eye(len(video), dtype=bool)
    metrics = {
        "cos_same": cosine[(n_differ == 0) & off_diagonal].mean(),
        "cos_different": cosine[n_differ > 0].mean(),
    }
    for i, name in enumerate(world.ATTRIBUTE_NAMES):
        metrics[f"cos_only_{name}"] = cosine[(n_differ == 1) & differ[..., i]].mean()
    metrics["cos_all_differ"] = cosine[n_differ == len(world.ATTRIBUTE_NAMES)].mean()
    if hasattr(embedder, "combination_embeddings"):
        predicted = (video @ embedder.combination_embeddings().T.astype(np.float64)).argmax(axis=1)
        combo_codes = np.stack(list(world.encode_attributes(world.all_attribute_combinations()).values()), axis=1)
        correct = combo_codes[predicted] == codes
        metrics["retrieval_all"] = correct.all(axis=1).mean()
        for i, name in enumerate(world.ATTRIBUTE_NAMES):
            metrics[f"retrieval_{name}"] = correct[:, i].mean()
    return pd.Series(metrics, dtype=float, name=getattr(embedder, "name", type(embedder).__name__))


def object_accuracy(generator, *, clips_per_object: int = 4, seed: int = 0, progress: bool = False,
                    store=None, **sampling: Any) -> pd.DataFrame:
    """The checker's verdict on ``clips_per_object`` generated clips of every fully specified object.

    Every object (280) is prompted with its canonical caption
    ``clips_per_object`` times (sampling seeds ``seed, seed + 1, ...``); each
    clip is scored by :func:`squbed_utils.world.attribute_accuracy` against its
    prompt.

    Parameters
    ----------
    generator : VideoGenerator
        Anything mapping ``(prompts, seeds)`` to uint8 clips.
    clips_per_object : int
    seed : int
    progress : bool
    store : ArrayStore, optional
        Cache the checker's verdicts there, under a key of the generator's
        :attr:`~squbed_utils.generators.VideoGenerator.cache_key`, the clip
        count, the seed and ``sampling``: a rerun reads them back instead of
        generating again, and another model or setting never reuses them.
    **sampling
        Passed to the generator.

    Returns
    -------
    DataFrame
        One row per clip: ``shape``, ``colour``, ``motion``, ``size`` (str, the
        object asked for), ``knowledge`` (its training label) and the bool
        checker columns ``shape_ok``, ``colour_ok``, ``motion_ok``, ``size_ok``
        and ``all_ok``.
    """
    objects = world.training_distribution()
    objects = objects.loc[objects.index.repeat(clips_per_object)].reset_index(drop=True)
    prompts = [world.caption(row) for row in objects[list(world.ATTRIBUTE_NAMES)].to_dict("records")]
    seeds = seed + np.arange(len(prompts))
    columns = list(_CHECKS)
    key = fingerprint({"object_accuracy": 1, "generator": generator.cache_key, "prompts": prompts,
                       "seeds": seeds, "sampling": sampling})
    if store is not None and key in store:
        scores = pd.DataFrame(store.load(key), columns=columns)
    else:
        clips = generator(prompts, seeds, progress=progress, **sampling)
        scores = world.attribute_accuracy(clips, prompts).add_suffix("_ok")[columns]
        if store is not None:
            store.save(key, scores.to_numpy())
    return pd.concat([objects[[*world.ATTRIBUTE_NAMES, "knowledge"]], scores], axis=1)


def accuracy_by_knowledge(generator, *, clips_per_object: int = 4, seed: int = 0, progress: bool = False,
                          **sampling: Any) -> pd.DataFrame:
    """The checker's accuracy of generated clips, per knowledge level and attribute.

    The clips of :func:`object_accuracy` (every fully specified object,
    ``clips_per_object`` times), averaged per knowledge level.

    Returns
    -------
    DataFrame
        Index :data:`squbed_utils.world.KNOWLEDGE_LEVELS` (``common``, ``rare``,
        ``held_out``, ``unseen``); columns ``shape``, ``colour``, ``motion``,
        ``size``, ``all`` (fractions) and ``n`` (clips).
    """
    scores = object_accuracy(generator, clips_per_object=clips_per_object, seed=seed, progress=progress, **sampling)
    grouped = scores.groupby("knowledge")
    table = grouped[list(_CHECKS)].mean().rename(columns=lambda c: c.removesuffix("_ok")).reindex(list(world.KNOWLEDGE_LEVELS))
    table["n"] = grouped.size()
    return table


def measured_ignorance(tasks: pd.DataFrame, scores: pd.DataFrame) -> pd.Series:
    """Epistemic truth of each task measured on the model, independent of any embedding.

    The checker's error rate of the model on the task's own completions: for
    each fully specified object the prompt allows, the fraction of its clips in
    ``scores`` (from :func:`object_accuracy`) with any attribute wrong, averaged
    over the completions (all equally likely, as in the aleatoric truth). A
    model that knows every concept the prompt can mean scores 0; one that draws
    none of them right scores 1.

    Parameters
    ----------
    tasks : DataFrame
        Toy task table (``id``, ``prompt``).
    scores : DataFrame
        :func:`object_accuracy` of one model.

    Returns
    -------
    Series of float64
        Indexed by task id, values in [0, 1].
    """
    error = 1.0 - scores.groupby(list(world.ATTRIBUTE_NAMES), observed=True)["all_ok"].mean()
    values = {}
    for task_id, prompt in zip(tasks["id"], tasks["prompt"]):
        allowed = [tuple(a) for a in world.completions(prompt)]
        missing = [a for a in allowed if a not in error.index]
        if missing:
            raise ValueError(f"scores lack the completion {missing[0]} of task {task_id!r} ({prompt!r}); "
                             "score every object with object_accuracy")
        values[task_id] = float(error.loc[allowed].mean())
    return pd.Series(values, name="measured_ignorance", dtype=float)

"""How good are the toy world's models? The video model's knowledge and an embedding space, on fresh renders.

Both measurements read clips the way only the toy world allows, against the
attributes they were asked for.

The video model
---------------
:func:`accuracy_by_knowledge` prompts a generator with every fully specified
object and reads each clip back with the checker
(:func:`squbed_utils.world.attribute_accuracy`): the fraction of clips with the
right shape, colour, motion and size, per knowledge level (common, rare, held
out of training).

An embedding space
------------------
Accuracy in S-QUBED is the cosine between the embeddings of a generated and a
ground-truth video, so an embedding space is useful when that cosine is high
for clips of the same object and falls when *any* attribute is wrong. The
functions here render every one of the 240 objects a few times (seeds far from
the training range) and report:

* ``cos_same``: mean cosine between two different clips of the same object;
* ``cos_different``: mean cosine between clips of different objects;
* ``cos_only_<attribute>``: mean cosine when exactly that attribute differs
  (the sensitivity of the accuracy metric to each attribute; it should sit
  clearly below ``cos_same`` for every attribute);
* ``cos_all_differ``: mean cosine when all four attributes differ;
* ``retrieval_<attribute>`` / ``retrieval_all`` (embedders with
  ``combination_embeddings``): the fraction of clips whose nearest caption
  among all 240 objects has the right attribute / the right object.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from . import world
from .seeds import EVALUATION_SEED_START

__all__ = ["accuracy_by_knowledge", "evaluation_clips", "evaluate_video_embedder"]


def evaluation_clips(clips_per_object: int = 10, *, seed: int = 0, frames: int = 8, size: int = 32):
    """Every object rendered ``clips_per_object`` times with fresh seeds.

    Returns
    -------
    objects : DataFrame
        ``240 * clips_per_object`` rows (object-major) with the four attribute columns.
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


def accuracy_by_knowledge(generator, *, clips_per_object: int = 4, seed: int = 0, progress: bool = False,
                          **sampling: Any) -> pd.DataFrame:
    """The checker's accuracy of generated clips, per knowledge level and attribute.

    Every fully specified object (240) is prompted with its canonical caption
    ``clips_per_object`` times (seeds from ``seed``); the clips are scored by
    :func:`squbed_utils.world.attribute_accuracy` against their prompts.

    Parameters
    ----------
    generator : VideoGenerator
        Anything mapping ``(prompts, seeds)`` to uint8 clips.

    Returns
    -------
    DataFrame
        Index ``common``, ``rare``, ``held_out``; columns ``shape``, ``colour``,
        ``motion``, ``size``, ``all`` (fractions) and ``n`` (clips).
    """
    objects = world.training_distribution()
    objects = objects.loc[objects.index.repeat(clips_per_object)].reset_index(drop=True)
    prompts = [world.caption(row) for row in objects[list(world.ATTRIBUTE_NAMES)].to_dict("records")]
    seeds = seed + np.arange(len(prompts))
    clips = generator(prompts, seeds, progress=progress, **sampling)
    scores = world.attribute_accuracy(clips, prompts)
    scores["knowledge"] = objects["knowledge"].to_numpy()
    table = scores.groupby("knowledge").mean().reindex(list(world.KNOWLEDGE_LEVELS))
    table["n"] = scores.groupby("knowledge").size()
    return table

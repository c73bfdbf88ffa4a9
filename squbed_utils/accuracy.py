"""Accuracy of generated videos against a task's ground truth, as plain functions of arrays.

S-QUBED's calibration metric needs one accuracy ``a_i`` per task (PAPER.md,
step 5). The paper's choice is the mean cosine similarity between CLIP
embeddings of the generated videos and of the ground-truth video
(:func:`cosine_accuracy`); it preferred CLIP to SSIM, PSNR and LPIPS on ten
human-rated samples. The toy world also allows *exact* accuracy, because its
attribute checker reads shape, colour, motion and size back from any clip
(:func:`attribute_scores`), so here the metrics can be compared against a
truth the paper did not have (:func:`image_similarity` gives SSIM and PSNR).

Conventions: every score is "higher is better", so a calibrated uncertainty
has Kendall's tau < 0 against any of them.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = ["cosine_accuracy", "attribute_scores", "image_similarity", "score_tasks", "ACCURACY_METRICS"]

#: The per-task accuracy columns of :func:`score_tasks`, with what each measures.
ACCURACY_METRICS: dict[str, str] = {
    "cosine": "mean cosine between generated and ground-truth video embeddings (the paper's accuracy)",
    "exact_match": "fraction of generated clips showing the ground-truth object (all four attributes)",
    "attribute_match": "mean fraction of the four attributes equal to the ground truth's",
    "prompt_consistency": "fraction of generated clips whose attributes the task prompt allows",
    "ssim": "mean structural similarity (SSIM) to the ground-truth clip, frame by frame (on a sample of clips)",
    "psnr": "mean peak signal-to-noise ratio to the ground-truth clip, in dB (on a sample of clips)",
}


def cosine_accuracy(video_embeddings, reference_embeddings) -> np.ndarray:
    """Mean cosine similarity of generated videos to their ground truth.

    Parameters
    ----------
    video_embeddings : array_like, shape (..., K, d)
        Embeddings of the K generated videos of each task (any scale; rows are normalised here).
    reference_embeddings : array_like, shape (..., d)
        Embedding of each task's ground-truth video.

    Returns
    -------
    ndarray, shape (...)
        Mean over K of the cosine similarity, in [-1, 1].

    Raises
    ------
    ValueError
        On mismatched shapes, non-finite values or zero vectors.

    Examples
    --------
    >>> cosine_accuracy([[1.0, 0.0], [0.0, 2.0]], [1.0, 0.0])
    0.5
    """
    videos = np.asarray(video_embeddings, dtype=np.float64)
    reference = np.asarray(reference_embeddings, dtype=np.float64)
    if videos.ndim < 2:
        raise ValueError(f"video_embeddings must have shape (..., K, d), got {videos.shape}")
    if reference.shape != videos.shape[:-2] + videos.shape[-1:]:
        raise ValueError(
            f"reference_embeddings has shape {reference.shape} but video_embeddings {videos.shape} needs "
            f"{videos.shape[:-2] + videos.shape[-1:]}: one d-vector per task, same d"
        )
    for name, array in (("video_embeddings", videos), ("reference_embeddings", reference)):
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{name} contains NaN or infinite values; check the embedder's output")
        if np.any(np.linalg.norm(array, axis=-1) == 0):
            raise ValueError(f"{name} contains a zero vector, which has no direction")
    videos = videos / np.linalg.norm(videos, axis=-1, keepdims=True)
    reference = reference / np.linalg.norm(reference, axis=-1, keepdims=True)
    cosines = np.einsum("...kd,...d->...k", videos, reference)
    mean = cosines.mean(axis=-1)
    return float(mean) if mean.ndim == 0 else mean


def attribute_scores(clips: np.ndarray, truth: Mapping[str, str], prompt: str) -> dict[str, float]:
    """The toy world's exact accuracies of one task's generated clips.

    Parameters
    ----------
    clips : ndarray of uint8, shape (K, T, S, S, 3)
        The task's generated clips.
    truth : mapping
        The ground-truth object: ``shape``, ``colour``, ``motion``, ``size``.
    prompt : str
        The task prompt (a toy-world prompt; may be vague).

    Returns
    -------
    dict
        ``exact_match``, ``attribute_match`` and ``prompt_consistency`` (see
        :data:`ACCURACY_METRICS`), each in [0, 1].
    """
    from .world import ATTRIBUTE_NAMES, Constraint, attributes_allowed, check_attributes

    missing = [name for name in ATTRIBUTE_NAMES if name not in truth]
    if missing:
        raise ValueError(f"truth lacks attributes {missing}; give all of {list(ATTRIBUTE_NAMES)}")
    recovered = check_attributes(np.asarray(clips))  # read once, scored against the truth and the prompt
    matches = attributes_allowed(recovered, Constraint.exactly({name: truth[name] for name in ATTRIBUTE_NAMES}))
    return {
        "exact_match": float(matches["all"].mean()),
        "attribute_match": float(matches[list(ATTRIBUTE_NAMES)].to_numpy().mean()),
        "prompt_consistency": float(attributes_allowed(recovered, prompt)["all"].mean()),
    }


def image_similarity(clips: np.ndarray, reference: np.ndarray) -> dict[str, float]:
    """Mean SSIM and PSNR of generated clips to one ground-truth clip, frame by frame.

    Parameters
    ----------
    clips : ndarray of uint8, shape (K, T, H, W, 3)
    reference : ndarray of uint8, shape (T, H, W, 3)

    Returns
    -------
    dict
        ``ssim`` (in [-1, 1], Gaussian window 11, torchmetrics' defaults) and
        ``psnr`` (dB, data range 255, capped at 100 for identical frames),
        each the mean over clips and frames.
    """
    import torch
    from torchmetrics.functional.image import peak_signal_noise_ratio, structural_similarity_index_measure

    clips, reference = np.asarray(clips), np.asarray(reference)
    if clips.ndim != 5 or clips.shape[1:] != reference.shape:
        raise ValueError(f"clips {clips.shape} must be (K, *reference.shape) with reference {reference.shape} = (T, H, W, 3)")
    generated = torch.from_numpy(clips.astype(np.float32)).flatten(0, 1).permute(0, 3, 1, 2)
    truth = torch.from_numpy(reference.astype(np.float32)).permute(0, 3, 1, 2).repeat(len(clips), 1, 1, 1)
    ssim = structural_similarity_index_measure(generated, truth, data_range=255.0, reduction="none")
    psnr = peak_signal_noise_ratio(generated, truth, data_range=255.0, reduction="none", dim=(1, 2, 3))
    return {"ssim": float(ssim.mean()), "psnr": float(psnr.clamp(max=100.0).mean())}  # identical frames: inf -> 100


def score_tasks(tasks: pd.DataFrame, clips_by_task, reference_clips: np.ndarray, *,
                similarity_clips: int | None = 10, progress: bool = False) -> pd.DataFrame:
    """The clip-level accuracies of :data:`ACCURACY_METRICS` for each task (all but ``cosine``,
    which needs embeddings: :func:`cosine_accuracy`).

    Parameters
    ----------
    tasks : DataFrame
        Task table with ``id`` and ``prompt``; toy tasks (with ``shape``, ``colour``,
        ``motion``, ``size``) also get the attribute scores.
    clips_by_task : iterable of ndarray
        Per task (in table order), its generated clips, uint8 (K, T, H, W, 3) or (n, m, T, H, W, 3).
    reference_clips : ndarray of uint8, shape (N, T, H, W, 3)
        The ground-truth clip of each task.
    similarity_clips : int or None, default 10
        SSIM and PSNR use this many of each task's clips, evenly spaced
        (with clips ordered (refined prompt, video), 10 of n x m = 100 is one
        video per refined prompt); ``None`` uses all. SSIM costs about 10 ms
        per clip on one CPU thread, more than everything else here together.
    progress : bool
        Show a progress bar over tasks.

    Returns
    -------
    DataFrame
        Indexed by ``task_id``: ``ssim``, ``psnr`` and, for toy tasks,
        ``exact_match``, ``attribute_match``, ``prompt_consistency``.
    """
    from tqdm.auto import tqdm

    from .world import ATTRIBUTE_NAMES

    if len(reference_clips) != len(tasks):
        raise ValueError(f"got {len(reference_clips)} ground-truth clips for {len(tasks)} tasks")
    toy = all(name in tasks.columns for name in ATTRIBUTE_NAMES)
    rows = []
    iterator = zip(tasks.to_dict("records"), clips_by_task, reference_clips)
    for task, clips, reference in tqdm(iterator, total=len(tasks), desc="scoring tasks", disable=not progress):
        clips = np.asarray(clips).reshape(-1, *np.shape(reference))
        sample = clips if similarity_clips is None else clips[np.linspace(0, len(clips) - 1, min(similarity_clips, len(clips))).round().astype(int)]
        row = {"task_id": task["id"], **image_similarity(sample, reference)}
        if toy:
            row.update(attribute_scores(clips, {name: task[name] for name in ATTRIBUTE_NAMES}, task["prompt"]))
        rows.append(row)
    if len(rows) != len(tasks):
        raise ValueError(f"clips_by_task gave clips for {len(rows)} of {len(tasks)} tasks")
    table = pd.DataFrame(rows).set_index("task_id")
    return table[[c for c in ACCURACY_METRICS if c in table.columns]]

"""Baselines for the uncertainty of a task: simpler numbers S-QUBED should beat.

Each is a plain function of one task's embeddings (vectorised over leading
batch axes), scored with the same statistics as the decomposition (Kendall tau
against the truths and the accuracy, see notebook 10):

* :func:`mean_pairwise_cosine_distance` of all ``n * m`` videos of a task (no
  latent prompts at all): the spread of what the model drew;
* the same of the ``n`` refined-prompt embeddings: the spread of what the
  prompt could mean, without a vMF fit;
* the prompt's vagueness (the number of attributes it leaves open), a column
  of the toy task table.
"""

from __future__ import annotations

import numpy as np

__all__ = ["mean_pairwise_cosine_distance"]


def mean_pairwise_cosine_distance(x) -> np.ndarray:
    """Mean of ``1 - cos(x_i, x_j)`` over all pairs ``i < j`` of a set of vectors.

    Parameters
    ----------
    x : array_like, shape (..., N, d)
        ``N >= 2`` non-zero vectors per set (normalised here).

    Returns
    -------
    ndarray of float64, shape (...)
        In [0, 2]: 0 when all vectors point the same way, 1 for mutually
        orthogonal ones.

    Raises
    ------
    ValueError
        Fewer than 2 vectors, a zero or non-finite vector.

    Examples
    --------
    >>> float(mean_pairwise_cosine_distance(np.eye(3)))
    1.0
    >>> float(mean_pairwise_cosine_distance([[1.0, 0.0], [2.0, 0.0]]))
    0.0
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim < 2 or x.shape[-2] < 2:
        raise ValueError(f"need at least 2 vectors of shape (..., N, d) per set, got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError("embeddings contain NaN or inf; check the embedder's output")
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    if (norms == 0).any():
        raise ValueError("an embedding is the zero vector, which has no direction; check the embedder's output")
    unit = x / norms
    n = x.shape[-2]
    # sum over i != j of cos = |sum_i u_i|^2 - n, so no (N, N) matrix is needed
    resultant = np.sum(unit, axis=-2)
    mean_cosine = (np.sum(resultant**2, axis=-1) - n) / (n * (n - 1))
    return 1.0 - mean_cosine

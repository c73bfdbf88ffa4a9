"""The S-QUBED decomposition of a video model's predictive uncertainty.

For one task (a prompt ``l``), a latent prompt generator rewrites ``l`` into
``n`` refined prompts ``z_1..z_n``, and the video model generates ``m`` videos
per refined prompt. With every prompt and video embedded on a unit sphere,
S-QUBED (Mei, Shorinwa & Majumdar 2025, arXiv 2510.02571) reports

* aleatoric uncertainty  ``A = h(Z | l)``: the entropy of a von Mises-Fisher
  (vMF) distribution fitted to the ``n`` refined-prompt embeddings -- how many
  different things the prompt could mean;
* epistemic uncertainty  ``E = h(V | Z) = (1/n) sum_j h(V | z_j)``: the mean
  entropy of a vMF fitted to the ``m`` video embeddings of each refined prompt
  -- how much the model still varies once the prompt is made specific;
* total uncertainty      ``T = A + E``, from the chain rule
  ``h(V, Z | l) = h(Z | l) + h(V | Z, l)`` under ``l -> Z -> V``.

All entropies are differential entropies in nats. On spheres of dimension
384-512 they are large and negative (a vMF concentrates on a tiny cap of a huge
sphere); only their order matters for calibration. ``A`` lives in the text
embedding space and ``E`` in the video embedding space, so ``T`` adds entropies
measured in two different spaces, exactly as the paper does.

:func:`direct_total` is a check the paper did not make: the entropy of one vMF
fitted to all ``n * m`` videos of a task pooled, i.e. ``h(V | l)`` estimated
without the latent variable.

Every function takes an ``estimator``, the set-entropy estimator applied to
every group of embeddings (the refined prompts, each refined prompt's videos,
the pooled videos): the paper's vMF plug-in by default, or any other name of
:data:`squbed_utils.entropy.ESTIMATORS`.
"""

from __future__ import annotations

from typing import NamedTuple, Sequence

import numpy as np
import pandas as pd

from . import entropy

__all__ = ["Decomposition", "decompose", "direct_total", "decompose_tasks"]


class Decomposition(NamedTuple):
    """Aleatoric, epistemic and total uncertainty (nats), each of batch shape ``(...)``."""

    aleatoric: np.ndarray
    epistemic: np.ndarray
    total: np.ndarray


def _as_float_array(name: str, x, min_ndim: int, layout: str) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim < min_ndim:
        raise ValueError(
            f"{name} must have shape {layout}, got an array of shape {x.shape}"
        )
    return x


def _check_pair(latent_embeddings, video_embeddings) -> tuple[np.ndarray, np.ndarray]:
    latents = _as_float_array("latent_embeddings", latent_embeddings, 2, "(..., n, d_text)")
    videos = _as_float_array("video_embeddings", video_embeddings, 3, "(..., n, m, d_video)")
    n_latents, n_video_groups, m = latents.shape[-2], videos.shape[-3], videos.shape[-2]
    if n_latents != n_video_groups:
        raise ValueError(
            f"latent_embeddings has n={n_latents} refined prompts but video_embeddings "
            f"has videos for n={n_video_groups}; give one group of m videos per refined prompt"
        )
    if latents.shape[:-2] != videos.shape[:-3]:
        raise ValueError(
            f"batch shapes disagree: latent_embeddings {latents.shape[:-2]} vs "
            f"video_embeddings {videos.shape[:-3]}"
        )
    if n_latents < 2:
        raise ValueError(
            f"need at least n=2 refined prompts per task to fit the aleatoric vMF, got n={n_latents}"
        )
    if m < 2:
        raise ValueError(
            f"need at least m=2 videos per refined prompt to fit the epistemic vMF, got m={m}"
        )
    return latents, videos


def _set_entropy(x, estimator: str, method: str | None, max_kappa: float | None):
    """:func:`squbed_utils.entropy.set_entropy` with those vMF options that were given."""
    options = {name: value for name, value in (("method", method), ("max_kappa", max_kappa))
               if value is not None}
    return entropy.set_entropy(x, estimator, **options)


def decompose(latent_embeddings, video_embeddings, *, method: str | None = None,
              max_kappa: float | None = None, estimator: str = "vmf") -> Decomposition:
    """S-QUBED aleatoric / epistemic / total uncertainty of one task or a batch.

    Parameters
    ----------
    latent_embeddings : array_like, shape (..., n, d_text)
        Embeddings of the ``n`` refined (latent) prompts of each task. Rows need
        not be normalised; the vMF estimators project them onto the unit
        sphere (``"gaussian"`` and ``"knn"`` use them as given).
    video_embeddings : array_like, shape (..., n, m, d_video)
        Embeddings of the ``m`` videos generated from each refined prompt, in the
        same order as ``latent_embeddings``.
    method : {"newton", "banerjee"}, optional
        Concentration estimator of ``estimator="vmf"``, see
        :func:`squbed_utils.vmf.estimate_kappa`; None (default) is
        ``"newton"``. Other estimators take no `method`.
    max_kappa : float, optional
        Cap on the concentration of the vMF estimators (``"vmf"``,
        ``"vmf_banerjee"``, ``"vmf_corrected"``); None (default) is ``1e7``. A
        group of identical embeddings (a point mass, infinite concentration)
        is fitted with ``max_kappa`` and a
        :class:`~squbed_utils.vmf.DegenerateSampleWarning`. ``"gaussian"``
        and ``"knn"`` take no `max_kappa`.
    estimator : str, optional
        Set-entropy estimator applied to the refined prompts (``h(Z|l)``) and
        to each refined prompt's videos (``h(V|z_j)``), a name in
        :data:`squbed_utils.entropy.ESTIMATORS` (default ``"vmf"``, the
        paper's), see :func:`squbed_utils.entropy.set_entropy`.

    Returns
    -------
    Decomposition
        ``aleatoric = h(Z|l)``, ``epistemic = mean_j h(V|z_j)`` and
        ``total = aleatoric + epistemic``, in nats, each of shape ``(...)``.

    Raises
    ------
    ValueError
        If ``n < 2`` or ``m < 2``, the two arrays disagree on ``n`` or on the
        batch shape, an embedding is zero, NaN or infinite, or the estimator
        is unknown or takes no `method` / `max_kappa`.

    Examples
    --------
    >>> import numpy as np
    >>> from squbed_utils import uncertainty, vmf

    One task with ``n = 5`` refined prompts (text dimension 16) and ``m = 4``
    videos per refined prompt (video dimension 32), drawn from vMFs:

    >>> rng = np.random.default_rng(0)
    >>> latents = vmf.sample(np.ones(16), 50.0, 5, rng=rng)
    >>> directions = rng.standard_normal((5, 32))
    >>> videos = np.stack([vmf.sample(u, 200.0, 4, rng=rng) for u in directions])
    >>> videos.shape
    (5, 4, 32)
    >>> parts = uncertainty.decompose(latents, videos)
    >>> bool(np.isclose(parts.total, parts.aleatoric + parts.epistemic))
    True

    Videos that vary less per refined prompt have lower epistemic
    uncertainty; the aleatoric part depends on the prompts only:

    >>> tight = np.stack([vmf.sample(u, 2000.0, 4, rng=rng) for u in directions])
    >>> sharper = uncertainty.decompose(latents, tight)
    >>> bool(sharper.epistemic < parts.epistemic), bool(sharper.aleatoric == parts.aleatoric)
    (True, True)

    Leading axes are batch axes (here three tasks):

    >>> batch = uncertainty.decompose(np.stack([latents] * 3), np.stack([videos, tight, videos]))
    >>> batch.total.shape
    (3,)
    """
    latents, videos = _check_pair(latent_embeddings, video_embeddings)
    aleatoric = _set_entropy(latents, estimator, method, max_kappa)
    per_latent = _set_entropy(videos, estimator, method, max_kappa)
    epistemic = per_latent.mean(axis=-1)
    return Decomposition(aleatoric, epistemic, aleatoric + epistemic)


def direct_total(video_embeddings, *, method: str | None = None, max_kappa: float | None = None,
                 estimator: str = "vmf") -> np.ndarray:
    """Entropy of one vMF (or `estimator`) fitted to all ``n * m`` videos of a task, pooled.

    An estimate of ``h(V | l)`` that ignores the refined prompts: a check on
    the chain-rule total of :func:`decompose`, which the paper does not make.

    Parameters
    ----------
    video_embeddings : array_like, shape (..., n, m, d_video)
    method, max_kappa, estimator
        As in :func:`decompose`; `estimator` is applied to the pooled videos.

    Returns
    -------
    ndarray, shape (...)
        Differential entropy in nats.

    Examples
    --------
    >>> import numpy as np
    >>> from squbed_utils import uncertainty, vmf

    Five groups of four videos around different directions: pooled, they are
    far more spread out than each group is on its own.

    >>> rng = np.random.default_rng(0)
    >>> videos = np.stack([vmf.sample(rng.standard_normal(32), 200.0, 4, rng=rng)
    ...                    for _ in range(5)])
    >>> pooled = uncertainty.direct_total(videos)
    >>> per_group = vmf.sample_entropy(videos)
    >>> per_group.shape, np.shape(pooled)
    ((5,), ())
    >>> bool(pooled > per_group.max())
    True
    >>> bool(np.isclose(pooled, vmf.sample_entropy(videos.reshape(20, 32))))
    True
    """
    videos = _as_float_array("video_embeddings", video_embeddings, 3, "(..., n, m, d_video)")
    pooled = videos.reshape(videos.shape[:-3] + (-1, videos.shape[-1]))
    return _set_entropy(pooled, estimator, method, max_kappa)


def decompose_tasks(latent_embeddings, video_embeddings, task_ids: Sequence | None = None,
                    *, method: str | None = None, max_kappa: float | None = None,
                    estimator: str = "vmf") -> pd.DataFrame:
    """Decompose the uncertainty of many tasks into a table.

    Parameters
    ----------
    latent_embeddings : array_like (N, n, d_text) or sequence of N arrays (n_i, d_text)
    video_embeddings : array_like (N, n, m, d_video) or sequence of N arrays (n_i, m_i, d_video)
        Stacked arrays are decomposed in one vectorised call; sequences allow
        tasks with different ``n`` or ``m`` (for example when a latent prompt
        generator returned fewer refined prompts for one task).
    task_ids : sequence of length N, optional
        Defaults to ``0..N-1``.
    method, max_kappa, estimator
        As in :func:`decompose`.

    Returns
    -------
    pandas.DataFrame
        One row per task, indexed by ``task_id``, with columns ``aleatoric``,
        ``epistemic``, ``total``, ``direct_total`` (nats), ``n`` and ``m``.

    Examples
    --------
    >>> import numpy as np
    >>> from squbed_utils import uncertainty, vmf
    >>> rng = np.random.default_rng(0)
    >>> def task(n, m):
    ...     latents = vmf.sample(np.ones(16), 50.0, n, rng=rng)
    ...     videos = np.stack([vmf.sample(rng.standard_normal(32), 200.0, m, rng=rng)
    ...                        for _ in range(n)])
    ...     return latents, videos

    Two tasks with different ``n`` and ``m``, given as sequences:

    >>> (l1, v1), (l2, v2) = task(5, 4), task(3, 2)
    >>> table = uncertainty.decompose_tasks([l1, l2], [v1, v2], task_ids=["a", "b"])
    >>> list(table.columns)
    ['aleatoric', 'epistemic', 'total', 'direct_total', 'n', 'm']
    >>> table.index.tolist(), table["n"].tolist(), table["m"].tolist()
    (['a', 'b'], [5, 3], [4, 2])
    >>> bool(np.allclose(table.total, table.aleatoric + table.epistemic))
    True

    Stacked arrays give the same rows in one vectorised call:

    >>> l3, v3 = task(5, 4)
    >>> stacked = uncertainty.decompose_tasks(np.stack([l1, l3]), np.stack([v1, v3]))
    >>> stacked.shape
    (2, 6)
    >>> bool(np.isclose(stacked.loc[0, "total"], table.loc["a", "total"]))
    True
    """
    options = dict(method=method, max_kappa=max_kappa, estimator=estimator)
    if isinstance(latent_embeddings, np.ndarray) and isinstance(video_embeddings, np.ndarray):
        if latent_embeddings.ndim != 3 or video_embeddings.ndim != 4:
            raise ValueError(
                "stacked inputs must have exactly one task axis: latent_embeddings (N, n, d_text) "
                f"and video_embeddings (N, n, m, d_video), got shapes {latent_embeddings.shape} "
                f"and {video_embeddings.shape}"
            )
        parts = decompose(latent_embeddings, video_embeddings, **options)
        n, m = video_embeddings.shape[1:3]
        frame = pd.DataFrame(parts._asdict() | {
            "direct_total": direct_total(video_embeddings, **options), "n": n, "m": m})
    else:
        if len(latent_embeddings) != len(video_embeddings):
            raise ValueError(
                f"got {len(latent_embeddings)} tasks of latent embeddings but "
                f"{len(video_embeddings)} tasks of video embeddings"
            )
        rows = []
        for index, (latents, videos) in enumerate(zip(latent_embeddings, video_embeddings)):
            try:
                parts = decompose(latents, videos, **options)
            except ValueError as error:
                raise ValueError(f"task {index}: {error}") from error
            n, m = np.shape(videos)[:2]
            rows.append({name: float(value) for name, value in parts._asdict().items()}
                        | {"direct_total": float(direct_total(videos, **options)), "n": n, "m": m})
        frame = pd.DataFrame.from_records(rows, columns=[*Decomposition._fields, "direct_total", "n", "m"])
    if task_ids is not None:
        task_ids = list(task_ids)
        if len(task_ids) != len(frame):
            raise ValueError(f"got {len(task_ids)} task_ids for {len(frame)} tasks")
        frame.index = task_ids
    frame.index.name = "task_id"
    return frame

r"""Entropy estimators for a set of embeddings, the building block of S-QUBED.

S-QUBED (arXiv 2510.02571) scores a set of ``N`` embeddings (the refined
prompts of a task, or the videos of one refined prompt) by the entropy of a
von Mises-Fisher (vMF) fit. This module gathers that plug-in estimate and a
few alternatives, so that a result can be checked against the choice of
estimator:

=================  ============================================================
``"vmf"``          :func:`vmf_entropy`, the vMF plug-in of the paper (Newton MLE
                   of kappa).
``"vmf_banerjee"`` the same with Banerjee's closed-form kappa.
``"vmf_corrected"`` :func:`corrected_vmf_entropy`, the vMF entropy at a kappa
                   fitted to an unbiased estimate of ``rho^2``, for ``N << d``.
``"gaussian"``     :func:`gaussian_entropy`, a Gaussian with a Ledoit-Wolf
                   shrunk covariance.
``"knn"``          :func:`knn_entropy`, the Kozachenko-Leonenko nearest-neighbour
                   estimator.
=================  ============================================================

:func:`set_entropy` dispatches by name (the names are the keys of
:data:`ESTIMATORS`). Every estimator takes ``x`` of shape ``(..., N, d)``,
leading axes being batch axes, and returns differential entropies in nats of
shape ``(...)``.

The vMF estimators live on the unit sphere :math:`S^{d-1}` and L2-normalise
the rows of ``x``. ``"gaussian"`` and ``"knn"`` are entropies of densities on
:math:`\mathbb{R}^d` and use the rows as given; they are meant for a
low-dimensional linear projection of the embeddings, such as the principal
axes of a whole study's embeddings from :func:`pca_projection` (in the
hundreds of raw dimensions, with ``N`` of order 10, neither has enough points
to say much). Entropies on the sphere and in ``R^d`` have different reference
measures, so compare numbers only within one estimator.

References
----------
.. [1] A. Banerjee, I. S. Dhillon, J. Ghosh, S. Sra, "Clustering on the unit
       hypersphere using von Mises-Fisher distributions", JMLR 6 (2005).
.. [2] O. Ledoit, M. Wolf, "A well-conditioned estimator for large-dimensional
       covariance matrices", J. Multivariate Anal. 88 (2004) 365-411.
.. [3] L. F. Kozachenko, N. N. Leonenko, "Sample estimate of the entropy of a
       random vector", Probl. Peredachi Inf. 23 (1987) 9-16.
.. [4] A. Kraskov, H. Stoegbauer, P. Grassberger, "Estimating mutual
       information", Phys. Rev. E 69 (2004) 066138.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy import spatial, special

from . import vmf

__all__ = [
    "ESTIMATORS",
    "LedoitWolf",
    "PCAProjection",
    "corrected_mean_resultant_length",
    "corrected_vmf_entropy",
    "gaussian_entropy",
    "knn_entropy",
    "ledoit_wolf",
    "pca_projection",
    "set_entropy",
    "vmf_entropy",
]

_LOG_2PI_E = np.log(2.0 * np.pi) + 1.0


# ---------------------------------------------------------------------------
# Input validation.
# ---------------------------------------------------------------------------


def _points(x, min_n=2, min_dim=1):
    """Validate a sample: a finite float64 array of shape (..., N, d), N >= min_n."""
    try:
        x = np.asarray(x, dtype=np.float64)
    except ValueError as err:  # ragged nested lists
        raise ValueError(
            f"x must be a rectangular array of shape (..., N, d), got ragged input ({err})"
        ) from err
    if x.ndim < 2:
        raise ValueError(f"x must have shape (..., N, d), got shape {x.shape}")
    n, d = x.shape[-2:]
    if n < min_n:
        raise ValueError(f"need at least {min_n} points per set to estimate an entropy, got N={n}")
    if d < min_dim:
        raise ValueError(f"points must have dimension d >= {min_dim}, got d={d}")
    if not np.isfinite(x).all():
        n_nan, n_inf = int(np.isnan(x).sum()), int(np.isinf(x).sum())
        raise ValueError(f"x contains {n_nan} NaN and {n_inf} infinite values; points must be finite")
    return x


# ---------------------------------------------------------------------------
# von Mises-Fisher estimators.
# ---------------------------------------------------------------------------


def vmf_entropy(x, method="newton", max_kappa=1e7):
    """Plug-in entropy (nats) of the vMF fitted to each set of embeddings.

    The S-QUBED estimator; a thin wrapper of
    :func:`squbed_utils.vmf.sample_entropy`.

    Parameters
    ----------
    x : array_like, shape (..., N, d)
        Embeddings, ``N >= 2``, ``d >= 2``; rows are L2-normalised.
    method : {"newton", "banerjee"}, optional
        Concentration estimator, see :func:`squbed_utils.vmf.estimate_kappa`.
    max_kappa : float, optional
        Cap for kappa (default ``1e7``).

    Returns
    -------
    ndarray or float, shape (...)
        ``vmf.entropy(kappa_hat, d)``, with kappa fitted to the mean resultant
        length. Biased downwards when ``N << d``, see
        :func:`corrected_vmf_entropy`.

    Examples
    --------
    >>> import numpy as np
    >>> from squbed_utils import entropy, vmf
    >>> x = vmf.sample([0.0, 0.0, 1.0], 10.0, 5000, rng=0)
    >>> bool(abs(entropy.vmf_entropy(x) - vmf.entropy(10.0, 3)) < 0.05)
    True
    """
    return vmf.sample_entropy(x, method=method, max_kappa=max_kappa)


def _vmf_banerjee_entropy(x, max_kappa=1e7):
    """:func:`vmf_entropy` with Banerjee's closed-form kappa (``method="banerjee"``)."""
    return vmf_entropy(x, method="banerjee", max_kappa=max_kappa)


def corrected_mean_resultant_length(x, squared=False):
    r"""Small-sample corrected mean resultant length of embeddings on the sphere.

    Parameters
    ----------
    x : array_like, shape (..., N, d)
        Embeddings, ``N >= 2``, ``d >= 2``; rows are L2-normalised.
    squared : bool, optional
        If True return the unbiased estimate ``rho2_hat`` of ``rho^2`` itself,
        which is negative for some samples near the uniform distribution.

    Returns
    -------
    ndarray or float, shape (...)
        ``rho_hat = sqrt(max(rho2_hat, 0))`` (default) or ``rho2_hat`` with

        .. math:: \hat\rho^2 = \frac{N \bar R^2 - 1}{N - 1}
                 = \frac{1}{N (N - 1)} \sum_{i \ne j} x_i^\top x_j ,

        ``Rbar`` being :func:`squbed_utils.vmf.mean_resultant_length`.

    Notes
    -----
    For independent unit vectors with mean ``E[x] = rho mu`` (for a vMF,
    ``rho = A_d(kappa)``, :func:`squbed_utils.vmf.bessel_ratio`),
    ``E[|sum_i x_i|^2] = N + N (N - 1) rho^2``, so ``rho2_hat`` is unbiased
    for ``rho^2``, whereas ``E[Rbar^2] = rho^2 + (1 - rho^2) / N``: for uniform
    data (``rho = 0``) ``Rbar`` is about ``1 / sqrt(N)``, not 0. ``rho_hat``
    is the square root of an unbiased estimate, not itself unbiased.

    Examples
    --------
    >>> import numpy as np
    >>> from squbed_utils import entropy, vmf

    Ten uniform directions in ``d = 384``: ``Rbar`` is near ``1 / sqrt(10)``
    while ``rho2_hat`` is near 0:

    >>> x = vmf.sample(np.ones(384), 0.0, 10, rng=0)
    >>> round(float(vmf.mean_resultant_length(x)), 2), round(float(1 / np.sqrt(10)), 2)
    (0.31, 0.32)
    >>> bool(abs(entropy.corrected_mean_resultant_length(x, squared=True)) < 0.03)
    True
    """
    x = _points(x, min_n=2, min_dim=2)
    n = x.shape[-2]
    r = vmf.mean_resultant_length(x)
    rho2 = (n * np.square(r) - 1.0) / (n - 1.0)
    return rho2[()] if squared else np.sqrt(np.maximum(rho2, 0.0))[()]


def corrected_vmf_entropy(x, max_kappa=1e7):
    r"""vMF entropy (nats) with a small-sample correction of the concentration.

    Parameters
    ----------
    x : array_like, shape (..., N, d)
        Embeddings, ``N >= 2``, ``d >= 2``; rows are L2-normalised.
    max_kappa : float, optional
        Cap for kappa (default ``1e7``); identical embeddings give
        ``vmf.entropy(max_kappa, d)`` with a
        :class:`~squbed_utils.vmf.DegenerateSampleWarning`.

    Returns
    -------
    ndarray or float, shape (...)
        ``vmf.entropy(kappa, d)`` with ``kappa`` the maximum-likelihood
        (Newton) solution of ``A_d(kappa) = rho_hat``, ``rho_hat`` from
        :func:`corrected_mean_resultant_length`; where ``rho2_hat <= 0`` the
        uniform distribution's entropy ``vmf.log_sphere_area(d)``
        (``kappa = 0``).

    Notes
    -----
    For ``N`` unit vectors with mean ``E[x] = rho mu``, ``rho = A_d(kappa)``,

    .. math:: E\Big[\big|\sum_i x_i\big|^2\Big] = N + N (N - 1) \rho^2 ,

    so ``rho2_hat = (N Rbar^2 - 1) / (N - 1)`` is unbiased for ``rho^2``. The
    plug-in :func:`vmf_entropy` solves ``A_d(kappa) = Rbar`` instead, and
    ``E[Rbar^2] = rho^2 + (1 - rho^2) / N`` is biased upwards -- for
    ``kappa = 0``, ``Rbar^2 ~ 1 / N`` instead of 0 -- so it overestimates
    kappa and underestimates the entropy when ``N << d`` (with ``N = 10`` and
    ``d = 384`` by tens of nats, see ``tests/test_entropy.py``). Fitting kappa
    to ``rho_hat = sqrt(max(rho2_hat, 0))`` removes most of that bias; what is
    left comes from the square root and the non-linear map from ``rho`` to the
    entropy. The correction changes nothing for large ``N``, where
    ``rho2_hat -> Rbar^2``.

    Examples
    --------
    >>> import numpy as np
    >>> from squbed_utils import entropy, vmf

    100 samples of ten draws each in ``d = 384``, at the kappa with
    ``A_d(kappa) = 0.6``: on average the plug-in is 20 nats below the true
    entropy, the corrected estimate within half a nat of it.

    >>> rng = np.random.default_rng(0)
    >>> kappa = float(vmf.estimate_kappa(0.6, 384))
    >>> x = np.stack([vmf.sample(rng.standard_normal(384), kappa, 10, rng=rng) for _ in range(100)])
    >>> x.shape
    (100, 10, 384)
    >>> truth = vmf.entropy(kappa, 384)
    >>> round(float(np.mean(entropy.vmf_entropy(x) - truth)), 1)
    -20.6
    >>> round(float(np.mean(entropy.corrected_vmf_entropy(x) - truth)), 1)
    -0.4

    Uniform data give (about) the uniform entropy:

    >>> u = vmf.sample(np.ones(384), 0.0, 10, rng=0)
    >>> bool(entropy.corrected_vmf_entropy(u) - vmf.log_sphere_area(384) > -3)
    True
    """
    rho2 = np.asarray(corrected_mean_resultant_length(x, squared=True))
    d = np.shape(x)[-1]
    kappa = vmf.estimate_kappa(np.sqrt(np.maximum(rho2, 0.0)), d, method="newton", max_kappa=max_kappa)
    return np.where(rho2 > 0, vmf.entropy(kappa, d), vmf.log_sphere_area(d))[()]


# ---------------------------------------------------------------------------
# Gaussian estimator.
# ---------------------------------------------------------------------------


class LedoitWolf(NamedTuple):
    """Ledoit-Wolf shrunk covariance returned by :func:`ledoit_wolf`.

    Attributes
    ----------
    covariance : ndarray, shape (..., d, d)
        ``(1 - shrinkage) S + shrinkage mu I``.
    shrinkage : ndarray, shape (...)
        Shrinkage intensity in ``[0, 1]``.
    """

    covariance: np.ndarray
    shrinkage: np.ndarray


def _sample_covariance(x):
    centred = x - x.mean(axis=-2, keepdims=True)
    return centred, np.matmul(np.swapaxes(centred, -1, -2), centred) / x.shape[-2]


def ledoit_wolf(x):
    r"""Ledoit-Wolf (2004) optimal shrinkage of the sample covariance towards ``mu I``.

    Parameters
    ----------
    x : array_like, shape (..., N, d)
        Points in ``R^d``, ``N >= 2``.

    Returns
    -------
    LedoitWolf
        ``(covariance (..., d, d), shrinkage (...))``.

    Notes
    -----
    With ``S = (1/N) sum_k y_k y_k^T`` the covariance of the centred points
    ``y_k = x_k - xbar`` and the Frobenius norm scaled by ``1/d``,
    ``||A||^2 = tr(A A^T) / d`` (Ledoit & Wolf 2004, section 2 and lemma 3.2):

    * ``mu = tr(S) / d``, the target being ``mu I``;
    * ``delta^2 = ||S - mu I||^2``;
    * ``beta^2 = min(delta^2, (1/N^2) sum_k ||y_k y_k^T - S||^2)``,
      evaluated as ``(sum_k |y_k|^4 / N - d ||S||^2) / (N d)``;
    * ``shrinkage = beta^2 / delta^2`` (0 where ``delta = 0``, i.e. where
      ``S`` is already ``mu I``).

    This is scikit-learn's ``LedoitWolf`` with ``assume_centered=False``. The
    shrunk covariance is positive definite whenever ``mu > 0`` and
    ``shrinkage > 0``, in particular for ``N <= d``.

    References
    ----------
    O. Ledoit, M. Wolf, J. Multivariate Anal. 88 (2004) 365-411.

    Examples
    --------
    >>> import numpy as np
    >>> from squbed_utils import entropy

    Five points in ``d = 8``: the sample covariance is singular, the shrunk
    one is not.

    >>> x = np.random.default_rng(0).standard_normal((5, 8))
    >>> fitted = entropy.ledoit_wolf(x)
    >>> fitted.covariance.shape, bool(0 < fitted.shrinkage < 1)
    ((8, 8), True)
    >>> bool(np.linalg.eigvalsh(fitted.covariance).min() > 0)
    True
    """
    x = _points(x)
    n, d = x.shape[-2:]
    centred, cov = _sample_covariance(x)
    mu = np.trace(cov, axis1=-2, axis2=-1) / d
    identity = np.eye(d)
    delta2 = np.sum(np.square(cov - mu[..., None, None] * identity), axis=(-2, -1)) / d
    fourth = np.sum(np.square(np.einsum("...ki,...ki->...k", centred, centred)), axis=-1)
    beta2_bar = (fourth / n - np.sum(np.square(cov), axis=(-2, -1))) / (n * d)
    beta2 = np.clip(beta2_bar, 0.0, delta2)
    shrinkage = np.divide(beta2, delta2, out=np.zeros_like(delta2), where=delta2 > 0)
    covariance = (1.0 - shrinkage)[..., None, None] * cov + (shrinkage * mu)[..., None, None] * identity
    return LedoitWolf(covariance, shrinkage[()])


def gaussian_entropy(x, shrinkage="ledoit-wolf"):
    r"""Entropy (nats) of a Gaussian fitted to each set of points in ``R^d``.

    Parameters
    ----------
    x : array_like, shape (..., N, d)
        Points, ``N >= 2``, used as given (no normalisation); meant for
        low-dimensional coordinates such as those of :func:`pca_projection`.
    shrinkage : "ledoit-wolf" or float in [0, 1], optional
        ``"ledoit-wolf"`` (default): the shrunk covariance of
        :func:`ledoit_wolf`, finite also for ``N <= d``. A number: that fixed
        intensity, ``(1 - s) S + s mu I``; 0 is the plain maximum-likelihood
        covariance ``S`` (divisor ``N``), singular for ``N <= d``.

    Returns
    -------
    ndarray or float, shape (...)
        ``h = (d/2) log(2 pi e) + (1/2) log det Sigma``.

    Raises
    ------
    ValueError
        For bad input (see :func:`set_entropy`), an unknown `shrinkage`, or a
        singular covariance (all points of a set identical, or ``N <= d``
        without shrinkage).

    Notes
    -----
    The maximum-likelihood covariance underestimates ``log det Sigma`` by
    about ``d (d + 1) / (2 N)`` for large ``N``; shrinkage trades that for a
    bias towards an isotropic covariance.

    References
    ----------
    O. Ledoit, M. Wolf, J. Multivariate Anal. 88 (2004) 365-411.

    Examples
    --------
    >>> import numpy as np
    >>> from squbed_utils import entropy

    A large standard normal sample in ``d = 3`` has entropy close to
    ``(3/2) log(2 pi e)``:

    >>> x = np.random.default_rng(0).standard_normal((20000, 3))
    >>> round(float(entropy.gaussian_entropy(x)), 2), round(float(1.5 * np.log(2 * np.pi * np.e)), 2)
    (4.26, 4.26)

    Leading axes are batch axes; three points in ``d = 5`` still give a
    finite entropy:

    >>> entropy.gaussian_entropy(np.random.default_rng(1).standard_normal((4, 3, 5))).shape
    (4,)
    """
    x = _points(x)
    d = x.shape[-1]
    if isinstance(shrinkage, str):
        if shrinkage != "ledoit-wolf":
            raise ValueError(f"shrinkage must be 'ledoit-wolf' or a number in [0, 1], got {shrinkage!r}")
        covariance = ledoit_wolf(x).covariance
    else:
        s = float(shrinkage)
        if not 0.0 <= s <= 1.0:
            raise ValueError(f"shrinkage must be 'ledoit-wolf' or a number in [0, 1], got {shrinkage!r}")
        _, cov = _sample_covariance(x)
        mu = np.trace(cov, axis1=-2, axis2=-1) / d
        covariance = (1.0 - s) * cov + (s * mu)[..., None, None] * np.eye(d)
    eigenvalues = np.linalg.eigvalsh(covariance)
    # A singular covariance shows as eigenvalues at rounding level, not 0.
    singular = eigenvalues[..., 0] <= d * np.finfo(np.float64).eps * eigenvalues[..., -1]
    if singular.any():
        raise ValueError(
            f"{int(np.sum(singular))} of {singular.size} sets have a singular covariance "
            "(all points identical, or N <= d without shrinkage); the Gaussian entropy is -inf"
        )
    logdet = np.sum(np.log(eigenvalues), axis=-1)
    return (0.5 * d * _LOG_2PI_E + 0.5 * logdet)[()]


# ---------------------------------------------------------------------------
# Nearest-neighbour estimator.
# ---------------------------------------------------------------------------


def knn_entropy(x, k=1):
    r"""Kozachenko-Leonenko nearest-neighbour entropy estimate (nats) in ``R^d``.

    Parameters
    ----------
    x : array_like, shape (..., N, d)
        Points, ``N >= 2``, used as given (no normalisation); meant for
        low-dimensional coordinates such as those of :func:`pca_projection`.
    k : int, optional
        Neighbour order, ``1 <= k <= N - 1`` (default 1).

    Returns
    -------
    ndarray or float, shape (...)
        .. math:: \hat h = \psi(N) - \psi(k) + \log V_d
                  + \frac{d}{N} \sum_{i=1}^N \log \varepsilon_i ,

        with ``eps_i`` the Euclidean distance from ``x_i`` to its ``k``-th
        nearest neighbour among the other points and
        ``V_d = pi^(d/2) / Gamma(d/2 + 1)`` the volume of the unit ball.

    Raises
    ------
    ValueError
        For bad input (see :func:`set_entropy`), a bad `k`, or duplicate
        points: a point with ``k`` or more exact copies has ``eps_i = 0``,
        which makes the estimate ``-inf``. Such points are not dropped
        silently; remove duplicates, add jitter or raise `k`.

    Notes
    -----
    Asymptotically unbiased for densities with bounded support or light tails;
    the finite-sample bias grows with ``d`` and at a boundary of the support
    (points there have too few neighbours, which inflates ``eps_i``).
    Distances come from :class:`scipy.spatial.cKDTree`, one tree per set.

    References
    ----------
    L. F. Kozachenko, N. N. Leonenko, Probl. Peredachi Inf. 23 (1987) 9-16;
    A. Kraskov, H. Stoegbauer, P. Grassberger, Phys. Rev. E 69 (2004) 066138,
    eq. (20).

    Examples
    --------
    >>> import numpy as np
    >>> from squbed_utils import entropy

    A large uniform sample of the unit square has entropy near ``log 1 = 0``:

    >>> x = np.random.default_rng(0).random((5000, 2))
    >>> bool(abs(entropy.knn_entropy(x)) < 0.05)
    True
    """
    x = _points(x)
    n, d = x.shape[-2:]
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= n - 1:
        raise ValueError(f"k must be an integer with 1 <= k <= N - 1 = {n - 1}, got {k!r}")
    flat = x.reshape((-1, n, d))
    # The nearest of the k + 1 neighbours is the point itself (distance 0).
    eps = np.stack([spatial.cKDTree(points).query(points, k=[k + 1])[0][:, 0] for points in flat])
    duplicates = eps == 0
    if duplicates.any():
        raise ValueError(
            f"x has duplicate points: {int(duplicates.sum())} points have distance 0 to their "
            f"k-th nearest neighbour (k={k}), which makes the Kozachenko-Leonenko estimate -inf; "
            "remove duplicates, add jitter or use a larger k"
        )
    log_unit_ball = 0.5 * d * np.log(np.pi) - special.gammaln(0.5 * d + 1.0)
    h = special.digamma(n) - special.digamma(k) + log_unit_ball + d * np.log(eps).mean(axis=-1)
    return h.reshape(x.shape[:-2])[()]


# ---------------------------------------------------------------------------
# PCA projection.
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PCAProjection:
    """A projection onto principal axes, fitted by :func:`pca_projection`.

    Call it on an array of shape ``(..., N, d)`` to get the coordinates,
    shape ``(..., N, dim)``: ``(x - mean) @ components.T``.

    Attributes
    ----------
    mean : ndarray, shape (d,)
        Mean of the pool.
    components : ndarray, shape (dim, d)
        Orthonormal principal axes, by decreasing variance; the sign of each
        makes its largest-magnitude entry positive.
    explained_variance : ndarray, shape (dim,)
        Variance of the pool along each axis (divisor ``M - 1``).
    """

    mean: np.ndarray
    components: np.ndarray
    explained_variance: np.ndarray

    def __call__(self, x):
        d = self.mean.shape[0]
        x = np.asarray(x, dtype=np.float64)
        if x.ndim < 1 or x.shape[-1] != d:
            raise ValueError(f"x must have shape (..., {d}) to match the fitted pool, got shape {x.shape}")
        return (x - self.mean) @ self.components.T


def pca_projection(pool, dim):
    """Fit a projection onto the top ``dim`` principal axes of a pool of embeddings.

    Parameters
    ----------
    pool : array_like, shape (M, d)
        The embeddings to learn the axes from, e.g. all videos of a study,
        used as given (no normalisation). Must be finite.
    dim : int
        Number of axes, ``1 <= dim <= min(M, d)``.

    Returns
    -------
    PCAProjection
        A callable mapping ``(..., N, d)`` arrays to ``(..., N, dim)``
        coordinates: centred with the pool mean, projected onto the axes
        (right singular vectors of the centred pool, :func:`numpy.linalg.svd`).

    Examples
    --------
    >>> import numpy as np
    >>> from squbed_utils import entropy

    A pool that varies mostly along the first two of six coordinates:

    >>> rng = np.random.default_rng(0)
    >>> pool = rng.standard_normal((500, 6)) * [5.0, 3.0, 0.1, 0.1, 0.1, 0.1]
    >>> project = entropy.pca_projection(pool, 2)
    >>> np.round(np.abs(project.components), 2)
    array([[1., 0., 0., 0., 0., 0.],
           [0., 1., 0., 0., 0., 0.]])
    >>> project(rng.standard_normal((3, 10, 6))).shape
    (3, 10, 2)
    """
    pool = np.asarray(pool, dtype=np.float64)
    if pool.ndim != 2:
        raise ValueError(f"pool must have shape (M, d), got shape {pool.shape}")
    if not np.isfinite(pool).all():
        raise ValueError("pool contains NaN or infinite values; embeddings must be finite")
    m, d = pool.shape
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or not 1 <= dim <= min(m, d):
        raise ValueError(
            f"dim must be an integer with 1 <= dim <= min(M, d) = {min(m, d)} "
            f"for a pool of shape {pool.shape}, got {dim!r}"
        )
    mean = pool.mean(axis=0)
    _, singular_values, vt = np.linalg.svd(pool - mean, full_matrices=False)
    components = vt[:dim]
    signs = np.sign(components[np.arange(dim), np.abs(components).argmax(axis=1)])
    components = components * signs[:, None]
    variance = singular_values[:dim] ** 2 / max(m - 1, 1)
    return PCAProjection(mean, components, variance)


# ---------------------------------------------------------------------------
# Dispatch.
# ---------------------------------------------------------------------------


ESTIMATORS = {
    "vmf": vmf_entropy,
    "vmf_banerjee": _vmf_banerjee_entropy,
    "vmf_corrected": corrected_vmf_entropy,
    "gaussian": gaussian_entropy,
    "knn": knn_entropy,
}
"""Set-entropy estimators by name; each maps ``x (..., N, d)`` to nats ``(...)``."""


def set_entropy(x, estimator="vmf", **options):
    """Entropy (nats) of each set of embeddings by a named estimator.

    Parameters
    ----------
    x : array_like, shape (..., N, d)
        ``N >= 2`` points per set. The vMF estimators L2-normalise the rows
        (and reject zero rows); ``"gaussian"`` and ``"knn"`` use them as given.
    estimator : str, optional
        A key of :data:`ESTIMATORS`: ``"vmf"`` (default, :func:`vmf_entropy`),
        ``"vmf_banerjee"``, ``"vmf_corrected"``
        (:func:`corrected_vmf_entropy`), ``"gaussian"``
        (:func:`gaussian_entropy`) or ``"knn"`` (:func:`knn_entropy`).
    **options
        Keyword arguments of that estimator: ``method`` and ``max_kappa`` for
        ``"vmf"``; ``max_kappa`` for ``"vmf_banerjee"`` and
        ``"vmf_corrected"``; ``shrinkage`` for ``"gaussian"``; ``k`` for
        ``"knn"``.

    Returns
    -------
    ndarray or float, shape (...)

    Raises
    ------
    ValueError
        For an unknown estimator or option, fewer than 2 points per set, an
        array with fewer than 2 axes, NaN or infinite values, zero rows (vMF
        estimators) or duplicate points (``"knn"``).

    Examples
    --------
    >>> import numpy as np
    >>> from squbed_utils import entropy, vmf
    >>> x = vmf.sample(np.ones(16), 50.0, 20, rng=0)
    >>> bool(entropy.set_entropy(x) == entropy.vmf_entropy(x))
    True
    >>> bool(entropy.set_entropy(x, "vmf", method="banerjee") == entropy.set_entropy(x, "vmf_banerjee"))
    True
    >>> entropy.set_entropy(x, "entropy")
    Traceback (most recent call last):
    ...
    ValueError: unknown estimator 'entropy'; valid estimators are vmf, vmf_banerjee, vmf_corrected, gaussian, knn
    """
    try:
        function = ESTIMATORS[estimator]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown estimator {estimator!r}; valid estimators are {', '.join(ESTIMATORS)}"
        ) from None
    accepted = list(inspect.signature(function).parameters)[1:]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise ValueError(
            f"estimator {estimator!r} takes no option {', '.join(map(repr, unknown))}; "
            f"its options are: {', '.join(accepted) or 'none'}"
        )
    return function(x, **options)

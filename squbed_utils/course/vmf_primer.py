"""Exercises of notebook ``07_vmf_primer`` (von Mises-Fisher distributions on high-dimensional spheres).

* :func:`check_entropy_change_when_kappa_doubles`: predict, then compute, h(2 kappa) - h(kappa) at a given d (nats).
* :func:`check_uniform_kappa_estimate`: the kappa that the package's estimator returns for n uniform directions in d.
* (open) what ranking tasks by entropy does and does not fix of the estimator's bias: a model answer in the notebook.
"""

from __future__ import annotations

import math

import numpy as np

from .. import vmf
from . import Feedback, correct, entropy_from_pieces, hint, is_close, missing

__all__ = ["check_entropy_change_when_kappa_doubles", "check_uniform_kappa_estimate", "entropy_from_pieces",
           "uniform_kappa_estimates"]

#: Relative tolerance of :func:`check_entropy_change_when_kappa_doubles` (a computed, not a predicted, change).
RELATIVE_TOLERANCE = 1e-6
#: Seeded repeats behind :func:`check_uniform_kappa_estimate`, and the margin added around their range.
UNIFORM_REPEATS = 1000
UNIFORM_MARGIN = 0.05


def check_entropy_change_when_kappa_doubles(answer, kappa: float, dim: int) -> Feedback:
    """Is ``answer`` the change of the vMF entropy, ``h(2 kappa) - h(kappa)``, on ``S^(dim-1)``?

    Parameters
    ----------
    answer : float
        The change in nats (negative: entropy falls as kappa rises).
    kappa : float
        The concentration before doubling, ``kappa > 0``.
    dim : int
        The ambient dimension ``d >= 2``.

    Compared with :func:`entropy_from_pieces` within a relative tolerance of :data:`RELATIVE_TOLERANCE`.
    The large-kappa rule ``-(d - 1)/2 log 2`` (a Gaussian of variance ``1/kappa`` in each of the ``d - 1``
    directions of the sphere) is the prediction, not the answer: it gets a hint saying how far off it is.
    """
    if (feedback := missing(answer)) is not None:
        return feedback
    if not kappa > 0:
        raise ValueError(f"kappa must be positive, got {kappa!r}")
    expected = float(entropy_from_pieces(2.0 * kappa, dim) - entropy_from_pieces(kappa, dim))
    rule = -(dim - 1) / 2 * math.log(2.0)
    if is_close(answer, expected, rel=RELATIVE_TOLERANCE):
        share = expected / rule
        return correct(
            f"Doubling kappa from {kappa:g} changes h by {expected:.1f} nats at d = {dim}. The large-kappa rule, "
            f"-(d-1)/2 log 2 = {rule:.1f}, counts each of the d - 1 directions of the sphere narrowing by a factor "
            f"sqrt(2); the exact change is {share:.0%} of it, {'close to it because kappa is large against d' if share > 0.95 else 'less, because at this kappa the vMF is not yet a thin Gaussian cap'}.")
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return hint("the answer is one number of nats: h(2 kappa) - h(kappa).")
    if not math.isfinite(value):
        return hint("the change is finite; compute both entropies with `vmf.entropy` (never through `special.iv`).")
    if value > 0:
        return hint("entropy falls as kappa rises: a more concentrated vMF covers less of the sphere, so the "
                    "change is negative.")
    if is_close(value, rule, rel=1e-3):
        return hint("that is the large-kappa prediction; now compute the exact change with `vmf.entropy` "
                    "at this kappa and d, and compare.")
    if is_close(value, float(entropy_from_pieces(2.0 * kappa, dim)), rel=1e-6) or \
            is_close(value, float(entropy_from_pieces(kappa, dim)), rel=1e-6):
        return hint("that is one entropy; the answer is the difference h(2 kappa) - h(kappa).")
    return hint("compute `vmf.entropy(2 * kappa, d) - vmf.entropy(kappa, d)` with this exercise's kappa and d.")


def uniform_kappa_estimates(dim: int, n: int, repeats: int = UNIFORM_REPEATS, seed: int = 0) -> np.ndarray:
    """Maximum-likelihood kappa of ``repeats`` seeded samples of ``n`` uniform directions in ``dim`` dimensions."""
    rng = np.random.default_rng(seed)
    estimates = []
    for start in range(0, repeats, 200):
        points = rng.standard_normal((min(200, repeats - start), n, dim))
        estimates.append(vmf.estimate_kappa(vmf.mean_resultant_length(points), dim))
    return np.concatenate(estimates)


def check_uniform_kappa_estimate(answer, dim: int = 512, n: int = 10) -> Feedback:
    """Is ``answer`` a concentration the package's estimator returns for ``n`` uniform directions in ``dim``?

    Parameters
    ----------
    answer : float
        The fitted kappa of one sample of ``n`` points drawn uniformly on ``S^(dim-1)`` (any seed).
    dim, n : int
        The dimension and the sample size of the exercise (default 512 and 10, S-QUBED's).

    The true concentration is 0, but the estimate is not: it has a distribution. The answer is
    compared with :data:`UNIFORM_REPEATS` seeded estimates of the same kind (independent draws,
    :func:`uniform_kappa_estimates`); it is correct if it lies within their range widened by
    :data:`UNIFORM_MARGIN` on each side.
    """
    if (feedback := missing(answer)) is not None:
        return feedback
    estimates = uniform_kappa_estimates(dim, n)
    low, high = estimates.min() * (1 - UNIFORM_MARGIN), estimates.max() * (1 + UNIFORM_MARGIN)
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return hint("the answer is one number: the `kappa` of `vmf.fit(points)`.")
    if math.isfinite(value) and low <= value <= high:
        return correct(
            f"{n} uniform directions in {dim} dimensions give kappa of about {np.median(estimates):.0f} (median of "
            f"{len(estimates)} seeded samples), although the truth is 0: {n} random directions do not cancel, their "
            f"mean resultant length is about 1/sqrt({n}), and the estimator reads that as concentration.")
    if is_close(value, 0.0, abs=1e-9):
        return hint("0 is the true concentration of uniform data; the exercise asks what the estimator returns. "
                    "Draw the points, fit them with `vmf.fit`, and report its `kappa`.")
    if math.isfinite(value) and 0 < value < 1:
        return hint("that looks like a mean resultant length r, not a concentration; turn it into kappa "
                    "(`vmf.fit(points).kappa`).")
    return hint(f"draw {n} points uniformly on the sphere in {dim} dimensions (normalised standard normal "
                "vectors, or `vmf.sample` with kappa 0) and fit one vMF to them with `vmf.fit`.")

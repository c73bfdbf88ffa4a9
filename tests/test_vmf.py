"""Tests for squbed_utils.vmf: accuracy against mpmath, closed forms, sampling,
estimation, property tests and input validation."""

import functools
import itertools
import warnings

import mpmath as mp
import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from squbed_utils import vmf
from squbed_utils._bessel import DEBYE_MIN_R, DEBYE_RADII

DIMS = [2, 3, 5, 10, 64, 128, 384, 512, 1024, 4096, 8192]
KAPPAS = [1e-8, 1e-4, 0.1, 1.0, 10.0, 100.0, 1e3, 1e4, 1e5, 1e6, 1e7]
# Points next to the switchovers between evaluation regimes: x = 1 (power
# series / ive), sqrt(nu^2 + x^2) = DEBYE_MIN_R (ive / Debye), x = nu
# (continued fraction / Debye) and the radii where the Debye term count drops.
_R0 = float(DEBYE_MIN_R)
SWITCHOVER_POINTS = (
    [(d, k) for d in (2, 3, 10, 40) for k in (1.0 - 1e-12, 1.0 + 1e-12)]
    + [(d, k) for d in (2, 5, 30) for k in (np.sqrt(_R0**2 - (d / 2 - 1) ** 2) * f for f in (1 - 1e-12, 1 + 1e-12))]
    + [(d, k) for d in (76, 200, 1000) for k in ((d / 2 - 1) * (1 - 1e-12), (d / 2 - 1) * (1 + 1e-12))]
    + [(3, float(r) * f) for r in DEBYE_RADII[2:] for f in (1 - 1e-12, 1 + 1e-12)]
)
GRID = list(itertools.product(DIMS, KAPPAS)) + SWITCHOVER_POINTS

mp.mp.dps = 40
EPS = np.finfo(np.float64).eps


# ---------------------------------------------------------------------------
# mpmath references
# ---------------------------------------------------------------------------


def _mp_log_iv_integral(nu, x):
    """log I_nu(x) from the Poisson integral (DLMF 10.32.2), nu > 1/2.

    I_nu(x) = (x/2)^nu / (sqrt(pi) Gamma(nu + 1/2)) int_{-1}^{1}
    (1 - t^2)^(nu - 1/2) e^(x t) dt; the integrand is positive and peaked,
    so it is integrated with its maximum factored out and breakpoints around
    the peak. Used where mpmath's hypergeometric series is too slow.
    """
    nu, x = mp.mpf(nu), mp.mpf(x)
    a = nu - mp.mpf(1) / 2
    peak = (-a + mp.sqrt(a * a + x * x)) / x

    def log_f(t):
        return a * mp.log1p(-t * t) + x * t

    width = 1 / mp.sqrt(2 * a * (1 + peak**2) / (1 - peak**2) ** 2)
    inner = [peak + c * width for c in (-40, -10, -3, 0, 3, 10, 40)]
    points = [mp.mpf(-1)] + [t for t in inner if -1 < t < 1] + [mp.mpf(1)]
    top = log_f(peak)
    integral = mp.quad(lambda t: mp.exp(log_f(t) - top), points)
    return nu * mp.log(x / 2) - mp.loggamma(nu + mp.mpf(1) / 2) - mp.log(mp.pi) / 2 + top + mp.log(integral)


@functools.lru_cache(maxsize=None)
def mp_log_iv(nu, x):
    try:
        return mp.log(mp.besseli(mp.mpf(nu), mp.mpf(x), maxterms=3000))
    except mp.libmp.NoConvergence:
        return _mp_log_iv_integral(nu, x)


@functools.lru_cache(maxsize=None)
def mp_reference(d, k):
    """(log I_nu, log C_d, A_d, 1 - A_d, entropy) at 40 digits, nu = d/2 - 1."""
    nu = d / 2 - 1
    log_i0, log_i1 = mp_log_iv(nu, k), mp_log_iv(nu + 1, k)
    log_c = nu * mp.log(k) - mp.mpf(d) / 2 * mp.log(2 * mp.pi) - log_i0
    ratio = mp.exp(log_i1 - log_i0)
    # 40 digits absorb the cancellation between -log C and k A_d at k = 1e7.
    return log_i0, log_c, ratio, -mp.expm1(log_i1 - log_i0), -log_c - k * ratio


def rel_err(value, ref):
    return float(abs((mp.mpf(float(value)) - ref) / ref))


# ---------------------------------------------------------------------------
# Accuracy against mpmath
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("d, k", GRID)
def test_against_mpmath(d, k):
    log_i, log_c, ratio, comp, ent = mp_reference(d, k)
    nu = d / 2 - 1
    # log I_nu crosses 0 for some (nu, x); measure error against |log I| + 1.
    assert abs(float(vmf.log_bessel_iv(nu, k)) - float(log_i)) <= 1e-13 * (1 + abs(float(log_i)))
    assert rel_err(vmf.log_normalizer(k, d), log_c) <= 1e-9
    assert rel_err(vmf.bessel_ratio(k, d), ratio) <= 1e-12
    assert rel_err(vmf.bessel_ratio(k, d, complement=True), comp) <= 1e-12
    assert rel_err(vmf.entropy(k, d), ent) <= 1e-8


def test_accuracy_is_far_inside_targets():
    """Worst relative errors over the grid are ~1e-13, far below the targets."""
    worst_c = max(rel_err(vmf.log_normalizer(k, d), mp_reference(d, k)[1]) for d, k in GRID)
    worst_h = max(rel_err(vmf.entropy(k, d), mp_reference(d, k)[4]) for d, k in GRID)
    assert worst_c < 1e-12
    assert worst_h < 1e-11


def test_vectorised_grid_matches_scalar_calls():
    d, k = np.meshgrid(DIMS, KAPPAS, indexing="ij")
    for func in (vmf.log_normalizer, vmf.entropy, vmf.bessel_ratio):
        batch = func(k, d)
        assert batch.shape == d.shape
        loop = np.array([[func(kk, dd) for kk, dd in zip(kr, dr)] for kr, dr in zip(k, d)])
        np.testing.assert_array_equal(batch, loop)


def test_finite_over_the_whole_range():
    rng = np.random.default_rng(0)
    k = np.exp(rng.uniform(np.log(1e-8), np.log(1e7), 20000))
    d = rng.integers(2, 8193, k.size)
    for values in (vmf.log_normalizer(k, d), vmf.entropy(k, d), vmf.bessel_ratio(k, d)):
        assert np.isfinite(values).all()
    a = vmf.bessel_ratio(k, d)
    assert ((a > 0) & (a < 1)).all()
    np.testing.assert_allclose(vmf.bessel_ratio(k, d, complement=True), 1 - a, rtol=0, atol=1e-15)


# ---------------------------------------------------------------------------
# Closed forms and scipy where scipy is right
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("k", [1e-6, 1e-3, 0.5, 3.0, 40.0, 800.0, 1e5])
def test_closed_form_d3(k):
    # log C_3 = log k - log(4 pi sinh k), written stably for large k.
    expected = np.log(k) - np.log(2 * np.pi) - k - np.log(-np.expm1(-2 * k))
    np.testing.assert_allclose(vmf.log_normalizer(k, 3), expected, rtol=1e-13)
    # A_3 = coth k - 1/k (in mpmath: it cancels at small k).
    np.testing.assert_allclose(vmf.bessel_ratio(k, 3), float(mp.coth(k) - 1 / mp.mpf(k)), rtol=1e-14)


@pytest.mark.parametrize("k", [1e-6, 0.01, 1.0, 7.5, 60.0, 2e3])
def test_d2_is_the_von_mises_distribution(k):
    # On the circle f(theta) = exp(k cos theta) / (2 pi I_0(k)).
    np.testing.assert_allclose(vmf.log_normalizer(k, 2), -np.log(2 * np.pi * special.i0e(k)) - k, rtol=1e-14)
    np.testing.assert_allclose(vmf.bessel_ratio(k, 2), special.i1e(k) / special.i0e(k), rtol=1e-13)
    np.testing.assert_allclose(vmf.entropy(k, 2), scipy.stats.vonmises(k).entropy(), rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("d", [3, 10])
@pytest.mark.parametrize("k", [1e-3, 0.5, 5.0, 50.0, 500.0])
def test_entropy_matches_scipy_at_low_dimension(d, k):
    mu = np.zeros(d)
    mu[0] = 1.0
    np.testing.assert_allclose(vmf.entropy(k, d), scipy.stats.vonmises_fisher(mu, k).entropy(), rtol=1e-10)


@pytest.mark.parametrize("d", [2, 3, 7, 512, 8192])
def test_uniform_limit(d):
    area = vmf.log_sphere_area(d)
    np.testing.assert_allclose(area, np.log(2) + d / 2 * np.log(np.pi) - special.gammaln(d / 2), rtol=1e-15)
    np.testing.assert_allclose(vmf.entropy(0.0, d), area, rtol=1e-14)
    np.testing.assert_allclose(vmf.log_normalizer(0.0, d), -area, rtol=1e-14)
    assert vmf.bessel_ratio(0.0, d) == 0.0


def test_special_values():
    assert vmf.log_bessel_iv(0.0, 0.0) == 0.0
    assert vmf.log_bessel_iv(2.5, 0.0) == -np.inf
    assert vmf.log_bessel_iv(2.5, np.inf) == np.inf
    assert vmf.entropy(np.inf, 10) == -np.inf
    assert vmf.log_normalizer(np.inf, 10) == -np.inf
    assert vmf.bessel_ratio(np.inf, 10) == 1.0
    assert vmf.bessel_ratio(np.inf, 10, complement=True) == 0.0
    assert np.isclose(vmf.log_sphere_area(3), np.log(4 * np.pi))


def test_paper_scale_entropies_are_negative():
    # d = 384-512 with kappa ~ 100-1000: entropies of -600 to -1100 nats.
    h = vmf.entropy([100.0, 1000.0, 100.0, 1000.0], [384, 384, 512, 512])
    np.testing.assert_allclose(h, [-607.119154, -815.670774, -877.219742, -1104.240120], rtol=1e-8)


# ---------------------------------------------------------------------------
# Sampling
# ---------------------------------------------------------------------------


def test_monte_carlo_entropy_d3():
    k, mu = 4.0, np.array([0.0, 0.6, 0.8])
    x = vmf.sample(mu, k, 100_000, rng=1)
    neg_log_f = -(vmf.log_normalizer(k, 3) + k * (x @ mu))
    se = neg_log_f.std() / np.sqrt(x.shape[0])
    assert abs(neg_log_f.mean() - vmf.entropy(k, 3)) < 4 * se


@pytest.mark.parametrize(
    "d, k, n",
    [(2, 0.5, 20000), (3, 5.0, 20000), (10, 50.0, 20000), (384, 300.0, 4000), (512, 1e5, 2000), (3, 1e7, 2000)],
)
def test_sample_mean_cosine_matches_bessel_ratio(d, k, n):
    rng = np.random.default_rng(d)
    mu = rng.standard_normal(d)
    x = vmf.sample(mu, k, n, rng=rng)
    assert x.shape == (n, d)
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-14)
    cos = x @ (mu / np.linalg.norm(mu))
    # 1 - cos keeps the precision that cos itself loses at large kappa.
    gap = 1.0 - cos
    expected = vmf.bessel_ratio(k, d, complement=True)
    assert abs(gap.mean() - expected) < 4 * gap.std() / np.sqrt(n)


def test_sample_mean_resultant_length_matches_bessel_ratio():
    d, k, n = 5, 8.0, 50_000
    mu = np.ones(d) / np.sqrt(d)
    x = vmf.sample(mu, k, n, rng=3)
    se = (x @ mu).std() / np.sqrt(n)
    # The tangent noise biases r upwards by only ~(1 - A^2) / (2 n A).
    assert abs(vmf.mean_resultant_length(x) - vmf.bessel_ratio(k, d)) < 4 * se


@pytest.mark.parametrize("d", [2, 3, 50])
def test_kappa_zero_samples_uniformly(d):
    x = vmf.sample(np.eye(d)[0], 0.0, 40_000, rng=7)
    # Each coordinate has mean 0 and variance 1/d under the uniform law.
    np.testing.assert_allclose(x.mean(axis=0), 0.0, atol=5 / np.sqrt(d * 40_000))
    np.testing.assert_allclose((x**2).mean(axis=0), 1.0 / d, rtol=0.05)


def test_sample_is_reproducible_and_accepts_generators():
    a = vmf.sample([1.0, 2.0, 3.0], 10.0, 5, rng=42)
    b = vmf.sample([1.0, 2.0, 3.0], 10.0, 5, rng=np.random.default_rng(42))
    np.testing.assert_array_equal(a, b)
    assert vmf.sample([1.0, 0.0], 1.0, 0).shape == (0, 2)


@pytest.mark.parametrize(
    "mu, k, size, match",
    [
        ([1.0], 1.0, 3, "shape"),
        ([0.0, 0.0], 1.0, 3, "non-zero"),
        ([np.nan, 1.0], 1.0, 3, "finite"),
        ([1.0, 0.0], -1.0, 3, "kappa"),
        ([1.0, 0.0], np.inf, 3, "kappa"),
        ([1.0, 0.0], 1.0, -1, "size"),
    ],
)
def test_sample_rejects_bad_input(mu, k, size, match):
    with pytest.raises(ValueError, match=match):
        vmf.sample(mu, k, size)


# ---------------------------------------------------------------------------
# Estimation
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("d", DIMS)
def test_newton_inverts_bessel_ratio(d):
    k = np.exp(np.linspace(np.log(1e-8), np.log(1e7), 60))
    r = vmf.bessel_ratio(k, d)
    est = vmf.estimate_kappa(r, d, max_kappa=1e8)
    # Rounding r to float64 moves the root by r/(k A_d'(k)) * eps relative.
    a, b = r, vmf.bessel_ratio(k, d, complement=True)
    slope = b * (1 + a) - (d - 1) * a / k
    condition = a / (k * slope)
    np.testing.assert_array_less(np.abs(est / k - 1), 1e-12 + 8 * EPS * condition)
    assert np.abs(est / k - 1)[k <= 1e6].max() <= 1e-9


@pytest.mark.parametrize("d", DIMS)
def test_banerjee_is_close(d):
    k = np.exp(np.linspace(np.log(1e-4), np.log(1e6), 40))
    est = vmf.estimate_kappa(vmf.bessel_ratio(k, d), d, method="banerjee")
    # Banerjee's approximation overestimates, by at most ~0.172/d (measured:
    # 6.5% at d = 2, 2.1e-5 at d = 8192).
    assert (est >= k * (1 - 1e-12)).all()
    assert (est / k - 1).max() < 0.18 / d


def test_estimate_kappa_edge_values():
    assert vmf.estimate_kappa(0.0, 512) == 0.0
    assert vmf.estimate_kappa(0.0, 512, method="banerjee") == 0.0
    # Tiny rounding outside [0, 1] is tolerated.
    assert vmf.estimate_kappa(-1e-15, 3) == 0.0
    with pytest.warns(vmf.DegenerateSampleWarning):
        assert vmf.estimate_kappa(1 + 1e-15, 3) == 1e7


@pytest.mark.parametrize("d, k, n", [(3, 20.0, 20000), (10, 50.0, 20000), (384, 500.0, 4000)])
def test_fit_recovers_kappa_from_samples(d, k, n):
    rng = np.random.default_rng(11)
    mu = rng.standard_normal(d)
    mu /= np.linalg.norm(mu)
    x = vmf.sample(mu, k, n, rng=rng) * rng.uniform(0.5, 3.0, (n, 1))  # scale must not matter
    fitted = vmf.fit(x)
    assert fitted.mean_direction.shape == (d,)
    assert fitted.mean_direction @ mu > 0.99
    np.testing.assert_allclose(fitted.kappa, k, rtol=0.03)
    np.testing.assert_allclose(fitted.mean_resultant_length, vmf.bessel_ratio(k, d), rtol=0.01)
    np.testing.assert_allclose(
        vmf.fit(x, method="banerjee").kappa, fitted.kappa, rtol=0.18 / d
    )


def test_sample_entropy_is_entropy_of_fit():
    x = vmf.sample(np.ones(64), 200.0, 30, rng=5)
    np.testing.assert_allclose(vmf.sample_entropy(x), vmf.entropy(vmf.fit(x).kappa, 64), rtol=1e-15)


def test_sample_entropy_paper_shapes():
    rng = np.random.default_rng(0)
    text = rng.standard_normal((20, 10, 384))
    video = rng.standard_normal((20, 10, 10, 512))
    h_text, h_video = vmf.sample_entropy(text), vmf.sample_entropy(video)
    assert h_text.shape == (20,) and h_video.shape == (20, 10)
    # n << d biases kappa upwards even for uniform data (kappa of order 100s).
    assert np.isfinite(h_text).all() and (h_text < 0).all()
    assert np.isfinite(h_video).all() and (h_video < 0).all()


# ---------------------------------------------------------------------------
# Vectorisation
# ---------------------------------------------------------------------------


def test_batched_fits_match_a_loop():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 4, 6, 16)) + 0.5
    h = vmf.sample_entropy(x)
    fitted = vmf.fit(x)
    r = vmf.mean_resultant_length(x)
    assert h.shape == r.shape == fitted.kappa.shape == (3, 4)
    assert fitted.mean_direction.shape == (3, 4, 16)
    for i, j in itertools.product(range(3), range(4)):
        single = vmf.fit(x[i, j])
        np.testing.assert_allclose(h[i, j], vmf.sample_entropy(x[i, j]), rtol=1e-14)
        np.testing.assert_allclose(r[i, j], vmf.mean_resultant_length(x[i, j]), rtol=1e-14)
        np.testing.assert_allclose(fitted.kappa[i, j], single.kappa, rtol=1e-14)
        np.testing.assert_allclose(fitted.mean_direction[i, j], single.mean_direction, rtol=1e-13)


def test_broadcasting_kappa_against_dim():
    k = np.array([[0.1], [10.0], [1e4]])
    d = np.array([3, 128, 512])
    out = vmf.entropy(k, d)
    assert out.shape == (3, 3)
    np.testing.assert_array_equal(out[1, 2], vmf.entropy(10.0, 512))
    assert np.ndim(vmf.entropy(1.0, 3)) == 0


def test_estimate_kappa_vectorised():
    r = np.array([[0.0, 0.3], [0.9, 0.999]])
    est = vmf.estimate_kappa(r, 10)
    assert est.shape == (2, 2)
    for idx in np.ndindex(r.shape):
        assert est[idx] == vmf.estimate_kappa(r[idx], 10)


# ---------------------------------------------------------------------------
# Property tests
# ---------------------------------------------------------------------------

dims = st.integers(min_value=2, max_value=8192)
log_kappas = st.floats(min_value=np.log(1e-8), max_value=np.log(1e7))


@settings(max_examples=300, deadline=None)
@given(d=dims, t1=log_kappas, t2=log_kappas)
def test_entropy_is_monotone_decreasing(d, t1, t2):
    k1, k2 = sorted((np.exp(t1), np.exp(t2)))
    h1, h2 = vmf.entropy([k1, k2], d)
    assert h2 <= h1 + 4 * EPS * max(1.0, abs(h1))


@settings(max_examples=200, deadline=None)
@given(d=dims, t=log_kappas)
def test_entropy_bounded_by_sphere_area_and_finite(d, t):
    k = np.exp(t)
    h = vmf.entropy(k, d)
    area = vmf.log_sphere_area(d)
    assert np.isfinite(h) and np.isfinite(vmf.log_normalizer(k, d))
    assert h <= area + 4 * EPS * abs(area)
    assert 0.0 < vmf.bessel_ratio(k, d) < 1.0


@settings(max_examples=100, deadline=None)
@given(d=dims, k=st.floats(min_value=0.0, max_value=1e-8))
def test_small_kappa_limit_is_sphere_area(d, k):
    area = vmf.log_sphere_area(d)
    # h(k) = log|S| - O(k^2 / d), far below rounding for k <= 1e-8.
    assert abs(vmf.entropy(k, d) - area) <= 1e-13 * max(1.0, abs(area))


@settings(max_examples=200, deadline=None)
@given(d=dims, t=st.floats(min_value=np.log(1e-6), max_value=np.log(1e6)))
def test_newton_round_trip(d, t):
    k = np.exp(t)
    assert abs(vmf.estimate_kappa(vmf.bessel_ratio(k, d), d) / k - 1) <= 1e-9


# ---------------------------------------------------------------------------
# Degenerate and bad input
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("d", [3, 384, 512])
def test_identical_embeddings_warn_and_cap(d):
    x = np.tile(np.linspace(1.0, 2.0, d), (2, 10, 1))
    with pytest.warns(vmf.DegenerateSampleWarning, match=r"2 of 2 .* capped .* point mass"):
        h = vmf.sample_entropy(x)
    np.testing.assert_array_equal(h, vmf.entropy(1e7, d))
    with pytest.warns(vmf.DegenerateSampleWarning):
        h_small_cap = vmf.sample_entropy(x[0], max_kappa=1e4)
    assert h_small_cap == vmf.entropy(1e4, d)


def test_degenerate_warning_points_at_the_caller():
    with pytest.warns(vmf.DegenerateSampleWarning) as record:
        vmf.sample_entropy(np.ones((3, 8)))
    assert record[0].filename == __file__


def test_estimates_above_max_kappa_are_capped():
    r = vmf.bessel_ratio(5e5, 10)
    with pytest.warns(vmf.DegenerateSampleWarning, match="1 of 1"):
        assert vmf.estimate_kappa(r, 10, max_kappa=1e5) == 1e5
    with pytest.warns(vmf.DegenerateSampleWarning):
        assert vmf.estimate_kappa(r, 10, method="banerjee", max_kappa=1e5) == 1e5
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(vmf.estimate_kappa(r, 10), 5e5, rtol=1e-9)


@pytest.mark.parametrize("d", [2, 3, 512, 8192])
def test_newton_converges_up_to_the_largest_max_kappa(d):
    k = np.array([1e9, 1e11, 9e11])
    est = vmf.estimate_kappa(vmf.bessel_ratio(k, d), d, max_kappa=1e12)
    # r = 1 - O(d / k) is resolved to ~1e-16 / (1 - r), hence the tolerance.
    np.testing.assert_allclose(est, k, rtol=1e-4)


def test_single_embedding_fit_is_a_point_mass():
    with pytest.warns(vmf.DegenerateSampleWarning):
        fitted = vmf.fit([[3.0, 4.0]])
    np.testing.assert_allclose(fitted.mean_direction, [0.6, 0.8])
    assert fitted.kappa == 1e7


def test_antipodal_pair_is_uniform():
    fitted = vmf.fit([[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0]])
    assert fitted.kappa == 0.0 and fitted.mean_resultant_length == 0.0
    np.testing.assert_array_equal(fitted.mean_direction, 0.0)
    np.testing.assert_allclose(
        vmf.sample_entropy([[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0]]), vmf.log_sphere_area(3), rtol=1e-15
    )


def test_extreme_but_finite_scales_are_normalised():
    x = np.array([[1e200, 2e200], [3e-200, 1e-200], [1.0, 1.0]])
    expected = vmf.mean_resultant_length(np.array([[1.0, 2.0], [3.0, 1.0], [1.0, 1.0]]))
    np.testing.assert_allclose(vmf.mean_resultant_length(x), expected, rtol=1e-15)


@pytest.mark.parametrize(
    "x, match",
    [
        (np.array([[1.0, 2.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [3.0, 1.0]]), "3 zero vectors"),
        (np.array([[1.0, np.nan], [1.0, 2.0]]), "1 NaN"),
        (np.array([[1.0, np.inf], [1.0, -np.inf]]), "2 infinite"),
        (np.ones((2, 1)), "d >= 2"),
        (np.ones((0, 3)), r"need at least \d embeddings? per fit, got n=0"),
        (np.ones(3), r"shape \(\.\.\., n, d\)"),
        ([[1.0, 2.0, 3.0], [1.0, 2.0]], "mismatched dimensions"),
    ],
)
def test_bad_embeddings_raise(x, match):
    for func in (vmf.mean_resultant_length, vmf.fit, vmf.sample_entropy):
        with pytest.raises(ValueError, match=match):
            func(x)


def test_sample_entropy_needs_two_embeddings():
    with pytest.raises(ValueError, match="need at least 2 embeddings per fit, got n=1"):
        vmf.sample_entropy(np.ones((5, 1, 16)))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(r=1.1, dim=3), r"r must lie in \[0, 1\]"),
        (dict(r=-0.1, dim=3), r"r must lie in \[0, 1\]"),
        (dict(r=np.nan, dim=3), "r contains NaN"),
        (dict(r=0.5, dim=1), "dim must be an integer >= 2"),
        (dict(r=0.5, dim=3.5), "dim must be an integer >= 2"),
        (dict(r=0.5, dim=3, method="mle"), "unknown method 'mle'; valid methods are banerjee, newton"),
        (dict(r=0.5, dim=3, max_kappa=np.inf), r"max_kappa must be in \(0, 1e\+12\]"),
        (dict(r=0.5, dim=3, max_kappa=np.nan), r"max_kappa must be in \(0, 1e\+12\]"),
        (dict(r=0.5, dim=3, max_kappa=0.0), r"max_kappa must be in \(0, 1e\+12\]"),
    ],
)
def test_estimate_kappa_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        vmf.estimate_kappa(**kwargs)


def test_unknown_method_in_fit():
    with pytest.raises(ValueError, match="valid methods are banerjee, newton"):
        vmf.sample_entropy(np.eye(3), method="ml")


@pytest.mark.parametrize("func", [vmf.log_normalizer, vmf.entropy, vmf.bessel_ratio])
def test_kappa_and_dim_validation(func):
    with pytest.raises(ValueError, match="kappa must be >= 0"):
        func(-1.0, 3)
    with pytest.raises(ValueError, match="kappa contains NaN"):
        func(np.nan, 3)
    with pytest.raises(ValueError, match="dim must be an integer >= 2"):
        func(1.0, 1)
    with pytest.raises(ValueError, match="dim must be an integer >= 2"):
        func(1.0, np.inf)


def test_log_bessel_iv_validation():
    with pytest.raises(ValueError, match="nu must be >= 0"):
        vmf.log_bessel_iv(-0.5, 1.0)
    with pytest.raises(ValueError, match="x must be >= 0"):
        vmf.log_bessel_iv(0.5, -1.0)
    with pytest.raises(ValueError, match="nu must be finite"):
        vmf.log_bessel_iv(np.inf, 1.0)


def test_public_api():
    assert set(vmf.__all__) == {
        "DegenerateSampleWarning",
        "VMFFit",
        "bessel_ratio",
        "entropy",
        "estimate_kappa",
        "fit",
        "log_bessel_iv",
        "log_normalizer",
        "log_sphere_area",
        "mean_resultant_length",
        "sample",
        "sample_entropy",
    }
    assert issubclass(vmf.DegenerateSampleWarning, UserWarning)
    assert vmf.VMFFit._fields == ("mean_direction", "kappa", "mean_resultant_length")

"""Calibration metrics: independent re-computations, known answers, properties, bad input."""

import itertools
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from squbed_utils import calibration as cal

FAST = settings(max_examples=40, deadline=None)


# ---------------------------------------------------------------------------
# independent reference implementations
# ---------------------------------------------------------------------------


def brute_tau_b(x, y):
    """Kendall tau-b by looping over all pairs (O(n^2)), ties handled."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    n = x.size
    s = n1 = n2 = 0
    for i in range(n):
        for j in range(i + 1, n):
            dx, dy = np.sign(x[i] - x[j]), np.sign(y[i] - y[j])
            s += dx * dy
            n1 += dx == 0
            n2 += dy == 0
    n0 = n * (n - 1) // 2
    return s / math.sqrt((n0 - n1) * (n0 - n2))


def exact_perm_pvalue(x, y):
    """Two-sided p-value by enumerating all n! orderings of x (no ties).

    Without ties tau-b = (concordant - discordant) / n0 for every ordering.
    """
    y = np.asarray(y, float)
    perms = np.array(list(itertools.permutations(np.asarray(x, float))))
    n = y.size
    s = np.zeros(len(perms))
    for i in range(n):
        for j in range(i + 1, n):
            s += np.sign(perms[:, i] - perms[:, j]) * np.sign(y[i] - y[j])
    taus = s / (n * (n - 1) / 2)
    obs = abs(brute_tau_b(x, y))
    return np.mean(np.abs(taus) >= obs - 1e-12)


def loop_bins(conf, acc, n_bins):
    """ECE and MCE with uniform right-inclusive bins, written as a plain loop."""
    ece, mce, n = 0.0, 0.0, len(conf)
    for b in range(n_bins):
        lo, hi = b / n_bins, (b + 1) / n_bins
        members = [i for i in range(n) if (lo < conf[i] <= hi) or (b == 0 and conf[i] == 0.0)]
        if not members:
            continue
        gap = abs(np.mean([acc[i] for i in members]) - np.mean([conf[i] for i in members]))
        ece += len(members) / n * gap
        mce = max(mce, gap)
    return ece, mce


@st.composite
def tied_pairs(draw, max_size=14):
    """Two equal-length integer lists with many ties, neither constant."""
    n = draw(st.integers(3, max_size))
    x = draw(st.lists(st.integers(-3, 3), min_size=n, max_size=n))
    y = draw(st.lists(st.integers(0, 4), min_size=n, max_size=n))
    if len(set(x)) < 2:
        x[0] = x[1] + 1
    if len(set(y)) < 2:
        y[0] = y[1] + 1
    return np.array(x, float), np.array(y, float)


# ---------------------------------------------------------------------------
# Kendall's tau
# ---------------------------------------------------------------------------


@FAST
@given(tied_pairs())
def test_kendall_matches_brute_force_tau_b_with_ties(pair):
    u, a = pair
    res = cal.kendall(u, a)
    assert res.tau == pytest.approx(brute_tau_b(u, a), abs=1e-12)
    assert res.n == u.size
    ref = stats.kendalltau(u, a)
    assert res.pvalue == pytest.approx(ref.pvalue, rel=1e-12)
    assert res.confidence == pytest.approx(1 - ref.pvalue)


@pytest.mark.parametrize("n", [3, 4, 5, 6, 7])
def test_kendall_pvalue_is_exact_permutation_pvalue_for_small_n(n):
    rng = np.random.default_rng(n)
    for _ in range(3):
        u, a = rng.normal(size=n), rng.normal(size=n)
        assert cal.kendall(u, a).pvalue == pytest.approx(exact_perm_pvalue(u, a), abs=1e-12)


def test_kendall_reproduces_paper_small_n_pvalues():
    # Panda-70M decomposition (n = 6): tau -0.73 with p 0.056, tau -0.87 with
    # p 0.017; VidGen-1M epistemic (n = 4): tau -1 with p 0.083.
    a6 = np.arange(6.0)
    r = cal.kendall([5.0, 4, 2, 3, 0, 1], a6)  # 2 concordant, 13 discordant
    assert r.tau == pytest.approx(-11 / 15)
    assert r.pvalue == pytest.approx(2 * (1 + 5 + 14) / 720)  # exact null, 0.0556
    assert round(r.pvalue, 3) == 0.056
    r = cal.kendall([5.0, 4, 3, 2, 0, 1], a6)  # 1 concordant, 14 discordant
    assert r.tau == pytest.approx(-13 / 15)
    assert round(r.pvalue, 3) == 0.017
    r = cal.kendall([3.0, 2.0, 1.0, 0.0], [0.1, 0.2, 0.3, 0.4])
    assert (r.tau, r.n) == (-1.0, 4)
    assert r.pvalue == pytest.approx(1 / 12)


def test_kendall_sign_convention():
    a = np.array([0.2, 0.9, 0.4, 0.7, 0.1])
    assert cal.kendall(-a, a).tau == pytest.approx(-1.0)  # calibrated: more uncertain, less accurate
    assert cal.kendall(a, a).tau == pytest.approx(1.0)
    assert cal.kendall(-a, a).pvalue == pytest.approx(2 / math.factorial(5))


@FAST
@given(tied_pairs(), st.sampled_from(["cube", "exp", "affine", "neg_entropy_like"]))
def test_kendall_invariant_under_monotone_transforms(pair, transform):
    u, a = pair
    f = {
        "cube": lambda x: x**3 + x,
        "exp": lambda x: np.exp(x / 3.0),
        "affine": lambda x: 7.5 * x - 2000.0,
        "neg_entropy_like": lambda x: -2300.0 + 100.0 * np.arctan(x),
    }[transform]
    base = cal.kendall(u, a)
    for uu, aa in ((f(u), a), (u, f(a)), (f(u), f(a))):
        res = cal.kendall(uu, aa)
        assert res.tau == pytest.approx(base.tau, abs=1e-12)
        assert res.pvalue == pytest.approx(base.pvalue, rel=1e-9)
    # a decreasing transform flips the sign only
    assert cal.kendall(-f(u), a).tau == pytest.approx(-base.tau, abs=1e-12)


@FAST
@given(tied_pairs(max_size=30), st.integers(1, 6))
def test_vectorised_rows_match_scipy(pair, rows):
    u, a = pair
    rng = np.random.default_rng(rows)
    X = np.stack([rng.permutation(u) for _ in range(rows)])
    Y = np.stack([rng.permutation(a) for _ in range(rows)])
    got = cal._tau_b_rows(X, Y)
    want = [stats.kendalltau(x, y).statistic for x, y in zip(X, Y)]
    np.testing.assert_allclose(got, want, atol=1e-12)
    np.testing.assert_allclose(cal._tau_b_rows(X, a), [stats.kendalltau(x, a).statistic for x in X], atol=1e-12)


def test_vectorised_rows_larger_n_and_constant_rows():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 6, (20, 200)).astype(float)
    Y = rng.normal(size=(20, 200))
    want = [stats.kendalltau(x, y).statistic for x, y in zip(X, Y)]
    np.testing.assert_allclose(cal._tau_b_rows(X, Y), want, atol=1e-12)
    out = cal._tau_b_rows(np.array([[1.0, 1, 1], [1, 2, 3]]), np.array([3.0, 2, 1]))
    assert np.isnan(out[0]) and out[1] == -1.0


# ---------------------------------------------------------------------------
# bootstrap
# ---------------------------------------------------------------------------


def _noisy(n, rng, slope=-0.5):
    u = rng.normal(size=n)
    return u, slope * u + rng.normal(size=n)


def test_bootstrap_ci_contains_estimate_is_reproducible_and_matches_scipy():
    rng = np.random.default_rng(1)
    u, a = _noisy(40, rng)
    tau = cal.kendall(u, a).tau
    ci = cal.bootstrap_tau_ci(u, a, n_resamples=999, seed=3)
    assert ci.low < tau < ci.high
    assert -1 <= ci.low < ci.high <= 1
    assert cal.bootstrap_tau_ci(u, a, n_resamples=999, seed=3) == ci
    assert cal.bootstrap_tau_ci(u, a, n_resamples=999, seed=4) != ci
    # independent: scipy's bootstrap with scipy's kendalltau, one call per resample
    ref = stats.bootstrap(
        (u, a),
        lambda x, y: stats.kendalltau(x, y).statistic,
        paired=True,
        vectorized=False,
        n_resamples=999,
        rng=np.random.default_rng(3),
    ).confidence_interval
    assert ci.low == pytest.approx(ref.low, abs=1e-12)
    assert ci.high == pytest.approx(ref.high, abs=1e-12)
    pct = cal.bootstrap_tau_ci(u, a, n_resamples=999, seed=3, method="percentile")
    assert pct.low < tau < pct.high


def test_bootstrap_ci_narrows_with_n():
    rng = np.random.default_rng(2)
    widths = []
    for n in (25, 100, 400):
        u, a = _noisy(n, rng)
        lo, hi = cal.bootstrap_tau_ci(u, a, n_resamples=999)
        widths.append(hi - lo)
    assert widths[0] > widths[1] > widths[2]
    # roughly 1/sqrt(n): quadrupling n about halves the width
    assert 0.3 < widths[2] / widths[1] < 0.75


def test_bootstrap_degenerate_resamples_are_dropped_with_warning_never_nan():
    # n = 4: about n (1/n)^n = 1.6 % of resamples repeat one task only
    u, a = [1.0, 2.0, 3.0, 4.0], [0.4, 0.1, 0.3, 0.2]
    with pytest.warns(cal.CalibrationWarning, match="had constant uncertainty or accuracy"):
        ci = cal.bootstrap_tau_ci(u, a, n_resamples=2000)
    assert np.isfinite(ci).all() and ci.low <= cal.kendall(u, a).tau <= ci.high
    with pytest.raises(ValueError, match="constant uncertainty or accuracy.*degenerate='drop'"):
        cal.bootstrap_tau_ci(u, a, n_resamples=2000, degenerate="raise")


def test_bootstrap_perfect_ranking_falls_back_to_percentile():
    x = np.arange(30.0)
    with pytest.warns(cal.CalibrationWarning, match="BCa interval is undefined"):
        ci = cal.bootstrap_tau_ci(x, -x, n_resamples=500)
    assert ci == (-1.0, -1.0)
    with pytest.raises(ValueError, match="undefined"):
        cal.bootstrap_tau_ci(x, -x, n_resamples=500, degenerate="raise")


def test_conditional_bca_matches_scipy_when_nothing_is_dropped():
    rng = np.random.default_rng(5)
    u, a = _noisy(25, rng)
    res = stats.bootstrap(
        (u, a), lambda x, y, axis=-1: cal._tau_b_rows(x, y), paired=True, vectorized=True,
        n_resamples=999, rng=np.random.default_rng(0),
    )
    probs = cal._bca_probabilities(u, a, res.bootstrap_distribution, cal.kendall(u, a).tau, 0.025)
    got = np.percentile(res.bootstrap_distribution, [100 * probs[0], 100 * probs[1]])
    np.testing.assert_allclose(got, [res.confidence_interval.low, res.confidence_interval.high])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"confidence_level": 1.0}, "confidence_level must be in"),
        ({"n_resamples": 1}, "n_resamples must be an integer"),
        ({"method": "bootstrap-t"}, "method must be"),
        ({"degenerate": "ignore"}, "degenerate must be"),
    ],
)
def test_bootstrap_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        cal.bootstrap_tau_ci([1.0, 2, 3, 4], [2.0, 1, 4, 3], **kwargs)


# ---------------------------------------------------------------------------
# baselines
# ---------------------------------------------------------------------------


def test_random_baseline_is_centred_and_its_pvalue_agrees_with_exact():
    rng = np.random.default_rng(3)
    u, a = _noisy(8, rng, slope=-1.0)
    base = cal.random_baseline(u, a, n_permutations=4999, seed=1)
    assert base.taus.shape == (4999,)
    assert abs(base.mean) < 4 * base.std / math.sqrt(4999)
    assert base.observed == pytest.approx(cal.kendall(u, a).tau)
    exact = exact_perm_pvalue(u, a)
    assert base.pvalue == pytest.approx(exact, abs=4 * math.sqrt(exact * (1 - exact) / 4999) + 1e-3)
    again = cal.random_baseline(u, a, n_permutations=4999, seed=1)
    np.testing.assert_array_equal(base.taus, again.taus)


def test_random_baseline_taus_are_taus_of_permutations_with_ties():
    rng = np.random.default_rng(4)
    u = rng.integers(0, 4, 60).astype(float)
    a = rng.integers(0, 3, 60).astype(float)
    base = cal.random_baseline(u, a, n_permutations=300, seed=0)
    # every value is the tau-b of some rearrangement: |tau| <= 1, and the
    # permutation distribution has the right spread (scipy's null variance)
    assert np.all(np.abs(base.taus) <= 1)
    null = [stats.kendalltau(rng.permutation(u), a).statistic for _ in range(300)]
    assert base.std == pytest.approx(np.std(null), rel=0.25)
    assert base.pvalue >= 1 / 301


def test_random_baseline_pvalue_floor_and_strong_signal():
    x = np.arange(40.0)
    base = cal.random_baseline(x, -x, n_permutations=999)
    assert base.observed == -1.0
    assert base.pvalue == pytest.approx(1 / 1000)


def test_oracle_and_normalized_tau():
    a = np.array([0.3, 0.9, 0.1, 0.5, 0.7])
    assert cal.oracle_tau(a) == pytest.approx(-1.0)
    assert cal.normalized_tau(cal.oracle_tau(a), a) == 1.0
    assert cal.normalized_tau(0.0, a) == 0.0
    assert cal.normalized_tau(0.4, a) == pytest.approx(-0.4)  # worse than random
    # binary accuracy: u = -a copies the ties and still reaches -1 (tau-b) ...
    b = np.array([1.0, 0, 1, 1, 0, 0, 1, 0, 0, 0])
    assert cal.oracle_tau(b) == pytest.approx(-1.0)
    # ... but a tie-free uncertainty can only reach -sqrt((n0 - n2) / n0)
    n0, n2 = 45, math.comb(4, 2) + math.comb(6, 2)
    tie_free = cal.oracle_tau(b, break_ties=True)
    assert tie_free == pytest.approx(-math.sqrt((n0 - n2) / n0))
    assert tie_free == pytest.approx(brute_tau_b(-np.arange(10) - 10 * b, b))
    assert cal.normalized_tau(tie_free, b, break_ties=True) == pytest.approx(1.0)


def test_random_uncertainty_normalizes_to_about_zero():
    rng = np.random.default_rng(6)
    a = rng.random(200)
    base = cal.random_baseline(rng.normal(size=200), a, n_permutations=2000)
    norm = np.array([cal.normalized_tau(t, a) for t in base.taus[:200]])
    assert abs(norm.mean()) < 0.02


# ---------------------------------------------------------------------------
# confidence mapping, ECE, MCE
# ---------------------------------------------------------------------------


def test_confidence_from_uncertainty_rank_and_minmax():
    u = np.array([-1800.0, -2300.0, -2000.0, -2000.0, -1900.0])
    c = cal.confidence_from_uncertainty(u)
    # ranks (ties averaged): 5, 1, 2.5, 2.5, 4 -> 1 - (r - 1) / 4
    np.testing.assert_allclose(c, [0.0, 1.0, 0.625, 0.625, 0.25])
    m = cal.confidence_from_uncertainty(u, method="minmax")
    np.testing.assert_allclose(m, [0.0, 1.0, 0.4, 0.4, 0.2])
    a = np.array([0.1, 0.8, 0.5, 0.4, 0.3])
    # tau does not depend on the mapping; it only flips sign (confidence = -uncertainty)
    for conf in (c, m):
        assert cal.kendall(conf, a).tau == pytest.approx(-cal.kendall(u, a).tau)
    np.testing.assert_allclose(cal.confidence_from_uncertainty([5.0, 5.0, 5.0]), 0.5)


def test_ece_mce_hand_computed():
    conf = [0.1, 0.2, 0.7, 0.9]
    acc = [0.0, 1.0, 1.0, 1.0]
    # bins [0, .5]: conf .15, acc .5 (gap .35); (.5, 1]: conf .8, acc 1 (gap .2)
    assert cal.expected_calibration_error(conf, acc, n_bins=2) == pytest.approx(0.275)
    assert cal.maximum_calibration_error(conf, acc, n_bins=2) == pytest.approx(0.35)
    # right-inclusive edges: 0.5 belongs to (0.4, 0.5], 0 to the first bin
    t = cal.reliability_table([0.0, 0.5, 0.51], [0.0, 1.0, 1.0], n_bins=10)
    assert list(t["bin"]) == [0, 4, 5]
    assert list(t["count"]) == [1, 1, 1]
    np.testing.assert_allclose(t["gap"], [0.0, 0.5, 0.49])
    assert cal.maximum_calibration_error([0.0, 0.5, 0.51], [0.0, 1.0, 1.0]) == pytest.approx(0.5)


@FAST
@given(
    st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1)), min_size=1, max_size=40),
    st.integers(1, 12),
)
def test_ece_mce_match_direct_loop(pairs, n_bins):
    conf = [p[0] for p in pairs]
    acc = [p[1] for p in pairs]
    ece, mce = loop_bins(conf, acc, n_bins)
    assert cal.expected_calibration_error(conf, acc, n_bins=n_bins) == pytest.approx(ece, abs=1e-12)
    assert cal.maximum_calibration_error(conf, acc, n_bins=n_bins) == pytest.approx(mce, abs=1e-12)
    assert ece <= mce + 1e-12
    t = cal.reliability_table(conf, acc, n_bins=n_bins, include_empty=True)
    assert len(t) == n_bins and t["count"].sum() == len(conf)
    assert t["weight"].sum() == pytest.approx(1.0)


def test_ece_zero_for_calibrated_constructions():
    # exact frequencies: in each confidence level c, a fraction c of tasks is correct
    conf, acc = [], []
    for c in (0.1, 0.3, 0.5, 0.8, 1.0):
        k = round(10 * c)
        conf += [c] * 10
        acc += [1.0] * k + [0.0] * (10 - k)
    for strategy in ("uniform", "quantile"):
        assert cal.expected_calibration_error(conf, acc, strategy=strategy) == pytest.approx(0, abs=1e-12)
        assert cal.maximum_calibration_error(conf, acc, strategy=strategy) == pytest.approx(0, abs=1e-12)
    # graded accuracy equal to confidence
    c = np.linspace(0, 1, 101)
    assert cal.expected_calibration_error(c, c) == pytest.approx(0, abs=1e-12)
    # Bernoulli(c) outcomes: small ECE; systematically over-confident: large ECE
    rng = np.random.default_rng(7)
    c = rng.random(20000)
    assert cal.expected_calibration_error(c, (rng.random(c.size) < c).astype(float)) < 0.02
    assert cal.expected_calibration_error(c, (rng.random(c.size) < c / 2).astype(float)) > 0.2


def test_quantile_bins_hold_equal_counts_and_merge_ties():
    c = np.linspace(0.01, 0.99, 100)
    t = cal.reliability_table(c, c, n_bins=4, strategy="quantile")
    assert list(t["count"]) == [25, 25, 25, 25]
    assert t["lower"].iloc[0] == 0.0 and t["upper"].iloc[-1] == 1.0
    tied = cal.reliability_table([0.5] * 10 + [0.9], [1.0] * 11, n_bins=5, strategy="quantile")
    assert tied["count"].sum() == 11 and len(tied) < 5
    assert isinstance(tied, pd.DataFrame)


# ---------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------


def test_calibration_report_combines_the_pieces():
    rng = np.random.default_rng(8)
    u = -2000 + 100 * rng.normal(size=60)
    acc = np.clip(0.6 - 0.001 * (u + 2000) + 0.1 * rng.normal(size=60), 0, 1)
    rep = cal.calibration_report(u, acc, n_resamples=499, n_permutations=999, n_bins=5, name="total")
    k = cal.kendall(u, acc)
    assert rep["name"] == "total" and rep["n"] == 60
    assert (rep["tau"], rep["pvalue"]) == (k.tau, k.pvalue)
    assert rep["ci_low"] < rep["tau"] < rep["ci_high"]
    assert rep["normalized_tau"] == pytest.approx(-k.tau)
    assert rep["perm_pvalue"] == cal.random_baseline(u, acc, n_permutations=999).pvalue
    conf = cal.confidence_from_uncertainty(u)
    assert rep["ece"] == cal.expected_calibration_error(conf, acc, n_bins=5)
    assert rep["mce"] == cal.maximum_calibration_error(conf, acc, n_bins=5)
    frame = pd.DataFrame([rep, cal.calibration_report(u, rng.random(60), n_resamples=99, n_permutations=99)])
    assert frame.shape[0] == 2


# ---------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------

RANK_FUNCS = [
    lambda u, a: cal.kendall(u, a),
    lambda u, a: cal.bootstrap_tau_ci(u, a, n_resamples=10),
    lambda u, a: cal.random_baseline(u, a, n_permutations=10),
    lambda u, a: cal.calibration_report(u, a, n_resamples=10, n_permutations=10),
]


@pytest.mark.parametrize("func", RANK_FUNCS)
@pytest.mark.parametrize(
    "u, a, match",
    [
        (np.arange(10.0), np.arange(9.0), "uncertainty has 10 values but accuracy has 9"),
        (np.ones((3, 2)), np.arange(6.0), r"uncertainty must be 1-D.*shape \(3, 2\)"),
        ([1.0, np.nan, 3.0, np.nan], [1.0, 2, 3, 4], "uncertainty contains 2 NaN and 0 inf"),
        ([1.0, 2, 3, 4], [1.0, np.inf, 3, -np.inf], "accuracy contains 0 NaN and 2 inf"),
        ([1.0, 2.0], [2.0, 1.0], "need at least 3"),
        ([1.0, 2, 3, 4], [0.5, 0.5, 0.5, 0.5], "accuracy is constant"),
        ([7.0, 7, 7], [0.1, 0.2, 0.3], "uncertainty is constant"),
        (["a", "b", "c"], [0.1, 0.2, 0.3], "uncertainty must be an array of numbers"),
    ],
)
def test_rank_metrics_reject_bad_input(func, u, a, match):
    with pytest.raises(ValueError, match=match):
        func(u, a)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: cal.expected_calibration_error([0.2, 1.2], [0.0, 1.0]), r"confidence must lie in \[0, 1\]"),
        (lambda: cal.maximum_calibration_error([0.2, 0.3], [-0.1, 1.0]), r"accuracy must lie in \[0, 1\]"),
        (lambda: cal.expected_calibration_error([0.2, 0.3], [0.1]), "confidence has 2 values but accuracy has 1"),
        (lambda: cal.expected_calibration_error([], []), "empty"),
        (lambda: cal.expected_calibration_error([0.2, np.nan], [0.1, 0.2]), "confidence contains 1 NaN"),
        (lambda: cal.expected_calibration_error([0.2, 0.3], [0.1, 0.2], n_bins=0), "n_bins must be"),
        (lambda: cal.reliability_table([0.2, 0.3], [0.1, 0.2], strategy="kmeans"), "strategy must be"),
        (lambda: cal.confidence_from_uncertainty([1.0, 1.0, 1.0], method="minmax"), "constant"),
        (lambda: cal.confidence_from_uncertainty([1.0, 2.0], method="softmax"), "method must be"),
        (lambda: cal.confidence_from_uncertainty([1.0]), "at least 2"),
        (lambda: cal.oracle_tau([0.3, 0.3, 0.3]), "accuracy is constant"),
        (lambda: cal.oracle_tau([0.3, np.nan, 0.1]), "accuracy contains 1 NaN"),
        (lambda: cal.normalized_tau(np.nan, [0.1, 0.2, 0.3]), "tau must be a finite number"),
        (lambda: cal.normalized_tau(1.5, [0.1, 0.2, 0.3]), "tau must be a finite number"),
        (lambda: cal.random_baseline([1.0, 2, 3], [3.0, 1, 2], n_permutations=0), "n_permutations must be"),
        (lambda: cal.kendall([1.0, 2, 3, 4], [1.0, 1, 2, 2], method="exact"), "Ties found"),
    ],
)
def test_other_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_no_runtime_warnings_on_degenerate_but_valid_input():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        cal.kendall([1.0, 1, 2], [1.0, 2, 2])
        cal.random_baseline([1.0, 1, 2], [1.0, 2, 2], n_permutations=50)
        cal.reliability_table([0.05, 0.95], [0.0, 1.0], include_empty=True)


# ---------------------------------------------------------------------------
# Subset analysis and tables of many pairs


def test_lowest_subset_picks_the_smallest_values_by_count_or_fraction():
    other = np.array([5.0, 1.0, 3.0, 2.0, 4.0, 1.0])
    np.testing.assert_array_equal(cal.lowest_subset(other, 3), [1, 5, 3])  # ties keep their order
    np.testing.assert_array_equal(cal.lowest_subset(other, 0.5), [1, 5, 3])
    assert len(cal.lowest_subset(np.arange(100.0), 0.01)) == cal.MIN_PAIRS  # never below what tau needs
    for bad, message in [(2, "between 3"), (7, "between 3"), (0.0, r"\(0, 1\]"), (1.5, r"\(0, 1\]"), ("6", "count")]:
        with pytest.raises(ValueError, match=message):
            cal.lowest_subset(other, bad)


def test_tau_summary_matches_kendall_and_bootstrap_and_explains_undefined_tau():
    rng = np.random.default_rng(3)
    u, a = rng.normal(size=40), rng.normal(size=40)
    row = cal.tau_summary(u, a, n_resamples=999, seed=1)
    expected = stats.kendalltau(u, a)
    assert row["tau"] == pytest.approx(expected.statistic) and row["pvalue"] == pytest.approx(expected.pvalue)
    interval = cal.bootstrap_tau_ci(u, a, n_resamples=999, seed=1)
    assert (row["ci_low"], row["ci_high"]) == (interval.low, interval.high) and row["note"] == ""
    constant = cal.tau_summary(u, np.zeros(40))
    assert np.isnan(constant["tau"]) and "accuracy is constant" in constant["note"]
    assert "fewer than the 3" in cal.tau_summary(u[:2], a[:2])["note"]
    with pytest.raises(ValueError, match="NaN"):
        cal.tau_summary(np.r_[u[:-1], np.nan], a)


def test_calibration_table_has_one_row_per_pair_with_ece_only_for_frequencies():
    rng = np.random.default_rng(4)
    accuracy = rng.uniform(size=30)
    uncertainties = {"good": -accuracy + rng.normal(0, 0.1, 30), "noise": rng.normal(size=30)}
    table = cal.calibration_table(uncertainties, {"freq": accuracy, "score": accuracy * 7 - 3, "flat": np.ones(30)},
                                  frequencies={"freq"}, n_resamples=199, n_permutations=199)
    assert len(table) == 6 and set(table["uncertainty"]) == {"good", "noise"}
    good = table.set_index(["uncertainty", "accuracy"])
    assert good.loc[("good", "freq"), "tau"] == pytest.approx(cal.kendall(uncertainties["good"], accuracy).tau)
    assert good.loc[("good", "freq"), "tau"] == good.loc[("good", "score"), "tau"]  # rank-based
    assert np.isfinite(good.loc[("good", "freq"), "ece"]) and np.isnan(good.loc[("good", "score"), "ece"])
    assert np.isnan(good.loc[("good", "flat"), "tau"]) and "constant" in good.loc[("good", "flat"), "note"]
    with pytest.raises(ValueError, match="30 values but accuracy has 29"):
        cal.calibration_table({"u": accuracy}, {"a": accuracy[:-1]})

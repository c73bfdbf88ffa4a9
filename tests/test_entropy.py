"""Set-entropy estimators: closed forms, small-sample bias, independent computations, bad input.

The tolerances are set from measurements (five seeds each, recorded next to
every assertion) and checked to exclude a clearly wrong answer.
"""

import numpy as np
import pytest

from squbed_utils import entropy, uncertainty, vmf


@pytest.fixture
def rng():
    return np.random.default_rng(20251002)


def _vmf_sets(rng, dim, kappa, n_sets, size):
    """``n_sets`` independent samples of ``size`` draws, each around its own random direction."""
    return np.stack([vmf.sample(rng.standard_normal(dim), kappa, size, rng=rng) for _ in range(n_sets)])


def _gaussian(rng, dim, size):
    a = rng.standard_normal((dim, dim))
    cov = a @ a.T + 0.5 * np.eye(dim)
    return rng.standard_normal((size, dim)) @ np.linalg.cholesky(cov).T, cov


# ---------------------------------------------------------------------------
# vMF estimators.
# ---------------------------------------------------------------------------


def test_vmf_entropy_is_the_vmf_plug_in(rng):
    x = _vmf_sets(rng, 32, 80.0, 4, 12)
    np.testing.assert_array_equal(entropy.vmf_entropy(x), vmf.sample_entropy(x))
    np.testing.assert_array_equal(entropy.set_entropy(x, "vmf_banerjee"),
                                  vmf.sample_entropy(x, method="banerjee"))
    with pytest.warns(vmf.DegenerateSampleWarning, match=r"capped at max_kappa=50"):
        capped = entropy.set_entropy(x, "vmf", max_kappa=50.0)
    np.testing.assert_array_equal(capped, vmf.entropy(50.0, 32))


# Errors (estimate - truth, nats) at N = 2000 over five seeds: d = 64 within
# 0.17 (plug-in) and 0.16 (corrected); d = 384 within 0.70 and 0.61. A kappa
# off by 10% moves the entropy by 0.54-2.7 nats at d = 64, 3.3-16 at d = 384.
@pytest.mark.parametrize("dim, tolerance", [(64, 0.3), (384, 1.5)])
@pytest.mark.parametrize("rho", [0.3, 0.6, 0.9])
def test_vmf_estimators_match_closed_form_for_large_samples(rng, dim, tolerance, rho):
    kappa = float(vmf.estimate_kappa(rho, dim))
    truth = vmf.entropy(kappa, dim)
    x = vmf.sample(rng.standard_normal(dim), kappa, 2000, rng=rng)
    assert abs(entropy.vmf_entropy(x) - truth) < tolerance
    assert abs(entropy.corrected_vmf_entropy(x) - truth) < tolerance
    # ... and a 10% error in kappa would not pass.
    assert abs(vmf.entropy(1.1 * kappa, dim) - truth) > tolerance
    assert abs(vmf.entropy(0.9 * kappa, dim) - truth) > tolerance


# Mean error over 200 samples of N = 10 in d = 384, five seeds: plug-in -19.8
# to -20.8 nats at rho = 0.3 and 0.9; corrected -0.16..0.11 (rho = 0.3) and
# -0.58..0.35 (rho = 0.9), standard error about 0.16 and 0.29.
@pytest.mark.parametrize("rho", [0.3, 0.9])
def test_corrected_estimator_removes_small_sample_bias(rng, rho):
    dim, size, replicates = 384, 10, 200
    kappa = float(vmf.estimate_kappa(rho, dim))
    x = _vmf_sets(rng, dim, kappa, replicates, size)
    truth = vmf.entropy(kappa, dim)
    plug_in_bias = np.mean(entropy.vmf_entropy(x) - truth)
    corrected_bias = np.mean(entropy.corrected_vmf_entropy(x) - truth)
    assert plug_in_bias < -15.0
    assert abs(corrected_bias) < 0.25 * abs(plug_in_bias)
    assert abs(corrected_bias) < 1.5


# Over five seeds (200 samples of N = 10, d = 384): mean rho2_hat within
# 0.0012 of 0 (standard error 0.0006), 45-54% of samples have rho2_hat <= 0,
# mean corrected error -0.46 to -0.69 nats, plug-in about -20.3.
def test_uniform_samples_give_rho2_near_zero_and_the_uniform_entropy(rng):
    dim, size, replicates = 384, 10, 200
    x = _vmf_sets(rng, dim, 0.0, replicates, size)
    rho2 = entropy.corrected_mean_resultant_length(x, squared=True)
    assert abs(rho2.mean()) < 4 * rho2.std() / np.sqrt(replicates)
    uniform = vmf.log_sphere_area(dim)
    corrected = entropy.corrected_vmf_entropy(x)
    np.testing.assert_array_equal(corrected[rho2 <= 0], uniform)
    assert 0.3 < np.mean(rho2 <= 0) < 0.7
    assert np.all(corrected <= uniform)
    assert np.mean(corrected - uniform) > -1.5
    assert np.mean(entropy.vmf_entropy(x) - uniform) < -15.0
    np.testing.assert_allclose(entropy.corrected_mean_resultant_length(x), np.sqrt(np.maximum(rho2, 0)))


@pytest.mark.parametrize("dim, kappa", [(3, 2.0), (16, 5.0), (16, 40.0), (128, 100.0)])
def test_rho2_hat_is_unbiased_and_rbar_squared_is_not(rng, dim, kappa):
    size, replicates = 5, 4000
    # Draws are i.i.d., so one long sample cut into sets of 5 gives independent sets.
    x = vmf.sample(rng.standard_normal(dim), kappa, size * replicates, rng=rng).reshape(replicates, size, dim)
    rho2 = vmf.bessel_ratio(kappa, dim) ** 2
    rho2_hat = entropy.corrected_mean_resultant_length(x, squared=True)
    standard_error = rho2_hat.std() / np.sqrt(replicates)
    assert abs(rho2_hat.mean() - rho2) < 4 * standard_error
    # E[Rbar^2] = rho^2 + (1 - rho^2) / N: the plug-in's bias, far beyond the noise.
    rbar2 = vmf.mean_resultant_length(x) ** 2
    assert abs(rbar2.mean() - (rho2 + (1 - rho2) / size)) < 4 * rbar2.std() / np.sqrt(replicates)
    assert rbar2.mean() - rho2 > 10 * standard_error


def test_identical_embeddings_cap_the_corrected_kappa_with_a_warning():
    x = np.tile([0.6, 0.8, 0.0], (5, 1))
    with pytest.warns(vmf.DegenerateSampleWarning):
        value = entropy.corrected_vmf_entropy(x, max_kappa=1e5)
    np.testing.assert_allclose(value, vmf.entropy(1e5, 3), rtol=1e-12)


# ---------------------------------------------------------------------------
# Gaussian estimator and Ledoit-Wolf shrinkage.
# ---------------------------------------------------------------------------


# Errors at N = 5000 over three seeds, d = 2..8: at most 0.053 nats (Ledoit-Wolf)
# and 0.037 (no shrinkage); the fitted intensity is 0.001-0.009.
@pytest.mark.parametrize("dim", range(3, 9))
def test_gaussian_entropy_matches_closed_form(rng, dim):
    x, cov = _gaussian(rng, dim, 5000)
    truth = 0.5 * np.linalg.slogdet(2 * np.pi * np.e * cov)[1]
    assert abs(entropy.gaussian_entropy(x) - truth) < 0.1
    assert abs(entropy.gaussian_entropy(x, shrinkage=0.0) - truth) < 0.1
    # Shrinkage all the way to the isotropic target is a clearly wrong fit here.
    assert entropy.gaussian_entropy(x, shrinkage=1.0) - truth > 0.3


def test_shrinkage_keeps_the_gaussian_entropy_finite_for_few_points(rng):
    x = rng.standard_normal((2, 5, 8))  # N = 5 < d = 8
    assert np.all(np.isfinite(entropy.gaussian_entropy(x)))
    assert np.all(np.isfinite(entropy.gaussian_entropy(x, shrinkage=0.3)))
    with pytest.raises(ValueError, match=r"2 of 2 sets have a singular covariance"):
        entropy.gaussian_entropy(x, shrinkage=0.0)


def _ledoit_wolf_direct(x):
    """Ledoit & Wolf (2004), section 3.3, written out term by term with loops."""
    n, d = x.shape
    y = x - x.mean(axis=0)
    s = sum(np.outer(row, row) for row in y) / n

    def norm2(a):  # their Frobenius norm, scaled by 1/d
        return np.trace(a @ a.T) / d

    m = np.trace(s @ np.eye(d).T) / d
    d2 = norm2(s - m * np.eye(d))
    b_bar2 = sum(norm2(np.outer(row, row) - s) for row in y) / n**2
    b2 = min(b_bar2, d2)
    a2 = d2 - b2
    return b2 / d2 * m * np.eye(d) + a2 / d2 * s, b2 / d2


# With scales 0.1..10 the intensity is interior (0.05-0.39 for these shapes); with
# equal scales and few points beta_bar^2 > delta^2 can clip it to 1.
@pytest.mark.parametrize("n, dim, largest_scale", [(6, 4, 10.0), (3, 5, 10.0), (40, 3, 10.0), (6, 4, 0.1)])
def test_ledoit_wolf_matches_a_direct_computation(rng, n, dim, largest_scale):
    scales = np.geomspace(0.1, largest_scale, dim)
    x = rng.standard_normal((n, dim)) * scales + rng.standard_normal(dim)
    expected_cov, expected_shrinkage = _ledoit_wolf_direct(x)
    fitted = entropy.ledoit_wolf(x)
    np.testing.assert_allclose(fitted.shrinkage, expected_shrinkage, rtol=1e-12)
    np.testing.assert_allclose(fitted.covariance, expected_cov, rtol=1e-12, atol=1e-14)
    if largest_scale > 1:
        assert 0.0 < fitted.shrinkage < 1.0
    expected_entropy = 0.5 * dim * np.log(2 * np.pi * np.e) + 0.5 * np.linalg.slogdet(expected_cov)[1]
    np.testing.assert_allclose(entropy.gaussian_entropy(x), expected_entropy, rtol=1e-12)


# Measured (seed 0): anisotropic scales 0.2..3 in d = 50 give a mean intensity of
# 0.58 with N = 5 and 0.036 with N = 2000; isotropic data with N = 2000 give 0.99.
def test_ledoit_wolf_shrinks_more_with_fewer_points_and_fully_to_a_correct_target(rng):
    scales = np.linspace(0.2, 3.0, 50)
    few = entropy.ledoit_wolf(rng.standard_normal((100, 5, 50)) * scales).shrinkage
    many = entropy.ledoit_wolf(rng.standard_normal((10, 2000, 50)) * scales).shrinkage
    isotropic = entropy.ledoit_wolf(rng.standard_normal((10, 2000, 50))).shrinkage
    assert few.mean() > 0.4 and many.mean() < 0.1 and isotropic.mean() > 0.9


# ---------------------------------------------------------------------------
# Nearest-neighbour estimator.
# ---------------------------------------------------------------------------


# Errors at N = 5000 over three seeds: Gaussian d = 2..5 within 0.079 nats;
# unit box d = 1..3 within 0.061 (d = 4, 5: 0.13-0.27, from the boundary).
@pytest.mark.parametrize("dim", range(2, 6))
def test_knn_entropy_matches_gaussian_closed_form(rng, dim):
    x, cov = _gaussian(rng, dim, 5000)
    truth = 0.5 * np.linalg.slogdet(2 * np.pi * np.e * cov)[1]
    assert abs(entropy.knn_entropy(x) - truth) < 0.2
    assert abs(entropy.knn_entropy(x, k=3) - truth) < 0.2


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_knn_entropy_matches_log_volume_of_a_box(rng, dim):
    sides = rng.uniform(0.5, 3.0, dim)
    x = rng.random((5000, dim)) * sides
    assert abs(entropy.knn_entropy(x) - np.log(sides).sum()) < 0.1


def test_knn_entropy_by_hand_on_three_points():
    # Points 0, 1, 3 on a line: nearest-neighbour distances 1, 1, 2; V_1 = 2.
    from scipy.special import digamma

    expected = digamma(3) - digamma(1) + np.log(2.0) + (np.log(1) + np.log(1) + np.log(2)) / 3
    np.testing.assert_allclose(entropy.knn_entropy([[0.0], [1.0], [3.0]]), expected, rtol=1e-14)


# ---------------------------------------------------------------------------
# PCA projection.
# ---------------------------------------------------------------------------


def test_pca_projection_finds_the_principal_axes(rng):
    rotation, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    pool = (rng.standard_normal((400, 6)) * [6.0, 3.0, 1.0, 0.2, 0.1, 0.05]) @ rotation.T + 2.0
    project = entropy.pca_projection(pool, 3)
    np.testing.assert_allclose(project.components @ project.components.T, np.eye(3), atol=1e-12)
    eigenvalues, eigenvectors = np.linalg.eigh(np.cov(pool, rowvar=False))
    top = eigenvectors[:, ::-1][:, :3].T
    np.testing.assert_allclose(np.abs(project.components @ top.T), np.eye(3), atol=1e-8)
    np.testing.assert_allclose(project.explained_variance, eigenvalues[::-1][:3], rtol=1e-10)
    coordinates = project(pool)
    np.testing.assert_allclose(coordinates.mean(axis=0), 0.0, atol=1e-10)
    np.testing.assert_allclose(np.cov(coordinates, rowvar=False), np.diag(project.explained_variance), atol=1e-9)
    batch = rng.standard_normal((2, 3, 10, 6))
    assert project(batch).shape == (2, 3, 10, 3)
    np.testing.assert_allclose(project(batch)[1, 2], project(batch[1, 2]), rtol=1e-12)


def test_pca_then_gaussian_and_knn_recover_a_low_dimensional_entropy(rng):
    # A 3-D Gaussian embedded in R^40 with tiny noise off its plane.
    basis, _ = np.linalg.qr(rng.standard_normal((40, 3)))
    z = rng.standard_normal((3000, 3)) * [3.0, 2.0, 1.0]
    pool = z @ basis.T + 1e-4 * rng.standard_normal((3000, 40))
    coordinates = entropy.pca_projection(pool, 3)(pool)
    truth = 1.5 * np.log(2 * np.pi * np.e) + np.log(3.0 * 2.0 * 1.0)
    assert abs(entropy.gaussian_entropy(coordinates) - truth) < 0.1
    assert abs(entropy.knn_entropy(coordinates) - truth) < 0.2


# ---------------------------------------------------------------------------
# Batches, dispatch and errors.
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(entropy.ESTIMATORS))
def test_batch_equals_separate_calls(rng, name):
    x = _vmf_sets(rng, 4, 5.0, 3, 30)
    batch = entropy.set_entropy(x, name)
    assert batch.shape == (3,)
    separate = [entropy.set_entropy(one, name) for one in x]
    assert all(np.ndim(value) == 0 for value in separate)
    np.testing.assert_allclose(batch, separate, rtol=1e-12)
    assert entropy.set_entropy(x[None], name).shape == (1, 3)


def test_estimators_table_and_dispatch():
    assert list(entropy.ESTIMATORS) == ["vmf", "vmf_banerjee", "vmf_corrected", "gaussian", "knn"]
    x = vmf.sample(np.ones(5), 3.0, 40, rng=0)
    assert entropy.set_entropy(x, "knn", k=2) == entropy.knn_entropy(x, k=2)
    assert entropy.set_entropy(x, "gaussian", shrinkage=0.5) == entropy.gaussian_entropy(x, shrinkage=0.5)
    assert entropy.set_entropy(x, "vmf_corrected") == entropy.corrected_vmf_entropy(x)


@pytest.mark.parametrize("name", sorted(entropy.ESTIMATORS))
def test_bad_input_raises_clear_errors(rng, name):
    good = rng.standard_normal((6, 4))
    with pytest.raises(ValueError, match=r"at least 2 .*(n|N)=1"):
        entropy.set_entropy(good[:1], name)
    with pytest.raises(ValueError, match=r"shape \(\.\.\., (n|N), d\)"):
        entropy.set_entropy(good[0], name)
    with_nan = good.copy()
    with_nan[2, 1] = np.nan
    with pytest.raises(ValueError, match=r"1 NaN and 0 infinite"):
        entropy.set_entropy(with_nan, name)


@pytest.mark.parametrize("name", ["vmf", "vmf_banerjee", "vmf_corrected"])
def test_vmf_estimators_reject_zero_vectors(rng, name):
    x = rng.standard_normal((6, 4))
    x[3] = 0.0
    with pytest.raises(ValueError, match=r"1 zero vectors"):
        entropy.set_entropy(x, name)


def test_specific_errors(rng):
    x = rng.standard_normal((6, 4))
    with pytest.raises(ValueError, match=r"unknown estimator 'nope'; valid estimators are "
                                         r"vmf, vmf_banerjee, vmf_corrected, gaussian, knn"):
        entropy.set_entropy(x, "nope")
    with pytest.raises(ValueError, match=r"estimator 'gaussian' takes no option 'method'; its options are: shrinkage"):
        entropy.set_entropy(x, "gaussian", method="newton")
    with pytest.raises(ValueError, match=r"estimator 'vmf_banerjee' takes no option 'method'"):
        entropy.set_entropy(x, "vmf_banerjee", method="newton")
    duplicated = np.vstack([x, x[:1]])
    with pytest.raises(ValueError, match=r"duplicate points: 2 points have distance 0"):
        entropy.knn_entropy(duplicated)
    assert np.isfinite(entropy.knn_entropy(duplicated, k=2))  # one copy is fine with k = 2
    with pytest.raises(ValueError, match=r"k must be an integer with 1 <= k <= N - 1 = 5"):
        entropy.knn_entropy(x, k=6)
    with pytest.raises(ValueError, match=r"1 of 1 sets have a singular covariance"):
        entropy.gaussian_entropy(np.tile(x[:1], (5, 1)))
    with pytest.raises(ValueError, match=r"shrinkage must be 'ledoit-wolf' or a number in \[0, 1\]"):
        entropy.gaussian_entropy(x, shrinkage="oas")
    with pytest.raises(ValueError, match=r"shrinkage must be"):
        entropy.gaussian_entropy(x, shrinkage=1.5)
    with pytest.raises(ValueError, match=r"dim must be an integer with 1 <= dim <= min\(M, d\) = 4"):
        entropy.pca_projection(x, 5)
    with pytest.raises(ValueError, match=r"min\(M, d\) = 3"):
        entropy.pca_projection(x[:3], 4)
    with pytest.raises(ValueError, match=r"pool must have shape \(M, d\)"):
        entropy.pca_projection(x[None], 2)
    with pytest.raises(ValueError, match=r"x must have shape \(\.\.\., 4\) to match the fitted pool"):
        entropy.pca_projection(x, 2)(rng.standard_normal((3, 5)))


# ---------------------------------------------------------------------------
# The decomposition with other estimators.
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["vmf_corrected", "gaussian", "knn", "vmf_banerjee"])
def test_decompose_with_an_estimator_composes_set_entropies(rng, name):
    n, m = 5, 12
    latents = rng.standard_normal((2, n, 3))
    videos = rng.standard_normal((2, n, m, 4)) + rng.standard_normal((2, n, 1, 4))
    parts = uncertainty.decompose(latents, videos, estimator=name)
    for task in range(2):
        aleatoric = entropy.set_entropy(latents[task], name)
        epistemic = np.mean([entropy.set_entropy(videos[task, j], name) for j in range(n)])
        np.testing.assert_allclose(parts.aleatoric[task], aleatoric, rtol=1e-12)
        np.testing.assert_allclose(parts.epistemic[task], epistemic, rtol=1e-12)
        np.testing.assert_allclose(parts.total[task], aleatoric + epistemic, rtol=1e-12)
        pooled = entropy.set_entropy(videos[task].reshape(n * m, 4), name)
        np.testing.assert_allclose(uncertainty.direct_total(videos[task], estimator=name), pooled, rtol=1e-12)
    table = uncertainty.decompose_tasks(latents, videos, estimator=name)
    ragged = uncertainty.decompose_tasks(list(latents), list(videos), estimator=name)
    np.testing.assert_allclose(table["total"], parts.total, rtol=1e-12)
    np.testing.assert_allclose(table.to_numpy(float), ragged.to_numpy(float), rtol=1e-12)


def test_decompose_default_and_method_still_mean_the_vmf_plug_in(rng):
    latents = rng.standard_normal((4, 16))
    videos = rng.standard_normal((4, 6, 32)) + 2.0 * rng.standard_normal((4, 1, 32))
    default = uncertainty.decompose(latents, videos)
    explicit = uncertainty.decompose(latents, videos, estimator="vmf", method="newton", max_kappa=1e7)
    assert default == explicit
    assert default.aleatoric == vmf.sample_entropy(latents)
    banerjee = uncertainty.decompose(latents, videos, method="banerjee")
    np.testing.assert_array_equal(banerjee.epistemic, uncertainty.decompose(latents, videos,
                                                                            estimator="vmf_banerjee").epistemic)
    with pytest.raises(ValueError, match=r"estimator 'gaussian' takes no option 'method'"):
        uncertainty.decompose(latents, videos, estimator="gaussian", method="banerjee")
    with pytest.raises(ValueError, match=r"unknown estimator 'gauss'"):
        uncertainty.direct_total(videos, estimator="gauss")
    with pytest.raises(ValueError, match=r"task 0: estimator 'knn' takes no option 'max_kappa'"):
        uncertainty.decompose_tasks([latents], [videos], estimator="knn", max_kappa=1e5)

"""S-QUBED decomposition: known answers, independent low-d computation, bad input."""

import numpy as np
import pytest
from scipy import optimize, stats

from squbed_utils import uncertainty, vmf


def _random_directions(rng, shape, dim):
    x = rng.standard_normal(shape + (dim,))
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def _vmf_cloud(rng, dim, kappa, size, mean_direction=None):
    if mean_direction is None:
        mean_direction = _random_directions(rng, (), dim)
    return vmf.sample(mean_direction, kappa, size, rng=rng)


def _entropy_sphere3_independent(x):
    """vMF entropy on S^2 from first principles: MLE of kappa by brentq, closed-form entropy."""
    x = x / np.linalg.norm(x, axis=-1, keepdims=True)
    r = np.linalg.norm(x.mean(axis=0))
    kappa = optimize.brentq(lambda k: 1 / np.tanh(k) - 1 / k - r, 1e-6, 1e6, xtol=1e-14, rtol=1e-14)
    # h = -log C_3 - kappa A_3 with C_3 = kappa / (4 pi sinh kappa), A_3 = coth kappa - 1/kappa
    log_sinh = kappa + np.log1p(-np.exp(-2 * kappa)) - np.log(2)
    return np.log(4 * np.pi) + log_sinh - np.log(kappa) - kappa * (1 / np.tanh(kappa) - 1 / kappa)


@pytest.fixture
def rng():
    return np.random.default_rng(20251002)


def test_decompose_matches_independent_low_dimensional_computation(rng):
    n, m = 6, 8
    latents = np.stack([_vmf_cloud(rng, 3, 5.0, 1)[0] * 3 for _ in range(n)])
    latents += 0.3 * rng.standard_normal(latents.shape)
    videos = np.stack([_vmf_cloud(rng, 3, kappa, m) for kappa in np.linspace(2, 40, n)])
    result = uncertainty.decompose(latents, videos)
    expected_aleatoric = _entropy_sphere3_independent(latents)
    expected_epistemic = np.mean([_entropy_sphere3_independent(group) for group in videos])
    np.testing.assert_allclose(result.aleatoric, expected_aleatoric, rtol=1e-9)
    np.testing.assert_allclose(result.epistemic, expected_epistemic, rtol=1e-9)
    np.testing.assert_allclose(result.total, expected_aleatoric + expected_epistemic, rtol=1e-9)


def test_aleatoric_orders_tasks_like_true_concentration(rng):
    # Latent prompts drawn with known concentrations: more concentrated latents
    # (a less vague prompt) must give lower aleatoric entropy, task by task.
    true_kappa = np.array([30.0, 100.0, 300.0, 1000.0, 3000.0, 10000.0])
    d_text, d_video, n, m = 384, 512, 10, 10
    latents = np.stack([_vmf_cloud(rng, d_text, k, n) for k in true_kappa])
    videos = np.stack([_vmf_cloud(rng, d_video, 500.0, n * m).reshape(n, m, d_video) for _ in true_kappa])
    table = uncertainty.decompose_tasks(latents, videos)
    assert stats.kendalltau(true_kappa, table["aleatoric"]).statistic == pytest.approx(-1.0)
    assert np.all(np.isfinite(table.to_numpy()))


def test_epistemic_orders_tasks_like_true_concentration(rng):
    true_kappa = np.array([100.0, 400.0, 1600.0, 6400.0])
    d, n, m = 512, 5, 10
    latents = _random_directions(rng, (len(true_kappa), n), 384)
    videos = np.stack([
        np.stack([_vmf_cloud(rng, d, k, m) for _ in range(n)]) for k in true_kappa
    ])
    result = uncertainty.decompose(latents, videos)
    assert np.all(np.diff(result.epistemic) < 0)


def test_total_is_aleatoric_plus_epistemic_and_epistemic_is_mean_over_latents(rng):
    latents = _random_directions(rng, (3, 4), 16)
    videos = _random_directions(rng, (3, 4, 5), 32) + 2.0 * _random_directions(rng, (3, 4, 1), 32)
    result = uncertainty.decompose(latents, videos)
    np.testing.assert_allclose(result.total, result.aleatoric + result.epistemic, rtol=1e-12)
    per_latent = vmf.sample_entropy(videos)
    np.testing.assert_allclose(result.epistemic, per_latent.mean(axis=-1), rtol=1e-12)


def test_batch_equals_loop_and_ragged_path_equals_stacked(rng):
    latents = _random_directions(rng, (5, 4), 24) + _random_directions(rng, (5, 1), 24)
    videos = _random_directions(rng, (5, 4, 6), 40) + _random_directions(rng, (5, 4, 1), 40)
    stacked = uncertainty.decompose_tasks(latents, videos, task_ids=list("abcde"))
    ragged = uncertainty.decompose_tasks(list(latents), list(videos), task_ids=list("abcde"))
    for task_index, task_id in enumerate("abcde"):
        one = uncertainty.decompose(latents[task_index], videos[task_index])
        np.testing.assert_allclose(stacked.loc[task_id, "total"], one.total, rtol=1e-12)
    np.testing.assert_allclose(stacked.to_numpy(float), ragged.to_numpy(float), rtol=1e-12)
    assert list(stacked.columns) == ["aleatoric", "epistemic", "total", "direct_total", "n", "m"]
    assert stacked.index.name == "task_id"
    assert (stacked["n"] == 4).all() and (stacked["m"] == 6).all()


def test_ragged_tasks_with_different_sizes(rng):
    latents = [_random_directions(rng, (n,), 8) for n in (2, 5)]
    videos = [_random_directions(rng, (n, m), 8) for n, m in ((2, 3), (5, 2))]
    table = uncertainty.decompose_tasks(latents, videos)
    assert table["n"].tolist() == [2, 5] and table["m"].tolist() == [3, 2]


def test_invariant_to_scale_and_rotation(rng):
    latents = _random_directions(rng, (6,), 10) + _random_directions(rng, (1,), 10)
    videos = _random_directions(rng, (6, 4), 12) + _random_directions(rng, (6, 1), 12)
    base = uncertainty.decompose(latents, videos)
    rotate_text, _ = np.linalg.qr(rng.standard_normal((10, 10)))
    rotate_video, _ = np.linalg.qr(rng.standard_normal((12, 12)))
    moved = uncertainty.decompose(7.5 * latents @ rotate_text, 0.01 * videos @ rotate_video)
    np.testing.assert_allclose(moved.total, base.total, rtol=1e-9)


def test_direct_total_pools_all_videos(rng):
    # Groups pointing in different directions: pooling them is far more spread
    # than any one group, so the pooled entropy exceeds every group's entropy.
    videos = np.stack([_vmf_cloud(rng, 64, 2000.0, 10) for _ in range(5)])
    pooled = uncertainty.direct_total(videos)
    np.testing.assert_allclose(pooled, vmf.sample_entropy(videos.reshape(50, 64)), rtol=1e-12)
    assert pooled > vmf.sample_entropy(videos).max()


@pytest.mark.parametrize(
    "latent_shape, video_shape, message",
    [
        ((4, 8), (3, 5, 8), r"n=4 refined prompts but .* n=3"),
        ((1, 8), (1, 5, 8), r"at least n=2 refined prompts"),
        ((4, 8), (4, 1, 8), r"at least m=2 videos"),
        ((2, 4, 8), (3, 4, 5, 8), r"batch shapes disagree"),
        ((8,), (4, 5, 8), r"latent_embeddings must have shape"),
        ((4, 8), (4, 8), r"video_embeddings must have shape"),
    ],
)
def test_bad_shapes_raise_clear_errors(rng, latent_shape, video_shape, message):
    with pytest.raises(ValueError, match=message):
        uncertainty.decompose(rng.standard_normal(latent_shape), rng.standard_normal(video_shape))


def test_nan_and_zero_embeddings_are_errors(rng):
    latents = rng.standard_normal((4, 8))
    videos = rng.standard_normal((4, 3, 8))
    with_nan = videos.copy()
    with_nan[1, 2, 3] = np.nan
    with pytest.raises(ValueError, match=r"(?i)nan"):
        uncertainty.decompose(latents, with_nan)
    with_zero = latents.copy()
    with_zero[2] = 0.0
    with pytest.raises(ValueError, match=r"zero"):
        uncertainty.decompose(with_zero, videos)


def test_ragged_error_names_the_task(rng):
    latents = [rng.standard_normal((3, 8)), rng.standard_normal((3, 8))]
    videos = [rng.standard_normal((3, 2, 8)), rng.standard_normal((3, 1, 8))]
    with pytest.raises(ValueError, match=r"task 1: .*m=2"):
        uncertainty.decompose_tasks(latents, videos)
    with pytest.raises(ValueError, match=r"2 tasks of latent embeddings but 1"):
        uncertainty.decompose_tasks(latents, videos[:1])
    with pytest.raises(ValueError, match=r"3 task_ids for 2 tasks"):
        uncertainty.decompose_tasks(np.stack(latents), np.stack([videos[0]] * 2), task_ids="abc")


def test_identical_videos_give_capped_finite_entropy_with_warning(rng):
    latents = _random_directions(rng, (3,), 8)
    videos = np.repeat(_random_directions(rng, (3, 1), 8), 4, axis=1)
    with pytest.warns(vmf.DegenerateSampleWarning):
        result = uncertainty.decompose(latents, videos, max_kappa=1e6)
    np.testing.assert_allclose(result.epistemic, vmf.entropy(1e6, 8), rtol=1e-9)
    assert np.isfinite(result.total)

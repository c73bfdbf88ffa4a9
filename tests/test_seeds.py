"""Seeds: validation, derivation, the per-video seed rule and render-seed ranges."""

import numpy as np
import pytest

from squbed_utils.seeds import check_seeds, derive_seed, video_seeds
from squbed_utils.world import render_batch


def test_one_seed_applies_to_every_item_and_arrays_pass_through():
    np.testing.assert_array_equal(check_seeds(7, 3), [7, 7, 7])
    assert check_seeds([1, 2], 2).dtype == np.int64


@pytest.mark.parametrize("seeds, message", [
    ([1, 2, 3], r"seeds must be 2 integers \(one per clip\), got int64 array of shape \(3,\)"),
    ([0.5, 1.5], r"seeds must be 2 integers \(one per clip\), got float64"),
    ([1, -1], r"non-negative"),
])
def test_bad_seeds_name_the_problem(seeds, message):
    with pytest.raises(ValueError, match=message):
        check_seeds(seeds, 2, per="clip")


def test_renderer_reports_bad_seeds_per_clip():
    with pytest.raises(ValueError, match=r"one per clip"):
        render_batch([{"shape": "circle", "colour": "red", "motion": "up", "size": "small"}], [1, 2])


def test_video_seeds_depend_on_task_latent_and_index_only():
    seeds = video_seeds(0, "toy-0001", 2, 5)
    assert seeds.dtype == np.int64 and len(set(seeds)) == 5 and (seeds >= 0).all()
    np.testing.assert_array_equal(video_seeds(0, "toy-0001", 2, 3), seeds[:3])
    others = [video_seeds(1, "toy-0001", 2, 5), video_seeds(0, "toy-0002", 2, 5), video_seeds(0, "toy-0001", 3, 5)]
    assert all(not set(o) & set(seeds) for o in others)


def test_derived_seeds_differ_from_neighbouring_roots():
    assert derive_seed(0, 1) != derive_seed(1, 0) and derive_seed(0, 1, 2) != derive_seed(0, 2, 1)
    assert 0 <= derive_seed(2**70, 5) < 2**63

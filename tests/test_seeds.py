"""Seed validation shared by the renderer and the generators."""

import numpy as np
import pytest

from squbed_utils.seeds import check_seeds
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

"""Accuracy metrics: closed forms, the toy world's exact scores, SSIM/PSNR against direct computation."""

import numpy as np
import pandas as pd
import pytest

from squbed_utils import accuracy, world
from squbed_utils.plots import motion_trail


def _render(attributes, seeds):
    return world.render_batch(pd.DataFrame([world.Attributes(*attributes)] * len(seeds)), np.asarray(seeds))


def test_cosine_accuracy_is_the_mean_cosine_and_vectorises():
    rng = np.random.default_rng(0)
    videos, reference = rng.normal(size=(4, 6, 5)), rng.normal(size=(4, 5))
    expected = [np.mean([v @ r / np.linalg.norm(v) / np.linalg.norm(r) for v in task]) for task, r in zip(videos, reference)]
    np.testing.assert_allclose(accuracy.cosine_accuracy(videos, reference), expected, rtol=1e-12)
    assert accuracy.cosine_accuracy(videos[0], reference[0]) == pytest.approx(expected[0])
    assert accuracy.cosine_accuracy([[0.0, 3.0]] * 2, [0.0, 1.0]) == pytest.approx(1.0)


@pytest.mark.parametrize("videos, reference, message", [
    (np.ones((3, 4)), np.ones(5), "shape"),
    (np.ones((3, 4)), np.ones((2, 4)), "shape"),
    (np.r_[[[np.nan] * 4], np.ones((2, 4))], np.ones(4), "NaN"),
    (np.zeros((3, 4)), np.ones(4), "zero vector"),
    (np.ones(4), np.ones(4), r"\(\.\.\., K, d\)"),
])
def test_cosine_accuracy_rejects_bad_input(videos, reference, message):
    with pytest.raises(ValueError, match=message):
        accuracy.cosine_accuracy(videos, reference)


def test_attribute_scores_on_renders():
    truth = {"shape": "circle", "colour": "red", "motion": "left", "size": "large"}
    same = _render(truth.values(), [1, 2, 3])
    assert accuracy.attribute_scores(same, truth, "something red") == {
        "exact_match": 1.0, "attribute_match": 1.0, "prompt_consistency": 1.0}
    # two of four clips differ in colour (blue): exact 1/2, attributes 7/8, and only red fits "something red"
    mixed = np.concatenate([same[:2], _render(("circle", "blue", "left", "large"), [4, 5])])
    scores = accuracy.attribute_scores(mixed, truth, "something red")
    assert scores == {"exact_match": 0.5, "attribute_match": 0.875, "prompt_consistency": 0.5}
    assert accuracy.attribute_scores(mixed, truth, "a circle moves to the left")["prompt_consistency"] == 1.0
    with pytest.raises(ValueError, match="lacks attributes"):
        accuracy.attribute_scores(same, {"shape": "circle"}, "a circle")


def test_image_similarity_matches_a_direct_psnr_and_is_perfect_on_identical_clips():
    reference = _render(("square", "green", "up", "small"), [7])[0]
    perfect = accuracy.image_similarity(reference[None], reference)
    assert perfect["ssim"] == pytest.approx(1.0) and perfect["psnr"] == 100.0
    other = _render(("square", "green", "up", "small"), [8, 9])
    mse = ((other.astype(float) - reference.astype(float)) ** 2).mean(axis=(2, 3, 4))  # per clip and frame
    direct = np.mean(10 * np.log10(255.0**2 / mse))
    measured = accuracy.image_similarity(other, reference)
    assert measured["psnr"] == pytest.approx(direct, rel=1e-5)
    assert -1 <= measured["ssim"] < 1
    with pytest.raises(ValueError, match="reference"):
        accuracy.image_similarity(other, reference[:4])


def test_score_tasks_gives_one_row_per_task():
    tasks = world.make_tasks(8).head(3)
    reference = world.read_task_clips(tasks, _write(tasks))
    clips = [np.stack([ref, ref]) for ref in reference]  # a perfect model
    table = accuracy.score_tasks(tasks, clips, reference)
    assert list(table.index) == tasks["id"].tolist()
    assert (table[["exact_match", "attribute_match", "prompt_consistency"]] == 1.0).all().all()
    assert (table["psnr"] == 100.0).all()
    with pytest.raises(ValueError, match="3 tasks"):
        accuracy.score_tasks(tasks, clips, reference[:2])


def _write(tasks):
    import tempfile

    root = tempfile.mkdtemp()
    world.write_task_clips(tasks, root)
    return root


def test_motion_trail_of_a_still_object_is_its_frame_and_a_moving_one_leaves_a_fading_path():
    still = _render(("circle", "red", "still", "large"), [3])[0]
    np.testing.assert_array_equal(motion_trail(still), still[-1])
    moving = _render(("circle", "red", "right", "large"), [3])[0]
    trail = motion_trail(moving)
    background = np.median(moving.reshape(-1, 3), axis=0)
    lit = np.abs(trail.astype(int) - background).sum(-1) > 30
    assert lit.sum() > (np.abs(moving[-1].astype(int) - background).sum(-1) > 30).sum()  # the path is longer
    assert motion_trail(np.stack([still, moving])).shape == (2, 32, 32, 3)

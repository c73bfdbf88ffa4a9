"""The study's instruments: the knowledge ladder, measured ignorance, baselines and the sensitivity helpers."""

import itertools

import numpy as np
import pandas as pd
import pytest
import torch

from squbed_utils import backends, baselines, evaluation, study, world
from squbed_utils.embedders import SentenceEmbedder
from squbed_utils.generators.toy_training import LADDER_DIR, ladder_steps, load_rung
from squbed_utils.profiles import get_profile

TINY = get_profile("tiny")
DEFAULT_SHIPPED = get_profile("default").models_dir / "toy_generator"


@pytest.fixture(scope="module")
def embedder():
    return SentenceEmbedder.from_pretrained()


# --- the knowledge ladder -------------------------------------------------------


def test_ladder_steps_are_the_fractions_of_the_denoiser_steps():
    config = backends.toy_generator_config(get_profile("default"))
    assert ladder_steps(config) == {0.05: 600, 0.15: 1800, 0.4: 4800, 1.0: 12000}
    tiny = backends.toy_generator_config(TINY)
    assert list(ladder_steps(tiny)) == [0.05, 0.15, 0.4, 1.0] and ladder_steps(tiny)[1.0] == tiny.denoiser_steps
    with pytest.raises(ValueError, match="same step"):
        ladder_steps(type(tiny)(**{**tiny.to_dict(), "denoiser_steps": 4}))
    with pytest.raises(ValueError, match="ladder_fractions must be distinct"):
        type(tiny)(ladder_fractions=(0.15,))


@pytest.mark.parametrize("models", ["default", "tiny"])
def test_every_rung_of_a_committed_ladder_loads_and_only_its_denoiser_differs(models, embedder):
    folder = get_profile(models).models_dir / "toy_generator"
    assert len(list((folder / LADDER_DIR).glob("*.safetensors"))) == 2
    rungs = {f: load_rung(folder, f, embedder=embedder) for f in (0.05, 0.15, 0.4, 1.0)}
    states = {f: g.state_dict() for f, g in rungs.items()}
    for weak, strong in itertools.combinations(rungs, 2):
        for name, tensor in states[weak].items():
            same = torch.equal(tensor, states[strong][name])
            assert same == (not name.startswith("denoiser.")), (weak, strong, name)
    assert len({g.cache_key for g in rungs.values()}) == 4
    with pytest.raises(ValueError, match="not a rung"):
        load_rung(folder, 0.5)


def test_the_committed_ladder_knows_more_on_each_rung(embedder):
    """Measured with the checker on the default model: the ladder is a ladder of knowledge, and white (never
    seen by any rung) stays wrong on all of them."""
    accuracy = {f: evaluation.accuracy_by_knowledge(load_rung(DEFAULT_SHIPPED, f, embedder=embedder),
                                                    clips_per_object=1, seed=10**6)
                for f in (0.05, 0.4, 1.0)}
    common = [accuracy[f].loc["common", "all"] for f in (0.05, 0.4, 1.0)]
    assert common[0] < common[1] < common[2]
    assert max(accuracy[f].loc["unseen", "colour"] for f in accuracy) < 0.2


# --- measured ignorance ------------------------------------------------------------


def test_measured_ignorance_averages_the_error_rate_over_a_prompts_completions():
    objects = world.training_distribution()[list(world.ATTRIBUTE_NAMES) + ["knowledge"]]
    scores = objects.loc[objects.index.repeat(2)].reset_index(drop=True)
    # wrong on every clip of red objects, on one of the two clips of blue ones, never otherwise
    scores["all_ok"] = ~((scores["colour"] == "red") | ((scores["colour"] == "blue") & (scores.index % 2 == 0)))
    tasks = pd.DataFrame({"id": ["a", "b", "c", "d"],
                          "prompt": ["a small red circle moves up", "something blue", "a green square", "a circle"]})
    ignorance = evaluation.measured_ignorance(tasks, scores)
    np.testing.assert_allclose(ignorance.loc[["a", "b", "c"]], [1.0, 0.5, 0.0])
    assert ignorance["d"] == pytest.approx((1.0 + 0.5) / len(world.COLOURS))  # a circle: 7 colours, equally likely
    with pytest.raises(ValueError, match="score every object"):
        evaluation.measured_ignorance(tasks, scores[scores["colour"] != "red"])


def test_the_perfect_model_has_no_measured_ignorance():
    perfect = backends.perfect_video_model(TINY)
    scores = evaluation.object_accuracy(perfect, clips_per_object=1, seed=3)
    tasks = world.make_tasks(8)
    assert len(scores) == len(world.all_attribute_combinations())
    assert (evaluation.measured_ignorance(tasks, scores) == 0).all()


# --- baselines ---------------------------------------------------------------------


def test_mean_pairwise_cosine_distance_matches_a_loop_over_pairs():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 6, 5))
    expected = [np.mean([1 - a @ b / np.linalg.norm(a) / np.linalg.norm(b) for a, b in itertools.combinations(s, 2)])
                for s in x]
    np.testing.assert_allclose(baselines.mean_pairwise_cosine_distance(x), expected, rtol=1e-12)
    assert baselines.mean_pairwise_cosine_distance([[1.0, 0.0], [-1.0, 0.0]]) == pytest.approx(2.0)


@pytest.mark.parametrize("x, message", [
    (np.ones((1, 3)), "at least 2 vectors"),
    (np.array([[1.0, 0.0], [0.0, 0.0]]), "zero vector"),
    (np.array([[1.0, np.nan], [0.0, 1.0]]), "NaN or inf"),
])
def test_mean_pairwise_cosine_distance_errors(x, message):
    with pytest.raises(ValueError, match=message):
        baselines.mean_pairwise_cosine_distance(x)


# --- sensitivity helpers ---------------------------------------------------------


def test_subsample_keeps_prefixes_and_rejects_impossible_sizes():
    text = [np.arange(12.0).reshape(4, 3)] * 2
    videos = [np.arange(60.0).reshape(4, 5, 3)] * 2
    sub_text, sub_videos = study.subsample(text, videos, n=2, m=3)
    np.testing.assert_array_equal(sub_text[0], text[0][:2])
    np.testing.assert_array_equal(sub_videos[1], videos[1][:2, :3])
    for n, m, message in [(1, None, "n = 1"), (5, None, r"n = 5 must lie in \[2, 4\]"), (None, 6, "m = 6")]:
        with pytest.raises(ValueError, match=message):
            study.subsample(text, videos, n=n, m=m)


def test_truth_checks_score_every_check_against_its_reference():
    index = [f"t{i}" for i in range(6)]
    decomposition = pd.DataFrame({"aleatoric": np.arange(6.0), "epistemic": [5.0, 4, 3, 2, 1, 0],
                                  "total": np.arange(6.0)}, index=index)
    references = pd.DataFrame({"aleatoric_truth": np.arange(6.0), "measured_ignorance": np.arange(6.0),
                               "cosine": -np.arange(6.0)}, index=index).iloc[::-1]  # aligned by task id, not position
    rows = {r["check"]: r for r in study.truth_checks(decomposition, references, n_resamples=99)}
    assert set(rows) == set(study.CHECKS)
    assert rows["aleatoric vs aleatoric truth"]["tau"] == pytest.approx(1.0)
    assert rows["epistemic vs measured ignorance"]["tau"] == pytest.approx(-1.0)
    assert rows["total vs cosine accuracy"]["tau"] == pytest.approx(-1.0)


def test_object_accuracy_is_cached_per_model_and_setting(tmp_path, monkeypatch):
    from squbed_utils.store import ArrayStore

    store = ArrayStore(tmp_path)
    perfect = backends.perfect_video_model(TINY)
    first = evaluation.object_accuracy(perfect, clips_per_object=1, seed=3, store=store)

    def no_generation(*args, **kwargs):
        raise AssertionError("generated again although the verdicts were cached")

    monkeypatch.setattr(perfect, "generate_batch", no_generation)
    pd.testing.assert_frame_equal(evaluation.object_accuracy(perfect, clips_per_object=1, seed=3, store=store), first)
    with pytest.raises(AssertionError, match="generated again"):  # another seed is another setting
        evaluation.object_accuracy(perfect, clips_per_object=1, seed=4, store=store)

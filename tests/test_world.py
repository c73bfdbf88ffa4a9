"""The toy world: rendering, language, training distribution, tasks and the attribute checker."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from squbed_utils import world
from squbed_utils.seeds import TRAINING_SEED_STOP
from squbed_utils.world import Attributes, Constraint

COMBINATIONS = world.all_attribute_combinations()
RED_CIRCLE = Attributes("circle", "red", "left", "small")


@pytest.fixture(scope="module")
def random_renders():
    """2400 clips of uniformly random objects (held-out ones included) with random seeds."""
    rng = np.random.default_rng(2510)
    objects = pd.DataFrame([COMBINATIONS[i] for i in rng.integers(len(COMBINATIONS), size=2400)])
    seeds = rng.integers(0, 2**40, size=len(objects))
    return objects, world.render_batch(objects, seeds)


@pytest.fixture(scope="module")
def training_set():
    return world.sample_training_set(20_000, seed=3)


@pytest.fixture(scope="module")
def default_tasks():
    return world.make_tasks(140, seed=0)


# --- rendering ---------------------------------------------------------------


def test_render_is_deterministic_and_varies_with_seed():
    clip = world.render(RED_CIRCLE, seed=7)
    assert clip.shape == (8, 32, 32, 3) and clip.dtype == np.uint8
    np.testing.assert_array_equal(clip, world.render(RED_CIRCLE, seed=7))
    assert not np.array_equal(clip, world.render(RED_CIRCLE, seed=8))
    assert not np.array_equal(clip[0], clip[-1])  # it moves


def test_render_matches_batch_rows_and_accepts_codes_and_names():
    objects = pd.DataFrame(COMBINATIONS[::17])
    seeds = np.arange(len(objects)) * 1000
    batch = world.render_batch(objects, seeds)
    for i, row in enumerate(objects.itertuples(index=False)):
        np.testing.assert_array_equal(batch[i], world.render(Attributes(*row), int(seeds[i])))
    codes = world.encode_attributes(objects)
    np.testing.assert_array_equal(world.render_batch(codes, seeds), batch)


def test_render_respects_frames_and_size():
    clip = world.render(RED_CIRCLE, seed=0, frames=5, size=48)
    assert clip.shape == (5, 48, 48, 3)


def test_objects_stay_inside_the_frame_for_the_whole_clip(random_renders):
    _, clips = random_renders
    background = world.BACKGROUND_RGB.astype(np.uint8)
    border = np.concatenate(
        [clips[:, :, 0], clips[:, :, -1], clips[:, :, :, 0], clips[:, :, :, -1]], axis=2
    )  # (N, T, 4 * S, 3)
    assert np.all(border == background)
    assert np.all((clips != background).any(axis=(2, 3, 4)))  # every frame shows the object


def test_render_rejects_bad_input():
    with pytest.raises(ValueError, match="not a colour"):
        world.render({"shape": "circle", "colour": "pink", "motion": "left", "size": "small"}, seed=0)
    with pytest.raises(ValueError, match="lack"):
        world.render({"shape": "circle", "colour": "red"}, seed=0)
    with pytest.raises(ValueError, match="frames"):
        world.render(RED_CIRCLE, seed=0, frames=1)
    with pytest.raises(ValueError, match="non-negative"):
        world.render(RED_CIRCLE, seed=-1)
    with pytest.raises(ValueError, match="outside its vocabulary"):
        world.render_batch({"shape": ["circle"], "colour": ["red"], "motion": ["left"], "size": ["huge"]}, [0])


# --- language ----------------------------------------------------------------


@pytest.mark.parametrize(
    "prompt, expected",
    [
        ("something red moves", 4 * 2 * 4),  # shapes x sizes x moving directions
        ("a small red circle moves to the left", 1),
        ("a circle", 7 * 5 * 2),
        ("something", 4 * 7 * 5 * 2),
        ("a large shape moves sideways", 4 * 7 * 2),
        ("something cyan stays still", 4 * 2),
        ("a blue plus sign drifts vertically", 2 * 2),
        ("A tiny, golden BOX rises.", 1),
    ],
)
def test_completion_counts(prompt, expected):
    assert len(world.completions(prompt)) == expected
    assert world.parse_prompt(prompt).n_completions == expected
    assert world.aleatoric_truth(prompt) == pytest.approx(math.log(expected))


def test_completions_are_the_allowed_combinations():
    found = world.completions("something red moves")
    assert {a.colour for a in found} == {"red"}
    assert {a.motion for a in found} == {"left", "right", "up", "down"}
    assert len(set(found)) == len(found)


def test_every_phrasing_of_every_caption_parses_back_to_its_attributes():
    for attributes in COMBINATIONS:
        exact = Constraint.exactly(attributes)
        assert world.parse_prompt(world.caption(attributes)) == exact
        for text in world.all_captions(attributes):
            assert world.parse_prompt(text) == exact, text


def test_caption_phrasing_varies_with_seed_and_canonical_reads_naturally():
    assert world.caption(RED_CIRCLE) == "a small red circle moves to the left"
    assert world.caption(Attributes("cross", "blue", "still", "large")) == "a large blue cross stays still"
    assert len({world.caption(RED_CIRCLE, seed=s) for s in range(40)}) > 10
    assert world.caption(RED_CIRCLE, seed=5) == world.caption(RED_CIRCLE, seed=5)


def test_vague_prompt_canonical_wording():
    assert world.vague_prompt(RED_CIRCLE, ["shape", "size"]) == "something red moves to the left"
    assert world.vague_prompt(RED_CIRCLE, ["colour", "motion"]) == "a small circle"
    assert world.vague_prompt(RED_CIRCLE, ["colour", "motion", "size"]) == "a circle"
    assert world.vague_prompt(RED_CIRCLE, ["shape", "colour", "motion", "size"]) == "something"


@settings(max_examples=300, deadline=None)
@given(
    attributes=st.sampled_from(COMBINATIONS),
    unspecified=st.sets(st.sampled_from(world.ATTRIBUTE_NAMES)),
    seed=st.integers(0, 2**32),
)
def test_vague_prompts_leave_open_exactly_what_was_asked(attributes, unspecified, seed):
    constraint = world.parse_prompt(world.vague_prompt(attributes, sorted(unspecified), seed))
    assert constraint.allows(attributes)
    assert set(constraint.unspecified) == unspecified


@pytest.mark.parametrize(
    "prompt, message",
    [
        ("", "empty prompt"),
        ("   ", "empty prompt"),
        ("a zebra moves", "unknown word 'zebra'.*circle"),
        ("a red blue circle", "contradictory.*'blue'.*'red'"),
        ("a circle moves and stays still", "contradictory.*'stays still'.*'moves'"),
        ("the", "names no object"),
    ],
)
def test_bad_prompts_raise_clear_errors(prompt, message):
    with pytest.raises(ValueError, match=message):
        world.parse_prompt(prompt)


# --- training distribution -------------------------------------------------


def test_training_distribution_follows_the_spec():
    table = world.training_distribution()
    assert len(table) == 280 and table["probability"].sum() == pytest.approx(1.0)
    held_out = table["knowledge"] == "held_out"
    assert set(zip(table["shape"][held_out], table["colour"][held_out])) == set(world.DEFAULT_SPEC.held_out)
    assert np.all(table["probability"][held_out] == 0)
    assert table["probability"][table["colour"] == "cyan"].sum() == pytest.approx(world.DEFAULT_SPEC.rare_fraction)
    unseen = table["colour"] == "white"
    assert (table["knowledge"][unseen] == "unseen").all() and np.all(table["probability"][unseen] == 0)


def test_a_spec_must_keep_every_colour_but_the_unseen_ones_in_training():
    with pytest.raises(ValueError, match="both rare and unseen"):
        world.TrainingSpec(rare_colours=("white",))
    with pytest.raises(ValueError, match="is not one of"):
        world.TrainingSpec(unseen_colours=("orange",))
    with pytest.raises(ValueError, match="at least one cell in training"):
        world.TrainingSpec(unseen_colours=(), held_out=tuple((s, "red") for s in world.SHAPES))
    assert world.TrainingSpec(unseen_colours=()).cell_knowledge("circle", "white") == "common"


def test_training_set_covers_every_value_and_never_shows_held_out_cells(training_set):
    for name, values in world.ATTRIBUTE_VALUES.items():
        expected = set(values) - set(world.DEFAULT_SPEC.unseen_colours) if name == "colour" else set(values)
        assert set(training_set[name].astype(str)) == expected, name
    cells = set(zip(training_set["shape"].astype(str), training_set["colour"].astype(str)))
    assert not cells & set(world.DEFAULT_SPEC.held_out)
    assert "white" not in set(training_set["colour"].astype(str))
    assert np.all((training_set["seed"] >= 0) & (training_set["seed"] < TRAINING_SEED_STOP))


def test_rare_colour_and_vague_captions_have_their_specified_frequency(training_set):
    n = len(training_set)
    for observed, p in [
        ((training_set["colour"] == "cyan").mean(), world.DEFAULT_SPEC.rare_fraction),
        ((training_set["vagueness"] > 0).mean(), 0.2),
    ]:
        assert abs(observed - p) < 5 * math.sqrt(p * (1 - p) / n)


def test_training_captions_describe_their_clip(training_set):
    for row in training_set.head(3000).itertuples(index=False):
        constraint = world.parse_prompt(row.caption)
        assert constraint.allows(Attributes(row.shape, row.colour, row.motion, row.size)), row.caption
        assert len(constraint.unspecified) == row.vagueness, row.caption


def test_training_set_is_deterministic():
    pd.testing.assert_frame_equal(world.sample_training_set(500, 9), world.sample_training_set(500, 9))
    assert not world.sample_training_set(500, 9).equals(world.sample_training_set(500, 10))
    assert (world.sample_training_set(500, 9, vague_fraction=0.0)["vagueness"] == 0).all()


def test_epistemic_truth_of_prompts():
    common = (1 - world.DEFAULT_SPEC.rare_fraction) / 17
    assert world.training_exposure("a purple triangle") == 0.0
    assert world.knowledge_label("a purple triangle moves") == "held_out"
    assert world.training_exposure("something cyan") == pytest.approx(0.02 / 4)
    assert world.knowledge_label("something cyan") == "rare"
    assert world.training_exposure(RED_CIRCLE) == pytest.approx(common)
    assert world.knowledge_label("a triangle") == "common"
    assert world.training_exposure("something white") == 0.0
    assert world.knowledge_label("a white cross moves up") == "unseen"
    # a triangle: 4 common colours, cyan (rare), purple (held out) and white (unseen), averaged
    assert world.training_exposure("a triangle") == pytest.approx((4 * common + 0.005) / 7)


# --- tasks -------------------------------------------------------------------


def test_task_table_has_the_documented_columns(default_tasks):
    assert list(default_tasks.columns) == [*world.MANIFEST_COLUMNS, *world.TRUTH_COLUMNS]
    world.validate_tasks(default_tasks)
    assert default_tasks["id"].is_unique
    assert (default_tasks["seed"] >= TRAINING_SEED_STOP).all()  # disjoint from training seeds


def test_default_task_set_is_stratified(default_tasks):
    counts = default_tasks.groupby(["knowledge", "vagueness"]).size()
    assert len(default_tasks) == 140
    assert counts.to_dict() == {
        **{("common", v): 10 for v in range(4)},
        **{("rare", v): 10 for v in range(4)},
        **{("held_out", v): 10 for v in range(3)},
        **{("unseen", v): 10 for v in range(3)},
    }
    assert (default_tasks["category"] == default_tasks["knowledge"] + "-v" + default_tasks["vagueness"].astype(str)).all()


def test_task_truth_columns_are_consistent(default_tasks):
    for task in default_tasks.itertuples(index=False):
        constraint = world.parse_prompt(task.prompt)
        truth = Attributes(task.shape, task.colour, task.motion, task.size)
        assert constraint.allows(truth), task.prompt
        assert world.parse_prompt(task.caption) == Constraint.exactly(truth)
        assert task.n_completions == len(world.completions(task.prompt))
        assert task.aleatoric_truth == pytest.approx(math.log(task.n_completions))
        assert task.vagueness == len(constraint.unspecified)
        assert task.knowledge == world.knowledge_label(task.prompt)
        assert task.training_exposure == pytest.approx(world.training_exposure(task.prompt))
    held_out = default_tasks[default_tasks["knowledge"] == "held_out"]
    assert (held_out["training_exposure"] == 0).all()


def test_tasks_are_deterministic_and_tiny_is_a_prefix_of_default(default_tasks):
    tiny = world.make_tasks(8, seed=0)
    assert len(tiny) == 8
    pd.testing.assert_frame_equal(tiny, default_tasks.head(8))
    assert set(tiny["knowledge"]) == set(world.KNOWLEDGE_LEVELS)
    assert set(tiny["vagueness"]) == {0, 1, 2, 3}
    assert not world.make_tasks(8, seed=1)["prompt"].equals(tiny["prompt"])


def test_make_tasks_rejects_a_bad_count():
    for bad in (0, "tiny", True):
        with pytest.raises(ValueError, match="number of tasks must be a positive integer"):
            world.make_tasks(bad)


def test_validate_tasks_errors(default_tasks):
    with pytest.raises(ValueError, match="empty"):
        world.validate_tasks(default_tasks.iloc[:0])
    with pytest.raises(ValueError, match=r"lacks columns \['caption', 'path'\]"):
        world.validate_tasks(default_tasks.drop(columns=["caption", "path"]))
    duplicated = default_tasks.copy()
    duplicated.loc[3, "id"] = duplicated.loc[2, "id"]
    with pytest.raises(ValueError, match="repeated.*toy-0002"):
        world.validate_tasks(duplicated)
    blank = default_tasks.copy()
    blank.loc[5, "prompt"] = "  "
    with pytest.raises(ValueError, match="toy-0005.*empty prompt"):
        world.validate_tasks(blank)


def test_task_clips_are_written_and_read_back(tmp_path):
    tasks = world.make_tasks(8)
    paths = world.write_task_clips(tasks, tmp_path, gif_scale=2)
    assert [p.relative_to(tmp_path).as_posix() for p in paths] == tasks["path"].tolist()
    assert all(p.with_suffix(".gif").is_file() for p in paths)
    clips = world.read_task_clips(tasks, tmp_path)
    np.testing.assert_array_equal(clips, world.render_batch(tasks, tasks["seed"]))
    assert world.attribute_accuracy(clips, tasks["prompt"].tolist())["all"].all()
    paths[0].unlink()
    with pytest.raises(FileNotFoundError, match="write_task_clips"):
        world.read_task_clips(tasks, tmp_path)


# --- checker -----------------------------------------------------------------


def test_checker_recovers_every_attribute_of_random_renders(random_renders):
    objects, clips = random_renders
    found = world.check_attributes(clips)
    for name in world.ATTRIBUTE_NAMES:
        accuracy = (found[name] == objects[name]).mean()
        assert accuracy >= 0.99, (name, accuracy)


def test_checker_handles_a_single_clip():
    assert world.check_attributes(world.render(RED_CIRCLE, seed=3)) == RED_CIRCLE._asdict()


def test_checker_degrades_gracefully_on_blank_and_noisy_clips():
    rng = np.random.default_rng(0)
    blank = np.zeros((3, 8, 32, 32, 3), np.uint8)
    noise = rng.integers(0, 256, size=(3, 8, 32, 32, 3)).astype(np.uint8)
    broken = np.full((2, 8, 32, 32, 3), np.nan)
    for clips in (blank, noise, broken):
        found = world.check_attributes(clips)
        assert len(found) == len(clips)
        assert (found[["shape", "motion", "size"]] == world.UNKNOWN).all().all()
    assert (world.check_attributes(blank)["colour"] == world.UNKNOWN).all()
    # uniform noise averages to grey, whose chromaticity is white's: only its colour can be read, so no
    # noise clip ever passes as an object
    assert set(world.check_attributes(noise)["colour"]) <= {world.UNKNOWN, "white"}
    with pytest.raises(ValueError, match="shape"):
        world.check_attributes(np.zeros((8, 32, 32)))


def test_attribute_accuracy_scores_clips_against_prompts():
    clip = world.render(RED_CIRCLE, seed=1)[None]
    assert world.attribute_accuracy(clip, "something red moves")["all"].item()
    wrong = world.attribute_accuracy(clip, "a large blue circle stays still").iloc[0]
    assert wrong.to_dict() == {"shape": True, "colour": False, "motion": False, "size": False, "all": False}
    blank = world.attribute_accuracy(np.zeros_like(clip), "something")
    assert not blank.iloc[0].any()  # an unknown attribute never counts as right
    with pytest.raises(ValueError, match="one prompt per clip"):
        world.attribute_accuracy(np.repeat(clip, 2, axis=0), ["a circle"] * 3)

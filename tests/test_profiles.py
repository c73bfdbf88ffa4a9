"""Profiles and their overrides, and the ``%%only`` cell magic that lets a notebook serve both worlds."""

import dataclasses

import pytest

from squbed_utils.profiles import PROFILES, RealSettings, get_profile, project_root

PAPER = {"manifest": "tasks.csv", "video_model": "models/t2v", "llm": "models/llm"}


def test_toy_profiles_have_no_real_settings_and_default_folders():
    for name in ("tiny", "default"):
        profile = get_profile(name)
        assert profile.toy_world and profile.real is None and profile == PROFILES[name]
        assert profile.artifacts_dir == project_root() / "artifacts" / name
    assert get_profile("default").figures_dir == project_root() / "figures"
    assert get_profile("tiny").figures_dir == project_root() / "artifacts" / "tiny" / "figures"


def test_overrides_replace_fields_and_none_means_keep(tmp_path):
    profile = get_profile("tiny", n_videos=5, seed=None, artifacts=tmp_path)
    assert (profile.n_videos, profile.seed, profile.n_latents) == (5, PROFILES["tiny"].seed, PROFILES["tiny"].n_latents)
    assert profile.artifacts_dir == tmp_path and profile.figures_dir == tmp_path / "figures"
    # an overridden default profile never writes into the committed figures/
    assert get_profile("default", artifacts=tmp_path).figures_dir == tmp_path / "figures"
    assert PROFILES["tiny"].n_videos == 3  # the registry is not mutated


def test_paper_profile_takes_its_models_and_manifest_as_overrides():
    profile = get_profile("paper", **PAPER, num_tasks=20, stored_frames=8, ray_address="local")
    assert not profile.toy_world and isinstance(profile.real, RealSettings)
    assert (profile.real.manifest, profile.real.video_model, profile.real.llm) == ("tasks.csv", "models/t2v", "models/llm")
    assert (profile.real.num_tasks, profile.real.stored_frames, profile.real.ray_address) == (20, 8, "local")
    assert profile.real.clip_model == "openai/clip-vit-base-patch32"  # the paper's CLIP, unless overridden
    assert (profile.n_latents, profile.n_videos) == (10, 10)


@pytest.mark.parametrize("missing", ["manifest", "video_model", "llm"])
def test_paper_profile_names_what_is_missing(missing):
    given = {key: value for key, value in PAPER.items() if key != missing}
    with pytest.raises(ValueError, match=rf"paper profile needs \['{missing}'\].*configs/paper.example.yaml"):
        get_profile("paper", **given)


def test_bad_profile_names_and_keys():
    with pytest.raises(ValueError, match=r"unknown profile 'huge'; choose one of \['default', 'paper', 'study', 'tiny'\]"):
        get_profile("huge")
    with pytest.raises(ValueError, match=r"unknown profile settings \['n_video'\]; valid: .*'n_videos'"):
        get_profile("tiny", n_video=4)
    with pytest.raises(ValueError, match=r"\['llm', 'manifest'\] apply to real clips; the 'default' profile runs the toy world"):
        get_profile("default", manifest="x.csv", llm="y")


def test_example_parameters_file_lists_every_real_setting():
    import yaml  # papermill depends on PyYAML

    values = yaml.safe_load((project_root() / "configs" / "paper.example.yaml").read_text())
    assert set(values) == {"overrides"}
    assert set(values["overrides"]) == {field for field in RealSettings.__dataclass_fields__}
    assert get_profile("paper", **values["overrides"]).real.stored_width == values["overrides"]["stored_width"]


def test_only_magic_runs_or_skips_by_world(capsys):
    from IPython.testing.globalipapp import start_ipython

    shell = start_ipython()
    shell.run_line_magic("load_ext", "squbed_utils.notebook")
    shell.user_ns["settings"] = get_profile("tiny")
    shell.run_cell_magic("only", "toy_world", "ran = 'toy'")
    assert shell.user_ns["ran"] == "toy"
    shell.run_cell_magic("only", "real_clips", "ran = 'real'")
    assert shell.user_ns["ran"] == "toy"
    assert "skipped: this cell runs on real clips only; profile 'tiny'" in capsys.readouterr().out
    shell.user_ns["settings"] = get_profile("paper", **PAPER)
    shell.run_cell_magic("only", "real_clips", "ran = 'real'")
    assert shell.user_ns["ran"] == "real"
    with pytest.raises(ValueError, match=r"%%only takes one of \['real_clips', 'toy_world'\], got 'toy'"):
        shell.run_cell_magic("only", "toy", "pass")
    with pytest.raises(ZeroDivisionError):  # an error inside a cell stops the notebook
        shell.run_cell_magic("only", "real_clips", "1 / 0")
    del shell.user_ns["settings"]
    with pytest.raises(NameError, match="needs `settings = get_profile"):
        shell.run_cell_magic("only", "toy_world", "pass")


def test_the_profile_seed_reaches_the_tasks_and_every_model_config():
    from squbed_utils import backends

    base, other = get_profile("tiny"), get_profile("tiny", seed=1)
    assert not backends.toy_tasks(base)["prompt"].equals(backends.toy_tasks(other)["prompt"])
    assert backends.toy_tasks(base).equals(backends.toy_tasks(get_profile("tiny")))
    assert backends.toy_generator_config(other).seed == backends.toy_clip_config(other).seed == 1
    assert backends.toy_generator_config(base) == dataclasses.replace(backends.toy_generator_config(other), seed=0)

"""Notebooks: stored without outputs, and each runs top to bottom on the tiny profile.

Each notebook is executed with Papermill exactly as ``make`` runs it, then its
saved outputs (figures, printed checks) are inspected.
"""

import json
from pathlib import Path

import nbformat
import papermill
import pytest

from squbed_utils.profiles import get_profile

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
TINY = get_profile("tiny")


def _outputs_text(notebook) -> str:
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            parts.extend(str(value) for value in output.get("data", {}).values())
    return "\n".join(parts)


def _execute(name, tmp_path, figures=()):
    """Delete the figures ``name`` should write, run it on `tiny` as `make` would, return it parsed."""
    for figure in figures:
        for extension in ("png", "pdf"):
            (TINY.figures_dir / f"{figure}.{extension}").unlink(missing_ok=True)
    out = tmp_path / name
    papermill.execute_notebook(str(ROOT / "notebooks" / name), str(out), parameters={"profile": "tiny"},
                               cwd=str(ROOT / "notebooks"), progress_bar=False)
    for figure in figures:
        for extension in ("png", "pdf"):
            path = TINY.figures_dir / f"{figure}.{extension}"
            assert path.is_file() and path.stat().st_size > 1000, f"{name} did not write {path}"
    return nbformat.read(out, as_version=4)


def test_there_are_notebooks():
    assert NOTEBOOKS, "no numbered notebooks found in notebooks/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_sources_are_stored_without_outputs(path):
    notebook = json.loads(path.read_text())
    dirty = [i for i, cell in enumerate(notebook["cells"])
             if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count"))]
    assert not dirty, f"{path.name}: cells {dirty} have outputs; clear them before committing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_a_tagged_parameters_cell_with_profile(path):
    notebook = nbformat.read(path, as_version=4)
    tagged = [cell for cell in notebook.cells if "parameters" in cell.metadata.get("tags", [])]
    assert len(tagged) == 1 and "profile" in tagged[0].source


def test_vmf_primer(tmp_path):
    notebook = _execute("07_vmf_primer.ipynb", tmp_path, figures=[
        "vmf_samples_sphere", "vmf_entropy_vs_kappa", "vmf_bessel_overflow", "vmf_kappa_estimation_bias"])
    text = _outputs_text(notebook)
    # the naive Bessel evaluation really breaks on part of the range, and ours never does
    assert "the stable one on 0%" in text
    naive_share = int(text.split("naive log(iv) is infinite on ")[1].split("%")[0])
    assert naive_share > 10


def test_data_notebook(tmp_path):
    import pandas as pd

    from squbed_utils import world

    _execute("01_data.ipynb", tmp_path, figures=[
        "world_example_clips", "world_seed_variation", "world_training_distribution",
        "world_task_strata", "world_task_examples"])
    tasks = pd.read_csv(TINY.artifacts_dir / "tasks.csv")
    world.validate_tasks(tasks)
    assert len(tasks) == world.TASK_PROFILES["tiny"]
    assert set(world.TRUTH_COLUMNS) <= set(tasks.columns)
    clips = world.read_task_clips(tasks, TINY.artifacts_dir)
    assert clips.shape == (len(tasks), 8, 32, 32, 3) and clips.dtype == "uint8"
    # the saved table is the one make_tasks builds, and its truth is consistent with the prompts
    expected = world.make_tasks("tiny")
    assert tasks["prompt"].tolist() == expected["prompt"].tolist()
    assert [world.parse_prompt(p).n_completions for p in tasks["prompt"]] == tasks["n_completions"].tolist()


def test_generation_notebook(tmp_path):
    import pandas as pd

    from squbed_utils.generators import ToyVideoGenerator, toy_config

    _execute("02_generation.ipynb", tmp_path, figures=[
        "generator_training_curves", "generator_reconstructions", "generator_samples", "generator_accuracy"])
    model_dir = TINY.artifacts_dir / "generator"
    for checkpoint in ("final", "undertrained"):
        generator = ToyVideoGenerator.from_pretrained(model_dir / checkpoint, config=toy_config("tiny"))
        clips = generator(["a red circle moves up"], [0])
        assert clips.shape == (1, 8, 32, 32, 3) and clips.dtype == "uint8"
    curves = pd.read_csv(model_dir / "training_curves.csv")
    assert set(curves["phase"]) == {"autoencoder", "codec", "denoiser"}
    assert curves["loss"].notna().all()
    accuracy = pd.read_csv(TINY.artifacts_dir / "generator_accuracy.csv", index_col=[0, 1])
    assert sorted(accuracy.index.get_level_values(0).unique()) == ["final", "under-trained"]
    assert set(accuracy.index.get_level_values(1)) == {"common", "rare", "held_out"}
    assert accuracy[["shape", "colour", "motion", "size", "all"]].stack().between(0, 1).all()

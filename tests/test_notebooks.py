"""Notebooks: stored without outputs, and each runs top to bottom on the tiny profile.

Each notebook is executed with Papermill exactly as ``make`` runs it, then its
saved outputs (figures, tables, printed checks) are inspected. Like ``make``,
the stage tests run in order (pytest keeps file order, and ``--dist loadfile``
keeps this file on one worker): each stage reads what the previous one saved
under ``artifacts/tiny/``.
"""

import json
from pathlib import Path

import nbformat
import papermill
import pytest

from squbed_utils import backends, takeaways
from squbed_utils.profiles import get_profile

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
TINY = get_profile("tiny")
#: name -> the executed copy of each notebook run by these tests with the plain tiny parameters (for the book test)
EXECUTED = {}


def _outputs_text(notebook) -> str:
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            parts.extend(str(value) for value in output.get("data", {}).values())
    return "\n".join(parts)


def _progress_bar_text(notebook) -> list[str]:
    """stderr outputs that are progress bars (carriage returns, rates) or tqdm's missing-widget warning."""
    return [output["text"] for cell in notebook.cells for output in cell.get("outputs", [])
            if output.get("name") == "stderr"
            and any(mark in output["text"] for mark in ("\r", "it/s", "s/it", "IProgress not found"))]


def _execute(name, tmp_path, figures=(), **parameters):
    """Delete the figures ``name`` should write, run it on `tiny` as `make` would, return it parsed."""
    for figure in figures:
        for extension in ("png", "pdf"):
            (TINY.figures_dir / f"{figure}.{extension}").unlink(missing_ok=True)
    out = tmp_path / name
    papermill.execute_notebook(str(ROOT / "notebooks" / name), str(out), parameters={"profile": "tiny", **parameters},
                               cwd=str(ROOT / "notebooks"), progress_bar=False)
    for figure in figures:
        for extension in ("png", "pdf"):
            path = TINY.figures_dir / f"{figure}.{extension}"
            assert path.is_file() and path.stat().st_size > 1000, f"{name} did not write {path}"
    if not parameters:
        EXECUTED[name] = out
    notebook = nbformat.read(out, as_version=4)
    spam = _progress_bar_text(notebook)
    assert not spam, f"{name} printed progress-bar text (bars are widgets, library bars are off): {spam[:2]}"
    _check_solutions(name, notebook)
    _check_takeaways(name, notebook, get_profile("tiny", **parameters.get("overrides", {})).artifacts_dir)
    return notebook


def _check_solutions(name, notebook):
    """Every solution code cell ran its checker, and the checker said the solution is correct."""
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code" or "solution" not in cell.metadata.get("tags", []):
            continue
        shown = [str(output.get("data", {}).get("text/plain", "")) + output.get("text", "")
                 for output in cell.get("outputs", [])]
        assert any(text.lstrip("'\"").startswith("Correct.") for text in shown), \
            f"{name}, cell {index}: the solution's checker did not say 'Correct.': {shown}"


def _check_takeaways(name, notebook, run_dir):
    """Every number a takeaway quotes is, as printed, what its saved table holds now."""
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            quotes = output.get("metadata", {}).get("text/markdown", {}).get(takeaways.METADATA_KEY)
            if quotes is None:
                continue
            text = output["data"]["text/markdown"]
            for quote in quotes:
                value = takeaways.read_quote(run_dir, quote["source"])
                printed = format(value, quote["format"])
                assert printed == quote["text"] and printed in text, \
                    f"{name}, cell {index}: the takeaway shows {quote['text']!r} but {quote['source']} now holds {printed!r}"


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
    # the bias figure's medians are saved, and with n = 10 points the estimate has a floor far above the truth
    import pandas as pd

    from squbed_utils import artifacts

    bias = pd.read_csv(TINY.artifacts_dir / artifacts.VMF_KAPPA_BIAS)
    assert list(bias.columns) == ["d", "n", "true_kappa", "median_estimate", "relative_bias", "within_25_percent",
                                  "uniform_floor", "repeats"]
    assert sorted(bias["n"].unique()) == [10, 100, 1000] and (bias.groupby("n").size() == 9).all()
    assert (bias["repeats"] == TINY.monte_carlo_repeats).all() and (bias["d"] == 512).all()
    floor = bias.loc[bias["n"] == 10, "median_estimate"].min()
    assert 100 < floor < 300 and abs(floor / bias.loc[bias["n"] == 10, "uniform_floor"].iloc[0] - 1) < 0.3
    # the interactive explorer drew its figure once with its default values, and the next cell showed its controls
    explorer = next(i for i, cell in enumerate(notebook.cells) if cell.source.rstrip().endswith("\nexplore_vmf()"))
    assert any("image/png" in output.get("data", {}) for output in notebook.cells[explorer].outputs)
    assert any("application/vnd.jupyter.widget-view+json" in output.get("data", {})
               for output in notebook.cells[explorer + 1].outputs)


def test_data_notebook(tmp_path):
    import pandas as pd

    from squbed_utils import world

    _execute("01_data.ipynb", tmp_path, figures=[
        "world_example_clips", "world_seed_variation", "world_training_distribution",
        "world_task_strata", "world_task_examples"])
    tasks = pd.read_csv(TINY.artifacts_dir / "tasks.csv")
    world.validate_tasks(tasks)
    assert len(tasks) == get_profile("tiny").toy.tasks
    assert set(world.TRUTH_COLUMNS) <= set(tasks.columns)
    clips = world.read_task_clips(tasks, TINY.artifacts_dir)
    assert clips.shape == (len(tasks), 8, 32, 32, 3) and clips.dtype == "uint8"
    # the saved table is the one make_tasks builds, and its truth is consistent with the prompts
    expected = backends.toy_tasks(get_profile("tiny"))
    assert tasks["prompt"].tolist() == expected["prompt"].tolist()
    assert [world.parse_prompt(p).n_completions for p in tasks["prompt"]] == tasks["n_completions"].tolist()


def test_generation_notebook(tmp_path):
    import pandas as pd

    from squbed_utils.generators import ToyVideoGenerator

    _execute("02_generation.ipynb", tmp_path, figures=[
        "generator_training_curves", "generator_reconstructions", "generator_samples", "generator_accuracy"])
    model_dir = TINY.artifacts_dir / "generator"
    for checkpoint in ("final", "undertrained"):
        generator = ToyVideoGenerator.from_pretrained(model_dir / checkpoint, config=backends.toy_generator_config(get_profile("tiny")))
        clips = generator(["a red circle moves up"], [0])
        assert clips.shape == (1, 8, 32, 32, 3) and clips.dtype == "uint8"
    curves = pd.read_csv(model_dir / "training_curves.csv")
    assert set(curves["phase"]) == {"autoencoder", "codec", "denoiser"}
    assert curves["loss"].notna().all()
    accuracy = pd.read_csv(TINY.artifacts_dir / "generator_accuracy.csv", index_col=[0, 1])
    assert sorted(accuracy.index.get_level_values(0).unique()) == ["final", "under-trained"]
    assert set(accuracy.index.get_level_values(1)) == {"common", "rare", "held_out", "unseen"}
    assert accuracy[["shape", "colour", "motion", "size", "all"]].stack().between(0, 1).all()


def test_latent_conditioning_notebook(tmp_path):
    import pandas as pd

    from squbed_utils import world
    from squbed_utils.store import ArrayStore

    notebook = _execute("03_latent_conditioning.ipynb", tmp_path, figures=["latent_conditioning_example"])
    tasks = pd.read_csv(TINY.artifacts_dir / "tasks.csv")
    latents = pd.read_csv(TINY.artifacts_dir / "latent_prompts.csv")
    assert len(latents) == len(tasks) * TINY.n_latents
    assert (latents.groupby("task_id")["latent_prompt"].nunique() == TINY.n_latents).all()
    prompts = tasks.set_index("id")["prompt"]
    assert all(world.is_refinement(prompts[t], z) for t, z in zip(latents["task_id"], latents["latent_prompt"]))
    store = ArrayStore(TINY.artifacts_dir / "cache")
    clips = store.load(latents["video_key"].iloc[0])
    assert clips.shape == (TINY.n_videos, 8, 32, 32, 3) and clips.dtype == "uint8"
    assert all(key in store for key in latents["video_key"])
    settings = json.loads((TINY.artifacts_dir / "generation.json").read_text())
    assert (settings["n"], settings["m"], settings["videos"]) == (3, 3, len(latents) * 3)
    assert "consistent with the task" in _outputs_text(notebook)  # the LLM examples ran


def test_decomposition_notebook(tmp_path):
    import numpy as np
    import pandas as pd

    from squbed_utils import artifacts

    notebook = _execute("04_decomposition.ipynb", tmp_path, figures=["decomposition_examples", "decomposition_vs_truth"])
    table = pd.read_csv(TINY.artifacts_dir / "uncertainty.csv")
    assert sorted(table["embedder"].unique()) == ["frame_features", "toy_clip"]
    assert (table.groupby("embedder").size() == 8).all()
    values = table[["aleatoric", "epistemic", "total", "direct_total"]].to_numpy()
    assert np.isfinite(values).all()
    np.testing.assert_allclose(table["total"], table["aleatoric"] + table["epistemic"])
    assert (table[["n", "m"]] == 3).all().all()
    # the summary of section 3: each component's spread across tasks and its rank agreement with the total
    summary = pd.read_csv(TINY.artifacts_dir / artifacts.UNCERTAINTY_SUMMARY)
    assert list(summary.columns) == ["embedder", "component", "mean", "std", "min", "max", "tau_with_total"]
    assert len(summary) == 8 and set(summary["component"]) == {"aleatoric", "epistemic", "total", "direct_total"}
    for (name, component), row in summary.set_index(["embedder", "component"]).iterrows():
        values = table.loc[table["embedder"] == name, component]
        np.testing.assert_allclose([row["mean"], row["std"]], [values.mean(), values.std()])
    np.testing.assert_allclose(summary.loc[summary["component"] == "total", "tau_with_total"], 1.0)
    assert summary["tau_with_total"].dropna().between(-1, 1).all()
    # the interactive explorer drew its figure once with its default values, and the next cell showed its controls
    explorer = next(i for i, cell in enumerate(notebook.cells) if cell.source.rstrip().endswith("\nexplore_decomposition()"))
    assert any("image/png" in output.get("data", {}) for output in notebook.cells[explorer].outputs)
    assert any("application/vnd.jupyter.widget-view+json" in output.get("data", {})
               for output in notebook.cells[explorer + 1].outputs)
    under = pd.read_csv(TINY.artifacts_dir / "uncertainty_undertrained.csv")
    tasks = pd.read_csv(TINY.artifacts_dir / "tasks.csv")
    assert sorted(under["task_id"]) == sorted(tasks.loc[tasks["vagueness"] == 0, "id"])
    assert np.isfinite(under[["aleatoric", "epistemic", "total"]].to_numpy()).all()
    folder = TINY.artifacts_dir / "embeddings"
    assert np.load(folder / "text_latents.npy").shape == (24, 384)
    for name, dim in [("toy_clip", 512), ("frame_features", 1280)]:
        videos, reference = np.load(folder / f"{name}_videos.npy"), np.load(folder / f"{name}_reference.npy")
        assert videos.shape == (24, 3, dim) and reference.shape == (8, dim)
        np.testing.assert_allclose(np.linalg.norm(videos, axis=-1), 1.0, atol=1e-5)


def test_calibration_notebook(tmp_path):
    import numpy as np
    import pandas as pd

    _execute("05_calibration.ipynb", tmp_path)
    scores = pd.read_csv(TINY.artifacts_dir / "accuracy.csv", index_col="task_id")
    assert len(scores) == 8 and {"cosine", "exact_match", "ssim", "psnr", "cosine_frame_features"} <= set(scores)
    assert scores[["exact_match", "attribute_match", "prompt_consistency"]].stack().between(0, 1).all()
    assert scores["cosine"].between(-1, 1).all() and np.isfinite(scores.to_numpy()).all()
    results = pd.read_csv(TINY.artifacts_dir / "calibration.csv")
    assert len(results) == 4 * len(scores.columns)  # every (uncertainty, accuracy) pair has a row
    defined = results[results["note"].isna()]
    assert defined["tau"].between(-1, 1).all() and defined["pvalue"].between(0, 1).all()
    assert (defined["ci_low"] <= defined["ci_high"]).all()
    assert results.loc[results["tau"].isna(), "note"].str.contains("undefined").all()  # never a silent NaN
    summary = json.loads((TINY.artifacts_dir / "calibration_summary.json").read_text())
    assert summary["tasks"] == 8 and set(summary["calibration_cosine"]) == {"total", "aleatoric", "epistemic"}
    subsets = pd.read_csv(TINY.artifacts_dir / "calibration_subsets.csv")
    assert set(subsets["n"]) == {3, 6}
    paired = pd.read_csv(TINY.artifacts_dir / "epistemic_by_checkpoint.csv")
    assert len(paired) == summary["epistemic_by_checkpoint"]["tasks"] > 0
    assert 0 <= summary["epistemic_by_checkpoint"]["share_higher_when_undertrained"] <= 1


def test_figures_notebook(tmp_path):
    _execute("06_figures.ipynb", tmp_path, figures=[
        "calibration_scatter", "uncertainty_distributions", "subset_decomposition", "truth_recovery",
        "epistemic_by_checkpoint", "accuracy_metric_comparison", "qualitative_grid"])


def test_same_seed_gives_identical_result_tables_from_an_empty_cache(tmp_path):
    """Determinism end to end: regenerate everything of notebooks 03-05 from scratch and compare the saved tables."""
    import shutil

    names = ["latent_prompts.csv", "latent_prompts_undertrained.csv", "uncertainty.csv", "accuracy.csv",
             "calibration.csv", "calibration_subsets.csv", "truth_recovery.csv"]
    before = {name: (TINY.artifacts_dir / name).read_bytes() for name in names}
    shutil.rmtree(TINY.artifacts_dir / "cache")
    _execute("03_latent_conditioning.ipynb", tmp_path, llm_examples=False)
    _execute("04_decomposition.ipynb", tmp_path)
    _execute("05_calibration.ipynb", tmp_path)
    changed = [name for name in names if (TINY.artifacts_dir / name).read_bytes() != before[name]]
    assert not changed, f"a rerun with the same seed changed {changed}"


def test_another_profile_seed_changes_the_tasks_the_models_and_the_clips(tmp_path):
    """The profile's seed reaches every draw: tasks, the toy video model, the toy CLIP and the sampled clips."""
    import numpy as np
    import pandas as pd

    from squbed_utils import pipeline

    other = get_profile("tiny", seed=1, artifacts=tmp_path / "seed1")
    for name in ["01_data.ipynb", "02_generation.ipynb", "03_latent_conditioning.ipynb", "04_decomposition.ipynb"]:
        extra = {"llm_examples": False} if name.startswith("03") else {}
        _execute(name, tmp_path, overrides={"seed": 1, "artifacts": str(other.artifacts_dir)}, **extra)

    def read(profile, name):
        return (profile.artifacts_dir / name).read_bytes()

    for name in ["tasks.csv", "generator/final/model.safetensors", "video_embedder/model.safetensors",
                 "uncertainty.csv"]:
        assert read(other, name) != read(TINY, name), f"{name} did not change with the seed"
    rows = [pd.read_csv(profile.artifacts_dir / "latent_prompts.csv").head(1) for profile in (TINY, other)]
    clips = [pipeline.load_videos(row, backends.cache(profile)) for row, profile in zip(rows, (TINY, other))]
    assert not np.array_equal(*clips)


def test_truth_validation_notebook(tmp_path):
    import numpy as np
    import pandas as pd

    from squbed_utils import world

    _execute("08_truth_validation.ipynb", tmp_path, figures=[
        "ladder_error_rates", "truth_scatter", "truth_tau_matrix", "epistemic_by_rung"])
    tasks = pd.read_csv(TINY.artifacts_dir / "tasks.csv")
    ladder = pd.read_csv(TINY.artifacts_dir / "truth_ladder.csv")
    models = ["5%", "15%", "40%", "100%", "perfect"]
    assert list(dict.fromkeys(ladder["model"])) == models
    assert (ladder.groupby("model").size() == len(tasks)).all()
    assert ladder["measured_ignorance"].between(0, 1).all()
    perfect = ladder[ladder["model"] == "perfect"]
    assert (perfect["measured_ignorance"] == 0).all()  # the renderer draws what it is asked, the checker reads it
    np.testing.assert_allclose(perfect["epistemic_minus_floor"], 0.0)
    # the aleatoric entropy depends on the refined prompts only, the same on every rung
    assert ladder.groupby("task_id")["aleatoric"].nunique().eq(1).all()
    # the final rung's videos are notebook 03's: the same entropies as notebook 04
    final = ladder[ladder["model"] == "100%"].set_index("task_id")
    table = pd.read_csv(TINY.artifacts_dir / "uncertainty.csv")
    primary = table[table["embedder"] == "toy_clip"].set_index("task_id")
    np.testing.assert_allclose(final.loc[primary.index, "epistemic"], primary["epistemic"])
    scores = pd.read_csv(TINY.artifacts_dir / "ladder_accuracy.csv")
    assert len(scores) == len(models) * len(world.all_attribute_combinations()) * TINY.toy.ignorance_clips_per_object
    validation = pd.read_csv(TINY.artifacts_dir / "truth_validation.csv")
    defined = validation[validation["note"].isna()]
    assert defined["tau"].between(-1, 1).all() and (defined["ci_low"] <= defined["ci_high"]).all()
    assert validation.loc[validation["tau"].isna(), "note"].str.contains("undefined").all()
    summary = json.loads((TINY.artifacts_dir / "truth_summary.json").read_text())
    assert summary["rungs"] == models and len(summary["targets"]) == 5
    assert all(isinstance(target["met"], bool) for target in summary["targets"])


def test_sensitivity_notebook(tmp_path):
    import pandas as pd

    from squbed_utils import study

    _execute("09_sensitivity.ipynb", tmp_path, figures=[
        f"sensitivity_{factor}" for factor in ("n", "m", "embedder", "concentration", "entropy")])
    table = pd.read_csv(TINY.artifacts_dir / "sensitivity.csv")
    assert set(table["factor"]) == {"n", "m", "embedder", "concentration", "entropy"}
    assert (table.groupby(["factor", "setting"]).size() == len(study.CHECKS)).all()
    assert set(table.loc[table["factor"] == "n", "setting"].astype(int)) == {2, TINY.n_latents}
    assert {"gaussian", "knn"} <= {s.split()[0] for s in table.loc[table["factor"] == "entropy", "setting"]}
    defined = table[table["note"].isna()]
    assert defined["tau"].between(-1, 1).all()
    assert table.loc[table["tau"].isna(), "note"].str.contains("undefined").all()


def test_baselines_notebook(tmp_path):
    import pandas as pd

    _execute("10_baselines.ipynb", tmp_path, figures=["baselines_vs_truth", "baselines_calibration"])
    table = pd.read_csv(TINY.artifacts_dir / "baselines.csv")
    assert set(table["kind"]) == {"truth", "calibration", "accuracy metric"}
    methods = {"total", "direct_total", "aleatoric", "epistemic", "video spread", "prompt spread", "vagueness"}
    assert set(table.loc[table["kind"] == "calibration", "method"]) == methods
    assert set(table.loc[table["kind"] == "accuracy metric", "method"]) == {
        "cosine_toy_clip", "cosine_frame_features", "ssim", "psnr"}
    defined = table[table["note"].isna()]
    assert defined["tau"].between(-1, 1).all()
    # the whole tiny run gives the numbers of the committed tiny reference (results/tiny, written by
    # `make tiny results PROFILE=tiny`)
    from squbed_utils import reference

    comparison = reference.compare(TINY.artifacts_dir, reference.results_dir("tiny"))
    drifted = comparison[~comparison["ok"]]
    assert drifted.empty, f"tiny results drifted from results/tiny:\n{drifted.head(20).to_string()}"


def test_book_of_the_tiny_run_has_every_page_and_no_broken_link(tmp_path):
    """`make book` on the tiny run: a page per notebook and the README, figures inline, every link resolves."""
    import shutil

    from squbed_utils import book

    for path in NOTEBOOKS:  # run alone, this test first runs the notebooks the file's other tests would have
        if path.name not in EXECUTED:
            _execute(path.name, tmp_path)
    executed = tmp_path / "executed"
    executed.mkdir()
    for name, path in EXECUTED.items():
        shutil.copy(path, executed / name)
    site = tmp_path / "site"
    pages = book.build_book(executed, site, figures_dir=TINY.figures_dir)
    assert sorted(p.name for p in pages) == sorted(
        ["index.html", "figures.html", "course.html"] + [p.with_suffix(".html").name for p in NOTEBOOKS])
    assert book.broken_links(site) == []
    front = (site / "index.html").read_text()
    assert "S-QUBED companion" in front and 'href="04_decomposition.html"' in front
    for path in NOTEBOOKS:
        page = (site / path.with_suffix(".html").name).read_text()
        assert page.count('class="book-nav"') == 1 and all(p.name in page for p in pages)
        assert "SavedResults(" not in page, f"{path.name}: a takeaway's code is shown (tag the cell remove-input)"
    # the figures are the notebooks' own, inline; the gallery shows every saved one
    assert "data:image/png;base64" in (site / "04_decomposition.html").read_text()
    gallery = (site / "figures.html").read_text()
    assert all(f"figures/{f.name}" in gallery for f in TINY.figures_dir.glob("*.png"))


def test_broken_links_are_reported_with_the_page_and_why(tmp_path):
    from squbed_utils import book

    (tmp_path / "a.html").write_text('<a href="b.html#two">b</a> <img src="x.png"> <a href="https://x.org">x</a>'
                                     '<h2 id="one">one</h2><a href="#one">up</a>')
    (tmp_path / "b.html").write_text('<h2 id="three">three</h2>')
    assert sorted(book.broken_links(tmp_path)) == ["a.html: b.html#two (no anchor #two in b.html)",
                                                   "a.html: x.png (no such file)"]


def test_notebook_mentions_become_links_outside_code_and_links():
    from squbed_utils import book

    pages = {"05": "05_calibration.html", "08": "08_truth_validation.html"}
    text = "See notebook 05 and notebooks 08-10, not `notebook 05` nor [notebook 05](x.html), nor notebook 42."
    assert book.link_notebook_mentions(text, pages) == (
        "See [notebook 05](05_calibration.html) and [notebooks 08](08_truth_validation.html)-10, "
        "not `notebook 05` nor [notebook 05](x.html), nor notebook 42.")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_is_paired_with_its_py_percent_text_and_in_sync(path):
    """notebooks/NN_name.py is the text reviewers diff; it must say exactly what the notebook says."""
    import jupytext

    text = path.with_suffix(".py")
    assert text.is_file(), f"{path.name} has no py:percent pair; run `make sync`"
    assert nbformat.read(path, as_version=4).metadata.get("jupytext", {}).get("formats") == "ipynb,py:percent"
    assert text.read_text() == jupytext.writes(jupytext.read(path), fmt="py:percent"), (
        f"{text.name} and {path.name} differ: edit one, then run `make sync` (jupytext --sync)")

"""The ``paper`` profile end to end: notebooks 01-06 on real-format data with tiny random real models.

Everything the paper profile needs is built here offline: a manifest of mp4
clips written by the test, a tiny random Wan text-to-video pipeline, a tiny
random CLIP, and the packaged SmolLM2 as the LLM. The notebooks run exactly
as ``make PROFILE=paper PARAMS=...`` runs them, into a temporary artifacts
folder, and their saved tables are checked.
"""

from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import papermill
import pytest

from squbed_utils.clipio import write_clip
from squbed_utils.prompts.llm import packaged_gguf_path
from squbed_utils.testing.clip import save_tiny_clip
from squbed_utils.testing.pipelines import TINY_SETTINGS, save_tiny_pipeline

ROOT = Path(__file__).resolve().parents[1]
# every notebook but the vMF primer (07), which takes no profile's data
NOTEBOOKS = [path for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")) if not path.name.startswith("07")]
CAPTIONS = ["a dog runs across a green field", "a woman slices tomatoes in a kitchen",
            "a racing game car drifts around a corner", "waves roll onto a sandy beach at sunset"]
CATEGORIES = ["Animals", "Food", "Games", "Others"]


def _clip(index: int) -> np.ndarray:
    """24 frames of 48 x 64: a bright square that moves, on a background of its own colour per clip."""
    clip = np.zeros((24, 48, 64, 3), np.uint8)
    clip[:] = np.array([40 + 50 * index, 90, 160 - 30 * index], np.uint8)
    for t in range(len(clip)):
        clip[t, 14:30, 2 * t:2 * t + 16] = 230
    return clip


@pytest.fixture(scope="module")
def paper_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("paper")
    for i in range(len(CAPTIONS)):
        write_clip(root / "clips" / f"clip{i}.mp4", _clip(i), fps=8)
    pd.DataFrame({"id": [f"real-{i}" for i in range(len(CAPTIONS))], "caption": CAPTIONS,
                  "path": [f"clip{i}.mp4" for i in range(len(CAPTIONS))], "category": CATEGORIES,
                  "start": [0.0, 0.5, 0.0, 1.0], "end": [3.0, 2.5, 2.0, 3.0]}).to_csv(root / "manifest.csv", index=False)
    wan = TINY_SETTINGS["wan"]
    overrides = {
        "manifest": str(root / "manifest.csv"), "clip_root": str(root / "clips"),
        "video_model": str(save_tiny_pipeline("wan", root / "wan")), "frames": wan["frames"],
        "height": wan["height"], "width": wan["width"], "num_inference_steps": 2,
        "stored_frames": 4, "stored_height": 32, "stored_width": 32,
        "llm": str(packaged_gguf_path()), "llm_options": {"threads": 1}, "clip_model": str(save_tiny_clip(root / "clip", image_size=32)),
        "clip_frames": 4, "device": "cpu", "torch_dtype": "float32",
        "n_latents": 3, "n_videos": 2, "artifacts": str(root / "artifacts"),
    }
    executed = {}
    for notebook in NOTEBOOKS:
        out = root / "executed" / notebook.name
        out.parent.mkdir(exist_ok=True)
        parameters = {"profile": "paper", "overrides": overrides}
        if notebook.name.startswith("05"):
            parameters.update(n_resamples=199, subset_sizes=[3, 0.75])
        if notebook.name[:2] in {"08", "09", "10"}:
            parameters.update(n_resamples=199)
        papermill.execute_notebook(str(notebook), str(out), parameters=parameters, cwd=str(ROOT / "notebooks"),
                                   progress_bar=False)
        executed[notebook.name[:2]] = nbformat.read(out, as_version=4)
    return root / "artifacts", executed


def _skipped(notebook) -> int:
    return sum("(skipped: this cell runs on toy world only; profile 'paper')" in output.get("text", "")
               for cell in notebook.cells for output in cell.get("outputs", []))


def test_paper_profile_runs_every_notebook_on_real_clips(paper_run):
    artifacts, executed = paper_run
    tasks = pd.read_csv(artifacts / "tasks.csv")
    assert tasks["id"].tolist() == [f"real-{i}" for i in range(4)] and tasks["prompt"].tolist() == CAPTIONS
    latents = pd.read_csv(artifacts / "latent_prompts.csv")
    assert len(latents) == 4 * 3 and latents.groupby("task_id")["latent_prompt"].nunique().eq(3).all()
    decomposition = pd.read_csv(artifacts / "uncertainty.csv")
    assert set(decomposition["embedder"]) == {"clip"} and len(decomposition) == 4
    assert np.isfinite(decomposition[["aleatoric", "epistemic", "total", "direct_total"]]).all().all()
    assert (decomposition[["n", "m"]] == [3, 2]).all().all()
    accuracy = pd.read_csv(artifacts / "accuracy.csv", index_col="task_id")
    assert {"cosine", "cosine_clip", "ssim", "psnr"} <= set(accuracy.columns)
    assert "exact_match" not in accuracy.columns  # real clips have no attributes to check
    assert accuracy["cosine"].between(-1, 1).all()
    calibration = pd.read_csv(artifacts / "calibration.csv")
    assert {"total", "aleatoric", "epistemic", "direct_total"} <= set(calibration["uncertainty"])
    assert not (artifacts / "truth_recovery.csv").exists() and not (artifacts / "uncertainty_undertrained.csv").exists()
    for figure in ["task_examples", "generator_samples", "latent_conditioning_example", "decomposition_examples",
                   "calibration_scatter", "qualitative_grid"]:
        assert (artifacts / "figures" / f"{figure}.png").stat().st_size > 1000, figure
    # the study's baselines need no truth: on real clips they are scored against cosine accuracy only
    baselines = pd.read_csv(artifacts / "baselines.csv")
    assert set(baselines["kind"]) == {"calibration"} and set(baselines["reference"]) == {"cosine"}
    assert {"total", "video spread", "prompt spread"} <= set(baselines["method"]) and "vagueness" not in set(baselines["method"])
    assert not (artifacts / "truth_ladder.csv").exists() and not (artifacts / "sensitivity.csv").exists()
    # the toy-world cells said they were skipped; the real-clip cells ran
    assert {name: _skipped(nb) > 0 for name, nb in executed.items()} == {
        name: True for name in ("01", "02", "03", "04", "05", "06", "08", "09", "10")}


def test_paper_profile_stores_videos_and_ground_truth_at_the_stored_geometry(paper_run):
    import json

    from squbed_utils import pipeline
    from squbed_utils.store import ArrayStore

    artifacts, _ = paper_run
    latents = pd.read_csv(artifacts / "latent_prompts.csv")
    videos = pipeline.load_videos(latents, ArrayStore(artifacts / "cache"))
    assert videos.shape == (12, 2, 4, 32, 32, 3) and videos.dtype == np.uint8
    assert np.load(artifacts / "embeddings" / "clip_reference.npy").shape[0] == 4
    record = json.loads((artifacts / "generation.json").read_text())
    assert record["videos"] == 24 and record["settings"]["video_model"].endswith("wan")

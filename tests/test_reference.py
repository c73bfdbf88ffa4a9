"""Committed reference results, the drift check, and the README's numbers written from them."""

import json
import shutil

import pandas as pd
import pytest

from squbed_utils import reference
from squbed_utils.profiles import project_root

DEFAULT = reference.results_dir("default")


@pytest.fixture
def run(tmp_path):
    """A copy of the committed default results, standing in for a finished run."""
    folder = tmp_path / "run"
    shutil.copytree(DEFAULT, folder)
    return folder


def _edit(folder, name, row, column, value):
    table = pd.read_csv(folder / name)
    table.loc[row, column] = value
    table.to_csv(folder / name, index=False)


def test_every_reference_file_is_committed_for_both_toy_profiles():
    for profile in ("default", "tiny"):
        assert sorted(p.name for p in reference.results_dir(profile).iterdir()) == sorted(reference.REFERENCE_FILES)


def test_an_identical_run_agrees_exactly(run):
    comparison = reference.compare(run, DEFAULT, exact=True)
    assert comparison["ok"].all() and len(comparison) > 1000
    assert set(comparison["file"]) == set(reference.REFERENCE_FILES)


def test_a_tau_beyond_the_tolerance_fails_and_within_it_passes_only_across_machines(run):
    tau = pd.read_csv(DEFAULT / "calibration.csv").loc[0, "tau"]
    _edit(run, "calibration.csv", 0, "tau", tau + 0.005)
    assert reference.compare(run, DEFAULT)["ok"].all()
    exact = reference.compare(run, DEFAULT, exact=True)
    assert list(exact.loc[~exact["ok"], "column"]) == ["tau"]
    _edit(run, "calibration.csv", 0, "tau", tau + 0.03)
    failed = reference.compare(run, DEFAULT).query("not ok")
    assert len(failed) == 1 and failed.iloc[0]["difference"] == pytest.approx(0.03)


def test_counts_labels_and_rows_must_match(run):
    _edit(run, "calibration.csv", 1, "n", 120)
    _edit(run, "truth_recovery.csv", 0, "check", "a renamed check")
    failed = reference.compare(run, DEFAULT).query("not ok")
    assert ("calibration.csv", "n") in set(zip(failed["file"], failed["column"]))
    renamed = failed[failed["file"] == "truth_recovery.csv"]
    assert set(renamed["reference"]) | set(renamed["value"]) >= {"missing"}  # the old row is gone, a new one came
    (run / "uncertainty.csv").unlink()
    missing = reference.compare(run, DEFAULT).query("file == 'uncertainty.csv'")
    assert len(missing) == 1 and not missing["ok"].any()


def test_entropies_and_p_values_have_relative_tolerances(run):
    table = pd.read_csv(DEFAULT / "uncertainty.csv")
    total = table.loc[0, "total"]
    _edit(run, "uncertainty.csv", 0, "total", total * (1 + 5e-4))
    assert reference.compare(run, DEFAULT)["ok"].all()
    _edit(run, "uncertainty.csv", 0, "total", total * (1 + 5e-3))
    assert not reference.compare(run, DEFAULT)["ok"].all()
    assert reference._within("pvalue", 1e-5, 1.5e-5)[0] and not reference._within("pvalue", 1e-5, 3e-5)[0]
    assert reference._within("pvalue", 0.40, 0.405)[0] and not reference._within("pvalue", 0.40, 0.42)[0]


def test_json_summaries_are_compared_leaf_by_leaf(run):
    summary = json.loads((DEFAULT / "calibration_summary.json").read_text())
    summary["calibration_cosine"]["total"]["tau"] += 0.1
    (run / "calibration_summary.json").write_text(json.dumps(summary))
    failed = reference.compare(run, DEFAULT).query("not ok")
    assert list(zip(failed["row"], failed["column"])) == [("calibration_cosine.total", "tau")]


def test_no_reference_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="make results"):
        reference.compare(tmp_path, tmp_path / "nothing")


def test_make_check_prints_the_comparison_and_fails_on_drift(run, monkeypatch, capsys):
    monkeypatch.setattr(reference, "results_dir", lambda name: DEFAULT)
    from squbed_utils import profiles

    monkeypatch.setattr(profiles.Profile, "artifacts_dir", property(lambda self: run))
    assert reference.main(["--profile", "default", "--exact"]) == 0
    assert "agree with results/default/ (exactly)" in capsys.readouterr().out
    _edit(run, "generator_accuracy.csv", 0, "shape", 0.5)
    assert reference.main(["--profile", "default"]) == 1
    out = capsys.readouterr().out
    assert "generator_accuracy.csv" in out and "beyond tolerance" in out


@pytest.mark.parametrize("start, end, write", reference.README_BLOCKS, ids=["results", "study"])
def test_the_readme_quotes_the_committed_results(start, end, write):
    readme = (project_root() / "README.md").read_text()
    block = readme.split(start + "\n", 1)[1].split(end, 1)[0]
    assert block == write(DEFAULT), "README numbers are stale: run `make results`"


def test_update_results_copies_the_tables_and_rewrites_the_readme_block(run, tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# title\n{reference.README_START}\nold numbers\n{reference.README_END}\n"
                      f"{reference.STUDY_START}\nold study\n{reference.STUDY_END}\nafter\n")
    _edit(run, "generator_accuracy.csv", 0, "shape", 0.5)
    reference.update_results(run, tmp_path / "results", readme)
    assert (tmp_path / "results" / "generator_accuracy.csv").read_bytes() == (run / "generator_accuracy.csv").read_bytes()
    text = readme.read_text()
    assert "old numbers" not in text and "old study" not in text and text.endswith(f"{reference.STUDY_END}\nafter\n")
    assert "| target | measured | 95% CI | met |" in text
    assert "| final | common | 50% |" in text
    readme.write_text("no markers")
    with pytest.raises(ValueError, match="lacks the lines"):
        reference.update_results(run, tmp_path / "results", readme)

"""Takeaways quote saved tables, and the notebooks' own text types in no result.

A result a notebook quotes goes through :func:`squbed_utils.takeaways.takeaway`,
which reads it from the saved table; ``tests/test_notebooks.py`` re-reads every
quote of every executed notebook. Here: the reader itself, and a scan of the
notebooks' markdown for numbers that look like results (decimals, percentages,
negative numbers such as entropies in nats) but are typed in.
"""

import json
import math
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from squbed_utils import takeaways
from squbed_utils.takeaways import SavedResults, takeaway

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

#: Numbers the notebooks' markdown may type in, with why: settings and targets fixed before any run,
#: and the paper's own results (PAPER.md), quoted side by side. Anything else is a result and must be
#: quoted from a saved table with `takeaway`.
STATIC_NUMBERS = {
    "95%": "the level of every confidence interval",
    "5%": "a rung of the knowledge ladder (fraction of training)",
    "15%": "the under-trained checkpoint (fraction of training)",
    "40%": "a rung of the knowledge ladder",
    "100%": "the final model (all of training)",
    "0.8": "target of notebook 08: tau of a component against its own truth",
    "0.2": "target of notebook 08: |tau| against the other component's truth",
    "90%": "target of notebook 08: share of tasks with higher epistemic entropy on the weaker rung",
    "-2300": "the paper's range of total entropies",
    "-1800": "the paper's range of total entropies",
    "-0.16": "paper: Panda-70M calibration tau", "-0.09": "paper: VidGen-1M calibration tau",
    "0.001": "paper: Panda-70M p", "0.101": "paper: VidGen-1M p",
    "-0.73": "paper: aleatoric subset tau", "0.056": "paper: aleatoric subset p",
    "-0.87": "paper: epistemic subset tau", "0.017": "paper: epistemic subset p",
    "0.076": "paper: VidGen-1M aleatoric p", "0.083": "paper: VidGen-1M epistemic p", "-1": "paper: tau = -1",
}
_NUMBER = re.compile(r"(?<![\w.])[-−–]?\d+(?:\.\d+)?%|(?<![\w.])[-−–]?\d+\.\d+|(?<![\w.\]])[-−–]\d+")


def typed_in_numbers(markdown: str) -> list[str]:
    """The result-like numbers of a markdown text, outside inline code; minus signs normalised to '-'."""
    prose = re.sub(r"`[^`]*`", "", markdown)
    return [re.sub("[−–]", "-", number) for number in _NUMBER.findall(prose)]


def test_typed_in_numbers_finds_decimals_percentages_and_negative_numbers():
    assert typed_in_numbers("tau = 0.48 and 88% vs −780 nats, `seed=-3`, notebook 05, d = 512") == [
        "0.48", "88%", "-780"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_markdown_types_in_no_result(path):
    notebook = nbformat.read(path, as_version=4)
    typed = [(i, number) for i, cell in enumerate(notebook.cells) if cell.cell_type == "markdown"
             for number in typed_in_numbers(cell.source) if number not in STATIC_NUMBERS]
    assert not typed, (f"{path.name} types in numbers {typed} (cell, number): quote results from the saved "
                       "tables with squbed_utils.takeaways.takeaway, or add a fixed setting to STATIC_NUMBERS")


@pytest.fixture
def run(tmp_path):
    pd.DataFrame({"uncertainty": ["total", "aleatoric", "total"], "accuracy": ["cosine", "cosine", "exact"],
                  "tau": [-0.4412, 0.25, -0.1]}).to_csv(tmp_path / "calibration.csv", index=False)
    (tmp_path / "summary.json").write_text(json.dumps({"targets": {"leak": {"tau": 0.236, "met": False}, "blind": {"tau": None}},
                                                       "rungs": [0.05, 0.4]}))
    return tmp_path


def test_a_number_is_read_from_one_row_or_reduced_over_several(run):
    saved = SavedResults(run)
    tau = saved.number("calibration.csv", "tau", where={"uncertainty": "total", "accuracy": "cosine"})
    assert tau == -0.4412 and tau.source["file"] == "calibration.csv"
    assert saved.number("calibration.csv", "tau", where={"uncertainty": "total"}, aggregate="mean") == pytest.approx(-0.2706)
    assert saved.number("calibration.csv", "tau", aggregate="count") == 3
    assert saved.number("summary.json", key="targets.leak.tau") == 0.236
    assert saved.number("summary.json", key="rungs.1") == 0.4
    assert math.isnan(saved.number("summary.json", key="targets.blind.tau"))  # JSON null: undefined on this run
    assert saved.number("calibration.csv", "uncertainty", where={"accuracy": "cosine"}, aggregate="count") == 2


def test_a_selection_that_is_not_one_row_or_a_missing_column_says_what_to_do(run):
    saved = SavedResults(run)
    with pytest.raises(ValueError, match="selects 2 rows, not one: narrow `where` or give an `aggregate`"):
        saved.number("calibration.csv", "tau", where={"uncertainty": "total"})
    with pytest.raises(KeyError, match="no column 'kappa'"):
        saved.number("calibration.csv", "kappa")
    with pytest.raises(KeyError, match="no key 'targets.gap'"):
        saved.number("summary.json", key="targets.gap")
    with pytest.raises(FileNotFoundError, match="run the notebook that saves baselines.csv first"):
        saved.number("baselines.csv", "tau")
    with pytest.raises(ValueError, match="aggregate must be one of"):
        saved.number("calibration.csv", "tau", aggregate="mode")
    with pytest.raises(ValueError, match="give `key`"):
        saved.number("summary.json")


def test_takeaway_formats_the_numbers_and_records_their_sources(run):
    saved = SavedResults(run)
    tau = saved.number("calibration.csv", "tau", where={"uncertainty": "total", "accuracy": "cosine"})
    shown = takeaway("Total uncertainty {direction} as accuracy rises (tau {tau:+.2f}).",
                     tau=tau, direction=takeaways.signed(tau, "rises", "falls"))
    text, metadata = shown._repr_markdown_()
    assert text == "Total uncertainty falls as accuracy rises (tau -0.44)."
    (quote,) = metadata[takeaways.METADATA_KEY]
    assert quote["text"] == "-0.44" and takeaways.read_quote(run, quote["source"]) == tau
    with pytest.raises(KeyError, match="no value named 'p'"):
        takeaway("p = {p:.3f}")


def test_strength_words_follow_the_size_of_tau():
    assert [takeaways.strength(t) for t in (0.05, -0.2, 0.45, -0.8)] == ["negligible", "weak", "moderate", "strong"]


@pytest.fixture
def taus(tmp_path):
    """A saved table of taus with intervals: one defined row, one without an interval, one undefined (NaN)."""
    pd.DataFrame({"method": ["total", "spread", "constant", "small"],
                  "tau": [-0.4412, -0.2, float("nan"), -0.4412],
                  "ci_low": [-0.61, float("nan"), float("nan"), -0.5],
                  "ci_high": [-0.22, float("nan"), float("nan"), -0.3]}).to_csv(tmp_path / "taus.csv", index=False)
    return takeaways.Quotes(SavedResults(tmp_path))


def test_quotes_return_fields_that_takeaway_fills_in_and_records(taus):
    q = taus
    total = q.number("total", "+.2f", "taus.csv", "tau", where={"method": "total"})
    mean = q.number("mean", ".3f", "taus.csv", "tau", aggregate="mean")  # of the defined taus
    assert (total, mean) == ("{total:+.2f}", "{mean:.3f}")
    assert isinstance(q["total"], takeaways.Quoted) and q.value("total") == -0.4412 and math.isnan(q.value("never read"))
    text, metadata = takeaway(f"tau {total}, mean {mean}", **q)._repr_markdown_()
    assert text == "tau -0.44, mean -0.361"
    assert [quote["text"] for quote in metadata[takeaways.METADATA_KEY]] == ["-0.44", "-0.361"]


def test_an_undefined_number_shows_as_undefined_and_is_not_quoted(taus):
    q = taus
    field = q.number("constant", "+.2f", "taus.csv", "tau", where={"method": "constant"})
    assert field == takeaways.UNDEFINED == "undefined" and math.isnan(q["constant"])
    assert q.tau("constant", "taus.csv", {"method": "constant"}, ci=True) == "undefined"
    assert q.tau("constant", "taus.csv", {"method": "constant"}, symbol="$\\tau$") == "$\\tau$ undefined"
    text, metadata = takeaway(f"tau {field}", **q)._repr_markdown_()
    assert text == "tau undefined" and metadata[takeaways.METADATA_KEY] == []


def test_a_tau_comes_with_its_interval_when_asked_and_defined(taus):
    q = taus
    assert q.tau("total", "taus.csv", {"method": "total"}) == "{total:+.2f}"
    with_ci = q.tau("total", "taus.csv", {"method": "total"}, ci=True)
    assert with_ci == "{total:+.2f} [{total_low:+.2f}, {total_high:+.2f}]" and q.shown["total"] == with_ci
    assert q.tau("spread", "taus.csv", {"method": "spread"}, ci=True) == "{spread:+.2f}"  # its interval is NaN
    labelled = q.tau("wide", "taus.csv", {"method": "total"}, ci=True, spec="+.1f", symbol="$\\tau$")
    assert labelled == "$\\tau$ = {wide:+.1f} [{wide_low:+.1f}, {wide_high:+.1f}]"
    text, _ = takeaway(f"{with_ci}; {labelled}", **q)._repr_markdown_()
    assert text == "-0.44 [-0.61, -0.22]; $\\tau$ = -0.4 [-0.6, -0.2]"


def test_comparisons_choose_their_words_from_two_named_numbers(taus):
    q = taus
    for method in ("total", "spread", "constant", "small"):
        q.tau(method, "taus.csv", {"method": method})
    assert q.trend("total", "spread") == "rises from {total:+.2f} to {spread:+.2f}"
    assert q.trend("spread", "total") == "falls from {spread:+.2f} to {total:+.2f}"
    assert q.trend("total", "small") == "stays level from {total:+.2f} to {small:+.2f}"
    assert q.trend("total", "spread", rising="climbs", tolerance=0.5).startswith("stays level")
    assert q.trend("total", "constant") == "is undefined on this profile"
    assert q.than("spread", "total") == "more than" and q.than("total", "spread", "above", "below") == "below"
    assert q.than("total", "small", same="level with") == "level with" and q.than("total", "constant") is None
    assert q.same("total", "small") and not q.same("total", "spread") and not q.same("total", "constant")
    q.number("also_constant", ".2f", "taus.csv", "tau", where={"method": "constant"})
    assert q.same("constant", "also_constant")  # both undefined


def test_strongly_is_the_adverb_of_strength_with_its_sign():
    assert [takeaways.strongly(t) for t in (0.05, -0.05, 0.2, -0.45, 0.8, -0.8)] == [
        "negligibly", "negligibly", "weakly", "moderately and inversely", "strongly", "strongly and inversely"]
    assert takeaways.strongly(float("nan")) == "in no defined way"


def test_interval_side_says_where_an_interval_lies_against_zero():
    assert [takeaways.interval_side(lo, hi) for lo, hi in [(-0.5, -0.1), (0.1, 0.4), (-0.1, 0.2)]] == [
        "below 0", "above 0", "across 0"]
    assert takeaways.interval_side(float("nan"), 0.2) == "undefined"
    assert takeaways.interval_side(-0.3, 0.1, across="includes 0", undefined="is undefined") == "includes 0"

"""Committed reference results and the drift check: does this run give the numbers the repository quotes?

A run's headline tables (:data:`REFERENCE_FILES`, saved under
``artifacts/<profile>/``) are committed in ``results/<profile>/`` by
``make results``; the README's numbers are written from them
(:func:`readme_results`). :func:`compare` lines a run up against them, value by
value, and ``make check`` (``python -m squbed_utils.reference``) prints, per
table and column, the reference, the new value and the difference, and fails
when a value moves beyond its tolerance.

Tolerances
----------
``exact=True`` (a rerun on the same machine): every value must be equal, bit
for bit; the pipeline is deterministic there (``tests/test_notebooks.py``).

Across machines the committed models give the same weights everywhere, but
inference still rounds differently on other CPUs (other vector kernels, other
summation orders), so a few pixels of a generated clip can move by one level and
an embedding in its last bits. The cross-machine tolerances are set from a run
that emulates another CPU on this one (torch, oneDNN and MKL restricted to AVX2
instead of AVX-512, one thread; see the README), with a margin:

===================================  ==============================================
quantity                             tolerance across machines
===================================  ==============================================
integers (counts, n), labels         none: equal
Kendall tau, its CI, baselines       0.02 absolute
p-values                             0.01 absolute, or a factor 2 when below 0.01
entropies (nats)                     0.1% of the value
accuracies, shares, ECE, MCE         0.01 absolute
===================================  ==============================================
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from . import artifacts, world

__all__ = ["REFERENCE_FILES", "TOLERANCES", "P_FACTOR", "README_START", "README_END", "STUDY_START", "STUDY_END",
           "README_BLOCKS", "compare", "column_report", "results_dir", "readme_results", "readme_study", "update_results",
           "main"]

#: The tables committed as reference, and the columns that identify a row of each.
REFERENCE_FILES: dict[str, tuple[str, ...]] = {
    artifacts.CALIBRATION: ("uncertainty", "accuracy"),
    artifacts.CALIBRATION_SUBSETS: ("uncertainty", "subset", "size_asked"),
    artifacts.TRUTH_RECOVERY: ("check",),
    artifacts.GENERATOR_ACCURACY: ("checkpoint", "knowledge"),
    artifacts.EPISTEMIC_BY_CHECKPOINT: ("task_id",),
    artifacts.UNCERTAINTY: ("task_id", "embedder"),
    artifacts.CALIBRATION_SUMMARY: (),
    artifacts.TRUTH_VALIDATION: ("scope", "uncertainty", "truth"),
    artifacts.TRUTH_SUMMARY: (),
    artifacts.SENSITIVITY: ("factor", "setting", "check"),
    artifacts.BASELINES: ("kind", "method", "reference"),
}

#: Tolerance kind of each value, by column (or JSON key) name; anything else is compared as "relative".
_KINDS = {
    **dict.fromkeys(("tau", "ci_low", "ci_high", "oracle_tau", "normalized_tau", "random_mean", "random_std"), "tau"),
    **dict.fromkeys(("pvalue", "perm_pvalue", "wilcoxon_p", "confidence"), "pvalue"),
    **dict.fromkeys(("aleatoric", "epistemic", "total", "direct_total", "final", "undertrained",
                     "median_difference_nats"), "nats"),
    **dict.fromkeys(("shape", "colour", "motion", "size", "all", "ece", "mce", "share_higher_when_undertrained",
                     *world.KNOWLEDGE_LEVELS, "value", "epistemic higher on weaker",
                     "epistemic_minus_floor higher on weaker", "measured_ignorance higher on weaker"), "fraction"),
}
#: Cross-machine tolerance of each kind: (absolute, relative); see the module docstring.
TOLERANCES: dict[str, tuple[float, float]] = {
    "tau": (0.02, 0.0), "pvalue": (0.01, 0.0), "nats": (0.0, 1e-3), "fraction": (0.01, 0.0), "relative": (0.0, 1e-3),
}
#: p-values below the absolute p tolerance may differ by this factor (a p of 1e-40 is compared in scale, not size).
P_FACTOR = 2.0


def results_dir(profile_name: str) -> Path:
    """``results/<profile>/`` of the repository: where the reference tables of a profile are committed."""
    from .profiles import project_root

    return project_root() / "results" / profile_name


def _flatten(value, prefix: str = "") -> Iterator[tuple[str, object]]:
    """(dotted key, leaf) pairs of a JSON document; list items are keyed by their index."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _flatten(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _flatten(item, f"{prefix}[{index}]")
    else:
        yield prefix, value


def _values(path: Path, keys: tuple[str, ...]) -> dict[tuple[str, str], object]:
    """{(row, column): value} of a reference file; rows are the key columns joined by ``|``."""
    if path.suffix == ".json":
        flat = dict(_flatten(json.loads(path.read_text())))
        return {(key.rsplit(".", 1)[0] if "." in key else "", key.rsplit(".", 1)[-1]): value
                for key, value in flat.items()}
    table = pd.read_csv(path, keep_default_na=False, na_values=[""])
    rows = table[list(keys)].astype(str).agg("|".join, axis=1)
    if rows.duplicated().any():
        raise ValueError(f"{path} has rows that share their key {keys}; it cannot be compared row by row")
    return {(row, column): value for column in table.columns if column not in keys
            for row, value in zip(rows, table[column])}


def _number(value) -> float | None:
    """A number as float; None for labels (strings, booleans, null)."""
    return None if value is None or isinstance(value, (bool, str)) else float(value)


def _within(kind: str, reference: float, value: float) -> tuple[bool, float]:
    """Whether ``value`` is within the cross-machine tolerance of ``reference``; and the tolerance used."""
    absolute, relative = TOLERANCES[kind]
    if kind == "pvalue" and min(reference, value) < absolute:  # small p-values: within a factor P_FACTOR
        ratio = max(reference, value) / max(min(reference, value), 1e-300)
        return ratio <= P_FACTOR, P_FACTOR
    allowed = max(absolute, relative * abs(reference))
    return abs(value - reference) <= allowed, allowed


def compare(run_dir: str | os.PathLike, reference_dir: str | os.PathLike, *, exact: bool = False) -> pd.DataFrame:
    """Every reference value beside this run's, with its difference and whether it is within tolerance.

    Parameters
    ----------
    run_dir : folder
        A run's ``artifacts/<profile>/``.
    reference_dir : folder
        ``results/<profile>/``: the committed reference tables.
    exact : bool, default False
        True: every value must be equal (a rerun on the same machine). False:
        numbers within the cross-machine :data:`TOLERANCES`, integers and labels equal.

    Returns
    -------
    DataFrame
        One row per value: ``file``, ``row``, ``column``, ``kind``, ``reference``,
        ``value``, ``difference`` (NaN for labels), ``tolerance`` and ``ok``.
        A row or file missing from the run, or a new row, is a row with ``ok`` False.

    Raises
    ------
    FileNotFoundError
        If ``reference_dir`` holds none of the reference files.
    """
    run_dir, reference_dir = Path(run_dir), Path(reference_dir)
    present = [name for name in REFERENCE_FILES if (reference_dir / name).is_file()]
    if not present:
        raise FileNotFoundError(f"{reference_dir} holds no reference results ({', '.join(REFERENCE_FILES)}); "
                                "write them with `make results` from a finished run")
    records = []
    for name in present:
        reference = _values(reference_dir / name, REFERENCE_FILES[name])
        if not (run_dir / name).is_file():
            records.append(dict(file=name, row="", column="", kind="file", reference="present", value="missing",
                                difference=math.nan, tolerance=0.0, ok=False))
            continue
        new = _values(run_dir / name, REFERENCE_FILES[name])
        for key in sorted(set(reference) | set(new)):
            records.append(_compare_value(name, key, reference.get(key, "missing"), new.get(key, "missing"), exact))
    return pd.DataFrame(records)


def _compare_value(name: str, key: tuple[str, str], reference, value, exact: bool) -> dict:
    row, column = key
    kind = _KINDS.get(column, "relative")
    a, b = _number(reference), _number(value)
    record = dict(file=name, row=row, column=column, kind=kind, reference=reference, value=value,
                  difference=math.nan, tolerance=0.0)
    if a is None or b is None or math.isnan(a) or math.isnan(b):
        same = reference == value or (a is not None and b is not None and math.isnan(a) and math.isnan(b))
        return {**record, "kind": "label", "ok": same}
    record["difference"] = b - a
    if exact or (a.is_integer() and b.is_integer() and kind == "relative"):  # counts must be equal
        return {**record, "kind": "exact" if exact else "integer", "ok": a == b}
    ok, tolerance = _within(kind, a, b)
    return {**record, "tolerance": tolerance, "ok": ok}


def column_report(comparison: pd.DataFrame) -> pd.DataFrame:
    """Per file and column: how many values, the largest difference (with its reference and new value), all ok."""
    rows = []
    for (name, column), part in comparison.groupby(["file", "column"], sort=False):
        differences = part["difference"].abs()
        worst = part.loc[differences.idxmax()] if differences.notna().any() else part.iloc[0]
        rows.append(dict(file=name, column=column, values=len(part), reference=worst["reference"],
                         new=worst["value"], largest_difference=worst["difference"], tolerance=worst["tolerance"],
                         ok=bool(part["ok"].all())))
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------------------------
# The README's numbers, written from the committed results


def readme_results(reference_dir: str | os.PathLike) -> str:
    """The README's "What it finds on the default profile" tables, as Markdown, from ``reference_dir``."""
    folder = Path(reference_dir)
    calibration = pd.read_csv(folder / artifacts.CALIBRATION).set_index(["uncertainty", "accuracy"])
    summary = json.loads((folder / artifacts.CALIBRATION_SUMMARY).read_text())
    truth = pd.read_csv(folder / artifacts.TRUTH_RECOVERY).set_index("check")
    generator = pd.read_csv(folder / artifacts.GENERATOR_ACCURACY)
    names = {"total": "total (A + E, the paper's)", "aleatoric": "aleatoric A", "epistemic": "epistemic E",
             "direct_total": "direct total (one vMF on all n m videos)"}
    lines = ["| uncertainty | tau vs cosine accuracy | p | 95% CI (paired BCa bootstrap) | tau vs exact attribute match "
             "| tau vs prompt consistency |", "| --- | --- | --- | --- | --- | --- |"]
    for component, label in names.items():
        cosine = calibration.loc[(component, "cosine")]
        lines.append(f"| {label} | {cosine['tau']:.3f} | {cosine['pvalue']:.2g} | [{cosine['ci_low']:.2f}, "
                     f"{cosine['ci_high']:.2f}] | {calibration.loc[(component, 'exact_match'), 'tau']:.3f} | "
                     f"{calibration.loc[(component, 'prompt_consistency'), 'tau']:.3f} |")
    subsets = pd.read_csv(folder / artifacts.CALIBRATION_SUBSETS)
    lines += ["", "The paper's subset analysis (each component on the tasks where the other is lowest; tau against "
                  "cosine accuracy):", "", "| component | tasks | tau | p | 95% CI |", "| --- | --- | --- | --- | --- |"]
    for _, row in subsets.iterrows():
        lines.append(f"| {row['uncertainty']} on the {row['n']} with the {row['subset']} | {row['n']} | "
                     f"{row['tau']:.3f} | {row['pvalue']:.2g} | [{row['ci_low']:.2f}, {row['ci_high']:.2f}] |")
    checkpoints = summary.get("epistemic_by_checkpoint", {})
    lines += ["", f"{summary['tasks']} tasks, n = {summary['n']}, m = {summary['m']}, video embedder "
              f"`{summary['primary_video_embedder']}`. Against the truth built into the toy world:", "",
              "| check | tau | p | 95% CI |", "| --- | --- | --- | --- |"]
    for check, row in truth.iterrows():
        lines.append(f"| {check} | {row['tau']:.3f} | {row['pvalue']:.2g} | [{row['ci_low']:.2f}, {row['ci_high']:.2f}] |")
    if checkpoints:
        lines += ["", f"The under-trained checkpoint's epistemic entropy is higher than the final model's on "
                      f"{checkpoints['share_higher_when_undertrained']:.0%} of the {checkpoints['tasks']} fully "
                      f"specified tasks (median {checkpoints['median_difference_nats']:+.0f} nats, one-sided Wilcoxon "
                      f"p = {checkpoints['wilcoxon_p']:.2g})."]
    objects = len(world.all_attribute_combinations())
    per_object = int(generator.groupby("checkpoint")["n"].sum().iloc[0]) // objects
    lines += ["", f"The toy video model itself (checker accuracy on generated clips, {per_object} samples of each of "
                  f"the {objects} objects, guidance 2):", "",
              "| checkpoint | concepts | shape | colour | motion | size | all four |",
              "| --- | --- | --- | --- | --- | --- | --- |"]
    for _, row in generator.iterrows():
        cells = " | ".join(f"{row[c]:.0%}" for c in ("shape", "colour", "motion", "size", "all"))
        lines.append(f"| {row['checkpoint']} | {row['knowledge'].replace('_', ' ')} | {cells} |")
    return "\n".join(lines) + "\n"


#: The README's generated block lies between these two lines.
README_START = "<!-- results: written by `make results` from results/default/; do not edit by hand -->"
README_END = "<!-- end of results -->"
STUDY_START = "<!-- study: written by `make results` from results/default/; do not edit by hand -->"
STUDY_END = "<!-- end of study -->"


def readme_study(reference_dir: str | os.PathLike) -> str:
    """The README's "What the decomposition does and does not measure" tables, as Markdown, from ``reference_dir``."""
    folder = Path(reference_dir)
    summary = json.loads((folder / artifacts.TRUTH_SUMMARY).read_text())
    validation = pd.read_csv(folder / artifacts.TRUTH_VALIDATION)
    baselines = pd.read_csv(folder / artifacts.BASELINES)
    lines = [f"{summary['tasks']} tasks, n = {summary['n']}, m = {summary['m']}, video embedder "
             f"`{summary['video_embedder']}`; the targets were set before the run (notebook 08):", "",
             "| target | measured | 95% CI | met |", "| --- | --- | --- | --- |"]
    for target in summary["targets"]:
        interval = ("" if target["ci_low"] is None else f"[{target['ci_low']:.2f}, {target['ci_high']:.2f}]")
        lines.append(f"| {target['target']} | {target['tau']:.3f} | {interval} | {'yes' if target['met'] else 'no'} |")
    lines += ["", "Kendall tau of every uncertainty against both truths (95% BCa CI):", "",
              "| uncertainty | scope | vs aleatoric truth | vs measured ignorance |", "| --- | --- | --- | --- |"]
    for (scope, component), part in validation.groupby(["scope", "uncertainty"], sort=False):
        cells = [f"{row['tau']:.2f} [{row['ci_low']:.2f}, {row['ci_high']:.2f}]" for _, row in
                 part.set_index("truth").loc[["aleatoric truth", "measured ignorance"]].iterrows()]
        lines.append(f"| {component.replace('_', ' ')} | {scope} | {cells[0]} | {cells[1]} |")
    truth = baselines[baselines["kind"] == "truth"].pivot(index="method", columns="reference", values="tau")
    calibration = baselines[(baselines["kind"] == "calibration") & (baselines["reference"] == "cosine")].set_index("method")
    lines += ["", "S-QUBED beside the baselines (notebook 10; tau, calibration against cosine accuracy):", "",
              "| method | vs aleatoric truth | vs measured ignorance | vs cosine accuracy |",
              "| --- | --- | --- | --- |"]
    for method in calibration.index:
        lines.append(f"| {method.replace('_', ' ')} | {truth.loc[method, 'aleatoric truth']:.2f} | "
                     f"{truth.loc[method, 'measured ignorance']:.2f} | {calibration.loc[method, 'tau']:.2f} |")
    metrics = baselines[baselines["kind"] == "accuracy metric"]
    agreement = ", ".join(f"{row['method'].replace('_', ' ')} {row['tau']:.2f}" for _, row in metrics.iterrows())
    lines += ["", f"Accuracy metrics against exact attribute accuracy, per task (tau): {agreement}."]
    return "\n".join(lines) + "\n"


#: The README's generated blocks: their opening and closing lines and the function that writes each.
README_BLOCKS = ((README_START, README_END, readme_results), (STUDY_START, STUDY_END, readme_study))


def update_results(run_dir: str | os.PathLike, reference_dir: str | os.PathLike,
                   readme: str | os.PathLike | None = None) -> list[Path]:
    """Copy a run's :data:`REFERENCE_FILES` to ``reference_dir``; rewrite the README's generated block from them.

    Raises
    ------
    FileNotFoundError
        If the run lacks a reference file (run every notebook first).
    ValueError
        If ``readme`` lacks the opening or closing line of one of :data:`README_BLOCKS`.
    """
    from .store import atomic_write

    run_dir, reference_dir = Path(run_dir), Path(reference_dir)
    missing = [name for name in REFERENCE_FILES if not (run_dir / name).is_file()]
    if missing:
        raise FileNotFoundError(f"{run_dir} lacks {missing}; run every notebook (make) before `make results`")
    written = []
    for name in REFERENCE_FILES:
        data = (run_dir / name).read_bytes()
        written.append(atomic_write(reference_dir / name, lambda file: file.write(data)))
    if readme is not None:
        text = Path(readme).read_text()
        for start, end, write in README_BLOCKS:
            if start not in text or end not in text:
                raise ValueError(f"{readme} lacks the lines {start!r} and {end!r} around its generated numbers")
            head, rest = text.split(start, 1)
            text = f"{head}{start}\n{write(reference_dir)}{end}{rest.split(end, 1)[1]}"
        written.append(atomic_write(readme, lambda file: file.write(text), binary=False))
    return written


def main(argv: list[str] | None = None) -> int:
    """``make check``: compare ``artifacts/<profile>/`` with ``results/<profile>/``; exit 1 on drift."""
    from .profiles import get_profile

    parser = argparse.ArgumentParser(description="Compare a run's tables with the committed reference results.")
    parser.add_argument("--profile", default="default")
    parser.add_argument("--exact", action="store_true", help="require equal values (a rerun on the same machine)")
    parser.add_argument("--all", action="store_true", help="list every value, not one line per column")
    parser.add_argument("--update", action="store_true",
                        help="instead of checking, make this run the reference (and rewrite the README's numbers)")
    args = parser.parse_args(argv)
    settings = get_profile(args.profile)
    if args.update:
        from .profiles import project_root

        readme = project_root() / "README.md" if settings.name == "default" else None
        for path in update_results(settings.artifacts_dir, results_dir(settings.name), readme):
            print(f"wrote {path}")
        return 0
    comparison = compare(settings.artifacts_dir, results_dir(settings.name), exact=args.exact)
    report = comparison if args.all else column_report(comparison)
    with pd.option_context("display.max_rows", None, "display.width", 200, "display.max_colwidth", 40):
        print(report.to_string(index=False))
    failed = comparison[~comparison["ok"]]
    mode = "exactly" if args.exact else "within the cross-machine tolerances"
    if len(failed):
        print(f"\n{len(failed)} of {len(comparison)} values differ from results/{settings.name}/ beyond tolerance "
              f"({mode}):")
        print(failed[["file", "row", "column", "reference", "value", "difference", "tolerance"]].head(40)
              .to_string(index=False))
        return 1
    print(f"\nall {len(comparison)} values agree with results/{settings.name}/ ({mode})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Takeaways: the sentences after a result, with every number read from the run's saved tables.

A notebook's text must not contradict the output beside it, on any profile and
after any rerun. So a number a sentence quotes is never typed in: it is read
from the table the notebook saved (``artifacts/<profile>/``) and formatted into
the sentence, which is shown as markdown::

    saved = SavedResults(settings)
    tau = saved.number("calibration.csv", "tau", where={"uncertainty": "total", "accuracy": "cosine"})
    takeaway("Total uncertainty falls as accuracy rises (Kendall tau {tau:+.2f}).", tau=tau)

Each quoted number carries where it came from (:class:`Quoted`); :func:`takeaway`
records those sources in the output's metadata (under :data:`METADATA_KEY`),
so a test re-reads every source of an executed notebook and checks that the
sentence still shows what the table holds (``tests/test_takeaways.py``).
Words that depend on a number ("rises" or "falls", "significant" or not) are
chosen in code from the quoted number, so they too follow the results.
"""

from __future__ import annotations

import json
import string
from pathlib import Path

import numpy as np
import pandas as pd
from IPython.display import Markdown

__all__ = ["METADATA_KEY", "AGGREGATES", "Quoted", "Takeaway", "SavedResults", "takeaway", "read_quote", "signed", "strength"]

#: Where :func:`takeaway` records the sources of its numbers in the display metadata.
METADATA_KEY = "squbed_quotes"
#: How :meth:`SavedResults.number` may reduce the selected rows of a column to one number.
AGGREGATES = ("mean", "median", "std", "min", "max", "sum", "count")


class Quoted(float):
    """A float read from a saved table, with ``source``: the file and the selection it came from."""

    source: dict

    def __new__(cls, value: float, source: dict):
        quoted = super().__new__(cls, value)
        quoted.source = source
        return quoted


def _where_mask(table: pd.DataFrame, where: dict) -> pd.Series:
    mask = pd.Series(True, index=table.index)
    for column, value in where.items():
        if column not in table.columns:
            raise KeyError(f"cannot select on {column!r}: the table has columns {list(table.columns)}")
        allowed = value if isinstance(value, (list, tuple, set)) else [value]
        mask &= table[column].isin(list(allowed))
    return mask


def read_quote(directory: str | Path, source: dict) -> float:
    """The number ``source`` (a :class:`Quoted`'s source) selects, read afresh from ``directory``.

    Raises
    ------
    FileNotFoundError
        If the file is not there (the notebook that writes it has not run).
    KeyError, ValueError
        If the column or key is not in the file, or the selection is not exactly one value
        (without ``aggregate``) or no value at all.
    """
    path = Path(directory) / source["file"]
    if not path.is_file():
        raise FileNotFoundError(f"{path} is not there: run the notebook that saves {source['file']} first")
    if path.suffix == ".json":
        value = json.loads(path.read_text())
        for part in source["key"].split("."):
            if isinstance(value, list):
                value = value[int(part)]
            elif part not in value:
                raise KeyError(f"{source['file']} has no key {source['key']!r} (no {part!r} among {sorted(value)})")
            else:
                value = value[part]
        return float(value)
    table = pd.read_csv(path)
    column = source["column"]
    if column not in table.columns:
        raise KeyError(f"{source['file']} has no column {column!r}; its columns are {list(table.columns)}")
    values = table.loc[_where_mask(table, source.get("where") or {}), column].astype(float)
    aggregate = source.get("aggregate")
    if aggregate is None:
        if len(values) != 1:
            raise ValueError(f"{source['file']}[{column!r}] where {source.get('where')} selects {len(values)} rows, "
                             "not one: narrow `where` or give an `aggregate`")
        return float(values.iloc[0])
    if aggregate not in AGGREGATES:
        raise ValueError(f"aggregate must be one of {AGGREGATES}, got {aggregate!r}")
    if values.empty:
        raise ValueError(f"{source['file']}[{column!r}] where {source.get('where')} selects no rows")
    return float(getattr(values, aggregate)())


class SavedResults:
    """The saved tables of one run (``settings.artifacts_dir``, or a folder), read number by number.

    Parameters
    ----------
    run : Profile or path
        A :class:`~squbed_utils.profiles.Profile` (its ``artifacts_dir`` is read) or the folder itself.
    """

    def __init__(self, run):
        self.directory = Path(getattr(run, "artifacts_dir", run))

    def number(self, file: str, column: str | None = None, *, where: dict | None = None,
               aggregate: str | None = None, key: str | None = None) -> Quoted:
        """One number of a saved table, as a :class:`Quoted`.

        Parameters
        ----------
        file : str
            The file under the run's folder, e.g. ``"calibration.csv"`` or ``"truth_summary.json"``.
        column : str
            For a CSV: the column to read.
        where : dict, optional
            For a CSV: ``{column: value or list of values}``, the rows to keep.
        aggregate : str, optional
            For a CSV: how to reduce the kept rows (one of :data:`AGGREGATES`); without it exactly
            one row must be kept.
        key : str
            For a JSON file: the dotted path of the value (``"targets.aleatoric_vs_truth.tau"``).
        """
        if file.endswith(".json"):
            if key is None:
                raise ValueError(f"{file} is JSON: give `key`, the dotted path of the value")
            source = {"file": file, "key": key}
        else:
            if column is None:
                raise ValueError(f"{file} is a table: give `column`")
            source = {"file": file, "column": column, "where": dict(where or {}), "aggregate": aggregate}
        return Quoted(read_quote(self.directory, source), source)


def signed(value: float, rising: str, falling: str, *, flat: str | None = None, tolerance: float = 0.0) -> str:
    """``rising`` for a positive value, ``falling`` for a negative one (``flat`` within ``tolerance`` of 0)."""
    if flat is not None and abs(value) <= tolerance:
        return flat
    return rising if value > 0 else falling


def strength(tau: float) -> str:
    """A word for the size of a rank correlation: negligible (<0.1), weak (<0.3), moderate (<0.5) or strong."""
    size = abs(float(tau))
    if not np.isfinite(size):
        return "undefined"
    return "negligible" if size < 0.1 else "weak" if size < 0.3 else "moderate" if size < 0.5 else "strong"


def takeaway(text: str, **numbers):
    """Show ``text`` (markdown, ``str.format`` fields) with ``numbers`` filled in, and record their sources.

    Every field whose value is a :class:`Quoted` is recorded with the text it printed, so the
    sentence can be checked against the saved table later. Returns the IPython display object
    (shown when it is a cell's last expression, or through ``display``).
    """
    formatter = string.Formatter()
    quotes = []
    for _, field, spec, conversion in formatter.parse(text):
        if field is None:
            continue
        if field not in numbers:
            raise KeyError(f"takeaway text uses {{{field}}} but no value named {field!r} was given")
        value = numbers[field]
        if isinstance(value, Quoted):
            quotes.append({"source": value.source, "format": spec, "text": format(value, spec)})
    return Takeaway(formatter.vformat(text, (), numbers), quotes)


class Takeaway(Markdown):
    """Markdown shown with the sources of its numbers in the output metadata; plain text is the sentence."""

    def __init__(self, text: str, quotes: list[dict]):
        super().__init__(text)
        self.quotes = quotes

    def _repr_markdown_(self):
        return self.data, {METADATA_KEY: self.quotes}

    def __repr__(self) -> str:
        return self.data

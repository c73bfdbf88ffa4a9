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

A takeaway with many numbers collects them in a :class:`Quotes`: each reader
stores one number under a name and returns the format field that shows it
("undefined" where the number is NaN), and the comparisons pick their words
from two named numbers::

    q = Quotes(saved)
    total = q.tau("total", "calibration.csv", {"uncertainty": "total", "accuracy": "cosine"}, ci=True)
    direct = q.tau("direct", "calibration.csv", {"uncertainty": "direct_total", "accuracy": "cosine"})
    takeaway(f"The total's tau is {total}, {q.than('total', 'direct', 'above', 'below', 'equal to')} "
             f"the direct total's ({direct}).", **q)
"""

from __future__ import annotations

import json
import string
from pathlib import Path

import numpy as np
import pandas as pd
from IPython.display import Markdown

__all__ = ["METADATA_KEY", "AGGREGATES", "UNDEFINED", "Quoted", "Takeaway", "SavedResults", "Quotes", "takeaway",
           "read_quote", "signed", "interval_side", "strength", "strongly"]

#: Where :func:`takeaway` records the sources of its numbers in the display metadata.
METADATA_KEY = "squbed_quotes"
#: How :meth:`SavedResults.number` may reduce the selected rows of a column to one number.
AGGREGATES = ("mean", "median", "std", "min", "max", "sum", "count")
#: What :class:`Quotes` shows in place of a number that is undefined (NaN) on this run.
UNDEFINED = "undefined"


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

    A JSON ``null`` (a number undefined on this run, such as a tau of a constant column) reads as NaN.

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
        return float("nan") if value is None else float(value)  # JSON null: a number undefined on this run
    table = pd.read_csv(path)
    column = source["column"]
    if column not in table.columns:
        raise KeyError(f"{source['file']} has no column {column!r}; its columns are {list(table.columns)}")
    values = table.loc[_where_mask(table, source.get("where") or {}), column]
    aggregate = source.get("aggregate")
    if aggregate == "count":  # of any column, labels too
        return float(values.count())
    values = values.astype(float)
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


def interval_side(low: float, high: float, *, below: str = "below 0", above: str = "above 0",
                  across: str = "across 0", undefined: str = UNDEFINED) -> str:
    """Where an interval ``[low, high]`` lies against 0, in words: ``below``, ``above`` or ``across`` it.

    ``undefined`` when either bound is NaN (a tau undefined on this run has no interval).
    """
    if not np.isfinite([low, high]).all():
        return undefined
    return below if high < 0 else above if low > 0 else across


def strength(tau: float) -> str:
    """A word for the size of a rank correlation: negligible (<0.1), weak (<0.3), moderate (<0.5) or strong."""
    size = abs(float(tau))
    if not np.isfinite(size):
        return "undefined"
    return "negligible" if size < 0.1 else "weak" if size < 0.3 else "moderate" if size < 0.5 else "strong"


def strongly(tau: float) -> str:
    """The adverb of :func:`strength` ("weakly" for a weak tau), with "and inversely" for a negative, non-negligible one.

    "in no defined way" for an undefined (NaN) tau.
    """
    word = {"negligible": "negligibly", "weak": "weakly", "moderate": "moderately", "strong": "strongly"}.get(
        strength(tau), "in no defined way")
    return word + (" and inversely" if tau < 0 and word != "negligibly" else "")


class Quotes(dict):
    """The numbers of one takeaway, read from a run's saved tables, by name; each reader returns the field showing one.

    A reader stores a :class:`Quoted` under ``name`` and returns its ``str.format`` field, e.g. ``"{tau:+.2f}"``,
    or :data:`UNDEFINED` where the number is NaN (so an undefined number is shown as a word, not as "nan",
    and is not quoted). The sentence is built from these fields and shown with ``takeaway(text, **quotes)``,
    which fills them in and records where each number came from. The comparisons (:meth:`than`, :meth:`same`,
    :meth:`trend`) choose their words from two numbers already read, named as they were read.

    Parameters
    ----------
    saved : SavedResults
        The run's saved tables.

    Attributes
    ----------
    shown : dict
        Name -> the text each reader returned for it (a field, a field with its interval, or "undefined").

    Examples
    --------
    Each reader returns the text to put in the sentence; the numbers go to :func:`takeaway`::

        q = Quotes(saved)
        field = q.tau("total", "calibration.csv", {"uncertainty": "total", "accuracy": "cosine"}, ci=True)
        # field == "{total:+.2f} [{total_low:+.2f}, {total_high:+.2f}]"
        takeaway(f"The total's tau is {field}.", **q)
    """

    def __init__(self, saved: SavedResults):
        super().__init__()
        self.saved = saved
        self.shown = {}

    def number(self, name: str, spec: str, file: str, column: str | None = None, **selection) -> str:
        """Read one number into ``self[name]``; return its field, ``"{name:spec}"``, or "undefined" if it is NaN.

        Parameters
        ----------
        name : str
            The field's name in the takeaway text (a Python identifier).
        spec : str
            The format spec of the field, e.g. ``"+.2f"`` or ``".0%"``.
        file, column, **selection
            What to read, as for :meth:`SavedResults.number` (``where``, ``aggregate``, or ``key`` for JSON).
        """
        self[name] = self.saved.number(file, column, **selection)
        field = "{" + name + ":" + spec + "}" if np.isfinite(self[name]) else UNDEFINED
        self.shown[name] = field
        return field

    def tau(self, name: str, file: str, where: dict, *, ci: bool = False, spec: str = "+.2f",
            symbol: str | None = None) -> str:
        """The field of the ``tau`` of one row of ``file``, with its interval ``" [low, high]"`` if asked and defined.

        Parameters
        ----------
        name : str
            The field's name; the interval's bounds, read from the row's ``ci_low`` and ``ci_high``
            columns, are stored as ``name + "_low"`` and ``name + "_high"``.
        file : str
            A table with columns ``tau`` (and ``ci_low``, ``ci_high`` for ``ci``).
        where : dict
            The selection of exactly one row.
        ci : bool
            Add the interval (only where the tau and both bounds are defined).
        spec : str
            The format spec of the tau and its bounds.
        symbol : str, optional
            If given, the result reads ``"<symbol> = <field>"``, or ``"<symbol> undefined"`` for a NaN tau.

        Returns
        -------
        str
            The field, e.g. ``"{a:+.2f} [{a_low:+.2f}, {a_high:+.2f}]"``, or "undefined" for a NaN tau.
        """
        field = self.number(name, spec, file, "tau", where=where)
        defined = bool(np.isfinite(self[name]))
        if ci and defined:
            low = self.number(name + "_low", spec, file, "ci_low", where=where)
            high = self.number(name + "_high", spec, file, "ci_high", where=where)
            if np.isfinite([self[name + "_low"], self[name + "_high"]]).all():
                field = f"{field} [{low}, {high}]"
        if symbol is not None:
            field = f"{symbol} = {field}" if defined else f"{symbol} {UNDEFINED}"
        self.shown[name] = field
        return field

    def value(self, name: str) -> float:
        """The number read under ``name``, as a plain float (NaN if it was never read)."""
        return float(self.get(name, np.nan))

    def than(self, a: str, b: str, more: str = "more than", less: str = "less than",
             same: str = "as much as") -> str | None:
        """``more`` if the number named ``a`` is above the one named ``b``, ``less`` if below, ``same`` if equal.

        Returns
        -------
        str or None
            None when either number is undefined (NaN or never read), so a caller can say so
            (``q.than(...) or "undefined"``).
        """
        first, second = self.value(a), self.value(b)
        if not np.isfinite([first, second]).all():
            return None
        return more if first > second else less if first < second else same

    def same(self, a: str, b: str, *, tolerance: float = 1e-9) -> bool:
        """Whether the numbers named ``a`` and ``b`` are equal (within ``tolerance``), or both undefined."""
        first, second = self.value(a), self.value(b)
        if np.isnan(first) or np.isnan(second):
            return bool(np.isnan(first) and np.isnan(second))
        return bool(abs(first - second) <= tolerance)

    def trend(self, a: str, b: str, *, rising: str = "rises", falling: str = "falls", flat: str = "stays level",
              tolerance: float = 0.005, undefined: str = "is undefined on this profile") -> str:
        """From the number named ``a`` to the one named ``b``, in words: ``"rises from <a> to <b>"``.

        Parameters
        ----------
        a, b : str
            Names of two numbers already read; they are shown as their readers showed them (:attr:`shown`).
        rising, falling, flat : str
            The verb for ``b - a`` above ``tolerance``, below ``-tolerance``, or within it.
        tolerance : float
            How close to 0 the change must be to count as level.
        undefined : str
            The whole phrase when either number is undefined.
        """
        first, last = self.value(a), self.value(b)
        if not np.isfinite([first, last]).all():
            return undefined
        word = signed(last - first, rising, falling, flat=flat, tolerance=tolerance)
        return f"{word} from {self.shown[a]} to {self.shown[b]}"


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

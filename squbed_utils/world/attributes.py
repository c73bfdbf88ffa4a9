"""The attribute axes of the toy world, their values, and conversions.

A clip shows one object described by four attributes, each with a fixed,
ordered vocabulary. The order matters: an attribute value's *code* is its index
in that tuple, and every table of combinations enumerates them in this order.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

__all__ = [
    "SHAPES",
    "COLOURS",
    "MOTIONS",
    "SIZES",
    "ATTRIBUTE_VALUES",
    "ATTRIBUTE_NAMES",
    "MOVING",
    "UNKNOWN",
    "Attributes",
    "as_attributes",
    "all_attribute_combinations",
    "encode_attributes",
]

SHAPES: tuple[str, ...] = ("circle", "square", "triangle", "cross")
COLOURS: tuple[str, ...] = ("red", "green", "blue", "yellow", "purple", "cyan", "white")
MOTIONS: tuple[str, ...] = ("left", "right", "up", "down", "still")
SIZES: tuple[str, ...] = ("small", "large")

#: Every attribute axis and its values, in code order.
ATTRIBUTE_VALUES: dict[str, tuple[str, ...]] = {
    "shape": SHAPES,
    "colour": COLOURS,
    "motion": MOTIONS,
    "size": SIZES,
}
ATTRIBUTE_NAMES: tuple[str, ...] = tuple(ATTRIBUTE_VALUES)

#: The motions that actually move ("moves" without a direction means one of these).
MOVING: frozenset[str] = frozenset(MOTIONS) - {"still"}

#: Label the attribute checker gives an attribute it cannot recover.
UNKNOWN = "unknown"


class Attributes(NamedTuple):
    """One fully specified object: a value for every attribute axis.

    Examples
    --------
    >>> Attributes("circle", "red", "left", "small")
    Attributes(shape='circle', colour='red', motion='left', size='small')
    """

    shape: str
    colour: str
    motion: str
    size: str


def _check_value(attribute: str, value: object) -> None:
    if value not in ATTRIBUTE_VALUES[attribute]:
        raise ValueError(
            f"{value!r} is not a {attribute}; the toy world's {attribute}s are "
            f"{', '.join(ATTRIBUTE_VALUES[attribute])}"
        )


def as_attributes(value: Attributes | Mapping[str, str]) -> Attributes:
    """Validate ``value`` and return it as :class:`Attributes`.

    Parameters
    ----------
    value : Attributes or mapping
        An :class:`Attributes` or any mapping with the keys ``shape``,
        ``colour``, ``motion`` and ``size`` (extra keys, such as a table row's
        ``seed``, are ignored).

    Raises
    ------
    ValueError
        If a key is missing or a value is not in its attribute's vocabulary.
    """
    if not isinstance(value, Attributes):
        if not isinstance(value, Mapping) and not isinstance(value, pd.Series):
            raise ValueError(f"expected Attributes or a mapping of {ATTRIBUTE_NAMES}, got {type(value).__name__}")
        missing = [name for name in ATTRIBUTE_NAMES if name not in value]
        if missing:
            raise ValueError(f"attributes lack {missing}; every clip needs {list(ATTRIBUTE_NAMES)}")
        value = Attributes(*(value[name] for name in ATTRIBUTE_NAMES))
    for name, item in zip(ATTRIBUTE_NAMES, value):
        _check_value(name, item)
    return value


def all_attribute_combinations() -> list[Attributes]:
    """Every fully specified object, in code order (shape slowest, size fastest).

    Returns
    -------
    list of Attributes
        ``4 * 7 * 5 * 2 = 280`` combinations.
    """
    return [Attributes(*values) for values in itertools.product(*ATTRIBUTE_VALUES.values())]


def encode_attributes(
    attributes: pd.DataFrame | Mapping[str, Sequence] | Sequence[Attributes],
) -> dict[str, np.ndarray]:
    """Attribute codes (indices into :data:`ATTRIBUTE_VALUES`) for a batch of objects.

    Parameters
    ----------
    attributes : DataFrame, mapping of columns, or sequence of Attributes
        A table with the columns ``shape``, ``colour``, ``motion`` and ``size``
        (a DataFrame or a mapping of equal-length array-likes), holding either
        value names (str or categorical) or integer codes; or a sequence of
        :class:`Attributes` / mappings, one per object.

    Returns
    -------
    dict of str to ndarray
        For each attribute name, an int64 array of shape (N,) of codes.

    Raises
    ------
    ValueError
        If a column is missing, columns differ in length, or a name or code is
        outside its vocabulary (the message lists the bad values and the valid ones).
    """
    if not isinstance(attributes, (pd.DataFrame, Mapping)):
        rows = [as_attributes(row) for row in attributes]
        attributes = {name: [row[i] for row in rows] for i, name in enumerate(ATTRIBUTE_NAMES)}
    missing = [name for name in ATTRIBUTE_NAMES if name not in attributes]
    if missing:
        raise ValueError(f"attribute table lacks columns {missing}; it needs {list(ATTRIBUTE_NAMES)}")
    codes = {name: _encode_column(name, attributes[name]) for name in ATTRIBUTE_NAMES}
    if len({len(column) for column in codes.values()}) > 1:
        raise ValueError(f"attribute columns differ in length: { {k: len(v) for k, v in codes.items()} }")
    return codes


def _encode_column(name: str, column: Sequence) -> np.ndarray:
    values = ATTRIBUTE_VALUES[name]
    if isinstance(getattr(column, "dtype", None), pd.CategoricalDtype):
        # Recoding categories is cheap and keeps large training tables fast.
        array = np.asarray(column)
        codes = pd.Categorical(column, categories=values).codes.astype(np.int64)
    else:
        array = np.asarray(column)
        if array.ndim != 1:
            raise ValueError(f"column {name!r} must be one-dimensional, got shape {array.shape}")
        if np.issubdtype(array.dtype, np.integer):
            codes = np.where((array >= 0) & (array < len(values)), array, -1).astype(np.int64)
        else:
            distinct, inverse = np.unique(array.astype(str), return_inverse=True)
            lookup = {value: code for code, value in enumerate(values)}
            codes = np.array([lookup.get(value, -1) for value in distinct.tolist()], np.int64)[inverse]
    bad = array[codes < 0]
    if bad.size:
        raise ValueError(
            f"column {name!r} holds values outside its vocabulary: {sorted(set(map(str, bad.tolist())))[:5]}; "
            f"valid {name}s are {', '.join(values)} (or their codes 0..{len(values) - 1})"
        )
    return codes

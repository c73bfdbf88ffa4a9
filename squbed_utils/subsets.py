"""Subsets of Panda-70M and VidGen-1M: candidate clips from a dataset's metadata, drawn with a category mix.

The paper runs S-QUBED on about 200 clips each from Panda-70M and VidGen-1M.
:func:`cut_subset` draws such a subset and returns it as a manifest for
:func:`squbed_utils.manifests.load_manifest`.

Metadata formats (:func:`clip_candidates`)
------------------------------------------
:func:`clip_candidates` turns a dataset's metadata into one row per clip:

Panda-70M (its CSV files, e.g. ``panda70m_testing.csv``)
    columns ``videoID``, ``url``, ``timestamp``, ``caption``, ``matching_score``,
    one row per *source video*: ``timestamp`` is a list of ``[start, end]``
    pairs ``"H:MM:SS.mmm"`` and ``caption`` / ``matching_score`` lists of the
    same length, all written as Python literals (``"[['0:00:00.000',
    '0:00:05.338'], ...]"``). Clip ``k`` of video ``v`` becomes id ``v_kkk``
    with its own caption, score and window; by default its path is
    ``{video_id}.mp4`` (the whole source video, cut by the window). If you
    downloaded each clip as its own file, pass ``path_template`` and
    ``use_timestamps=False``.
VidGen-1M (``VidGen_1M_video_caption.json``)
    a JSON list of ``{"vid": "<youtube id>-Scene-<nnnn>", "caption": ...}``;
    the clips are separate files, assumed to be named ``{vid}.mp4`` (as in the
    dataset's zip archives); ``path_template`` changes that.
Any other table
    a CSV, Parquet, JSON or JSON-lines file (or DataFrame) with an id and a
    caption column (``id_column``, ``caption_column``), and either a ``path``
    column or a ``path_template``; ``start`` / ``end`` / ``category`` columns
    are used when present.

Drawing (:func:`cut_subset`)
----------------------------
:func:`cut_subset` then draws ``n_tasks`` clips with an exact category mix
(the paper's: :data:`PAPER_CATEGORY_MIX`). Categories come from a column of
the source, from your own function, or from :func:`keyword_category`, a
deterministic keyword count over the caption (:data:`CATEGORY_KEYWORDS`).
The draw uses the seed stream :data:`~squbed_utils.seeds.SUBSET_STREAM`.

Example
-------
>>> candidates = pd.DataFrame({"id": ["a", "b"], "caption": ["a dog runs", "a man cooks pasta"]})
>>> cut_subset(candidates, n_tasks=2, category_mix={"Animals": 0.5, "Food": 0.5})[["id", "path", "category"]]
  id   path category
0  a  a.mp4  Animals
1  b  b.mp4     Food
"""

from __future__ import annotations

import ast
import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .manifests import MAX_LISTED, WINDOW_COLUMNS, as_text
from .seeds import SUBSET_STREAM, derive_seed, task_number
from .validation import check_positive_int, check_seed
from .world.tasks import MANIFEST_COLUMNS

__all__ = [
    "PAPER_CATEGORY_MIX",
    "CATEGORY_KEYWORDS",
    "parse_timestamp",
    "keyword_category",
    "clip_candidates",
    "category_counts",
    "cut_subset",
]

#: Category shares of the paper's benchmark (Animals 18%, People 22%, Food 19%, Games 20%, Others 21%).
PAPER_CATEGORY_MIX: dict[str, float] = {"Animals": 0.18, "People": 0.22, "Food": 0.19, "Games": 0.20, "Others": 0.21}

#: Words (whole words, case-insensitive, a plural ``s``/``es`` allowed) that vote for a category in
#: :func:`keyword_category`. The most votes wins; ties go to the category listed first
#: (Games, Food, Animals, People: people appear in most captions, so they rank last); no vote: Others.
CATEGORY_KEYWORDS: dict[str, tuple[str, ...]] = {
    "Games": (
        "game", "gameplay", "gaming", "video game", "minecraft", "fortnite", "roblox", "playstation", "xbox",
        "nintendo", "esport",
    ),
    "Food": (
        "food", "dish", "meal", "cook", "cooking", "cooked", "chef", "kitchen", "recipe", "bake", "baking",
        "baked", "cake", "bread", "dough", "pizza", "pasta", "noodle", "rice", "soup", "salad", "sandwich",
        "burger", "meat", "steak", "vegetable", "fruit", "sauce", "cheese", "egg", "frying", "fried", "grill",
        "grilled", "dessert", "chocolate", "coffee", "eating", "restaurant", "ingredient", "sushi", "cookie",
    ),
    "Animals": (
        "animal", "dog", "puppy", "puppies", "cat", "kitten", "horse", "bird", "fish", "cow", "sheep", "goat",
        "pig", "chicken", "duck", "elephant", "lion", "tiger", "bear", "monkey", "deer", "rabbit", "snake",
        "turtle", "frog", "whale", "dolphin", "shark", "insect", "butterfly", "butterflies", "bee", "spider",
        "squirrel", "fox", "wolf", "wolves", "parrot", "owl", "giraffe", "zebra", "camel", "penguin", "pet",
        "wildlife",
    ),
    "People": (
        "person", "people", "man", "men", "woman", "women", "boy", "girl", "child", "children", "kid", "baby",
        "babies", "guy", "lady", "ladies", "crowd", "family", "couple", "dancer", "singer", "someone", "player",
        "athlete", "worker", "student", "audience",
    ),
}
_FALLBACK_CATEGORY = "Others"


def parse_timestamp(text: str) -> float:
    """Seconds in a ``"H:MM:SS.mmm"`` timestamp (Panda-70M's format; ``"MM:SS"`` and ``"SS.s"`` work too).

    Examples
    --------
    >>> parse_timestamp("0:01:05.338")
    65.338
    """
    parts = str(text).strip().split(":")
    try:
        if not 1 <= len(parts) <= 3:
            raise ValueError
        numbers = [float(part) for part in parts]
    except ValueError:
        raise ValueError(f"timestamp {text!r} is not of the form H:MM:SS.mmm") from None
    if any(number < 0 for number in numbers):
        raise ValueError(f"timestamp {text!r} has a negative part")
    seconds = 0.0
    for number in numbers:
        seconds = 60 * seconds + number
    return round(seconds, 6)


def keyword_category(caption: str, keywords: Mapping[str, Sequence[str]] = CATEGORY_KEYWORDS) -> str:
    """The category whose keywords occur most often in ``caption`` (rules at :data:`CATEGORY_KEYWORDS`).

    Examples
    --------
    >>> keyword_category("A man is frying dough balls in a pan with oil.")
    'Food'
    >>> keyword_category("A person is holding a long haired dachshund dog in their arms.")
    'Animals'
    >>> keyword_category("The waves are crashing on the beach.")
    'Others'
    """
    votes = {category: len(_keyword_pattern(tuple(words)).findall(caption)) for category, words in keywords.items()}
    best = max(votes.values(), default=0)
    return next(category for category, count in votes.items() if count == best) if best else _FALLBACK_CATEGORY


_PATTERNS: dict[tuple[str, ...], re.Pattern] = {}


def _keyword_pattern(words: tuple[str, ...]) -> re.Pattern:
    if words not in _PATTERNS:
        longest_first = sorted(words, key=len, reverse=True)  # "video game" before "game"
        alternatives = "|".join(re.escape(word).replace(r"\ ", r"\s+") for word in longest_first)
        _PATTERNS[words] = re.compile(rf"\b(?:{alternatives})(?:e?s)?\b", re.IGNORECASE)
    return _PATTERNS[words]


def clip_candidates(
    source: str | os.PathLike | pd.DataFrame | Sequence[Mapping[str, Any]],
    *,
    source_format: str = "auto",
    id_column: str = "id",
    caption_column: str = "caption",
) -> pd.DataFrame:
    """One row per clip of a dataset's metadata (formats in the module docstring).

    Parameters
    ----------
    source : path, DataFrame or list of dicts
        Panda-70M CSV, VidGen-1M JSON, or a generic table (CSV, Parquet, JSON, JSON lines).
    source_format : {"auto", "panda70m", "vidgen1m", "table"}
        ``"auto"``: Panda-70M if the table has ``videoID`` and ``timestamp``
        columns, VidGen-1M if it has ``vid``, else a generic table.
    id_column, caption_column : str
        Column names of a generic table.

    Returns
    -------
    DataFrame
        ``id``, ``caption`` and whatever else the source has: Panda-70M adds
        ``video_id``, ``clip`` (index in the video), ``start``, ``end``
        (seconds), ``matching_score`` and ``url``; VidGen-1M adds ``video_id``.
    """
    table = _read_metadata(source)
    if source_format == "auto":
        columns = set(table.columns)
        source_format = ("panda70m" if {"videoID", "timestamp"} <= columns
                         else "vidgen1m" if "vid" in columns else "table")
    if source_format == "panda70m":
        candidates = _panda70m_clips(table)
    elif source_format == "vidgen1m":
        _require(table, ("vid", "caption"), "VidGen-1M metadata")
        candidates = table.rename(columns={"vid": "id"})
        candidates.insert(1, "video_id", candidates["id"].astype(str).str.split("-Scene-").str[0])
    elif source_format == "table":
        _require(table, (id_column, caption_column), "the metadata table")
        candidates = table.rename(columns={id_column: "id", caption_column: "caption"})
    else:
        raise ValueError(f"source_format must be 'auto', 'panda70m', 'vidgen1m' or 'table', got {source_format!r}")
    candidates = candidates.reset_index(drop=True)
    candidates["id"] = as_text(candidates["id"])
    candidates["caption"] = as_text(candidates["caption"])
    repeated = candidates["id"][candidates["id"].duplicated()].unique().tolist()
    if repeated:
        raise ValueError(f"clip ids must be unique; repeated: {repeated[:MAX_LISTED]}")
    return candidates


def _read_metadata(source) -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        return source
    if isinstance(source, Sequence) and not isinstance(source, str):
        return pd.DataFrame(list(source))
    path = Path(source).expanduser()
    suffix = path.suffix.lower()
    if suffix not in _TABLE_READERS:
        raise ValueError(f"metadata {path} has extension {suffix!r}; use one of {sorted(_TABLE_READERS)}")
    if not path.is_file():
        raise FileNotFoundError(f"metadata file {path} does not exist")
    return _TABLE_READERS[suffix](path)


def _read_json(path: Path) -> pd.DataFrame:
    with open(path, encoding="utf-8") as file:
        records = json.load(file)
    if not isinstance(records, list):
        raise ValueError(f"{path} must hold a JSON list of records (like VidGen_1M_video_caption.json)")
    return pd.DataFrame(records)


_TABLE_READERS: dict[str, Callable[[Path], pd.DataFrame]] = {
    ".csv": lambda path: pd.read_csv(path, dtype={"videoID": str, "id": str, "vid": str}),
    ".parquet": pd.read_parquet,
    ".pq": pd.read_parquet,
    ".json": _read_json,
    ".jsonl": lambda path: pd.read_json(path, lines=True, dtype={"id": str, "vid": str}),
}


def _require(table: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [column for column in columns if column not in table.columns]
    if missing:
        raise ValueError(f"{what} lacks columns {missing}; it has {list(table.columns)}")


def _panda70m_clips(table: pd.DataFrame) -> pd.DataFrame:
    _require(table, ("videoID", "timestamp", "caption"), "Panda-70M metadata")
    rows = []
    for video_id, url, stamps, captions, scores in zip(
        table["videoID"].astype(str),
        table["url"] if "url" in table.columns else [None] * len(table),
        table["timestamp"].map(_literal_list),
        table["caption"].map(_literal_list),
        table["matching_score"].map(_literal_list) if "matching_score" in table.columns else [None] * len(table),
    ):
        if len(captions) != len(stamps) or (scores is not None and len(scores) != len(stamps)):
            raise ValueError(
                f"Panda-70M video {video_id!r} has {len(stamps)} timestamps but {len(captions)} captions"
                + (f" and {len(scores)} matching scores" if scores is not None else "") + "; they must match"
            )
        for clip, ((start, end), caption) in enumerate(zip(stamps, captions)):
            rows.append({
                "id": f"{video_id}_{clip:03d}", "caption": caption, "video_id": video_id, "clip": clip,
                "start": parse_timestamp(start), "end": parse_timestamp(end),
                "matching_score": np.nan if scores is None else float(scores[clip]), "url": url,
            })
    return pd.DataFrame(rows, columns=["id", "caption", "video_id", "clip", "start", "end", "matching_score", "url"])


def _literal_list(value: Any) -> list:
    """A list written as a Python literal (Panda-70M's CSV cells), or a list already."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return list(value)
    try:
        parsed = ast.literal_eval(str(value))
    except (ValueError, SyntaxError):
        raise ValueError(f"cannot read {str(value)[:80]!r} as a list (Panda-70M cells look like \"[['0:00:00.000', "
                         "'0:00:05.338']]\")") from None
    if not isinstance(parsed, (list, tuple)):
        raise ValueError(f"expected a list, got {str(value)[:80]!r}")
    return list(parsed)


def category_counts(n_tasks: int, category_mix: Mapping[str, float] = PAPER_CATEGORY_MIX) -> dict[str, int]:
    """Tasks per category: ``n_tasks * share`` rounded by largest remainders, so they sum to ``n_tasks``.

    Each category gets the floor of its quota; the tasks left over go one each to
    the largest fractional parts (ties: the category listed first).

    Examples
    --------
    >>> category_counts(200)
    {'Animals': 36, 'People': 44, 'Food': 38, 'Games': 40, 'Others': 42}
    >>> category_counts(7)
    {'Animals': 1, 'People': 2, 'Food': 1, 'Games': 1, 'Others': 2}
    """
    n_tasks = check_positive_int("n_tasks", n_tasks)
    names, shares = list(category_mix), np.array([float(share) for share in category_mix.values()])
    if not names or np.any(~np.isfinite(shares)) or np.any(shares < 0) or abs(shares.sum() - 1) > 1e-6:
        raise ValueError(
            f"category_mix must map categories to non-negative shares summing to 1, got {dict(category_mix)}"
        )
    quotas = n_tasks * shares
    counts = np.floor(quotas + 1e-9).astype(int)  # the slack keeps 200 * 0.18 = 35.99... at 36
    order = sorted(range(len(names)), key=lambda i: -(quotas[i] - counts[i]))  # stable: ties keep mix order
    for i in order[: n_tasks - counts.sum()]:
        counts[i] += 1
    return dict(zip(names, counts.tolist()))


def cut_subset(
    source: str | os.PathLike | pd.DataFrame | Sequence[Mapping[str, Any]],
    *,
    n_tasks: int,
    category_mix: Mapping[str, float] = PAPER_CATEGORY_MIX,
    seed: int = 0,
    source_format: str = "auto",
    id_column: str = "id",
    caption_column: str = "caption",
    category_column: str | None = None,
    categorise: Callable[[str], str] | None = None,
    path_template: str | None = None,
    use_timestamps: bool = True,
) -> pd.DataFrame:
    """Draw ``n_tasks`` clips with an exact category mix from a dataset's metadata.

    Parameters
    ----------
    source : path, DataFrame or list of dicts
        Anything :func:`clip_candidates` reads (filter its output first to, say,
        keep Panda-70M clips with ``matching_score > 0.45``).
    n_tasks : int
        Clips to draw.
    category_mix : mapping of str to float
        Share of each category, summing to 1; counts from :func:`category_counts`.
    seed : int
        The subset depends only on ``(seed, the candidate clips)``, not on their
        row order; for a larger ``n_tasks`` the clips of each category extend
        those of a smaller one whenever its count grows.
    source_format, id_column, caption_column
        As in :func:`clip_candidates`.
    category_column : str, optional
        A column of the source holding each clip's category (values as in
        ``category_mix``); default ``"category"`` if the source has one and no
        ``categorise`` is given.
    categorise : callable, optional
        ``caption -> category``, used when there is no ``category_column``;
        default :func:`keyword_category`.
    path_template : str, optional
        :meth:`str.format` template over the candidate columns giving each clip's
        path relative to your clip root, e.g. ``"{video_id}.mp4"`` or
        ``"clips/{id}.mp4"``. Default: the source's ``path`` column if any, else
        ``"{video_id}.mp4"`` for Panda-70M with ``use_timestamps`` (whole source
        videos) and ``"{id}.mp4"`` otherwise (one file per clip). If your files
        follow no template, add a ``path`` column to the candidates instead.
    use_timestamps : bool, default True
        Keep ``start`` / ``end`` (Panda-70M's windows in the source video). Set
        False when each clip is already its own file.

    Returns
    -------
    DataFrame
        A manifest for :func:`~squbed_utils.manifests.load_manifest`: ``id``, ``prompt`` (the caption),
        ``caption``, ``path``, ``category``, ``split`` (``"test"``), then
        ``start`` / ``end`` and the candidates' other columns; categories in mix
        order, clips in draw order within each.

    Raises
    ------
    ValueError
        If a category has fewer candidates than its count (every such category
        is named with both numbers), or on an invalid mix or missing column.
    """
    seed = check_seed(seed)
    counts = category_counts(n_tasks, category_mix)
    candidates = clip_candidates(
        source, source_format=source_format, id_column=id_column, caption_column=caption_column
    )
    if category_column is None and categorise is None and "category" in candidates.columns:
        category_column = "category"
    if category_column is not None:
        _require(candidates, (category_column,), "the metadata")
        category = as_text(candidates[category_column])
    else:
        category = candidates["caption"].map(categorise or keyword_category).astype(str)
    candidates = candidates.drop(columns=["category"], errors="ignore")
    candidates.insert(1, "category", category)
    pools = {name: candidates.index[candidates["category"] == name] for name in counts}
    short = [f"{name!r} needs {count} but has {len(pools[name])}" for name, count in counts.items()
             if len(pools[name]) < count]
    if short:
        raise ValueError(
            f"too few candidate clips for a {n_tasks}-task subset: {'; '.join(short)} "
            f"(candidates per category: {candidates['category'].value_counts().to_dict()}). Lower n_tasks, change "
            "category_mix, use more metadata, or categorise differently (category_column or categorise)"
        )
    chosen = []
    for name, count in counts.items():
        pool = candidates.loc[pools[name]].sort_values("id", kind="stable").index
        order = np.random.default_rng(derive_seed(seed, SUBSET_STREAM, task_number(name))).permutation(len(pool))
        chosen.extend(pool[order[:count]])
    subset = candidates.loc[chosen].reset_index(drop=True)
    if path_template is None and "path" not in subset.columns:
        windowed = use_timestamps and {"video_id", "start"} <= set(subset.columns)
        path_template = "{video_id}.mp4" if windowed else "{id}.mp4"
    if path_template is not None:
        try:
            subset["path"] = [path_template.format(**row) for row in subset.to_dict("records")]
        except KeyError as error:
            raise ValueError(f"path_template {path_template!r} names {error}, which is not a column of the "
                             f"candidates {list(subset.columns)}") from None
    if not use_timestamps:
        subset = subset.drop(columns=[c for c in WINDOW_COLUMNS if c in subset.columns])
    subset["prompt"] = subset["caption"]
    subset["split"] = "test"
    first = [*MANIFEST_COLUMNS, *(c for c in WINDOW_COLUMNS if c in subset.columns)]
    return subset[first + [c for c in subset.columns if c not in first]]

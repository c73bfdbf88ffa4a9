"""Real-clip task manifests: load and validate a task table, and decode its ground-truth clips.

The ``paper`` profile runs S-QUBED on real clips with captions (the paper uses
about 200 clips each from Panda-70M and VidGen-1M). A *manifest* lists them, one
row per task, in the task-table format of :mod:`squbed_utils.world.tasks`, so
every later stage reads toy and real tables the same way.
:func:`load_manifest` checks every row; :func:`load_ground_truth` decodes the
clips by the rules of :mod:`squbed_utils.clipio` and caches them.
:mod:`squbed_utils.subsets` cuts a manifest from Panda-70M or VidGen-1M metadata.

Manifest format
---------------
A CSV or Parquet file (or a DataFrame) with one row per task:

==========  ========  =========================================================
column      required  meaning
==========  ========  =========================================================
id          yes       unique task id (text; ``"0001"`` stays ``"0001"``)
caption     yes       caption of the ground-truth clip, non-empty
path        yes       the clip file, relative to the clip root or absolute;
                      a video (:data:`~squbed_utils.clipio.VIDEO_EXTENSIONS`)
                      or a ``.npy`` uint8 array (T, H, W, 3) like the toy
                      world's clips
category    yes       group for the category mix and for plots (e.g. ``Animals``)
prompt      no        the prompt given to the video model; default: the caption
                      (for real data the caption *is* the prompt)
split       no        default ``"test"``
start, end  no        the clip's window in seconds inside a longer video, half
                      open ``[start, end)``; empty means the file's start / end.
                      Not allowed for ``.npy`` clips (an array has no time axis)
==========  ========  =========================================================

Other columns (``matching_score``, ``url`` ...) are kept after these.
:func:`load_manifest` returns :data:`~squbed_utils.world.tasks.MANIFEST_COLUMNS`
then ``start`` and ``end`` (float64 seconds, NaN where open), then the others.

Example
-------
>>> import numpy as np, tempfile, pathlib
>>> from squbed_utils.clipio import write_clip
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> clip = np.zeros((8, 32, 48, 3), np.uint8)
>>> _ = write_clip(root / "a.mp4", clip, fps=8)
>>> tasks = load_manifest(pd.DataFrame({"id": ["a"], "caption": ["a dark room"], "path": ["a.mp4"],
...                                     "category": ["Others"]}), clip_root=root)
>>> load_ground_truth(tasks, frames=4, height=16, width=16).shape
(1, 4, 16, 16, 3)
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from .clipio import ARRAY_EXTENSION, DECODE_RULE, VIDEO_EXTENSIONS, ClipError, check_window, open_video, read_clip
# not used here: kept until generators/diffusers_pipeline.py, tests/test_diffusers_generator.py (resample_clip),
# tests/test_backends.py and tests/test_paper_profile.py (write_clip) import them from .clipio
from .store import ArrayStore, fingerprint
from .validation import check_positive_int
from .world.tasks import MANIFEST_COLUMNS, validate_tasks

__all__ = [
    "load_manifest",
    "load_ground_truth",
    "WINDOW_COLUMNS",
    "MAX_LISTED",
    "as_text",
]

_TEXT_COLUMNS = ("id", "prompt", "caption", "path", "category", "split")
#: The optional window columns of a manifest, in seconds (format in the module docstring).
WINDOW_COLUMNS: tuple[str, ...] = ("start", "end")
#: How many problems (broken rows, repeated ids) an error message lists before "... and N more".
MAX_LISTED = 10


def load_manifest(
    path_or_frame: str | os.PathLike | pd.DataFrame,
    *,
    clip_root: str | os.PathLike | None = None,
    check_files: bool = True,
    probe: bool = False,
) -> pd.DataFrame:
    """Read and validate a manifest of real clips (format in the module docstring).

    Parameters
    ----------
    path_or_frame : path or DataFrame
        A ``.csv`` or ``.parquet`` file, or a table already in memory.
    clip_root : path, optional
        Folder relative ``path`` entries are resolved against. Default: the
        manifest's folder for a file, the working directory for a DataFrame.
        Stored in ``tasks.attrs["clip_root"]`` for :func:`load_ground_truth`.
    check_files : bool, default True
        Check that every clip file exists.
    probe : bool, default False
        Also open every video with ffmpeg (about 0.1 s each) and check that it
        has a video stream and that the window ends within the video.

    Returns
    -------
    DataFrame
        :data:`~squbed_utils.world.tasks.MANIFEST_COLUMNS` (text), ``start`` and
        ``end`` (float64 seconds, NaN where open), then any other columns.

    Raises
    ------
    ValueError
        If the table cannot be read, is empty or lacks a required column, or if
        any row is broken: empty id, caption, prompt, category or path, a
        repeated id, an unknown file extension, a non-numeric, negative or empty
        window (``start >= end``), a window on a ``.npy`` clip, a missing file,
        or (with ``probe``) an unreadable video or a window past its end. All
        broken rows are collected into one message (the first ten listed, with
        the total), each named by its row (its line for a CSV file) and id.
    """
    table, source, first_line = _read_table(path_or_frame)
    if clip_root is None:
        clip_root = source.parent if source is not None else Path.cwd()
    clip_root = Path(clip_root).expanduser()
    name = str(source) if source is not None else "the manifest"
    if table.empty:
        raise ValueError(f"{name} has no rows: a manifest needs at least one clip (see squbed_utils.manifests)")
    required = ("id", "caption", "path", "category")
    missing = [column for column in required if column not in table.columns]
    if missing:
        raise ValueError(
            f"{name} lacks columns {missing}; it has {list(table.columns)}. A manifest needs {list(required)} "
            "(optional: prompt, split, start, end); rename yours with DataFrame.rename(columns={...})"
        )
    table = table.reset_index(drop=True)
    text = {column: as_text(table[column]) for column in (*required, "prompt", "split") if column in table.columns}
    if "prompt" not in text:
        text["prompt"] = text["caption"]
    split = text.get("split", pd.Series("", index=table.index))
    text["split"] = split.where(split != "", "test")
    window, problems = _read_window(table)
    # a prompt copied from the caption is not checked twice
    filled = [column for column in ("id", "caption", "prompt", "category", "path") if column in table.columns]
    problems += _row_problems(text, filled, window, clip_root, check_files, probe)
    if problems:
        _raise_problems(name, problems, text["id"], first_line)
    extras = [column for column in table.columns if column not in (*_TEXT_COLUMNS, *WINDOW_COLUMNS)]
    tasks = pd.concat(
        [pd.DataFrame({column: text[column] for column in MANIFEST_COLUMNS}), window, table[extras]], axis=1
    )
    tasks.attrs["clip_root"] = str(clip_root)
    return validate_tasks(tasks)


def _read_table(path_or_frame) -> tuple[pd.DataFrame, Path | None, int | None]:
    """(table, its file or None, the file line of row 0 for a CSV else None)."""
    if isinstance(path_or_frame, pd.DataFrame):
        return path_or_frame, None, None
    if not isinstance(path_or_frame, (str, os.PathLike)):
        raise ValueError(f"a manifest is a CSV or Parquet file or a DataFrame, got {type(path_or_frame).__name__}")
    path = Path(path_or_frame).expanduser()
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet", ".pq"):
        raise ValueError(f"manifest {path} has extension {suffix!r}; write it as .csv or .parquet")
    if not path.is_file():
        raise FileNotFoundError(f"manifest {path} does not exist")
    if suffix == ".csv":
        # ids and captions stay text ("0001" is not 1); the header is line 1, so row 0 is line 2
        return pd.read_csv(path, dtype={column: str for column in _TEXT_COLUMNS}), path, 2
    return pd.read_parquet(path), path, None


def as_text(column: pd.Series) -> pd.Series:
    """A column as stripped text (object dtype), missing values (None, NaN, ``pd.NA``) as ``""``."""
    return column.map(lambda value: "" if _is_missing(value) else str(value).strip()).astype(object)


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _read_window(table: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[int, str]]]:
    """``start`` and ``end`` as float64 (NaN where open) and the rows where they are not numbers."""
    window, problems = pd.DataFrame(index=table.index), []
    for column in WINDOW_COLUMNS:
        raw = table[column] if column in table.columns else pd.Series(np.nan, index=table.index)
        blank = raw.map(lambda value: _is_missing(value) or (isinstance(value, str) and not value.strip()))
        values = pd.to_numeric(raw.where(~blank), errors="coerce").astype(np.float64)
        for row in np.flatnonzero(values.isna() & ~blank):
            problems.append((int(row), f"{column} {raw.iloc[row]!r} is not a number of seconds"))
        window[column] = values
    return window, problems


def _row_problems(
    text: dict[str, pd.Series],
    filled: Sequence[str],
    window: pd.DataFrame,
    clip_root: Path,
    check_files: bool,
    probe: bool,
) -> list[tuple[int, str]]:
    """(row, message) for every problem of every row: text columns in ``filled`` must be non-empty."""
    problems = []
    ids = text["id"]
    uses = ids.map(ids.value_counts())
    for row in range(len(ids)):
        found = []
        for column in filled:
            if text[column].iloc[row] == "":
                found.append(f"empty {column}")
        if ids.iloc[row] and uses.iloc[row] > 1:
            found.append(f"duplicate id: {uses.iloc[row]} rows have id {ids.iloc[row]!r}; ids must be unique")
        start, end = window["start"].iloc[row], window["end"].iloc[row]
        if start < 0:
            found.append(f"negative start {start:g} s")
        if end <= (0.0 if math.isnan(start) else start):
            found.append(f"empty window: start {start:g} s >= end {end:g} s" if not math.isnan(start)
                         else f"end {end:g} s is not after the video's start")
        relative = text["path"].iloc[row]
        if relative:
            path = _resolve(relative, clip_root)
            suffix = path.suffix.lower()
            windowed = not (math.isnan(start) and math.isnan(end))
            if suffix not in (*VIDEO_EXTENSIONS, ARRAY_EXTENSION):
                found.append(
                    f"unknown clip extension {suffix!r} in {relative!r}; use a video "
                    f"({', '.join(VIDEO_EXTENSIONS)}) or a .npy array"
                )
            elif suffix == ARRAY_EXTENSION and windowed:
                found.append(f"{relative!r} is a .npy array, which has no time axis: leave start and end empty")
            elif check_files and not path.is_file():
                found.append(f"clip file {path} not found; check clip_root ({clip_root}) and the path column")
            elif probe and suffix != ARRAY_EXTENSION:
                found += _probe_problems(path, end)
        problems += [(row, message) for message in found]
    return problems


def _probe_problems(path: Path, end: float) -> list[str]:
    try:
        with open_video(path) as reader:
            meta = reader.get_meta_data()
    except ClipError as error:
        return [str(error)]
    duration, fps = float(meta.get("duration") or 0.0), float(meta.get("fps") or 0.0)
    # ffmpeg reports the duration to 0.01 s; allow one frame of slack on top
    if duration > 0 and fps > 0 and end > duration + 1.0 / fps + 0.01:
        return [
            f"window ends at {end:g} s but {path} lasts {duration:g} s: if each clip is its own file, "
            "leave start and end empty"
        ]
    return []


def _raise_problems(name: str, problems: list[tuple[int, str]], ids: pd.Series, first_line: int | None) -> None:
    problems = sorted(problems, key=lambda problem: problem[0])  # stable: a row's problems keep their order
    rows = {row for row, _ in problems}
    lines = []
    for row, message in problems[:MAX_LISTED]:
        where = f"line {row + first_line}" if first_line is not None else f"row {row}"
        lines.append(f"  {where} (id {ids.iloc[row]!r}): {message}")
    if len(problems) > MAX_LISTED:
        lines.append(f"  ... and {len(problems) - MAX_LISTED} more")
    raise ValueError(
        f"{name}: {_plural(len(problems), 'problem')} in {len(rows)} of {_plural(len(ids), 'row')}; "
        "fix or drop these rows and load again:\n"
        + "\n".join(lines)
    )


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _resolve(path: str | os.PathLike, clip_root: Path) -> Path:
    path = Path(path).expanduser()
    return path if path.is_absolute() else clip_root / path


def load_ground_truth(
    tasks: pd.DataFrame,
    *,
    frames: int,
    height: int,
    width: int,
    clip_root: str | os.PathLike | None = None,
    store: ArrayStore | str | os.PathLike | None = None,
    progress: bool = False,
) -> np.ndarray:
    """Every task's ground-truth clip, decoded by :func:`~squbed_utils.clipio.read_clip` and cached per clip.

    Parameters
    ----------
    tasks : DataFrame
        A manifest from :func:`load_manifest` (or any task table with ``id`` and
        ``path``; ``start`` / ``end`` are used when present). Toy tables work too:
        their ``.npy`` clips are sampled and resized by the same rules.
    frames, height, width : int
        Clip size, as in :func:`~squbed_utils.clipio.read_clip`.
    clip_root : path, optional
        Folder of relative paths; default ``tasks.attrs["clip_root"]`` (set by
        :func:`load_manifest`), else the working directory.
    store : ArrayStore or path, optional
        Cache of decoded clips. Each clip's key hashes its resolved file path,
        size and modification time, its window and ``(frames, height, width)``,
        so a re-run decodes nothing and a changed file or size is decoded again.
        None: decode every clip, cache nothing.
    progress : bool
        Show a progress bar over the clips being decoded.

    Returns
    -------
    ndarray of uint8, shape (N, frames, height, width, 3)
        Clips in task order.
    """
    validate_tasks(tasks, required=("id", "prompt", "path"))
    frames, height, width = (
        check_positive_int(n, v) for n, v in (("frames", frames), ("height", height), ("width", width))
    )
    root = Path(clip_root if clip_root is not None else tasks.attrs.get("clip_root", Path.cwd())).expanduser()
    bounds = {column: tasks[column] if column in tasks.columns else pd.Series(np.nan, index=tasks.index)
              for column in WINDOW_COLUMNS}
    items = [
        (_resolve(str(relative), root).resolve(), *check_window(start, end))
        for relative, start, end in zip(tasks["path"], bounds["start"], bounds["end"])
    ]

    def decode(batch):
        return [read_clip(path, frames=frames, height=height, width=width, start=start, end=end)
                for path, start, end in batch]

    if store is None:
        return np.stack([decode([item])[0] for item in tqdm(items, desc="decoding clips", disable=not progress)])
    store = store if isinstance(store, ArrayStore) else ArrayStore(store)

    def key(item):
        path, start, end = item
        if not path.is_file():
            raise FileNotFoundError(
                f"ground-truth clip {path} does not exist; check clip_root ({root}) and the path column"
            )
        status = path.stat()
        return fingerprint("ground-truth", DECODE_RULE, str(path), status.st_size, status.st_mtime_ns,
                           start, end, frames, height, width)

    clips = store.get_or_compute(items, key=key, compute=decode, batch_size=8, progress=progress,
                                 description="decoding clips")
    return np.stack(clips)

"""Real-clip task manifests: a validated table format, a video decoder, and subset cutting.

The ``paper`` profile runs S-QUBED on real clips with captions (the paper uses
about 200 clips each from Panda-70M and VidGen-1M). A *manifest* lists them, one
row per task, in the task-table format of :mod:`squbed_utils.world.tasks`, so
every later stage reads toy and real tables the same way.

Manifest format
---------------
A CSV or Parquet file (or a DataFrame) with one row per task:

==========  ========  =========================================================
column      required  meaning
==========  ========  =========================================================
id          yes       unique task id (text; ``"0001"`` stays ``"0001"``)
caption     yes       caption of the ground-truth clip, non-empty
path        yes       the clip file, relative to the clip root or absolute;
                      a video (:data:`VIDEO_EXTENSIONS`) or a ``.npy`` uint8
                      array (T, H, W, 3) like the toy world's clips
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

Decoding rules (:func:`read_clip`)
----------------------------------
*Window.* Frame ``i`` of a video (counting from its first frame) is shown at
``i / fps`` seconds, ``fps`` being the stream's nominal frame rate; the window
``[start, end)`` holds the ``n`` frames with ``start <= i / fps < end``. For a
variable-frame-rate file this is uniform in frame index, not exactly in time.

*Temporal sampling.* The window's ``n`` frames are cut into ``frames`` equal
bins and the frame at the centre of each bin is kept: output frame ``k`` is
window frame ``floor((k + 1/2) n / frames)``. ``frames == n`` keeps every frame;
``frames == 1`` keeps the middle one. A window of fewer than ``frames`` frames
is an error (frames are never repeated).

*Spatial.* Shortest side and centre crop: the largest centred region of each
frame with the requested aspect ratio ``width / height`` is resized to
``(height, width)`` with Pillow's antialiased bicubic filter (equivalently: the
frame is scaled so that it covers ``height x width``, then centre-cropped), so
nothing is squashed. A frame already of the requested size is left untouched.
Videos are decoded by ffmpeg through ``imageio``'s FFMPEG plugin (the
``imageio-ffmpeg`` package ships the binary).

Subsets of Panda-70M and VidGen-1M (:func:`cut_subset`)
-------------------------------------------------------
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

:func:`cut_subset` then draws ``n_tasks`` clips with an exact category mix
(the paper's: :data:`PAPER_CATEGORY_MIX`). Categories come from a column of
the source, from your own function, or from :func:`keyword_category`, a
deterministic keyword count over the caption (:data:`CATEGORY_KEYWORDS`).

Example
-------
>>> import numpy as np, tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> clip = np.zeros((8, 32, 48, 3), np.uint8)
>>> _ = write_clip(root / "a.mp4", clip, fps=8)
>>> tasks = load_manifest(pd.DataFrame({"id": ["a"], "caption": ["a dark room"], "path": ["a.mp4"],
...                                     "category": ["Others"]}), clip_root=root)
>>> load_ground_truth(tasks, frames=4, height=16, width=16).shape
(1, 4, 16, 16, 3)
"""

from __future__ import annotations

import ast
import contextlib
import json
import math
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from .seeds import SUBSET_STREAM, derive_seed, task_number
from .store import ArrayStore, atomic_write, fingerprint
from .world.tasks import MANIFEST_COLUMNS, validate_tasks

__all__ = [
    "PAPER_CATEGORY_MIX",
    "CATEGORY_KEYWORDS",
    "VIDEO_EXTENSIONS",
    "ClipError",
    "load_manifest",
    "read_clip",
    "resample_clip",
    "write_clip",
    "load_ground_truth",
    "clip_candidates",
    "cut_subset",
    "keyword_category",
    "parse_timestamp",
    "category_counts",
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

#: File extensions :func:`read_clip` decodes with ffmpeg (``.npy`` arrays are read directly).
VIDEO_EXTENSIONS: tuple[str, ...] = (".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".gif")
_ARRAY_EXTENSION = ".npy"
_TEXT_COLUMNS = ("id", "prompt", "caption", "path", "category", "split")
_WINDOW_COLUMNS = ("start", "end")
_MAX_LISTED = 10
# Part of every cache key of decoded clips: bump it when the decoding rules (module docstring) change.
_DECODE_RULE = "window-by-fps/bin-centres/pil-bicubic-centre-crop/v1"


class ClipError(ValueError):
    """A clip file cannot give what was asked: it cannot be decoded, or its window is too short."""


# -- manifests ---------------------------------------------------------------


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
    text = {column: _text(table[column]) for column in (*required, "prompt", "split") if column in table.columns}
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
    extras = [column for column in table.columns if column not in (*_TEXT_COLUMNS, *_WINDOW_COLUMNS)]
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


def _text(column: pd.Series) -> pd.Series:
    """Column as stripped text, missing values as ""."""
    return column.map(lambda value: "" if _is_missing(value) else str(value).strip()).astype(object)


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _read_window(table: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[int, str]]]:
    """``start`` and ``end`` as float64 (NaN where open) and the rows where they are not numbers."""
    window, problems = pd.DataFrame(index=table.index), []
    for column in _WINDOW_COLUMNS:
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
            if suffix not in (*VIDEO_EXTENSIONS, _ARRAY_EXTENSION):
                found.append(
                    f"unknown clip extension {suffix!r} in {relative!r}; use a video "
                    f"({', '.join(VIDEO_EXTENSIONS)}) or a .npy array"
                )
            elif suffix == _ARRAY_EXTENSION and windowed:
                found.append(f"{relative!r} is a .npy array, which has no time axis: leave start and end empty")
            elif check_files and not path.is_file():
                found.append(f"clip file {path} not found; check clip_root ({clip_root}) and the path column")
            elif probe and suffix != _ARRAY_EXTENSION:
                found += _probe_problems(path, end)
        problems += [(row, message) for message in found]
    return problems


def _probe_problems(path: Path, end: float) -> list[str]:
    try:
        with _open_video(path) as reader:
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
    for row, message in problems[:_MAX_LISTED]:
        where = f"line {row + first_line}" if first_line is not None else f"row {row}"
        lines.append(f"  {where} (id {ids.iloc[row]!r}): {message}")
    if len(problems) > _MAX_LISTED:
        lines.append(f"  ... and {len(problems) - _MAX_LISTED} more")
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


# -- decoding and encoding -----------------------------------------------------


def read_clip(
    path: str | os.PathLike,
    *,
    frames: int,
    height: int,
    width: int,
    start: float | None = None,
    end: float | None = None,
) -> np.ndarray:
    """Decode ``frames`` frames of a clip, sampled uniformly over ``[start, end)`` and fitted to ``height x width``.

    Parameters
    ----------
    path : path
        A video file (:data:`VIDEO_EXTENSIONS`) or a ``.npy`` uint8 array (T, H, W, 3).
    frames : int
        Frames to return, sampled at the centres of equal bins of the window
        (module docstring, "Decoding rules").
    height, width : int
        Output frame size in pixels (shortest side, then centre crop).
    start, end : float or None
        Window in seconds (None or NaN: the file's start / end). Videos only.

    Returns
    -------
    ndarray of uint8, shape (frames, height, width, 3)
        RGB frames in time order.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ClipError
        If the file cannot be decoded, the window holds fewer than ``frames``
        frames, or it starts after the video ends; the message says what to change.
    ValueError
        On a non-positive size, a negative or empty window, a window on a
        ``.npy`` clip, or an unknown extension.
    """
    frames, height, width = (_positive_int(n, v) for n, v in (("frames", frames), ("height", height), ("width", width)))
    start, end = _window(start, end)
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"clip file {path} does not exist")
    suffix = path.suffix.lower()
    if suffix == _ARRAY_EXTENSION:
        if start is not None or end is not None:
            raise ValueError(f"{path} is a .npy array, which has no time axis in seconds: pass no start or end")
        clip = _load_array_clip(path)
        if len(clip) < frames:
            raise ClipError(_too_short(str(path), len(clip), frames))
        return resample_clip(clip, frames=frames, height=height, width=width)
    if suffix not in VIDEO_EXTENSIONS:
        raise ValueError(f"cannot read {path}: unknown extension {suffix!r}; use {', '.join(VIDEO_EXTENSIONS)} or .npy")
    return _decode_video(path, frames, height, width, start, end)


def _decode_video(path: Path, frames: int, height: int, width: int, start: float | None, end: float | None):
    where = f"[{start or 0:g}, {'end' if end is None else f'{end:g}'}) s"
    with _open_video(path) as reader:
        fps = float(reader.get_meta_data().get("fps") or 0.0)
        if fps <= 0 and (start is not None or end is not None):
            raise ClipError(f"{path} reports no frame rate, so a window in seconds cannot be cut; re-encode it at a "
                            "constant rate (ffmpeg -i FILE -r 30 out.mp4) or leave start and end empty")
        # the window is frames first..stop-1 (frame i shows at i / fps); the slack absorbs float error in t * fps
        first = math.ceil(start * fps - 1e-6) if start is not None else 0
        stop = math.ceil(end * fps - 1e-6) if end is not None else None
        count = None if stop is None else stop - first
        if count is not None and count < frames:
            raise ClipError(_too_short(f"window {where} of {path}", count, frames))
        if first == 0:
            fitted, decoded = _take_frames(reader, count, frames, height, width)
    if first > 0:
        # seek half a frame before the first wanted one, so that the first decoded frame is exactly it
        with _open_video(path, ["-ss", f"{(first - 0.5) / fps:.6f}"]) as reader:
            fitted, decoded = _take_frames(reader, count, frames, height, width)
    if decoded == 0:
        raise ClipError(f"window {where} of {path} starts after the video ends; check start (or leave it empty)")
    if count is not None and decoded < count:
        raise ClipError(
            f"window {where} of {path} needs frames {first}..{stop - 1} at {fps:g} fps but the video has only "
            f"{first + decoded}: the window runs past its end (if each clip is its own file, leave start and end empty)"
        )
    if count is None:  # the window's length was unknown while decoding, so every frame was fitted
        if decoded < frames:
            raise ClipError(_too_short(f"window {where} of {path}", decoded, frames))
        fitted = [fitted[k] for k in _bin_centres(decoded, frames)]
    return np.stack(fitted)


def _take_frames(reader, count: int | None, frames: int, height: int, width: int) -> tuple[list[np.ndarray], int]:
    """Decode up to ``count`` frames (None: all) and fit the sampled ones (all of them if ``count`` is None).

    Returns the fitted frames and the number of frames decoded; full-size frames are never kept.
    """
    keep = None if count is None else set(_bin_centres(count, frames).tolist())
    fitted, decoded = [], 0
    for frame in reader:
        if keep is None or decoded in keep:
            fitted.append(_fit_frame(frame, height, width))
        decoded += 1
        if decoded == count:
            break
    return fitted, decoded


def _too_short(span: str, n: int, frames: int) -> str:
    return (f"{span} holds {n} frames, fewer than the {frames} asked: ask for fewer frames, "
            "widen the window, or drop this clip")


def resample_clip(clip: np.ndarray, *, frames: int, height: int, width: int) -> np.ndarray:
    """A clip at another geometry, by the rules :func:`read_clip` decodes with.

    Parameters
    ----------
    clip : ndarray of uint8, shape (T, H, W, 3)
        At least ``frames`` frames.
    frames, height, width : int
        The geometry asked for.

    Returns
    -------
    ndarray of uint8, shape (frames, height, width, 3)
        Frame ``k`` is input frame ``floor((k + 1/2) T / frames)``, centre-cropped to
        the aspect ``width / height`` and resized (antialiased bicubic).
    """
    clip = np.asarray(clip)
    if clip.ndim != 4 or clip.shape[-1] != 3 or clip.dtype != np.uint8:
        raise ValueError(f"clip must be uint8 of shape (T, H, W, 3), got {clip.dtype} {clip.shape}")
    if len(clip) < frames:
        raise ClipError(_too_short("the clip", len(clip), frames))
    return np.stack([_fit_frame(frame, height, width) for frame in clip[_bin_centres(len(clip), frames)]])


def _bin_centres(n: int, frames: int) -> np.ndarray:
    """Indices ``floor((k + 1/2) n / frames)``, ``k < frames``, of an ``n``-frame window (``n >= frames``)."""
    return (2 * np.arange(frames) + 1) * n // (2 * frames)


def _fit_frame(frame: np.ndarray, height: int, width: int) -> np.ndarray:
    """Centre crop to the aspect ``width / height`` and resize (antialiased bicubic) to (height, width)."""
    source_height, source_width = frame.shape[:2]
    if (source_height, source_width) == (height, width):
        return frame
    from PIL import Image  # Pillow comes with imageio and matplotlib

    # the largest centred box of the target aspect: full height if the frame is wider, else full width
    box_width = min(source_width, source_height * width / height)
    box_height = min(source_height, source_width * height / width)
    left, top = (source_width - box_width) / 2, (source_height - box_height) / 2
    image = Image.fromarray(np.ascontiguousarray(frame))
    box = (left, top, left + box_width, top + box_height)
    resized = image.resize((width, height), Image.Resampling.BICUBIC, box=box)
    return np.asarray(resized, dtype=np.uint8)


def _load_array_clip(path: Path) -> np.ndarray:
    clip = np.load(path)
    if clip.dtype != np.uint8 or clip.ndim != 4 or clip.shape[-1] != 3 or 0 in clip.shape:
        raise ClipError(f"{path} holds a {clip.dtype} array of shape {clip.shape}; a .npy clip is uint8 (T, H, W, 3)")
    return clip


@contextlib.contextmanager
def _open_video(path: Path, input_params: Sequence[str] = ()):
    """An imageio FFMPEG reader over ``path``; decoding failures become :class:`ClipError`."""
    import imageio.v2 as imageio

    try:
        # passthrough: every decoded frame once, none duplicated or dropped to fit a frame rate
        reader = imageio.get_reader(
            path, format="FFMPEG", input_params=list(input_params),
            output_params=["-map", "0:v:0", "-an", "-fps_mode", "passthrough"],
        )
    except (OSError, IndexError, RuntimeError) as error:  # no such stream, no video stream, ffmpeg failed
        raise _decode_error(path, error) from error
    try:
        yield reader
    except (OSError, RuntimeError) as error:  # a file that breaks off mid-stream
        raise _decode_error(path, error) from error
    finally:
        reader.close()


def _decode_error(path: Path, error: Exception) -> ClipError:
    detail = [line.strip() for line in str(error).splitlines() if line.strip()]
    return ClipError(
        f"cannot decode video {path}: {detail[-1] if detail else type(error).__name__}. Check that it plays "
        "(ffmpeg -i FILE), then re-download it or re-encode it (ffmpeg -i FILE -c:v libx264 out.mp4)"
    )


def write_clip(path: str | os.PathLike, clip: np.ndarray, fps: float = 8, *, quality: float = 8) -> Path:
    """Encode a uint8 clip as an H.264 ``.mp4`` (yuv420p, plays everywhere), atomically.

    Parameters
    ----------
    path : path
        Output file; must end in ``.mp4``. Parent folders are created.
    clip : ndarray of uint8, shape (T, H, W, 3)
        RGB frames; H and W must be even (4:2:0 chroma subsampling).
    fps : float, default 8
        Frame rate; frame ``i`` shows at ``i / fps`` seconds.
    quality : float, default 8
        imageio's 1..10 scale (8: x264 CRF 10, visually lossless; 5: CRF 25).

    Returns
    -------
    Path
        ``path``. The codec is lossy: :func:`read_clip` gives back smooth colour
        content at about 40 dB PSNR (quality 8; 37 dB at 5) and grey content at
        47 dB; 4:2:0 chroma subsampling caps sharp colour edges nearer 34 dB.
    """
    path = Path(path)
    if path.suffix.lower() != ".mp4":
        raise ValueError(f"write_clip writes .mp4 files, got {path.name!r}")
    clip = np.asarray(clip)
    if clip.dtype != np.uint8 or clip.ndim != 4 or clip.shape[-1] != 3 or 0 in clip.shape:
        raise ValueError(
            f"clip must be a uint8 array of shape (T, H, W, 3), got {clip.dtype} of shape {clip.shape}; "
            "convert float frames in [0, 1] with (255 * clip).round().clip(0, 255).astype(np.uint8)"
        )
    if clip.shape[1] % 2 or clip.shape[2] % 2:
        raise ValueError(f"H.264 (yuv420p) needs an even height and width, got {clip.shape[1]} x {clip.shape[2]}; "
                         "crop or pad the clip by a pixel")
    if not fps > 0:
        raise ValueError(f"fps must be positive, got {fps!r}")
    import imageio.v3 as iio

    encoded = iio.imwrite(
        "<bytes>", clip, extension=".mp4", plugin="FFMPEG", fps=fps, codec="libx264", quality=quality,
        macro_block_size=1,  # sizes are checked above; imageio would otherwise silently rescale to multiples of 16
    )
    return atomic_write(path, lambda file: file.write(encoded))


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
    """Every task's ground-truth clip, decoded by :func:`read_clip` and cached per clip.

    Parameters
    ----------
    tasks : DataFrame
        A manifest from :func:`load_manifest` (or any task table with ``id`` and
        ``path``; ``start`` / ``end`` are used when present). Toy tables work too:
        their ``.npy`` clips are sampled and resized by the same rules.
    frames, height, width : int
        Clip size, as in :func:`read_clip`.
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
    frames, height, width = (_positive_int(n, v) for n, v in (("frames", frames), ("height", height), ("width", width)))
    root = Path(clip_root if clip_root is not None else tasks.attrs.get("clip_root", Path.cwd())).expanduser()
    bounds = {column: tasks[column] if column in tasks.columns else pd.Series(np.nan, index=tasks.index)
              for column in _WINDOW_COLUMNS}
    items = [
        (_resolve(str(relative), root).resolve(), *_window(start, end))
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
        return fingerprint("ground-truth", _DECODE_RULE, str(path), status.st_size, status.st_mtime_ns,
                           start, end, frames, height, width)

    clips = store.get_or_compute(items, key=key, compute=decode, batch_size=8, progress=progress,
                                 description="decoding clips")
    return np.stack(clips)


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _window(start: Any, end: Any) -> tuple[float | None, float | None]:
    """``(start, end)`` as floats, None where open (None or NaN); checks ``0 <= start < end``."""
    start, end = (None if value is None or math.isnan(float(value)) else float(value) for value in (start, end))
    if start is not None and start < 0:
        raise ValueError(f"start must be >= 0 seconds, got {start:g}")
    if end is not None and end <= (start or 0.0):
        raise ValueError(f"the window [{start or 0:g}, {end:g}) s is empty: end must be after start")
    return start, end


# -- Panda-70M / VidGen-1M subsets ---------------------------------------------


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
    candidates["id"] = _text(candidates["id"])
    candidates["caption"] = _text(candidates["caption"])
    repeated = candidates["id"][candidates["id"].duplicated()].unique().tolist()
    if repeated:
        raise ValueError(f"clip ids must be unique; repeated: {repeated[:_MAX_LISTED]}")
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
    n_tasks = _positive_int("n_tasks", n_tasks)
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
        A manifest for :func:`load_manifest`: ``id``, ``prompt`` (the caption),
        ``caption``, ``path``, ``category``, ``split`` (``"test"``), then
        ``start`` / ``end`` and the candidates' other columns; categories in mix
        order, clips in draw order within each.

    Raises
    ------
    ValueError
        If a category has fewer candidates than its count (every such category
        is named with both numbers), or on an invalid mix or missing column.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    counts = category_counts(n_tasks, category_mix)
    candidates = clip_candidates(
        source, source_format=source_format, id_column=id_column, caption_column=caption_column
    )
    if category_column is None and categorise is None and "category" in candidates.columns:
        category_column = "category"
    if category_column is not None:
        _require(candidates, (category_column,), "the metadata")
        category = _text(candidates[category_column])
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
        subset = subset.drop(columns=[c for c in _WINDOW_COLUMNS if c in subset.columns])
    subset["prompt"] = subset["caption"]
    subset["split"] = "test"
    first = [*MANIFEST_COLUMNS, *(c for c in _WINDOW_COLUMNS if c in subset.columns)]
    return subset[first + [c for c in subset.columns if c not in first]]

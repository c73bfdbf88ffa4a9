"""Clip I/O: read, resample and write clips, all by the same decoding rules.

:func:`read_clip` decodes a video (:data:`VIDEO_EXTENSIONS`) or reads a ``.npy``
uint8 array (T, H, W, 3), :func:`resample_clip` brings a clip already in memory
to another geometry, and :func:`write_clip` encodes one as an H.264 ``.mp4``.

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

Example
-------
>>> import numpy as np, tempfile, pathlib
>>> path = write_clip(pathlib.Path(tempfile.mkdtemp()) / "a.mp4", np.zeros((8, 32, 48, 3), np.uint8), fps=8)
>>> read_clip(path, frames=4, height=16, width=16).shape
(4, 16, 16, 3)
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .store import atomic_write
from .validation import check_positive_int

__all__ = [
    "VIDEO_EXTENSIONS",
    "ARRAY_EXTENSION",
    "DECODE_RULE",
    "ClipError",
    "read_clip",
    "resample_clip",
    "write_clip",
    "check_window",
    "open_video",
]

#: File extensions :func:`read_clip` decodes with ffmpeg (``.npy`` arrays are read directly).
VIDEO_EXTENSIONS: tuple[str, ...] = (".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".gif")
#: The extension of a clip stored as a uint8 array (T, H, W, 3), read without decoding.
ARRAY_EXTENSION = ".npy"
#: Part of every cache key of decoded clips: bump it when the decoding rules (module docstring) change.
DECODE_RULE = "window-by-fps/bin-centres/pil-bicubic-centre-crop/v1"


class ClipError(ValueError):
    """A clip file cannot give what was asked: it cannot be decoded, or its window is too short."""


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
    frames, height, width = (
        check_positive_int(n, v) for n, v in (("frames", frames), ("height", height), ("width", width))
    )
    start, end = check_window(start, end)
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"clip file {path} does not exist")
    suffix = path.suffix.lower()
    if suffix == ARRAY_EXTENSION:
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
    with open_video(path) as reader:
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
        with open_video(path, ["-ss", f"{(first - 0.5) / fps:.6f}"]) as reader:
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
def open_video(path: Path, input_params: Sequence[str] = ()):
    """An imageio FFMPEG reader over ``path`` (every frame once, as RGB), closed on exit.

    ``input_params`` are ffmpeg options placed before the input (e.g. ``["-ss", "1.5"]``).
    Decoding failures, on opening or mid-stream, become :class:`ClipError`.
    """
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


def check_window(start: Any, end: Any) -> tuple[float | None, float | None]:
    """``(start, end)`` as floats, None where open (None or NaN); checks ``0 <= start < end``."""
    start, end = (None if value is None or math.isnan(float(value)) else float(value) for value in (start, end))
    if start is not None and start < 0:
        raise ValueError(f"start must be >= 0 seconds, got {start:g}")
    if end is not None and end <= (start or 0.0):
        raise ValueError(f"the window [{start or 0:g}, {end:g}) s is empty: end must be after start")
    return start, end

"""Attribute checker: recover shape, colour, motion and size from any clip.

This gives the toy world an exact accuracy: a generated clip is right about an
attribute when the recovered value is one the prompt allows.

How each attribute is read
--------------------------
The background is each clip's median colour; a pixel's *coverage* is its RGB
distance from the background over the object's contrast (the median over
frames of each frame's largest distance), clipped to [0, 1]. In each frame the
object is the largest 8-connected region of pixels with coverage >= 0.5 and
distance >= :data:`MIN_CONTRAST`, plus a one-pixel rim for anti-aliased edges;
stray specks elsewhere are ignored.

colour
    Mean RGB of the object's fully covered pixels, divided by its largest
    channel (brightness drops out), matched to the nearest palette colour
    treated the same way; ``unknown`` if none is within
    :data:`COLOUR_TOLERANCE` (grey or muddy objects).
motion
    Straight-line fit to the coverage-weighted centroid over frames: the
    displacement over the clip is ``still`` below :data:`STILL_THRESHOLD` of the
    frame side (renders travel 0.28 to 0.38 of it), else its dominant axis and
    sign. ``unknown`` if the object is missing in more than half the frames,
    the track strays from a line by more than :data:`TRACK_TOLERANCE`, or the
    size is ``unknown`` (noise filling the frame is no object to track).
size
    The object's extent (longer side of its bounding box, measured with
    sub-pixel coverage) over the frame side, median over frames: ``small``
    below :data:`SIZE_THRESHOLD` (renders: 0.24 and 0.42), ``unknown`` outside
    :data:`SIZE_RANGE`.
shape
    A 7 x 7 grid of coverage sampled over a box centred on the object's
    centroid and scaled by its spatial spread (so the descriptor ignores
    position and scale), averaged over frames, and matched to the nearest of
    prototypes (shape x size x blur) fitted on sharp and blurred renders
    with reserved seeds; ``unknown`` unless the nearest is clearly nearer than
    any other shape's (:data:`SHAPE_MARGIN`), as with noise or a shapeless smear.

A blank clip gives ``unknown`` everywhere; no input of the right shape raises.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import ndimage

from ..seeds import PROTOTYPE_SEED_START
from .attributes import ATTRIBUTE_NAMES, COLOURS, SHAPES, SIZES, UNKNOWN, all_attribute_combinations
from .language import Constraint, parse_prompt
from .render import COLOUR_RGB, render_batch

__all__ = [
    "MIN_CONTRAST",
    "COLOUR_TOLERANCE",
    "STILL_THRESHOLD",
    "TRACK_TOLERANCE",
    "SIZE_THRESHOLD",
    "SIZE_RANGE",
    "SHAPE_MARGIN",
    "check_attributes",
    "attribute_accuracy",
    "attributes_allowed",
]

#: RGB distance from the background below which a pixel is background.
MIN_CONTRAST = 40.0
#: Largest chromaticity distance to a palette colour that still names it (palette colours are >= 0.5 apart).
COLOUR_TOLERANCE = 0.25
#: Displacement over the clip, as a fraction of the frame side, below which an object is still.
STILL_THRESHOLD = 0.14
#: Largest RMS distance of the centroid track from a straight line, as a fraction of the frame side.
TRACK_TOLERANCE = 0.08
#: Object extent, as a fraction of the frame side, separating small from large.
SIZE_THRESHOLD = 0.31
#: Extents outside this range are not an object of either size.
SIZE_RANGE = (0.12, 0.6)
#: A shape is named only if its nearest prototype is closer than this fraction of
#: the distance to the nearest prototype of any other shape (renders: below 0.4).
SHAPE_MARGIN = 0.9

_GRID = 7  # shape descriptor: coverage sampled on a 7 x 7 grid
_MIN_OBJECT_PIXELS = 4  # smaller regions are specks, not objects
_FULL_COVERAGE = 0.9  # pixels at least this covered show the object's own colour
_CHUNK = 512  # clips processed at once
_PROTOTYPE_BLURS = (0.0, 0.022, 0.044, 0.066)  # Gaussian sigma over frame side: 0 to 2.1 px at 32 px
_IN_FRAME = np.zeros((3, 3, 3), bool)
_IN_FRAME[1] = True  # 8-connectivity within a frame, none across frames


def _object_features(clips: np.ndarray) -> dict[str, np.ndarray]:
    """Per-clip measurements of the object in each frame.

    Parameters
    ----------
    clips : ndarray, shape (N, T, S, S, 3)
        RGB clips, any real dtype on the 0..255 scale.

    Returns
    -------
    dict
        ``present`` (N, T) bool: the frame shows an object;
        ``colour`` (N, 3) float: mean RGB of fully covered object pixels (0 if none);
        ``centroid`` (N, T, 2) float: (row, col) in pixels (0 where absent);
        ``extent`` (N, T) float: the object's longer side in pixels, sub-pixel
        (sum over rows, or columns, of the largest coverage in each);
        ``descriptor`` (N, G * G) float: the shape descriptor averaged over frames.
    """
    n, frames, side = clips.shape[:3]
    x = clips.astype(np.float32)
    if np.issubdtype(clips.dtype, np.floating):
        # A diverging generator can emit NaN, inf or out-of-range values; read them as black or white.
        x = np.clip(np.nan_to_num(x, nan=0.0, posinf=255.0, neginf=0.0), 0.0, 255.0)
    background = np.median(x.reshape(n, -1, 3), axis=1)
    difference = x - background[:, None, None, None, :]
    distance = np.sqrt(np.einsum("ntijc,ntijc->ntij", difference, difference))  # (N, T, S, S)
    contrast = np.maximum(np.median(distance.max(axis=(2, 3)), axis=1), MIN_CONTRAST)
    coverage = np.clip(distance / contrast[:, None, None, None], 0.0, 1.0).reshape(n * frames, side, side)
    candidate = (coverage >= 0.5) & (distance.reshape(coverage.shape) >= MIN_CONTRAST)

    body = _largest_regions(candidate)
    rim = ndimage.maximum_filter(body.view(np.uint8), size=(1, 3, 3))  # body grown by one pixel
    coverage = coverage * rim
    area = coverage.sum(axis=(1, 2))
    present = body.any(axis=(1, 2))

    axis = np.arange(side) + 0.5  # pixel centres
    row_mass, col_mass = coverage.sum(axis=2), coverage.sum(axis=1)  # (M, S) each
    centroid = np.stack([_weighted_mean(row_mass, axis, area), _weighted_mean(col_mass, axis, area)], axis=-1)
    spread = np.sqrt(
        np.stack(
            [
                _weighted_mean(row_mass, axis**2, area) - centroid[:, 0] ** 2,
                _weighted_mean(col_mass, axis**2, area) - centroid[:, 1] ** 2,
            ],
            axis=-1,
        ).clip(min=0.0)
    )
    extent = np.maximum(coverage.max(axis=2).sum(axis=1), coverage.max(axis=1).sum(axis=1))
    descriptor = _grid_descriptor(coverage, centroid, spread)

    full = (coverage >= _FULL_COVERAGE).reshape(n, -1)
    colour_sum = np.einsum("np,npc->nc", full.astype(np.float32), x.reshape(n, -1, 3))
    frame_weights = present.reshape(n, frames).astype(np.float64)
    return {
        "present": present.reshape(n, frames),
        "colour": _safe_divide(colour_sum, full.sum(axis=1)[:, None]),
        "centroid": centroid.reshape(n, frames, 2),
        "extent": extent.reshape(n, frames),
        "descriptor": _safe_divide(
            np.einsum("nt,ntd->nd", frame_weights, descriptor.reshape(n, frames, -1)),
            frame_weights.sum(axis=1)[:, None],
        ),
    }


def _safe_divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, 0 where the denominator is 0 (no warning)."""
    numerator, denominator = np.broadcast_arrays(np.asarray(numerator, np.float64), denominator)
    return np.divide(numerator, denominator, out=np.zeros(numerator.shape), where=denominator > 0)


def _weighted_mean(mass: np.ndarray, values: np.ndarray, total: np.ndarray) -> np.ndarray:
    """sum(mass * values) / total per row; mass (M, S), values (S,), total (M,)."""
    return _safe_divide(mass @ values, total)


def _largest_regions(candidate: np.ndarray) -> np.ndarray:
    """Keep, in each frame, only the largest connected region of ``candidate`` (if big enough).

    Parameters
    ----------
    candidate : ndarray of bool, shape (M, S, S)

    Returns
    -------
    ndarray of bool, shape (M, S, S)
    """
    labels, n_labels = ndimage.label(candidate, structure=_IN_FRAME)
    if n_labels == 0:
        return candidate
    sizes = np.bincount(labels.ravel())
    frame_of = np.zeros(n_labels + 1, np.int64)
    frame_of[labels.ravel()] = np.repeat(np.arange(len(candidate)), labels[0].size)
    by_frame_then_size = np.lexsort((sizes[1:], frame_of[1:])) + 1
    last_in_frame = np.r_[frame_of[by_frame_then_size][1:] != frame_of[by_frame_then_size][:-1], True]
    largest = by_frame_then_size[last_in_frame]
    keep = np.zeros(n_labels + 1, bool)
    keep[largest[sizes[largest] >= _MIN_OBJECT_PIXELS]] = True
    return keep[labels] & (labels > 0)


def _grid_descriptor(coverage: np.ndarray, centroid: np.ndarray, spread: np.ndarray) -> np.ndarray:
    """Coverage sampled on a G x G grid spanning centroid +- 2 spread (bilinear; 0 off the frame).

    Parameters
    ----------
    coverage : ndarray, shape (M, S, S)
    centroid, spread : ndarray, shape (M, 2)
        (row, col) in pixels.

    Returns
    -------
    ndarray of float64, shape (M, G * G)
    """
    m, side = coverage.shape[:2]
    steps = (2 * np.arange(_GRID) + 1) / _GRID - 1  # cell centres of [-1, 1]
    points = centroid[:, None, :] + 2.0 * spread[:, None, :] * steps[None, :, None] - 0.5  # (M, G, 2), pixel units
    low = np.floor(points).astype(np.int64)
    weight_high = points - low
    padded = np.pad(coverage, ((0, 0), (1, 1), (1, 1)))  # so low - 1 .. low + 1 index safely after clipping
    frame = np.arange(m)[:, None, None]
    sample = np.zeros((m, _GRID, _GRID))
    for d_row in (0, 1):
        rows = np.clip(low[:, :, 0] + d_row + 1, 0, side + 1)[:, :, None]
        w_row = (weight_high[:, :, 0] if d_row else 1 - weight_high[:, :, 0])[:, :, None]
        for d_col in (0, 1):
            cols = np.clip(low[:, :, 1] + d_col + 1, 0, side + 1)[:, None, :]
            w_col = (weight_high[:, :, 1] if d_col else 1 - weight_high[:, :, 1])[:, None, :]
            sample += w_row * w_col * padded[frame, rows, cols]
    return sample.reshape(m, -1)


@functools.lru_cache(maxsize=8)
def _shape_prototypes(side: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean shape descriptor of renders for each (shape, size, blur), at frame side ``side``.

    Every object is rendered once (reserved seeds), sharp and blurred by each
    of :data:`_PROTOTYPE_BLURS`, so that blurry clips, as a half-trained
    generator makes, still find a prototype of their own shape.

    Returns
    -------
    prototypes : ndarray of float64, shape (n_blurs * n_shapes * n_sizes, G * G)
    shape_of : ndarray of str, shape (n_blurs * n_shapes * n_sizes,)
        The shape each prototype stands for.
    """
    objects = pd.DataFrame(all_attribute_combinations())
    sharp = render_batch(objects, PROTOTYPE_SEED_START + np.arange(len(objects)), size=side).astype(np.float32)
    groups = (objects["shape"] + "/" + objects["size"]).to_numpy()
    keys = [f"{shape}/{size}" for shape in SHAPES for size in SIZES]
    prototypes = []
    for blur in _PROTOTYPE_BLURS:
        clips = ndimage.gaussian_filter(sharp, sigma=(0, 0, blur * side, blur * side, 0)) if blur else sharp
        descriptor = _object_features(clips)["descriptor"]
        prototypes += [descriptor[groups == key].mean(axis=0) for key in keys]
    shape_of = [key.split("/")[0] for key in keys] * len(_PROTOTYPE_BLURS)
    return np.stack(prototypes), np.array(shape_of)


def _classify(features: dict[str, np.ndarray], side: int) -> dict[str, np.ndarray]:
    """Attribute labels (str arrays of shape (N,), UNKNOWN where unrecoverable) from features."""
    present = features["present"]
    n, frames = present.shape
    seen = present.any(axis=1)

    # colour: chromaticity of the object's own pixels
    colour = features["colour"]
    brightest = colour.max(axis=1, keepdims=True)
    chroma = _safe_divide(colour, brightest)
    palette = np.array([COLOUR_RGB[c] for c in COLOURS], np.float64)
    palette = palette / palette.max(axis=1, keepdims=True)
    colour_distance = np.linalg.norm(chroma[:, None, :] - palette[None, :, :], axis=-1)
    colour_label = np.array(COLOURS)[colour_distance.argmin(axis=1)]
    colour_ok = seen & (brightest[:, 0] >= MIN_CONTRAST) & (colour_distance.min(axis=1) <= COLOUR_TOLERANCE)

    # size: median extent over the frames that show the object
    extent = np.where(present, features["extent"], np.nan)
    median_extent = np.zeros(n)
    median_extent[seen] = np.nanmedian(extent[seen], axis=1) / side
    size_label = np.where(median_extent < SIZE_THRESHOLD, "small", "large")
    size_ok = seen & (median_extent >= SIZE_RANGE[0]) & (median_extent <= SIZE_RANGE[1])

    # motion: least-squares line through the centroid track
    displacement, residual = _fit_track(features["centroid"], present)
    displacement, residual = displacement / side, residual / side
    horizontal = np.abs(displacement[:, 1]) >= np.abs(displacement[:, 0])
    motion_label = np.where(
        horizontal,
        np.where(displacement[:, 1] < 0, "left", "right"),
        np.where(displacement[:, 0] < 0, "up", "down"),
    )
    motion_label = np.where(np.linalg.norm(displacement, axis=1) < STILL_THRESHOLD, "still", motion_label)
    # a region outside the size range (e.g. noise filling the frame) is no object to track
    motion_ok = size_ok & (2 * present.sum(axis=1) >= frames) & (residual <= TRACK_TOLERANCE)

    # shape: nearest prototype descriptor
    prototypes, shape_of = _shape_prototypes(side)
    shape_distance = np.linalg.norm(features["descriptor"][:, None, :] - prototypes[None], axis=-1)
    shape_label = shape_of[shape_distance.argmin(axis=1)]
    other_shape = np.where(shape_of[None, :] != shape_label[:, None], shape_distance, np.inf).min(axis=1)
    shape_ok = seen & (shape_distance.min(axis=1) < SHAPE_MARGIN * other_shape)

    labels = {"shape": (shape_label, shape_ok), "colour": (colour_label, colour_ok)}
    labels |= {"motion": (motion_label, motion_ok), "size": (size_label, size_ok)}
    return {name: np.where(ok, label, UNKNOWN).astype(object) for name, (label, ok) in labels.items()}


def _fit_track(centroid: np.ndarray, present: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Straight-line fit of the centroid over the frames that show the object.

    Parameters
    ----------
    centroid : ndarray, shape (N, T, 2)
    present : ndarray of bool, shape (N, T)

    Returns
    -------
    displacement : ndarray, shape (N, 2)
        Fitted (row, col) movement from the first to the last frame, in pixels
        (0 with fewer than two frames).
    residual : ndarray, shape (N,)
        RMS distance of the track from the line, in pixels.
    """
    frames = centroid.shape[1]
    weight = present.astype(np.float64)
    count = weight.sum(axis=1)
    time = np.arange(frames, dtype=np.float64)
    mean_time = _safe_divide(weight @ time, count)
    mean_position = _safe_divide(np.einsum("nt,ntc->nc", weight, centroid), count[:, None])
    dt = (time[None, :] - mean_time[:, None]) * weight  # zero where absent
    slope = _safe_divide(np.einsum("nt,ntc->nc", dt, centroid), (dt**2).sum(axis=1)[:, None])
    fitted = mean_position[:, None, :] + (time[None, :, None] - mean_time[:, None, None]) * slope[:, None, :]
    squared_error = ((centroid - fitted) ** 2).sum(axis=2) * weight
    residual = np.sqrt(_safe_divide(squared_error.sum(axis=1), count))
    return slope * (frames - 1), residual


def _as_clip_batch(clips: np.ndarray) -> tuple[np.ndarray, bool]:
    """Validate clips; return them as (N, T, S, S, 3) and whether a single clip was given."""
    clips = np.asarray(clips)
    single = clips.ndim == 4
    batch = clips[None] if single else clips
    if batch.ndim != 5 or batch.shape[-1] != 3 or batch.shape[2] != batch.shape[3]:
        raise ValueError(
            f"expected clips of shape (N, T, S, S, 3) or one clip (T, S, S, 3) with square frames, got {clips.shape}"
        )
    if batch.shape[1] < 2 or batch.shape[2] < 16:
        raise ValueError(f"clips need at least 2 frames of at least 16 x 16 pixels, got {clips.shape}")
    if not (np.issubdtype(batch.dtype, np.integer) or np.issubdtype(batch.dtype, np.floating)):
        raise ValueError(f"clips must hold numbers on the 0..255 scale, got dtype {batch.dtype}")
    return batch, single


def check_attributes(clips: np.ndarray) -> pd.DataFrame | dict[str, str]:
    """Recover each clip's shape, colour, motion and size.

    Parameters
    ----------
    clips : ndarray, shape (N, T, S, S, 3) or (T, S, S, 3)
        RGB clips on the 0..255 scale (uint8, or floats from a generator),
        square frames of at least 16 pixels, at least 2 frames.

    Returns
    -------
    DataFrame or dict
        For a batch, a DataFrame with N rows and columns ``shape``, ``colour``,
        ``motion``, ``size`` holding vocabulary values or ``"unknown"``
        (:data:`~squbed_utils.world.UNKNOWN`) where the attribute cannot be read
        (blank, noisy or malformed clips). For one clip, a dict of the same.

    Raises
    ------
    ValueError
        Only for input of the wrong shape or dtype.
    """
    batch, single = _as_clip_batch(clips)
    side = batch.shape[2]
    parts = [
        _classify(_object_features(batch[start : start + _CHUNK]), side) for start in range(0, len(batch), _CHUNK)
    ]
    table = pd.DataFrame({name: np.concatenate([part[name] for part in parts]) for name in ATTRIBUTE_NAMES})
    return table.iloc[0].to_dict() if single else table


def attribute_accuracy(
    clips: np.ndarray, prompts: str | Constraint | Sequence[str | Constraint]
) -> pd.DataFrame:
    """Per clip, whether each recovered attribute is one its prompt allows.

    Parameters
    ----------
    clips : ndarray, shape (N, T, S, S, 3)
        Clips, e.g. generated for the prompts.
    prompts : str, Constraint, or sequence of them (length N)
        The prompt of each clip (one prompt applies to every clip).

    Returns
    -------
    DataFrame
        N rows; bool columns ``shape``, ``colour``, ``motion``, ``size`` (the
        recovered value is allowed; an ``unknown`` value never is, since the
        clip fails to show it) and ``all`` (every attribute allowed): the toy
        world's exact accuracy.
    """
    batch, _ = _as_clip_batch(clips)
    if isinstance(prompts, (str, Constraint)):
        prompts = [prompts] * len(batch)
    if len(prompts) != len(batch):
        raise ValueError(f"got {len(batch)} clips but {len(prompts)} prompts; give one prompt per clip or one for all")
    return attributes_allowed(check_attributes(batch), prompts)


def attributes_allowed(found: pd.DataFrame, prompts: str | Constraint | Sequence[str | Constraint]) -> pd.DataFrame:
    """:func:`attribute_accuracy` from attributes already recovered by :func:`check_attributes`.

    Lets a caller score one batch of clips against several prompts (e.g. the
    task prompt and the ground-truth object) while reading the clips once.
    """
    if isinstance(prompts, (str, Constraint)):
        prompts = [prompts] * len(found)
    constraints = [p if isinstance(p, Constraint) else parse_prompt(p) for p in prompts]
    table = pd.DataFrame(
        {
            name: [value in c.allowed(name) for value, c in zip(found[name], constraints)]
            for name in ATTRIBUTE_NAMES
        }
    )
    table["all"] = table.all(axis=1)
    return table

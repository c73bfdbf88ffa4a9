"""One figure style for the whole project, and saving figures by name.

Every figure is saved twice, as PNG (for the README and notebooks) and PDF (for
papers), under the profile's figures folder, named after what it shows.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

from .figure_index import write_index
from .profiles import Profile

__all__ = ["set_style", "save_figure", "plot_clip_strips", "plot_samples_beside_truth", "plot_generator_accuracy",
           "motion_trail", "plot_video_grid", "PALETTE"]

# Okabe-Ito, the colour-blind-safe palette that seaborn calls "colorblind".
PALETTE = sns.color_palette("colorblind")


def set_style() -> None:
    """Apply the project's figure style (seaborn whitegrid, colour-blind palette).

    Starts from matplotlib's defaults, so a figure is drawn the same in a notebook
    (whose inline backend changes sizes and colours) and in a plain script.
    """
    plt.rcdefaults()
    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE)
    plt.rcParams.update({"figure.dpi": 110, "savefig.dpi": 150, "savefig.bbox": "tight",
                         "axes.titleweight": "bold"})


def save_figure(figure: plt.Figure, name: str, profile: Profile) -> list[Path]:
    """Save ``figure`` as ``<name>.png`` and ``<name>.pdf`` in ``profile.figures_dir``, and bring that folder's
    index (:mod:`squbed_utils.figure_index`: which notebook and section draws each figure) up to date.

    Returns the two paths written.
    """
    if not name or Path(name).name != name or Path(name).suffix:
        raise ValueError(f"figure name must be a bare file stem like 'vmf_entropy', got {name!r}")
    folder = profile.figures_dir
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{name}.{extension}" for extension in ("png", "pdf")]
    for path in paths:
        # no creation date in the PDF, so an unchanged figure is an unchanged file
        figure.savefig(path, metadata={"CreationDate": None} if path.suffix == ".pdf" else None)
    write_index(folder)
    return paths


def plot_clip_strips(clips, labels, *, title: str | None = None, frame_inches: float = 0.55) -> plt.Figure:
    """One row per clip, its frames left to right, with a text label on the left.

    Parameters
    ----------
    clips : array_like of uint8, shape (N, T, H, W, 3)
    labels : sequence of N str
        Shown to the left of each row (a prompt, a caption, a task id).
    title : str, optional
    frame_inches : float
        Width of one frame in the figure, in inches.
    """
    clips = np.asarray(clips)
    if clips.ndim != 5 or clips.shape[-1] != 3:
        raise ValueError(f"clips must have shape (N, T, H, W, 3), got {clips.shape}")
    if len(labels) != len(clips):
        raise ValueError(f"got {len(labels)} labels for {len(clips)} clips")
    n_clips, n_frames, height, width, _ = clips.shape
    # frames side by side with a one-pixel white gap between them
    gap = np.full((n_clips, n_frames, height, 1, 3), 255, dtype=clips.dtype)
    strips = np.concatenate([clips, gap], axis=3).transpose(0, 2, 1, 3, 4)
    strips = strips.reshape(n_clips, height, n_frames * (width + 1), 3)[:, :, :-1]
    figure, axes = plt.subplots(n_clips, 1, squeeze=False,
                                figsize=(frame_inches * n_frames + 3.5, frame_inches * n_clips * 1.1))
    for ax, strip, label in zip(axes[:, 0], strips, labels):
        ax.imshow(strip, interpolation="nearest")
        ax.set_xticks([]), ax.set_yticks([])
        ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
        ax.grid(False)
    if title:
        figure.suptitle(title)
    return figure


def plot_samples_beside_truth(truth, samples, truth_labels, seeds, *, title: str | None = None) -> plt.Figure:
    """:func:`plot_clip_strips` of each reference clip followed by its samples, one seed each.

    Parameters
    ----------
    truth : array_like of uint8, shape (K, T, H, W, 3)
        One reference clip per prompt (a render of it, or the task's real clip).
    samples : array_like of uint8, shape (K * len(seeds), T, H, W, 3)
        The generated clips, prompt-major: the samples of prompt k are
        ``samples[k * len(seeds):(k + 1) * len(seeds)]``.
    truth_labels : sequence of K str
    seeds : sequence of int
        The sampling seeds, shown as each sample's label.
    """
    truth, samples, per = np.asarray(truth), np.asarray(samples), len(seeds)
    if len(samples) != len(truth) * per:
        raise ValueError(f"got {len(samples)} samples for {len(truth)} prompts x {per} seeds")
    rows, labels = [], []
    for k, label in enumerate(truth_labels):
        rows += [truth[k], *samples[k * per:(k + 1) * per]]
        labels += [label, *(f"sample, seed {s}" for s in seeds)]
    return plot_clip_strips(np.stack(rows), labels, title=title)


def plot_generator_accuracy(accuracy) -> plt.Figure:
    """Bars of the checker's accuracy per attribute and knowledge level, one panel per checkpoint.

    Parameters
    ----------
    accuracy : DataFrame
        What notebook 02 saves as ``generator_accuracy.csv``: columns ``checkpoint``,
        ``knowledge``, one column per attribute plus ``all`` (fractions) and ``n``
        (as columns or as the index).
    """
    from .world import KNOWLEDGE_LEVELS

    long = (accuracy.reset_index() if "checkpoint" not in accuracy else accuracy).drop(columns="n")
    long = long.melt(["checkpoint", "knowledge"], var_name="attribute", value_name="accuracy")
    grid = sns.catplot(data=long, x="attribute", y="accuracy", hue="knowledge", col="checkpoint", kind="bar",
                       height=3.4, aspect=1.4, hue_order=list(KNOWLEDGE_LEVELS))
    grid.set(ylim=(0, 1))
    grid.figure.suptitle("Attributes recovered from generated clips", y=1.03)
    return grid.figure


def motion_trail(clips) -> np.ndarray:
    """One still image per clip that shows its motion: a long exposure whose earlier frames are fainter.

    Each pixel takes the frame that departs most from the background (the
    clip's median colour), with frame ``t`` weighted ``0.25 + 0.75 t / (T - 1)``,
    so the object's last position is the brightest and its path fades behind it.

    Parameters
    ----------
    clips : array_like of uint8, shape (..., T, H, W, 3)

    Returns
    -------
    ndarray of uint8, shape (..., H, W, 3)
    """
    clips = np.asarray(clips)
    if clips.ndim < 4 or clips.shape[-1] != 3:
        raise ValueError(f"clips must have shape (..., T, H, W, 3), got {clips.shape}")
    frames = clips.astype(np.float32)
    n_frames = clips.shape[-4]
    background = np.median(frames.reshape(*clips.shape[:-4], -1, 3), axis=-2)[..., None, None, None, :]
    weights = (0.25 + 0.75 * np.arange(n_frames) / max(1, n_frames - 1)).reshape(-1, 1, 1, 1)
    departure = (frames - background) * weights
    strongest = np.abs(departure).sum(axis=-1).argmax(axis=-3)[..., None, :, :, None]
    trail = background[..., 0, :, :, :] + np.take_along_axis(departure, strongest, axis=-4)[..., 0, :, :, :]
    return trail.round().clip(0, 255).astype(np.uint8)


def plot_video_grid(clips, row_labels, *, title: str | None = None, image_inches: float = 0.7,
                    axes=None) -> plt.Figure:
    """A grid of videos, each shown as its :func:`motion_trail`: one row per label (e.g. per refined prompt).

    Parameters
    ----------
    clips : array_like of uint8, shape (rows, columns, T, H, W, 3)
    row_labels : sequence of ``rows`` str
    title : str, optional
    image_inches : float
        Side of one image, in inches.
    axes : matplotlib Axes, optional
        Draw into this one Axes (the grid becomes a single image) instead of a new figure.
    """
    clips = np.asarray(clips)
    if clips.ndim != 6:
        raise ValueError(f"clips must have shape (rows, columns, T, H, W, 3), got {clips.shape}")
    if len(row_labels) != len(clips):
        raise ValueError(f"got {len(row_labels)} row labels for {len(clips)} rows")
    rows, columns, _, height, width, _ = clips.shape
    trails = motion_trail(clips)
    # images side by side with a two-pixel white gap
    canvas = np.full((rows * (height + 2) - 2, columns * (width + 2) - 2, 3), 255, np.uint8)
    for r in range(rows):
        for c in range(columns):
            canvas[r * (height + 2):r * (height + 2) + height, c * (width + 2):c * (width + 2) + width] = trails[r, c]
    if axes is None:
        figure, axes = plt.subplots(figsize=(image_inches * columns + 3.5, image_inches * rows + 0.6))
    else:
        figure = axes.figure
    axes.imshow(canvas, interpolation="nearest")
    axes.set_yticks([(height + 2) * r + height / 2 for r in range(rows)], list(row_labels), fontsize=8)
    axes.set_xticks([])
    axes.grid(False)
    for side in axes.spines.values():
        side.set_visible(False)
    if title:
        axes.set_title(title, fontsize=10)
    return figure

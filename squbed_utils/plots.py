"""One figure style for the whole project, and saving figures by name.

Every figure is saved twice, as PNG (for the README and notebooks) and PDF (for
papers), under the profile's figures folder, named after what it shows.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

from .profiles import Profile

__all__ = ["set_style", "save_figure", "plot_clip_strips", "PALETTE"]

# Okabe-Ito, the colour-blind-safe palette that seaborn calls "colorblind".
PALETTE = sns.color_palette("colorblind")


def set_style() -> None:
    """Apply the project's figure style (seaborn whitegrid, colour-blind palette)."""
    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE)
    plt.rcParams.update({"figure.dpi": 110, "savefig.dpi": 150, "savefig.bbox": "tight",
                         "axes.titleweight": "bold"})


def save_figure(figure: plt.Figure, name: str, profile: Profile) -> list[Path]:
    """Save ``figure`` as ``<name>.png`` and ``<name>.pdf`` in ``profile.figures_dir``.

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

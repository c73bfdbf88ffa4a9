"""One figure style for the whole project, and saving figures by name.

Every figure is saved twice, as PNG (for the README and notebooks) and PDF (for
papers), under the profile's figures folder, named after what it shows.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import seaborn as sns

from .profiles import Profile

__all__ = ["set_style", "save_figure", "PALETTE"]

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
        figure.savefig(path)
    return paths

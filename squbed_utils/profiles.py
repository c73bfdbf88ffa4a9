"""Profiles: one name chooses the sizes, seeds and output folders of every notebook.

``tiny``
    seconds; what the tests run, through the same code path.
``default``
    what ``make`` runs on a laptop CPU with nothing downloaded.
``paper``
    the paper's setting (n = m = 10 per task, about 200 tasks), meant for a GPU.

Every notebook has a Papermill ``parameters`` cell with ``profile = "default"``
and calls :func:`get_profile` on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["Profile", "PROFILES", "get_profile", "project_root"]


def project_root() -> Path:
    """The repository root (the folder holding ``pyproject.toml``).

    The package is installed editable, so the root is the parent of the package
    folder; an installed copy without one falls back to the working directory.
    """
    candidate = Path(__file__).resolve().parents[1]
    return candidate if (candidate / "pyproject.toml").is_file() else Path.cwd()


@dataclass(frozen=True)
class Profile:
    """Sizes and seeds shared by all notebooks.

    Attributes
    ----------
    name : str
        ``"tiny"``, ``"default"`` or ``"paper"``.
    seed : int
        Root seed; every random draw in a run derives from it.
    n_latents : int
        ``n``, refined (latent) prompts per task.
    n_videos : int
        ``m``, videos generated per refined prompt.
    monte_carlo_repeats : int
        Repetitions of simulation studies (estimator bias, sensitivity).
    """

    name: str
    seed: int
    n_latents: int
    n_videos: int
    monte_carlo_repeats: int

    @property
    def artifacts_dir(self) -> Path:
        """Where this profile's cached and saved results live: ``artifacts/<name>/``."""
        return project_root() / "artifacts" / self.name

    @property
    def figures_dir(self) -> Path:
        """``figures/`` for the default profile (the committed figures), else
        ``artifacts/<name>/figures/`` so a test run never overwrites them."""
        if self.name == "default":
            return project_root() / "figures"
        return self.artifacts_dir / "figures"


PROFILES = {
    "tiny": Profile("tiny", seed=0, n_latents=3, n_videos=3, monte_carlo_repeats=3),
    "default": Profile("default", seed=0, n_latents=10, n_videos=10, monte_carlo_repeats=30),
    "paper": Profile("paper", seed=0, n_latents=10, n_videos=10, monte_carlo_repeats=100),
}


def get_profile(name: str) -> Profile:
    """The :class:`Profile` called ``name``; a ValueError lists the valid names."""
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown profile {name!r}; choose one of {sorted(PROFILES)}") from None

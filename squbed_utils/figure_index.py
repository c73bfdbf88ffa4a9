"""Which notebook, and which section of it, draws each figure: ``figures/README.md``.

Every figure is saved by :func:`squbed_utils.plots.save_figure` under a literal
name (``save_figure(fig, "calibration_scatter", settings)``), so the notebooks'
sources say where each one comes from. :func:`figure_sources` reads them;
:func:`write_index` writes the index of a figures folder, and ``save_figure``
calls it after every save, so the index never lags behind the files.
``python -m squbed_utils.figure_index notebook-of NAME`` prints the notebook
that draws a figure (``make figures/NAME.png`` uses it) and ``... notebooks``
every notebook that saves one (``make figures``).
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import NamedTuple

__all__ = ["INDEX_NAME", "FigureSource", "figure_sources", "index_text", "write_index", "notebooks_with_figures",
           "notebook_of", "main"]

#: The index file written into a figures folder.
INDEX_NAME = "README.md"
_SAVE = re.compile(r"""save_figure\(\s*[^,]+,\s*["']([A-Za-z0-9_]+)["']""")
_HEADING = re.compile(r"^(#{1,3})\s+(.*\S)\s*$", re.M)


class FigureSource(NamedTuple):
    """Where a figure is drawn: the notebook's file name, the title of its section, and the world its cell
    runs in (``toy_world``, ``real_clips`` or ``both``, from the cell's ``%%only`` line)."""

    notebook: str
    section: str
    world: str = "both"


def _notebooks_dir() -> Path:
    from .profiles import project_root

    return project_root() / "notebooks"


def figure_sources(notebooks_dir: str | os.PathLike | None = None) -> dict[str, list[FigureSource]]:
    """Every figure name saved by a numbered notebook, with the notebook and section that save it.

    Parameters
    ----------
    notebooks_dir : folder, optional
        Default: the repository's ``notebooks/``.

    Returns
    -------
    dict
        Figure name -> the places that save it, in notebook order (a figure drawn in both worlds,
        such as ``generator_samples``, has one place per cell).
    """
    sources: dict[str, list[FigureSource]] = {}
    for path in sorted(Path(notebooks_dir or _notebooks_dir()).glob("[0-9][0-9]_*.ipynb")):
        section = path.stem
        for cell in json.loads(path.read_text())["cells"]:
            text = "".join(cell["source"])
            if cell["cell_type"] == "markdown":
                headings = _HEADING.findall(text)
                if headings:
                    section = headings[-1][1]
            elif cell["cell_type"] == "code":
                first = text.lstrip().splitlines()[0] if text.strip() else ""
                world = first.split()[1] if first.startswith("%%only") and len(first.split()) > 1 else "both"
                for name in _SAVE.findall(text):
                    place = FigureSource(path.name, section, world)
                    if place not in sources.setdefault(name, []):
                        sources[name].append(place)
    return sources


def index_text(figures_dir: str | os.PathLike, notebooks_dir: str | os.PathLike | None = None) -> str:
    """The Markdown index of the figures in ``figures_dir`` (one row per figure present)."""
    sources = figure_sources(notebooks_dir)
    names = sorted({path.stem for path in Path(figures_dir).glob("*.png")})
    lines = ["# Figures", "",
             "Written by `squbed_utils.plots.save_figure` each time it saves a figure; do not edit by hand.",
             "Rebuild one figure with `make figures/NAME.png` (it runs the notebook that draws it, from the cache),",
             "every figure with `make figures`.", "",
             "| figure | notebook | section |", "| --- | --- | --- |"]
    for name in names:
        places = sources.get(name) or [FigureSource("(no notebook saves it: a stale file?)", "")]
        notebooks = "; ".join(dict.fromkeys(f"`{p.notebook}`" for p in places))
        sections = "; ".join(dict.fromkeys(p.section for p in places))
        lines.append(f"| [{name}]({name}.png) | {notebooks} | {sections} |")
    return "\n".join(lines) + "\n"


def write_index(figures_dir: str | os.PathLike, notebooks_dir: str | os.PathLike | None = None) -> Path:
    """Write :data:`INDEX_NAME` in ``figures_dir`` from its PNG files and the notebooks' sources."""
    from .store import atomic_write

    target = Path(figures_dir) / INDEX_NAME
    text = index_text(figures_dir, notebooks_dir)
    if not target.is_file() or target.read_text() != text:
        atomic_write(target, lambda file: file.write(text), binary=False)
    return target


def notebooks_with_figures(notebooks_dir: str | os.PathLike | None = None) -> list[str]:
    """The notebooks that save at least one figure, in run order."""
    return sorted({place.notebook for places in figure_sources(notebooks_dir).values() for place in places})


def notebook_of(name: str, notebooks_dir: str | os.PathLike | None = None) -> str:
    """The notebook that draws figure ``name`` in the toy world (the first one that saves it).

    Raises
    ------
    ValueError
        If no notebook saves a figure of that name.
    """
    sources = figure_sources(notebooks_dir)
    if name not in sources:
        raise ValueError(f"no notebook saves a figure called {name!r}; the figures are: {', '.join(sorted(sources))}")
    return sources[name][0].notebook


def main(argv: list[str] | None = None) -> int:
    """``python -m squbed_utils.figure_index notebook-of NAME``: print the notebook that draws ``NAME``;
    ``... notebooks``: print every notebook that saves a figure, in run order."""
    args = sys.argv[1:] if argv is None else argv
    if args == ["notebooks"]:
        print("\n".join(notebooks_with_figures()))
        return 0
    if len(args) != 2 or args[0] != "notebook-of":
        print("usage: python -m squbed_utils.figure_index notebook-of NAME | notebooks", file=sys.stderr)
        return 2
    try:
        print(notebook_of(Path(args[1]).stem))
    except ValueError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

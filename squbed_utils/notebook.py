"""Notebook helpers: the ``%%only`` cell magic that lets one notebook serve the toy world and real clips.

The notebooks run on the toy world (``tiny``, ``default``) and on real clips
with real models (``paper``). Sections that only make sense for one of them
start with a cell magic::

    %load_ext squbed_utils.notebook

    %%only toy_world
    checked = world.attribute_accuracy(...)     # runs on tiny / default only

    %%only real_clips
    tasks = manifests.load_manifest(...)        # runs on paper only

The magic reads ``settings`` (the :class:`~squbed_utils.profiles.Profile` that
every notebook builds in its first cell). A skipped cell prints one line saying
why, so an executed notebook shows what did not run.

Interactive figures get their controls from :func:`controls` (not from
``ipywidgets.interact``, whose Output widget can hang an unattended run)::

    explore(kappa=100.0)                                   # drawn once, so every run shows the figure
    controls(explore, kappa=widgets.FloatSlider(value=100.0, min=1, max=1000))

Loading the extension also turns off the Hugging Face libraries' own progress
bars ("Loading weights", downloads), which would otherwise print a bar each
time a model loads; the project's own bars (``progress=True``) stay, drawn as
one ipywidgets bar each by tqdm's notebook mode.
"""

from __future__ import annotations

import os
import sys

__all__ = ["WORLDS", "controls", "load_ipython_extension"]

#: The names ``%%only`` accepts, and whether each one means the toy world.
WORLDS = {"toy_world": True, "real_clips": False}


def _only(line: str, cell: str) -> None:
    from IPython import get_ipython

    shell = get_ipython()
    world = line.strip()
    if world not in WORLDS:
        raise ValueError(f"%%only takes one of {sorted(WORLDS)}, got {world!r}")
    settings = shell.user_ns.get("settings")
    if settings is None or not hasattr(settings, "toy_world"):
        raise NameError("%%only needs `settings = get_profile(profile, **overrides)` to be run first")
    if settings.toy_world == WORLDS[world]:
        result = shell.run_cell(cell, store_history=False)
        result.raise_error()
    else:
        print(f"(skipped: this cell runs on {world.replace('_', ' ')} only; profile {settings.name!r})")


def controls(draw, **choices) -> None:
    """Show ``choices`` (widgets named after ``draw``'s arguments); in Jupyter, each change redraws ``draw(**values)`` below.

    Like ``ipywidgets.interact``, without its Output widget, whose messages can hang an unattended
    (Papermill) run: here the figure goes to a display handle, so an unattended run only shows the controls.
    Draw the figure once yourself (a plain call of ``draw``) so that every run, attended or not, shows it.

    Parameters
    ----------
    draw : callable
        Called with one keyword argument per choice (the widgets' current values); returns what to show
        (a figure, or anything IPython can display).
    **choices : ipywidgets.ValueWidget
        The controls, named as ``draw``'s arguments (sliders, dropdowns...).
    """
    import ipywidgets as widgets
    from IPython.display import Markdown, display

    display(widgets.HBox(list(choices.values())))
    figure = display(Markdown("*(In Jupyter, moving a control redraws the figure here.)*"), display_id=True)

    def redraw(_):
        figure.update(draw(**{name: choice.value for name, choice in choices.items()}))

    for choice in choices.values():
        choice.observe(redraw, names="value")


def _quiet_library_progress_bars() -> None:
    """No model-loading bars from huggingface_hub and transformers (read at import, and switched off if loaded)."""
    os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
    if "huggingface_hub" in sys.modules:
        sys.modules["huggingface_hub"].utils.disable_progress_bars()
    if "transformers" in sys.modules:
        from transformers.utils import logging

        logging.disable_progress_bar()


def load_ipython_extension(shell) -> None:
    """Register ``%%only`` (``%load_ext squbed_utils.notebook``) and quiet the libraries' progress bars."""
    _quiet_library_progress_bars()
    shell.register_magic_function(_only, magic_kind="cell", magic_name="only")

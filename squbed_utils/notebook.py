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
"""

from __future__ import annotations

__all__ = ["WORLDS", "load_ipython_extension"]

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


def load_ipython_extension(shell) -> None:
    """Register ``%%only`` (``%load_ext squbed_utils.notebook``)."""
    shell.register_magic_function(_only, magic_kind="cell", magic_name="only")

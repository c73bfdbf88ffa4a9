"""Where models come from and where they run: local folders or hub ids, devices, torch threads.

Every model loader of the package (the LLM, CLIP, diffusers pipelines, the
sentence embedder) follows the same rules, kept here:

* a name that exists on disk is a local model; a name that *looks* like a path
  (``./x``, ``~/x``, ``/x``, ``a/b/c``, ``x.gguf``) but does not exist is an error
  naming it; anything else is a Hugging Face hub id;
* hub ids load from the local Hugging Face cache only, unless the caller allows
  a download, and a missing one is a FileNotFoundError that says how to fetch it;
* ``device`` is ``"cpu"``, ``"cuda"``, ``"cuda:k"`` (checked to exist) or ``"auto"``.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

__all__ = ["resolve_device", "is_local_path", "local_path_or_hub_id", "from_hub_cache", "model_folder", "set_offline",
           "torch_threads"]

T = TypeVar("T")


def resolve_device(device: str | None = "cpu") -> str:
    """``"cpu"``, ``"cuda"``/``"cuda:k"`` (checked to exist), or ``"auto"`` (CUDA if available).

    Raises
    ------
    RuntimeError
        If CUDA is asked for and not available.
    ValueError
        For any other device string.
    """
    import torch

    device = (device or "cpu").strip().lower()
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cpu":
        return device
    if re.fullmatch(r"cuda(:\d+)?", device):
        if not torch.cuda.is_available():
            raise RuntimeError(
                f"device {device!r} asked for, but torch sees no CUDA GPU (torch {torch.__version__}, "
                f"CUDA build {torch.version.cuda}); use device='cpu' or 'auto', or install a CUDA build of torch"
            )
        index = int(device.split(":")[1]) if ":" in device else 0
        if index >= torch.cuda.device_count():
            raise RuntimeError(f"device {device!r} asked for, but only {torch.cuda.device_count()} GPU(s) exist")
        return device
    raise ValueError(f"unknown device {device!r}; use 'cpu', 'cuda', 'cuda:<k>' or 'auto'")


def is_local_path(name: str) -> bool:
    """True when ``name`` can only be a filesystem path, never a hub id (``org/model``).

    Examples
    --------
    >>> is_local_path("openai/clip-vit-base-patch32"), is_local_path("./models/clip"), is_local_path("m.gguf")
    (False, True, True)
    """
    return (
        name.startswith((".", "~", "/", "\\"))
        or os.path.isabs(name)
        or name.endswith(".gguf")
        or name.count("/") > 1
        or "\\" in name
    )


def local_path_or_hub_id(path_or_id: str | os.PathLike, *, what: str, hint: str) -> Path | str:
    """An existing local path (as a Path), or a hub id (as a str).

    Parameters
    ----------
    path_or_id : str or path-like
        A folder or file on disk, or a Hugging Face hub id.
    what : str
        What is being loaded, for the error ("CLIP model", "pipeline folder").
    hint : str
        What to pass instead, for the error.

    Raises
    ------
    FileNotFoundError
        If ``path_or_id`` is a ``Path`` or looks like a path (:func:`is_local_path`) and does not exist.
    """
    name = os.fspath(path_or_id)
    path = Path(name).expanduser()
    if path.exists():
        return path
    if isinstance(path_or_id, os.PathLike) or is_local_path(name):
        raise FileNotFoundError(f"no {what} at local path {str(path)!r}; {hint}")
    return name


def set_offline() -> None:
    """Tell huggingface_hub and Transformers not to reach the network (set before they load)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def from_hub_cache(fetch: Callable[[bool], T], hub_id: str, *, what: str, allow_download: bool) -> T:
    """``fetch(local_files_only)`` for a hub id, with one error for "not downloaded yet".

    Parameters
    ----------
    fetch : callable
        Takes ``local_files_only`` (True unless ``allow_download``) and loads or
        locates the model, raising OSError when the hub cache lacks it.
    hub_id : str
    what : str
        What is being loaded, for the error.
    allow_download : bool

    Raises
    ------
    FileNotFoundError
        If downloads are off and the local Hugging Face cache lacks ``hub_id``;
        the message says how to fetch it once.
    """
    try:
        return fetch(not allow_download)
    except OSError as error:
        if allow_download:
            raise
        raise FileNotFoundError(
            f"{what} {hub_id!r} is not in the local Hugging Face cache, so its weights need a download: run once "
            f"with allow_download=True on a machine with internet (or `hf download {hub_id}`), or pass a local folder"
        ) from error


def model_folder(path_or_id: str | os.PathLike, *, what: str, hint: str, download: Callable[[str, bool], str],
                 allow_download: bool) -> Path:
    """The local folder of a model: ``path_or_id`` itself, or a hub id's snapshot in the Hugging Face cache.

    Parameters
    ----------
    path_or_id, what, hint
        As in :func:`local_path_or_hub_id`.
    download : callable
        ``download(hub_id, local_files_only)`` returns the snapshot folder (raising OSError when not cached).
    allow_download : bool

    Raises
    ------
    FileNotFoundError
        A missing local path, or a hub id not cached while downloads are off (see :func:`from_hub_cache`).
    ValueError
        If ``path_or_id`` is a file, not a folder.
    """
    source = local_path_or_hub_id(path_or_id, what=what, hint=hint)
    if isinstance(source, Path):
        if not source.is_dir():
            raise ValueError(f"{str(source)!r} is a file; pass a {what} folder or a hub id")
        return source.resolve()
    return Path(from_hub_cache(lambda local_only: download(source, local_only), source, what=what,
                               allow_download=allow_download))


@contextlib.contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run the block with ``n`` torch CPU threads (None: leave the count alone), then restore the count.

    torch's CPU kernels can split work differently with another thread count,
    so code that must give the same floats on every run fixes it.
    """
    if n is None:
        yield
        return
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(int(n))
    try:
        yield
    finally:
        torch.set_num_threads(previous)

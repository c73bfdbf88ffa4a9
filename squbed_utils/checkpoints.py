"""One checkpoint format for every model the package saves: a folder with ``config.json`` and ``model.safetensors``.

In the spirit of diffusers' ``ConfigMixin``: ``config.json`` names the class
that wrote it (``architecture``) and the format version, beside the class's own
settings; the weights are a flat safetensors file. Every generator and embedder
reads and writes through these few functions, so the rules are the same for
all:

* a folder is written atomically: files go to a staging folder beside it and
  are moved in only when all of them are written (:func:`staged_folder`), so an
  interrupted save never leaves half a checkpoint;
* reading checks, in order, that the folder exists, that ``config.json`` is
  there and is JSON, and that it was written by the expected class, each with an
  error that says what to do;
* a config dataclass is rebuilt with :func:`config_from_dict`, which names
  unknown and missing keys; weights that do not fit the network are a
  ValueError, not torch's RuntimeError.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "CONFIG_NAME",
    "WEIGHTS_NAME",
    "read_config",
    "config_json",
    "config_from_dict",
    "config_mismatch",
    "staged_folder",
    "save_checkpoint",
    "load_weights",
    "load_into",
    "mirror_files",
]

CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"


def config_json(architecture: str, format_version: int, values: Mapping[str, Any]) -> str:
    """The text of a ``config.json``: ``architecture``, ``format_version``, then ``values``, indented."""
    return json.dumps({"architecture": architecture, "format_version": format_version, **values}, indent=2) + "\n"


def read_config(path: str | os.PathLike, architecture: str, *, what: str = "model",
                require: tuple[str, ...] = (WEIGHTS_NAME,)) -> dict[str, Any]:
    """Read ``path/config.json`` and check it was written by ``architecture``.

    Parameters
    ----------
    path : folder
    architecture : str
        The class name the checkpoint must have been written by.
    what : str
        What the folder holds, for the error messages ("generator", "video embedder").
    require : tuple of str, default ``("model.safetensors",)``
        Other files the folder must hold (checked before config.json is parsed).

    Returns
    -------
    dict
        The saved settings, without ``architecture`` and ``format_version``.

    Raises
    ------
    FileNotFoundError
        If the folder, its config.json or a ``require`` file is missing.
    ValueError
        If config.json is not valid JSON or names another architecture.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise FileNotFoundError(
            f"no {what} checkpoint folder at {str(folder)!r}; train one first or pass the folder that "
            "save_pretrained wrote"
        )
    config_file = folder / CONFIG_NAME
    if not config_file.is_file():
        raise FileNotFoundError(f"{config_file} is missing: {folder} is not a checkpoint written by save_pretrained")
    for name in require:
        if not (folder / name).is_file():
            raise FileNotFoundError(f"{folder / name} is missing: the checkpoint at {folder} is incomplete; "
                                    "re-save or retrain it")
    try:
        values = json.loads(config_file.read_text())
    except json.JSONDecodeError as error:
        raise ValueError(f"{config_file} is not valid JSON ({error}); re-save or retrain the checkpoint") from None
    found = values.pop("architecture", None)
    if found != architecture:
        raise ValueError(
            f"{config_file} describes a {found!r} model, not a {architecture!r}; load it with the class that wrote it"
        )
    values.pop("format_version", None)
    return values


def config_from_dict(cls: type, values: Mapping[str, Any], *, source: str = "config") -> Any:
    """Build the config dataclass ``cls`` from saved ``values`` (JSON lists become tuples).

    Raises
    ------
    ValueError
        Naming ``source`` when ``values`` has keys ``cls`` does not know, lacks
        keys it needs, or holds a value its checks reject.
    """
    names = {field.name for field in dataclasses.fields(cls)}
    unknown = sorted(set(values) - names)
    if unknown:
        raise ValueError(
            f"{source} has keys {unknown} that {cls.__name__} does not know; it was written by another "
            "model or another version: retrain, or load it with the class that wrote it"
        )
    required = {f.name for f in dataclasses.fields(cls)
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING}
    missing = sorted(required - set(values))
    if missing:
        raise ValueError(f"{source} lacks keys {missing} that {cls.__name__} needs")
    try:
        return cls(**{key: tuple(value) if isinstance(value, list) else value for key, value in values.items()})
    except (TypeError, ValueError) as error:
        raise ValueError(f"{source} is not a valid {cls.__name__}: {error}") from None


def config_mismatch(expected: Any, saved: Any) -> str:
    """The fields where two config dataclasses differ, as ``"name: expected X, saved Y"`` joined by commas."""
    a, b = dataclasses.asdict(expected), dataclasses.asdict(saved)
    return ", ".join(f"{key}: {a[key]!r} expected, {b.get(key)!r} saved" for key in a if a[key] != b.get(key))


@contextlib.contextmanager
def staged_folder(path: str | os.PathLike) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``path``; on success move its files into ``path``.

    Files are written into the staging folder and moved into place only when
    the block ends without an error, so an interrupted save never leaves a
    half-written checkpoint. Files others put in an existing ``path`` (e.g. a
    loss curve) are kept; ours are replaced.
    """
    folder = Path(path)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        yield staging
        if folder.is_dir():
            for file in staging.iterdir():
                os.replace(file, folder / file.name)
            shutil.rmtree(staging)
        else:
            os.replace(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def save_checkpoint(path: str | os.PathLike, architecture: str, format_version: int, values: Mapping[str, Any],
                    state: Mapping[str, Any], *, dtype: Any = None) -> Path:
    """Write ``config.json`` and ``model.safetensors`` to the folder ``path`` atomically; return it.

    Parameters
    ----------
    path : folder
    architecture : str
        The class that will read it back (stored in config.json and in the safetensors metadata).
    format_version : int
        Version of the class's own settings layout.
    values : mapping
        The settings to store beside ``architecture`` (JSON-serialisable).
    state : mapping of str to torch.Tensor
        The weights.
    dtype : torch.dtype, optional
        Store floating-point weights as this type (e.g. float16 to halve a
        committed checkpoint); None keeps each tensor's type.
    """
    from safetensors.torch import save

    tensors = {name: tensor.detach().cpu().contiguous() for name, tensor in state.items()}
    if dtype is not None:
        tensors = {name: tensor.to(dtype) if tensor.is_floating_point() else tensor for name, tensor in tensors.items()}
    with staged_folder(path) as staging:
        (staging / WEIGHTS_NAME).write_bytes(save(tensors, metadata={"architecture": architecture}))
        (staging / CONFIG_NAME).write_text(config_json(architecture, format_version, values))
    return Path(path)


def load_weights(path: str | os.PathLike) -> dict[str, Any]:
    """The tensors of ``path/model.safetensors`` (float types as saved).

    Raises
    ------
    FileNotFoundError
        If the folder has no weights file.
    """
    from safetensors.torch import load_file

    weights = Path(path) / WEIGHTS_NAME
    if not weights.is_file():
        raise FileNotFoundError(f"{weights} is missing: the checkpoint at {path} is incomplete; re-save or retrain it")
    return load_file(str(weights))


def load_into(module: Any, state: Mapping[str, Any], *, source: str) -> None:
    """``module.load_state_dict(state, strict=True)``, with a ValueError naming ``source`` when they do not fit."""
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as error:
        first = str(error).splitlines()
        raise ValueError(
            f"weights at {source!r} do not match their config.json (edited or mixed-up checkpoint): "
            f"{' '.join(first[:3])[:500]}"
        ) from None


def mirror_files(source: str | os.PathLike, target: str | os.PathLike, names) -> Path:
    """Copy the files ``names`` (relative paths) from ``source`` to ``target``, each written atomically.

    Files already identical are left alone (so their modification times say
    when they last changed); others are replaced. Used to install a committed
    checkpoint (``models/``) into a run's ``artifacts/`` folder.
    """
    from .store import atomic_write

    source, target = Path(source), Path(target)
    for name in names:
        data, destination = (source / name).read_bytes(), target / name
        if not (destination.is_file() and destination.read_bytes() == data):
            atomic_write(destination, lambda file: file.write(data))
    return target

"""Artefacts on disk: atomic writes and a content-addressed, resumable array cache.

Generation is the expensive stage, so every generated item (for example the
``m`` videos of one refined prompt) is saved as soon as it exists, under a key
computed from *everything* that determines it: the model's fingerprint, the
prompt text, the seeds, the sizes. Consequences:

* an interrupted run (``kill -9`` included) loses at most the batch in flight;
  rerunning computes only the missing items;
* changing any parameter changes the key, so a stale item is never reused;
* an item shared by two configurations (say ``n = 10`` and ``n = 12`` with the
  same first ten refined prompts) is computed once.

Writes go to a temporary file in the same folder and are moved into place with
:func:`os.replace`, which is atomic on POSIX and Windows: a reader sees the old
file or the new one, never half of one.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from tqdm.auto import tqdm

__all__ = ["atomic_write", "save_array", "save_json", "fingerprint", "file_fingerprint", "model_file_fingerprint",
           "model_folder_fingerprint", "tensor_fingerprint", "ArrayStore"]

Item = TypeVar("Item")


def atomic_write(path: str | os.PathLike, write: Callable[[Any], None], *, binary: bool = True) -> Path:
    """Create ``path`` atomically: ``write(file)`` fills a temporary file that then replaces ``path``.

    Parent folders are created. If ``write`` raises, ``path`` is untouched and
    the temporary file is removed.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb" if binary else "w") as file:
            write(file)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def save_array(path: str | os.PathLike, array: np.ndarray) -> Path:
    """Save ``array`` as ``.npy`` at ``path``, atomically."""
    return atomic_write(path, lambda file: np.save(file, np.asarray(array)))


def save_json(path: str | os.PathLike, obj: Any) -> Path:
    """Save ``obj`` as indented JSON at ``path``, atomically."""
    return atomic_write(path, lambda file: json.dump(obj, file, indent=2, default=_jsonable), binary=False)


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (Path, os.PathLike)):
        return os.fspath(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if hasattr(value, "__dataclass_fields__"):
        return {name: getattr(value, name) for name in value.__dataclass_fields__}
    raise TypeError(f"cannot fingerprint a value of type {type(value).__name__}: {value!r}")


def fingerprint(*parts: Any, length: int = 24) -> str:
    """A stable hexadecimal key for JSON-like ``parts`` (dicts, lists, numbers, strings, arrays, dataclasses).

    Dict keys are sorted, so ``fingerprint({"a": 1, "b": 2}) == fingerprint({"b": 2, "a": 1})``;
    floats are written with full precision, so any change of value changes the key.
    """
    text = json.dumps(parts, sort_keys=True, default=_jsonable, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def file_fingerprint(path: str | os.PathLike, length: int = 24) -> str:
    """Key of a file's contents (for example a checkpoint), read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:length]


_WHOLE_FILE_BYTES = 1 << 20
_SAMPLE_WINDOWS = 16
_SAMPLE_BYTES = 4096


def model_file_fingerprint(path: str | os.PathLike) -> str:
    """Key of one model file (weights, config, vocabulary) that reads at most about 1 MiB of it.

    A file in the Hugging Face cache (a link to ``blobs/<hash>``) is keyed by that
    content hash. Files up to 1 MiB are hashed whole. A larger file contributes
    its size, its safetensors header (every tensor's name, dtype, shape and
    offsets) and 16 evenly spaced 4 KiB windows: a retrained or edited weight
    file changes bytes almost everywhere, so it changes the key, while a 30 GB
    checkpoint is keyed in milliseconds instead of minutes.
    """
    target = Path(os.path.realpath(path))
    if target.parent.name == "blobs":
        return target.name
    size = target.stat().st_size
    digest = hashlib.sha256(str(size).encode())
    with open(target, "rb") as file:
        if size <= _WHOLE_FILE_BYTES:
            digest.update(file.read())
            return digest.hexdigest()
        if target.suffix == ".safetensors":
            header_length = int.from_bytes(file.read(8), "little")
            digest.update(file.read(min(header_length, size - 8)))
        for k in range(_SAMPLE_WINDOWS):
            file.seek(max(size - _SAMPLE_BYTES, 0) * k // (_SAMPLE_WINDOWS - 1))
            digest.update(file.read(_SAMPLE_BYTES))
    return digest.hexdigest()


def model_folder_fingerprint(folder: str | os.PathLike, files: Sequence[str | os.PathLike]) -> str:
    """Key of the model files ``files`` inside ``folder``: their paths relative to it and
    :func:`model_file_fingerprint` (so moving the folder keeps the key)."""
    folder = Path(folder)
    return fingerprint([(Path(f).relative_to(folder).as_posix(), model_file_fingerprint(f)) for f in sorted(map(Path, files))])


def tensor_fingerprint(state: Mapping[str, Any], length: int = 24) -> str:
    """Key of a model's weights: SHA-256 over a ``state_dict`` (names, dtypes, shapes and bytes).

    Two models get the same key exactly when every named tensor is equal bit for bit.
    """
    import torch

    digest = hashlib.sha256()
    for name in sorted(state):
        tensor = torch.as_tensor(state[name]).detach().to("cpu").contiguous()
        digest.update(f"{name}|{tensor.dtype}|{tuple(tensor.shape)}|".encode())
        if tensor.numel():
            digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()[:length]


class ArrayStore:
    """A folder of NumPy arrays addressed by content keys, filled item by item.

    Parameters
    ----------
    root : path
        The folder; created on first write. Arrays live at ``root/<k[:2]>/<k>.npy``.

    Examples
    --------
    >>> import tempfile
    >>> store = ArrayStore(tempfile.mkdtemp())
    >>> squares = store.get_or_compute([2, 3], key=lambda x: fingerprint("square", x),
    ...                                compute=lambda xs: [np.array(x * x) for x in xs])
    >>> [int(s) for s in squares]
    [4, 9]
    """

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        """Where the array with ``key`` lives."""
        if not key or not all(c.isalnum() or c in "-_" for c in key):
            raise ValueError(f"store keys are non-empty strings of letters, digits, '-' or '_', got {key!r}")
        return self.root / key[:2] / f"{key}.npy"

    def __contains__(self, key: str) -> bool:
        return self.path(key).is_file()

    def load(self, key: str) -> np.ndarray:
        """The array saved under ``key``; FileNotFoundError if there is none."""
        path = self.path(key)
        if not path.is_file():
            raise FileNotFoundError(f"no cached array {key!r} at {path}")
        return np.load(path)

    def save(self, key: str, array: np.ndarray) -> Path:
        """Save ``array`` under ``key``, atomically."""
        return save_array(self.path(key), array)

    def get_or_compute(
        self,
        items: Sequence[Item],
        key: Callable[[Item], str],
        compute: Callable[[list[Item]], Sequence[np.ndarray]],
        **options: Any,
    ) -> list[np.ndarray]:
        """Arrays for ``items``, computing and saving only those not stored yet.

        Same arguments as :meth:`ensure`; returns one array per item, in the
        order of ``items``.
        """
        return [self.load(k) for k in self.ensure(items, key, compute, **options)]

    def ensure(
        self,
        items: Sequence[Item],
        key: Callable[[Item], str],
        compute: Callable[[list[Item]], Sequence[np.ndarray]],
        *,
        batch_size: int = 64,
        progress: bool = False,
        description: str = "computing",
    ) -> list[str]:
        """Compute and save the arrays of ``items`` not stored yet; return every item's key.

        Parameters
        ----------
        items : sequence
            Inputs; ``key(item)`` must capture everything the result depends on.
        key : callable
            Item -> store key (use :func:`fingerprint`).
        compute : callable
            List of up to ``batch_size`` missing items -> one array per item, in order.
            Each batch is saved before the next is computed.
        batch_size : int
        progress : bool
            Show a tqdm bar over the missing items.
        description : str
            The bar's label.

        Returns
        -------
        list of str
            The key of each item, in the order of ``items`` (load with :meth:`load`).
        """
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        keys = [key(item) for item in items]
        missing = list({k: item for k, item in zip(keys, items) if k not in self}.items())
        with tqdm(total=len(missing), desc=description, disable=not progress or not missing) as bar:
            for start in range(0, len(missing), batch_size):
                batch = missing[start:start + batch_size]
                results = compute([item for _, item in batch])
                if len(results) != len(batch):
                    raise ValueError(f"compute returned {len(results)} arrays for {len(batch)} items")
                for (batch_key, _), result in zip(batch, results):
                    self.save(batch_key, result)
                bar.update(len(batch))
        return keys

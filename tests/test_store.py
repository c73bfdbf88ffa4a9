"""The artefact store: atomic writes, content keys, resuming after an interruption."""

import json
import subprocess
import sys
from dataclasses import dataclass

import numpy as np
import pytest

from squbed_utils.store import ArrayStore, atomic_write, file_fingerprint, fingerprint, save_json


def test_fingerprint_is_stable_and_sensitive():
    assert fingerprint({"a": 1, "b": [1, 2]}) == fingerprint({"b": [1, 2], "a": 1})
    assert fingerprint({"a": 1.0}) != fingerprint({"a": 1.0000000001})
    assert fingerprint("prompt", 3) != fingerprint("prompt", 4)
    assert fingerprint(np.arange(3)) == fingerprint([0, 1, 2])

    @dataclass
    class Config:
        steps: int
        guidance: float

    assert fingerprint(Config(20, 1.5)) == fingerprint({"steps": 20, "guidance": 1.5})
    assert fingerprint(Config(20, 1.5)) != fingerprint(Config(20, 2.0))
    # the key is the sha256 of canonical JSON, so it is the same in every process and session
    import hashlib

    assert fingerprint("x", {"k": 2}, length=12) == hashlib.sha256(b'["x",{"k":2}]').hexdigest()[:12]


def test_fingerprint_rejects_unknown_types():
    with pytest.raises(TypeError, match="cannot fingerprint a value of type object"):
        fingerprint(object())


def test_file_fingerprint_follows_contents(tmp_path):
    path = tmp_path / "weights.bin"
    path.write_bytes(b"abc")
    first = file_fingerprint(path)
    path.write_bytes(b"abd")
    assert file_fingerprint(path) != first


def test_atomic_write_leaves_old_file_when_writer_fails(tmp_path):
    path = tmp_path / "result.json"
    save_json(path, {"value": 1})

    def broken(file):
        file.write(b"{\"value\": ")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        atomic_write(path, broken)
    assert json.loads(path.read_text()) == {"value": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"], "temporary file left behind"


def test_get_or_compute_computes_only_missing_items(tmp_path):
    store = ArrayStore(tmp_path)
    calls = []

    def compute(batch):
        calls.append(list(batch))
        return [np.full(3, x, dtype=float) for x in batch]

    key = lambda x: fingerprint("fill", x)  # noqa: E731
    first = store.get_or_compute([1, 2, 3, 4, 5], key, compute, batch_size=2)
    assert calls == [[1, 2], [3, 4], [5]]
    store.path(key(2)).unlink()
    store.path(key(5)).unlink()
    calls.clear()
    second = store.get_or_compute([1, 2, 3, 4, 5], key, compute, batch_size=2)
    assert calls == [[2, 5]]
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


def test_duplicate_items_are_computed_once(tmp_path):
    store = ArrayStore(tmp_path)
    seen = []
    out = store.get_or_compute([7, 7, 8], lambda x: fingerprint(x), lambda b: seen.extend(b) or [np.array(x) for x in b])
    assert seen == [7, 8] and [int(x) for x in out] == [7, 7, 8]


def test_bad_keys_and_bad_compute_are_errors(tmp_path):
    store = ArrayStore(tmp_path)
    with pytest.raises(ValueError, match="store keys are non-empty"):
        store.path("../escape")
    with pytest.raises(ValueError, match="compute returned 1 arrays for 2 items"):
        store.get_or_compute([1, 2], fingerprint, lambda b: [np.zeros(1)])
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        store.get_or_compute([1], fingerprint, lambda b: [np.zeros(1)], batch_size=0)
    with pytest.raises(FileNotFoundError, match="no cached array"):
        store.load(fingerprint("absent"))


def test_killed_run_resumes_without_losing_saved_items(tmp_path):
    # A child process fills the store and is killed with SIGKILL mid-way; the
    # items it saved survive intact and the rerun computes only the rest.
    script = f"""
import os, signal, numpy as np
from squbed_utils.store import ArrayStore, fingerprint
store = ArrayStore({str(tmp_path)!r})
def compute(batch):
    if batch[0] == 6:
        os.kill(os.getpid(), signal.SIGKILL)
    return [np.arange(1000) * x for x in batch]
store.get_or_compute(list(range(10)), lambda x: fingerprint(x), compute, batch_size=2)
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert result.returncode == -9
    store = ArrayStore(tmp_path)
    saved = [x for x in range(10) if fingerprint(x) in store]
    assert saved == [0, 1, 2, 3, 4, 5]
    computed = []
    out = store.get_or_compute(list(range(10)), lambda x: fingerprint(x),
                               lambda b: computed.extend(b) or [np.arange(1000) * x for x in b])
    assert computed == [6, 7, 8, 9]
    for x, array in enumerate(out):
        np.testing.assert_array_equal(array, np.arange(1000) * x)
    assert not [p for p in tmp_path.rglob("*.part")], "temporary files left behind"


def test_model_file_fingerprint_reads_hub_blobs_small_files_whole_and_samples_large_ones(tmp_path, monkeypatch):
    import hashlib

    from squbed_utils import store
    from squbed_utils.store import model_file_fingerprint, model_folder_fingerprint

    blob = tmp_path / "blobs" / ("a" * 64)
    blob.parent.mkdir()
    blob.write_bytes(b"weights")
    (tmp_path / "model.safetensors").symlink_to(blob)
    assert model_file_fingerprint(tmp_path / "model.safetensors") == "a" * 64  # the hub cache names blobs by content
    small = tmp_path / "config.json"
    small.write_bytes(b'{"hidden_size": 8}')
    assert model_file_fingerprint(small) == hashlib.sha256(b"18" + small.read_bytes()).hexdigest()
    monkeypatch.setattr(store, "_WHOLE_FILE_BYTES", 1000)
    large = tmp_path / "big.bin"
    data = bytearray(np.random.default_rng(0).bytes(200_000))
    large.write_bytes(bytes(data))
    key = model_file_fingerprint(large)
    data[0] ^= 1  # the first window covers byte 0
    large.write_bytes(bytes(data))
    assert model_file_fingerprint(large) != key
    large.write_bytes(bytes(data) + b"x")  # the size is part of the key
    assert model_file_fingerprint(large) not in (key,)
    # a folder's key follows its files' relative paths, not where the folder lives
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "config.json").write_bytes(small.read_bytes())
    assert model_folder_fingerprint(copy, [copy / "config.json"]) == model_folder_fingerprint(tmp_path, [small])

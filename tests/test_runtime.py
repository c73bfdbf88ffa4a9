"""runtime: the one rule for local folders and hub ids, offline loading, devices and torch threads."""

import pytest
import torch

from squbed_utils import runtime


def test_a_path_shaped_name_is_never_taken_for_a_hub_id(tmp_path):
    assert runtime.local_path_or_hub_id("org/model", what="model", hint="h") == "org/model"
    assert runtime.local_path_or_hub_id(tmp_path, what="model", hint="h") == tmp_path
    for name in ("./models/x", "/nowhere/x", "a/b/c", "m.gguf", tmp_path / "missing"):
        with pytest.raises(FileNotFoundError, match="no model at local path .*; pass something else"):
            runtime.local_path_or_hub_id(name, what="model", hint="pass something else")


def test_model_folder_finds_folders_refuses_files_and_says_what_to_download(tmp_path):
    calls = []

    def download(hub_id, local_only):
        calls.append((hub_id, local_only))
        raise OSError("not cached")

    assert runtime.model_folder(tmp_path, what="thing", hint="h", download=download, allow_download=False) == tmp_path
    (tmp_path / "weights.bin").write_text("x")
    with pytest.raises(ValueError, match="is a file; pass a thing folder or a hub id"):
        runtime.model_folder(tmp_path / "weights.bin", what="thing", hint="h", download=download, allow_download=False)
    with pytest.raises(FileNotFoundError, match=r"thing 'org/m' is not in the local Hugging Face cache, so its "
                                                r"weights need a download: .*`hf download org/m`"):
        runtime.model_folder("org/m", what="thing", hint="h", download=download, allow_download=False)
    with pytest.raises(OSError, match="not cached"):  # with downloads allowed, the hub's own error passes through
        runtime.model_folder("org/m", what="thing", hint="h", download=download, allow_download=True)
    assert calls == [("org/m", True), ("org/m", False)]


def test_torch_threads_sets_and_restores_the_count():
    before = torch.get_num_threads()
    with runtime.torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    with runtime.torch_threads(None):
        assert torch.get_num_threads() == before


def test_devices():
    assert runtime.resolve_device("cpu") == "cpu" and runtime.resolve_device(None) == "cpu"
    assert runtime.resolve_device("auto") in ("cpu", "cuda")
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        runtime.resolve_device("tpu")

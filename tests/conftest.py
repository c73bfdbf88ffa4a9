"""Fixtures shared by several test files."""

import pytest


@pytest.fixture(scope="module")
def one_torch_thread():
    """Run a module's torch work on one thread: on a CPU shared with other busy processes
    (the other pytest-xdist worker), two torch threads wait for each other, about 30x slower."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)

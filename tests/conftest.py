"""Fixtures shared by several test files."""

import pytest


@pytest.fixture(scope="module")
def one_torch_thread():
    """Run a module's torch work on one thread: on a CPU shared with other busy processes
    (the other pytest-xdist worker), two torch threads wait for each other, about 30x slower."""
    from squbed_utils.runtime import torch_threads

    with torch_threads(1):
        yield

"""The pinned environment: conda and pip lists agree, torch stays the CPU pin."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENT = re.compile(r"^\s*(?:-\s+)?([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s#]+)")


def _pins(lines):
    pins = {}
    for line in lines:
        match = REQUIREMENT.match(line)
        if match:
            pins[match.group(1).lower().replace("_", "-")] = match.group(2)
    return pins


def _environment_pip_section():
    lines = (ROOT / "environment.yml").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "- pip:")
    section = []
    for line in lines[start + 1:]:
        if not line.startswith("      - "):
            break
        section.append(line.strip())
    return section


def test_requirements_are_all_exact_pins():
    lines = [line for line in (ROOT / "requirements.txt").read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    loose = [line for line in lines if not REQUIREMENT.match(line)]
    assert not loose, f"requirements.txt lines without an exact == pin: {loose}"


def test_environment_yml_mirrors_requirements():
    requirements = _pins((ROOT / "requirements.txt").read_text().splitlines())
    conda = _pins(_environment_pip_section())
    assert requirements, "no pins parsed from requirements.txt"
    assert conda == requirements


def test_lock_agrees_with_requirements():
    requirements = _pins((ROOT / "requirements.txt").read_text().splitlines())
    lock = _pins((ROOT / "requirements-lock.txt").read_text().splitlines())
    disagree = {name: (pin, lock.get(name)) for name, pin in requirements.items() if lock.get(name) != pin}
    assert not disagree, f"requirements.txt and requirements-lock.txt disagree: {disagree}"


@pytest.mark.parametrize("path", ["requirements.txt", "requirements-lock.txt", "environment.yml"])
def test_torch_is_the_cpu_pin_and_torchvision_is_absent(path):
    pins = _pins((ROOT / path).read_text().splitlines())
    assert pins.get("torch") == "2.13.0"
    assert "torchvision" not in pins and "torchaudio" not in pins


def test_installed_torch_is_the_pinned_one():
    import torch

    assert torch.__version__.split("+")[0] == "2.13.0"


def test_git_diff_of_a_notebook_shows_its_cells_through_nbdime(tmp_path):
    """The .gitattributes driver, set up as `make setup` does, turns a notebook's git diff into cells and lines."""
    import subprocess
    import sys

    import nbformat

    driver = Path(sys.executable).parent / "git-nbdiffdriver"
    assert driver.is_file(), "nbdime's git driver is missing: run make setup (nbdime is pinned in requirements.txt)"
    assert "*.ipynb diff=jupyternotebook" in (ROOT / ".gitattributes").read_text()

    def git(*args):
        return subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True, text=True).stdout

    git("init", "-q")
    git("config", "user.email", "t@example.org")
    git("config", "user.name", "t")
    git("config", "diff.jupyternotebook.command", f"{driver} diff")
    (tmp_path / ".gitattributes").write_text((ROOT / ".gitattributes").read_text())
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('tau = kendall("total")')])
    nbformat.write(notebook, tmp_path / "n.ipynb")
    git("add", ".")
    git("commit", "-q", "-m", "one")
    notebook.cells[0].source = 'tau = kendall("direct_total")'
    nbformat.write(notebook, tmp_path / "n.ipynb")
    diff = re.sub(r"\x1b\[[0-9;]*m", "", git("diff"))  # nbdime colours its output
    assert "modified /cells/0/source" in diff
    assert re.search(r'^\+\s+tau = kendall\("direct_total"\)$', diff, re.M) and '\\"' not in diff  # code, no JSON

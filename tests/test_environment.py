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

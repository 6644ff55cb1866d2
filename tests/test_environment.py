"""environment.yml, pyproject.toml and constraints.txt name the same packages with compatible versions."""

from __future__ import annotations

import re
import tomllib

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from tests.pipeline_project import ROOT

CONDA_ONLY = {"python", "pip", "nox"}  # interpreter and tools conda provides itself
# PyPI name -> conda-forge name, where the two differ.
CONDA_NAMES = {"playwright": "playwright-python"}


def _conda_name(pypi_name: str) -> str:
    return CONDA_NAMES.get(pypi_name, pypi_name)


def _pyproject_requirements() -> dict[str, SpecifierSet]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        lines += extra
    return {Requirement(line).name.lower(): Requirement(line).specifier for line in lines}


def _conda_requirements() -> dict[str, SpecifierSet]:
    environment = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    found = {}
    for entry in environment["dependencies"]:
        if isinstance(entry, str):
            match = re.match(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", entry)
            found[match.group(1).lower()] = SpecifierSet(match.group(2).replace(" ", ""))
    return found


def test_environment_yml_and_pyproject_name_the_same_packages() -> None:
    pip = {_conda_name(name): specifier for name, specifier in _pyproject_requirements().items()}
    conda = _conda_requirements()
    assert set(pip) == set(conda) - CONDA_ONLY, (
        f"only in pyproject: {sorted(set(pip) - set(conda))}; "
        f"only in environment.yml: {sorted(set(conda) - set(pip) - CONDA_ONLY)}")
    for name, specifier in pip.items():
        assert str(specifier) == str(conda[name]), f"{name}: pyproject {specifier} vs environment.yml {conda[name]}"


def test_jupyter_book_is_pinned_below_2() -> None:
    assert not _pyproject_requirements()["jupyter-book"].contains("2.0.0")


def test_constraints_satisfy_pyproject() -> None:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            pins[name.strip().lower().replace("_", "-")] = version.strip()
    for name, specifier in _pyproject_requirements().items():
        assert name in pins, f"{name} is not pinned in constraints.txt"
        assert specifier.contains(pins[name], prereleases=True), f"{name}=={pins[name]} violates {specifier}"

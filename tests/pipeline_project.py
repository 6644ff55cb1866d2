"""A throw-away copy of the project for pipeline tests: the real CLI, papermill, kernels and Jupyter Book,
run in a temporary folder so the tests never touch the repository's own chapters or site."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from talks2022 import paths

ROOT = Path(__file__).resolve().parents[1]
# The repository's own project tree (its data, chapters and site).
REPO = paths.Project(ROOT)

COPIED = ("analysis", "book", "data", "_config.yml", "_toc.yml")
IGNORED = shutil.ignore_patterns("__pycache__", "generated", "generated.*", "failures", "*.egg-info")


@dataclass(frozen=True)
class Project:
    root: Path

    def env(self, **extra: str) -> dict[str, str]:
        # The kernels papermill starts must import this copy's `talks2022`, not the installed one.
        return {**os.environ, "PYTHONPATH": str(self.root / "analysis"), "PYTHONDONTWRITEBYTECODE": "1", **extra}

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "talks2022", *args]

    def run(self, *args: str, check: bool = False, timeout: float = 900,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        """The CLI in this copy; `env` adds variables (e.g. TALKS2022_TEST_FAULT)."""
        result = subprocess.run(self.command(*args), cwd=self.root, env=self.env(**(env or {})),
                                capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        return result

    def snapshot(self) -> dict[str, bytes]:
        """Every byte of the outputs a failed run must leave alone: chapters, tables, TOC and site."""
        files = {}
        for folder in (self.root / "book" / "generated", self.root / "_build" / "html"):
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    files[path.relative_to(self.root).as_posix()] = path.read_bytes()
        files["_toc.yml"] = (self.root / "_toc.yml").read_bytes()
        return files

    def leftovers(self) -> list[str]:
        """Staging folders, half-swapped folders, journals and temporary files a run or build must never
        leave behind."""
        book = self.root / "book"
        found = [p.name for p in book.iterdir() if p.name.startswith("generated.")]
        found += [p.name for p in (self.root / "_build").glob("html.*")] if (self.root / "_build").exists() else []
        found += ["book/generated/_toc.yml"] if (book / "generated" / "_toc.yml").exists() else []
        for path in self.root.rglob("*"):
            if path.name.endswith((".tmp", ".new", ".old")) and ".nox" not in path.parts:
                found.append(path.relative_to(self.root).as_posix())
        return sorted(set(found))


def copy_project(destination: Path) -> Project:
    destination.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=IGNORED)
        elif source.exists():
            shutil.copyfile(source, destination / name)
    return Project(destination)


def clone_project(project: Project, destination: Path) -> Project:
    """A copy of an already built project (chapters, site and Sphinx cache included)."""
    shutil.copytree(project.root, destination, symlinks=True)
    return Project(destination)

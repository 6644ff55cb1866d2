"""Where things live: the project tree (found from the working directory or given), and the package's templates.

The project root is the folder holding both `_config.yml` and `data/datapackage.json`: given explicitly
(`--project DIR`), else by the TALKS2022_PROJECT environment variable, else the nearest such folder at or
above the working directory. It is never derived from where the package is installed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
PROJECT_ENV = "TALKS2022_PROJECT"
ROOT_MARKERS = ("_config.yml", "data/datapackage.json")
TABLES_SUBDIR = "tables"
MANIFEST_NAME = "manifest.json"


class ProjectNotFound(Exception):
    """No project root: the message says where it was looked for."""


@dataclass(frozen=True)
class Project:
    """The folders and files of one project tree."""

    root: Path

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def book_dir(self) -> Path:
        return self.root / "book"

    @property
    def generated_dir(self) -> Path:
        """Executed notebooks and derived tables: written only by `talks2022 run`, swapped in whole."""
        return self.book_dir / "generated"

    @property
    def tables_dir(self) -> Path:
        return self.generated_dir / TABLES_SUBDIR

    @property
    def toc_file(self) -> Path:
        return self.root / "_toc.yml"

    @property
    def build_dir(self) -> Path:
        return self.root / "_build"

    @property
    def html_dir(self) -> Path:
        return self.build_dir / "html"

    @property
    def failures_dir(self) -> Path:
        return self.build_dir / "failures"


def is_project_root(folder: Path) -> bool:
    return all((folder / marker).is_file() for marker in ROOT_MARKERS)


def find_root(start: Path | None = None) -> Path | None:
    """The nearest folder at or above `start` (default: the working directory) that is a project root."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if is_project_root(folder):
            return folder
    return None


def find_project(explicit: str | Path | None = None) -> Project:
    """The project given (argument, then environment variable) or found above the working directory."""
    given = explicit if explicit is not None else os.environ.get(PROJECT_ENV) or None
    if given is not None:
        root = Path(given).resolve()
        if not is_project_root(root):
            raise ProjectNotFound(f"{given} is not a talks2022 project: it needs {' and '.join(ROOT_MARKERS)}")
        return Project(root)
    root = find_root()
    if root is None:
        raise ProjectNotFound(f"no talks2022 project at or above {Path.cwd()} (a folder with "
                              f"{' and '.join(ROOT_MARKERS)}); use --project DIR or {PROJECT_ENV}")
    return Project(root)


def relative_to_folder(target: Path, folder: Path) -> str:
    """`target` as a POSIX path relative to `folder` (notebooks must not embed absolute paths)."""
    return Path(os.path.relpath(target.resolve(), folder.resolve())).as_posix()

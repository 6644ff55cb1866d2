"""Content hashes of everything a chapter depends on, so a run re-executes only what changed.

A chapter's key covers its template, its parameters, the data it reads, the `talks2022` package code and the
versions of the packages that execute it. An issue chapter reads only its own issue's rows (of the
statements and of the derived tables that have an `issue_id` column) plus the shared small tables,
so changing one issue's data re-runs that issue's chapter and the whole-record pages, not the others.

The data are read from the files the folder's schema names (datapackage.json, its resources' paths) and
the optional second coding, and only if they are regular files: a FIFO or a device among them is an
error, and any other file in the folder (say a FIFO named extra.csv) is never opened.
"""

from __future__ import annotations

import json
import os
import platform
import stat
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from talks2022.paths import TEMPLATES_DIR
from talks2022.pipeline.jobs import Job, canonical, digest

if TYPE_CHECKING:  # pandas is imported by those who pass frames: `build` and a no-change `run` never need it
    import pandas as pd

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # the talks2022 package
# Packages whose version can change what a notebook prints.
EXECUTION_PACKAGES = ("altair", "pandas", "numpy", "papermill", "nbclient", "nbformat", "ipykernel", "jinja2")
PACKAGE_FILE = "datapackage.json"
SECOND_CODING = "reliability/second_coding.csv"  # talks2022.methods.reliability.SECOND_CODING
SHARED_TABLES = ("datapackage.json", "sources.csv", "actors.csv", "meetings.csv")


class DataFileError(Exception):
    """A data file that cannot be read as a plain file (a FIFO, a device, a folder)."""


def read_regular(path: Path) -> bytes:
    """The bytes of `path` if it is a regular file (opened without blocking, so a FIFO cannot hang us)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise
    except OSError as error:
        raise DataFileError(f"{path} cannot be read: {error.strerror}") from None
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise DataFileError(f"{path} is not a regular file")
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            return handle.read()
    finally:
        os.close(descriptor)


def data_files(data_dir: Path) -> dict[str, bytes]:
    """{relative POSIX name: bytes} of the files of `data_dir` the chapters read: datapackage.json, the
    resources it names (plain file names: the schema check refuses anything else) and the second coding.
    A missing file is left out (validation reports it); a FIFO, a device or an unreadable file is an error."""
    try:
        files = {PACKAGE_FILE: read_regular(data_dir / PACKAGE_FILE)}
    except FileNotFoundError:
        return {}
    try:
        resources = json.loads(files[PACKAGE_FILE].decode("utf-8-sig"))["resources"]
        names = [resource["path"] for resource in resources]
    except (ValueError, KeyError, TypeError):
        return files  # validation says what is wrong with it
    for name in names:
        if not isinstance(name, str) or "/" in name or "\\" in name or name.startswith(".") or not name:
            continue  # validation refuses it; never read
        try:
            files[name] = read_regular(data_dir / name)
        except FileNotFoundError:
            continue
    second = data_dir / SECOND_CODING
    if os.path.lexists(second):
        files[SECOND_CODING] = read_regular(second)
    return files


def data_hash(files: dict[str, bytes]) -> str:
    """The content hash of a data folder (its named files, by name): what manifest.json records."""
    return digest(*(part for name in sorted(files) for part in (name, files[name])))


def code_digest() -> str:
    """All Python and JSON files of the analysis package (not the templates: each job hashes its own)."""
    files = sorted(path for path in PACKAGE_DIR.rglob("*") if path.suffix in {".py", ".json"}
                   and "__pycache__" not in path.parts)
    return digest(*(part for path in files
                    for part in (path.relative_to(PACKAGE_DIR).as_posix(), path.read_bytes())))


def environment_digest() -> str:
    versions = {"python": platform.python_version()}
    for name in EXECUTION_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return digest(canonical(versions))


def _frame_bytes(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, lineterminator="\n")


@dataclass
class Inputs:
    """What one run's chapters may read: the data files' bytes, the loaded frames, the derived tables."""

    files: dict[str, bytes]
    statements: pd.DataFrame
    issues: pd.DataFrame
    tables: dict[str, pd.DataFrame]

    def digest(self, job: Job) -> str:
        """Hash of the data a chapter reads: everything, or for an issue chapter that issue's rows."""
        if job.scope is None:
            return digest(data_hash(self.files),
                          *(part for name in sorted(self.tables) for part in (name, _frame_bytes(self.tables[name]))))
        shared = [part for name in SHARED_TABLES for part in (name, self.files.get(name, b""))]
        own_rows = [_frame_bytes(self.statements[self.statements["issue_id"] == job.scope]),
                    _frame_bytes(self.issues[self.issues["issue_id"] == job.scope])]
        own_tables = [part for name in sorted(self.tables) if "issue_id" in self.tables[name].columns
                      for part in (name, _frame_bytes(self.tables[name][self.tables[name]["issue_id"] == job.scope]))]
        return digest(*shared, *own_rows, *own_tables)


def run_digest(files: dict[str, bytes], code_key: str, env_key: str, as_of: str | None, own_data: bool) -> str:
    """Everything a whole run depends on (data, every template, code, environment, options), computed
    without pandas: equal to the last run's, with its outputs untouched, a run has nothing to do."""
    templates = sorted(TEMPLATES_DIR.glob("*.ipynb"))
    return digest(data_hash(files), code_key, env_key, canonical([as_of, own_data]),
                  *(part for path in templates for part in (path.name, path.read_bytes())))


def job_key(job: Job, parameters: dict, data_key: str, code_key: str, env_key: str) -> str:
    template = (TEMPLATES_DIR / job.template).read_bytes()
    return digest(template, canonical(parameters), data_key, code_key, env_key)

"""Content hashes of everything a chapter depends on, so a run re-executes only what changed.

A chapter's key covers its template, its parameters, the data it reads, the `talks2022` package code and the
versions of the packages that execute it. An issue chapter reads only its own issue's rows (of the
statements and of the derived tables that have an `issue_id` column) plus the shared small tables,
so changing one issue's data re-runs that issue's chapter and the whole-record pages, not the others.
"""

from __future__ import annotations

import platform
from importlib import metadata
from pathlib import Path

import pandas as pd

from talks2022.paths import TEMPLATES_DIR
from talks2022.pipeline.jobs import Job, canonical, digest

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # the talks2022 package
# Packages whose version can change what a notebook prints.
EXECUTION_PACKAGES = ("altair", "pandas", "numpy", "papermill", "nbclient", "nbformat", "ipykernel", "jinja2")
SHARED_TABLES = ("datapackage.json", "sources.csv", "actors.csv", "meetings.csv")


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


def data_digest(job: Job, data_dir: Path, statements: pd.DataFrame, issues: pd.DataFrame,
                tables: dict[str, pd.DataFrame]) -> str:
    """Hash of the data a chapter reads: everything, or for an issue chapter that issue's rows."""
    if job.scope is None:
        # Subfolders too: data/reliability/second_coding.csv is read by the data page.
        files = sorted(path for path in data_dir.rglob("*") if path.suffix in {".csv", ".json"})
        return digest(*(part for path in files
                        for part in (path.relative_to(data_dir).as_posix(), path.read_bytes())),
                      *(part for name in sorted(tables) for part in (name, _frame_bytes(tables[name]))))
    shared = [part for name in SHARED_TABLES for part in (name, (data_dir / name).read_bytes())]
    own_rows = [_frame_bytes(statements[statements["issue_id"] == job.scope]),
                _frame_bytes(issues[issues["issue_id"] == job.scope])]
    own_tables = [part for name in sorted(tables) if "issue_id" in tables[name].columns
                  for part in (name, _frame_bytes(tables[name][tables[name]["issue_id"] == job.scope]))]
    return digest(*shared, *own_rows, *own_tables)


def job_key(job: Job, parameters: dict, data_key: str, code_key: str, env_key: str) -> str:
    template = (TEMPLATES_DIR / job.template).read_bytes()
    return digest(template, canonical(parameters), data_key, code_key, env_key)

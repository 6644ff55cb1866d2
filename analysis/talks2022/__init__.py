"""talks2022: the coded dataset of the January 2022 security talks, its analysis and its book.

    from talks2022 import load, validate, compute_derived
    record = load("data")                 # a Record: typed frames (dates as datetime64) and AnalysisParams
    problems = validate("data")           # [] when the folder is valid, else Problems (file:row:column: message)
    tables = compute_derived(record)      # every derived table, by name, each computed once

The names are imported on first use, so `talks2022 --version` and the notebook workers start quickly.
"""

from __future__ import annotations

import importlib
from importlib import metadata
from pathlib import Path
from typing import Any

FALLBACK_VERSION = "2.0.0"  # pyproject.toml's version, for a source tree that is not installed

try:
    __version__ = metadata.version("talks2022")
except metadata.PackageNotFoundError:
    __version__ = FALLBACK_VERSION

_PUBLIC = {
    "load": "talks2022.data.dataset",
    "Record": "talks2022.data.dataset",
    "DataError": "talks2022.data.dataset",
    "Problem": "talks2022.data.schema",
    "Analysis": "talks2022.methods.derived",
    "AnalysisParams": "talks2022.methods.params",
    "DEFAULT_PARAMS": "talks2022.methods.params",
}


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'talks2022' has no attribute {name!r}")


def validate(data_dir: str | Path) -> list:
    """Every problem of a data folder (Problems: file:row:column: message), sorted; empty when it is valid."""
    from talks2022.data.validate import validate_dir

    return validate_dir(Path(data_dir))


def compute_derived(record: Any) -> dict:
    """Every derived table of a Record, by name (columns as in methods/derived_tables.json), each once."""
    from talks2022.methods.derived import compute_all

    return compute_all(record)


__all__ = ["DEFAULT_PARAMS", "Analysis", "AnalysisParams", "DataError", "Problem", "Record", "__version__",
           "compute_derived", "load", "validate"]

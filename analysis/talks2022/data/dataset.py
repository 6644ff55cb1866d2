"""Load the validated dataset as one typed `Record`.

`load` validates first and refuses invalid data (DataError lists every problem). The frames are built
from the text the validator has just read, so each file is read once. Types follow the Table Schema:
number -> float64 (NaN when empty); integer -> int64 (nullable Int64 when a value may be empty);
boolean -> bool (nullable boolean when a value may be empty); date -> datetime64[ns] (NaT when empty);
string -> the text itself, '' when empty (object dtype, the same under pandas 2 and 3; text such as
"NA" or "None" stays text).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from talks2022.data.schema import Problem
from talks2022.data.validate import Table, inspect_dir, sort_problems
from talks2022.methods.params import DEFAULT_PARAMS, AnalysisParams


class DataError(Exception):
    """The data folder is not valid; str() is the formatted list of problems, one per line."""

    def __init__(self, problems: list[Problem]):
        self.problems = sort_problems(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass(frozen=True, eq=False)  # eq=False: DataFrames do not compare to a single bool
class Record:
    """The five tables of a data folder and the analysis parameters: what every method takes.

    Intermediate results shared by several methods are memoised per record (`memo`), so one run
    computes each of them once; `with_params` gives a record with other parameters and a fresh memo.
    """

    sources: pd.DataFrame
    actors: pd.DataFrame
    meetings: pd.DataFrame
    issues: pd.DataFrame
    statements: pd.DataFrame
    params: AnalysisParams = DEFAULT_PARAMS
    _memo: dict[str, Any] = field(default_factory=dict, init=False, repr=False)

    def with_params(self, params: AnalysisParams) -> Record:
        return dataclasses.replace(self, params=params)

    def memo(self, name: str, compute: Callable[[Record], pd.DataFrame]) -> pd.DataFrame:
        """compute(self), computed once per record; each caller gets its own copy."""
        if name not in self._memo:
            self._memo[name] = compute(self)
        return self._memo[name].copy()


TABLE_NAMES = ("sources", "actors", "meetings", "issues", "statements")


def load(data_dir: Path | str, params: AnalysisParams = DEFAULT_PARAMS) -> Record:
    """Validate `data_dir` and return its record; raise DataError when there is any problem."""
    report = _validated(Path(data_dir))
    if report.problems:
        raise DataError(report.problems)
    return Record(**{name: to_frame(report.tables[name]) for name in TABLE_NAMES}, params=params)


# The last valid folder's report, by the bytes of every file validation reads, when a process asks for it
# (remember_valid_folders): a kernel of the pipeline, which executes one chapter after another on one folder.
_remember = False
_last_valid: tuple[str, Any] | None = None


def remember_valid_folders() -> None:
    """Validate a folder again only when a file validation reads has changed (each file is then read twice:
    once for the digest, once for the validation, which a single load of a folder does not need)."""
    global _remember
    _remember = True


def _validated(data_dir: Path):
    global _last_valid
    if not _remember:
        return inspect_dir(data_dir)
    key = _content_key(data_dir)
    if key is not None and _last_valid is not None and _last_valid[0] == key:
        return _last_valid[1]
    report = inspect_dir(data_dir)
    _last_valid = (key, report) if key is not None and not report.problems else None
    return report


def _content_key(data_dir: Path) -> str | None:
    """Digest of the folder's descriptor and the shipped schema's files as they are now; None if any cannot be
    read (validation then says why)."""
    import hashlib

    from talks2022.data.schema import (
        MAX_DESCRIPTOR_BYTES,
        MAX_FILE_BYTES,
        PACKAGE_FILE,
        FileProblem,
        read_in_folder,
        shipped_schema,
    )

    try:
        names = [(PACKAGE_FILE, MAX_DESCRIPTOR_BYTES)] + [(resource.path, MAX_FILE_BYTES)
                                                          for resource in shipped_schema().package.resources]
        hasher = hashlib.sha256(str(data_dir.resolve()).encode())
        for name, limit in names:  # read as validation reads them: no links, no FIFOs, size-limited
            content = read_in_folder(data_dir, name, limit)
            hasher.update(f"{name}\0{len(content)}\0".encode())
            hasher.update(content)
    except (FileProblem, OSError, ValueError):
        return None
    return hasher.hexdigest()


def to_frame(table: Table) -> pd.DataFrame:
    """A checked table as a DataFrame with the schema's column order and types."""
    return pd.DataFrame(
        {spec.name: _typed_column(table, spec.name, spec.type) for spec in table.resource.fields},
        index=pd.RangeIndex(len(table.lines)),
    )


def _typed_column(table: Table, name: str, field_type: str) -> Any:
    values = table.typed[name]
    if field_type == "number":
        return values.astype(np.float64)
    if field_type in ("integer", "boolean"):
        has_empty = any(value is None for value in values)
        if field_type == "integer":
            return pd.array(values, dtype="Int64") if has_empty else values.astype(np.int64)
        return pd.array(values, dtype="boolean") if has_empty else values.astype(bool)
    if field_type == "date":
        text = pd.Series(values, dtype=object)
        return pd.to_datetime(text.where(text != "", None), format="%Y-%m-%d").astype("datetime64[ns]")
    return pd.Series(values, dtype=object)

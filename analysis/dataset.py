"""Load the validated dataset as typed pandas DataFrames.

`load` validates first and refuses invalid data (DataError lists every problem). The frames are built
from the text the validator has just read, so each file is read once. Types follow the Table Schema:
number -> float64 (NaN when empty); integer -> int64 (nullable Int64 when a value may be empty);
boolean -> bool (nullable boolean when a value may be empty); date -> ISO 'YYYY-MM-DD' strings with ''
when empty; string -> the text itself, '' when empty. Strings and dates have object dtype, the same under
pandas 2 and 3, and text such as "NA" or "None" stays text (nothing is turned into NaN).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.schema import Problem
from analysis.validate import DEFAULT_DATA_DIR, Table, inspect_dir, sort_problems


class DataError(Exception):
    """The data folder is not valid; str() is the formatted list of problems, one per line."""

    def __init__(self, problems: list[Problem]):
        self.problems = sort_problems(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass(frozen=True, eq=False)  # eq=False: DataFrames do not compare to a single bool
class Dataset:
    sources: pd.DataFrame
    actors: pd.DataFrame
    meetings: pd.DataFrame
    issues: pd.DataFrame
    statements: pd.DataFrame


TABLE_NAMES = tuple(spec.name for spec in dataclasses.fields(Dataset))


def load(data_dir: Path | str = DEFAULT_DATA_DIR) -> Dataset:
    """Validate `data_dir` and return its tables; raise DataError when there is any problem."""
    report = inspect_dir(Path(data_dir))
    if report.problems:
        raise DataError(report.problems)
    return Dataset(**{name: to_frame(report.tables[name]) for name in TABLE_NAMES})


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
    return pd.Series(values, dtype=object)

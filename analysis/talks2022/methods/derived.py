"""All derived tables of talks2022, computed in one call and written as deterministic CSV files.

`compute_all` (through `Analysis`, which computes each table once) returns the tables named in
derived_tables.json (beside this module), with exactly the columns listed
there and in that order (the JSON is the single source of the derived tables' columns and the basis of
the data dictionary). Every builder sorts by keys, never by input row order, and every random step is
seeded, so shuffled inputs and repeated calls give identical tables.

`write_tables` writes them as CSV files:
  * UTF-8, '\\n' line ends, a header row, no index;
  * floats with FLOAT_DECIMALS (4) decimals ('%.4f'; negative zero written as 0.0000): positions are
    coded in whole points and lambdas read to two decimals, so four decimals carry no false precision
    yet keep rounding invisible;
  * booleans as true/false (as in the input CSVs), missing values as empty cells;
  * formula-safe: a text cell that starts with =, +, -, @, a tab or a carriage return and is not a
    plain number gets a leading single quote ('), so that a spreadsheet shows it as text instead of
    running it as a formula (CSV injection). Plain numbers such as -3.5 are left alone.
"""

from __future__ import annotations

import json
import re
from functools import cached_property
from pathlib import Path

import pandas as pd

from talks2022.data.dataset import Record
from talks2022.methods.bargaining import benchmarks, expert_packages, proposal_distances
from talks2022.methods.findings import findings_context, findings_table, scored_rows
from talks2022.methods.placement import median_lambda_by_issue, proposal_placement
from talks2022.methods.positions import gaps, positions_by_round

SCHEMA_PATH = Path(__file__).with_name("derived_tables.json")
FLOAT_DECIMALS = 4
FLOAT_FORMAT = f"%.{FLOAT_DECIMALS}f"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def table_schemas() -> dict[str, list[dict]]:
    """Field lists of the derived tables, by table name, from derived_tables.json (in file order)."""
    package = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return {resource["name"]: resource["schema"]["fields"] for resource in package["resources"]}


def _conform(name: str, table: pd.DataFrame, fields: list[dict]) -> pd.DataFrame:
    """The table with exactly the schema's columns, in the schema's order (error if they differ)."""
    names = [field["name"] for field in fields]
    if set(names) != set(table.columns):
        raise ValueError(f"{name}: columns {sorted(table.columns)} differ from the schema's {sorted(names)}")
    return table[names].reset_index(drop=True)


class Analysis:
    """The derived tables of one record, each computed once, on first use."""

    def __init__(self, record: Record):
        self.record = record

    @cached_property
    def placement(self) -> pd.DataFrame:
        return proposal_placement(self.record)

    @cached_property
    def benchmarks(self) -> pd.DataFrame:
        return benchmarks(self.record)

    @cached_property
    def lambda_by_issue(self) -> pd.DataFrame:
        return median_lambda_by_issue(self.placement, self.record.params)

    @cached_property
    def position_by_round(self) -> pd.DataFrame:
        return positions_by_round(self.record)

    @cached_property
    def gaps(self) -> pd.DataFrame:
        return gaps(self.record)

    @cached_property
    def proposal_placement(self) -> pd.DataFrame:
        distances = proposal_distances(self.placement, self.benchmarks)
        return self.placement.merge(
            distances[["statement_id", "dist_compromise", "dist_nash_issue", "dist_nash_package"]],
            on="statement_id", how="left")

    @cached_property
    def _findings_and_supports(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        params = self.record.params
        return findings_table(scored_rows(self.record), findings_context(self.record),
                              draws=params.robustness_draws, noise=params.noise,
                              step_share=params.anchor_step_share, seed=params.seed)

    @cached_property
    def findings(self) -> pd.DataFrame:
        return self._findings_and_supports[0]

    @cached_property
    def finding_supports(self) -> pd.DataFrame:
        return self._findings_and_supports[1]

    @cached_property
    def expert_packages(self) -> pd.DataFrame:
        return expert_packages(self.placement, self.benchmarks)

    @cached_property
    def tables(self) -> dict[str, pd.DataFrame]:
        """Every derived table, by name, with the columns (and order) of derived_tables.json."""
        schemas = table_schemas()
        missing = sorted(name for name in schemas if not isinstance(getattr(type(self), name, None), cached_property))
        if missing:
            raise ValueError(f"derived_tables.json lists {missing}, which Analysis does not make")
        return {name: _conform(name, getattr(self, name), fields) for name, fields in schemas.items()}


def compute_all(record: Record) -> dict[str, pd.DataFrame]:
    """Every derived table, by name: position_by_round, gaps, proposal_placement, benchmarks, findings,
    finding_supports, lambda_by_issue, expert_packages (columns as in derived_tables.json)."""
    return Analysis(record).tables


def formula_safe(value: object) -> object:
    """Prefix a single quote to text that a spreadsheet would run as a formula (see module docstring)."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) and not PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def _csv_column(values: pd.Series) -> pd.Series:
    """A column ready for CSV: booleans as true/false, floats rounded, text formula-safe."""
    if pd.api.types.is_bool_dtype(values):
        return values.map(lambda v: "" if pd.isna(v) else ("true" if v else "false")).astype(object)
    if pd.api.types.is_float_dtype(values):
        # Rounding first, then adding 0.0, turns -0.0 (e.g. a gain of -1e-12) into 0.0.
        return values.round(FLOAT_DECIMALS) + 0.0
    if pd.api.types.is_integer_dtype(values):
        return values
    return values.astype(object).map(formula_safe)


def to_csv_text(table: pd.DataFrame) -> str:
    """The CSV text of one table (the exact bytes write_tables writes, decoded)."""
    ready = pd.DataFrame({column: _csv_column(table[column]) for column in table.columns})
    return ready.to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n", na_rep="")


def write_tables(tables: dict[str, pd.DataFrame], out_dir: str | Path) -> list[Path]:
    """Write each table to out_dir/<name>.csv (format in the module docstring); return the paths,
    sorted by name."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in sorted(tables):
        path = out_dir / f"{name}.csv"
        # newline="" keeps the '\n' line ends on every platform.
        with open(path, "w", encoding="utf-8", newline="") as handle:
            handle.write(to_csv_text(tables[name]))
        paths.append(path)
    return paths


def headers_match_schema(out_dir: str | Path) -> bool:
    """True if every written CSV's header equals its schema's field names, in order."""
    for name, fields in table_schemas().items():
        header = (Path(out_dir) / f"{name}.csv").read_text(encoding="utf-8").split("\n", 1)[0]
        if header.split(",") != [field["name"] for field in fields]:
            return False
    return True

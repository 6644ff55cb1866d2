"""All derived tables of talks2022, computed in one call and written as deterministic CSV files.

`compute_all` returns the tables named in analysis/derived_tables.json, with exactly the columns listed
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
from pathlib import Path

import pandas as pd

from analysis.bargaining import benchmarks, expert_packages, proposal_distances
from analysis.params import DEFAULT_PARAMS, AnalysisParams
from analysis.placement import median_lambda_by_issue, proposal_placement
from analysis.positions import gaps, positions_by_round
from analysis.robustness import robustness_table

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


def compute_all(
    statements: pd.DataFrame,
    actors: pd.DataFrame,
    issues: pd.DataFrame,
    meetings: pd.DataFrame,
    params: AnalysisParams = DEFAULT_PARAMS,
) -> dict[str, pd.DataFrame]:
    """Every derived table, by name: position_by_round, gaps, proposal_placement, benchmarks,
    robustness, lambda_by_issue, expert_packages (columns as in derived_tables.json)."""
    placement = proposal_placement(statements, actors, issues, meetings, params)
    benchmark_table = benchmarks(statements, actors, issues, meetings, params)
    distances = proposal_distances(placement, benchmark_table)
    lambda_table = median_lambda_by_issue(placement, params)
    tables = {
        "position_by_round": positions_by_round(statements, actors, issues, meetings, params),
        "gaps": gaps(statements, actors, issues, meetings, params),
        "proposal_placement": placement.merge(
            distances[["statement_id", "dist_compromise", "dist_nash_issue", "dist_nash_package"]],
            on="statement_id", how="left"),
        "benchmarks": benchmark_table,
        "robustness": robustness_table(statements, actors, issues, meetings, params,
                                       benchmark_table=benchmark_table, lambda_table=lambda_table),
        "lambda_by_issue": lambda_table,
        "expert_packages": expert_packages(placement, benchmark_table),
    }
    schemas = table_schemas()
    if set(schemas) != set(tables):
        raise ValueError(f"derived_tables.json lists {sorted(schemas)}, compute_all makes {sorted(tables)}")
    return {name: _conform(name, tables[name], schemas[name]) for name in schemas}


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

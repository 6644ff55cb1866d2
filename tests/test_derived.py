"""All derived tables: schema, determinism, CSV writing, and an independent recomputation from the CSVs."""

from __future__ import annotations

import csv
import json
import math
import statistics
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from talks2022.methods.derived import SCHEMA_PATH, compute_all, formula_safe, table_schemas, to_csv_text, write_tables
from talks2022.methods.params import AnalysisParams
from tests.test_positions import ACTORS, STATEMENTS, as_record, make_dataset, shuffled

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
FAST = AnalysisParams(robustness_draws=60, bootstrap_draws=300)
REQUIRED_LEADING_COLUMNS = {
    "position_by_round": ["issue_id", "meeting_id", "side", "position", "n_statements"],
    "gaps": ["issue_id", "meeting_id", "russia", "west", "gap"],
    "proposal_placement": ["statement_id", "source_id", "actor_id", "issue_id", "position", "lambda", "relation"],
    "benchmarks": ["issue_id", "reference_point", "compromise", "nash_issue", "nash_package"],
    "findings": ["finding_id", "chapter", "issue_id", "kind", "claim", "sentence"],
    "finding_supports": ["finding_id", "family", "recomputations", "support"],
    "lambda_by_issue": ["issue_id", "n", "median_lambda", "ci_low", "ci_high"],
    "expert_packages": ["actor_id", "n_issues", "issues", "rms_to_compromise", "rms_to_nash_package"],
}


# --- schema and shape ----------------------------------------------------------------------------------

def test_schema_is_complete_and_frictionless_style():
    package = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    names = [resource["name"] for resource in package["resources"]]
    assert names == list(REQUIRED_LEADING_COLUMNS)
    for resource in package["resources"]:
        assert resource["path"] == f"{resource['name']}.csv"
        assert resource["description"]
        fields = resource["schema"]["fields"]
        assert len({field["name"] for field in fields}) == len(fields)
        for field in fields:
            assert set(field) >= {"name", "type", "description"} and field["description"]
            assert field["type"] in {"string", "number", "integer", "boolean"}
        assert set(resource["schema"]["primaryKey"]) <= {field["name"] for field in fields}


def test_compute_all_tables_and_columns():
    tables = compute_all(as_record(*make_dataset(), FAST))
    assert list(tables) == list(REQUIRED_LEADING_COLUMNS)
    schemas = table_schemas()
    for name, table in tables.items():
        assert list(table.columns) == [field["name"] for field in schemas[name]]
        leading = REQUIRED_LEADING_COLUMNS[name]
        assert list(table.columns[:len(leading)]) == leading
        assert isinstance(table.index, pd.RangeIndex)


def test_schema_types_match_the_tables():
    tables = compute_all(as_record(*make_dataset(), FAST))
    checks = {"number": pd.api.types.is_float_dtype, "integer": pd.api.types.is_integer_dtype,
              "boolean": pd.api.types.is_bool_dtype}
    for name, fields in table_schemas().items():
        for field in fields:
            column = tables[name][field["name"]]
            if field["type"] in checks:
                assert checks[field["type"]](column), (name, field["name"], column.dtype)
            else:
                assert column.dropna().map(lambda value: isinstance(value, str)).all(), (name, field["name"])
            constraints = field.get("constraints", {})
            if "minimum" in constraints:
                assert column.dropna().between(constraints["minimum"], constraints["maximum"]).all()
            if "enum" in constraints:
                assert set(column.dropna()) <= set(constraints["enum"])


def test_two_runs_give_identical_tables():
    first, second = compute_all(as_record(*make_dataset(), FAST)), compute_all(as_record(*make_dataset(), FAST))
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name])
        assert to_csv_text(first[name]) == to_csv_text(second[name])


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_tables_do_not_depend_on_row_order(seed):
    statements, actors, issues, meetings = make_dataset()
    first = compute_all(as_record(statements, actors, issues, meetings, FAST))
    second = compute_all(as_record(shuffled(statements, seed), shuffled(actors, seed + 1),
                                   shuffled(issues, seed + 2), shuffled(meetings, seed + 3), FAST))
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name])


def test_as_of_limits_the_record():
    tables = compute_all(as_record(*make_dataset(), AnalysisParams(as_of="2022-01-10", robustness_draws=20)))
    assert set(tables["position_by_round"]["meeting_id"]) == {"drafts", "geneva"}
    assert tables["proposal_placement"].empty  # the expert proposals are undated or later
    assert tables["lambda_by_issue"].empty and tables["expert_packages"].empty


# --- writing -------------------------------------------------------------------------------------------

def test_written_headers_equal_the_schema(tmp_path):
    paths = write_tables(compute_all(as_record(*make_dataset(), FAST)), tmp_path)
    assert [path.name for path in paths] == sorted(f"{name}.csv" for name in REQUIRED_LEADING_COLUMNS)
    for name, fields in table_schemas().items():
        with open(tmp_path / f"{name}.csv", encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle))
        assert header == [field["name"] for field in fields]


def test_written_format(tmp_path):
    write_tables(compute_all(as_record(*make_dataset(), FAST)), tmp_path)
    raw = (tmp_path / "benchmarks.csv").read_bytes()
    assert b"\r" not in raw and raw.endswith(b"\n")
    text = raw.decode("utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    assert rows[0]["compromise"] == "54.8387"  # 8500 / 155 with four decimals
    assert rows[0]["nash_issue_agreement"] == "false" and rows[1]["nash_issue_agreement"] == "true"
    assert rows[0]["reference_point"] == "0.0000"
    placement = list(csv.DictReader((tmp_path / "proposal_placement.csv").read_text("utf-8").splitlines()))
    assert [row["lambda"] for row in placement] == ["0.5000", "0.2500", "0.4000", "0.3684"]
    supports = list(csv.DictReader((tmp_path / "finding_supports.csv").read_text("utf-8").splitlines()))
    assert supports and all(row["recomputations"].isdigit() for row in supports)  # integers stay integers


def test_missing_values_and_negative_zero_are_written_plainly():
    table = pd.DataFrame({"a": [np.nan, -1e-12, 2.0], "flag": pd.array([True, pd.NA, False], dtype="boolean"),
                          "n": [1, 2, 3], "text": ["x", None, "y"]})
    assert to_csv_text(table) == "a,flag,n,text\n,true,1,x\n0.0000,,2,\n2.0000,false,3,y\n"


def test_formula_safe():
    hostile = ['=HYPERLINK("http://example.org","click")', "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1"]
    assert [formula_safe(value) for value in hostile] == ["'" + value for value in hostile]
    for harmless in ("-3.5", "+2", "1e-3", "nato_enlargement", "a=b", "", "'quoted"):
        assert formula_safe(harmless) == harmless
    assert formula_safe(-3.5) == -3.5


def test_write_tables_escapes_hostile_cells(tmp_path):
    hostile_actor = '=HYPERLINK("http://example.org/x","click")'
    actors = ACTORS + [(hostile_actor, "expert", "expert")]
    rows = STATEMENTS + [("S09-1", "2022-01-20", "commentary", hostile_actor, "missiles", "expert_proposal",
                          60, None, "confirmed")]
    statements, actors_frame, issues, meetings = make_dataset(rows, actors)
    tables = compute_all(as_record(statements, actors_frame, issues, meetings, FAST))
    tables["statements_echo"] = statements[["statement_id", "summary"]].assign(
        summary=lambda frame: frame["summary"].where(frame["statement_id"] != "S09-1",
                                                     "=HYPERLINK(\"http://example.org\",\"x\")"))
    write_tables(tables, tmp_path)
    for name in ("proposal_placement", "expert_packages"):
        with open(tmp_path / f"{name}.csv", encoding="utf-8", newline="") as handle:
            actor_ids = [row["actor_id"] for row in csv.DictReader(handle)]
        assert "'" + hostile_actor in actor_ids and hostile_actor not in actor_ids
    with open(tmp_path / "statements_echo.csv", encoding="utf-8", newline="") as handle:
        summaries = [row["summary"] for row in csv.DictReader(handle)]
    assert "'=HYPERLINK(\"http://example.org\",\"x\")" in summaries
    assert not any(summary.startswith(("=", "+", "-", "@")) for summary in summaries)
    # The tables in memory are untouched: escaping is a property of the CSV files only.
    assert hostile_actor in set(tables["proposal_placement"]["actor_id"])


# --- independent recomputation from the CSV files --------------------------------------------------------

WEST_SIDES, RUSSIA_SIDES = {"united_states", "nato_allies"}, {"russia"}


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def independent_position_by_round(data_dir: Path) -> dict[tuple[str, str, str], tuple[float, int]]:
    """(issue, meeting, side) -> (median position, n), from the CSVs with csv and statistics only."""
    side_of = {}
    for actor in _rows(data_dir / "actors.csv"):
        if actor["speaker_group"] in WEST_SIDES:
            side_of[actor["actor_id"]] = "west"
        elif actor["speaker_group"] in RUSSIA_SIDES:
            side_of[actor["actor_id"]] = "russia"
    positional = {row["issue_id"] for row in _rows(data_dir / "issues.csv")
                  if row["positional"].lower() == "true"}
    # Rounds and the stages between them count; the commentary pseudo-round does not.
    rounds = {row["meeting_id"] for row in _rows(data_dir / "meetings.csv")
              if row["stage_type"] in ("round", "between_rounds")}
    groups = defaultdict(list)
    for row in _rows(data_dir / "statements.csv"):
        if (row["verification"] == "confirmed" and row["kind"] == "official_position"
                and row["position"] != "" and row["issue_id"] in positional
                and row["meeting_id"] in rounds and row["actor_id"] in side_of):
            key = (row["issue_id"], row["meeting_id"], side_of[row["actor_id"]])
            groups[key].append(float(row["position"]))
    return {key: (statistics.median(values), len(values)) for key, values in groups.items()}


def independent_gaps(data_dir: Path) -> dict[tuple[str, str], tuple]:
    """(issue, meeting) -> (russia, west, russia - west), None where a side has no position."""
    positions = independent_position_by_round(data_dir)
    result = {}
    for issue, meeting in {(issue, meeting) for issue, meeting, _ in positions}:
        russia = positions.get((issue, meeting, "russia"), (None, 0))[0]
        west = positions.get((issue, meeting, "west"), (None, 0))[0]
        result[(issue, meeting)] = (russia, west, None if russia is None or west is None else russia - west)
    return result


def load_frames(data_dir: Path):
    """The four input frames in the input contract's types, read with pandas (not talks2022.data.dataset)."""
    def read(name):
        return pd.read_csv(data_dir / f"{name}.csv", dtype=str, keep_default_na=False)
    statements, actors, issues, meetings = (read(name) for name in ("statements", "actors", "issues",
                                                                     "meetings"))
    for column in ("position", "salience"):
        statements[column] = pd.to_numeric(statements[column].replace("", np.nan)).astype(float)
    issues["positional"] = issues["positional"].str.lower().eq("true")
    issues["reference_point"] = pd.to_numeric(issues["reference_point"].replace("", np.nan)).astype(float)
    meetings["sequence"] = meetings["sequence"].astype(int)
    statements["conditional"] = statements["conditional"].str.lower().eq("true")
    return statements, actors, issues, meetings


def _as_optional(value: float) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def assert_matches_independent_recomputation(data_dir: Path) -> None:
    tables = compute_all(as_record(*load_frames(data_dir), FAST))
    expected = independent_position_by_round(data_dir)
    got = {(row.issue_id, row.meeting_id, row.side): (row.position, row.n_statements)
           for row in tables["position_by_round"].itertuples()}
    assert got.keys() == expected.keys()
    for key, (position, count) in expected.items():
        assert got[key][1] == count, key
        assert abs(got[key][0] - position) <= 1e-9, key
    expected_gaps = independent_gaps(data_dir)
    got_gaps = {(row.issue_id, row.meeting_id): (_as_optional(row.russia), _as_optional(row.west),
                                                 _as_optional(row.gap))
                for row in tables["gaps"].itertuples()}
    assert got_gaps.keys() == expected_gaps.keys()
    for key, values in expected_gaps.items():
        for mine, theirs in zip(got_gaps[key], values, strict=True):
            assert (mine is None) == (theirs is None), key
            assert mine is None or abs(mine - theirs) <= 1e-9, key


def write_synthetic_csvs(directory: Path) -> Path:
    """The synthetic dataset as CSV files in the data folder's format ('' for empty, true/false)."""
    statements, actors, issues, meetings = make_dataset()
    for name, frame in (("statements", statements), ("actors", actors), ("issues", issues),
                        ("meetings", meetings)):
        text = frame.copy()
        for column in text.columns:
            if text[column].dtype == bool:
                text[column] = text[column].map({True: "true", False: "false"})
            elif pd.api.types.is_float_dtype(text[column]):
                text[column] = text[column].map(lambda value: "" if math.isnan(value) else f"{value:g}")
        text.to_csv(directory / f"{name}.csv", index=False, lineterminator="\n")
    return directory


def test_independent_recomputation_on_synthetic_csvs(tmp_path):
    assert_matches_independent_recomputation(write_synthetic_csvs(tmp_path))


@pytest.mark.skipif(not (DATA_DIR / "statements.csv").exists(), reason="data/statements.csv not written yet")
def test_independent_recomputation_on_the_data():
    assert_matches_independent_recomputation(DATA_DIR)


@pytest.mark.skipif(not (DATA_DIR / "statements.csv").exists(), reason="data/statements.csv not written yet")
def test_the_data_give_complete_tables(tmp_path):
    frames = load_frames(DATA_DIR)
    tables = compute_all(as_record(*frames, FAST))
    write_tables(tables, tmp_path)
    for name, fields in table_schemas().items():
        with open(tmp_path / f"{name}.csv", encoding="utf-8", newline="") as handle:
            assert next(csv.reader(handle)) == [field["name"] for field in fields]
    positional = set(frames[2].loc[frames[2]["positional"], "issue_id"])
    assert set(tables["benchmarks"]["issue_id"]) == positional

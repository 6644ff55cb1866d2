"""Checks across rows and tables: unique and primary keys, foreign keys, and the domain rules that span
tables (positions, meeting windows, reference points)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from talks2022.data.cell_rules import show
from talks2022.data.schema import FILE_LEVEL, NO_COLUMN, PACKAGE_FILE, Package, Problem

if TYPE_CHECKING:
    from talks2022.data.validate import Table


# --- keys -------------------------------------------------------------------------------------------------


def check_keys(table: Table, tables: dict[str, Table]) -> list[Problem]:
    return _unique_problems(table) + _primary_key_problems(table) + _foreign_key_problems(table, tables)


def _duplicate_rows(keys: pd.Series, filled: pd.Series) -> Iterator[tuple[int, int]]:
    """(row index, index of the first row with the same key) for every repeat of a non-empty key."""
    repeated = keys.duplicated(keep="first") & filled
    if not repeated.any():
        return
    first_index: dict[Any, int] = {}
    for index, key in zip(np.flatnonzero(filled.to_numpy()), keys[filled], strict=True):
        first_index.setdefault(key, int(index))
    for index in np.flatnonzero(repeated.to_numpy()):
        yield int(index), first_index[keys.iloc[index]]


def _unique_problems(table: Table) -> list[Problem]:
    problems = []
    for field_spec in table.resource.fields:
        # A one-field primary key is reported once, as a primary key.
        if (
            not field_spec.unique
            or field_spec.name not in table.raw
            or table.resource.primary_key == (field_spec.name,)
        ):
            continue
        values = table.raw[field_spec.name]
        for index, first in _duplicate_rows(values, values != ""):
            first_row = table.lines[first]
            message = f"duplicate value {show(values.iloc[index])} (first on row {first_row})"
            problems.append(table.problem(index, field_spec.name, message))
    return problems


def _primary_key_problems(table: Table) -> list[Problem]:
    key_fields = table.resource.primary_key
    if not key_fields or not table.has(*key_fields):
        return []
    columns = [table.raw[name] for name in key_fields]
    keys = columns[0] if len(columns) == 1 else pd.Series(list(zip(*columns, strict=True)), dtype=object)
    filled = pd.concat([column != "" for column in columns], axis=1).all(axis=1)
    problems = []
    for index, first in _duplicate_rows(keys, filled):
        shown_key = show(keys.iloc[index]) if len(columns) == 1 else show(str(keys.iloc[index]))
        rows = f"rows {table.lines[first]} and {table.lines[index]}"
        message = f"duplicate {'+'.join(key_fields)} {shown_key} ({rows})"
        problems.append(table.problem(index, key_fields[0], message))
    return problems


def _foreign_key_problems(table: Table, tables: dict[str, Table]) -> list[Problem]:
    problems = []
    for foreign_key in table.resource.foreign_keys:
        target = tables.get(foreign_key.resource)
        # A missing file, column or row is reported already; calling keys unknown would add only noise.
        if target is None or not target.complete or not table.has(*foreign_key.fields):
            continue
        if not target.has(*foreign_key.reference_fields):
            continue
        known = set(zip(*(target.raw[name] for name in foreign_key.reference_fields), strict=True))
        columns = [table.raw[name] for name in foreign_key.fields]
        for index, key in enumerate(zip(*columns, strict=True)):
            if all(key) and key not in known:
                names = "+".join(foreign_key.fields)
                shown_key = show(key[0]) if len(key) == 1 else show(", ".join(key))
                message = f"unknown {names} {shown_key} (not in {target.file})"
                problems.append(table.problem(index, foreign_key.fields[0], message))
    return problems


# --- rules across tables ----------------------------------------------------------------------------------

POSITION_KINDS = ("official_position", "expert_proposal")  # need a position on a positional issue
NO_POSITION_KINDS = ("expert_assessment", "reported_fact")  # never carry a position
# The fields the rules below read, with their types: the schema must declare them (checked first).
RULE_FIELDS = {
    "sources": {"source_id": "string"},
    "actors": {"actor_id": "string"},
    "meetings": {"meeting_id": "string", "window_start": "date", "window_end": "date"},
    "issues": {"issue_id": "string", "positional": "boolean", "reference_point": "number"},
    "statements": {
        "date": "date",
        "meeting_id": "string",
        "issue_id": "string",
        "kind": "string",
        "position": "number",
    },
}


def check_rule_schema(package: Package) -> list[Problem]:
    """The cross-table rules and talks2022.data.dataset need these resources and fields in the schema."""
    messages = []
    for resource_name, field_types in RULE_FIELDS.items():
        resource = package.resource(resource_name)
        if resource is None:
            messages.append(f"no resource {resource_name!r}, which the dataset needs")
            continue
        for field_name, field_type in field_types.items():
            field_spec = resource.field(field_name)
            if field_spec is None or field_spec.type != field_type:
                messages.append(
                    f"resource {resource_name!r} lacks field {field_name!r} of type {field_type}, "
                    "which the cross-table rules need"
                )
    statements = package.resource("statements")
    kind = statements.field("kind") if statements else None
    if kind is not None and not set(POSITION_KINDS + NO_POSITION_KINDS) <= set(kind.enum or ()):
        messages.append("statements.kind must allow " + ", ".join(POSITION_KINDS + NO_POSITION_KINDS))
    return [Problem(PACKAGE_FILE, FILE_LEVEL, NO_COLUMN, message) for message in messages]


def check_cross_table(tables: dict[str, Table]) -> list[Problem]:
    problems = []
    if "meetings" in tables:
        problems += _window_problems(tables["meetings"])
    if "issues" in tables:
        problems += _reference_point_problems(tables["issues"])
    if "statements" in tables:
        statements = tables["statements"]
        if "issues" in tables:
            problems += _position_problems(statements, tables["issues"])
        if "meetings" in tables:
            problems += _date_in_window_problems(statements, tables["meetings"])
    return problems


def _window_problems(meetings: Table) -> list[Problem]:
    if not meetings.has("window_start", "window_end"):
        return []
    problems = []
    starts, ends = meetings.typed["window_start"], meetings.typed["window_end"]
    for index, (start, end) in enumerate(zip(starts, ends, strict=True)):
        if start and end and start > end:
            message = f"window_end {end} is before window_start {start}"
            problems.append(meetings.problem(index, "window_end", message))
    return problems


def _reference_point_problems(issues: Table) -> list[Problem]:
    if not issues.has("positional", "reference_point"):
        return []
    return [
        issues.problem(index, "reference_point", "a reference_point is required on a positional issue")
        for index, (positional, text) in enumerate(
            zip(issues.typed["positional"], issues.raw["reference_point"], strict=True)
        )
        if positional is True and text == ""
    ]


POSITION_STEP = 12.5  # anchors every 25 points and the midpoints between them


def _on_the_grid(value: Any) -> bool:
    if value is None or not math.isfinite(value):
        return True  # empty or not a usable number: reported by the cell rules, if at all
    return value % POSITION_STEP == 0


def _position_problems(statements: Table, issues: Table) -> list[Problem]:
    if not statements.has("issue_id", "kind", "position") or not issues.has("issue_id", "positional"):
        return []
    positional = dict(zip(issues.raw["issue_id"], issues.typed["positional"], strict=True))
    problems = []
    rows = zip(statements.raw["issue_id"], statements.raw["kind"], statements.raw["position"],
               statements.typed["position"], strict=True)
    for index, (issue, kind, position, value) in enumerate(rows):
        is_positional = positional.get(issue)  # None: unknown issue or invalid flag, reported elsewhere
        if position and is_positional is False:
            message = f"a position is given, but issue {show(issue)} is not positional"
            problems.append(statements.problem(index, "position", message))
        if position and kind in NO_POSITION_KINDS:
            problems.append(statements.problem(index, "position", f"position must be empty for {kind}"))
        # No position is required: a statement with nothing the anchors can place stays unscored (rule 4).
        if position and kind in POSITION_KINDS and is_positional is True and not _on_the_grid(value):
            message = f"position {show(position)} is neither an anchor nor the midpoint of two anchors"
            problems.append(statements.problem(index, "position", message))
    return problems


def _date_in_window_problems(statements: Table, meetings: Table) -> list[Problem]:
    if not statements.has("date", "meeting_id"):
        return []
    if not meetings.has("meeting_id", "window_start", "window_end"):
        return []
    starts, ends = meetings.typed["window_start"], meetings.typed["window_end"]
    windows = {
        meeting: (start, end)
        for meeting, start, end in zip(meetings.raw["meeting_id"], starts, ends, strict=True)
        if start and end and start <= end
    }
    problems = []
    rows = zip(statements.typed["date"], statements.raw["meeting_id"], strict=True)
    for index, (date, meeting) in enumerate(rows):
        window = windows.get(meeting)
        if date and window and not window[0] <= date <= window[1]:
            where = f"the window of meeting {show(meeting)} ({window[0]} to {window[1]})"
            problems.append(statements.problem(index, "date", f"date {date} is outside {where}"))
    return problems


"""Checks across rows and tables: unique and primary keys, foreign keys, and the domain rules that span
tables (positions, meeting windows, reference points)."""

from __future__ import annotations

import math
import re
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


# --- the codebook's rules, within and across tables -------------------------------------------------------
# Each is a rule of book/codebook.md that the Table Schema cannot state; each has a case in tests/bad_inputs.

POSITION_KINDS = ("official_position", "expert_proposal")  # may carry a position on a positional issue
NO_POSITION_KINDS = ("expert_assessment", "reported_fact")  # never carry a position or a salience
THIRD_PARTY_ATTRIBUTIONS = ("paraphrase", "outlet_wording")  # a third party's account: a reported fact
NEVER_SCORED_GROUPS = ("osce_chair", "other_state", "media")  # never part of a side, never scored
COMMENTARY = "commentary"  # the stage type outside the sequence of the talks
MAX_KEY_PHRASE_WORDS = 15
POSITION_STEP = 12.5  # anchors every 25 points and the midpoints between them
# Ids that become file names (an issue's chapter is book/generated/issues/<issue_id>.ipynb) must match this,
# whatever pattern a schema gives them.
SAFE_FILE_ID = re.compile(r"[a-z][a-z0-9_]{0,62}", re.ASCII)
# The fields the rules below read, with their types: the schema must declare them (checked first).
RULE_FIELDS = {
    "sources": {"source_id": "string", "author": "string", "author_basis": "string", "date": "date",
                "date_basis": "string", "better_source_id": "string"},
    "actors": {"actor_id": "string", "speaker_group": "string"},
    "meetings": {"meeting_id": "string", "sequence": "integer", "stage_type": "string", "date": "date",
                 "window_start": "date", "window_end": "date"},
    "issues": {"issue_id": "string", "positional": "boolean", "reference_point": "number"},
    "statements": {
        "statement_id": "string",
        "date": "date",
        "meeting_id": "string",
        "actor_id": "string",
        "issue_id": "string",
        "kind": "string",
        "position": "number",
        "salience": "number",
        "conditional": "boolean",
        "key_phrase": "string",
        "attribution": "string",
        "verification": "string",
        "confidence": "string",
    },
    "second_coding": {"statement_id": "string", "position": "number"},
}


def check_rule_schema(package: Package) -> list[Problem]:
    """The rules and talks2022.data.dataset need these resources and fields in the (shipped) schema."""
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
    return [Problem(PACKAGE_FILE, FILE_LEVEL, NO_COLUMN, f"the shipped schema: {message}") for message in messages]


def check_table_rules(tables: dict[str, Table]) -> list[Problem]:
    """Every codebook rule whose tables could be read (a rule needing a missing table or column is skipped:
    that is reported already)."""
    problems = []
    for rule in RULES:
        problems += rule(tables)
    return problems


check_cross_table = check_table_rules  # the former name


def _rows(tables: dict[str, Table], name: str, *columns: str) -> tuple[Table | None, list[tuple]]:
    """The table and, for each row, the values of `columns` (typed for numbers, dates and booleans: None or
    NaN when invalid or empty; raw text for strings), or (None, []) when a column is missing."""
    table = tables.get(name)
    if table is None or not table.has(*columns):
        return None, []
    values = []
    for column in columns:
        spec = table.resource.field(column)
        values.append(table.raw[column] if spec is None or spec.type == "string" else table.typed[column])
    return table, list(zip(*values, strict=True))


def _filled(value: Any) -> bool:
    """A typed value that is there: not empty, not invalid."""
    if value is None or value == "":
        return False
    return not (isinstance(value, float) and math.isnan(value))


def _window_problems(tables: dict[str, Table]) -> list[Problem]:
    meetings, rows = _rows(tables, "meetings", "window_start", "window_end")
    return [meetings.problem(index, "window_end", f"window_end {end} is before window_start {start}")
            for index, (start, end) in enumerate(rows) if start and end and start > end]


def _sequence_problems(tables: dict[str, Table]) -> list[Problem]:
    """One sequence number per meeting; for rounds and stages (not commentary) sequence follows the dates."""
    meetings, rows = _rows(tables, "meetings", "meeting_id", "sequence", "stage_type", "date", "window_start")
    problems = []
    first_with: dict[int, int] = {}
    for index, (_meeting, sequence, _stage, _date, _start) in enumerate(rows):
        if sequence is None:
            continue
        if sequence in first_with:
            other = rows[first_with[sequence]][0]
            message = (f"sequence {sequence} is already the sequence of meeting {show(other)} "
                       f"(row {meetings.lines[first_with[sequence]]}); each meeting needs its own")
            problems.append(meetings.problem(index, "sequence", message))
        else:
            first_with[sequence] = index
    dated = sorted(
        (sequence, date or start, index, meeting)
        for index, (meeting, sequence, stage, date, start) in enumerate(rows)
        if sequence is not None and stage in ("round", "between_rounds") and (date or start)
    )
    for (_, earlier_date, _, earlier), (_, date, index, meeting) in zip(dated, dated[1:], strict=False):
        if date < earlier_date:
            message = (f"meeting {show(meeting)} ({date}) has a later sequence than {show(earlier)} "
                       f"({earlier_date}) but an earlier date: rounds and stages are numbered in the order "
                       "of their dates")
            problems.append(meetings.problem(index, "sequence", message))
    return problems


def _reference_point_problems(tables: dict[str, Table]) -> list[Problem]:
    issues, rows = _rows(tables, "issues", "positional", "reference_point")
    return [issues.problem(index, "reference_point", "a reference_point is required on a positional issue")
            for index, (positional, _point) in enumerate(rows)
            if positional is True and issues.raw["reference_point"].iloc[index] == ""]


def _safe_issue_id_problems(tables: dict[str, Table]) -> list[Problem]:
    issues, rows = _rows(tables, "issues", "issue_id")
    return [issues.problem(index, "issue_id",
                           f"{show(issue)} cannot name a chapter file: an issue id is a lower-case letter and "
                           "at most 62 lower-case letters, digits or underscores")
            for index, (issue,) in enumerate(rows)
            if issue and issues.typed["issue_id"][index] is not None and not SAFE_FILE_ID.fullmatch(issue)]


def _source_basis_problems(tables: dict[str, Table]) -> list[Problem]:
    sources, rows = _rows(tables, "sources", "date", "date_basis", "author", "author_basis")
    problems = []
    for index, (_date, date_basis, author, author_basis) in enumerate(rows):
        raw_date = sources.raw["date"].iloc[index]
        if date_basis in ("printed", "from_url", "from_content") and raw_date == "":
            problems.append(sources.problem(index, "date", f"date_basis is {date_basis}, but no date is given"))
        if date_basis == "not_shown" and raw_date != "":
            problems.append(sources.problem(index, "date", "date_basis is not_shown, but a date is given"))
        if author_basis == "shown" and author == "":
            problems.append(sources.problem(index, "author", "author_basis is shown, but no author is given"))
    return problems


def _better_source_problems(tables: dict[str, Table]) -> list[Problem]:
    sources, rows = _rows(tables, "sources", "source_id", "better_source_id")
    if sources is None or not sources.complete:
        return []
    known = {source for source, _ in rows}
    problems = []
    for index, (source, better) in enumerate(rows):
        if not better or sources.typed["better_source_id"][index] is None:
            continue
        if better == source:
            problems.append(sources.problem(index, "better_source_id", "better_source_id names the source itself"))
        elif better not in known:
            problems.append(sources.problem(index, "better_source_id",
                                            f"unknown better_source_id {show(better)} (not in {sources.file})"))
    return problems


def _statement_text_problems(tables: dict[str, Table]) -> list[Problem]:
    """Key phrases, attribution, confidence, salience and conditional openings, row by row."""
    statements, rows = _rows(tables, "statements", "kind", "key_phrase", "verification", "attribution",
                             "confidence", "salience", "position", "conditional")
    problems = []
    for index, (kind, key_phrase, verification, attribution, confidence, _salience, _position, conditional) in (
        enumerate(rows)
    ):
        def add(column: str, message: str, index: int = index) -> None:
            problems.append(statements.problem(index, column, message))

        words = len(key_phrase.split())
        if words > MAX_KEY_PHRASE_WORDS:
            add("key_phrase", f"key_phrase has {words} words; at most {MAX_KEY_PHRASE_WORDS} are quoted")
        if verification == "unconfirmed" and key_phrase:
            add("key_phrase", "an unconfirmed statement has no key_phrase (its quotation was not re-found)")
        if attribution in THIRD_PARTY_ATTRIBUTIONS and kind in POSITION_KINDS + ("expert_assessment",):
            add("attribution", f"attribution {attribution} is a third party's account: the kind must be "
                               f"reported_fact, not {kind}")
        if attribution in THIRD_PARTY_ATTRIBUTIONS and confidence == "high":
            add("confidence", f"confidence is never high for attribution {attribution}")
        if kind in NO_POSITION_KINDS and statements.raw["salience"].iloc[index] != "":
            add("salience", f"salience must be empty for {kind}")
        if conditional is True and statements.raw["position"].iloc[index] == "":
            add("conditional", "conditional is true, but the statement has no position (only scored "
                               "statements are conditional openings)")
    return problems


def _on_the_grid(value: Any) -> bool:
    if not _filled(value) or not math.isfinite(value):
        return True  # empty or not a usable number: reported by the cell rules, if at all
    return value % POSITION_STEP == 0


def _position_problems(tables: dict[str, Table]) -> list[Problem]:
    statements, rows = _rows(tables, "statements", "issue_id", "kind", "actor_id", "position")
    issues, issue_rows = _rows(tables, "issues", "issue_id", "positional")
    if statements is None or issues is None:
        return []
    positional = dict(issue_rows)
    _, actor_rows = _rows(tables, "actors", "actor_id", "speaker_group")
    group_of: dict[str, str] = {}
    for actor, group in actor_rows:
        group_of.setdefault(actor, group)  # a repeated actor_id is reported already; its first row counts
    problems = []
    for index, (issue, kind, actor, value) in enumerate(rows):
        if statements.raw["position"].iloc[index] == "":
            continue
        is_positional = positional.get(issue)  # None: unknown issue or invalid flag, reported elsewhere
        if is_positional is False:
            message = f"a position is given, but issue {show(issue)} is not positional"
            problems.append(statements.problem(index, "position", message))
        if kind in NO_POSITION_KINDS:
            problems.append(statements.problem(index, "position", f"position must be empty for {kind}"))
        if group_of.get(actor) in NEVER_SCORED_GROUPS:
            message = (f"actor {show(actor)} speaks for {group_of[actor]}, which is never scored: the position "
                       "must be empty")
            problems.append(statements.problem(index, "position", message))
        # No position is required: a statement with nothing the anchors can place stays unscored (rule 4).
        if kind in POSITION_KINDS and is_positional is True and not _on_the_grid(value):
            message = f"position {show(statements.raw['position'].iloc[index])} is neither an anchor nor the " \
                      "midpoint of two anchors"
            problems.append(statements.problem(index, "position", message))
    return problems


def _date_in_window_problems(tables: dict[str, Table]) -> list[Problem]:
    statements, rows = _rows(tables, "statements", "date", "meeting_id")
    meetings, meeting_rows = _rows(tables, "meetings", "meeting_id", "window_start", "window_end")
    if statements is None or meetings is None:
        return []
    windows = {meeting: (start, end) for meeting, start, end in meeting_rows if start and end and start <= end}
    problems = []
    for index, (date, meeting) in enumerate(rows):
        window = windows.get(meeting)
        if date and window and not window[0] <= date <= window[1]:
            where = f"the window of meeting {show(meeting)} ({window[0]} to {window[1]})"
            problems.append(statements.problem(index, "date", f"date {date} is outside {where}"))
    return problems


def _second_coding_problems(tables: dict[str, Table]) -> list[Problem]:
    """A second-coded statement must be scored in statements.csv; the second position is on the grid too."""
    second, rows = _rows(tables, "second_coding", "statement_id", "position")
    statements, statement_rows = _rows(tables, "statements", "statement_id")
    if second is None:
        return []
    problems = [second.problem(index, "position", f"position {show(second.raw['position'].iloc[index])} is "
                                                  "neither an anchor nor the midpoint of two anchors")
                for index, (_, value) in enumerate(rows) if not _on_the_grid(value)]
    if statements is None or not statements.complete:
        return problems
    scored = {statement for (statement,), text in zip(statement_rows, statements.raw["position"], strict=True)
              if text != ""}
    known = {statement for (statement,) in statement_rows}
    for index, (statement, _) in enumerate(rows):
        if statement in known and statement not in scored:
            message = f"statement {show(statement)} has no position in {statements.file}: only scored " \
                      "statements are second-coded"
            problems.append(second.problem(index, "statement_id", message))
    return problems


RULES = (
    _window_problems,
    _sequence_problems,
    _reference_point_problems,
    _safe_issue_id_problems,
    _source_basis_problems,
    _better_source_problems,
    _statement_text_problems,
    _position_problems,
    _date_in_window_problems,
    _second_coding_problems,
)

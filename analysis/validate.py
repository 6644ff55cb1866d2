"""Validate a data folder against its datapackage.json and report every problem as `file:row:column: message`.

Rows are line numbers in the file (the header is row 1, the first data row row 2); row 0 and column "-"
mean the whole file. Every check on a column comes from the Table Schema; the few domain rules that span
tables (positions, meeting windows, reference points) are at the end of this module.
"""

from __future__ import annotations

import csv
import datetime
import io
import math
import os
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

from analysis.schema import PACKAGE_FILE, Field, Package, Problem, Resource, SchemaError, load_package

__all__ = ["Problem", "Report", "Table", "inspect_dir", "main", "validate_dir"]

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "data"
HEADER_ROW = 1
FILE_LEVEL = 0
NO_COLUMN = "-"
MAX_CELL_CHARS = 10_000
# csv refuses cells over 128 KiB by default; read big cells so they get one clear "too long" message.
CSV_FIELD_LIMIT = 1 << 30

CONTROL_CHAR = re.compile(r"[\x00-\x1f\x7f-\x9f]")
BIDI_CHAR = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Files are decoded with surrogateescape, so each byte that is not UTF-8 becomes one lone surrogate.
UNDECODABLE_BYTE = re.compile("[\udc80-\udcff]")
HTML_TAG = re.compile(r"<[A-Za-z/!?]")
SUSPECT_TEXT = re.compile("|".join(p.pattern for p in (CONTROL_CHAR, BIDI_CHAR, UNDECODABLE_BYTE, HTML_TAG)))
FORMULA_PREFIXES = ("=", "+", "-", "@")

NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
NON_FINITE_WORDS = frozenset({"nan", "inf", "infinity"})
INTEGER = re.compile(r"[+-]?[0-9]+")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
URL_FORBIDDEN_CHAR = re.compile(r"[\s\"'<>`\\]")
URL_SCHEMES = frozenset({"http", "https"})
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# A line with its end (\r\n, \r or \n), or a last line without one.
LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


@dataclass
class Table:
    """One CSV file as read: the raw text of each schema column present, typed values, and file lines."""

    resource: Resource
    raw: dict[str, pd.Series]
    lines: np.ndarray
    complete: bool = True  # False when rows were dropped (wrong cell count): not a reliable key target
    typed: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def file(self) -> str:
        return self.resource.path

    def has(self, *names: str) -> bool:
        return all(name in self.raw for name in names)

    def problem(self, index: int, column: str, message: str) -> Problem:
        return Problem(self.file, int(self.lines[index]), column, message)


@dataclass
class Report:
    """The outcome of inspecting a data folder: problems, plus what could be read (for analysis.dataset)."""

    problems: list[Problem]
    package: Package | None = None
    tables: dict[str, Table] = field(default_factory=dict)


# --- entry points -----------------------------------------------------------------------------------------


def validate_dir(data_dir: Path) -> list[Problem]:
    """Every problem in the data folder, sorted by file, row and column; empty when the data is valid."""
    return sort_problems(inspect_dir(Path(data_dir)).problems)


def sort_problems(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda problem: (problem.file, problem.row, problem.column))


def inspect_dir(data_dir: Path) -> Report:
    """Read and check every table once; analysis.dataset builds its frames from the same Report."""
    if not data_dir.is_dir():
        return Report([Problem(str(data_dir), FILE_LEVEL, NO_COLUMN, "data folder not found")])
    try:
        package = load_package(data_dir / PACKAGE_FILE)
    except SchemaError as error:
        return Report(error.problems)
    report = Report(check_rule_schema(package), package)
    for resource in package.resources:
        table, problems = read_table(data_dir, resource)
        report.problems += problems
        if table is not None:
            report.problems += check_cells(table)
            report.tables[resource.name] = table
    for table in report.tables.values():
        report.problems += check_keys(table, report.tables)
    if not any(problem.file == PACKAGE_FILE for problem in report.problems):
        report.problems += check_cross_table(report.tables)
    return report


def main(argv: list[str] | None = None) -> int:
    """`validate [DATA_DIR]`: print every problem and a final line; exit 1 if there is any problem."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] in (["-h"], ["--help"]):
        print(USAGE)
        return 0
    if len(args) > 1:
        print(USAGE, file=sys.stderr)
        return 2
    data_dir = Path(args[0]) if args else DEFAULT_DATA_DIR
    shown = args[0] if args else _display_path(DEFAULT_DATA_DIR)
    try:
        report = inspect_dir(data_dir)
        problems = sort_problems(report.problems)
    except Exception as error:  # the last line of defence: a bug must still not print a traceback
        report = Report([])
        problems = [Problem(shown, FILE_LEVEL, NO_COLUMN, f"internal error: {type(error).__name__}: {error}")]
    _allow_any_text_on_stdout()
    for problem in problems:
        _print_line(str(problem))
    if problems:
        files = len({problem.file for problem in problems})
        _print_line(f"invalid: {_count(len(problems), 'problem')} in {_count(files, 'file')} ({shown})")
        return 1
    _print_line(f"valid: {_summary(report)} ({shown})")
    return 0


USAGE = "usage: validate [DATA_DIR]  (default: the package's data/ folder)"


def _summary(report: Report) -> str:
    counts = [_count(len(report.package.resources) if report.package else 0, "table")]
    for name in ("statements", "sources"):
        if name in report.tables:
            counts.append(f"{len(report.tables[name].lines)} {name}")
    return ", ".join(counts)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _display_path(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


def _allow_any_text_on_stdout() -> None:
    # A cell's text can be quoted in a message; never crash on a terminal that cannot show it.
    try:
        sys.stdout.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
    except (AttributeError, ValueError, io.UnsupportedOperation):
        pass


def _print_line(line: str) -> None:
    print(line.encode("utf-8", "backslashreplace").decode("utf-8"))


def show(value: str, limit: int = 60) -> str:
    """A cell value safe to print: cut short, quoted, control and bidi characters escaped by repr."""
    return repr(value if len(value) <= limit else value[:limit] + "...")


# --- reading one file -------------------------------------------------------------------------------------


def read_table(data_dir: Path, resource: Resource) -> tuple[Table | None, list[Problem]]:
    """Read one CSV file; the table is None when the file cannot be read as a table (a problem says why)."""
    file = resource.path

    def file_problem(message: str, row: int = FILE_LEVEL) -> tuple[None, list[Problem]]:
        return None, [Problem(file, row, NO_COLUMN, message)]

    try:
        content = (data_dir / file).read_bytes()
    except FileNotFoundError:
        return file_problem("missing file")
    except OSError as error:
        return file_problem(f"cannot read the file ({error.strerror or type(error).__name__})")
    if not content:
        return file_problem("empty file (0 bytes)")
    if content.startswith(UTF16_BOMS):
        return file_problem("the file is UTF-16 encoded; save it as UTF-8")
    # utf-8-sig: a byte-order mark is accepted; bad bytes are kept as lone surrogates, reported per cell.
    text = content.decode("utf-8-sig", errors="surrogateescape")
    del content  # a large file would otherwise be held twice while it is parsed
    try:
        parsed = _parse(_records(text), resource)
    except csv.Error as error:
        row, message = error.args
        return file_problem(message, row)
    if parsed is None:
        return file_problem("no header row (the file is blank)")
    header, raw, lines, wrong_width = parsed
    problems = check_header(file, header, resource)
    if not len(lines) and not wrong_width:
        return None, problems + [Problem(file, FILE_LEVEL, NO_COLUMN, "no data rows (only a header)")]
    problems += [Problem(file, line, NO_COLUMN, f"row has {_count(count, 'cell')}, the header has {len(header)}")
                 for line, count in wrong_width]
    return Table(resource, raw, lines, complete=not wrong_width), problems


def _parse(records: Iterator[tuple[int, list[str]]], resource: Resource
           ) -> tuple[list[str], dict[str, pd.Series], np.ndarray, list[tuple[int, int]]] | None:
    """(header, the schema's columns as text, the line of each row, (line, cell count) of each row as wide
    as the header is not); None when there is no header. Rows go straight into columns, and a value that
    repeats (ids, enums, dates, the same text) is kept once: a large file never sits in memory as a list
    of rows."""
    first = next(records, None)
    if first is None:
        return None
    header = first[1]
    positions = {name: header.index(name) for name in resource.field_names if name in header}
    columns: dict[str, list[str]] = {name: [] for name in positions}
    seen: dict[str, dict[str, str]] = {name: {} for name in positions}
    lines, wrong_width = [], []
    for line, cells in records:
        if len(cells) != len(header):
            wrong_width.append((line, len(cells)))
            continue
        lines.append(line)
        for name, at in positions.items():
            cell = cells[at]
            columns[name].append(seen[name].setdefault(cell, cell))
    raw = {name: pd.Series(values, dtype=object) for name, values in columns.items()}
    return header, raw, np.array(lines, dtype=np.int64), wrong_width


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(first line, cells) of each CSV record; blank lines are skipped; csv.Error carries (line, message)."""
    csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
    reader = csv.reader(_lines(text), strict=True)
    last_line = 0
    while True:
        first_line = last_line + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise csv.Error(first_line, _explain_csv_error(str(error))) from None
        last_line = reader.line_num
        if cells:
            yield first_line, cells


def _lines(text: str) -> Iterator[str]:
    """The lines of `text` with their ends, split exactly as io.StringIO(text, newline="") splits them
    (at \\n, \\r\\n and \\r only), without the copy of the whole text that StringIO makes."""
    return (match.group() for match in LINE.finditer(text))


def _explain_csv_error(message: str) -> str:
    if "unexpected end of data" in message:
        return "malformed CSV: a quoted cell that starts in this row is never closed (unbalanced quote)"
    if "expected after" in message:
        return "malformed CSV: text follows a closing quote (a quote inside a quoted cell must be doubled)"
    return f"malformed CSV: {message}"


def check_header(file: str, header: list[str], resource: Resource) -> list[Problem]:
    """Missing, unexpected and repeated column names; the order of columns is free."""
    expected = resource.field_names
    problems = [
        Problem(file, HEADER_ROW, NO_COLUMN, f"missing column {show(name)}")
        for name in expected
        if name not in header
    ]
    seen: set[str] = set()
    for name in header:
        if name in seen:
            problems.append(Problem(file, HEADER_ROW, NO_COLUMN, f"column {show(name)} appears twice"))
        elif name not in expected:
            problems.append(Problem(file, HEADER_ROW, NO_COLUMN, f"unexpected column {show(name)}"))
        seen.add(name)
    return problems


# --- cells ------------------------------------------------------------------------------------------------

Verdict = tuple[Any, list[str]]  # (typed value, problems); typed value is None when the text is invalid


def check_cells(table: Table) -> list[Problem]:
    """Type, constraints and hostile text of every cell; fills table.typed as a side effect."""
    problems = []
    for field_spec in table.resource.fields:
        if field_spec.name not in table.raw:
            continue
        required = field_spec.required or field_spec.name in table.resource.primary_key
        typed, found = _check_column(table, field_spec, required)
        table.typed[field_spec.name] = typed
        problems += found
    return problems


def _check_column(table: Table, field_spec: Field, required: bool) -> tuple[np.ndarray, list[Problem]]:
    # A verdict depends only on the text, so each distinct value is checked once (ids, enums, dates repeat).
    codes, distinct = pd.factorize(table.raw[field_spec.name], use_na_sentinel=False)
    verdicts = [check_value(field_spec, required, value) for value in distinct]
    typed = np.empty(len(verdicts), dtype=object)
    typed[:] = [value for value, _ in verdicts]
    bad_codes = [code for code, (_, messages) in enumerate(verdicts) if messages]
    problems = [
        table.problem(index, field_spec.name, message)
        for index in np.flatnonzero(np.isin(codes, bad_codes))
        for message in verdicts[codes[index]][1]
    ]
    return typed[codes], problems


def check_value(field_spec: Field, required: bool, value: str) -> Verdict:
    """The typed value of one cell and what is wrong with it."""
    if value == "":
        return EMPTY_VALUE[field_spec.type], (["a value is required"] if required else [])
    if len(value) > MAX_CELL_CHARS:
        # One message only: the other checks would be slow on a huge cell and add nothing.
        return None, [f"cell is {len(value):,} characters long; no cell may exceed {MAX_CELL_CHARS:,}"]
    messages = []
    undecodable = UNDECODABLE_BYTE.search(value)
    if undecodable:
        byte = ord(undecodable.group()) - 0xDC00
        messages.append(f"not valid UTF-8: byte 0x{byte:02X} cannot be decoded")
    typed, type_problem = PARSERS[field_spec.type](value)
    if type_problem:
        return None, messages + [type_problem]
    messages += _constraint_problems(field_spec, value, typed)
    if field_spec.type == "string":
        if field_spec.format == "uri":
            messages += url_problems(value)
        messages += hostile_text_problems(value)
    return (typed if not messages else None), messages


EMPTY_VALUE: dict[str, Any] = {"string": "", "date": "", "number": math.nan, "integer": None, "boolean": None}


def _parse_string(value: str) -> tuple[str, str | None]:
    return value, None


def _parse_number(value: str) -> tuple[float | None, str | None]:
    if not NUMBER.fullmatch(value):
        if value.strip().lstrip("+-").lower() in NON_FINITE_WORDS:
            return None, f"{show(value)} is not a finite number (NaN and infinity are not allowed)"
        return None, f"{show(value)} is not a number"
    number = float(value)
    if not math.isfinite(number):
        return None, f"{show(value)} is not a finite number (too large)"
    return number, None


def _parse_integer(value: str) -> tuple[int | None, str | None]:
    if not INTEGER.fullmatch(value):
        return None, f"{show(value)} is not an integer"
    try:
        return int(value), None
    except ValueError:  # more digits than Python converts
        return None, f"{show(value)} is not an integer of a usable size"


def _parse_date(value: str) -> tuple[str | None, str | None]:
    if not ISO_DATE.fullmatch(value):
        return None, f"{show(value)} is not a date in YYYY-MM-DD form"
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return None, f"{show(value)} is not a real date"
    return value, None


def _parse_boolean(value: str) -> tuple[bool | None, str | None]:
    if value in ("true", "false"):
        return value == "true", None
    return None, f"{show(value)} is not a boolean (true or false)"


PARSERS: dict[str, Callable[[str], tuple[Any, str | None]]] = {
    "string": _parse_string,
    "number": _parse_number,
    "integer": _parse_integer,
    "date": _parse_date,
    "boolean": _parse_boolean,
}


def _constraint_problems(field_spec: Field, value: str, typed: Any) -> list[str]:
    messages = []
    if field_spec.enum is not None and value not in field_spec.enum:
        messages.append(f"{show(value)} is not one of the allowed values: {', '.join(field_spec.enum)}")
    if field_spec.pattern is not None and not field_spec.pattern.fullmatch(value):
        messages.append(f"{show(value)} does not match the pattern {field_spec.pattern.pattern}")
    if field_spec.max_length is not None and len(value) > field_spec.max_length:
        messages.append(f"text is {len(value)} characters long, more than maxLength {field_spec.max_length}")
    if field_spec.minimum is not None and typed < field_spec.minimum:
        messages.append(f"{value} is below the minimum {field_spec.minimum:g}")
    if field_spec.maximum is not None and typed > field_spec.maximum:
        messages.append(f"{value} is above the maximum {field_spec.maximum:g}")
    return messages


def url_problems(url: str) -> list[str]:
    """Only absolute http:// and https:// URLs with a host: never javascript:, data:, file: or relative."""
    if URL_FORBIDDEN_CHAR.search(url):
        return [f"URL {show(url)} contains whitespace, a quote, an angle bracket or a backslash"]
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError on a malformed port
    except ValueError:
        return [f"{show(url)} is not a valid URL"]
    if not parts.scheme:
        return [f"URL {show(url)} is relative; only absolute http:// or https:// URLs are allowed"]
    if parts.scheme.lower() not in URL_SCHEMES:
        return [f"URL scheme {show(parts.scheme + ':')} is not allowed; only http:// or https://"]
    if not parts.hostname:
        return [f"URL {show(url)} has no host"]
    return []


def hostile_text_problems(value: str) -> list[str]:
    """Text that could attack a terminal, a spreadsheet or a web page built from the data."""
    if not value.startswith(FORMULA_PREFIXES) and not SUSPECT_TEXT.search(value):
        return []  # the common case, decided by one regex search
    messages = []
    control = CONTROL_CHAR.search(value)
    if control:
        messages.append(f"control character U+{ord(control.group()):04X} is not allowed")
    bidi = BIDI_CHAR.search(value)
    if bidi:
        messages.append(f"bidirectional control character U+{ord(bidi.group()):04X} is not allowed")
    if value.startswith(FORMULA_PREFIXES):
        messages.append(f"text starts with {value[0]!r}: a spreadsheet would run it as a formula")
    tag = HTML_TAG.search(value)
    if tag:
        snippet = value[tag.start() : tag.start() + 20].split(">")[0]
        messages.append(f"HTML markup is not allowed ({show(snippet)})")
    return messages


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
    """The cross-table rules and analysis.dataset need these resources and fields in the schema."""
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


def _position_problems(statements: Table, issues: Table) -> list[Problem]:
    if not statements.has("issue_id", "kind", "position") or not issues.has("issue_id", "positional"):
        return []
    positional = dict(zip(issues.raw["issue_id"], issues.typed["positional"], strict=True))
    problems = []
    rows = zip(statements.raw["issue_id"], statements.raw["kind"], statements.raw["position"], strict=True)
    for index, (issue, kind, position) in enumerate(rows):
        is_positional = positional.get(issue)  # None: unknown issue or invalid flag, reported elsewhere
        if position and is_positional is False:
            message = f"a position is given, but issue {show(issue)} is not positional"
            problems.append(statements.problem(index, "position", message))
        if position and kind in NO_POSITION_KINDS:
            problems.append(statements.problem(index, "position", f"position must be empty for {kind}"))
        if not position and kind in POSITION_KINDS and is_positional is True:
            message = f"a position is required for {kind} on the positional issue {show(issue)}"
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


if __name__ == "__main__":
    sys.exit(main())

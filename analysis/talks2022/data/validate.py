"""Validate a data folder against the shipped schema and report every problem as `file:row:column: message`.

Rows are line numbers in the file (the header is row 1, the first data row row 2); row 0 and column "-"
mean the whole file. The schema is the one shipped with the package (talks2022.data.schema): the folder's
own datapackage.json is checked against it but never replaces it, so file names, columns, types,
constraints and patterns all come from the shipped schema. Only the files it names are read, each only if
it is a regular file (no symbolic link, FIFO, device or folder) of at most MAX_FILE_BYTES; any other file
in the folder is ignored and never opened. This module reads the files and runs the checks: per cell
(cell_rules: types and constraints from the Table Schema, URLs, hostile text) and per table (table_rules:
keys, foreign keys and the codebook's rules within and across tables).
"""

from __future__ import annotations

import csv
import io
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from talks2022.data.cell_rules import check_cells, show
from talks2022.data.schema import (
    FILE_LEVEL,
    MAX_FILE_BYTES,
    NO_COLUMN,
    SHIPPED_SCHEMA,
    FileProblem,
    Package,
    Problem,
    Resource,
    SchemaError,
    check_descriptor,
    read_in_folder,
    shipped_schema,
)
from talks2022.data.table_rules import check_keys, check_rule_schema, check_table_rules
from talks2022.paths import find_root

__all__ = ["Problem", "Report", "Table", "inspect_dir", "main", "validate_dir"]

HEADER_ROW = 1
# csv refuses cells over 128 KiB by default; read big cells so they get one clear "too long" message.
CSV_FIELD_LIMIT = 1 << 30


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
    """The outcome of inspecting a data folder: problems, plus what could be read (for talks2022.data.dataset)."""

    problems: list[Problem]
    package: Package | None = None
    tables: dict[str, Table] = field(default_factory=dict)


# --- entry points -----------------------------------------------------------------------------------------


def validate_dir(data_dir: Path) -> list[Problem]:
    """Every problem in the data folder, sorted by file, row and column; empty when the data is valid."""
    return sort_problems(inspect_dir(Path(data_dir)).problems)


def sort_problems(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda problem: (problem.file, problem.row, problem.column))


def inspect_dir(data_dir: Path, schema_path: Path = SHIPPED_SCHEMA) -> Report:
    """Read and check every table once; talks2022.data.dataset builds its frames from the same Report.

    schema_path is the trusted schema (the shipped one; tests may pass another)."""
    if not data_dir.is_dir():
        return Report([Problem(str(data_dir), FILE_LEVEL, NO_COLUMN, "data folder not found")])
    try:
        shipped = shipped_schema(Path(schema_path))
    except SchemaError as error:  # a defect of the project itself, reported the same way
        return Report([Problem(problem.file, problem.row, problem.column, f"the shipped schema: {problem.message}")
                       for problem in error.problems])
    package = shipped.package
    report = Report(check_rule_schema(package), package)
    report.problems += check_descriptor(data_dir, shipped)
    for resource in package.resources:
        table, problems = read_table(data_dir, resource)
        report.problems += problems
        if table is not None:
            report.problems += check_cells(table)
            report.tables[resource.name] = table
    for table in report.tables.values():
        report.problems += check_keys(table, report.tables)
    report.problems += check_table_rules(report.tables)
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
    if args:
        data_dir, shown = Path(args[0]), args[0]
    else:
        root = find_root()
        if root is None:
            print(f"{USAGE}\nerror: no talks2022 project at or above {Path.cwd()}", file=sys.stderr)
            return 2
        data_dir = root / "data"
        shown = _display_path(data_dir)
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


USAGE = "usage: validate [DATA_DIR]  (default: data/ of the project at or above the working directory)"


def _summary(report: Report) -> str:
    counts = [_count(len(report.tables), "table")]
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


# --- reading one file -------------------------------------------------------------------------------------


def read_table(data_dir: Path, resource: Resource) -> tuple[Table | None, list[Problem]]:
    """Read one CSV file; the table is None when the file cannot be read as a table (a problem says why)."""
    file = resource.path

    def file_problem(message: str, row: int = FILE_LEVEL) -> tuple[None, list[Problem]]:
        return None, [Problem(file, row, NO_COLUMN, message)]

    try:
        content = read_in_folder(data_dir, file, MAX_FILE_BYTES)
    except FileProblem as error:
        if error.missing and resource.optional:
            return None, []  # an optional table this folder does not have
        return file_problem(error.message)
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
    """Missing, unexpected and repeated column names, then the order: exactly the schema's
    ("fieldsMatch": "exact"), so that the file reads the same in any Table Schema tool."""
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
    if not problems and tuple(header) != expected:
        at = next(index for index, (name, wanted) in enumerate(zip(header, expected, strict=True)) if name != wanted)
        message = (f"column {at + 1} is {show(header[at])} where the schema has {show(expected[at])}: "
                   "the columns must be in the order of the schema")
        problems.append(Problem(file, HEADER_ROW, NO_COLUMN, message))
    return problems


if __name__ == "__main__":
    sys.exit(main())

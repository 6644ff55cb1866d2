"""Per-cell checks: type, Table Schema constraints, URLs and hostile text, one cell at a time."""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

from talks2022.data.schema import Field, Problem

if TYPE_CHECKING:
    from talks2022.data.validate import Table

MAX_CELL_CHARS = 10_000

CONTROL_CHAR = re.compile(r"[\x00-\x1f\x7f-\x9f]")
BIDI_CHAR = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Files are decoded with surrogateescape, so each byte that is not UTF-8 becomes one lone surrogate.
UNDECODABLE_BYTE = re.compile("[\udc80-\udcff]")
HTML_TAG = re.compile(r"<[A-Za-z/!?]")
SUSPECT_TEXT = re.compile("|".join(p.pattern for p in (CONTROL_CHAR, BIDI_CHAR, UNDECODABLE_BYTE, HTML_TAG)))
FORMULA_PREFIXES = ("=", "+", "-", "@")
# Numbers are written as plain decimals in ASCII digits: no exponent, sign '+', grouping, underscore, space,
# NaN or infinity (Python's float() would take all of those, and other scripts' digits too).
NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
NON_FINITE_WORDS = frozenset({"nan", "inf", "infinity"})
INTEGER = re.compile(r"-?[0-9]+")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
URL_FORBIDDEN_CHAR = re.compile(r"[\s\"'<>`\\]")
URL_SCHEMES = frozenset({"http", "https"})


def show(value: str, limit: int = 60) -> str:
    """A cell value safe to print: cut short, quoted, control and bidi characters escaped by repr."""
    return repr(value if len(value) <= limit else value[:limit] + "...")


# --- cells ------------------------------------------------------------------------------------------------

Verdict = tuple[Any, list[str]]  # (typed value, problems); typed value is None when the text is invalid


def check_cells(table: Table) -> list[Problem]:
    """Type, constraints and hostile text of every cell; fills table.typed as a side effect."""
    problems = []
    for field_spec in table.resource.fields:
        if field_spec.name not in table.raw:
            continue
        required = field_spec.required or field_spec.name in table.resource.primary_key
        typed, found = _check_column(table, field_spec, required, table.resource.missing_values)
        table.typed[field_spec.name] = typed
        problems += found
    return problems


def _check_column(table: Table, field_spec: Field, required: bool, missing_values: tuple[str, ...] = ("",)
                  ) -> tuple[np.ndarray, list[Problem]]:
    # A verdict depends only on the text, so each distinct value is checked once (ids, enums, dates repeat).
    codes, distinct = pd.factorize(table.raw[field_spec.name], use_na_sentinel=False)
    verdicts = [check_value(field_spec, required, value, missing_values) for value in distinct]
    typed = np.empty(len(verdicts), dtype=object)
    typed[:] = [value for value, _ in verdicts]
    bad_codes = [code for code, (_, messages) in enumerate(verdicts) if messages]
    problems = [
        table.problem(index, field_spec.name, message)
        for index in np.flatnonzero(np.isin(codes, bad_codes))
        for message in verdicts[codes[index]][1]
    ]
    return typed[codes], problems


def check_value(field_spec: Field, required: bool, value: str, missing_values: tuple[str, ...] = ("",)) -> Verdict:
    """The typed value of one cell and what is wrong with it; a value in missing_values is an empty cell."""
    if value == "" or value in missing_values:
        return EMPTY_VALUE[field_spec.type], (["a value is required"] if required else [])
    if len(value) > MAX_CELL_CHARS:
        # One message only: the other checks would be slow on a huge cell and add nothing.
        return None, [f"cell is {len(value):,} characters long; no cell may exceed {MAX_CELL_CHARS:,}"]
    messages = []
    undecodable = UNDECODABLE_BYTE.search(value)
    if undecodable:
        byte = ord(undecodable.group()) - 0xDC00
        messages.append(f"not valid UTF-8: byte 0x{byte:02X} cannot be decoded")
    if field_spec.type == "boolean":
        typed, type_problem = _parse_boolean(value, field_spec.true_values, field_spec.false_values)
    else:
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
        return None, f"{show(value)} is not a number written in plain decimals (such as 12.5 or -3)"
    number = float(value)
    if not math.isfinite(number):
        return None, f"{show(value)} is not a finite number (too large)"
    return number, None


def _parse_integer(value: str) -> tuple[int | None, str | None]:
    if not INTEGER.fullmatch(value):
        return None, f"{show(value)} is not an integer written in plain digits"
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


def _parse_boolean(value: str, true_values: tuple[str, ...] = ("true",), false_values: tuple[str, ...] = ("false",)
                   ) -> tuple[bool | None, str | None]:
    if value in true_values:
        return True, None
    if value in false_values:
        return False, None
    return None, f"{show(value)} is not a boolean ({' or '.join(true_values + false_values)})"


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
    if field_spec.min_length is not None and len(value) < field_spec.min_length:
        messages.append(f"text is {len(value)} characters long, less than minLength {field_spec.min_length}")
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

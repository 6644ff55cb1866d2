"""The shipped schema, the single source of truth for what a data folder may contain, and the check of a
folder's own datapackage.json against it.

The trusted schema is data/datapackage.json of the project, shipped with the package as
talks2022/data/datapackage.json (tests/test_validate.py keeps the two byte for byte identical). Every data
folder is checked against it: file names, columns, types, constraints and patterns come from it alone, so
no rule, path or regular expression written in a data folder is ever used. A folder's own datapackage.json
may describe its data (title, description, licences, ...), but where its resources, fields, types or
constraints differ from the shipped schema that is an error naming the JSON path.

The loader checks the shipped package itself too: a schema the validator cannot honour (an unknown type,
format, constraint, dialect or missing-value convention) is reported, never silently ignored.
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PACKAGE_FILE = "datapackage.json"
# The trusted schema, shipped inside the package (a copy of the project's data/datapackage.json).
SHIPPED_SCHEMA = Path(__file__).resolve().parent / PACKAGE_FILE
# Resources a data folder may leave out; every other resource of the shipped schema is required.
OPTIONAL_RESOURCES = frozenset({"second_coding"})
# Keys of a folder's datapackage.json that describe the data and may differ from the shipped schema.
DESCRIPTIVE_KEYS = frozenset({
    "title", "description", "contributors", "sources", "licenses", "version", "keywords", "homepage",
    "created", "image", "example",
})
MAX_DIFFERENCES = 12  # at most this many differences of a folder's descriptor are listed
# A problem with the whole file: row 0, column "-".
FILE_LEVEL = 0
NO_COLUMN = "-"
FIELD_TYPES = frozenset({"string", "number", "integer", "date", "boolean"})
NUMERIC_TYPES = frozenset({"number", "integer"})
# Constraints this validator implements, and the field types each one applies to.
CONSTRAINT_TYPES = {
    "required": FIELD_TYPES,
    "unique": FIELD_TYPES,
    "enum": frozenset({"string"}),
    "pattern": frozenset({"string"}),
    "maxLength": frozenset({"string"}),
    "minLength": frozenset({"string"}),
    "minimum": NUMERIC_TYPES,
    "maximum": NUMERIC_TYPES,
}
FORMATS = {"string": frozenset({"default", "uri"})}
SUPPORTED_ENCODINGS = frozenset({"utf-8", "utf8", "utf-8-sig"})
STANDARD_TRUE_VALUES = ("true", "True", "TRUE", "1")  # the Table Schema defaults
STANDARD_FALSE_VALUES = ("false", "False", "FALSE", "0")
# The CSV dialect the reader implements (the Table Schema defaults); a dialect may only restate it.
READER_DIALECT = {"delimiter": ",", "quoteChar": '"', "doubleQuote": True, "header": True,
                  "skipInitialSpace": False, "headerRow": 1, "commentChar": None}
PATH_SEGMENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


@dataclass(frozen=True)
class Problem:
    """One finding: `file:row:column: message`; row 0 and column "-" mean the whole file."""

    file: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.row}:{self.column}: {self.message}"


class SchemaError(Exception):
    """datapackage.json cannot be used; `problems` say why."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    format: str = "default"
    description: str = ""
    required: bool = False
    unique: bool = False
    enum: tuple[str, ...] | None = None
    pattern: re.Pattern[str] | None = None
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    min_length: int | None = None
    true_values: tuple[str, ...] = STANDARD_TRUE_VALUES
    false_values: tuple[str, ...] = STANDARD_FALSE_VALUES


@dataclass(frozen=True)
class ForeignKey:
    fields: tuple[str, ...]
    resource: str
    reference_fields: tuple[str, ...]


@dataclass(frozen=True)
class Resource:
    name: str
    path: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    missing_values: tuple[str, ...] = ("",)
    optional: bool = False  # the data folder may leave the file out (OPTIONAL_RESOURCES)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(field.name for field in self.fields)

    def field(self, name: str) -> Field | None:
        return next((field for field in self.fields if field.name == name), None)


@dataclass(frozen=True)
class Package:
    resources: tuple[Resource, ...]

    def resource(self, name: str) -> Resource | None:
        return next((resource for resource in self.resources if resource.name == name), None)


class _Invalid(Exception):
    """Raised while parsing one part of the package; collected into Problems."""


def load_package(path: Path) -> Package:
    """Read and check a trusted datapackage.json (the shipped schema); raise SchemaError with every problem."""
    try:
        raw_bytes = read_regular_file(path, MAX_DESCRIPTOR_BYTES)
    except FileProblem as error:
        raise SchemaError([_problem(error.message)]) from None
    try:
        document = parse_json(raw_bytes.removeprefix(UTF8_BOM))
    except ValueError as error:
        raise SchemaError([_problem(str(error))]) from None
    return parse_package(document)


@dataclass(frozen=True)
class Shipped:
    """The trusted schema: its parsed package and its JSON document (to compare folders' descriptors with)."""

    package: Package
    document: dict[str, Any]


@functools.lru_cache(maxsize=4)
def shipped_schema(path: Path = SHIPPED_SCHEMA) -> Shipped:
    """The schema shipped with the package; SchemaError (a bug of the project, not of the data) if unusable."""
    package = load_package(path)
    document = parse_json(read_regular_file(path, MAX_DESCRIPTOR_BYTES).removeprefix(UTF8_BOM))
    return Shipped(package, document)


# --- reading files of a data folder -----------------------------------------------------------------------

MAX_FILE_BYTES = 50 * 1024 * 1024  # any one file of a data folder
MAX_DESCRIPTOR_BYTES = 5 * 1024 * 1024  # datapackage.json
UTF8_BOM = b"\xef\xbb\xbf"
_READ_CHUNK = 1 << 20
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


class FileProblem(Exception):
    """A file of a data folder that is not read; `message` says why in one line, `missing` if it is absent."""

    def __init__(self, message: str, missing: bool = False):
        super().__init__(message)
        self.message = message
        self.missing = missing


def _not_regular(mode: int) -> str | None:
    """Why a file of this mode is not read, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        return "is a symbolic link; only regular files inside the data folder are read"
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    if stat.S_ISFIFO(mode):
        return "is a named pipe (FIFO), not a regular file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a regular file"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a regular file"
    return "is not a regular file"


def read_in_folder(data_dir: Path, relative: str, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of data_dir/relative, read only if it and every folder on the way are real (no symbolic
    link, FIFO or device) and it is at most `limit` bytes; FileProblem otherwise."""
    parts = relative.split("/")
    current = Path(data_dir)
    for part in parts[:-1]:
        current = current / part
        try:
            mode = os.lstat(current).st_mode
        except FileNotFoundError:
            raise FileProblem("missing file", missing=True) from None
        except OSError as error:
            raise FileProblem(f"cannot read the folder {part}/ ({error.strerror or type(error).__name__})") from None
        if stat.S_ISLNK(mode):
            raise FileProblem(f"the folder {part}/ is a symbolic link; only real folders are read")
        if not stat.S_ISDIR(mode):
            raise FileProblem(f"{part} is not a folder")
    return read_regular_file(current / parts[-1], limit)


def read_regular_file(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file (never a symbolic link, FIFO, device or folder), at most `limit` of them."""
    try:
        mode, size = (lambda found: (found.st_mode, found.st_size))(os.lstat(path))
    except FileNotFoundError:
        raise FileProblem("missing file", missing=True) from None
    except OSError as error:
        raise FileProblem(f"cannot read the file ({error.strerror or type(error).__name__})") from None
    why = _not_regular(mode)
    if why:
        raise FileProblem(why)
    if size > limit:
        raise FileProblem(_too_large(size, limit))
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except OSError as error:  # replaced by a link or a pipe since lstat, or no permission
        raise FileProblem(f"cannot read the file ({error.strerror or type(error).__name__})") from None
    try:
        why = _not_regular(os.fstat(descriptor).st_mode)
        if why:
            raise FileProblem(why)
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(descriptor, min(_READ_CHUNK, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as error:
        raise FileProblem(f"cannot read the file ({error.strerror or type(error).__name__})") from None
    finally:
        os.close(descriptor)
    if total > limit:
        raise FileProblem(_too_large(total, limit, at_least=True))
    return b"".join(chunks)


def _too_large(size: int, limit: int, at_least: bool = False) -> str:
    return f"the file is {'over ' if at_least else ''}{size:,} bytes; a data file may have at most {limit:,}"


# --- JSON -------------------------------------------------------------------------------------------------


def parse_json(raw: bytes) -> Any:
    """Strict JSON: UTF-8, no NaN or Infinity, no key twice in one object; ValueError says what is wrong."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"not valid UTF-8 (byte offset {error.start})") from None
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_object_without_duplicates)
    except _DuplicateKey as error:
        raise ValueError(f"not valid JSON: the key {_show(str(error))} appears twice in one object") from None
    except (ValueError, RecursionError) as error:
        raise ValueError(f"not valid JSON: {_short(str(error))}") from None


class _DuplicateKey(ValueError):
    pass


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise _DuplicateKey(key)
        document[key] = value
    return document


# --- a data folder's own datapackage.json -----------------------------------------------------------------

RULE_KEPT = "a data folder's descriptor may not change the rules"


def check_descriptor(data_dir: Path, shipped: Shipped) -> list[Problem]:
    """Problems of the folder's datapackage.json: unreadable, not strict JSON, or not the shipped rules."""
    try:
        raw = read_regular_file(Path(data_dir) / PACKAGE_FILE, MAX_DESCRIPTOR_BYTES)
    except FileProblem as error:
        return [_problem(error.message)]
    if raw.startswith(UTF8_BOM):
        return [_problem("the file starts with a UTF-8 byte-order mark, which JSON does not allow; "
                         "save it without one")]
    try:
        document = parse_json(raw)
    except ValueError as error:
        return [_problem(str(error))]
    return [_problem(message) for message in descriptor_differences(document, shipped.document)]


def descriptor_differences(document: Any, shipped: dict[str, Any]) -> list[str]:
    """Where a descriptor is not the shipped schema (descriptive keys aside), by JSON path; at most
    MAX_DIFFERENCES of them, then a count of the rest."""
    if not isinstance(document, dict):
        return ["the top level must be a JSON object"]
    messages = list(_descriptive_key_problems(document))
    messages += _differences(document, shipped, "")
    if len(messages) > MAX_DIFFERENCES:
        rest = len(messages) - MAX_DIFFERENCES
        messages = messages[:MAX_DIFFERENCES] + [f"... and {rest} more difference{'s' if rest > 1 else ''}"]
    return messages


def _descriptive_key_problems(document: dict[str, Any]) -> Iterator[str]:
    """Descriptive keys may say anything, but in the shape the Data Package standard gives them."""
    for key in ("title", "description", "version"):
        if key in document and not isinstance(document[key], str):
            yield f"{key}: must be a string"
    if "keywords" in document and not (
        isinstance(document["keywords"], list) and all(isinstance(word, str) for word in document["keywords"])
    ):
        yield "keywords: must be a list of strings"
    for key in ("licenses", "contributors", "sources"):
        if key not in document:
            continue
        value = document[key]
        if not isinstance(value, list):
            yield f"{key}: must be a list of objects"
        elif any(isinstance(item, str) for item in value):
            example = '{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/"}'
            hint = f" such as {example}" if key == "licenses" else ""
            yield f"{key}: a list of strings is not allowed; each entry must be an object{hint}"
        elif not all(isinstance(item, dict) for item in value):
            yield f"{key}: each entry must be an object"
        elif key == "licenses" and not all(isinstance(item.get("name", item.get("path")), str) for item in value):
            yield "licenses: each licence needs a name or a path"


def _differences(mine: Any, shipped: Any, path: str) -> list[str]:
    def differs(where: str, detail: str = "") -> str:
        return f"{where or 'the descriptor'}: differs from the shipped schema{detail}; {RULE_KEPT}"

    if isinstance(shipped, dict) and isinstance(mine, dict) and not path.endswith("constraints"):
        found = []
        for key in [*shipped, *(key for key in mine if key not in shipped)]:
            if key in DESCRIPTIVE_KEYS:
                continue
            where = _json_path(path, key)
            if key not in mine:
                found.append(differs(where, " (missing here)"))
            elif key not in shipped:
                found.append(differs(where, " (not in it)"))
            else:
                found += _differences(mine[key], shipped[key], where)
        return found
    if isinstance(shipped, list) and isinstance(mine, list) and path.endswith(("resources", "fields")):
        if len(mine) != len(shipped):
            noun = path.rsplit(".", 1)[-1]
            return [differs(path, f" ({len(mine)} {noun}, the shipped schema has {len(shipped)})")]
        return [message for index, (item, expected) in enumerate(zip(mine, shipped, strict=True))
                for message in _differences(item, expected, f"{path}[{index}]")]
    return [] if _same(mine, shipped) else [differs(path)]


def _same(mine: Any, shipped: Any) -> bool:
    """JSON equality that tells true from 1 (Python's == does not); key order does not matter."""
    if isinstance(mine, bool) or isinstance(shipped, bool):
        return type(mine) is type(shipped) and mine == shipped
    if isinstance(shipped, dict):
        return isinstance(mine, dict) and mine.keys() == shipped.keys() and all(
            _same(mine[key], shipped[key]) for key in shipped)
    if isinstance(shipped, list):
        return isinstance(mine, list) and len(mine) == len(shipped) and all(
            _same(a, b) for a, b in zip(mine, shipped, strict=True))
    if isinstance(shipped, int | float):
        return isinstance(mine, int | float) and mine == shipped
    return type(mine) is type(shipped) and mine == shipped


IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")


def _json_path(path: str, key: str) -> str:
    if IDENTIFIER.fullmatch(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{_show(key)}]"


def _show(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")


def parse_package(document: Any) -> Package:
    """Build a Package from parsed JSON; raise SchemaError listing every defect."""
    if not isinstance(document, dict):
        raise SchemaError([_problem("the top level must be a JSON object")])
    resources_json = document.get("resources")
    if not isinstance(resources_json, list) or not resources_json:
        raise SchemaError([_problem('"resources" is missing or is not a non-empty list')])
    problems: list[Problem] = []
    resources: list[Resource] = []
    broken: set[str] = set()  # resources already reported; keys that point to them add nothing
    for index, resource_json in enumerate(resources_json):
        try:
            resources.append(_parse_resource(resource_json, index))
        except _Invalid as error:
            problems.append(_problem(str(error)))
            if isinstance(resource_json, dict) and isinstance(resource_json.get("name"), str):
                broken.add(resource_json["name"])
    problems += [_problem(message) for message in _package_level_defects(resources, broken)]
    if problems:
        raise SchemaError(problems)
    return Package(tuple(resources))


def _parse_resource(resource_json: Any, index: int) -> Resource:
    where = f"resource #{index + 1}"
    if not isinstance(resource_json, dict):
        raise _Invalid(f"{where} is not a JSON object")
    name = _printable_text(resource_json, "name", where)
    where = f"resource {name!r}"
    path = _printable_text(resource_json, "path", where)
    # Only plain names inside the data folder (a sub-folder is allowed): never outside it, never hidden.
    if not all(PATH_SEGMENT.fullmatch(segment) for segment in path.split("/")):
        raise _Invalid(f"{where}: path {path!r} must be a plain file name in the data folder")
    _check_dialect(resource_json.get("dialect"), where)
    encoding = resource_json.get("encoding", "utf-8")
    if not isinstance(encoding, str) or encoding.lower() not in SUPPORTED_ENCODINGS:
        raise _Invalid(f"{where}: encoding {encoding!r} is not supported (only utf-8)")
    schema = resource_json.get("schema")
    if not isinstance(schema, dict):
        raise _Invalid(f'{where} has no "schema" object')
    fields_json = schema.get("fields")
    if not isinstance(fields_json, list) or not fields_json:
        raise _Invalid(f'{where}: "schema" has no "fields" list')
    fields = tuple(_parse_field(field_json, where, number) for number, field_json in enumerate(fields_json))
    names = [field.name for field in fields]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise _Invalid(f"{where}: field {duplicates[0]!r} is defined twice")
    primary_key = _name_list(schema.get("primaryKey", []), f"{where}: primaryKey")
    for key_field in primary_key:
        if key_field not in names:
            raise _Invalid(f"{where}: primaryKey names unknown field {key_field!r}")
    foreign_keys = _parse_foreign_keys(schema.get("foreignKeys", []), where, names)
    fields_match = schema.get("fieldsMatch", "exact")
    if fields_match != "exact":
        raise _Invalid(f"{where}: fieldsMatch {fields_match!r} is not supported (only \"exact\")")
    missing_values = schema.get("missingValues", [""])
    if not isinstance(missing_values, list) or not all(isinstance(value, str) for value in missing_values):
        raise _Invalid(f"{where}: missingValues must be a list of strings")
    return Resource(name, path, fields, primary_key, foreign_keys, tuple(missing_values),
                    optional=name in OPTIONAL_RESOURCES)


def _check_dialect(dialect: Any, where: str) -> None:
    """A dialect may only restate what the reader does (comma, double quote, one header row)."""
    if dialect is None:
        return
    if not isinstance(dialect, dict):
        raise _Invalid(f"{where}: dialect must be a JSON object")
    for key, value in dialect.items():
        if key not in READER_DIALECT and key not in {"lineTerminator", "$schema"}:
            raise _Invalid(f"{where}: dialect key {key!r} is not supported")
        if key in READER_DIALECT and value != READER_DIALECT[key]:
            raise _Invalid(f"{where}: dialect {key} {value!r} is not supported (only {READER_DIALECT[key]!r})")


def _printable_text(document: dict[str, Any], key: str, where: str) -> str:
    value = document.get(key)
    if not isinstance(value, str) or not value.isprintable() or not value:
        raise _Invalid(f'{where} has no "{key}" (a non-empty printable string)')
    return value


def _parse_field(field_json: Any, where: str, position: int) -> Field:
    if not isinstance(field_json, dict):
        raise _Invalid(f"{where}: field #{position + 1} is not a JSON object")
    # Names end up in every message printed, so they must be printable.
    name = _printable_text(field_json, "name", f"{where}: field #{position + 1}")
    where = f"{where}, field {name!r}"
    field_type = field_json.get("type")
    if field_type not in FIELD_TYPES:
        known = ", ".join(sorted(FIELD_TYPES))
        raise _Invalid(f"{where}: unknown type {field_type!r} (known: {known})")
    field_format = field_json.get("format", "default")
    if field_format not in FORMATS.get(field_type, frozenset({"default"})):
        raise _Invalid(f"{where}: format {field_format!r} is not supported for type {field_type}")
    true_values, false_values = _boolean_values(field_json, field_type, where)
    description = field_json.get("description", "")
    if not isinstance(description, str):
        raise _Invalid(f"{where}: description must be a string")
    constraints = field_json.get("constraints", {})
    if not isinstance(constraints, dict):
        raise _Invalid(f"{where}: constraints must be a JSON object")
    for constraint in constraints:
        if constraint not in CONSTRAINT_TYPES:
            raise _Invalid(f"{where}: constraint {constraint!r} is not supported by the validator")
        if field_type not in CONSTRAINT_TYPES[constraint]:
            raise _Invalid(f"{where}: constraint {constraint!r} does not apply to type {field_type}")
    return Field(
        name=name,
        type=field_type,
        format=field_format,
        description=description,
        required=_flag(constraints, "required", where),
        unique=_flag(constraints, "unique", where),
        enum=_enum(constraints, where),
        pattern=_pattern(constraints, where),
        minimum=_bound(constraints, "minimum", where),
        maximum=_bound(constraints, "maximum", where),
        max_length=_length(constraints, "maxLength", where),
        min_length=_length(constraints, "minLength", where),
        true_values=true_values,
        false_values=false_values,
    )


def _boolean_values(field_json: dict[str, Any], field_type: str, where: str) -> tuple[tuple[str, ...], ...]:
    lists = []
    for key, default in (("trueValues", STANDARD_TRUE_VALUES), ("falseValues", STANDARD_FALSE_VALUES)):
        if key not in field_json:
            lists.append(default)
            continue
        values = field_json[key]
        if field_type != "boolean":
            raise _Invalid(f"{where}: {key} applies only to boolean fields")
        if not isinstance(values, list) or not values or not all(isinstance(value, str) for value in values):
            raise _Invalid(f"{where}: {key} must be a non-empty list of strings")
        lists.append(tuple(values))
    if set(lists[0]) & set(lists[1]):
        raise _Invalid(f"{where}: trueValues and falseValues overlap")
    return lists[0], lists[1]


def _flag(constraints: dict[str, Any], key: str, where: str) -> bool:
    value = constraints.get(key, False)
    if not isinstance(value, bool):
        raise _Invalid(f"{where}: constraint {key!r} must be true or false")
    return value


def _enum(constraints: dict[str, Any], where: str) -> tuple[str, ...] | None:
    if "enum" not in constraints:
        return None
    values = constraints["enum"]
    if not isinstance(values, list) or not values or not all(isinstance(value, str) for value in values):
        raise _Invalid(f"{where}: enum must be a non-empty list of strings")
    return tuple(values)


def _pattern(constraints: dict[str, Any], where: str) -> re.Pattern[str] | None:
    if "pattern" not in constraints:
        return None
    pattern = constraints["pattern"]
    if not isinstance(pattern, str):
        raise _Invalid(f"{where}: pattern must be a string")
    try:
        return re.compile(pattern)
    except re.error as error:
        raise _Invalid(f"{where}: pattern {pattern!r} is not a valid regular expression ({error})") from None


def _bound(constraints: dict[str, Any], key: str, where: str) -> float | None:
    if key not in constraints:
        return None
    value = constraints[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _Invalid(f"{where}: {key} must be a finite number")
    return value


def _length(constraints: dict[str, Any], key: str, where: str) -> int | None:
    if key not in constraints:
        return None
    value = constraints[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _Invalid(f"{where}: {key} must be a non-negative integer")
    return value


def _name_list(value: Any, where: str) -> tuple[str, ...]:
    """Frictionless allows a single field name or a list of them."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise _Invalid(f"{where} must be a field name or a list of field names")


def _parse_foreign_keys(foreign_keys_json: Any, where: str, names: list[str]) -> tuple[ForeignKey, ...]:
    if not isinstance(foreign_keys_json, list):
        raise _Invalid(f"{where}: foreignKeys must be a list")
    foreign_keys = []
    for key_json in foreign_keys_json:
        reference = key_json.get("reference") if isinstance(key_json, dict) else None
        if not isinstance(reference, dict) or not isinstance(reference.get("resource"), str):
            raise _Invalid(f'{where}: a foreign key lacks "reference" with a "resource"')
        fields = _name_list(key_json.get("fields"), f"{where}: foreignKeys fields")
        reference_fields = _name_list(reference.get("fields"), f"{where}: foreignKeys reference fields")
        if len(fields) != len(reference_fields):
            raise _Invalid(f"{where}: foreign key {list(fields)} and its reference differ in length")
        for field_name in fields:
            if field_name not in names:
                raise _Invalid(f"{where}: foreign key names unknown field {field_name!r}")
        foreign_keys.append(ForeignKey(fields, reference["resource"], reference_fields))
    return tuple(foreign_keys)


def _package_level_defects(resources: list[Resource], broken: set[str]) -> list[str]:
    """Checks that need all resources: unique names and paths, foreign keys that resolve."""
    defects = []
    by_name = {resource.name: resource for resource in resources}
    if len(by_name) != len(resources):
        defects.append("two resources share a name")
    if len({resource.path for resource in resources}) != len(resources):
        defects.append("two resources share a path")
    for resource in resources:
        for key in resource.foreign_keys:
            target = by_name.get(key.resource)
            if key.resource in broken:
                continue
            if target is None:
                defects.append(
                    f"resource {resource.name!r}: foreign key refers to unknown resource {key.resource!r}"
                )
                continue
            for field_name in key.reference_fields:
                if field_name not in target.field_names:
                    defects.append(
                        f"resource {resource.name!r}: foreign key refers to unknown field "
                        f"{key.resource}.{field_name}"
                    )
    return defects


def _reject_constant(name: str) -> Any:
    # json accepts NaN and Infinity by default; a schema bound must be a real number.
    raise ValueError(f"{name} is not valid JSON")


def _problem(message: str) -> Problem:
    return Problem(PACKAGE_FILE, FILE_LEVEL, NO_COLUMN, message)


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "..."

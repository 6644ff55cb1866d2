"""Load data/datapackage.json, the single source of truth for what the CSV files may contain.

The loader checks the package itself before anything trusts it: a schema the validator cannot honour
(an unknown type, format or constraint) is reported, never silently ignored.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PACKAGE_FILE = "datapackage.json"
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
    "minimum": NUMERIC_TYPES,
    "maximum": NUMERIC_TYPES,
}
FORMATS = {"string": frozenset({"default", "uri"})}
SUPPORTED_ENCODINGS = frozenset({"utf-8", "utf8", "utf-8-sig"})


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
    """Read and check datapackage.json; raise SchemaError with every problem found."""
    try:
        raw_bytes = path.read_bytes()
    except FileNotFoundError:
        raise SchemaError([_problem("missing file")]) from None
    except OSError as error:
        raise SchemaError([_problem(f"cannot read the file ({error.strerror or error})")]) from None
    try:
        document = json.loads(raw_bytes.decode("utf-8-sig"), parse_constant=_reject_constant)
    except UnicodeDecodeError as error:
        raise SchemaError([_problem(f"not valid UTF-8 (byte offset {error.start})")]) from None
    except (ValueError, RecursionError) as error:
        raise SchemaError([_problem(f"not valid JSON: {_short(str(error))}")]) from None
    return parse_package(document)


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
    # Only bare file names: the package must not point outside its own folder.
    if "/" in path or "\\" in path or path in {".", ".."} or path.startswith("."):
        raise _Invalid(f"{where}: path {path!r} must be a plain file name in the data folder")
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
    return Resource(name, path, fields, primary_key, foreign_keys)


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
        max_length=_max_length(constraints, where),
    )


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


def _max_length(constraints: dict[str, Any], where: str) -> int | None:
    if "maxLength" not in constraints:
        return None
    value = constraints["maxLength"]
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _Invalid(f"{where}: maxLength must be a non-negative integer")
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

"""frictionless (the reference implementation of the Frictionless standards) as the test oracle of the validator.

frictionless reads each data folder with the SHIPPED schema (data/datapackage.json), never with the folder's
own descriptor: that is the trust boundary talks2022 keeps too. Then:

* the shipped data package and every good case of the corpus are valid for frictionless;
* every case the corpus marks `standard` (a Table Schema rule: types, constraints, keys, labels, cells per
  row, unreadable files) is rejected by frictionless AND by our validator, ours as file:row:column messages
  at the rows frictionless names;
* every other bad case breaks a rule only this project checks (the codebook, hostile text, strict number
  forms, the trust boundary of datapackage.json), and frictionless accepts it: the line between the two is
  held both ways.

The one extension of the standard: the resources of schema.OPTIONAL_RESOURCES (the second coding) may be
absent, so a folder without them is handed to frictionless without them.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from talks2022.data import validate
from talks2022.data.schema import OPTIONAL_RESOURCES
from tests.test_validate import BAD_INPUTS, DATA_DIR, corpus

frictionless = pytest.importorskip("frictionless")

SHIPPED = json.loads((DATA_DIR / "datapackage.json").read_text(encoding="utf-8"))
PROBLEM_LINE = re.compile(r"^[^:\n]+:[0-9]+:[^:\n]+: .+$")
# frictionless errors that name one row (and cell) of one file: ours must name the same file and row.
CELL_ERRORS = frozenset({"type-error", "constraint-error", "unique-error", "extra-cell", "missing-cell"})


def frictionless_report(folder: Path):
    descriptor = copy.deepcopy(SHIPPED)
    descriptor["resources"] = [
        resource for resource in descriptor["resources"]
        if resource["name"] not in OPTIONAL_RESOURCES or (folder / resource["path"]).exists()
    ]
    return frictionless.validate(descriptor, basepath=str(folder))


LABEL_ERRORS = frozenset({"incorrect-label", "missing-label", "extra-label", "duplicate-label", "blank-label"})


def frictionless_rows(report) -> set[tuple[str, int]]:
    """(file, row) of each cell-level error frictionless reports; for a file whose header is wrong, the
    header row only (frictionless then reads the cells by position, and every row seems wrong)."""
    paths = {resource["name"]: resource["path"] for resource in SHIPPED["resources"]}
    rows = set()
    for task in report.tasks:
        if any(error.type in LABEL_ERRORS for error in task.errors):
            rows.add((paths[task.name], 1))
            continue
        rows |= {(paths[task.name], error.row_number) for error in task.errors
                 if error.type in CELL_ERRORS and getattr(error, "row_number", None)}
    return rows


def test_the_shipped_data_package_is_valid_for_frictionless() -> None:
    report = frictionless.validate(str(DATA_DIR / "datapackage.json"))
    assert report.valid, report.flatten(["type", "rowNumber", "fieldName", "note"])[:10]
    assert {task.name for task in report.tasks} == {resource["name"] for resource in SHIPPED["resources"]}


def test_the_shipped_schema_declares_exact_field_order_and_strict_booleans() -> None:
    for resource in SHIPPED["resources"]:
        schema = frictionless.Schema.from_descriptor(resource["schema"])
        assert schema.fields_match == "exact" and resource["schema"]["fieldsMatch"] == "exact"
        assert schema.missing_values == [""]
        for field in schema.fields:
            if field.type == "boolean":
                assert (field.true_values, field.false_values) == (["true"], ["false"])


CASES = {case.name: case for case in corpus.CASES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_corpus_case_against_frictionless(name: str) -> None:
    case = CASES[name]
    folder = BAD_INPUTS / name / "data"
    report = frictionless_report(folder)
    errors = report.flatten(["type", "rowNumber", "fieldName", "note"])
    ours = validate.validate_dir(folder)
    if case.valid:
        assert report.valid, errors[:5]
        assert ours == []
        return
    assert ours, "our validator must reject every bad case"
    assert all(PROBLEM_LINE.match(str(problem)) for problem in ours), ours
    if not case.standard:
        assert report.valid, f"frictionless rejects {name}: mark it standard in build_corpus.py? {errors[:3]}"
        return
    assert not report.valid, f"frictionless accepts {name}, marked standard"
    found = {(problem.file, problem.row) for problem in ours}
    missing = frictionless_rows(report) - found
    assert not missing, f"frictionless names rows we do not: {sorted(missing)}; ours: {[str(p) for p in ours]}"


def test_the_corpus_has_both_kinds_of_case() -> None:
    standard = [case for case in corpus.CASES if case.standard]
    project = [case for case in corpus.CASES if not case.standard and not case.valid]
    assert len(standard) >= 30 and len(project) >= 40

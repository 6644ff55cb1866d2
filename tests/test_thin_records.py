"""Valid data whose record is thin: every chapter still runs and says in words what is missing.

A folder that validates must never make a chapter fail: every statement unconfirmed, no Western speaker
at all, or a cut-off date before the record begins each leave the book without a single coded position
on one side or both, and the chapters say so instead of stopping with an IndexError.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.pipeline_project import copy_project

pytestmark = pytest.mark.slow


def _rewrite(path: Path, keep, change=lambda row: row) -> None:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, [change(dict(row)) for row in reader if keep(row)]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _all_unconfirmed(data: Path) -> list[str]:
    def unconfirm(row):
        return {**row, "verification": "unconfirmed", "key_phrase": ""}
    _rewrite(data / "statements.csv", lambda row: True, unconfirm)
    (data / "reliability" / "second_coding.csv").unlink()  # it refers to positions no longer analysed
    return []


def _no_west(data: Path) -> list[str]:
    with (data / "actors.csv").open(newline="", encoding="utf-8") as handle:
        west = {row["actor_id"] for row in csv.DictReader(handle)
                if row["speaker_group"] in ("united_states", "nato_allies")}
    _rewrite(data / "statements.csv", lambda row: row["actor_id"] not in west)
    _rewrite(data / "actors.csv", lambda row: row["actor_id"] not in west)
    (data / "reliability" / "second_coding.csv").unlink()
    return []


def _before_the_record(data: Path) -> list[str]:
    return ["--as-of", "1900-01-01"]


@pytest.mark.parametrize("thin", [_all_unconfirmed, _no_west, _before_the_record],
                         ids=["every-statement-unconfirmed", "no-western-speaker", "as-of-1900"])
def test_a_thin_record_runs_every_chapter_and_says_what_is_missing(tmp_path: Path, thin) -> None:
    project = copy_project(tmp_path / "project")
    extra = thin(project.root / "data")
    project.run("validate", "data", check=True)
    result = project.run("run", "--jobs", "2", *extra)
    assert result.returncode == 0, result.stdout + result.stderr
    overview = json.loads((project.root / "book" / "generated" / "overview.ipynb").read_text(encoding="utf-8"))
    text = "".join("".join(output.get("data", {}).get("text/html", ""))
                   for cell in overview["cells"] for output in cell.get("outputs", []))
    assert "stated no coded position" in text or "fewer than" in text or "too few" in text

"""The published data package: the archive the site offers validates with frictionless after download."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from talks2022.book.archive import ARCHIVE_NAME, write_archive

frictionless = pytest.importorskip("frictionless")
ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "_build" / "html"


def _validate_unpacked(archive: Path, into: Path):
    with zipfile.ZipFile(archive) as bundle:
        bundle.extractall(into)
    return frictionless.validate(into / "datapackage.json")


def test_the_archive_of_the_shipped_data_is_a_valid_data_package(tmp_path):
    archive = write_archive(ROOT / "data" / "datapackage.json", ROOT / "data",
                            ROOT / "book" / "generated" / "tables", tmp_path / ARCHIVE_NAME)
    report = _validate_unpacked(archive, tmp_path / "unpacked")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    names = {task.name for task in report.tasks}
    assert {"statements", "sources", "findings", "proposal_placement"} <= names


def test_the_archive_is_deterministic(tmp_path):
    first = write_archive(ROOT / "data" / "datapackage.json", ROOT / "data",
                          ROOT / "book" / "generated" / "tables", tmp_path / "a.zip")
    second = write_archive(ROOT / "data" / "datapackage.json", ROOT / "data",
                           ROOT / "book" / "generated" / "tables", tmp_path / "b.zip")
    assert first.read_bytes() == second.read_bytes()


def test_the_archive_downloaded_from_the_built_site_validates(tmp_path):
    archives = sorted(SITE.glob(f"_downloads/*/{ARCHIVE_NAME}"))
    if not archives:
        if os.environ.get("T22_REQUIRE_SITE"):
            pytest.fail(f"the built site offers no {ARCHIVE_NAME}")
        pytest.skip("no built site (run `talks2022 build`)")
    assert len(archives) == 1
    downloads = (SITE / "book" / "downloads.html").read_text(encoding="utf-8")
    assert ARCHIVE_NAME in downloads
    report = _validate_unpacked(archives[0], tmp_path / "unpacked")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]


def test_bibtex_of_the_book_and_of_every_source_parses(tmp_path):
    from pybtex.database import parse_file

    from talks2022 import load
    from talks2022.book.archive import write_bibtex

    record = load(ROOT / "data")
    book, sources = write_bibtex(ROOT / "data" / "datapackage.json", record.sources, "9.9.9", tmp_path)
    assert parse_file(str(book)).entries["talks2022"].fields["version"] == "9.9.9"
    entries = parse_file(str(sources)).entries
    assert set(entries) == set(record.sources["source_id"])
    hostile = record.sources.head(1).assign(title="50% & {braces} #1 \\cmd_x", url="https://x.test/a{b}")
    (tmp_path / "h").mkdir()
    _, path = write_bibtex(ROOT / "data" / "datapackage.json", hostile, "1", tmp_path / "h")
    entry = parse_file(str(path)).entries[hostile["source_id"].iloc[0]]
    assert "50\\%" in entry.fields["title"] and "%7Bb%7D" in entry.fields["url"]

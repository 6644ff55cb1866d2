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

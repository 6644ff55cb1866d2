"""Where things live in the project tree: one place, so the pipeline, the tests and the notebooks agree."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
BOOK_DIR = ROOT / "book"
# Executed notebooks and derived tables: written only by `python -m analysis run`, swapped in whole.
GENERATED_DIR = BOOK_DIR / "generated"
TABLES_SUBDIR = "tables"
MANIFEST_NAME = "manifest.json"
TOC_FILE = ROOT / "_toc.yml"
BUILD_DIR = ROOT / "_build"
HTML_DIR = BUILD_DIR / "html"
FAILURES_DIR = BUILD_DIR / "failures"


def relative_to_folder(target: Path, folder: Path) -> str:
    """`target` as a POSIX path relative to `folder` (notebooks must not embed absolute paths)."""
    return Path(os.path.relpath(target.resolve(), folder.resolve())).as_posix()

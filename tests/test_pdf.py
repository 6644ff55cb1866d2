"""The PDF edition (`nox -s pdf`): one file with every chapter's title and every figure of the site.

Skipped when no PDF was made (nox -s test builds only the web pages); T22_REQUIRE_PDF=1 (set by nox -s pdf)
makes a missing PDF a failure.
"""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser

import pytest

from tests.pipeline_project import REPO

PDF = REPO.build_dir / "pdf" / "talks2022.pdf"
HTML_DIR = REPO.html_dir


def _squash(text: str) -> str:
    """Letters and digits only, lower case: PDF text extraction breaks lines, hyphenates and drops spaces."""
    ligatures = {"ﬁ": "fi", "ﬂ": "fl", "ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl"}
    for ligature, letters in ligatures.items():
        text = text.replace(ligature, letters)
    return re.sub(r"[^0-9a-z]", "", text.lower())


@pytest.fixture(scope="module")
def pdf_text() -> str:
    if not PDF.exists():
        if os.environ.get("T22_REQUIRE_PDF"):
            pytest.fail(f"no PDF at {PDF}: run `nox -s pdf`")
        pytest.skip("no PDF edition (made by `nox -s pdf`)")
    from pypdf import PdfReader

    reader = PdfReader(str(PDF))
    return _squash(" ".join(page.extract_text() or "" for page in reader.pages))


class _Titles(HTMLParser):
    """The page's h1 and every figure's title (div.t22-fig-title)."""

    def __init__(self) -> None:
        super().__init__()
        self.h1: list[str] = []
        self.figures: list[str] = []
        self._into: list | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "h1":
            self._into = self.h1
            self.h1.append("")
        elif "t22-fig-title" in classes:
            self._into = self.figures
            self.figures.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"h1", "div"}:
            self._into = None

    def handle_data(self, data: str) -> None:
        if self._into is not None:
            self._into[-1] += data


def _site_titles() -> tuple[list[str], list[str]]:
    chapters, figures = [], []
    for page in sorted(HTML_DIR.rglob("*.html")):
        if "_static" in page.parts or page.name in {"genindex.html", "search.html"}:
            continue
        parser = _Titles()
        parser.feed(page.read_text(encoding="utf-8"))
        chapters += [title.replace("#", "").strip() for title in parser.h1[:1]]
        figures += [title.strip() for title in parser.figures]
    return chapters, figures


def test_the_pdf_has_every_chapter_title(pdf_text: str) -> None:
    chapters, _ = _site_titles()
    assert len(chapters) >= 10
    missing = [title for title in chapters if _squash(title) not in pdf_text]
    assert not missing, f"chapters missing from the PDF: {missing}"


def test_the_pdf_has_every_figure_with_its_title(pdf_text: str) -> None:
    _, figures = _site_titles()
    assert len(figures) >= 10
    # The number and the first words of each title (a title may be long; its start is enough to find it).
    missing = [title for title in figures if _squash(title)[:60] not in pdf_text]
    assert not missing, f"figures missing from the PDF: {missing}"


def test_the_pdf_has_the_charts_themselves(pdf_text: str) -> None:
    from pypdf import PdfReader

    reader = PdfReader(str(PDF))
    # Charts are vector drawings: their axis titles are text in the PDF.
    assert _squash("position on each issue's own scale") in pdf_text
    assert len(reader.pages) > 20

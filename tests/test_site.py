"""Browser and static checks of the built site in _build/html (built by `nox -s test` before pytest).

Set T22_REQUIRE_SITE=1 (nox does) to make a missing site a failure instead of a skip.
"""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.pipeline_project import REPO, ROOT

HTML_DIR = REPO.html_dir

pytestmark = pytest.mark.browser

SITE_PAGES = sorted(path for path in HTML_DIR.rglob("*.html")
                    if "_static" not in path.parts and path.name not in {"genindex.html", "search.html"})


@pytest.fixture(scope="module")
def site() -> Path:
    if not (HTML_DIR / "index.html").exists():
        if os.environ.get("T22_REQUIRE_SITE"):
            pytest.fail("no built site in _build/html: run `talks2022 build` first")
        pytest.skip("no built site in _build/html (run `talks2022 build`)")
    return HTML_DIR


class _References(HTMLParser):
    """Collects the addresses a page loads by itself: scripts, stylesheets, images, fonts, frames."""

    def __init__(self) -> None:
        super().__init__()
        self.loaded: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in {"script", "img", "iframe", "source", "audio", "video"} and values.get("src"):
            self.loaded.append(values["src"])
        if tag == "link" and values.get("href") and (values.get("rel") or "") not in {"canonical"}:
            if any(kind in (values.get("rel") or "") for kind in ("stylesheet", "preload", "icon", "prefetch")):
                self.loaded.append(values["href"])


def test_every_page_loads_only_local_files(site: Path) -> None:
    outside = []
    for page in SITE_PAGES:
        parser = _References()
        parser.feed(page.read_text(encoding="utf-8"))
        outside += [f"{page.relative_to(site)}: {ref}" for ref in parser.loaded
                    if re.match(r"^(https?:)?//", ref)]
    assert not outside, "pages load files from outside the site:\n" + "\n".join(outside)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def test_internal_links_resolve(site: Path) -> None:
    broken = []
    for page in SITE_PAGES:
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for href in parser.hrefs:
            if re.match(r"^[a-z][a-z0-9+.-]*:", href) or href.startswith(("#", "//")):
                continue  # outside links and in-page anchors
            target = (page.parent / href.split("#")[0].split("?")[0]).resolve()
            if href.split("#")[0] and not target.exists():
                broken.append(f"{page.relative_to(site)} -> {href}")
    assert not broken, "broken internal links:\n" + "\n".join(broken)


def test_stylesheets_import_no_outside_fonts(site: Path) -> None:
    offenders = [str(css.relative_to(site)) for css in (site / "_static").rglob("*.css")
                 if re.search(r"url\(\s*['\"]?(https?:)?//", css.read_text(encoding="utf-8", errors="replace"))
                 or "@import url(http" in css.read_text(encoding="utf-8", errors="replace")]
    assert not offenders, f"stylesheets that fetch from outside: {offenders}"


def test_every_chapter_is_in_the_site(site: Path) -> None:
    generated = sorted(p.relative_to(ROOT / "book") for p in (ROOT / "book" / "generated").rglob("*.ipynb"))
    for notebook in generated:
        assert (site / "book" / notebook.with_suffix(".html")).exists(), f"{notebook} is not in the site"


def test_pages_render_charts_without_errors_or_outside_requests(site: Path) -> None:
    from tests.browser import browser, serve, visit

    failures = []
    total_charts = 0
    with serve(site) as base, browser() as instance:
        for page in SITE_PAGES:
            url = base + page.relative_to(site).as_posix()
            report = visit(instance, url, base)
            total_charts += report.charts_rendered
            if report.console_errors:
                failures.append(f"{url}: console errors {report.console_errors}")
            if report.outside_requests:
                failures.append(f"{url}: requests outside 127.0.0.1 {report.outside_requests}")
            if report.charts_rendered != report.charts_expected:
                failures.append(f"{url}: {report.charts_rendered} of {report.charts_expected} charts rendered")
    assert not failures, "\n".join(failures)
    assert total_charts >= 10, f"only {total_charts} charts rendered in the whole site"

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


# The PDF edition is made by `nox -s pdf` after the site is built; the Downloads page links it either way.
PDF_EDITION = "talks2022.pdf"


def test_internal_links_resolve(site: Path) -> None:
    broken = []
    for page in SITE_PAGES:
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for href in parser.hrefs:
            if re.match(r"^[a-z][a-z0-9+.-]*:", href) or href.startswith(("#", "//")):
                continue  # outside links and in-page anchors
            target = (page.parent / href.split("#")[0].split("?")[0]).resolve()
            if target.name == PDF_EDITION and target.parent == site.resolve():
                continue  # checked by tests/test_pdf.py when `nox -s pdf` made it
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


@pytest.mark.parametrize("width", [390, 1280], ids=["phone-390", "desktop-1280"])
def test_every_page_renders_its_charts_whole_and_never_scrolls_sideways(site: Path, width: int) -> None:
    """At phone and desktop width, on every page: every figure has its chart drawn (an svg inside), no chart
    label is shortened with '…', the page is no wider than the window, nothing fails, nothing leaves 127.0.0.1."""
    from tests.browser import browser, serve, visit

    failures = []
    total_charts = 0
    with serve(site) as base, browser() as instance:
        for page in SITE_PAGES:
            url = base + page.relative_to(site).as_posix()
            report = visit(instance, url, base, viewport={"width": width, "height": 900})
            total_charts += report.charts_rendered
            if report.console_errors:
                failures.append(f"{url}: console errors {report.console_errors}")
            if report.outside_requests:
                failures.append(f"{url}: requests outside 127.0.0.1 {report.outside_requests}")
            if report.charts_rendered != report.charts_expected or report.empty_figures:
                failures.append(f"{url}: {report.charts_rendered} of {report.charts_expected} charts rendered; "
                                f"empty: {report.empty_figures}")
            if report.cut_labels:
                failures.append(f"{url}: chart labels cut short: {report.cut_labels[:5]}")
            if report.scroll_width > report.inner_width:
                failures.append(f"{url}: the page scrolls sideways ({report.scroll_width} px in a "
                                f"{report.inner_width} px window)")
    assert not failures, "\n".join(failures)
    assert total_charts >= 10, f"only {total_charts} charts rendered in the whole site"


# --- the reader's book: figures, statements, glossary, credit -------------------------------------------------

class _Elements(HTMLParser):
    """Start tags with their attributes, and the page's text outside scripts, styles and code."""

    SKIP = {"script", "style", "pre", "code"}

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in self.SKIP:
            self._skipping += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self._skipping:
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.text.append(data)


def _parse(page: Path) -> _Elements:
    parser = _Elements()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def _version() -> str:
    from talks2022 import __version__

    return __version__


def test_every_figure_is_numbered_titled_sourced_downloadable_and_citable(site: Path) -> None:
    problems, seen = [], {}
    for page in SITE_PAGES:
        html_text = page.read_text(encoding="utf-8")
        figures = re.findall(r'<figure class="t22-chart" id="(fig-[a-z0-9-]+)".*?</figure>', html_text, re.S)
        blocks = re.findall(r'(<figure class="t22-chart" id="fig-[a-z0-9-]+".*?</figure>)', html_text, re.S)
        for number, (fig_id, block) in enumerate(zip(figures, blocks, strict=True), start=1):
            where = f"{page.relative_to(site)}#{fig_id}"
            if fig_id in seen:
                problems.append(f"{where}: id also used on {seen[fig_id]}")
            seen[fig_id] = where
            if f">Figure {number}.</a>" not in block:
                problems.append(f"{where}: not numbered Figure {number}")
            if "Data: talks2022 " not in block or f"Chart: talks2022 v{_version()}" not in block:
                problems.append(f"{where}: no source line with the version")
            if "Cite this figure:" not in block or f"version {_version()}" not in block:
                problems.append(f"{where}: no citation with the version")
            for extension in ("csv", "svg"):
                link = re.search(rf'href="([^"]+\.{extension})" download', block)
                target = (page.parent / link.group(1)).resolve() if link else None
                if target is None or not target.exists() or target.stat().st_size < 50:
                    problems.append(f"{where}: no {extension.upper()} download")
                elif extension == "svg" and "<svg" not in target.read_text(encoding="utf-8")[:500]:
                    problems.append(f"{where}: the SVG download is not an SVG")
                elif extension == "csv" and not target.read_text(encoding="utf-8").strip().count("\n"):
                    problems.append(f"{where}: the CSV download has no rows")
    assert len(seen) >= 10, f"only {len(seen)} figures in the site"
    assert not problems, "\n".join(problems)


def test_every_statement_link_reaches_its_row_on_the_explorer(site: Path) -> None:
    explorer = site / "book" / "generated" / "explorer.html"
    anchors = {attrs.get("id") for tag, attrs in _parse(explorer).tags if tag == "tr"}
    statements = (ROOT / "data" / "statements.csv").read_text(encoding="utf-8").splitlines()[1:]
    ids = {line.split(",", 1)[0] for line in statements if line}
    assert ids <= anchors, f"statements without a row on the explorer: {sorted(ids - anchors)[:10]}"
    broken, links = [], 0
    for page in SITE_PAGES:
        for tag, attrs in _parse(page).tags:
            href = attrs.get("href") or ""
            if tag == "a" and "explorer.html#" in href:
                links += 1
                path, anchor = href.split("#", 1)
                target = (page.parent / path).resolve()
                if target != explorer.resolve() or anchor not in anchors:
                    broken.append(f"{page.relative_to(site)} -> {href}")
    assert links >= 400, f"only {links} links to statements"
    assert not broken, "statement links that miss:\n" + "\n".join(broken[:20])


def test_glossary_terms_link_to_their_definitions(site: Path) -> None:
    from talks2022.book.pages import GLOSSARY

    glossary = site / "book" / "glossary.html"
    ids = {attrs.get("id") for _tag, attrs in _parse(glossary).tags}
    assert {anchor for _term, anchor in GLOSSARY.values()} <= ids
    term_links = 0
    for page in SITE_PAGES:
        for tag, attrs in _parse(page).tags:
            if tag == "a" and "t22-term" in (attrs.get("class") or ""):
                term_links += 1
                path, anchor = attrs["href"].split("#", 1)
                assert (page.parent / path).resolve() == glossary.resolve() and anchor in ids, attrs["href"]
    assert term_links >= 8


def test_every_page_shows_its_licences_version_data_date_and_citation(site: Path) -> None:
    version = _version()
    for page in SITE_PAGES:
        if 'http-equiv="Refresh"' in page.read_text(encoding="utf-8")[:300]:
            continue  # the site's root only redirects to the first chapter
        text = " ".join(_parse(page).text)
        assert "MIT licence" in text and "CC BY 4.0" in text, page
        assert f"talks2022 version {version}" in text and "record up to" in text, page
        assert "Cite this page:" in text and f"version {version}" in text, page


def test_every_chapter_offers_its_executed_notebook(site: Path) -> None:
    for notebook in sorted((ROOT / "book" / "generated").rglob("*.ipynb")):
        page = site / "book" / notebook.relative_to(ROOT / "book").with_suffix(".html")
        links = [attrs["href"] for tag, attrs in _parse(page).tags if tag == "a" and
                 (attrs.get("href") or "").endswith(".ipynb") and "download" in attrs]
        assert links == [notebook.name], f"{page}: {links}"
        assert (page.parent / notebook.name).read_bytes() == notebook.read_bytes()
        assert "tag_hide-input" in page.read_text(encoding="utf-8"), f"{page}: no code to unfold"


def test_table_cells_carry_their_column_name_for_the_phone_cards(site: Path) -> None:
    unlabelled = []
    for page in SITE_PAGES:
        html_text = page.read_text(encoding="utf-8")
        for table in re.findall(r'<table class="t22-table.*?</table>', html_text, re.S):
            unlabelled += [page.name for cell in re.findall(r"<td[^>]*>", table) if "data-label=" not in cell]
    assert not unlabelled, f"cells without data-label on {sorted(set(unlabelled))}"


def test_text_shows_no_raw_ids_or_nested_brackets(site: Path) -> None:
    rows = (ROOT / "data" / "issues.csv").read_text(encoding="utf-8").splitlines()[1:]
    issue_ids = [row.split(",", 1)[0] for row in rows if "_" in row.split(",", 1)[0]]
    generated = [page for page in SITE_PAGES if "generated" in page.parts and page.name != "data.html"]
    problems = []
    for page in generated:
        text = " ".join(_parse(page).text).split("Cite this page:")[0]  # the citation names the page's file
        problems += [f"{page.name}: {issue_id}" for issue_id in issue_ids if issue_id in text]
        problems += [f"{page.name}: {match}" for match in re.findall(r"\([^()]*\([^()]*\)\)", text)]
    assert not problems, "\n".join(problems[:20])


def test_the_explorer_filters_and_searches_and_opens_a_statement(site: Path) -> None:
    from tests.browser import browser, serve

    with serve(site) as base, browser() as instance:
        context = instance.new_context(viewport={"width": 390, "height": 900})
        page = context.new_page()
        page.goto(base + "book/generated/explorer.html", wait_until="load")
        total = page.locator("#t22-explorer tbody tr").count()
        assert page.locator("#t22-explorer-form").is_visible()
        page.fill("input[data-filter=text]", "moratorium")
        searched = page.locator("#t22-explorer tbody tr:not([hidden])").count()
        assert 0 < searched < total
        texts = page.locator("#t22-explorer tbody tr:not([hidden])").evaluate_all(
            "rows => rows.map(r => r.getAttribute('data-text'))")
        assert all("moratorium" in text for text in texts)
        page.click("button[type=reset]")
        page.select_option("select[data-filter=issue]", label="NATO enlargement")
        issue_rows = page.locator("#t22-explorer tbody tr:not([hidden])").count()
        assert 0 < issue_rows < total
        # On a phone a row is a card: cells stacked, each under its column's name.
        display = page.evaluate("getComputedStyle(document.querySelector('#t22-explorer td')).display")
        label = page.evaluate("getComputedStyle(document.querySelector('#t22-explorer td'), '::before').content")
        assert display == "block" and "statement" in label
        page.goto(base + "book/generated/explorer.html?ids=S01-1,S02-2", wait_until="load")
        assert page.locator("#t22-explorer tbody tr:not([hidden])").count() == 2
        page.goto(base + "book/generated/explorer.html#S02-2", wait_until="load")
        assert page.locator("tr[id='S02-2']").is_visible()
        context.close()
        # Without JavaScript the page is the plain table of every statement.
        context = instance.new_context(java_script_enabled=False)
        page = context.new_page()
        page.goto(base + "book/generated/explorer.html", wait_until="load")
        assert page.locator("#t22-explorer tbody tr:visible").count() == total
        assert not page.locator("#t22-explorer-form").is_visible()
        context.close()


def test_the_introductions_first_desktop_screen_holds_the_key_findings(site: Path) -> None:
    from tests.browser import browser, serve

    with serve(site) as base, browser() as instance:
        page = instance.new_context(viewport={"width": 1280, "height": 800}).new_page()
        page.goto(base + "book/generated/introduction.html", wait_until="load")
        block = page.locator(".t22-key-findings").first
        box = block.bounding_box()
        assert box is not None and block.locator("li").count() >= 3
        assert box["y"] >= 0 and box["y"] + box["height"] <= 800, box

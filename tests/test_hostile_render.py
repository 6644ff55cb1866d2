"""Hostile strings that reach a page (a bypassed validator, a future field) stay inert text in a browser.

The validator rejects markup in the data; this checks the second line of defence, the escaping in
talks2022.book.pages and talks2022.book.render, in headless chromium.
"""

from __future__ import annotations

import shutil

import altair as alt
import pandas as pd
import pytest

from talks2022.book import pages, render
from tests.pipeline_project import REPO

BOOK_DIR = REPO.book_dir

pytestmark = pytest.mark.browser

HOSTILE = [
    "<script>window.__pwned = 1</script>",
    "</script><script>window.__pwned = 2</script>",
    "<img src=x onerror=\"window.__pwned = 3\">",
    "Tom & Jerry's \"quote\" <b>bold</b> a < b > c",
]


def _page_html() -> str:
    frame = pd.DataFrame({"x": range(len(HOSTILE)), "text": HOSTILE})
    chart = alt.Chart(frame).mark_point().encode(x="x:Q", y="x:Q", tooltip=["text:N"]).properties(
        description=HOSTILE[0])
    rows = [[pages.esc(text), pages.link(text, "javascript:window.__pwned=4"),
             pages.link(text, "https://example.org/\"onmouseover=\"window.__pwned=5")] for text in HOSTILE]
    page = pages.Page(record=None, tables={}, issue=None, tables_dir="tables")
    figure = render.figure(page, chart.properties(usermeta={render.META_KEY: {"note": HOSTILE[2]}}), "hostile",
                           title=HOSTILE[1], chapter=HOSTILE[2], statements=HOSTILE[:2])
    return ("<!doctype html><html><head><meta charset='utf-8'><script src='vega-bundle.js'></script></head><body>"
            + pages.table(rows, ["text", "javascript link", "quoted link"], caption=HOSTILE[1])
            + render.chart_html(chart.to_dict()) + figure.html + "</body></html>")


def test_hostile_text_is_inert_in_tables_links_and_charts(tmp_path) -> None:
    from tests.browser import browser, serve, visit

    shutil.copyfile(BOOK_DIR / "_static" / "vega-bundle.js", tmp_path / "vega-bundle.js")
    (tmp_path / "index.html").write_text(_page_html(), encoding="utf-8")
    with serve(tmp_path) as base, browser() as instance:
        report = visit(instance, base + "index.html", base)
        context = instance.new_context()
        page = context.new_page()
        page.goto(base + "index.html")
        page.wait_for_selector("svg.marks", timeout=15000)
        pwned = page.evaluate("window.__pwned === undefined ? null : window.__pwned")
        text = page.inner_text("table")
        javascript_links = page.locator("a[href^='javascript']").count()
        handler_attributes = page.evaluate(
            "Array.from(document.querySelectorAll('*')).filter(e => Array.from(e.attributes)"
            ".some(a => a.name.startsWith('on'))).length")
        # Hover the first mark so vega-tooltip renders a hostile string.
        page.hover("svg.marks path, svg.marks .mark-symbol path", timeout=5000)
        page.wait_for_timeout(300)
        tooltip_scripts = page.locator("#vg-tooltip-element script, #vg-tooltip-element img").count()
        pwned_after_hover = page.evaluate("window.__pwned === undefined ? null : window.__pwned")
        context.close()
    assert pwned is None and pwned_after_hover is None
    assert "<script>window.__pwned = 1</script>" in text  # shown as text
    assert javascript_links == 0 and handler_attributes == 0 and tooltip_scripts == 0
    assert report.charts_rendered == 2 and not report.console_errors and not report.outside_requests


def test_a_page_title_from_the_data_is_inert_in_itself(tmp_path) -> None:
    # The print heading and the search index take the title as it is; it must carry no markup of its own.
    import nbformat

    from talks2022.pipeline.execute import fill_title

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# {{title}}")])
    path = tmp_path / "chapter.ipynb"
    nbformat.write(notebook, path)
    fill_title(path, 'Bad <img src=x onerror="alert(1)"> & <script>x</script>')
    heading = nbformat.read(path, as_version=4).cells[0].source
    assert "<" not in heading and ">" not in heading
    assert "img src" in heading.replace("\\", "")

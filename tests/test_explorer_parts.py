"""The statement explorer in parts: a thousand statements to a page, every statement on exactly one page, and
every link to a statement pointing at the page that holds it, whatever the size of the record."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench import synthetic
from talks2022.book import explorer, toc
from talks2022.book.pages import EXPLORER_ROWS, Page, ParameterError, explorer_part_page, explorer_parts
from talks2022.data.dataset import load
from talks2022.paths import Project
from talks2022.pipeline.jobs import plan
from tests.pipeline_project import ROOT

ROW_ID = re.compile(r'<tr id="([^"]+)"')
PAGE_LIMIT_BYTES = 2_000_000  # the benchmark's target for the largest page


def test_the_plan_has_one_explorer_page_per_thousand_statements() -> None:
    issues = load(ROOT / "data").issues
    assert [job.name for job in plan(issues, statements=EXPLORER_ROWS) if "explorer" in job.name] == ["explorer"]
    jobs = plan(issues, statements=2 * EXPLORER_ROWS + 1)
    parts = [job for job in jobs if job.template == "explorer.ipynb"]
    assert [(job.name, job.output, job.extra_parameters) for job in parts] == [
        ("explorer", "explorer.ipynb", {}),
        ("explorer-2", "explorer_2.ipynb", {"part": "2"}),
        ("explorer-3", "explorer_3.ipynb", {"part": "3"})]
    reference = toc.structure(jobs, Project(ROOT))["parts"][-1]["chapters"]
    assert [entry["file"] for entry in reference[:3]] == [
        "book/generated/explorer", "book/generated/explorer_2", "book/generated/explorer_3"]


@pytest.fixture(scope="module")
def scaled_page(tmp_path_factory: pytest.TempPathFactory) -> Page:
    data = synthetic.generate(ROOT / "data", tmp_path_factory.mktemp("scaled") / "data", 5)
    return Page(record=load(data), tables={}, issue=None, tables_dir="tables")


def test_every_statement_is_on_one_page_and_its_links_point_there(scaled_page: Page) -> None:
    ids = list(scaled_page.record.statements["statement_id"])
    parts = explorer_parts(len(ids))
    assert parts == 3  # 5 x 479 statements
    seen: dict[str, int] = {}
    for part in range(1, parts + 1):
        text = explorer.explorer_html(scaled_page, part)
        assert len(text.encode("utf-8")) < PAGE_LIMIT_BYTES
        rows = ROW_ID.findall(text)
        assert len(rows) == (EXPLORER_ROWS if part < parts else len(ids) - (parts - 1) * EXPLORER_ROWS)
        for statement_id in rows:
            assert statement_id not in seen
            seen[statement_id] = part
        others = [explorer_part_page(index) for index in range(1, parts + 1) if index != part]
        assert all(f'href="{page}"' in text for page in others)  # the other parts are one click away
    assert sorted(seen) == sorted(ids)
    for statement_id, part in seen.items():
        assert scaled_page.explorer_href(statement_id) == f"{explorer_part_page(part)}#{statement_id}"
    with pytest.raises(ParameterError, match="part must be from 1 to 3"):
        explorer.explorer_html(scaled_page, 4)


def test_the_shipped_record_has_one_explorer_page_without_part_links() -> None:
    page = Page(record=load(ROOT / "data"), tables={}, issue=None, tables_dir="tables")
    text = explorer.explorer_html(page)
    assert "t22-explorer-parts" not in text
    assert len(ROW_ID.findall(text)) == len(page.record.statements) < EXPLORER_ROWS
    assert page.explorer_href("S19-1") == "explorer.html#S19-1"


def test_the_explorer_order_is_the_order_of_its_rows(scaled_page: Page) -> None:
    rows = [statement_id for part in (1, 2, 3)
            for statement_id in ROW_ID.findall(explorer.explorer_html(scaled_page, part))]
    assert rows == explorer.statement_order(scaled_page.record)


def test_every_part_reads_as_a_page_of_the_book(tmp_path: Path) -> None:
    # The caption says which statements the page holds.
    data = synthetic.generate(ROOT / "data", tmp_path / "data", 3)
    page = Page(record=load(data), tables={}, issue=None, tables_dir="tables")
    second = explorer.explorer_html(page, 2)
    assert f"Statements {EXPLORER_ROWS + 1} to {len(page.record.statements)} of the record's " \
           f"{len(page.record.statements)}, in the order of the rounds and stages" in second

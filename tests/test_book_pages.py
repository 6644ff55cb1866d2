"""The hand-written pages stay in step with the single sources of truth they describe."""

from __future__ import annotations

import json

from talks2022.methods.derived import SCHEMA_PATH
from talks2022.paths import TEMPLATES_DIR
from talks2022.pipeline.jobs import WHOLE_RECORD_PAGES
from tests.pipeline_project import REPO, ROOT

BOOK_DIR, DATA_DIR = REPO.book_dir, REPO.data_dir


def test_downloads_page_offers_every_table() -> None:
    page = (BOOK_DIR / "downloads.md").read_text(encoding="utf-8")
    package = json.loads((DATA_DIR / "datapackage.json").read_text(encoding="utf-8"))
    derived = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    for resource in package["resources"]:
        assert f"<../data/{resource['path']}>" in page, f"downloads.md lacks data/{resource['path']}"
    for resource in derived["resources"]:
        assert f"<generated/tables/{resource['path']}>" in page, f"downloads.md lacks {resource['path']}"


def test_toc_lists_every_prose_page_and_generated_chapter() -> None:
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    for page in sorted(BOOK_DIR.glob("*.md")):
        assert f"file: book/{page.stem}" in toc, f"{page.name} is not in _toc.yml"
    for name, _title, template in WHOLE_RECORD_PAGES:
        assert f"book/generated/{template.removesuffix('.ipynb')}" in toc, f"{name} is not in _toc.yml"


def test_templates_have_a_parameters_cell_and_no_outputs() -> None:
    import nbformat

    for template in sorted(TEMPLATES_DIR.glob("*.ipynb")):
        notebook = nbformat.read(template, as_version=4)
        tagged = [cell for cell in notebook.cells if "parameters" in cell.metadata.get("tags", [])]
        assert len(tagged) == 1, f"{template.name}: needs exactly one cell tagged parameters"
        assert "data_dir" in tagged[0].source
        for cell in notebook.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, f"{template.name} stores outputs"

"""Notebook parameters are checked first: a bad value stops with a message that names it."""

from __future__ import annotations

import papermill
import pytest
from papermill.exceptions import PapermillExecutionError

from talks2022.book import pages
from talks2022.paths import TEMPLATES_DIR
from tests.pipeline_project import REPO

DATA_DIR = REPO.data_dir

TABLES = REPO.tables_dir


@pytest.mark.parametrize(("arguments", "message"), [
    ({"data_dir": "no/such/folder", "tables_dir": str(TABLES)}, "is not a folder"),
    ({"data_dir": str(DATA_DIR), "tables_dir": "no/such/tables"}, "run `talks2022 run`"),
    ({"data_dir": str(DATA_DIR), "tables_dir": str(TABLES), "as_of": "12 January"}, "YYYY-MM-DD"),
    ({"data_dir": str(DATA_DIR), "tables_dir": str(TABLES), "issue_id": "no_such_issue"},
     "unknown issue_id 'no_such_issue': the positional issues are"),
    ({"data_dir": str(DATA_DIR), "tables_dir": str(TABLES), "issue_id": "diplomatic_process"},
     "unknown issue_id 'diplomatic_process'"),  # an issue that exists but is not positional
])
def test_open_page_rejects_bad_parameters(arguments: dict, message: str) -> None:
    with pytest.raises(pages.ParameterError) as raised:
        pages.open_page(**arguments)
    assert message in str(raised.value)


def test_the_issue_template_stops_in_its_first_cell_on_an_unknown_issue(tmp_path) -> None:
    output = tmp_path / "issue.ipynb"
    with pytest.raises(PapermillExecutionError) as raised:
        papermill.execute_notebook(
            str(TEMPLATES_DIR / "issue.ipynb"), str(output), kernel_name="python3", progress_bar=False,
            parameters={"data_dir": str(DATA_DIR), "tables_dir": str(TABLES), "issue_id": "no_such_issue"})
    error = raised.value
    assert error.ename == "ParameterError"
    assert "unknown issue_id 'no_such_issue'" in error.evalue
    # Executed cells: the defaults (1), papermill's injected parameters (2), then the check (3), which
    # failed: nothing else ran on the bad input.
    assert error.exec_count == 3

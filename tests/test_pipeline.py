"""The papermill pipeline end to end, on a copy of the project: determinism, incremental runs, new data,
and faults (a notebook that raises, SIGINT/SIGTERM mid-run, an unwritable folder) that must leave the
previous chapters, tables, table of contents and site byte-identical."""

from __future__ import annotations

import csv
import io
import json
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

from tests.pipeline_project import Project, clone_project, copy_project

pytestmark = pytest.mark.slow
JOBS = "2"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A project copy with a complete first run and build: the 'last good book'."""
    project = copy_project(tmp_path_factory.mktemp("project"))
    project.run("run", "--jobs", JOBS, check=True)
    project.run("build", check=True)
    return project


@pytest.fixture
def project(built: Project, tmp_path: Path) -> Project:
    return clone_project(built, tmp_path / "clone")


def _rewrite_csv(path: Path, change) -> None:
    text = path.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    fields = list(rows[0])
    rows = change(rows) or rows
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def _executed(stderr: str) -> set[str]:
    return set(re.findall(r"\] ran  (\S+)", stderr))


def _skipped(stderr: str) -> set[str]:
    return set(re.findall(r"skip  (\S+):", stderr))


def test_first_run_made_every_chapter_and_the_site(built: Project) -> None:
    generated = built.root / "book" / "generated"
    issues = [row["issue_id"] for row in csv.DictReader((built.root / "data" / "issues.csv").open())
              if row["positional"] == "true"]
    for issue_id in issues:
        assert (generated / "issues" / f"{issue_id}.ipynb").exists()
        assert f"book/generated/issues/{issue_id}" in (built.root / "_toc.yml").read_text()
    for table in ("position_by_round", "gaps", "proposal_placement", "benchmarks", "findings"):
        assert (generated / "tables" / f"{table}.csv").exists()
    assert (built.root / "_build" / "html" / "index.html").exists()
    assert not built.leftovers()


def test_outputs_are_deterministic_and_portable(project: Project) -> None:
    before = project.snapshot()
    result = project.run("run", "--force", "--jobs", JOBS, check=True)
    assert "executed" in result.stdout
    after = project.snapshot()
    chapters = {k: v for k, v in before.items() if k.startswith("book/generated/")}
    assert chapters == {k: v for k, v in after.items() if k.startswith("book/generated/")}
    for name, content in chapters.items():
        if name.endswith(".ipynb"):
            text = content.decode("utf-8")
            assert str(project.root) not in text, f"{name} embeds an absolute path"
            notebook = json.loads(text)
            volatile = {"start_time", "end_time", "duration"} & set(notebook["metadata"].get("papermill", {}))
            assert not volatile, f"{name} keeps timings {volatile}"
            assert all("execution" not in cell["metadata"] for cell in notebook["cells"]), f"{name} keeps timings"
            assert "altair-viz-" not in text, f"{name} has a random chart id"


def test_nothing_changed_means_nothing_runs(project: Project) -> None:
    result = project.run("run", "--jobs", JOBS, check=True)
    assert _executed(result.stderr) == set()
    assert "issues/nato_enlargement.ipynb" in _skipped(result.stderr)
    assert "0 chapter(s) executed" in result.stdout


def test_each_kind_of_input_change_reruns_what_depends_on_it(project: Project) -> None:
    statements = project.root / "data" / "statements.csv"

    def move_one_enlargement_position(rows):
        row = next(r for r in rows if r["issue_id"] == "nato_enlargement" and r["position"])
        row["position"] = str(100 - float(row["position"]))

    _rewrite_csv(statements, move_one_enlargement_position)
    result = project.run("run", "--jobs", JOBS, check=True)
    executed = _executed(result.stderr)
    assert "issues/nato_enlargement.ipynb" in executed and "overview.ipynb" in executed
    assert "issues/military_exercises.ipynb" in _skipped(result.stderr)

    template = project.root / "analysis" / "talks2022" / "templates" / "sources.ipynb"
    notebook = nbformat.read(template, as_version=4)
    notebook.cells[0].source += "\n\nOne more sentence."
    nbformat.write(notebook, template)
    result = project.run("run", "--jobs", JOBS, check=True)
    assert _executed(result.stderr) == {"sources.ipynb"}
    assert "One more sentence." in (project.root / "book/generated/sources.ipynb").read_text()

    (project.root / "analysis" / "talks2022" / "book" / "views.py").write_text(
        (project.root / "analysis" / "talks2022" / "book" / "views.py").read_text() + "\n# a change to the code\n")
    result = project.run("run", "--jobs", JOBS, check=True)
    assert len(_executed(result.stderr)) == len(list((project.root / "book/generated").rglob("*.ipynb")))

    result = project.run("run", "--jobs", JOBS, "--as-of", "2022-01-12", check=True)
    assert "sources.ipynb" in _executed(result.stderr)  # a parameter changed


def test_new_round_and_new_issue_need_no_code_change(project: Project) -> None:
    data = project.root / "data"

    def add_round(rows):
        rows.append({**rows[-1], "meeting_id": "geneva_followup", "label": "Follow-up (Feb)", "sequence": "10",
                     "stage_type": "round", "date": "2022-02-10", "window_start": "2022-02-10",
                     "window_end": "2022-02-12", "place": "Geneva", "format": "Hypothetical later round",
                     "description": "A later round added by the test."})

    def add_issue(rows):
        rows.append({**rows[0], "issue_id": "test_new_issue", "label": "Test issue added later",
                     "description": "An issue added by the test."})

    def add_statements(rows):
        template = next(r for r in rows if r["kind"] == "official_position" and r["position"])
        russia = next(r for r in rows if r["actor_id"] == "ryabkov")
        west = next(r for r in rows if r["actor_id"] == "sherman")
        for number, base, position in ((90, russia, "75"), (91, west, "25")):
            rows.append({**template, "statement_id": f"S99-{number - 89}", "actor_id": base["actor_id"],
                         "meeting_id": "geneva_followup", "date": "2022-02-11", "issue_id": "nato_enlargement",
                         "position": position, "key_phrase": "",
                         "summary": "A later statement (test): x < y & \"z\" isn't markup."})
            rows.append({**template, "statement_id": f"S98-{number - 89}", "actor_id": base["actor_id"],
                         "meeting_id": "geneva_followup", "date": "2022-02-11", "issue_id": "test_new_issue",
                         "position": position, "key_phrase": "", "summary": "On the new issue (test)."})

    _rewrite_csv(data / "meetings.csv", add_round)
    _rewrite_csv(data / "issues.csv", add_issue)
    _rewrite_csv(data / "statements.csv", add_statements)
    project.run("validate", "data", check=True)
    result = project.run("run", "--jobs", JOBS, check=True)
    assert "issues/test_new_issue.ipynb" in _executed(result.stderr)
    assert "book/generated/issues/test_new_issue" in (project.root / "_toc.yml").read_text()
    enlargement = (project.root / "book/generated/issues/nato_enlargement.ipynb").read_text()
    assert "Follow-up (Feb)" in enlargement  # the new round is in the movement chart
    project.run("build", check=True)
    assert (project.root / "_build/html/book/generated/issues/test_new_issue.html").exists()
    page = (project.root / "_build/html/book/generated/issues/nato_enlargement.html").read_text()
    assert "x &lt; y &amp; &quot;z&quot; isn&#x27;t markup" in page  # valid but hostile text, escaped
    assert "x < y &" not in page


def _break_template(project: Project, name: str) -> None:
    template = project.root / "analysis" / "talks2022" / "templates" / name
    notebook = nbformat.read(template, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell("raise RuntimeError('deliberate failure for the test')"))
    nbformat.write(notebook, template)


def test_a_failing_notebook_changes_nothing_and_says_where(project: Project) -> None:
    before = project.snapshot()
    _break_template(project, "overview.ipynb")
    result = project.run("run", "--jobs", JOBS)
    assert result.returncode == 1
    assert "overview.ipynb" in result.stderr and "cell" in result.stderr
    assert "deliberate failure for the test" in result.stderr
    assert (project.root / "_build" / "failures" / "overview.ipynb").exists()
    assert project.snapshot() == before
    assert not project.leftovers()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupt_mid_run_changes_nothing(project: Project, signum: int) -> None:
    before = project.snapshot()
    process = subprocess.Popen(project.command("run", "--force", "--jobs", "1"), cwd=project.root,
                               env=project.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stderr), daemon=True)
    reader.start()
    deadline = time.monotonic() + 120
    while not any("[1/" in line for line in lines) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert any("[1/" in line for line in lines), "the run never finished a first chapter"
    time.sleep(0.5)  # now inside the second chapter's kernel
    process.send_signal(signum)
    process.wait(timeout=60)
    reader.join(timeout=10)
    assert process.returncode != 0
    assert "interrupted" in "".join(lines)
    assert project.snapshot() == before
    assert not project.leftovers()


def test_an_unwritable_output_folder_changes_nothing(project: Project) -> None:
    """book/ not writable (EACCES where the staging folder is made). Root ignores permission bits, so the
    refusal is injected at that write (TALKS2022_TEST_FAULT): nothing outside tmp_path is touched."""
    before = project.snapshot()
    result = project.run("run", "--force", env={"TALKS2022_TEST_FAULT": "stage=EACCES"})
    assert result.returncode == 1, result.stderr
    assert "cannot write" in result.stderr and "Permission denied" in result.stderr
    assert "Traceback" not in result.stderr
    assert project.snapshot() == before
    assert not project.leftovers()


def test_strict_nbval_catches_a_stale_chapter(project: Project) -> None:
    chapter = "book/generated/issues/military_exercises.ipynb"
    nbval = [sys.executable, "-m", "pytest", "--nbval", "-p", "no:cacheprovider", "-q", chapter]
    fresh = subprocess.run(nbval, cwd=project.root, env=project.env(), capture_output=True, text=True)
    assert fresh.returncode == 0, fresh.stdout[-3000:]

    def change_an_exercise_summary(rows):
        row = next(r for r in rows if r["issue_id"] == "military_exercises" and r["kind"] == "official_position")
        row["summary"] = row["summary"] + " Edited after the chapter was run."

    _rewrite_csv(project.root / "data" / "statements.csv", change_an_exercise_summary)
    stale = subprocess.run(nbval, cwd=project.root, env=project.env(), capture_output=True, text=True)
    assert stale.returncode != 0
    assert json.loads((project.root / "book/generated/manifest.json").read_text())  # untouched by nbval


def test_a_failing_build_leaves_the_published_site_alone(project: Project) -> None:
    before = project.snapshot()
    cite = project.root / "book" / "cite.md"
    cite.write_text(cite.read_text() + "\nSee {download}`a file that is not there <../no/such/file.csv>`.\n")
    result = project.run("build")
    assert result.returncode == 1
    assert "left as it was" in result.stderr and "no/such/file.csv" in result.stderr
    assert project.snapshot() == before
    assert not project.leftovers()


def test_a_build_with_nothing_changed_is_skipped_yet_follows_every_change(project: Project) -> None:
    html = project.root / "_build" / "html"
    before, site = project.snapshot(), html.stat().st_ino
    project.run("run", "--jobs", JOBS, check=True)
    project.run("build", check=True)
    assert html.stat().st_ino == site, "nothing changed, yet the site was built and swapped in again"
    assert project.snapshot() == before
    page = html / "book" / "glossary.html"
    page.unlink()
    project.run("build", check=True)
    assert page.exists()  # a published site that differs from what was built is built again
    glossary = project.root / "book" / "glossary.md"
    glossary.write_text(glossary.read_text(encoding="utf-8") + "\nA sentence added by the test.\n", encoding="utf-8")
    project.run("build", check=True)
    assert "A sentence added by the test." in page.read_text(encoding="utf-8")

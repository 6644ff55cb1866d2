"""Hostile folders, faults and environments: a second process, a crash between the two steps of a swap,
a read-only disk, a full disk, a refused permission, Ctrl-C at any moment, an issue id that tries to write
outside book/generated, a FIFO in the data folder, and where the chapters' data came from.

Root ignores permission bits and no test may change anything outside its tmp_path, so read-only folders,
full disks and crashes are made at the very write (or rename) where they would strike, by the test-only
hook TALKS2022_TEST_FAULT (talks2022.pipeline.faults); everything else is the real pipeline: the real
command in a subprocess, real papermill kernels, real Jupyter Book.
"""

from __future__ import annotations

import csv
import errno
import fcntl
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from talks2022.paths import Project as PathsProject
from talks2022.pipeline import faults, fingerprint, safepaths
from talks2022.pipeline.jobs import Job, plan
from talks2022.pipeline.lock import LOCK_NAME
from tests.pipeline_project import Project, clone_project, copy_project

FAULT = faults.FAULT_ENV
ERROR_LINE = re.compile(r"^(error|talks2022): ")


# --- fast checks of the pieces ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["../../../analysis/templates/overview", "..", "", "Nato", "a/b", "a\\b", "a.b",
                                  "x" * 64, "nato enlargement", "_x", "1abc", "é", "a\x00b", "nato\n"])
def test_unsafe_names_are_refused(name: str) -> None:
    with pytest.raises(safepaths.UnsafePath):
        safepaths.checked_name(name, "issue id")


@pytest.mark.parametrize("output", ["issues/../../../analysis/templates/overview.ipynb", "/etc/passwd.ipynb",
                                    "issues/x.ipynb/../../y.ipynb", "issues//x.ipynb", "x.py", "issues/.ipynb",
                                    "../generated.old/x.ipynb"])
def test_unsafe_chapter_paths_are_refused(output: str, tmp_path: Path) -> None:
    with pytest.raises(safepaths.UnsafePath):
        safepaths.chapter_path(tmp_path, output)


def test_a_symlinked_folder_cannot_lead_a_chapter_outside(tmp_path: Path) -> None:
    folder, outside = tmp_path / "generated", tmp_path / "elsewhere"
    folder.mkdir()
    outside.mkdir()
    (folder / "issues").symlink_to(outside)
    with pytest.raises(safepaths.UnsafePath, match="outside"):
        safepaths.chapter_path(folder, "issues/nato_enlargement.ipynb")
    assert safepaths.chapter_path(folder, "overview.ipynb") == folder / "overview.ipynb"
    assert safepaths.table_path(folder, "gaps") == folder / "gaps.csv"


def test_plan_refuses_an_issue_id_that_bypassed_validation() -> None:
    issues = pd.DataFrame({"issue_id": ["nato_enlargement", "../../../analysis/templates/overview"],
                           "label": ["NATO", "Sneaky"], "positional": [True, True]})
    with pytest.raises(safepaths.UnsafePath, match="overview"):
        plan(issues)


def test_fingerprints_read_only_the_named_regular_files(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(Path(__file__).resolve().parents[1] / "data", data)
    os.mkfifo(data / "extra.csv")  # opening it for reading would block for ever
    (data / "notes.csv").write_text("not named by the schema\n")
    files = fingerprint.data_files(data)
    assert "extra.csv" not in files and "notes.csv" not in files
    assert {"datapackage.json", "statements.csv", "issues.csv"} <= set(files)
    (data / "revision_log.csv").unlink()
    os.mkfifo(data / "revision_log.csv")  # a named file that is not a regular file: an error, not a hang
    with pytest.raises(fingerprint.DataFileError, match="not a regular file"):
        fingerprint.data_files(data)


def test_the_fault_hook_does_nothing_unless_a_test_sets_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(FAULT, raising=False)
    faults.check("stage", "/nowhere")
    monkeypatch.setenv(FAULT, "toc=EROFS,stage=ENOSPC")
    with pytest.raises(OSError) as caught:
        faults.check("stage", "/nowhere")
    assert caught.value.errno == errno.ENOSPC and caught.value.filename == "/nowhere"
    faults.check("swap", "/nowhere")


# --- the real pipeline -----------------------------------------------------------------------------------------

pipeline = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A project copy with a complete first run and build: the 'last good book'."""
    project = copy_project(tmp_path_factory.mktemp("faults"))
    project.run("run", "--jobs", "2", check=True)
    project.run("build", check=True)
    return project


@pytest.fixture
def project(built: Project, tmp_path: Path) -> Project:
    return clone_project(built, tmp_path / "clone")


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ERROR_LINE.match(line)]


def _assert_one_clear_line(stderr: str) -> None:
    assert "Traceback" not in stderr, stderr
    lines = _error_lines(stderr)
    assert len(lines) == 1, stderr
    assert stderr.strip().splitlines()[-1] == lines[0], "the error is not the last thing said"


def _touch_a_prose_page(project: Project) -> None:
    glossary = project.root / "book" / "glossary.md"
    glossary.write_text(glossary.read_text(encoding="utf-8") + "\nA sentence added by the test.\n", encoding="utf-8")


def _edit_sources_template(project: Project) -> None:
    template = project.root / "analysis" / "talks2022" / "templates" / "sources.ipynb"
    notebook = nbformat.read(template, as_version=4)
    notebook.cells[0].source += "\n\nOne more sentence."
    nbformat.write(notebook, template)


def _holds_lock(lock: Path) -> bool:
    try:
        descriptor = os.open(lock, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)
    return False


@pipeline
def test_a_second_run_or_build_stops_at_once_or_waits(project: Project) -> None:
    lock = project.root / "_build" / LOCK_NAME
    first = subprocess.Popen(project.command("run", "--force", "--jobs", "1"), cwd=project.root, env=project.env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not _holds_lock(lock) and time.monotonic() < deadline and first.poll() is None:
            time.sleep(0.05)
        assert _holds_lock(lock), "the first run never took the lock"
        for command in ("run", "build"):
            second = project.run(command, timeout=60)
            assert second.returncode == 1
            assert second.stderr.strip() == (f"error: another talks2022 run or build is using this project "
                                             f"(lock: {lock})")
        assert first.poll() is None
        waiting = project.run("build", "--wait", timeout=600)
        assert "waiting for another talks2022 run or build" in waiting.stderr  # it found the run holding the lock
        assert waiting.returncode == 0, waiting.stderr
        # ... and went on only once the run had finished (its last chapter, "[N/N] ran", is in its output)
        assert re.search(r"\[(\d+)/\1\] ran", first.stderr.read())
    finally:
        first.wait(timeout=600)
    assert first.returncode == 0
    assert not project.leftovers()


@pipeline
@pytest.mark.parametrize("site", ["journal", "swap", "swap-chapters", "swap-toc"])
def test_a_run_killed_inside_the_swap_is_repaired_at_the_next_start(project: Project, site: str) -> None:
    toc = project.root / "_toc.yml"
    rendered_toc = toc.read_bytes()
    toc.write_bytes(rendered_toc + b"# a hand edit the run will replace\n")
    _edit_sources_template(project)  # the new chapters differ from the old ones in sources.ipynb
    before = project.snapshot()
    killed = project.run("run", env={FAULT: f"{site}=kill"})
    assert killed.returncode == -signal.SIGKILL
    # The next start repairs first; the fault stops it right after that (the state shows the repair alone).
    stopped = project.run("run", env={FAULT: "recovered=EROFS"})
    assert stopped.returncode == 1 and "Read-only file system" in stopped.stderr, stopped.stderr
    after = project.snapshot()
    assert not project.leftovers()
    if site == "swap-toc":  # the chapters were in: finished forward, table of contents and all
        assert after["_toc.yml"] == rendered_toc
        assert "One more sentence." in after["book/generated/sources.ipynb"].decode()
        assert {k: v for k, v in after.items() if k != "book/generated/sources.ipynb" and "manifest" not in k
                and k != "_toc.yml"} == {k: v for k, v in before.items() if k != "book/generated/sources.ipynb"
                                         and "manifest" not in k and k != "_toc.yml"}
    else:  # the new chapters were not in yet: rolled back to the last good ones, byte for byte
        assert after == before
    result = project.run("run", check=True)
    assert toc.read_bytes() == rendered_toc
    assert "One more sentence." in (project.root / "book/generated/sources.ipynb").read_text()
    assert "0 chapter(s) executed" in result.stdout or site != "swap-toc"


@pipeline
@pytest.mark.parametrize("fault", ["lock=EROFS", "stage=EROFS", "tables=ENOSPC", "manifest=ENOSPC", "toc=EACCES",
                                   "journal=EROFS", "swap=EROFS", "swap-chapters=EACCES", "swap-toc=EROFS"])
def test_a_run_that_cannot_write_changes_nothing(project: Project, fault: str) -> None:
    _edit_sources_template(project)
    before = project.snapshot()
    result = project.run("run", env={FAULT: fault})
    assert result.returncode == 1
    _assert_one_clear_line(result.stderr)
    reason = os.strerror(getattr(errno, fault.split("=")[1]))
    assert "cannot write" in result.stderr and reason in result.stderr
    assert project.snapshot() == before
    assert not project.leftovers()
    project.run("run", check=True)  # and the next run works
    assert "One more sentence." in (project.root / "book/generated/sources.ipynb").read_text()


@pipeline
@pytest.mark.parametrize("fault", ["lock=EACCES", "sphinx=EROFS", "copytree=ENOSPC", "copytree-file=ENOSPC",
                                   "publish=EACCES"])
def test_a_build_that_cannot_write_leaves_the_site_alone(project: Project, fault: str) -> None:
    _touch_a_prose_page(project)
    before = project.snapshot()
    result = project.run("build", env={FAULT: fault})
    assert result.returncode == 1
    _assert_one_clear_line(result.stderr)
    assert "cannot write" in result.stderr and "_build/html was left as it was" in result.stderr
    assert project.snapshot() == before
    assert not project.leftovers()
    project.run("build", check=True)
    assert "A sentence added by the test." in (project.root / "_build/html/book/glossary.html").read_text()


def _interrupt(project: Project, args: list[str], delay: float, signum: int = signal.SIGINT) -> tuple[int, str]:
    process = subprocess.Popen(project.command(*args), cwd=project.root, env=project.env(),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    chunks: list[str] = []
    reader = threading.Thread(target=lambda: chunks.append(process.stderr.read()), daemon=True)
    reader.start()
    time.sleep(delay)
    assert process.poll() is None, f"{args} finished before {delay} s: choose a shorter delay"
    process.send_signal(signum)
    process.wait(timeout=120)
    reader.join(timeout=10)
    return process.returncode, "".join(chunks)


@pipeline
@pytest.mark.parametrize("delay", [0.15, 0.3, 0.6, 1.0, 2.0, 3.0, 4.5])
def test_ctrl_c_at_any_moment_of_a_run_changes_nothing(project: Project, delay: float) -> None:
    before = project.snapshot()
    code, stderr = _interrupt(project, ["run", "--force", "--jobs", "2"], delay)
    assert code == 130, stderr
    _assert_one_clear_line(stderr)
    assert "interrupted by SIGINT" in stderr
    assert project.snapshot() == before
    assert not project.leftovers()


@pipeline
@pytest.mark.parametrize("delay", [0.15, 0.6, 1.2, 1.8])
def test_ctrl_c_at_any_moment_of_a_build_leaves_the_site_alone(project: Project, delay: float) -> None:
    _touch_a_prose_page(project)
    shutil.rmtree(project.root / "_build" / ".jb")  # a whole Sphinx build: several seconds to interrupt
    before = project.snapshot()
    code, stderr = _interrupt(project, ["build"], delay)
    assert code == 130, stderr
    _assert_one_clear_line(stderr)
    assert project.snapshot() == before
    assert not project.leftovers()
    project.run("build", check=True)  # the Sphinx cache an interrupt dropped is rebuilt


@pipeline
def test_sigterm_before_the_run_starts_work_changes_nothing(project: Project) -> None:
    before = project.snapshot()
    code, stderr = _interrupt(project, ["run", "--force"], 0.3, signal.SIGTERM)
    assert code == 130, stderr
    _assert_one_clear_line(stderr)
    assert project.snapshot() == before and not project.leftovers()


@pipeline
def test_an_unsafe_issue_id_that_reaches_the_pipeline_stops_it(project: Project, monkeypatch) -> None:
    """Validation is bypassed (load is replaced): the pipeline itself refuses to write the chapter."""
    from talks2022.data import dataset
    from talks2022.pipeline import run as run_module

    bad = "../../../analysis/templates/overview"
    real_load = dataset.load

    def load_with_a_hostile_issue(data_dir, params=None):
        record = real_load(data_dir, params) if params is not None else real_load(data_dir)
        issues, statements = record.issues.copy(), record.statements.copy()
        issues.loc[issues["issue_id"] == "nato_enlargement", "issue_id"] = bad
        statements.loc[statements["issue_id"] == "nato_enlargement", "issue_id"] = bad
        return type(record)(sources=record.sources, actors=record.actors, meetings=record.meetings,
                            issues=issues, statements=statements, params=record.params)

    before = project.snapshot()
    template = project.root / "analysis" / "talks2022" / "templates" / "overview.ipynb"
    template_bytes = template.read_bytes()
    paths_project = PathsProject(project.root)
    monkeypatch.setattr(dataset, "load", load_with_a_hostile_issue)
    with pytest.raises(run_module.RunFailed, match="refusing to write"):
        run_module.run(paths_project, force=True)  # (force: past the nothing-changed shortcut, to load)
    # The same, with the check in plan() bypassed too: the point of use refuses.
    monkeypatch.setattr(dataset, "load", real_load)
    hostile = Job(name="issue-x", title="x", template="issue.ipynb", output=f"issues/{bad}.ipynb", scope="x",
                  extra_parameters={"issue_id": "x"})
    monkeypatch.setattr(run_module, "plan", lambda issues, **counts: [*plan(issues, **counts), hostile])
    with pytest.raises(run_module.RunFailed, match="refusing to write"):
        run_module.run(paths_project, force=True)
    assert template.read_bytes() == template_bytes
    assert project.snapshot() == before
    assert not project.leftovers()


@pipeline
def test_a_fifo_in_the_data_folder_does_not_hang_a_run(project: Project) -> None:
    os.mkfifo(project.root / "data" / "extra.csv")
    result = project.run("run", timeout=120)
    assert result.returncode == 0, result.stderr
    assert "0 chapter(s) executed" in result.stdout  # and it is not part of the data's hash


@pipeline
def test_the_chapters_record_the_data_they_were_built_from(project: Project) -> None:
    manifest = json.loads((project.root / "book/generated/manifest.json").read_text())
    files = fingerprint.data_files(project.root / "data")
    assert manifest["data"]["sha256"] == fingerprint.data_hash(files)
    assert manifest["data"]["from"] == "data/"
    assert set(manifest["data"]["files"]) == set(files)
    said = project.run("provenance", check=True).stdout.strip()
    assert said.startswith("book/generated was built from data ") and "the same as data/" in said
    _rewrite(project.root / "data" / "statements.csv", _edit_a_summary)
    said = project.run("provenance", check=True).stdout.strip()
    assert said.startswith("warning: ") and "not from data/ as it is now" in said


def _rewrite(path: Path, change) -> None:
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    fields = list(rows[0])
    change(rows)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def _edit_a_summary(rows: list[dict]) -> None:
    row = next(r for r in rows if r["issue_id"] == "military_exercises" and r["kind"] == "official_position")
    row["summary"] += " Edited by the test."


def _git(folder: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org"}
    return subprocess.run(["git", "-c", "init.defaultBranch=main", *args], cwd=folder, env=env, check=True,
                          capture_output=True, text=True).stdout


@pipeline
def test_chapters_run_on_another_data_folder_pass_strict_nbval_in_a_second_clone(tmp_path: Path) -> None:
    """`run --data DIR` in one clone, commit; a fresh clone elsewhere re-executes the committed chapters."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    origin = copy_project(tmp_path / "origin")
    _git(origin.root, "init", "-q")
    _git(origin.root, "add", "-A")
    _git(origin.root, "commit", "-q", "-m", "origin")
    first = Project(tmp_path / "first" / "clone")
    first.root.parent.mkdir()
    _git(first.root.parent, "clone", "-q", str(origin.root), "clone")
    other_data = tmp_path / "elsewhere" / "their-data"
    shutil.copytree(first.root / "data", other_data)
    _rewrite(other_data / "statements.csv", _edit_a_summary)
    first.run("run", "--data", str(other_data), "--jobs", "2", check=True)
    generated = first.root / "book" / "generated"
    assert (generated / "data" / "statements.csv").read_bytes() == (other_data / "statements.csv").read_bytes()
    for chapter in generated.rglob("*.ipynb"):
        text = chapter.read_text(encoding="utf-8")
        assert str(tmp_path) not in text, f"{chapter} embeds an absolute path"
    manifest = json.loads((generated / "manifest.json").read_text())
    assert manifest["data"]["from"].startswith("book/generated/data")
    assert str(tmp_path) not in json.dumps(manifest)
    _git(first.root, "add", "-A")
    _git(first.root, "commit", "-q", "-m", "chapters from their data")
    second = Project(tmp_path / "somewhere" / "else" / "clone")
    second.root.parent.mkdir(parents=True)
    _git(second.root.parent, "clone", "-q", str(first.root), "clone")
    shutil.rmtree(other_data)  # the data folder the chapters came from is gone: they must not need it
    nbval = subprocess.run([sys.executable, "-m", "pytest", "--nbval", "-p", "no:cacheprovider", "-q",
                            "book/generated"], cwd=second.root, env=second.env(), capture_output=True, text=True)
    assert nbval.returncode == 0, nbval.stdout[-4000:]
    said = second.run("provenance", check=True).stdout
    assert "warning" in said and "book/generated/data" in said  # not data/'s hash, and it says so

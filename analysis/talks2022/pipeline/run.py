"""`talks2022 run`: validate, compute the derived tables, execute the chapters, swap them in.

Atomicity: everything is written into a staging folder beside book/generated/ (same depth, so the
relative paths inside the notebooks hold in both places) and swapped in only when every chapter
succeeded. A failing notebook, an interrupt (SIGINT, SIGTERM), an unwritable folder or a full disk leaves
the previous chapters, tables and table of contents exactly as they were.

The swap is two renames and a replace (book/generated -> generated.old, the staging folder ->
book/generated, its _toc.yml -> the project's _toc.yml), recorded first in a journal
(book/generated.swap.json): a process killed between them is rolled back (staging folder still there)
or forward (chapters in place, table of contents not yet) by the next run or build, before anything else.

One run or build at a time: both hold the project's lock (talks2022.pipeline.lock).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from talks2022.paths import MANIFEST_NAME, TABLES_SUBDIR, TEMPLATES_DIR, Project
from talks2022.pipeline import faults, fingerprint, interrupts, safepaths
from talks2022.pipeline.interrupts import Interrupted
from talks2022.pipeline.jobs import Job, plan, select
from talks2022.pipeline.lock import LockUnavailable, ProjectBusy, project_lock

KERNEL_START_ATTEMPTS = 3
WORKER_EXIT_SECONDS = 10
STAGED_TOC = "_toc.yml"  # the new table of contents travels inside the staging folder
SNAPSHOT_SUBDIR = "data"  # book/generated/data: the data a run with --data DIR was made from
MANIFEST_FORMAT = 2


class RunFailed(Exception):
    """A run that stopped; the message says why. Nothing was swapped in."""


@dataclass(frozen=True)
class Outcome:
    job: Job
    status: str  # "executed" or "skipped"
    reason: str
    seconds: float = 0.0


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# Kept for callers of the old names.
_Interrupted = Interrupted
_signals_deferred = interrupts.deferred


def os_failure(error: OSError, what: str) -> RunFailed:
    """One line for a file-system error (read-only, full disk, permission denied) that stopped a run or build."""
    where = error.filename if error.filename is not None else "the project"
    reason = error.strerror or errno.errorcode.get(error.errno or 0, str(error))
    return RunFailed(f"cannot write {where}: {reason}; {what}")


LEFT_AS_THEY_WERE = "the previous chapters, tables and table of contents were left as they were"


@contextmanager
def one_line_failures(unchanged: str, swapped: str) -> Iterator[None]:
    """Turn what can stop a run or a build into one RunFailed line: `unchanged` says what was left as it was;
    `swapped` what is complete when an interrupt came after the swap had committed."""
    try:
        yield
    except ProjectBusy as error:
        raise RunFailed(str(error)) from None
    except (LockUnavailable, safepaths.UnsafePath) as error:
        raise RunFailed(f"{error}; {unchanged}") from None
    except OSError as error:
        raise os_failure(error, unchanged) from None
    except Interrupted as interrupt:
        if interrupt.after_commit:
            raise RunFailed(f"interrupted by {interrupt} while {swapped}") from None
        raise RunFailed(f"interrupted by {interrupt}: {unchanged}") from None


class _Worker:
    """One `python -m talks2022.pipeline.execute --serve` process, in its own process group (killable as a whole),
    executing one notebook after another: papermill is imported once per worker, not once per chapter."""

    def __init__(self) -> None:
        # stderr (kernel warnings and the like) goes to a file: a pipe nobody reads could fill and block.
        self._errors = tempfile.TemporaryFile()
        # -P: the working directory is not put on sys.path, so a stray talks2022.py there cannot shadow the package.
        self.process = subprocess.Popen([sys.executable, "-P", "-m", "talks2022.pipeline.execute", "--serve"],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._errors,
                                        text=True, start_new_session=True)

    def ask(self, request: dict) -> tuple[int, str]:
        """(code, JSON report) as talks2022.pipeline.execute answers; the exit status and stderr if the worker died."""
        from talks2022.pipeline.execute import (
            REPLY_PREFIX,  # here: it imports nbformat, which a run with nothing to do skips
        )

        try:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
            for line in self.process.stdout:
                if line.startswith(REPLY_PREFIX):
                    reply = json.loads(line[len(REPLY_PREFIX):])
                    return reply["code"], json.dumps(reply["report"]) if reply["report"] is not None else ""
        except OSError:
            pass  # a worker that was killed (an interrupt) or crashed
        return self.process.wait(), self._stderr_tail()

    def alive(self) -> bool:
        return self.process.poll() is None

    def _stderr_tail(self) -> str:
        self._errors.seek(0)
        return self._errors.read().decode("utf-8", "replace")[-2000:]

    def kill(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass

    def end_requests(self) -> None:
        """Close the worker's stdin: it finishes its loop and exits."""
        with suppress(OSError):
            self.process.stdin.close()

    def close(self) -> None:
        """End the worker and wait for it; kill it if it does not stop."""
        self.end_requests()
        try:
            self.process.wait(timeout=WORKER_EXIT_SECONDS)
        except subprocess.TimeoutExpired:
            self.kill()
            self.process.wait()
        self.process.stdout.close()
        self._errors.close()


class _Executor:
    """Hands each notebook to an idle worker (at most one worker per thread of the pool)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self.stopping = False

    def start_workers(self, count: int) -> None:
        """Start `count` idle workers now: each starts its kernel at once, in parallel with the caller."""
        with self._lock:
            while len(self._idle) + len(self._busy) < count and not self.stopping:
                self._idle.append(_Worker())

    def run(self, job: Job, stage: Path, parameters: dict) -> tuple[int, str]:
        output = stage / job.output
        request = {"template": str(TEMPLATES_DIR / job.template), "output": str(output),
                   "cwd": str(output.parent), "parameters": parameters}
        for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
            with self._lock:
                if self.stopping:
                    return 130, '{"error": "interrupted"}'
                worker = self._idle.pop() if self._idle else _Worker()
                self._busy.add(worker)
            code, report = worker.ask(request)
            with self._lock:
                self._busy.discard(worker)
                if worker.alive():
                    self._idle.append(worker)
                else:
                    worker.close()
            if code != 3 or attempt == KERNEL_START_ATTEMPTS:
                return code, report
            # Kernel start-up races (ports taken by a sibling kernel) clear on a retry.
            time.sleep(0.5 * attempt)
        raise AssertionError("unreachable")

    def stop_all(self) -> None:
        with self._lock:
            self.stopping = True
            for worker in [*self._busy, *self._idle]:
                worker.kill()

    def close(self) -> None:
        """End every idle worker (call when no notebook is running any more)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.end_requests()  # all stop at once, then each is waited for
        for worker in idle:
            worker.close()


def _previous_manifest(project: Project) -> dict[str, str]:
    """The chapter keys of the last swapped-in run (either manifest format)."""
    try:
        manifest = json.loads((project.generated_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(manifest, dict):
        return {}
    chapters = manifest.get("chapters", manifest) if manifest.get("format") == MANIFEST_FORMAT else manifest
    return {key: value for key, value in chapters.items() if isinstance(key, str) and isinstance(value, str)}


def read_manifest(project: Project) -> dict:
    """book/generated/manifest.json ({} when there is none or it cannot be read)."""
    try:
        manifest = json.loads((project.generated_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def provenance(project: Project) -> tuple[str, bool]:
    """One line saying which data the chapters in book/generated were built from, and whether that is
    the project's data/ as it is now (False: a warning)."""
    manifest = read_manifest(project)
    recorded = manifest.get("data", {}).get("sha256") if isinstance(manifest.get("data"), dict) else None
    try:
        current = fingerprint.data_hash(fingerprint.data_files(project.data_dir))
    except (OSError, fingerprint.DataFileError) as error:
        current, problem = None, str(error)
    else:
        problem = ""
    if recorded is None:
        return ("warning: book/generated records no data hash (made before chapters recorded their data): "
                "run `talks2022 run` to record it", False)
    source = manifest["data"].get("from", "?")
    if current is None:
        return (f"warning: book/generated was built from data {recorded[:12]} ({source}); data/ cannot be read: "
                f"{problem}", False)
    if recorded == current:
        return f"book/generated was built from data {recorded[:12]} ({source}), the same as data/ now", True
    return (f"warning: book/generated was built from data {recorded[:12]} ({source}), not from data/ as it is now "
            f"({current[:12]}): run `talks2022 run` to rebuild the chapters from data/", False)


# --- the swap and its journal ----------------------------------------------------------------------------------


def _old(project: Project) -> Path:
    return project.generated_dir.with_name(project.generated_dir.name + ".old")


def _journal(project: Project) -> Path:
    return project.generated_dir.with_name(project.generated_dir.name + ".swap.json")


def _staging_prefix(project: Project) -> str:
    return project.generated_dir.name + ".staging-"


def _fsync_dir(folder: Path) -> None:
    with suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _write_durably(path: Path, text: str) -> None:
    """Write `path` and make the file and its folder entry reach the disk before going on."""
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    _fsync_dir(path.parent)


def recover_interrupted_swap(project: Project) -> None:
    """Finish or undo a swap that a killed process left half-done, and clear what a killed run left
    behind (staging folders, generated.old). Call with the project's lock held, before anything else."""
    generated, old, journal = project.generated_dir, _old(project), _journal(project)
    if journal.exists():
        try:
            stage = generated.with_name(json.loads(journal.read_text(encoding="utf-8"))["stage"])
        except (OSError, ValueError, KeyError, TypeError):
            stage = None
        if stage is not None and stage.name.startswith(_staging_prefix(project)) and stage.is_dir():
            # Killed before the chapters moved: undo (the table of contents was not touched yet).
            if old.exists() and not generated.exists():
                old.rename(generated)
        else:
            # The chapters are in place: finish by putting their table of contents in place too.
            if not generated.exists() and old.exists():
                old.rename(generated)  # (a journal with no stage and no chapters: back to the last good ones)
            staged_toc = generated / STAGED_TOC
            if staged_toc.exists():
                os.replace(staged_toc, project.toc_file)
                _fsync_dir(project.root)
        journal.unlink()
        _fsync_dir(journal.parent)
    elif old.exists() and not generated.exists():
        old.rename(generated)  # a swap from before the journal, killed between its renames
    stray_toc = generated / STAGED_TOC
    if not journal.exists() and stray_toc.exists():
        stray_toc.unlink()  # never part of a finished swap
    if old.exists():
        shutil.rmtree(old)
    for leftover in generated.parent.glob(_staging_prefix(project) + "*"):
        shutil.rmtree(leftover, ignore_errors=True)  # from a run that was killed outright (we hold the lock)
    legacy_toc_tmp = project.toc_file.with_name(project.toc_file.name + ".tmp")
    if legacy_toc_tmp.exists():
        legacy_toc_tmp.unlink()


def _swap_in(project: Project, stage: Path, toc_text: str) -> None:
    """Chapters and table of contents in, as one step: journal, two renames, one replace."""
    generated, old, journal = project.generated_dir, _old(project), _journal(project)
    staged_toc = stage / STAGED_TOC
    faults.check("toc", staged_toc)
    staged_toc.write_text(toc_text, encoding="utf-8")
    faults.check("journal", journal)
    _write_durably(journal, json.dumps({"stage": stage.name}) + "\n")
    moved_old = moved_new = False
    with interrupts.deferred() as pending:
        try:
            if generated.exists():
                faults.check("swap", generated)
                generated.rename(old)
                moved_old = True
            faults.check("swap-chapters", stage)  # the last good chapters moved aside, the new ones not in yet
            stage.rename(generated)
            moved_new = True
            faults.check("swap-toc", project.toc_file)  # chapters in, table of contents not yet
            os.replace(generated / STAGED_TOC, project.toc_file)
            _fsync_dir(project.root)
        except OSError:
            # Undo in this process (the next start would do the same from the journal).
            with suppress(OSError):
                if moved_new:
                    generated.rename(stage)
                if moved_old and not generated.exists():
                    old.rename(generated)
                journal.unlink()
            raise
        journal.unlink()
        _fsync_dir(journal.parent)
    shutil.rmtree(old, ignore_errors=True)
    interrupts.raise_pending(pending)


def _keep_failure(project: Project, stage: Path, job: Job) -> Path:
    """Move the partly executed notebook out of the staging folder, for the user to inspect."""
    project.failures_dir.mkdir(parents=True, exist_ok=True)
    kept = safepaths.chapter_path(project.failures_dir, job.output.replace("/", "__"))
    staged = safepaths.chapter_path(stage, job.output)
    if staged.exists():
        faults.check("failures", kept)
        shutil.copyfile(staged, kept)
    return kept


def _carry_over(old_copy: Path, staged: Path) -> None:
    """An unchanged chapter into the staging folder, with its modification time: Sphinx re-reads (and
    re-writes) a page whose source is newer than its last build, so a fresh time would rebuild it."""
    staged.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(old_copy, staged)


def _keep_times_of_unchanged(staged_dir: Path, previous_dir: Path) -> None:
    """Give each staged file that is byte-identical to the previous one the previous modification time
    (the Downloads page depends on the tables: Sphinx rebuilds it when one looks newer)."""
    for staged in staged_dir.rglob("*"):
        previous = previous_dir / staged.relative_to(staged_dir)
        try:
            if (staged.is_file() and previous.stat().st_size == staged.stat().st_size
                    and previous.read_bytes() == staged.read_bytes()):
                shutil.copystat(previous, staged)
        except OSError:
            continue  # no previous file (or unreadable): the fresh time is right


def _write_tables(tables: dict, folder: Path) -> None:
    """The derived tables into folder/NAME.csv, each name checked and confirmed inside the folder first."""
    from talks2022.methods.derived import write_tables

    for name in tables:
        safepaths.table_path(folder, name)
    faults.check("tables", folder)
    write_tables(tables, folder)


def _write_published(project: Project, data_dir: Path, record, folder: Path) -> None:
    """The published data package (one archive, described by the shipped schema) and the BibTeX files."""
    from talks2022 import __version__
    from talks2022.book.archive import ARCHIVE_NAME, write_archive, write_bibtex

    schema = project.data_dir / "datapackage.json"
    faults.check("published", folder)
    write_archive(schema, data_dir, folder, folder / ARCHIVE_NAME)  # fixed, trusted names
    write_bibtex(schema, record.sources, __version__, folder)


def _write_snapshot(files: dict[str, bytes], folder: Path) -> None:
    """The data files a run read (only those the schema names), for chapters that must not point outside."""
    for name, content in files.items():
        *subfolders, base = name.split("/")
        for part in subfolders:
            safepaths.checked_name(part, "data folder")
        target = safepaths.inside(folder, name, Path(base).suffix or ".", "data file")
        target.parent.mkdir(parents=True, exist_ok=True)
        faults.check("snapshot", target)
        target.write_bytes(content)


# --- the run ----------------------------------------------------------------------------------------------------


def run(project: Project, data_dir: Path | None = None, jobs: int = 1, only: list[str] | None = None,
        as_of: str | None = None, force: bool = False, wait: bool = False) -> list[Outcome]:
    """Execute the book's chapters of `project` for `data_dir` (default: the project's data/); raises
    RunFailed (nothing swapped in) on any failure."""
    swapped = ("the new chapters were being swapped in; the swap finished first: the new chapters, tables and "
               "table of contents are complete")
    with one_line_failures(LEFT_AS_THEY_WERE, swapped):
        with interrupts.raising_if_main_thread(), project_lock(project, wait=wait):
            recover_interrupted_swap(project)
            faults.check("recovered", project.generated_dir)  # (a test looks at the repair alone)
            return _run_locked(project, data_dir, jobs, only, as_of, force)


def _run_locked(project: Project, data_dir: Path | None, jobs: int, only: list[str] | None, as_of: str | None,
                force: bool) -> list[Outcome]:
    data_dir = (data_dir or project.data_dir).resolve()
    own_data = data_dir == project.data_dir.resolve()
    code_key, env_key = fingerprint.code_digest(), fingerprint.environment_digest()
    run_key = None
    if not force and not only:
        with suppress(OSError, fingerprint.DataFileError):
            run_key = fingerprint.run_digest(fingerprint.data_files(data_dir), code_key, env_key, as_of, own_data)
        unchanged = _unchanged_since_last_run(project, run_key)
        if unchanged is not None:
            return unchanged

    from talks2022.data.dataset import DataError, load
    from talks2022.methods.params import AnalysisParams

    try:
        data_files = fingerprint.data_files(data_dir)  # first: a FIFO among the named files stops here, not in load
        record = load(data_dir, AnalysisParams(as_of=as_of))
    except DataError as error:
        raise RunFailed(f"the data in {data_dir} is not valid:\n{error}") from None
    except fingerprint.DataFileError as error:
        raise RunFailed(f"the data in {data_dir} cannot be used: {error}") from None
    all_jobs = plan(record.issues, statements=len(record.statements))
    executor = _Executor()
    try:
        executor.start_workers(min(jobs, len(all_jobs)))  # their kernels start while the tables are computed
        return _run_valid(project, data_dir, own_data, data_files, record, all_jobs, executor, jobs, only, as_of,
                          force, code_key, env_key)
    except BaseException:
        executor.stop_all()
        raise
    finally:
        executor.close()


def _run_valid(project: Project, data_dir: Path, own_data: bool, data_files: dict[str, bytes], record,
               all_jobs: list[Job], executor: _Executor, jobs: int, only: list[str] | None, as_of: str | None,
               force: bool, code_key: str, env_key: str) -> list[Outcome]:
    from talks2022.book import toc
    from talks2022.methods.derived import compute_all

    tables = compute_all(record)
    for job in all_jobs:
        safepaths.chapter_path(project.generated_dir, job.output)
    try:
        chosen = select(all_jobs, only)
    except ValueError as error:
        raise RunFailed(str(error)) from None

    # Chapters read the project's data/ through a path relative to themselves; any other folder is
    # copied into book/generated/data so that the committed chapters re-execute in any clone.
    notebook_data_dir = data_dir if own_data else project.generated_dir / SNAPSHOT_SUBDIR
    previous = _previous_manifest(project)
    inputs = fingerprint.Inputs(data_files, record.statements, record.issues, tables)
    keys = {}
    for job in all_jobs:
        parameters = job.parameters(project.generated_dir, notebook_data_dir, as_of)
        keys[job.output] = fingerprint.job_key(job, parameters, inputs.digest(job), code_key, env_key)

    stage = project.generated_dir.with_name(_staging_prefix(project) + str(os.getpid()))
    try:
        faults.check("stage", stage)
        stage.mkdir(parents=True)
        _write_tables(tables, stage / TABLES_SUBDIR)
        _write_published(project, data_dir, record, stage / TABLES_SUBDIR)
        if not own_data:
            _write_snapshot(data_files, stage / SNAPSHOT_SUBDIR)
        outcomes = _execute_all(project, all_jobs, chosen, keys, previous, stage, notebook_data_dir, as_of, jobs,
                                executor, force)
        # A table or chapter that came out byte for byte as before keeps its time: Sphinx skips it.
        _keep_times_of_unchanged(stage, project.generated_dir)
        manifest = {
            "format": MANIFEST_FORMAT,
            "data": {"sha256": fingerprint.data_hash(data_files),
                     "from": "data/" if own_data else f"book/generated/{SNAPSHOT_SUBDIR}/ (a copy of --data)",
                     "files": {name: hashlib.sha256(content).hexdigest()
                               for name, content in sorted(data_files.items())}},
            "chapters": {job.output: keys[job.output] for job in all_jobs
                         if safepaths.chapter_path(stage, job.output).exists() and keys[job.output] != "stale"},
        }
        toc_text = toc.render(all_jobs, project)
        if not only and all(key != "stale" for key in keys.values()):
            # What a later run with the same inputs may skip to (nothing changed: nothing to do at all).
            manifest["run"] = {"key": fingerprint.run_digest(data_files, code_key, env_key, as_of, own_data),
                               "outputs": _outputs_digest(stage, toc_text)}
        faults.check("manifest", stage / MANIFEST_NAME)
        (stage / MANIFEST_NAME).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        _swap_in(project, stage, toc_text)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return outcomes


def _outputs_digest(folder: Path, toc_text: str) -> str:
    """Every file of a chapters folder but its manifest, and the table of contents."""
    files = sorted(path for path in folder.rglob("*") if path.is_file() and path.name != MANIFEST_NAME
                   and path.name != STAGED_TOC)
    return fingerprint.digest(toc_text, *(part for path in files
                                          for part in (path.relative_to(folder).as_posix(), path.read_bytes())))


def _unchanged_since_last_run(project: Project, run_key: str | None) -> list[Outcome] | None:
    """The outcomes of a run with nothing to do (every chapter skipped) when the last run had exactly these
    inputs and book/generated and _toc.yml are still exactly what it wrote; None otherwise (run as usual)."""
    recorded = read_manifest(project).get("run")
    if run_key is None or not isinstance(recorded, dict) or recorded.get("key") != run_key:
        return None
    try:
        current = _outputs_digest(project.generated_dir, project.toc_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None
    if current != recorded.get("outputs"):
        return None
    outcomes = []
    for output in sorted(_previous_manifest(project)):
        _log(f"skip  {output}: unchanged inputs")
        outcomes.append(Outcome(Job(name=output, title="", template="", output=output), "skipped",
                                "nothing changed since the last run"))
    return outcomes


def _execute_all(project: Project, all_jobs: list[Job], chosen: list[Job], keys: dict[str, str],
                 previous: dict[str, str], stage: Path, data_dir: Path, as_of: str | None, jobs: int,
                 executor: _Executor, force: bool) -> list[Outcome]:
    outcomes: list[Outcome] = []
    to_run: list[tuple[Job, str]] = []
    chosen_names = {job.name for job in chosen}
    for job in all_jobs:
        old_copy = safepaths.chapter_path(project.generated_dir, job.output)
        staged = safepaths.chapter_path(stage, job.output)
        up_to_date = previous.get(job.output) == keys[job.output] and old_copy.exists()
        if job.name not in chosen_names:
            # Not selected: keep the last chapter as it is, but never claim it is current.
            if old_copy.exists():
                _carry_over(old_copy, staged)
                if not up_to_date:
                    keys[job.output] = "stale"
            continue
        if up_to_date and not force:
            _carry_over(old_copy, staged)
            outcomes.append(Outcome(job, "skipped", "unchanged: template, parameters, data, code and "
                                    "environment hash as before"))
            _log(f"skip  {job.output}: unchanged inputs")
            continue
        reason = "forced" if force else ("new chapter" if job.output not in previous or not old_copy.exists()
                                         else "inputs changed")
        to_run.append((job, reason))

    total = len(to_run)
    done = 0
    failures: list[str] = []

    def work(item: tuple[Job, str]) -> Outcome | None:
        job, reason = item
        started = time.perf_counter()
        code, report = executor.run(job, stage, job.parameters(project.generated_dir, data_dir, as_of))
        if code == 0:
            return Outcome(job, "executed", reason, time.perf_counter() - started)
        if code == 130:
            return None
        kept = _keep_failure(project, stage, job)
        try:
            detail = json.loads(report.strip().splitlines()[-1])
        except (json.JSONDecodeError, IndexError):
            detail = {"error": report.strip()[-500:]}
        cell = detail.get("failing_cell", detail.get("cell"))
        where = f"cell {cell}" if cell is not None else "before any cell ran"
        failures.append(f"{job.template} -> {job.output} failed at {where}: {detail.get('error')}\n"
                        f"  the partly executed notebook is kept in {kept}")
        executor.stopping = True  # no point starting more chapters: the run will not be swapped in
        return None

    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    try:
        for outcome in pool.map(work, to_run):
            if outcome is not None:
                done += 1
                outcomes.append(outcome)
                _log(f"[{done}/{total}] ran  {outcome.job.output} ({outcome.reason}) "
                     f"in {outcome.seconds:.1f} s")
    except BaseException:
        executor.stop_all()  # before the pool waits for its threads: kill the running notebooks
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    if failures:
        raise RunFailed("a notebook failed; nothing was swapped in:\n" + "\n".join(failures))
    if executor.stopping:
        raise Interrupted(signal.SIGINT)
    return outcomes

"""`talks2022 run`: validate, compute the derived tables, execute the chapters, swap them in.

Atomicity: everything is written into a staging folder beside book/generated/ (same depth, so the
relative paths inside the notebooks hold in both places) and swapped in only when every chapter
succeeded. A failing notebook, an interrupt (SIGINT, SIGTERM) or an unwritable folder leaves the
previous chapters, tables and table of contents exactly as they were.
"""

from __future__ import annotations

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

from talks2022 import __version__
from talks2022.book import toc
from talks2022.book.archive import ARCHIVE_NAME, write_archive, write_bibtex
from talks2022.data.dataset import DataError, load
from talks2022.methods.derived import compute_all, write_tables
from talks2022.methods.params import AnalysisParams
from talks2022.paths import MANIFEST_NAME, TABLES_SUBDIR, TEMPLATES_DIR, Project
from talks2022.pipeline import fingerprint
from talks2022.pipeline.jobs import Job, plan, select

KERNEL_START_ATTEMPTS = 3
WORKER_EXIT_SECONDS = 10


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


class _Interrupted(Exception):
    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextmanager
def _interrupts_raise() -> Iterator[None]:
    """Turn SIGINT and SIGTERM into an exception in the main thread, so cleanup runs."""
    def handler(signum: int, _frame: object) -> None:
        raise _Interrupted(signum)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold SIGINT/SIGTERM back while the swap runs: it must not stop half-way."""
    signals = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, signals)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, signals)


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
    try:
        return json.loads((project.generated_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def recover_interrupted_swap(project: Project) -> None:
    """If a machine died between the two renames of a swap, put the last good chapters back."""
    old = project.generated_dir.with_name(project.generated_dir.name + ".old")
    if old.exists() and not project.generated_dir.exists():
        old.rename(project.generated_dir)
    elif old.exists():
        shutil.rmtree(old)


def _swap_in(project: Project, stage: Path, toc_text: str) -> None:
    old = project.generated_dir.with_name(project.generated_dir.name + ".old")
    toc_tmp = project.toc_file.with_name(project.toc_file.name + ".tmp")
    toc_tmp.write_text(toc_text, encoding="utf-8")
    with _signals_deferred():
        if project.generated_dir.exists():
            project.generated_dir.rename(old)
        stage.rename(project.generated_dir)
        os.replace(toc_tmp, project.toc_file)
    shutil.rmtree(old, ignore_errors=True)


def _keep_failure(project: Project, stage: Path, job: Job) -> Path:
    """Move the partly executed notebook out of the staging folder, for the user to inspect."""
    project.failures_dir.mkdir(parents=True, exist_ok=True)
    kept = project.failures_dir / job.output.replace("/", "__")
    if (stage / job.output).exists():
        shutil.copyfile(stage / job.output, kept)
    return kept


def _carry_over(old_copy: Path, staged: Path) -> None:
    """An unchanged chapter into the staging folder, with its modification time: Sphinx re-reads (and
    re-writes) a page whose source is newer than its last build, so a fresh time would rebuild it."""
    staged.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(old_copy, staged)


def _keep_times_of_unchanged(staged_dir: Path, previous_dir: Path) -> None:
    """Give each staged table that is byte-identical to the previous one the previous modification time
    (the Downloads page depends on the tables: Sphinx rebuilds it when one looks newer)."""
    for staged in staged_dir.iterdir():
        previous = previous_dir / staged.name
        try:
            if previous.stat().st_size == staged.stat().st_size and previous.read_bytes() == staged.read_bytes():
                shutil.copystat(previous, staged)
        except OSError:
            continue  # no previous table (or unreadable): the fresh time is right


def run(project: Project, data_dir: Path | None = None, jobs: int = 1, only: list[str] | None = None,
        as_of: str | None = None, force: bool = False) -> list[Outcome]:
    """Execute the book's chapters of `project` for `data_dir` (default: the project's data/); raises
    RunFailed (nothing swapped in) on any failure."""
    data_dir = (data_dir or project.data_dir).resolve()
    recover_interrupted_swap(project)
    try:
        record = load(data_dir, AnalysisParams(as_of=as_of))
    except DataError as error:
        raise RunFailed(f"the data in {data_dir} is not valid:\n{error}") from None
    tables = compute_all(record)
    all_jobs = plan(record.issues)
    try:
        chosen = select(all_jobs, only)
    except ValueError as error:
        raise RunFailed(str(error)) from None

    previous = _previous_manifest(project)
    code_key, env_key = fingerprint.code_digest(), fingerprint.environment_digest()
    keys = {}
    for job in all_jobs:
        data_key = fingerprint.data_digest(job, data_dir, record.statements, record.issues, tables)
        parameters = job.parameters(project.generated_dir, data_dir, as_of)
        keys[job.output] = fingerprint.job_key(job, parameters, data_key, code_key, env_key)

    stage = project.generated_dir.with_name(project.generated_dir.name + f".staging-{os.getpid()}")
    executor = _Executor()
    try:
        with _interrupts_raise():
            for leftover in project.generated_dir.parent.glob(project.generated_dir.name + ".staging-*"):
                shutil.rmtree(leftover, ignore_errors=True)  # from a run that was killed outright
            try:
                stage.mkdir(parents=True)
                write_tables(tables, stage / TABLES_SUBDIR)
                # The published data package, described by the shipped (trusted) schema.
                write_archive(project.data_dir / "datapackage.json", data_dir, stage / TABLES_SUBDIR,
                              stage / TABLES_SUBDIR / ARCHIVE_NAME)
                write_bibtex(project.data_dir / "datapackage.json", record.sources, __version__,
                             stage / TABLES_SUBDIR)
                _keep_times_of_unchanged(stage / TABLES_SUBDIR, project.generated_dir / TABLES_SUBDIR)
            except OSError as error:
                raise RunFailed(f"cannot write the staging folder {stage}: {error}") from None
            outcomes = _execute_all(project, all_jobs, chosen, keys, previous, stage, data_dir, as_of, jobs,
                                    executor, force)
            manifest = {job.output: keys[job.output] for job in all_jobs
                        if (stage / job.output).exists() and keys[job.output] != "stale"}
            (stage / MANIFEST_NAME).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n",
                                               encoding="utf-8")
            _swap_in(project, stage, toc.render(all_jobs, project))
    except _Interrupted as interrupt:
        executor.stop_all()
        raise RunFailed(f"interrupted by {interrupt}: the previous chapters, tables and table of contents "
                        "were left as they were") from None
    finally:
        executor.close()
        shutil.rmtree(stage, ignore_errors=True)
    return outcomes


def _execute_all(project: Project, all_jobs: list[Job], chosen: list[Job], keys: dict[str, str],
                 previous: dict[str, str], stage: Path, data_dir: Path, as_of: str | None, jobs: int,
                 executor: _Executor, force: bool) -> list[Outcome]:
    outcomes: list[Outcome] = []
    to_run: list[tuple[Job, str]] = []
    chosen_names = {job.name for job in chosen}
    for job in all_jobs:
        old_copy = project.generated_dir / job.output
        up_to_date = previous.get(job.output) == keys[job.output] and old_copy.exists()
        if job.name not in chosen_names:
            # Not selected: keep the last chapter as it is, but never claim it is current.
            if old_copy.exists():
                _carry_over(old_copy, stage / job.output)
                if not up_to_date:
                    keys[job.output] = "stale"
            continue
        if up_to_date and not force:
            _carry_over(old_copy, stage / job.output)
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
        raise _Interrupted(signal.SIGINT)
    return outcomes

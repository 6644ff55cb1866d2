"""`talks2022 build`: Jupyter Book 1 (execution off) into _build/html, swapped in only on success.

Sphinx writes into a private folder (_build/.jb, kept between builds so unchanged pages are not
re-read); the published _build/html is replaced only when the whole build passed with warnings
treated as errors and nitpicky reference checks on.

A build holds the project's lock (one run or build at a time) and first repairs what a killed run or
build left half-done. A full disk, a read-only folder or an interrupt while the site is copied or swapped
leaves _build/html as it was, and no html.new or html.old behind.

A build whose inputs are byte for byte those of the last successful build, with the same installed
packages and options, and whose published _build/html is still exactly what that build published, is
skipped: Jupyter Book would only rewrite the same site (starting Sphinx alone takes over a second).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from talks2022.paths import Project
from talks2022.pipeline import faults, interrupts
from talks2022.pipeline.jobs import digest
from talks2022.pipeline.lock import project_lock
from talks2022.pipeline.run import RunFailed, one_line_failures, recover_interrupted_swap

SPHINX_WORK_SUBDIR = ".jb"
# What the last successful build was made from and what it published (inside the Sphinx folder, which a
# failed build removes).
BUILD_STAMP_NAME = "talks2022-build.json"
# Top-level folders of the project that are never read by a build: outputs, caches, tools, git.
# (tests, bench and tools are excluded from the book in _config.yml too.)
NOT_BUILD_INPUTS = frozenset({"_build", ".git", ".nox", ".pytest_cache", ".hypothesis", ".ruff_cache", ".venv",
                              "venv", "tests", "bench", "tools"})


def jupyter_book_command() -> list[str]:
    script = Path(sys.executable).with_name("jupyter-book")
    return [str(script)] if script.exists() else [sys.executable, "-m", "jupyter_book.cli.main"]


def sphinx_work_dir(project: Project) -> Path:
    return project.build_dir / SPHINX_WORK_SUBDIR


SITE_LEFT_AS_IT_WAS = "_build/html was left as it was"


def build(project: Project, strict: bool = True, wait: bool = False) -> Path:
    """Build the book of `project` into its _build/html; the path of the index page."""
    swapped = "the new site was being swapped in; the swap finished first: _build/html is the new site, complete"
    with one_line_failures(SITE_LEFT_AS_IT_WAS, swapped):
        with interrupts.raising_if_main_thread(), project_lock(project, wait=wait):
            recover_interrupted_swap(project)
            recover_interrupted_publish(project)
            return _build_locked(project, strict)


def recover_interrupted_publish(project: Project) -> None:
    """Put the last published site back if a build was killed between its two renames; clear leftovers."""
    html_dir = project.html_dir
    fresh, old = html_dir.with_name("html.new"), html_dir.with_name("html.old")
    if old.exists() and not html_dir.exists():
        old.rename(html_dir)
    for leftover in (fresh, old):
        if leftover.exists():
            shutil.rmtree(leftover)


def _build_locked(project: Project, strict: bool) -> Path:
    html_dir, work_dir = project.html_dir, sphinx_work_dir(project)
    build_stamp = work_dir / BUILD_STAMP_NAME
    if not project.generated_dir.exists():
        raise RunFailed("no executed chapters in book/generated: run `talks2022 run` first")
    inputs = _inputs_digest(project.root, strict)  # before the build: a file changed meanwhile makes the next one run
    if _published_from(build_stamp, html_dir, inputs):
        return html_dir / "index.html"
    command = [*jupyter_book_command(), "build", str(project.root), "--path-output", str(work_dir)]
    if strict:
        command += ["-W", "-n", "--keep-going"]
    faults.check("sphinx", work_dir)
    try:
        result = subprocess.run(command, capture_output=True, text=True)
    except BaseException:
        shutil.rmtree(work_dir, ignore_errors=True)  # an interrupted Sphinx may leave a half-saved environment
        raise
    if result.returncode != 0:
        # A failed build's saved environment would hide its warnings next time: start afresh then.
        shutil.rmtree(work_dir, ignore_errors=True)
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-40:])
        if "No space left on device" in tail or "Read-only file system" in tail or "Permission denied" in tail:
            line = next(line for line in reversed(tail.splitlines())
                        if "No space left" in line or "Read-only" in line or "Permission denied" in line)
            raise RunFailed(f"the book did not build ({line.strip()}); {SITE_LEFT_AS_IT_WAS}")
        raise RunFailed(f"the book did not build; {SITE_LEFT_AS_IT_WAS}.\n{tail}")
    built = work_dir / "_build" / "html"
    fresh = html_dir.with_name("html.new")
    old = html_dir.with_name("html.old")
    try:
        shutil.rmtree(fresh, ignore_errors=True)
        faults.check("copytree", fresh)
        shutil.copytree(built, fresh, copy_function=_copy_file)
        with interrupts.deferred() as pending:
            moved_old = False
            try:
                if html_dir.exists():
                    faults.check("publish", html_dir)
                    html_dir.rename(old)
                    moved_old = True
                fresh.rename(html_dir)
            except OSError:
                if moved_old and not html_dir.exists():
                    old.rename(html_dir)
                raise
    finally:
        shutil.rmtree(fresh, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)
    _write_stamp(build_stamp, inputs, html_dir)
    interrupts.raise_pending(pending)
    return html_dir / "index.html"


def _copy_file(source: str, destination: str) -> str:
    faults.check("copytree-file", destination)  # a disk that fills up part-way through the copy
    return shutil.copy2(source, destination)


def _write_stamp(build_stamp: Path, inputs: str, html_dir: Path) -> None:
    try:  # the site is published; without a stamp the next build only runs again
        faults.check("stamp", build_stamp)
        build_stamp.write_text(json.dumps({"inputs": inputs, "published": _tree_digest(html_dir)}), encoding="utf-8")
    except OSError:
        build_stamp.unlink(missing_ok=True)


def _published_from(build_stamp: Path, html_dir: Path, inputs: str) -> bool:
    """True when the last successful build had these inputs and _build/html is still what it published."""
    try:
        stamp = json.loads(build_stamp.read_text(encoding="utf-8"))
        return stamp["inputs"] == inputs and stamp["published"] == _tree_digest(html_dir)
    except (OSError, ValueError, KeyError, TypeError):
        return False  # no stamp, an unreadable one, or no site: build


def _inputs_digest(root: Path, strict: bool) -> str:
    """Every file of the project a build could read (contents: a run rewrites unchanged files), the
    installed packages (their metadata folders name their versions), the interpreter and the options."""
    return digest(_tree_digest(root, skip=NOT_BUILD_INPUTS), *_installed_packages(), sys.executable, str(strict))


def _tree_digest(folder: Path, skip: frozenset[str] = frozenset()) -> str:
    """Digest of the relative path and the bytes of every file under `folder`, less the top-level `skip`
    folders and Python caches; an unreadable file changes the digest on every call (never skips a build)."""
    parts: list[str | bytes] = []
    for directory, subfolders, files in os.walk(folder):
        top = Path(directory) == folder
        subfolders[:] = sorted(name for name in subfolders if not (top and name in skip)
                               and name != "__pycache__" and not name.endswith(".egg-info"))
        for name in sorted(files):
            path = Path(directory, name)
            try:
                content = path.read_bytes()
            except OSError:
                content = os.urandom(16)
            parts += [path.relative_to(folder).as_posix(), content]
    if not parts and not folder.is_dir():
        raise FileNotFoundError(folder)
    return digest(*parts)


def _installed_packages() -> list[str]:
    names = []
    for entry in sys.path:
        try:
            names += sorted(name for name in os.listdir(entry or ".") if name.endswith((".dist-info", ".egg-info")))
        except OSError:
            continue  # a zip or a missing folder on the path
    return names

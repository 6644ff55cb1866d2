"""`python -m analysis build`: Jupyter Book 1 (execution off) into _build/html, swapped in only on success.

Sphinx writes into a private folder (_build/.jb, kept between builds so unchanged pages are not
re-read); the published _build/html is replaced only when the whole build passed with warnings
treated as errors and nitpicky reference checks on.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from analysis.paths import BUILD_DIR, GENERATED_DIR, HTML_DIR, ROOT
from analysis.pipeline import RunFailed, _signals_deferred

SPHINX_WORK_DIR = BUILD_DIR / ".jb"


def jupyter_book_command() -> list[str]:
    script = Path(sys.executable).with_name("jupyter-book")
    return [str(script)] if script.exists() else [sys.executable, "-m", "jupyter_book.cli.main"]


def build(strict: bool = True) -> Path:
    if not GENERATED_DIR.exists():
        raise RunFailed("no executed chapters in book/generated: run `python -m analysis run` first")
    command = [*jupyter_book_command(), "build", str(ROOT), "--path-output", str(SPHINX_WORK_DIR)]
    if strict:
        command += ["-W", "-n", "--keep-going"]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        # A failed build's saved environment would hide its warnings next time: start afresh then.
        shutil.rmtree(SPHINX_WORK_DIR, ignore_errors=True)
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-40:])
        raise RunFailed(f"the book did not build; _build/html was left as it was.\n{tail}")
    built = SPHINX_WORK_DIR / "_build" / "html"
    fresh = HTML_DIR.with_name("html.new")
    old = HTML_DIR.with_name("html.old")
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.copytree(built, fresh)
    with _signals_deferred():
        if HTML_DIR.exists():
            HTML_DIR.rename(old)
        fresh.rename(HTML_DIR)
    shutil.rmtree(old, ignore_errors=True)
    return HTML_DIR / "index.html"

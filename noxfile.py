"""Sessions: book (validate, run the notebooks, build the HTML), test, lint, bench, pdf.

The README's two commands are `python3 -m pip install nox && nox -s book` and
`python3 -m pip install nox && nox -s test`. Extra arguments after `--` go to `talks2022 run`
for the book session (e.g. `nox -s book -- --data path/to/data --jobs 2`) and to pytest for test.
"""

from __future__ import annotations

import os
import shutil

import nox

os.environ.setdefault("NOX_DOWNLOAD_PYTHON", "never")
nox.options.default_venv_backend = "mamba|conda|venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["book"]

PYTHON = None  # the interpreter nox runs under (3.11+ on the target machines)


def _install(session: nox.Session, *extras: str) -> None:
    """The package and its extras, at the exact versions of constraints.txt (the lock of the environment)."""
    spec = f".[{','.join(extras)}]" if extras else "."
    session.install("-c", "constraints.txt", "-e", spec)


def _run_arguments(posargs: list[str]) -> tuple[list[str], str]:
    """Split `--data DIR` out of the posargs: validate needs it too."""
    data = "data"
    if "--data" in posargs:
        index = posargs.index("--data")
        if index + 1 < len(posargs):
            data = posargs[index + 1]
    return posargs, data


@nox.session(python=PYTHON)
def book(session: nox.Session) -> None:
    """Validate the data, execute the chapters with papermill, build _build/html (warnings are errors)."""
    _install(session)
    run_args, data = _run_arguments(list(session.posargs))
    session.run("talks2022", "validate", data)
    session.run("talks2022", "run", *run_args)
    session.run("talks2022", "build")
    session.log("The site is in _build/html; open _build/html/index.html in a browser.")


@nox.session(python=PYTHON)
def test(session: nox.Session) -> None:
    """Strict nbval over the committed chapters, then unit, pipeline, fault and browser tests."""
    # The browser tests are required (CI too): without Debian's chromium, say what to install and stop.
    if not (shutil.which("chromium") or os.path.exists("/usr/bin/chromium")):
        session.error("chromium not found: the browser tests need Debian's chromium (apt-get install chromium)")
    _install(session, "test")
    session.run("talks2022", "validate")
    # One line: which data the committed chapters were built from (a warning when it is not data/ as it is).
    session.run("talks2022", "provenance")
    # First, before anything is re-run: the committed chapters must be exactly what the current code and
    # data produce (strict nbval re-executes every cell and compares the outputs).
    session.run("python", "-m", "pytest", "--nbval", "-p", "no:cacheprovider", "book/generated", "-q")
    # The browser checks read the built site: build it from the committed chapters (no re-execution).
    session.run("talks2022", "build")
    session.run("python", "-m", "pytest", "tests", *session.posargs, env={"T22_REQUIRE_SITE": "1"})


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff over the code and the notebooks (ruff reads .ipynb itself: analysis/talks2022/templates)."""
    _install(session, "lint")
    session.run("ruff", "check", "analysis", "tests", "bench", "noxfile.py")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks: writes bench/results.md and bench/results.json."""
    _install(session, "test")
    session.run("python", "bench/run.py", *session.posargs)


@nox.session(python=PYTHON)
def pdf(session: nox.Session) -> None:
    """The whole book as one PDF with its charts (offline, Debian's chromium): _build/pdf/talks2022.pdf, also
    copied into the site as _build/html/talks2022.pdf (the Downloads page links it); then checks it."""
    _install(session, "test")
    session.run("talks2022", "build")
    session.run("python", "-m", "talks2022.book.pdf")
    session.run("python", "-m", "pytest", "tests/test_pdf.py", "-q", env={"T22_REQUIRE_PDF": "1"})

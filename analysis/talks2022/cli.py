"""Command line: talks2022 validate | run | build | provenance (also `python -m talks2022`)."""

from __future__ import annotations

import argparse
import datetime
import re
import sys
from pathlib import Path

from talks2022.paths import PROJECT_ENV, Project, ProjectNotFound, find_project
from talks2022.pipeline import interrupts

PROG = "talks2022"
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", re.ASCII)


def iso_date(text: str) -> str:
    """argparse type: a real date written YYYY-MM-DD in ASCII digits, returned as that text."""
    if not _ISO_DATE.fullmatch(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a date written YYYY-MM-DD")
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a real date") from None
    return text


def positive_int(text: str) -> int:
    """argparse type: an integer of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def _parser() -> argparse.ArgumentParser:
    from talks2022 import __version__

    parser = argparse.ArgumentParser(prog=PROG, description=__doc__)
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--project", metavar="DIR",
                        help=f"the project folder (with _config.yml and data/datapackage.json); default: "
                             f"${PROJECT_ENV}, else the nearest such folder at or above the working directory")
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="check a data folder against its datapackage.json")
    validate.add_argument("data_dir", nargs="?", help="data folder (default: the project's data/)")
    run = commands.add_parser("run", help="execute the chapters with papermill into book/generated")
    run.add_argument("--data", help="data folder (default: the project's data/)")
    run.add_argument("--jobs", type=positive_int, default=1, help="notebooks executed at once (default 1)")
    run.add_argument("--only", nargs="+", metavar="NAME", help="execute only these chapters")
    run.add_argument("--as-of", type=iso_date, help="cut the record at this date (YYYY-MM-DD)")
    run.add_argument("--force", action="store_true", help="re-execute even unchanged chapters")
    build = commands.add_parser("build", help="build the HTML book into _build/html")
    build.add_argument("--no-strict", action="store_true", help="do not treat warnings as errors")
    for command in (run, build):
        command.add_argument("--wait", action="store_true",
                             help="wait for another run or build on this project to finish (default: stop)")
    commands.add_parser("provenance", help="say which data the chapters in book/generated were built from")
    return parser


def _check_second_coding(data_dir: Path) -> int:
    """The optional reliability/second_coding.csv must refer to scored statements of the same folder."""
    from talks2022.data.dataset import load
    from talks2022.methods.reliability import ReliabilityError, compare, read_second_coding

    try:
        second = read_second_coding(data_dir)
        if second is not None:
            compare(load(data_dir).statements, second)
            print(f"valid: {len(second)} second-coded positions ({data_dir / 'reliability'})")
    except ReliabilityError as error:
        print(error)
        return 1
    return 0


def _project(args: argparse.Namespace) -> Project:
    try:
        return find_project(args.project)
    except ProjectNotFound as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def main(argv: list[str] | None = None) -> int:
    """The command; a Ctrl-C (or SIGTERM) at any moment ends it with one line and exit status 130."""
    interrupts.install()  # first: from here on an interrupt is one exception, caught below
    try:
        return _main(argv)
    except KeyboardInterrupt as interrupt:
        name = str(interrupt) or "SIGINT"
        print(f"{PROG}: interrupted by {name}: nothing was changed", file=sys.stderr)
        return 130


def _main(argv: list[str] | None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "validate" and args.data_dir is not None and args.project is None:
        data_dir = Path(args.data_dir)  # an explicit folder needs no project around it
    else:
        project = _project(args)
        data_dir = Path(args.data_dir) if args.command == "validate" and args.data_dir else project.data_dir
    if args.command == "validate":
        from talks2022.data import validate

        status = validate.main([str(data_dir)])
        return status or _check_second_coding(data_dir)
    if args.command == "provenance":
        from talks2022.pipeline.run import provenance

        line, _matches = provenance(project)
        print(line)
        return 0
    from talks2022.pipeline.run import RunFailed

    try:
        if args.command == "run":
            from talks2022.pipeline.run import run

            outcomes = run(project, Path(args.data) if args.data else None, jobs=args.jobs, only=args.only,
                           as_of=args.as_of, force=args.force, wait=args.wait)
            executed = sum(outcome.status == "executed" for outcome in outcomes)
            print(f"run: {executed} chapter(s) executed, {len(outcomes) - executed} unchanged and skipped")
        else:
            from talks2022.pipeline.build import build

            index = build(project, strict=not args.no_strict, wait=args.wait)
            print(f"build: {index}")
    except RunFailed as failure:
        print(f"error: {failure}", file=sys.stderr)
        return 130 if str(failure).startswith("interrupted") else 1
    return 0

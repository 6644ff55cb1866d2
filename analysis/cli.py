"""Command line: python -m analysis validate | run | build."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analysis.paths import DATA_DIR


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analysis", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="check a data folder against data/datapackage.json")
    validate.add_argument("data_dir", nargs="?", default=str(DATA_DIR))
    run = commands.add_parser("run", help="execute the chapters with papermill into book/generated")
    run.add_argument("--data", default=str(DATA_DIR), help="data folder (default: data/)")
    run.add_argument("--jobs", type=int, default=1, help="notebooks executed at once (default 1)")
    run.add_argument("--only", nargs="+", metavar="NAME", help="execute only these chapters")
    run.add_argument("--as-of", help="cut the record at this date (YYYY-MM-DD)")
    run.add_argument("--force", action="store_true", help="re-execute even unchanged chapters")
    build = commands.add_parser("build", help="build the HTML book into _build/html")
    build.add_argument("--no-strict", action="store_true", help="do not treat warnings as errors")
    return parser


def _check_second_coding(data_dir: Path) -> int:
    """The optional reliability/second_coding.csv must refer to scored statements of the same folder."""
    from analysis.dataset import load
    from analysis.reliability import ReliabilityError, compare, read_second_coding

    try:
        second = read_second_coding(data_dir)
        if second is not None:
            compare(load(data_dir).statements, second)
            print(f"valid: {len(second)} second-coded positions ({data_dir / 'reliability'})")
    except ReliabilityError as error:
        print(error)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "validate":
        from analysis import validate
        status = validate.main([args.data_dir])
        return status or _check_second_coding(Path(args.data_dir))
    from analysis.pipeline import RunFailed
    try:
        if args.command == "run":
            from analysis.pipeline import run
            outcomes = run(Path(args.data), jobs=args.jobs, only=args.only, as_of=args.as_of,
                           force=args.force)
            executed = sum(outcome.status == "executed" for outcome in outcomes)
            print(f"run: {executed} chapter(s) executed, {len(outcomes) - executed} unchanged and skipped")
        else:
            from analysis.build import build
            index = build(strict=not args.no_strict)
            print(f"build: {index}")
    except RunFailed as failure:
        print(f"error: {failure}", file=sys.stderr)
        return 1
    return 0

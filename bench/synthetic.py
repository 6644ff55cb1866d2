"""Seeded synthetic datasets for the benchmark: the shipped data/ scaled up `factor` times, still valid.

The statements are replicated: the first copy is the shipped rows unchanged, every further copy gets new
statement ids (drawn in a fixed order from the id space the schema's pattern S[0-9]{2,3}-[0-9]{1,2}[a-z]?
allows, item numbers written without a leading zero: (100 + 1000) x 100 x 27 = 2,970,000 ids, enough for
1000 times the ~480 shipped rows) and a little seeded jitter, so the record is not trivially duplicated:

* positions move by -1, 0 or +1 POSITION_STEP (12.5 points: positions are anchors or the midpoints
  between them, a validated rule), clipped to the 0-100 scale; saliences move by -1, 0 or +1
  SALIENCE_STEP (the codebook's levels 25, 50, 75 and 100), clipped to those levels; both only where the
  shipped row has a value (the cross-table rules decide where a position or salience may be, and the copy
  keeps the shipped row's kind, issue, actor, source, attribution, verification, key phrase and
  conditional flag, so every rule that holds for the shipped row holds for the copy);
* dates move by up to DATE_JITTER_DAYS days, clipped to the window of the statement's round and never
  after the date of its source (a statement is not reported before it is made); an undated statement
  stays undated.

The other tables (sources, actors, meetings, issues, revision_log), the second coding and
datapackage.json are copied byte for byte: new sources, issues or rounds would change the book's shape,
not its size. The same data, factor and seed always give the same bytes.

The validator reads no data file larger than talks2022.data.schema.MAX_FILE_BYTES (50 MiB): a factor
whose statements.csv would be larger (with the shipped text, above about 186x) is refused with a
ValueError before anything is written, as such a folder could never be validated or run.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import random
import shutil
import string
import sys
from collections.abc import Iterator
from pathlib import Path

from talks2022.data.schema import MAX_FILE_BYTES

DEFAULT_SEED = 20220110
POSITION_STEP = 12.5
SALIENCE_STEP = 25  # the codebook's salience levels: 25, 50, 75, 100
DATE_JITTER_DAYS = 2
STATEMENTS = "statements.csv"
COPIED_AS_IS = ("datapackage.json", "sources.csv", "actors.csv", "meetings.csv", "issues.csv", "revision_log.csv")
OPTIONAL = ("reliability/second_coding.csv",)  # copied when the data folder has it
ID_SUFFIXES = ("", *string.ascii_lowercase)


def statement_ids() -> Iterator[str]:
    """Every id the statement_id pattern allows (item numbers without leading zeros), in a fixed order."""
    sources = [f"S{number:02d}" for number in range(100)] + [f"S{number:03d}" for number in range(1000)]
    for suffix in ID_SUFFIXES:
        for item in range(100):
            for source in sources:
                yield f"{source}-{item}{suffix}"


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _csv_text(header: list[str], rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _round_windows(meetings: list[dict[str, str]]) -> dict[str, tuple[datetime.date, datetime.date]]:
    return {row["meeting_id"]: (datetime.date.fromisoformat(row["window_start"]),
                                datetime.date.fromisoformat(row["window_end"])) for row in meetings}


def _source_dates(sources: list[dict[str, str]]) -> dict[str, datetime.date | None]:
    return {row["source_id"]: datetime.date.fromisoformat(row["date"]) if row["date"] else None
            for row in sources}


def _jitter_salience(text: str, rng: random.Random) -> str:
    """A salience moved by at most one of the codebook's levels (25 to 100); an empty cell stays empty."""
    if text == "":
        return ""
    value = float(text) + SALIENCE_STEP * rng.randint(-1, 1)
    return f"{min(100.0, max(float(SALIENCE_STEP), value)):g}"


def _jitter_position(text: str, rng: random.Random) -> str:
    """A position moved by at most one grid step (anchors and midpoints); an empty cell stays empty."""
    if text == "":
        return ""
    value = float(text) + POSITION_STEP * rng.randint(-1, 1)
    return f"{min(100.0, max(0.0, value)):g}"


def _jitter_date(text: str, window: tuple[datetime.date, datetime.date], source_date: datetime.date | None,
                 rng: random.Random) -> str:
    """A date moved by a few days within the round's window and not after the source's date."""
    if text == "":
        return ""
    date = datetime.date.fromisoformat(text)
    latest = window[1] if source_date is None else max(date, min(window[1], source_date))
    moved = date + datetime.timedelta(days=rng.randint(-DATE_JITTER_DAYS, DATE_JITTER_DAYS))
    return min(latest, max(window[0], moved)).isoformat()


def scaled_statements(statements: list[dict[str, str]], meetings: list[dict[str, str]],
                      sources: list[dict[str, str]], factor: int, seed: int) -> list[dict[str, str]]:
    """The shipped rows, then factor - 1 jittered copies with fresh ids."""
    windows = _round_windows(meetings)
    source_dates = _source_dates(sources)
    used = {row["statement_id"] for row in statements}
    fresh_ids = (statement_id for statement_id in statement_ids() if statement_id not in used)
    rng = random.Random(seed)
    rows = list(statements)
    for _copy in range(1, factor):
        for row in statements:
            try:
                new_id = next(fresh_ids)
            except StopIteration:
                raise ValueError(f"factor {factor} needs more statement ids than the pattern allows") from None
            rows.append({**row, "statement_id": new_id,
                         "position": _jitter_position(row["position"], rng),
                         "salience": _jitter_salience(row["salience"], rng),
                         "date": _jitter_date(row["date"], windows[row["meeting_id"]],
                                              source_dates[row["source_id"]], rng)})
    return rows


def generate(data_dir: Path, out_dir: Path, factor: int, seed: int = DEFAULT_SEED) -> Path:
    """Write the dataset of `data_dir` scaled `factor` times into `out_dir` (created; files overwritten)."""
    if factor < 1:
        raise ValueError("factor must be at least 1")
    header, statements = _read_csv(data_dir / STATEMENTS)
    _, meetings = _read_csv(data_dir / "meetings.csv")
    _, sources = _read_csv(data_dir / "sources.csv")
    # Bytes, written as they are: the '\n' line ends of _csv_text stay '\n' on every platform.
    content = _csv_text(header, scaled_statements(statements, meetings, sources, factor, seed)).encode("utf-8")
    if len(content) > MAX_FILE_BYTES:
        raise ValueError(f"factor {factor} makes {STATEMENTS} {len(content):,} bytes, more than the "
                         f"{MAX_FILE_BYTES:,} the validator reads from one data file: at most about "
                         f"{factor * MAX_FILE_BYTES // len(content)}x fits")
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in COPIED_AS_IS:
        shutil.copyfile(data_dir / name, out_dir / name)
    for name in OPTIONAL:
        if (data_dir / name).is_file():
            (out_dir / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(data_dir / name, out_dir / name)
    (out_dir / STATEMENTS).write_bytes(content)
    return out_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("factor", type=int, help="how many times the shipped statements")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parent.parent / "data")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    generate(args.data, args.out_dir, args.factor, args.seed)
    print(f"wrote {args.out_dir} ({args.factor}x, seed {args.seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

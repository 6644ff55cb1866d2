"""What the chapter notebooks call: parameter checks, loading, and escaped HTML for text and tables.

Notebooks stay thin: one call opens a page (checking its parameters first, with a clear message
instead of a KeyError deep in a cell), and every piece of text that carries data goes through
`html.escape` here, so hostile strings in a data folder show as inert text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from talks2022.data.dataset import DataError, Record, load
from talks2022.methods.params import AnalysisParams, filter_statements

# Tables longer than this show their first rows and point to the downloadable CSV (pages stay small).
MAX_TABLE_ROWS = 300
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SAFE_URL = re.compile(r"^https?://[^\s\"'<>]+$")


class ParameterError(ValueError):
    """A notebook parameter that cannot work: says which and what would."""


@dataclass(frozen=True)
class Page:
    record: Record  # the loaded data and the analysis parameters (as_of)
    tables: dict[str, pd.DataFrame]
    issue: pd.Series | None  # the issues.csv row of an issue chapter

    @property
    def params(self) -> AnalysisParams:
        return self.record.params

    def analysed_statements(self) -> pd.DataFrame:
        """The statements the analysis uses (confirmed, and up to as_of), with actor and source columns;
        dates as ISO text, '' when undated."""
        statements = filter_statements(self.record.statements, self.params)
        return with_context(statements, self.record)


def with_context(statements: pd.DataFrame, record: Record) -> pd.DataFrame:
    """Statements joined with actor names and sides, round labels and source titles and URLs."""
    actors = record.actors[["actor_id", "name", "speaker_group", "kind"]].rename(
        columns={"name": "actor", "kind": "actor_kind"})
    meetings = record.meetings[["meeting_id", "label", "sequence"]].rename(columns={"label": "round"})
    sources = record.sources[["source_id", "title", "publisher", "url"]].rename(
        columns={"title": "source_title"})
    return (statements.merge(actors, on="actor_id", how="left")
            .merge(meetings, on="meeting_id", how="left")
            .merge(sources, on="source_id", how="left"))


def open_page(data_dir: str, tables_dir: str, as_of: str | None = None, issue_id: str | None = None) -> Page:
    """Check the notebook's parameters, then load the data and the derived tables."""
    data_path, tables_path = Path(data_dir), Path(tables_dir)
    if not data_path.is_dir():
        raise ParameterError(f"data_dir {data_dir!r} is not a folder (seen from {Path.cwd()})")
    if not tables_path.is_dir():
        raise ParameterError(f"tables_dir {tables_dir!r} is not a folder: run `talks2022 run`")
    if as_of is not None and (not isinstance(as_of, str) or not _ISO_DATE.match(as_of)):
        raise ParameterError(f"as_of must be a date written YYYY-MM-DD, not {as_of!r}")
    try:
        record = load(data_path, AnalysisParams(as_of=as_of))
    except DataError as error:
        raise ParameterError(f"the data in {data_dir!r} is not valid:\n{error}") from None
    issue = None
    if issue_id is not None:
        positional = record.issues[record.issues["positional"]]
        matches = positional[positional["issue_id"] == issue_id]
        if matches.empty:
            known = ", ".join(positional["issue_id"])
            raise ParameterError(f"unknown issue_id {issue_id!r}: the positional issues are {known}")
        issue = matches.iloc[0]
    tables = {path.stem: pd.read_csv(path, keep_default_na=True) for path in sorted(tables_path.glob("*.csv"))}
    return Page(record=record, tables=tables, issue=issue)


# --- escaped HTML -------------------------------------------------------------------------------------

def esc(value: object) -> str:
    """Text for HTML: empty for missing values, everything else escaped."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return html.escape(str(value), quote=True)


def link(text: object, url: object) -> str:
    """A link only for plain http(s) addresses; anything else is shown as escaped text."""
    if isinstance(url, str) and _SAFE_URL.match(url):
        return f'<a href="{esc(url)}" rel="noopener noreferrer">{esc(text)}</a>'
    return esc(text)


def iso_date(value: object) -> str:
    """A date as 'YYYY-MM-DD' text; '' when missing (NaT, None or '')."""
    if value is None or value is pd.NaT or (isinstance(value, float) and pd.isna(value)) or value == "":
        return ""
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def number(value: object, digits: int = 0) -> str:
    if value is None or pd.isna(value):
        return "n/a"
    return f"{float(value):.{digits}f}"


def paragraph(text_html: str) -> str:
    return f"<p>{text_html}</p>"


def table(rows: Iterable[Sequence[str]], header: Sequence[str], caption: str = "",
          max_rows: int = MAX_TABLE_ROWS) -> str:
    """An HTML table from cells that are ALREADY escaped HTML (use esc/link/number for each)."""
    rows = list(rows)
    note = ""
    if len(rows) > max_rows:
        note = f"<p>The first {max_rows} of {len(rows)} rows are shown; the full table is on the Downloads page.</p>"
        rows = rows[:max_rows]
    head = "".join(f"<th scope=\"col\">{esc(name)}</th>" for name in header)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return (f'<div class="t22-scroll"><table class="t22-table">{cap}<thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>{note}")


def figures(items: Sequence[tuple[str, str]]) -> str:
    """Headline numbers as cards: (number, label) pairs, both plain text."""
    cards = "".join(f'<div class="t22-figure"><div class="t22-number">{esc(value)}</div>{esc(label)}</div>'
                    for value, label in items)
    return f'<div class="t22-figures">{cards}</div>'


def statement_table(statements: pd.DataFrame, caption: str = "", max_rows: int = MAX_TABLE_ROWS) -> str:
    """The statements behind a chart: who, when, what, the verbatim phrase and the source link."""
    ordered = statements.sort_values(["sequence", "date", "statement_id"], kind="stable")
    note = ""
    if len(ordered) > max_rows:
        note = (f"<p>The first {max_rows} of {len(ordered)} statements are shown; all are in "
                "statements.csv (see Downloads).</p>")
        ordered = ordered.head(max_rows)
    rows = [
        [esc(row.statement_id), esc(row.actor), esc(row.date or "not given"), esc(row.round),
         esc(row.kind.replace("_", " ")), number(row.position), esc(row.summary),
         f"<q>{esc(row.key_phrase)}</q>" if row.key_phrase else "",
         link(row.source_title, row.url)]
        for row in ordered.itertuples()
    ]
    return table(rows, ["id", "actor", "date", "round", "kind", "position", "summary (our words)",
                        "key phrase (verbatim)", "source"], caption) + note

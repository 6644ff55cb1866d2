"""What the chapter notebooks call: parameter checks, loading, and escaped HTML for text and tables.

Notebooks stay thin: one call opens a page (checking its parameters first, with a clear message
instead of a KeyError deep in a cell), and every piece of text that carries data goes through
`html.escape` here, so hostile strings in a data folder show as inert text.
"""

from __future__ import annotations

import functools
import html
import posixpath
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pandas as pd

from talks2022.data.dataset import DataError, Record, load
from talks2022.methods.params import AnalysisParams, filter_statements

# Tables longer than this show their first rows and point to the downloadable CSV (pages stay small).
MAX_TABLE_ROWS = 300
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SAFE_URL = re.compile(r"^https?://[^\s\"'<>]+$")
# The explorer (one row per statement, each with id="<statement_id>"), relative to book/generated/: part 1
# is explorer.html, part k explorer_k.html, EXPLORER_ROWS rows each (a thousand rows make about 1.3 MB).
EXPLORER_PAGE = "explorer.html"
EXPLORER_ROWS = 1000


def explorer_parts(statements: int) -> int:
    """How many explorer pages a record of this many statements needs."""
    return max(1, -(-statements // EXPLORER_ROWS))


def explorer_part_page(part: int) -> str:
    return EXPLORER_PAGE if part == 1 else f"explorer_{part}.html"
# Terms of book/glossary.md a chapter may link: key -> (term as written in the glossary, its anchor there).
# Sphinx makes the anchor from the term ("term-" + the term, spaces as hyphens, non-ASCII dropped);
# tests/test_site.py checks that every anchor exists in the built glossary.
GLOSSARY = {
    "lambda": ("Lambda (λ)", "term-Lambda"),
    "compromise model": ("Compromise model", "term-Compromise-model"),
    "nash": ("Nash solution", "term-Nash-solution"),
    "reference point": ("Reference point", "term-Reference-point"),
    "disagreement point": ("Disagreement point", "term-Disagreement-point"),
    "package": ("Package", "term-Package"),
    "salience": ("Salience", "term-Salience"),
    "bootstrap": ("Bootstrap", "term-Bootstrap"),
    "alpha": ("Krippendorff's alpha (α)", "term-Krippendorff-s-alpha"),
    "speaker group": ("Speaker group", "term-Speaker-group"),
    "round": ("Round and stage", "term-Round-and-stage"),
    "conditional": ("Conditional opening", "term-Conditional-opening"),
    "anchor": ("Anchor", "term-Anchor"),
    "midpoint": ("Midpoint", "term-Midpoint"),
    "position": ("Position", "term-Position"),
}


class ParameterError(ValueError):
    """A notebook parameter that cannot work: says which and what would."""


@dataclass(frozen=True)
class Page:
    record: Record  # the loaded data and the analysis parameters (as_of)
    tables: dict[str, pd.DataFrame]
    issue: pd.Series | None  # the issues.csv row of an issue chapter
    tables_dir: str = ""  # as the notebook was given it: relative to the chapter's folder
    # What the page has shown so far: figure numbers, glossary terms already linked.
    shown: dict = field(default_factory=lambda: {"figures": [], "terms": set()}, compare=False, repr=False)

    @property
    def params(self) -> AnalysisParams:
        return self.record.params

    @property
    def generated_prefix(self) -> str:
        """The relative path from the chapter's folder to book/generated/ ('' or '../'), the same in the source
        tree and in the built site (which mirrors it); '' when tables_dir is absolute or not given."""
        given = PurePosixPath(self.tables_dir.replace("\\", "/")) if self.tables_dir else None
        if given is None or given.is_absolute():
            return ""
        parent = posixpath.normpath(str(given.parent))
        return "" if parent == "." else parent + "/"

    def href(self, target: str) -> str:
        """A link to a page or file given relative to book/generated/ (e.g. 'explorer.html', '../glossary.html')."""
        return posixpath.normpath(self.generated_prefix + target) if self.generated_prefix else target

    def explorer_href(self, statement_id: object) -> str:
        """The statement's permanent anchor on the explorer page that holds it."""
        part = self._explorer_part.get(str(statement_id), 1)
        return f"{self.href(explorer_part_page(part))}#{statement_id}"

    @functools.cached_property
    def _explorer_part(self) -> dict[str, int]:
        from talks2022.book.explorer import statement_order  # the explorer's own order (it imports this module)

        if self.record is None:  # a page drawn without a record (tests of the rendering alone): one part
            return {}
        return {str(sid): index // EXPLORER_ROWS + 1 for index, sid in enumerate(statement_order(self.record))}

    def term(self, key: str, text: str | None = None) -> str:
        """HTML for a glossary term: a link to its definition the first time the page uses it, plain after."""
        name, anchor = GLOSSARY[key]
        shown = esc(text if text is not None else name.split(" (")[0].lower())
        if key in self.shown["terms"]:
            return shown
        self.shown["terms"].add(key)
        return f'<a class="t22-term" href="{esc(self.href("../glossary.html"))}#{anchor}">{shown}</a>'

    def statement_link(self, statement_id: object) -> str:
        """A statement id as a link to its row on the explorer page."""
        return f'<a class="t22-sid" href="{esc(self.explorer_href(statement_id))}">{esc(statement_id)}</a>'

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
    return Page(record=record, tables=tables, issue=issue, tables_dir=str(tables_dir))


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
          max_rows: int = MAX_TABLE_ROWS, header_html: Sequence[str] | None = None,
          row_ids: Sequence[str] | None = None, css_class: str = "") -> str:
    """An HTML table from cells that are ALREADY escaped HTML (use esc/link/number for each).

    header is plain text (escaped here); header_html, if given, is what the header cells show instead
    (already escaped, e.g. with a glossary link). Every cell carries its column's name in data-label, which
    the stylesheet shows above the cell when a narrow screen lays each row out as a card. row_ids gives
    each row an id (an anchor others can link to).
    """
    rows = list(rows)
    note = ""
    if len(rows) > max_rows:
        note = f"<p>The first {max_rows} of {len(rows)} rows are shown; the full table is on the Downloads page.</p>"
        rows = rows[:max_rows]
    shown = list(header_html) if header_html is not None else [esc(name) for name in header]
    head = "".join(f"<th scope=\"col\">{cell}</th>" for cell in shown)
    labels = [esc(name) for name in header]
    ids = list(row_ids) if row_ids is not None else [None] * len(rows)
    body = "".join(
        (f'<tr id="{esc(row_id)}">' if row_id else "<tr>")
        + "".join(f'<td data-label="{label}">{cell}</td>' for label, cell in zip(labels, row, strict=True))
        + "</tr>" for row_id, row in zip(ids, rows, strict=False))
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    classes = f"t22-table {css_class}".strip()
    return (f'<div class="t22-scroll"><table class="{classes}">{cap}<thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>{note}")


def figures(items: Sequence[tuple[str, str]]) -> str:
    """Headline numbers as cards: (number, label) pairs, both plain text."""
    cards = "".join(f'<div class="t22-figure"><div class="t22-number">{esc(value)}</div>{esc(label)}</div>'
                    for value, label in items)
    return f'<div class="t22-figures">{cards}</div>'


def statement_table(statements: pd.DataFrame, caption: str = "", max_rows: int = MAX_TABLE_ROWS,
                    page: Page | None = None) -> str:
    """The statements behind a chart: who, when, what, the verbatim phrase and the source link; each id links
    to the statement's row on the explorer page (relative to `page`'s chapter when given)."""
    ordered = statements.sort_values(["sequence", "date", "statement_id"], kind="stable")
    note = ""
    if len(ordered) > max_rows:
        note = (f"<p>The first {max_rows} of {len(ordered)} statements are shown; all are in "
                "statements.csv (see Downloads).</p>")
        ordered = ordered.head(max_rows)
    rows = []
    for row in ordered.itertuples():
        sid = (page.statement_link(row.statement_id) if page is not None
               else f'<a class="t22-sid" href="{EXPLORER_PAGE}#{esc(row.statement_id)}">{esc(row.statement_id)}</a>')
        kind = esc(row.kind.replace("_", " "))
        if _is_true(getattr(row, "conditional", False)):
            kind += " (conditional opening)"
        if row.position is not None and not pd.isna(row.position):
            kind += f", position {number(row.position)}"
        phrase = f" <q>{esc(row.key_phrase)}</q>" if isinstance(row.key_phrase, str) and row.key_phrase else ""
        rows.append([f"{sid}<br>{esc(row.date or 'date not given')}", esc(row.actor),
                     f"{esc(row.round)}<br>{kind}", esc(row.summary) + phrase, link(row.source_title, row.url)])
    return table(rows, ["statement", "who", "round or stage; kind and position",
                        "summary (our words) and key phrase (verbatim)", "source"], caption,
                 css_class="t22-statements") + note


def _is_true(value: object) -> bool:
    return str(value).strip().lower() in {"true", "1", "yes"}

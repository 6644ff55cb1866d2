"""The statement explorer: every statement of the record, each row with a permanent anchor (id="S19-1") that
tables, chart tooltips and search results link to; a thousand statements to a page (pages.EXPLORER_ROWS),
so a page stays small whatever the record's size: explorer.html, then explorer_2.html, ...

The page is a plain table (cards on a phone) that reads without JavaScript; book/_static/t22-explorer.js
adds the filters (actor, issue, round, kind) and a text search over the summary and the key phrase, and
understands `explorer.html?ids=S01-1,S02-3` (only those statements) and `#S19-1` (that statement). The
filters work within a page: on a record of several pages, a chart point that stands for several statements
links to the page of its first one, which shows those of them it holds.
"""

from __future__ import annotations

import pandas as pd

from talks2022.book.charts import group_label
from talks2022.book.pages import (
    EXPLORER_ROWS,
    Page,
    ParameterError,
    esc,
    explorer_part_page,
    explorer_parts,
    link,
    number,
    with_context,
)

COLUMNS = ["statement", "who", "round or stage, and issue", "kind and position",
           "summary (our words) and key phrase (verbatim)", "source"]


def _options(name: str, label: str, values: list[str]) -> str:
    options = "".join(f'<option value="{esc(value)}">{esc(value)}</option>' for value in values)
    return (f'<label>{esc(label)}<select data-filter="{esc(name)}"><option value="">all</option>{options}'
            "</select></label>")


def _is_true(value: object) -> bool:
    return str(value).strip().lower() in {"true", "1", "yes"}


def statements_frame(page: Page) -> pd.DataFrame:
    """Every statement of the record (those the analysis leaves out too, marked), in order (round, date, id),
    with printable labels."""
    analysed = set(page.analysed_statements()["statement_id"])
    statements = with_context(page.record.statements, page.record)
    statements = statements.assign(analysed=statements["statement_id"].isin(analysed),
                                   date=_iso_dates(statements["date"]))
    issues = page.record.issues.set_index("issue_id")["label"]
    frame = statements.assign(
        issue=statements["issue_id"].map(issues).fillna(statements["issue_id"]),
        kind_words=statements["kind"].str.replace("_", " "),
        group=statements["speaker_group"].map(group_label),
    )
    return _in_order(frame)


def _iso_dates(dates: pd.Series) -> pd.Series:
    return dates.map(lambda value: "" if pd.isna(value) or value == "" else pd.Timestamp(value).strftime("%Y-%m-%d"))


def _in_order(frame: pd.DataFrame) -> pd.DataFrame:
    """The explorer's order: round or stage, date, id."""
    return frame.sort_values(["sequence", "date", "statement_id"], kind="stable").reset_index(drop=True)


def statement_order(record) -> list[str]:
    """Every statement id of the record in the explorer's order (which part of the explorer holds which row)."""
    sequence = record.meetings.set_index("meeting_id")["sequence"]
    frame = pd.DataFrame({"statement_id": record.statements["statement_id"],
                          "sequence": record.statements["meeting_id"].map(sequence),
                          "date": _iso_dates(record.statements["date"])})
    return list(_in_order(frame)["statement_id"])


def _parts_nav(part: int, parts: int) -> str:
    links = [f'<strong aria-current="page">{index}</strong>' if index == part else
             f'<a href="{esc(explorer_part_page(index))}">{index}</a>' for index in range(1, parts + 1)]
    return (f'<nav class="t22-explorer-parts" aria-label="Parts of the explorer"><p>Part {part} of {parts}, '
            f"{EXPLORER_ROWS} statements a page: " + " ".join(links) + "</p></nav>")


def explorer_html(page: Page, part: int = 1) -> str:
    """The explorer's page `part` (1 for the first): its statements, the filters and, when the record needs
    several pages, links to the others."""
    whole = statements_frame(page)
    parts = explorer_parts(len(whole))
    if not 1 <= part <= parts:
        raise ParameterError(f"part must be from 1 to {parts} for this record of {len(whole)} statements, "
                             f"not {part}")
    frame = whole.iloc[(part - 1) * EXPLORER_ROWS: part * EXPLORER_ROWS]
    rounds = list(dict.fromkeys(frame["round"]))
    controls = (
        '<form class="t22-explorer-controls" id="t22-explorer-form" hidden role="search" '
        'aria-label="Filter the statements">'
        + _options("actor", "actor", sorted(frame["actor"].dropna().unique()))
        + _options("issue", "issue", sorted(frame["issue"].unique()))
        + _options("round", "round or stage", rounds)
        + _options("kind", "kind", sorted(frame["kind_words"].unique()))
        + '<label>search summary and key phrase<input type="search" data-filter="text" '
        'placeholder="e.g. moratorium"></label>'
        '<label>&#160;<button type="reset">Show all</button></label></form>'
        '<p class="t22-explorer-count" id="t22-explorer-count" aria-live="polite"></p>')
    rows = []
    for row in frame.itertuples():
        kind = esc(row.kind_words) + (" (conditional opening)" if _is_true(row.conditional) else "")
        if pd.notna(row.position):
            kind += f", position {number(row.position)}"
        if not row.analysed:
            kind += " <em>(left out of the analysis: unconfirmed or after the cut-off date)</em>"
        key_phrase = f" <q>{esc(row.key_phrase)}</q>" if isinstance(row.key_phrase, str) and row.key_phrase else ""
        cells = [f'<a class="t22-sid" href="#{esc(row.statement_id)}">{esc(row.statement_id)}</a><br>'
                 f"{esc(row.date or 'date not given')}",
                 f"{esc(row.actor)} <span class=\"t22-group\">({esc(row.group)})</span>",
                 f"{esc(row.round)}<br>{esc(row.issue)}", kind, esc(row.summary) + key_phrase,
                 link(row.source_title, row.url)]
        text = " ".join(str(value) for value in (row.summary, row.key_phrase) if isinstance(value, str)).lower()
        attributes = (f'id="{esc(row.statement_id)}" data-actor="{esc(row.actor)}" data-issue="{esc(row.issue)}" '
                      f'data-round="{esc(row.round)}" data-kind="{esc(row.kind_words)}" data-text="{esc(text)}"')
        rows.append(f"<tr {attributes}>" + "".join(
            f'<td data-label="{esc(label)}">{cell}</td>' for label, cell in zip(COLUMNS, cells, strict=True))
            + "</tr>")
    head = "".join(f'<th scope="col">{esc(name)}</th>' for name in COLUMNS)
    caption = (f"All {len(frame)} statements of the record" if parts == 1 else
               f"Statements {(part - 1) * EXPLORER_ROWS + 1} to {(part - 1) * EXPLORER_ROWS + len(frame)} of the "
               f"record's {len(whole)}")
    table = (f'<div class="t22-scroll"><table class="t22-table t22-explorer" id="t22-explorer">'
             f"<caption>{caption}, in the order of the rounds and stages</caption>"
             f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>")
    nav = _parts_nav(part, parts) if parts > 1 else ""
    return nav + controls + table + nav

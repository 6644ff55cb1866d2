"""The statement explorer: every statement of the record on one page, each row with a permanent anchor
(id="S19-1") that tables, chart tooltips and search results link to.

The page is a plain table (cards on a phone) that reads without JavaScript; book/_static/t22-explorer.js
adds the filters (actor, issue, round, kind) and a text search over the summary and the key phrase, and
understands `explorer.html?ids=S01-1,S02-3` (only those statements) and `#S19-1` (that statement).
"""

from __future__ import annotations

import pandas as pd

from talks2022.book.charts import group_label
from talks2022.book.pages import Page, esc, link, number, with_context

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
    statements = statements.assign(
        analysed=statements["statement_id"].isin(analysed),
        date=statements["date"].map(lambda value: "" if pd.isna(value) or value == "" else
                                    pd.Timestamp(value).strftime("%Y-%m-%d")))
    issues = page.record.issues.set_index("issue_id")["label"]
    frame = statements.assign(
        issue=statements["issue_id"].map(issues).fillna(statements["issue_id"]),
        kind_words=statements["kind"].str.replace("_", " "),
        group=statements["speaker_group"].map(group_label),
    )
    return frame.sort_values(["sequence", "date", "statement_id"], kind="stable").reset_index(drop=True)


def explorer_html(page: Page) -> str:
    frame = statements_frame(page)
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
    table = (f'<div class="t22-scroll"><table class="t22-table t22-explorer" id="t22-explorer">'
             f"<caption>All {len(frame)} statements of the record, in the order of the rounds and stages</caption>"
             f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>")
    return controls + table

"""The findings table in the book: key-findings blocks, verdicts and finding lists.

Every sentence printed here is a row of the derived table `findings` (methods/findings.py); this module
only chooses which rows a block shows and wraps them in HTML, each with its robustness class, the number
of independent pieces it rests on, and a link to its row on the robustness page (the evidence: the
statements behind it and how it survives the coding errors).
"""

from __future__ import annotations

import json

import pandas as pd

from talks2022.book.pages import esc

ROBUSTNESS_WORDS = {"robust": "robust", "fragile": "fragile", "robustly_false": "not robust",
                    "untested": "untested"}
ROBUSTNESS_RANK = {"robust": 0, "fragile": 1, "robustly_false": 2, "untested": 3}
MOVED = ("toward_0", "toward_100", "moved_and_returned")
# What each block leads with: (kind, claims that make a statement worth leading with, how many).
KEY_FINDINGS = {
    # Three sentences, so that the block fits the first screen of a desktop (1280 x 800) under the abstract.
    "introduction": [("proposals", None, 2), ("offers", ("below", "above", "at"), 1)],
    "overview": [("movement", MOVED, 2), ("nothing_moved", ("nothing_moved",), 2),
                 ("change", ("toward_0", "toward_100"), 1)],
    "comparison": [("proposals", None, 2), ("offers", ("below", "above", "at"), 2),
                   ("change", ("toward_0", "toward_100"), 1)],
}
UNSUMMARISED = ("too_few", "no_side", "no_offer")


def anchor(finding_id: str) -> str:
    """The HTML id of a finding's row on the robustness page."""
    return "f-" + finding_id.replace(".", "-").replace("_", "-")


def _kind_of(row) -> str:
    return "nothing_moved" if str(row.finding_id).startswith("nothing_moved.") else str(row.kind)


def key_findings(findings: pd.DataFrame, block: str) -> pd.DataFrame:
    """The rows a key-findings block shows, in order: per kind, the most robust first, then the ones that
    rest on most pieces (ties by id, so the choice is stable)."""
    chosen = []
    for kind, claims, count in KEY_FINDINGS[block]:
        rows = findings[[_kind_of(row) == kind for row in findings.itertuples()]]
        rows = rows[~rows["claim"].isin(UNSUMMARISED)]
        if claims is not None:
            rows = rows[rows["claim"].isin(claims)]
        rows = rows.assign(rank=rows["robustness"].map(ROBUSTNESS_RANK))
        chosen.append(rows.sort_values(["rank", "n", "finding_id"], ascending=[True, False, True]).head(count))
    return pd.concat(chosen).drop(columns="rank") if chosen else findings.iloc[0:0]


def _badge(row, robustness_page: str) -> str:
    words = ROBUSTNESS_WORDS.get(str(row.robustness), str(row.robustness))
    return (f' <a class="t22-evidence" href="{esc(robustness_page)}#{anchor(str(row.finding_id))}">'
            f"{esc(words)}; n = {int(row.n)}</a>")


def sentence_items(rows: pd.DataFrame, robustness_page: str = "robustness.html") -> str:
    """A list of finding sentences, each with its robustness class and a link to its evidence."""
    items = "".join(f"<li>{esc(row.sentence)}{_badge(row, robustness_page)}</li>" for row in rows.itertuples())
    return f'<ul class="t22-findings">{items}</ul>'


def key_findings_block(rows: pd.DataFrame, robustness_page: str = "robustness.html",
                       title: str = "Key findings") -> str:
    """A titled block of finding sentences, for the top of a page."""
    if rows.empty:
        body = "<p>The record holds too few coded positions for any finding.</p>"
    else:
        body = sentence_items(rows, robustness_page)
    return (f'<section class="t22-key-findings" aria-label="{esc(title)}"><p class="t22-key-title">'
            f"<strong>{esc(title)}</strong></p>{body}</section>")


def key_findings_html(findings: pd.DataFrame, block: str, robustness_page: str = "robustness.html") -> str:
    """The "Key findings" block at the top of a page (see KEY_FINDINGS for what each block leads with)."""
    return key_findings_block(key_findings(findings, block), robustness_page)


def of_issue(findings: pd.DataFrame, issue_id: str, kinds: tuple[str, ...]) -> pd.DataFrame:
    rows = findings[(findings["issue_id"] == issue_id)]
    return rows[[_kind_of(row) in kinds for row in rows.itertuples()]]


def numbers(row) -> dict:
    return json.loads(row.numbers) if isinstance(row.numbers, str) and row.numbers else {}


def class_counts_sentence(findings: pd.DataFrame) -> str:
    """How many findings are robust, fragile and not robust, in words."""
    counts = findings["robustness"].value_counts()
    robust, fragile, false = (int(counts.get(k, 0)) for k in ("robust", "fragile", "robustly_false"))
    return (f"Of {len(findings)} findings, {robust} are robust (they recur in at least 90% of the recomputations "
            f"under every kind of error), {fragile} are fragile (some realistic error changes them in more than "
            f"10% of the recomputations) and {false} are not robust (some realistic error reproduces them in fewer "
            "than 10% of the recomputations: read them as not established).")


FAMILY_WORDS = {"noise": "noise", "anchor_step": "anchor step", "leave_one_source_out": "without one source",
                "leave_one_expert_out": "without one expert", "side_definition": "other West",
                "reference_capability": "reference and capabilities"}


def findings_list_html(findings: pd.DataFrame, supports: pd.DataFrame) -> str:
    """Every finding as a block with its own anchor: the sentence, its class, the pieces and statements it
    rests on, and the share of recomputations that reproduce it in each family."""
    by_finding = {fid: group for fid, group in supports.groupby("finding_id", sort=False)}
    blocks = []
    for row in findings.itertuples():
        shares = by_finding.get(row.finding_id, supports.iloc[0:0])
        share_text = "; ".join(f"{esc(FAMILY_WORDS.get(s.family, s.family))} {s.support:.0%}"
                               for s in shares.itertuples() if pd.notna(s.support))
        ids = esc(row.statement_ids) if isinstance(row.statement_ids, str) and row.statement_ids else "none"
        blocks.append(
            f'<div class="t22-finding" id="{anchor(str(row.finding_id))}"><p>{esc(row.sentence)}</p>'
            f'<p class="t22-finding-meta"><strong>{esc(ROBUSTNESS_WORDS.get(row.robustness, row.robustness))}'
            f"</strong> · n = {int(row.n)} · reproduced: {share_text or 'not tested'} · statements: {ids}</p></div>")
    return "".join(blocks)


def figure_title(findings: pd.DataFrame, kinds: tuple[str, ...], issue_id: str | None = None) -> str | None:
    """The sentence a figure's title states: the leading finding of these kinds (of one issue, if given), the
    most robust and best supported first; None when there is none (the chart then titles itself)."""
    rows = findings if issue_id is None else findings[findings["issue_id"] == issue_id]
    rows = rows[[_kind_of(row) in kinds for row in rows.itertuples()]]
    informative = rows[~rows["claim"].isin(UNSUMMARISED + ("not_observable",))]
    rows = informative if len(informative) else rows
    if rows.empty:
        return None
    rows = rows.assign(rank=rows["robustness"].map(ROBUSTNESS_RANK))
    return str(rows.sort_values(["rank", "n", "finding_id"], ascending=[True, False, True]).iloc[0]["sentence"])

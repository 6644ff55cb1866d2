"""Chart-ready frames for the chapters, built from a Page (the dataset and the derived tables).

Pure functions: the notebooks call them and chart the result, so every number a chapter shows comes
from the derived tables or the dataset through code that pytest reaches.
"""

from __future__ import annotations

import json

import pandas as pd

from talks2022.book.charts import group_label
from talks2022.book.pages import Page
from talks2022.methods.findings import RELATION_WORDS

# Above this many marks a chart shows counts per side and position instead of one mark per statement,
# so pages stay small however large the record grows (and Altair's row limit is never reached).
MAX_CHART_POINTS = 400
LATEST_OFFER = {"west": "West, after 13 Jan", "russia": "Russia, after 13 Jan"}
BENCHMARK_COLUMNS = {"reference_point": "reference point", "compromise": "compromise",
                     "nash_issue": "Nash (issue)", "nash_package": "Nash (package)"}


def positional_issues(page: Page) -> pd.DataFrame:
    issues = page.record.issues
    return issues[issues["positional"]].reset_index(drop=True)


def issue_label(page: Page, issue_id: str) -> str:
    issues = page.record.issues
    return str(issues.loc[issues["issue_id"] == issue_id, "label"].iloc[0])


def round_labels(page: Page) -> pd.DataFrame:
    return page.record.meetings[["meeting_id", "label", "sequence"]].rename(columns={"label": "round"})


def rounds_in_order(page: Page) -> pd.DataFrame:
    """Every round and stage between rounds (not the commentary), in order: round, sequence, stage_type."""
    meetings = page.record.meetings
    rounds = meetings[meetings["stage_type"].astype(str) != "commentary"]
    return (rounds[["meeting_id", "label", "sequence", "stage_type"]].rename(columns={"label": "round"})
            .sort_values(["sequence", "meeting_id"], kind="stable").reset_index(drop=True))


def poles(page: Page) -> pd.DataFrame:
    """Each positional issue's scale ends in words: issue (label), pole_0, pole_100."""
    issues = positional_issues(page)
    return pd.DataFrame({"issue": issues["label"], "pole_0": issues.get("pole_0"),
                         "pole_100": issues.get("pole_100")})


def scored_points(page: Page, issue_id: str | None = None) -> pd.DataFrame:
    """scored_statements, capped for charting (see limit_points)."""
    return limit_points(scored_statements(page, issue_id))


def scored_statements(page: Page, issue_id: str | None = None) -> pd.DataFrame:
    """Official positions and expert proposals with a position, labelled for tooltips (uncapped)."""
    statements = page.analysed_statements()
    scored = statements[statements["position"].notna()
                        & statements["kind"].isin(["official_position", "expert_proposal"])]
    if issue_id is not None:
        scored = scored[scored["issue_id"] == issue_id]
    scored = scored.sort_values(["sequence", "date", "statement_id"], kind="stable").copy()
    scored["group"] = scored["speaker_group"].map(group_label)
    scored["source"] = scored["publisher"] + ": " + scored["source_title"]
    scored["kind"] = scored["kind"].str.replace("_", " ")
    scored["order"] = range(len(scored))
    scored["statements"] = 1
    scored["conditional"] = _as_bool(scored["conditional"]) if "conditional" in scored else False
    scored["href"] = [page.explorer_href(sid) for sid in scored["statement_id"]]
    columns = ["statement_id", "issue_id", "actor", "group", "kind", "position", "conditional", "date", "round",
               "sequence", "summary", "key_phrase", "source", "href", "order", "statements"]
    return scored[columns].reset_index(drop=True)


def limit_points(points: pd.DataFrame, max_points: int = MAX_CHART_POINTS) -> pd.DataFrame:
    """One mark per statement up to max_points; beyond, one mark per (issue, side, kind, whole position)
    carrying the number of statements and the first of them as an example."""
    if len(points) <= max_points:
        return points
    rounded = points.assign(position=points["position"].round())
    keys = ["issue_id", "group", "kind", "position", "conditional"]
    merged = _first_with_count(rounded.drop(columns="statements"), keys, "statements")
    merged["summary"] = merged["statements"].astype(str) + " statements, e.g.: " + merged["summary"]
    merged["order"] = range(len(merged))
    return merged.reset_index(drop=True)


def _first_with_count(frame: pd.DataFrame, keys: list[str], count_column: str) -> pd.DataFrame:
    """One row per group of `keys`: its first row (as an example) and the group's size in count_column."""
    groups = frame.groupby(keys, as_index=False, sort=True)
    return groups.first().merge(groups.size().rename(columns={"size": count_column}), on=keys)


def benchmark_values(page: Page, issue_id: str) -> pd.DataFrame:
    """The issue's reference point and bargaining benchmarks as (name, value) rows."""
    row = page.tables["benchmarks"].set_index("issue_id").loc[issue_id]
    return pd.DataFrame({"name": list(BENCHMARK_COLUMNS.values()),
                         "value": [float(row[column]) for column in BENCHMARK_COLUMNS]})


def movement(page: Page, issue_id: str) -> pd.DataFrame:
    """The official positions on one issue, one row per statement, by speaker group and round (not the
    commentary): statement_id, group, round, sequence, position, conditional, actor, summary, href."""
    scored = scored_statements(page, issue_id)
    rounds = rounds_in_order(page)
    official = scored[(scored["kind"] == "official position") & scored["round"].isin(rounds["round"])]
    columns = ["statement_id", "group", "round", "sequence", "position", "conditional", "actor", "date", "summary",
               "href", "statements"]
    return official[columns].sort_values(["sequence", "group", "statement_id"], kind="stable").reset_index(drop=True)


def gaps(page: Page) -> pd.DataFrame:
    table = page.tables["gaps"].dropna(subset=["gap"]).drop(columns="sequence", errors="ignore").merge(
        round_labels(page), on="meeting_id")
    labels = positional_issues(page).set_index("issue_id")["label"]
    table = table.assign(issue=table["issue_id"].map(labels))
    return table.sort_values(["issue_id", "sequence"]).reset_index(drop=True)


def placement(page: Page) -> pd.DataFrame:
    """Expert proposals with lambda, joined with who said it and the tooltip text."""
    placed = page.tables["proposal_placement"]
    points = scored_statements(page)[["statement_id", "actor", "summary", "key_phrase", "source"]]
    labels = positional_issues(page).set_index("issue_id")["label"]
    merged = placed.merge(points, on="statement_id", how="left")
    merged = merged.assign(issue=merged["issue_id"].map(labels),
                           sits=merged["relation"].map(RELATION_WORDS).fillna("no side position to compare"),
                           href=[page.explorer_href(sid) for sid in merged["statement_id"]])
    merged = merged.sort_values(["issue_id", "lambda", "statement_id"], kind="stable").reset_index(drop=True)
    merged["order"] = range(len(merged))
    return merged


def placement_for_chart(page: Page, max_points: int = MAX_CHART_POINTS) -> pd.DataFrame:
    """Proposals for the lambda chart; beyond max_points, lambdas rounded to 0.01 and counted."""
    placed = placement(page)
    if len(placed) <= max_points:
        return placed
    rounded = placed.assign(**{"lambda": placed["lambda"].round(2)})
    keys = ["issue_id", "issue", "sits", "lambda"]
    merged = _first_with_count(rounded, keys, "proposals")
    merged["actor"] = merged["proposals"].astype(str) + " proposals, e.g. " + merged["actor"]
    merged["order"] = range(len(merged))
    return merged.drop(columns="proposals")


def comparison_points(page: Page) -> pd.DataFrame:
    """For every positional issue: the sides' overall positions, each expert proposal and the benchmarks."""
    benchmarks = page.tables["benchmarks"]
    labels = positional_issues(page).set_index("issue_id")["label"]
    rows = []
    for bench in benchmarks.itertuples():
        issue = labels.get(bench.issue_id, bench.issue_id)
        rows.append((issue, "West", bench.west, "overall position of US and NATO officials", "", None))
        rows.append((issue, "Russia", bench.russia, "overall position of Russian officials", "", None))
        for column, name in BENCHMARK_COLUMNS.items():
            rows.append((issue, name, getattr(bench, column), name, "", None))
    # The sides' latest positions after 13 January (for the West, the written responses), from the findings.
    offers = page.tables["findings"]
    offers = offers[(offers["kind"] == "offers") & ~offers["claim"].isin(["no_offer"])]
    for offer in offers.itertuples():
        side = offer.finding_id.rsplit(".", 1)[-1]
        value = json.loads(offer.numbers).get("offer")
        ids = offer.statement_ids.split() if isinstance(offer.statement_ids, str) else []
        rows.append((labels.get(offer.issue_id, offer.issue_id), LATEST_OFFER[side], value, offer.sentence,
                     ids[0] if ids else "", page.explorer_href(ids[0]) if ids else None))
    for proposal in placement_for_chart(page).itertuples():
        rows.append((proposal.issue, "Experts", proposal.position, f"{proposal.actor}: {proposal.summary}",
                     proposal.statement_id, page.explorer_href(proposal.statement_id)))
    frame = pd.DataFrame(rows, columns=["issue", "what", "position", "label", "statement_id", "href"]).dropna(
        subset=["position"])
    return frame.reset_index(drop=True)


def _as_bool(values: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(values):
        return values.fillna(False).astype(bool)
    return values.astype(str).str.strip().str.lower().isin(["true", "1", "yes"])


def timeline_counts(page: Page) -> pd.DataFrame:
    statements = page.analysed_statements()
    dated = statements[statements["date"] != ""]
    counts = (dated.groupby(["date", "round", "sequence"], as_index=False)
              .size().rename(columns={"size": "statements"}))
    return counts.sort_values(["date", "sequence"]).reset_index(drop=True)

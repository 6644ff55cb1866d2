"""The findings table: claims by hand on small records, independence of pieces, the error families, and
the rule that the chapters print its sentences."""

from __future__ import annotations

import html
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from talks2022 import load
from talks2022.methods import findings as F
from talks2022.methods.derived import Analysis

ROOT = Path(__file__).resolve().parent.parent
ANCHORS = {0: "Zero", 25: "Quarter", 50: "Half", 75: "Three quarters", 100: "Full"}


def context(**changes) -> F.Context:
    base = F.Context(
        issue_labels={"enl": "Enlargement"}, anchors={"enl": ANCHORS},
        round_labels={"r1": "Round 1", "r2": "Round 2", "r3": "Round 3", "r4": "Round 4"},
        round_order={"r1": 1, "r2": 2, "r3": 3, "r4": 4},
        west_groups=("united_states", "nato_allies"), russia_groups=("russia",), vienna_sequence=2,
        references={"enl": 25.0})
    return replace(base, **changes)


def coded(rows: list[tuple]) -> pd.DataFrame:
    """rows: (statement_id, source_id, actor_id, group, kind, meeting_id, position[, conditional])."""
    frame = pd.DataFrame([r if len(r) == 8 else (*r, False) for r in rows],
                         columns=["statement_id", "source_id", "actor_id", "group", "kind", "meeting_id", "position",
                                  "conditional"])
    return frame.assign(issue_id="enl", date="", position=frame["position"].astype(float))


OFFICIAL = "official_position"
EXPERT = "expert_proposal"


def by_id(table: pd.DataFrame) -> dict[str, pd.Series]:
    return {row.finding_id: row for row in table.itertuples()}


def test_movement_within_one_speaker_group_and_not_observable():
    rows = coded([
        ("S01-1", "S01", "us", "united_states", OFFICIAL, "r1", 25),
        ("S02-1", "S02", "us", "united_states", OFFICIAL, "r3", 50, True),
        ("S03-1", "S03", "sg", "nato_allies", OFFICIAL, "r2", 0),
        ("S04-1", "S04", "ru", "russia", OFFICIAL, "r1", 100),
        ("S05-1", "S05", "ru", "russia", OFFICIAL, "r2", 75),
        ("S06-1", "S06", "ru", "russia", OFFICIAL, "r4", 100),
    ])
    found = by_id(F.compute_findings(rows, context()))
    us = found["movement.enl.united_states"]
    assert us.claim == "toward_100" and us.n == 2 and "conditional" in us.sentence
    # NATO spoke once: not observable, never "unchanged", although the West as a whole spoke twice.
    assert found["movement.enl.nato_allies"].claim == "not_observable"
    # Russia left 100 and came back: not "unchanged".
    assert found["movement.enl.russia"].claim == "moved_and_returned"
    assert found["nothing_moved.enl"].claim == "someone_moved"
    assert found["movement.enl.russia"].statement_ids == "S04-1 S05-1 S06-1"


def test_unchanged_only_when_every_round_agrees():
    rows = coded([
        ("S01-1", "S01", "ru", "russia", OFFICIAL, "r1", 100),
        ("S02-1", "S02", "ru", "russia", OFFICIAL, "r3", 100),
    ])
    found = by_id(F.compute_findings(rows, context()))
    assert found["movement.enl.russia"].claim == "unchanged"
    assert found["nothing_moved.enl"].claim == "nothing_moved"
    assert found["movement.enl.united_states"].claim == "not_observable"


def test_proposals_are_read_against_each_side_and_the_midpoint_and_a_side_position_is_not_between():
    rows = coded([
        ("S01-1", "S01", "us", "united_states", OFFICIAL, "r1", 25),
        ("S02-1", "S02", "ru", "russia", OFFICIAL, "r1", 75),
        ("S10-1", "S10", "a", "expert", EXPERT, "c", 25),    # at the West's position
        ("S11-1", "S11", "b", "expert", EXPERT, "c", 50),    # the midpoint
        ("S12-1", "S12", "c", "expert", EXPERT, "c", 62.5),  # nearer Russia
        ("S13-1", "S13", "d", "expert", EXPERT, "c", 100),   # beyond Russia
    ])
    row = by_id(F.compute_findings(rows, context()))["proposals.enl"]
    numbers = json.loads(row.numbers)
    assert (numbers["at_west"], numbers["midpoint"], numbers["nearer_russia"], numbers["beyond_russia"]) == (1, 1, 1, 1)
    assert row.claim == "split" and row.n == 4
    assert "between" not in row.sentence.split(":")[-1]


def test_too_few_pieces_print_no_median():
    rows = coded([
        ("S01-1", "S01", "us", "united_states", OFFICIAL, "r1", 25),
        ("S02-1", "S02", "ru", "russia", OFFICIAL, "r1", 100),
        ("S10-1", "S10", "a", "expert", EXPERT, "c", 50),
        ("S11-1", "S11", "b", "expert", EXPERT, "c", 75),
    ])
    row = by_id(F.compute_findings(rows, context()))["proposals.enl"]
    assert row.claim == "too_few" and row.n == 2
    assert "median" not in row.sentence and "too few" in row.sentence


def test_an_expert_votes_once_per_piece():
    one_piece_three_times = coded([
        ("S01-1", "S01", "us", "united_states", OFFICIAL, "r1", 25),
        ("S02-1", "S02", "ru", "russia", OFFICIAL, "r1", 100),
        ("S10-1", "S10", "a", "expert", EXPERT, "c", 50),
        ("S10-2", "S10", "a", "expert", EXPERT, "c", 50),
        ("S10-3", "S10", "a", "expert", EXPERT, "c", 75),
    ])
    row = by_id(F.compute_findings(one_piece_three_times, context()))["proposals.enl"]
    assert row.claim == "too_few" and row.n == 1


def test_a_different_west_changes_the_side_position():
    rows = coded([
        ("S01-1", "S01", "us", "united_states", OFFICIAL, "r1", 50),
        ("S02-1", "S02", "sg", "nato_allies", OFFICIAL, "r1", 0),
        ("S03-1", "S03", "ru", "russia", OFFICIAL, "r1", 100),
        *[(f"S1{i}-1", f"S1{i}", f"e{i}", "expert", EXPERT, "c", 50) for i in range(3)],
    ])
    pooled = by_id(F.compute_findings(rows, context()))["proposals.enl"]
    us_only = by_id(F.compute_findings(rows, context(west_groups=("united_states",))))["proposals.enl"]
    assert json.loads(pooled.numbers)["west"] == 25 and pooled.claim == "nearer_west"
    assert json.loads(us_only.numbers)["west"] == 50 and us_only.claim == "at_west"


def test_noise_is_symmetric_on_the_grid_and_not_clipped_and_anchor_steps_stay_on_the_scale():
    rows = coded([(f"S{i:02d}-1", f"S{i:02d}", "ru", "russia", OFFICIAL, "r1", 100) for i in range(10, 60)])
    families = F.perturbation_families(rows, draws=50, noise=7.0, step_share=0.5, seed=1)
    noisy = np.concatenate([frame["position"].to_numpy() for frame in families["noise"]])
    assert (noisy > 100).any() and (noisy < 100).any()  # not clipped: end positions are not pulled inward only
    assert np.all(noisy % F.GRID == 0)
    assert abs(noisy.mean() - 100) < 1.0  # symmetric
    stepped = np.concatenate([frame["position"].to_numpy() for frame in families["anchor_step"]])
    assert set(np.unique(stepped)) == {75.0, 100.0}


def test_classes_follow_the_weakest_family():
    assert F.classify({"noise": 0.95, "anchor_step": 0.91}) == "robust"
    assert F.classify({"noise": 0.95, "anchor_step": 0.5}) == "fragile"
    assert F.classify({"noise": 0.95, "anchor_step": 0.05}) == "robustly_false"


@pytest.fixture(scope="module")
def shipped():
    record = load(ROOT / "data")
    return record, Analysis(record).findings


def test_removing_one_expert_piece_changes_only_the_findings_that_rest_on_it(shipped):
    record, findings = shipped
    proposals = record.statements[(record.statements["kind"] == "expert_proposal")
                                  & record.statements["position"].notna()
                                  & (record.statements["verification"] == "confirmed")]
    piece = proposals.groupby(["source_id", "actor_id"]).size().sort_index().index[0]
    removed = proposals[(proposals["source_id"] == piece[0]) & (proposals["actor_id"] == piece[1])]["statement_id"]
    smaller = replace(record, statements=record.statements[~record.statements["statement_id"].isin(removed)])
    after = F.compute_findings(F.scored_rows(smaller), F.findings_context(smaller)).set_index("finding_id")
    before = findings.set_index("finding_id")
    resting = {fid for fid, ids in before["statement_ids"].fillna("").items() if set(ids.split()) & set(removed)}
    assert resting, "the piece must be behind some finding"
    changed = {fid for fid in before.index
               if not (before.loc[fid, ["claim", "sentence"]] == after.loc[fid, ["claim", "sentence"]]).all()}
    assert changed <= resting, f"changed without resting on {piece}: {sorted(changed - resting)}"
    issue = proposals.loc[proposals["statement_id"] == removed.iloc[0], "issue_id"].iloc[0]
    assert f"proposals.{issue}" in changed


def test_every_finding_sentence_is_printed_by_its_chapter():
    generated = ROOT / "book" / "generated"
    findings = pd.read_csv(generated / "tables" / "findings.csv", keep_default_na=False)
    for chapter, rows in findings.groupby("chapter"):
        notebook = json.loads((generated / f"{chapter}.ipynb").read_text(encoding="utf-8"))
        text = "".join("".join(output.get("data", {}).get("text/html", ""))
                       for cell in notebook["cells"] for output in cell.get("outputs", []))
        for sentence in rows["sentence"]:
            assert html.escape(sentence, quote=True) in text, (chapter, sentence)


def test_summaries_never_call_a_source_unsigned():
    # The stored excerpts show whether a page prints an author, not whether the text was signed.
    statements = pd.read_csv(ROOT / "data" / "statements.csv", keep_default_na=False)
    assert not statements["summary"].str.contains("unsigned", case=False).any()

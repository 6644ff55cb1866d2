"""Robustness of the headline findings to noise in the coding."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from talks2022.methods import robustness
from talks2022.methods.params import AnalysisParams
from talks2022.methods.robustness import (
    Outcomes,
    define_findings,
    perturbed_outcomes,
    robustness_table,
)
from tests.test_positions import ACTORS, as_record, make_dataset, shuffled

SYNTHETIC_FINDINGS = {
    # The overall gaps are 100 (enlargement), 62.5 (missiles), 95 (troops).
    "gap_enlargement_largest": True,
    "experts_between_sides_enlargement": True,
    "experts_nearer_west_enlargement": True,  # median lambda 0.375
    "experts_between_sides_missiles": True,
    "experts_nearer_west_missiles": True,  # 0.4
    "experts_between_sides_troops": True,
    "experts_nearer_west_troops": True,  # 0.368
    "no_single_issue_agreement_enlargement": True,  # the West sits at the status quo
    "no_single_issue_agreement_missiles": False,  # status quo 0 below both sides: a deal exists
    "no_single_issue_agreement_troops": True,  # Russia sits at the status quo
    "package_beats_reference": True,
}


def test_findings_are_generated_from_the_data():
    table = robustness_table(as_record(*make_dataset(), AnalysisParams(robustness_draws=50)))
    assert list(table.columns) == ["finding", "description", "holds_in_data", "share_holding", "draws",
                                   "noise"]
    assert dict(zip(table["finding"], table["holds_in_data"], strict=True)) == SYNTHETIC_FINDINGS
    assert (table["draws"] == 50).all() and (table["noise"] == 10.0).all()
    assert table["share_holding"].between(0, 1).all()
    assert table["description"].str.len().gt(20).all()


def test_finding_names_follow_the_issue_ids():
    statements, actors, issues, meetings = make_dataset()
    renamed = {"enlargement": "nato_enlargement", "troops": "troop_buildup_ukraine_border"}
    statements["issue_id"] = statements["issue_id"].replace(renamed)
    issues["issue_id"] = issues["issue_id"].replace(renamed)
    table = robustness_table(as_record(statements, actors, issues, meetings, AnalysisParams(robustness_draws=5)))
    names = table["finding"]
    assert "gap_nato_enlargement_largest" in set(names)
    assert "no_single_issue_agreement_troop_buildup_ukraine_border" in set(names)


@pytest.mark.parametrize("rule", ["median", "mean", "latest"])
@pytest.mark.parametrize("overall_from", ["statements", "rounds"])
def test_without_noise_every_draw_reproduces_the_data(rule, overall_from):
    params = AnalysisParams(noise=0.0, robustness_draws=3, round_rule=rule, overall_from=overall_from)
    table = robustness_table(as_record(*make_dataset(), params))
    assert (table["share_holding"] == table["holds_in_data"].astype(float)).all()


def test_without_noise_the_outcomes_equal_the_tables():
    from talks2022.methods.bargaining import benchmarks

    frames = make_dataset()
    outcomes = perturbed_outcomes(as_record(*frames, AnalysisParams(noise=0.0, robustness_draws=2)))
    bench = benchmarks(as_record(*frames))
    np.testing.assert_array_equal(outcomes.west[0], bench["west"])
    np.testing.assert_array_equal(outcomes.russia[1], bench["russia"])
    assert outcomes.nash_issue_agreement[0].tolist() == bench["nash_issue_agreement"].tolist()


def test_redraws_in_blocks_equal_one_block(monkeypatch):
    frames, params = make_dataset(), AnalysisParams(robustness_draws=50)
    whole = perturbed_outcomes(as_record(*frames, params))
    for cells in (37, 1):  # blocks of a few draws, and of a single draw
        monkeypatch.setattr(robustness, "REDRAW_BLOCK_CELLS", cells)
        blocks = perturbed_outcomes(as_record(*frames, params))
        for name in ("west", "russia", "median_lambda", "nash_issue_agreement", "in_package", "package_agreement"):
            np.testing.assert_array_equal(getattr(blocks, name), getattr(whole, name), err_msg=name)


def test_noisy_positions_stay_on_the_scale():
    outcomes = perturbed_outcomes(as_record(*make_dataset(), AnalysisParams(noise=80.0, robustness_draws=200)))
    for values in (outcomes.west, outcomes.russia):
        assert np.nanmin(values) >= 0 and np.nanmax(values) <= 100
    # Noise this large moves the West off 0 on enlargement in most draws: an agreement appears.
    assert outcomes.nash_issue_agreement[:, 0].mean() > 0.5


def test_every_issue_tied_for_the_largest_gap_gets_a_finding():
    data = Outcomes(
        issue_ids=("a", "b", "c"),
        west=np.array([[0.0, 0.0, 25.0]]), russia=np.array([[100.0, 100.0, 100.0]]),
        median_lambda=np.full((1, 3), np.nan), nash_issue_agreement=np.zeros((1, 3), dtype=bool),
        in_package=np.zeros(3, dtype=bool), package_agreement=np.array([False]),
    )
    findings = define_findings(data)
    assert [finding.name for finding in findings] == ["gap_a_largest", "gap_b_largest"]
    assert all(finding.holds(data).tolist() == [True] for finding in findings)
    assert "tied with b" in findings[0].description


def test_predicates_by_hand():
    data = Outcomes(
        issue_ids=("a", "b"),
        west=np.array([[0.0, 20.0]]), russia=np.array([[100.0, 60.0]]),
        median_lambda=np.array([[0.3, np.nan]]),
        nash_issue_agreement=np.array([[False, True]]),
        in_package=np.array([True, True]), package_agreement=np.array([True]),
    )
    findings = {finding.name: finding for finding in define_findings(data)}
    assert list(findings) == ["gap_a_largest", "experts_between_sides_a", "experts_nearer_west_a",
                              "no_single_issue_agreement_a", "no_single_issue_agreement_b",
                              "package_beats_reference"]
    draws = Outcomes(
        issue_ids=("a", "b"),
        west=np.array([[0.0, 20.0], [10.0, 0.0], [0.0, 0.0]]),
        russia=np.array([[100.0, 60.0], [50.0, 90.0], [80.0, 80.0]]),  # gaps: a>b, b>a, tie
        median_lambda=np.array([[0.3, 0.2], [0.5, 0.1], [-0.1, 0.9]]),
        nash_issue_agreement=np.array([[False, True], [True, True], [False, False]]),
        in_package=np.array([True, True]), package_agreement=np.array([True, False, True]),
    )
    expected = {
        "gap_a_largest": [True, False, True],
        "experts_between_sides_a": [True, True, False],
        "experts_nearer_west_a": [True, False, True],
        "no_single_issue_agreement_a": [True, False, True],
        "no_single_issue_agreement_b": [False, False, True],
        "package_beats_reference": [True, False, True],
    }
    for name, holds in expected.items():
        assert findings[name].holds(draws).tolist() == holds, name


def test_robustness_is_seeded():
    params = AnalysisParams(robustness_draws=100)
    first = robustness_table(as_record(*make_dataset(), params))
    pd.testing.assert_frame_equal(first, robustness_table(as_record(*make_dataset(), params)))
    other_seed = robustness_table(as_record(*make_dataset(), AnalysisParams(robustness_draws=100, seed=1)))
    assert not first["share_holding"].equals(other_seed["share_holding"])


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_robustness_does_not_depend_on_row_order(seed):
    params = AnalysisParams(robustness_draws=40)
    statements, actors, issues, meetings = make_dataset()
    pd.testing.assert_frame_equal(
        robustness_table(as_record(statements, actors, issues, meetings, params)),
        robustness_table(as_record(shuffled(statements, seed), shuffled(actors, seed), shuffled(issues, seed),
                                   shuffled(meetings, seed), params)))


def large_statements(count: int = 200, seed: int = 7) -> pd.DataFrame:
    """A record of `count` random statements over the synthetic actors, issues and rounds."""
    rng = np.random.default_rng(seed)
    officials = [actor for actor, side, _ in ACTORS if side in ("russia", "united_states", "nato")]
    rows = []
    for number in range(count):
        kind = rng.choice(["official_position", "expert_proposal", "reported_fact"], p=[0.5, 0.3, 0.2])
        official = kind == "official_position"
        rows.append({
            "statement_id": f"S{10 + number // 10:02d}-{number % 10 + 1}",
            "date": f"2022-01-{rng.integers(1, 28):02d}",
            "meeting_id": rng.choice(["drafts", "geneva", "brussels"]) if official else "commentary",
            "actor_id": rng.choice(officials) if official else rng.choice(["expert_a", "expert_b"]),
            "issue_id": rng.choice(["enlargement", "missiles", "troops"]),
            "kind": kind,
            "position": float(rng.integers(0, 101)) if kind != "reported_fact" else np.nan,
            "salience": float(rng.integers(0, 101)) if rng.random() < 0.6 else np.nan,
            "summary": "synthetic", "key_phrase": "", "source_id": "S10", "attribution": "direct",
            "verification": "confirmed", "coding_note": "synthetic", "confidence": "high",
        })
    return pd.DataFrame(rows)


def test_thousand_draws_on_two_hundred_statements_are_fast():
    _, actors, issues, meetings = make_dataset()
    statements = large_statements()
    started = time.perf_counter()
    table = robustness_table(as_record(statements, actors, issues, meetings, AnalysisParams(robustness_draws=1000)))
    elapsed = time.perf_counter() - started
    assert (table["draws"] == 1000).all()
    assert elapsed < 30, f"1000 robustness draws took {elapsed:.1f} s"

"""Placement of expert proposals between the sides: lambda, relation to the sides, bootstrap interval over
independent pieces."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from talks2022.methods import placement
from talks2022.methods.findings import MIN_PIECES, relation
from talks2022.methods.params import AnalysisParams
from talks2022.methods.placement import (
    bootstrap_median_ci,
    median_lambda_by_issue,
    piece_lambdas,
    placement_lambda,
    proposal_placement,
)
from tests.test_positions import as_record, make_dataset, shuffled

scale = st.floats(0, 100, allow_nan=False)


def test_lambda_by_hand():
    assert placement_lambda(50, 0, 100) == 0.5
    assert placement_lambda(25, 0, 100) == 0.25
    assert placement_lambda(50, 25, 87.5) == pytest.approx(0.4)  # (50 - 25) / 62.5
    assert placement_lambda(-10 + 20, 20, 80) == pytest.approx(-1 / 6)  # beyond the West
    assert placement_lambda(90, 20, 80) == pytest.approx(7 / 6)  # beyond Russia
    assert np.isnan(placement_lambda(40, 60, 60))  # the sides coincide: undefined
    assert np.isnan(placement_lambda(40, np.nan, 60))
    np.testing.assert_allclose(placement_lambda(np.array([0.0, 50.0, 100.0]), 0.0, 100.0), [0, 0.5, 1])


def test_relation_to_the_sides():
    cases = {(50, 0, 100): "midpoint", (25, 0, 100): "nearer_west", (75, 0, 100): "nearer_russia",
             (0, 0, 100): "at_west", (100, 0, 100): "at_russia", (-10, 0, 100): "beyond_west",
             (110, 0, 100): "beyond_russia", (110, 100, 0): "beyond_west", (40, 60, 60): "sides_equal"}
    assert {case: relation(*case) for case in cases} == cases


def test_proposal_placement_by_hand():
    table = proposal_placement(as_record(*make_dataset()))
    assert list(table.columns) == ["statement_id", "source_id", "actor_id", "issue_id", "position", "west",
                                   "russia", "lambda", "relation"]
    assert table["statement_id"].tolist() == ["S04-1", "S04-2", "S04-3", "S04-4"]
    np.testing.assert_allclose(table["lambda"], [0.5, 0.25, 0.4, 35 / 95])
    assert table["relation"].tolist() == ["midpoint", "nearer_west", "nearer_west", "nearer_west"]
    assert table["west"].tolist() == [0.0, 0.0, 25.0, 5.0]
    assert table["russia"].tolist() == [100.0, 100.0, 87.5, 100.0]


def test_placement_outside_range_and_missing_side():
    statements, actors, issues, meetings = make_dataset()
    extra = statements.iloc[[5, 5]].copy()
    extra["statement_id"] = ["S09-1", "S09-2"]
    extra["position"] = [100.0, 37.5]
    extra["issue_id"] = ["missiles", "enlargement"]
    # Drop every West statement on enlargement: the West has no position there.
    keep = ~((statements["issue_id"] == "enlargement") & statements["actor_id"].isin(["sherman_t",
                                                                                      "stoltenberg_t"]))
    frames = (pd.concat([statements[keep], extra], ignore_index=True), actors, issues, meetings)
    table = proposal_placement(as_record(*frames)).set_index("statement_id")
    assert table.loc["S09-1", "lambda"] == pytest.approx(75 / 62.5)
    assert table.loc["S09-1", "relation"] == "beyond_russia"
    assert np.isnan(table.loc["S09-2", "lambda"])
    assert pd.isna(table.loc["S09-2", "relation"])


def _with_more_enlargement_pieces():
    """Two more proposals on enlargement from one new piece (source S07, expert_a): three pieces in all."""
    statements, actors, issues, meetings = make_dataset()
    extra = statements[statements["statement_id"] == "S04-1"].iloc[[0, 0]].copy()
    extra["statement_id"] = ["S07-1", "S07-2"]
    extra["source_id"] = ["S07", "S07"]
    extra["position"] = [75.0, 100.0]
    return pd.concat([statements, extra], ignore_index=True), actors, issues, meetings


def test_median_lambda_by_issue_by_hand():
    table = median_lambda_by_issue(proposal_placement(as_record(*make_dataset())), AnalysisParams())
    assert table["issue_id"].tolist() == ["enlargement", "missiles", "troops"]
    assert table["n"].tolist() == [2, 1, 1]
    # Fewer than MIN_PIECES independent pieces: no median and no interval.
    assert MIN_PIECES == 3 and table[["median_lambda", "ci_low", "ci_high"]].isna().all().all()


def test_median_lambda_counts_each_piece_once():
    params = AnalysisParams()
    placed = proposal_placement(as_record(*_with_more_enlargement_pieces()))
    # Pieces (source, actor): (S04, expert_a) 0.5, (S04, expert_b) 0.25, (S07, expert_a) median(0.75, 1.0).
    np.testing.assert_allclose(np.sort(piece_lambdas(placed, "enlargement")), [0.25, 0.5, 0.875])
    row = median_lambda_by_issue(placed, params).set_index("issue_id").loc["enlargement"]
    assert row["n"] == 3 and row["median_lambda"] == 0.5
    low, high = bootstrap_median_ci([0.25, 0.5, 0.875], params.bootstrap_draws, params.ci_level, params.seed)
    assert (row["ci_low"], row["ci_high"]) == (low, high) and low <= 0.5 <= high


def test_bootstrap_is_seeded_and_order_free():
    values = [0.1, 0.9, 0.4, 0.35, 0.6, 0.2, 0.55]
    first = bootstrap_median_ci(values, 2000, 0.95, 20220110)
    assert first == bootstrap_median_ci(list(reversed(values)), 2000, 0.95, 20220110)
    assert first[0] <= np.median(values) <= first[1]
    # By hand: the same resampling written out.
    rng = np.random.default_rng(20220110)
    ordered = np.sort(values)
    medians = np.median(ordered[rng.integers(0, 7, size=(2000, 7))], axis=1)
    assert first == tuple(np.percentile(medians, [2.5, 97.5]))
    assert np.isnan(bootstrap_median_ci([], 10, 0.95, 1)).all()


def test_bootstrap_in_blocks_equals_one_block(monkeypatch):
    values = np.random.default_rng(3).normal(size=41)
    whole = bootstrap_median_ci(values, 500, 0.9, 7)
    for cells in (41 * 3, 50, 1):  # blocks of 3 draws, of 1 draw, and one value too few for a draw
        monkeypatch.setattr(placement, "BOOTSTRAP_BLOCK_CELLS", cells)
        assert bootstrap_median_ci(values, 500, 0.9, 7) == whole


@settings(max_examples=50, deadline=None)
@given(west=scale, russia=scale)
def test_lambda_of_the_sides_own_positions(west, russia):
    assume(west != russia)
    assert placement_lambda(west, west, russia) == 0.0
    assert placement_lambda(russia, west, russia) == pytest.approx(1.0, abs=1e-12)


@settings(max_examples=50, deadline=None)
@given(west=scale, russia=scale, proposal=scale)
def test_inside_range_iff_lambda_in_unit_interval(west, russia, proposal):
    assume(abs(west - russia) > 1e-6)
    lam = placement_lambda(proposal, west, russia)
    inside = min(west, russia) <= proposal <= max(west, russia)
    if inside:
        assert -1e-9 <= lam <= 1 + 1e-9
    else:
        assert lam < 1e-9 or lam > 1 - 1e-9


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_placement_does_not_depend_on_row_order(seed):
    statements, actors, issues, meetings = _with_more_enlargement_pieces()
    reordered = (shuffled(statements, seed), shuffled(actors, seed + 1), shuffled(issues, seed + 2),
                 shuffled(meetings, seed + 3))
    params = AnalysisParams(bootstrap_draws=200)
    first = proposal_placement(as_record(statements, actors, issues, meetings, params))
    second = proposal_placement(as_record(*reordered, params))
    pd.testing.assert_frame_equal(first, second)
    pd.testing.assert_frame_equal(median_lambda_by_issue(first, params),
                                  median_lambda_by_issue(shuffled(second, seed), params))

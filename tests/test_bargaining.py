"""Bargaining benchmarks: compromise model, Nash bargaining issue by issue and as a package."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from talks2022.methods.bargaining import (
    RELATIVE_GAIN_TOLERANCE,
    SCALE_RANGE,
    benchmarks,
    compromise,
    expert_packages,
    issue_gains,
    nash_issue,
    nash_package,
    nash_product,
    proposal_distances,
)
from talks2022.methods.params import AnalysisParams
from talks2022.methods.placement import proposal_placement
from tests.test_positions import as_record, make_dataset, shuffled

scale = st.floats(0, 100, allow_nan=False)
salience = st.floats(0.01, 100, allow_nan=False)


def nash_reference_at_zero(west: float, russia: float) -> float:
    """Hand solution for equal saliences, reference 0 < west, russia.

    Gains x(2w - x) and x(2r - x); d/dx log of their product = 2/x - 1/(2w - x) - 1/(2r - x) = 0
    gives 2x^2 - 3(w + r)x + 4wr = 0, whose smaller root is the solution.
    """
    return (3 * (west + russia) - math.sqrt(9 * (west + russia) ** 2 - 32 * west * russia)) / 4


def agreeable_product(x, ideals_w, ideals_r, reference, s_w, s_r, c_w=1.0, c_r=1.0):
    """The Nash product where both gains exceed the solver's tolerance for an agreement, else 0: the
    objective the solution must beat (gains at rounding level are not agreements)."""
    tolerance_w = RELATIVE_GAIN_TOLERANCE * np.sum(s_w) * SCALE_RANGE**2
    tolerance_r = RELATIVE_GAIN_TOLERANCE * np.sum(s_r) * SCALE_RANGE**2
    gain_w = issue_gains(x, ideals_w, reference, s_w).sum(axis=-1)
    gain_r = issue_gains(x, ideals_r, reference, s_r).sum(axis=-1)
    agreeable = (gain_w > tolerance_w) & (gain_r > tolerance_r)
    return np.where(agreeable, np.abs(gain_w) ** c_w * np.abs(gain_r) ** c_r, 0.0)


# --- compromise ------------------------------------------------------------------------------------------

def test_compromise_by_hand():
    assert compromise([0, 100, 100], [1, 1, 1], [1, 1, 1]) == pytest.approx(200 / 3)
    assert compromise([0, 100], [70, 85], [0.5, 0.5]) == pytest.approx(8500 / 155)
    assert compromise([20, 80], [1, 1], [3, 1]) == pytest.approx(35.0)  # capability weights
    assert math.isnan(compromise([20, 80], [0, 0], [1, 1]))
    np.testing.assert_allclose(compromise([[0, 100], [50, 50]], [[1, 3], [1, 1]], [1, 1]), [75.0, 50.0])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(scale, salience, st.floats(0.01, 1)), min_size=1, max_size=6))
def test_compromise_lies_within_the_positions(actors):
    positions, saliences, capabilities = (list(column) for column in zip(*actors, strict=True))
    value = compromise(positions, saliences, capabilities)
    assert min(positions) - 1e-9 <= value <= max(positions) + 1e-9


# --- Nash, one issue ---------------------------------------------------------------------------------------

def test_nash_issue_by_hand_reference_outside_the_range():
    result = nash_issue(20, 80, 0)
    assert result.agreement
    assert result.x == pytest.approx(75 - 5 * math.sqrt(97), abs=1e-9)  # = 25.7557...
    assert result.x == pytest.approx(nash_reference_at_zero(20, 80), abs=1e-9)
    assert result.gain_west == pytest.approx(result.x * (40 - result.x))
    assert result.gain_russia == pytest.approx(result.x * (160 - result.x))
    # Mirror image: reference at 100, beyond both ideals on the other side.
    mirrored = nash_issue(80, 20, 100)
    assert mirrored.agreement and mirrored.x == pytest.approx(100 - result.x, abs=1e-9)


@pytest.mark.parametrize("west, russia, reference", [(20, 80, 50), (20, 80, 20), (20, 80, 80), (0, 100, 0),
                                                     (80, 20, 30)])
def test_nash_issue_reference_between_or_at_an_ideal_is_no_agreement(west, russia, reference):
    result = nash_issue(west, russia, reference)
    assert not result.agreement
    assert result.x == reference
    assert (result.gain_west, result.gain_russia) == (0.0, 0.0)


def test_nash_issue_ignores_saliences_but_not_capabilities():
    assert nash_issue(20, 80, 0, s_w=5, s_r=1).x == pytest.approx(nash_issue(20, 80, 0).x, abs=1e-9)
    # Capability exponents 2:1 (West stronger): maximise 2 log(x(40 - x)) + log(x(160 - x)):
    # 3/x - 2/(40 - x) - 1/(160 - x) = 0  ->  6x^2 - 960x + 19200 = 0  ->  x = 80 - sqrt(3200).
    strong_west = nash_issue(20, 80, 0, c_w=2, c_r=1)
    assert strong_west.x == pytest.approx(80 - math.sqrt(3200), abs=1e-9)
    assert strong_west.x < nash_issue(20, 80, 0).x


def test_nash_issue_identical_ideals():
    result = nash_issue(30, 30, 0)
    assert result.agreement and result.x == pytest.approx(30)


def test_nash_issue_is_vectorised():
    result = nash_issue(np.array([20.0, 20.0]), np.array([80.0, 80.0]), np.array([0.0, 50.0]))
    np.testing.assert_allclose(result.x, [75 - 5 * math.sqrt(97), 50.0])
    assert result.agreement.tolist() == [True, False]


@settings(max_examples=50, deadline=None)
@given(west=scale, russia=scale, reference=scale, s_w=salience, s_r=salience)
def test_nash_issue_lies_between_the_ideals_or_is_the_reference(west, russia, reference, s_w, s_r):
    result = nash_issue(west, russia, reference, s_w, s_r)
    if result.agreement:
        assert min(west, russia) - 1e-9 <= result.x <= max(west, russia) + 1e-9
        assert result.gain_west > 0 and result.gain_russia > 0
    else:
        assert result.x == reference


@settings(max_examples=50, deadline=None)
@given(west=scale, russia=scale, reference=scale, c_w=st.floats(0.1, 1), c_r=st.floats(0.1, 1))
@example(west=0.0, russia=0.0, reference=6.103515625e-05, c_w=1.0, c_r=1.0)  # gains at rounding level
def test_nash_issue_beats_every_point_of_a_fine_grid(west, russia, reference, c_w, c_r):
    result = nash_issue(west, russia, reference, 1, 1, c_w, c_r)
    grid = np.arange(0, 100.0001, 0.01)
    products = agreeable_product(grid[:, None], west, russia, reference, 1, 1, c_w, c_r)
    best = nash_product(np.array([result.x]), west, russia, reference, 1, 1, c_w, c_r)
    assert best >= products.max() * (1 - 1e-9)
    if not result.agreement:
        assert products.max() <= 1e-6 * 100**2


# --- Nash, package ---------------------------------------------------------------------------------------

LOGROLL = dict(ideals_w=[0, 0], ideals_r=[100, 100], reference=[100, 0], s_w=[0.9, 0.1], s_r=[0.1, 0.9])


def test_nash_package_logroll_by_hand():
    # Neither issue alone allows an agreement: on A the status quo is Russia's ideal, on B the West's.
    for k in range(2):
        single = nash_issue(0, 100, LOGROLL["reference"][k], LOGROLL["s_w"][k], LOGROLL["s_r"][k])
        assert not single.agreement
    package = nash_package(**LOGROLL)
    assert package.agreement
    # By symmetry t = 1/2 on the contract curve x_k = t s_wk 0 + (1-t) s_rk 100 / (t s_wk + (1-t) s_rk):
    # x_A = 0.1 * 100 / (0.9 + 0.1) = 10, x_B = 0.9 * 100 / 1 = 90.
    np.testing.assert_allclose(package.x, [10.0, 90.0], atol=1e-9)
    # Gains: West -0.9 * 10^2 - 0.1 * 90^2 - (-0.9 * 100^2) = 8100; Russia symmetric.
    assert package.gain_west == pytest.approx(8100.0)
    assert package.gain_russia == pytest.approx(8100.0)
    # Issue A moves towards the West (from 100 to 10), issue B towards Russia (from 0 to 90).
    assert package.x[0] < 100 and package.x[1] > 0
    # The package gains are at least the sum of the issue-by-issue gains (both 0 here).
    singles = [nash_issue(0, 100, r, sw, sr)
               for r, sw, sr in zip(LOGROLL["reference"], LOGROLL["s_w"], LOGROLL["s_r"], strict=True)]
    issue_by_issue_w = sum(single.gain_west for single in singles)
    issue_by_issue_r = sum(single.gain_russia for single in singles)
    assert package.gain_west >= issue_by_issue_w and package.gain_russia >= issue_by_issue_r
    assert issue_by_issue_w == issue_by_issue_r == 0


def test_nash_package_without_a_trade_is_the_reference():
    # Equal saliences and a status quo between the ideals on both issues: nothing to trade.
    result = nash_package([0, 0], [100, 100], [50, 50], [1, 1], [1, 1])
    assert not result.agreement
    np.testing.assert_array_equal(result.x, [50, 50])
    # Opposite saliences turn the same status quo into a logroll.
    assert nash_package([0, 0], [100, 100], [50, 50], [0.9, 0.1], [0.1, 0.9]).agreement


def test_nash_package_of_one_issue_is_nash_issue():
    package = nash_package([20], [80], [0], [3], [7])
    assert package.x[0] == pytest.approx(nash_issue(20, 80, 0).x, abs=1e-9)


def test_nash_package_issue_nobody_cares_about_stays_at_the_reference():
    package = nash_package([20, 0], [80, 100], [0, 40], [1, 0], [1, 0])
    assert package.x[1] == 40
    assert package.x[0] == pytest.approx(nash_issue(20, 80, 0).x, abs=1e-9)


@settings(max_examples=50, deadline=None)
@given(data=st.data(), issues=st.integers(1, 4))
def test_nash_package_beats_random_points(data, issues):
    vectors = {name: np.array(data.draw(st.lists(scale, min_size=issues, max_size=issues)))
               for name in ("ideals_w", "ideals_r", "reference")}
    weights = {name: np.array(data.draw(st.lists(salience, min_size=issues, max_size=issues)))
               for name in ("s_w", "s_r")}
    result = nash_package(**vectors, **weights)
    candidates = np.random.default_rng(0).uniform(0, 100, size=(2000, issues))
    products = agreeable_product(candidates, **vectors, **weights)
    best = nash_product(result.x, **vectors, **weights)
    assert best >= products.max() * (1 - 1e-9)
    # Settling issue by issue is one package among others: it cannot beat the Nash package.
    issue_by_issue = nash_issue(vectors["ideals_w"], vectors["ideals_r"], vectors["reference"],
                                weights["s_w"], weights["s_r"]).x
    assert best >= agreeable_product(issue_by_issue, **vectors, **weights) * (1 - 1e-9)
    if result.agreement:
        assert result.gain_west > 0 and result.gain_russia > 0
        assert np.all((result.x >= 0) & (result.x <= 100))
    else:
        np.testing.assert_array_equal(result.x, vectors["reference"])


def test_issue_gains_by_hand():
    np.testing.assert_allclose(issue_gains([10, 90], [0, 0], [100, 0], [0.9, 0.1]), [0.9 * 9900, -0.1 * 8100])


# --- tables ----------------------------------------------------------------------------------------------

def test_benchmarks_by_hand():
    table = benchmarks(as_record(*make_dataset())).set_index("issue_id")
    assert table.index.tolist() == ["enlargement", "missiles", "troops"]
    # Compromise with equal capabilities: (west * s_w + russia * s_r) / (s_w + s_r).
    assert table.loc["enlargement", "compromise"] == pytest.approx((0 * 70 + 100 * 85) / 155)
    assert table.loc["missiles", "compromise"] == pytest.approx((25 * 50 + 87.5 * 60) / 110)
    assert table.loc["troops", "compromise"] == pytest.approx((5 * 90 + 100 * 50) / 140)
    # Enlargement: the West sits at the status quo (0); troops: Russia does (100). No agreement alone.
    assert table.loc["enlargement", ["nash_issue", "nash_issue_agreement"]].tolist() == [0.0, False]
    assert table.loc["troops", ["nash_issue", "nash_issue_agreement"]].tolist() == [100.0, False]
    # Missiles: reference 0 below both ideals (25, 87.5): the hand formula applies.
    assert table.loc["missiles", "nash_issue"] == pytest.approx(nash_reference_at_zero(25, 87.5), abs=1e-9)
    assert table.loc["missiles", "nash_issue_agreement"]
    # The package: one solution over the three issues, both sides gain; the columns add up.
    assert table["nash_package_agreement"].all()
    package = nash_package(table["west"], table["russia"], table["reference_point"], table["salience_west"],
                           table["salience_russia"])
    np.testing.assert_allclose(table["nash_package"], package.x)
    assert table["package_gain_west"].sum() == pytest.approx(package.gain_west / (70 + 50 + 90))
    assert table["package_gain_russia"].sum() == pytest.approx(package.gain_russia / (85 + 60 + 50))
    assert table["package_gain_west"].sum() > 0 and table["package_gain_russia"].sum() > 0


def test_benchmarks_use_the_capabilities():
    params = AnalysisParams(capability={"russia": 0.25, "west": 0.75})
    table = benchmarks(as_record(*make_dataset(), params)).set_index("issue_id")
    assert table.loc["enlargement", "compromise"] == pytest.approx(100 * 85 * 0.25 / (70 * 0.75 + 85 * 0.25))


def test_benchmarks_with_a_side_missing():
    statements, actors, issues, meetings = make_dataset()
    without_west_on_troops = statements[~((statements["issue_id"] == "troops")
                                          & statements["actor_id"].isin(["sherman_t", "stoltenberg_t"]))]
    table = benchmarks(as_record(without_west_on_troops, actors, issues, meetings)).set_index("issue_id")
    missing = table.loc["troops", ["west", "compromise", "nash_issue", "nash_package"]].astype(float)
    assert np.isnan(missing).all()
    assert pd.isna(table.loc["troops", "nash_issue_agreement"])
    assert pd.isna(table.loc["troops", "nash_package_agreement"])
    assert table.loc[["enlargement", "missiles"], "nash_package"].notna().all()


def test_proposal_distances_and_expert_packages_by_hand():
    frames = make_dataset()
    placement = proposal_placement(as_record(*frames))
    bench = benchmarks(as_record(*frames))
    distances = proposal_distances(placement, bench).set_index("statement_id")
    compromise_of = bench.set_index("issue_id")["compromise"]
    assert distances.loc["S04-1", "dist_compromise"] == pytest.approx(abs(50 - compromise_of["enlargement"]))
    assert distances.loc["S04-1", "dist_nash_issue"] == pytest.approx(50.0)  # nash_issue = 0 there
    packages = expert_packages(placement, bench).set_index("actor_id")
    assert packages.loc["expert_a", ["n_issues", "issues"]].tolist() == [2, "enlargement;missiles"]
    expected = math.sqrt(((50 - compromise_of["enlargement"]) ** 2
                          + (50 - compromise_of["missiles"]) ** 2) / 2)
    assert packages.loc["expert_a", "rms_to_compromise"] == pytest.approx(expected)
    nash_of = bench.set_index("issue_id")["nash_package"]
    expected = math.sqrt(((25 - nash_of["enlargement"]) ** 2 + (40 - nash_of["troops"]) ** 2) / 2)
    assert packages.loc["expert_b", "rms_to_nash_package"] == pytest.approx(expected)


def test_expert_package_takes_the_median_of_several_proposals_on_an_issue():
    placement = pd.DataFrame({"statement_id": ["S01-1", "S01-2", "S01-3"], "actor_id": ["x", "x", "x"],
                              "issue_id": ["a", "a", "a"], "position": [10.0, 30.0, 80.0]})
    bench = pd.DataFrame({"issue_id": ["a"], "compromise": [40.0], "nash_issue": [0.0],
                          "nash_package": [20.0]})
    row = expert_packages(placement, bench).iloc[0]
    assert (row["n_issues"], row["rms_to_compromise"], row["rms_to_nash_package"]) == (1, 10.0, 10.0)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_benchmarks_do_not_depend_on_row_order(seed):
    statements, actors, issues, meetings = make_dataset()
    pd.testing.assert_frame_equal(
        benchmarks(as_record(statements, actors, issues, meetings)),
        benchmarks(as_record(shuffled(statements, seed), shuffled(actors, seed), shuffled(issues, seed),
                             shuffled(meetings, seed))))


@settings(max_examples=50, deadline=None)
@given(west=scale, russia=scale, reference=scale)
def test_single_issue_agreement_iff_reference_outside_the_ideals(west, russia, reference):
    assume(min(abs(reference - west), abs(reference - russia)) > 1e-3)
    outside = reference < min(west, russia) or reference > max(west, russia)
    assert nash_issue(west, russia, reference).agreement == outside


def test_nash_package_finds_a_tiny_agreement_that_issue_by_issue_finds():
    # Found by hypothesis: gains far below one squared scale point must still count as an agreement,
    # or the package would do worse than settling issue by issue.
    ideals_w, ideals_r = np.array([1.0, 0, 0, 0]), np.array([0.03125, 0, 0, 0])
    reference = np.zeros(4)
    s_w, s_r = np.ones(4), np.array([1.0, 1, 1, 85])
    package = nash_package(ideals_w, ideals_r, reference, s_w, s_r)
    separate = nash_issue(ideals_w, ideals_r, reference, s_w, s_r).x
    assert package.agreement
    assert nash_product(package.x, ideals_w, ideals_r, reference, s_w, s_r) >= nash_product(
        separate, ideals_w, ideals_r, reference, s_w, s_r) * (1 - 1e-9)

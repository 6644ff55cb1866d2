"""Positions of the sides: hand-computed cases on a small synthetic dataset, and properties.

`make_dataset` (wrapped by `as_record`) is the synthetic dataset the other analysis tests import
(test_placement, test_bargaining, test_robustness, test_derived): three positional issues, one tagged
issue, three rounds and the commentary pseudo-round, and statements that exercise every filter
(unconfirmed, OSCE chair, media, experts, no position, non-positional issue).
"""

from __future__ import annotations

import ast
import dataclasses
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from talks2022.data.dataset import Record
from talks2022.methods import params as params_module
from talks2022.methods.params import DEFAULT_PARAMS, AnalysisParams, filter_statements
from talks2022.methods.positions import (
    aggregate,
    gaps,
    natural_key,
    official_positions,
    overall_position,
    positions_by_round,
    round_meetings,
    side_positions,
    side_positions_wide,
)

ACTORS = [
    ("ryabkov_t", "russia", "official"), ("lavrov_t", "russia", "official"),
    ("sherman_t", "united_states", "official"), ("stoltenberg_t", "nato_allies", "official"),
    ("rau_t", "osce_chair", "official"), ("expert_a", "expert", "expert"),
    ("expert_b", "expert", "expert"), ("outlet_t", "media", "media"),
]
OP, EP, OK = "official_position", "expert_proposal", "confirmed"
# statement_id, date, meeting, actor, issue, kind, position, salience, verification
STATEMENTS = [
    ("S01-1", "2021-12-17", "drafts", "ryabkov_t", "enlargement", OP, 100, 90, OK),
    ("S02-1", "2022-01-10", "geneva", "ryabkov_t", "enlargement", OP, 100, 80, OK),
    ("S02-2", "2022-01-10", "geneva", "sherman_t", "enlargement", OP, 0, 70, OK),
    ("S03-1", "2022-01-12", "brussels", "stoltenberg_t", "enlargement", OP, 0, None, OK),
    ("S03-2", "2022-01-12", "brussels", "lavrov_t", "enlargement", OP, 90, None, OK),
    ("S04-1", "", "commentary", "expert_a", "enlargement", EP, 50, None, OK),
    ("S04-2", "", "commentary", "expert_b", "enlargement", EP, 25, None, OK),
    # Not a bargaining side (OSCE chair), and an unconfirmed statement: both stay out.
    ("S05-1", "2022-01-12", "brussels", "rau_t", "enlargement", OP, 50, 40, OK),
    ("S05-2", "2022-01-12", "brussels", "stoltenberg_t", "enlargement", OP, 30, 30, "unconfirmed"),
    ("S01-2", "2021-12-17", "drafts", "ryabkov_t", "missiles", OP, 100, 60, OK),
    ("S02-3", "2022-01-10", "geneva", "sherman_t", "missiles", OP, 25, 50, OK),
    ("S02-4", "2022-01-11", "geneva", "ryabkov_t", "missiles", OP, 75, 60, OK),
    ("S04-3", "2022-01-20", "commentary", "expert_a", "missiles", EP, 50, None, OK),
    ("S02-5", "2022-01-10", "geneva", "sherman_t", "troops", OP, 0, 90, OK),
    ("S03-3", "2022-01-13", "brussels", "lavrov_t", "troops", OP, 100, 50, OK),
    ("S03-4", "2022-01-12", "brussels", "stoltenberg_t", "troops", OP, 10, None, OK),
    ("S04-4", "2022-01-25", "commentary", "expert_b", "troops", EP, 40, None, OK),
    ("S02-6", "2022-01-10", "geneva", "sherman_t", "tagged", OP, None, None, OK),
    ("S03-5", "2022-01-12", "brussels", "outlet_t", "enlargement", "reported_fact", None, None, OK),
]


def make_dataset(statement_rows=STATEMENTS, actor_rows=ACTORS):
    """(statements, actors, issues, meetings) frames in the input contract's types, with every column of the
    data model (data/datapackage.json) so that any method may read any of them."""
    actors = pd.DataFrame([{"actor_id": a, "name": a.replace("_", " "), "role": "", "organisation": "",
                            "speaker_group": group, "kind": kind, "country": ""}
                           for a, group, kind in actor_rows])
    issue_ids = ["enlargement", "missiles", "troops", "tagged"]
    positional = [True, True, True, False]
    issues = pd.DataFrame({
        "issue_id": issue_ids,
        "label": ["Enlargement", "Missiles", "Troops", "Tagged"],
        "description": [f"Synthetic issue {issue}." for issue in issue_ids],
        "positional": positional,
        **{column: [f"{column} of {issue}" if scaled else ""
                    for issue, scaled in zip(issue_ids, positional, strict=True)]
           for column in ("pole_0", "pole_100", "anchor_0", "anchor_25", "anchor_50", "anchor_75", "anchor_100")},
        "reference_point": [0.0, 0.0, 100.0, np.nan],
        "reference_note": ["synthetic", "synthetic", "synthetic", ""],
        "rationale": ["synthetic", "synthetic", "synthetic", ""],
    })
    meetings = pd.DataFrame({
        "meeting_id": ["drafts", "geneva", "brussels", "commentary"],
        "label": ["Drafts", "Geneva", "Brussels", "Commentary"],
        "sequence": [1, 2, 3, 4],
        "stage_type": ["round", "round", "round", "commentary"],
        "date": pd.to_datetime(["2021-12-17", "2022-01-10", "2022-01-12", None]),
        "window_start": pd.to_datetime(["2021-12-17", "2022-01-10", "2022-01-12", "2021-12-17"]),
        "window_end": pd.to_datetime(["2021-12-31", "2022-01-11", "2022-01-14", "2022-02-28"]),
        "place": ["Moscow", "Geneva", "Brussels", ""],
        "format": ["synthetic"] * 4,
        "description": [""] * 4,
    })
    statements = pd.DataFrame([{
        "statement_id": sid, "date": date, "meeting_id": meeting, "actor_id": actor, "issue_id": issue,
        "kind": kind, "position": np.nan if position is None else float(position),
        "salience": np.nan if salience is None else float(salience), "conditional": False,
        "summary": f"summary of {sid}",
        "key_phrase": "", "source_id": sid[:3], "attribution": "direct", "verification": verification,
        "coding_note": "synthetic", "confidence": "high",
    } for sid, date, meeting, actor, issue, kind, position, salience, verification in statement_rows])
    return statements, actors, issues, meetings


def make_sources(statements: pd.DataFrame) -> pd.DataFrame:
    """One source row per source_id the statements cite, with every column of the data model."""
    ids = sorted(set(statements["source_id"].astype(str)))
    return pd.DataFrame({
        "source_id": ids, "title": [f"Source {i}" for i in ids], "title_basis": "shown",
        "publisher": "Synthetic publisher", "author": "", "author_basis": "institutional",
        "date": pd.Series(pd.NaT, index=range(len(ids)), dtype="datetime64[ns]"), "date_basis": "not_shown",
        "url": [f"https://example.org/{i}" for i in ids], "source_type": "analysis", "language": "en",
        "better_source_id": "", "outlet_flags": "", "note": "",
    }, index=range(len(ids)))


def as_record(statements, actors, issues, meetings, params=DEFAULT_PARAMS) -> Record:
    """The frames as the Record the methods take (sources made up from the statements' source ids)."""
    return Record(sources=make_sources(statements), actors=actors, meetings=meetings, issues=issues,
                  statements=statements, params=params)


def shuffled(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The same rows in another order, with a scrambled index."""
    order = np.random.default_rng(seed).permutation(len(frame))
    return frame.iloc[order].set_index(pd.Index(np.random.default_rng(seed + 1).permutation(len(frame))))


# --- params and filtering ------------------------------------------------------------------------------

def _documented_defaults() -> dict[str, object]:
    """The `name = value` pairs of the "Defaults and why" section of talks2022.methods.params."""
    section = params_module.__doc__.split("Defaults and why", 1)[1]
    documented = {}
    for line in section.splitlines():
        if not re.match(r"[a-z_]+ = ", line):
            continue  # explanations are indented; only the definition lines start at the margin
        for pair in re.split(r", (?=[a-z_]+ = )", line):
            name, value = pair.split(" = ", 1)
            documented[name] = ast.literal_eval(value)
    return documented


def test_defaults_are_the_documented_ones():
    params = AnalysisParams()
    assert params.west_sides == ("united_states", "nato_allies")
    assert params.russia_sides == ("russia",)
    assert params.round_rule == "median"
    assert params.capability == {"russia": 0.5, "west": 0.5}
    assert (params.bootstrap_draws, params.seed) == (2000, 20220110)
    # Every default the module docstring states ("name = value, name = value" lines) is the real one.
    documented = _documented_defaults()
    assert {"robustness_draws", "bootstrap_draws", "seed", "noise", "west_sides"} <= set(documented)
    for name, value in documented.items():
        assert getattr(params, name) == value, name
    assert params.include_unconfirmed is False and params.as_of is None
    assert params.default_salience == 50
    with pytest.raises(dataclasses.FrozenInstanceError):
        params.round_rule = "mean"
    assert hash(params) == hash(AnalysisParams()) and params == AnalysisParams()
    assert dataclasses.replace(params, as_of="2022-01-12").as_of == "2022-01-12"


@pytest.mark.parametrize("bad", [{"round_rule": "mode"}, {"as_of": "10 Jan 2022"},
                                 {"capability": {"russia": 1.0}}, {"west_sides": ("russia",)},
                                 {"overall_from": "days"}, {"noise": -1.0}])
def test_params_refuse_bad_choices(bad):
    with pytest.raises(ValueError):
        AnalysisParams(**bad)


def test_bargaining_side_mapping():
    params = AnalysisParams()
    groups = ("russia", "united_states", "nato_allies", "ukraine", "osce_chair", "other_state", "expert", "media")
    assert [params.bargaining_side(group) for group in groups] == [
        "russia", "west", "west", None, None, None, None, None]


def test_filter_statements_verification_and_as_of():
    statements, *_ = make_dataset()
    kept = filter_statements(statements, AnalysisParams())
    assert "S05-2" not in set(kept["statement_id"])
    everything = filter_statements(statements, AnalysisParams(include_unconfirmed=True))
    assert "S05-2" in set(everything["statement_id"])
    by_date = filter_statements(statements, AnalysisParams(as_of="2022-01-10"))
    # Dated on or before 10 January; the undated expert proposals S04-1 and S04-2 are dropped.
    assert set(by_date["statement_id"]) == {"S01-1", "S02-1", "S02-2", "S01-2", "S02-3", "S02-5", "S02-6"}
    # Without as_of the undated statements stay.
    assert {"S04-1", "S04-2"} <= set(kept["statement_id"])


def test_filter_statements_treats_nan_dates_as_undated():
    statements, *_ = make_dataset()
    statements.loc[statements["statement_id"] == "S02-1", "date"] = np.nan
    kept = filter_statements(statements, AnalysisParams(as_of="2022-02-01"))
    assert "S02-1" not in set(kept["statement_id"])
    assert filter_statements(statements).loc[lambda f: f["statement_id"] == "S02-1", "date"].item() == ""


# --- kernels ---------------------------------------------------------------------------------------------

def test_aggregate_rules_by_hand():
    values = np.array([10.0, 40.0, 30.0, 100.0])
    dates = ["2022-01-10", "2022-01-12", "2022-01-12", ""]
    assert aggregate(values, dates, "median") == 35.0
    assert aggregate(values, dates, "mean") == 45.0
    assert aggregate(values, dates, "latest") == 35.0  # median of the two of 12 January
    assert aggregate(values[[3]], [""], "latest") == 100.0
    assert aggregate(np.array([5.0, 7.0]), ["", ""], "latest") == 6.0  # nothing dated: all count
    # Leading axes are independent problems (the robustness draws).
    np.testing.assert_array_equal(aggregate(np.array([[1.0, 2.0, 9.0], [4.0, 4.0, 0.0]]), ["", "", ""],
                                            "median"), [2.0, 4.0])


def test_overall_position_by_hand():
    values = np.array([100.0, 80.0, 90.0, 60.0])
    sequence = [1, 2, 2, 3]
    dates = ["2021-12-17", "2022-01-10", "2022-01-11", ""]
    assert overall_position(values, sequence, dates, "median", "statements") == 85.0
    assert overall_position(values, sequence, dates, "latest", "statements") == 60.0  # last round
    # rounds: round medians 100, 85, 60 -> median 85, mean 81.67, latest 60
    assert overall_position(values, sequence, dates, "median", "rounds") == 85.0
    assert overall_position(values, sequence, dates, "mean", "rounds") == pytest.approx(245 / 3)
    assert overall_position(values, sequence, dates, "latest", "rounds") == 60.0


def test_natural_key_orders_statement_ids():
    ids = ["S03-10", "S03-2", "S10-1", "S03-2a", "S03-1"]
    assert sorted(ids, key=natural_key) == ["S03-1", "S03-2", "S03-2a", "S03-10", "S10-1"]
    assert sorted(["S03-2", "S03-02"], key=natural_key) == sorted(["S03-02", "S03-2"], key=natural_key)


# --- tables --------------------------------------------------------------------------------------------

def test_official_positions_keep_only_sides_confirmed_positional_rounds():
    official = official_positions(as_record(*make_dataset()))
    assert list(official["statement_id"]) == ["S01-1", "S01-2", "S02-1", "S02-2", "S02-3", "S02-4", "S02-5",
                                              "S03-1", "S03-2", "S03-3", "S03-4"]
    assert set(official["side"]) == {"russia", "west"}


def test_stages_between_rounds_count_and_commentary_does_not():
    statements, actors, issues, meetings = make_dataset()
    stage = pd.DataFrame({"meeting_id": ["stage_jan"], "label": ["Stage"], "sequence": [5],
                          "stage_type": ["between_rounds"], "date": ["2022-01-14"]})
    meetings = pd.concat([meetings, stage], ignore_index=True)
    assert round_meetings(meetings)["meeting_id"].tolist() == ["drafts", "geneva", "brussels", "stage_jan"]
    row = statements[statements["statement_id"] == "S02-2"].assign(statement_id="S06-1", meeting_id="stage_jan",
                                                                      date="2022-01-14", position=12.5)
    table = positions_by_round(as_record(pd.concat([statements, row], ignore_index=True), actors, issues, meetings))
    stage_rows = table[table["meeting_id"] == "stage_jan"]
    assert stage_rows[["issue_id", "side", "position"]].values.tolist() == [["enlargement", "west", 12.5]]
    assert "commentary" not in set(table["meeting_id"])


def test_positions_by_round_by_hand():
    table = positions_by_round(as_record(*make_dataset()))
    assert list(table.columns[:5]) == ["issue_id", "meeting_id", "side", "position", "n_statements"]
    rows = {(r.issue_id, r.meeting_id, r.side): (r.position, r.n_statements, r.salience)
            for r in table.itertuples()}
    assert rows == {
        ("enlargement", "drafts", "russia"): (100.0, 1, 90.0),
        ("enlargement", "geneva", "russia"): (100.0, 1, 80.0),
        ("enlargement", "geneva", "west"): (0.0, 1, 70.0),
        ("enlargement", "brussels", "russia"): (90.0, 1, 50.0),  # no salience coded: default 50
        ("enlargement", "brussels", "west"): (0.0, 1, 50.0),
        ("missiles", "drafts", "russia"): (100.0, 1, 60.0),
        ("missiles", "geneva", "russia"): (75.0, 1, 60.0),
        ("missiles", "geneva", "west"): (25.0, 1, 50.0),
        ("troops", "geneva", "west"): (0.0, 1, 90.0),
        ("troops", "brussels", "russia"): (100.0, 1, 50.0),
        ("troops", "brussels", "west"): (10.0, 1, 50.0),
    }
    # Sorted by issue, meeting sequence, side.
    assert list(zip(table["issue_id"], table["sequence"], table["side"], strict=True)) == sorted(
        zip(table["issue_id"], table["sequence"], table["side"], strict=True))


def test_round_rule_applies_within_a_round():
    rows = [
        ("S01-1", "2022-01-10", "geneva", "sherman_t", "missiles", OP, 0, 40, OK),
        ("S01-2", "2022-01-11", "geneva", "sherman_t", "missiles", OP, 25, None, OK),
        ("S01-3", "2022-01-11", "geneva", "stoltenberg_t", "missiles", OP, 50, 80, OK),
        ("S01-4", "2022-01-10", "geneva", "stoltenberg_t", "missiles", OP, 100, None, OK),
    ]
    frames = make_dataset(rows)
    expected = {"median": 37.5, "mean": 43.75, "latest": 37.5}
    for rule, position in expected.items():
        table = positions_by_round(as_record(*frames, AnalysisParams(round_rule=rule)))
        assert table["position"].tolist() == [position]
        assert table["n_statements"].tolist() == [4]
        assert table["salience"].tolist() == [60.0]  # mean of the coded 40 and 80


def test_side_positions_by_hand():
    wide = side_positions_wide(as_record(*make_dataset()))
    assert wide.columns.tolist() == ["issue_id", "west", "russia", "salience_west", "salience_russia"]
    assert wide.values.tolist() == [
        ["enlargement", 0.0, 100.0, 70.0, 85.0],  # saliences: 70; mean(90, 80)
        ["missiles", 25.0, 87.5, 50.0, 60.0],  # Russia: median(100, 75)
        ["troops", 5.0, 100.0, 90.0, 50.0],  # West: median(0, 10)
    ]
    long = side_positions(as_record(*make_dataset(), AnalysisParams(round_rule="latest")))
    latest = {(r.issue_id, r.side): r.position for r in long.itertuples()}
    assert latest[("enlargement", "russia")] == 90.0  # Brussels, the last round Russia spoke in
    assert latest[("missiles", "russia")] == 75.0


def test_gaps_by_hand():
    table = gaps(as_record(*make_dataset()))
    assert list(table.columns[:6]) == ["issue_id", "meeting_id", "sequence", "russia", "west", "gap"]
    got = [(r.issue_id, r.meeting_id, r.russia, r.west, r.gap) for r in table.itertuples()]
    expected = [
        ("enlargement", "drafts", 100.0, np.nan, np.nan),
        ("enlargement", "geneva", 100.0, 0.0, 100.0),
        ("enlargement", "brussels", 90.0, 0.0, 90.0),
        ("missiles", "drafts", 100.0, np.nan, np.nan),
        ("missiles", "geneva", 75.0, 25.0, 50.0),
        ("troops", "geneva", np.nan, 0.0, np.nan),
        ("troops", "brussels", 100.0, 10.0, 90.0),
    ]
    assert len(got) == len(expected)
    for row, want in zip(got, expected, strict=True):
        assert row[:2] == want[:2]
        np.testing.assert_array_equal(row[2:], want[2:])
    assert not table["russia_carried"].any() and not table["west_carried"].any()


def test_gaps_carry_forward_latest_known_position():
    table = gaps(as_record(*make_dataset()), carry_forward=True)
    missiles = table[table["issue_id"] == "missiles"]
    # Missiles: Russia and the West spoke in Geneva only; Brussels carries both forward.
    assert missiles[["meeting_id", "russia", "west", "gap"]].to_dict("records")[-1] == {
        "meeting_id": "brussels", "russia": 75.0, "west": 25.0, "gap": 50.0}
    assert missiles[["russia_carried", "west_carried"]].iloc[-1].tolist() == [True, True]
    # Nothing is carried backwards: the West has no position in the drafts round.
    assert np.isnan(missiles.iloc[0]["west"])
    assert gaps(as_record(*make_dataset(), AnalysisParams(carry_forward=True))).equals(table)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_tables_do_not_depend_on_row_order(seed):
    statements, actors, issues, meetings = make_dataset()
    reordered = (shuffled(statements, seed), shuffled(actors, seed + 2), shuffled(issues, seed + 3),
                 shuffled(meetings, seed + 4))
    for rule in ("median", "mean", "latest"):
        params = AnalysisParams(round_rule=rule)
        pd.testing.assert_frame_equal(positions_by_round(as_record(statements, actors, issues, meetings, params)),
                                      positions_by_round(as_record(*reordered, params)))
        pd.testing.assert_frame_equal(side_positions(as_record(statements, actors, issues, meetings, params)),
                                      side_positions(as_record(*reordered, params)))
    pd.testing.assert_frame_equal(gaps(as_record(statements, actors, issues, meetings)), gaps(as_record(*reordered)))


@settings(max_examples=50, deadline=None)
@given(values=st.lists(st.floats(0, 100), min_size=1, max_size=12),
       rule=st.sampled_from(["median", "mean", "latest"]))
def test_aggregate_lies_within_the_values(values, rule):
    dates = [f"2022-01-{1 + i % 3:02d}" for i in range(len(values))]
    result = aggregate(np.array(values), dates, rule)
    assert min(values) - 1e-9 <= result <= max(values) + 1e-9

"""Positions of the two bargaining sides, round by round and overall.

A statement counts as a position of a side when
  * it passes `params.filter_statements` (verification, as_of),
  * its kind is "official_position" and it carries a position,
  * its issue is positional (issues.positional) and its meeting is a round or a stage between rounds
    (meetings.stage_type is not "commentary"),
  * its actor's speaker group maps to "russia" or "west" (params.west_sides / russia_sides); experts, media
    and the OSCE Chairmanship are not a bargaining side.

Several statements of a side become one position by params.round_rule (median, mean or latest). The
array kernels (`aggregate`, `overall_position`, `mean_salience`) work on arrays whose last axis is the
statements of one group and any leading axes (robustness draws), so the table builders here and the
robustness redraws share one definition.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from talks2022.data.dataset import Record
from talks2022.methods.params import filter_statements

SIDES = ("russia", "west")
OFFICIAL_COLUMNS = [
    "statement_id", "issue_id", "meeting_id", "sequence", "side", "date", "position", "salience",
]


# --- ordering helpers: every table is sorted by keys, never by input row order ----------------------

_DIGIT_RUNS = re.compile(r"(\d+)")


def natural_key(text: object) -> tuple:
    """Sort key that orders 'S03-2' before 'S03-10' (digit runs compare as numbers)."""
    return _natural_key(str(text))


@functools.lru_cache(maxsize=1 << 16)  # the same ids are sorted again in every robustness recomputation
def _natural_key(text: str) -> tuple:
    parts = _DIGIT_RUNS.split(text)
    # Even positions are text, odd positions digit runs, so two keys compare position by position
    # without mixing str and int; the text itself breaks ties such as 'S03-2' and 'S03-02'.
    return (tuple(int(part) if index % 2 else part for index, part in enumerate(parts)), text)


def sort_by_statement(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in natural statement_id order, with a fresh index."""
    keys = [natural_key(statement_id) for statement_id in frame["statement_id"]]
    order = sorted(range(len(frame)), key=keys.__getitem__)
    return frame.iloc[order].reset_index(drop=True)


def as_bool(values: pd.Series) -> pd.Series:
    """Booleans from a bool column or from 'true'/'false' text (as in the CSV files)."""
    if pd.api.types.is_bool_dtype(values):
        # A nullable boolean column may hold missing values: missing is not true.
        return values.fillna(False).astype(bool)
    text = values.astype(str).str.strip().str.lower()
    return text.isin(["true", "1", "yes"])


def positional_issue_ids(issues: pd.DataFrame) -> list[str]:
    """Sorted ids of the positional issues (the only issues placed on the 0-100 scale)."""
    return sorted(issues.loc[as_bool(issues["positional"]), "issue_id"].astype(str))


def round_meetings(meetings: pd.DataFrame) -> pd.DataFrame:
    """The rounds and the stages between them (not commentary) as meeting_id, sequence, sorted by sequence then id."""
    rounds = meetings.loc[meetings["stage_type"].astype(str) != "commentary", ["meeting_id", "sequence"]].copy()
    rounds["meeting_id"] = rounds["meeting_id"].astype(str)
    rounds["sequence"] = rounds["sequence"].astype(int)
    return rounds.sort_values(["sequence", "meeting_id"], kind="stable").reset_index(drop=True)


# --- array kernels ---------------------------------------------------------------------------------

def latest_mask(dates: Sequence[str]) -> np.ndarray:
    """Columns bearing the latest date; all columns when none is dated ('' = undated)."""
    dates = np.asarray(dates, dtype=object)
    dated = dates != ""
    if not dated.any():
        return np.ones(len(dates), dtype=bool)
    return dates == max(dates[dated])


def aggregate(values: np.ndarray, dates: Sequence[str], rule: str) -> np.ndarray:
    """One position from the statements on the last axis.

    median: median of the values; mean: arithmetic mean; latest: median of the values bearing the
    latest date (undated values only when none is dated).
    """
    values = np.asarray(values, dtype=float)
    if values.shape[-1] == 0:
        return np.full(values.shape[:-1], np.nan)
    if rule == "latest":
        values = values[..., latest_mask(dates)]
        rule = "median"
    if rule == "median":
        return np.median(values, axis=-1)
    if rule == "mean":
        return np.mean(values, axis=-1)
    raise ValueError(f"unknown round rule {rule!r}")


def overall_position(
    values: np.ndarray, sequence: Sequence[int], dates: Sequence[str], rule: str, overall_from: str
) -> np.ndarray:
    """Overall position of a side on an issue from its statements of all rounds (last axis).

    overall_from="statements": rule applied to all statements pooled ("latest": the statements of
    the last round, by meeting sequence, in which the side spoke, then the latest date within it).
    overall_from="rounds": rule applied within each round, then across the round positions
    ("latest": the position of the last round).
    """
    values = np.asarray(values, dtype=float)
    sequence = np.asarray(sequence, dtype=int)
    dates = np.asarray(dates, dtype=object)
    if values.shape[-1] == 0:
        return np.full(values.shape[:-1], np.nan)
    if overall_from == "statements":
        if rule == "latest":
            in_last_round = sequence == sequence.max()
            return aggregate(values[..., in_last_round], dates[in_last_round], "latest")
        return aggregate(values, dates, rule)
    if overall_from != "rounds":
        raise ValueError(f"unknown overall_from {overall_from!r}")
    rounds = np.unique(sequence)
    per_round = np.stack(
        [aggregate(values[..., sequence == s], dates[sequence == s], rule) for s in rounds], axis=-1
    )
    if rule == "latest":
        return per_round[..., -1]
    return aggregate(per_round, [""] * len(rounds), rule)


def mean_salience(saliences: np.ndarray, default: float) -> np.ndarray:
    """Mean of the available (non-NaN) saliences on the last axis; `default` where none is available."""
    saliences = np.asarray(saliences, dtype=float)
    available = ~np.isnan(saliences)
    count = available.sum(axis=-1)
    total = np.where(available, saliences, 0.0).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), default)


# --- tables ----------------------------------------------------------------------------------------

def official_positions(record: Record) -> pd.DataFrame:
    """The statements that count as positions of a side (see the module docstring).

    Columns: statement_id, issue_id, meeting_id, sequence, side, date (ISO text, '' when undated),
    position, salience; natural statement_id order. Computed once per record.
    """
    return record.memo("official_positions", _official_positions)


def _official_positions(record: Record) -> pd.DataFrame:
    kept = filter_statements(record.statements, record.params)
    actors = record.actors
    side_of_actor = {
        str(actor): record.params.bargaining_side(side)
        for actor, side in zip(actors["actor_id"], actors["speaker_group"], strict=True)
    }
    rounds = round_meetings(record.meetings)
    sequence_of = dict(zip(rounds["meeting_id"], rounds["sequence"], strict=True))
    kept["side"] = kept["actor_id"].astype(str).map(side_of_actor)
    kept["sequence"] = kept["meeting_id"].astype(str).map(sequence_of)
    kept["position"] = pd.to_numeric(kept["position"], errors="coerce").astype(float)
    kept["salience"] = pd.to_numeric(kept["salience"], errors="coerce").astype(float)
    mask = (
        kept["kind"].astype(str).eq("official_position")
        & kept["position"].notna()
        & kept["issue_id"].astype(str).isin(positional_issue_ids(record.issues))
        & kept["sequence"].notna()
        & kept["side"].isin(SIDES)
    )
    official = kept.loc[mask].copy()
    for column in ("statement_id", "issue_id", "meeting_id", "side"):
        official[column] = official[column].astype(str)
    official["sequence"] = official["sequence"].astype(int)
    return sort_by_statement(official[OFFICIAL_COLUMNS])


def positions_by_round(record: Record) -> pd.DataFrame:
    """Position of each side on each positional issue in each round.

    position = record.params.round_rule over the side's statements of the round; n_statements = their
    number; salience = mean of their coded saliences (record.params.default_salience if none is coded).
    Columns: issue_id, meeting_id, side, position, n_statements, salience, sequence; sorted by issue,
    meeting sequence, side. Only rounds and stages in which the side spoke appear. Computed once per record.
    """
    return record.memo("positions_by_round", _positions_by_round)


def _positions_by_round(record: Record) -> pd.DataFrame:
    official = official_positions(record)
    rows = []
    for (issue_id, sequence, meeting_id, side), group in official.groupby(
        ["issue_id", "sequence", "meeting_id", "side"], sort=True
    ):
        rows.append({
            "issue_id": issue_id,
            "meeting_id": meeting_id,
            "side": side,
            "position": float(aggregate(group["position"].to_numpy(), group["date"].tolist(),
                                        record.params.round_rule)),
            "n_statements": len(group),
            "salience": float(mean_salience(group["salience"].to_numpy(), record.params.default_salience)),
            "sequence": int(sequence),
        })
    columns = ["issue_id", "meeting_id", "side", "position", "n_statements", "salience", "sequence"]
    table = pd.DataFrame(rows, columns=columns)
    return table.astype({"position": float, "n_statements": int, "salience": float, "sequence": int})


def side_positions(record: Record) -> pd.DataFrame:
    """Overall position and salience of each side on each positional issue, across all rounds.

    position = `overall_position` (record.params.round_rule, record.params.overall_from); salience = mean of the
    side's coded saliences on the issue, record.params.default_salience if none is coded. These are the ideal
    points and saliences of the bargaining models. Columns: issue_id, side, position, n_statements,
    salience; sorted by issue, side.
    """
    official = official_positions(record)
    rows = []
    for (issue_id, side), group in official.groupby(["issue_id", "side"], sort=True):
        rows.append({
            "issue_id": issue_id,
            "side": side,
            "position": float(overall_position(
                group["position"].to_numpy(), group["sequence"].to_numpy(), group["date"].tolist(),
                record.params.round_rule, record.params.overall_from,
            )),
            "n_statements": len(group),
            "salience": float(mean_salience(group["salience"].to_numpy(), record.params.default_salience)),
        })
    table = pd.DataFrame(rows, columns=["issue_id", "side", "position", "n_statements", "salience"])
    return table.astype({"position": float, "n_statements": int, "salience": float})


def side_positions_wide(record: Record) -> pd.DataFrame:
    """`side_positions` with one row per positional issue.

    Columns: issue_id, west, russia, salience_west, salience_russia (NaN where a side never stated a
    position on the issue); every positional issue appears, sorted by issue_id. Computed once per record.
    """
    return record.memo("side_positions_wide", _side_positions_wide)


def _side_positions_wide(record: Record) -> pd.DataFrame:
    long = side_positions(record)
    wide = pd.DataFrame({"issue_id": positional_issue_ids(record.issues)})
    for side in ("west", "russia"):
        part = long.loc[long["side"] == side, ["issue_id", "position", "salience"]]
        part = part.rename(columns={"position": side, "salience": f"salience_{side}"})
        wide = wide.merge(part, on="issue_id", how="left")
    return wide[["issue_id", "west", "russia", "salience_west", "salience_russia"]]


def gaps(record: Record, carry_forward: bool | None = None) -> pd.DataFrame:
    """Russia-West gap per positional issue and round: gap = russia - west.

    Without carry-forward (default, record.params.carry_forward) a side that did not speak in a round has no
    position there and the gap is NaN. With carry_forward=True a silent side keeps its latest earlier
    round position (the "latest known" position) and <side>_carried marks the carried values. Rows
    where neither side has a (carried) position are left out. Columns: issue_id, meeting_id, sequence,
    russia, west, gap, russia_carried, west_carried; sorted by issue, sequence.
    """
    if carry_forward is None:
        carry_forward = record.params.carry_forward
    by_round = positions_by_round(record)
    rounds = round_meetings(record.meetings)
    columns = ["issue_id", "meeting_id", "sequence", "russia", "west", "gap", "russia_carried",
               "west_carried"]
    frames = []
    for issue_id in sorted(by_round["issue_id"].unique()):
        grid = rounds.assign(issue_id=issue_id)
        for side in SIDES:
            stated = by_round.loc[(by_round["issue_id"] == issue_id) & (by_round["side"] == side)]
            grid = grid.merge(stated[["meeting_id", "position"]].rename(columns={"position": side}),
                              on="meeting_id", how="left")
            if carry_forward:
                # Rounds are in sequence order, so a forward fill carries the latest earlier position.
                filled = grid[side].ffill()
                grid[f"{side}_carried"] = grid[side].isna() & filled.notna()
                grid[side] = filled
            else:
                grid[f"{side}_carried"] = False
        frames.append(grid)
    if not frames:
        return pd.DataFrame({column: pd.Series(dtype=float) for column in columns}).astype(
            {"issue_id": object, "meeting_id": object, "sequence": int,
             "russia_carried": bool, "west_carried": bool})
    table = pd.concat(frames, ignore_index=True)
    table = table.loc[table["russia"].notna() | table["west"].notna()].copy()
    table["gap"] = table["russia"] - table["west"]
    table = table.sort_values(["issue_id", "sequence", "meeting_id"], kind="stable")
    table = table[columns].reset_index(drop=True)
    return table.astype({"russia": float, "west": float, "gap": float, "sequence": int,
                         "russia_carried": bool, "west_carried": bool})

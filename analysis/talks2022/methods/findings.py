"""The book's findings, computed once into a table, and tested against the realistic coding errors.

Every sentence the overview and the comparison chapters print about positions, movement and proposals
is a row of `findings_table`: an id, the sentence, its numbers, how many independent pieces it rests on
(n), the statement ids behind it, and its robustness class. A finding is a *claim* (a categorical
outcome such as "nearer_russia" or "unchanged") computed from the coded record; robustness recomputes
every claim on perturbed records and counts how often it comes out the same.

Independence. Officials: a speaker group's position in a round is the median of its statements there.
Experts vote once per piece: the statements of one source by one actor on one issue are one piece,
placed at their median.

What no finding does. No finding compares a proposal with "the sides' range": with scales whose ends are
policy poles, where a proposal sits is read against each side's own position and the midpoint between
them, and a proposal at a side's position is counted as "at" that side, not as "between". With fewer
than MIN_PIECES independent pieces the sentence says "too few proposals" and prints no median.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from talks2022.methods.positions import natural_key

# Below this many independent expert pieces on an issue no median or interval is printed.
MIN_PIECES = 3
# Positions closer than this (scale points) count as equal. Codes are multiples of 12.5, medians of
# codes multiples of 6.25 and midpoints between two medians multiples of 3.125, so in the data this is
# exact equality; under perturbation it absorbs noise smaller than that grid.
SAME = 3.0
# Speaker groups whose movement is reported, in the order the book names them.
MOVEMENT_GROUPS = ("united_states", "nato_allies", "russia")
GROUP_NAMES = {
    "united_states": "the United States", "nato_allies": "NATO and its allies", "russia": "Russia",
    "ukraine": "Ukraine", "west": "the West",
}
PLURAL_GROUPS = {"nato_allies"}
FINDING_COLUMNS = ["finding_id", "chapter", "issue_id", "kind", "claim", "sentence", "numbers", "n",
                   "statement_ids"]


@dataclass(frozen=True)
class Context:
    """What the findings need besides the coded rows: issue wording and round order."""

    issue_labels: dict[str, str]
    anchors: dict[str, dict[int, str]]  # issue -> anchor value -> short anchor name (before the colon)
    round_labels: dict[str, str]  # meeting id -> label, rounds and stages only
    round_order: dict[str, int]  # meeting id -> sequence, rounds and stages only
    west_groups: tuple[str, ...]
    russia_groups: tuple[str, ...]
    vienna_sequence: int | None  # the last round on or before 13 January (the "January meetings")
    references: dict[str, float]  # issue -> reference point (the disagreement point of the benchmarks)
    capability: tuple[float, float] = (0.5, 0.5)  # West, Russia
    round_rule: str = "median"  # how statements become a side's position (AnalysisParams)
    overall_from: str = "statements"


def _subject(group: str) -> tuple[str, str]:
    """The group as a sentence subject, and its possessive ('its' or 'their')."""
    name = GROUP_NAMES.get(group, group.replace("_", " "))
    return name[0].upper() + name[1:], ("their" if group in PLURAL_GROUPS else "its")


def _fmt(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


def scale_words(context: Context, issue_id: str, value: float) -> str:
    """The scale's own words for a value: the anchor's name, or 'between A and B'."""
    anchors = context.anchors.get(issue_id, {})
    if not anchors:
        return _fmt(value)
    nearest = min(anchors, key=lambda a: abs(a - value))
    if abs(nearest - value) <= SAME:
        return f"{_fmt(value)}, \u2018{anchors[nearest]}\u2019"
    below = max((a for a in anchors if a < value), default=None)
    above = min((a for a in anchors if a > value), default=None)
    if below is None or above is None:
        return f"{_fmt(value)}, beyond \u2018{anchors[nearest]}\u2019"
    return f"{_fmt(value)}, between \u2018{anchors[below]}\u2019 and \u2018{anchors[above]}\u2019"


def _id_list(ids) -> str:
    return " ".join(sorted(set(ids), key=natural_key))


def _row(finding_id, chapter, issue_id, kind, claim, sentence, numbers, n, ids) -> dict:
    return {"finding_id": finding_id, "chapter": chapter, "issue_id": issue_id, "kind": kind, "claim": claim,
            "sentence": sentence, "numbers": json.dumps(numbers, sort_keys=True), "n": int(n),
            "statement_ids": _id_list(ids)}


# --- the pieces the findings rest on ----------------------------------------------------------------
# Plain Python structures over the (few hundred) scored rows: the robustness families recompute every
# finding hundreds of times, and this is where the time goes.

@dataclass(frozen=True)
class RoundPosition:
    """A speaker group's position on an issue in one round or stage: the median of its statements there."""

    meeting_id: str
    sequence: int
    position: float
    n: int
    conditional: int
    ids: tuple[str, ...]


@dataclass(frozen=True)
class Piece:
    """An independent expert piece on an issue: one source's proposals by one actor, at their median."""

    source_id: str
    actor_id: str
    position: float
    ids: tuple[str, ...]


def _columns(frame: pd.DataFrame, *names: str) -> list[list]:
    """Columns as Python lists: iterating a pandas column item by item costs ten times more."""
    return [frame[name].tolist() for name in names]


def _median(values: list[float]) -> float:
    """np.median of a short list (the middle value, or the mean of the two middle values; NaN if empty or
    any is NaN) without numpy's per-call overhead, which the robustness families pay thousands of times."""
    ordered = sorted(float(value) for value in values)
    if not ordered or any(value != value for value in ordered):
        return float("nan")
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def official_rounds(coded: pd.DataFrame, context: Context) -> dict[tuple[str, str], list[RoundPosition]]:
    """(issue, group) -> the group's positions round by round, in sequence order."""
    cells: dict[tuple[str, str, str], list[tuple[float, bool, str]]] = {}
    for sid, group, kind, issue, meeting, position, conditional in zip(
            *_columns(coded, "statement_id", "group", "kind", "issue_id", "meeting_id", "position", "conditional"),
            strict=True):
        if kind == "official_position" and meeting in context.round_order:
            cells.setdefault((issue, group, meeting), []).append((position, bool(conditional), sid))
    rounds: dict[tuple[str, str], list[RoundPosition]] = {}
    for (issue, group, meeting), values in cells.items():
        rounds.setdefault((issue, group), []).append(RoundPosition(
            meeting, context.round_order[meeting], _median([v[0] for v in values]), len(values),
            sum(v[1] for v in values), tuple(v[2] for v in values)))
    for key in rounds:
        rounds[key].sort(key=lambda r: (r.sequence, r.meeting_id))
    return rounds


def side_positions(coded: pd.DataFrame, context: Context) -> dict[tuple[str, str], tuple[float, list[str]]]:
    """(issue, "west"|"russia") -> the side's overall position and the statement ids it rests on.

    The same definition as positions.side_positions (params.round_rule and params.overall_from over the
    official statements of the side's speaker groups in rounds and stages), so the findings, the placement
    table and the benchmarks compare proposals with one and the same side position.
    """
    from talks2022.methods.positions import overall_position

    side_of = {g: "west" for g in context.west_groups} | {g: "russia" for g in context.russia_groups}
    cells: dict[tuple[str, str], list[tuple[float, int, str, str]]] = {}
    for sid, group, kind, issue, meeting, position, date in zip(
            *_columns(coded, "statement_id", "group", "kind", "issue_id", "meeting_id", "position", "date"),
            strict=True):
        side = side_of.get(group)
        if side and kind == "official_position" and meeting in context.round_order:
            cells.setdefault((issue, side), []).append((position, context.round_order[meeting], date, sid))
    return {key: (float(overall_position(np.array([v[0] for v in values]), [v[1] for v in values],
                                          [v[2] for v in values], context.round_rule, context.overall_from)),
                  [v[3] for v in values])
            for key, values in cells.items()}


def expert_pieces(coded: pd.DataFrame) -> dict[str, list[Piece]]:
    """issue -> its independent expert pieces (sorted by source and actor)."""
    cells: dict[tuple[str, str, str], list[tuple[float, str]]] = {}
    for sid, kind, issue, source, actor, position in zip(
            *_columns(coded, "statement_id", "kind", "issue_id", "source_id", "actor_id", "position"), strict=True):
        if kind == "expert_proposal":
            cells.setdefault((issue, source, actor), []).append((position, sid))
    pieces: dict[str, list[Piece]] = {}
    for (issue, source, actor), values in sorted(cells.items()):
        pieces.setdefault(issue, []).append(
            Piece(source, actor, _median([v[0] for v in values]), tuple(v[1] for v in values)))
    return pieces


def relation(position: float, west: float, russia: float) -> str:
    """Where a position sits against two side positions: at_west, at_russia, midpoint, nearer_west,
    nearer_russia, beyond_west, beyond_russia (or 'sides_equal' when the sides coincide)."""
    if abs(position - west) <= SAME:
        return "at_west"
    if abs(position - russia) <= SAME:
        return "at_russia"
    if abs(west - russia) <= SAME:
        return "sides_equal"
    low_is_west = west < russia
    low, high = (west, russia) if low_is_west else (russia, west)
    if position < low:
        return "beyond_west" if low_is_west else "beyond_russia"
    if position > high:
        return "beyond_russia" if low_is_west else "beyond_west"
    midpoint = (west + russia) / 2
    if abs(position - midpoint) <= SAME:
        return "midpoint"
    return "nearer_west" if abs(position - west) < abs(position - russia) else "nearer_russia"


RELATION_WORDS = {
    "at_west": "at the West's position", "at_russia": "at Russia's position", "midpoint": "at the midpoint",
    "nearer_west": "nearer the West's position", "nearer_russia": "nearer Russia's position",
    "beyond_west": "beyond the West's position", "beyond_russia": "beyond Russia's position",
    "sides_equal": "where the sides coincide",
}


def _majority(counts: dict[str, int]) -> str:
    """The relation most pieces share; 'split' on a tie for first."""
    ranked = sorted(counts.items(), key=lambda item: -item[1])
    if not ranked or ranked[0][1] == 0:
        return "none"
    if len(ranked) > 1 and ranked[1][1] == ranked[0][1]:
        return "split"
    return ranked[0][0]


# --- the findings -------------------------------------------------------------------------------------

def compute_findings(coded: pd.DataFrame, context: Context) -> pd.DataFrame:
    """All findings of the book from the scored rows `coded` (see `scored_rows`)."""
    rows: list[dict] = []
    rounds = official_rounds(coded, context)
    pieces = expert_pieces(coded)
    sides = side_positions(coded, context)
    nash = _nash_by_issue(sides, context)
    for issue_id in sorted(context.issue_labels):
        label = context.issue_labels[issue_id]
        west, west_ids = sides.get((issue_id, "west"), (np.nan, []))
        russia, russia_ids = sides.get((issue_id, "russia"), (np.nan, []))
        rows += _movement_findings(rounds, issue_id, label, context)
        rows += _proposal_findings(pieces.get(issue_id, []), issue_id, label, west, russia,
                                   west_ids + russia_ids, context)
        rows += _change_findings(rounds, issue_id, label, context)
        rows += _offer_findings(rounds, pieces.get(issue_id, []), issue_id, label, context)
        rows += _benchmark_findings(issue_id, label, west, russia, context.references.get(issue_id),
                                    nash.get(issue_id), context, west_ids + russia_ids)
    return pd.DataFrame(rows, columns=FINDING_COLUMNS)


def _movement_findings(rounds, issue_id, label, context) -> list[dict]:
    out = []
    moved_any = observable_any = False
    observed_ids: list[str] = []
    observed_groups = 0
    for group in MOVEMENT_GROUPS:
        mine = rounds.get((issue_id, group), [])
        name, its = _subject(group)
        fid = f"movement.{issue_id}.{group}"
        ids = [i for r in mine for i in r.ids]
        if mine:
            observed_groups += 1
            observed_ids += ids
        if len(mine) < 2:
            pronoun = "it" if its == "its" else "they"
            if mine:
                sentence = (f"{name} stated a position on {label} only in {context.round_labels[mine[0].meeting_id]}: "
                            f"whether {pronoun} moved cannot be observed.")
            else:
                sentence = f"{name} stated no coded position on {label}."
            out.append(_row(fid, "overview", issue_id, "movement", "not_observable", sentence,
                            {"rounds": len(mine)}, len(mine), ids))
            continue
        observable_any = True
        first, last = mine[0], mine[-1]
        delta = last.position - first.position
        low, high = min(r.position for r in mine), max(r.position for r in mine)
        if abs(delta) > SAME:
            claim = "toward_0" if delta < 0 else "toward_100"
        else:
            # The same at both ends is "unchanged" only if the group never left the position in between.
            claim = "unchanged" if high - low <= SAME else "moved_and_returned"
        moved_any |= claim != "unchanged"
        span = f"between {context.round_labels[first.meeting_id]} and {context.round_labels[last.meeting_id]}"
        openings = sum(r.conditional for r in mine)
        opening_note = f"; {openings} of {its} statements were conditional openings" if openings else ""
        observed = f"{len(mine)} rounds observed{opening_note}"
        if claim == "unchanged":
            sentence = (f"{name} held {its} position on {label} {span} "
                        f"({scale_words(context, issue_id, last.position)}; {observed}).")
        elif claim == "moved_and_returned":
            sentence = (f"{name} moved on {label} {span} and came back to "
                        f"{scale_words(context, issue_id, last.position)}, ranging from {_fmt(low)} to {_fmt(high)} "
                        f"on the way ({observed}).")
        else:
            sentence = (f"{name} moved on {label} {span}, from {scale_words(context, issue_id, first.position)} "
                        f"to {scale_words(context, issue_id, last.position)} ({observed}).")
        out.append(_row(fid, "overview", issue_id, "movement", claim, sentence,
                        {"first": first.position, "last": last.position, "delta": delta, "lowest": low,
                         "highest": high, "rounds": len(mine), "conditional": openings}, len(mine), ids))
    claim = "not_observable" if not observable_any else ("someone_moved" if moved_any else "nothing_moved")
    words = {"not_observable": f"On {label}, no speaker group spoke in two rounds, so movement cannot be observed.",
             "someone_moved": f"On {label}, at least one speaker group moved between rounds.",
             "nothing_moved": f"On {label}, no speaker group that spoke in two or more rounds moved."}
    out.append(_row(f"nothing_moved.{issue_id}", "overview", issue_id, "movement", claim, words[claim], {},
                    observed_groups, observed_ids))
    return out


def _proposal_findings(pieces: list[Piece], issue_id, label, west, russia, side_ids, context) -> list[dict]:
    n = len(pieces)
    fid = f"proposals.{issue_id}"
    ids = [i for p in pieces for i in p.ids] + list(side_ids)
    if n < MIN_PIECES:
        return [_row(fid, "comparison", issue_id, "proposals", "too_few",
                     f"On {label}, too few expert proposals to summarise ({n} independent "
                     f"piece{'s' if n != 1 else ''}; at least {MIN_PIECES} are needed).", {"n": n}, n, ids)]
    median = _median([p.position for p in pieces])
    if np.isnan(west) or np.isnan(russia):
        missing = "the West" if np.isnan(west) else "Russia"
        return [_row(fid, "comparison", issue_id, "proposals", "no_side",
                     f"On {label}, {n} independent expert pieces have a median of "
                     f"{scale_words(context, issue_id, median)}; "
                     f"{missing} stated no position to compare them with.", {"n": n, "median": median}, n, ids)]
    relations = [relation(p.position, west, russia) for p in pieces]
    counts = {key: relations.count(key) for key in RELATION_WORDS}
    claim = _majority(counts)
    listed = ", ".join(f"{v} {RELATION_WORDS[k]}" for k, v in counts.items() if v)
    sentence = (f"On {label}, the median of {n} independent expert pieces is "
                f"{scale_words(context, issue_id, median)}, against {_fmt(west)} for the West and {_fmt(russia)} "
                f"for Russia: {listed}.")
    numbers = {"n": n, "median": median, "west": west, "russia": russia, **counts}
    return [_row(fid, "comparison", issue_id, "proposals", claim, sentence, numbers, n, ids)]


def _change_findings(rounds, issue_id, label, context) -> list[dict]:
    """What changed after the January meetings: each group's last position up to 13 January against its
    latest position after it."""
    if context.vienna_sequence is None:
        return []
    out = []
    for group in MOVEMENT_GROUPS:
        mine = rounds.get((issue_id, group), [])
        before = [r for r in mine if r.sequence <= context.vienna_sequence]
        after = [r for r in mine if r.sequence > context.vienna_sequence]
        if not before or not after:
            continue
        b, a = before[-1], after[-1]
        delta = a.position - b.position
        claim = "unchanged" if abs(delta) <= SAME else ("toward_0" if delta < 0 else "toward_100")
        name, its = _subject(group)
        name = name if name.startswith("NATO") or name == "Russia" else name[0].lower() + name[1:]
        verb = "kept" if claim == "unchanged" else "changed"
        sentence = (f"After the January meetings {name} {verb} {its} position on {label}: "
                    f"{scale_words(context, issue_id, b.position)} ({context.round_labels[b.meeting_id]}), then "
                    f"{scale_words(context, issue_id, a.position)} ({context.round_labels[a.meeting_id]}).")
        out.append(_row(f"change.{issue_id}.{group}", "comparison", issue_id, "change", claim, sentence,
                        {"before": b.position, "after": a.position, "delta": delta}, 2, b.ids + a.ids))
    return out


def _offer_findings(rounds, pieces: list[Piece], issue_id, label, context) -> list[dict]:
    """Each side's latest offer after the January meetings (for the West, the written responses) against
    the experts' median: below it (toward 0), at it, or above it."""
    if context.vienna_sequence is None:
        return []
    out = []
    for side, groups in (("west", context.west_groups), ("russia", context.russia_groups)):
        later = [r for g in groups for r in rounds.get((issue_id, g), []) if r.sequence > context.vienna_sequence]
        who = "the West" if side == "west" else "Russia"
        fid = f"offers.{issue_id}.{side}"
        if not later:
            out.append(_row(fid, "comparison", issue_id, "offers", "no_offer",
                            f"{who[0].upper() + who[1:]} stated no coded position on {label} after 13 January.",
                            {}, 0, []))
            continue
        last_sequence = max(r.sequence for r in later)
        latest = [r for r in later if r.sequence == last_sequence]
        offer = _median([r.position for r in latest])
        where = context.round_labels[latest[0].meeting_id]
        ids = [i for r in latest for i in r.ids] + [i for p in pieces for i in p.ids]
        opening = " (a conditional opening)" if any(r.conditional for r in latest) else ""
        if len(pieces) < MIN_PIECES:
            out.append(_row(fid, "comparison", issue_id, "offers", "too_few",
                            f"On {label}, {who}'s latest position after 13 January ({where}) is "
                            f"{scale_words(context, issue_id, offer)}{opening}; too few expert pieces "
                            f"({len(pieces)}) to compare it with.", {"offer": offer}, len(pieces), ids))
            continue
        median = _median([p.position for p in pieces])
        claim = "at" if abs(offer - median) <= SAME else ("below" if offer < median else "above")
        words = {"at": "matches", "below": "falls short of" if side == "west" else "goes below",
                 "above": "goes beyond" if side == "west" else "stays above"}[claim]
        out.append(_row(fid, "comparison", issue_id, "offers", claim,
                        f"On {label}, {who}'s latest position after 13 January ({where}), "
                        f"{scale_words(context, issue_id, offer)}{opening}, {words} the median of the {len(pieces)} "
                        f"expert pieces ({_fmt(median)}).",
                        {"offer": offer, "median": median, "pieces": len(pieces)}, len(pieces), ids))
    return out


# --- the benchmark findings (bargaining) ---------------------------------------------------------------

def _nash_by_issue(sides, context: Context) -> dict[str, tuple[float, bool]]:
    """issue -> (Nash solution, agreement) for every issue with both sides and a reference point (the solver
    is the benchmarks' own, bargaining.nash_issue, which solves each issue on its own)."""
    issues = [i for i in sorted(context.issue_labels)
              if (i, "west") in sides and (i, "russia") in sides and context.references.get(i) is not None
              and not np.isnan(context.references[i])]
    problems = [(sides[(i, "west")][0], sides[(i, "russia")][0], context.references[i], *context.capability)
                for i in issues]
    return dict(zip(issues, _nash_solutions(problems), strict=True))


# Most recomputations of the robustness families leave most issues' side positions as they were: each
# distinct one-issue problem is solved once. Bounded, as a long-running kernel may see many data sets.
_NASH_MEMO: dict[tuple[float, ...], tuple[float, bool]] = {}
_NASH_MEMO_LIMIT = 100_000


def _nash_solutions(problems: list[tuple[float, ...]]) -> list[tuple[float, bool]]:
    """(x, agreement) for each (west, russia, reference, capability west, capability Russia), the unsolved
    ones in one vectorised call."""
    from talks2022.methods.bargaining import nash_issue

    unsolved = sorted({problem for problem in problems if problem not in _NASH_MEMO})
    if unsolved:
        if len(_NASH_MEMO) + len(unsolved) > _NASH_MEMO_LIMIT:
            _NASH_MEMO.clear()
        west, russia, reference, capability_w, capability_r = map(np.array, zip(*unsolved, strict=True))
        result = nash_issue(west, russia, reference, 1.0, 1.0, capability_w, capability_r)
        for problem, x, agreed in zip(unsolved, np.atleast_1d(result.x), np.atleast_1d(result.agreement),
                                      strict=True):
            _NASH_MEMO[problem] = (float(x), bool(agreed))
    return [_NASH_MEMO[problem] for problem in problems]


def _benchmark_findings(issue_id, label, west, russia, reference, solved, context, ids) -> list[dict]:
    fid = f"benchmark.{issue_id}"
    if solved is None:
        return []
    x, agreement = solved
    if not agreement:
        claim = "no_agreement"
        sentence = (f"On {label}, no outcome makes both sides better off than the reference point "
                    f"({scale_words(context, issue_id, reference)}): the Nash solution is no agreement.")
        x = reference
    else:
        claim = relation(x, west, russia)
        sentence = (f"On {label}, the Nash bargaining solution is {scale_words(context, issue_id, x)} "
                    f"({RELATION_WORDS.get(claim, claim)}), with the reference point at {_fmt(reference)}.")
    return [_row(fid, "comparison", issue_id, "benchmark", claim, sentence,
                 {"nash": x, "reference": reference, "west": west, "russia": russia}, len(set(ids)), ids)]


# --- robustness -----------------------------------------------------------------------------------------

ROBUST_SUPPORT = 0.9
FALSE_SUPPORT = 0.1
ANCHOR_STEP = 25.0
GRID = 12.5  # anchors every 25 points, midpoints between them


def perturbation_families(coded: pd.DataFrame, draws: int, noise: float, step_share: float, seed: int):
    """The realistic errors, as (family, list of (coded frame, context changes)) pairs.

    noise: independent uniform noise in [-noise, +noise] on every position, rounded to the 12.5-point grid
      of codes and not clipped (clipping at the ends of the scale would pull end positions inward only, a
      bias, not an error model);
    anchor_step: a random share of the codings moved one anchor (25 points) up or down, within the scale
      (a coder cannot code beyond 0 or 100);
    leave_one_source_out / leave_one_expert_out: the record without one source, without one expert;
    side_definition and reference_capability are applied to the context, not to the rows.
    """
    rng = np.random.default_rng(seed)
    positions = coded["position"].to_numpy(dtype=float)
    families = {}
    # A coder's error lands on a code: the noise is rounded to the 12.5-point grid of anchors and midpoints.
    families["noise"] = [coded.assign(position=positions + GRID * np.round(rng.uniform(-noise, noise, positions.size)
                                                                        / GRID))
                         for _ in range(draws)]
    step_draws = []
    for _ in range(draws):
        moved = rng.random(positions.size) < step_share
        up = rng.random(positions.size) < 0.5
        direction = np.where(up, 1.0, -1.0)
        # Where one direction leaves the scale, the only possible error is the other one.
        direction = np.where(positions + direction * ANCHOR_STEP > 100, -1.0, direction)
        direction = np.where(positions + direction * ANCHOR_STEP < 0, 1.0, direction)
        step_draws.append(coded.assign(position=np.where(moved, positions + direction * ANCHOR_STEP, positions)))
    families["anchor_step"] = step_draws
    families["leave_one_source_out"] = [coded[coded["source_id"] != source]
                                        for source in sorted(coded["source_id"].unique())]
    experts = sorted(coded.loc[coded["kind"] == "expert_proposal", "actor_id"].unique())
    families["leave_one_expert_out"] = [coded[coded["actor_id"] != actor] for actor in experts]
    return families


def classify(supports: dict[str, float]) -> str:
    """robust: the claim recurs in at least 90% of the recomputations of every family; robustly false:
    some realistic error almost never (under 10%) reproduces it; fragile: anything between."""
    if not supports:
        return "untested"
    worst = min(supports.values())
    if worst >= ROBUST_SUPPORT:
        return "robust"
    if worst < FALSE_SUPPORT:
        return "robustly_false"
    return "fragile"


def context_variants(context: Context) -> dict[str, list[Context]]:
    """The analysis choices a finding should survive: who counts as the West; the reference point (the
    status quo, and shifted one anchor toward each side) and the capability weights of the benchmarks."""
    from dataclasses import replace

    sides = [replace(context, west_groups=groups)
             for groups in (("united_states",), ("nato_allies",), ("united_states", "nato_allies"))
             if groups != tuple(context.west_groups)]
    bargaining = []
    for shift in (-ANCHOR_STEP, 0.0, ANCHOR_STEP):
        for capability in ((0.5, 0.5), (2 / 3, 1 / 3), (1 / 3, 2 / 3)):
            if shift == 0.0 and capability == tuple(context.capability):
                continue
            references = {k: float(np.clip(v + shift, 0, 100)) for k, v in context.references.items()}
            bargaining.append(replace(context, references=references, capability=capability))
    return {"side_definition": sides, "reference_capability": bargaining}


def robustness_of_findings(coded: pd.DataFrame, context: Context, findings: pd.DataFrame, *, draws: int,
                           noise: float, step_share: float, seed: int) -> pd.DataFrame:
    """Per finding and perturbation family: the share of recomputations whose claim equals the data's.

    Columns: finding_id, family, recomputations, support. A finding absent from a recomputation (for
    example a group that no longer spoke in two rounds) counts as not reproduced.
    """
    baseline = dict(zip(findings["finding_id"], findings["claim"], strict=True))
    rows = []

    def tally(family: str, claims: list[dict[str, str]]) -> None:
        for finding_id, claim in baseline.items():
            same = sum(c.get(finding_id) == claim for c in claims)
            rows.append({"finding_id": finding_id, "family": family, "recomputations": len(claims),
                         "support": same / len(claims) if claims else np.nan})

    for family, frames in perturbation_families(coded, draws, noise, step_share, seed).items():
        tally(family, [_claims(compute_findings(frame, context)) for frame in frames])
    for family, contexts in context_variants(context).items():
        tally(family, [_claims(compute_findings(coded, variant)) for variant in contexts])
    return pd.DataFrame(rows, columns=["finding_id", "family", "recomputations", "support"])


def _claims(table: pd.DataFrame) -> dict[str, str]:
    return dict(zip(table["finding_id"], table["claim"], strict=True))


def findings_table(coded: pd.DataFrame, context: Context, **robustness) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The findings with their robustness class, and the per-family supports behind the classes."""
    findings = compute_findings(coded, context)
    supports = robustness_of_findings(coded, context, findings, **robustness)
    relevant = supports.dropna(subset=["support"])
    by_finding = {fid: dict(zip(g["family"], g["support"], strict=True)) for fid, g in relevant.groupby("finding_id")}
    findings["robustness"] = [classify(_relevant_families(fid, by_finding.get(fid, {})))
                              for fid in findings["finding_id"]]
    findings["weakest_family"] = [min(by_finding.get(fid, {"": np.nan}).items(), key=lambda kv: kv[1])[0]
                                  for fid in findings["finding_id"]]
    return findings, supports


def _relevant_families(finding_id: str, supports: dict[str, float]) -> dict[str, float]:
    # The reference point and capabilities enter only the bargaining benchmarks.
    if not finding_id.startswith("benchmark."):
        supports = {k: v for k, v in supports.items() if k != "reference_capability"}
    return supports


# --- from a record --------------------------------------------------------------------------------------

SCORED_KINDS = ("official_position", "expert_proposal")


def scored_rows(record) -> pd.DataFrame:
    """The confirmed, scored statements on positional issues, with their speaker group."""
    from talks2022.methods.params import filter_statements

    kept = filter_statements(record.statements, record.params)
    positional = set(record.issues.loc[record.issues["positional"].astype(bool), "issue_id"].astype(str))
    group_of = dict(zip(record.actors["actor_id"].astype(str), record.actors["speaker_group"].astype(str),
                        strict=True))
    position = pd.to_numeric(kept["position"], errors="coerce")
    mask = kept["kind"].isin(SCORED_KINDS) & position.notna() & kept["issue_id"].astype(str).isin(positional)
    rows = kept.loc[mask]
    frame = pd.DataFrame({
        "statement_id": rows["statement_id"].astype(str), "source_id": rows["source_id"].astype(str),
        "actor_id": rows["actor_id"].astype(str), "group": rows["actor_id"].astype(str).map(group_of),
        "kind": rows["kind"].astype(str), "issue_id": rows["issue_id"].astype(str),
        "meeting_id": rows["meeting_id"].astype(str), "date": rows["date"].astype(str),
        "position": position[mask].astype(float),
        "conditional": rows["conditional"].fillna(False).astype(bool),
    })
    # The random families draw one value per row in row order: sort, so shuffled input gives the same draws.
    order = sorted(range(len(frame)), key=lambda i: natural_key(frame["statement_id"].iloc[i]))
    return frame.iloc[order].reset_index(drop=True)


def anchor_name(text: str) -> str:
    """The name of an anchor: its words before the first colon ('Open door unchanged')."""
    return str(text).split(":", 1)[0].strip()


def findings_context(record) -> Context:
    issues = record.issues[record.issues["positional"].astype(bool)]
    meetings = record.meetings[record.meetings["stage_type"] != "commentary"]
    order = {str(m): int(s) for m, s in zip(meetings["meeting_id"], meetings["sequence"], strict=True)}
    dated = meetings.dropna(subset=["date"])
    january = dated[pd.to_datetime(dated["date"]) <= pd.Timestamp("2022-01-13")]
    params = record.params
    return Context(
        issue_labels={str(i): str(label) for i, label in zip(issues["issue_id"], issues["label"], strict=True)},
        anchors={str(row.issue_id): {a: anchor_name(getattr(row, f"anchor_{a}")) for a in (0, 25, 50, 75, 100)}
                 for row in issues.itertuples()},
        round_labels={str(m): str(label) for m, label in zip(meetings["meeting_id"], meetings["label"], strict=True)},
        round_order=order,
        west_groups=tuple(params.west_sides), russia_groups=tuple(params.russia_sides),
        vienna_sequence=int(january["sequence"].max()) if len(january) else None,
        references={str(i): float(r) for i, r in zip(issues["issue_id"], issues["reference_point"], strict=True)},
        capability=(params.capability["west"], params.capability["russia"]),
        round_rule=params.round_rule, overall_from=params.overall_from,
    )

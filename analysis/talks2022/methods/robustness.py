"""How far the headline findings survive coding error.

Each of params.robustness_draws redraws (numpy default_rng(params.seed)) adds independent uniform noise
in [-params.noise, +params.noise] to every coded position and every coded salience of the statements
that enter the analysis (official positions and expert proposals; clipped to the 0-100 scale; a
missing salience stays missing and so takes the default salience), then recomputes the sides'
overall positions and saliences, the expert lambdas, the single-issue Nash solutions and the Nash
package. share_holding is the share of draws in which a finding still holds; holds_in_data says
whether it holds in the unperturbed data, judged on the computed tables.

The headline findings are defined once, in `define_findings`, as named predicates over `Outcomes`
(arrays with one row per draw). Their names are generated from the issues present in the data.

The redraws are vectorised: the array kernels of positions, placement and bargaining run on arrays of
shape (draws, ...), not once per draw, in blocks of draws so that memory stays bounded on a large record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from talks2022.data.dataset import Record
from talks2022.methods.bargaining import benchmarks, nash_solve
from talks2022.methods.params import AnalysisParams
from talks2022.methods.placement import expert_proposals, median_lambda_by_issue, placement_lambda, proposal_placement
from talks2022.methods.positions import (
    mean_salience,
    official_positions,
    overall_position,
    positional_issue_ids,
    sort_by_statement,
)

ROBUSTNESS_COLUMNS = ["finding", "description", "holds_in_data", "share_holding", "draws", "noise"]
# Gaps within this many scale points of the largest count as tied for largest.
GAP_TIE_TOLERANCE = 1e-9
# Noise values per block of redraws (x 8 bytes, a few arrays at a time): about 16 MB per array.
REDRAW_BLOCK_CELLS = 2_000_000


@dataclass(frozen=True)
class Outcomes:
    """The quantities the findings are judged on, one row per draw (a single row for the data).

    issue_ids: the positional issues (sorted); west, russia: overall side positions, shape
    (draws, issues); median_lambda: median lambda of the expert proposals (NaN where none);
    nash_issue_agreement: single-issue Nash agreement (False where undefined); in_package: the issues
    of the Nash package (both sides and the reference point known); package_agreement: shape (draws,).
    """

    issue_ids: tuple[str, ...]
    west: np.ndarray
    russia: np.ndarray
    median_lambda: np.ndarray
    nash_issue_agreement: np.ndarray
    in_package: np.ndarray
    package_agreement: np.ndarray

    def column(self, issue_id: str) -> int:
        return self.issue_ids.index(issue_id)

    def abs_gap(self) -> np.ndarray:
        """|russia - west| per draw and issue (NaN where a side has no position)."""
        return np.abs(self.russia - self.west)


@dataclass(frozen=True)
class Finding:
    """A headline finding: a name, a sentence, and a predicate giving one bool per draw."""

    name: str
    description: str
    holds: Callable[[Outcomes], np.ndarray]


def _largest_gap_is(issue_id: str) -> Callable[[Outcomes], np.ndarray]:
    def holds(outcomes: Outcomes) -> np.ndarray:
        gap = outcomes.abs_gap()
        largest = np.max(np.where(np.isnan(gap), -np.inf, gap), axis=1)
        return gap[:, outcomes.column(issue_id)] >= largest - GAP_TIE_TOLERANCE
    return holds


def _median_lambda_between(issue_id: str) -> Callable[[Outcomes], np.ndarray]:
    def holds(outcomes: Outcomes) -> np.ndarray:
        lam = outcomes.median_lambda[:, outcomes.column(issue_id)]
        return (lam >= 0) & (lam <= 1)
    return holds


def _median_lambda_nearer_west(issue_id: str) -> Callable[[Outcomes], np.ndarray]:
    def holds(outcomes: Outcomes) -> np.ndarray:
        return outcomes.median_lambda[:, outcomes.column(issue_id)] < 0.5
    return holds


def _no_single_issue_agreement(issue_id: str) -> Callable[[Outcomes], np.ndarray]:
    def holds(outcomes: Outcomes) -> np.ndarray:
        return ~outcomes.nash_issue_agreement[:, outcomes.column(issue_id)]
    return holds


def _package_beats_reference(outcomes: Outcomes) -> np.ndarray:
    return outcomes.package_agreement.copy()


def define_findings(data: Outcomes) -> list[Finding]:
    """The headline findings, generated from the issues present in the (unperturbed) data.

    gap_<issue>_largest       the largest |russia - west| overall gap is on <issue> (one finding for
                              each issue that holds it in the data; ties within 1e-9 count as holding)
    experts_between_sides_<issue>   median lambda of the expert proposals lies in [0, 1]
    experts_nearer_west_<issue>     median lambda < 0.5
    no_single_issue_agreement_<issue>  the single-issue Nash solution finds no agreement
    package_beats_reference   the Nash package gives both sides a strictly positive gain
    """
    findings = []
    gap = data.abs_gap()[0]
    if np.any(~np.isnan(gap)):
        # Every issue tied for the largest gap gets its finding: picking one would be arbitrary.
        largest = np.nanmax(gap)
        tied = [issue_id for k, issue_id in enumerate(data.issue_ids)
                if not np.isnan(gap[k]) and gap[k] >= largest - GAP_TIE_TOLERANCE]
        for issue_id in tied:
            others = [other for other in tied if other != issue_id]
            tie_note = f" (in the data tied with {', '.join(others)}; a tie counts as holding)" if others else ""
            findings.append(Finding(f"gap_{issue_id}_largest",
                                    f"The largest Russia-West gap (overall positions) is on {issue_id}"
                                    f"{tie_note}.",
                                    _largest_gap_is(issue_id)))
    for k, issue_id in enumerate(data.issue_ids):
        if not np.isnan(data.median_lambda[0, k]):
            findings.append(Finding(f"experts_between_sides_{issue_id}",
                                    f"The median expert proposal on {issue_id} lies between the sides "
                                    "(median lambda in [0, 1]).",
                                    _median_lambda_between(issue_id)))
            findings.append(Finding(f"experts_nearer_west_{issue_id}",
                                    f"The median expert proposal on {issue_id} is nearer the West "
                                    "(median lambda < 0.5).",
                                    _median_lambda_nearer_west(issue_id)))
    for k, issue_id in enumerate(data.issue_ids):
        if data.in_package[k]:
            findings.append(Finding(f"no_single_issue_agreement_{issue_id}",
                                    f"On {issue_id} alone no outcome makes both sides better off than "
                                    "the reference point (single-issue Nash: no agreement).",
                                    _no_single_issue_agreement(issue_id)))
    if data.in_package.any():
        findings.append(Finding("package_beats_reference",
                                "The Nash package over all positional issues makes both sides strictly "
                                "better off than the reference point.",
                                _package_beats_reference))
    return findings


def outcomes_from_tables(benchmark_table: pd.DataFrame, lambda_table: pd.DataFrame) -> Outcomes:
    """Outcomes of the unperturbed data, read from the benchmarks and lambda_by_issue tables."""
    bench = benchmark_table.sort_values("issue_id", kind="stable")
    issue_ids = tuple(bench["issue_id"].astype(str))
    medians = dict(zip(lambda_table["issue_id"], lambda_table["median_lambda"], strict=True))
    in_package = bench["nash_package_agreement"].notna().to_numpy()
    package_agreement = bool(in_package.any()) and bool(bench.loc[in_package, "nash_package_agreement"].all())
    return Outcomes(
        issue_ids=issue_ids,
        west=bench["west"].to_numpy(float)[None, :],
        russia=bench["russia"].to_numpy(float)[None, :],
        median_lambda=np.array([[medians.get(issue_id, np.nan) for issue_id in issue_ids]], dtype=float),
        nash_issue_agreement=bench["nash_issue_agreement"].fillna(False).to_numpy(bool)[None, :],
        in_package=in_package,
        package_agreement=np.array([package_agreement]),
    )


def _noisy(values: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """values + noise clipped to the 0-100 scale; NaN (not coded) stays NaN."""
    return np.clip(values[None, :] + noise, 0.0, 100.0)


def _median_of_defined(lambdas: np.ndarray) -> np.ndarray:
    """Median over the last axis of the defined (non-NaN) values; NaN where none is defined.

    np.median when all are defined (the usual case) so that the values equal the tables' exactly.
    """
    defined = ~np.isnan(lambdas)
    if defined.all():
        return np.median(lambdas, axis=-1)
    return np.array([np.median(row[ok]) if ok.any() else np.nan
                     for row, ok in zip(lambdas, defined, strict=True)])


def perturbed_outcomes(record: Record) -> Outcomes:
    """Outcomes of record.params.robustness_draws noisy redraws of the coded positions and saliences.

    Noise is drawn for the statements in natural statement_id order (positions, then saliences), so a
    given seed gives the same draws whatever the input row order. The draws are computed in blocks of at
    most REDRAW_BLOCK_CELLS noise values (memory stays bounded however many statements are coded); each
    block reads its part of the same random streams, so the noise does not depend on the block size (and
    a record small enough for one block, such as the shipped one, gives exactly the one-array results).
    """
    draws = record.params.robustness_draws
    official = official_positions(record)
    proposals = expert_proposals(record)
    coded = pd.concat([official.assign(source="official"), proposals.assign(source="proposal")],
                      ignore_index=True)
    coded = sort_by_statement(coded)
    issues = record.issues
    issue_ids = tuple(positional_issue_ids(issues))
    reference = pd.to_numeric(issues.set_index(issues["issue_id"].astype(str))["reference_point"],
                              errors="coerce").reindex(list(issue_ids)).to_numpy(float)

    position_stream = np.random.default_rng(record.params.seed)
    salience_stream = np.random.default_rng(record.params.seed)
    # One (draws x statements) array of position noise comes first in the stream, then the saliences'.
    salience_stream.bit_generator.advance(draws * len(coded))
    block = max(1, REDRAW_BLOCK_CELLS // max(1, len(coded)))
    layout = _layout(coded, issue_ids)
    blocks = []
    for first in range(0, draws, block):
        size = (min(block, draws - first), len(coded))
        position_noise = position_stream.uniform(-record.params.noise, record.params.noise, size=size)
        salience_noise = salience_stream.uniform(-record.params.noise, record.params.noise, size=size)
        blocks.append(_redrawn_block(layout, coded, position_noise, salience_noise, reference, record.params))
    return _stacked(blocks)


@dataclass(frozen=True)
class _Layout:
    """Where each issue's statements sit among the coded ones (the columns of the noise arrays)."""

    issue_ids: tuple[str, ...]
    official: list[dict[str, np.ndarray]]  # per issue: side -> columns of its official positions
    proposals: list[np.ndarray]  # per issue: columns of the expert proposals
    sequence: np.ndarray
    dates: np.ndarray


def _layout(coded: pd.DataFrame, issue_ids: tuple[str, ...]) -> _Layout:
    """Computed once: every block of redraws uses the same columns."""
    is_official = coded["source"].eq("official").to_numpy()
    issue = coded["issue_id"].to_numpy(object)
    side = coded["side"].to_numpy(object)
    official, proposals = [], []
    for issue_id in issue_ids:
        on_issue = issue == issue_id
        official.append({name: np.flatnonzero(on_issue & is_official & (side == name))
                         for name in ("west", "russia")})
        proposals.append(np.flatnonzero(on_issue & ~is_official))
    return _Layout(issue_ids, official, proposals, coded["sequence"].to_numpy(),
                   coded["date"].to_numpy(object))


def _redrawn_block(layout: _Layout, coded: pd.DataFrame, position_noise: np.ndarray,
                   salience_noise: np.ndarray, reference: np.ndarray, params: AnalysisParams) -> Outcomes:
    """Outcomes of one block of redraws (one row of noise per draw, one column per coded statement)."""
    draws = position_noise.shape[0]
    issue_ids = layout.issue_ids
    positions = _noisy(coded["position"].to_numpy(float), position_noise)
    saliences = _noisy(coded["salience"].to_numpy(float), salience_noise)
    shape = (draws, len(issue_ids))
    side_position = {side: np.full(shape, np.nan) for side in ("west", "russia")}
    side_salience = {side: np.full(shape, np.nan) for side in ("west", "russia")}
    median_lambda = np.full(shape, np.nan)
    for k in range(len(issue_ids)):
        for side, columns in layout.official[k].items():
            if columns.size == 0:
                continue
            side_position[side][:, k] = overall_position(
                positions[:, columns], layout.sequence[columns].astype(int), layout.dates[columns],
                params.round_rule, params.overall_from)
            side_salience[side][:, k] = mean_salience(saliences[:, columns], params.default_salience)
        columns = layout.proposals[k]
        if columns.size:
            lam = placement_lambda(positions[:, columns], side_position["west"][:, k, None],
                                   side_position["russia"][:, k, None])
            median_lambda[:, k] = _median_of_defined(lam)

    west, russia = side_position["west"], side_position["russia"]
    s_w, s_r = side_salience["west"], side_salience["russia"]
    c_w, c_r = params.capability["west"], params.capability["russia"]
    # The package holds the issues complete in the data; noise never removes a position.
    in_package = ~(np.isnan(west[0]) | np.isnan(russia[0]) | np.isnan(reference))
    single = nash_solve(west[..., None], russia[..., None], reference[None, :, None], s_w[..., None],
                        s_r[..., None], c_w, c_r)
    nash_issue_agreement = single.agreement & in_package[None, :]
    if in_package.any():
        package = nash_solve(west[:, in_package], russia[:, in_package], reference[None, in_package],
                             s_w[:, in_package], s_r[:, in_package], c_w, c_r)
        package_agreement = package.agreement
    else:
        package_agreement = np.zeros(draws, dtype=bool)
    return Outcomes(issue_ids, west, russia, median_lambda, nash_issue_agreement, in_package,
                    package_agreement)


def _stacked(blocks: list[Outcomes]) -> Outcomes:
    """The blocks' outcomes as one, draws in block order."""
    first = blocks[0]
    return Outcomes(first.issue_ids, *(np.concatenate([getattr(b, name) for b in blocks]) for name in
                                       ("west", "russia", "median_lambda", "nash_issue_agreement")),
                    first.in_package, np.concatenate([b.package_agreement for b in blocks]))


def robustness_table(
    record: Record,
    benchmark_table: pd.DataFrame | None = None,
    lambda_table: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Share of noisy redraws in which each headline finding holds.

    Columns: finding, description, holds_in_data, share_holding, draws, noise; in the order of
    `define_findings`. benchmark_table and lambda_table (the unperturbed tables) are computed when not
    given.
    """
    if benchmark_table is None:
        benchmark_table = benchmarks(record)
    if lambda_table is None:
        lambda_table = median_lambda_by_issue(proposal_placement(record), record.params)
    data = outcomes_from_tables(benchmark_table, lambda_table)
    findings = define_findings(data)
    redrawn = perturbed_outcomes(record)
    rows = [{
        "finding": finding.name,
        "description": finding.description,
        "holds_in_data": bool(finding.holds(data)[0]),
        "share_holding": float(np.mean(finding.holds(redrawn))),
        "draws": record.params.robustness_draws,
        "noise": float(record.params.noise),
    } for finding in findings]
    table = pd.DataFrame(rows, columns=ROBUSTNESS_COLUMNS)
    return table.astype({"holds_in_data": bool, "share_holding": float, "draws": int, "noise": float})

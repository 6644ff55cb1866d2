"""Where expert proposals fall between the two sides.

For an expert proposal at position p on a positional issue, with the sides' overall positions west
and russia on that issue (`positions.side_positions`):

    lambda = (p - west) / (russia - west)

lambda = 0 is the West's position, 1 is Russia's, 0.5 the midpoint; lambda < 0 lies beyond the West's
position, > 1 beyond Russia's. lambda is undefined (NaN) when the two sides hold the same position
(russia == west, nothing to place between) or when a side has no position on the issue.

Where a proposal sits is read against each side's own position and the midpoint between them
(`findings.relation`: at a side's position, nearer one side, at the midpoint, beyond a side), never as
"between the sides", which the scales would make nearly true by construction. Experts vote once per
piece: a source's proposals by one actor on one issue are one piece, at their median lambda.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from talks2022.data.dataset import Record
from talks2022.methods.findings import MIN_PIECES, relation
from talks2022.methods.params import DEFAULT_PARAMS, AnalysisParams, filter_statements
from talks2022.methods.positions import positional_issue_ids, side_positions_wide, sort_by_statement

PLACEMENT_COLUMNS = [
    "statement_id", "source_id", "actor_id", "issue_id", "position", "west", "russia", "lambda", "relation",
]
# Resampled values per block of bootstrap draws (x 8 bytes, a few arrays at a time): about 16 MB per array.
BOOTSTRAP_BLOCK_CELLS = 2_000_000


def placement_lambda(position, west, russia) -> np.ndarray | float:
    """lambda = (p - west) / (russia - west); NaN where russia == west or an input is NaN."""
    position, west, russia = (np.asarray(a, dtype=float) for a in (position, west, russia))
    span = russia - west
    with np.errstate(invalid="ignore", divide="ignore"):
        result = np.where(span != 0, (position - west) / span, np.nan)
    return float(result) if result.ndim == 0 else result


def expert_proposals(record: Record) -> pd.DataFrame:
    """Expert proposals that carry a position on a positional issue, after `filter_statements`.

    Columns: statement_id, source_id, actor_id, issue_id, date, position; natural statement_id order.
    """
    kept = filter_statements(record.statements, record.params)
    kept["position"] = pd.to_numeric(kept["position"], errors="coerce").astype(float)
    mask = (
        kept["kind"].astype(str).eq("expert_proposal")
        & kept["position"].notna()
        & kept["issue_id"].astype(str).isin(positional_issue_ids(record.issues))
    )
    proposals = kept.loc[mask, ["statement_id", "source_id", "actor_id", "issue_id", "date", "position"]].copy()
    for column in ("statement_id", "source_id", "actor_id", "issue_id"):
        proposals[column] = proposals[column].astype(str)
    return sort_by_statement(proposals)


def proposal_placement(record: Record) -> pd.DataFrame:
    """One row per expert proposal on a positional issue, placed between the sides.

    lambda as in the module docstring; relation = `findings.relation` (missing when a side has no
    position). Columns: statement_id, source_id, actor_id, issue_id, position, west, russia, lambda,
    relation; sorted by issue_id, then natural statement_id.
    """
    proposals = expert_proposals(record)
    sides = side_positions_wide(record)[["issue_id", "west", "russia"]]
    table = proposals.merge(sides, on="issue_id", how="left")
    table["lambda"] = placement_lambda(table["position"], table["west"], table["russia"])
    table["relation"] = pd.array(
        [relation(p, w, r) if not (np.isnan(w) or np.isnan(r)) else None
         for p, w, r in zip(table["position"], table["west"], table["russia"], strict=True)], dtype=object)
    # The merge keeps the natural statement order within each issue; a stable sort groups by issue.
    table = table.sort_values("issue_id", kind="stable").reset_index(drop=True)
    return table[PLACEMENT_COLUMNS].astype({"position": float, "west": float, "russia": float,
                                            "lambda": float})


def bootstrap_median_ci(values, draws: int, level: float, seed: int) -> tuple[float, float]:
    """Percentile bootstrap interval of the median: resample the values with replacement `draws`
    times (numpy default_rng(seed)), take the (1-level)/2 and (1+level)/2 percentiles of the medians.

    The values are sorted first so that the interval does not depend on their input order; a single
    value gives the degenerate interval (value, value).
    """
    values = np.sort(np.asarray(values, dtype=float))
    if values.size == 0:
        return (np.nan, np.nan)
    if values.size == 1:
        return (float(values[0]), float(values[0]))
    rng = np.random.default_rng(seed)
    # Resamples are drawn in blocks of rows so that memory stays bounded for many values; the blocks read
    # the same random stream as one (draws x values) array would, so the interval does not change.
    block = max(1, BOOTSTRAP_BLOCK_CELLS // values.size)
    medians = np.concatenate([
        np.median(values[rng.integers(0, values.size, size=(min(block, draws - first), values.size))], axis=1)
        for first in range(0, draws, block)
    ])
    low, high = np.percentile(medians, [50 * (1 - level), 50 * (1 + level)])
    return (float(low), float(high))


def piece_lambdas(placement: pd.DataFrame, issue_id: str) -> np.ndarray:
    """The lambdas of an issue's independent pieces: one per (source, actor), the median of its proposals."""
    own = placement.loc[(placement["issue_id"] == issue_id) & placement["lambda"].notna()]
    pieces = own.groupby(["source_id", "actor_id"], sort=True)["lambda"].median()
    return pieces.to_numpy(dtype=float)


def median_lambda_by_issue(placement: pd.DataFrame, params: AnalysisParams = DEFAULT_PARAMS) -> pd.DataFrame:
    """Median lambda of the independent expert pieces per issue, with a percentile bootstrap interval.

    n = number of pieces with a defined lambda (`piece_lambdas`); median_lambda = their median; ci_low,
    ci_high = `bootstrap_median_ci` with params.bootstrap_draws, params.ci_level and a fresh
    default_rng(params.seed) for every issue (an issue's interval depends on its own pieces only). With
    fewer than MIN_PIECES pieces no median and no interval is given (NaN): too few to summarise. Sorted by
    issue_id.
    """
    rows = []
    for issue_id in sorted(placement["issue_id"].astype(str).unique()):
        lambdas = piece_lambdas(placement, issue_id)
        if lambdas.size < MIN_PIECES:
            rows.append({"issue_id": issue_id, "n": int(lambdas.size), "median_lambda": np.nan,
                         "ci_low": np.nan, "ci_high": np.nan})
            continue
        low, high = bootstrap_median_ci(lambdas, params.bootstrap_draws, params.ci_level, params.seed)
        rows.append({
            "issue_id": issue_id,
            "n": int(lambdas.size),
            "median_lambda": float(np.median(lambdas)) if lambdas.size else np.nan,
            "ci_low": low,
            "ci_high": high,
        })
    table = pd.DataFrame(rows, columns=["issue_id", "n", "median_lambda", "ci_low", "ci_high"])
    return table.astype({"n": int, "median_lambda": float, "ci_low": float, "ci_high": float})

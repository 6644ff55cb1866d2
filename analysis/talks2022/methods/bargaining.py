"""Bargaining benchmarks: the compromise model and the Nash bargaining solution.

Models in the tradition of The European Union Decides (Thomson, Stokman, Achen & Koenig 2006), for two
sides, West (w) and Russia (r), on issues k scaled 0-100 (0 = Western maximal position, 100 = the
Russian drafts' demand).

Compromise model:       x_k = sum_i p_ik s_ik c_i / sum_i s_ik c_i
Utility (quadratic loss): U_i(x) = -sum_k s_ik (x_k - ideal_ik)^2, so the gain of side i from an
                        outcome x over the reference point (status quo) d is
                        G_i(x) = sum_k s_ik [(d_k - ideal_ik)^2 - (x_k - ideal_ik)^2].
Nash bargaining solution: maximise G_w(x)^c_w * G_r(x)^c_r over x in [0, 100]^K subject to G_w > 0 and
                        G_r > 0; if no x makes both sides strictly better off, the outcome is the
                        reference point (no agreement). c_i are the capabilities (equal by default,
                        which gives the ordinary symmetric solution).

How the Nash solution is computed (exactly, with numpy only). The log of a positive concave function is
concave, so the objective c_w log G_w + c_r log G_r is strictly concave on the (convex) set where both
gains are positive: the optimum is unique and is characterised by its first-order condition
    c_w grad G_w / G_w + c_r grad G_r / G_r = 0,
whose solutions lie on the contract curve
    x_k(t) = (t s_wk w_k + (1 - t) s_rk r_k) / (t s_wk + (1 - t) s_rk),   t in [0, 1],
(the maximisers of t U_w + (1 - t) U_r), at the t where  c_r t G_w(x(t)) = c_w (1 - t) G_r(x(t)).
Along the curve G_w rises and G_r falls with t, so phi(t) = c_r t G_w - c_w (1 - t) G_r changes sign
once, from negative to positive, and bisection on t finds the root to machine precision. x(t) is a
weighted mean of the two ideals, so the box [0, 100]^K never binds when ideals lie on the scale. An
issue that neither side cares about (both saliences 0) stays at the reference point.

On one issue the saliences scale each side's gain by a constant factor and so do not move the Nash
solution (only positions, the reference point and capabilities do); across issues, in a package, the
relative saliences of each side are what makes trade-offs (logrolls) possible.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from talks2022.data.dataset import Record
from talks2022.methods.positions import side_positions_wide

# A gain counts as positive only above this share of the largest possible loss, sum_k s_k * 100^2, so
# that rounding at a reference point lying on the contract curve is not read as an agreement.
RELATIVE_GAIN_TOLERANCE = 1e-12
SCALE_RANGE = 100.0
BISECTION_STEPS = 100


class NashResult(NamedTuple):
    """Outcome of a Nash bargaining problem (arrays when the inputs carry leading axes)."""

    x: np.ndarray | float
    agreement: np.ndarray | bool
    gain_west: np.ndarray | float
    gain_russia: np.ndarray | float


def compromise(positions, saliences, capabilities) -> np.ndarray | float:
    """Compromise model: sum(p * s * c) / sum(s * c) over the last axis (the actors).

    NaN when the total weight sum(s * c) is zero.
    """
    positions, saliences, capabilities = np.broadcast_arrays(
        np.asarray(positions, dtype=float), np.asarray(saliences, dtype=float),
        np.asarray(capabilities, dtype=float),
    )
    weights = saliences * capabilities
    total = weights.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        result = np.where(total > 0, (positions * weights).sum(axis=-1) / total, np.nan)
    return float(result) if result.ndim == 0 else result


def quadratic_utility(x, ideals, saliences) -> np.ndarray | float:
    """U(x) = -sum_k s_k (x_k - ideal_k)^2 over the last axis (the issues)."""
    x, ideals, saliences = (np.asarray(a, dtype=float) for a in (x, ideals, saliences))
    result = -(saliences * (x - ideals) ** 2).sum(axis=-1)
    return float(result) if np.ndim(result) == 0 else result


def issue_gains(x, ideals, reference, saliences) -> np.ndarray:
    """Per-issue gain over the reference point: s_k [(d_k - ideal_k)^2 - (x_k - ideal_k)^2]."""
    x, ideals, reference, saliences = (np.asarray(a, dtype=float) for a in (x, ideals, reference, saliences))
    return saliences * ((reference - ideals) ** 2 - (x - ideals) ** 2)


def contract_point(t, ideals_w, ideals_r, reference, s_w, s_r) -> np.ndarray:
    """Point of the contract curve x_k(t) = (t s_wk w_k + (1-t) s_rk r_k) / (t s_wk + (1-t) s_rk).

    t has the leading shape of the problem (one value per problem); issues where the weight
    t s_wk + (1-t) s_rk is zero stay at the reference point.
    """
    t = np.asarray(t, dtype=float)[..., None]
    weight_w = t * s_w
    weight_r = (1.0 - t) * s_r
    total = weight_w + weight_r
    with np.errstate(invalid="ignore", divide="ignore"):
        point = (weight_w * ideals_w + weight_r * ideals_r) / total
    # A weighted mean lies between the two ideals; clipping removes a last-bit rounding overshoot.
    point = np.clip(point, np.fmin(ideals_w, ideals_r), np.fmax(ideals_w, ideals_r))
    return np.where(total > 0, point, reference)


def nash_solve(ideals_w, ideals_r, reference, s_w, s_r, c_w=1.0, c_r=1.0) -> NashResult:
    """Nash bargaining solution for problems whose last axis is the issues (see the module docstring).

    All arguments broadcast; leading axes index independent problems (e.g. robustness draws). Returns
    x (the reference point where there is no agreement), agreement, and the two sides' gains
    G_i(x) = U_i(x) - U_i(reference) (0 where there is no agreement).
    """
    ideals_w, ideals_r, reference, s_w, s_r = np.broadcast_arrays(
        *(np.asarray(a, dtype=float) for a in (ideals_w, ideals_r, reference, s_w, s_r))
    )
    c_w = np.asarray(c_w, dtype=float)
    c_r = np.asarray(c_r, dtype=float)
    shape = ideals_w.shape[:-1]
    low = np.zeros(shape)
    high = np.ones(shape)
    for _ in range(BISECTION_STEPS):
        middle = 0.5 * (low + high)
        point = contract_point(middle, ideals_w, ideals_r, reference, s_w, s_r)
        gain_w = issue_gains(point, ideals_w, reference, s_w).sum(axis=-1)
        gain_r = issue_gains(point, ideals_r, reference, s_r).sum(axis=-1)
        phi = c_r * middle * gain_w - c_w * (1.0 - middle) * gain_r
        below = phi < 0
        low = np.where(below, middle, low)
        high = np.where(below, high, middle)
    t = 0.5 * (low + high)
    point = contract_point(t, ideals_w, ideals_r, reference, s_w, s_r)
    gain_w = issue_gains(point, ideals_w, reference, s_w).sum(axis=-1)
    gain_r = issue_gains(point, ideals_r, reference, s_r).sum(axis=-1)
    tolerance_w = RELATIVE_GAIN_TOLERANCE * s_w.sum(axis=-1) * SCALE_RANGE**2
    tolerance_r = RELATIVE_GAIN_TOLERANCE * s_r.sum(axis=-1) * SCALE_RANGE**2
    agreement = (gain_w > tolerance_w) & (gain_r > tolerance_r)
    x = np.where(agreement[..., None], point, reference)
    return NashResult(
        x=x,
        agreement=agreement,
        gain_west=np.where(agreement, gain_w, 0.0),
        gain_russia=np.where(agreement, gain_r, 0.0),
    )


def nash_issue(ideal_w, ideal_r, reference, s_w=1.0, s_r=1.0, c_w=1.0, c_r=1.0) -> NashResult:
    """Nash bargaining solution on one issue: maximise G_w(x)^c_w G_r(x)^c_r, x in [0, 100].

    G_i(x) = s_i [(d - ideal_i)^2 - (x - ideal_i)^2]. If the reference d lies between the ideals or at
    one of them, no x makes both sides strictly better off: x = d and agreement = False. Scalars give
    floats; arrays are solved element-wise.
    """
    result = nash_solve(
        np.asarray(ideal_w, dtype=float)[..., None], np.asarray(ideal_r, dtype=float)[..., None],
        np.asarray(reference, dtype=float)[..., None], np.asarray(s_w, dtype=float)[..., None],
        np.asarray(s_r, dtype=float)[..., None], c_w, c_r,
    )
    x = result.x[..., 0]
    if x.ndim == 0:
        return NashResult(float(x), bool(result.agreement), float(result.gain_west),
                          float(result.gain_russia))
    return NashResult(x, result.agreement, result.gain_west, result.gain_russia)


def nash_package(ideals_w, ideals_r, reference, s_w, s_r, c_w=1.0, c_r=1.0) -> NashResult:
    """Nash bargaining solution over a package of issues (vectors over issues).

    Maximise (U_w(x) - U_w(d))^c_w (U_r(x) - U_r(d))^c_r with U_i = -sum_k s_ik (x_k - ideal_ik)^2, over
    x in [0, 100]^K, both gains > 0; the reference vector d if no such x exists (agreement False).
    """
    result = nash_solve(ideals_w, ideals_r, reference, s_w, s_r, c_w, c_r)
    if np.ndim(result.agreement) == 0:
        return NashResult(np.asarray(result.x), bool(result.agreement), float(result.gain_west),
                          float(result.gain_russia))
    return result


def nash_product(x, ideals_w, ideals_r, reference, s_w, s_r, c_w=1.0, c_r=1.0) -> np.ndarray | float:
    """The Nash objective G_w(x)^c_w G_r(x)^c_r, or 0 where a gain is not positive (for checks)."""
    gain_w = issue_gains(x, ideals_w, reference, s_w).sum(axis=-1)
    gain_r = issue_gains(x, ideals_r, reference, s_r).sum(axis=-1)
    positive = (gain_w > 0) & (gain_r > 0)
    result = np.where(positive, np.abs(gain_w) ** c_w * np.abs(gain_r) ** c_r, 0.0)
    return float(result) if np.ndim(result) == 0 else result


# --- table builders --------------------------------------------------------------------------------

BENCHMARK_COLUMNS = [
    "issue_id", "reference_point", "west", "russia", "compromise", "nash_issue", "nash_issue_agreement",
    "nash_package", "salience_west", "salience_russia", "nash_package_agreement", "package_gain_west",
    "package_gain_russia",
]


def _weights(saliences: np.ndarray) -> np.ndarray:
    """Saliences rescaled to sum to 1 (all zero stays all zero)."""
    total = saliences.sum()
    return saliences / total if total > 0 else saliences


def benchmarks(record: Record) -> pd.DataFrame:
    """Bargaining benchmarks per positional issue, from the sides' overall positions and saliences.

    compromise: `compromise` of the two sides with their saliences and record.params.capability;
    nash_issue / nash_issue_agreement: `nash_issue` on the issue alone, disagreement point =
    issues.reference_point; nash_package: `nash_package` over all positional issues where both sides
    and the reference point are known (one package); nash_package_agreement: whether that package
    makes both sides strictly better off; package_gain_<side>: the issue's contribution
    w_k [(d_k - ideal_k)^2 - (x_k - ideal_k)^2] to the side's package gain, with w_k = s_k / sum(s) the
    side's saliences normalised over the package (squared scale points; negative where the side
    concedes on the issue). Values are NaN (booleans missing) where an input is missing. Sorted by
    issue_id.
    """
    table = side_positions_wide(record)
    references = record.issues[["issue_id", "reference_point"]].astype({"issue_id": str})
    references["reference_point"] = pd.to_numeric(references["reference_point"], errors="coerce")
    table = table.merge(references, on="issue_id", how="left")
    c_w, c_r = record.params.capability["west"], record.params.capability["russia"]
    west, russia = table["west"].to_numpy(float), table["russia"].to_numpy(float)
    s_w, s_r = table["salience_west"].to_numpy(float), table["salience_russia"].to_numpy(float)
    reference = table["reference_point"].to_numpy(float)

    table["compromise"] = compromise(np.stack([west, russia], axis=-1), np.stack([s_w, s_r], axis=-1),
                                     [c_w, c_r])
    sides_known = ~(np.isnan(west) | np.isnan(russia))
    complete = sides_known & ~np.isnan(reference)
    single = nash_issue(west, russia, reference, s_w, s_r, c_w, c_r)
    table["nash_issue"] = np.where(complete, single.x, np.nan)
    table["nash_issue_agreement"] = pd.array(single.agreement, dtype="boolean")
    table["nash_issue_agreement"] = table["nash_issue_agreement"].mask(~complete)

    table["nash_package"] = np.nan
    table["nash_package_agreement"] = pd.array([pd.NA] * len(table), dtype="boolean")
    table["package_gain_west"] = np.nan
    table["package_gain_russia"] = np.nan
    if complete.any():
        package = nash_package(west[complete], russia[complete], reference[complete], s_w[complete],
                               s_r[complete], c_w, c_r)
        table.loc[complete, "nash_package"] = package.x
        table.loc[complete, "nash_package_agreement"] = bool(package.agreement)
        # Saliences normalised to weights summing to 1 per side, so that gains read in squared scale
        # points (the Nash solution itself does not change when a side's utility is rescaled).
        table.loc[complete, "package_gain_west"] = issue_gains(
            package.x, west[complete], reference[complete], _weights(s_w[complete]))
        table.loc[complete, "package_gain_russia"] = issue_gains(
            package.x, russia[complete], reference[complete], _weights(s_r[complete]))
    float_columns = [c for c in BENCHMARK_COLUMNS if c not in ("issue_id", "nash_issue_agreement",
                                                                 "nash_package_agreement")]
    return table[BENCHMARK_COLUMNS].astype({column: float for column in float_columns})


def proposal_distances(placement: pd.DataFrame, benchmark_table: pd.DataFrame) -> pd.DataFrame:
    """Distance of every expert proposal to each benchmark on its issue: |p - benchmark|.

    Columns: statement_id, actor_id, issue_id, position, dist_compromise, dist_nash_issue,
    dist_nash_package; in the row order of `placement`.
    """
    bench = benchmark_table[["issue_id", "compromise", "nash_issue", "nash_package"]]
    table = placement[["statement_id", "actor_id", "issue_id", "position"]].merge(bench, on="issue_id",
                                                                                  how="left")
    for benchmark in ("compromise", "nash_issue", "nash_package"):
        table[f"dist_{benchmark}"] = (table["position"] - table[benchmark]).abs()
    return table[["statement_id", "actor_id", "issue_id", "position", "dist_compromise", "dist_nash_issue",
                  "dist_nash_package"]]


def expert_packages(placement: pd.DataFrame, benchmark_table: pd.DataFrame) -> pd.DataFrame:
    """Each expert's proposals read as one package, compared with the benchmark packages.

    The actor's proposal on an issue is the median of its proposals there; rms_to_<benchmark> =
    sqrt(mean over the actor's issues of (proposal - benchmark)^2), over the issues where the benchmark
    is defined (NaN if none). Columns: actor_id, n_issues, issues (';'-joined, sorted),
    rms_to_compromise, rms_to_nash_package, rms_to_nash_issue; sorted by actor_id.
    """
    columns = ["actor_id", "n_issues", "issues", "rms_to_compromise", "rms_to_nash_package",
               "rms_to_nash_issue"]
    per_issue = (placement.groupby(["actor_id", "issue_id"], sort=True)["position"]
                 .median().reset_index())
    per_issue = per_issue.merge(
        benchmark_table[["issue_id", "compromise", "nash_issue", "nash_package"]], on="issue_id", how="left")
    rows = []
    for actor_id, group in per_issue.groupby("actor_id", sort=True):
        row = {"actor_id": actor_id, "n_issues": len(group), "issues": ";".join(sorted(group["issue_id"]))}
        for benchmark in ("compromise", "nash_package", "nash_issue"):
            squared = ((group["position"] - group[benchmark]) ** 2).dropna()
            row[f"rms_to_{benchmark}"] = float(np.sqrt(squared.mean())) if len(squared) else np.nan
        rows.append(row)
    table = pd.DataFrame(rows, columns=columns)
    return table.astype({"n_issues": int, "rms_to_compromise": float, "rms_to_nash_package": float,
                         "rms_to_nash_issue": float})

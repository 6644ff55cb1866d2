"""Inter-coder reliability: a blind second coding of a sample of positions, against the first coding.

The second coding lives in data/reliability/second_coding.csv (statement_id, position, confidence,
coding_note), outside the data package: a data folder without it is complete, and the book then says no
second coding exists. Agreement is Krippendorff's alpha with the interval metric (Krippendorff 2004,
Content Analysis, ch. 11), with exactly two coders and no missing values.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

SECOND_CODING = Path("reliability") / "second_coding.csv"
COLUMNS = ("statement_id", "position", "confidence", "coding_note")
CLOSE = 12.5  # half the distance between two anchors


class ReliabilityError(ValueError):
    """A second-coding file that cannot be compared; the message names the file, row and column."""


@dataclass(frozen=True)
class Agreement:
    units: int
    alpha: float
    exact: float  # share of statements coded at the same position
    close: float  # share within CLOSE points
    mean_absolute_difference: float


def krippendorff_alpha_interval(first: np.ndarray, second: np.ndarray) -> float:
    """alpha = 1 - D_o / D_e for two coders, interval metric.

    With n = 2N pairable values: D_o = (2/n) sum_u (a_u - b_u)^2 and
    D_e = 1/(n(n-1)) sum over ordered pairs of distinct values (v_i - v_j)^2. NaN when D_e is 0
    (every value the same: agreement cannot be told from chance).
    """
    first, second = np.asarray(first, dtype=float), np.asarray(second, dtype=float)
    if first.shape != second.shape or first.ndim != 1 or len(first) < 2:
        raise ValueError("alpha needs two equally long lists of at least two values")
    values = np.concatenate([first, second])
    n = len(values)
    observed = 2.0 / n * np.sum((first - second) ** 2)
    # sum over ordered pairs (v_i - v_j)^2 = 2 n sum v^2 - 2 (sum v)^2
    expected = (2 * n * np.sum(values**2) - 2 * np.sum(values) ** 2) / (n * (n - 1))
    return math.nan if expected == 0 else float(1.0 - observed / expected)


def read_second_coding(data_dir: Path) -> pd.DataFrame | None:
    """The second coding of `data_dir`, or None when there is none; ReliabilityError on a bad file."""
    path = Path(data_dir) / SECOND_CODING
    if not path.exists():
        return None
    name = SECOND_CODING.as_posix()
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            if tuple(reader.fieldnames or ()) != COLUMNS:
                raise ReliabilityError(f"{name}:1:-: the columns must be {', '.join(COLUMNS)}")
            rows = list(reader)
    except UnicodeDecodeError as error:
        raise ReliabilityError(f"{name}:0:-: not UTF-8 ({error.reason})") from None
    for number, row in enumerate(rows, start=2):
        try:
            position = float(row["position"])
        except (TypeError, ValueError):
            raise ReliabilityError(f"{name}:{number}:position: not a number: {row['position']!r}") from None
        if not 0 <= position <= 100:
            raise ReliabilityError(f"{name}:{number}:position: {position} is outside 0-100")
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["position"] = frame["position"].astype(float)
    return frame


def compare(statements: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    """One row per second-coded statement: both positions and their difference (second - first)."""
    first = statements[["statement_id", "issue_id", "position"]]
    merged = second[["statement_id", "position"]].merge(first, on="statement_id", how="left",
                                                      suffixes=("_second", "_first"))
    unknown = merged[merged["issue_id"].isna()]["statement_id"].tolist()
    if unknown:
        raise ReliabilityError(f"{SECOND_CODING.as_posix()}: statement_id not in statements.csv or not "
                               f"scored there: {', '.join(unknown)}")
    unscored = merged[merged["position_first"].isna()]["statement_id"].tolist()
    if unscored:
        raise ReliabilityError(f"{SECOND_CODING.as_posix()}: statements without a first-coder position: "
                               f"{', '.join(unscored)}")
    table = merged.rename(columns={"position_first": "first", "position_second": "second"})
    table = table.assign(difference=table["second"] - table["first"])
    return table[["statement_id", "issue_id", "first", "second", "difference"]].sort_values(
        "statement_id", kind="stable").reset_index(drop=True)


def agreement(comparison: pd.DataFrame) -> Agreement:
    difference = comparison["difference"].abs()
    return Agreement(units=len(comparison),
                     alpha=krippendorff_alpha_interval(comparison["first"].to_numpy(),
                                                       comparison["second"].to_numpy()),
                     exact=float((difference == 0).mean()), close=float((difference <= CLOSE).mean()),
                     mean_absolute_difference=float(difference.mean()))


STRATA = {
    "end of scale": lambda c: c["first"].isin([0.0, 100.0]),
    "mid-scale": lambda c: ~c["first"].isin([0.0, 100.0]),
    "official positions": lambda c: c["kind"] == "official_position",
    "expert proposals": lambda c: c["kind"] == "expert_proposal",
    "midpoints (interpolated)": lambda c: (c["first"] % 25) != 0,
}


def agreement_by_stratum(comparison: pd.DataFrame, statements: pd.DataFrame) -> pd.DataFrame:
    """Agreement in each stratum of the sample: by the first coder's position (at an end of the scale or
    between the ends, interpolated midpoints) and by kind (official or expert). alpha is NaN for a stratum
    of fewer than two units or with no variation. Columns: stratum, units, alpha, exact."""
    kinds = statements.set_index("statement_id")["kind"]
    table = comparison.assign(kind=comparison["statement_id"].map(kinds))
    rows = []
    for name, select in STRATA.items():
        part = table[select(table)]
        alpha = (krippendorff_alpha_interval(part["first"].to_numpy(), part["second"].to_numpy())
                 if len(part) >= 2 else math.nan)
        rows.append({"stratum": name, "units": len(part), "alpha": alpha,
                     "exact": float((part["difference"] == 0).mean()) if len(part) else math.nan})
    return pd.DataFrame(rows, columns=["stratum", "units", "alpha", "exact"])

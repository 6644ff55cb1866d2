"""Every analysis choice of talks2022, in one place.

`AnalysisParams` is a frozen dataclass: a run of the analysis is fully described by one instance, and
the book states the defaults below. Nothing in the other modules hard-codes a choice that is here.

Defaults and why
----------------
west_sides = ("united_states", "nato_allies")
    The speaker groups (actors.speaker_group) that make up "the West": US officials and NATO with the
    governments of its other members. A documented aggregate, not a fact of the data: the robustness
    page recomputes every finding with the United States alone and NATO and its allies alone. The OSCE
    chair, other states, experts and media are never part of a side.
russia_sides = ("russia",)
    Russian officials and the draft treaties.
round_rule = "median"
    How several statements of one side in one round (or overall) become one position: "median"
    (default; robust to a single outlying statement), "mean", or "latest" (the median of the
    statements bearing the latest date; undated statements count only when no statement of the group
    is dated; overall, "latest" means the last round, by meeting sequence, in which the side spoke).
overall_from = "statements"
    How the overall position of a side on an issue (its ideal point in the bargaining models) is
    formed: "statements" pools all the side's statements of all rounds and applies round_rule to them;
    "rounds" applies round_rule first within each round, then across the round positions (each round
    weighs the same however many statements it has).
carry_forward = False
    In the round-by-round gaps, whether a side silent in a round keeps its latest earlier position
    ("latest known" position). Off by default: a gap is only reported where both sides spoke.
capability = {"russia": 0.5, "west": 0.5}
    Bargaining capability (power) of the two sides: equal, a stated assumption. It weights the
    compromise model and is the exponent of the (asymmetric) Nash bargaining solution; with equal
    values the Nash solution is the ordinary symmetric one. Treat the mapping as read-only.
default_salience = 50.0
    Salience used for a side on an issue when none of its statements carries a coded salience
    (the midpoint of the 0-100 salience scale, i.e. "neither marginal nor vital").
bootstrap_draws = 2000, ci_level = 0.95, seed = 20220110
    Percentile bootstrap of the median lambda per issue; the seed (the date of the Geneva talks)
    makes every random step reproducible.
noise = 7.0, robustness_draws = 200, anchor_step_share = 0.1
    Robustness of the findings (methods/findings.py): robustness_draws recomputations with independent
    uniform noise in [-noise, +noise] on every coded position, rounded to the 12.5-point grid of codes and
    not clipped (so end positions are not pulled inward); with noise = 7 about one coding in ten moves one
    midpoint step, as the blind second coding found (4 of 44 positions differed, each by 12.5). As many
    recomputations move a random share anchor_step_share of the codings one whole anchor (25 points) up or
    down within the scale. Plus leave one source out, leave one expert out, each definition of the West,
    and the reference point and capabilities of the benchmarks.
include_unconfirmed = False
    Statements whose quotation was not re-found stay in the record but out of the analysis.
as_of = None
    An ISO date (YYYY-MM-DD): keep only statements dated on or before it, i.e. "what was known by
    then". When as_of is set, undated statements are dropped (their date cannot be shown to precede
    it); when as_of is None every statement is kept, dated or not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields

import pandas as pd

ROUND_RULES = ("median", "mean", "latest")
OVERALL_FROM = ("statements", "rounds")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _equal_capability() -> dict[str, float]:
    return {"russia": 0.5, "west": 0.5}


@dataclass(frozen=True)
class AnalysisParams:
    """All analysis choices, with the documented defaults (see the module docstring)."""

    west_sides: tuple[str, ...] = ("united_states", "nato_allies")
    russia_sides: tuple[str, ...] = ("russia",)
    round_rule: str = "median"
    overall_from: str = "statements"
    carry_forward: bool = False
    capability: dict[str, float] = field(default_factory=_equal_capability)
    default_salience: float = 50.0
    bootstrap_draws: int = 2000
    ci_level: float = 0.95
    seed: int = 20220110
    noise: float = 7.0
    robustness_draws: int = 200
    anchor_step_share: float = 0.1
    include_unconfirmed: bool = False
    as_of: str | None = None

    def __post_init__(self) -> None:
        # Fail early on a mistyped choice rather than silently falling back to a default.
        if self.round_rule not in ROUND_RULES:
            raise ValueError(f"round_rule must be one of {ROUND_RULES}, not {self.round_rule!r}")
        if self.overall_from not in OVERALL_FROM:
            raise ValueError(f"overall_from must be one of {OVERALL_FROM}, not {self.overall_from!r}")
        if set(self.west_sides) & set(self.russia_sides):
            raise ValueError("a side cannot belong to both the West and Russia")
        if set(self.capability) != {"russia", "west"} or min(self.capability.values()) <= 0:
            raise ValueError("capability needs positive values for exactly 'russia' and 'west'")
        if not 0 <= self.default_salience <= 100:
            raise ValueError("default_salience must lie on the 0-100 salience scale")
        if self.bootstrap_draws < 1 or self.robustness_draws < 1:
            raise ValueError("bootstrap_draws and robustness_draws must be at least 1")
        if not 0 < self.ci_level < 1:
            raise ValueError("ci_level must lie strictly between 0 and 1")
        if self.noise < 0:
            raise ValueError("noise must be non-negative")
        if not 0 <= self.anchor_step_share <= 1:
            raise ValueError("anchor_step_share must lie between 0 and 1")
        if self.as_of is not None and not _ISO_DATE.match(self.as_of):
            raise ValueError(f"as_of must be an ISO date YYYY-MM-DD, not {self.as_of!r}")

    def __hash__(self) -> int:
        # Defined by hand because `capability` is a dict; equal parameters hash equal.
        return hash(tuple(
            tuple(sorted(value.items())) if isinstance(value, dict) else value
            for value in (getattr(self, spec.name) for spec in fields(self))
        ))

    def bargaining_side(self, actor_side: object) -> str | None:
        """Map an actor's side (schema enum) to the bargaining side "russia", "west", or None."""
        if actor_side in self.russia_sides:
            return "russia"
        if actor_side in self.west_sides:
            return "west"
        return None


DEFAULT_PARAMS = AnalysisParams()


def iso_dates(dates: pd.Series) -> pd.Series:
    """Dates as 'YYYY-MM-DD' strings, '' when missing (NaN, None or '' all mean undated)."""
    text = dates.astype(object).where(dates.notna(), "").astype(str).str.strip()
    # A loader may hand over '2022-01-10 00:00:00'; the first ten characters are the ISO date.
    return text.str.slice(0, 10)


def filter_statements(statements: pd.DataFrame, params: AnalysisParams = DEFAULT_PARAMS) -> pd.DataFrame:
    """Statements that enter the analysis.

    Keeps verification == "confirmed" unless params.include_unconfirmed; when params.as_of is set,
    keeps only statements with a date <= as_of (undated ones are dropped). Returns a copy with the
    original columns and the date normalised to an ISO string ('' when undated).
    """
    kept = statements.copy()
    kept["date"] = iso_dates(kept["date"]) if "date" in kept else ""
    mask = pd.Series(True, index=kept.index)
    if not params.include_unconfirmed:
        mask &= kept["verification"].astype(str).str.strip().eq("confirmed")
    if params.as_of is not None:
        # ISO dates compare correctly as strings.
        mask &= kept["date"].ne("") & (kept["date"] <= params.as_of)
    return kept.loc[mask].copy()

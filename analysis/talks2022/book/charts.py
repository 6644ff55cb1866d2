"""The book's Altair charts. Each takes tidy frames (already aggregated: no chart ever inlines more than a
few hundred rows) and returns a chart whose `description` is its text alternative.

Colours are the Okabe-Ito palette (safe for the common colour-vision deficiencies), and every colour
distinction is doubled by a shape or a dash so that nothing depends on colour alone.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

# Okabe-Ito colours: one meaning each, everywhere in the book.
SIDE_COLOURS = {"Russia": "#D55E00", "West": "#0072B2", "Expert": "#009E73", "OSCE Chair": "#CC79A7",
                "Media": "#999999"}
SIDE_SHAPES = {"Russia": "square", "West": "circle", "Expert": "triangle-up", "OSCE Chair": "diamond",
               "Media": "cross"}
BENCHMARK_COLOURS = {"reference point": "#000000", "compromise": "#E69F00", "Nash (issue)": "#56B4E9",
                     "Nash (package)": "#F0E442"}
# A thin vertical bar (an SVG path on vega's unit square) marks the reference point on a scale.
REFERENCE_BAR = "M-0.2,-1H0.2V1H-0.2Z"
BENCHMARK_SHAPES = {"reference point": REFERENCE_BAR, "compromise": "diamond", "Nash (issue)": "cross",
                    "Nash (package)": "triangle-down"}
ISSUE_DASHES = [[1, 0], [6, 3], [2, 2], [8, 2, 2, 2], [4, 4], [1, 3]]
SIDE_LABELS = {"russia": "Russia", "united_states": "West", "nato_allies": "West", "expert": "Expert",
               "osce_chair": "OSCE Chair", "media": "Media", "west": "West"}
# The sides' latest positions after 13 January (views.LATEST_OFFER): colour and shape.
OFFER_STYLE = {"West, after 13 Jan": ("#009E73", "triangle-right"),
               "Russia, after 13 Jan": ("#CC79A7", "triangle-left")}
# Where a proposal sits against the sides (findings.RELATION_WORDS): colour and shape.
SITS_STYLE = {"at the West's position": ("#0072B2", "circle"), "nearer the West's position": ("#56B4E9", "circle"),
              "at the midpoint": ("#000000", "diamond"), "nearer Russia's position": ("#E69F00", "square"),
              "at Russia's position": ("#D55E00", "square"), "beyond the West's position": ("#009E73", "triangle-left"),
              "beyond Russia's position": ("#CC79A7", "triangle-right"),
              "where the sides coincide": ("#999999", "cross")}
SCALE = alt.Scale(domain=[0, 100])
# Axis titles in short lines, and short row labels, so that charts keep their plot area at phone width.
POSITION_TITLE = ["position: 0 = Western maximal,", "100 = the Russian drafts' demand"]
LAMBDA_TITLE = ["lambda: 0 = the West's position,", "1 = Russia's"]
ROW_LABEL_LIMIT = 110
WIDTH = "container"


def _side_scale(domain: list[str]) -> tuple[alt.Scale, alt.Scale]:
    present = [side for side in SIDE_COLOURS if side in domain]
    return (alt.Scale(domain=present, range=[SIDE_COLOURS[side] for side in present]),
            alt.Scale(domain=present, range=[SIDE_SHAPES[side] for side in present]))


def _layer(description: str, *charts: alt.Chart) -> alt.LayerChart:
    """Layered charts carry their text alternative at the top level, where the renderer reads it."""
    return alt.layer(*charts).properties(description=description)


def _base(data: pd.DataFrame, description: str, height: int) -> alt.Chart:
    return alt.Chart(data).properties(width=WIDTH, height=height, description=description)


def position_map(points: pd.DataFrame, benchmarks: pd.DataFrame, issue_label: str) -> alt.LayerChart:
    """Every official position and expert proposal on one issue's 0-100 scale, with the benchmarks.

    points: statement_id, actor, group (Russia/West/Expert/...), kind, position, date, round, summary,
    key_phrase, source. benchmarks: name, value.
    """
    groups = list(points["group"].unique())
    colour, shape = _side_scale(groups)
    rows = [g for g in SIDE_COLOURS if g in groups]
    description = (f"Position map for {issue_label}: {len(points)} coded positions on a 0 (Western maximal "
                   f"position) to 100 (Russian draft) scale, in rows by side; "
                   + "; ".join(f"{name} at {value:.0f}" for name, value in
                               zip(benchmarks["name"], benchmarks["value"], strict=True) if pd.notna(value))
                   + ".")
    height = 60 + 45 * max(1, len(rows))
    dots = _base(points, description, height).mark_point(size=110, filled=True, opacity=0.85).encode(
        x=alt.X("position:Q", scale=SCALE, title=POSITION_TITLE),
        y=alt.Y("group:N", sort=rows, title=None),
        yOffset=alt.YOffset("jitter:Q"),
        color=alt.Color("group:N", scale=colour, legend=alt.Legend(title="who", orient="bottom", columns=2)),
        shape=alt.Shape("group:N", scale=shape, legend=None),
        tooltip=[alt.Tooltip("actor:N"), alt.Tooltip("date:N"), alt.Tooltip("round:N"),
                 alt.Tooltip("kind:N"), alt.Tooltip("position:Q", format=".0f"),
                 alt.Tooltip("summary:N"), alt.Tooltip("key_phrase:N", title="key phrase"),
                 alt.Tooltip("source:N")],
    ).transform_calculate(jitter="(datum.order % 5) * 6 - 12")
    marks = [dots]
    present = benchmarks.dropna(subset=["value"])
    if not present.empty:
        names = list(present["name"])
        rules = alt.Chart(present).mark_rule(strokeWidth=2, strokeDash=[4, 3]).encode(
            x=alt.X("value:Q", scale=SCALE),
            color=alt.Color("name:N", scale=alt.Scale(domain=names,
                                                      range=[BENCHMARK_COLOURS[n] for n in names]),
                            legend=alt.Legend(title="benchmark", orient="bottom", columns=2)),
            tooltip=[alt.Tooltip("name:N", title="benchmark"), alt.Tooltip("value:Q", format=".1f")],
        )
        marks.append(rules)
    return _layer(description, *marks).resolve_scale(color="independent")


def movement(by_round: pd.DataFrame, issue_label: str) -> alt.Chart:
    """Each side's position per round on one issue. by_round: round, sequence, side_label, position, n."""
    sides = list(by_round["side_label"].unique())
    colour, shape = _side_scale(sides)
    order = list(by_round.sort_values("sequence")["round"].unique())
    summary = "; ".join(f"{row.side_label} {row.position:.0f} in {row.round}" for row in by_round.itertuples())
    description = f"Movement on {issue_label}, position per round and side: {summary}."
    base = _base(by_round, description, 240)
    encoding = dict(
        x=alt.X("round:N", sort=order, title=None, axis=alt.Axis(labelAngle=0, labelLimit=90)),
        y=alt.Y("position:Q", scale=SCALE, title="position"),
        color=alt.Color("side_label:N", scale=colour, legend=alt.Legend(title="side", orient="bottom")),
    )
    line = base.mark_line(strokeWidth=2).encode(**encoding, strokeDash=alt.StrokeDash("side_label:N",
                                                                                      legend=None))
    points = base.mark_point(size=90, filled=True).encode(
        **encoding, shape=alt.Shape("side_label:N", scale=shape, legend=None),
        tooltip=[alt.Tooltip("side_label:N", title="side"), alt.Tooltip("round:N"),
                 alt.Tooltip("position:Q", format=".1f"), alt.Tooltip("n_statements:Q", title="statements")])
    return _layer(description, line, points)


def gaps_overview(gaps: pd.DataFrame) -> alt.Chart:
    """The Russia-West gap per round, one line per issue. gaps: issue, round, sequence, gap."""
    issues = list(dict.fromkeys(gaps["issue"]))
    order = list(gaps.sort_values("sequence")["round"].unique())
    summary = "; ".join(f"{issue}: " + ", ".join(f"{row.gap:.0f} ({row.round})" for row in
                                                gaps[gaps["issue"] == issue].itertuples())
                        for issue in issues)
    description = f"Russia-West gap per round and issue (0 = agreement, 100 = opposite ends): {summary}."
    colours = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
    colour = alt.Scale(domain=issues, range=[colours[i % len(colours)] for i in range(len(issues))])
    dashes = alt.Scale(domain=issues, range=[ISSUE_DASHES[i % len(ISSUE_DASHES)] for i in range(len(issues))])
    base = _base(gaps, description, 260)
    encoding = dict(x=alt.X("round:N", sort=order, title=None, axis=alt.Axis(labelAngle=0, labelLimit=90)),
                    y=alt.Y("gap:Q", scale=alt.Scale(domain=[-100, 100]), title="gap (Russia minus West)"),
                    color=alt.Color("issue:N", scale=colour, legend=alt.Legend(title="issue", orient="bottom",
                                                                            columns=2)))
    return _layer(
        description,
        base.mark_line(strokeWidth=2).encode(**encoding, strokeDash=alt.StrokeDash("issue:N", scale=dashes,
                                                                                   legend=None)),
        base.mark_point(size=70, filled=True).encode(
            **encoding, tooltip=[alt.Tooltip("issue:N"), alt.Tooltip("round:N"),
                                 alt.Tooltip("russia:Q", format=".1f"), alt.Tooltip("west:Q", format=".1f"),
                                 alt.Tooltip("gap:Q", format=".1f")]),
    )


def lambda_chart(placement: pd.DataFrame) -> alt.Chart:
    """Where each expert proposal sits between the sides: lambda 0 = the West, 1 = Russia.

    placement: issue, actor, lambda, sits (where it sits, in words), position, summary, key_phrase, source.
    """
    shown = placement.dropna(subset=["lambda"])
    issues = list(dict.fromkeys(shown["issue"]))
    description = ("Expert proposals placed between the sides, by issue (lambda 0 = the West's position, "
                   "1 = Russia's): " + "; ".join(
                       f"{issue}: " + ", ".join(f"{row.actor} {row.lambda_:.2f}" for row in
                                               shown[shown["issue"] == issue].rename(
                                                   columns={"lambda": "lambda_"}).itertuples())
                       for issue in issues) + ".")
    sits = list(SITS_STYLE)
    colour = alt.Scale(domain=sits, range=[SITS_STYLE[s][0] for s in sits])
    shape = alt.Scale(domain=sits, range=[SITS_STYLE[s][1] for s in sits])
    low = min(-0.25, float(shown["lambda"].min()) - 0.05) if not shown.empty else -0.25
    high = max(1.25, float(shown["lambda"].max()) + 0.05) if not shown.empty else 1.25
    base = _base(shown, description, 60 + 40 * max(1, len(issues)))
    dots = base.mark_point(size=110, filled=True, opacity=0.85).encode(
        x=alt.X("lambda:Q", scale=alt.Scale(domain=[low, high]),
                title=LAMBDA_TITLE),
        y=alt.Y("issue:N", sort=issues, title=None, axis=alt.Axis(labelLimit=ROW_LABEL_LIMIT)),
        yOffset=alt.YOffset("jitter:Q"),
        color=alt.Color("sits:N", scale=colour, legend=alt.Legend(title="sits", orient="bottom", columns=2)),
        shape=alt.Shape("sits:N", scale=shape, legend=None),
        tooltip=[alt.Tooltip("actor:N"), alt.Tooltip("issue:N"), alt.Tooltip("lambda:Q", format=".2f"),
                 alt.Tooltip("position:Q", format=".0f"), alt.Tooltip("summary:N"),
                 alt.Tooltip("key_phrase:N", title="key phrase"), alt.Tooltip("source:N")],
    ).transform_calculate(jitter="(datum.order % 5) * 6 - 12")
    guides = alt.Chart(pd.DataFrame({"lambda": [0.0, 1.0], "label": ["West", "Russia"]})).mark_rule(
        strokeDash=[2, 2], color="#555555").encode(x="lambda:Q")
    return _layer(description, guides, dots)


def comparison(points: pd.DataFrame) -> alt.Chart:
    """Every positional issue on one scale: the sides, the expert proposals and the benchmarks.

    points: issue, what (Russia/West/Expert/benchmark names), position, label (tooltip text).
    """
    issues = list(dict.fromkeys(points["issue"]))
    kinds = [k for k in [*SIDE_COLOURS, *OFFER_STYLE, *BENCHMARK_COLOURS] if k in set(points["what"])]
    colours = {**SIDE_COLOURS, **{k: v[0] for k, v in OFFER_STYLE.items()}, **BENCHMARK_COLOURS}
    shapes = {**SIDE_SHAPES, **{k: v[1] for k, v in OFFER_STYLE.items()}, **BENCHMARK_SHAPES}
    description = ("Official positions, expert proposals and bargaining benchmarks, issue by issue on the "
                   "0-100 scale: " + "; ".join(
                       f"{issue}: " + ", ".join(f"{row.what} {row.position:.0f}" for row in
                                               points[(points["issue"] == issue)
                                                      & (points["what"] != "Expert")].itertuples())
                       for issue in issues) + ".")
    return _base(points, description, 70 + 55 * max(1, len(issues))).mark_point(
        size=120, filled=True, opacity=0.9).encode(
        x=alt.X("position:Q", scale=SCALE, title=POSITION_TITLE),
        y=alt.Y("issue:N", sort=issues, title=None, axis=alt.Axis(labelLimit=ROW_LABEL_LIMIT)),
        yOffset=alt.YOffset("what:N", sort=kinds),
        color=alt.Color("what:N", scale=alt.Scale(domain=kinds, range=[colours[k] for k in kinds]),
                        legend=alt.Legend(title=None, orient="bottom", columns=2)),
        shape=alt.Shape("what:N", scale=alt.Scale(domain=kinds, range=[shapes[k] for k in kinds]),
                        legend=None),
        tooltip=[alt.Tooltip("issue:N"), alt.Tooltip("what:N"), alt.Tooltip("position:Q", format=".1f"),
                 alt.Tooltip("label:N", title="detail")],
    )


def timeline(counts: pd.DataFrame) -> alt.Chart:
    """Statements per day and round. counts: date, round, sequence, statements."""
    order = list(counts.sort_values("sequence")["round"].unique())
    description = ("Timeline of the record: number of dated statements per day, by round: "
                   + "; ".join(f"{row.date} {row.round} {row.statements}" for row in counts.itertuples()) + ".")
    return _base(counts, description, 60 + 32 * max(1, len(order))).mark_circle(opacity=0.8).encode(
        x=alt.X("date:T", title=None, axis=alt.Axis(format="%d %b", labelAngle=0)),
        y=alt.Y("round:N", sort=order, title=None),
        size=alt.Size("statements:Q", legend=alt.Legend(title="statements", orient="bottom")),
        color=alt.value("#0072B2"),
        tooltip=[alt.Tooltip("date:T", format="%d %b %Y"), alt.Tooltip("round:N"),
                 alt.Tooltip("statements:Q")],
    )

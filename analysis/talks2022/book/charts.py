"""The book's Altair charts. Each takes tidy frames (already aggregated: no chart ever inlines more than a
few hundred rows) and returns a chart whose `description` is its text alternative and whose usermeta
(render.META_KEY) holds the sentence that states what it shows, built from the data it draws, and the
statements and tables it is drawn from (render.figure uses them for the title and the source line).

Colours are the Okabe-Ito palette (safe for the common colour-vision deficiencies, and strong enough for a
projector), and every colour distinction is doubled by a shape or a dash so that nothing depends on colour
alone. Labels are wrapped onto several lines, never cut; identical positions are drawn once, sized by
their count and labelled with it; an opening conditional on reciprocity is drawn hollow.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable, Sequence

import altair as alt
import pandas as pd

from talks2022.book.render import META_KEY

# Okabe-Ito colours and a shape for each speaker group: one meaning each, everywhere in the book.
GROUPS = {  # speaker_group -> (label, colour, shape)
    "russia": ("Russia", "#D55E00", "square"),
    "united_states": ("United States", "#0072B2", "circle"),
    "nato_allies": ("NATO and allies", "#56B4E9", "diamond"),
    "ukraine": ("Ukraine", "#E69F00", "triangle-down"),
    "osce_chair": ("OSCE Chair", "#CC79A7", "cross"),
    "other_state": ("Other states", "#000000", "triangle-right"),
    "expert": ("Experts", "#009E73", "triangle-up"),
    "media": ("Media", "#666666", "triangle-left"),
}
# A speaker group the chart code does not know is drawn in one of these, and named by its own name.
FALLBACK_STYLES = [("#444444", "wedge"), ("#888888", "arrow"), ("#222222", "stroke")]
# The pooled bargaining sides of the derived tables (overall positions, gaps, lambda).
SIDES = {"russia": ("Russia", "#D55E00", "square"), "west": ("West (US with NATO and allies)", "#0072B2", "circle")}
# Kept for callers that map speaker groups to printable names.
SIDE_LABELS = {key: label for key, (label, _colour, _shape) in GROUPS.items()} | {"west": SIDES["west"][0]}

# Benchmarks on a position map: black and grey, told apart by dash and by a label on the line itself.
BENCHMARK_STYLES = {  # name -> (colour, dash)
    "reference point": ("#000000", [1, 0]),
    "compromise": ("#000000", [7, 3]),
    "Nash (issue)": ("#555555", [2, 2]),
    "Nash (package)": ("#555555", [9, 3, 2, 3]),
}
# A thin vertical bar (an SVG path on vega's unit square) marks a benchmark in the one-scale comparison.
REFERENCE_BAR = "M-0.15,-1H0.15V1H-0.15Z"
BENCHMARK_SHAPES = {"reference point": REFERENCE_BAR, "compromise": "diamond", "Nash (issue)": "cross",
                    "Nash (package)": "triangle-down"}
# The sides' latest positions after 13 January (views.LATEST_OFFER): the side's colour, a triangle for a shape.
OFFER_STYLE = {"West, after 13 Jan": ("#0072B2", "triangle-right"),
               "Russia, after 13 Jan": ("#D55E00", "triangle-left")}
BENCHMARK_COLOURS = {"reference point": "#000000", "compromise": "#000000", "Nash (issue)": "#555555",
                     "Nash (package)": "#555555"}
ISSUE_STYLES = [("#0072B2", [1, 0], "circle"), ("#D55E00", [7, 3], "square"), ("#009E73", [2, 2], "triangle-up"),
                ("#CC79A7", [9, 3, 2, 3], "diamond"), ("#E69F00", [4, 4], "triangle-down"),
                ("#000000", [1, 3], "cross"), ("#56B4E9", [12, 4], "triangle-right")]
CONDITIONAL_WORDS = {False: "stated outright", True: "conditional on reciprocity"}
SCALE = alt.Scale(domain=[0, 100], nice=False)
ANCHOR_TICKS = [0, 25, 50, 75, 100]
WIDTH = "container"
ROW_LABEL_CHARS = 18  # row labels wrap at about this many characters (keeps the plot wide on a phone)
TITLE_CHARS = 44
# Multi-line labels: the data holds lines joined by '\n'; vega draws one line each.
LINES = "split(datum.label, '\\n')"
BIG = 10000  # label limits: never cut a label (they are wrapped instead)


# --- helpers --------------------------------------------------------------------------------------------

def wrap(text: object, width: int = ROW_LABEL_CHARS) -> str:
    """Text broken into lines of about `width` characters, joined by '\\n' (no word is cut)."""
    lines = textwrap.wrap(str(text), width=width, break_long_words=False, break_on_hyphens=False)
    return "\n".join(lines) if lines else str(text)


def wrap_lines(text: object, width: int = TITLE_CHARS) -> list[str]:
    return textwrap.wrap(str(text), width=width, break_long_words=False, break_on_hyphens=False) or [str(text)]


def group_label(group: object) -> str:
    """The printable name of a speaker group: the book's own, else the group's id in words."""
    if group in GROUPS:
        return GROUPS[group][0]
    return str(group).replace("_", " ").strip().capitalize() or "Unknown"


def _group_scales(labels: Iterable[str]) -> tuple[alt.Scale, alt.Scale, list[str]]:
    """Colour and shape scales for the group labels present, known groups first in the book's order."""
    present = list(dict.fromkeys(labels))
    known = {label: (colour, shape) for label, colour, shape in GROUPS.values()}
    known |= {label: (colour, shape) for label, colour, shape in SIDES.values()}
    order = [label for label in known if label in present] + sorted(set(present) - set(known))
    styles = []
    unknown = 0
    for label in order:
        if label in known:
            styles.append(known[label])
        else:
            styles.append(FALLBACK_STYLES[unknown % len(FALLBACK_STYLES)])
            unknown += 1
    return (alt.Scale(domain=order, range=[colour for colour, _ in styles]),
            alt.Scale(domain=order, range=[shape for _, shape in styles]), order)


def _legend(title: str | None, columns: int = 2, **extra) -> alt.Legend:
    return alt.Legend(title=title, orient="bottom", columns=columns, labelLimit=BIG, labelExpr=LINES,
                      symbolStrokeWidth=2, **extra)


def _row_axis(**extra) -> alt.Axis:
    return alt.Axis(labelLimit=BIG, labelExpr=LINES, labelPadding=6, **extra)


def _round_axis(rounds: pd.DataFrame) -> tuple[list[str], alt.Axis]:
    """Rounds and stages top to bottom in their order (labels wrapped), stages between rounds in italics."""
    rounds = rounds.sort_values("sequence")
    order = [wrap(label, 22) for label in rounds["round"]]
    kinds = rounds["stage_type"] if "stage_type" in rounds else pd.Series("round", index=rounds.index)
    stages = [wrap(label, 22) for label, kind in zip(rounds["round"], kinds, strict=True) if kind != "round"]
    style = alt.ExprRef(expr=f"indexof({json.dumps(stages)}, datum.value) >= 0 ? 'italic' : 'normal'")
    return order, _row_axis(labelFontStyle=style, grid=True, gridColor="#eeeeee")


def pole_title(pole_0: object, pole_100: object) -> list[str]:
    """Axis title lines naming the ends of an issue's scale in its own words."""
    if not isinstance(pole_0, str) or not isinstance(pole_100, str) or not pole_0 or not pole_100:
        return ["position on the issue's scale (0 to 100)"]
    return [*wrap_lines(f"0 = {pole_0}"), *wrap_lines(f"100 = {pole_100}")]


HOW_TO_READ = ("A number beside a mark counts the statements at that position. Tap or hover a mark for who said it; "
               "click it to open the statements.")
HOLLOW = " A hollow mark is an opening conditional on reciprocity."


def _meta(chart, title: str, statements: Iterable[str] = (), tables: Sequence[str] = (), note: str = ""):
    ids: list[str] = []
    for value in statements:
        ids += [part for part in str(value).split(";") if part]
    return chart.properties(usermeta={META_KEY: {"title": title, "statements": list(dict.fromkeys(ids)),
                                                 "tables": list(tables), "note": note}})


def _layer(description: str, *charts: alt.Chart) -> alt.LayerChart:
    """Layered charts carry their text alternative at the top level, where the renderer reads it."""
    return alt.layer(*charts).properties(description=description, width=WIDTH)


def _base(data: pd.DataFrame, description: str, height: int) -> alt.Chart:
    return alt.Chart(data).properties(width=WIDTH, height=height, description=description)


def _names(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _fmt(value: float) -> str:
    return f"{value:.0f}"


def stack(points: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """One row per distinct `keys` (marks that would sit on top of each other): the count, every statement id
    (';'-joined), the first row's text as an example, and a link to the statements on the explorer page."""
    if points.empty:
        return points.assign(n=pd.Series(dtype=int), statement_ids=pd.Series(dtype=str))
    weights = points["statements"] if "statements" in points else pd.Series(1, index=points.index)
    frame = points.assign(_w=weights)
    rows = []
    for _key, group in frame.groupby(keys, sort=True, dropna=False):
        first = group.iloc[0].to_dict()
        ids = list(group["statement_id"])
        first["n"] = int(group["_w"].sum())
        first["statement_ids"] = ";".join(ids)
        if "href" in group and len(ids) > 1:
            first["href"] = str(first["href"]).split("#")[0] + "?ids=" + ",".join(ids)
        if "actor" in group and len(ids) > 1:
            actors = list(dict.fromkeys(group["actor"]))
            first["actor"] = ", ".join(actors[:4]) + (f" and {len(actors) - 4} more" if len(actors) > 4 else "")
        rows.append(first)
    return pd.DataFrame(rows).drop(columns="_w").reset_index(drop=True)


def _size(counts: pd.Series) -> alt.Scale:
    top = max(2, int(counts.max())) if len(counts) else 2
    return alt.Scale(domain=[1, top], range=[90, 420], zero=False)


def _filled_and_hollow(base: alt.Chart, encoding: dict) -> list[alt.Chart]:
    """Marks filled in their group's colour, and hollow (outline only) for openings conditional on
    reciprocity; the legend comes from the filled layer, so its symbols look like the marks."""
    hollow = {key: value for key, value in encoding.items()}
    for channel in ("color", "shape"):
        if channel in hollow:
            hollow[channel] = hollow[channel].copy()
            hollow[channel].legend = None
    return [base.transform_filter("!datum.conditional").mark_point(filled=True, opacity=0.95).encode(**encoding),
            base.transform_filter("datum.conditional").mark_point(filled=False, strokeWidth=2.5, opacity=1)
            .encode(**hollow)]


# --- charts ---------------------------------------------------------------------------------------------

def position_map(points: pd.DataFrame, benchmarks: pd.DataFrame, issue_label: str, pole_0: object = None,
                 pole_100: object = None) -> alt.LayerChart:
    """Every official position and expert proposal on one issue's 0-100 scale, in rows by speaker group, with
    the reference point and the bargaining benchmarks as labelled lines.

    points: statement_id, actor, group (a printable speaker group), kind, position, conditional, date, round,
    summary, key_phrase, source, href. benchmarks: name, value.
    """
    points = points.assign(conditional=points.get("conditional", False)).copy()
    points["conditional"] = points["conditional"].astype(bool)
    stacked = stack(points, ["group", "position", "conditional"])
    if not stacked.empty:
        stacked["_group"] = stacked["group"].map(wrap)
        stacked["opening"] = stacked["conditional"].map(CONDITIONAL_WORDS)
    colour, shape, order = _group_scales(stacked["group"] if not stacked.empty else [])
    rows = [wrap(label) for label in order]
    wrapped_colour = alt.Scale(domain=rows, range=colour.range)
    wrapped_shape = alt.Scale(domain=rows, range=shape.range)
    ranges = []
    for label in order:
        own = points[points["group"] == label]["position"]
        ranges.append(f"{label} at {_fmt(own.min())}" if own.min() == own.max()
                      else f"{label} from {_fmt(own.min())} to {_fmt(own.max())}")
    title = (f"{issue_label}: " + "; ".join(ranges) + "." if ranges
             else f"{issue_label}: no coded position yet.")
    present = benchmarks.dropna(subset=["value"])
    description = (f"Position map for {issue_label}: {len(points)} coded positions on the issue's 0-100 scale "
                   f"(0 = {pole_0}, 100 = {pole_100}), in rows by speaker group: " + "; ".join(ranges) + ". "
                   + "; ".join(f"{name} at {value:.0f}" for name, value in
                               zip(present["name"], present["value"], strict=True)) + ".")
    height = 50 + 56 * max(1, len(rows))
    x = alt.X("position:Q", scale=SCALE, title=pole_title(pole_0, pole_100),
              axis=alt.Axis(values=ANCHOR_TICKS, titleLimit=BIG))
    base = _base(stacked, description, height)
    y = alt.Y("_group:N", sort=rows, title=None, axis=_row_axis(), scale=alt.Scale(domain=rows))
    # The rows name the groups: no legend for them (the benchmark key below the chart has the width).
    legend_colour = alt.Color("_group:N", scale=wrapped_colour, legend=None)
    dots = _filled_and_hollow(base, dict(
        x=x, y=y, yOffset=alt.YOffset("opening:N", scale=alt.Scale(domain=list(CONDITIONAL_WORDS.values()),
                                                                    paddingOuter=0.6)),
        color=legend_colour,
        shape=alt.Shape("_group:N", scale=wrapped_shape, legend=None),
        size=alt.Size("n:Q", scale=_size(stacked["n"] if not stacked.empty else pd.Series(dtype=int)),
                      legend=None),
        href="href:N",
        tooltip=[alt.Tooltip("group:N", title="who"), alt.Tooltip("actor:N"), alt.Tooltip("n:Q", title="statements"),
                 alt.Tooltip("position:Q", format=".0f"), alt.Tooltip("opening:N"),
                 alt.Tooltip("round:N"), alt.Tooltip("date:N"), alt.Tooltip("summary:N", title="e.g."),
                 alt.Tooltip("key_phrase:N", title="key phrase"), alt.Tooltip("source:N"),
                 alt.Tooltip("statement_ids:N", title="statements (click to open)")],
    ))
    counts = base.transform_filter("datum.n > 1").mark_text(dx=13, align="left", fontSize=11,
                                                             fontWeight="bold").encode(
        x=x, y=y, yOffset=alt.YOffset("opening:N", scale=alt.Scale(domain=list(CONDITIONAL_WORDS.values()),
                                                                    paddingOuter=0.6)),
        text=alt.Text("n:Q", format="d"))
    marks = [*dots, counts]
    if not present.empty:
        labels = []
        for name, value in zip(present["name"], present["value"], strict=True):
            same = [other for other, v in zip(present["name"], present["value"], strict=True)
                    if other != name and abs(v - value) < 0.05 and list(present["name"]).index(other) <
                    list(present["name"]).index(name)]
            labels.append(f"{name}: {value:.0f}" + (f" (on the {same[0]} line)" if same else ""))
        bench = present.assign(label=labels)
        names = list(bench["label"])
        styles = [BENCHMARK_STYLES[name] for name in bench["name"]]
        dash = alt.StrokeDash("label:N", scale=alt.Scale(domain=names, range=[style[1] for style in styles]),
                              legend=alt.Legend(title="benchmark", orient="bottom", columns=1, symbolType="stroke",
                                                symbolStrokeWidth=2, symbolSize=500, labelLimit=BIG))
        rules = alt.Chart(bench).mark_rule(strokeWidth=2).encode(
            x=alt.X("value:Q", scale=SCALE), strokeDash=dash,
            color=alt.Color("label:N", scale=alt.Scale(domain=names, range=[style[0] for style in styles]),
                            legend=None),
            tooltip=[alt.Tooltip("name:N", title="benchmark"), alt.Tooltip("value:Q", format=".1f")])
        marks.insert(0, rules)
    return _meta(_layer(description, *marks).resolve_scale(color="independent", shape="independent"),
                 title, points["statement_id"], ["benchmarks"],
                 HOW_TO_READ + (HOLLOW if points["conditional"].any() else "")
                 + " Lines: the reference point and the bargaining benchmarks.")


def movement(by_round: pd.DataFrame, issue_label: str, rounds: pd.DataFrame | None = None, pole_0: object = None,
             pole_100: object = None) -> alt.LayerChart:
    """Each speaker group's official positions round by round on one issue, rounds and stages top to bottom
    in their order (every one shown, with or without a position), the group's median per round joined by a
    line.

    by_round: statement_id, group, round, sequence, position, conditional, actor, summary, href (one row per
    statement). rounds: round, sequence, stage_type (every round and stage, in order).
    """
    points = by_round.assign(conditional=by_round.get("conditional", False)).copy()
    points["conditional"] = points["conditional"].astype(bool)
    if rounds is None:
        rounds = points[["round", "sequence"]].drop_duplicates().assign(stage_type="round")
    order, round_axis = _round_axis(rounds)
    stacked = stack(points, ["group", "sequence", "position", "conditional"])
    medians = (points.groupby(["group", "round", "sequence"], as_index=False)["position"].median()
               .sort_values("sequence"))
    for frame in (stacked, medians):
        if not frame.empty:
            frame["_round"] = frame["round"].map(lambda label: wrap(label, 22))
            frame["_group"] = frame["group"].map(wrap)
    if not stacked.empty:
        stacked["opening"] = stacked["conditional"].map(CONDITIONAL_WORDS)
    colour, shape, groups = _group_scales(points["group"])
    wrapped = [wrap(label) for label in groups]
    colour = alt.Scale(domain=wrapped, range=colour.range)
    shape = alt.Scale(domain=wrapped, range=shape.range)
    dashes = alt.Scale(domain=wrapped, range=[ISSUE_STYLES[i % len(ISSUE_STYLES)][1] for i in range(len(wrapped))])

    sentences = []
    for group in groups:
        own = medians[medians["group"] == group]
        if own.empty:
            continue
        first, last = own.iloc[0], own.iloc[-1]
        if len(own) == 1:
            sentences.append(f"{group} stated a position in one round only ({_fmt(first.position)}, {first['round']})")
        elif own["position"].min() == own["position"].max():
            sentences.append(f"{group} held at {_fmt(first.position)} in all {len(own)} rounds in which it spoke")
        elif first.position == last.position:
            sentences.append(f"{group} varied between {_fmt(own['position'].min())} and "
                             f"{_fmt(own['position'].max())} and ended where it began, at {_fmt(last.position)}")
        else:
            sentences.append(f"{group} moved from {_fmt(first.position)} ({first['round']}) to "
                             f"{_fmt(last.position)} ({last['round']})")
    title = f"{issue_label}: " + ("; ".join(sentences) if sentences else "no official position in any round") + "."
    description = (f"Movement on {issue_label}: official positions by speaker group in each of {len(order)} rounds "
                   "and stages, top to bottom in order (stages between rounds in italics); "
                   + "; ".join(f"{row.group} {row.position:.0f} in {row.round}" for row in medians.itertuples())
                   + ". " + title)
    height = 30 + 44 * max(1, len(order))
    x = alt.X("position:Q", scale=SCALE, title=pole_title(pole_0, pole_100),
              axis=alt.Axis(values=ANCHOR_TICKS, titleLimit=BIG, orient="top"))
    y = alt.Y("_round:N", sort=order, scale=alt.Scale(domain=order), title=None, axis=round_axis)
    y_offset = alt.YOffset("_group:N", scale=alt.Scale(domain=wrapped, paddingOuter=0.5))
    line = alt.Chart(medians).mark_line(strokeWidth=2, opacity=0.8).encode(
        x=x, y=y, yOffset=y_offset, order="sequence:Q",
        color=alt.Color("_group:N", scale=colour, legend=_legend("who")),
        strokeDash=alt.StrokeDash("_group:N", scale=dashes, legend=None),
        detail="_group:N")
    dots = _filled_and_hollow(alt.Chart(stacked), dict(
        x=x, y=y, yOffset=y_offset,
        color=alt.Color("_group:N", scale=colour, legend=_legend("who")),
        shape=alt.Shape("_group:N", scale=shape, legend=_legend("who")),
        size=alt.Size("n:Q", scale=_size(stacked["n"] if not stacked.empty else pd.Series(dtype=int)), legend=None),
        href="href:N",
        tooltip=[alt.Tooltip("group:N", title="who"), alt.Tooltip("round:N"), alt.Tooltip("n:Q", title="statements"),
                 alt.Tooltip("position:Q", format=".0f"), alt.Tooltip("opening:N"), alt.Tooltip("actor:N"),
                 alt.Tooltip("summary:N", title="e.g."), alt.Tooltip("statement_ids:N", title="statements")]))
    counts = alt.Chart(stacked).transform_filter("datum.n > 1").mark_text(
        dx=12, align="left", fontSize=11, fontWeight="bold").encode(x=x, y=y, yOffset=y_offset, text="n:Q")
    chart = alt.layer(line, *dots, counts).properties(description=description, width=WIDTH, height=height)
    return _meta(chart.resolve_scale(color="shared"), title, points["statement_id"], (),
                 HOW_TO_READ + (HOLLOW if points["conditional"].any() else "")
                 + " The line joins a group's median position from round to round; stages between "
                 "rounds are in italics.")


def gaps_overview(gaps: pd.DataFrame, rounds: pd.DataFrame | None = None) -> alt.LayerChart:
    """The Russia-West gap per round, one line per issue, rounds and stages top to bottom.

    gaps: issue, round, sequence, gap, russia, west. rounds: round, sequence, stage_type (all, in order).
    """
    issues = list(dict.fromkeys(gaps["issue"]))
    if rounds is None:
        rounds = gaps[["round", "sequence"]].drop_duplicates()
    order, round_axis = _round_axis(rounds)
    data = gaps.assign(_round=gaps["round"].map(lambda label: wrap(label, 22)), _issue=gaps["issue"].map(wrap))
    wrapped = [wrap(issue) for issue in issues]
    styles = [ISSUE_STYLES[i % len(ISSUE_STYLES)] for i in range(len(issues))]
    summary = "; ".join(f"{issue}: " + ", ".join(f"{row.gap:.0f} ({row.round})" for row in
                                                gaps[gaps["issue"] == issue].itertuples())
                        for issue in issues)
    last = gaps.sort_values("sequence").groupby("issue").tail(1)
    if last.empty:
        title = "No round has coded positions of both sides on the same issue."
    else:
        widest = last.loc[last["gap"].abs().idxmax()]
        narrowest = last.loc[last["gap"].abs().idxmin()]
        title = (f"In the last round in which both sides spoke, the gap was widest on {widest.issue} "
                 f"({widest.gap:.0f} points) and narrowest on {narrowest.issue} ({narrowest.gap:.0f}).")
    description = f"Russia-West gap per round and issue (0 = agreement, 100 = opposite ends): {summary}."
    low = min(0.0, float(gaps["gap"].min())) if not gaps.empty else 0.0
    high = max(0.0, float(gaps["gap"].max())) if not gaps.empty else 100.0
    x = alt.X("gap:Q", scale=alt.Scale(domain=[low, high], nice=True, zero=True),
              title=["gap: Russia's position minus the West's", "(0 = the same position)"],
              axis=alt.Axis(orient="top", titleLimit=BIG))
    y = alt.Y("_round:N", sort=order, scale=alt.Scale(domain=order), title=None, axis=round_axis)
    colour = alt.Color("_issue:N", scale=alt.Scale(domain=wrapped, range=[s[0] for s in styles]),
                       legend=_legend("issue"))
    base = alt.Chart(data)
    line = base.mark_line(strokeWidth=2).encode(
        x=x, y=y, order="sequence:Q", color=colour,
        strokeDash=alt.StrokeDash("_issue:N", scale=alt.Scale(domain=wrapped, range=[s[1] for s in styles]),
                                  legend=_legend("issue")))
    dots = base.mark_point(size=80, filled=True).encode(
        x=x, y=y, color=colour,
        shape=alt.Shape("_issue:N", scale=alt.Scale(domain=wrapped, range=[s[2] for s in styles]),
                        legend=_legend("issue")),
        tooltip=[alt.Tooltip("issue:N"), alt.Tooltip("round:N"), alt.Tooltip("russia:Q", format=".1f"),
                 alt.Tooltip("west:Q", format=".1f"), alt.Tooltip("gap:Q", format=".1f")])
    chart = alt.layer(line, dots).properties(description=description, width=WIDTH, height=30 + 40 * max(1, len(order)))
    return _meta(chart, title, (), ["gaps"])


def lambda_chart(placement: pd.DataFrame) -> alt.LayerChart:
    """Where each expert proposal sits between the sides: lambda 0 = the West, 1 = Russia.

    placement: statement_id, issue, actor, lambda, sits (where it sits against the sides, in words), position,
    summary, key_phrase, source, href.
    """
    shown = placement.dropna(subset=["lambda"]).copy()
    issues = list(dict.fromkeys(shown["issue"]))
    stacked = stack(shown, ["issue", "lambda", "sits"])
    if not stacked.empty:
        stacked["_issue"] = stacked["issue"].map(wrap)
    wrapped = [wrap(issue) for issue in issues]
    sits_styles = {"at the West's position": ("#0072B2", "circle"),
                   "nearer the West's position": ("#56B4E9", "circle"), "at the midpoint": ("#000000", "diamond"),
                   "nearer Russia's position": ("#E69F00", "square"),
                   "at Russia's position": ("#D55E00", "square"),
                   "beyond the West's position": ("#009E73", "triangle-left"),
                   "beyond Russia's position": ("#CC79A7", "triangle-right"),
                   "where the sides coincide": ("#666666", "cross")}
    sits = [s for s in dict.fromkeys(shown["sits"])]
    sits = [s for s in sits_styles if s in sits] + sorted(set(sits) - set(sits_styles))
    colours = [sits_styles.get(s, ("#444444", "wedge"))[0] for s in sits]
    shapes = [sits_styles.get(s, ("#444444", "wedge"))[1] for s in sits]
    nearer_west = int(shown["lambda"].lt(0.5).sum())
    nearer_russia = int(shown["lambda"].gt(0.5).sum())
    title = (f"Of {len(shown)} expert proposals, {nearer_west} lie on the West's side of the midpoint and "
             f"{nearer_russia} on Russia's." if len(shown) else "No expert proposal can be placed.")
    description = ("Expert proposals against the sides' overall positions, by issue (lambda 0 = the West's position, "
                   "1 = Russia's): " + "; ".join(
                       f"{issue}: " + ", ".join(f"{row.actor} {row.lambda_:.2f}" for row in
                                               shown[shown["issue"] == issue].rename(
                                                   columns={"lambda": "lambda_"}).itertuples())
                       for issue in issues) + ". " + title)
    low = min(0.0, float(shown["lambda"].min())) if not shown.empty else 0.0
    high = max(1.0, float(shown["lambda"].max())) if not shown.empty else 1.0
    pad = 0.05 * (high - low)
    scale = alt.Scale(domain=[low - pad, high + pad], nice=False)
    x = alt.X("lambda:Q", scale=scale, title=["λ (lambda): 0 = the West's overall position,", "1 = Russia's"],
              axis=alt.Axis(titleLimit=BIG, values=[v / 4 for v in range(int(low * 4) - 1, int(high * 4) + 2)
                                                     if low - pad <= v / 4 <= high + pad], format=".2~f"))
    y = alt.Y("_issue:N", sort=wrapped, title=None, axis=_row_axis(), scale=alt.Scale(domain=wrapped))
    base = _base(stacked, description, 50 + 56 * max(1, len(issues)))
    colour = alt.Color("sits:N", scale=alt.Scale(domain=sits, range=colours), legend=_legend("where it sits"))
    dots = base.mark_point(filled=True, opacity=0.9, strokeWidth=2).encode(
        x=x, y=y, color=colour,
        shape=alt.Shape("sits:N", scale=alt.Scale(domain=sits, range=shapes), legend=_legend("where it sits")),
        size=alt.Size("n:Q", scale=_size(stacked["n"] if not stacked.empty else pd.Series(dtype=int)), legend=None),
        href="href:N",
        tooltip=[alt.Tooltip("actor:N"), alt.Tooltip("issue:N"), alt.Tooltip("n:Q", title="proposals"),
                 alt.Tooltip("lambda:Q", format=".2f"), alt.Tooltip("position:Q", format=".0f"),
                 alt.Tooltip("summary:N", title="e.g."), alt.Tooltip("key_phrase:N", title="key phrase"),
                 alt.Tooltip("source:N"), alt.Tooltip("statement_ids:N", title="statements")])
    counts = base.transform_filter("datum.n > 1").mark_text(dx=13, align="left", fontSize=11,
                                                             fontWeight="bold").encode(x=x, y=y, text="n:Q")
    guides = pd.DataFrame({"lambda": [0.0, 0.5, 1.0], "label": ["West", "midpoint", "Russia"]})
    rules = alt.Chart(guides).mark_rule(strokeDash=[3, 3], color="#555555").encode(x=alt.X("lambda:Q", scale=scale))
    labels = alt.Chart(guides).mark_text(baseline="bottom", dy=-4, fontSize=11, color="#333333").encode(
        x=alt.X("lambda:Q", scale=scale), y=alt.value(0), text="label:N")
    return _meta(_layer(description, dots, rules, labels, counts).properties(height=50 + 56 * max(1, len(issues))),
                 title, shown["statement_id"], ["proposal_placement"],
                 "A number beside a mark counts the proposals at that place. Click a mark to open the proposals.")


def comparison(points: pd.DataFrame, poles: pd.DataFrame | None = None) -> alt.LayerChart:
    """Every positional issue on its own 0-100 scale: the sides, the expert proposals and the benchmarks.

    points: issue, what (Russia/West/Experts/benchmark names), position, label (tooltip text), statement_id,
    href. poles: issue, pole_0, pole_100 (each scale's ends in words, drawn at the ends of its row).
    """
    issues = list(dict.fromkeys(points["issue"]))
    wrapped = [wrap(issue) for issue in issues]
    sides = {"Russia": SIDES["russia"], "West": SIDES["west"], "Experts": GROUPS["expert"]}
    styles = {"Russia": (sides["Russia"][1], sides["Russia"][2]), "West": (sides["West"][1], sides["West"][2]),
              "Experts": (GROUPS["expert"][1], GROUPS["expert"][2])}
    styles |= OFFER_STYLE
    styles |= {name: (BENCHMARK_COLOURS[name], BENCHMARK_SHAPES[name]) for name in BENCHMARK_COLOURS}
    kinds = [k for k in styles if k in set(points["what"])]
    data = points.assign(statement_id=points.get("statement_id", ""), href=points.get("href", None))
    stacked = stack(data.fillna({"statement_id": ""}), ["issue", "what", "position"])
    stacked["statement_ids"] = stacked["statement_ids"].str.strip(";")
    stacked["_issue"] = stacked["issue"].map(wrap)
    offsets = [*kinds, "scale end 0", "scale end 100"]
    lines = []
    for issue in issues:
        own = points[(points["issue"] == issue) & points["what"].isin(["Russia", "West"])].set_index("what")
        if {"Russia", "West"} <= set(own.index):
            lines.append((issue, float(own.loc["Russia", "position"]) - float(own.loc["West", "position"])))
    if lines:
        widest = max(lines, key=lambda item: abs(item[1]))
        above = sum(1 for _issue, gap in lines if gap > 0)
        title = (f"Russia's overall position lies above the West's on {above} of {len(lines)} issues; they are "
                 f"furthest apart on {widest[0]} ({abs(widest[1]):.0f} points).")
    else:
        title = "No issue has overall positions of both sides."
    description = ("Official positions, expert proposals and bargaining benchmarks, issue by issue on each issue's "
                   "0-100 scale: " + "; ".join(
                       f"{issue}: " + ", ".join(f"{row.what} {row.position:.0f}" for row in
                                               points[(points["issue"] == issue)
                                                      & (points["what"] != "Experts")].itertuples())
                       for issue in issues) + ". " + title)
    height = 40 + 18 * len(offsets) * max(1, len(issues))
    x = alt.X("position:Q", scale=SCALE, title="position on each issue's own scale (0 to 100)",
              axis=alt.Axis(values=ANCHOR_TICKS, titleLimit=BIG))
    y = alt.Y("_issue:N", sort=wrapped, title=None, axis=_row_axis(grid=False), scale=alt.Scale(domain=wrapped))
    y_offset = alt.YOffset("what:N", sort=offsets, scale=alt.Scale(domain=offsets))
    dots = alt.Chart(stacked).mark_point(filled=True, opacity=0.9).encode(
        x=x, y=y, yOffset=y_offset,
        color=alt.Color("what:N", scale=alt.Scale(domain=kinds, range=[styles[k][0] for k in kinds]),
                        legend=_legend(None)),
        shape=alt.Shape("what:N", scale=alt.Scale(domain=kinds, range=[styles[k][1] for k in kinds]),
                        legend=_legend(None)),
        size=alt.Size("n:Q", scale=_size(stacked["n"]), legend=None),
        href="href:N",
        tooltip=[alt.Tooltip("issue:N"), alt.Tooltip("what:N"), alt.Tooltip("n:Q", title="count"),
                 alt.Tooltip("position:Q", format=".1f"), alt.Tooltip("label:N", title="detail")])
    counts = alt.Chart(stacked).transform_filter("datum.n > 1").mark_text(
        dx=12, align="left", fontSize=11, fontWeight="bold").encode(x=x, y=y, yOffset=y_offset, text="n:Q")
    layers = [dots, counts]
    if poles is not None and not poles.empty:
        ends = []
        for row in poles.itertuples():
            if row.issue in issues:
                for value, text, align in ((0, row.pole_0, "left"), (100, row.pole_100, "right")):
                    if isinstance(text, str) and text:
                        # Each end on a line of its own (they never overlap), wrapped to fit a phone.
                        words = ("← " if value == 0 else "") + text + (" →" if value == 100 else "")
                        ends.append({"_issue": wrap(row.issue), "what": f"scale end {value}", "position": value,
                                     "text": wrap(words, 30), "align": align})
        if ends:
            end_frame = pd.DataFrame(ends)
            for align in ("left", "right"):
                layers.append(alt.Chart(end_frame[end_frame["align"] == align]).mark_text(
                    align=align, baseline="middle", fontSize=10, fontStyle="italic", color="#333333",
                    lineBreak="\n").encode(
                    x=x, y=y, yOffset=y_offset, text="text:N"))
    chart = alt.layer(*layers).properties(description=description, width=WIDTH, height=height)
    ids = [sid for sid in stacked["statement_ids"] if sid]
    return _meta(chart, title, ids, ["benchmarks", "proposal_placement"],
                 "Each row is one issue on its own scale, whose ends are named in italics. A number beside a mark "
                 "counts the proposals at that position.")


def timeline(counts: pd.DataFrame, outside: pd.DataFrame | None = None) -> alt.Chart:
    """Statements per day and round. counts: date, round, sequence, statements. outside: date, label — events
    outside the coded record, drawn as dashed lines and named as such, so the time axis runs to them."""
    order_frame = counts.sort_values("sequence")
    order = [wrap(label, 22) for label in order_frame["round"].unique()]
    data = counts.assign(_round=counts["round"].map(lambda label: wrap(label, 22)))
    if counts.empty:
        title = "The record holds no dated statement."
    else:
        busiest = counts.sort_values(["statements", "date"], ascending=[False, True]).iloc[0]
        day = pd.Timestamp(busiest.date).strftime("%d %B %Y").lstrip("0")
        title = (f"The record runs from {pd.Timestamp(counts['date'].min()).strftime('%d %b %Y').lstrip('0')} to "
                 f"{pd.Timestamp(counts['date'].max()).strftime('%d %b %Y').lstrip('0')}; its busiest day is "
                 f"{day} ({busiest['round']}), with {int(busiest.statements)} statements.")
    description = ("Timeline of the record: number of dated statements per day, by round: "
                   + "; ".join(f"{row.date} {row.round} {row.statements}" for row in counts.itertuples()) + ".")
    x = alt.X("date:T", title=None, axis=alt.Axis(format="%d %b", labelAngle=0, labelOverlap=True))
    height = 30 + 40 * max(1, len(order))
    chart = _base(data, description, height).mark_circle(opacity=0.8).encode(
        x=x,
        y=alt.Y("_round:N", sort=order, title=None, axis=_row_axis(grid=True, gridColor="#eeeeee")),
        size=alt.Size("statements:Q", legend=alt.Legend(title="statements that day", orient="bottom")),
        color=alt.value("#0072B2"),
        tooltip=[alt.Tooltip("date:T", format="%d %b %Y"), alt.Tooltip("round:N"),
                 alt.Tooltip("statements:Q")],
    )
    if outside is not None and not outside.empty:
        events = outside.assign(text=outside["label"].map(lambda label: wrap(f"{label} (outside the record)", 16)),
                                # One label under the other, so that events a week apart never overlap.
                                offset=[6 + 64 * index for index in range(len(outside))])
        rules = alt.Chart(events).mark_rule(strokeDash=[4, 3], color="#555555").encode(
            x=x, tooltip=[alt.Tooltip("date:T", format="%d %b %Y"), alt.Tooltip("label:N", title="outside the record")])
        labels = alt.Chart(events).mark_text(align="right", baseline="top", dx=-3, dy=2, fontSize=10,
                                             fontStyle="italic", color="#333333", lineBreak="\n").encode(
            x=x, y=alt.Y("offset:Q", scale=None), text="text:N")
        description += " Outside the record: " + "; ".join(
            f"{row.date} {row.label}" for row in outside.itertuples()) + "."
        chart = alt.layer(chart, rules, labels).properties(description=description, width=WIDTH, height=height)
    return _meta(chart, title)

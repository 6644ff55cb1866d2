"""Chart frames stay small: above the cap, marks are counted per group, and no statement is lost."""

from __future__ import annotations

from talks2022.book import pages, views
from tests.pipeline_project import REPO


def _page() -> pages.Page:
    return pages.open_page(str(REPO.data_dir), str(REPO.tables_dir))


def test_scored_points_are_counted_per_side_and_position_above_the_cap() -> None:
    page = _page()
    every = views.scored_statements(page)
    capped = views.limit_points(every.assign(statements=1), max_points=10)
    assert len(capped) < len(every) and capped["statements"].sum() == len(every)
    assert capped["summary"].str.contains(" statements, e.g.: ").all()
    assert list(capped["order"]) == list(range(len(capped)))
    assert views.limit_points(every, max_points=len(every)).equals(every)  # at or below the cap: unchanged


def test_placement_for_chart_counts_proposals_above_the_cap() -> None:
    page = _page()
    placed = views.placement(page)
    capped = views.placement_for_chart(page, max_points=3)
    assert len(capped) < len(placed)
    counts = capped["actor"].str.extract(r"^(\d+) proposals, e\.g\. ")[0].astype(int)
    assert counts.sum() == len(placed)
    assert views.placement_for_chart(page).equals(placed)  # the shipped data is below the cap


# --- the reader's figures ---------------------------------------------------------------------------------------

import pandas as pd  # noqa: E402

from talks2022.book import charts, render  # noqa: E402


def test_an_unknown_speaker_group_is_shown_by_its_own_name() -> None:
    assert charts.group_label("nato_allies") == "NATO and allies"
    assert charts.group_label("european_union") == "European union"
    colour, shape, order = charts._group_scales(["Russia", "European union"])
    assert order == ["Russia", "European union"] and len(set(colour.range)) == 2


def test_long_labels_are_wrapped_never_cut() -> None:
    label = "A label of eighty characters that the schema allows for an issue, all of it shown"
    wrapped = charts.wrap(label)
    assert wrapped.replace("\n", " ") == label and max(len(line) for line in wrapped.split("\n")) <= 30


def test_identical_positions_are_drawn_once_with_their_count() -> None:
    points = pd.DataFrame({"statement_id": ["S1-1", "S1-2", "S2-1"], "group": ["Russia"] * 3,
                           "position": [100.0, 100.0, 75.0], "conditional": [False] * 3,
                           "href": ["explorer.html#S1-1", "explorer.html#S1-2", "explorer.html#S2-1"],
                           "actor": ["a", "b", "a"]})
    stacked = charts.stack(points, ["group", "position", "conditional"])
    top = stacked[stacked["position"] == 100.0].iloc[0]
    assert top["n"] == 2 and top["statement_ids"] == "S1-1;S1-2" and top["href"] == "explorer.html?ids=S1-1,S1-2"


def test_the_movement_chart_shows_every_round_in_order_and_a_title_from_the_data() -> None:
    page = _page()
    issue_id = views.positional_issues(page)["issue_id"].iloc[0]
    rounds = views.rounds_in_order(page)
    chart = charts.movement(views.movement(page, issue_id), "an issue", rounds, "left end", "right end")
    spec = chart.to_dict()
    domains = [layer["encoding"]["y"]["scale"]["domain"] for layer in spec["layer"]]
    assert all(domain == [charts.wrap(label, 22) for label in rounds["round"]] for domain in domains)
    meta = spec["usermeta"][render.META_KEY]
    assert meta["title"].startswith("an issue: ") and meta["statements"]


def test_the_lambda_axis_fits_the_data() -> None:
    placement = pd.DataFrame({"statement_id": ["S1-1", "S2-1"], "issue": ["x", "x"], "actor": ["a", "b"],
                              "lambda": [0.0, 0.8], "sits": ["at the West's position", "nearer Russia's position"],
                              "position": [25.0, 70.0],
                              "summary": ["s", "t"], "key_phrase": ["", ""], "source": ["", ""],
                              "href": ["", ""]})
    spec = charts.lambda_chart(placement).to_dict()
    low, high = spec["layer"][0]["encoding"]["x"]["scale"]["domain"]
    assert -0.1 <= low <= 0 and 1 <= high <= 1.1


def test_figures_are_numbered_within_the_page_and_link_their_files() -> None:
    page = _page()
    first = render.figure(page, charts.timeline(views.timeline_counts(page)), "timeline", chapter="Intro")
    second = render.figure(page, charts.gaps_overview(views.gaps(page)), "gaps")
    assert ">Figure 1.</a>" in first.html and ">Figure 2.</a>" in second.html
    assert 'id="fig-timeline"' in first.html and "tables/figures/fig-timeline.csv" in first.html
    assert "The record runs from" in first.title  # built from the data when the chapter gives none
    titled = render.figure(page, charts.gaps_overview(views.gaps(page)), "gaps-again", title="Given sentence.")
    assert titled.title == "Given sentence." and "Cite this figure:" in titled.html

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

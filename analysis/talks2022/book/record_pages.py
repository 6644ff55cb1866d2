"""Generated parts of the pages about the record itself: reliability by stratum, the expert sample, the
revision log, and the sources with their outlet flags and closer texts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from talks2022.book.pages import Page, esc, link, number, paragraph, table

FLAG_WORDS = {"aggregator": "aggregator", "republication": "republication", "partisan": "partisan outlet",
              "state_aligned": "state-aligned outlet", "machine_translation": "machine translation"}


def reliability_html(page: Page, data_dir: Path) -> str:
    """Agreement of the blind second coding, overall and by stratum, and every disagreement with both
    coders' reasons."""
    from talks2022.methods.reliability import agreement, agreement_by_stratum, compare, read_second_coding

    second = read_second_coding(data_dir)
    if second is None:
        return paragraph("This data folder has no second coding (reliability/second_coding.csv).")
    statements = page.record.statements
    comparison = compare(statements, second)
    result = agreement(comparison)
    parts = [paragraph(
        f"{result.units} coded positions were coded again, blind. Krippendorff's alpha (interval) is "
        f"<strong>{number(result.alpha, 2)}</strong> over the whole sample; {result.exact:.0%} of the positions "
        f"are identical and the mean absolute difference is {number(result.mean_absolute_difference, 1)} points. "
        "Alpha differs by stratum: positions at an end of a scale are the easiest to agree on, interpolated "
        "midpoints the hardest, so the sample over-samples the latter.")]
    strata = agreement_by_stratum(comparison, statements)
    parts.append(table([[esc(row.stratum), str(int(row.units)),
                         number(row.alpha, 2) if row.units >= 2 and pd.notna(row.alpha) else "too few",
                         f"{row.exact:.0%}" if row.units else "–"] for row in strata.itertuples()],
                       ["stratum", "positions", "alpha (interval)", "identical"], caption="Agreement by stratum"))
    notes = statements.set_index("statement_id")["coding_note"]
    second_notes = second.set_index("statement_id")["coding_note"]
    labels = page.record.issues.set_index("issue_id")["label"]
    rows = [[esc(row.statement_id), esc(labels.get(row.issue_id, row.issue_id)), number(row.first, 1),
             esc(notes.get(row.statement_id, "")), number(row.second, 1), esc(second_notes.get(row.statement_id, ""))]
            for row in comparison[comparison["difference"] != 0].itertuples()]
    parts.append(table(rows, ["statement", "issue", "first coder", "first coder's reason", "second coder",
                              "second coder's reason"], caption="Every disagreement, with both reasons")
                 if rows else paragraph("The two coders agree on every statement of the sample."))
    return "".join(parts)


def expert_sample(page: Page) -> pd.DataFrame:
    """The expert sample: one row per expert actor with the pieces (sources) and statements in the
    analysed record, their institution and country. Columns: actor, organisation, country, pieces,
    proposals, assessments."""
    statements = page.analysed_statements()
    experts = statements[statements["kind"].isin(["expert_proposal", "expert_assessment"])]
    actors = page.record.actors.set_index("actor_id")
    rows = []
    for actor_id, group in experts.groupby("actor_id", sort=True):
        actor = actors.loc[actor_id]
        rows.append({"actor": actor["name"], "organisation": actor["organisation"] or "",
                     "country": actor["country"] or "", "pieces": group["source_id"].nunique(),
                     "proposals": int((group["kind"] == "expert_proposal").sum()),
                     "assessments": int((group["kind"] == "expert_assessment").sum())})
    frame = pd.DataFrame(rows, columns=["actor", "organisation", "country", "pieces", "proposals", "assessments"])
    return frame.sort_values(["pieces", "actor"], ascending=[False, True]).reset_index(drop=True)


def expert_sample_html(page: Page) -> str:
    sample = expert_sample(page)
    countries = sample["country"].replace("", "not stated").value_counts()
    parts = [paragraph(
        f"The analysed record holds {int(sample['pieces'].sum())} expert pieces (a source by one author, author "
        f"team or institution) from {len(sample)} authors or institutions. By country of the author or "
        "institution, where the sources state it: "
        + ", ".join(f"{esc(country)} {count}" for country, count in countries.items()) + ".")]
    parts.append(table([[esc(row.actor), esc(row.organisation), esc(row.country or "not stated"), str(row.pieces),
                         str(row.proposals), str(row.assessments)] for row in sample.itertuples()],
                       ["author or institution", "institution", "country", "pieces", "proposals", "assessments"],
                       caption="The expert sample"))
    return "".join(parts)


def revision_log_html(data_dir: Path) -> str:
    """What the second revision changed, counted by table and column, with the full log folded away."""
    path = Path(data_dir) / "revision_log.csv"
    if not path.is_file():
        return paragraph("This data folder has no revision log.")
    log = pd.read_csv(path, dtype=str, keep_default_na=False)
    counts = log.groupby(["table", "column"]).size().reset_index(name="changes")
    summary = table([[esc(row.table), esc(row.column), str(row.changes)] for row in counts.itertuples()],
                    ["table", "column", "changed cells"], caption="Changes of the second revision")
    rows = [[esc(row.table), esc(row.row_id), esc(row.column), esc(row.old_value), esc(row.new_value),
             esc(row.reason)] for row in log.itertuples()]
    full = table(rows, ["table", "row", "column", "old value", "new value", "reason"], max_rows=len(rows) + 1)
    return (paragraph(f"{len(log)} cells changed: {int((log['table'] == 'statements').sum())} in the statements "
                      f"and {int((log['table'] == 'issues').sum())} in the scales.")
            + summary + f"<details><summary>Every change ({len(log)})</summary>{full}</details>")


def sources_html(page: Page) -> str:
    """Every source with its author, date, type, outlet flags, closer text and number of statements."""
    statements = page.record.statements
    confirmed = statements[statements["verification"] == "confirmed"].groupby("source_id").size()
    every = statements.groupby("source_id").size()
    rows = []
    for source in page.record.sources.sort_values("source_id").itertuples():
        author = source.author or ("institutional" if source.author_basis == "institutional" else "author not shown")
        published = pd.Timestamp(source.date).strftime("%Y-%m-%d") if pd.notna(source.date) else ""
        date = published or "date not shown"
        if published and source.date_basis != "printed":
            date = f"{published} ({source.date_basis.replace('_', ' ')})"
        flags = ", ".join(FLAG_WORDS.get(f, f) for f in str(source.outlet_flags or "").split(";") if f)
        closer = f"closer text: {source.better_source_id}" if source.better_source_id else ""
        outlet = "; ".join(x for x in (flags, closer) if x)
        counted = f"{int(confirmed.get(source.source_id, 0))} of {int(every.get(source.source_id, 0))}"
        rows.append([esc(source.source_id), esc(author), link(source.title, source.url), esc(source.publisher),
                     esc(date), esc(source.source_type.replace("_", " ")), esc(outlet), esc(source.note), counted])
    without = [s for s in page.record.sources["source_id"] if confirmed.get(s, 0) == 0]
    intro = paragraph(
        f"{len(page.record.sources)} sources are listed; {len(page.record.sources) - len(without)} carry at least one "
        f"confirmed statement and enter the analysis. The other {len(without)} have only statements whose quotation "
        "could not be re-found or that a closer text supersedes: " + esc(", ".join(without)) + ".")
    flagged = sum(1 for r in page.record.sources.itertuples() if r.outlet_flags)
    intro += paragraph(f"{flagged} sources come from aggregators, republications, partisan or state-aligned outlets "
                       "or machine translations, as the source lists mark them; their column says so.")
    return intro + table(rows, ["id", "author", "title", "publisher", "date", "type", "outlet", "note",
                                "confirmed statements"], max_rows=len(rows) + 1)

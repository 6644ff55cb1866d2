"""The generated parts of the data page: scales with examples from the data, and the data dictionary.

The dictionary is read from data/datapackage.json and methods/derived_tables.json, the same files the
validator and the pipeline use, so the page cannot drift from what the code enforces.
"""

from __future__ import annotations

import json
from pathlib import Path

from talks2022.book.pages import Page, esc, number, table
from talks2022.methods.derived import SCHEMA_PATH

ANCHORS = (0, 25, 50, 75, 100)
EXAMPLE_TOLERANCE = 12.5  # half the distance between anchors
DERIVED_SCHEMA = SCHEMA_PATH


def closest_example(scored, anchor: int):
    """The coded statement nearest to an anchor (ties: lowest statement id), or None beyond tolerance."""
    if scored.empty:
        return None
    distance = (scored["position"] - anchor).abs()
    candidates = scored.assign(distance=distance)
    candidates = candidates[candidates["distance"] <= EXAMPLE_TOLERANCE]
    if candidates.empty:
        return None
    return candidates.sort_values(["distance", "statement_id"]).iloc[0]


def scales_html(page: Page) -> str:
    statements = page.analysed_statements()
    scored = statements[statements["position"].notna()]
    parts = []
    for issue in page.record.issues[page.record.issues["positional"]].itertuples():
        own = scored[scored["issue_id"] == issue.issue_id]
        rows = []
        for anchor in ANCHORS:
            example = closest_example(own, anchor)
            shown = ("–" if example is None else
                     f"{page.statement_link(example.statement_id)} ({number(example.position)}), {esc(example.actor)}: "
                     f"{esc(example.summary)}")
            rows.append([str(anchor), esc(getattr(issue, f"anchor_{anchor}")), shown])
        parts.append(f"<h3>{esc(issue.label)}</h3><p>{esc(issue.description)}</p>")
        parts.append(table(rows, ["position", "meaning", "closest coded statement"]))
        parts.append(f"<p><strong>Reference point</strong> {number(issue.reference_point)}: "
                     f"{esc(issue.reference_note)}</p><p><strong>Why this scale.</strong> {esc(issue.rationale)}</p>")
    return "".join(parts)


def tagged_topics_html(page: Page) -> str:
    counts = page.analysed_statements().groupby("issue_id").size()
    rows = [[esc(issue.label), esc(issue.description), str(int(counts.get(issue.issue_id, 0)))]
            for issue in page.record.issues[~page.record.issues["positional"]].itertuples()]
    return table(rows, ["topic", "covers", "statements"])


def counts_html(page: Page) -> str:
    statements = page.analysed_statements()
    kinds = ["official_position", "expert_proposal", "expert_assessment", "reported_fact"]
    rows = []
    for meeting in page.record.meetings.sort_values("sequence").itertuples():
        own = statements[statements["meeting_id"] == meeting.meeting_id]
        rows.append([esc(meeting.label), *[str(int((own["kind"] == kind).sum())) for kind in kinds],
                     str(len(own))])
    unconfirmed = int((page.record.statements["verification"] == "unconfirmed").sum())
    note = (f"<p>{unconfirmed} statement(s) marked unconfirmed in the source list stay in the data but out "
            "of these counts and of the analysis.</p>")
    return table(rows, ["round or stage", *[kind.replace("_", " ") for kind in kinds], "all"]) + note


def _constraints_text(field: dict) -> str:
    constraints = field.get("constraints", {})
    parts = []
    if constraints.get("required"):
        parts.append("required")
    if constraints.get("unique"):
        parts.append("unique")
    if "enum" in constraints:
        parts.append("one of " + ", ".join(constraints["enum"]))
    if "minimum" in constraints or "maximum" in constraints:
        parts.append(f"from {constraints.get('minimum', '')} to {constraints.get('maximum', '')}")
    if "pattern" in constraints:
        parts.append(f"pattern {constraints['pattern']}")
    if "maxLength" in constraints:
        parts.append(f"at most {constraints['maxLength']} characters")
    return "; ".join(parts)


def _resource_html(resource: dict, heading: str) -> str:
    schema = resource.get("schema", {})
    rows = [[f"<code>{esc(field['name'])}</code>", esc(field.get("type", "string")),
             esc(_constraints_text(field)), esc(field.get("description", ""))]
            for field in schema.get("fields", [])]
    keys = []
    if schema.get("primaryKey"):
        keys.append("primary key: " + ", ".join(schema["primaryKey"]))
    for foreign in schema.get("foreignKeys", []):
        keys.append(f"{', '.join(foreign['fields'])} refers to {foreign['reference']['resource']}")
    return (f"<h3>{esc(heading)}</h3><p>{esc(resource.get('description', ''))}</p>"
            + table(rows, ["field", "type", "constraints", "description"])
            + (f"<p>{esc('; '.join(keys))}.</p>" if keys else ""))


def dictionary_html(package_path: Path, derived_path: Path = DERIVED_SCHEMA) -> str:
    package = json.loads(package_path.read_text(encoding="utf-8"))
    licence = ", ".join(item.get("name", "") for item in package.get("licenses", []))
    parts = [f"<p>Data package <code>{esc(package.get('name'))}</code> version {esc(package.get('version'))}, "
             f"licence {esc(licence)}.</p>"]
    parts += [_resource_html(resource, f"data/{resource['path']}") for resource in package["resources"]]
    derived = json.loads(derived_path.read_text(encoding="utf-8"))
    parts.append("<h3>Derived tables</h3><p>Written by <code>talks2022 run</code> into "
                 "<code>book/generated/tables/</code>.</p>")
    for resource in derived.get("resources", []):
        parts.append(_resource_html(resource, f"tables/{resource.get('path', resource.get('name'))}"))
    return "".join(parts)


def reliability_html(page: Page, data_dir: Path) -> str:
    """The blind second coding of a sample against the first coding, or a note that there is none."""
    from talks2022.methods.reliability import agreement, compare, read_second_coding

    second = read_second_coding(data_dir)
    if second is None:
        return "<p>This data folder has no second coding (reliability/second_coding.csv).</p>"
    comparison = compare(page.record.statements, second)
    result = agreement(comparison)
    labels = page.record.issues.set_index("issue_id")["label"]
    summary = (f"<p>{result.units} coded positions were coded again, blind, by a second coder. "
               f"{page.term('alpha', 'Krippendorff’s alpha')} (interval) is "
               f"<strong>{number(result.alpha, 2)}</strong>; "
               f"{result.exact:.0%} of the positions are identical, {result.close:.0%} lie within "
               f"{number(12.5, 1)} points of each other, and the mean absolute difference is "
               f"{number(result.mean_absolute_difference, 1)} points.</p>")
    at_ends = comparison["first"].isin([0.0, 100.0])
    middle = comparison[~at_ends]
    summary += (f"<p>Read alpha with care: {at_ends.mean():.0%} of the sampled positions sit at an end of "
                "their scale (0 or 100) in the first coding, where agreement is easiest and chance agreement "
                f"is low. Of the {len(middle)} positions between the ends, the coders placed "
                f"{int((middle['difference'] == 0).sum())} identically.</p>")
    rows = [[page.statement_link(row.statement_id), esc(labels.get(row.issue_id, row.issue_id)),
             number(row.first), number(row.second), number(row.difference)]
            for row in comparison[comparison["difference"] != 0].itertuples()]
    disagreements = (table(rows, ["statement", "issue", "first coder", "second coder", "difference"],
                           caption="Statements the two coders placed differently") if rows else
                     "<p>The two coders agree on every statement of the sample.</p>")
    return summary + disagreements

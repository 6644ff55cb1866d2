"""Offline, deterministic rendering of Altair charts for the book, and the book's figures.

Altair's default renderer loads vega from a CDN and gives every chart a random element id; both
break an offline site and strict nbval. This renderer emits one self-contained HTML fragment per chart:
the Vega-Lite spec in a JSON script element, and a small script that calls ``window.vegaEmbed`` (from the
vendored ``book/_static/vega-bundle.js``) on it, so the same chart always gives the same bytes.

`figure` makes a chart a citable figure: a number within the chapter, a title that states what it shows,
an anchor of its own (id="fig-..."), a source line naming the statements and tables it is drawn from,
links to download its data (CSV) and its picture (SVG), and a "cite this figure" line. The two files are
written when the site is built (talks2022.book.site reads the spec embedded here), next to the derived
tables in the site: book/generated/tables/figures/fig-....csv and .svg.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from typing import Any

import altair as alt

RENDERER_NAME = "talks2022"
CITATION_AUTHOR = "talks2022 developers"
CITATION_YEAR = "2026"
BOOK_TITLE = "talks2022: the January 2022 security talks"
FIGURES_SUBDIR = "tables/figures"  # relative to book/generated/, in the built site
# Statement ids named in a source line before "and N more" (all are in the figure's CSV).
SOURCE_IDS_SHOWN = 8
# Where a chart function leaves what the figure needs: its finding sentence, the statements and the tables
# it is drawn from, and the name of the dataset to offer as CSV. Vega-Lite ignores usermeta.
META_KEY = "talks2022"

# Characters that could end a <script> element or be read as markup inside it.
_SCRIPT_SAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_SLUG = re.compile(r"[^a-z0-9]+")


def script_safe_json(value: Any) -> str:
    """JSON for embedding inside <script>: sorted keys, no '<', '>' or '&' left raw."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return "".join(_SCRIPT_SAFE.get(char, char) for char in text)


def _vis(spec: dict[str, Any]) -> str:
    """The element the chart is drawn into, its spec, and the script that draws it."""
    # The $schema URL is only a label (the mode is given explicitly); leaving it out keeps pages free of
    # outside addresses.
    spec = {key: value for key, value in spec.items() if key != "$schema"}
    return (
        '<div class="t22-vis"></div>'
        f'<script type="application/json" class="t22-spec">{script_safe_json(spec)}</script>'
        "<script>(function(el){"
        "var vis=el.previousElementSibling;"
        "if(!window.vegaEmbed){vis.textContent='Chart library not loaded.';return;}"
        "window.vegaEmbed(vis,JSON.parse(el.textContent),"
        '{"actions":false,"renderer":"svg","mode":"vega-lite"})'
        ".catch(function(e){vis.textContent='Chart failed: '+e;console.error(e);});"
        "})(document.currentScript.previousElementSibling);</script>"
    )


def _alt_text(alt_text: str) -> str:
    # The text alternative: announced through aria-label, and one click away for every reader.
    return (f'<div class="t22-alt"><details><summary>Text description of the chart</summary>{alt_text}'
            "</details></div>")


def chart_html(spec: dict[str, Any]) -> str:
    """The HTML fragment for one Vega-Lite spec; its text alternative comes from spec['description']."""
    alt_text = html.escape(str(spec.get("description", "Chart")), quote=True)
    return f'<figure class="t22-chart" role="group" aria-label="{alt_text}">{_vis(spec)}{_alt_text(alt_text)}</figure>'


def _renderer(spec: dict[str, Any], **_metadata: Any) -> dict[str, str]:
    return {"text/html": chart_html(spec), "text/plain": str(spec.get("description", "Chart"))}


def enable() -> None:
    """Make every Altair chart in this kernel render offline and deterministically."""
    if RENDERER_NAME not in alt.renderers.names():
        alt.renderers.register(RENDERER_NAME, _renderer)
    alt.renderers.enable(RENDERER_NAME)


# --- figures --------------------------------------------------------------------------------------------

def version() -> str:
    from talks2022 import __version__

    return __version__


def slug(text: object) -> str:
    return _SLUG.sub("-", str(text).lower()).strip("-")


def figure_id(page: Any, key: str) -> str:
    """The figure's anchor: fig-<issue>-<key> in an issue chapter, fig-<key> elsewhere (unique in the site)."""
    issue = getattr(page, "issue", None)
    prefix = f"{slug(issue['issue_id'])}-" if issue is not None else ""
    return f"fig-{prefix}{slug(key)}"


def _ids_text(ids: Sequence[str], page: Any) -> str:
    shown = [page.statement_link(sid) if hasattr(page, "statement_link") else html.escape(sid) for sid in
             ids[:SOURCE_IDS_SHOWN]]
    more = len(ids) - len(shown)
    text = ", ".join(shown)
    if more > 0:
        text += f" and {more} more (all listed in the data file)"
    noun = "statement" if len(ids) == 1 else "statements"
    return f"{noun} {text}"


def _primary_dataset(spec: dict[str, Any]) -> str | None:
    """The name of the dataset the figure offers as CSV: the chart's own data, else its first layer's."""
    for candidate in [spec, *spec.get("layer", [])]:
        name = candidate.get("data", {}).get("name") if isinstance(candidate.get("data"), dict) else None
        if name:
            return name
    return None


class Figure:
    """A chart as a numbered, titled, citable figure (what a chart cell displays)."""

    def __init__(self, html_text: str, title: str):
        self.html = html_text
        self.title = title

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return {"text/html": self.html, "text/plain": self.title}


def figure(page: Any, chart: alt.TopLevelMixin, key: str, title: str | None = None, chapter: str = "",
           statements: Sequence[str] | None = None, tables: Sequence[str] | None = None) -> Figure:
    """Chart `chart` as Figure N of the chapter.

    title: the sentence that states the figure's finding (the chapter passes it); when None, the one the
    chart function built from the data it draws. statements/tables: what the figure is drawn from; when
    None, what the chart function recorded. chapter: the chapter's title, for the citation.
    """
    spec = chart.to_dict()
    meta = dict(spec.get("usermeta", {}).get(META_KEY, {}))
    title = title or meta.get("title") or spec.get("description", "Chart")
    ids = list(statements if statements is not None else meta.get("statements", []))
    used_tables = list(tables if tables is not None else meta.get("tables", []))
    fig_id = figure_id(page, key)
    numbers = page.shown["figures"]
    if fig_id in numbers:
        raise ValueError(f"figure {fig_id!r} is shown twice on this page")
    numbers.append(fig_id)
    number = len(numbers)
    meta.update({"title": title, "id": fig_id, "number": number, "statements": ids, "tables": used_tables,
                 "dataset": _primary_dataset(spec)})
    spec["usermeta"] = {**spec.get("usermeta", {}), META_KEY: meta}

    files = page.href(f"{FIGURES_SUBDIR}/{fig_id}")
    ver = version()
    sources = []
    if ids:
        sources.append(_ids_text(ids, page))
    if used_tables:
        sources.append("derived " + ("table " if len(used_tables) == 1 else "tables ")
                       + ", ".join(html.escape(name) + ".csv" for name in used_tables))
    source = "; ".join(sources) if sources else "the dataset"
    alt_text = html.escape(str(spec.get("description", title)), quote=True)
    esc_title = html.escape(title)
    chapter_text = f" in “{html.escape(chapter)}”" if chapter else ""
    cite = (f"{CITATION_AUTHOR} ({CITATION_YEAR}). “{esc_title}”, Figure {number}{chapter_text}. "
            f"<em>{html.escape(BOOK_TITLE)}</em>, version {html.escape(ver)}, #{fig_id}.")
    html_text = (
        f'<figure class="t22-chart" id="{fig_id}" role="group" aria-labelledby="{fig_id}-title">'
        f'<div class="t22-fig-title" id="{fig_id}-title"><a class="t22-fig-number" href="#{fig_id}">'
        f"Figure {number}.</a> {esc_title}</div>"
        + (f'<p class="t22-fig-note">{html.escape(meta["note"])}</p>' if meta.get("note") else "")
        + f"{_vis(spec)}"
        + '<figcaption class="t22-fig-meta">'
        f'<p class="t22-fig-source">Data: talks2022 {source}. Chart: talks2022 v{html.escape(ver)}.</p>'
        f'<p class="t22-fig-downloads">Download: <a href="{html.escape(files)}.csv" download>data (CSV)</a> · '
        f'<a href="{html.escape(files)}.svg" download>picture (SVG)</a></p>'
        f'<p class="t22-fig-cite">Cite this figure: {cite}</p>'
        f"{_alt_text(alt_text)}"
        "</figcaption></figure>"
    )
    return Figure(html_text, title)

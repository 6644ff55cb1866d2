"""Offline, deterministic rendering of Altair charts for the book.

Altair's default renderer loads vega from a CDN and gives every chart a random element id; both
break an offline site and strict nbval. This renderer emits one self-contained HTML fragment per chart
that calls ``window.vegaEmbed`` (from the vendored ``book/_static/vega-bundle.js``) on the element
just before its script, so the same chart always gives the same bytes.
"""

from __future__ import annotations

import html
import json
from typing import Any

import altair as alt

RENDERER_NAME = "talks2022"

# Characters that could end a <script> element or be read as markup inside it.
_SCRIPT_SAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def script_safe_json(value: Any) -> str:
    """JSON for embedding inside <script>: sorted keys, no '<', '>' or '&' left raw."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return "".join(_SCRIPT_SAFE.get(char, char) for char in text)


def chart_html(spec: dict[str, Any]) -> str:
    """The HTML fragment for one Vega-Lite spec; its text alternative comes from spec['description']."""
    alt_text = html.escape(str(spec.get("description", "Chart")), quote=True)
    # The $schema URL is only a label (the mode is given explicitly); leaving it out keeps pages free of
    # outside addresses.
    spec = {key: value for key, value in spec.items() if key != "$schema"}
    return (
        f'<figure class="t22-chart" role="group" aria-label="{alt_text}">'
        '<div class="t22-vis"></div>'
        "<script>(function(el){"
        "if(!window.vegaEmbed){el.textContent='Chart library not loaded.';return;}"
        f"window.vegaEmbed(el,{script_safe_json(spec)},"
        '{"actions":false,"renderer":"svg","mode":"vega-lite"})'
        ".catch(function(e){el.textContent='Chart failed: '+e;console.error(e);});"
        "})(document.currentScript.previousElementSibling);</script>"
        # The text alternative: announced through aria-label, and one click away for every reader.
        f'<figcaption class="t22-alt"><details><summary>Text description of the chart</summary>{alt_text}'
        "</details></figcaption>"
        "</figure>"
    )


def _renderer(spec: dict[str, Any], **_metadata: Any) -> dict[str, str]:
    return {"text/html": chart_html(spec), "text/plain": str(spec.get("description", "Chart"))}


def enable() -> None:
    """Make every Altair chart in this kernel render offline and deterministically."""
    if RENDERER_NAME not in alt.renderers.names():
        alt.renderers.register(RENDERER_NAME, _renderer)
    alt.renderers.enable(RENDERER_NAME)

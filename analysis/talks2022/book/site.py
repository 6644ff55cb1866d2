"""A Sphinx extension for the book's site (listed in _config.yml): credit, citation and downloads.

* every page's footer names the licences, the package version and the data's version and date;
* every page ends with "Cite this page" (with the version), and every chapter executed from a notebook
  offers that executed notebook (.ipynb) for download;
* after an HTML build, each figure's data (CSV) and picture (SVG, drawn offline by vl-convert from the
  Vega-Lite spec the chapter embeds, see talks2022.book.render.figure) are written where the figure's
  download links point: book/generated/tables/figures/ in the site, beside a copy of the derived tables.

Nothing here reads the network; the SVG is drawn by the vl-convert library in-process.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from talks2022.book.render import BOOK_TITLE, CITATION_AUTHOR, CITATION_YEAR, META_KEY

SVG_WIDTH = 720
FIGURE_CACHE_SUBDIR = "talks2022-figures"  # beside Sphinx's html output, in its private folder
VEGA_LITE_VERSION = "6.4"  # as in book/_static/vega-bundle.js
LICENCE_TEXT = ('Code: <a href="https://opensource.org/license/mit">MIT licence</a>. Data and text: '
                '<a href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a>.')
_FIGURE = re.compile(r'<figure class="t22-chart" id="(fig-[a-z0-9-]+)"')
_SPEC = re.compile(r'<script type="application/json" class="t22-spec">(.*?)</script>', re.S)
_CSV_LINK = re.compile(r'<a href="([^"]+)\.csv" download>')
INTERNAL_COLUMNS = {"order", "href", "statements"}


def package_version() -> str:
    from talks2022 import __version__

    return __version__


def data_stamp(root: Path) -> str:
    """'data 2.0.0, record up to 21 Feb 2022', from the project's data/datapackage.json and statements.csv."""
    version = ""
    try:
        package = json.loads((root / "data" / "datapackage.json").read_text(encoding="utf-8"))
        version = str(package.get("version", ""))
        created = str(package.get("created", ""))[:10]
    except (OSError, ValueError):
        created = ""
    latest = ""
    try:
        with (root / "data" / "statements.csv").open(encoding="utf-8", newline="") as handle:
            dates = [row.get("date") or "" for row in csv.DictReader(handle)]
        latest = max((d for d in dates if re.match(r"^\d{4}-\d{2}-\d{2}$", d)), default="")
    except OSError:
        pass
    parts = [f"data {version}" if version else "data"]
    if created:
        parts.append(f"of {created}")
    if latest:
        parts.append(f"(record up to {latest})")
    return " ".join(parts)


def footer(root: Path) -> str:
    return (f"{LICENCE_TEXT} talks2022 version {html.escape(package_version())}, "
            f"{html.escape(data_stamp(root))}. Built offline: no page loads anything from outside this site.")


def page_citation(title: str, pagename: str, version: str) -> str:
    return (f"{CITATION_AUTHOR} ({CITATION_YEAR}). “{html.escape(title)}”. In <em>{html.escape(BOOK_TITLE)}</em>, "
            f"version {html.escape(version)}. Page {html.escape(pagename)}.html.")


# --- Sphinx hooks -----------------------------------------------------------------------------------------

def _config_inited(app: Any, config: Any) -> None:
    options = dict(config.html_theme_options or {})
    options["extra_footer"] = footer(Path(app.srcdir))
    config.html_theme_options = options


def _is_notebook(app: Any, pagename: str) -> bool:
    try:
        return Path(app.env.doc2path(pagename)).suffix == ".ipynb"
    except Exception:  # noqa: BLE001 - generated pages (genindex, search) have no source
        return False


def _page_context(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    # The one-page builder (the PDF edition) adds MathJax from a CDN whether or not a page has math; the
    # book has none, and nothing may load from outside.
    if "script_files" in context:
        context["script_files"] = [script for script in context["script_files"] if "mathjax" not in str(script)]
    if "body" not in context or doctree is None:
        return
    title = re.sub(r"<[^>]+>", "", str(context.get("title", ""))) or BOOK_TITLE
    parts = ['<aside class="t22-page-end">']
    if _is_notebook(app, pagename) and app.builder.name == "html":
        name = Path(pagename).name
        parts.append(f'<p class="t22-notebook">How every number on this page was made: '
                     f'<a href="{html.escape(name)}.ipynb" download>the executed notebook (.ipynb)</a>, with the '
                     "code of every table and chart (also shown above under “Show code cell source”).</p>")
    parts.append(f'<p class="t22-page-cite"><strong>Cite this page:</strong> '
                 f"{page_citation(html.unescape(title), pagename, package_version())}</p></aside>")
    context["body"] += "".join(parts)


# The figures are drawn (into the build's cache) by a process of their own that starts with the build: the
# drawing library holds the interpreter's lock, so a thread would not run beside Sphinx; a process does, on
# the second CPU, while Sphinx reads and writes the pages. Only a head start: _build_finished draws whatever
# is still missing, and reports what cannot be drawn.
DRAWING_TIMEOUT_SECONDS = 600


def _builder_inited(app: Any) -> None:
    if app.builder.name != "html":
        return
    chapters = sorted(str(path) for path in (Path(app.srcdir) / "book" / "generated").rglob("*.ipynb"))
    app.talks2022_drawing = subprocess.Popen(
        [sys.executable, "-P", "-m", "talks2022.book.site", str(figure_cache_dir(Path(app.outdir))), *chapters],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_for_drawing(app: Any) -> None:
    drawing = getattr(app, "talks2022_drawing", None)
    if drawing is None:
        return
    try:
        drawing.wait(timeout=DRAWING_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        pass  # only a head start: what it did not draw is drawn below
    finally:  # also on an interrupt
        if drawing.poll() is None:
            drawing.kill()
            drawing.wait()
        app.talks2022_drawing = None


def _build_finished(app: Any, exception: Exception | None) -> None:
    _wait_for_drawing(app)
    if exception is not None or app.builder.name != "html":
        return
    out = Path(app.outdir)
    src = Path(app.srcdir)
    _refresh_static(app, out)
    tables = src / "book" / "generated" / "tables"
    if tables.is_dir():
        target = out / "book" / "generated" / "tables"
        target.mkdir(parents=True, exist_ok=True)
        for table in sorted(tables.glob("*.csv")):
            shutil.copyfile(table, target / table.name)
    written: dict[Path, str] = {}
    figures: list[tuple[dict, Path]] = []
    for docname in sorted(app.env.found_docs):
        source = Path(app.env.doc2path(docname))
        if source.suffix != ".ipynb":
            continue
        page_dir = (out / docname).parent
        page_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, page_dir / source.name)  # the executed notebook, for download
        for fig_id, spec, link in figures_of(source):
            base = (page_dir / link).resolve()
            if out.resolve() not in base.parents:
                raise RuntimeError(f"{docname}: figure {fig_id} links outside the site: {link}")
            if base in written:
                raise RuntimeError(f"figure {fig_id} of {docname} has the files of {written[base]}")
            written[base] = docname
            figures.append((spec, base))
    FigureFiles(figure_cache_dir(Path(app.outdir))).write_all(figures)


def _refresh_static(app: Any, out: Path) -> None:
    """Copy the book's own static files again: Sphinx 7.4 keeps an older copy in an incremental build, so an
    edited stylesheet would not reach the site."""
    for folder in app.config.html_static_path:
        source = Path(app.confdir) / folder
        if not source.is_dir():
            continue
        for path in sorted(source.rglob("*")):
            if path.is_file():
                target = out / "_static" / path.relative_to(source)
                if not target.exists() or target.read_bytes() != path.read_bytes():
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(path, target)


def figures_of(notebook: Path) -> list[tuple[str, dict, str]]:
    """(figure id, Vega-Lite spec, download link without extension) for every figure in a notebook's outputs."""
    found = []
    cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
    for cell in cells:
        for output in cell.get("outputs", []):
            text = output.get("data", {}).get("text/html")
            if not text:
                continue
            text = "".join(text) if isinstance(text, list) else text
            for match in _FIGURE.finditer(text):
                rest = text[match.end():]
                spec, link = _SPEC.search(rest), _CSV_LINK.search(rest)
                if spec and link:
                    found.append((match.group(1), json.loads(spec.group(1)), html.unescape(link.group(1))))
    return found


def figure_rows(spec: dict) -> list[dict]:
    meta = spec.get("usermeta", {}).get(META_KEY, {})
    name = meta.get("dataset")
    rows = spec.get("datasets", {}).get(name) if name else None
    if rows is None:
        rows = spec.get("data", {}).get("values", [])
    return list(rows)


def figure_csv(spec: dict) -> str:
    """The figure's data as CSV: the rows it draws, internal columns left out, text formula-safe."""
    from talks2022.methods.derived import formula_safe

    rows = figure_rows(spec)
    columns: list[str] = []
    for row in rows:
        columns += [key for key in row if key not in columns and not key.startswith("_")
                    and key not in INTERNAL_COLUMNS]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(column) is None else formula_safe(_cell(row.get(column))) for column in columns])
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def figure_svg(spec: dict) -> str:
    """The figure as a standalone SVG: its number and title above, its source below, drawn offline."""
    import textwrap

    import vl_convert

    meta = spec.get("usermeta", {}).get(META_KEY, {})
    drawn = {key: value for key, value in spec.items() if key != "usermeta"}
    drawn["width"] = SVG_WIDTH
    if "layer" in drawn:
        drawn["layer"] = [{k: v for k, v in layer.items() if k != "width"} for layer in drawn["layer"]]
    title = f"Figure {meta.get('number', '')}. {meta.get('title', '')}".strip()
    ids = meta.get("statements", [])
    source = f"Data: talks2022, {len(ids)} statements" if ids else "Data: talks2022"
    if meta.get("tables"):
        source += "; tables " + ", ".join(meta["tables"])
    source += f". Chart: talks2022 v{package_version()}. #{meta.get('id', '')}"
    drawn["title"] = {"text": textwrap.wrap(title, 90), "subtitle": textwrap.wrap(source, 110), "anchor": "start",
                      "fontSize": 13, "subtitleFontSize": 10, "offset": 12}
    return vl_convert.vegalite_to_svg(drawn, vl_version=VEGA_LITE_VERSION)


def figure_cache_dir(html_outdir: Path) -> Path:
    """Beside Sphinx's HTML output, in the build's private folder (a failed build removes both)."""
    return html_outdir.parent / FIGURE_CACHE_SUBDIR


class FigureFiles:
    """Every figure's CSV and SVG, drawn once per spec (about 0.2 s a figure): entries are named by a digest of
    the spec, the package's code and the drawing library's version, so a build reuses what an earlier build,
    or the drawing process it started (`_builder_inited`), drew, and never a stale entry. A build deletes the
    entries its site does not use."""

    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = cache_dir
        self._versions: str | None = None

    def key(self, spec: dict) -> str:
        from importlib import metadata

        from talks2022.pipeline.fingerprint import code_digest
        from talks2022.pipeline.jobs import canonical, digest

        if self._versions is None:  # the package's code and the drawing library's version, read once
            self._versions = digest(code_digest(), metadata.version("vl-convert-python"), VEGA_LITE_VERSION)
        return digest(canonical(spec), self._versions)

    def _draw(self, spec: dict, key: str) -> None:
        for suffix, text in ((".csv", figure_csv(spec)), (".svg", figure_svg(spec))):
            partial = self.cache_dir / f"{key}{suffix}.partial"
            partial.write_text(text, encoding="utf-8")
            partial.replace(self.cache_dir / f"{key}{suffix}")  # never a half-written entry

    def draw_missing(self, specs: list[dict]) -> list[str]:
        """Draw the specs the cache does not hold yet, one after another (the drawing library holds the
        interpreter's lock: threads gain little); the key of every spec."""
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        keys = [self.key(spec) for spec in specs]
        for spec, key in zip(specs, keys, strict=True):
            if not all((self.cache_dir / f"{key}{suffix}").is_file() for suffix in (".csv", ".svg")):
                self._draw(spec, key)
        return keys

    def write_all(self, figures: list[tuple[dict, Path]]) -> None:
        """Write `spec`'s files at `base`.csv and `base`.svg for every (spec, base); forget other entries."""
        keys = self.draw_missing([spec for spec, _base in figures])
        for (_spec, base), key in zip(figures, keys, strict=True):
            base.parent.mkdir(parents=True, exist_ok=True)
            for suffix in (".csv", ".svg"):
                shutil.copyfile(self.cache_dir / f"{key}{suffix}", base.with_name(base.name + suffix))
        used = {f"{key}{suffix}" for key in keys for suffix in (".csv", ".svg")}
        for entry in self.cache_dir.iterdir():
            if entry.name not in used:
                entry.unlink()


def setup(app: Any) -> dict:
    app.connect("config-inited", _config_inited)
    app.connect("html-page-context", _page_context, priority=900)
    app.connect("builder-inited", _builder_inited)
    app.connect("build-finished", _build_finished)
    return {"version": package_version(), "parallel_read_safe": True, "parallel_write_safe": True}


def main(argv: list[str]) -> int:
    """`python -m talks2022.book.site CACHE_DIR CHAPTER.ipynb ...`: draw the chapters' figures into the cache."""
    cache_dir, *chapters = argv
    FigureFiles(Path(cache_dir)).draw_missing([spec for chapter in chapters
                                               for _fig_id, spec, _link in figures_of(Path(chapter))])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

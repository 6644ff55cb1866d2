"""The PDF edition: the whole book in one file, charts included, made offline (`nox -s pdf`).

    python -m talks2022.book.pdf [--project DIR] [--chromium PATH]

Jupyter Book builds the book as one HTML page (the singlehtml builder, into _build/.jb-single); headless
chromium (Debian's, driven by Playwright) opens it from a server on 127.0.0.1, waits until every chart
is drawn, and prints it to _build/pdf/talks2022.pdf. The PDF is then copied into the site
(_build/html/talks2022.pdf), where the Downloads page links it. No request leaves the machine: any
address but the local server is refused.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

from talks2022.paths import Project, find_project

PDF_NAME = "talks2022.pdf"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
CHART_TIMEOUT_MS = 120_000
# In one long page, links to other pages' anchors become links within it: explorer.html#S19-1 (or a later
# part's explorer_2.html#S19-1) -> #S19-1.
LOCAL_LINKS_JS = """() => {
  for (const a of document.querySelectorAll('a[href*="explorer"]')) {
    const href = a.getAttribute('href');
    if (/explorer(_[0-9]+)?[.]html#/.test(href)) { a.setAttribute('href', '#' + href.split('#')[1]); }
  }
  for (const d of document.querySelectorAll('details.t22-alt-details, .t22-alt details')) { d.open = true; }
}"""


class PdfFailed(Exception):
    pass


def single_page(project: Project) -> Path:
    """Build the book as one HTML page; its index.html."""
    from talks2022.pipeline.build import jupyter_book_command

    work = project.build_dir / ".jb-single"
    command = [*jupyter_book_command(), "build", str(project.root), "--builder", "singlehtml",
               "--path-output", str(work)]
    result = subprocess.run(command, capture_output=True, text=True)
    index = work / "_build" / "singlehtml" / "index.html"
    if result.returncode != 0 or not index.exists():
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-30:])
        raise PdfFailed(f"the one-page book did not build:\n{tail}")
    # Jupyter Book's index.html only redirects to the root chapter, which holds the whole book but names its
    # files relative to the top folder (_static/...): print it from there.
    redirect = re.search(r'url=([^"\s>]+)', index.read_text(encoding="utf-8")[:500])
    if not redirect:
        return index
    whole = index.with_name("talks2022-book.html")
    shutil.copyfile(index.parent / redirect.group(1), whole)
    return whole


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


def print_pdf(index: Path, target: Path, chromium: str) -> int:
    """Print the one-page book to `target` once every chart is drawn; the number of charts."""
    from playwright.sync_api import sync_playwright

    root = next((folder for folder in index.parents if (folder / "_static").is_dir()), index.parent)
    handler = functools.partial(_Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    outside: list[str] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS, headless=True)
            try:
                # A4 at 96 dpi is about 794 px wide: charts are drawn at the width they will be printed at.
                context = browser.new_context(viewport={"width": 794, "height": 1123})

                def route(request_route: object) -> None:
                    url = request_route.request.url
                    if url.startswith(base) or url.startswith(("data:", "blob:", "about:")):
                        request_route.continue_()
                    else:
                        outside.append(url)
                        request_route.abort()

                context.route("**/*", route)
                page = context.new_page()
                page.emulate_media(media="print")
                page.goto(base + index.relative_to(root).as_posix(), wait_until="load", timeout=CHART_TIMEOUT_MS)
                expected = page.locator("figure.t22-chart").count()
                page.wait_for_function("n => document.querySelectorAll('figure.t22-chart svg.marks').length >= n",
                                       arg=expected, timeout=CHART_TIMEOUT_MS)
                drawn = page.locator("figure.t22-chart svg.marks").count()
                if drawn < expected:
                    raise PdfFailed(f"only {drawn} of {expected} charts were drawn")
                page.evaluate(LOCAL_LINKS_JS)
                target.parent.mkdir(parents=True, exist_ok=True)
                page.pdf(path=str(target), format="A4", print_background=True, outline=True, tagged=True,
                         margin={"top": "15mm", "bottom": "15mm", "left": "14mm", "right": "14mm"})
                context.close()
            finally:
                browser.close()
    finally:
        server.shutdown()
        server.server_close()
    if outside:
        raise PdfFailed(f"the book asked for addresses outside the machine: {outside[:5]}")
    return expected


def make_pdf(project: Project, chromium: str) -> Path:
    index = single_page(project)
    target = project.build_dir / "pdf" / PDF_NAME
    charts = print_pdf(index, target, chromium)
    if project.html_dir.is_dir():
        shutil.copyfile(target, project.html_dir / PDF_NAME)
    print(f"pdf: {target} ({charts} charts), copied into {project.html_dir}", file=sys.stderr)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m talks2022.book.pdf", description=__doc__.split("\n")[0])
    parser.add_argument("--project", default=None)
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args(argv)
    try:
        make_pdf(find_project(args.project), args.chromium)
    except PdfFailed as error:
        print(f"pdf: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

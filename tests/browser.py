"""Headless Debian chromium, driven by Playwright, against a folder served on 127.0.0.1 only.

Every request the page makes is routed through `record_and_block`: loopback requests go through, any
other address is aborted and recorded, so a test can assert that nothing left the machine.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve `folder` on 127.0.0.1 (a free port); yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class PageReport:
    url: str
    charts_expected: int = 0
    charts_rendered: int = 0
    console_errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)
    scroll_width: int = 0  # document.scrollingElement.scrollWidth: more than inner_width = the page scrolls sideways
    inner_width: int = 0
    cut_labels: list[str] = field(default_factory=list)  # chart texts vega shortened with '…'
    empty_figures: list[str] = field(default_factory=list)  # figures without an svg or canvas inside


LAYOUT_JS = """() => {
  const texts = [...document.querySelectorAll('figure.t22-chart svg text')].map(t => t.textContent)
    .filter(t => t.trim().endsWith('\u2026'));
  const empty = [...document.querySelectorAll('figure.t22-chart')]
    .filter(f => !f.querySelector('svg.marks, canvas')).map(f => f.id || f.getAttribute('aria-label') || '?');
  return {scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth, cut: texts, empty: empty};
}"""


@contextmanager
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        try:
            yield instance
        finally:
            instance.close()


def visit(instance: object, url: str, base: str, viewport: dict | None = None,
          screenshot: Path | None = None, timeout_ms: int = 20000) -> PageReport:
    """Load one page, wait for its charts, and report what rendered and what went wrong."""
    report = PageReport(url=url)
    context = instance.new_context(viewport=viewport or {"width": 1280, "height": 900})

    def record_and_block(route: object) -> None:
        request_url = route.request.url
        if request_url.startswith(base) or request_url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            report.outside_requests.append(request_url)
            route.abort()

    context.route("**/*", record_and_block)
    page = context.new_page()
    page.on("console", lambda message: report.console_errors.append(message.text)
            if message.type == "error" else None)
    page.on("pageerror", lambda error: report.console_errors.append(f"page error: {error}"))
    page.goto(url, wait_until="load", timeout=timeout_ms)
    report.charts_expected = page.locator("figure.t22-chart").count()
    if report.charts_expected:
        try:
            page.wait_for_function(
                "n => document.querySelectorAll('figure.t22-chart svg.marks').length >= n",
                arg=report.charts_expected, timeout=timeout_ms)
        except Exception:  # noqa: BLE001 - the count below says how many rendered
            pass
    report.charts_rendered = page.locator("figure.t22-chart svg.marks").count()
    layout = page.evaluate(LAYOUT_JS)
    report.scroll_width, report.inner_width = layout["scroll"], layout["inner"]
    report.cut_labels, report.empty_figures = layout["cut"], layout["empty"]
    if screenshot is not None:
        page.screenshot(path=str(screenshot), full_page=True)
    context.close()
    return report

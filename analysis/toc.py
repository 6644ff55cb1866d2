"""The book's table of contents (_toc.yml): fixed prose pages plus one entry per generated chapter.

`python -m analysis run` rewrites it, so a new positional issue in issues.csv appears in the book
with no hand edit.
"""

from __future__ import annotations

from analysis.jobs import Job
from analysis.paths import GENERATED_DIR, ROOT, TOC_FILE

TOC_PATH = TOC_FILE


def _entry(job: Job) -> str:
    return (GENERATED_DIR / job.output).relative_to(ROOT).with_suffix("").as_posix()


def render(jobs: list[Job]) -> str:
    by_name = {job.name: job for job in jobs}
    issue_chapters = [job for job in jobs if job.scope is not None]
    lines = [
        "# Written by `python -m analysis run` (analysis/toc.py): edit that, not this file.",
        "format: jb-book",
        f"root: {_entry(by_name['introduction'])}",
        "parts:",
        "  - caption: Data and methods",
        "    chapters:",
        "      - file: book/codebook",
        f"      - file: {_entry(by_name['data'])}",
        "      - file: book/methods",
        "  - caption: Findings",
        "    chapters:",
        f"      - file: {_entry(by_name['overview'])}",
        f"      - file: {_entry(by_name['comparison'])}",
    ]
    if issue_chapters:
        lines += ["  - caption: Issue by issue", "    chapters:"]
        lines += [f"      - file: {_entry(job)}" for job in issue_chapters]
    lines += [
        "  - caption: How far the findings hold",
        "    chapters:",
        f"      - file: {_entry(by_name['robustness'])}",
        "  - caption: Using the package",
        "    chapters:",
        "      - file: book/rerun",
        "      - file: book/downloads",
        "      - file: book/cite",
        "  - caption: Reference",
        "    chapters:",
        f"      - file: {_entry(by_name['sources'])}",
        "      - file: book/glossary",
    ]
    return "\n".join(lines) + "\n"

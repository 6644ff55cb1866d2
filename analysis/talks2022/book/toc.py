"""The book's table of contents (_toc.yml): fixed prose pages plus one entry per generated chapter.

`talks2022 run` rewrites it (with yaml.safe_dump), so a new positional issue in issues.csv appears in
the book with no hand edit.
"""

from __future__ import annotations

import yaml

from talks2022.paths import Project
from talks2022.pipeline.jobs import EXPLORER_TEMPLATE, Job

HEADER = "# Written by `talks2022 run` (talks2022/book/toc.py): edit that, not this file.\n"


def _entry(job: Job, project: Project) -> str:
    return (project.generated_dir / job.output).relative_to(project.root).with_suffix("").as_posix()


def _part(caption: str, files: list[str]) -> dict:
    return {"caption": caption, "chapters": [{"file": file} for file in files]}


def structure(jobs: list[Job], project: Project) -> dict:
    """The table of contents as data: Jupyter Book's jb-book format."""
    by_name = {job.name: _entry(job, project) for job in jobs}
    issue_chapters = [_entry(job, project) for job in jobs if job.scope is not None]
    parts = [
        _part("Data and methods", ["book/codebook", by_name["data"], "book/methods"]),
        _part("Findings", [by_name["overview"], by_name["comparison"]]),
    ]
    if issue_chapters:
        parts.append(_part("Issue by issue", issue_chapters))
    parts += [
        _part("How far the findings hold", [by_name["robustness"]]),
        _part("Using the package", ["book/rerun", "book/downloads", "book/cite"]),
        _part("Reference", [*(_entry(job, project) for job in jobs if job.template == EXPLORER_TEMPLATE),
                            by_name["sources"], "book/glossary"]),
    ]
    return {"format": "jb-book", "root": by_name["introduction"], "parts": parts}


def render(jobs: list[Job], project: Project) -> str:
    return HEADER + yaml.safe_dump(structure(jobs, project), sort_keys=False, allow_unicode=True)

"""The notebooks one run executes: which template, with which parameters, into which chapter.

The list is derived from the data: one chapter per positional issue in issues.csv, so a new row there
yields a new chapter with no code change.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from talks2022.paths import TABLES_SUBDIR, relative_to_folder
from talks2022.pipeline.safepaths import checked_name

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Job:
    """One papermill run: a template executed into one chapter of the book."""

    name: str  # what --only selects: "overview", "issue-nato_enlargement", ...
    title: str
    template: str  # file name in talks2022/templates/
    output: str  # POSIX path relative to book/generated/
    scope: str | None = None  # issue_id for an issue chapter (its inputs are that issue's rows)
    extra_parameters: dict[str, str] = field(default_factory=dict)

    def parameters(self, generated_dir: Path, data_dir: Path, as_of: str | None) -> dict[str, str | None]:
        """Papermill parameters; paths relative to the chapter's folder so notebooks stay portable."""
        folder = (generated_dir / self.output).parent
        return {
            "data_dir": relative_to_folder(data_dir, folder),
            "tables_dir": relative_to_folder(generated_dir / TABLES_SUBDIR, folder),
            "as_of": as_of,
            "title": self.title,
            **self.extra_parameters,
        }


# Pages built from the whole record, in book order.
WHOLE_RECORD_PAGES = (
    ("introduction", "Introduction and timeline", "introduction.ipynb"),
    ("data", "The data: scales, examples and dictionary", "data.ipynb"),
    ("overview", "Overview: where the sides stood", "overview.ipynb"),
    ("comparison", "Official positions against expert proposals", "comparison.ipynb"),
    ("robustness", "Robustness", "robustness.ipynb"),
    ("sources", "Sources", "sources.ipynb"),
    ("explorer", "Statement explorer", "explorer.ipynb"),
)
ISSUE_TEMPLATE = "issue.ipynb"


EXPLORER_TEMPLATE = "explorer.ipynb"


def plan(issues: pd.DataFrame, statements: int = 0) -> list[Job]:
    """Every chapter the book needs for this data: the whole-record pages (the explorer in as many parts as
    `statements` need, talks2022.book.pages.explorer_parts) and one chapter per positional issue."""
    from talks2022.book.pages import explorer_parts

    jobs = []
    for name, title, template in WHOLE_RECORD_PAGES:
        jobs.append(Job(name=name, title=title, template=template, output=template))
        if template == EXPLORER_TEMPLATE:
            jobs += [Job(name=f"explorer-{part}", title=f"{title}, part {part}", template=template,
                         output=f"explorer_{part}.ipynb", extra_parameters={"part": str(part)})
                     for part in range(2, explorer_parts(statements) + 1)]
    for issue in issues[issues["positional"]].itertuples():
        checked_name(issue.issue_id, "issue id")  # it becomes a file name: never '..', '/' or the like
        jobs.append(Job(
            name=f"issue-{issue.issue_id}",
            title=str(issue.label),
            template=ISSUE_TEMPLATE,
            output=f"issues/{issue.issue_id}.ipynb",
            scope=str(issue.issue_id),
            extra_parameters={"issue_id": str(issue.issue_id)},
        ))
    return jobs


def select(jobs: list[Job], only: list[str] | None) -> list[Job]:
    """The jobs named by --only (all when empty); unknown names are an error that lists the known ones."""
    if not only:
        return jobs
    known = {job.name for job in jobs}
    unknown = sorted(set(only) - known)
    if unknown:
        raise ValueError(f"unknown notebook(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return [job for job in jobs if job.name in set(only)]


def digest(*parts: bytes | str) -> str:
    """sha256 over length-prefixed parts (so ('ab','c') and ('a','bc') differ)."""
    hasher = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        hasher.update(len(data).to_bytes(8, "big"))
        hasher.update(data)
    return hasher.hexdigest()


def canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

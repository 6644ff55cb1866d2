"""Execute templates with papermill, in worker processes of their own (the pipeline runs several at once).

Usage: python -m talks2022.pipeline.execute TEMPLATE OUTPUT CWD PARAMETERS_JSON   (one notebook)
       python -m talks2022.pipeline.execute --serve                              (a worker: one notebook per request)

One notebook: exit 0: executed and normalised. Exit 2: a cell raised; a JSON report (cell, error) is
printed on stdout and OUTPUT holds the partly executed notebook. Exit 3: the kernel could not start (worth
a retry).

A worker reads one JSON request per line on stdin ({"template", "output", "cwd", "parameters"}) and answers
each with one line on stdout: REPLY_PREFIX, then JSON {"code": 0, 2 or 3 as above, "report": the JSON report
or null}. It imports papermill once for all its notebooks; it ends when stdin closes. The prefix tells
replies from anything a kernel, which shares the worker's stdout, might print.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TextIO

import nbformat

# Metadata that differs from run to run (timestamps, durations, absolute paths): never written.
_VOLATILE_NOTEBOOK_KEYS = ("start_time", "end_time", "duration", "input_path", "output_path",
                           "environment_variables", "version", "exception")
_VOLATILE_CELL_KEYS = ("execution", "papermill")
REPLY_PREFIX = "t22-reply "


def normalise(path: Path) -> None:
    """Drop volatile metadata so that two runs on the same inputs give byte-identical notebooks."""
    notebook = nbformat.read(path, as_version=4)
    papermill_meta = notebook.metadata.get("papermill", {})
    for key in _VOLATILE_NOTEBOOK_KEYS:
        papermill_meta.pop(key, None)
    for cell in notebook.cells:
        for key in _VOLATILE_CELL_KEYS:
            cell.metadata.pop(key, None)
        tags = cell.metadata.get("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            cell.metadata["tags"] = [*tags, "remove-cell"]  # the book shows results, not plumbing
        cell.pop("id", None)
    notebook.nbformat_minor = 4  # cell ids are random; format 4.4 does not need them
    nbformat.write(notebook, path)


def markdown_escape(text: str) -> str:
    """Backslash-escape ASCII punctuation so a title from the data is shown as text, never as markup."""
    return "".join("\\" + char if char in _MARKDOWN_SPECIALS else char for char in " ".join(text.split()))


_MARKDOWN_SPECIALS = set("\\`*_{}[]()<>#+-.!|~:$&\"'=@%^;,/?")


def fill_title(path: Path, title: str) -> None:
    """Put the chapter title (e.g. the issue label) where a markdown cell of the template says {{title}}."""
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and "{{title}}" in cell.source:
            cell.source = cell.source.replace("{{title}}", markdown_escape(title))
    nbformat.write(notebook, path)


def _failing_cell(path: Path) -> int | None:
    """Index of the cell whose output is an error, in the partly executed notebook."""
    try:
        notebook = nbformat.read(path, as_version=4)
    except Exception:  # noqa: BLE001 - the report is best effort; the error itself is reported anyway
        return None
    for index, cell in enumerate(notebook.cells):
        if any(output.get("output_type") == "error" for output in cell.get("outputs", [])):
            return index
    return None


def execute(template: str, output: str, cwd: str, parameters: dict) -> tuple[int, dict | None]:
    """Run one template into OUTPUT: (0, None), or (2 or 3, a JSON-ready report) as the module says."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    output_path = Path(output)
    output_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # Once the last cell has run the outputs are complete: the kernel is killed rather than asked to
        # shut down (a graceful exit costs about 0.4 s per chapter).
        papermill.execute_notebook(template, output, parameters=parameters, kernel_name="python3",
                                   progress_bar=False, cwd=cwd, log_output=False, shutdown_kernel="immediate")
    except PapermillExecutionError as error:
        return 2, {"cell": error.cell_index, "exec_count": error.exec_count,
                   "error": f"{error.ename}: {error.evalue}", "failing_cell": _failing_cell(output_path)}
    except Exception as error:  # noqa: BLE001 - a kernel that cannot start: the caller retries
        return 3, {"cell": None, "error": f"{type(error).__name__}: {error}"}
    normalise(output_path)
    fill_title(output_path, str(parameters.get("title") or ""))
    return 0, None


def serve(requests: TextIO, replies: TextIO) -> int:
    """The worker loop: one request line in, one reply line out, until the requests end."""
    for line in requests:
        if not line.strip():
            continue
        request = json.loads(line)
        code, report = execute(request["template"], request["output"], request["cwd"], request["parameters"])
        replies.write(REPLY_PREFIX + json.dumps({"code": code, "report": report}) + "\n")
        replies.flush()
    return 0


def main(argv: list[str]) -> int:
    if argv == ["--serve"]:
        return serve(sys.stdin, sys.stdout)
    template, output, cwd, parameters_json = argv
    code, report = execute(template, output, cwd, json.loads(parameters_json))
    if report is not None:
        print(json.dumps(report))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

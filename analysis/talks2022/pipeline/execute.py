"""Execute templates with papermill, in worker processes of their own (the pipeline runs several at once).

Usage: python -m talks2022.pipeline.execute TEMPLATE OUTPUT CWD PARAMETERS_JSON   (one notebook)
       python -m talks2022.pipeline.execute --serve                              (a worker: one notebook per request)

One notebook: exit 0: executed and normalised. Exit 2: a cell raised; a JSON report (cell, error) is
printed on stdout and OUTPUT holds the partly executed notebook. Exit 3: the kernel could not start (worth
a retry).

A worker keeps one kernel (a "warm" kernel: started when the worker starts, with the modules the
templates import already imported) and reuses it for one notebook after another: before each, the kernel
is reset to what a fresh one has (no names, no history, execution count 1) and moved to the request's
folder; a notebook that fails gets its kernel stopped, and the next one a new kernel. A notebook then costs
its own cells, not a kernel start and a pandas import. Outputs are the same as in a fresh kernel (strict
nbval re-executes the chapters in fresh kernels and compares).

A worker reads one JSON request per line on stdin ({"template", "output", "cwd", "parameters"}) and answers
each with one line on stdout: REPLY_PREFIX, then JSON {"code": 0, 2 or 3 as above, "report": the JSON report
or null}. It imports papermill once for all its notebooks; it ends when stdin closes. The prefix tells
replies from anything a kernel, which shares the worker's stdout, might print.
"""

from __future__ import annotations

import functools
import json
import os
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


# A page title also reaches sinks that no escaping of ours controls: the theme's print heading and the
# search index, whose results page inserts titles as HTML. Angle brackets become look-alike quotation
# marks, so a title is inert in itself (the validator rejects them in labels today; this does not rely on it).
INERT = str.maketrans({"<": "\u2039", ">": "\u203a"})


def inert_title(text: str) -> str:
    return text.translate(INERT)


_MARKDOWN_SPECIALS = set("\\`*_{}[]()<>#+-.!|~:$&\"'=@%^;,/?")


def fill_title(path: Path, title: str) -> None:
    """Put the chapter title (e.g. the issue label) where a markdown cell of the template says {{title}}."""
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and "{{title}}" in cell.source:
            cell.source = cell.source.replace("{{title}}", markdown_escape(inert_title(title)))
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


# Imported into a warm kernel before it is used (what every template imports anyway); no name is left behind.
PRELOAD_MODULES = ("pandas", "numpy", "altair", "IPython.display", "talks2022.book.pages", "talks2022.book.charts",
                   "talks2022.book.views", "talks2022.book.render", "talks2022.book.codebook")
_PRELOAD_LINES = [f"for _t22_module in {PRELOAD_MODULES!r}: __import__(_t22_module)", "del _t22_module",
                  # every chapter of a run loads the same folder: validated once per content
                  "__import__('talks2022.data.dataset', fromlist=['_']).remember_valid_folders()"]
# As nbclient starts its kernels: no history file. No output cache (Out, _, __): no template reads it, and
# emptying it is what makes a reset slow (a full garbage collection, 0.06 s a chapter).
_KERNEL_ARGUMENTS = ["--HistoryManager.hist_file=:memory:", "--InteractiveShell.cache_size=0"]
# Before each notebook: what a fresh kernel has (no names, no history, execution count 1; the warnings'
# "shown once" registries emptied), in the chapter's folder. Imported modules stay: the templates import them
# anyway, and none keeps state between chapters (strict nbval re-executes every chapter in a fresh kernel
# and compares its outputs).
_RESET_CODE = ("get_ipython().reset(new_session=True); "
               "getattr(__import__('warnings'), '_filters_mutated', lambda: None)(); "
               "__import__('os').chdir({cwd!r})")
WARM_ENV = "TALKS2022_WARM_KERNELS"  # "0": a fresh kernel per notebook, as papermill alone does


KERNEL_READY_SECONDS = 60


async def _wait_until_ready(client, timeout: float | None = None) -> None:
    """jupyter_client's wait_for_ready, less its closing wait: a kernel_info reply on the shell channel and
    the request's closing "idle" status on IOPub (proof that IOPub is connected, so no output of the next
    cell is lost), then return at once instead of after 0.2 s without IOPub messages, which jupyter_client
    waits on every client start: twice per notebook here, more than many chapters' cells take."""
    import asyncio
    import time
    from queue import Empty

    from jupyter_core.utils import ensure_async

    deadline = time.monotonic() + (timeout if timeout is not None else KERNEL_READY_SECONDS)
    while time.monotonic() < deadline:
        msg_id = client.kernel_info()
        try:
            reply = await ensure_async(client._async_recv_reply(msg_id, timeout=1))
        except TimeoutError:
            if not await ensure_async(client._async_is_alive()):
                raise RuntimeError("the kernel died before replying to kernel_info") from None
            continue
        client._handle_kernel_info_reply(reply)
        while time.monotonic() < deadline:
            try:
                message = await ensure_async(client.iopub_channel.get_msg(timeout=0.5))
            except Empty:
                break  # IOPub not connected yet when the kernel answered: ask again
            if (message["parent_header"].get("msg_id") == msg_id and message["msg_type"] == "status"
                    and message["content"]["execution_state"] == "idle"):
                return
        await asyncio.sleep(0)
    raise RuntimeError(f"the kernel did not answer within {timeout or KERNEL_READY_SECONDS} s")


# papermill's kernel clients still connected. Given a kernel manager (km=), nbclient leaves its client's
# channels open after the notebook; connected, a client's IOPub socket would queue every message of every later
# notebook, outputs included, for nobody. close_papermill_clients() closes them once the notebook is done.
_papermill_clients: set = set()


def close_papermill_clients() -> None:
    while _papermill_clients:
        _papermill_clients.pop().stop_channels()


@functools.cache
def _ready_client_classes():
    from jupyter_client.asynchronous import AsyncKernelClient
    from jupyter_client.blocking import BlockingKernelClient
    from jupyter_core.utils import run_sync

    class QuickReadyAsyncClient(AsyncKernelClient):
        wait_for_ready = _wait_until_ready

        def start_channels(self, *args, **kwargs) -> None:
            super().start_channels(*args, **kwargs)
            _papermill_clients.add(self)

    class QuickReadyBlockingClient(BlockingKernelClient):
        wait_for_ready = run_sync(_wait_until_ready)

    return QuickReadyAsyncClient, QuickReadyBlockingClient


class WarmKernels:
    """The worker's kernel: started ahead of need, then reused notebook after notebook.

    `take(cwd)` returns the kernel, its namespace, history and execution count reset and its working folder
    `cwd`; `release(manager, reusable)` keeps it for the next notebook, or stops it (a failed notebook, a
    kernel in doubt) so the next `take` starts a new one. A kernel's start and the imports cost about two
    seconds of CPU, more than most chapters' own cells: one start per worker, not per chapter.
    """

    def __init__(self) -> None:
        self._kernel = None

    def _start(self):
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        manager = AsyncKernelManager(kernel_name="python3")
        # papermill's client (nbclient asks the manager for one) waits for the kernel the quick way.
        manager.client_factory = _ready_client_classes()[0]
        exec_lines = [f"--IPKernelApp.exec_lines={line}" for line in _PRELOAD_LINES]
        run_sync(manager.start_kernel)(extra_arguments=[*_KERNEL_ARGUMENTS, *exec_lines])
        return manager

    def start_ahead(self) -> None:
        """Start the kernel now (while the caller has other work), not at the first notebook."""
        if self._kernel is None:
            self._kernel = self._start()

    def take(self, cwd: str):
        self.start_ahead()
        manager, self._kernel = self._kernel, None
        client = _ready_client_classes()[1]()
        client.load_connection_info(manager.get_connection_info())
        client.start_channels()
        try:
            client.wait_for_ready(timeout=KERNEL_READY_SECONDS)
            reply = client.execute_interactive(_RESET_CODE.format(cwd=cwd), silent=True, store_history=False,
                                               timeout=60, output_hook=lambda _message: None)
            if reply["content"]["status"] != "ok":
                raise RuntimeError(f"cannot reset the kernel and move it to {cwd}")
        except BaseException:
            self.stop(manager)
            raise
        finally:
            client.stop_channels()
        return manager

    def release(self, manager, reusable: bool) -> None:
        if reusable and self._kernel is None:
            self._kernel = manager
        else:
            self.stop(manager)

    @staticmethod
    def stop(manager) -> None:
        from jupyter_core.utils import run_sync

        try:
            run_sync(manager.shutdown_kernel)(now=True)
        except Exception:  # noqa: BLE001 - a kernel that is already gone
            pass

    def close(self) -> None:
        if self._kernel is not None:
            self.stop(self._kernel)
            self._kernel = None


def execute(template: str, output: str, cwd: str, parameters: dict,
            warm: WarmKernels | None = None) -> tuple[int, dict | None]:
    """Run one template into OUTPUT: (0, None), or (2 or 3, a JSON-ready report) as the module says."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    output_path = Path(output)
    output_path.parent.mkdir(parents=True, exist_ok=True)
    manager = None
    clean = False  # the kernel ran every cell: it may serve the next notebook
    try:
        extra = {}
        if warm is not None:
            manager = warm.take(cwd)
            extra["km"] = manager
        # Once the last cell has run the outputs are complete: a kernel of papermill's own is killed rather
        # than asked to shut down (a graceful exit costs about 0.4 s per chapter).
        papermill.execute_notebook(template, output, parameters=parameters, kernel_name="python3",
                                   progress_bar=False, cwd=cwd, log_output=False, shutdown_kernel="immediate",
                                   request_save_on_cell_execute=False, **extra)  # written once, at the end
        clean = True
    except PapermillExecutionError as error:
        return 2, {"cell": error.cell_index, "exec_count": error.exec_count,
                   "error": f"{error.ename}: {error.evalue}", "failing_cell": _failing_cell(output_path)}
    except Exception as error:  # noqa: BLE001 - a kernel that cannot start: the caller retries
        return 3, {"cell": None, "error": f"{type(error).__name__}: {error}"}
    finally:
        close_papermill_clients()
        if manager is not None:
            warm.release(manager, reusable=clean)
    normalise(output_path)
    fill_title(output_path, str(parameters.get("title") or ""))
    return 0, None


def serve(requests: TextIO, replies: TextIO) -> int:
    """The worker loop: one request line in, one reply line out, until the requests end."""
    warm = WarmKernels() if os.environ.get(WARM_ENV, "1") != "0" else None
    try:
        if warm is not None:
            warm.start_ahead()  # while the run validates the data and computes the tables
        for line in requests:
            if not line.strip():
                continue
            request = json.loads(line)
            code, report = execute(request["template"], request["output"], request["cwd"], request["parameters"],
                                   warm)
            replies.write(REPLY_PREFIX + json.dumps({"code": code, "report": report}) + "\n")
            replies.flush()
    finally:
        if warm is not None:
            warm.close()
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

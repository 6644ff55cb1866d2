"""SIGINT and SIGTERM as one exception, from the first moment the command runs to its last cleanup.

`install()` is the first thing `talks2022` does: from then on either signal raises Interrupted (once:
a second Ctrl-C while the run cleans up is noted, not raised, so the cleanup finishes). `deferred()`
holds both back while a swap renames folders; a signal that arrived meanwhile is raised after it.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """The user (SIGINT) or the system (SIGTERM) asked the command to stop. `after_commit`: it came while
    a swap was committing, which finished: the new outputs are in place and complete."""

    def __init__(self, signum: int, after_commit: bool = False):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.after_commit = after_commit


def _raise_once(signum: int, _frame: object) -> None:
    for sig in SIGNALS:
        signal.signal(sig, _noted)
    raise Interrupted(signum)


def _noted(_signum: int, _frame: object) -> None:
    """A further signal while the first one's cleanup runs: already stopping."""


def install() -> None:
    """Raise Interrupted on the next SIGINT or SIGTERM (main thread only)."""
    for sig in SIGNALS:
        signal.signal(sig, _raise_once)


@contextmanager
def raising() -> Iterator[None]:
    """install() for the duration, then the previous handlers again (for callers of the Python API)."""
    previous = {sig: signal.getsignal(sig) for sig in SIGNALS}
    install()
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@contextmanager
def raising_if_main_thread() -> Iterator[None]:
    """For run() and build() called from Python: interrupts raise for their duration (the command line
    has installed this already; signal handlers can only be set from the main thread)."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGINT) in (
            _raise_once, _noted):
        yield
        return
    with raising():
        yield


@contextmanager
def deferred() -> Iterator[list[int]]:
    """Hold SIGINT/SIGTERM back while the block runs (a swap must not stop half-way). A signal that came
    meanwhile is taken off the queue and put in the yielded list: the caller finishes, then calls
    `raise_pending` (it raises Interrupted(after_commit=True), telling the truth: the swap happened)."""
    pending: list[int] = []
    signal.pthread_sigmask(signal.SIG_BLOCK, set(SIGNALS))
    try:
        yield pending
    finally:
        while (info := signal.sigtimedwait(SIGNALS, 0)) is not None:
            pending.append(info.si_signo)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, set(SIGNALS))


def raise_pending(pending: list[int]) -> None:
    """Raise the first signal `deferred` held back, if any (and note any later one, as _raise_once does)."""
    if pending and signal.getsignal(signal.SIGINT) is not _noted:
        for sig in SIGNALS:
            with suppress(ValueError):  # not the main thread: nothing to switch
                signal.signal(sig, _noted)
        raise Interrupted(pending[0], after_commit=True)

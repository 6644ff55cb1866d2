"""Fault injection for the tests: make a named write site fail as a read-only disk, a full disk or a
denied permission would, or kill the process there (a crash), so a test can prove what each failure leaves.

Only the tests set TALKS2022_TEST_FAULT, a comma-separated list of SITE=ACTION:
  ACTION an errno name (EROFS, ENOSPC, EACCES, ...): raise that OSError at SITE;
  ACTION "kill": SIGKILL this process at SITE (a machine that died there);
  ACTION "sigint" / "sigterm": send this process that signal at SITE (a Ctrl-C at that moment).
Unset (always, outside the tests), `check` does nothing.
"""

from __future__ import annotations

import errno
import os
import signal
from pathlib import Path

FAULT_ENV = "TALKS2022_TEST_FAULT"
SIGNALS = {"kill": signal.SIGKILL, "sigint": signal.SIGINT, "sigterm": signal.SIGTERM}


def check(site: str, path: Path | str | None = None) -> None:
    """Fail at `site` if the tests asked for it (`path`: what the failing write was about to write)."""
    spec = os.environ.get(FAULT_ENV)
    if not spec:
        return
    for item in spec.split(","):
        name, _, action = item.strip().partition("=")
        if name != site:
            continue
        if action in SIGNALS:
            os.kill(os.getpid(), SIGNALS[action])
            if action != "kill":
                continue  # the handler raises (or the process ends) as a real signal would
        code = getattr(errno, action, None)
        if isinstance(code, int):
            raise OSError(code, os.strerror(code), str(path) if path is not None else site)

"""One `talks2022 run` or `build` at a time on one project: an exclusive flock on _build/.talks2022.lock.

The lock is held by the open file, so it goes with the process however it ends (even SIGKILL): there is
no stale lock to clear. A second process stops at once with one line, or waits with --wait.
"""

from __future__ import annotations

import fcntl
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from talks2022.paths import Project
from talks2022.pipeline import faults

LOCK_NAME = ".talks2022.lock"


class ProjectBusy(Exception):
    """Another run or build holds the project's lock."""


class LockUnavailable(Exception):
    """The lock file cannot be created (a read-only project, an unwritable _build)."""


@contextmanager
def project_lock(project: Project, wait: bool = False) -> Iterator[None]:
    path = project.build_dir / LOCK_NAME
    try:
        faults.check("lock", path)
        project.build_dir.mkdir(exist_ok=True)
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as error:
        raise LockUnavailable(f"cannot write the lock file {path}: {error.strerror or error}") from None
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                raise ProjectBusy(f"another talks2022 run or build is using this project (lock: {path})") from None
            print(f"waiting for another talks2022 run or build to finish (lock: {path})", file=sys.stderr, flush=True)
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # releases the lock

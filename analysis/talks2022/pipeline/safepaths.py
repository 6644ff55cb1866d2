"""Every path the pipeline writes is built from checked names and confirmed inside its output folder.

Chapter file names come from the data (issue ids) and table names from the code; each is checked against
SAFE_NAME where it is used, and the path built from it is resolved and must lie inside the folder it is
written to. Validation already rejects such ids: this holds even if something bypassed it.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

SAFE_NAME = re.compile(r"[a-z][a-z0-9_]{0,62}", re.ASCII)
CHAPTER_SUFFIX = ".ipynb"


class UnsafePath(Exception):
    """A name or path that could write outside its folder; the message says which."""


def checked_name(name: object, what: str = "name") -> str:
    """`name` itself if it matches SAFE_NAME, else UnsafePath."""
    if not isinstance(name, str) or not SAFE_NAME.fullmatch(name):
        raise UnsafePath(f"refusing to write a file for the {what} {name!r}: names must match "
                         f"{SAFE_NAME.pattern} (lower-case letters, digits, underscores)")
    return name


def inside(folder: Path, relative: str, suffix: str, what: str) -> Path:
    """folder/relative, where `relative` is NAME or NAME/NAME... ending in `suffix`, each NAME checked,
    and the resolved path confirmed inside the resolved folder."""
    if not isinstance(relative, str) or not relative.endswith(suffix):
        raise UnsafePath(f"refusing to write {relative!r} for the {what}: not a relative *{suffix} path")
    parts = relative.split("/")  # literally: no '', '.', '..' or '//' survives the name check
    for part in (*parts[:-1], parts[-1][: -len(suffix)]):
        checked_name(part, what)
    pure = PurePosixPath(relative)
    base = folder.resolve()
    target = (base / pure).resolve()
    if not target.is_relative_to(base) or target == base:
        raise UnsafePath(f"refusing to write {relative!r} for the {what}: it resolves outside {folder}")
    return folder / pure


def chapter_path(folder: Path, output: str) -> Path:
    """Where a chapter (e.g. 'issues/nato_enlargement.ipynb') is written inside `folder`."""
    return inside(folder, output, CHAPTER_SUFFIX, "chapter")


def table_path(folder: Path, name: str) -> Path:
    """Where a derived table `name` is written inside `folder`."""
    return inside(folder, checked_name(name, "derived table") + ".csv", ".csv", "derived table")

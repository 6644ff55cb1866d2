#!/usr/bin/env python3
"""Pre-commit check: notebook templates carry no outputs, no execution counts and one `parameters` cell.

Usage: check_templates.py TEMPLATE.ipynb ...   (exit 1 and one line per problem otherwise)
"""

from __future__ import annotations

import json
import sys


def problems(path: str) -> list[str]:
    notebook = json.loads(open(path, encoding="utf-8").read())
    found = []
    tagged = 0
    for index, cell in enumerate(notebook.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        if cell.get("outputs"):
            found.append(f"{path}: cell {index} has outputs (templates are executed only by talks2022 run)")
        if cell.get("execution_count") is not None:
            found.append(f"{path}: cell {index} has an execution count")
        tagged += "parameters" in cell.get("metadata", {}).get("tags", [])
    if tagged != 1:
        found.append(f"{path}: {tagged} cells tagged 'parameters' (papermill needs exactly one)")
    return found


def main(paths: list[str]) -> int:
    found = [line for path in paths for line in problems(path)]
    print("\n".join(found)) if found else None
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The published data package: one zip with the data, the derived tables and one descriptor for both.

A reader who downloads single CSV files from the site gets each in a folder of its own, so a descriptor
next to them would find none of its files. The archive keeps the layout a descriptor needs:

    datapackage.json        the shipped schema's data resources (paths data/...) and the derived tables
                            (paths tables/...), with the package's name, version and licences
    data/*.csv              the tables the schema names, and reliability/second_coding.csv if present
    tables/*.csv            the derived tables

The zip is deterministic (sorted entries, fixed timestamps), so an unchanged run rewrites it byte for byte.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from talks2022.methods.derived import SCHEMA_PATH as DERIVED_SCHEMA

ARCHIVE_NAME = "talks2022-data.zip"
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the zip format's earliest date: no build time leaks into the bytes


def descriptor(schema: dict, derived: dict, data_dir: Path) -> dict:
    """The archive's datapackage.json: data resources under data/, derived tables under tables/."""
    resources = []
    for resource in schema["resources"]:
        if not (data_dir / resource["path"]).is_file():
            continue  # an optional resource this folder does not have
        resources.append({**resource, "path": f"data/{resource['path']}"})
    for resource in derived["resources"]:
        path = resource.get("path", f"{resource['name']}.csv")
        resources.append({**resource, "path": f"tables/{path}", "profile": "tabular-data-resource"})
    package = {key: value for key, value in schema.items() if key != "resources"}
    package["resources"] = resources
    package["profile"] = "tabular-data-package"
    return package


def write_archive(schema_path: Path, data_dir: Path, tables_dir: Path, out_path: Path,
                  derived_path: Path = DERIVED_SCHEMA) -> Path:
    """Write the archive of `data_dir` and `tables_dir` to `out_path` (see the module docstring)."""
    schema = json.loads(Path(schema_path).read_text(encoding="utf-8"))
    derived = json.loads(Path(derived_path).read_text(encoding="utf-8"))
    package = descriptor(schema, derived, Path(data_dir))
    entries = {"datapackage.json": (json.dumps(package, indent=2, ensure_ascii=False) + "\n").encode("utf-8")}
    for resource in package["resources"]:
        folder, name = resource["path"].split("/", 1)
        source = (Path(data_dir) if folder == "data" else Path(tables_dir)) / name
        entries[resource["path"]] = source.read_bytes()
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out_path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, entries[name])
    return out_path

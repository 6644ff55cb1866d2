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
from talks2022.methods.positions import natural_key

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


# --- BibTeX: the book and the sources ------------------------------------------------------------------

BOOK_BIB = "talks2022.bib"
SOURCES_BIB = "sources.bib"
_BIB_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "%": r"\%", "&": r"\&", "#": r"\#",
                "_": r"\_", "$": r"\$", "^": r"\^{}", "~": r"\~{}"}


def bib_text(value: object) -> str:
    """Text for a BibTeX field: special characters escaped, white space folded."""
    text = " ".join(str(value or "").split())
    return "".join(_BIB_SPECIAL.get(char, char) for char in text)


def bib_url(value: object) -> str:
    """A URL for the url field: only the characters that would break the field are escaped."""
    return "".join({"{": "%7B", "}": "%7D", "\\": "%5C"}.get(char, char) for char in str(value or "").strip())


def _entry(kind: str, key: str, fields: dict[str, str]) -> str:
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields.items() if value)
    return f"@{kind}{{{key},\n{body}\n}}\n"


def book_bibtex(schema: dict, version: str) -> str:
    """One entry for the book and package at `version`."""
    title = schema.get("title", "talks2022")
    year = str(schema.get("created", ""))[:4] or "2026"
    return _entry("misc", "talks2022", {
        "author": "{talks2022 developers}", "title": bib_text(title), "year": year, "version": bib_text(version),
        "note": "Dataset, Python package and Jupyter Book. Data and text CC BY 4.0; code MIT."})


def sources_bibtex(sources) -> str:
    """One @misc entry per source (sources: the record's sources frame), keyed by its id."""
    entries = []
    ordered = sources.iloc[sorted(range(len(sources)), key=lambda i: natural_key(sources["source_id"].iloc[i]))]
    for row in ordered.itertuples():
        date = row.date.strftime("%Y-%m-%d") if hasattr(row.date, "strftime") and str(row.date) != "NaT" else ""
        fields = {"title": bib_text(row.title), "author": bib_text(row.author) if row.author else "",
                  "organization": bib_text(row.publisher), "date": date, "year": date[:4],
                  "url": bib_url(row.url), "note": bib_text(f"talks2022 source {row.source_id}; "
                                                            f"{str(row.source_type).replace('_', ' ')}")}
        entries.append(_entry("misc", str(row.source_id), fields))
    return "\n".join(entries)


def write_bibtex(schema_path: Path, sources, version: str, out_dir: Path) -> list[Path]:
    """Write talks2022.bib and sources.bib into out_dir."""
    schema = json.loads(Path(schema_path).read_text(encoding="utf-8"))
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / BOOK_BIB, out_dir / SOURCES_BIB]
    paths[0].write_text(book_bibtex(schema, version), encoding="utf-8")
    paths[1].write_text(sources_bibtex(sources), encoding="utf-8")
    return paths

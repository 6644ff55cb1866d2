"""What makes the edit loop fast must not change what it makes: a reused kernel, a validation done once per
folder content, figures drawn once per spec."""

from __future__ import annotations

import gc
import json
import shutil
from pathlib import Path

import nbformat
import pytest

from talks2022.book import site
from talks2022.data import dataset
from talks2022.data.dataset import DataError, load
from talks2022.paths import TEMPLATES_DIR
from talks2022.pipeline import execute
from tests.pipeline_project import ROOT

GENERATED = ROOT / "book" / "generated"


def _chapter_parameters(issue_id: str) -> dict:
    return {"data_dir": str(ROOT / "data"), "tables_dir": str(GENERATED / "tables"), "as_of": None,
            "title": issue_id, "issue_id": issue_id}


def _notebook(path: Path, *sources: str) -> str:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    notebook.cells[0].metadata["tags"] = ["parameters"]
    nbformat.write(notebook, path)
    return str(path)


def test_a_reused_kernel_gives_the_bytes_a_fresh_kernel_gives(tmp_path: Path) -> None:
    template = str(TEMPLATES_DIR / "issue.ipynb")
    warm = execute.WarmKernels()
    try:
        # Another chapter first, so the kernel has run one before.
        first = execute.execute(template, str(tmp_path / "first.ipynb"), str(tmp_path),
                                _chapter_parameters("military_exercises"), warm)
        reused = execute.execute(template, str(tmp_path / "reused.ipynb"), str(tmp_path),
                                 _chapter_parameters("nato_enlargement"), warm)
    finally:
        warm.close()
    fresh = execute.execute(template, str(tmp_path / "fresh.ipynb"), str(tmp_path),
                            _chapter_parameters("nato_enlargement"), None)
    assert (first, reused, fresh) == ((0, None),) * 3
    assert (tmp_path / "reused.ipynb").read_bytes() == (tmp_path / "fresh.ipynb").read_bytes()
    counts = [cell.get("execution_count") for cell in nbformat.read(tmp_path / "reused.ipynb", 4).cells
              if cell.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1))


def test_a_reused_kernel_keeps_no_names_folder_or_failure_of_the_last_notebook(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    sets = _notebook(tmp_path / "sets.ipynb", "x = 1", "left_behind = 42")
    fails = _notebook(tmp_path / "fails.ipynb", "x = 1", "also_left = 1\nraise ValueError('on purpose')")
    looks = _notebook(tmp_path / "looks.ipynb", "x = 1",
                      "import os\nprint(sorted(n for n in ('left_behind', 'also_left') if n in dir()), "
                      "os.path.basename(os.getcwd()))")
    warm = execute.WarmKernels()
    try:
        assert execute.execute(sets, str(tmp_path / "a" / "out1.ipynb"), str(tmp_path / "a"), {}, warm)[0] == 0
        assert execute.execute(fails, str(tmp_path / "a" / "out2.ipynb"), str(tmp_path / "a"), {}, warm)[0] == 2
        assert execute.execute(looks, str(tmp_path / "b" / "out3.ipynb"), str(tmp_path / "b"), {}, warm)[0] == 0
        assert execute.execute(sets, str(tmp_path / "a" / "out4.ipynb"), str(tmp_path / "a"), {}, warm)[0] == 0
        assert execute.execute(looks, str(tmp_path / "b" / "out5.ipynb"), str(tmp_path / "b"), {}, warm)[0] == 0
    finally:
        warm.close()
    for name in ("out3.ipynb", "out5.ipynb"):
        printed = nbformat.read(tmp_path / "b" / name, 4).cells[-1].outputs[0]["text"]
        assert printed.strip() == "[] b"
    # papermill's kernel clients are closed after each notebook: a connected one would queue every later
    # notebook's outputs for nobody (the workers grew to 700 MB each on the benchmark's largest record).
    gc.collect()
    client_class = execute._ready_client_classes()[0]
    assert not [client for client in gc.get_objects() if isinstance(client, client_class) and client.channels_running]


def _set_position(data_dir: Path, statement_id: str, value: str) -> None:
    import csv
    import io

    path = data_dir / "statements.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    next(row for row in rows if row["statement_id"] == statement_id)["position"] = value
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def test_loading_one_folder_again_validates_once_yet_sees_every_change(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    calls = []
    real = dataset.inspect_dir
    monkeypatch.setattr(dataset, "inspect_dir", lambda folder: calls.append(folder) or real(folder))
    monkeypatch.setattr(dataset, "_last_valid", None)
    monkeypatch.setattr(dataset, "_remember", True)  # as in a pipeline kernel (execute._PRELOAD_LINES)

    def position(record) -> float:
        statements = record.statements
        return float(statements.loc[statements["statement_id"] == "S03-1", "position"].iloc[0])

    first = position(load(data))
    assert position(load(data)) == first and len(calls) == 1
    _set_position(data, "S03-1", "37.5" if first != 37.5 else "62.5")
    assert position(load(data)) != first and len(calls) == 2
    _set_position(data, "S03-1", "73")  # neither an anchor nor a midpoint
    with pytest.raises(DataError, match="statements.csv"):
        load(data)
    with pytest.raises(DataError, match="statements.csv"):
        load(data)  # an invalid folder is never remembered
    assert len(calls) == 4


def _figure_specs() -> list[dict]:
    return [spec for path in sorted(GENERATED.rglob("*.ipynb")) for _fig, spec, _link in site.figures_of(path)]


def test_figures_are_drawn_once_per_spec_and_the_cache_keeps_only_the_site(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    spec = _figure_specs()[0]
    drawn = []
    real = site.figure_svg
    monkeypatch.setattr(site, "figure_svg", lambda s: drawn.append(s) or real(s))
    cache = site.FigureFiles(tmp_path / "cache")
    base = tmp_path / "site" / "fig-a"
    cache.write_all([(spec, base)])
    first_svg = base.with_name("fig-a.svg").read_bytes()
    assert first_svg.startswith(b"<svg") and len(drawn) == 1
    base.with_name("fig-a.svg").unlink()
    site.FigureFiles(tmp_path / "cache").write_all([(spec, base)])  # a later build
    assert base.with_name("fig-a.svg").read_bytes() == first_svg and len(drawn) == 1
    changed = json.loads(json.dumps(spec))
    changed["usermeta"]["talks2022"]["title"] = "Another title"
    site.FigureFiles(tmp_path / "cache").write_all([(changed, base)])
    assert len(drawn) == 2 and b"Another title" in base.with_name("fig-a.svg").read_bytes()
    assert len(list((tmp_path / "cache").iterdir())) == 2  # the old spec's entries are gone

"""The benchmark's synthetic data (bench/synthetic.py): valid against the schema, seeded, really scaled."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from bench import synthetic
from talks2022.data.validate import validate_dir
from tests.pipeline_project import REPO

DATA_DIR = REPO.data_dir

FACTOR = 3


def _statements(folder: Path) -> list[dict[str, str]]:
    with (folder / synthetic.STATEMENTS).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_a_scaled_dataset_is_valid_and_scaled(tmp_path: Path) -> None:
    out = synthetic.generate(DATA_DIR, tmp_path / "data", FACTOR)
    assert validate_dir(out) == []
    shipped, scaled = _statements(DATA_DIR), _statements(out)
    assert len(scaled) == FACTOR * len(shipped)
    assert scaled[: len(shipped)] == shipped  # the shipped rows come first, unchanged
    assert len({row["statement_id"] for row in scaled}) == len(scaled)
    copies = scaled[len(shipped):]
    pairs = list(zip(copies, shipped * (FACTOR - 1), strict=True))
    assert any(copy["position"] != row["position"] for copy, row in pairs)  # jittered, not duplicated
    assert all(bool(copy["position"]) == bool(row["position"]) for copy, row in pairs)
    for name in synthetic.COPIED_AS_IS + synthetic.OPTIONAL:
        assert (out / name).read_bytes() == (DATA_DIR / name).read_bytes()
    on_grid = [float(row["position"]) % synthetic.POSITION_STEP == 0 for row in copies if row["position"]]
    assert on_grid and all(on_grid)  # positions stay anchors or midpoints


def test_the_same_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    first = synthetic.generate(DATA_DIR, tmp_path / "first", FACTOR)
    second = synthetic.generate(DATA_DIR, tmp_path / "second", FACTOR)
    other = synthetic.generate(DATA_DIR, tmp_path / "other", FACTOR, seed=synthetic.DEFAULT_SEED + 1)
    statements = synthetic.STATEMENTS
    assert (first / statements).read_bytes() == (second / statements).read_bytes()
    assert (first / statements).read_bytes() != (other / statements).read_bytes()


def test_the_id_space_holds_a_thousand_times_the_record() -> None:
    package = json.loads((DATA_DIR / "datapackage.json").read_text(encoding="utf-8"))
    statements = next(resource for resource in package["resources"] if resource["name"] == "statements")
    id_field = next(field for field in statements["schema"]["fields"] if field["name"] == "statement_id")
    pattern = re.compile(id_field["constraints"]["pattern"])
    ids = list(synthetic.statement_ids())
    assert len(ids) == len(set(ids)) == 2_970_000
    assert all(pattern.fullmatch(statement_id) for statement_id in ids)
    assert len(ids) >= 1000 * len(_statements(DATA_DIR))

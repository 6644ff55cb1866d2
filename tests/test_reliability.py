"""Krippendorff's alpha (interval) by hand, and the second-coding file's checks."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from talks2022.methods.reliability import (
    ReliabilityError,
    agreement,
    compare,
    krippendorff_alpha_interval,
    read_second_coding,
)


def test_alpha_by_hand():
    # Units (1,2) and (2,1): values 1,2,2,1 (n = 4). D_o = 2/4 * (1 + 1) = 1.
    # Ordered pairs of distinct values: 2 ones x 2 twos x 2 orders = 8, each squared difference 1:
    # D_e = 8 / (4 * 3) = 2/3. alpha = 1 - 1 / (2/3) = -0.5.
    assert krippendorff_alpha_interval([1, 2], [2, 1]) == pytest.approx(-0.5)
    # Units (0,0), (0,10), (100,100): values 0,0,0,10,100,100; n = 6.
    # D_o = 2/6 * 100 = 33.33; sum v^2 = 20100, sum v = 210: D_e = (2*6*20100 - 2*210^2)/(6*5) = 5100.
    assert krippendorff_alpha_interval([0, 0, 100], [0, 10, 100]) == pytest.approx(1 - (200 / 6) / 5100)


def test_alpha_is_one_for_perfect_agreement_and_nan_without_variation():
    assert krippendorff_alpha_interval([0, 50, 100], [0, 50, 100]) == 1.0
    assert math.isnan(krippendorff_alpha_interval([50, 50], [50, 50]))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 100), st.floats(0, 100)), min_size=2, max_size=30))
def test_alpha_does_not_depend_on_order_or_on_which_coder_is_first(pairs):
    first, second = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
    alpha = krippendorff_alpha_interval(first, second)
    swapped = krippendorff_alpha_interval(second, first)
    reversed_units = krippendorff_alpha_interval(first[::-1], second[::-1])
    if math.isnan(alpha):
        assert math.isnan(swapped) and math.isnan(reversed_units)
    else:
        assert alpha == pytest.approx(swapped, abs=1e-9) and alpha == pytest.approx(reversed_units, abs=1e-9)
        assert alpha <= 1 + 1e-9


def _write(folder, text):
    (folder / "reliability").mkdir()
    (folder / "reliability" / "second_coding.csv").write_text(text, encoding="utf-8")


def test_second_coding_is_optional_and_checked(tmp_path):
    assert read_second_coding(tmp_path) is None
    _write(tmp_path, "statement_id,position,confidence,coding_note\nS01-1,abc,high,x\n")
    with pytest.raises(ReliabilityError, match="second_coding.csv:2:position: not a number"):
        read_second_coding(tmp_path)


def test_compare_and_agreement():
    statements = pd.DataFrame({"statement_id": ["S01-1", "S01-2", "S01-3"], "issue_id": ["a", "a", "b"],
                               "position": [0.0, 50.0, 100.0]})
    second = pd.DataFrame({"statement_id": ["S01-3", "S01-1", "S01-2"], "position": [100.0, 0.0, 60.0]})
    table = compare(statements, second)
    assert table["statement_id"].tolist() == ["S01-1", "S01-2", "S01-3"]
    assert table["difference"].tolist() == [0.0, 10.0, 0.0]
    result = agreement(table)
    assert result.units == 3 and result.exact == pytest.approx(2 / 3) and result.close == 1.0
    with pytest.raises(ReliabilityError, match="S09-9"):
        compare(statements, pd.DataFrame({"statement_id": ["S09-9"], "position": [1.0]}))


def test_validate_checks_the_second_coding_of_a_data_folder(tmp_path, capsys):
    import shutil

    from talks2022.cli import main
    from tests.pipeline_project import ROOT

    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("reliability"))
    _write(data, "statement_id,position,confidence,coding_note\nS99-9,50,high,a statement that does not exist\n")
    assert main(["validate", str(data)]) == 1
    assert "S99-9" in capsys.readouterr().out

"""The data validator and loader: the bad-input corpus, hostile and huge inputs built at run time, the shipped
data, and talks2022.data.dataset.

Corpus cases live in tests/bad_inputs/<case>/ (written by tests/bad_inputs/build_corpus.py from
tests/fixtures/valid_small/). Each expected.txt line must appear in the output, and every problem printed
must match one of them: a case breaks one thing, so anything else reported is noise or a bug.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import re
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from talks2022.data import dataset, schema, validate
from talks2022.data.cell_rules import check_value
from talks2022.data.schema import SHIPPED_SCHEMA, Problem, SchemaError, load_package, parse_package

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
BAD_INPUTS = Path(__file__).resolve().parent / "bad_inputs"
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "valid_small"


def _load_corpus_builder():
    spec = importlib.util.spec_from_file_location("build_corpus", BAD_INPUTS / "build_corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is created
    spec.loader.exec_module(module)
    return module


corpus = _load_corpus_builder()
CASE_DIRS = sorted(path.parent for path in BAD_INPUTS.glob("*/expected.txt"))
# The subprocess runs are slow (a fresh interpreter importing pandas): only a handful.
SUBPROCESS_CASES = {
    "valid",
    "missing_file",
    "datapackage_not_json",
    "malformed_csv_unclosed_quote",
    "empty_file",
}
VALIDATE_SCRIPT = "import sys; from talks2022.data.validate import main; sys.exit(main(sys.argv[1:]))"


# --- helpers ----------------------------------------------------------------------------------------------


def run_main(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = validate.main([str(data_dir)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def run_subprocess(args: list[str]) -> tuple[int, str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "analysis"), os.environ.get("PYTHONPATH")])),
    }
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    return done.returncode, done.stdout + done.stderr


def assert_report(code: int, output: str, expected: list[str]) -> None:
    assert "Traceback" not in output, output
    lines = output.splitlines()
    assert lines, "no output at all"
    if expected == [corpus.VALID]:
        assert code == 0, output
        # `talks2022 validate` adds a line on the second coding after the validator's own one.
        assert lines[0].startswith("valid: ") and all(line.startswith("valid: ") for line in lines), output
        assert len(lines) == 1 or lines[1:] == [line for line in lines[1:] if "second-coded" in line], output
        return
    assert code == 1, output
    assert lines[-1].startswith("invalid: "), output
    for line in expected:
        assert line in output, f"expected {line!r} in:\n{output}"
    for line in lines[:-1]:
        assert any(fragment in line for fragment in expected), f"unexpected problem {line!r} in:\n{output}"


def expected_of(case_dir: Path) -> list[str]:
    return [line for line in (case_dir / "expected.txt").read_text(encoding="utf-8").splitlines() if line]


def make_data(tmp_path: Path, *edits) -> Path:
    return corpus.write_data(corpus.case_files(corpus.Case("runtime", (), tuple(edits))), tmp_path / "data")


# --- the corpus -------------------------------------------------------------------------------------------


def test_fixture_schema_is_the_shipped_schema() -> None:
    # The corpus must follow the real schema: copy data/datapackage.json over and rerun build_corpus.py.
    assert (FIXTURE / "datapackage.json").read_bytes() == (DATA_DIR / "datapackage.json").read_bytes()


def test_the_package_ships_the_project_schema() -> None:
    # data/datapackage.json is the source of truth; the package carries a copy for installed use:
    #   cp data/datapackage.json analysis/talks2022/data/datapackage.json
    assert SHIPPED_SCHEMA.read_bytes() == (DATA_DIR / "datapackage.json").read_bytes()


def test_corpus_is_up_to_date_and_large_enough() -> None:
    assert corpus.stale_cases() == [], "run: python tests/bad_inputs/build_corpus.py"
    assert len(CASE_DIRS) >= 90


@pytest.mark.parametrize("case_dir", CASE_DIRS, ids=[path.name for path in CASE_DIRS])
def test_corpus_case(case_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if case_dir.name in SUBPROCESS_CASES:
        code, output = run_subprocess(["-c", VALIDATE_SCRIPT, str(case_dir / "data")])
    else:
        code, output = run_main(case_dir / "data", capsys)
    assert_report(code, output, expected_of(case_dir))


@pytest.mark.parametrize("case_name", ["valid", "unknown_actor"])
def test_command_line(case_name: str) -> None:
    case_dir = BAD_INPUTS / case_name
    code, output = run_subprocess(["-m", "talks2022", "validate", str(case_dir / "data")])
    assert_report(code, output, expected_of(case_dir))


# --- cases built at run time: binary, invisible or huge content -------------------------------------------

BOM = b"\xef\xbb\xbf"


def _bom_and_crlf(files: dict[str, bytes]) -> None:
    for name in files:
        if name.endswith(".csv"):  # a CSV file may start with a BOM; JSON may not (a corpus case)
            files[name] = BOM + files[name].replace(b"\n", b"\r\n")


RUNTIME_CASES = {
    "non_utf8_bytes": (
        (
            corpus.replace_bytes("statements.csv", b"Test outlet:", b"Test \xe9outlet:"),
            corpus.replace_bytes("actors.csv", b"Senior fellow", b"Senior\xff fellow"),
        ),
        [
            "statements.csv:3:summary: not valid UTF-8: byte 0xE9 cannot be decoded",
            "actors.csv:4:role: not valid UTF-8: byte 0xFF cannot be decoded",
        ],
    ),
    "bom_and_crlf": ((_bom_and_crlf,), [corpus.VALID]),
    "utf16_file": (
        (lambda files: files.update({"actors.csv": files["actors.csv"].decode().encode("utf-16")}),),
        ["actors.csv:0:-: the file is UTF-16 encoded; save it as UTF-8"],
    ),
    "control_characters": (
        (
            corpus.set_cell("statements.csv", 2, "summary", "A bell\x07 (test row)."),
            corpus.set_cell("statements.csv", 3, "key_phrase", "a\ttab"),
            corpus.set_cell("statements.csv", 4, "coding_note", "two\nlines"),
            corpus.set_cell("statements.csv", 5, "summary", "carriage\rreturn"),
            corpus.set_cell("actors.csv", 5, "name", "Test \x1b[31mOutlet"),
            corpus.set_cell("sources.csv", 2, "note", "delete\x7f"),
            corpus.set_cell("issues.csv", 3, "description", "next line\x85 (C1)"),
            corpus.set_cell("meetings.csv", 4, "description", "nul\x00byte"),
        ),
        [
            "statements.csv:2:summary: control character U+0007 is not allowed",
            "statements.csv:3:key_phrase: control character U+0009 is not allowed",
            "statements.csv:4:coding_note: control character U+000A is not allowed",
            # Rows are line numbers: the fifth record starts on line 6, after the line break above.
            "statements.csv:6:summary: control character U+000D is not allowed",
            "actors.csv:5:name: control character U+001B is not allowed",
            "sources.csv:2:note: control character U+007F is not allowed",
            "issues.csv:3:description: control character U+0085 is not allowed",
            "meetings.csv:4:description: control character U+0000 is not allowed",
        ],
    ),
    "bidirectional_overrides": (
        (
            corpus.set_cell("actors.csv", 2, "name", "Test \u202eOfficial"),
            corpus.set_cell("statements.csv", 6, "summary", "An \u2066isolate\u2069 (test row)."),
            corpus.set_cell("sources.csv", 3, "title", "Right-to-left mark\u200f (test)"),
            corpus.set_cell("issues.csv", 2, "anchor_50", "Arabic letter mark\u061c (test)"),
        ),
        [
            "actors.csv:2:name: bidirectional control character U+202E is not allowed",
            "statements.csv:6:summary: bidirectional control character U+2066 is not allowed",
            "sources.csv:3:title: bidirectional control character U+200F is not allowed",
            "issues.csv:2:anchor_50: bidirectional control character U+061C is not allowed",
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(RUNTIME_CASES))
def test_runtime_case(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edits, expected = RUNTIME_CASES[name]
    code, output = run_main(make_data(tmp_path, *edits), capsys)
    assert_report(code, output, expected)


def test_one_megabyte_cell_gives_one_short_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = make_data(tmp_path, corpus.set_cell("statements.csv", 3, "summary", "x" * 1_048_576))
    started = time.perf_counter()
    code, output = run_main(data, capsys)
    elapsed = time.perf_counter() - started
    assert_report(
        code,
        output,
        ["statements.csv:3:summary: cell is 1,048,576 characters long; no cell may exceed 10,000"],
    )
    assert len(output) < 500 and elapsed < 10


def _hundred_thousand_statements(
    header: list[str], rows: list[list[str]]
) -> tuple[list[str], list[list[str]]]:
    """100,000 valid rows: the fixture's rows repeated, each with a unique id and summary."""
    id_column, summary_column = header.index("statement_id"), header.index("summary")
    many = []
    for number in range(100_000):
        row = list(rows[number % len(rows)])
        suffix = "" if number < 10_000 else "abcdefghi"[number // 10_000 - 1]
        row[id_column] = f"S{number % 100:02d}-{number // 100 % 100}{suffix}"
        row[summary_column] = f"Synthetic statement number {number} (test row)."
        many.append(row)
    return header, many


def test_hundred_thousand_rows_are_valid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = make_data(tmp_path, corpus.transform_csv("statements.csv", _hundred_thousand_statements),
                     corpus.delete("reliability/second_coding.csv"))  # its ids now name other statements
    started = time.perf_counter()
    code, output = run_main(data, capsys)
    elapsed = time.perf_counter() - started
    assert_report(code, output, [corpus.VALID])
    assert "100000 statements" in output
    with capsys.disabled():  # the timing is reported, not asserted (machines differ)
        print(f"\n100,000 statement rows validated in {elapsed:.2f} s")


# --- properties -------------------------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@")
BIDI_CHARS = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _acceptable_summary(text: str) -> bool:
    """An independent statement of the text rules for one summary cell (maxLength 600)."""
    return (
        0 < len(text) <= 600
        and not text.startswith(FORMULA_START)
        and not any(ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F or char in BIDI_CHARS for char in text)
        and re.search(r"<[A-Za-z/!?]", text) is None
    )


@settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=700) | st.sampled_from(["a < b", "<5", "x<y", "<!--", "NA", "=1", '"quoted"']))
def test_any_summary_text_is_accepted_or_reported(text: str, tmp_path: Path) -> None:
    data = make_data(tmp_path, corpus.set_cell("statements.csv", 3, "summary", text))
    problems = validate.validate_dir(data)
    assert all(isinstance(problem, Problem) for problem in problems)
    if _acceptable_summary(text):
        assert problems == []
    else:
        assert problems and {(p.file, p.row, p.column) for p in problems} == {
            ("statements.csv", 3, "summary")
        }


@settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    position=st.floats(allow_nan=True, allow_infinity=True)
    | st.integers(-1000, 1000)
    | st.integers(-8, 16).map(lambda step: step * 12.5)
)
def test_any_number_is_accepted_only_in_range(position: float, tmp_path: Path) -> None:
    data = make_data(tmp_path, corpus.set_cell("statements.csv", 6, "position", repr(position)))
    problems = validate.validate_dir(data)
    # Since data revision 2 a position is an anchor or the midpoint of two (a multiple of 12.5).
    acceptable = 0 <= position <= 100 and position % 12.5 == 0  # False for NaN
    assert (problems == []) == acceptable, problems


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    file=st.sampled_from(["statements.csv", "issues.csv", "datapackage.json"]),
    tail=st.binary(max_size=400) | st.text(alphabet='a,"\r\n\x00\xe9<=', max_size=80).map(str.encode),
)
def test_any_bytes_give_problems_not_a_traceback(
    file: str, tail: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = make_data(tmp_path)
    original = (data / file).read_bytes()
    (data / file).write_bytes(original[: len(original) // 2] + tail)  # cut anywhere, then garbage
    code, output = run_main(data, capsys)
    assert "Traceback" not in output
    assert output.splitlines()[-1].startswith({0: "valid: ", 1: "invalid: "}[code])
    assert code == 1 or file != "datapackage.json"  # half a JSON document never parses


# A descriptor mutated at any point of its JSON tree: the folder is valid only if every rule is the shipped
# one. Descriptive keys (Data Package metadata: what the folder says about itself) may change; the rest may not.
_SHIPPED_DOCUMENT = json.loads(SHIPPED_SCHEMA.read_text(encoding="utf-8"))
_METADATA_KEYS = {"title", "description", "version", "licenses", "contributors", "keywords", "homepage", "created",
                  "image", "example", "sources"}


def _json_paths(node: object, prefix: tuple = ()) -> list[tuple]:
    found = [prefix] if prefix else []
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, child in children:
        found += _json_paths(child, (*prefix, key))
    return found


_REPLACEMENTS = {"drop": None, "null": None, "true": True, "zero": 0, "huge": 1e308, "text": "x", "pattern": ".*",
                 "list": [], "object": {}, "nested": {"pattern": "(x+x+)+y"}}


def _mutated(path: tuple, action: str) -> object:
    document = json.loads(json.dumps(_SHIPPED_DOCUMENT))
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    if action == "drop":
        del parent[path[-1]]
    elif action == "duplicate" and isinstance(parent, list):
        parent.insert(path[-1], json.loads(json.dumps(parent[path[-1]])))
    elif action == "add_key" and isinstance(parent[path[-1]], dict):
        parent[path[-1]]["pattern" if "pattern" not in parent[path[-1]] else "maxLength"] = ".*"
    else:
        parent[path[-1]] = _REPLACEMENTS.get(action)
    return document


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(_json_paths(_SHIPPED_DOCUMENT)),
       action=st.sampled_from([*_REPLACEMENTS, "duplicate", "add_key"]))
def test_a_mutated_descriptor_is_valid_only_if_it_keeps_every_rule(path: tuple, action: str, tmp_path: Path) -> None:
    data = make_data(tmp_path)
    document = _mutated(path, action)
    (data / "datapackage.json").write_text(json.dumps(document), encoding="utf-8")
    problems = validate.validate_dir(data)  # never a traceback
    descriptive = any(key in _METADATA_KEYS for key in path if isinstance(key, str))
    if document == _SHIPPED_DOCUMENT:
        assert problems == []
    elif not descriptive:
        assert problems, f"{path} {action}: a changed rule was accepted"
    assert all(problem.file == "datapackage.json" for problem in problems), problems


# --- output and command line ------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list('ab,"\r\n\x0b\x0c\x1c\x1e\x85\u2028\u2029 é')), max_size=40))
def test_lines_are_split_as_stringio_splits_them(text: str) -> None:
    # The csv module must see exactly the lines it saw when the reader read an io.StringIO.
    assert list(validate._lines(text)) == list(io.StringIO(text, newline=""))


def test_problem_renders_as_file_row_column_message() -> None:
    assert str(Problem("statements.csv", 4, "date", "bad")) == "statements.csv:4:date: bad"


def test_every_problem_is_printed_in_order(capsys: pytest.CaptureFixture[str]) -> None:
    code, output = run_main(BAD_INPUTS / "formula_injection" / "data", capsys)
    problem_lines = output.splitlines()[:-1]
    assert code == 1 and len(problem_lines) == 4
    keys = [(line.split(":")[0], int(line.split(":")[1])) for line in problem_lines]
    assert keys == sorted(keys)
    assert (
        output.splitlines()[-1]
        == f"invalid: 4 problems in 2 files ({BAD_INPUTS / 'formula_injection' / 'data'})"
    )


def test_missing_data_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, output = run_main(tmp_path / "nowhere", capsys)
    assert code == 1 and "data folder not found" in output and "Traceback" not in output


def test_a_file_where_a_folder_is_expected(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = make_data(tmp_path)
    (data / "actors.csv").unlink()
    (data / "actors.csv").mkdir()
    code, output = run_main(data, capsys)
    assert code == 1 and "actors.csv:0:-: is a folder, not a file" in output


def test_too_many_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert validate.main(["a", "b"]) == 2
    assert "usage" in capsys.readouterr().err


def test_shipped_data_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    if not (DATA_DIR / "statements.csv").exists():
        pytest.skip("data/statements.csv is not written yet")
    code, output = run_main(DATA_DIR, capsys)
    assert code == 0, output
    assert output.startswith("valid: 7 tables, ")


# --- the schema loader ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "the top level must be a JSON object"),
        ({"resources": []}, '"resources" is missing'),
        ({"resources": [{"name": "t", "schema": {"fields": []}}]}, "resource 't' has no \"path\""),
        ({"resources": [{"name": "t", "path": "t.csv"}]}, "resource 't' has no \"schema\" object"),
        (
            {"resources": [{"name": "t", "path": "t.csv", "schema": {"fields": [{"name": "a"}]}}]},
            "unknown type None",
        ),
        (
            {
                "resources": [
                    {"name": "t", "path": "t.csv", "schema": {"fields": [{"name": "a", "type": "geopoint"}]}}
                ]
            },
            "unknown type 'geopoint'",
        ),
        (
            {
                "resources": [
                    {
                        "name": "t",
                        "path": "t.csv",
                        "schema": {
                            "fields": [{"name": "a", "type": "string", "constraints": {"pattern": "("}}]
                        },
                    }
                ]
            },
            "is not a valid regular expression",
        ),
        (
            {
                "resources": [
                    {
                        "name": "t",
                        "path": "t.csv",
                        "schema": {"fields": [{"name": "a", "type": "string"}], "primaryKey": ["b"]},
                    }
                ]
            },
            "primaryKey names unknown field 'b'",
        ),
        (
            {
                "resources": [
                    {
                        "name": "t",
                        "path": "t.csv",
                        "schema": {
                            "fields": [{"name": "a", "type": "number", "constraints": {"minimum": "0"}}]
                        },
                    }
                ]
            },
            "minimum must be a finite number",
        ),
    ],
)
def test_schema_loader_reports_defects(document: object, message: str) -> None:
    with pytest.raises(SchemaError) as raised:
        parse_package(document)
    assert all(problem.file == "datapackage.json" and problem.row == 0 for problem in raised.value.problems)
    assert message in str(raised.value)


def test_schema_loader_rejects_nan_and_bad_bytes(tmp_path: Path) -> None:
    for content, message in [(b'{"resources": NaN}', "not valid JSON"), (b"\xff{}", "not valid UTF-8")]:
        (tmp_path / "datapackage.json").write_bytes(content)
        with pytest.raises(SchemaError, match=message):
            load_package(tmp_path / "datapackage.json")


def test_schema_exposes_the_shipped_tables() -> None:
    package = load_package(DATA_DIR / "datapackage.json")
    assert [resource.name for resource in package.resources] == [*dataset.TABLE_NAMES, "revision_log", "second_coding"]
    second = package.resource("second_coding")
    assert second.path == "reliability/second_coding.csv" and second.optional
    assert [key.resource for key in second.foreign_keys] == ["statements"]
    assert package.resource("issues").field("issue_id").pattern.pattern == "[a-z][a-z0-9_]{0,62}"
    statements = package.resource("statements")
    assert statements.primary_key == ("statement_id",)
    assert statements.field("kind").enum[0] == "official_position"
    assert {key.resource for key in statements.foreign_keys} == {"meetings", "actors", "issues", "sources"}


# --- talks2022.data.dataset --------------------------------------------------------------------------


def test_load_returns_typed_frames() -> None:
    data = dataset.load(FIXTURE)
    statements, issues, meetings = data.statements, data.issues, data.meetings
    assert list(statements.columns)[:3] == ["statement_id", "date", "meeting_id"]
    assert statements["position"].dtype == np.float64 and statements["salience"].dtype == np.float64
    assert statements["position"].isna().tolist() == [False, True, False, True, False, True]
    assert statements["salience"].iloc[4] == 60.5
    assert issues["positional"].dtype == bool and issues["positional"].tolist() == [True, False]
    assert meetings["stage_type"].tolist() == ["round", "round", "commentary"]
    assert meetings["sequence"].dtype == np.int64
    assert statements["conditional"].dtype == bool and statements["conditional"].tolist() == [
        False, False, False, False, True, False]
    assert issues["reference_point"].isna().tolist() == [False, True]
    for frame in (statements, data.sources, data.actors, meetings, issues):
        text_columns = frame.select_dtypes(exclude=["number", "bool", "datetime"]).columns
        assert all(frame[column].dtype == object for column in text_columns)
        assert not frame[text_columns].isna().any().any()  # empty text is '', never NaN
    for frame, column in ((statements, "date"), (meetings, "window_start"), (data.sources, "date")):
        assert frame[column].dtype == "datetime64[ns]", (column, frame[column].dtype)
    assert pd.isna(statements["date"].iloc[-1]) and statements["date"].iloc[0] == pd.Timestamp("2021-12-17")
    assert statements["key_phrase"].tolist()[1:3] == ["None", "NA"]  # text stays text
    assert data.sources["author"].iloc[0] == ""


def test_load_raises_data_error_listing_every_problem() -> None:
    with pytest.raises(dataset.DataError) as raised:
        dataset.load(BAD_INPUTS / "formula_injection" / "data")
    assert len(raised.value.problems) == 4
    assert str(raised.value).splitlines() == [str(problem) for problem in raised.value.problems]
    assert "statements.csv:2:summary: text starts with '='" in str(raised.value)


def test_load_reads_each_file_once(monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[str] = []
    original = schema.read_regular_file

    def counting_read(path: Path, *args: object) -> bytes:
        reads.append(Path(path).relative_to(FIXTURE).as_posix())
        return original(path, *args)

    schema.shipped_schema()  # the shipped schema is read once per process, not per folder
    monkeypatch.setattr(schema, "read_regular_file", counting_read)
    dataset.load(FIXTURE)
    assert sorted(reads) == sorted(path.relative_to(FIXTURE).as_posix() for path in FIXTURE.rglob("*")
                                   if path.is_file())


def test_loaded_frames_match_pandas_reading_the_same_text() -> None:
    # The loader parses with the csv module; pandas with keep_default_na=False must see the same text.
    data = dataset.load(FIXTURE)
    for name in dataset.TABLE_NAMES:
        text = (FIXTURE / f"{name}.csv").read_text(encoding="utf-8-sig")
        expected = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        frame = getattr(data, name)
        for column in expected.columns:
            if frame[column].dtype == object:
                assert frame[column].tolist() == expected[column].tolist(), (name, column)


# --- the shipped schema: standard Table Schema keys the loader honours or refuses -------------------------


def _one_field_package(field: dict, **schema_keys: object) -> dict:
    return {"resources": [{"name": "t", "path": "t.csv", "schema": {"fields": [field], **schema_keys}}]}


def test_loader_honours_min_length_missing_values_and_boolean_values() -> None:
    package = parse_package(_one_field_package(
        {"name": "a", "type": "string", "constraints": {"minLength": 3}}, missingValues=["", "n/a"]))
    resource = package.resource("t")
    field = resource.field("a")
    assert field.min_length == 3 and resource.missing_values == ("", "n/a")
    assert check_value(field, False, "ab", resource.missing_values)[1] == [
        "text is 2 characters long, less than minLength 3"]
    assert check_value(field, True, "n/a", resource.missing_values)[1] == ["a value is required"]
    flag = parse_package(_one_field_package(
        {"name": "b", "type": "boolean", "trueValues": ["yes"], "falseValues": ["no"]})).resource("t").field("b")
    assert check_value(flag, True, "yes") == (True, []) and check_value(flag, True, "no") == (False, [])
    assert check_value(flag, True, "true")[1] == ["'true' is not a boolean (yes or no)"]
    # Without trueValues/falseValues the standard's defaults apply (the shipped schema states its own).
    default = parse_package(_one_field_package({"name": "c", "type": "boolean"})).resource("t").field("c")
    assert check_value(default, True, "TRUE") == (True, []) and check_value(default, True, "0") == (False, [])


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (_one_field_package({"name": "a", "type": "string"}, fieldsMatch="partial"), "fieldsMatch 'partial'"),
        (_one_field_package({"name": "a", "type": "string"}, missingValues="NA"), "missingValues must be a list"),
        (_one_field_package({"name": "a", "type": "string", "trueValues": ["y"]}), "trueValues applies only"),
        (
            {"resources": [{"name": "t", "path": "t.csv", "dialect": {"delimiter": ";"},
                            "schema": {"fields": [{"name": "a", "type": "string"}]}}]},
            "dialect delimiter ';' is not supported",
        ),
        (
            {"resources": [{"name": "t", "path": "../t.csv", "schema": {"fields": [{"name": "a", "type": "string"}]}}]},
            "must be a plain file name",
        ),
    ],
)
def test_loader_refuses_what_the_reader_does_not_do(document: object, message: str) -> None:
    with pytest.raises(SchemaError, match=re.escape(message)):
        parse_package(document)


def test_a_dialect_that_restates_the_reader_is_accepted() -> None:
    fields = [{"name": "a", "type": "string"}]
    dialect = {"delimiter": ",", "quoteChar": '"', "doubleQuote": True, "header": True}
    document = {"resources": [{"name": "t", "path": "sub/t.csv", "schema": {"fields": fields}, "dialect": dialect}]}
    assert parse_package(document).resource("t").path == "sub/t.csv"


# --- the trust boundary: rules come from the shipped schema only ------------------------------------------


def test_no_pattern_from_a_data_folder_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A catastrophic pattern in the folder's descriptor is reported, never compiled or run.
    def catastrophic(package: dict) -> None:
        corpus._field(package, "statements", "summary")["constraints"]["pattern"] = "(a+)+$"

    data = make_data(tmp_path, corpus.edit_package(catastrophic),
                     corpus.set_cell("statements.csv", 3, "summary", "a" * 60 + "!"))
    started = time.perf_counter()
    code, output = run_main(data, capsys)
    assert time.perf_counter() - started < 10
    assert_report(code, output, ["datapackage.json:0:-: resources[4].schema.fields[9].constraints: differs"])


def test_issue_ids_are_safe_file_names_whatever_the_schema_says(tmp_path: Path) -> None:
    # A trusted schema with a looser pattern still cannot let an issue id become an unsafe file name.
    package = json.loads(SHIPPED_SCHEMA.read_text(encoding="utf-8"))
    corpus._field(package, "issues", "issue_id")["constraints"]["pattern"] = ".*"
    loose = tmp_path / "loose.json"
    loose.write_text(json.dumps(package), encoding="utf-8")
    data = make_data(tmp_path, corpus.replace_everywhere(("issues.csv", "statements.csv"), "test_tagged_issue",
                                                         "x/../../evil"),
                     corpus.set_content("datapackage.json", json.dumps(package)))
    problems = [str(problem) for problem in validate.inspect_dir(data, loose).problems]
    assert problems == ["issues.csv:3:issue_id: 'x/../../evil' cannot name a chapter file: an issue id is a "
                        "lower-case letter and at most 62 lower-case letters, digits or underscores"]


# --- hostile folders: only regular files the schema names are read ----------------------------------------


def _replace_with(data: Path, name: str, make) -> None:
    (data / name).unlink()
    make(data / name)


def _one_line_for(data: Path, name: str, capsys: pytest.CaptureFixture[str]) -> str:
    code, output = run_main(data, capsys)
    assert code == 1 and "Traceback" not in output, output
    lines = [line for line in output.splitlines() if line.startswith(f"{name}:")]
    assert len(lines) == 1, output
    return lines[0]


def test_a_fifo_is_refused_without_blocking(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = make_data(tmp_path)
    _replace_with(data, "statements.csv", os.mkfifo)  # opening it for reading would wait for a writer
    assert _one_line_for(data, "statements.csv", capsys) == (
        "statements.csv:0:-: is a named pipe (FIFO), not a regular file")


def test_symbolic_links_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = make_data(tmp_path)
    elsewhere = tmp_path / "elsewhere.csv"
    elsewhere.write_bytes((data / "actors.csv").read_bytes())  # a perfectly good file, behind a link
    _replace_with(data, "actors.csv", lambda path: path.symlink_to(elsewhere))
    assert _one_line_for(data, "actors.csv", capsys) == (
        "actors.csv:0:-: is a symbolic link; only regular files inside the data folder are read")
    (data / "datapackage.json").rename(tmp_path / "descriptor.json")
    (data / "datapackage.json").symlink_to(tmp_path / "descriptor.json")
    assert "datapackage.json:0:-: is a symbolic link" in _one_line_for(data, "datapackage.json", capsys)


def test_a_linked_reliability_folder_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = make_data(tmp_path)
    (data / "reliability").rename(tmp_path / "real_reliability")
    (data / "reliability").symlink_to(tmp_path / "real_reliability", target_is_directory=True)
    assert _one_line_for(data, "reliability/second_coding.csv", capsys) == (
        "reliability/second_coding.csv:0:-: the folder reliability/ is a symbolic link; only real folders are read")


def test_a_device_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = make_data(tmp_path)
    try:
        _replace_with(data, "issues.csv", lambda path: os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, 5)))
    except (PermissionError, OSError):
        pytest.skip("cannot create a device node here (not root)")
    assert _one_line_for(data, "issues.csv", capsys) == "issues.csv:0:-: is a device, not a regular file"


def test_a_file_over_the_size_limit_is_not_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = make_data(tmp_path)
    with open(data / "sources.csv", "r+b") as handle:  # sparse: no 50 MB written to disk
        handle.truncate(schema.MAX_FILE_BYTES + 1)
    line = _one_line_for(data, "sources.csv", capsys)
    assert line == "sources.csv:0:-: the file is 52,428,801 bytes; a data file may have at most 52,428,800"


def test_the_read_is_bounded_even_if_the_size_lies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A file that grows after lstat (or a size the file system misreports) is still read no further.
    path = tmp_path / "grows.csv"
    path.write_bytes(b"x" * 5000)
    real_lstat = os.lstat
    monkeypatch.setattr(schema.os, "lstat", lambda p: os.stat_result((*real_lstat(p)[:6], 10, *real_lstat(p)[7:]))
                        if Path(p) == path else real_lstat(p))
    with pytest.raises(schema.FileProblem, match="over 1,001 bytes; a data file may have at most 1,000"):
        schema.read_regular_file(path, 1000)


def test_other_files_in_the_folder_are_never_opened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = make_data(tmp_path, corpus.set_content("extra.csv", "a\n1\n"),
                     corpus.set_content("reliability/old_coding.csv", "a\n1\n"))
    os.mkfifo(data / "pipe.csv")  # would block anyone who opened it
    opened: list[str] = []
    real_open = os.open

    def recording_open(path, *args, **kwargs):
        opened.append(Path(path).name)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(schema.os, "open", recording_open)
    assert validate.validate_dir(data) == []
    assert not {"extra.csv", "old_coding.csv", "pipe.csv"} & set(opened)


def test_messages_escape_what_they_echo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    escape = "\x1b]0;pwned\x07\x1b[2J"
    data = make_data(
        tmp_path,
        corpus.replace("actors.csv", ",country\n", f",country{escape}\n"),
        corpus.set_cell("statements.csv", 2, "kind", escape + "x" * 500),
        corpus.edit_package(lambda package: package.update({escape: 1})),
    )
    code, output = run_main(data, capsys)
    assert code == 1 and "Traceback" not in output
    assert "\x1b" not in output and "\x07" not in output
    assert "\\x1b]0;pwned\\x07" in output
    assert max(len(line) for line in output.splitlines()) < 400  # a long cell is cut short


def test_a_missing_second_coding_is_fine_but_an_unreadable_one_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = make_data(tmp_path, corpus.delete("reliability/second_coding.csv"))
    assert not (data / "reliability").exists() and validate.validate_dir(data) == []
    (data / "reliability").mkdir()
    assert validate.validate_dir(data) == []
    (data / "reliability").rmdir()
    (data / "reliability").write_text("not a folder\n", encoding="utf-8")
    assert _one_line_for(data, "reliability/second_coding.csv", capsys) == (
        "reliability/second_coding.csv:0:-: reliability is not a folder")


@pytest.mark.parametrize("table", ["issues", "meetings"])
def test_two_issues_or_rounds_with_one_label_are_rejected(tmp_path: Path, table: str) -> None:
    # Charts and chapters name issues and rounds by their label: two with one label would merge into one row.
    import shutil

    data = tmp_path / "data"
    shutil.copytree(Path(__file__).resolve().parent.parent / "data", data)
    path = data / f"{table}.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[1, "label"] = frame.loc[0, "label"]
    frame.to_csv(path, index=False, lineterminator="\n")
    problems = [str(problem) for problem in validate.validate_dir(data)]
    assert any(p.startswith(f"{table}.csv:3:label:") for p in problems), problems

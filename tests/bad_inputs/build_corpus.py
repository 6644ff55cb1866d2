"""Write the bad-input corpus: one folder per case, each the small valid fixture with ONE thing broken.

    python tests/bad_inputs/build_corpus.py          # rewrite every case folder
    python tests/bad_inputs/build_corpus.py --check  # exit 1 if the committed corpus is out of date

Each case is `<name>/data/` (a full data folder) and `<name>/expected.txt`: substrings that must appear
in the validator's output, one a line, or the single word VALID. A case marked `standard` breaks a rule of
the Table Schema itself, so that frictionless, the test oracle (tests/test_frictionless.py), rejects it
too when it reads the folder with the shipped schema; the other bad cases break a rule of this project
(the codebook, hostile text, strict number forms, the trust boundary of datapackage.json), which
frictionless does not check. Run this after changing
tests/fixtures/valid_small/ (which must keep a copy of data/datapackage.json); tests/test_validate.py
fails while the corpus is stale. Cases that need binary, invisible or huge content are not committed:
tests/test_validate.py builds them at run time with the same helpers.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
FIXTURE = HERE.parent / "fixtures" / "valid_small"
VALID = "VALID"

Files = dict[str, bytes]  # file name -> content, the data folder of one case
Edit = Callable[[Files], None]


@dataclass(frozen=True)
class Case:
    name: str
    expected: tuple[str, ...]
    edits: tuple[Edit, ...] = ()
    standard: bool = False  # a Table Schema violation: frictionless rejects it too

    @property
    def valid(self) -> bool:
        return self.expected == (VALID,)


# --- edits ------------------------------------------------------------------------------------------------


def replace(file: str, old: str, new: str) -> Edit:
    """Replace text that occurs exactly once, so a change to the fixture cannot silently miss."""

    def edit(files: Files) -> None:
        text = files[file].decode("utf-8")
        if text.count(old) != 1:
            raise ValueError(f"{file}: {old!r} occurs {text.count(old)} times, expected once")
        files[file] = text.replace(old, new).encode("utf-8")

    return edit


def replace_bytes(file: str, old: bytes, new: bytes) -> Edit:
    def edit(files: Files) -> None:
        if files[file].count(old) != 1:
            raise ValueError(f"{file}: {old!r} occurs {files[file].count(old)} times, expected once")
        files[file] = files[file].replace(old, new)

    return edit


def set_content(file: str, content: str | bytes) -> Edit:
    def edit(files: Files) -> None:
        files[file] = content if isinstance(content, bytes) else content.encode("utf-8")

    return edit


def delete(file: str) -> Edit:
    def edit(files: Files) -> None:
        del files[file]

    return edit


def set_cell(file: str, row: int, column: str, value: str) -> Edit:
    """Set one cell; row counts as in the validator's messages (the header is row 1)."""

    def change(header: list[str], rows: list[list[str]]) -> tuple[list[str], list[list[str]]]:
        rows[row - 2][header.index(column)] = value
        return header, rows

    return transform_csv(file, change)


def transform_csv(
    file: str, change: Callable[[list[str], list[list[str]]], tuple[list[str], list[list[str]]]]
) -> Edit:
    """Parse a CSV file, let `change` rewrite header and rows, write it back with the csv module."""

    def edit(files: Files) -> None:
        header, *rows = list(csv.reader(io.StringIO(files[file].decode("utf-8"), newline="")))
        header, rows = change(header, rows)
        lines = [",".join(_quoted(cell) for cell in row) + "\n" for row in [header, *rows]]
        files[file] = "".join(lines).encode("utf-8")

    return edit


def _quoted(cell: str) -> str:
    # RFC 4180 quoting; csv.writer leaves a lone carriage return unquoted when the line ends with \n.
    return '"' + cell.replace('"', '""') + '"' if any(char in cell for char in ',"\r\n') else cell


def drop_column(file: str, column: str) -> Edit:
    def change(header: list[str], rows: list[list[str]]) -> tuple[list[str], list[list[str]]]:
        index = header.index(column)
        return header[:index] + header[index + 1 :], [row[:index] + row[index + 1 :] for row in rows]

    return transform_csv(file, change)


def add_column(file: str, column: str, value: str) -> Edit:
    return transform_csv(file, lambda header, rows: (header + [column], [row + [value] for row in rows]))


def replace_everywhere(files_and_texts: tuple[str, ...], old: str, new: str) -> Edit:
    """Replace every occurrence of `old` in each of the files (an id renamed throughout the record)."""

    def edit(files: Files) -> None:
        for file in files_and_texts:
            if old not in files[file].decode("utf-8"):
                raise ValueError(f"{file}: {old!r} does not occur")
            files[file] = files[file].decode("utf-8").replace(old, new).encode("utf-8")

    return edit


def prefix_bytes(file: str, prefix: bytes) -> Edit:
    def edit(files: Files) -> None:
        files[file] = prefix + files[file]

    return edit


def append_row(file: str, row: list[str]) -> Edit:
    return transform_csv(file, lambda header, rows: (header, rows + [row]))


def reverse_columns(file: str) -> Edit:
    return transform_csv(file, lambda header, rows: (header[::-1], [row[::-1] for row in rows]))


def edit_package(change: Callable[[dict[str, Any]], None]) -> Edit:
    def edit(files: Files) -> None:
        package = json.loads(files["datapackage.json"])
        change(package)
        files["datapackage.json"] = (json.dumps(package, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

    return edit


def _resource(package: dict[str, Any], name: str) -> dict[str, Any]:
    return next(resource for resource in package["resources"] if resource["name"] == name)


def _field(package: dict[str, Any], resource: str, name: str) -> dict[str, Any]:
    return next(spec for spec in _resource(package, resource)["schema"]["fields"] if spec["name"] == name)


def _drop_position_field(package: dict[str, Any]) -> None:
    fields = _resource(package, "statements")["schema"]["fields"]
    fields[:] = [spec for spec in fields if spec["name"] != "position"]


def _describe_differently(package: dict[str, Any]) -> None:
    """Only descriptive keys change: allowed."""
    package.update(title="Another title (test)", description="Described in other words (test).", version="9.9.9",
                   keywords=["test"], contributors=[{"title": "A test coder", "role": "author"}],
                   licenses=[{"name": "CC0-1.0", "path": "https://creativecommons.org/publicdomain/zero/1.0/"}])
    _resource(package, "actors")["description"] = "Another description (test)."
    _field(package, "statements", "summary")["description"] = "Another field description (test)."


RULE_KEPT = "differs from the shipped schema; a data folder's descriptor may not change the rules"
HOSTILE_KEY = "\x1b[31mevil\u202e"


# --- the cases --------------------------------------------------------------------------------------------
# Fixture rows: statements 2 S01-1 (official_position, drafts) 3 S01-2 (reported_fact) 4 S02-1 (official,
# geneva) 5 S02-2a (official, tagged issue) 6 S03-1 (expert_proposal) 7 S03-2 (expert_assessment, undated);
# sources 2-4 S01-S03; actors 2 test_official 3 test_russian_official 4 test_expert 5 test_outlet;
# meetings 2 drafts 3 geneva 4 commentary; issues 2 test_scaled_issue 3 test_tagged_issue.

ALLOWED_KINDS = "official_position, expert_proposal, expert_assessment, reported_fact"

CASES = (
    Case("valid", (VALID,)),
    Case(
        "columns_in_another_order",
        (
            "actors.csv:1:-: column 1 is 'country' where the schema has 'actor_id': the columns must be in the "
            "order of the schema",
            "statements.csv:1:-: column 1 is 'confidence' where the schema has 'statement_id'",
        ),
        (reverse_columns("actors.csv"), reverse_columns("statements.csv")),
        standard=True,
    ),
    Case(
        "valid_extra_csv_file_ignored",
        (VALID,),
        (
            set_content("notes.csv", "anything,at all\n=1+1,<b>\n"),
            set_content("reliability/third_coding.csv", "statement_id\nnot even a known id\n"),
        ),
    ),
    Case("valid_without_second_coding", (VALID,), (delete("reliability/second_coding.csv"),)),
    Case("valid_descriptive_changes", (VALID,), (edit_package(_describe_differently),)),
    Case("missing_file", ("statements.csv:0:-: missing file",), (delete("statements.csv"),)),
    Case(
        "missing_column",
        ("statements.csv:1:-: missing column 'salience'",),
        (drop_column("statements.csv", "salience"),),
    ),
    Case(
        "extra_column",
        ("actors.csv:1:-: unexpected column 'comment'",),
        (add_column("actors.csv", "comment", "x"),),
    ),
    Case(
        "renamed_column",
        ("statements.csv:1:-: missing column 'summary'", "statements.csv:1:-: unexpected column 'summery'"),
        (replace("statements.csv", ",summary,", ",summery,"),),
    ),
    Case(
        "duplicate_column",
        ("actors.csv:1:-: column 'role' appears twice",),
        (add_column("actors.csv", "role", "Second role (synthetic)"),),
    ),
    Case("empty_file", ("issues.csv:0:-: empty file (0 bytes)",), (set_content("issues.csv", b""),)),
    Case(
        "header_only",
        ("meetings.csv:0:-: no data rows (only a header)",),
        (transform_csv("meetings.csv", lambda header, rows: (header, [])),),
    ),
    Case(
        "blank_lines_only",
        ("sources.csv:0:-: no header row (the file is blank)",),
        (set_content("sources.csv", "\n\n\n"),),
    ),
    Case(
        "duplicate_id",
        ("statements.csv:4:statement_id: duplicate statement_id 'S01-1' (rows 2 and 4)",),
        (set_cell("statements.csv", 4, "statement_id", "S01-1"),),
    ),
    Case(
        "duplicate_actor_id",
        (
            "actors.csv:5:actor_id: duplicate actor_id 'test_expert' (rows 4 and 5)",
            "unknown actor_id 'test_outlet'",
        ),
        (set_cell("actors.csv", 5, "actor_id", "test_expert"),),
    ),
    Case(
        "unknown_actor",
        ("statements.csv:4:actor_id: unknown actor_id 'test_nobody' (not in actors.csv)",),
        (set_cell("statements.csv", 4, "actor_id", "test_nobody"),),
    ),
    Case(
        "unknown_issue",
        ("statements.csv:6:issue_id: unknown issue_id 'test_missing_issue' (not in issues.csv)",),
        (set_cell("statements.csv", 6, "issue_id", "test_missing_issue"),),
    ),
    Case(
        "unknown_meeting",
        ("statements.csv:3:meeting_id: unknown meeting_id 'brussels' (not in meetings.csv)",),
        (set_cell("statements.csv", 3, "meeting_id", "brussels"),),
    ),
    Case(
        "unknown_source",
        ("statements.csv:7:source_id: unknown source_id 'S09' (not in sources.csv)",),
        (set_cell("statements.csv", 7, "source_id", "S09"),),
    ),
    Case(
        "malformed_date",
        ("statements.csv:4:date: '22-01-10' is not a date in YYYY-MM-DD form",),
        (set_cell("statements.csv", 4, "date", "22-01-10"),),
    ),
    Case(
        "impossible_date",
        ("statements.csv:2:date: '2022-02-30' is not a real date",),
        (set_cell("statements.csv", 2, "date", "2022-02-30"),),
    ),
    Case(
        "impossible_month",
        ("sources.csv:3:date: '2022-13-01' is not a real date",),
        (set_cell("sources.csv", 3, "date", "2022-13-01"),),
    ),
    Case(
        "date_outside_window",
        (
            "statements.csv:4:date: date 2022-01-15 is outside the window of meeting 'geneva' "
            "(2022-01-10 to 2022-01-11)",
        ),
        (set_cell("statements.csv", 4, "date", "2022-01-15"),),
    ),
    Case(
        "window_reversed",
        ("meetings.csv:3:window_end: window_end 2022-01-11 is before window_start 2022-01-12",),
        (set_cell("meetings.csv", 3, "window_start", "2022-01-12"),),
    ),
    Case(
        "position_out_of_range",
        (
            "statements.csv:2:position: 150 is above the maximum 100",
            "statements.csv:6:position: -12.5 is below the minimum 0",
        ),
        (set_cell("statements.csv", 2, "position", "150"), set_cell("statements.csv", 6, "position", "-12.5")),
    ),
    Case(
        "position_not_numeric",
        ("statements.csv:2:position: 'high' is not a number",),
        (set_cell("statements.csv", 2, "position", "high"),),
    ),
    Case(
        "position_nan",
        ("statements.csv:6:position: 'NaN' is not a finite number",),
        (set_cell("statements.csv", 6, "position", "NaN"),),
    ),
    Case(
        "position_infinite",
        (
            "statements.csv:2:position: 'inf' is not a finite number",
            "statements.csv:6:position: '1e999' is not a number written in plain decimals",
        ),
        (
            set_cell("statements.csv", 2, "position", "inf"),
            set_cell("statements.csv", 6, "position", "1e999"),
        ),
    ),
    Case(
        "position_on_non_positional_issue",
        ("statements.csv:5:position: a position is given, but issue 'test_tagged_issue' is not positional",),
        (set_cell("statements.csv", 5, "position", "50"),),
    ),
    # Since data revision 2 an official position with nothing the anchors can place stays unscored (rule 4).
    Case("valid_unscored_official_position", (VALID,), (set_cell("statements.csv", 4, "position", ""),)),
    Case(
        "position_off_the_grid",
        ("statements.csv:4:position: position '30' is neither an anchor nor the midpoint of two anchors",),
        (set_cell("statements.csv", 4, "position", "30"),),
    ),
    Case(
        "position_on_expert_assessment",
        ("statements.csv:7:position: position must be empty for expert_assessment",),
        (set_cell("statements.csv", 7, "position", "25"),),
    ),
    Case(
        "salience_not_numeric",
        ("statements.csv:6:salience: '60,5' is not a number",),
        (set_cell("statements.csv", 6, "salience", "60,5"),),
    ),
    Case(
        "unknown_kind",
        (f"statements.csv:6:kind: 'expert_guess' is not one of the allowed values: {ALLOWED_KINDS}",),
        (set_cell("statements.csv", 6, "kind", "expert_guess"),),
    ),
    Case(
        "unknown_speaker_group",
        (
            "actors.csv:4:speaker_group: 'think_tank' is not one of the allowed values: russia, united_states, "
            "nato_allies, ukraine, osce_chair, other_state, expert, media",
        ),
        (set_cell("actors.csv", 4, "speaker_group", "think_tank"),),
    ),
    Case(
        "required_value_missing",
        ("statements.csv:4:summary: a value is required",),
        (set_cell("statements.csv", 4, "summary", ""),),
    ),
    Case(
        "pattern_mismatch",
        ("statements.csv:4:statement_id: 'S2-1' does not match the pattern S[0-9]{2,3}-[0-9]{1,2}[a-z]?",),
        (set_cell("statements.csv", 4, "statement_id", "S2-1"),),
    ),
    Case(
        "text_too_long_for_field",
        ("sources.csv:2:title: text is 401 characters long, more than maxLength 400",),
        (set_cell("sources.csv", 2, "title", "T" * 401),),
    ),
    Case(
        "not_boolean",
        ("issues.csv:2:positional: 'yes' is not a boolean (true or false)",),
        (set_cell("issues.csv", 2, "positional", "yes"),),
    ),
    Case(
        "not_integer",
        ("meetings.csv:3:sequence: '2.5' is not an integer",),
        (set_cell("meetings.csv", 3, "sequence", "2.5"),),
    ),
    Case(
        "reference_point_missing",
        ("issues.csv:2:reference_point: a reference_point is required on a positional issue",),
        (set_cell("issues.csv", 2, "reference_point", ""),),
    ),
    Case(
        "javascript_url",
        ("sources.csv:2:url: URL scheme 'javascript:' is not allowed; only http:// or https://",),
        (set_cell("sources.csv", 2, "url", "javascript:alert(document.cookie)"),),
    ),
    Case(
        "data_url",
        ("sources.csv:4:url: URL scheme 'data:' is not allowed",),
        (set_cell("sources.csv", 4, "url", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="),),
    ),
    Case(
        "other_bad_urls",
        (
            "sources.csv:2:url: URL scheme 'file:' is not allowed",
            "sources.csv:3:url: URL '/test/geneva' is relative",
            "sources.csv:4:url: URL 'https://example.net/a b' contains whitespace",
        ),
        (
            set_cell("sources.csv", 2, "url", "file:///etc/passwd"),
            set_cell("sources.csv", 3, "url", "/test/geneva"),
            set_cell("sources.csv", 4, "url", "https://example.net/a b"),
        ),
    ),
    Case(
        "vbscript_url_and_no_host",
        (
            "sources.csv:2:url: URL scheme 'vbscript:' is not allowed",
            "sources.csv:3:url: URL 'https://' has no host",
        ),
        (
            set_cell("sources.csv", 2, "url", "VBScript:MsgBox(1)"),
            set_cell("sources.csv", 3, "url", "https://"),
        ),
    ),
    Case(
        "script_in_summary",
        ("statements.csv:3:summary: HTML markup is not allowed ('<script')",),
        (set_cell("statements.csv", 3, "summary", "<script>alert(1)</script> Synthetic summary."),),
    ),
    Case(
        "img_onerror_in_name",
        ("actors.csv:5:name: HTML markup is not allowed ('<img src=x onerror=",),
        (set_cell("actors.csv", 5, "name", "Test <img src=x onerror=alert(1)> Outlet"),),
    ),
    Case(
        "html_comment_and_closing_tag",
        (
            "issues.csv:3:description: HTML markup is not allowed ('<!-- hidden --')",
            "sources.csv:2:note: HTML markup is not allowed ('</b')",
        ),
        (
            set_cell("issues.csv", 3, "description", "A synthetic topic <!-- hidden --> (test)."),
            set_cell("sources.csv", 2, "note", "Bold ends here</b> (test)."),
        ),
    ),
    Case(
        "formula_injection",
        (
            "statements.csv:2:summary: text starts with '=': a spreadsheet would run it as a formula",
            "statements.csv:3:key_phrase: text starts with '+'",
            "statements.csv:4:coding_note: text starts with '-'",
            "actors.csv:4:role: text starts with '@'",
        ),
        (
            set_cell("statements.csv", 2, "summary", '=HYPERLINK("https://example.org","click")'),
            set_cell("statements.csv", 3, "key_phrase", "+1 synthetic phrase"),
            set_cell("statements.csv", 4, "coding_note", "-2+3 synthetic note"),
            set_cell("actors.csv", 4, "role", "@SUM(A1:A2)"),
        ),
    ),
    Case(
        "malformed_csv_unclosed_quote",
        ("statements.csv:7:-: malformed CSV: a quoted cell that starts in this row is never closed",),
        (replace("statements.csv", ",The test expert judges", ',"The test expert judges'),),
    ),
    Case(
        "malformed_csv_text_after_quote",
        ("actors.csv:2:-: malformed CSV: text follows a closing quote",),
        (
            replace(
                "actors.csv",
                "test_official,Test Official (synthetic)",
                'test_official,"Test" Official (synthetic)',
            ),
        ),
    ),
    Case(
        "wrong_number_of_cells",
        ("issues.csv:3:-: row has 15 cells, the header has 14",),  # and no cascade of unknown issue_id
        (replace("issues.csv", "false,,,,,,,,", "false,,,,,,,,,"),),
    ),
    Case(
        "datapackage_not_json",
        ("datapackage.json:0:-: not valid JSON",),
        (set_content("datapackage.json", '{"resources": [{"name": "sources",\n'),),
    ),
    Case(
        "datapackage_without_resources",
        (f"datapackage.json:0:-: resources: {RULE_KEPT.replace('schema;', 'schema (missing here);')}",),
        (edit_package(lambda package: package.pop("resources")),),
    ),
    Case(
        "datapackage_resource_without_fields",
        ("datapackage.json:0:-: resources[1].schema.fields: differs from the shipped schema (missing here)",),
        (edit_package(lambda package: _resource(package, "actors")["schema"].pop("fields")),),
    ),
    Case(
        "datapackage_missing_field_definition",
        ("datapackage.json:0:-: resources[4].schema.fields: differs from the shipped schema (15 fields, the "
         "shipped schema has 16)",),
        (edit_package(_drop_position_field),),
    ),
    Case(
        "datapackage_unknown_type",
        (f"datapackage.json:0:-: resources[4].schema.fields[6].type: {RULE_KEPT}",),
        (edit_package(lambda package: _field(package, "statements", "position").update(type="decimal")),),
    ),
    Case(
        "datapackage_added_constraint",
        (f"datapackage.json:0:-: resources[1].schema.fields[1].constraints: {RULE_KEPT}",),
        (edit_package(lambda package: _field(package, "actors", "name")["constraints"].update(minLength=2)),),
    ),
    Case(
        "datapackage_path_outside_folder",
        (f"datapackage.json:0:-: resources[0].path: {RULE_KEPT}",),  # and sources.csv is read as always
        (edit_package(lambda package: _resource(package, "sources").update(path="../../etc/passwd")),),
    ),
    Case(
        # The folder's looser pattern is reported, and the shipped pattern still applies to the data.
        "datapackage_loosened_pattern_does_not_apply",
        (
            f"datapackage.json:0:-: resources[4].schema.fields[0].constraints: {RULE_KEPT}",
            "statements.csv:4:statement_id: 'S2-1' does not match the pattern S[0-9]{2,3}-[0-9]{1,2}[a-z]?",
        ),
        (
            edit_package(lambda package: _field(package, "statements", "statement_id")["constraints"].update(
                pattern="(.*)*")),
            set_cell("statements.csv", 4, "statement_id", "S2-1"),
        ),
    ),
    Case(
        "datapackage_missing_values",
        (f"datapackage.json:0:-: resources[4].schema.missingValues: {RULE_KEPT}",),
        (edit_package(lambda package: _resource(package, "statements")["schema"].update(
            missingValues=["", "NA", "None"])),),
    ),
    Case(
        "datapackage_dialect",
        ("datapackage.json:0:-: resources[0].dialect: differs from the shipped schema (not in it)",),
        (edit_package(lambda package: _resource(package, "sources").update(dialect={"delimiter": ";"})),),
    ),
    Case(
        "datapackage_true_values",
        (f"datapackage.json:0:-: resources[3].schema.fields[3].trueValues: {RULE_KEPT}",),
        (edit_package(lambda package: _field(package, "issues", "positional").update(trueValues=["true", "yes"])),),
    ),
    Case(
        "datapackage_fields_match_partial",
        (f"datapackage.json:0:-: resources[4].schema.fieldsMatch: {RULE_KEPT}",),
        (edit_package(lambda package: _resource(package, "statements")["schema"].update(fieldsMatch="partial")),),
    ),
    Case(
        "datapackage_duplicate_key",
        ("datapackage.json:0:-: not valid JSON: the key 'name' appears twice in one object",),
        (replace("datapackage.json", '"name": "talks2022",', '"name": "talks2022",\n  "name": "other",'),),
    ),
    Case(
        "datapackage_byte_order_mark",
        ("datapackage.json:0:-: the file starts with a UTF-8 byte-order mark, which JSON does not allow",),
        (prefix_bytes("datapackage.json", b"\xef\xbb\xbf"),),
    ),
    Case(
        "datapackage_licenses_as_strings",
        ("datapackage.json:0:-: licenses: a list of strings is not allowed; each entry must be an object",),
        (edit_package(lambda package: package.update(licenses=["CC-BY-4.0"])),),
    ),
    Case(
        "datapackage_hostile_key",
        ("datapackage.json:0:-: resources[0]['\\x1b[31mevil\\u202e']: differs from the shipped schema (not in it)",),
        (edit_package(lambda package: _resource(package, "sources").update({HOSTILE_KEY: True})),),
    ),
    # --- numbers are plain decimals in ASCII digits --------------------------------------------------------
    Case(
        "number_formats",
        (
            "statements.csv:2:salience: '5_0' is not a number written in plain decimals",
            "statements.csv:4:salience: ' 80 ' is not a number written in plain decimals",
            "statements.csv:6:salience: '\u0666\u0660' is not a number written in plain decimals",
            "issues.csv:2:reference_point: '0e0' is not a number written in plain decimals",
        ),
        (
            set_cell("statements.csv", 2, "salience", "5_0"),
            set_cell("statements.csv", 4, "salience", " 80 "),
            set_cell("statements.csv", 6, "salience", "\u0666\u0660"),
            set_cell("issues.csv", 2, "reference_point", "0e0"),
        ),
    ),
    Case(
        "integer_formats",
        (
            "meetings.csv:2:sequence: '+1' is not an integer written in plain digits",
            "meetings.csv:3:sequence: '\u0662' is not an integer written in plain digits",
        ),
        (set_cell("meetings.csv", 2, "sequence", "+1"), set_cell("meetings.csv", 3, "sequence", "\u0662")),
    ),
    # --- the codebook's rules ----------------------------------------------------------------------------
    Case(
        "key_phrase_over_fifteen_words",
        ("statements.csv:2:key_phrase: key_phrase has 16 words; at most 15 are quoted",),
        (set_cell("statements.csv", 2, "key_phrase", " ".join(["word"] * 16)),),
    ),
    Case(
        "salience_on_reported_fact",
        ("statements.csv:3:salience: salience must be empty for reported_fact",),
        (set_cell("statements.csv", 3, "salience", "50"),),
    ),
    Case(
        "printed_date_missing",
        ("sources.csv:2:date: date_basis is printed, but no date is given",),
        (set_cell("sources.csv", 2, "date", ""),),
    ),
    Case(
        "shown_author_missing",
        ("sources.csv:3:author: author_basis is shown, but no author is given",),
        (set_cell("sources.csv", 3, "author", ""),),
    ),
    Case(
        "unconfirmed_with_key_phrase",
        ("statements.csv:5:key_phrase: an unconfirmed statement has no key_phrase",),
        (set_cell("statements.csv", 5, "key_phrase", "the talks will go on"),),
    ),
    Case(
        "duplicate_sequence",
        ("meetings.csv:3:sequence: sequence 1 is already the sequence of meeting 'drafts' (row 2)",),
        (set_cell("meetings.csv", 3, "sequence", "1"),),
    ),
    Case(
        "sequence_against_dates",
        ("meetings.csv:2:sequence: meeting 'drafts' (2021-12-17) has a later sequence than 'geneva' "
         "(2022-01-10) but an earlier date",),
        (set_cell("meetings.csv", 2, "sequence", "2"), set_cell("meetings.csv", 3, "sequence", "1")),
    ),
    Case(
        "outlet_wording_on_expert_proposal",
        ("statements.csv:6:attribution: attribution outlet_wording is a third party's account: the kind must be "
         "reported_fact, not expert_proposal",),
        (set_cell("statements.csv", 6, "attribution", "outlet_wording"),),
    ),
    Case(
        "high_confidence_on_outlet_wording",
        ("statements.csv:3:confidence: confidence is never high for attribution outlet_wording",),
        (set_cell("statements.csv", 3, "confidence", "high"),),
    ),
    Case(
        "position_for_osce_chair",
        ("statements.csv:4:position: actor 'test_official' speaks for osce_chair, which is never scored",),
        (set_cell("actors.csv", 2, "speaker_group", "osce_chair"),),
    ),
    Case(
        "position_for_media",
        ("statements.csv:2:position: actor 'test_russian_official' speaks for media, which is never scored",),
        (set_cell("actors.csv", 3, "speaker_group", "media"),),
    ),
    Case(
        "conditional_on_unscored_statement",
        ("statements.csv:7:conditional: conditional is true, but the statement has no position",),
        (set_cell("statements.csv", 7, "conditional", "true"),),
    ),
    Case(
        "better_source_unknown_or_itself",
        (
            "sources.csv:3:better_source_id: unknown better_source_id 'S09' (not in sources.csv)",
            "sources.csv:4:better_source_id: better_source_id names the source itself",
        ),
        (set_cell("sources.csv", 3, "better_source_id", "S09"), set_cell("sources.csv", 4, "better_source_id", "S03")),
    ),
    Case(
        "issue_id_too_long_for_a_file_name",
        ("issues.csv:3:issue_id: 'test_tagged_issue_xxxx", "' does not match the pattern [a-z][a-z0-9_]{0,62}"),
        (replace_everywhere(("issues.csv", "statements.csv"), "test_tagged_issue", "test_tagged_issue_" + "x" * 60),),
    ),
    Case(
        "not_a_boolean_by_the_schema",  # the standard's default trueValues include True and 1: not here
        (
            "statements.csv:2:conditional: 'True' is not a boolean (true or false)",
            "issues.csv:3:positional: '0' is not a boolean (true or false)",
        ),
        (set_cell("statements.csv", 2, "conditional", "True"), set_cell("issues.csv", 3, "positional", "0")),
        standard=True,
    ),
    # --- the second coding ---------------------------------------------------------------------------------
    Case(
        "second_coding_duplicate_row",
        ("reliability/second_coding.csv:4:statement_id: duplicate statement_id 'S01-1' (rows 2 and 4)",),
        (append_row("reliability/second_coding.csv", ["S01-1", "75", "low", "Coded twice (test)."]),),
        standard=True,
    ),
    Case(
        "second_coding_unknown_statement",
        ("reliability/second_coding.csv:3:statement_id: unknown statement_id 'S09-9' (not in statements.csv)",),
        (set_cell("reliability/second_coding.csv", 3, "statement_id", "S09-9"),),
        standard=True,
    ),
    Case(
        "second_coding_not_numeric",
        ("reliability/second_coding.csv:2:position: 'high' is not a number",),
        (set_cell("reliability/second_coding.csv", 2, "position", "high"),),
        standard=True,
    ),
    Case(
        "second_coding_unscored_statement",
        ("reliability/second_coding.csv:3:statement_id: statement 'S01-2' has no position in statements.csv",),
        (set_cell("reliability/second_coding.csv", 3, "statement_id", "S01-2"),),
    ),
    Case(
        "second_coding_hostile_text",
        (
            "reliability/second_coding.csv:2:coding_note: text starts with '='",
            "reliability/second_coding.csv:3:coding_note: HTML markup is not allowed ('<script')",
        ),
        (
            set_cell("reliability/second_coding.csv", 2, "coding_note", "=HYPERLINK(\"https://example.org\")"),
            set_cell("reliability/second_coding.csv", 3, "coding_note", "<script>alert(1)</script>"),
        ),
    ),
    Case(
        "second_coding_is_a_folder",
        ("reliability/second_coding.csv:0:-: is a folder, not a file",),
        (delete("reliability/second_coding.csv"), set_content("reliability/second_coding.csv/notes.txt", "x\n")),
    ),
    Case(
        "statements_csv_is_a_folder",
        ("statements.csv:0:-: is a folder, not a file",),
        (delete("statements.csv"), set_content("statements.csv/part1.csv", "statement_id\nS01-1\n")),
    ),
)

# Cases that break a rule of the Table Schema itself (with the shipped schema: types, constraints, keys,
# labels, cells per row, unreadable files): frictionless rejects them too. Every other bad case breaks a
# rule only this project checks. tests/test_frictionless.py holds the line between the two both ways.
STANDARD_CASES = frozenset({
    "missing_file", "missing_column", "extra_column", "renamed_column", "duplicate_column", "empty_file",
    "header_only", "blank_lines_only", "duplicate_id", "duplicate_actor_id", "unknown_actor", "unknown_issue",
    "unknown_meeting", "unknown_source", "malformed_date", "impossible_date", "impossible_month",
    "position_out_of_range", "position_not_numeric", "position_nan", "position_infinite", "salience_not_numeric",
    "unknown_kind", "unknown_speaker_group", "required_value_missing", "pattern_mismatch",
    "text_too_long_for_field", "not_boolean", "not_integer", "other_bad_urls", "malformed_csv_unclosed_quote",
    "wrong_number_of_cells", "datapackage_loosened_pattern_does_not_apply", "issue_id_too_long_for_a_file_name",
    "second_coding_is_a_folder", "statements_csv_is_a_folder",
})
CASES = tuple(dataclasses.replace(case, standard=True) if case.name in STANDARD_CASES else case for case in CASES)


# --- writing and checking ---------------------------------------------------------------------------------


def fixture_files() -> Files:
    """Every file of the fixture, keyed by its path inside it (reliability/second_coding.csv too)."""
    return {path.relative_to(FIXTURE).as_posix(): path.read_bytes()
            for path in sorted(FIXTURE.rglob("*")) if path.is_file()}


def case_files(case: Case) -> Files:
    """The data folder of one case: the fixture with the case's edits applied."""
    files = fixture_files()
    for edit in case.edits:
        edit(files)
    return files


def render(case: Case) -> dict[str, bytes]:
    """Every file of a case folder, keyed by its path inside the folder."""
    rendered = {f"data/{name}": content for name, content in case_files(case).items()}
    rendered["expected.txt"] = ("\n".join(case.expected) + "\n").encode("utf-8")
    return rendered


def write_data(files: Files, data_dir: Path) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (data_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (data_dir / name).write_bytes(content)
    return data_dir


def on_disk(case_dir: Path) -> dict[str, bytes]:
    return {
        path.relative_to(case_dir).as_posix(): path.read_bytes()
        for path in case_dir.rglob("*")
        if path.is_file()
    }


def stale_cases(root: Path = HERE) -> list[str]:
    """Names of case folders that differ from what this script writes (or should not exist)."""
    names = {case.name for case in CASES}
    stale = [case.name for case in CASES if on_disk(root / case.name) != render(case)]
    stale += [path.name for path in _case_dirs(root) if path.name not in names]
    return sorted(stale)


def _case_dirs(root: Path) -> list[Path]:
    return [path for path in root.iterdir() if (path / "expected.txt").is_file()]


def write_corpus(root: Path = HERE) -> None:
    names = {case.name for case in CASES}
    for path in _case_dirs(root):
        if path.name not in names:
            shutil.rmtree(path)
    for case in CASES:
        shutil.rmtree(root / case.name, ignore_errors=True)
        for relative, content in render(case).items():
            target = root / case.name / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)


def main(argv: list[str]) -> int:
    if argv == ["--check"]:
        stale = stale_cases()
        for name in stale:
            print(f"out of date: {name}")
        return 1 if stale else 0
    write_corpus()
    print(f"wrote {len(CASES)} cases under {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

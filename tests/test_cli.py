"""The console command and the library surface: argument checks, --version, project-root discovery, a
non-editable install, and a working directory whose own analysis.py or talks2022.py changes nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

import talks2022
from talks2022 import cli, compute_derived, load
from talks2022.book import toc
from talks2022.methods import derived, positions
from talks2022.paths import PROJECT_ENV
from talks2022.pipeline.jobs import plan
from tests.pipeline_project import REPO, ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "valid_small"
CONSOLE_SCRIPT = Path(sys.executable).with_name("talks2022")
needs_console_script = pytest.mark.skipif(not CONSOLE_SCRIPT.exists(), reason="talks2022 is not installed here")
# What `validate` prints first for the small fixture (tests/fixtures/valid_small).
FIXTURE_VALID = "valid: 7 tables, 6 statements"


def small_project(root: Path) -> Path:
    """A project tree with the small fixture as its data (so its output tells it from the repository's)."""
    shutil.copytree(FIXTURE, root / "data")
    shutil.copyfile(ROOT / "_config.yml", root / "_config.yml")
    return root


def clean_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in (PROJECT_ENV, "PYTHONPATH")}
    return {**env, "PYTHONDONTWRITEBYTECODE": "1", **extra}


def run(command: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, env=clean_env(**env), capture_output=True, text=True, timeout=300)


# --- argument checks -----------------------------------------------------------------------------------


@pytest.mark.parametrize("arguments", [
    ["--as-of", "garbage"],
    ["--as-of", "2022-13-45"],
    ["--as-of", "٢٠٢٢-٠١-١٢"],  # Arabic-Indic digits
    ["--as-of", "2022-01-12\n"],
    ["--as-of", "2022-1-12"],
    ["--jobs", "0"],
    ["--jobs", "-1"],
    ["--jobs", "two"],
])
def test_bad_run_options_are_usage_errors(arguments: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli.main(["run", *arguments])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: talks2022 run") and f"argument {arguments[0]}:" in err
    assert "Traceback" not in err


@needs_console_script
def test_a_bad_as_of_from_the_console_prints_no_traceback(tmp_path: Path) -> None:
    result = run([str(CONSOLE_SCRIPT), "run", "--as-of", "2022-13-45"], tmp_path)
    assert result.returncode == 2
    assert "usage:" in result.stderr and "Traceback" not in result.stderr


def test_good_options_parse() -> None:
    args = cli._parser().parse_args(["run", "--as-of", "2022-01-12", "--jobs", "3", "--only", "overview",
                                     "--force", "--data", "d"])
    assert (args.as_of, args.jobs, args.only, args.force, args.data) == ("2022-01-12", 3, ["overview"], True, "d")


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli.main(["--version"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out.strip() == f"talks2022 {talks2022.__version__}"
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert talks2022.__version__ == pyproject["project"]["version"]


# --- project root --------------------------------------------------------------------------------------


@needs_console_script
def test_the_project_is_found_from_a_subfolder(tmp_path: Path) -> None:
    project = small_project(tmp_path / "copy")
    subfolder = project / "book" / "deep"
    subfolder.mkdir(parents=True)
    result = run([str(CONSOLE_SCRIPT), "validate"], subfolder)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith(FIXTURE_VALID)  # the copy's data, not the repository's


@needs_console_script
def test_project_option_and_environment_variable(tmp_path: Path) -> None:
    project = small_project(tmp_path / "copy")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    by_option = run([str(CONSOLE_SCRIPT), "--project", str(project), "validate"], elsewhere)
    by_env = run([str(CONSOLE_SCRIPT), "validate"], elsewhere, **{PROJECT_ENV: str(project)})
    for result in (by_option, by_env):
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.startswith(FIXTURE_VALID)


def test_no_project_is_one_line_and_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(PROJECT_ENV, raising=False)
    for command in (["validate"], ["run"], ["build"], ["--project", str(tmp_path), "build"]):
        with pytest.raises(SystemExit) as stopped:
            cli.main(command)
        assert stopped.value.code == 2
        captured = capsys.readouterr()
        assert captured.out == ""
        assert len(captured.err.splitlines()) == 1 and captured.err.startswith("talks2022: error: ")


@needs_console_script
def test_no_project_from_the_console(tmp_path: Path) -> None:
    result = run([str(CONSOLE_SCRIPT), "run"], tmp_path)
    assert result.returncode == 2
    assert result.stdout == "" and len(result.stderr.splitlines()) == 1, result.stderr


@needs_console_script
def test_files_named_like_the_package_in_the_working_directory_change_nothing(tmp_path: Path) -> None:
    project = small_project(tmp_path / "copy")
    expected = run([str(CONSOLE_SCRIPT), "validate"], project)
    for name in ("analysis.py", "talks2022.py"):
        (project / name).write_text("raise SystemExit('the stray module ran')\n", encoding="utf-8")
    (project / "analysis").mkdir()  # a folder named like the old package, too
    (project / "analysis" / "__init__.py").write_text("raise SystemExit('the stray package ran')\n")
    result = run([str(CONSOLE_SCRIPT), "validate"], project)
    assert (result.returncode, result.stdout, result.stderr) == (expected.returncode, expected.stdout, expected.stderr)
    assert result.returncode == 0 and "stray" not in result.stdout + result.stderr


# --- a non-editable install ----------------------------------------------------------------------------


@pytest.mark.slow
def test_a_non_editable_install_works_on_the_project_it_is_run_in(tmp_path: Path) -> None:
    source = tmp_path / "source"  # pip builds in the source folder: build a copy, not the repository
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copyfile(ROOT / name, source / name)
    shutil.copytree(ROOT / "analysis", source / "analysis", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    site = tmp_path / "site"
    installed = run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index",
                     "--quiet", "--target", str(site), str(source)], tmp_path, PIP_NO_CACHE_DIR="1")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert (site / "talks2022" / "templates" / "issue.ipynb").is_file()
    assert (site / "talks2022" / "methods" / "derived_tables.json").is_file()
    # The trusted schema travels with the package: every data folder is checked against this copy.
    shipped = site / "talks2022" / "data" / "datapackage.json"
    assert shipped.read_bytes() == (FIXTURE / "datapackage.json").read_bytes()

    project = small_project(tmp_path / "project")
    env = {"PYTHONPATH": str(site)}
    where = run([sys.executable, "-c", "import talks2022; print(talks2022.__file__)"], project, **env)
    assert Path(where.stdout.strip()).is_relative_to(site), where.stdout + where.stderr
    validated = run([sys.executable, "-m", "talks2022", "validate"], project, **env)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert validated.stdout.startswith(FIXTURE_VALID)
    assert f"({project / 'data'})" in validated.stdout or "(data)" in validated.stdout
    loaded = run([sys.executable, "-c", "from talks2022 import load; record = load('data'); "
                  "print(record.statements['date'].dtype, record.meetings['window_start'].dtype)"], project, **env)
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.split() == ["datetime64[ns]", "datetime64[ns]"]
    # ... and runs: the installed templates execute against the project's data, into the project's book.
    ran = run([sys.executable, "-m", "talks2022", "run", "--only", "overview", "--jobs", "1"], project, **env)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert (project / "book" / "generated" / "overview.ipynb").is_file()
    assert not any(site.rglob("generated")), "nothing is written into the installed package"


# --- library surface -----------------------------------------------------------------------------------


def test_load_gives_real_dates_and_validate_lists_problems() -> None:
    record = load(REPO.data_dir)
    for frame, column in ((record.statements, "date"), (record.meetings, "date"), (record.sources, "date")):
        assert str(frame[column].dtype) == "datetime64[ns]"
    assert talks2022.validate(REPO.data_dir) == []
    problems = talks2022.validate(ROOT / "tests" / "bad_inputs" / "unknown_actor" / "data")
    assert problems and all(isinstance(problem, talks2022.Problem) for problem in problems)


def test_each_derived_table_is_computed_once_per_run(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: dict[str, int] = {}

    def counted(module: object, name: str) -> None:
        original = getattr(module, name)

        def wrapper(*args: object, **kwargs: object) -> object:
            calls[name] = calls.get(name, 0) + 1
            return original(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    for name in ("proposal_placement", "benchmarks", "median_lambda_by_issue"):
        counted(derived, name)
    for name in ("_official_positions", "_side_positions_wide", "_positions_by_round"):
        counted(positions, name)
    record = load(FIXTURE, talks2022.AnalysisParams(robustness_draws=20, bootstrap_draws=50))
    tables = compute_derived(record)
    assert set(tables) == set(derived.table_schemas())
    assert calls == {"proposal_placement": 1, "benchmarks": 1, "median_lambda_by_issue": 1,
                     "_official_positions": 1, "_side_positions_wide": 1, "_positions_by_round": 1}


def test_toc_is_yaml_with_the_book_structure() -> None:
    jobs = plan(load(REPO.data_dir).issues)
    text = toc.render(jobs, REPO)
    assert text.startswith("# Written by `talks2022 run`")
    document = yaml.safe_load(text)
    assert document == toc.structure(jobs, REPO)
    assert document["format"] == "jb-book" and document["root"] == "book/generated/introduction"
    captions = [part["caption"] for part in document["parts"]]
    assert captions == ["Data and methods", "Findings", "Issue by issue", "How far the findings hold",
                        "Using the package", "Reference"]
    issue_files = [chapter["file"] for chapter in document["parts"][2]["chapters"]]
    assert issue_files == [f"book/generated/issues/{job.scope}" for job in jobs if job.scope is not None]
    assert yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8")) == document

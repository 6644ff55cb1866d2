"""The performance benchmark of talks2022: `python bench/run.py` or `nox -s bench`.

Everything runs in throw-away copies of the project (tests/pipeline_project.py) under a temporary folder,
through the real CLI, so the repository's own book/generated and _build are never touched. One run
measures, as ratios:

  cold_vs_jupyterbook  `run --jobs 1` on an empty book/generated + `build` (one notebook at a time, as
                       Jupyter Book executes them), against Jupyter Book's own execution
                       (`execute_notebooks: force`) of the same notebooks: the executed chapters of the cold
                       copy with their outputs cleared (the injected parameters kept), built by
                       `jupyter-book build` in a fresh copy that differs only in _config.yml;
  nochange_vs_cold     `run` + `build` again with nothing changed, against the cold `run --jobs N` + `build`;
  onechange_vs_cold    `run` + `build` after one statement (the position of one statement on one issue)
                       changed in statements.csv, against the same cold build;

and, for synthetic datasets (bench/synthetic.py) at each size, a cold run + build with `--data`: wall
time, seconds per statement row, peak resident memory (VmRSS of the whole process tree, sampled every
0.1 s from /proc, summed; and of the largest single process), the largest HTML page, and whether every
chart rendered (same charts per page as the shipped data, no MaxRowsError, no failed chart, no error
output in any executed notebook). The ratios are medians over --repeat repetitions.

Results go to bench/results.json and bench/results.md (--quick writes to bench/work/ instead, so a smoke
run never replaces the recorded figures). Timings are reported, never asserted: machines differ.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `python bench/run.py` puts bench/ first; tests/ and bench/ import from ROOT

import nbformat  # noqa: E402

from bench import synthetic  # noqa: E402
from talks2022.pipeline.build import jupyter_book_command  # noqa: E402
from tests.pipeline_project import Project, copy_project  # noqa: E402

BENCH_DIR = ROOT / "bench"
QUICK_OUTPUT_DIR = BENCH_DIR / "work"
DEFAULT_SIZES = (1, 10, 100)  # 1000x would need a 281 MB statements.csv; a data file may have 50 MiB
QUICK_SIZES = (1, 10)
SAMPLE_SECONDS = 0.1
STEP_TIMEOUT_SECONDS = 3 * 3600
# The issue whose data the one-change rebuild edits (a position of its first official statement).
CHANGED_ISSUE = "nato_enlargement"
TARGETS = {
    "cold_vs_jupyterbook": 0.5,
    "nochange_vs_cold": 0.05,
    "onechange_vs_cold": 0.4,
    "largest_page_bytes": 2_000_000,
    "peak_rss_bytes": 2_000_000_000,
}
# "Flat or falling": each size's seconds per row at most this much above the previous size's.
FLAT_TOLERANCE = 1.10
CHART_FIGURE = '<figure class="t22-chart"'
CHART_FAILURES = ("MaxRowsError", "Chart failed", "Chart library not loaded")
SCRIPT_ELEMENT = re.compile(r"<script\b.*?</script>", re.S)
EMBEDDED_SPEC = re.compile(r'window\.vegaEmbed\(el,(.*?),\{"actions":false')
REPORTED_PACKAGES = ("jupyter-book", "sphinx", "myst-nb", "papermill", "nbclient", "ipykernel", "altair",
                     "pandas", "numpy")


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- memory of a process tree -------------------------------------------------------------------------------


def _children_by_parent() -> dict[int, list[int]]:
    children: dict[int, list[int]] = defaultdict(list)
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path("/proc", entry.name, "stat").read_text()
        except OSError:
            continue  # the process ended while we looked
        # The command name may hold spaces and parentheses: the parent pid is the second field after it.
        children[int(stat.rsplit(")", 1)[1].split()[1])].append(int(entry.name))
    return children


def _rss_bytes(pid: int) -> int:
    try:
        for line in Path("/proc", str(pid), "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0  # gone, or a zombie (no VmRSS line)


def tree_rss(root: int) -> tuple[int, int]:
    """(sum, largest) VmRSS in bytes over `root` and all its descendants."""
    children = _children_by_parent()
    pending, sizes = [root], []
    while pending:
        pid = pending.pop()
        sizes.append(_rss_bytes(pid))
        pending += children.get(pid, [])
    return sum(sizes), max(sizes)


class PeakSampler(threading.Thread):
    """Samples the memory of a process tree every SAMPLE_SECONDS until stopped; keeps the peaks."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_tree = 0
        self.peak_process = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            total, largest = tree_rss(self.pid)
            self.peak_tree = max(self.peak_tree, total)
            self.peak_process = max(self.peak_process, largest)
            self._stop_event.wait(SAMPLE_SECONDS)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


# --- timed steps --------------------------------------------------------------------------------------------


@dataclass
class Step:
    """One or more commands run one after the other: wall time and memory peaks over all of them."""

    seconds: float = 0.0
    peak_tree_rss: int = 0
    peak_process_rss: int = 0
    parts: dict[str, float] = field(default_factory=dict)
    executed: int = 0  # chapters the run step re-executed

    def add(self, name: str, other: Step) -> Step:
        self.seconds += other.seconds
        self.peak_tree_rss = max(self.peak_tree_rss, other.peak_tree_rss)
        self.peak_process_rss = max(self.peak_process_rss, other.peak_process_rss)
        self.parts[name] = round(other.seconds, 3)
        return self


class StepFailed(RuntimeError):
    """A command of a measurement failed; the message ends with the tail of its output."""

    def __init__(self, command: list[str], code: int, cwd: Path, output: str) -> None:
        self.tail = output.strip().splitlines()[-60:]
        super().__init__(f"{' '.join(command)} failed ({code}) in {cwd}:\n" + "\n".join(self.tail))

    def reason(self) -> str:
        """The lines that say what went wrong (the CLI prints them after 'error:')."""
        start = next((index for index, line in enumerate(self.tail) if line.startswith("error:")), 0)
        return " ".join(line.strip() for line in self.tail[start:start + 2])  # not where a temporary copy was


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[Step, str]:
    """Run a command to completion, sampling its process tree; StepFailed (with its output) if it fails."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    sampler = PeakSampler(process.pid)
    sampler.start()
    try:
        output, _ = process.communicate(timeout=STEP_TIMEOUT_SECONDS)
    finally:
        sampler.stop()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise StepFailed(command, process.returncode, cwd, output)
    return Step(seconds, sampler.peak_tree, sampler.peak_process), output


def cli(project: Project, *args: str) -> Step:
    step, _ = timed(project.command(*args), project.root, project.env())
    return step


def run_and_build(project: Project, jobs: int, data: Path | None = None) -> Step:
    data_args = ["--data", str(data)] if data is not None else []
    total = Step()
    run_step, output = timed(project.command("run", "--jobs", str(jobs), *data_args), project.root, project.env())
    total.add("run", run_step)
    total.executed = len(re.findall(r"\] ran  ", output))
    total.add("build", cli(project, "build"))
    return total


# --- the shipped data: cold, nothing changed, one change, Jupyter Book's own execution -------------------------


def change_one_position(project: Project, repetition: int) -> str:
    """Move the position of the first official statement on CHANGED_ISSUE to a value it did not hold."""
    path = project.root / "data" / "statements.csv"
    text = path.read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text))
    rows, header = list(reader), list(reader.fieldnames or [])
    row = next(r for r in rows if r["issue_id"] == CHANGED_ISSUE and r["kind"] == "official_position"
               and r["position"])
    old = float(row["position"])
    # Anchors and midpoints between them are the valid positions: another one in each repetition.
    valid = [value for value in (0, 12.5, 25, 37.5, 50, 62.5, 75, 87.5, 100) if value != old]
    row["position"] = f"{valid[(3 + 2 * repetition) % len(valid)]:g}"
    old = f"{old:g}"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return f"{row['statement_id']}: position {old} -> {row['position']}"


def jupyter_book_project(destination: Path, executed: Project) -> Project:
    """A fresh copy with the cold copy's chapters (outputs cleared) and Jupyter Book executing them."""
    project = copy_project(destination)
    shutil.copytree(executed.root / "book" / "generated", project.root / "book" / "generated")
    shutil.copyfile(executed.root / "_toc.yml", project.root / "_toc.yml")
    for path in sorted((project.root / "book" / "generated").rglob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                cell.outputs = []
                cell.execution_count = None
        nbformat.write(notebook, path)  # the injected-parameters cell is a code cell: its source stays
    config = project.root / "_config.yml"
    text, count = re.subn(r'(?m)^(\s*execute_notebooks:\s*).*$', r"\1force", config.read_text(encoding="utf-8"))
    if count != 1:
        raise RuntimeError("cannot find execute_notebooks in _config.yml")
    config.write_text(text, encoding="utf-8")
    return project


def jupyter_book_build(project: Project) -> Step:
    """The `jupyter-book build` command `talks2022 build` runs (strict), run directly: with
    `execute_notebooks: force` it executes the notebooks; on a built copy it is Sphinx's incremental build."""
    command = [*jupyter_book_command(), "build", str(project.root), "--path-output",
               str(project.root / "_build" / ".jb"), "-W", "-n", "--keep-going"]
    step, _ = timed(command, project.root, project.env())
    return step


def measure_shipped(work: Path, jobs: int, repeats: int) -> dict:
    colds, serials, jbs, nochanges, onechanges, changes, sphinx_noops = [], [], [], [], [], [], []
    charts_ours = charts_jb = None
    for repetition in range(repeats):
        serial = copy_project(work / f"serial-{repetition}")
        log(f"cold run --jobs 1 + build of the shipped data ({repetition + 1}/{repeats})")
        serials.append(run_and_build(serial, 1))
        shutil.rmtree(serial.root)
        project = copy_project(work / f"shipped-{repetition}")
        log(f"cold run --jobs {jobs} + build of the shipped data ({repetition + 1}/{repeats})")
        colds.append(run_and_build(project, jobs))
        charts_ours = site_report(project.root / "_build" / "html")["charts_per_page"]
        log(f"Jupyter Book's own execution ({repetition + 1}/{repeats})")
        jb_project = jupyter_book_project(work / f"jupyterbook-{repetition}", project)
        jbs.append(jupyter_book_build(jb_project))
        charts_jb = site_report(jb_project.root / "_build" / ".jb" / "_build" / "html")["charts_per_page"]
        shutil.rmtree(jb_project.root)
        log(f"rebuild with nothing changed ({repetition + 1}/{repeats})")
        nochanges.append(run_and_build(project, jobs))
        sphinx_noops.append(jupyter_book_build(project))  # what `build` skips when nothing changed
        changes.append(change_one_position(project, repetition))
        log(f"rebuild after one change ({changes[-1]})")
        onechanges.append(run_and_build(project, jobs))
        shutil.rmtree(project.root)
    cold = statistics.median(step.seconds for step in colds)
    return {
        "cold_seconds": cold,
        "cold_serial_seconds": statistics.median(step.seconds for step in serials),
        "jupyterbook_seconds": statistics.median(step.seconds for step in jbs),
        "nochange_seconds": statistics.median(step.seconds for step in nochanges),
        "onechange_seconds": statistics.median(step.seconds for step in onechanges),
        "nochange_jupyterbook_build_seconds": statistics.median(step.seconds for step in sphinx_noops),
        "runs": {name: [_step_json(step) for step in steps] for name, steps in
                 (("cold", colds), ("cold_serial", serials), ("jupyterbook", jbs), ("nochange", nochanges),
                  ("nochange_jupyterbook_build", sphinx_noops), ("onechange", onechanges))},
        "one_change": changes[0],
        "onechange_executed": statistics.median(step.executed for step in onechanges),
        "same_charts_as_jupyterbook": charts_ours == charts_jb,
        "charts_per_page": charts_ours,
    }


def _step_json(step: Step) -> dict:
    return {"seconds": round(step.seconds, 3), **step.parts, "peak_rss_bytes": step.peak_tree_rss,
            "peak_single_process_rss_bytes": step.peak_process_rss}


# --- checks of what was built --------------------------------------------------------------------------------


def _chart_rows(page_text: str) -> list[int]:
    """Rows of data inlined in each chart of a page (the largest dataset of its spec)."""
    rows = []
    for spec_text in EMBEDDED_SPEC.findall(page_text):
        spec = json.loads(spec_text)
        datasets = spec.get("datasets", {}).values()
        rows.append(max((len(values) for values in datasets), default=0))
    return rows


def site_report(html_dir: Path) -> dict:
    """The largest page, charts per page, the largest chart dataset, and every page where a chart failed."""
    pages = sorted(path for path in html_dir.rglob("*.html") if "_static" not in path.parts)
    charts, failures, chart_rows = {}, [], []
    for page in pages:
        text = page.read_text(encoding="utf-8")
        name = page.relative_to(html_dir).as_posix()
        if CHART_FIGURE in text:
            charts[name] = text.count(CHART_FIGURE)
            chart_rows += _chart_rows(text)
        # The chart scripts carry the failure messages in their error handlers: look outside scripts.
        visible = SCRIPT_ELEMENT.sub("", text)
        failures += [f"{name}: {marker}" for marker in CHART_FAILURES if marker in visible]
        if "MaxRowsError" in text:
            failures.append(f"{name}: MaxRowsError")
    largest = max(pages, key=lambda path: path.stat().st_size)
    return {
        "largest_page": largest.relative_to(html_dir).as_posix(),
        "largest_page_bytes": largest.stat().st_size,
        "site_bytes": sum(path.stat().st_size for path in html_dir.rglob("*") if path.is_file()),
        "charts_per_page": charts,
        "largest_chart_rows": max(chart_rows, default=0),
        "chart_failures": failures,
    }


def notebook_errors(generated: Path) -> list[str]:
    """Error outputs (or a MaxRowsError anywhere in an output) in the executed chapters."""
    problems = []
    for path in sorted(generated.rglob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        for index, cell in enumerate(notebook.cells):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error" or "MaxRowsError" in json.dumps(output):
                    problems.append(f"{path.relative_to(generated).as_posix()}: cell {index}")
    return problems


# --- synthetic sizes -----------------------------------------------------------------------------------------


def statement_rows(data: Path) -> int:
    with (data / synthetic.STATEMENTS).open(encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def measure_size(work: Path, factor: int, jobs: int, expected_charts: dict[str, int]) -> dict:
    """A cold run + build of the shipped data scaled `factor` times; a failed run is a result too."""
    try:
        data = synthetic.generate(ROOT / "data", work / f"data-{factor}x", factor)
    except (ValueError, OSError) as error:
        log(f"{factor}x: FAILED to generate the synthetic data: {error}")
        return {"rows": 0, "failed": f"bench/synthetic.py: {error}",
                **dict.fromkeys(("seconds", "seconds_per_row", "peak_rss_bytes", "peak_single_process_rss_bytes",
                                 "largest_page", "largest_page_bytes", "largest_chart_rows")),
                "all_charts_rendered": False}
    project = copy_project(work / f"size-{factor}x")
    rows = statement_rows(data)
    log(f"{factor}x: validate the synthetic data")
    try:
        validation = cli(project, "validate", str(data))
        log(f"{factor}x: cold run + build")
        step = run_and_build(project, jobs, data)
    except StepFailed as failure:
        log(f"{factor}x: FAILED: {failure.reason()}")
        result = {"rows": rows, "failed": " ".join(failure.tail[-2:])[:300],
                  **dict.fromkeys(("seconds", "seconds_per_row", "peak_rss_bytes", "peak_single_process_rss_bytes",
                                   "largest_page", "largest_page_bytes", "largest_chart_rows")),
                  "all_charts_rendered": False}
    else:
        result = _size_result(project, rows, step, validation, expected_charts)
        log(f"{factor}x: {rows} rows in {step.seconds:.1f} s, peak {step.peak_tree_rss / 1e9:.2f} GB, "
            f"largest page {result['largest_page_bytes'] / 1e6:.2f} MB, "
            f"charts ok: {result['all_charts_rendered']}")
    shutil.rmtree(project.root)
    shutil.rmtree(data)
    return result


def _size_result(project: Project, rows: int, step: Step, validation: Step, expected_charts: dict[str, int]) -> dict:
    site = site_report(project.root / "_build" / "html")
    errors = notebook_errors(project.root / "book" / "generated")
    missing = {page: count for page, count in expected_charts.items()
               if site["charts_per_page"].get(page) != count}
    return {
        "rows": rows,
        "seconds": round(step.seconds, 3),
        **step.parts,
        "validate_seconds": round(validation.seconds, 3),
        "seconds_per_row": step.seconds / rows,
        "peak_rss_bytes": step.peak_tree_rss,
        "peak_single_process_rss_bytes": step.peak_process_rss,
        **site,
        "notebook_errors": errors,
        "pages_missing_charts": missing,
        "all_charts_rendered": not errors and not site["chart_failures"] and not missing,
    }


# --- results ---------------------------------------------------------------------------------------------------


def describe_machine() -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    models = re.findall(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    memory = re.search(r"^MemTotal:\s*(\d+) kB", meminfo, re.M)
    versions = {}
    for name in REPORTED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return {
        "cpu": models[0] if models else platform.processor() or "unknown",
        "logical_cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_bytes": int(memory.group(1)) * 1024 if memory else None,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "packages": versions,
        "commit": _git_commit(),
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _git_commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "analysis", "bench"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head} (with uncommitted changes)" if dirty else head


def _by_size(sizes: dict[str, dict], key: str) -> dict[str, float | int]:
    return {label: result[key] for label, result in sizes.items()}


def _flat_or_falling(seconds_per_row: dict[str, float | None]) -> bool | None:
    """Seconds per row from 10x up never rise by more than FLAT_TOLERANCE (None: fewer than two sizes;
    False when a size failed)."""
    scaled = [value for label, value in seconds_per_row.items() if int(label[:-1]) >= 10]
    if len(scaled) < 2:
        return None
    if None in scaled:
        return False
    return all(later <= earlier * FLAT_TOLERANCE for earlier, later in zip(scaled, scaled[1:], strict=False))


def _below(value: float | None, limit: float) -> bool:
    return value is not None and value < limit


def assemble(shipped: dict, sizes: dict[str, dict], machine: dict, args: argparse.Namespace) -> dict:
    cold = shipped["cold_seconds"]
    largest_label = max(sizes, key=lambda label: int(label[:-1]))
    results = {
        "cold_vs_jupyterbook": shipped["cold_serial_seconds"] / shipped["jupyterbook_seconds"],
        "nochange_vs_cold": shipped["nochange_seconds"] / cold,
        "onechange_vs_cold": shipped["onechange_seconds"] / cold,
        "seconds_per_row": _by_size(sizes, "seconds_per_row"),
        "peak_rss_bytes": _by_size(sizes, "peak_rss_bytes"),
        "largest_page_bytes": _by_size(sizes, "largest_page_bytes"),
    }
    largest = sizes[largest_label]
    results["targets"] = {
        "cold_vs_jupyterbook": {"at_most": TARGETS["cold_vs_jupyterbook"],
                                "met": results["cold_vs_jupyterbook"] <= TARGETS["cold_vs_jupyterbook"]},
        "nochange_vs_cold": {"at_most": TARGETS["nochange_vs_cold"],
                             "met": results["nochange_vs_cold"] <= TARGETS["nochange_vs_cold"]},
        "onechange_vs_cold": {"at_most": TARGETS["onechange_vs_cold"],
                              "met": results["onechange_vs_cold"] <= TARGETS["onechange_vs_cold"]},
        "seconds_per_row_flat_or_falling": {"from": "10x", "tolerance": FLAT_TOLERANCE,
                                            "met": _flat_or_falling(results["seconds_per_row"])},
        "every_chart_renders": {"met": all(result["all_charts_rendered"] for result in sizes.values())},
        "largest_page_bytes": {"size": largest_label, "below": TARGETS["largest_page_bytes"],
                               "met": _below(largest["largest_page_bytes"], TARGETS["largest_page_bytes"])},
        "peak_rss_bytes": {"size": largest_label, "below": TARGETS["peak_rss_bytes"],
                           "met": _below(largest["peak_rss_bytes"], TARGETS["peak_rss_bytes"])},
    }
    results["shipped"] = shipped
    results["sizes"] = sizes
    results["settings"] = {"jobs": args.jobs, "repeat": args.repeat, "quick": args.quick,
                           "seed": synthetic.DEFAULT_SEED, "sample_seconds": SAMPLE_SECONDS}
    results["machine"] = machine
    return results


def _mb(value: float | None) -> str:
    return "–" if value is None else f"{value / 1e6:,.1f} MB"


def _ms(value: float | None) -> str:
    return "failed" if value is None else f"{value * 1000:.3f} ms"


def _verdict(met: bool | None) -> str:
    return "n/a" if met is None else ("met" if met else "**not met**")


def _size_row(label: str, size: dict) -> str:
    if size.get("failed"):
        return f"| {label} | {size['rows']:,} | run failed: {size['failed']} |" + " – |" * 8
    return (f"| {label} | {size['rows']:,} | {size['run']:.1f} | {size['build']:.1f} | {size['seconds']:.1f} | "
            f"{size['seconds_per_row'] * 1000:.3f} | {_mb(size['peak_rss_bytes'])} | "
            f"{_mb(size['peak_single_process_rss_bytes'])} | {_mb(size['largest_page_bytes'])} "
            f"({size['largest_page']}) | {size['largest_chart_rows']} rows | "
            + ("all rendered" if size["all_charts_rendered"] else "FAILED") + " |")


def _part(shipped: dict, name: str, part: str) -> str:
    """The median seconds of one part (run or build) of a measured step, as text."""
    values = [step[part] for step in shipped["runs"][name] if part in step]
    return f"{statistics.median(values):.1f} s" if values else "–"


def markdown(results: dict) -> str:
    shipped, sizes, targets, machine = (results["shipped"], results["sizes"], results["targets"],
                                        results["machine"])
    settings = results["settings"]
    lines = [
        "# Benchmark results",
        "",
        f"Written by `python bench/run.py` (`nox -s bench`) on {machine['date']}, commit {machine['commit']}; "
        f"`--jobs {settings['jobs']}`, ratios are medians of {settings['repeat']} repetitions"
        + (" (a --quick smoke run)." if settings["quick"] else "."),
        "",
        "## Against the targets",
        "",
        "| measure | result | target | |",
        "| --- | --- | --- | --- |",
        f"| cold build, one notebook at a time (`--jobs 1`) / Jupyter Book's own execution (also one at a time) "
        f"| {results['cold_vs_jupyterbook']:.2f} "
        f"({shipped['cold_serial_seconds']:.1f} s / {shipped['jupyterbook_seconds']:.1f} s) | at most 0.50 "
        f"| {_verdict(targets['cold_vs_jupyterbook']['met'])} |",
        f"| rebuild, nothing changed / cold | {results['nochange_vs_cold']:.3f} "
        f"({shipped['nochange_seconds']:.2f} s; Jupyter Book's incremental build alone, which `build` now skips "
        f"when nothing changed, takes {shipped['nochange_jupyterbook_build_seconds']:.2f} s; cold `--jobs "
        f"{settings['jobs']}` {shipped['cold_seconds']:.1f} s) | at most 0.05 "
        f"| {_verdict(targets['nochange_vs_cold']['met'])} |",
        f"| rebuild, one statement edited / cold | {results['onechange_vs_cold']:.2f} "
        f"({shipped['onechange_seconds']:.1f} s: run {_part(shipped, 'onechange', 'run')}, build "
        f"{_part(shipped, 'onechange', 'build')}; cold: run {_part(shipped, 'cold', 'run')}, build "
        f"{_part(shipped, 'cold', 'build')}; {shipped['one_change']}; chapters re-executed: "
        f"{shipped.get('onechange_executed', '?')}) | at most 0.40 | {_verdict(targets['onechange_vs_cold']['met'])} |",
        "| seconds per row (flat or falling from 10x up) | "
        + ", ".join(f"{label} {_ms(value)}" for label, value in results["seconds_per_row"].items())
        + f" | flat or falling from 10x | {_verdict(targets['seconds_per_row_flat_or_falling']['met'])} |",
        "| every chart renders, every size | "
        + ("yes" if targets["every_chart_renders"]["met"] else "no") + " | no failure, no MaxRowsError | "
        f"{_verdict(targets['every_chart_renders']['met'])} |",
        f"| largest HTML page at {targets['largest_page_bytes']['size']} | "
        f"{_mb(sizes[targets['largest_page_bytes']['size']]['largest_page_bytes'])} | under 2 MB | "
        f"{_verdict(targets['largest_page_bytes']['met'])} |",
        f"| peak memory at {targets['peak_rss_bytes']['size']} (whole process tree) | "
        f"{_mb(sizes[targets['peak_rss_bytes']['size']]['peak_rss_bytes'])} | under 2 GB | "
        f"{_verdict(targets['peak_rss_bytes']['met'])} |",
        "",
        "## By size (synthetic data, cold run + build)",
        "",
        "| size | statements | run s | build s | total s | ms per row | peak memory, tree | peak, one process "
        "| largest page | largest chart data | charts |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for label, size in sizes.items():
        lines.append(_size_row(label, size))
    packages = ", ".join(f"{name} {version}" for name, version in machine["packages"].items())
    memory = f"{machine['memory_bytes'] / 2**30:.1f} GiB" if machine["memory_bytes"] else "unknown"
    lines += [
        "",
        "## Machine",
        "",
        f"- CPU: {machine['cpu']}, {machine['logical_cpus']} logical CPUs ({machine['usable_cpus']} usable)",
        f"- memory: {memory}",
        f"- {machine['os']}, Python {machine['python']}",
        f"- {packages}",
        "",
        "## How it is measured",
        "",
        "- Every measurement runs the real CLI in a temporary copy of the project; the shipped data's cold, "
        "no-change and one-change builds follow one another in one copy, Jupyter Book's own execution runs in a "
        "fresh copy holding the cold copy's chapters with their outputs cleared (parameters kept) and "
        "`execute_notebooks: force`, built with the same strict `jupyter-book build` command.",
        "- Jupyter Book's notebooks read the derived tables the cold run wrote, so its figure leaves out the "
        "computing of those tables (in our cold figure).",
        "- Peak memory: VmRSS of the command and all its descendants (kernels included), summed, sampled every "
        f"{settings['sample_seconds']} s; the target is judged on the sum.",
        "- Charts: the same number of charts on every page as with the shipped data, no MaxRowsError or failed "
        "chart in any page's visible text, and no error output in any executed notebook.",
        "- Synthetic data: bench/synthetic.py, seed " + str(settings["seed"]) + "; each size is validated with "
        "`talks2022 validate` first.",
        "- Where the time goes: each worker starts one kernel when the run starts (while the run validates "
        "the data and computes the derived tables) and reuses it chapter after chapter, reset before each to "
        "what a fresh kernel has (strict nbval re-executes every chapter in a fresh kernel and compares); a "
        "kernel validates a data folder once per content; the build draws the figures in a process beside "
        "Sphinx, once per spec. A one-statement edit re-executes the statement's issue chapter and the seven "
        "whole-record pages (their fingerprints cover the whole record), and pays what every rebuild with "
        "something to do pays: the workers' kernel start and the derived tables (side by side), and starting "
        "Sphinx (its incremental build with nothing to re-read took "
        f"{shipped['nochange_jupyterbook_build_seconds']:.1f} s above). Chapters that come out byte for byte "
        "as before keep their modification time, so Sphinx re-reads only those that changed.",
        "",
    ]
    return "\n".join(lines)


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="The performance benchmark of talks2022.")
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                        help="synthetic sizes, times the shipped data (default 1,10,100)")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks executed at once (default 2)")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of the ratio measurements")
    parser.add_argument("--quick", action="store_true",
                        help="fast smoke run: sizes 1,10, one repetition, results in bench/work/")
    parser.add_argument("--output", type=Path, help="folder for results.json and results.md (default bench/)")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.repeat = ",".join(map(str, QUICK_SIZES)), 1
    args.size_list = sorted({int(size) for size in args.sizes.split(",") if size.strip()})
    if not args.size_list or min(args.size_list) < 1 or args.repeat < 1:
        parser.error("sizes and --repeat must be positive")
    if args.output is None:
        args.output = QUICK_OUTPUT_DIR if args.quick else BENCH_DIR
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    machine = describe_machine()
    with tempfile.TemporaryDirectory(prefix="t22-bench-") as folder:
        work = Path(folder)
        shipped = measure_shipped(work, args.jobs, args.repeat)
        sizes = {f"{factor}x": measure_size(work, factor, args.jobs, shipped["charts_per_page"])
                 for factor in args.size_list}
    results = assemble(shipped, sizes, machine, args)
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "results.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    (args.output / "results.md").write_text(markdown(results), encoding="utf-8")
    log(f"wrote {args.output / 'results.json'} and {args.output / 'results.md'}")
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())

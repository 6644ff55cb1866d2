"""Repository conventions: templates without outputs (the pre-commit check), citation metadata."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted((ROOT / "analysis" / "talks2022" / "templates").glob("*.ipynb"))


def test_templates_pass_the_pre_commit_check():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "check_templates.py"), *map(str, TEMPLATES)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_the_pre_commit_check_catches_outputs(tmp_path):
    notebook = json.loads(TEMPLATES[0].read_text(encoding="utf-8"))
    code = next(cell for cell in notebook["cells"] if cell["cell_type"] == "code")
    code["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["x\n"]}]
    bad = tmp_path / "bad.ipynb"
    bad.write_text(json.dumps(notebook), encoding="utf-8")
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "check_templates.py"), str(bad)],
                            capture_output=True, text=True)
    assert result.returncode == 1 and "has outputs" in result.stdout


def test_pre_commit_config_runs_ruff_and_the_template_check():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = {hook["id"] for repo in config["repos"] for hook in repo["hooks"]}
    assert {"ruff", "templates-without-outputs"} <= hooks


def test_changelog_names_the_package_version():
    version = next(line.split('"')[1] for line in (ROOT / "pyproject.toml").read_text().splitlines()
                   if line.startswith("version"))
    assert f"## {version}" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")

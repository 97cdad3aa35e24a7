"""SARIF checked by Microsoft's SARIF multitool (issue 17 item 7): ``validate`` reports no
error on the report of every bundled example. Fetched from the npm registry once (cached
like the schema, see tests/sarifschema.py); skipped with the reason without npm."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import needs
import pytest
from reportdata import all_examples_report, render

PACKAGE = "@microsoft/sarif-multitool@5.7.0"


@pytest.fixture(scope="module")
def multitool() -> str:
    npm = needs.require_tool("npm", "apt-get install npm")
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = base / "deploy-auditor-tests" / "sarif-multitool"
    tool = folder / "node_modules" / ".bin" / "sarif-multitool"
    if not tool.exists():
        folder.mkdir(parents=True, exist_ok=True)
        done = subprocess.run([npm, "install", "--silent", "--no-audit", "--no-fund",
                               "--prefix", str(folder), PACKAGE], capture_output=True,
                              text=True, timeout=600, check=False)
        if done.returncode != 0:
            needs.unavailable(f"{PACKAGE} could not be installed from npm: "
                              f"{done.stderr.strip()[-200:]}")
    return str(tool)


def test_the_multitool_finds_no_error(multitool: str, tmp_path: Path) -> None:
    sarif = tmp_path / "all.sarif"
    sarif.write_text(render(all_examples_report(), "sarif"), encoding="utf-8")
    done = subprocess.run([multitool, "validate", str(sarif), "--output",
                           str(tmp_path / "validation.sarif")], capture_output=True,
                          text=True, timeout=300, check=False)
    output = done.stdout + done.stderr
    errors = [line for line in output.splitlines() if re.search(r": error SARIF\d+", line)]
    assert not errors, "\n".join(errors[:5])
    assert "Analyzing" in output  # it ran

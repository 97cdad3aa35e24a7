"""SARIF checked by Microsoft's SARIF multitool (issue 17 item 7): ``validate`` reports no
error on the report of every bundled example. Fetched from the npm registry once (cached
like the schema, see tests/sarifschema.py); skipped with the reason without npm."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import needs
import pytest
from helmbin import path_with_helm, require_helm
from reportdata import REPO, all_examples_report, render, session

from auditor.api import scan

PACKAGE = "@microsoft/sarif-multitool@5.7.0"
CHART = REPO / "tests" / "fixtures" / "kubernetes" / "charts" / "fail-chart"


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


def validate(multitool: str, sarif: Path) -> list[str]:
    """The multitool's error and warning lines on ``sarif``."""
    done = subprocess.run([multitool, "validate", str(sarif), "--output",
                           str(sarif.with_suffix(".validation.sarif"))], capture_output=True,
                          text=True, timeout=300, check=False)
    output = done.stdout + done.stderr
    assert "Analyzing" in output  # it ran
    return [line for line in output.splitlines()
            if re.search(r": (error|warning) SARIF\d+", line)]


def errors_of(lines: list[str]) -> list[str]:
    return [line for line in lines if re.search(r": error SARIF\d+", line)]


def test_the_multitool_finds_no_error(multitool: str, tmp_path: Path) -> None:
    sarif = tmp_path / "all.sarif"
    sarif.write_text(render(all_examples_report(), "sarif"), encoding="utf-8")
    errors = errors_of(validate(multitool, sarif))
    assert not errors, "\n".join(errors[:5])


def test_a_chart_audit_has_no_error_and_a_region_wherever_a_line_is_known(
        multitool: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    require_helm()
    monkeypatch.setenv("PATH", path_with_helm())
    report = scan([str(CHART)], session=session())
    sarif = tmp_path / "chart.sarif"
    sarif.write_text(render(report, "sarif"), encoding="utf-8")
    lines = validate(multitool, sarif)
    assert not errors_of(lines), "\n".join(errors_of(lines)[:5])
    # The only warnings: results without a line (SARIF2017 asks for a region, and a region
    # without a known line would be false) and no informationUri without a project URL.
    assert all("SARIF2017" in line or "SARIF2005" in line for line in lines), lines[:3]
    located = [r for r in json.loads(sarif.read_text())["runs"][0]["results"]
               if "location" in r["properties"]]
    # Every finding on an object names its template file, never helm's output.
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in located}
    assert uris and all(re.search(r"/fail-chart/templates/[a-z-]+\.yaml$", u) for u in uris)
    for result in located:
        line = result["properties"]["location"]["line"]
        physical = result["locations"][0]["physicalLocation"]
        assert physical.get("region") == ({"startLine": line} if line else None)

"""Compose resource limits, one spelling at a time (issue 13).

COMPOSE-RESOURCES-001's rationale: without a memory limit one container can take the
host's memory (fail); a memory limit without a CPU limit lets one runaway query starve
the others (warn); both pass. Each fixture is a single service whose only difference
from the others is the lines given. A reservation, a swap setting or a CPU weight is not
a limit, and Docker reads a limit of 0 as none.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import scan_report


def _finding(tmp_path: Path, lines: str) -> dict[str, Any]:
    project = tmp_path / "project"
    project.mkdir()
    body = "".join(f"    {line}\n" for line in lines.splitlines())
    (project / "compose.yaml").write_text(
        f"services:\n  superset:\n    image: apache/superset:4.1.1\n{body}")
    report = scan_report(tmp_path, str(project))
    (entry,) = report["targets"]
    assert entry["style"] == "compose"
    (finding,) = [f for f in entry["findings"] if f["check_id"] == "COMPOSE-RESOURCES-001"]
    assert finding["subject"] == "service/superset"
    assert finding["severity"] == "medium"
    return finding


DEPLOY = "deploy:\n  resources:\n    {kind}:\n{items}"


def _deploy(kind: str, **items: str) -> str:
    return DEPLOY.format(kind=kind, items="".join(f"      {k}: {v}\n" for k, v in items.items()))


# (compose lines, status, evidence)
CASES = [
    # memory alone, every spelling: warn
    ("mem_limit: 2g", "warn", ["memory limit: 2g", "cpu limit: none"]),
    (_deploy("limits", memory="2G"), "warn", ["memory limit: 2G", "cpu limit: none"]),
    # cpu alone, every spelling: fail (no memory limit)
    ("cpus: 1.5", "fail", ["memory limit: none", "cpu limit: 1.5"]),
    ("cpu_quota: 50000", "fail", ["memory limit: none", "cpu limit: 50000"]),
    (_deploy("limits", cpus="'2'"), "fail", ["memory limit: none", "cpu limit: 2"]),
    # memory and cpu, mixed spellings: pass
    ("mem_limit: 2g\ncpus: 1.5", "pass", ["memory limit: 2g", "cpu limit: 1.5"]),
    ("mem_limit: 2g\ncpu_quota: 50000", "pass", ["memory limit: 2g", "cpu limit: 50000"]),
    (_deploy("limits", memory="2G", cpus="'2'"), "pass",
     ["memory limit: 2G", "cpu limit: 2"]),
    ("mem_limit: 2g\n" + _deploy("limits", cpus="'2'"), "pass",
     ["memory limit: 2g", "cpu limit: 2"]),
    (_deploy("limits", memory="2G") + "cpus: 1.5", "pass",
     ["memory limit: 2G", "cpu limit: 1.5"]),
    # not limits at all: fail
    ("", "fail", ["memory limit: none", "cpu limit: none"]),
    ("mem_reservation: 1g", "fail", ["memory limit: none", "cpu limit: none"]),
    ("memswap_limit: 4g", "fail", ["memory limit: none", "cpu limit: none"]),
    (_deploy("reservations", memory="1G"), "fail", ["memory limit: none", "cpu limit: none"]),
    ("cpu_shares: 512", "fail", ["memory limit: none", "cpu limit: none"]),
    ("mem_reservation: 1g\ncpus: 1.5", "fail", ["memory limit: none", "cpu limit: 1.5"]),
    # a CPU weight or reservation beside a memory limit is still no CPU limit: warn
    ("mem_limit: 2g\ncpu_shares: 512", "warn", ["memory limit: 2g", "cpu limit: none"]),
    ("mem_limit: 2g\n" + _deploy("reservations", cpus="'1'"), "warn",
     ["memory limit: 2g", "cpu limit: none"]),
    # zero is no limit to Docker
    ("mem_limit: 0\ncpus: 1.5", "fail", ["memory limit: none", "cpu limit: 1.5"]),
    ("mem_limit: '0'\ncpus: 1.5", "fail", ["memory limit: none", "cpu limit: 1.5"]),
    ("mem_limit: 2g\ncpus: 0", "warn", ["memory limit: 2g", "cpu limit: none"]),
    ("mem_limit: 2g\ncpus: '0'", "warn", ["memory limit: 2g", "cpu limit: none"]),
]


@pytest.mark.parametrize(("lines", "status", "evidence"), CASES,
                         ids=[c[0].replace("\n", ";").replace(" ", "") or "none" for c in CASES])
def test_each_limit_spelling(tmp_path: Path, lines: str, status: str,
                             evidence: list[str]) -> None:
    finding = _finding(tmp_path, lines)
    assert finding["status"] == status
    assert finding["evidence"] == evidence


def test_memory_alone_warns_about_cpu(tmp_path: Path) -> None:
    finding = _finding(tmp_path, "mem_limit: 2g")
    assert finding["message"].startswith("memory limited to 2g but no CPU limit")
    assert finding["location"] == {"path": "compose.yaml", "line": 4}


def test_no_memory_limit_names_the_risk(tmp_path: Path) -> None:
    finding = _finding(tmp_path, "cpus: 1.5")
    assert finding["message"].startswith("no memory limit")

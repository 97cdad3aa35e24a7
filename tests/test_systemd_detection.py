"""Telling a host tree from a pip project, a Compose project and manifests, with evidence."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import scan_report

from auditor.checks.pip import collect as pip_collect
from auditor.checks.systemd import collect
from auditor.cli import main
from auditor.model import Style
from auditor.targets import parse_target

ROOT = Path(__file__).parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
HOST_TREES = sorted([*(FIXTURES / "systemd").glob("*-*"), ROOT / "examples" / "manual-vm"])
OTHERS = sorted([*(FIXTURES / "pip").glob("*-*"), *(FIXTURES / "compose").glob("*-*"),
                 *(FIXTURES / "kubernetes").glob("*-*"), ROOT / "examples" / "pip-dev",
                 ROOT / "examples" / "kubernetes", ROOT / "examples" / "compose"])


@pytest.mark.parametrize("tree", HOST_TREES, ids=lambda p: p.name)
def test_host_tree_with_a_superset_unit_is_systemd(tree: Path) -> None:
    target = parse_target(str(tree))
    detection = collect.detect(target)
    assert detection is not None
    assert detection.style == Style.SYSTEMD and detection.confidence >= 0.9
    assert detection.app == "superset"
    assert any(e.startswith("systemd unit /etc/systemd/system/") for e in detection.evidence)
    # The pip style does not take a host tree for a project of its own.
    pip = pip_collect.detect(target)
    assert pip is None or pip.confidence < 0.5
    pip_root = pip_collect.detect(parse_target("host", root=str(tree)))
    assert pip_root is None or pip_root.confidence < 0.5


@pytest.mark.parametrize("other", [p for p in OTHERS if p.exists()], ids=lambda p: p.name)
def test_projects_and_manifests_are_not_host_trees(other: Path) -> None:
    assert collect.detect(parse_target(str(other))) is None


def test_a_host_tree_without_superset_is_nothing_auditable_unless_forced(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Issue 15: no style is claimed without a file or process that belongs to it. etc/ with
    # an nginx.conf is a host, not a Superset deployment: an empty --root and a machine
    # without Superset were reported "systemd detected 50%" and graded F, exit 0.
    tree = tmp_path / "bare"
    (tree / "etc/systemd/system").mkdir(parents=True)
    (tree / "etc/nginx").mkdir()
    (tree / "etc/nginx/nginx.conf").write_text("events {}\nhttp {}\n")
    assert collect.detect(parse_target(str(tree))) is None
    for argv in (["scan", str(tree)], ["scan", "--root", str(tree)]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "nothing auditable found (looked for" in err and "systemd units running " \
            "Superset" in err
    # --style says "audit this as a host": it is, honestly skipping the app checks.
    report = scan_report(tmp_path, "--root", str(tree), "--style", "systemd")
    (target,) = report["targets"]
    assert target["style"] == "systemd" and target["app"] is None
    skipped = {f["check_id"] for f in target["findings"] if f["status"] == "skip"}
    assert "SYSTEMD-SUPERVISION-001" in skipped


def test_a_host_running_compose_is_still_a_systemd_host(tmp_path: Path) -> None:
    tree = tmp_path / "host"
    shutil.copytree(ROOT / "examples" / "manual-vm", tree, symlinks=True)
    project = tree / "opt/metabase"
    project.mkdir(parents=True)
    (project / "docker-compose.yml").write_text(
        "services:\n  metabase:\n    image: metabase/metabase:v0.50.0\n"
        "    ports:\n      - '127.0.0.1:3000:3000'\n")
    report = scan_report(tmp_path, str(tree))
    styles = {t["style"] for t in report["targets"]}
    assert "systemd" in styles
    # The systemd collector never audits the Compose project itself.
    (systemd,) = [t for t in report["targets"] if t["style"] == "systemd"]
    assert all(f["check_id"].startswith(("SYSTEMD-", "SUPERSET-")) for f in systemd["findings"])


def test_evidence_names_what_was_seen() -> None:
    detection = collect.detect(parse_target(str(ROOT / "examples" / "manual-vm")))
    assert detection is not None
    joined = " | ".join(detection.evidence)
    assert "superset.service runs gunicorn (web)" in joined
    assert "superset-worker.service runs celery-worker (worker)" in joined
    assert "Nginx configuration /etc/nginx/nginx.conf" in joined

"""The pre-commit hook (issue 17 item 2): which deployment a changed file belongs to, the
hook's gate, and the hook run by the real pre-commit (``pre-commit try-repo``)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import needs
import pytest
from conftest import write_tree

from auditor.precommit import main, target_of

REPO = Path(__file__).resolve().parents[1]
WEAK_COMPOSE = """
    services:
      superset:
        image: apache/superset:4.1.1
        environment:
          SUPERSET_SECRET_KEY: thisISaSECRET_1234
        ports: ["8088:8088"]
"""


def test_a_changed_file_is_audited_as_part_of_its_deployment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(tmp_path, {
        "charts/app/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
        "charts/app/templates/deployment.yaml": "kind: Deployment\n",
        "compose/compose.yaml": "services: {}\n",
        "compose/.env": "X=1\n",
        "k8s/web.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w}\n",
        ".github/workflows/ci.yml": "on: push\njobs: {}\n",
        "hosts/vm1/etc/systemd/system/superset.service": "[Service]\n",
        "README.md": "# hi\n",
    })
    monkeypatch.chdir(tmp_path)
    assert target_of("charts/app/templates/deployment.yaml") == "charts/app"
    assert target_of("charts/app/Chart.yaml") == "charts/app"
    assert target_of("compose/.env") == "compose"
    assert target_of("compose/compose.yaml") == "compose"
    assert target_of("k8s/web.yaml") == "k8s/web.yaml"
    assert target_of("hosts/vm1/etc/systemd/system/superset.service") == "hosts/vm1"
    assert target_of(".github/workflows/ci.yml") is None  # YAML, but no Kubernetes object
    assert target_of("README.md") is None


def test_the_hook_gates_on_what_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    write_tree(tmp_path, {"proj/compose.yaml": WEAK_COMPOSE, "notes.md": "x\n"})
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    assert main(["--fail-on=critical", "proj/compose.yaml"]) == 1
    assert "gate: " in capsys.readouterr().err
    assert main(["--fail-on=critical", "notes.md"]) == 0  # nothing deployable changed
    assert main(["proj/compose.yaml"]) == 0  # no gate given, none configured


def test_the_real_pre_commit_runs_the_hook(tmp_path: Path) -> None:
    pre_commit = shutil.which("pre-commit")
    if pre_commit is None:
        pytest.skip("pre-commit not installed: pip install -e '.[test]'")
    needs.require_tool("git", "apt-get install git")
    work = write_tree(tmp_path / "work", {"proj/compose.yaml": WEAK_COMPOSE})
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"),
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    for command in (["git", "init", "-q"], ["git", "add", "-A"]):
        subprocess.run(command, cwd=work, check=True, env=env)
    done = subprocess.run(
        [pre_commit, "try-repo", str(REPO), "deploy-auditor", "--files", "proj/compose.yaml"],
        cwd=work, env=env, capture_output=True, text=True, timeout=900, check=False)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "deploy-auditor" in output and "Failed" in output
    assert "failing finding(s) at or above critical" in output

"""The GitHub Action (issue 17 item 1): action.yml's shape, and its step run in a simulated
runner environment (GITHUB_STEP_SUMMARY, GITHUB_OUTPUT, INPUT_* variables)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
ACTION = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))


def _run(tmp_path: Path, **inputs: str) -> tuple[subprocess.CompletedProcess[str], Path, Path]:
    summary, output = tmp_path / "summary.md", tmp_path / "output.txt"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INPUT_", "GITHUB_"))}
    env.update({"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(output),
                **{f"INPUT_{k.upper()}": v for k, v in inputs.items()}})
    done = subprocess.run([sys.executable, "-m", "auditor.ci_github"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=180, check=False)
    return done, summary, output


def _outputs(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines())


def test_action_is_composite_and_never_splices_inputs_into_a_script() -> None:
    assert ACTION["runs"]["using"] == "composite"
    steps = ACTION["runs"]["steps"]
    for step in steps:
        assert "${{" not in step.get("run", ""), step["run"]
    audit = next(s for s in steps if s.get("id") == "audit")
    assert audit["run"] == "python -m auditor.ci_github"
    used = " ".join(json.dumps(s) for s in steps)
    for name in ACTION["inputs"]:
        assert f"inputs.{name}" in used, f"input {name} is never used"
    assert set(ACTION["outputs"]) == {"score", "grade", "ready", "exit-code"}


def test_a_tripped_gate_fails_the_step_with_summary_outputs_and_sarif(tmp_path: Path) -> None:
    sarif = tmp_path / "out.sarif"
    done, summary, output = _run(tmp_path, targets="examples/pip-dev", fail_under="90",
                                 sarif_file=str(sarif))
    assert done.returncode == 1, done.stderr
    assert "gate: score" in done.stderr and "under --fail-under 90" in done.stderr
    assert summary.read_text().startswith("<!-- deploy-auditor report -->")
    outputs = _outputs(output)
    assert outputs["exit-code"] == "1" and outputs["grade"] == "F"
    assert outputs["ready"] == "false" and float(outputs["score"]) < 90
    assert json.loads(sarif.read_text())["version"] == "2.1.0"


def test_a_passing_gate_exits_0(tmp_path: Path) -> None:
    done, _, output = _run(tmp_path, targets="examples/pip-dev", fail_under="0",
                           sarif_file="")
    assert done.returncode == 0, done.stderr
    assert _outputs(output)["exit-code"] == "0"


def test_values_files_and_gates_become_arguments() -> None:
    from auditor.ci_github import scan_argv

    argv = scan_argv({"INPUT_TARGETS": "charts/app  other", "INPUT_VALUES": "a.yaml\n\nb.yaml\n",
                      "INPUT_FAIL_ON": "critical", "INPUT_MIN_COVERAGE": "0.8",
                      "INPUT_SARIF_FILE": ""}, "r.md", "r.json")
    assert argv == ["scan", "charts/app", "other", "--quiet", "--report", "markdown=r.md",
                    "--report", "json=r.json", "--fail-on", "critical",
                    "--min-coverage", "0.8", "--values", "a.yaml", "--values", "b.yaml"]


def test_shell_syntax_in_an_input_is_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    done, _, output = _run(tmp_path, targets=f"examples/pip-dev;touch$IFS{marker}",
                           sarif_file="")
    assert not marker.exists()
    assert done.returncode == 2  # a path that does not exist, named as such
    assert re.search(r"pip-dev;touch", done.stderr)
    assert _outputs(output)["exit-code"] == "2"

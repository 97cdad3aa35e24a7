"""`auditor diff OLD.json NEW.json`: new and fixed failures by fingerprint, score delta."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from auditor.cli import main

PIP = Path(__file__).parent / "fixtures" / "pip"


def _report(tmp_path: Path, name: str, project: Path) -> Path:
    out = tmp_path / f"{name}.json"
    assert main(["scan", str(project), "--format", "json", "--output", str(out)]) == 0
    return out


def test_diff_names_new_and_fixed_failures(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "p"
    shutil.copytree(PIP / "pass-hardened", project)
    before = _report(tmp_path, "before", project)
    config = project / "superset_config.py"
    config.write_text(config.read_text() + "\nDEBUG = True\n")
    after = _report(tmp_path, "after", project)
    capsys.readouterr()
    assert main(["diff", str(before), str(after), "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [f["check_id"] for f in result["new_failures"]] == ["SUPERSET-APP-SECURITY-004"]
    assert result["fixed"] == [] and result["score"]["delta"] < 0
    assert main(["diff", str(after), str(before)]) == 0
    text = capsys.readouterr().out
    assert "fixed (1):" in text and "SUPERSET-APP-SECURITY-004" in text
    assert "new failing (0):" in text


def test_diff_of_a_broken_file_is_one_line(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert main(["diff", str(broken), str(broken)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "broken.json" in err[0] and "Traceback" not in err[0]

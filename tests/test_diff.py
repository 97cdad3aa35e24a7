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


def test_diff_renders_new_report_in_any_format(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "p"
    shutil.copytree(PIP / "pass-hardened", project)
    before = _report(tmp_path, "before", project)
    config = project / "superset_config.py"
    config.write_text(config.read_text() + "\nDEBUG = True\n")
    after = _report(tmp_path, "after", project)
    comment = tmp_path / "comment.md"
    assert main(["diff", str(before), str(after), "--format", "markdown",
                 "--output", str(comment)]) == 0
    text = comment.read_text()
    assert "**1 new failing**" in text and "SUPERSET-APP-SECURITY-004" in text
    capsys.readouterr()
    assert main(["diff", str(before), str(after), "--format", "html"]) == 0
    assert "SUPERSET-APP-SECURITY-004" in capsys.readouterr().out
    assert main(["diff", str(before), str(after), "--format", "yaml"]) == 2
    assert "unknown format 'yaml'" in capsys.readouterr().err


def test_report_reader_round_trips_every_example() -> None:
    from reportdata import all_examples_report, hostile_report

    from auditor.reportload import report_from_data
    from auditor.reports.json_report import report_dict

    for report in (all_examples_report(), hostile_report()):
        data = json.loads(json.dumps(report_dict(report)))
        again = report_from_data(data, "r.json")
        assert report_dict(again) == data
        assert again.targets == report.targets


@pytest.mark.parametrize(("mutate", "where"), [
    (lambda d: d["targets"][0]["findings"][0].update(status="maybe"),
     "$.targets[0].findings[0].status: unknown status 'maybe'"),
    (lambda d: d["targets"][0].update(findings=None), "$.targets[0].findings: expected a list"),
    (lambda d: d.update(schema_version=2), "$.schema_version"),
])
def test_report_reader_names_the_bad_field(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           mutate: object, where: str) -> None:
    report = _report(tmp_path, "r", PIP / "pass-hardened")
    data = json.loads(report.read_text())
    assert callable(mutate)
    mutate(data)
    report.write_text(json.dumps(data))
    capsys.readouterr()
    assert main(["diff", str(report), str(report), "--format", "markdown"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"auditor: {report}: {where}" or (
        where == "$.schema_version" and "schema_version 1" in err)
    assert len(err.strip().splitlines()) == 1

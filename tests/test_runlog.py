"""--log: one logfmt line per run, also for runs that fail, never interleaved."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.runlog import logfmt

PIP = Path(__file__).parent / "fixtures" / "pip"
PAIR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S*)')


def parse(line: str) -> dict[str, str]:
    """A logfmt reader as log collectors (Loki, Vector) read it."""
    fields = {}
    for key, raw in PAIR.findall(line):
        fields[key] = (raw[1:-1].replace('\\"', '"').replace("\\\\", "\\")
                       if raw.startswith('"') else raw)
    return fields


def test_quoting_round_trips() -> None:
    fields = {"msg": 'a "quoted" \\ value', "path": "/x/y.json", "n": 3, "ok": True,
              "none": None, "eq": "a=b"}
    assert parse(logfmt(fields)) == {"msg": 'a "quoted" \\ value', "path": "/x/y.json",
                                      "n": "3", "ok": "true", "none": "", "eq": "a=b"}
    assert "\n" not in logfmt({"msg": "two\nlines"})


def test_one_line_per_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "p"
    shutil.copytree(PIP / "pass-hardened", project)
    log = tmp_path / "runs.log"
    report = tmp_path / "r.json"
    assert main(["scan", str(project), "-q", "--log", str(log),
                 "--report", f"json={report}"]) == 0
    assert main(["scan", str(project), "-q", "--log", str(log), "--fail-under", "100"]) == 1
    assert main(["scan", str(tmp_path / "missing"), "-q", "--log", str(log)]) == 2
    lines = log.read_text().splitlines()
    assert len(lines) == 3
    first, second, third = (parse(line) for line in lines)
    assert first["level"] == "info" and first["exit"] == "0" and first["gate"] == "passed"
    assert first["reports"] == f"json:{report}"
    assert int(first["pass"]) > 0 and first["targets"] == "1"
    assert second["exit"] == "1" and second["gate"] == "fail-under"
    assert "under --fail-under 100" in second["reason"]
    assert third["level"] == "error" and third["exit"] == "2" and "missing" in third["error"]
    capsys.readouterr()
    assert main(["scan", str(project), "-q", "--log", "-"]) == 0
    (line,) = capsys.readouterr().err.splitlines()
    assert parse(line)["msg"] == "audit finished"


def test_the_coverage_gate_is_named_in_the_line(tmp_path: Path) -> None:
    project = tmp_path / "p"
    shutil.copytree(PIP / "pass-hardened", project)
    log = tmp_path / "runs.log"
    # pass-hardened evaluates most, not all, checks offline: 1.0 is above its coverage.
    assert main(["scan", str(project), "-q", "--log", str(log), "--min-coverage", "1"]) == 1
    assert main(["scan", str(project), "-q", "--log", str(log), "--min-coverage", "0"]) == 0
    tripped_line, passed_line = (parse(line) for line in log.read_text().splitlines())
    assert tripped_line["gate"] == "coverage" and tripped_line["exit"] == "1"
    assert tripped_line["reason"].endswith("is under --min-coverage 1")
    assert passed_line["gate"] == "passed"


@pytest.mark.parametrize("value", ["1.5", "-0.1", "most"])
def test_min_coverage_must_be_a_fraction(value: str, capsys: pytest.CaptureFixture[str]
                                         ) -> None:
    assert main(["scan", ".", "--min-coverage", value]) == 2
    assert "--min-coverage" in capsys.readouterr().err

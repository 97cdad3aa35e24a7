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
    assert second["exit"] == "1" and second["gate"] == "tripped"
    assert "under --fail-under 100" in second["reason"]
    assert third["level"] == "error" and third["exit"] == "2" and "missing" in third["error"]
    capsys.readouterr()
    assert main(["scan", str(project), "-q", "--log", "-"]) == 0
    (line,) = capsys.readouterr().err.splitlines()
    assert parse(line)["msg"] == "audit finished"

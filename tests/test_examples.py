"""The bundled examples: what the README's first command audits."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import scan_report

from auditor.cli import main
from auditor.model import Row

EXAMPLES = Path(__file__).parents[1] / "examples"


@pytest.mark.parametrize("example", ["pip-dev", "kubernetes", "compose", "manual-vm"])
def test_example_evaluates_every_row(example: str, tmp_path: Path) -> None:
    report = scan_report(tmp_path, str(EXAMPLES / example))
    (target,) = report["targets"]
    rows = target["score"]["rows"]
    assert set(rows) == {row.value for row in Row}
    assert all(rows[row]["evaluated"] >= 1 for row in rows), rows
    assert report["score"]["ready"] is False, "the examples carry the flaws people leave"


@pytest.mark.parametrize("example", ["pip-dev", "kubernetes", "compose", "manual-vm"])
def test_example_terminal_report_fits_80_columns(
    example: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", str(EXAMPLES / example), "-v"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines and max(len(line) for line in lines) <= 80
    assert lines[-1].startswith("== ") and lines[-1].endswith("s ==")

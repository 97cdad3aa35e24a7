"""bench/mutation.py's samples: a prefix of the draw order is the uniform sample a stopped
run could not give (issue 13, item 3)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import mutation

NAMES = [f"auditor.checks.x.m{m}.x_f__mutmut_{i}" for m in range(5) for i in range(40)]


def test_the_sample_is_the_draw_order_sorted_and_each_prefix_is_its_first_draws() -> None:
    order = mutation.draw_order(NAMES, 50, 13)
    assert sorted(order) == mutation.sample(NAMES, 50, 13)
    assert len(set(order)) == 50
    # Every module is as likely in the first k as in the whole: no module order.
    first = order[:25]
    assert len({n.split(".")[3] for n in first}) >= 3


def _stage(tmp_path: Path, codes: dict[str, int | None], globs: list[str]) -> Path:
    meta = tmp_path / "mutants" / "auditor" / "checks" / "x"
    meta.mkdir(parents=True)
    (meta / "m.py.meta").write_text(json.dumps({"exit_code_by_key": codes}))
    drawn = mutation.sample(
        [n for n in codes if any(mutation.fnmatch(n, g) for g in globs)], 30, 13)
    (tmp_path / "sample.json").write_text(json.dumps(
        {"seed": 13, "of": sum(1 for n in codes if any(mutation.fnmatch(n, g) for g in globs)),
         "names": drawn}))
    return tmp_path


def test_a_prefix_is_scored_on_its_own_mutants(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    codes: dict[str, int | None] = {n: None for n in NAMES}
    stage = _stage(tmp_path, codes, ["auditor.checks.x.m1.*", "auditor.checks.x.m2.*"])
    first = mutation.prefix(stage, 10, ["auditor.checks.x.m1.*", "auditor.checks.x.m2.*"])
    assert len(first) == 10 and all(".m1." in n or ".m2." in n for n in first)
    for index, name in enumerate(first):
        codes[name] = 0 if index < 3 else 1  # three survivors, seven killed
    (tmp_path / "mutants" / "auditor" / "checks" / "x" / "m.py.meta").write_text(
        json.dumps({"exit_code_by_key": codes}))
    mutation.print_prefix(stage, 10, ["auditor.checks.x.m1.*", "auditor.checks.x.m2.*"])
    out = capsys.readouterr().out
    assert "first 10 of the sample in draw order (a uniform sample): 10 run, 7 killed: 70.0 %" \
        in out
    assert out.count("  survived: ") == 3


def test_a_prefix_refuses_a_stage_its_sample_was_not_drawn_in(tmp_path: Path) -> None:
    stage = _stage(tmp_path, {n: None for n in NAMES}, ["auditor.checks.x.m1.*"])
    with pytest.raises(SystemExit) as caught:
        mutation.prefix(stage, 5, [])  # all 200 match, the sample was drawn from 40
    assert "200 mutants match the sample's globs, it was drawn from 40" in str(caught.value)

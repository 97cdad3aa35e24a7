"""The README's security section names, for each guarantee, the tests that hold it (issue 14,
item 10): every module and test it names must exist, so the table cannot drift into
naming tests that were renamed or removed."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _section() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index("## Security: what the auditor guarantees")
    return text[start:text.index("\n## ", start + 1)]


def _rows() -> list[str]:
    return [line for line in _section().splitlines()
            if line.startswith("| **")]


def test_each_guarantee_names_at_least_one_test_module() -> None:
    rows = _rows()
    assert len(rows) >= 10
    for row in rows:
        held_by = row.rsplit("|", 2)[1]
        assert re.search(r"`test_\w+\.py`", held_by), row


def test_every_named_module_and_test_exists() -> None:
    for row in _rows():
        held_by = row.rsplit("|", 2)[1]
        # "`test_x.py` `test_name`" and "`test_x.py` (`test_a`, `test_b`)": names after a
        # module belong to it, up to the next module.
        for module, names in re.findall(r"`(test_\w+\.py)`([^;]*)", held_by):
            path = REPO / "tests" / module
            assert path.is_file(), f"{module} named in the README does not exist"
            source = path.read_text(encoding="utf-8")
            for name in re.findall(r"`(test_\w+)`", names):
                assert re.search(rf"^def {name}\(", source, re.M), \
                    f"{module} has no test {name} (named in the README's security section)"

"""bench/memory_budget.py: the arithmetic behind issue 16's growth bound, on tiny input.

Nothing is timed or bounded here; the tests check that the sizes it reports count a
shared object once and follow references, that the budget line is the bound's
algebra, and that a child run on a few documents reports them.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

import memory_budget  # noqa: E402


@dataclass(slots=True)
class Slotted:
    payload: object


def test_deep_size_counts_a_shared_object_once() -> None:
    shared = "x" * 10_000
    alone = memory_budget.deep_size(shared, set())
    both = memory_budget.deep_size([shared, shared], set())
    assert alone < both < 2 * alone


def test_deep_size_follows_dicts_slots_and_nesting() -> None:
    big = "y" * 50_000
    for holder in ({"k": big}, Slotted(big), [[[(big,)]]]):
        assert memory_budget.deep_size(holder, set()) > 50_000


def test_deep_size_survives_deep_nesting() -> None:
    nested: list[object] = []
    for _ in range(100_000):
        nested = [nested]
    assert memory_budget.deep_size(nested, set()) > 100_000


def test_budget_line_is_the_bound_algebra() -> None:
    # base B, m bytes per document: B + 16,000m <= 1.5(B + 4,000m)  <=>  m <= B / 20,000
    base_mb = 20.0
    m = {"documents": 100, "base_mb": base_mb, "after_collect_mb": 30.0,
         "objects_bytes": 100 * 2000, "findings": 300, "findings_bytes": 100 * 500}
    text = "\n".join(memory_budget.lines("set", 100, m))
    allowed = base_mb * 2**20 / 20_000
    assert f"allows {allowed:,.0f} B per document" in text
    assert "keep 2,500 B" in text
    assert f"({2500 / allowed:.1f}x that)" in text


def test_child_measures_a_small_directory(tmp_path: Path) -> None:
    for n in range(3):
        (tmp_path / f"d{n}.yaml").write_text(
            f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{n}\n  namespace: a\n"
            "data:\n  k: v\n", encoding="utf-8")
    measured = memory_budget.measure(tmp_path)
    assert measured["documents"] == 3
    assert measured["objects_bytes"] > 0 and measured["base_mb"] > 0

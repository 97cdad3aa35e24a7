"""Per-condition cases for the superset checks (see tests/conditions/__init__.py)."""

from __future__ import annotations

from conditions import Case

CASES: list[Case] = []

"""Per-condition cases for the pip checks (see tests/conditions/__init__.py)."""

from __future__ import annotations

from conditions import Case

CASES: list[Case] = []

"""Per-condition cases for the compose checks (see tests/conditions/__init__.py)."""

from __future__ import annotations

from conditions import Case, replaced

BASE = {"compose.yaml": """
    services:
      superset:
        image: apache/superset:4.1.1
        mem_limit: 2g
        cpus: 1.5
"""}

CASES: list[Case] = [
    Case("COMPOSE-RESOURCES-001", "memory and cpu limits", BASE, "pass",
         subject="service/superset", evidence=("memory limit: 2g", "cpu limit: 1.5")),
    Case("COMPOSE-RESOURCES-001", "no cpu limit", replaced(BASE, "compose.yaml", "cpus: 1.5", ""),
         "warn", subject="service/superset", evidence=("cpu limit: none",),
         location=("compose.yaml", 3)),
]

"""Every Python package of the source tree is in pyproject.toml's package list: a normal
(non-editable) install ships only the packages listed, so one left out works in the editable
checkout and breaks on `pip install .` (auditor.customchecks once did)."""

from __future__ import annotations

import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _source_packages() -> set[str]:
    mapped = {"auditor": REPO / "auditor", "auditor.checks": REPO / "checks",
              "auditor.reports": REPO / "reports"}
    found = set()
    for prefix, top in mapped.items():
        for init in top.rglob("__init__.py"):
            parts = init.parent.relative_to(top).parts
            if any(p.startswith(".") or p == "__pycache__" for p in parts):
                continue
            found.add(".".join((prefix, *parts)))
    return found


def test_every_source_package_is_listed() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    missing = sorted(_source_packages() - listed)
    assert not missing, f"packages missing from [tool.setuptools] packages: {missing}"
    assert {"auditor", "auditor.checks", "auditor.reports", "auditor.customchecks"} <= listed

"""Real reports for the renderer tests: audits of the bundled examples and of a hostile
manifest whose names, annotations and bytes try to break every output format."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from auditor.api import Session, open_session, scan
from auditor.model import Report
from auditor.reports.base import RenderOptions

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = ("pip-dev", "manual-vm", "compose", "kubernetes")
HOSTILE = REPO / "tests" / "fixtures" / "hostile"
HOSTILE_SECRET = "hostile-secret-VALUE-0123456789-<script>"
"""The SECRET_KEY written into the hostile Deployment: no format may contain it."""
SECRETS = (
    HOSTILE_SECRET,
    "thisISaSECRET_1234", "dGhpc0lTYVNFQ1JFVF8xMjM0",    # examples/kubernetes Secret (base64)
    "c7Wq-ZrN4e-Lp2x", "YzdXcS1ack40ZS1McDJ4",            # its admin password
    "Pg-admin-Vd83kQz1xN", "pg-7Hq2Lw9ZrT4xVb",           # its database passwords
    "TEST_NON_DEV_SECRET",                                # examples/compose/docker/.env
    "YOUR_OWN_RANDOM_GENERATED_SECRET_KEY",               # examples/pip-dev, manual-vm
)
"""Secret values in the audited examples: reports name them ("the Helm chart's default key",
"22 characters") but never print them."""
HOSTILE_MARKUP = ("<script>", "<svg onload", "<img src=x", "<iframe>", "<b>bold")
"""Markup from the hostile manifest that must never reach a page unescaped."""


@functools.cache
def session() -> Session:
    return open_session(autoload=False)


@functools.cache
def example_report(name: str) -> Report:
    """The audit of ``examples/NAME`` (each evaluates every row of its style)."""
    return scan([str(REPO / "examples" / name)], session=session())


@functools.cache
def all_examples_report() -> Report:
    """One report over every bundled example: four targets, four styles."""
    return scan([str(REPO / "examples" / name) for name in EXAMPLES], session=session())


@functools.cache
def hostile_report() -> Report:
    return scan([str(HOSTILE)], session=session())


def options(**overrides: Any) -> RenderOptions:
    """Render options as the CLI builds them: with the check catalog."""
    overrides.setdefault("catalog", dict(session().registry.checks))
    return RenderOptions(**overrides)


def render(report: Report, fmt: str, **overrides: Any) -> str:
    """Render ``report`` through the registered renderer named ``fmt``."""
    return session().registry.renderers[fmt].render(report, options(**overrides))

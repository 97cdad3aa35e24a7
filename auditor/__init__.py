"""deploy-auditor: production-readiness audits for Superset-style deployments.

Kept import-light on purpose: ``auditor --version`` must not pull in the
kubernetes client, rich or jinja2. pluggy itself is small.
"""

from __future__ import annotations

import pluggy

__version__ = "0.1.0"
PROJECT_NAME = "auditor"

hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
"""Marker for plugin functions implementing the hooks in :mod:`auditor.hookspecs`."""

__all__ = ["PROJECT_NAME", "__version__", "hookimpl"]

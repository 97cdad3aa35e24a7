"""deploy-auditor: production-readiness audits for Superset-style deployments.

Kept import-light on purpose: ``auditor --version`` must not pull in the
kubernetes client, rich or jinja2. pluggy itself is small.
"""

from __future__ import annotations

from pathlib import Path

import pluggy

__version__ = "0.1.0"

# In a source checkout, pyproject.toml maps checks/ and reports/ to auditor.checks and
# auditor.reports when installing. ``python -m auditor`` run at the repository root
# imports this directory instead of the installed package, without that mapping: the
# checkout's root joins the package path, so those two subpackages resolve to checks/ and
# reports/ beside it (the same files an editable install serves).
_checkout = Path(__file__).resolve().parent.parent
if not Path(__file__).with_name("checks").is_dir() and (_checkout / "pyproject.toml").is_file() \
        and (_checkout / "checks" / "__init__.py").is_file():
    import importlib.util

    # An editable install's finder already serves them: then the checkout stays off the
    # package path (searching it would list the checkout's root on every submodule import).
    if importlib.util.find_spec("auditor.checks") is None:
        __path__.append(str(_checkout))
PROJECT_NAME = "auditor"

hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
"""Marker for plugin functions implementing the hooks in :mod:`auditor.hookspecs`."""

__all__ = ["PROJECT_NAME", "__version__", "hookimpl"]

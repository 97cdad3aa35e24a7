"""What a test needs from outside Python, and what happens when it is not there.

Every test that needs a system tool or package (nginx, PostgreSQL, ufw, unshare,
systemd-analyze, openssl, Chromium, the Pushgateway, helm, npm, the cached Superset
venv, ...) asks here, so all of them behave alike:

* the thing is there: the test runs;
* it is missing: the test is **skipped** with a reason that names it and says how to
  get it, e.g. ``nginx not installed: apt-get install nginx (or run .ci/run)``;
* it is missing and ``AUDITOR_TESTS_REQUIRE_ALL=1`` is set (``.ci/run`` sets it): the
  test **fails** with that same reason, so CI can never pass with a real-component
  test skipped.

Developers' opt-outs (``AUDITOR_TESTS_NO_BROWSER=1``, ``AUDITOR_TESTS_NO_PUSHGATEWAY=1``)
skip those tests even where the tool is installed; under ``AUDITOR_TESTS_REQUIRE_ALL=1``
an opt-out fails instead, so it can never be left set in CI.

Data outside the repository (``../shared``) is not a tool: see :func:`require_shared`.
"""

from __future__ import annotations

import importlib
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import NoReturn

import pytest

REQUIRE_ALL = "AUDITOR_TESTS_REQUIRE_ALL"
CI_HINT = "(or run .ci/run)"
SHARED = Path(__file__).resolve().parents[2] / "shared"
"""The folder beside the clone that holds reference data (present in CI)."""


def require_all() -> bool:
    return os.environ.get(REQUIRE_ALL) == "1"


def unavailable(reason: str) -> NoReturn:
    """Skip the calling test (or fixture) with ``reason``; fail it under REQUIRE_ALL.

    The one place a missing component is turned into a skip: every helper below ends here.
    """
    if require_all():
        pytest.fail(f"{reason} [{REQUIRE_ALL}=1: a missing component fails the run]",
                    pytrace=False)
    pytest.skip(reason)


def find_tool(name: str, also: Iterable[str] = ()) -> str | None:
    """``name`` on PATH, else the first of ``also`` (absolute paths) that is executable."""
    found = shutil.which(name)
    if found:
        return found
    return next((p for p in also if os.access(p, os.X_OK) and Path(p).is_file()), None)


def require_tool(name: str, install_hint: str, also: Iterable[str] = ()) -> str:
    """Path to the executable ``name`` (on PATH or one of ``also``), else :func:`unavailable`
    with ``"NAME not installed: INSTALL_HINT (or run .ci/run)"``."""
    found = find_tool(name, also)
    if found is None:
        unavailable(f"{name} not installed: {install_hint} {CI_HINT}")
    return found


def require_module(name: str, install_hint: str = "pip install -e '.[test]'") -> None:
    """The Python package ``name`` importable (test extras or a dependency), else
    :func:`unavailable` with ``"NAME not installed: INSTALL_HINT"``."""
    try:
        importlib.import_module(name)
    except ImportError:
        unavailable(f"{name} not installed: {install_hint}")


def require_root(why: str) -> None:
    """Running as root (CI does), else :func:`unavailable` saying ``why`` root is needed."""
    if os.geteuid() != 0:
        unavailable(f"{why} needs root: run the tests as root (as .ci/run does)")


def opted_out(variable: str, what: str) -> None:
    """Skip when the developer's opt-out ``variable`` is 1 (fails under REQUIRE_ALL)."""
    if os.environ.get(variable) == "1":
        unavailable(f"{what} skipped: {variable}=1")


def require_shared(path: Path) -> Path:
    """``path`` under ``../shared`` (reference data beside the clone, not in the repository).

    Missing while ``../shared`` itself is absent (a clone on its own): skip, naming the
    folder, even under REQUIRE_ALL, as ``.ci/run`` does for the corpus. Missing while
    ``../shared`` is there (CI lays it out beside the clone): the data was expected, so
    :func:`unavailable` (a failure under REQUIRE_ALL).
    """
    if path.exists():
        return path
    if not SHARED.is_dir():
        pytest.skip(f"{path} not present: reference data outside the repository "
                    f"(lay out {SHARED} beside the clone to run this test)")
    unavailable(f"{path} not present although {SHARED} is")

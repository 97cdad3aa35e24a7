"""A cached virtualenv holding Apache Superset, separate from the test venv.

Installing Superset takes minutes and about 820 MB, so it is done once per
machine (or once per CI cache) under ``$XDG_CACHE_HOME/deploy-auditor-tests``
and reused while ``bin/superset version`` works. A venv is not relocatable
(its scripts name their interpreter by absolute path), so it is built in place
and only trusted once a ``.complete`` marker is written after a good install.

Run as a script (``python tests/e2e/superset_venv.py``) to pre-install it in CI
before pytest, so the test's own timing stays sane.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

VERSION = "6.1.0"
# Superset 6.1.0's own requirements miss these (see DESIGN.md): without them
# `superset version`, `db upgrade` and gunicorn fail on import.
PACKAGES = (f"apache-superset=={VERSION}", "rich", "cachetools", "flask-caching==2.3.1",
            "psycopg2-binary", "gunicorn")
INSTALL_TIMEOUT_S = 1200


class InstallError(RuntimeError):
    """The venv could not be built; ``offline`` says whether PyPI was unreachable."""

    def __init__(self, message: str, offline: bool) -> None:
        super().__init__(message)
        self.offline = offline


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "deploy-auditor-tests"


def venv_dir() -> Path:
    return cache_root() / f"superset-{VERSION}"


def works(venv: Path) -> bool:
    """True when the venv is complete and ``superset version`` runs."""
    if not (venv / ".complete").exists():
        return False
    try:
        done = subprocess.run([str(venv / "bin" / "superset"), "version"], capture_output=True,
                              timeout=180, env=_quiet_env(), check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def _quiet_env() -> dict[str, str]:
    # `superset version` needs no config; a throwaway key stops it refusing the default.
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPERSET_")}
    env["SUPERSET_SECRET_KEY"] = "version-check-only-" + "x" * 32
    return env


@contextlib.contextmanager
def _locked(root: Path) -> Iterator[None]:
    # Parallel pytest workers or a CI pre-install may race; one builds, the others wait.
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure(log: Path | None = None) -> Path:
    """Return a working Superset venv, building it if needed; raise InstallError otherwise."""
    venv = venv_dir()
    with _locked(venv.parent):
        if works(venv):
            return venv
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True,
                       capture_output=True)
        command = [str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check",
                   *PACKAGES]
        try:
            done = subprocess.run(command, capture_output=True, text=True,
                                  timeout=INSTALL_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired as exc:
            shutil.rmtree(venv, ignore_errors=True)
            raise InstallError(f"pip install took over {INSTALL_TIMEOUT_S}s", False) from exc
        if log is not None:
            log.write_text(done.stdout + done.stderr)
        if done.returncode != 0:
            shutil.rmtree(venv, ignore_errors=True)
            tail = "\n".join(done.stderr.strip().splitlines()[-5:])
            offline = any(s in done.stderr for s in (
                "No matching distribution", "Could not find a version", "NewConnectionError",
                "Failed to establish a new connection", "Temporary failure in name resolution",
                "Network is unreachable"))
            raise InstallError(f"pip install {' '.join(PACKAGES)} failed:\n{tail}", offline)
        (venv / ".complete").write_text(" ".join(PACKAGES) + "\n")
        if not works(venv):
            raise InstallError(f"{venv}/bin/superset version fails after install", False)
        return venv


if __name__ == "__main__":
    try:
        print(ensure())
    except InstallError as exc:
        sys.exit(f"Superset venv: {exc}")

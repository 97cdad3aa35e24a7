"""checkov for the benchmarks, in a virtualenv of its own.

    python bench/checkov_env.py                    # install (or reuse) the latest checkov
    python bench/checkov_env.py --version 3.3.30   # a pinned release
    python bench/checkov_env.py --upgrade          # reinstall / upgrade
    python bench/checkov_env.py --where            # print the checkov executable, or exit 1

checkov pins dozens of packages (boto3, pydantic, networkx, ...), so it is never
installed into the project's environment: it gets its own venv under
``$DEPLOY_AUDITOR_BENCH_CACHE`` (default ``~/.cache/deploy-auditor-bench``),
``checkov-venv/``, installed from PyPI with that venv's own pip. The benchmarks
find it there (see :func:`find_checkov`); nothing else looks at it.

The equivalent shell step::

    python3.11 -m venv ~/.cache/deploy-auditor-bench/checkov-venv
    ~/.cache/deploy-auditor-bench/checkov-venv/bin/pip install checkov
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

HOW_TO_INSTALL = "python bench/checkov_env.py installs it in a venv of its own"


def cache_dir() -> Path:
    explicit = os.environ.get("DEPLOY_AUDITOR_BENCH_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "deploy-auditor-bench"


def venv_dir() -> Path:
    return cache_dir() / "checkov-venv"


def _bin(venv: Path, name: str) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin") / name


def venv_checkov() -> Path | None:
    """The checkov executable of the bench venv, when it is installed."""
    path = _bin(venv_dir(), "checkov")
    return path if path.is_file() and os.access(path, os.X_OK) else None


def find_checkov(explicit: str | None = None) -> tuple[list[str], str] | None:
    """(command, where it was found), or None.

    Order: ``explicit`` (``--checkov``), ``$CHECKOV``, the bench venv, ``checkov``
    on ``PATH``. An importable ``checkov`` module in this interpreter is not used:
    it would mean checkov had been installed into the project's environment.
    """
    for source, value in (("--checkov", explicit), ("$CHECKOV", os.environ.get("CHECKOV"))):
        if value:
            found = shutil.which(value) or (value if Path(value).is_file() else None)
            return ([found], source) if found else None
    in_venv = venv_checkov()
    if in_venv is not None:
        return [str(in_venv)], str(venv_dir())
    on_path = shutil.which("checkov")
    if on_path:
        return [on_path], "PATH"
    return None


def checkov_version(command: list[str]) -> str | None:
    try:
        done = subprocess.run(
            [*command, "--version"], capture_output=True, text=True, timeout=120, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = done.stdout.strip().splitlines()
    return lines[-1].strip() if done.returncode == 0 and lines else None


def install(version: str | None, *, upgrade: bool, python: str) -> Path:
    venv = venv_dir()
    existing = venv_checkov()
    if existing is not None and not upgrade and version is None:
        return existing
    if not _bin(venv, "python").is_file():
        venv.parent.mkdir(parents=True, exist_ok=True)
        print(f"creating {venv} with {python}", file=sys.stderr)
        subprocess.run([python, "-m", "venv", str(venv)], check=True)
    pip = [str(_bin(venv, "python")), "-m", "pip"]
    requirement = f"checkov=={version}" if version else "checkov"
    print(f"installing {requirement} into {venv} (may take minutes)", file=sys.stderr)
    subprocess.run([*pip, "install", "--upgrade", "pip"], check=True)
    args = [*pip, "install", requirement]
    if upgrade:
        args.insert(4, "--upgrade")
    subprocess.run(args, check=True)
    installed = venv_checkov()
    if installed is None:
        raise SystemExit(f"checkov_env: pip finished but {_bin(venv, 'checkov')} is missing")
    return installed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", help="install this checkov release (default: latest)")
    parser.add_argument("--upgrade", action="store_true", help="upgrade an existing install")
    parser.add_argument("--where", action="store_true", help="print the checkov found, or exit 1")
    parser.add_argument(
        "--python",
        default=shutil.which("python3.11") or sys.executable,
        help="interpreter for the venv (default: python3.11 on PATH, else this one)",
    )
    args = parser.parse_args(argv)
    if args.where:
        found = find_checkov()
        if found is None:
            print(f"checkov: not installed ({HOW_TO_INSTALL})", file=sys.stderr)
            return 1
        print(" ".join(found[0]))
        return 0
    try:
        path = install(args.version, upgrade=args.upgrade, python=args.python)
    except subprocess.CalledProcessError as exc:
        print(f"checkov_env: {' '.join(map(str, exc.cmd))} exited {exc.returncode}",
              file=sys.stderr)
        return 1
    print(path)
    print(f"checkov {checkov_version([str(path)]) or '(version unknown)'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""One timed process of the manifest benchmark: the floor or the audit, checked.

Both run through ``bench/measure.py`` (wall time, user + system CPU time and
peak RSS of the process itself) with the working directory set to a scratch
directory: from the repository root, ``python -m auditor`` would import the
source tree instead of the installed package, and an ``auditor.toml`` there
would change the audit.

A run that failed is an error, never a figure: the floor must exit 0 and print
the expected document count; the audit must exit 0 or 1 (1: a gate tripped,
which is an audit's normal outcome), print no traceback, and leave a JSON
report with a kubernetes target.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from measure import run  # noqa: E402

TRACEBACK = "Traceback (most recent call last)"
AUDIT_OK_EXITS = (0, 1)


class RunFailed(Exception):
    """A measured process failed; the message says how, in one line."""


@dataclass
class Sample:
    wall_s: float
    cpu_s: float
    peak_mb: float


@dataclass
class AuditSummary:
    findings: int
    problems: list[str]


def auditor_command(explicit: str | None = None) -> list[str]:
    """``--auditor-cmd``, else the installed console script, else ``python -m auditor``.

    The console script beside this interpreter is what a user runs; with a
    normal (non-editable) install it imports the installed package.
    """
    if explicit:
        return shlex.split(explicit)
    script = Path(sys.executable).parent / "auditor"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "auditor"]


def _last_line(path: Path) -> str:
    lines = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    return lines[-1] if lines else "no output"


def run_floor(directory: Path, expected: int, scratch: Path) -> Sample:
    out, err = scratch / "floor.out", scratch / "floor.err"
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        done = run([sys.executable, str(HERE / "floor.py"), str(directory)],
                   stdout=stdout, stderr=stderr, cwd=scratch)
    if done.exit_code != 0:
        raise RunFailed(f"the floor exited {done.exit_code}: {_last_line(err)}")
    text = out.read_text(encoding="utf-8").strip()
    if text != str(expected):
        raise RunFailed(f"the floor parsed {text or 'nothing'} documents, expected {expected}")
    return Sample(done.wall_s, done.cpu_s, done.peak_mb)


def audit_argv(command: list[str], directory: Path, report: Path) -> list[str]:
    return [*command, "scan", str(directory), "--style", "kubernetes", "--format", "json",
            "--output", str(report), "--quiet"]


def run_checked(argv: list[str], scratch: Path, what: str = "the audit") -> Sample:
    """An auditor process run from ``scratch``: exit 0 or 1 and no traceback, or RunFailed."""
    out, err = scratch / "audit.out", scratch / "audit.err"
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        done = run(argv, stdout=stdout, stderr=stderr, cwd=scratch)
    errors = err.read_text(encoding="utf-8", errors="replace")
    if done.exit_code not in AUDIT_OK_EXITS:
        raise RunFailed(f"{what} exited {done.exit_code}: {_last_line(err)}")
    if TRACEBACK in errors:
        raise RunFailed(f"{what} printed a traceback (exit {done.exit_code}): {_last_line(err)}")
    return Sample(done.wall_s, done.cpu_s, done.peak_mb)


def run_audit(command: list[str], directory: Path, report: Path, scratch: Path) -> Sample:
    report.unlink(missing_ok=True)
    sample = run_checked(audit_argv(command, directory, report), scratch)
    if not report.is_file() or report.stat().st_size == 0:
        raise RunFailed(f"the audit exited without writing {report.name}")
    return sample


def read_summary(report: Path) -> AuditSummary:
    """Findings and problems of the kubernetes target; a report without one is a failure."""
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise RunFailed(f"the audit's JSON report is unreadable: {exc}") from None
    targets = [t for t in data.get("targets", []) if t.get("style") == "kubernetes"]
    if not targets:
        problems = "; ".join(data.get("problems", [])) or "no problems reported"
        raise RunFailed(f"the audit found no kubernetes target ({problems})")
    return AuditSummary(sum(len(t.get("findings", [])) for t in targets),
                        [p for t in targets for p in t.get("problems", [])])


def run_checkov(command: list[str], directory: Path, scratch: Path) -> tuple[Sample, str]:
    """One checkov run; its sample and stdout (for the summary line)."""
    out = scratch / "checkov.out"
    args = [*command, "-d", str(directory), "--framework", "kubernetes", "--quiet",
            "--compact", "--skip-download"]
    with open(out, "wb") as stdout:
        done = run(args, stdout=stdout, stderr=subprocess.DEVNULL, cwd=scratch)
    if done.exit_code not in (0, 1):  # 1: some checks failed, which is expected
        raise RunFailed(f"checkov exited {done.exit_code}")
    return Sample(done.wall_s, done.cpu_s, done.peak_mb), out.read_text(errors="replace")

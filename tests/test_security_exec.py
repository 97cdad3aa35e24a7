"""superset_config.py is read, never executed, in every style.

The fixtures ``tests/fixtures/security/exec-*`` hold a superset_config.py whose top-level
code would write a marker file, call os.system, start a process, exec code, register an
atexit hook, fork, loop forever and exit 3 - as a pip project, on a host tree, mounted
into a Compose service and in a Kubernetes ConfigMap. The audit runs in a subprocess under
an audit hook (:data:`TRACER`) that records every file opened, every directory listed and
every process started; it must complete with a valid report, leave no marker, start no
process, import or exec no superset_config, and still judge the SECRET_KEY it read.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conftest import assert_valid_report
from test_security_secrets import SECURITY

TRACER = r"""
import json, os, sys

events = []
PROCESS = ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
           "os.fork", "os.forkpty", "pty.spawn")


tracing = [True]


def hook(event, args):
    if not tracing[0]:
        return
    if event == "open" and isinstance(args[0], (str, bytes)):
        events.append(["open", os.path.abspath(os.fsdecode(args[0]))])
    elif event in ("os.listdir", "os.scandir") and isinstance(args[0], (str, bytes)):
        events.append(["list", os.path.abspath(os.fsdecode(args[0]))])
    elif event in PROCESS:
        events.append(["process", event + " " + repr(args)[:300]])
    elif event == "import" and str(args[0]).rpartition(".")[2] == "superset_config":
        events.append(["import", str(args[0])])
    elif event == "exec" and "superset_config" in getattr(args[0], "co_filename", ""):
        events.append(["exec", args[0].co_filename])


sys.addaudithook(hook)
from auditor.cli import main

try:
    code = main(sys.argv[2:])
finally:
    # VmHWM: this process's own peak, reset by exec. ru_maxrss is not: Linux keeps across
    # exec the peak of the memory the process came from, and a child vforked by a pytest
    # that has grown to 750 MB over the suite reports 750 MB whatever it used itself.
    tracing[0] = False  # what the tracer itself opens from here is not the auditor's
    peak = ""
    try:
        with open("/proc/self/status") as status:
            peak = next((line.split()[1] for line in status if line.startswith("VmHWM:")), "")
    except OSError:
        pass
    if not peak:
        import resource

        peak = str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    events.append(["maxrss", peak])
    saved = list(events)
    with open(sys.argv[1], "w") as handle:
        json.dump(saved, handle)
sys.exit(code)
"""
"""Runs ``auditor ARGS`` recording audit events: ``python -c TRACER EVENTS.json ARGS...``."""


@dataclass
class Traced:
    returncode: int
    stderr: str
    events: list[tuple[str, str]]
    report: dict[str, Any]

    def of(self, kind: str) -> list[str]:
        return [detail for event, detail in self.events if event == kind]


def traced_scan(tmp_path: Path, args: list[str], *, timeout: float = 90,
                env: dict[str, str] | None = None) -> Traced:
    """``auditor scan ARGS`` in a subprocess under the tracer; a JSON report is requested."""
    events, report = tmp_path / "events.json", tmp_path / "report.json"
    done = subprocess.run(
        [sys.executable, "-c", TRACER, str(events), "scan", *args, "-q",
         "--report", f"json={report}"],
        capture_output=True, text=True, timeout=timeout, cwd=tmp_path,
        env={**os.environ, **(env or {})}, check=False)
    data = json.loads(report.read_text()) if report.exists() else {}
    recorded = json.loads(events.read_text()) if events.exists() else []
    return Traced(done.returncode, done.stderr, [(e, d) for e, d in recorded], data)


def test_superset_config_is_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "markers" / "executed"
    marker.parent.mkdir()
    targets = [SECURITY / name for name in ("exec-pip", "exec-host", "exec-compose",
                                            "exec-kubernetes")]
    run = traced_scan(tmp_path, [str(t) for t in targets],
                      env={"AUDITOR_EXEC_MARKER": str(marker)})
    assert run.returncode == 0, run.stderr
    assert not list(marker.parent.iterdir()), "superset_config.py ran"
    assert not run.of("process"), run.of("process")
    assert not run.of("import") and not run.of("exec")
    assert_valid_report(run.report)
    entries = run.report["targets"]
    assert isinstance(entries, list)
    styles = {str(t["target"]).rsplit("/", 1)[-1]: t["style"] for t in entries}
    assert styles == {"exec-pip": "pip", "exec-host": "systemd", "exec-compose": "compose",
                      "exec-kubernetes": "kubernetes"}
    for entry in entries:
        # The configuration was read (with ast): its SECRET_KEY is the Helm chart's default.
        key = [f for f in entry["findings"] if f["check_id"] == "SUPERSET-CONFIG-SECRETS-001"]
        assert key and key[0]["status"] == "fail", (entry["target"], key)
        assert "Helm chart" in key[0]["message"], key[0]["message"]
    # and it was opened as a file to read, inside the audited trees
    opened = [p for p in run.of("open") if p.endswith("superset_config.py")]
    assert opened and all(p.startswith(str(SECURITY)) for p in opened)

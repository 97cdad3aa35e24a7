"""Wall time, CPU time and peak memory of one process, measured without inheritance.

On Linux a process's ``ru_maxrss`` starts from the high-water mark of the memory
it replaced at ``exec``: a child spawned by a benchmark that has itself audited
16,000 documents reports the benchmark's peak, not its own. So:

- a Python child measures itself with :func:`own_peak_mb` (``VmHWM`` of
  ``/proc/self/status``, which belongs to the new address space; ``ru_maxrss``
  elsewhere);
- another program is run with :func:`run`, through this module as a small
  launcher (``python bench/measure.py REPORT -- COMMAND...``): a fresh, small
  interpreter forks the command, waits for it with ``wait4`` and writes its
  rusage to REPORT. The command's peak then includes at most the launcher's
  few megabytes, and its CPU time includes the children it waited for.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any


@dataclass
class Run:
    wall_s: float
    cpu_s: float
    peak_mb: float
    exit_code: int


def own_peak_mb() -> float:
    """Peak resident memory of this process's own address space, in MiB."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 2**20 if sys.platform == "darwin" else rss / 2**10


def run(
    argv: list[str],
    *,
    stdout: int | IO[Any] | None = None,
    stderr: int | IO[Any] | None = None,
    env: dict[str, str] | None = None,
    cwd: str | Path | None = None,
) -> Run:
    """Run ``argv`` to completion through the launcher; its own wall, CPU and peak memory."""
    handle, report = tempfile.mkstemp(prefix="bench-measure-", suffix=".json")
    os.close(handle)
    try:
        done = subprocess.run(
            [sys.executable, __file__, report, "--", *argv],
            stdout=stdout, stderr=stderr, env=env, cwd=cwd, check=False,
        )
        text = Path(report).read_text(encoding="utf-8")
        if done.returncode != 0 or not text:
            raise RuntimeError(f"measure: the launcher exited {done.returncode} for {argv[0]}")
        data = json.loads(text)
    finally:
        os.unlink(report)
    return Run(data["wall_s"], data["cpu_s"], data["peak_mb"], data["exit_code"])


def _launch(report: str, argv: list[str]) -> int:
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the command
        try:
            os.execvp(argv[0], argv)
        except OSError as exc:
            os.write(2, f"measure: cannot run {argv[0]}: {exc}\n".encode())
        os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - started
    peak = usage.ru_maxrss / (2**20 if sys.platform == "darwin" else 2**10)
    result = {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_mb": peak,
        "exit_code": os.waitstatus_to_exitcode(status),
    }
    Path(report).write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        print("usage: measure.py REPORT -- COMMAND [ARG...]", file=sys.stderr)
        raise SystemExit(2)
    raise SystemExit(_launch(sys.argv[1], sys.argv[3:]))

"""Benchmark: a full audit of the manual-VM host tree, after start-up.

    python bench/bench_host.py                 # examples/manual-vm, best of 20
    python bench/bench_host.py --repeat 50 --budget 0.5
    python bench/bench_host.py --target tests/fixtures/systemd/pass-hardened

Start-up (importing the auditor and loading its plugins) is excluded: the
session is built once with ``auditor.api.open_session``, then
``auditor.api.audit_targets`` is timed ``--repeat`` times and the best run is
reported. Each run does everything a scan does except rendering: detection by
every style plugin, the systemd collector (units, nginx, UFW, PostgreSQL,
cron, logrotate...) and every check. Issue 4 asks for under half a second.
Exit status 1 when the best run is over ``--budget``.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

from auditor.api import audit_targets, open_session
from auditor.config import Config
from auditor.targets import parse_targets

HERE = Path(__file__).resolve().parent
DEFAULT_TARGET = HERE.parent / "examples" / "manual-vm"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default=str(DEFAULT_TARGET), help="host tree to audit")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs (best is reported)")
    parser.add_argument("--budget", type=float, default=0.5, help="seconds the best run may take")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    session = open_session(autoload=False)
    startup = time.perf_counter() - started
    targets = parse_targets([args.target])
    config = Config()

    report = audit_targets(targets, config=config, session=session)  # warm-up, and a sanity check
    styles = [t.style.value for t in report.targets]
    findings = sum(len(t.findings) for t in report.targets)
    if "systemd" not in styles:
        print(f"bench_host: {args.target} was not detected as a systemd host ({styles})",
              file=sys.stderr)
        return 2

    times = []
    for _ in range(max(1, args.repeat)):
        clock = time.perf_counter()
        audit_targets(targets, config=config, session=session)
        times.append(time.perf_counter() - clock)
    best = min(times)

    print(f"host audit of {args.target}")
    print(f"  python {platform.python_version()} on {platform.machine()}, "
          f"session start-up {startup * 1000:.0f} ms (excluded)")
    print(f"  styles {', '.join(styles)}; {findings} findings; score {report.score.value}")
    print(f"  best of {len(times)}: {best * 1000:.1f} ms   median "
          f"{statistics.median(times) * 1000:.1f} ms   worst {max(times) * 1000:.1f} ms")
    verdict = "OK" if best < args.budget else "OVER BUDGET"
    print(f"  budget {args.budget * 1000:.0f} ms: {verdict}")
    return 0 if best < args.budget else 1


if __name__ == "__main__":
    raise SystemExit(main())

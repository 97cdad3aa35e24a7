"""Benchmark: host audits (a host tree given as --root, and the live machine) against a floor.

    python bench/bench_host.py                          # examples/manual-vm as --root, best of 20
    python bench/bench_host.py --target host            # the machine this runs on
    python bench/bench_host.py --target examples/manual-vm --target host --json OUT
    python bench/bench_host.py --repeat 50 --budget 0.5

A ``--target`` is a directory laid out like / (audited as ``auditor scan --root
DIR``) or ``host`` (``auditor scan host``: the live machine, commands included).
Start-up (importing the auditor and loading its plugins) is excluded: the
session is built once with ``auditor.api.open_session``, then
``auditor.api.audit_targets`` is timed ``--repeat`` times and the best run is
reported. Each run does everything a scan does except rendering: detection by
every style plugin, the collectors (units, nginx, UFW, PostgreSQL, cron,
logrotate, virtualenvs...) and every check. Issue 4 asks for under half a
second for a host tree; exit status 1 when the best run of a ``--root`` target is
over ``--budget`` (the live machine is reported, not judged: it depends on what
the machine holds and runs ``nginx -T``, ``ufw status`` and the like).

The floor is the I/O the audit cannot avoid: listing the directories it lists
and reading the files it reads. One audit is traced with ``sys.addaudithook``
(``open`` for reading, ``os.listdir``, ``os.scandir``; ``subprocess.Popen`` is
counted and reported, not replayed), then the floor replays exactly that:
``os.scandir`` over every directory and reading every file in full, taking turns
with the audit. Existence probes (``stat``) are left out, so the floor errs on the
low side and the ratio on the high side. With the floor, the ratio says how much
of an audit is parsing many formats and running the checks rather than I/O.

The start-up is reported separately: the command line (``auditor scan ... --format
json --output /dev/null``, the installed command, from a scratch directory) in fresh
processes, its wall time and peak RSS. For a host tree it takes turns with two
floors (``bench/startup.py``): importing every module one such audit imports, and
importing its third-party packages alone; the median of ``--cli-rounds``. The live
machine gets one cold run. A run that exits other than 0 or 1 or prints a traceback
fails the bench.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from auditor.api import Session, audit_targets, open_session
from auditor.config import Config
from auditor.model import Target
from auditor.targets import parse_targets

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from startup import measure as startup_of  # noqa: E402
from wholeproc import RunFailed, auditor_command, run_checked  # noqa: E402

DEFAULT_TARGET = HERE.parent / "examples" / "manual-vm"
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


@dataclass
class Trace:
    """What one audit read, listed and ran (filled by the audit hook while ``on``)."""

    on: bool = False
    files: dict[str, None] = field(default_factory=dict)  # ordered sets
    dirs: dict[str, None] = field(default_factory=dict)
    commands: list[str] = field(default_factory=list)

    def hook(self, event: str, args: tuple[Any, ...]) -> None:
        if not self.on:
            return
        if event == "open":
            path, _mode, flags = args
            if isinstance(path, int) or (isinstance(flags, int) and flags & WRITE_FLAGS):
                return
            self.files[os.path.abspath(os.fsdecode(path))] = None
        elif event in ("os.listdir", "os.scandir"):
            path = args[0]
            if not isinstance(path, int):
                self.dirs[os.path.abspath(os.fsdecode(path if path is not None else "."))] = None
        elif event == "subprocess.Popen":
            executable, argv = args[0], args[1]
            self.commands.append(" ".join(map(os.fsdecode, argv)) if argv else str(executable))


TRACE = Trace()


def floor(dirs: list[str], files: list[str]) -> int:
    """List every directory and read every file the audit did; returns the bytes read."""
    total = 0
    for directory in dirs:
        try:
            with os.scandir(directory) as entries:
                for _ in entries:
                    pass
        except OSError:
            pass
    for path in files:
        try:
            with open(path, "rb") as handle:
                total += len(handle.read())
        except OSError:
            pass
    return total


@dataclass
class Result:
    target: str
    kind: str  # "root" (a host tree) or "live" (the machine)
    styles: list[str]
    findings: int
    score: float | None
    startup_s: float
    best_s: float
    median_s: float
    worst_s: float
    best_cpu_s: float
    floor_s: float
    floor_cpu_s: float
    files_read: int
    dirs_listed: int
    bytes_read: int
    commands: list[str]
    budget_s: float
    repeat: int
    cli: dict[str, float | int | str] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        return self.best_s / self.floor_s if self.floor_s > 0 else None

    @property
    def cpu_ratio(self) -> float | None:
        return self.best_cpu_s / self.floor_cpu_s if self.floor_cpu_s > 0 else None


def timed(action: Any) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    action()
    return time.perf_counter() - wall, time.process_time() - cpu


def bench_target(
    spec: str, session: Session, startup: float, args: argparse.Namespace
) -> Result | str:
    live = spec == "host"
    targets: list[Target] = parse_targets(["host"], root=None if live else spec)
    config = Config()

    def once() -> Any:
        return audit_targets(targets, config=config, session=session)

    report = once()  # warm-up (lazy imports, caches), and a sanity check
    styles = [t.style.value for t in report.targets]
    if not live and "systemd" not in styles:
        return f"{spec} was not detected as a systemd host ({styles})"
    TRACE.on = True
    try:
        once()
    finally:
        TRACE.on = False
    dirs, files = list(TRACE.dirs), list(TRACE.files)
    commands = list(TRACE.commands)
    TRACE.files.clear()
    TRACE.dirs.clear()
    TRACE.commands.clear()
    bytes_read = floor(dirs, files)

    walls, cpus, floor_walls, floor_cpus = [], [], [], []
    for _ in range(max(1, args.repeat)):  # taking turns: both see the same load
        wall, cpu = timed(lambda: floor(dirs, files))
        floor_walls.append(wall)
        floor_cpus.append(cpu)
        wall, cpu = timed(once)
        walls.append(wall)
        cpus.append(cpu)

    result = Result(
        target="host" if live else spec, kind="live" if live else "root", styles=styles,
        findings=sum(len(t.findings) for t in report.targets), score=report.score.value,
        startup_s=startup, best_s=min(walls), median_s=statistics.median(walls),
        worst_s=max(walls), best_cpu_s=min(cpus), floor_s=min(floor_walls),
        floor_cpu_s=min(floor_cpus), files_read=len(files), dirs_listed=len(dirs),
        bytes_read=bytes_read, commands=commands, budget_s=args.budget, repeat=len(walls),
    )
    if not args.no_cli:
        # the installed command, from a scratch directory: from the repository root
        # `python -m auditor` would import the source tree, not what is installed
        where = ["host"] if live else ["--root", str(Path(spec).resolve())]
        scan = ["scan", *where, "--format", "json", "--output", os.devnull, "--quiet"]
        try:
            if live:  # the machine's commands and state vary: one run, not judged
                with tempfile.TemporaryDirectory(prefix="bench-host-") as scratch:
                    cold = run_checked([*auditor_command(), *scan], Path(scratch),
                                       "the cold command line")
                result.cli = {"wall_s": cold.wall_s, "cpu_s": cold.cpu_s,
                              "peak_rss_mb": cold.peak_mb}
            else:
                started = startup_of(scan, rounds=args.cli_rounds)
                result.cli = {"wall_s": started.cold_s, "cpu_s": started.cold_cpu_s,
                              "peak_rss_mb": started.peak_mb, "rounds": started.rounds,
                              "modules": started.modules, "imports_s": started.imports_s,
                              "imports_ratio": started.ratio,
                              "third_party": ", ".join(started.third_party),
                              "third_party_s": started.third_party_s,
                              "third_party_ratio": started.third_party_ratio}
        except RunFailed as exc:  # a failed run is an error, never a figure
            return f"{spec}: {exc}"
    return result


def describe(r: Result) -> str:
    what = "the live machine (auditor scan host)" if r.kind == "live" else f"--root {r.target}"
    lines = [
        f"host audit of {what}",
        f"  styles {', '.join(r.styles) or 'none'}; {r.findings} findings; score {r.score}",
        f"  best of {r.repeat}: {r.best_s * 1000:.1f} ms (CPU {r.best_cpu_s * 1000:.1f} ms)"
        f"   median {r.median_s * 1000:.1f} ms   worst {r.worst_s * 1000:.1f} ms",
        f"  floor: list {r.dirs_listed} directories, read {r.files_read} files"
        f" ({r.bytes_read / 1e3:.0f} kB): {r.floor_s * 1000:.2f} ms"
        f" (CPU {r.floor_cpu_s * 1000:.2f} ms)",
    ]
    if r.ratio is not None:
        cpu = f" (CPU {r.cpu_ratio:.1f}x)" if r.cpu_ratio is not None else ""
        lines.append(f"  audit/floor {r.ratio:.1f}x{cpu}")
    if r.commands:
        lines.append(f"  commands run: {len(r.commands)} ({'; '.join(r.commands[:3])})")
    if r.cli:
        lines.append(
            f"  cold command line: {r.cli['wall_s']:.2f} s wall, {r.cli['peak_rss_mb']:.0f} MB"
            " peak RSS"
        )
    if "imports_s" in r.cli:
        lines.append(
            f"  importing its {r.cli['modules']} modules: {r.cli['imports_s']:.2f} s, the cold"
            f" command {r.cli['imports_ratio']:.2f}x that (its third-party packages alone,"
            f" {r.cli['third_party']}: {r.cli['third_party_s']:.2f} s,"
            f" {r.cli['third_party_ratio']:.1f}x); median of {r.cli['rounds']}"
        )
    if r.kind == "root":
        verdict = "OK" if r.best_s < r.budget_s else "OVER BUDGET"
        lines.append(f"  budget {r.budget_s * 1000:.0f} ms: {verdict}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", action="append",
                        help="host tree to audit as --root, or 'host' (repeatable;"
                             " default examples/manual-vm)")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs (best is reported)")
    parser.add_argument("--budget", type=float, default=0.5, help="seconds the best run may take")
    parser.add_argument("--no-cli", action="store_true", help="skip the cold command-line runs")
    parser.add_argument("--cli-rounds", type=int, default=5,
                        help="cold runs of a host tree, taking turns with the import floors")
    parser.add_argument("--json", type=Path, metavar="OUT", help="write the results as JSON")
    args = parser.parse_args(argv)
    specs = args.target or [str(DEFAULT_TARGET)]

    sys.addaudithook(TRACE.hook)
    started = time.perf_counter()
    session = open_session(autoload=False)
    startup = time.perf_counter() - started
    print(f"python {platform.python_version()} on {platform.machine()},"
          f" session start-up {startup * 1000:.0f} ms (excluded)")

    results: list[Result] = []
    failed = False
    for spec in specs:
        outcome = bench_target(spec, session, startup, args)
        if isinstance(outcome, str):
            print(f"bench_host: {outcome}", file=sys.stderr)
            failed = True
            continue
        results.append(outcome)
        print(describe(outcome), flush=True)
    if args.json is not None:
        data = {
            "bench": "host",
            "python": platform.python_version(),
            "results": [{**asdict(r), "ratio": r.ratio, "cpu_ratio": r.cpu_ratio}
                        for r in results],
        }
        args.json.write_text(json.dumps(data, indent=2) + "\n")
    if failed:
        return 2
    return 0 if all(r.best_s < r.budget_s for r in results if r.kind == "root") else 1


if __name__ == "__main__":
    raise SystemExit(main())

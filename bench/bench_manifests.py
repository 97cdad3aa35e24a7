"""Benchmark: auditing manifest files against just parsing them, and against checkov.

    python bench/bench_manifests.py                  # 1k, 4k and 16k documents
    python bench/bench_manifests.py --sizes 4000 --max-ratio 2
    python bench/bench_manifests.py --floor-only     # parsing only, no audit
    python bench/bench_manifests.py --json out.json  # also write the results as JSON

For each size, documents from ``bench/gen_manifests.py`` are written to a
temporary directory, then timed ``--repeat`` times, floor and audit taking
turns so that both see the same machine load; the best run of each is kept:

- floor: reading every file and ``yaml.load_all(..., Loader=yaml.CSafeLoader)``;
- audit: what ``auditor scan DIR --style kubernetes --format json --output /dev/null``
  does, in-process: ``auditor.api.scan([DIR], style="kubernetes")`` plus the JSON
  rendering (imports and plugin loading are warmed up on a tiny set first);
- checkov, when installed, at the sizes in ``--checkov-sizes`` (default 4000):
  ``checkov -d DIR --framework kubernetes --quiet --compact --skip-download``,
  best of ``--checkov-repeat``. ``--skip-download`` keeps checkov off the
  network (without it, checkov first tries to fetch guidelines from Prisma
  Cloud, which only adds time). checkov is looked up with ``--checkov``,
  ``$CHECKOV``, the bench venv of ``bench/checkov_env.py``, then ``PATH``.

Wall time is the headline; CPU time (user + system) is recorded too, as it is
less disturbed by other load on a shared machine. Peak memory (max RSS) of the
floor and of one audit is measured in a fresh subprocess each (``VmHWM`` of its
own address space, see ``bench/measure.py``), so neither inherits the other's
heap, nor this process's; checkov's is its own process's (with the children it
waited for). The goal (issues 3
and 8) is an audit/floor ratio of at most 2 at 4,000 documents, and checkov at
least 15 times slower than the audit on the same files.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from checkov_env import HOW_TO_INSTALL, checkov_version, find_checkov  # noqa: E402
from gen_manifests import generate  # noqa: E402
from measure import own_peak_mb, run  # noqa: E402

Loader: Any = getattr(yaml, "CSafeLoader", None)
CHECKOV_SUMMARY = re.compile(r"Passed checks: (\d+), Failed checks: (\d+), Skipped checks: (\d+)")


class BenchError(Exception):
    """Ends the benchmark with one line on stderr."""


@dataclass
class Checkov:
    command: list[str]
    found_in: str
    version: str | None


@dataclass
class Row:
    docs: int
    files: int
    megabytes: float
    floor_s: float
    floor_cpu_s: float
    floor_rss_mb: float | None = None
    audit_s: float | None = None
    audit_cpu_s: float | None = None
    audit_rss_mb: float | None = None
    findings: int | None = None
    checkov_s: float | None = None
    checkov_cpu_s: float | None = None
    checkov_rss_mb: float | None = None
    checkov_results: dict[str, int] = field(default_factory=dict)
    checkov_note: str = ""

    def derived(self) -> dict[str, float | None]:
        def div(a: float | None, b: float | None) -> float | None:
            return a / b if a is not None and b else None

        return {
            "floor_docs_per_s": div(self.docs, self.floor_s),
            "audit_docs_per_s": div(self.docs, self.audit_s),
            "checkov_docs_per_s": div(self.docs, self.checkov_s),
            "audit_over_floor": div(self.audit_s, self.floor_s),
            "audit_over_floor_cpu": div(self.audit_cpu_s, self.floor_cpu_s),
            "checkov_over_audit": div(self.checkov_s, self.audit_s),
            "checkov_over_audit_cpu": div(self.checkov_cpu_s, self.audit_cpu_s),
        }


# -- the measured operations ---------------------------------------------------------------


def parse_floor(directory: Path) -> int:
    """Parse every manifest with the C loader; returns the number of documents."""
    count = 0
    for path in sorted(directory.glob("*.yaml")):
        with open(path, encoding="utf-8") as handle:
            count += sum(1 for doc in yaml.load_all(handle.read(), Loader=Loader) if doc)
    return count


def run_audit(directory: Path) -> int:
    """The in-process audit and JSON report; returns the number of findings."""
    try:
        from auditor.api import scan
        from auditor.reports.base import RenderOptions
        from auditor.reports.json_report import render_json
    except ImportError as exc:
        raise BenchError(f"cannot import the auditor: {exc}") from exc
    try:
        report = scan([str(directory)], style="kubernetes")
        rendered = render_json(report, RenderOptions())
    except Exception as exc:
        raise BenchError(
            f"auditor.api.scan failed on {directory.name}: {type(exc).__name__}: {exc}"
        ) from exc
    with open("/dev/null", "w", encoding="utf-8") as sink:
        sink.write(rendered)
    kube = [t for t in report.targets if t.style == "kubernetes"]
    if not kube:
        problems = "; ".join(report.problems) or "no problems reported"
        raise BenchError(f"auditor found no kubernetes target in {directory} ({problems})")
    return sum(len(t.findings) for t in kube)


@dataclass
class Timing:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    value: Any = None

    def run(self, action: Callable[[], Any]) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.value = action()
        self.cpu.append(time.process_time() - cpu)
        self.wall.append(time.perf_counter() - wall)


def child(mode: str, directory: Path) -> int:
    """One operation in a fresh interpreter; prints its peak memory as JSON."""
    try:
        value = parse_floor(directory) if mode == "floor" else run_audit(directory)
    except BenchError as exc:
        print(json.dumps({"error": str(exc)}))
        return 1
    print(json.dumps({"value": value, "maxrss_mb": own_peak_mb()}))
    return 0


def peak_rss(mode: str, directory: Path) -> float:
    done = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(directory)],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    try:
        data = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise BenchError(f"{mode} subprocess failed (exit {done.returncode}): {last}") from None
    if "error" in data:
        raise BenchError(data["error"])
    return float(data["maxrss_mb"])


def run_checkov(checkov: Checkov, directory: Path, row: Row, repeat: int) -> None:
    """Best of ``repeat`` checkov runs into ``row``; its summary line is kept as a sanity check.

    stdout goes to a scratch file (read back only for the ``Passed checks`` line),
    stderr to /dev/null; wall, CPU and peak memory are checkov's own (``measure.run``).
    """
    args = [*checkov.command, "-d", str(directory), "--framework", "kubernetes",
            "--quiet", "--compact", "--skip-download"]
    out = directory.parent / f"checkov-{directory.name}.out"
    walls, cpus, peaks = [], [], []
    for _ in range(repeat):
        with open(out, "wb") as stdout:
            done = run(args, stdout=stdout, stderr=subprocess.DEVNULL)
        if done.exit_code not in (0, 1):  # 1: some checks failed, which is expected
            row.checkov_note = f"checkov exited {done.exit_code}"
            return
        walls.append(done.wall_s)
        cpus.append(done.cpu_s)
        peaks.append(done.peak_mb)
    text = out.read_text(encoding="utf-8", errors="replace")
    out.unlink()
    summary = CHECKOV_SUMMARY.search(text)
    if summary is None:
        row.checkov_note = "checkov printed no 'Passed checks' summary; its time is not reported"
        return
    passed, failed, skipped = (int(g) for g in summary.groups())
    row.checkov_results = {"passed": passed, "failed": failed, "skipped": skipped}
    row.checkov_s, row.checkov_cpu_s, row.checkov_rss_mb = min(walls), min(cpus), max(peaks)


# -- driver ---------------------------------------------------------------------------------


def measure(size: int, workdir: Path, args: argparse.Namespace, checkov: Checkov | None) -> Row:
    directory = workdir / f"docs-{size}"
    files = generate(size, directory, per_file=args.per_file, seed=args.seed)
    megabytes = sum(f.stat().st_size for f in files) / 1e6
    floor, audit = Timing(), Timing()
    for _ in range(args.repeat):  # taking turns: both see the same load
        floor.run(lambda: parse_floor(directory))
        if not args.floor_only:
            audit.run(lambda: run_audit(directory))
    if floor.value != size:
        raise BenchError(f"the floor parsed {floor.value} documents, expected {size}")
    row = Row(size, len(files), megabytes, min(floor.wall), min(floor.cpu))
    if not args.no_rss:
        row.floor_rss_mb = peak_rss("floor", directory)
    if args.floor_only:
        return row
    row.audit_s, row.audit_cpu_s, row.findings = min(audit.wall), min(audit.cpu), audit.value
    if not args.no_rss:
        row.audit_rss_mb = peak_rss("audit", directory)
    if args.no_checkov:
        row.checkov_note = "not run (--no-checkov)"
    elif checkov is None:
        row.checkov_note = f"not installed ({HOW_TO_INSTALL})"
    elif args.checkov_sizes == "all" or size in args.checkov_size_list:
        run_checkov(checkov, directory, row, args.checkov_repeat)
    else:
        row.checkov_note = f"not run at {size} documents (--checkov-sizes {args.checkov_sizes})"
    return row


def fmt(value: float | None, spec: str, suffix: str = "") -> str:
    """``value`` formatted by ``spec`` (e.g. ">8.3f"), or a dash of the same width."""
    if value is None:
        width = int("".join(c for c in spec.split(".")[0].split(",")[0] if c.isdigit()) or 0)
        return f"{'-':>{width + len(suffix)}}"
    return f"{value:{spec}}{suffix}"


def table(rows: list[Row], checkov: Checkov | None) -> str:
    head = (
        f"{'docs':>6} {'files':>5} {'MB':>5} | {'floor s':>8} {'docs/s':>8} {'RSS MB':>7} |"
        f" {'audit s':>8} {'docs/s':>8} {'RSS MB':>7} {'findings':>8} |"
        f" {'audit/floor':>11} {'(CPU)':>7} |"
        f" {'checkov s':>9} {'RSS MB':>7} {'checkov/audit':>13} {'(CPU)':>7}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        d = r.derived()
        lines.append(
            f"{r.docs:>6} {r.files:>5} {r.megabytes:>5.1f} |"
            f" {r.floor_s:>8.3f} {fmt(d['floor_docs_per_s'], '>8,.0f')}"
            f" {fmt(r.floor_rss_mb, '>7.0f')} |"
            f" {fmt(r.audit_s, '>8.3f')} {fmt(d['audit_docs_per_s'], '>8,.0f')}"
            f" {fmt(r.audit_rss_mb, '>7.0f')} {fmt(r.findings, '>8d')} |"
            f" {fmt(d['audit_over_floor'], '>10.2f', 'x')}"
            f" {fmt(d['audit_over_floor_cpu'], '>6.2f', 'x')} |"
            f" {fmt(r.checkov_s, '>9.2f')} {fmt(r.checkov_rss_mb, '>7.0f')}"
            f" {fmt(d['checkov_over_audit'], '>12.1f', 'x')}"
            f" {fmt(d['checkov_over_audit_cpu'], '>6.1f', 'x')}"
        )
    if checkov is not None:
        lines.append(f"checkov {checkov.version or '(version unknown)'} from {checkov.found_in}")
    for note in sorted({r.checkov_note for r in rows if r.checkov_note}):
        lines.append(f"checkov: {note}")
    return "\n".join(lines)


def results(rows: list[Row], checkov: Checkov | None, args: argparse.Namespace) -> dict[str, Any]:
    return {
        "bench": "manifests",
        "python": platform.python_version(),
        "pyyaml": yaml.__version__,
        "repeat": args.repeat,
        "per_file": args.per_file,
        "seed": args.seed,
        "checkov": {
            "skipped": args.no_checkov or args.floor_only,
            "installed": checkov is not None,
            "version": checkov.version if checkov else None,
            "found_in": checkov.found_in if checkov else None,
            "repeat": args.checkov_repeat,
            "how_to_install": HOW_TO_INSTALL,
        },
        "rows": [{**asdict(r), **r.derived()} for r in rows],
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,4000,16000", help="comma-separated doc counts")
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs (default 3)")
    parser.add_argument("--checkov", help="checkov executable (default: see the module doc)")
    parser.add_argument("--checkov-repeat", type=int, default=1, help="best of N checkov runs")
    parser.add_argument("--checkov-sizes", default="4000",
                        help="sizes at which checkov runs, comma-separated, or 'all'")
    parser.add_argument("--no-checkov", action="store_true", help="do not run checkov")
    parser.add_argument("--no-rss", action="store_true", help="skip the peak-memory subprocesses")
    parser.add_argument("--per-file", type=int, default=100, help="documents per file")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--floor-only", action="store_true", help="time parsing only")
    parser.add_argument("--max-ratio", type=float, help="exit 2 if audit/floor exceeds this")
    parser.add_argument("--keep", type=Path, help="generate into DIR and keep it")
    parser.add_argument("--json", type=Path, metavar="OUT", help="write the results as JSON")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        args.size_list = [int(s) for s in args.sizes.split(",") if s.strip()]
        args.checkov_size_list = (
            [] if args.checkov_sizes == "all"
            else [int(s) for s in args.checkov_sizes.split(",") if s.strip()]
        )
    except ValueError:
        parser.error("--sizes and --checkov-sizes take comma-separated integers")
    if not args.size_list or min(args.size_list) < 1 or args.repeat < 1:
        parser.error("--sizes and --repeat must be positive")
    if args.checkov_repeat < 1:
        parser.error("--checkov-repeat must be positive")
    return args


def locate_checkov(args: argparse.Namespace) -> Checkov | None:
    if args.floor_only or args.no_checkov:
        return None
    found = find_checkov(args.checkov)
    if found is None:
        return None
    command, where = found
    return Checkov(command, where, checkov_version(command))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        return child(args.child[0], Path(args.child[1]))
    if Loader is None:
        print("bench: PyYAML was built without libyaml (no yaml.CSafeLoader)", file=sys.stderr)
        return 1
    print(
        f"manifest benchmark: Python {platform.python_version()}, PyYAML {yaml.__version__}"
        f" (CSafeLoader), best of {args.repeat}, {args.per_file} documents per file",
        flush=True,
    )
    checkov = locate_checkov(args)
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="bench-manifests-"))
    rows: list[Row] = []
    try:
        if not args.floor_only:  # imports and plugin loading, outside every timed run
            run_audit(directory=_warm_up_set(workdir, args))
        for size in args.size_list:
            rows.append(measure(size, workdir, args, checkov))
            print(f"  {size} documents done", file=sys.stderr, flush=True)
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    print(table(rows, checkov))
    if args.keep is not None:
        print(f"manifests kept in {workdir}")
    if args.json is not None:
        args.json.write_text(json.dumps(results(rows, checkov, args), indent=2) + "\n")
    if args.max_ratio is not None and not args.floor_only:
        over = [r for r in rows if r.audit_s is not None and r.audit_s / r.floor_s > args.max_ratio]
        if over:
            worst = max(r.audit_s / r.floor_s for r in over if r.audit_s is not None)
            print(f"bench: audit/floor {worst:.2f}x exceeds --max-ratio {args.max_ratio}")
            return 2
    return 0


def _warm_up_set(workdir: Path, args: argparse.Namespace) -> Path:
    directory = workdir / "warm-up"
    generate(min(50, args.per_file), directory, per_file=args.per_file, seed=args.seed)
    return directory


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: auditing manifest files against just parsing them.

    python bench/bench_manifests.py                  # 1k, 4k and 16k documents
    python bench/bench_manifests.py --sizes 4000 --max-ratio 2
    python bench/bench_manifests.py --floor-only     # parsing only, no audit

For each size, documents from ``bench/gen_manifests.py`` are written to a
temporary directory, then timed (best of ``--repeat``):

- floor: reading every file and ``yaml.load_all(..., Loader=yaml.CSafeLoader)``;
- audit: what ``auditor scan DIR --style kubernetes --format json --output /dev/null``
  does, in-process: ``auditor.api.scan([DIR], style="kubernetes")`` plus the JSON
  rendering;
- checkov, when installed: ``checkov -d DIR --framework kubernetes --quiet --compact``.

Peak memory (max RSS) of the floor and of one audit is measured in a fresh
subprocess each, so neither inherits the other's heap. Issue 3's goal is an
audit/floor ratio of at most 2 at 4,000 documents.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from gen_manifests import generate  # noqa: E402

Loader: Any = getattr(yaml, "CSafeLoader", None)


class BenchError(Exception):
    """Ends the benchmark with one line on stderr."""


@dataclass
class Row:
    docs: int
    files: int
    megabytes: float
    floor_s: float
    floor_rss_mb: float
    audit_s: float | None = None
    audit_rss_mb: float | None = None
    findings: int | None = None
    checkov_s: float | None = None
    checkov_note: str = ""


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


def best_of(repeat: int, action: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - start)
    return best, result


def maxrss_mb() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 2**20 if sys.platform == "darwin" else rss / 2**10  # bytes on macOS, KiB elsewhere


def child(mode: str, directory: Path) -> int:
    """One operation in a fresh interpreter; prints its peak memory as JSON."""
    try:
        value = parse_floor(directory) if mode == "floor" else run_audit(directory)
    except BenchError as exc:
        print(json.dumps({"error": str(exc)}))
        return 1
    print(json.dumps({"value": value, "maxrss_mb": maxrss_mb()}))
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


def checkov_command() -> list[str] | None:
    found = shutil.which("checkov")
    if found:
        return [found]
    if importlib.util.find_spec("checkov") is not None:
        return [sys.executable, "-m", "checkov.main"]
    return None


def time_checkov(command: list[str], directory: Path, repeat: int) -> tuple[float | None, str]:
    args = [*command, "-d", str(directory), "--framework", "kubernetes", "--quiet", "--compact"]

    def once() -> int:
        done = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
        if done.returncode not in (0, 1):  # 1: checks failed, which is expected
            raise BenchError(f"checkov exited {done.returncode}: {done.stderr[-200:]!r}")
        return done.returncode

    try:
        seconds, _ = best_of(repeat, once)
    except BenchError as exc:
        return None, str(exc)
    return seconds, ""


# -- driver ---------------------------------------------------------------------------------


def measure(size: int, workdir: Path, args: argparse.Namespace) -> Row:
    directory = workdir / f"docs-{size}"
    files = generate(size, directory, per_file=args.per_file, seed=args.seed)
    megabytes = sum(f.stat().st_size for f in files) / 1e6
    floor_s, parsed = best_of(args.repeat, lambda: parse_floor(directory))
    if parsed != size:
        raise BenchError(f"the floor parsed {parsed} documents, expected {size}")
    row = Row(size, len(files), megabytes, floor_s, peak_rss("floor", directory))
    if not args.floor_only:
        row.audit_s, row.findings = best_of(args.repeat, lambda: run_audit(directory))
        row.audit_rss_mb = peak_rss("audit", directory)
        command = checkov_command()
        if command is None:
            row.checkov_note = "not installed"
        else:
            row.checkov_s, row.checkov_note = time_checkov(command, directory, args.checkov_repeat)
    return row


def fmt(value: float | None, spec: str, suffix: str = "") -> str:
    """``value`` formatted by ``spec`` (e.g. ">8.3f"), or a dash of the same width."""
    if value is None:
        width = int("".join(c for c in spec.split(".")[0].split(",")[0] if c.isdigit()) or 0)
        return f"{'-':>{width + len(suffix)}}"
    return f"{value:{spec}}{suffix}"


def table(rows: list[Row]) -> str:
    head = (
        f"{'docs':>6} {'files':>5} {'MB':>5} | {'floor s':>8} {'docs/s':>8} {'RSS MB':>7} |"
        f" {'audit s':>8} {'docs/s':>8} {'RSS MB':>7} {'findings':>8} | {'audit/floor':>11} |"
        f" {'checkov s':>9} {'checkov/audit':>13}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        ratio = r.audit_s / r.floor_s if r.audit_s is not None else None
        versus = r.checkov_s / r.audit_s if r.checkov_s and r.audit_s else None
        lines.append(
            f"{r.docs:>6} {r.files:>5} {r.megabytes:>5.1f} |"
            f" {r.floor_s:>8.3f} {r.docs / r.floor_s:>8,.0f} {r.floor_rss_mb:>7.0f} |"
            f" {fmt(r.audit_s, '>8.3f')} {fmt(r.docs / r.audit_s if r.audit_s else None, '>8,.0f')}"
            f" {fmt(r.audit_rss_mb, '>7.0f')} {fmt(r.findings, '>8d')} |"
            f" {fmt(ratio, '>10.2f', 'x')} |"
            f" {fmt(r.checkov_s, '>9.2f')} {fmt(versus, '>12.1f', 'x')}"
        )
    notes = sorted({r.checkov_note for r in rows if r.checkov_note})
    if notes:
        lines.append(f"checkov: {'; '.join(notes)}")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,4000,16000", help="comma-separated doc counts")
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs (default 3)")
    parser.add_argument("--checkov-repeat", type=int, default=1, help="best of N checkov runs")
    parser.add_argument("--per-file", type=int, default=100, help="documents per file")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--floor-only", action="store_true", help="time parsing only")
    parser.add_argument("--max-ratio", type=float, help="exit 2 if audit/floor exceeds this")
    parser.add_argument("--keep", type=Path, help="generate into DIR and keep it")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        args.size_list = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--sizes: not a list of integers: {args.sizes}")
    if not args.size_list or min(args.size_list) < 1 or args.repeat < 1:
        parser.error("--sizes and --repeat must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        return child(args.child[0], Path(args.child[1]))
    if Loader is None:
        print("bench: PyYAML was built without libyaml (no yaml.CSafeLoader)", file=sys.stderr)
        return 1
    print(
        f"manifest benchmark: Python {platform.python_version()}, PyYAML {yaml.__version__}"
        f" (CSafeLoader), best of {args.repeat}, {args.per_file} documents per file"
    )
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="bench-manifests-"))
    rows: list[Row] = []
    try:
        for size in args.size_list:
            rows.append(measure(size, workdir, args))
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    print(table(rows))
    if args.keep is not None:
        print(f"manifests kept in {workdir}")
    if args.max_ratio is not None and not args.floor_only:
        over = [r for r in rows if r.audit_s is not None and r.audit_s / r.floor_s > args.max_ratio]
        if over:
            worst = max(r.audit_s / r.floor_s for r in over if r.audit_s is not None)
            print(f"bench: audit/floor {worst:.2f}x exceeds --max-ratio {args.max_ratio}")
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

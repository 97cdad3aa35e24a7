"""Every benchmark in one run, side by side in one table.

    python bench/run_all.py                              # the published figures (minutes)
    python bench/run_all.py --markdown bench/RESULTS.md --json results.json
    python bench/run_all.py --quick                      # smoke run: small sizes, no checkov

Runs, each as a subprocess of its own (a fresh heap), and collects their
``--json`` results:

1. ``bench_manifests.py``: 1,000 / 4,000 / 16,000 documents of every input set
   (two generators, one written without reading the checks, in one namespace and
   in many, and the real charts of ``../shared/corpus``), the audit process
   against a PyYAML C-loader parse process, interleaved, median of rounds, and
   checkov at 4,000 when it is installed (``bench/checkov_env.py`` installs it in
   a venv of its own);
2. ``bench_cluster.py``: a live audit of a synthetic cluster (500 namespaces,
   10,000 pods) served by the test API server: requests, wall time, peak RSS;
3. ``bench_host.py``: examples/manual-vm as ``--root`` and the live machine
   (``host``), each against the floor of listing and reading what it reads.

Then prints one markdown table, the issue 8 and 16 targets met or not, and the machine
facts (CPU count, Python, load, CPU steal during the run). ``--quick`` shrinks
every size and skips checkov; it is a smoke test, its times are not judged.
``--markdown`` rewrites the whole page except what follows the line
``<!-- notes -->`` (hand-written analysis is kept across runs).
Exit status: 0, or 1 when a benchmark failed to produce results (``--strict``:
also 2 when a target is missed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from manifest_rows import (  # noqa: E402
    JUDGED_DOCS,
    Verdict,
    failures,
    manifest_rows,
    num,
    seconds,
)

TARGET_CLUSTER_RSS_MB = 300.0  # peak memory for 10,000 pods
TARGET_HOST_S = 0.5  # issue 4: a host-tree audit under half a second
TARGET_STARTUP_RATIO = 2.0  # issue 16: a small host audit within 2x of its imports
JUDGED_PODS = 10_000

Json = dict[str, Any]


@dataclass
class Plan:
    sizes: str
    repeat: int | None  # None: bench_manifests.py's own (5 rounds up to 4,000, 3 above)
    checkov: bool
    checkov_repeat: int | None
    namespaces: int
    pods: int
    host_targets: list[str]
    host_repeat: int
    host_cli: bool


def plan(args: argparse.Namespace) -> Plan:
    if args.quick:
        base = Plan("100,400", 1, False, 1, 20, 400, [], 3, False)
    else:
        base = Plan("1000,4000,16000", None, True, None, 500, 10_000, [], 20, True)
    base.host_targets = args.host_target or ["examples/manual-vm", "host"]
    if args.sizes:
        base.sizes = args.sizes
    if args.repeat:
        base.repeat = args.repeat
    if args.no_checkov:
        base.checkov = False
    if args.checkov_repeat:
        base.checkov_repeat = args.checkov_repeat
    if args.namespaces:
        base.namespaces = args.namespaces
    if args.pods:
        base.pods = args.pods
    return base


# -- machine facts ------------------------------------------------------------------------


def cpu_times() -> list[int] | None:
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            return [int(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None


def steal_share(before: list[int] | None, after: list[int] | None) -> float | None:
    """Share of CPU time stolen by the hypervisor between two /proc/stat samples."""
    if not before or not after or len(before) < 8 or len(after) < 8:
        return None
    delta = [a - b for a, b in zip(after, before, strict=False)]
    total = sum(delta[:8])  # user nice system idle iowait irq softirq steal
    return delta[7] / total if total > 0 else None


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def git_revision() -> str | None:
    """HEAD, and a digest of uncommitted changes to the code being measured."""
    git = ["git", "-C", str(ROOT)]
    try:
        head = subprocess.run([*git, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        diff = subprocess.run([*git, "diff", "HEAD", "--", "auditor", "checks", "reports"],
                              capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    if not diff:
        return head
    digest = hashlib.sha1(diff, usedforsecurity=False).hexdigest()[:10]
    return f"{head} + uncommitted changes to auditor/, checks/, reports/ (diff {digest})"


def machine_facts() -> Json:
    import yaml

    auditor_version: str | None
    try:
        from auditor import __version__ as auditor_version
    except ImportError:
        auditor_version = None
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model(),
        "platform": platform.platform(terse=True),
        "python": platform.python_version(),
        "pyyaml": yaml.__version__,
        "libyaml": bool(getattr(yaml, "__with_libyaml__", False)),
        "auditor": auditor_version,
        "git": git_revision(),
    }


# -- running the benches ---------------------------------------------------------------------


def run_bench(name: str, argv: list[str], out: Path, verbose: bool) -> Json | str:
    """One bench as a subprocess; its JSON results, or why there are none."""
    print(f"run_all: {name}: {shlex.join(['python', *argv[1:]])}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    done = subprocess.run(
        argv,
        cwd=ROOT,
        stdout=None if verbose else subprocess.PIPE,
        stderr=None if verbose else subprocess.STDOUT,
        text=True,
        check=False,
    )
    took = time.perf_counter() - started
    print(f"run_all: {name}: exit {done.returncode} after {took:.0f} s",
          file=sys.stderr, flush=True)
    try:
        data: Json = json.loads(out.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        tail = (done.stdout or "").strip().splitlines()[-5:]
        return f"{name} produced no results (exit {done.returncode}): {' | '.join(tail)}"
    data["exit_code"] = done.returncode
    data["took_s"] = took
    return data


def run_all(p: Plan, tmp: Path, verbose: bool, only: set[str]) -> dict[str, Json | str]:
    py = sys.executable
    results: dict[str, Json | str] = {}
    if "manifests" in only:
        out = tmp / "manifests.json"
        argv = [py, str(HERE / "bench_manifests.py"), "--sizes", p.sizes,
                "--checkov-sizes", str(JUDGED_DOCS), "--json", str(out)]
        if p.repeat is not None:
            argv += ["--repeat", str(p.repeat)]
        if p.checkov_repeat is not None:
            argv += ["--checkov-repeat", str(p.checkov_repeat)]
        if not p.checkov:
            argv.append("--no-checkov")
        results["manifests"] = run_bench("manifests", argv, out, verbose)
    if "cluster" in only:
        out = tmp / "cluster.json"
        argv = [py, str(HERE / "bench_cluster.py"), "--namespaces", str(p.namespaces),
                "--pods", str(p.pods), "--max-rss-mb", str(TARGET_CLUSTER_RSS_MB),
                "--json", str(out)]
        results["cluster"] = run_bench("cluster", argv, out, verbose)
    if "host" in only:
        out = tmp / "host.json"
        argv = [py, str(HERE / "bench_host.py"), "--repeat", str(p.host_repeat),
                "--budget", str(TARGET_HOST_S), "--json", str(out)]
        for target in p.host_targets:
            argv += ["--target", target]
        if not p.host_cli:
            argv.append("--no-cli")
        results["host"] = run_bench("host", argv, out, verbose)
    return results


# -- the table -------------------------------------------------------------------------------


def cluster_rows(data: Json, quick: bool) -> tuple[list[list[str]], list[Verdict]]:
    rss = data["peak_rss_mb"]
    judged = data["pods"] >= JUDGED_PODS and not quick
    met = rss < TARGET_CLUSTER_RSS_MB
    by = ", ".join(f"{n} {k}" for k, n in sorted(data["requests_by"].items()))
    row = [
        f"live cluster, {data['namespaces']:,} namespaces, {data['pods']:,} pods",
        f"audit {seconds(data['wall_s'])} wall, **{data['requests']} requests** ({by})",
        "start-up included",
        "-",
        f"CPU {seconds(data['cpu_s'])}; {data['findings']:,} findings,"
        f" {data['report_bytes'] / 1e6:.0f} MB JSON report",
        f"{rss:.0f} MB",
        f"< {TARGET_CLUSTER_RSS_MB:g} MB: {'met' if met else 'NOT met'}" if judged else "",
    ]
    verdicts = []
    if judged:
        verdicts.append(Verdict(f"peak memory for {data['pods']:,} pods under"
                                f" {TARGET_CLUSTER_RSS_MB:g} MB", f"{rss:.0f} MB", met))
    return [row], verdicts


def host_rows(data: Json, quick: bool) -> tuple[list[list[str]], list[Verdict]]:
    rows: list[list[str]] = []
    verdicts: list[Verdict] = []
    for r in data["results"]:
        live = r["kind"] == "live"
        what = ("host audit, the live machine (`host`)" if live
                else f"host audit, --root {r['target']}")
        cli = r.get("cli") or {}
        commands = f", ran {len(r['commands'])} commands" if r["commands"] else ""
        target = ""
        if not live and not quick:
            met = r["best_s"] < TARGET_HOST_S
            target = f"< {TARGET_HOST_S * 1000:.0f} ms: {'met' if met else 'NOT met'}"
            if "imports_ratio" in cli:
                ratio = cli["imports_ratio"]
                verdicts.append(Verdict(
                    f"small host audit (--root {r['target']}) within {TARGET_STARTUP_RATIO:g}x"
                    f" of importing its own modules", f"{ratio:.2f}x",
                    ratio <= TARGET_STARTUP_RATIO))
        startup = ""
        if "imports_ratio" in cli:
            startup = (f"; {cli['imports_ratio']:.2f}x importing its {cli['modules']} modules"
                       f" ({seconds(cli['imports_s'])}), {cli['third_party_ratio']:.1f}x its"
                       f" third-party packages ({seconds(cli['third_party_s'])}),"
                       f" median of {cli['rounds']}")
        rows.append([
            what,
            f"audit {seconds(r['best_s'])} (best of {r['repeat']}, after start-up){commands}",
            f"list {r['dirs_listed']} dirs + read {r['files_read']} files {seconds(r['floor_s'])}",
            f"{num(r['ratio'], '.0f', 'x')} floor (CPU {num(r['cpu_ratio'], '.0f', 'x')})",
            f"cold CLI {seconds(cli.get('wall_s'))}{startup}" if cli else "-",
            num(cli.get("peak_rss_mb"), ".0f", " MB (CLI)") if cli else "-",
            target,
        ])
    return rows, verdicts


HEADER = ["what", "measured", "floor / reference", "ratio", "rate / more", "peak RSS", "target"]


def markdown_table(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


BUILDERS: dict[str, Callable[[Json, bool], tuple[list[list[str]], list[Verdict]]]] = {
    "manifests": manifest_rows,
    "cluster": cluster_rows,
    "host": host_rows,
}


def summarise(results: dict[str, Json | str], quick: bool) -> tuple[str, list[Verdict], list[str]]:
    rows: list[list[str]] = []
    verdicts: list[Verdict] = []
    errors: list[str] = []
    for name, data in results.items():
        if isinstance(data, str):
            errors.append(data)
            rows.append([name, f"FAILED: {data}", "", "", "", "", ""])
            continue
        more_rows, more_verdicts = BUILDERS[name](data, quick)
        if name == "manifests":  # a failed input set is a failure, the others still shown
            errors += failures(data)
        rows += more_rows
        verdicts += more_verdicts
    return markdown_table(rows), verdicts, errors


def verdict_lines(verdicts: list[Verdict], quick: bool) -> list[str]:
    if quick:
        return ["- not judged: `--quick` is a smoke run (small sizes, times not meaningful)"]
    marks = {True: "met", False: "**NOT met**", None: "not measured"}
    return [f"- {v.name}: {v.measured} - {marks[v.met]}" for v in verdicts]


def facts_lines(facts: Json) -> list[str]:
    steal = facts.get("cpu_steal")
    load = facts.get("loadavg_start")
    return [
        f"- date: {facts['date']}",
        f"- CPUs: {facts['cpu_count']} x {facts['cpu_model']} ({facts['platform']})",
        f"- Python {facts['python']}, PyYAML {facts['pyyaml']}"
        f" ({'with' if facts['libyaml'] else 'WITHOUT'} libyaml),"
        f" deploy-auditor {facts['auditor']}, git {facts['git']}",
        f"- load average at start: {load}; CPU stolen by the hypervisor during the run:"
        f" {num(steal * 100 if steal is not None else None, '.0f', '%')}",
        f"- wall time of the whole run: {facts['took_s'] / 60:.1f} min",
    ]


DEFINITIONS = """\
- **manifests**: every figure is a whole process against a whole process. The
  floor is `python bench/floor.py DIR`: a fresh interpreter reading every file and
  running `yaml.load_all(..., Loader=yaml.CSafeLoader)`, the least any YAML-based
  tool can do. The audit is `auditor scan DIR --style kubernetes --format json
  --output FILE --quiet` (the installed console script, run from a scratch
  directory, never the repository root), start-up included. Floor and audit take
  turns (floor, audit, floor, audit, ...), median of 5 rounds up to 4,000 documents
  and of 3 above; wall and CPU ratios of the medians, peak RSS the largest of the
  rounds. A run that failed (exit other than 0 or 1, a traceback, no report, a
  floor that parsed another count) makes its row a failure, never a figure.
- **input sets**: `gen1` (`bench/gen_manifests.py`, written next to the checks,
  one namespace per 40 documents); `gen2-one-namespace` and `gen2-many-namespaces`
  (`bench/gen_manifests2.py`, written without reading the checks: Helm output with
  `# Source:` lines, hand-written files with comments, anchors and merge keys,
  JSON; everything in one namespace, or 50); `corpus-charts` (the charts of
  `../shared/corpus` rendered by `helm template`, one copy per namespace; skipped
  with the reason where the corpus or helm is missing). Targets are judged on the
  worst input set.
- **checkov**: `checkov -d DIR --framework kubernetes --quiet --compact
  --skip-download` on the same directory, in its own venv (`bench/checkov_env.py`),
  median of its runs; its peak RSS and CPU time include the children it waited for.
- **cluster**: `auditor scan kube --format json --output FILE` in a fresh process
  (the installed command, from a scratch directory), start-up included, against
  `tests/kubeapi.py` serving `bench/synthetic_cluster.py` from another process;
  requests counted from the server's request log.
- **host floor**: one audit is traced (`sys.addaudithook`: files opened for reading,
  directories listed), then the floor lists the same directories and reads the same
  files in full. Commands the audit runs (`nginx -T`, `ufw status`) and `stat`
  probes are not in the floor, so the ratio errs high. Host audit times exclude
  start-up (plugins loaded once); the cold command line is shown separately.
- **start-up** (`bench/startup.py`): the cold command line on a host tree takes turns
  with two floors, a fresh interpreter importing every module one such audit imports
  (recorded from a traced run, in import order) and one importing its third-party
  packages alone; median of 5. The start-up target is judged on the first: what a
  run pays beyond loading the code it uses.
- **CPU** ratios use user + system time: less disturbed than wall time by other
  load on a shared machine (see CPU steal above). The targets are judged on wall time.
- Peak RSS is each process's own (`bench/measure.py`): on Linux a child's
  `ru_maxrss` otherwise starts at its parent's high-water mark.
"""


def render_markdown(command: str, facts: Json, table: str, verdicts: list[Verdict],
                    errors: list[str], quick: bool) -> str:
    parts = [
        "# Benchmark results",
        "",
        "Produced in one run by:",
        "",
        "```sh",
        command,
        "```",
        "",
        "## Machine",
        "",
        *facts_lines(facts),
        "",
        "## Results",
        "",
        table,
        "",
        "## Targets (issues 8 and 16)",
        "",
        *verdict_lines(verdicts, quick),
    ]
    if errors:
        parts += ["", "## Failures", "", *[f"- {e}" for e in errors]]
    parts += ["", "## How each figure is measured", "", DEFINITIONS]
    return "\n".join(parts)


NOTES_MARKER = "<!-- notes -->"


def kept_notes(path: Path) -> str:
    """The hand-written part of an existing results page: from the marker line on."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return ""
    at = text.find(NOTES_MARKER)
    return "\n" + text[at:] if at >= 0 else ""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: small sizes, no checkov")
    parser.add_argument("--json", type=Path, metavar="OUT", help="write every result as JSON")
    parser.add_argument("--markdown", type=Path, metavar="OUT",
                        help="write the results page (as bench/RESULTS.md)")
    parser.add_argument("--only", default="manifests,cluster,host",
                        help="comma-separated subset of manifests,cluster,host")
    parser.add_argument("--sizes", help="manifest document counts (default 1000,4000,16000)")
    parser.add_argument("--repeat", type=int,
                        help="manifest rounds, median (default 5 up to 4,000 documents, 3 above)")
    parser.add_argument("--no-checkov", action="store_true", help="do not run checkov")
    parser.add_argument("--checkov-repeat", type=int, help="checkov runs, median (default 3)")
    parser.add_argument("--namespaces", type=int, help="cluster namespaces (default 500)")
    parser.add_argument("--pods", type=int, help="cluster pods (default 10000)")
    parser.add_argument("--host-target", action="append",
                        help="host tree or 'host' (default examples/manual-vm and host)")
    parser.add_argument("--strict", action="store_true", help="exit 2 when a target is missed")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="show each bench's own output as it runs")
    args = parser.parse_args(argv)
    args.only_set = {s.strip() for s in args.only.split(",") if s.strip()}
    unknown = args.only_set - set(BUILDERS)
    if unknown or not args.only_set:
        parser.error(f"--only: unknown bench {', '.join(sorted(unknown)) or '(none)'}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = shlex.join(["python", *(sys.argv if argv is None else ["bench/run_all.py", *argv])])
    p = plan(args)
    facts = machine_facts()
    facts["loadavg_start"] = " ".join(f"{v:.2f}" for v in os.getloadavg())
    before, started = cpu_times(), time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-run-all-") as tmp:
        results = run_all(p, Path(tmp), args.verbose, args.only_set)
    facts["took_s"] = time.perf_counter() - started
    facts["cpu_steal"] = steal_share(before, cpu_times())

    table, verdicts, errors = summarise(results, args.quick)
    print(table)
    print()
    for line in verdict_lines(verdicts, args.quick) + facts_lines(facts):
        print(line)
    print(f"- command: {command}")
    for error in errors:
        print(f"run_all: {error}", file=sys.stderr)
    if args.markdown is not None:
        page = render_markdown(command, facts, table, verdicts, errors, args.quick) + "\n"
        args.markdown.write_text(page + kept_notes(args.markdown), encoding="utf-8")
    if args.json is not None:
        data = {
            "command": command,
            "quick": args.quick,
            "machine": facts,
            "results": results,
            "targets": [{"name": v.name, "measured": v.measured, "met": v.met}
                        for v in verdicts],
            "errors": errors,
        }
        args.json.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    if errors:
        return 1
    if args.strict and not args.quick and any(v.met is False for v in verdicts):
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

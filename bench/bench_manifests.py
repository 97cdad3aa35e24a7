"""Benchmark: the audit of manifest files against parsing them, and against checkov.

    python bench/bench_manifests.py                         # every input set, 1k/4k/16k
    python bench/bench_manifests.py --sizes 4000 --inputs gen2-one-namespace
    python bench/bench_manifests.py --json out.json --checkov-sizes 4000,16000

Every figure is a whole process against a whole process. For each input set
(``bench/inputs.py``: two generators, one of them written without reading the
checks, and the real charts of ``../shared/corpus``) and each size, the
documents are written to a scratch directory, then timed in rounds, floor and
audit taking turns (floor, audit, floor, audit, ...) so that both see the same
machine load; the median of the rounds is reported (5 rounds up to 4,000
documents, 3 above, or ``--repeat``):

- floor: ``python bench/floor.py DIR``, a fresh interpreter that reads every
  file and runs ``yaml.load_all(..., Loader=yaml.CSafeLoader)``, start-up included;
- audit: ``auditor scan DIR --style kubernetes --format json --output FILE
  --quiet``, start-up included: the console script installed beside this Python
  (``python -m auditor`` when there is none, or ``--auditor-cmd``), run from a
  scratch directory, never the repository root, so a normal install is measured
  as installed;
- checkov, when installed, at ``--checkov-sizes`` (default 4000), median of
  ``--checkov-repeat`` runs: ``checkov -d DIR --framework kubernetes --quiet
  --compact --skip-download`` (see ``bench/checkov_env.py``).

Wall time, CPU time (user + system of the process and the children it waited
for) and peak RSS are each process's own (``bench/measure.py``); peak RSS is the
largest of the rounds. A run that failed (the floor exiting non-zero or parsing
another count; the audit exiting other than 0 or 1, printing a traceback, or
writing no report) makes its row an error, never a figure; the bench then exits
1 after printing everything else. An input set that cannot be built here (no
corpus, no helm) is reported as skipped, with the reason. The claim line names
the worst input set at 4,000 documents.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import shlex
import shutil
import statistics
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from checkov_env import HOW_TO_INSTALL, checkov_version, find_checkov  # noqa: E402
from inputs import DEFAULT_CORPUS, INPUT_NAMES, InputSet, RenderError, Skip, input_sets  # noqa: E402
from wholeproc import (  # noqa: E402
    RunFailed,
    Sample,
    auditor_command,
    read_summary,
    run_audit,
    run_checkov,
    run_floor,
)

CHECKOV_SUMMARY = re.compile(r"Passed checks: (\d+), Failed checks: (\d+), Skipped checks: (\d+)")
JUDGED_DOCS = 4000
SMALL_SIZE_REPEAT, LARGE_SIZE_REPEAT = 5, 3  # rounds up to JUDGED_DOCS, and above


@dataclass
class Figures:
    """Medians of one kind of process over its rounds; every sample is kept too."""

    wall_s: float
    cpu_s: float
    peak_mb: float
    walls: list[float]
    cpus: list[float]

    @classmethod
    def of(cls, samples: list[Sample]) -> Figures:
        walls, cpus = [s.wall_s for s in samples], [s.cpu_s for s in samples]
        return cls(statistics.median(walls), statistics.median(cpus),
                   max(s.peak_mb for s in samples), walls, cpus)


def ratio(a: Figures | None, b: Figures | None, cpu: bool = False) -> float | None:
    if a is None or b is None:
        return None
    top, bottom = (a.cpu_s, b.cpu_s) if cpu else (a.wall_s, b.wall_s)
    return top / bottom if bottom > 0 else None


@dataclass
class Row:
    input_set: str
    docs: int
    status: str = "ok"  # ok | error | skipped
    note: str = ""
    files: int = 0
    megabytes: float = 0.0
    rounds: int = 0
    floor: Figures | None = None
    audit: Figures | None = None
    findings: int | None = None
    problems: int | None = None
    checkov: Figures | None = None
    checkov_results: dict[str, int] = field(default_factory=dict)
    checkov_note: str = ""

    def derived(self) -> dict[str, float | None]:
        return {
            "audit_over_floor": ratio(self.audit, self.floor),
            "audit_over_floor_cpu": ratio(self.audit, self.floor, cpu=True),
            "checkov_over_audit": ratio(self.checkov, self.audit),
            "checkov_over_audit_cpu": ratio(self.checkov, self.audit, cpu=True),
        }


@dataclass
class Context:
    args: argparse.Namespace
    workdir: Path
    auditor: list[str]
    checkov: list[str] | None
    checkov_found_in: str | None = None
    checkov_version: str | None = None


# -- measuring one row ----------------------------------------------------------------------


def rounds_for(size: int, args: argparse.Namespace) -> int:
    if args.repeat:
        return int(args.repeat)
    return SMALL_SIZE_REPEAT if size <= JUDGED_DOCS else LARGE_SIZE_REPEAT


def checkov_figures(ctx: Context, directory: Path, scratch: Path, row: Row) -> None:
    args = ctx.args
    if args.no_checkov:
        row.checkov_note = "not run (--no-checkov)"
        return
    if ctx.checkov is None:
        row.checkov_note = f"not installed ({HOW_TO_INSTALL})"
        return
    if args.checkov_sizes != "all" and row.docs not in args.checkov_size_list:
        row.checkov_note = f"not run at {row.docs} documents"
        return
    samples, text = [], ""
    try:
        for _ in range(args.checkov_repeat):
            sample, text = run_checkov(ctx.checkov, directory, scratch)
            samples.append(sample)
    except RunFailed as exc:
        row.status, row.note = "error", str(exc)
        return
    summary = CHECKOV_SUMMARY.search(text)
    if summary is None:
        row.status, row.note = "error", "checkov printed no 'Passed checks' summary"
        return
    passed, failed, skipped = (int(g) for g in summary.groups())
    row.checkov_results = {"passed": passed, "failed": failed, "skipped": skipped}
    row.checkov = Figures.of(samples)


def measure(ctx: Context, inputs: InputSet, size: int) -> Row:
    row = Row(inputs.name, size)
    directory = ctx.workdir / f"{inputs.name}-{size}"
    scratch = ctx.workdir / "scratch"
    scratch.mkdir(parents=True, exist_ok=True)
    try:
        files = inputs.write(size, directory, ctx.workdir / "render", ctx.args.seed)
    except Skip as exc:
        row.status, row.note = "skipped", str(exc)
        return row
    except (RenderError, OSError) as exc:
        row.status, row.note = "error", f"could not write the input set: {exc}"
        return row
    row.files = len(files)
    row.megabytes = sum(f.stat().st_size for f in files) / 1e6
    report = scratch / "report.json"
    floors: list[Sample] = []
    audits: list[Sample] = []
    try:
        for _ in range(rounds_for(size, ctx.args)):  # taking turns: both see the same load
            floors.append(run_floor(directory, size, scratch))
            audits.append(run_audit(ctx.auditor, directory, report, scratch))
        summary = read_summary(report)
    except RunFailed as exc:
        row.status, row.note = "error", str(exc)
        return row
    finally:
        row.rounds = len(audits)
    row.floor, row.audit = Figures.of(floors), Figures.of(audits)
    row.findings, row.problems = summary.findings, len(summary.problems)
    checkov_figures(ctx, directory, scratch, row)
    if ctx.args.keep is None:
        shutil.rmtree(directory, ignore_errors=True)
    return row


# -- output ---------------------------------------------------------------------------------


def num(value: float | None, spec: str, suffix: str = "") -> str:
    return "-" if value is None else f"{value:{spec}}{suffix}"


COLUMNS = ("input set", "docs", "files", "MB", "floor s", "audit s", "audit/floor",
           "(CPU)", "floor MB", "audit MB", "findings", "checkov s", "checkov/audit",
           "(CPU)", "checkov MB")


def cells(row: Row) -> list[str]:
    head = [row.input_set, f"{row.docs:,}"]
    if row.status != "ok":
        word = "ERROR" if row.status == "error" else "skipped"
        return [*head, f"{word}: {row.note}"]
    d = row.derived()
    f, a, c = row.floor, row.audit, row.checkov
    return [
        *head, str(row.files), f"{row.megabytes:.1f}", num(f.wall_s if f else None, ".3f"),
        num(a.wall_s if a else None, ".3f"), num(d["audit_over_floor"], ".2f", "x"),
        num(d["audit_over_floor_cpu"], ".2f", "x"), num(f.peak_mb if f else None, ".0f"),
        num(a.peak_mb if a else None, ".0f"), num(row.findings, ",d"),
        num(c.wall_s if c else None, ".1f"), num(d["checkov_over_audit"], ".1f", "x"),
        num(d["checkov_over_audit_cpu"], ".1f", "x"), num(c.peak_mb if c else None, ".0f"),
    ]


def table(rows: list[Row]) -> str:
    body = [cells(r) for r in rows]
    full = [b for b in body if len(b) == len(COLUMNS)]
    widths = [max([len(h)] + [len(b[i]) for b in full]) for i, h in enumerate(COLUMNS)]

    def line(values: list[str]) -> str:
        if len(values) < len(COLUMNS):  # an error or a skip: its note runs on
            return "  ".join(v.rjust(widths[i]) if i else v.ljust(widths[i])
                             for i, v in enumerate(values[:2])) + "  " + values[2]
        return "  ".join(v.rjust(widths[i]) if i else v.ljust(widths[i])
                         for i, v in enumerate(values))

    lines = [line(list(COLUMNS)), "-" * (sum(widths) + 2 * (len(widths) - 1))]
    return "\n".join([*lines, *(line(b) for b in body)])


def worst(rows: list[Row], size: int) -> dict[str, Any]:
    """The claim at one size: the worst input set, or why there is none."""
    at = [r for r in rows if r.docs == size]
    failed = [r.input_set for r in at if r.status == "error"]
    ok = [r for r in at if r.status == "ok" and r.derived()["audit_over_floor"] is not None]
    claim: dict[str, Any] = {"docs": size, "failed": failed,
                             "skipped": [r.input_set for r in at if r.status == "skipped"]}
    if failed or not ok:
        return claim
    bad = max(ok, key=lambda r: r.derived()["audit_over_floor"] or 0.0)
    claim |= {"input_set": bad.input_set, **bad.derived(),
              "audit_peak_mb": max(r.audit.peak_mb for r in ok if r.audit)}
    versus = [(r.derived()["checkov_over_audit"], r.input_set) for r in ok
              if r.derived()["checkov_over_audit"] is not None]
    if versus:
        claim["checkov_worst"] = {"over_audit": min(versus)[0], "input_set": min(versus)[1]}
    return claim


def claim_line(claim: dict[str, Any]) -> str:
    size = f"{claim['docs']:,} documents"
    if claim["failed"]:
        return f"claim at {size}: none, {', '.join(claim['failed'])} failed"
    if "input_set" not in claim:
        return f"claim at {size}: none, no input set measured"
    text = (f"claim at {size}: worst input set {claim['input_set']}, audit"
            f" {claim['audit_over_floor']:.2f}x the floor"
            f" (CPU {claim['audit_over_floor_cpu']:.2f}x),"
            f" peak RSS up to {claim['audit_peak_mb']:.0f} MB")
    if "checkov_worst" in claim:
        cw = claim["checkov_worst"]
        text += f"; checkov {cw['over_audit']:.1f}x slower at least ({cw['input_set']})"
    if claim["skipped"]:
        text += f"; skipped: {', '.join(claim['skipped'])}"
    return text


def row_json(row: Row) -> dict[str, Any]:
    return {**asdict(row), **row.derived()}


def results(rows: list[Row], ctx: Context, sets: list[InputSet]) -> dict[str, Any]:
    args = ctx.args
    return {
        "bench": "manifests",
        "method": "whole process vs whole process, interleaved, median of rounds",
        "python": platform.python_version(),
        "pyyaml": yaml.__version__,
        "auditor_command": shlex.join(ctx.auditor),
        "repeat": args.repeat or f"{SMALL_SIZE_REPEAT} up to {JUDGED_DOCS} docs,"
                                 f" {LARGE_SIZE_REPEAT} above",
        "seed": args.seed,
        "inputs": [{"name": s.name, "about": s.about} for s in sets],
        "checkov": {
            "skipped": bool(args.no_checkov),
            "installed": ctx.checkov is not None,
            "version": ctx.checkov_version,
            "found_in": ctx.checkov_found_in,
            "repeat": args.checkov_repeat,
            "how_to_install": HOW_TO_INSTALL,
        },
        "rows": [row_json(r) for r in rows],
        "claims": [worst(rows, size) for size in args.size_list],
    }


# -- driver ---------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,4000,16000", help="comma-separated doc counts")
    parser.add_argument("--inputs", default=",".join(INPUT_NAMES),
                        help=f"comma-separated input sets (default all: {','.join(INPUT_NAMES)})")
    parser.add_argument("--repeat", type=int,
                        help=f"rounds per row (default {SMALL_SIZE_REPEAT} up to {JUDGED_DOCS}"
                             f" documents, {LARGE_SIZE_REPEAT} above); the median is reported")
    parser.add_argument("--auditor-cmd", help="the auditor command, shell-quoted"
                                              " (default: the console script beside this Python)")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS,
                        help="the shared corpus of real charts (default ../shared/corpus)")
    parser.add_argument("--checkov", help="checkov executable (default: see bench/checkov_env.py)")
    parser.add_argument("--checkov-repeat", type=int, default=3, help="checkov runs (median)")
    parser.add_argument("--checkov-sizes", default=str(JUDGED_DOCS),
                        help="sizes at which checkov runs, comma-separated, or 'all'")
    parser.add_argument("--no-checkov", action="store_true", help="do not run checkov")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-ratio", type=float, help="exit 2 if audit/floor exceeds this")
    parser.add_argument("--keep", type=Path, help="write the inputs under DIR and keep them")
    parser.add_argument("--json", type=Path, metavar="OUT", help="write the results as JSON")
    args = parser.parse_args(argv)
    try:
        args.size_list = [int(s) for s in args.sizes.split(",") if s.strip()]
        args.checkov_size_list = ([] if args.checkov_sizes == "all" else
                                  [int(s) for s in args.checkov_sizes.split(",") if s.strip()])
    except ValueError:
        parser.error("--sizes and --checkov-sizes take comma-separated integers")
    args.input_list = [s.strip() for s in args.inputs.split(",") if s.strip()]
    unknown = sorted(set(args.input_list) - set(INPUT_NAMES))
    if unknown or not args.input_list:
        parser.error(f"--inputs: unknown input set {', '.join(unknown) or '(none)'}")
    if not args.size_list or min(args.size_list) < 1:
        parser.error("--sizes must be positive")
    if (args.repeat is not None and args.repeat < 1) or args.checkov_repeat < 1:
        parser.error("--repeat and --checkov-repeat must be positive")
    return args


def context(args: argparse.Namespace, workdir: Path) -> Context:
    ctx = Context(args, workdir, auditor_command(args.auditor_cmd), None)
    if not args.no_checkov:
        found = find_checkov(args.checkov)
        if found is not None:
            ctx.checkov, ctx.checkov_found_in = found
            ctx.checkov_version = checkov_version(ctx.checkov)
    return ctx


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not hasattr(yaml, "CSafeLoader"):
        print("bench: PyYAML was built without libyaml (no yaml.CSafeLoader)", file=sys.stderr)
        return 1
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="bench-manifests-"))
    workdir.mkdir(parents=True, exist_ok=True)
    ctx = context(args, workdir)
    sets = [s for s in input_sets(args.corpus) if s.name in args.input_list]
    print(f"manifest benchmark: Python {platform.python_version()}, PyYAML {yaml.__version__}"
          f" (CSafeLoader); auditor: {shlex.join(ctx.auditor)}; whole processes, interleaved,"
          f" median of rounds", flush=True)
    rows: list[Row] = []
    try:
        for size in args.size_list:
            for inputs in sets:
                rows.append(measure(ctx, inputs, size))
                r = rows[-1]
                print(f"  {inputs.name} {size}: {r.status} {r.note}".rstrip(),
                      file=sys.stderr, flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    print(table(rows))
    if ctx.checkov is not None:
        print(f"checkov {ctx.checkov_version or '(version unknown)'} from {ctx.checkov_found_in}")
    elif not args.no_checkov:
        print(f"checkov: not installed ({HOW_TO_INSTALL})")
    data = results(rows, ctx, sets)
    for claim in data["claims"]:
        print(claim_line(claim))
    if args.json is not None:
        args.json.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    if any(r.status == "error" for r in rows):
        return 1
    ratios = [r.derived()["audit_over_floor"] for r in rows]
    over = [x for x in ratios if x is not None and args.max_ratio is not None
            and x > args.max_ratio]
    if over:
        print(f"bench: audit/floor {max(over):.2f}x exceeds --max-ratio {args.max_ratio}")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

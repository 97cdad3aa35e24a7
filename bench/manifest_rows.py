"""The manifest part of ``bench/run_all.py``'s table, from ``bench_manifests.py --json``.

One row per input set and size. The issue 16 targets are judged on the worst
input set, never on one chosen afterwards: within 2.0x the floor at 4,000
documents and 2.2x at 16,000 (wall time), at least 25x faster than checkov at
4,000, under 150 MB peak at 16,000, and that peak within 1.5x the same input set's
peak at 4,000 (memory bounded by what checks need, not by input size). An input
set that failed leaves its target unjudged ("not measured") and is reported as a
failure; one that was skipped (no corpus, no helm) is named in the verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Json = dict[str, Any]

JUDGED_DOCS = 4000
LARGE_DOCS = 16_000
TARGET_FLOOR_RATIO = {JUDGED_DOCS: 2.0, LARGE_DOCS: 2.2}  # worst input set, wall time
TARGET_CHECKOV_RATIO = 25.0  # checkov at least this many times slower, at JUDGED_DOCS
TARGET_LARGE_RSS_MB = 150.0  # peak RSS of the audit at LARGE_DOCS
TARGET_RSS_GROWTH = 1.5  # peak at LARGE_DOCS over peak at JUDGED_DOCS, same input set


@dataclass
class Verdict:
    name: str
    measured: str
    met: bool | None  # None: not judged


def num(value: float | None, spec: str, suffix: str = "", none: str = "-") -> str:
    return none if value is None else f"{value:{spec}}{suffix}"


def seconds(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"


def mark(met: bool) -> str:
    return "met" if met else "NOT met"


def row_target(r: Json, quick: bool) -> str:
    limit = TARGET_FLOOR_RATIO.get(r["docs"])
    if quick or limit is None or r["audit_over_floor"] is None:
        return ""
    text = f"<= {limit:g}x: {mark(r['audit_over_floor'] <= limit)}"
    if r["docs"] == LARGE_DOCS and r["audit"]:
        under = r["audit"]["peak_mb"] < TARGET_LARGE_RSS_MB
        text += f"; < {TARGET_LARGE_RSS_MB:g} MB: {mark(under)}"
    return text


def checkov_cell(r: Json) -> str:
    if r["checkov"] is None:
        return "-"
    res = r["checkov_results"]
    return (f"checkov {seconds(r['checkov']['wall_s'])}, audit"
            f" {num(r['checkov_over_audit'], '.1f', 'x')} faster"
            f" (CPU {num(r['checkov_over_audit_cpu'], '.1f', 'x')}),"
            f" {num(r['checkov']['peak_mb'], '.0f', ' MB')},"
            f" {res.get('passed', 0) + res.get('failed', 0):,} check results")


def table_row(r: Json) -> list[str]:
    what = f"manifests `{r['input_set']}`, {r['docs']:,} documents"
    if r["status"] != "ok":
        word = "FAILED" if r["status"] == "error" else "skipped"
        return [what, f"{word}: {r['note']}", "", "", "", "", ""]
    return [
        f"{what} ({r['megabytes']:.1f} MB, {r['files']} files)",
        f"audit {seconds(r['audit']['wall_s'])} (median of {r['rounds']})",
        f"floor {seconds(r['floor']['wall_s'])}",
        f"{num(r['audit_over_floor'], '.2f', 'x')}"
        f" (CPU {num(r['audit_over_floor_cpu'], '.2f', 'x')})",
        checkov_cell(r),
        f"{r['audit']['peak_mb']:.0f} MB (floor {r['floor']['peak_mb']:.0f} MB)",
    ]


def floor_verdict(rows: list[Json], size: int) -> Verdict:
    limit = TARGET_FLOOR_RATIO[size]
    name = f"worst input set within {limit:g}x the floor at {size:,} documents"
    at = [r for r in rows if r["docs"] == size]
    failed = [r["input_set"] for r in at if r["status"] == "error"]
    ok = [r for r in at if r["status"] == "ok"]
    if failed or not ok:
        why = f"{', '.join(failed)} failed" if failed else "size not run"
        return Verdict(name, why, None)
    bad = max(ok, key=lambda r: r["audit_over_floor"])
    skipped = [r["input_set"] for r in at if r["status"] == "skipped"]
    note = f" ({', '.join(skipped)} skipped)" if skipped else ""
    return Verdict(name, f"{bad['audit_over_floor']:.2f}x on `{bad['input_set']}`{note}",
                   bad["audit_over_floor"] <= limit)


def checkov_verdict(rows: list[Json], checkov: Json) -> Verdict:
    name = f"at least {TARGET_CHECKOV_RATIO:g}x faster than checkov at {JUDGED_DOCS:,} documents"
    at = [r for r in rows if r["docs"] == JUDGED_DOCS and r["status"] != "skipped"]
    versus = [(r["checkov_over_audit"], r["input_set"]) for r in at
              if r["checkov_over_audit"] is not None]
    if not at or len(versus) < len(at):
        why = ("not run" if checkov.get("skipped") else
               "not installed" if not checkov["installed"] else "not measured on every input set")
        return Verdict(name, f"checkov {why}", None)
    low, where = min(versus)
    return Verdict(name, f"{low:.1f}x on `{where}`", low >= TARGET_CHECKOV_RATIO)


def rss_verdict(rows: list[Json]) -> Verdict:
    name = f"peak RSS under {TARGET_LARGE_RSS_MB:g} MB at {LARGE_DOCS:,} documents"
    at = [r for r in rows if r["docs"] == LARGE_DOCS and r["status"] != "skipped"]
    if not at or any(r["status"] != "ok" for r in at):
        return Verdict(name, "not measured on every input set", None)
    bad = max(at, key=lambda r: r["audit"]["peak_mb"])
    peak = bad["audit"]["peak_mb"]
    return Verdict(name, f"{peak:.0f} MB on `{bad['input_set']}`", peak < TARGET_LARGE_RSS_MB)


def growth_verdict(rows: list[Json]) -> Verdict:
    name = (f"peak RSS at {LARGE_DOCS:,} documents within {TARGET_RSS_GROWTH:g}x the peak at "
            f"{JUDGED_DOCS:,}")
    peaks = {(r["input_set"], r["docs"]): r["audit"]["peak_mb"] for r in rows
             if r["status"] == "ok" and r["docs"] in (JUDGED_DOCS, LARGE_DOCS)}
    growth = [(peaks[(name_, LARGE_DOCS)] / peaks[(name_, JUDGED_DOCS)], name_)
              for name_, docs in peaks if docs == JUDGED_DOCS and (name_, LARGE_DOCS) in peaks]
    judged = {r["input_set"] for r in rows if r["status"] != "skipped"}
    if not growth or len(growth) < len(judged):
        return Verdict(name, "not measured on every input set", None)
    worst, where = max(growth)
    return Verdict(name, f"{worst:.2f}x on `{where}`", worst <= TARGET_RSS_GROWTH)


def manifest_rows(data: Json, quick: bool) -> tuple[list[list[str]], list[Verdict]]:
    rows = [[*table_row(r), row_target(r, quick)][:7] for r in data["rows"]]
    if quick:
        return rows, []
    verdicts = [floor_verdict(data["rows"], size) for size in TARGET_FLOOR_RATIO]
    verdicts += [checkov_verdict(data["rows"], data["checkov"]), rss_verdict(data["rows"]),
                 growth_verdict(data["rows"])]
    return rows, verdicts


def failures(data: Json) -> list[str]:
    return [f"manifests: {r['input_set']} at {r['docs']:,} documents: {r['note']}"
            for r in data["rows"] if r["status"] == "error"]

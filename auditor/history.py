"""Run history: one JSON report per run in a directory, pruned by count and age.

The files are ordinary JSON reports (schema_version 1), so anything that reads a report
reads history, and a history file can be given to ``--baseline`` or ``auditor diff``.
Names sort by the time of writing, to the microsecond so that runs within one second
keep their order: ``20261128T160000.123456Z-<8 hex>.json``.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor.jsonfile import JsonFileError, read_json_file

if TYPE_CHECKING:
    from auditor.model import Report

NAME = re.compile(r"^(\d{8}T\d{6})(?:\.\d{6})?Z-[0-9a-f]{8}\.json$")
DEFAULT_KEEP = 100


class HistoryError(Exception):
    """A history directory that cannot be used; the message names it."""


@dataclass(frozen=True)
class TargetPoint:
    """One (target, style) entry of one run."""

    target: str
    style: str
    value: float | None
    grade: str | None
    ready: bool
    coverage: float | None
    failing: int

    @property
    def key(self) -> tuple[str, str]:
        return (self.target, self.style)


@dataclass(frozen=True)
class HistoryRun:
    started_at: str
    path: str
    value: float | None
    grade: str | None
    ready: bool
    coverage: float | None
    targets: tuple[TargetPoint, ...]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def run_from_data(data: Mapping[str, Any], path: str) -> HistoryRun:
    score = _mapping(data.get("score"))
    points = []
    targets = data.get("targets")
    for target in targets if isinstance(targets, list) else []:
        if not isinstance(target, Mapping):
            continue
        tscore = _mapping(target.get("score"))
        findings = target.get("findings")
        failing = sum(1 for f in findings if isinstance(f, Mapping) and f.get("status") == "fail"
                      ) if isinstance(findings, list) else 0
        points.append(TargetPoint(
            target=str(target.get("target", "?")), style=str(target.get("style", "?")),
            value=_number(tscore.get("value")), grade=tscore.get("grade") or None,
            ready=bool(tscore.get("ready")), coverage=_number(tscore.get("coverage")),
            failing=failing))
    return HistoryRun(
        started_at=str(data.get("started_at", "")), path=path,
        value=_number(score.get("value")), grade=score.get("grade") or None,
        ready=bool(score.get("ready")), coverage=_number(score.get("coverage")),
        targets=tuple(points))


def run_from_report(report: Report, path: str = "this run") -> HistoryRun:
    """This run's point, read from the report itself: what ``run_from_data`` reads from its
    JSON, without turning every finding into a dict to count the failing ones."""
    points = tuple(
        TargetPoint(
            target=str(target.target), style=str(target.style.value),
            value=_number(target.score.value), grade=target.score.grade or None,
            ready=bool(target.score.ready), coverage=_number(target.score.coverage),
            failing=sum(1 for f in target.findings if f.status.value == "fail"))
        for target in report.targets)
    return HistoryRun(
        started_at=str(report.started_at), path=path, value=_number(report.score.value),
        grade=report.score.grade or None, ready=bool(report.score.ready),
        coverage=_number(report.score.coverage), targets=points)


def file_name(text: str, now: datetime | None = None) -> str:
    return entry_name(hashlib.sha256(text.encode("utf-8")).hexdigest(), now)


def entry_name(digest: str, now: datetime | None = None) -> str:
    """The name of a history entry written ``now``, told apart by ``digest``."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{moment.strftime('%Y%m%dT%H%M%S.%f')}Z-{digest[:8]}.json"


def report_digest(report: Report) -> str:
    """A digest of what a run found, fed finding by finding: the entry's name needs it
    before the report is written, and the report is streamed, never held as one text."""
    digest = hashlib.sha256(f"{report.started_at}\0{report.score.value}".encode())
    for target in report.targets:
        digest.update(f"\0{target.target}\0{target.style.value}".encode())
        for finding in target.findings:
            digest.update(f"\0{finding.fingerprint}:{finding.status.value}".encode())
    return digest.hexdigest()


def ensure_directory(directory: str) -> Path:
    path = Path(directory)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise HistoryError(f"{directory}: cannot create history directory: "
                           f"{exc.strerror or exc}") from exc
    if not os.access(path, os.W_OK | os.X_OK):
        raise HistoryError(f"{directory}: history directory is not writable")
    return path


def entries(directory: str | Path) -> list[Path]:
    """History files, oldest first; other files in the directory are left alone."""
    path = Path(directory)
    try:
        names = sorted(p.name for p in path.iterdir() if NAME.match(p.name))
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise HistoryError(f"{directory}: cannot read history directory: "
                           f"{exc.strerror or exc}") from exc
    return [path / name for name in names]


def load(directory: str | Path) -> tuple[list[HistoryRun], list[str]]:
    """Every readable run, oldest first, and one line per file that could not be read."""
    runs, problems = [], []
    for entry in entries(directory):
        try:
            data = read_json_file(entry)
        except JsonFileError as exc:
            # Skipped and named: one bad entry (a FIFO, a hostile file) must not break
            # or hang every later run.
            problems.append(f"{entry}: unreadable history entry, skipped: {exc}")
            continue
        if not isinstance(data, Mapping) or data.get("schema_version") != 1:
            problems.append(f"{entry}: not a deploy-auditor report (schema_version 1)")
            continue
        runs.append(run_from_data(data, str(entry)))
    # File names order runs (written in order, to the microsecond); started_at has only
    # seconds and may come from a clock that went backwards.
    return runs, problems


def expired(paths: Sequence[Path], keep: int | None, max_age_days: float | None,
            now: datetime | None = None) -> list[Path]:
    """Which of ``paths`` (oldest first) retention removes: beyond the newest ``keep``,
    or older than ``max_age_days`` by the time in their name."""
    doomed: set[Path] = set()
    if keep is not None and keep >= 0 and len(paths) > keep:
        doomed.update(paths[: len(paths) - keep])
    if max_age_days is not None:
        horizon = (now or datetime.now(UTC)) - timedelta(days=max_age_days)
        for path in paths:
            match = NAME.match(path.name)
            if match:
                stamp = datetime.strptime(match.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
                if stamp < horizon:
                    doomed.add(path)
    return [p for p in paths if p in doomed]


def prune(directory: str | Path, keep: int | None, max_age_days: float | None,
          protect: Iterable[Path] = ()) -> list[Path]:
    """Remove what retention says; never the files in ``protect`` (this run's)."""
    kept = set(protect)
    removed = []
    for path in expired(entries(directory), keep, max_age_days):
        if path in kept:
            continue
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        removed.append(path)
    return removed


def series(runs: Iterable[HistoryRun]) -> dict[tuple[str, str], list[tuple[str, float | None]]]:
    """Score over time per (target, style), in run order."""
    out: dict[tuple[str, str], list[tuple[str, float | None]]] = {}
    for run in runs:
        for point in run.targets:
            out.setdefault(point.key, []).append((run.started_at, point.value))
    return out


def select(runs: Sequence[HistoryRun], target: str | None = None,
           last: int | None = None) -> list[HistoryRun]:
    """The newest ``last`` runs, keeping only targets whose name contains ``target``."""
    chosen = list(runs[-last:] if last else runs)
    if target:
        chosen = [replace(run, targets=tuple(p for p in run.targets if target in p.target))
                  for run in chosen]
        chosen = [run for run in chosen if run.targets]
    return chosen


def _when(started_at: str) -> str:
    return started_at.replace("T", " ").removesuffix("Z")


def _fit(text: str, width: int) -> str:
    # Paths differ at their end, so long ones lose their beginning.
    return text if len(text) <= width else "…" + text[-(width - 1):]


def render_table(runs: Sequence[HistoryRun]) -> str:
    """Score over time, one block per (target, style), oldest run first."""
    if not runs:
        return "no runs in the history\n"
    blocks: dict[tuple[str, str], list[tuple[str, TargetPoint]]] = {}
    for run in runs:
        for point in run.targets:
            blocks.setdefault(point.key, []).append((run.started_at, point))
    lines = []
    for (target, style), points in blocks.items():
        lines.append(f"{_fit(target, 60)} [{style}]")
        lines.append(f"  {'run (UTC)':<19}  {'score':>5}  grade  ready  {'cover':>5}  "
                     f"{'fail':>4}  {'change':>6}")
        previous: float | None = None
        for started_at, point in points:
            score = "-" if point.value is None else f"{point.value:5.1f}"
            cover = "-" if point.coverage is None else f"{point.coverage:.0%}"
            change = ("" if previous is None or point.value is None
                      else f"{point.value - previous:+.1f}")
            lines.append(f"  {_when(started_at):<19}  {score:>5}  {point.grade or '-':<5}  "
                         f"{'yes' if point.ready else 'no':<5}  {cover:>5}  "
                         f"{point.failing:>4}  {change:>6}")
            if point.value is not None:
                previous = point.value
        lines.append("")
    return "\n".join(lines)

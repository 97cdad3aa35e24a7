"""resources: are CPU and memory bounded and sufficient?"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.pip.common import (
    LIVE,
    cmd,
    each_web,
    location,
    no_web,
    project,
    subject,
    web_subject,
)
from auditor.checks.pip.facts import HostLive
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style

GIB = 1024**3


def _bounded(facts: Facts) -> Iterator[Result]:
    for proj, launch in each_web(facts):
        if launch is None:
            yield no_web(proj)
            continue
        subject_ = web_subject(proj, launch)
        # 0, these options' default, turns recycling off (gunicorn and uwsgi alike).
        bounds = [
            f"--{name} {launch.option(name)}"
            for name in ("max-requests", "limit-as", "reload-on-rss")
            if launch.option(name) not in (None, "", "0")
        ]
        if bounds:
            yield Result(subject_, Status.PASS, "worker memory is bounded by recycling",
                         (cmd(launch), *bounds), location(launch))
        else:
            yield Result(subject_, Status.FAIL,
                         f"{launch.kind} workers live forever: memory grows until the kernel "
                         "kills a process", (cmd(launch),), location(launch))


def _headroom(facts: Facts) -> Iterator[Result]:
    proj = project(facts)
    live = facts.optional(LIVE, HostLive)
    if live is None:
        yield Result(subject(proj, "host"), Status.SKIP,
                     "memory and disk are measured only on a live host (scan 'host')")
        return
    available = live.memory_available / GIB
    evidence = [f"memory available {available:.1f} GiB of {live.memory_total / GIB:.1f} GiB",
                f"{live.cpu_count} CPUs"]
    tight_disks = []
    for mount, (total, free) in live.disk_free.items():
        evidence.append(f"disk {mount}: {free / GIB:.1f} GiB free of {total / GIB:.1f} GiB")
        if total and free / total < 0.1:
            tight_disks.append(mount)
    if available < 1 or tight_disks:
        reasons = []
        if available < 1:
            reasons.append("less than 1 GiB of memory available")
        if tight_disks:
            reasons.append("under 10% disk free on " + ", ".join(tight_disks))
        yield Result(subject(proj, "host"), Status.FAIL, "; ".join(reasons), tuple(evidence))
    elif available < 2:
        yield Result(subject(proj, "host"), Status.WARN,
                     "under 2 GiB of memory available for Superset's workers", tuple(evidence))
    else:
        yield Result(subject(proj, "host"), Status.PASS, "memory and disk have headroom",
                     tuple(evidence))


CHECKS = (
    Check(
        id="PIP-RESOURCES-001",
        style=Style.PIP,
        row=Row.RESOURCES,
        severity=Severity.MEDIUM,
        title="Worker memory growth is bounded",
        rationale=(
            "Nothing bounds a hand-started process: Superset workers grow with large query "
            "results until the kernel's OOM killer takes one, often the database instead."
        ),
        remediation=(
            "Recycle workers (gunicorn --max-requests 1000 --max-requests-jitter 100) and, "
            "better, run under a supervisor that sets a memory limit (systemd MemoryMax=)."
        ),
        success="workers are recycled or memory-limited",
        failure="no bound on worker memory",
        references=("https://docs.gunicorn.org/en/stable/settings.html#max-requests",),
        evaluate=_bounded,
    ),
    Check(
        id="PIP-RESOURCES-002",
        style=Style.PIP,
        row=Row.RESOURCES,
        severity=Severity.MEDIUM,
        title="The host has memory and disk headroom",
        rationale=(
            "Superset's workers need memory for query results and the database needs disk; "
            "a host near its limits fails under the first heavy dashboard."
        ),
        remediation="Give the host at least 2 GiB free memory and keep 10% of each disk free.",
        success="at least 2 GiB of memory available and 10% disk free",
        failure="memory or disk nearly exhausted",
        evaluate=_headroom,
    ),
)

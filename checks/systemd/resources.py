"""resources: memory and CPU bounded by cgroups, and the host has headroom (live)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.checks.pip.facts import HostLive
from auditor.checks.systemd import facts as F
from auditor.checks.systemd.common import at, each_service, no_services, services, where
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style

SUFFIXES = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
LOW_HEADROOM = 0.10


def memory_bytes(value: str, total: int | None) -> int | None:
    """``4G``, ``512M``, ``80%`` (of RAM, when known); None for infinity or unreadable."""
    value = value.strip()
    if value.endswith("%"):
        try:
            return int(total * float(value[:-1]) / 100) if total else None
        except ValueError:
            return None
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([KMGT]?)", value.upper())
    if not match:
        return None
    return int(float(match.group(1)) * SUFFIXES[match.group(2)])


def _gib(value: int) -> str:
    return f"{value / 1024**3:.1f} GiB"


def _memory(facts: Facts) -> Iterator[Result]:
    live = facts.optional(F.LIVE, HostLive)
    total = live.memory_total if live else None
    for service in each_service(facts):
        if service is None:
            yield no_services(services(facts))
            return
        unit = service.unit
        limits = [unit.last("Service", k) for k in ("MemoryMax", "MemoryHigh", "MemoryLimit")]
        set_ = [a for a in limits if a is not None and a.value.lower() != "infinity"]
        evidence = [f"{k}={a.value}" for k, a in zip(("MemoryMax", "MemoryHigh", "MemoryLimit"),
                                                   limits, strict=True) if a is not None]
        if live:
            evidence.append(f"host memory: {_gib(live.memory_available)} free of "
                            f"{_gib(live.memory_total)}")
        if not set_:
            yield Result(service.name, Status.FAIL,
                         "no MemoryMax=/MemoryHigh=: a runaway query or a leaking worker can "
                         "take all the host's memory, PostgreSQL's included",
                         tuple(evidence) or ("no memory limit set",), where(unit.path))
            continue
        limit = memory_bytes(set_[0].value, total)
        if live and limit and limit > live.memory_total:
            yield Result(service.name, Status.WARN,
                         f"{set_[0].value} is more than the host's {_gib(live.memory_total)}: "
                         "the limit never applies", tuple(evidence), at(set_[0]))
        elif live and live.memory_available < LOW_HEADROOM * live.memory_total:
            yield Result(service.name, Status.WARN,
                         "memory is bounded but the host has less than 10% free right now",
                         tuple(evidence), at(set_[0]))
        else:
            yield Result(service.name, Status.PASS, f"memory bounded ({evidence[0]})",
                         tuple(evidence), at(set_[0]))


def _cpu(facts: Facts) -> Iterator[Result]:
    for service in each_service(facts):
        if service is None:
            yield no_services(services(facts))
            return
        quota = service.unit.last("Service", "CPUQuota")
        weight = service.unit.last("Service", "CPUWeight")
        if quota is not None and quota.value:
            yield Result(service.name, Status.PASS, f"CPUQuota={quota.value}",
                         (f"CPUQuota={quota.value}",), at(quota))
        else:
            evidence = ((f"CPUWeight={weight.value} (a share, not a bound)",) if weight
                        else ("no CPUQuota=",))
            yield Result(service.name, Status.FAIL,
                         "CPU is unbounded: a heavy dashboard or celery task can starve nginx "
                         "and PostgreSQL on the same host", evidence, where(service.unit.path))


CHECKS = (
    Check(
        id="SYSTEMD-RESOURCES-001",
        style=Style.SYSTEMD,
        row=Row.RESOURCES,
        severity=Severity.MEDIUM,
        title="Superset services have a memory limit",
        rationale=(
            "Superset, its celery workers and PostgreSQL share one host. Without a cgroup "
            "memory limit a large query result or a leak is settled by the kernel's "
            "out-of-memory killer, which may pick the database."
        ),
        remediation=(
            "Set MemoryHigh= (throttle) and MemoryMax= (hard limit) in each unit, sized so "
            "web + workers + PostgreSQL's shared_buffers fit in RAM; gunicorn --max-requests "
            "recycles leaking workers."
        ),
        success="MemoryMax= or MemoryHigh= set",
        failure="no memory limit",
        references=("https://www.freedesktop.org/software/systemd/man/systemd.resource-control.html#MemoryMax=bytes",),
        requires=(F.SERVICES,),
        evaluate=_memory,
    ),
    Check(
        id="SYSTEMD-RESOURCES-002",
        style=Style.SYSTEMD,
        row=Row.RESOURCES,
        severity=Severity.LOW,
        title="Superset services have a CPU quota",
        rationale=(
            "Without a quota a burst of dashboard queries or celery reports can take every "
            "core and starve the proxy and the database on the same host."
        ),
        remediation="Set CPUQuota= (for example 200% for two cores) in each unit.",
        success="CPUQuota= set",
        failure="no CPU quota",
        references=("https://www.freedesktop.org/software/systemd/man/systemd.resource-control.html#CPUQuota=",),
        requires=(F.SERVICES,),
        evaluate=_cpu,
    ),
)

"""Which workloads serve traffic: Superset's web tier, or any Service-backed tier without it."""

from __future__ import annotations

from auditor.checks.kubernetes.facts import KubeFacts, Workload

# Single-instance state stores are judged by the storage and backups rows, not as tiers
# that should run several replicas.
NOT_A_TIER = frozenset({"database", "redis", "cache", "job"})
SCALABLE = ("Deployment", "StatefulSet")


def has_app(facts: KubeFacts) -> bool:
    return any(w.superset for w in facts.workloads)


def serving(facts: KubeFacts) -> tuple[Workload, ...]:
    """Superset's web workloads; with no Superset process found, every Deployment or
    StatefulSet that a Service selects (its pods take traffic, so losing one matters)."""
    if has_app(facts):
        return facts.role("web")
    found = []
    for workload in facts.workloads:
        if workload.kind not in SCALABLE or workload.role in NOT_A_TIER:
            continue
        if facts.relations.selecting("Service", workload):
            found.append(workload)
    return tuple(found)


def tier(workload: Workload) -> str:
    """How messages name the pods: ``web`` for Superset's, ``serving`` for any other."""
    return "web" if workload.role == "web" else "serving"

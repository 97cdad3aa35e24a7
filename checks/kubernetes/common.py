"""Helpers shared by the Kubernetes checks (pure functions of facts)."""

from __future__ import annotations

from collections.abc import Iterable

from auditor.checks.kubernetes.facts import KubeFacts, Workload
from auditor.checks.kubernetes.objects import Item
from auditor.model import Facts, Result, Status

KUBE = "kubernetes"


def kube(facts: Facts) -> KubeFacts:
    return facts.get(KUBE, KubeFacts)


def result(item: Item | Workload, status: Status, message: str,
           evidence: Iterable[str] = ()) -> Result:
    target = item.item if isinstance(item, Workload) else item
    return Result(target.subject, status, message, tuple(evidence), target.location)


def missing(facts: KubeFacts, *kinds: str) -> str | None:
    """Why a check cannot judge: a kind it needs could not be listed."""
    absent = sorted(set(kinds) & facts.kinds_missing)
    if absent:
        return f"{', '.join(absent)} could not be listed"
    return None


def skip_all(facts: KubeFacts, reason: str) -> Result:
    return Result(f"kinds:{reason.split()[0]}", Status.SKIP, f"skipped: {reason}")


def long_running(facts: KubeFacts) -> list[Workload]:
    return [w for w in facts.workloads if w.long_running]


def app_workloads(facts: KubeFacts) -> list[Workload]:
    """The app's own long-running workloads (Superset's parts when present, else all)."""
    superset = [w for w in facts.workloads if w.superset and w.long_running]
    return superset or long_running(facts)

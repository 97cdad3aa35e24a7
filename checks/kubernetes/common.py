"""Helpers shared by the Kubernetes checks (pure functions of facts)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping

from auditor.checks.kubernetes.facts import KubeFacts, Workload
from auditor.checks.kubernetes.objects import Item
from auditor.model import Check, Evaluate, Facts, Result, Status

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


CONTROLLERS = ("Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job")


def with_kinds(check: Check, kinds: Iterable[str]) -> Check:
    """The check, plus one ``skip`` subject naming each kind it needs that could not be
    listed: a check left with nothing else to judge then lowers coverage."""
    needed = tuple(dict.fromkeys(kinds))
    inner: Evaluate = check.evaluate

    def evaluate(facts: Facts) -> Iterator[Result]:
        yield from inner(facts)
        k = kube(facts)
        absent = [kind for kind in needed if kind in k.kinds_missing]
        if absent:
            yield Result(f"kinds:{','.join(absent)}", Status.SKIP,
                         f"skipped in part: {', '.join(absent)} could not be listed")

    return dataclasses.replace(check, evaluate=evaluate)


def needing(checks: Iterable[Check], extra: Mapping[str, tuple[str, ...]]) -> tuple[Check, ...]:
    return tuple(with_kinds(c, (*CONTROLLERS, *extra.get(c.id, ()))) for c in checks)

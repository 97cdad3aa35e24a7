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


def with_kinds(check: Check, essential: Iterable[str], partial: Iterable[str]) -> Check:
    """The check, aware of kinds that could not be listed (403, 5xx, timeouts).

    Without an ``essential`` kind the check cannot judge at all (no Service listed is
    not "no Service"): it is skipped, which lowers coverage. Without one of the
    ``partial`` kinds (the controllers) it judges what it has and says what is missing.
    """
    must, may = tuple(essential), tuple(partial)
    inner: Evaluate = check.evaluate

    def evaluate(facts: Facts) -> Iterator[Result]:
        k = kube(facts)
        absent = [kind for kind in must if kind in k.kinds_missing]
        if absent:
            yield Result(f"kinds:{','.join(absent)}", Status.SKIP,
                         f"skipped: {', '.join(absent)} could not be listed")
            return
        yield from inner(facts)
        absent = [kind for kind in may if kind in k.kinds_missing]
        if absent:
            yield Result(f"kinds:{','.join(absent)}", Status.SKIP,
                         f"skipped in part: {', '.join(absent)} could not be listed")

    return dataclasses.replace(check, evaluate=evaluate)


def needing(checks: Iterable[Check], essential: Mapping[str, tuple[str, ...]],
            partial: Mapping[str, tuple[str, ...]]) -> tuple[Check, ...]:
    return tuple(with_kinds(c, essential.get(c.id, ()), (*CONTROLLERS, *partial.get(c.id, ())))
                 for c in checks)

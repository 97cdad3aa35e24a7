"""availability: does it survive the loss of one pod or node?"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from auditor.checks.kubernetes.common import kube, missing, result, skip_all
from auditor.checks.kubernetes.facts import KubeFacts, Workload
from auditor.checks.kubernetes.objects import as_list, as_map
from auditor.checks.kubernetes.tiers import serving, tier
from auditor.checks.kubernetes.topology import controller_of
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style


def hpa_for(facts: KubeFacts, workload: Workload) -> Mapping[str, Any] | None:
    hpa = facts.relations.targeting("HorizontalPodAutoscaler", workload)
    return hpa.spec if hpa is not None else None


def effective_min(facts: KubeFacts, workload: Workload) -> int | None:
    hpa = hpa_for(facts, workload)
    if hpa is not None:
        value = hpa.get("minReplicas", 1)
        return value if isinstance(value, int) else None
    return workload.replicas


def _web_replicas(facts: Facts) -> Iterator[Result]:
    k = kube(facts)
    for web in serving(k):
        count = effective_min(k, web)
        scaled = hpa_for(k, web) is not None
        source = "HPA minReplicas" if scaled else "spec.replicas"
        evidence = (f"{source} = {count}",)
        if count is None:
            yield result(web, Status.SKIP, "replica count is not a number", evidence)
        elif count >= 2:
            yield result(web, Status.PASS, f"{count} {tier(web)} replicas", evidence)
        else:
            down = "the UI" if tier(web) == "web" else "what its Service serves"
            # Under an HPA the count is a floor, not what runs now: "has 1 replica" was said
            # of a Deployment scaled to five.
            has = "can scale down to" if scaled else "has"
            yield result(web, Status.FAIL, f"{web.kind} {web.item.name} {has} {count} "
                         f"replica: one pod eviction or node loss takes {down} down", evidence)


def _pdb(facts: Facts) -> Iterator[Result]:
    k = kube(facts)
    reason = missing(k, "PodDisruptionBudget")
    if reason:
        yield skip_all(k, reason)
        return
    for web in serving(k):
        replicas = effective_min(k, web)
        # policy/v1: an empty selector selects every pod of the namespace, a missing (null)
        # one none (it passed as covering the web pods).
        pdbs = k.relations.selecting("PodDisruptionBudget", web)
        if not pdbs:
            yield result(web, Status.FAIL, f"no PodDisruptionBudget covers the {tier(web)} "
                         "pods: a node drain may evict them all at once")
            continue
        pdb = pdbs[0]
        if replicas is None:
            # Judged as one pod before ("replicas 1", not in the input): whether the PDB
            # leaves a pod to evict depends on the count.
            yield result(web, Status.SKIP, "replica count is not a number",
                         (f"PodDisruptionBudget {pdb.name}",))
            continue
        allowed = as_map(pdb.obj.get("status")).get("disruptionsAllowed")
        evidence = [f"PodDisruptionBudget {pdb.name}",
                    f"minAvailable={pdb.spec.get('minAvailable')} "
                    f"maxUnavailable={pdb.spec.get('maxUnavailable')}", f"replicas {replicas}"]
        blocking = blocks_drains(pdb.spec, replicas)
        if blocking:
            yield result(web, Status.FAIL, f"the PodDisruptionBudget {pdb.name} blocks every "
                         f"node drain: {blocking}", evidence)
        elif allowed == 0:
            evidence.append("status.disruptionsAllowed = 0")
            yield result(web, Status.FAIL, "the PodDisruptionBudget allows no disruption now: "
                         "node drains will hang", evidence)
        else:
            yield result(web, Status.PASS, f"a PodDisruptionBudget keeps {tier(web)} pods "
                         "during drains and still lets one go", evidence)


def blocks_drains(spec: Mapping[str, Any], replicas: int) -> str | None:
    """Why a PDB never allows an eviction with ``replicas`` pods, or None when it allows one."""
    low, high = spec.get("minAvailable"), spec.get("maxUnavailable")
    if isinstance(low, int) and not isinstance(low, bool) and low >= replicas:
        return f"minAvailable {low} with {replicas} replica(s) leaves no pod to evict"
    percent = _percent(low)
    # Kubernetes rounds a percentage of pods up to a whole pod.
    if percent is not None and -(-replicas * percent // 100) >= replicas:
        return f"minAvailable {low} of {replicas} replica(s) rounds up to every pod"
    if high in (0, "0", "0%"):
        return f"maxUnavailable {high} lets no pod go"
    return None


def _percent(value: object) -> int | None:
    if isinstance(value, str) and value.endswith("%") and value[:-1].isdigit():
        return int(value[:-1])
    return None


SPREAD_KEYS = ("kubernetes.io/hostname", "topology.kubernetes.io/zone")


def _spread(facts: Facts) -> Iterator[Result]:
    k = kube(facts)
    for web in serving(k):
        affinity = as_map(as_map(web.pod_spec.get("affinity")).get("podAntiAffinity"))
        constraints = as_list(web.pod_spec.get("topologySpreadConstraints"))
        keys = [str(as_map(c).get("topologyKey")) for c in constraints]
        for rule_set in affinity.values():
            for rule in as_list(rule_set):
                rule = as_map(rule)
                term = as_map(rule.get("podAffinityTerm")) or rule
                keys.append(str(term.get("topologyKey")))
        evidence = [f"topology keys: {', '.join(keys) or 'none'}"]
        nodes = {p.get("node") for p in k.pods if p.get("node")
                 and p.get("namespace") == web.item.namespace
                 and controller_of(p) == (web.kind, web.item.name)}
        if len(nodes) == 1 and (effective_min(k, web) or 1) > 1:
            evidence.append(f"all running pods on node {next(iter(nodes))}")
            yield result(web, Status.FAIL, f"every {tier(web)} pod runs on the same node",
                         evidence)
        elif any(key in SPREAD_KEYS for key in keys):
            yield result(web, Status.PASS, "pods are spread across nodes or zones", evidence)
        else:
            yield result(web, Status.FAIL, f"nothing keeps {tier(web)} replicas off the same "
                         "node", evidence)


# Where each controller keeps its update strategy (a bare Pod has none).
STRATEGY_FIELDS = {"Deployment": "strategy", "StatefulSet": "updateStrategy",
                   "DaemonSet": "updateStrategy"}


def _beat(facts: Facts) -> Iterator[Result]:
    k = kube(facts)
    for beat in k.role("beat"):
        # A bare Pod is one beat (it was told it ran "on every node", as a DaemonSet does).
        count = 1 if beat.kind == "Pod" else beat.replicas
        field = STRATEGY_FIELDS.get(beat.kind, "")
        strategy = as_map(beat.item.spec.get(field)).get("type", "RollingUpdate")
        shown = beat.kind if beat.kind == "DaemonSet" else (
            count if count is not None else repr(beat.item.spec.get("replicas")))
        evidence = [f"replicas = {shown}"]
        if field:
            # Evidence names the field the controller reads: a StatefulSet has no 'strategy'.
            evidence.append(f"{field} = {strategy}")
        if beat.kind == "DaemonSet":
            yield result(beat, Status.FAIL, "celery beat must run exactly once; it runs on "
                         "every node: scheduled reports and alerts fire several times", evidence)
        elif count is None:
            yield result(beat, Status.SKIP, "replica count is not a number", evidence)
        elif count != 1:
            yield result(beat, Status.FAIL, f"celery beat must run exactly once; it runs "
                         f"{count}: scheduled reports and alerts fire several times", evidence)
        elif beat.kind == "Deployment" and strategy != "Recreate":
            yield result(beat, Status.WARN, "one beat replica, but a rolling update briefly "
                         "runs two (use strategy Recreate)", evidence)
        else:
            yield result(beat, Status.PASS, "exactly one celery beat", evidence)


CHECKS = (
    Check(
        id="K8S-AVAILABILITY-001", style=Style.KUBERNETES, row=Row.AVAILABILITY,
        severity=Severity.HIGH, title="Web tier runs more than one replica",
        rationale="One web pod is a single point of failure: an eviction, a node drain or a "
                  "crash takes Superset's UI and API down.",
        remediation="Set replicas >= 2 (or an HPA with minReplicas >= 2) and add a "
                    "PodDisruptionBudget.",
        success="two or more web replicas", failure="a single web replica",
        references=("https://kubernetes.io/docs/concepts/workloads/controllers/deployment/",),
        requires=("kubernetes",), evaluate=_web_replicas,
    ),
    Check(
        id="K8S-AVAILABILITY-002", style=Style.KUBERNETES, row=Row.AVAILABILITY,
        severity=Severity.MEDIUM, title="A PodDisruptionBudget protects the web pods",
        rationale="Without a PDB a node drain can evict every web pod at once; a PDB that "
                  "allows no disruption blocks drains and upgrades forever.",
        remediation="Add a PodDisruptionBudget with maxUnavailable: 1 selecting the web pods.",
        success="a PDB that allows one disruption", failure="no PDB, or one that blocks drains",
        references=("https://kubernetes.io/docs/tasks/run-application/configure-pdb/",),
        requires=("kubernetes",), evaluate=_pdb,
    ),
    Check(
        id="K8S-AVAILABILITY-003", style=Style.KUBERNETES, row=Row.AVAILABILITY,
        severity=Severity.MEDIUM, title="Web replicas are spread across nodes",
        rationale="Replicas scheduled onto one node all die with it; the scheduler does not "
                  "spread them unless told.",
        remediation="Add topologySpreadConstraints on kubernetes.io/hostname (or a preferred "
                    "podAntiAffinity).",
        success="spread by hostname or zone", failure="no spreading rule",
        references=("https://kubernetes.io/docs/concepts/scheduling-eviction/"
                    "topology-spread-constraints/",),
        requires=("kubernetes",), evaluate=_spread,
    ),
    Check(
        id="K8S-AVAILABILITY-004", style=Style.KUBERNETES, row=Row.AVAILABILITY,
        severity=Severity.HIGH, title="Celery beat runs exactly one replica",
        rationale="Celery beat schedules alerts and reports; two beats send every report "
                  "twice, none sends nothing.",
        remediation="Run beat as a Deployment with replicas: 1 and strategy: Recreate.",
        success="one beat, Recreate strategy", failure="zero or several beats",
        references=("https://superset.apache.org/docs/configuration/alerts-reports/",),
        requires=("kubernetes",), evaluate=_beat,
    ),
)

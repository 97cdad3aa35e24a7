"""availability: does it survive the loss of one pod or node?"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from auditor.checks.kubernetes.common import kube, missing, result, skip_all
from auditor.checks.kubernetes.facts import KubeFacts, Workload
from auditor.checks.kubernetes.objects import Item, as_list, as_map
from auditor.checks.kubernetes.tiers import serving, tier
from auditor.checks.kubernetes.topology import SELECTOR_OF, controller_of, selects
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
        # One budget defined twice (two files) is one object once applied.
        names = list(dict.fromkeys(p.name for p in pdbs))
        if len(names) > 1:
            # The eviction subresource answers 500 for a pod under two budgets, whatever
            # each allows (it passed on the first one found).
            yield result(web, Status.FAIL, f"{len(names)} PodDisruptionBudgets "
                         f"({', '.join(names)}) select the {tier(web)} pods: the eviction API "
                         "refuses to evict a pod covered by more than one, so node drains "
                         "hang", [f"PodDisruptionBudget {name}" for name in names])
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
        # The budget counts every pod its selector selects: one that also selects the
        # workers lets a pod go with minAvailable 2 and 2 web replicas (it failed as
        # blocking every drain).
        others, total = _also_budgeted(k, pdb, web, replicas)
        if others:
            evidence.append(f"it also selects {', '.join(others)}")
        blocking = blocks_drains(pdb.spec, total if total is not None else replicas)
        if blocking and total is None and not blocks_drains(pdb.spec, UNBOUNDED):
            yield result(web, Status.SKIP, f"the PodDisruptionBudget {pdb.name} also selects "
                         "pods whose count is not known: whether it leaves one to evict "
                         "cannot be judged", evidence)
        elif blocking:
            yield result(web, Status.FAIL, f"the PodDisruptionBudget {pdb.name} blocks every "
                         f"node drain: {blocking}", evidence)
        elif allowed == 0:
            evidence.append("status.disruptionsAllowed = 0")
            yield result(web, Status.FAIL, "the PodDisruptionBudget allows no disruption now: "
                         "node drains will hang", evidence)
        else:
            yield result(web, Status.PASS, f"a PodDisruptionBudget keeps {tier(web)} pods "
                         "during drains and still lets one go", evidence)


UNBOUNDED = 1 << 30
"""A pod count above any real one: a budget that blocks even then blocks at every count."""


def _also_budgeted(k: KubeFacts, pdb: Item, web: Workload, replicas: int,
                   ) -> tuple[list[str], int | None]:
    """Other workloads whose pods the PDB selects, as shown, and the pods it counts in all
    (None when one of them has no count known from the input: a DaemonSet, a Job)."""
    shown: list[str] = []
    total: int | None = replicas
    selector = SELECTOR_OF["PodDisruptionBudget"](pdb)
    seen = {(web.kind, web.item.name)}
    for other in k.relations.workloads_selected(web.item.namespace, selector):
        if (other.kind, other.item.name) in seen:
            continue  # one object defined twice is one set of pods
        seen.add((other.kind, other.item.name))
        count = 1 if other.kind == "Pod" else effective_min(k, other)
        shown.append(f"{other.kind} {other.item.name} "
                     f"({count if count is not None else 'count not known'})")
        total = None if total is None or count is None else total + count
    return shown, total


def blocks_drains(spec: Mapping[str, Any], replicas: int) -> str | None:
    """Why a PDB never allows an eviction with ``replicas`` pods, or None when it allows one."""
    # A tier scaled to 0 (K8S-AVAILABILITY-001 fails that itself) is judged as the one pod
    # it runs once scaled up: "minAvailable 0 with 0 replicas leaves no pod to evict" was
    # false, and the verdict must not improve from 1 replica to 0.
    replicas = max(replicas, 1)
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
# Labels a controller puts on every pod of one revision (not in the template): a
# ``mismatchLabelKeys`` entry naming one excludes the pod's own siblings.
REVISION_LABELS = ("pod-template-hash", "controller-revision-hash")
METADATA_NAME = "kubernetes.io/metadata.name"
NO_SELECTOR = "(none)"


@dataclass(frozen=True)
class SpreadRule:
    """One topologySpreadConstraint or podAntiAffinity term, judged against the workload's
    own pods: ``selects`` True (it keeps them apart), False (it does not select them), or
    None (cannot be known from the input, ``why`` says why)."""

    where: str
    key: str
    preferred: bool
    selector: str
    selects: bool | None
    why: str = ""
    by_selector: bool = True
    """False when the labelSelector selects the pods and something else excludes them
    (the term's namespaces, mismatchLabelKeys)."""

    def shown(self) -> str:
        strength = "preferred" if self.preferred else "required"
        text = f"{self.where} on {self.key} ({strength}), selector {self.selector}"
        return f"{text}: {self.why}" if self.why else text


def _spread(facts: Facts) -> Iterator[Result]:
    """Spreading rules count only when their selector selects the workload's own pods:
    a topologySpreadConstraint counts the pods its labelSelector matches (none without
    one), and an anti-affinity term repels only the pods it selects in the namespaces it
    names, so a copied selector of another app keeps nothing apart.

    Preferred rules (``ScheduleAnyway``, ``preferredDuringScheduling``) pass, said as
    preferred: they are the shape the remediation and the charts recommend (required
    hostname anti-affinity leaves replicas Pending on a cluster with fewer nodes than
    replicas and stalls surge rollouts), they do tell the scheduler to spread, and where
    running pods are known the check still fails when they all landed on one node."""
    k = kube(facts)
    for web in serving(k):
        rules = _spread_rules(k, web)
        keys = [r.key for r in rules]
        evidence = [f"topology keys: {', '.join(keys) or 'none'}"]
        nodes = {p.get("node") for p in k.pods if p.get("node")
                 and p.get("namespace") == web.item.namespace
                 and controller_of(p) == (web.kind, web.item.name)}
        judged = [r for r in rules if r.key in SPREAD_KEYS]
        evidence += [r.shown() for r in judged]
        keeping = [r for r in judged if r.selects]
        if len(nodes) == 1 and (effective_min(k, web) or 1) > 1:
            evidence.append(f"all running pods on node {next(iter(nodes))}")
            yield result(web, Status.FAIL, f"every {tier(web)} pod runs on the same node",
                         evidence)
        elif any(not r.preferred for r in keeping):
            yield result(web, Status.PASS, "pods are spread across nodes or zones", evidence)
        elif keeping:
            yield result(web, Status.PASS, "pods are spread across nodes or zones, preferred "
                         "only: best-effort, the scheduler still co-locates them when no "
                         "other node fits", evidence)
        elif any(r.selects is None for r in judged):
            unknown = next(r for r in judged if r.selects is None)
            yield result(web, Status.SKIP, f"whether the spread rule selects the {tier(web)} "
                         f"pods cannot be known: {unknown.why}", evidence)
        elif judged:
            evidence.append(f"pod labels: {_labels_text(web.pod_labels)}")
            rule = judged[0]
            if rule.selector == NO_SELECTOR:
                what = "the spread rule has no labelSelector, so it selects no pod"
            elif rule.by_selector:
                what = f"the spread rule's selector ({rule.selector}) does not select these pods"
            else:
                what = f"the spread rule does not select these pods ({rule.why})"
            yield result(web, Status.FAIL, f"{what}: nothing keeps {tier(web)} replicas off "
                         "the same node", evidence)
        else:
            yield result(web, Status.FAIL, f"nothing keeps {tier(web)} replicas off the same "
                         "node", evidence)


def _spread_rules(k: KubeFacts, web: Workload) -> list[SpreadRule]:
    rules = []
    for index, entry in enumerate(as_list(web.pod_spec.get("topologySpreadConstraints"))):
        constraint = as_map(entry)
        selects, why = _selects_own(constraint.get("labelSelector"), web)
        rules.append(SpreadRule(
            f"topologySpreadConstraints[{index}]", str(constraint.get("topologyKey")),
            constraint.get("whenUnsatisfiable") == "ScheduleAnyway",
            _selector_text(constraint.get("labelSelector")), selects, why))
    affinity = as_map(as_map(web.pod_spec.get("affinity")).get("podAntiAffinity"))
    for field, rule_set in affinity.items():
        preferred = str(field).startswith("preferred")
        for index, entry in enumerate(as_list(rule_set)):
            rule = as_map(entry)
            term = as_map(rule.get("podAffinityTerm")) or rule
            selects, why = _selects_own(term.get("labelSelector"), web)
            by_selector = selects is False
            if selects is not False:
                selects, why = _excludes_siblings(term, web) or (selects, why)
            if selects is not False:
                selects, why = _in_term_namespaces(k, term, web) or (selects, why)
            rules.append(SpreadRule(
                f"podAntiAffinity.{field}[{index}]", str(term.get("topologyKey")), preferred,
                _selector_text(term.get("labelSelector")), selects, why, by_selector))
    return rules


def _selects_own(selector: object, web: Workload) -> tuple[bool | None, str]:
    """Whether a spreading rule's labelSelector selects the workload's pods (by their
    template labels). ``matchLabelKeys`` only adds the pod's own values, so it never
    stops a selector from selecting the pod's replicas."""
    if selector is None:
        return False, "no labelSelector: it matches no pod"
    if not isinstance(selector, Mapping) or set(selector) - {"matchLabels", "matchExpressions"} \
            or not isinstance(selector.get("matchLabels") or {}, Mapping) \
            or not isinstance(selector.get("matchExpressions") or [], list):
        return None, "the labelSelector is not a valid label selector"
    if selects(selector, web.pod_labels):
        return True, ""
    return False, f"does not select pods labelled {_labels_text(web.pod_labels)}"


def _excludes_siblings(term: Mapping[str, Any], web: Workload) -> tuple[bool, str] | None:
    """``mismatchLabelKeys`` adds ``key notin (the pod's value)``: on a label the replicas
    share, the term no longer selects them."""
    shared = [str(key) for key in as_list(term.get("mismatchLabelKeys"))
              if key in web.pod_labels or key in REVISION_LABELS]
    if shared:
        return False, (f"mismatchLabelKeys {', '.join(shared)} excludes the pods sharing "
                       "the pod's own value: its own replicas")
    return None


def _in_term_namespaces(k: KubeFacts, term: Mapping[str, Any], web: Workload,
                        ) -> tuple[bool | None, str] | None:
    """None when the term applies to the workload's namespace; else (False or None, why).

    ``namespaces`` and ``namespaceSelector`` both absent or empty mean the pod's own
    namespace; otherwise the term applies to the union of those listed and those the
    selector selects (an empty selector: every namespace)."""
    namespace = web.item.namespace
    listed = [str(n) for n in as_list(term.get("namespaces"))]
    chooser = term.get("namespaceSelector")
    if (not listed and chooser is None) or namespace in listed:
        return None
    if isinstance(chooser, Mapping):
        if not chooser.get("matchLabels") and not chooser.get("matchExpressions") \
                and set(chooser) <= {"matchLabels", "matchExpressions"}:
            return None  # an empty namespaceSelector selects every namespace
        item = k.relations.named("Namespace", "", namespace)
        names = {str(e.get("key")) for e in as_list(chooser.get("matchExpressions"))
                 if isinstance(e, Mapping)} | {str(n) for n in as_map(chooser.get("matchLabels"))}
        if item is None and names - {METADATA_NAME}:
            # Even "team DoesNotExist" depends on labels the input does not hold.
            return None, (f"its namespaceSelector ({_selector_text(chooser)}) reads labels of "
                          f"Namespace {namespace}, which is not in the input")
        # Every namespace carries its name as kubernetes.io/metadata.name (1.21+).
        labels = {**(item.labels if item is not None else {}), METADATA_NAME: namespace}
        if selects(chooser, labels):
            return None
        return False, (f"its namespaceSelector ({_selector_text(chooser)}) does not select "
                       f"namespace {namespace}")
    shown = ", ".join(listed) or "none"
    return False, f"it applies to namespaces {shown}, not {namespace}"


def _labels_text(labels: Mapping[str, Any]) -> str:
    return ",".join(f"{key}={value}" for key, value in labels.items()) or "(none)"


def _selector_text(selector: object) -> str:
    """A label selector as kubectl writes one: ``app=foo,tier in (web),!legacy``."""
    if selector is None:
        return NO_SELECTOR
    if not isinstance(selector, Mapping):
        return repr(selector)
    parts = [f"{key}={value}" for key, value in as_map(selector.get("matchLabels")).items()]
    for expression in as_list(selector.get("matchExpressions")):
        expression = as_map(expression)
        key, op = expression.get("key"), expression.get("operator")
        values = ",".join(str(v) for v in as_list(expression.get("values")))
        parts.append({"In": f"{key} in ({values})", "NotIn": f"{key} notin ({values})",
                      "Exists": f"{key}", "DoesNotExist": f"!{key}"}.get(
                          str(op), f"{key} {op} ({values})"))
    parts += [f"{key}: {value!r}" for key, value in selector.items()
              if key not in ("matchLabels", "matchExpressions")]
    return ",".join(parts) or "{} (every pod)"


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
                    "podAntiAffinity) whose labelSelector selects the web pods' own labels.",
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

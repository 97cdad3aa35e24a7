"""K8S-AVAILABILITY-003 and -002: a spreading rule or a budget counts only for the pods its
selector selects.

A topologySpreadConstraint counts the pods its ``labelSelector`` matches (none without
one); a podAntiAffinity term repels only the pods it selects, in the namespaces it names.
A rule with the right topologyKey and a selector copied from another component (or none)
passed as spreading the web replicas; these cases pin that it no longer does, and that
preferred rules pass said as preferred. The rendered chart outputs are in
``fixtures/k8s-spread-selector`` (see SOURCE.md there); the Bitnami, openstack-helm and
mojaloop shapes below are written after those charts' affinity helpers as they render.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import scan_report

from auditor.checks.kubernetes import availability
from auditor.checks.kubernetes.collect import build
from auditor.checks.kubernetes.loader import load_text
from auditor.model import Result, Status

HERE = Path(__file__).parent / "fixtures" / "k8s-spread-selector"
WEB = "apps/v1/Deployment/bi/superset"
SPREAD, PDB = availability.CHECKS[2], availability.CHECKS[1]


def web(pod: str = "", replicas: int = 2, labels: str = "{app: superset, component: web}",
        namespace: str = "bi") -> str:
    """A Superset web Deployment; ``pod`` is YAML indented for the pod spec."""
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: superset, namespace: {namespace}}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: superset}}}}
  template:
    metadata: {{labels: {labels}}}
    spec:{pod}
      containers:
        - name: web
          image: apache/superset:4.1.1
          command: [gunicorn, "superset.app:create_app()"]
"""


def judge(*docs: str, check: Any = SPREAD, source: str = "manifests",
          pods: tuple[dict[str, Any], ...] = ()) -> Result:
    facts = build(load_text("---".join(docs), "all.yaml"), source=source, problems={},
                  pods=pods)
    found = [r for r in check.evaluate(facts) if r.subject == WEB]
    assert len(found) == 1, found
    return found[0]


def constraint(selector: str = "labelSelector: {matchLabels: {app: superset}}",
               key: str = "kubernetes.io/hostname", when: str = "DoNotSchedule",
               extra: str = "") -> str:
    return f"""
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: {key}
          whenUnsatisfiable: {when}
          {selector}{extra}"""


def anti(term: str = "labelSelector: {matchLabels: {app: superset}}",
         preferred: bool = True, key: str = "kubernetes.io/hostname") -> str:
    if preferred:
        return f"""
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: {key}
                {term}"""
    return f"""
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            - topologyKey: {key}
              {term}"""


NOTHING = "nothing keeps web replicas off the same node"


# --- the selector must select the workload's own pods ---------------------------------------

def test_matching_required_constraint_passes_without_preferred() -> None:
    found = judge(web(constraint()))
    assert found.status == Status.PASS
    assert found.message == "pods are spread across nodes or zones"
    assert found.evidence == (
        "topology keys: kubernetes.io/hostname",
        "topologySpreadConstraints[0] on kubernetes.io/hostname (required), "
        "selector app=superset")


def test_mismatched_selector_fails_with_the_selector_as_evidence() -> None:
    """The selector copied from the worker block: the web pods are app=superset."""
    found = judge(web(constraint("labelSelector: {matchLabels: {app: superset-worker}}")))
    assert found.status == Status.FAIL
    assert found.message == ("the spread rule's selector (app=superset-worker) does not "
                             f"select these pods: {NOTHING}")
    assert "topologySpreadConstraints[0] on kubernetes.io/hostname (required), selector " \
        "app=superset-worker: does not select pods labelled app=superset,component=web" \
        in found.evidence
    assert "pod labels: app=superset,component=web" in found.evidence


def test_selector_requiring_a_label_the_pods_lack_fails() -> None:
    found = judge(web(constraint(
        "labelSelector: {matchLabels: {app: superset, release: prod}}")))
    assert found.status == Status.FAIL and "(app=superset,release=prod)" in found.message


@pytest.mark.parametrize("pod", [
    constraint("labelSelector: null"),
    constraint(""),
    anti("labelSelector: null"),
    anti("", preferred=False),
], ids=["constraint-null", "constraint-absent", "preferred-term-null", "required-term-absent"])
def test_missing_label_selector_fails(pod: str) -> None:
    """A constraint without labelSelector counts no pod; a term without one selects none."""
    found = judge(web(pod))
    assert found.status == Status.FAIL
    assert found.message == ("the spread rule has no labelSelector, so it selects no pod: "
                             f"{NOTHING}")
    assert any(line.endswith("selector (none): no labelSelector: it matches no pod")
               for line in found.evidence)


@pytest.mark.parametrize(("expressions", "status"), [
    ("[{key: app, operator: In, values: [superset, superset-ws]}]", Status.PASS),
    ("[{key: app, operator: In, values: [superset-worker]}]", Status.FAIL),
    ("[{key: app, operator: NotIn, values: [superset-worker]}]", Status.PASS),
    ("[{key: app, operator: NotIn, values: [superset]}]", Status.FAIL),
    ("[{key: component, operator: Exists}]", Status.PASS),
    ("[{key: tier, operator: Exists}]", Status.FAIL),
    ("[{key: tier, operator: DoesNotExist}]", Status.PASS),
    ("[{key: component, operator: DoesNotExist}]", Status.FAIL),
])
def test_match_expressions(expressions: str, status: Status) -> None:
    found = judge(web(constraint(f"labelSelector: {{matchExpressions: {expressions}}}")))
    assert found.status == status, found


def test_match_expressions_are_shown_as_kubectl_writes_them() -> None:
    found = judge(web(constraint(
        "labelSelector: {matchLabels: {app: superset}, matchExpressions: "
        "[{key: tier, operator: NotIn, values: [db]}, {key: legacy, operator: DoesNotExist}]}")))
    assert found.status == Status.PASS
    assert found.evidence[1].endswith("selector app=superset,tier notin (db),!legacy")


def test_null_match_labels_is_an_absent_one() -> None:
    """``matchLabels:`` left empty by a template: with the expressions it is the selector."""
    found = judge(web(constraint(
        "labelSelector: {matchLabels: null, matchExpressions: "
        "[{key: app, operator: In, values: [superset]}]}")))
    assert found.status == Status.PASS


def test_empty_selector_selects_every_pod_of_the_namespace() -> None:
    found = judge(web(anti("labelSelector: {}", preferred=False)))
    assert found.status == Status.PASS
    assert found.evidence[1].endswith("selector {} (every pod)")


def test_a_selector_that_is_not_a_label_selector_skips() -> None:
    """matchLabels forgotten: the API server rejects the field (strict validation) or drops
    it (an empty selector, every pod): which, the input does not say."""
    found = judge(web(constraint("labelSelector: {app: superset}")))
    assert found.status == Status.SKIP
    assert "the labelSelector is not a valid label selector" in found.message


def test_another_key_still_fails_as_before() -> None:
    found = judge(web(constraint(key="kubernetes.io/os")))
    assert found.status == Status.FAIL and found.message == NOTHING


def test_a_generic_serving_tier_says_serving() -> None:
    site = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: site, namespace: bi}
spec:
  replicas: 2
  selector: {matchLabels: {app: site}}
  template:
    metadata: {labels: {app: site}}
    spec:
      topologySpreadConstraints:
        - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule,
           labelSelector: {matchLabels: {app: other}}}
      containers: [{name: site, image: "nginx:1.27"}]
---
apiVersion: v1
kind: Service
metadata: {name: site, namespace: bi}
spec: {selector: {app: site}, ports: [{port: 80}]}
"""
    facts = build(load_text(site, "all.yaml"), source="manifests", problems={})
    (found,) = SPREAD.evaluate(facts)
    assert found.status == Status.FAIL
    assert found.message.endswith("nothing keeps serving replicas off the same node")


# --- namespaces of anti-affinity terms -----------------------------------------------------

SELECT = "labelSelector: {matchLabels: {app: superset}}"


@pytest.mark.parametrize(("extra", "status", "why"), [
    ("namespaces: [bi]", Status.PASS, None),
    ("namespaces: [other, bi]", Status.PASS, None),
    ("namespaces: [other]", Status.FAIL, "it applies to namespaces other, not bi"),
    ("namespaces: []", Status.PASS, None),   # empty list, no selector: the pod's own
    ("namespaceSelector: {}", Status.PASS, None),  # every namespace
    ("namespaces: [other]\nnamespaceSelector: {}", Status.PASS, None),  # the union
    ("namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: bi}}", Status.PASS, None),
    ("namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: other}}", Status.FAIL,
     "its namespaceSelector (kubernetes.io/metadata.name=other) does not select namespace bi"),
    ("namespaceSelector: {matchLabels: {team: bi}}", Status.SKIP,
     "its namespaceSelector (team=bi) reads labels of Namespace bi, which is not in the input"),
    ("namespaceSelector: {matchExpressions: [{key: team, operator: DoesNotExist}]}",
     Status.SKIP, "its namespaceSelector (!team) reads labels of Namespace bi, which is not in "
     "the input"),
])
def test_namespaces_of_the_term(extra: str, status: Status, why: str | None) -> None:
    term = "\n                ".join([SELECT, *extra.splitlines()])
    found = judge(web(anti(term)))
    assert found.status == status, found
    if why:
        assert any(line.endswith(why) for line in found.evidence), found.evidence
    if status == Status.FAIL:
        assert found.message == (f"the spread rule does not select these pods ({why}): "
                                 f"{NOTHING}")
    if status == Status.SKIP:
        assert found.message == ("whether the spread rule selects the web pods cannot be "
                                 f"known: {why}")


@pytest.mark.parametrize(("labels", "status"), [("{team: bi}", Status.PASS),
                                                 ("{team: sales}", Status.FAIL)])
def test_namespace_selector_read_from_the_namespace_object(labels: str, status: Status) -> None:
    namespace = f"\napiVersion: v1\nkind: Namespace\nmetadata: {{name: bi, labels: {labels}}}\n"
    term = SELECT + "\n                namespaceSelector: {matchLabels: {team: bi}}"
    assert judge(web(anti(term)), namespace).status == status


# --- matchLabelKeys / mismatchLabelKeys ------------------------------------------------------

def test_match_label_keys_narrow_to_the_pods_own_values() -> None:
    found = judge(web(constraint(extra="\n          matchLabelKeys: [pod-template-hash]")))
    assert found.status == Status.PASS


@pytest.mark.parametrize("key", ["app", "pod-template-hash"])
def test_mismatch_label_keys_exclude_the_pods_own_replicas(key: str) -> None:
    """``key notin (the pod's value)``: on a label the replicas share, the term no longer
    repels them (Kubernetes 1.29+)."""
    found = judge(web(anti(SELECT + f"\n              mismatchLabelKeys: [{key}]",
                           preferred=False)))
    assert found.status == Status.FAIL
    assert any(f"mismatchLabelKeys {key} excludes" in line for line in found.evidence)


def test_mismatch_label_key_the_pods_do_not_carry_is_ignored() -> None:
    found = judge(web(anti(SELECT + "\n              mismatchLabelKeys: [tenant]",
                           preferred=False)))
    assert found.status == Status.PASS


# --- preferred rules -------------------------------------------------------------------------

@pytest.mark.parametrize("pod", [constraint(when="ScheduleAnyway"), anti()],
                         ids=["ScheduleAnyway", "preferred-anti-affinity"])
def test_preferred_rules_pass_said_as_preferred(pod: str) -> None:
    found = judge(web(pod))
    assert found.status == Status.PASS
    assert found.message == ("pods are spread across nodes or zones, preferred only: "
                             "best-effort, the scheduler still co-locates them when no other "
                             "node fits")
    assert "(preferred)" in found.evidence[1]


def test_required_anti_affinity_is_not_said_preferred() -> None:
    found = judge(web(anti(preferred=False, key="topology.kubernetes.io/zone")))
    assert found.status == Status.PASS and "preferred" not in found.message
    assert "(required)" in found.evidence[1]


def test_a_matching_preferred_rule_beside_a_mismatched_required_one() -> None:
    found = judge(web(constraint("labelSelector: {matchLabels: {app: superset-worker}}")
                      + anti()))
    assert found.status == Status.PASS and "preferred only" in found.message
    assert len(found.evidence) == 3  # keys, then each rule judged


# --- running pods (a live cluster, or a cluster export read as one) ---------------------------

def _pod(name: str, node: str) -> dict[str, Any]:
    return {"namespace": "bi", "name": name, "owner": "ReplicaSet/superset-5d9f",
            "node": node, "phase": "Running", "ready": True, "restarts": 0}


def test_live_pods_on_two_nodes_do_not_make_a_mismatched_rule_pass() -> None:
    pods = (_pod("superset-5d9f-a", "n1"), _pod("superset-5d9f-b", "n2"))
    bad = web(anti("labelSelector: {matchLabels: {app: superset-worker}}", preferred=False))
    assert judge(bad, source="live", pods=pods).status == Status.FAIL
    assert judge(web(anti(preferred=False)), source="live", pods=pods).status == Status.PASS


def test_live_pods_on_one_node_fail_even_with_a_matching_rule() -> None:
    pods = (_pod("superset-5d9f-a", "n1"), _pod("superset-5d9f-b", "n1"))
    found = judge(web(anti()), source="live", pods=pods)
    assert found.status == Status.FAIL
    assert found.message == "every web pod runs on the same node"
    assert "all running pods on node n1" in found.evidence


def test_a_cluster_export_with_pods_reads_as_live() -> None:
    """Pods exported with the Deployment (ownerReferences to its ReplicaSet): on two nodes,
    yet the copied selector keeps nothing apart."""
    pods = "".join(f"""---
apiVersion: v1
kind: Pod
metadata:
  name: superset-5d9f-{node}
  namespace: bi
  labels: {{app: superset, component: web, pod-template-hash: 5d9f}}
  ownerReferences: [{{kind: ReplicaSet, name: superset-5d9f, controller: true}}]
spec: {{nodeName: {node}, containers: [{{name: web, image: apache/superset:4.1.1}}]}}
status: {{phase: Running, conditions: [{{type: Ready, status: 'True'}}]}}
""" for node in ("n1", "n2"))
    bad = web(constraint("labelSelector: {matchLabels: {app: superset-worker}}"))
    found = judge(bad + pods)
    assert found.status == Status.FAIL and found.message.endswith(NOTHING)
    assert judge(web(constraint()) + pods).status == Status.PASS


# --- shapes of real charts --------------------------------------------------------------------

def test_bitnami_soft_preset_with_the_release_namespace() -> None:
    """Bitnami common's ``podAntiAffinityPreset: soft`` (as its PostgreSQL and Redis
    subcharts of the Superset chart render it), with the ``namespaces`` list of
    the release namespace that older common versions add."""
    labels = ("{app.kubernetes.io/name: superset, app.kubernetes.io/instance: bi, "
              "app.kubernetes.io/component: web}")
    term = ("labelSelector:\n                  matchLabels:\n"
            "                    app.kubernetes.io/name: superset\n"
            "                    app.kubernetes.io/instance: bi\n"
            "                    app.kubernetes.io/component: web\n"
            '                namespaces: ["bi"]')
    found = judge(web(anti(term), labels=labels))
    assert found.status == Status.PASS and "preferred only" in found.message


def test_openstack_helm_match_expressions_in() -> None:
    """openstack-helm's ``kubernetes_pod_anti_affinity``: three In expressions."""
    labels = "{release_name: bi, application: superset, component: web}"
    term = ("labelSelector: {matchExpressions: [{key: release_name, operator: In, values: [bi]},"
            " {key: application, operator: In, values: [superset]},"
            " {key: component, operator: In, values: [web]}]}")
    assert judge(web(anti(term), labels=labels)).status == Status.PASS
    copied = term.replace("values: [web]", "values: [api]")
    assert judge(web(anti(copied), labels=labels)).status == Status.FAIL


def test_mojaloop_two_schedule_anyway_constraints() -> None:
    """mojaloop common's ``topologySpread``: hostname and zone, ScheduleAnyway, selected by
    app.kubernetes.io/name (the nameOverride when set, else the chart name)."""
    pod = """
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector: {matchLabels: {app.kubernetes.io/name: superset}}
        - maxSkew: 1
          topologyKey: topology.kubernetes.io/zone
          whenUnsatisfiable: ScheduleAnyway
          labelSelector: {matchLabels: {app.kubernetes.io/name: superset}}"""
    found = judge(web(pod, labels="{app.kubernetes.io/name: superset}"))
    assert found.status == Status.PASS and "preferred only" in found.message
    assert len(found.evidence) == 3
    # nameOverride set on one side only: the chart labels its pods by the override
    found = judge(web(pod, labels="{app.kubernetes.io/name: bi-superset}"))
    assert found.status == Status.FAIL


@pytest.mark.parametrize(("case", "status", "text"), [
    ("copied-worker-selector", "fail",
     "the spread rule's selector (app=superset-worker) does not select these pods"),
    ("spread-own-selector", "pass", "preferred only"),
    ("spread-no-selector", "fail", "the spread rule has no labelSelector, so it selects no pod"),
])
def test_rendered_superset_chart(tmp_path: Path, case: str, status: str, text: str) -> None:
    report = scan_report(tmp_path, str(HERE / case / "superset-chart.yaml"))
    (found,) = [f for t in report["targets"] for f in t["findings"]
                if f["check_id"] == "K8S-AVAILABILITY-003"]
    assert found["subject"] == "apps/v1/Deployment/superset/superset"
    assert found["status"] == status and text in found["message"]


def test_rendered_chart_pdb_still_passes(tmp_path: Path) -> None:
    """The chart's PDB names no namespace: it lands in the release namespace, as
    ``helm install --namespace superset`` puts it."""
    report = scan_report(tmp_path, str(HERE / "spread-own-selector" / "superset-chart.yaml"),
                         "--namespace", "superset")
    (found,) = [f for t in report["targets"] for f in t["findings"]
                if f["check_id"] == "K8S-AVAILABILITY-002"]
    assert found["status"] == "pass"
    assert found["evidence"] == ["PodDisruptionBudget superset-pdb",
                                 "minAvailable=None maxUnavailable=1", "replicas 2"]


# --- K8S-AVAILABILITY-002: which pods a budget selects ------------------------------------------

def pdb(name: str, rule: str, selector: str = "{matchLabels: {app: superset}}") -> str:
    return f"""
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{name: {name}, namespace: bi}}
spec:
  {rule}
  selector: {selector}
"""


def worker(replicas: str = "replicas: 2", kind: str = "Deployment") -> str:
    return f"""
apiVersion: apps/v1
kind: {kind}
metadata: {{name: worker, namespace: bi}}
spec:
  {replicas}
  selector: {{matchLabels: {{app: superset-worker}}}}
  template:
    metadata: {{labels: {{app: superset-worker, release: bi}}}}
    spec:
      containers:
        - {{name: worker, image: apache/superset:4.1.1,
            command: [celery, --app=superset.tasks.celery_app:app, worker]}}
"""


RELEASE = "{matchExpressions: [{key: app, operator: In, values: [superset, superset-worker]}]}"


def test_two_budgets_over_the_web_pods_fail() -> None:
    """The eviction subresource answers 500 for a pod under more than one budget, whatever
    each allows: every drain hangs on these pods."""
    found = judge(web(), pdb("web", "maxUnavailable: 1"),
                  pdb("release", "maxUnavailable: 1", "{matchLabels: {component: web}}"),
                  check=PDB)
    assert found.status == Status.FAIL
    assert found.message == ("2 PodDisruptionBudgets (web, release) select the web pods: the "
                             "eviction API refuses to evict a pod covered by more than one, so "
                             "node drains hang")
    assert found.evidence == ("PodDisruptionBudget web", "PodDisruptionBudget release")


def test_one_budget_defined_in_two_files_is_one() -> None:
    """Applied together the later replaces the earlier: one object, not two budgets."""
    items = [*load_text(web() + "---" + pdb("web", "maxUnavailable: 1"), "a.yaml"),
             *load_text(pdb("web", "maxUnavailable: 1"), "b.yaml")]
    facts = build(items, source="manifests", problems={})
    (found,) = [r for r in PDB.evaluate(facts) if r.subject == WEB]
    assert found.status == Status.PASS


def test_a_deployment_defined_twice_is_counted_once() -> None:
    items = [*load_text(web() + "---" + pdb("web", "minAvailable: 2"), "a.yaml"),
             *load_text(web(), "b.yaml")]
    facts = build(items, source="manifests", problems={})
    found = [r for r in PDB.evaluate(facts) if r.subject == WEB]
    assert [r.status for r in found] == [Status.FAIL]
    assert found[0].evidence == ("PodDisruptionBudget web",
                                 "minAvailable=2 maxUnavailable=None", "replicas 2")


def test_two_budgets_of_which_one_selects_other_pods_is_one() -> None:
    found = judge(web(), worker(), pdb("web", "maxUnavailable: 1"),
                  pdb("worker", "maxUnavailable: 1", "{matchLabels: {app: superset-worker}}"),
                  check=PDB)
    assert found.status == Status.PASS


@pytest.mark.parametrize(("rule", "status", "tail"), [
    # 2 web + 2 worker pods: minAvailable 2 still lets two go (it failed as blocking)
    ("minAvailable: 2", Status.PASS, None),
    ("minAvailable: 4", Status.FAIL, "minAvailable 4 with 4 replica(s) leaves no pod to evict"),
    ("minAvailable: 50%", Status.PASS, None),
    ("maxUnavailable: 0", Status.FAIL, "maxUnavailable 0 lets no pod go"),
])
def test_a_budget_over_web_and_workers_counts_both(rule: str, status: Status,
                                                   tail: str | None) -> None:
    found = judge(web(), worker(), pdb("release", rule, RELEASE), check=PDB)
    assert found.status == status, found
    assert found.evidence[2:] == ("replicas 2", "it also selects Deployment worker (2)")
    if tail:
        assert found.message.endswith(tail)


@pytest.mark.parametrize(("rule", "status"), [
    ("minAvailable: 2", Status.SKIP),       # blocks with 2 pods, not with more: unknown
    ("minAvailable: 1", Status.PASS),       # lets one go with the web pods alone already
    ("minAvailable: 100%", Status.FAIL),    # blocks at any count
])
def test_a_budget_over_pods_of_unknown_count(rule: str, status: Status) -> None:
    daemons = worker("", kind="DaemonSet")
    found = judge(web(), daemons, pdb("release", rule, RELEASE), check=PDB)
    assert found.status == status, found
    assert "it also selects DaemonSet worker (count not known)" in found.evidence


# --- HPA: scaleTargetRef by kind and name ------------------------------------------------------

def test_hpa_of_a_statefulset_of_the_same_name_does_not_count() -> None:
    hpa = """
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: superset, namespace: bi}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: superset}
  minReplicas: 5
  maxReplicas: 9
"""
    found = judge(web(replicas=1), hpa, check=availability.CHECKS[0])
    assert found.status == Status.FAIL and found.evidence == ("spec.replicas = 1",)

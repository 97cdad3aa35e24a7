"""Every live run completes: faults injected into the test API server (tests/kubeapi.py).

Each fault is run through ``auditor scan kube --format json`` in-process: the audit
exits 0 with a schema-valid report, the fault is named in the target's problems with
the kind it hit, coverage drops where the kind matters (or nothing changes when the
fault is recovered from), and the run ends within a bound derived from ``--timeout``
and the retry policy of checks/kubernetes/live.py.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import scan_report
from kubeapi import FakeKubeAPI

from auditor.checks.kubernetes import live

FIXTURES = Path(__file__).parent / "fixtures" / "kubernetes"
SERVED = {"v1", "apps/v1", "batch/v1", "autoscaling/v2", "policy/v1", "networking.k8s.io/v1"}
TIMEOUT = 1.0
"""--timeout of every faulted run: small, so slow answers are cut quickly."""


def hang_guard_s(timeout: float = TIMEOUT) -> float:
    """How long a faulted run may take before it counts as hung.

    A correctness bound, not a speed benchmark: four times the run's retry budget,
    which itself covers every backoff and Retry-After the policy allows. A lister
    that multiplied waits per kind, or waited on a server that never answers, would
    take far longer (every kind x 4 attempts x --timeout, or a 600 s Retry-After). At
    least two minutes: a starved machine (a fresh-clone run beside mutation tests took
    45 s for the clean run) must not read as a hang.
    """
    return max(4 * live.budget_s(timeout), 120.0)


def hardened_objects() -> list[dict[str, Any]]:
    objects = []
    for path in sorted((FIXTURES / "pass-hardened").glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if isinstance(doc, dict) and doc.get("apiVersion") in SERVED:
                objects.append(doc)
    return objects


def filler_deployments(count: int = 600) -> list[dict[str, Any]]:
    """More Deployments than one page holds, so that lists carry a continue token."""
    return [{"apiVersion": "apps/v1", "kind": "Deployment",
             "metadata": {"name": f"filler-{i:04d}", "namespace": "zz-filler"},
             "spec": {"replicas": 2, "template": {"spec": {"containers": [
                 {"name": "c", "image": "registry.example.com/filler:1.0.0"}]}}}}
            for i in range(count)]


@dataclass
class Run:
    report: dict[str, Any]
    api: FakeKubeAPI
    elapsed: float

    @property
    def target(self) -> dict[str, Any]:
        return dict(self.report["targets"][0])

    @property
    def problems(self) -> list[str]:
        return list(self.target["problems"])

    @property
    def coverage(self) -> float:
        return float(self.target["score"]["coverage"])

    def problem(self, kind: str) -> str:
        named = [p for p in self.problems if p.startswith("list ") and kind in p.split(":")[0]]
        assert named, f"no problem names {kind}: {self.problems}"
        return named[0]

    def requests(self, plural: str) -> list[Any]:
        return self.api.list_requests(plural)


def verdicts(report: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(f["check_id"], f["subject"], f["status"])
            for t in report["targets"] for f in t["findings"]}


def audit(tmp_path: Path, objects: list[dict[str, Any]], fault: Callable[[FakeKubeAPI], object],
          *args: str, crds: bool = True, code: int = 0) -> Run:
    with FakeKubeAPI(objects, crds=crds) as api:
        kubeconfig = api.write_kubeconfig(tmp_path / "kubeconfig")
        fault(api)
        started = time.monotonic()
        report = scan_report(tmp_path, "kube", "--kubeconfig", str(kubeconfig),
                             "--timeout", f"{TIMEOUT:g}", *args, code=code)
        elapsed = time.monotonic() - started
    assert elapsed < hang_guard_s(), f"the run took {elapsed:.1f} s"
    return Run(report, api, elapsed)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return audit(tmp_path_factory.mktemp("clean"), hardened_objects(), lambda api: None)


@pytest.fixture(scope="module")
def clean_paged(tmp_path_factory: pytest.TempPathFactory) -> Run:
    objects = hardened_objects() + filler_deployments()
    return audit(tmp_path_factory.mktemp("clean-paged"), objects, lambda api: None)


# --- faults that cost a kind -----------------------------------------------------------


@dataclass(frozen=True)
class Lost:
    """A fault after which one kind cannot be had."""

    name: str
    plural: str
    inject: Callable[[FakeKubeAPI], object]
    says: tuple[str, ...]
    requests: int | None = None
    """Exactly this many list requests of the kind (the retry policy's bound)."""
    paged: bool = False


RETRIED = 1 + live.MAX_RETRIES
HTML = (b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad "
        b"Gateway</h1></center><hr><center>nginx</center></body></html>")

LOST = [
    Lost("forbidden", "deployments", lambda api: api.forbid("deployments"),
         ("forbidden (403)", "cannot list"), requests=1),
    Lost("core kind not served", "services", lambda api: api.fail("services", 404),
         ("not found (404)",), requests=1),
    Lost("gone forever", "deployments",
         lambda api: api.expire_continue("deployments", after_pages=1, times=None),
         ("gone (410)", f"relisted {live.MAX_RESTARTS} times"),
         requests=2 * (1 + live.MAX_RESTARTS), paged=True),
    Lost("throttled forever", "deployments",
         lambda api: api.throttle("deployments", retry_after=1, times=None),
         ("throttled (429)", f"after {live.MAX_THROTTLES} waits"),
         requests=1 + live.MAX_THROTTLES),
    Lost("Retry-After beyond the cap", "deployments",
         lambda api: api.throttle("deployments", retry_after=600, times=None),
         ("throttled (429)", "Retry-After 600 s"), requests=1),
    Lost("500 forever", "deployments", lambda api: api.fail("deployments", 500),
         ("server error (500)", f"{RETRIED} attempts"), requests=RETRIED),
    Lost("503 forever", "deployments", lambda api: api.fail("deployments", 503),
         ("unavailable (503)",), requests=RETRIED),
    Lost("reset forever", "deployments", lambda api: api.reset("deployments"),
         ("no answer",), requests=RETRIED),
    Lost("slower than --timeout", "deployments", lambda api: api.delay("deployments", 5),
         ("no answer within 1 s",), requests=RETRIED),
    Lost("truncated JSON", "deployments", lambda api: api.truncate("deployments"),
         ("truncated or invalid JSON",), requests=1),
    Lost("Status that is not JSON", "deployments",
         lambda api: api.respond("deployments", "etcdserver: request timed out", status=500,
                                 content_type="text/plain"),
         ("server error (500)", "not a Kubernetes Status (text/plain"), requests=RETRIED),
    Lost("HTML page from a proxy", "deployments",
         lambda api: api.respond("deployments", HTML, status=502,
                                 content_type="text/html; charset=utf-8"),
         ("bad gateway (502)", "not a Kubernetes Status (text/html"), requests=RETRIED),
    Lost("200 with a JSON array", "deployments",
         lambda api: api.respond("deployments", [{"kind": "Deployment"}]),
         ("unexpected response: an array",), requests=1),
]


@pytest.mark.parametrize("case", LOST, ids=[c.name for c in LOST])
def test_a_lost_kind_is_a_named_problem_and_lowers_coverage(
    case: Lost, clean: Run, clean_paged: Run, tmp_path: Path
) -> None:
    objects = hardened_objects() + (filler_deployments() if case.paged else [])
    run = audit(tmp_path, objects, case.inject)
    problem = run.problem(case.plural)
    for words in case.says:
        assert words in problem
    base = clean_paged if case.paged else clean
    assert run.coverage < base.coverage
    assert not any(f["status"] == "error" for f in run.target["findings"])
    if case.requests is not None:
        assert len(run.requests(case.plural)) == case.requests
    assert run.api.methods() == {"GET"}


# --- faults that are recovered from ------------------------------------------------------


@dataclass(frozen=True)
class Recovered:
    name: str
    plural: str
    inject: Callable[[FakeKubeAPI], object]
    requests: int
    paged: bool = False


RECOVERED = [
    Recovered("410 mid-list, relisted", "deployments",
              lambda api: api.expire_continue("deployments", after_pages=1, times=1),
              requests=2 + 2, paged=True),
    Recovered("429 once", "deployments",
              lambda api: api.throttle("deployments", retry_after=1, times=1), requests=2),
    Recovered("500 twice", "deployments",
              lambda api: api.fail("deployments", 500, times=2), requests=3),
    Recovered("503 with Retry-After", "deployments",
              lambda api: api.fail("deployments", 503, times=1, retry_after=1), requests=2),
    Recovered("reset once", "deployments", lambda api: api.reset("deployments", times=1),
              requests=2),
    Recovered("slow once", "deployments", lambda api: api.delay("deployments", 3, times=1),
              requests=2),
    Recovered("reset until the last retry", "pods",
              lambda api: api.reset("pods", times=live.MAX_RETRIES), requests=RETRIED),
]


@pytest.mark.parametrize("case", RECOVERED, ids=[c.name for c in RECOVERED])
def test_a_passing_fault_is_retried_and_changes_nothing(
    case: Recovered, clean: Run, clean_paged: Run, tmp_path: Path
) -> None:
    objects = hardened_objects() + (filler_deployments() if case.paged else [])
    run = audit(tmp_path, objects, case.inject)
    base = clean_paged if case.paged else clean
    assert not any(p.startswith("list ") for p in run.problems), run.problems
    # The same verdicts as without the fault: a relist does not count objects twice.
    assert verdicts(run.report) == verdicts(base.report)
    assert run.coverage == base.coverage
    assert len(run.requests(case.plural)) == case.requests


def test_a_relisted_kind_holds_each_object_once(tmp_path: Path) -> None:
    run = audit(tmp_path, hardened_objects() + filler_deployments(),
                lambda api: api.expire_continue("deployments", after_pages=1, times=1))
    assert [r.status for r in run.requests("deployments")] == [200, 410, 200, 200]
    subjects = [f["subject"] for f in run.target["findings"]
                if f["check_id"] == "K8S-GITOPS-001"]
    assert len(subjects) == len(set(subjects))
    assert sum("zz-filler" in s for s in subjects) == 600


# --- bounded retries ---------------------------------------------------------------------


def test_a_permanent_500_is_tried_a_bounded_number_of_times_with_growing_waits(
    tmp_path: Path,
) -> None:
    run = audit(tmp_path, hardened_objects(), lambda api: api.fail("deployments", 500))
    tries = run.requests("deployments")
    assert len(tries) == 1 + live.MAX_RETRIES
    assert all(r.status == 500 for r in tries)
    gaps = [b.received - a.received for a, b in itertools.pairwise(tries)]
    for retry, gap in enumerate(gaps):
        # Each wait lies in its own jitter range, and the ranges rise (0.25-0.5 s, 0.5-1 s,
        # 1-2 s); the slack above is the request itself on a loaded machine.
        assert live.backoff_s(retry, 0.0) - 0.01 <= gap <= live.backoff_s(retry, 1.0) + 1.0
    assert live.backoff_s(0, 0.0) < live.backoff_s(1, 0.0) < live.backoff_s(2, 0.0)
    assert gaps[-1] > gaps[0], "backoff waits grow"


def test_backoff_is_exponential_with_equal_jitter_and_capped() -> None:
    for retry in range(8):
        low, high = live.backoff_s(retry, 0.0), live.backoff_s(retry, 0.999999)
        step = min(live.BACKOFF_CAP_S, live.BACKOFF_S * 2 ** retry)
        assert low == pytest.approx(step / 2) and high == pytest.approx(step, rel=1e-5)
        # The smallest next wait is no shorter than the largest wait before it.
        assert live.backoff_s(retry + 1, 0.0) >= high or step == live.BACKOFF_CAP_S
    assert live.backoff_s(50, 0.999) <= live.BACKOFF_CAP_S


@pytest.mark.parametrize(("header", "seconds"), [
    ("3", 3.0), ("0.5", 0.5), ("-4", 0.0), ("", None), ("soon", None), ("nan", None),
    ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # a date in the past: retry at once
])
def test_retry_after_is_read_as_seconds_or_a_date(header: str, seconds: float | None) -> None:
    assert live.retry_after_s({"retry-after": header} if header else {}) == seconds


def test_a_retry_after_longer_than_the_budget_left_is_not_waited_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live, "BUDGET_FLOOR_S", 2.0)  # budget 2 s with --timeout 1
    wait = 8  # under the cap: only the budget forbids it
    assert wait <= live.RETRY_AFTER_CAP_S
    run = audit(tmp_path, hardened_objects(),
                lambda api: api.throttle("deployments", retry_after=wait, times=None))
    problem = run.problem("deployments")
    assert "throttled (429)" in problem and "not retried" in problem and "budget" in problem
    assert len(run.requests("deployments")) == 1
    assert run.elapsed < wait


def test_every_kind_failing_at_once_shares_one_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A budget shorter than one kind's full backoff (0.25-0.5 + 0.5-1 + 1-2 s), so that
    # the kinds listed after the first wave find it spent.
    monkeypatch.setattr(live, "BUDGET_FLOOR_S", 1.5)
    budget = live.budget_s(TIMEOUT)
    # Nothing listed, nothing judged: exit 2 (DESIGN, CLI), the report written all the same.
    run = audit(tmp_path, hardened_objects(), lambda api: api.fail("*", 503), code=2)
    lists = [p for p in run.problems if p.startswith("list ")]
    assert len(lists) == len(live.KINDS) + 1  # and the Helm release records
    assert any("not retried" in p and "budget" in p for p in lists)
    tries = [len([r for r in run.api.log if r.path == path]) for path in {r.path for r in
                                                                       run.api.log}]
    assert max(tries) <= RETRIED
    # Kinds started late in the budget are retried less, or not at all, once it is spent;
    # without a shared budget every kind would be tried 1 + MAX_RETRIES times.
    assert sum(tries) < 0.6 * RETRIED * len(tries)
    # Waits run side by side and none begins past the budget: not 22 kinds x 3.5 s.
    assert run.elapsed < budget + live.BACKOFF_CAP_S
    assert run.target["score"]["value"] is None


def test_a_server_that_never_answers_is_given_up_on_as_a_whole(tmp_path: Path) -> None:
    run = audit(tmp_path, hardened_objects(), lambda api: api.delay("*", 30), code=2)
    assert any(p.startswith("cluster:") and "answered no request" in p for p in run.problems)
    lists = [p for p in run.problems if p.startswith("list ")]
    assert len(lists) == len(live.KINDS) + 1 and all("no answer" in p for p in lists)
    # The first wave times out together; nothing is retried after that. Kind by kind,
    # the budget alone would let the first wave retry and every later kind time out.
    assert len(run.api.log) <= live.UNREACHABLE_AFTER + live.WORKERS
    assert run.elapsed < live.budget_s(TIMEOUT)


# --- what is not a problem -------------------------------------------------------------------


def test_an_absent_crd_is_a_feature_not_installed_not_a_problem(clean: Run,
                                                                   tmp_path: Path) -> None:
    run = audit(tmp_path, hardened_objects(), lambda api: None, crds=False)
    assert any(r.status == 404 for r in run.requests("servicemonitors"))
    assert not any(p.startswith("list ") for p in run.problems), run.problems
    assert run.coverage == clean.coverage
    assert verdicts(run.report) == verdicts(clean.report)


# --- malformed objects ------------------------------------------------------------------------


def _bad_containers() -> list[Any]:
    return [None, 5, "web", {"name": 5, "image": 7, "securityContext": "yes", "resources": [],
                             "ports": {"http": 8088}, "env": "SECRET_KEY=x", "command": "gunicorn",
                             "args": 5, "livenessProbe": [], "readinessProbe": "yes",
                             "volumeMounts": {"a": 1}}]


def _malformed(kind: str) -> list[Any]:
    """Objects a real server would never hold: every field of the wrong type somewhere."""
    bad = "bad-ns"
    return [
        {}, None, 5, "x", [],
        {"metadata": None},
        {"metadata": {"namespace": bad}},
        {"metadata": {"name": 5, "namespace": bad}},
        {"metadata": {"name": "", "namespace": bad}},
        {"metadata": {"name": f"null-spec-{kind}", "namespace": bad}, "spec": None,
         "status": None},
        {"metadata": {"name": f"list-spec-{kind}", "namespace": bad}, "spec": [], "status": []},
        {"metadata": {"name": f"wrong-meta-{kind}", "namespace": 7, "labels": ["a"],
                      "annotations": {"auditor.io/waive.K8S-NETWORK-001": 5, "x": None},
                      "ownerReferences": "me", "managedFields": {"manager": "kubectl"}}},
        {"metadata": {"name": f"wrong-types-{kind}", "namespace": bad,
                      "labels": {"app": 1, "app.kubernetes.io/name": None},
                      "ownerReferences": [None, {"kind": 5, "name": []}]},
         "spec": {"replicas": "two", "selector": "app=web", "strategy": [],
                  "revisionHistoryLimit": "ten", "ports": "8088", "type": 5, "rules": {},
                  "tls": "yes", "minAvailable": [], "maxUnavailable": {}, "minReplicas": "1",
                  "maxReplicas": None, "metrics": "cpu", "podSelector": [], "ingress": "all",
                  "accessModes": "rwo", "resources": [], "nodeName": 5,
                  "containers": _bad_containers(), "initContainers": "init",
                  "securityContext": "root", "volumes": {"a": 1},
                  "template": {"metadata": {"labels": "app", "annotations": ["x"]},
                               "spec": {"containers": _bad_containers(), "affinity": "spread",
                                        "topologySpreadConstraints": {"a": 1},
                                        "securityContext": [], "volumes": "data"}},
                  "jobTemplate": {"spec": {"template": "x"}}},
         "status": {"conditions": "Ready", "containerStatuses": {"restartCount": "9"},
                    "phase": 5, "replicas": "x", "disruptionsAllowed": "none",
                    "currentReplicas": [], "desiredReplicas": {}},
         "data": ["SECRET_KEY"], "stringData": "SECRET_KEY=x"},
    ]


MALFORMED_KINDS = [("deployments", "apps/v1", "Deployment"), ("pods", "v1", "Pod"),
                   ("services", "v1", "Service"), ("configmaps", "v1", "ConfigMap"),
                   ("poddisruptionbudgets", "policy/v1", "PodDisruptionBudget"),
                   ("horizontalpodautoscalers", "autoscaling/v2", "HorizontalPodAutoscaler"),
                   ("ingresses", "networking.k8s.io/v1", "Ingress"),
                   ("networkpolicies", "networking.k8s.io/v1", "NetworkPolicy"),
                   ("persistentvolumeclaims", "v1", "PersistentVolumeClaim"),
                   ("statefulsets", "apps/v1", "StatefulSet"), ("cronjobs", "batch/v1", "CronJob")]


def _serve_malformed(api: FakeKubeAPI) -> None:
    for plural, api_version, kind in MALFORMED_KINDS:
        api.respond(plural, {"kind": f"{kind}List", "apiVersion": api_version,
                             "metadata": {"resourceVersion": "1"}, "items": _malformed(kind)})
    api.respond("secrets", {"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1",
                            "metadata": None, "items": [
                                {"metadata": {"name": "sh.helm.release.v1.x.v1", "namespace": "a",
                                              "labels": {"owner": "helm", "name": "x",
                                                         "version": "one", "status": 5}}},
                                {"metadata": {"labels": "owner=helm"}}, None]})


def test_malformed_objects_are_normalised_and_no_check_breaks(tmp_path: Path) -> None:
    run = audit(tmp_path, hardened_objects(), _serve_malformed)
    errors = [f"{f['check_id']}: {f['message']}" for f in run.target["findings"]
              if f["status"] == "error"]
    assert errors == []
    assert not any(p.startswith("list ") for p in run.problems), run.problems
    # Nameless objects are not objects: named as ignored, kind by kind.
    ignored = [p for p in run.problems if p.startswith("objects ")]
    assert any(p.startswith("objects deployments.apps:") and "without metadata.name" in p
               for p in ignored)
    subjects = {f["subject"] for f in run.target["findings"]}
    assert "apps/v1/Deployment/bad-ns/wrong-types-Deployment" in subjects


# --- the request log ----------------------------------------------------------------------------


@pytest.fixture
def serving() -> Iterator[FakeKubeAPI]:
    with FakeKubeAPI(hardened_objects()) as api:
        yield api


def test_the_request_log_records_arrival_times(serving: FakeKubeAPI, tmp_path: Path) -> None:
    serving.delay("services", 0.2, times=1)
    kubeconfig = serving.write_kubeconfig(tmp_path / "kc")
    before = time.monotonic()
    scan_report(tmp_path, "kube", "--kubeconfig", str(kubeconfig))
    after = time.monotonic()
    assert all(before <= r.received <= after for r in serving.log)

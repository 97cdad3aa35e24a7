"""supervision: probes, restart policy and rollout strategy."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from auditor.checks.kubernetes.availability import effective_min
from auditor.checks.kubernetes.common import app_workloads, kube, result
from auditor.checks.kubernetes.monitoring import EXPORTERS, SHIPPERS
from auditor.checks.kubernetes.objects import as_map
from auditor.checks.kubernetes.topology import controller_of, superset_role
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style

HEALTH_PATHS = ("/health", "/healthcheck", "/ping")


def _probes(facts: Facts) -> Iterator[Result]:
    k = kube(facts)
    for workload in app_workloads(k):
        gaps = []
        unprobed_sidecars = []
        runs_superset = any(superset_role(c) is not None for c in workload.main_containers())
        for container in workload.main_containers():
            if runs_superset and superset_role(container) is None and any(
                    e in container.image for e in EXPORTERS + SHIPPERS):
                # A metrics exporter or log shipper beside Superset (flux-helmrelease-traefik-
                # statsd-scout): it serves no user traffic, the kubelet restarts it when it
                # exits, and a readiness probe on it would only take the UI out of service
                # with it. Named, not failed. (A proxy sidecar carries the UI: its probes
                # still count.)
                if not any(as_map(container.spec.get(probe))
                           for probe in ("livenessProbe", "readinessProbe")):
                    unprobed_sidecars.append(f"sidecar {container.name}: no probes (restarted "
                                             "by the kubelet when it exits)")
                continue
            for probe in ("livenessProbe", "readinessProbe"):
                if probe == "readinessProbe" and workload.role in ("worker", "beat"):
                    continue  # they serve no traffic; liveness is what restarts them
                if not as_map(container.spec.get(probe)):
                    gaps.append(f"{container.name}: no {probe}")
        if workload.role == "web":
            for container in workload.main_containers():
                if superset_role(container) is None:
                    continue  # sidecars (exporters, proxies) have their own health
                path = as_map(as_map(container.spec.get("readinessProbe")).get("httpGet")).get(
                    "path")
                if container.spec.get("readinessProbe") and path not in HEALTH_PATHS:
                    gaps.append(f"{container.name}: readiness does not call /health")
        restart = workload.pod_spec.get("restartPolicy", "Always")
        if workload.kind == "Pod" and restart != "Always":
            gaps.append(f"restartPolicy {restart}")
        if gaps:
            yield result(workload, Status.FAIL, "; ".join(gaps), gaps)
        elif unprobed_sidecars:
            yield result(workload, Status.PASS, "liveness and readiness probes are set on "
                         "the Superset containers", unprobed_sidecars)
        else:
            yield result(workload, Status.PASS, "liveness and readiness probes are set")


def _rollout(facts: Facts) -> Iterator[Result]:
    k = kube(facts)
    for workload in app_workloads(k):
        if workload.kind != "Deployment" or workload.role in ("beat", "database", "redis"):
            # One beat, one database on its ReadWriteOnce volume, one Redis broker: two at
            # once would double-schedule, fight over the volume (Multi-Attach) or split the
            # Celery queue, so Recreate (or maxSurge 0) is the right rollout for them
            # (kustomize-flux-sops-cberg's superset-pg and superset-redis-official), not
            # "each deploy is an outage": that they are single is the availability row's.
            continue
        strategy = as_map(workload.item.spec.get("strategy"))
        kind = strategy.get("type", "RollingUpdate")
        rolling = as_map(strategy.get("rollingUpdate"))
        evidence = [f"strategy {kind}", f"maxUnavailable {rolling.get('maxUnavailable', '25%')}"]
        # An HPA's minimum is the number of pods a rollout starts from, whatever spec.replicas
        # says (left out under an HPA: 1, which made maxUnavailable 1 look like every pod).
        replicas = effective_min(k, workload) or 1
        if kind == "Recreate":
            yield result(workload, Status.FAIL, "strategy Recreate stops every pod before "
                         "starting new ones: each deploy is an outage", evidence)
        elif stops_all(rolling.get("maxUnavailable"), replicas):
            yield result(workload, Status.FAIL, "maxUnavailable lets a rollout stop every pod",
                         evidence)
        else:
            yield result(workload, Status.PASS, "rolling updates keep pods serving", evidence)


def stops_all(max_unavailable: object, replicas: int) -> bool:
    """Whether a rolling update may take every one of ``replicas`` pods down at once.

    A count at or above the replicas does (only equal was caught: 3 of 2 passed); a
    percentage is rounded down by the Deployment controller."""
    if isinstance(max_unavailable, int) and not isinstance(max_unavailable, bool):
        return max_unavailable >= replicas
    if isinstance(max_unavailable, str) and max_unavailable.endswith("%") \
            and max_unavailable[:-1].isdigit():
        return replicas * int(max_unavailable[:-1]) // 100 >= replicas
    return False


CHECKS: tuple[Check, ...] = (
    Check(
        id="K8S-SUPERVISION-001", style=Style.KUBERNETES, row=Row.SUPERVISION,
        severity=Severity.HIGH, title="Long-running containers have liveness and readiness probes",
        rationale="Without probes Kubernetes keeps a hung gunicorn or celery worker running "
                  "and sends traffic to pods that are still starting; Superset's /health is "
                  "made for this.",
        remediation="Add readinessProbe and livenessProbe (httpGet /health on the web port; "
                    "celery inspect ping for workers) and a startupProbe for slow starts.",
        success="probes on every long-running container", failure="missing probes",
        references=("https://kubernetes.io/docs/tasks/configure-pod-container/"
                    "configure-liveness-readiness-startup-probes/",),
        requires=("kubernetes",), evaluate=_probes,
    ),
    Check(
        id="K8S-SUPERVISION-002", style=Style.KUBERNETES, row=Row.SUPERVISION,
        severity=Severity.MEDIUM, title="Rollouts replace pods without an outage",
        rationale="A Recreate strategy or maxUnavailable of every pod turns each deploy into "
                  "downtime.",
        remediation="Use RollingUpdate with maxUnavailable 0 or 1 and maxSurge 1 (beat excepted).",
        success="rolling updates", failure="Recreate or unbounded unavailability",
        requires=("kubernetes",), evaluate=_rollout,
    ),
)


def _runtime(facts: Facts) -> Iterator[Result]:
    """Pods as the cluster reports them (live, or an export with status)."""
    k = kube(facts)
    by_owner: dict[tuple[str, str, str], list[Mapping[str, object]]] = {}
    for pod in k.pods:
        owner = controller_of(pod)
        if owner:
            by_owner.setdefault((str(pod.get("namespace") or ""), *owner), []).append(pod)
    for workload in k.workloads:
        if not workload.long_running:
            continue
        pods = by_owner.get((workload.item.namespace, workload.kind, workload.item.name), [])
        if not pods:
            continue
        troubled = [line for line in map(_trouble, pods) if line]
        if troubled:
            yield result(workload, Status.FAIL, f"{len(troubled)} of {len(pods)} pod(s) not "
                         "ready or restarting", troubled[:8])
        else:
            yield result(workload, Status.PASS, f"{len(pods)} pod(s) ready, none restarting")


RESTARTS = 5


def _trouble(pod: Mapping[str, object]) -> str | None:
    """What is wrong with one pod, or None."""
    restarts = pod.get("restarts")
    problems = [] if pod.get("ready") else ["not ready"]
    if isinstance(restarts, int) and restarts >= RESTARTS:
        problems.append(f"{restarts} restarts")
    return f"{pod.get('name')}: {', '.join(problems)}" if problems else None


RUNTIME = Check(
    id="K8S-SUPERVISION-003", style=Style.KUBERNETES, row=Row.SUPERVISION,
    severity=Severity.HIGH, title="Pods are ready and not restarting",
    rationale="Static settings say nothing of a web pod in CrashLoopBackOff or a worker that "
              "never becomes ready; the cluster's own status does.",
    remediation="Read the pod's events and logs (kubectl describe pod, kubectl logs "
                "--previous) and fix the cause: failing probes, OOM kills, bad configuration.",
    success="every pod ready, fewer than 5 restarts", failure="pods not ready or restarting",
    requires=("kubernetes",), evaluate=_runtime,
)
CHECKS = (*CHECKS, RUNTIME)

"""monitoring and logging: metrics scraped; logs on stdout or shipped."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence

from auditor.checks.kubernetes.common import app_workloads, kube, result
from auditor.checks.kubernetes.facts import KubeFacts, Workload
from auditor.checks.kubernetes.objects import Item, as_list, as_map
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style

SHIPPERS = ("fluent-bit", "fluentbit", "fluentd", "vector", "promtail", "filebeat",
            "otel-collector", "opentelemetry-collector")
EXPORTERS = ("statsd-exporter", "statsd_exporter", "prometheus")


def watches(monitor: Item, namespace: str) -> bool:
    """Whether a ServiceMonitor or PodMonitor looks into ``namespace``: its own namespace
    unless ``namespaceSelector`` says ``any: true`` or lists ``matchNames``."""
    chosen = as_map(monitor.spec.get("namespaceSelector"))
    if chosen.get("any") is True:
        return True
    names = [str(n) for n in as_list(chosen.get("matchNames"))]
    return namespace in names if names else monitor.namespace == namespace


class _Scrapes:
    """Which monitors scrape which workloads, namespace by namespace, through the selector
    indexes: a workload's evidence comes from its own entries, never from a pass over every
    monitor and Service of its namespace."""

    def __init__(self, facts: KubeFacts, monitors: Sequence[Item]) -> None:
        self._facts = facts
        self._monitors = monitors
        # watches(), grouped: monitors that look into every namespace, and by namespace.
        self._everywhere: list[int] = []
        self._watching: dict[str, list[int]] = defaultdict(list)
        for position, monitor in enumerate(monitors):
            chosen = as_map(monitor.spec.get("namespaceSelector"))
            if chosen.get("any") is True:
                self._everywhere.append(position)
                continue
            names = [str(n) for n in as_list(chosen.get("matchNames"))]
            for name in dict.fromkeys(names) if names else (monitor.namespace,):
                self._watching[name].append(position)
        self._done: dict[str, tuple[dict[int, list[int]], dict[int, list[int]]]] = {}

    def evidence(self, workload: Workload) -> list[str]:
        """PodMonitors that select its pods and ServiceMonitors that select a Service that
        selects them, in the order of the monitors (then of the Services)."""
        pods, services = self._of(workload.item.namespace)
        found = [(position, -1, f"PodMonitor {self._monitors[position].name}")
                 for position in pods.get(id(workload), ())]
        for number, service in enumerate(self._facts.relations.selecting("Service", workload)):
            found += [(position, number, f"ServiceMonitor {self._monitors[position].name} "
                                         f"via Service {service.name}")
                      for position in services.get(id(service), ())]
        return [text for _, _, text in sorted(found)]

    def _of(self, namespace: str) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
        """(workload id -> PodMonitors, Service id -> ServiceMonitors) watching ``namespace``."""
        if namespace in self._done:
            return self._done[namespace]
        relations = self._facts.relations
        pods: dict[int, list[int]] = defaultdict(list)
        services: dict[int, list[int]] = defaultdict(list)
        for position in sorted({*self._everywhere, *self._watching.get(namespace, ())}):
            monitor = self._monitors[position]
            selector = as_map(monitor.spec.get("selector"))
            if monitor.kind == "PodMonitor":
                for workload in relations.workloads_selected(namespace, selector):
                    pods[id(workload)].append(position)
            elif monitor.kind == "ServiceMonitor":
                for service in relations.objects_selected("Service", namespace, selector):
                    services[id(service)].append(position)
        self._done[namespace] = (pods, services)
        return pods, services

# gunicorn --access-logfile/--error-logfile/--log-file and celery --logfile, FLAG FILE or
# FLAG=FILE; "-" (gunicorn) and these device paths are stdout and stderr.
LOG_FLAGS = ("--access-logfile", "--error-logfile", "--log-file", "--logfile")
STDOUT = frozenset({"-", "/dev/stdout", "/dev/stderr", "/proc/self/fd/1", "/proc/self/fd/2"})


def log_files(command: str) -> list[tuple[str, str]]:
    """(flag, file) for each log flag of ``command`` that names a file, not stdout.

    The command is read as words (a ``sh -c`` script is one word of the container's
    command, so its text is split again), quotes dropped."""
    words = [w.strip("'\"") for w in command.split()]
    found = []
    for index, word in enumerate(words):
        flag, equals, path = word.partition("=")
        if flag not in LOG_FLAGS:
            continue
        if not equals:
            path = words[index + 1] if index + 1 < len(words) else ""
        if path and path not in STDOUT:
            found.append((flag, path))
    return found


def _metrics(facts: Facts) -> Iterator[Result]:
    k = kube(facts)
    scrapes = _Scrapes(k, k.of("ServiceMonitor", "PodMonitor"))
    # Only the web tier serves HTTP; celery metrics reach Prometheus through it or statsd.
    for workload in k.role("web") or tuple(app_workloads(k)):
        evidence = []
        if workload.pod_annotations.get("prometheus.io/scrape") == "true":
            evidence.append("annotation prometheus.io/scrape: true")
        if any(e in c.image for c in workload.containers for e in EXPORTERS):
            evidence.append("exporter sidecar")
        evidence += scrapes.evidence(workload)
        if evidence == ["exporter sidecar"]:
            # An exporter serves metrics; whether anything scrapes them is written elsewhere
            # (flux-helmrelease-traefik-statsd-scout: a static Prometheus job keeps the
            # superset-statsd-metrics Service), so the message claims no more than that.
            yield result(workload, Status.PASS, "an exporter sidecar serves its metrics; what "
                         "scrapes them (a static Prometheus job, say) is not among the "
                         "audited objects", evidence)
        elif evidence:
            yield result(workload, Status.PASS, "metrics are scraped", evidence)
        else:
            yield result(workload, Status.FAIL, "nothing scrapes its metrics (no ServiceMonitor, "
                         "PodMonitor or scrape annotation)")


def _logs(facts: Facts) -> Iterator[Result]:
    k = kube(facts)
    for workload in app_workloads(k):
        files = [f"{c.name}: {flag} {path}" for c in workload.main_containers()
                 for flag, path in log_files(c.command_text)]
        shipped = any(s in c.image for c in workload.containers for s in SHIPPERS)
        if files and not shipped:
            yield result(workload, Status.FAIL, "logs go to files inside the container, lost "
                         "with the pod and invisible to kubectl logs", files)
        elif files:
            yield result(workload, Status.PASS, "file logs are shipped by a sidecar", files)
        else:
            yield result(workload, Status.PASS, "logs go to stdout, where the cluster collects "
                         "them")


CHECKS = (
    Check(
        id="K8S-MONITORING-001", style=Style.KUBERNETES, row=Row.MONITORING,
        severity=Severity.MEDIUM, title="The app's metrics are scraped",
        rationale="Kubernetes restarts dead pods but does not tell anyone that dashboards got "
                  "slow or workers are backed up; that needs metrics in Prometheus or similar.",
        remediation="Export statsd metrics (STATS_LOGGER + statsd_exporter) and add a "
                    "ServiceMonitor/PodMonitor or prometheus.io/scrape annotations.",
        success="scraped by Prometheus", failure="no scrape configuration",
        references=("https://prometheus-operator.dev/docs/api-reference/api/",),
        requires=("kubernetes",), evaluate=_metrics,
    ),
    Check(
        id="K8S-LOGGING-001", style=Style.KUBERNETES, row=Row.LOGGING, severity=Severity.LOW,
        title="Containers log to stdout or a shipping sidecar",
        rationale="Log files inside a container grow the writable layer and vanish with the "
                  "pod; the cluster's log pipeline reads stdout.",
        remediation="Log to stdout (gunicorn --access-logfile - --error-logfile -) or add a "
                    "log-shipping sidecar.",
        success="stdout or shipped", failure="files in the container",
        requires=("kubernetes",), evaluate=_logs,
    ),
)

"""load-balancing: a Service spreads traffic over several web pods."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.kubernetes.availability import effective_min, hpa_for
from auditor.checks.kubernetes.common import kube, result
from auditor.checks.kubernetes.routes import services_of
from auditor.checks.kubernetes.tiers import serving, tier
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style


def _service(facts: Facts) -> Iterator[Result]:
    k = kube(facts)
    for web in serving(k):
        services = services_of(k, web)
        replicas = effective_min(k, web)
        if not services:
            yield result(web, Status.FAIL, f"no Service selects the {tier(web)} pods")
        elif replicas is None:
            # A count that is not a number was judged as one pod ("replicas 1", evidence
            # the input does not hold); K8S-AVAILABILITY-001 skips it too.
            yield result(web, Status.SKIP, "replica count is not a number",
                         (f"Service {services[0].name}",))
        elif replicas < 2 and hpa_for(k, web) is not None:
            # An HPA sets the count and the workload often writes no replicas at all:
            # "replicas 1" quoted a field the input did not hold.
            yield result(web, Status.FAIL, f"Service {services[0].name} has one pod to send "
                         "traffic to whenever the HPA scales down to its minimum",
                         (f"HPA minReplicas {replicas}",))
        elif replicas < 2:
            yield result(web, Status.FAIL, f"Service {services[0].name} has one pod to send "
                         "traffic to", (f"replicas {replicas}",))
        else:
            yield result(web, Status.PASS, f"Service {services[0].name} spreads traffic over "
                         f"{replicas}+ pods")


CHECKS = (
    Check(
        id="K8S-LOAD-BALANCING-001", style=Style.KUBERNETES, row=Row.LOAD_BALANCING,
        severity=Severity.MEDIUM, title="A Service balances traffic over several web pods",
        rationale="Kubernetes balances only across the pods a Service selects; with one pod "
                  "or no Service there is nothing to balance.",
        remediation="Select the web pods with a ClusterIP Service and run two or more "
                    "replicas.",
        success="a Service over several pods", failure="no Service or a single pod",
        requires=("kubernetes",), evaluate=_service,
    ),
)

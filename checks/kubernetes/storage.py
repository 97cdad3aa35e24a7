"""storage: the metadata database lives on a PersistentVolumeClaim or outside the cluster."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.kubernetes.common import kube, result
from auditor.checks.kubernetes.objects import as_list, as_map
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style

SCRATCH = ("/tmp", "/run", "/var/run", "/dev/shm", "/opt/bitnami/redis/tmp",
           "/opt/bitnami/postgresql/tmp", "/opt/bitnami/postgresql/conf")


def scratch(path: str) -> bool:
    """Whether ``path`` is a scratch folder or lies under one, by whole path components
    (``/tmpdata`` or ``/runtime`` is not ``/tmp`` or ``/run``: it passed as scratch)."""
    return any(path == root or path.startswith(root + "/") for root in SCRATCH)


def _durable(facts: Facts) -> Iterator[Result]:
    k = kube(facts)
    for workload in (*k.role("database"), *k.role("redis")):
        templates = as_list(workload.item.spec.get("volumeClaimTemplates"))
        volumes = {str(as_map(v).get("name")): as_map(v)
                   for v in as_list(workload.pod_spec.get("volumes"))}
        mounts = [as_map(m) for c in workload.main_containers()
                  for m in as_list(c.spec.get("volumeMounts"))]
        # emptyDir for scratch space (/tmp, sockets) is fine; for anything else it is data.
        ephemeral = [m.get("name") for m in mounts if "emptyDir" in volumes.get(
            str(m.get("name")), {}) and not scratch(str(m.get("mountPath", "")))]
        # A claim holds data only where a container mounts it: one declared and never
        # mounted left the data in the container's filesystem and passed.
        claims = {str(as_map(as_map(t).get("metadata")).get("name")) for t in templates} | {
            name for name, volume in volumes.items() if "persistentVolumeClaim" in volume}
        claimed = any(str(m.get("name")) in claims for m in mounts)
        if workload.role == "redis":
            if claimed:
                yield result(workload, Status.PASS, "Redis keeps its data on a volume claim")
            else:
                yield result(workload, Status.WARN, "Redis has no persistence: the Celery queue "
                             "and results are lost on restart",
                             [f"emptyDir {e}" for e in ephemeral])
            continue
        if claimed and not ephemeral:
            yield result(workload, Status.PASS, "the database stores data on a "
                         "PersistentVolumeClaim")
        else:
            yield result(workload, Status.FAIL, "the database stores its data in the pod "
                         "(emptyDir or no volume): every dashboard is lost on restart",
                         [f"emptyDir {e}" for e in ephemeral] or ["no volume claim"])
    for claim in k.of("PersistentVolumeClaim"):
        phase = as_map(claim.obj.get("status")).get("phase")
        if phase and phase != "Bound":
            yield result(claim, Status.FAIL, f"PersistentVolumeClaim is {phase}",
                         (f"status.phase = {phase}",))


CHECKS = (
    Check(
        id="K8S-STORAGE-001", style=Style.KUBERNETES, row=Row.STORAGE, severity=Severity.HIGH,
        title="The metadata database and Redis keep data on durable volumes",
        rationale="A database on emptyDir loses every dashboard, chart and user when its pod "
                  "moves; Redis without persistence drops queued Celery work.",
        remediation="Use a StatefulSet with volumeClaimTemplates (or a managed database via "
                    "SQLALCHEMY_DATABASE_URI) and enable Redis persistence.",
        success="data on PersistentVolumeClaims", failure="data in the pod",
        references=("https://kubernetes.io/docs/concepts/storage/persistent-volumes/",),
        requires=("kubernetes",), evaluate=_durable,
    ),
)

"""backups: a CronJob or a Velero Schedule backs up the database."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from auditor.checks.kubernetes.common import kube, result
from auditor.checks.kubernetes.facts import KubeFacts
from auditor.checks.kubernetes.objects import as_list, as_map
from auditor.checks.superset.dbhost import (
    DatabaseHost,
    outside,
    unread_uri,
    unseen_message,
)
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style

TOOLS = re.compile(r"\b(pg_dump|pg_dumpall|pg_basebackup|pgbackrest|barman|wal-g|mysqldump|"
                   r"restic|velero)\b")
OFF_SITE = re.compile(r"\b(s3|gs|az|rclone|aws|gsutil|restic|wal-g|pgbackrest|azcopy)\b")


def _in_cluster(k: KubeFacts) -> Callable[[DatabaseHost], bool]:
    """Whether a host names a Service among the audited objects (not an ExternalName one)."""
    names: set[str] = set()
    for service in k.of("Service"):
        if service.spec.get("type") == "ExternalName":
            continue
        namespace = service.namespace
        names.update({service.name, f"{service.name}.{namespace}",
                      f"{service.name}.{namespace}.svc",
                      f"{service.name}.{namespace}.svc.cluster.local"})
    return lambda db: db.loopback or db.host.lower().rstrip(".") in names


def covers(template: Mapping[str, Any], namespaces: set[str]) -> bool:
    """Whether a Velero backup template includes every one of ``namespaces``: none listed
    or ``*`` means all, excludedNamespaces wins. A Schedule of the monitoring namespace
    passed as the metadata database's backup."""
    included = {str(n) for n in as_list(template.get("includedNamespaces"))}
    excluded = {str(n) for n in as_list(template.get("excludedNamespaces"))}
    everything = not included or "*" in included
    return all((everything or n in included) and n not in excluded for n in namespaces)


def _backups(facts: Facts) -> Iterator[Result]:
    k = kube(facts)
    if not (k.role("database") or k.role("web")):
        return
    found = False
    for cronjob in (w for w in k.workloads if w.kind == "CronJob"):
        text = " ".join(c.command_text + " " + c.image for c in cronjob.containers)
        tool = TOOLS.search(text)
        if tool:
            found = True
            suspended = cronjob.item.spec.get("suspend") is True
            where = "off the cluster" if OFF_SITE.search(text) else "inside the cluster"
            evidence = (f"schedule {cronjob.item.spec.get('schedule')}", f"tool: {tool.group(1)}")
            if suspended:
                yield result(cronjob, Status.FAIL, "the backup CronJob is suspended", evidence)
            elif where == "off the cluster":
                yield result(cronjob, Status.PASS, "a scheduled backup copies the database off "
                             "the cluster", evidence)
            else:
                yield result(cronjob, Status.WARN, "backups are scheduled but stay inside the "
                             "cluster", evidence)
    wanted = {w.item.namespace for w in (*k.role("database"), *k.role("web"))}
    for schedule in k.of("Schedule"):
        if not str(schedule.obj.get("apiVersion", "")).startswith("velero.io/"):
            continue
        template = as_map(schedule.spec.get("template"))
        namespaces = [str(n) for n in as_list(template.get("includedNamespaces"))]
        if not covers(template, wanted):
            continue  # it backs up other namespaces: not the database's backup
        found = True
        if schedule.spec.get("paused") is True:
            yield result(schedule, Status.FAIL, "the Velero Schedule is paused",
                         (f"schedule {schedule.spec.get('schedule')}", "paused: true"))
        else:
            yield result(schedule, Status.PASS, "a Velero Schedule backs up "
                         + (", ".join(namespaces) or "the cluster"))
    hosts = None if found or k.role("database") else outside(facts, _in_cluster(k))
    # No database among the objects and an address that cannot be read: the database lives
    # somewhere these files do not show, so its backups cannot be judged from them.
    unread = None if found or k.role("database") or hosts else unread_uri(facts)
    if hosts:
        yield result(k.role("web")[0], Status.SKIP, unseen_message(hosts),
                     tuple(sorted({h.source for h in hosts})))
    elif unread:
        yield result(k.role("web")[0], Status.SKIP, "no database runs among the audited "
                     "objects and the metadata database's address cannot be read: its backups "
                     "cannot be seen from here; check them where it lives", (unread,))
    elif not found:
        anchor = (k.role("database") or k.role("web"))[0]
        # Without a Superset workload among the objects (kustomize-flux-sops-cberg: its
        # HelmRelease is not rendered, and the PostgreSQL there is a replacement not yet
        # cut over to), nothing says this database holds Superset's metadata.
        # "Has no backup" would claim more than the objects show: a pg_dump from a
        # bastion or a managed snapshot is invisible here (helm-nodeport-oauth-toolforge).
        what = ("none among the audited objects backs up the metadata database (every "
                "dashboard and user)" if k.role("web") else
                f"none among the audited objects backs up database {anchor.item.name} (and "
                "no Superset workload among them tells whether it holds Superset's metadata)")
        yield result(anchor, Status.FAIL, f"no backup CronJob or Velero Schedule: {what}",
                     ("looked for CronJobs running pg_dump, pgbackrest, wal-g, restic and "
                      "Velero Schedules",))


CHECKS = (
    Check(
        id="K8S-BACKUPS-001", style=Style.KUBERNETES, row=Row.BACKUPS, severity=Severity.HIGH,
        title="The metadata database is backed up on a schedule",
        rationale="PVCs are not backups: a deleted namespace, a bad migration or a lost volume "
                  "takes every dashboard with it unless a copy lives elsewhere.",
        remediation="Add a CronJob running pg_dump to object storage, use your managed "
                    "database's snapshots, or a Velero Schedule for the namespace.",
        success="scheduled off-cluster backups", failure="no backup",
        references=("https://velero.io/docs/main/backup-reference/",),
        requires=("kubernetes",), evaluate=_backups,
    ),
)

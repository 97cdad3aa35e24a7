"""A metadata database hosted outside the audited system: its backups cannot be seen from
here, so the backups checks say so (skip with the reason) instead of "there is no backup"."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from conftest import scan_report

from auditor.checks.superset.configmodel import analyze
from auditor.checks.superset.dbhost import database_host

FIXTURES = Path(__file__).parent / "fixtures"
RDS = "superset-meta.c9akciq32.eu-west-1.rds.amazonaws.com"
SECRET = "s3cr3t-Pa55"

MANIFEST = f"""\
apiVersion: v1
kind: ConfigMap
metadata: {{name: superset-config, namespace: bi}}
data:
  superset_config.py: |
    import os
    SQLALCHEMY_DATABASE_URI = f"postgresql+psycopg2://superset:{{os.environ['DB_PASS']}}@{RDS}:5432/superset"
---
apiVersion: v1
kind: Secret
metadata: {{name: db, namespace: bi}}
stringData: {{DB_PASS: {SECRET}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: superset, namespace: bi}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: superset}}}}
  template:
    metadata: {{labels: {{app: superset}}}}
    spec:
      containers:
        - name: superset
          image: apache/superset:4.1.2
          command: ["gunicorn", "-w", "4", "superset.app:create_app()"]
          env:
            - name: DB_PASS
              valueFrom: {{secretKeyRef: {{name: db, key: DB_PASS}}}}
          volumeMounts: [{{name: config, mountPath: /app/pythonpath}}]
      volumes:
        - name: config
          configMap: {{name: superset-config}}
"""


def _finding(report: dict[str, Any], check: str) -> dict[str, Any]:
    (found,) = [f for t in report["targets"] for f in t["findings"] if f["check_id"] == check]
    return found


def _assert_unseen(finding: dict[str, Any]) -> None:
    assert finding["status"] == "skip", finding
    assert RDS in finding["message"] and "Amazon RDS" in finding["message"]
    assert "cannot be seen from here" in finding["message"]
    assert SECRET not in str(finding)


def test_rds_metadata_db_in_kubernetes_is_not_called_unbacked(tmp_path: Path) -> None:
    """A release whose metadata DB is on Amazon RDS (no PostgreSQL in the cluster, no backup
    CronJob): K8S-BACKUPS-001 said "the metadata database has no backup"."""
    (tmp_path / "superset.yaml").write_text(MANIFEST)
    report = scan_report(tmp_path, str(tmp_path / "superset.yaml"), "--style", "kubernetes")
    _assert_unseen(_finding(report, "K8S-BACKUPS-001"))


def test_unreadable_uri_and_no_database_in_the_cluster_is_not_called_unbacked(
        tmp_path: Path) -> None:
    """Apache Superset's chart with the operator's production values: the database is a
    managed service whose address comes from a Secret made out of band (External Secrets),
    so neither a database workload nor the URI is among the objects. "No backup" was a
    verdict on a database the files do not show; with PostgreSQL in the cluster and no
    backup job it is still a fail."""
    unread = MANIFEST.replace(
        f"@{RDS}:5432", "@{os.environ['DB_HOST']}:5432").replace(
        "              valueFrom: {secretKeyRef: {name: db, key: DB_PASS}}",
        "              valueFrom: {secretKeyRef: {name: db, key: DB_PASS}}\n"
        "          envFrom: [{secretRef: {name: superset-env}}]")
    assert "superset-env" in unread
    (tmp_path / "superset.yaml").write_text(unread)
    report = scan_report(tmp_path, str(tmp_path / "superset.yaml"), "--style", "kubernetes")
    found = _finding(report, "K8S-BACKUPS-001")
    assert found["status"] == "skip", found
    assert "cannot be seen from here" in found["message"]
    assert any("DB_HOST" in e and "superset-env" in e for e in found["evidence"])
    postgres = unread + """\
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: postgres, namespace: bi}
spec:
  selector: {matchLabels: {app: pg}}
  template:
    metadata: {labels: {app: pg}}
    spec:
      containers: [{name: postgres, image: "postgres:16.4"}]
"""
    (tmp_path / "superset.yaml").write_text(postgres)
    report = scan_report(tmp_path, str(tmp_path / "superset.yaml"), "--style", "kubernetes")
    assert _finding(report, "K8S-BACKUPS-001")["status"] == "fail"


def test_rds_metadata_db_on_a_systemd_host(tmp_path: Path) -> None:
    """A VM built by an Ansible role with its metadata DB on RDS and no local PostgreSQL: both
    SYSTEMD-BACKUPS checks failed as if the database had no backup."""
    root = tmp_path / "host"
    shutil.copytree(FIXTURES / "systemd" / "pass-hardened", root)
    for backups in ("etc/cron.d", "etc/postgresql", "etc/pgbackrest", "var/lib/postgresql"):
        shutil.rmtree(root / backups, ignore_errors=True)
    for timer in (root / "etc/systemd/system").glob("*backup*"):
        timer.unlink()
    for env in (root / "etc").rglob("*"):
        if env.is_file() and "SUPERSET_DATABASE_URI=" in env.read_text(errors="replace"):
            lines = [f"SUPERSET_DATABASE_URI=postgresql://superset:{SECRET}@{RDS}:5432/superset"
                     if line.startswith("SUPERSET_DATABASE_URI=") else line
                     for line in env.read_text().splitlines()]
            env.write_text("\n".join(lines) + "\n")
    report = scan_report(tmp_path, str(root), "--style", "systemd")
    _assert_unseen(_finding(report, "SYSTEMD-BACKUPS-001"))
    _assert_unseen(_finding(report, "SYSTEMD-BACKUPS-002"))


def test_rds_metadata_db_for_a_pip_install(tmp_path: Path) -> None:
    project = tmp_path / "pip"
    shutil.copytree(FIXTURES / "pip" / "fail-dev", project)
    (project / "backup.sh").unlink()
    config = project / "superset_config.py"
    config.write_text(config.read_text().replace(
        'SQLALCHEMY_DATABASE_URI = "sqlite:////tmp/superset/superset.db"',
        f'SQLALCHEMY_DATABASE_URI = "postgresql://superset:{SECRET}@{RDS}/superset"'))
    _assert_unseen(_finding(scan_report(tmp_path, str(project)), "PIP-BACKUPS-001"))


def test_database_hosts() -> None:
    def host(uri: str) -> tuple[str, str | None] | None:
        found = database_host(analyze(f"SQLALCHEMY_DATABASE_URI = {uri!r}\n", "c.py", {}))
        return (found.host, found.managed) if found else None

    assert host(f"postgresql://u:p@{RDS}:5432/s") == (RDS, "Amazon RDS")
    assert host("postgresql://u:p@pg.postgres.database.azure.com/s")[1] == (  # type: ignore[index]
        "Azure Database for PostgreSQL")
    assert host("postgresql+psycopg2://u:p@/s?host=/cloudsql/proj:eu:meta") == (
        "/cloudsql/proj:eu:meta", "Google Cloud SQL")
    assert host("postgresql://u:p@localhost/s") == ("localhost", None)
    assert host("sqlite:////var/lib/superset/superset.db") is None


def test_rds_metadata_db_in_compose_says_where_it_lives(tmp_path: Path) -> None:
    """A Compose project with Superset only and its metadata DB on RDS: the skip now says the
    database lives outside the project instead of only "no database service"."""
    project = tmp_path / "compose"
    project.mkdir()
    (project / "compose.yaml").write_text(
        "services:\n  superset:\n    image: apache/superset:4.1.2\n"
        "    volumes: ['./superset_config.py:/app/pythonpath/superset_config.py']\n")
    (project / "superset_config.py").write_text(
        f'SQLALCHEMY_DATABASE_URI = "postgresql://superset:{SECRET}@{RDS}/superset"\n')
    _assert_unseen(_finding(scan_report(tmp_path, str(project)), "COMPOSE-BACKUPS-001"))

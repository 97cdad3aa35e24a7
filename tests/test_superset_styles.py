"""The same weak Superset configuration, kept the way each style keeps it, gives the same
app findings in every style (issue 5: a config file plus environment from a .env file, a
systemd EnvironmentFile, a Compose env_file, and a Kubernetes Secret and ConfigMap)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from conftest import scan_report

CONFIG = """import os

SQLALCHEMY_DATABASE_URI = os.environ["DATABASE_URL"]
TALISMAN_ENABLED = False
FEATURE_FLAGS = {"ENABLE_JAVASCRIPT_CONTROLS": True, "EMBEDDED_SUPERSET": True}
"""
ENV = {
    "SUPERSET_SECRET_KEY": "thisISaSECRET_1234",
    "DATABASE_URL": "sqlite:////var/lib/superset/superset.db",
    "FLASK_DEBUG": "1",
    # apache/superset's image sets SUPERSET_ENV=production itself (Compose and Kubernetes
    # read it from the image); the same environment everywhere names it for pip and systemd.
    "SUPERSET_ENV": "production",
}
GUNICORN = ("gunicorn -w 4 -b 127.0.0.1:8088 --timeout 120 "
            "\"superset.app:create_app()\"")


def _env_file() -> str:
    return "".join(f"{k}={v}\n" for k, v in ENV.items())


def pip_project(root: Path) -> Path:
    (root / "venv").mkdir(parents=True)
    (root / "venv" / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.11.2\n")
    (root / "requirements.txt").write_text("apache-superset==6.0.0\n")
    (root / "superset_config.py").write_text(CONFIG)
    (root / ".env").write_text(_env_file())
    (root / "run.sh").write_text(f"#!/bin/sh\nvenv/bin/{GUNICORN}\n")
    return root


def systemd_tree(root: Path) -> Path:
    units = root / "etc" / "systemd" / "system"
    units.mkdir(parents=True)
    (root / "etc" / "superset").mkdir()
    (root / "etc" / "superset" / "superset_config.py").write_text(CONFIG)
    (root / "etc" / "superset" / "superset.env").write_text(_env_file())
    (units / "superset.service").write_text(
        "[Unit]\nDescription=Superset\n\n[Service]\nUser=superset\n"
        "Environment=SUPERSET_CONFIG_PATH=/etc/superset/superset_config.py\n"
        "EnvironmentFile=/etc/superset/superset.env\n"
        f"ExecStart=/opt/superset/venv/bin/{GUNICORN}\n\n[Install]\n"
        "WantedBy=multi-user.target\n")
    return root


def compose_project(root: Path) -> Path:
    (root / "docker" / "pythonpath").mkdir(parents=True)
    (root / "docker" / "pythonpath" / "superset_config.py").write_text(CONFIG)
    (root / "docker" / ".env").write_text(_env_file())
    (root / "compose.yaml").write_text(yaml.safe_dump({"services": {"superset": {
        "image": "apache/superset:6.0.0", "env_file": ["docker/.env"],
        "volumes": ["./docker/pythonpath:/app/pythonpath:ro"],
        "command": ["/usr/bin/run-server.sh"], "ports": ["127.0.0.1:8088:8088"]}}}))
    return root


def kubernetes_manifests(root: Path) -> Path:
    root.mkdir(parents=True)
    labels = {"app": "superset"}
    docs = [
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "env", "namespace": "bi"},
         "stringData": ENV},
        {"apiVersion": "v1", "kind": "ConfigMap",
         "metadata": {"name": "config", "namespace": "bi"},
         "data": {"superset_config.py": CONFIG}},
        {"apiVersion": "apps/v1", "kind": "Deployment",
         "metadata": {"name": "superset", "namespace": "bi"},
         "spec": {"replicas": 2, "selector": {"matchLabels": labels}, "template": {
             "metadata": {"labels": labels}, "spec": {
                 "containers": [{"name": "superset", "image": "apache/superset:6.0.0",
                                 "command": ["/usr/bin/run-server.sh"],
                                 "ports": [{"containerPort": 8088}],
                                 "envFrom": [{"secretRef": {"name": "env"}}],
                                 "volumeMounts": [{"name": "config",
                                                   "mountPath": "/app/pythonpath"}]}],
                 "volumes": [{"name": "config", "configMap": {"name": "config"}}]}}}},
    ]
    (root / "superset.yaml").write_text(yaml.safe_dump_all(docs))
    return root


def app_verdicts(report: dict[str, Any]) -> dict[str, str]:
    """check id -> status of the Superset app checks (subjects differ by scope)."""
    found: dict[str, set[str]] = {}
    for target in report["targets"]:
        for finding in target["findings"]:
            if finding["check_id"].startswith("SUPERSET-"):
                found.setdefault(finding["check_id"], set()).add(finding["status"])
    assert all(len(statuses) == 1 for statuses in found.values()), found
    return {check: statuses.pop() for check, statuses in found.items()}


def test_same_weak_configuration_same_findings_in_every_style(tmp_path: Path) -> None:
    reports = {
        "pip": scan_report(tmp_path, str(pip_project(tmp_path / "pip"))),
        "systemd": scan_report(tmp_path, "--root", str(systemd_tree(tmp_path / "vm"))),
        "compose": scan_report(tmp_path, str(compose_project(tmp_path / "compose"))),
        "kubernetes": scan_report(tmp_path, str(kubernetes_manifests(tmp_path / "k8s"))),
    }
    verdicts = {style: app_verdicts(report) for style, report in reports.items()}
    for style, report in reports.items():
        assert style in {t["style"] for t in report["targets"]}, style
    expected = {
        "SUPERSET-CONFIG-SECRETS-001": "fail",  # the chart's published key
        "SUPERSET-STORAGE-001": "fail",  # sqlite from DATABASE_URL
        "SUPERSET-APP-SECURITY-003": "fail",  # Talisman off
        "SUPERSET-APP-SECURITY-004": "fail",  # FLASK_DEBUG=1
        "SUPERSET-APP-SECURITY-009": "fail",  # JavaScript controls
        "SUPERSET-CONFIG-SECRETS-002": "fail",  # embedding on, default guest secret
    }
    for style, found in verdicts.items():
        for check, status in expected.items():
            assert found.get(check) == status, (style, check, found.get(check))
    shared = set.intersection(*(set(v) for v in verdicts.values()))
    for check in shared:
        assert len({v[check] for v in verdicts.values()}) == 1, (
            check, {style: v[check] for style, v in verdicts.items()})
    for blob in (str(r) for r in reports.values()):
        assert ENV["SUPERSET_SECRET_KEY"] not in blob

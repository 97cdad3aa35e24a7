"""False verdicts found on the cases of ``fixtures/realworld/cases-compose3.json`` (helper
compose3, session 6): each test fails without its fix. A verdict that belongs to a file this
helper does not own is an ``xfail(strict=True)`` naming the owner's file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from auditor.checks.common.tree import Tree
from auditor.checks.systemd.services import collect_services
from auditor.checks.systemd.units import UnitIndex
from auditor.cli import main


def write(root: Path, inner: str, text: str) -> Path:
    path = root / inner.lstrip("/")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def scan(target: Path, tmp_path: Path, *args: str) -> list[dict[str, Any]]:
    out = tmp_path / "report.json"
    main(["scan", str(target), *args, "--format", "json", "--output", str(out)])
    report = json.loads(out.read_text())
    return [f for t in report["targets"] for f in t["findings"]]


def by_id(findings: list[dict[str, Any]], check_id: str) -> list[dict[str, Any]]:
    return [f for f in findings if f["check_id"] == check_id]


# --- systemd: a wrapper script that exports SUPERSET_CONFIG_PATH (jortencio/superset) --------

WRAPPER = """#! /bin/bash
export SUPERSET_CONFIG_PATH=/home/superset/apache-superset/superset_config.py

/home/superset/apache-superset/bin/gunicorn \\
      -w 10 -k gevent -b 0.0.0.0:8088 "superset.app:create_app()"
"""


def _wrapper_host(root: Path) -> Path:
    write(root, "bin/superset.gunicorn", WRAPPER)
    write(root, "usr/lib/systemd/system/superset.service",
          "[Service]\nExecStart=/bin/superset.gunicorn\nUser=superset\nRestart=on-failure\n")
    write(root, "home/superset/apache-superset/superset_config.py",
          "# Managed by Puppet\nSQLALCHEMY_DATABASE_URI = "
          "'postgresql://superset:pw@localhost:5432/superset'\n")
    write(root, "home/superset/apache-superset/pyvenv.cfg", "home = /usr/bin\n")
    return root


def test_wrapper_exports_reach_the_service_environment(tmp_path: Path) -> None:
    root = _wrapper_host(tmp_path)
    problems: dict[str, str] = {}
    found = collect_services(UnitIndex.build(Tree.at(root), problems), problems)
    web = found.services[0]
    assert web.via == "/bin/superset.gunicorn"
    env = web.env["SUPERSET_CONFIG_PATH"]
    assert env.value == "/home/superset/apache-superset/superset_config.py"
    assert env.source == "/bin/superset.gunicorn:2"


def test_wrapper_exported_config_is_the_one_audited(tmp_path: Path) -> None:
    """The config the wrapper names is read: postgresql, not 'sqlite from Superset default';
    its '# Managed by Puppet' header is seen by gitops."""
    findings = scan(_wrapper_host(tmp_path / "host"), tmp_path, "--style", "systemd")
    storage = by_id(findings, "SUPERSET-STORAGE-001")
    assert storage and storage[0]["status"] == "pass", storage
    gitops = by_id(findings, "SYSTEMD-GITOPS-001")
    assert gitops and gitops[0]["status"] == "pass", gitops


def test_wrapper_export_after_the_launch_is_not_its_environment(tmp_path: Path) -> None:
    write(tmp_path, "opt/run.sh", "#!/bin/sh\n/opt/venv/bin/gunicorn -w 2 'superset.app:"
          "create_app()'\nexport SUPERSET_CONFIG_PATH=/nowhere.py\n")
    write(tmp_path, "etc/systemd/system/superset.service", "[Service]\nExecStart=/opt/run.sh\n")
    problems: dict[str, str] = {}
    found = collect_services(UnitIndex.build(Tree.at(tmp_path), problems), problems)
    assert "SUPERSET_CONFIG_PATH" not in found.services[0].env


def test_statsd_to_localhost_with_no_receiver_is_not_monitored(tmp_path: Path) -> None:
    """jortencio/superset: gunicorn --statsd-host localhost:8125 and nothing on the host
    listens there: a warn, not 'monitored'."""
    findings = scan(_wrapper_host(tmp_path / "host"), tmp_path, "--style", "systemd")
    found = by_id(findings, "SYSTEMD-MONITORING-001")
    assert found and found[0]["status"] == "fail", found  # the script sends no statsd
    root = tmp_path / "h2"
    _wrapper_host(root)
    write(root, "bin/superset.gunicorn", WRAPPER.replace('-b 0.0.0.0:8088',
          '-b 0.0.0.0:8088 --statsd-host localhost:8125'))
    found = by_id(scan(root, tmp_path, "--style", "systemd"), "SYSTEMD-MONITORING-001")
    assert found[0]["status"] == "warn" and "no agent" in found[0]["message"], found
    write(root, "bin/superset.gunicorn", WRAPPER.replace('-b 0.0.0.0:8088',
          '-b 0.0.0.0:8088 --statsd-host metrics.example.org:8125'))
    found = by_id(scan(root, tmp_path, "--style", "systemd"), "SYSTEMD-MONITORING-001")
    assert found[0]["status"] == "pass", found


# --- compose: a Swarm stack routed by a Traefik of another stack (jembi/platform) ------------

STACK = """version: "3.9"
services:
  superset:
    image: apache/superset:3.1.1
    deploy:
      labels:
        - traefik.enable=true
        - traefik.http.routers.superset.rule=Host(`superset.example.org`)
        - traefik.http.services.superset.loadbalancer.server.port=8088
        - traefik.http.routers.superset.tls=${TLS}
    environment:
      SUPERSET_SECRET_KEY: ${SUPERSET_SECRET_KEY}
    command: sh -c "superset fab create-admin --username ${SUPERSET_USERNAME} \
      --password ${SUPERSET_PASSWORD} && superset db upgrade && /usr/bin/run-server.sh"
    networks: [traefik]
networks:
  traefik:
    name: reverse-proxy-traefik_public
    external: true
"""


def _stack(root: Path, tls: str | None = None, extra_env: str = "") -> Path:
    write(root, "docker-compose.yml", STACK)
    env = ("SUPERSET_SECRET_KEY=FAKEfakeFAKEfake/notTheRealKey+FAKEfakeFAKEfake01234567\n"
           "SUPERSET_USERNAME=admin\nSUPERSET_PASSWORD=admin\n" + extra_env)
    if tls is not None:
        env += f"TLS={tls}\n"
    write(root, ".env", env)
    return root


def test_stack_routed_by_an_outside_traefik_is_not_unproxied(tmp_path: Path) -> None:
    findings = scan(_stack(tmp_path / "p"), tmp_path, "--style", "compose")
    [tls] = by_id(findings, "COMPOSE-PROXY-TLS-001")
    assert tls["status"] == "skip" and "Traefik outside this project" in tls["message"], tls
    for check_id in ("COMPOSE-AVAILABILITY-001", "COMPOSE-LOAD-BALANCING-001"):
        [found] = by_id(findings, check_id)
        text = " ".join([found["message"], *found["evidence"]])
        assert "nothing" not in text.replace("nothing to balance", "") and \
            "directly" not in text, found
        assert found["status"] == "fail", found  # one replica
    findings = scan(_stack(tmp_path / "q", "true"), tmp_path, "--style", "compose")
    assert by_id(findings, "COMPOSE-PROXY-TLS-001")[0]["status"] == "pass"
    findings = scan(_stack(tmp_path / "r", "false"), tmp_path, "--style", "compose")
    assert by_id(findings, "COMPOSE-PROXY-TLS-001")[0]["status"] == "fail"


def test_stack_service_is_restarted_by_swarm(tmp_path: Path) -> None:
    """deploy.labels only act under docker stack deploy, whose default restart_policy is
    condition any: 'no restart policy (Docker's default is no)' is false there."""
    findings = scan(_stack(tmp_path / "p"), tmp_path, "--style", "compose")
    [found] = by_id(findings, "COMPOSE-SUPERVISION-001")
    assert found["status"] == "pass" and "Swarm" in found["message"], found
    plain = tmp_path / "plain"
    write(plain, "docker-compose.yml", STACK.replace("    deploy:\n      labels:", "    labels:"))
    write(plain, ".env", "SUPERSET_PASSWORD=x\n")
    [found] = by_id(scan(plain, tmp_path, "--style", "compose"), "COMPOSE-SUPERVISION-001")
    assert found["status"] == "fail", found  # plain Compose: no restart policy


def test_admin_password_interpolated_into_the_command(tmp_path: Path) -> None:
    """command: sh -c "superset fab create-admin ... --password ${SUPERSET_PASSWORD}" with
    SUPERSET_PASSWORD=admin in .env creates admin/admin."""
    findings = scan(_stack(tmp_path / "p"), tmp_path, "--style", "compose")
    [found] = by_id(findings, "COMPOSE-CONFIG-SECRETS-001")
    assert found["status"] == "fail" and "admin" in " ".join(found["evidence"]), found
    assert "admin" not in found["message"].replace("admin user", ""), found
    write(tmp_path / "p", ".env", "SUPERSET_PASSWORD=Zq8vJ2-not-default\n")
    [found] = by_id(scan(tmp_path / "p", tmp_path, "--style", "compose"),
                    "COMPOSE-CONFIG-SECRETS-001")
    assert found["status"] == "pass", found


def test_puppet_redaction_text_is_a_known_key(tmp_path: Path) -> None:
    root = _wrapper_host(tmp_path / "host")
    write(root, "home/superset/apache-superset/superset_config.py",
          "SECRET_KEY = 'Sensitive [value redacted]'\n")
    [found] = by_id(scan(root, tmp_path, "--style", "systemd"), "SUPERSET-CONFIG-SECRETS-001")
    assert found["status"] == "fail"
    assert "known" in found["message"] or "published" in found["message"], found


def test_bind_in_a_wrapper_script_is_located_there(tmp_path: Path) -> None:
    """The 0.0.0.0:8088 of jortencio/superset is written in /bin/superset.gunicorn, not in
    the unit's ExecStart=/bin/superset.gunicorn line."""
    findings = scan(_wrapper_host(tmp_path / "host"), tmp_path, "--style", "systemd")
    [found] = by_id(findings, "SYSTEMD-NETWORK-003")
    assert found["location"]["path"] == "bin/superset.gunicorn", found
    assert found["location"]["line"] == 4, found

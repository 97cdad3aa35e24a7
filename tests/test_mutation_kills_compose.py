"""Compose cases that tests/conditions/compose.py cannot hold: a host tree audited with
``--root`` (the Docker daemon's defaults in /etc/docker/daemon.json), whose absolute path a
``Case`` cannot name. Expected values are literals (issue 13)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import scan_report, write_tree

WEB = "/srv/app:service/web"


def _host(tmp_path: Path, compose: str, daemon: dict[str, Any] | None) -> dict[str, Any]:
    """A host tree: the project in /srv/app, daemon.json when given; the finding map."""
    write_tree(tmp_path / "srv/app", {"compose.yaml": compose})
    if daemon is not None:
        write_tree(tmp_path, {"etc/docker/daemon.json": json.dumps(daemon)})
    report = scan_report(tmp_path, "--root", str(tmp_path))
    return {(f["check_id"], f["subject"]): f for t in report["targets"] for f in t["findings"]}


PORTED = "services:\n  web:\n    image: a:1.0.1\n    ports: ['8000:8000']\n"
LOGGED = ("services:\n  web:\n    image: a:1.0.1\n    logging:\n      options:\n"
          "        max-file: '3'\n")


@pytest.mark.parametrize(("daemon", "status", "evidence"), [
    ({"log-driver": "local"}, "pass", ["driver local (etc/docker/daemon.json)"]),
    ({"log-driver": "journald"}, "pass", ["driver journald (etc/docker/daemon.json)"]),
    ({"log-driver": "json-file"}, "fail", ["driver json-file (etc/docker/daemon.json)"]),
    ({"log-opts": {"max-size": "10m"}}, "pass",
     ["driver json-file (etc/docker/daemon.json)", "max-size: 10m"]),
    ({"log-driver": "json-file", "log-opts": {"max-size": "20m"}}, "pass",
     ["driver json-file (etc/docker/daemon.json)", "max-size: 20m"]),
    ({"log-opts": {"max-file": "5"}}, "fail",
     ["driver json-file (etc/docker/daemon.json)", "max-file: 5"]),
    ({}, "fail", ["driver json-file (Docker's default driver)"]),
    (None, "fail", ["driver json-file (Docker's default driver)"]),
])
def test_logging_inherits_the_daemon_defaults(tmp_path: Path, daemon: dict[str, Any] | None,
                                              status: str, evidence: list[str]) -> None:
    found = _host(tmp_path, PORTED, daemon)[("COMPOSE-LOGGING-001", WEB)]
    assert (found["status"], found["evidence"]) == (status, evidence)


def test_service_options_are_merged_over_the_daemon_options(tmp_path: Path) -> None:
    found = _host(tmp_path, LOGGED, {"log-opts": {"max-size": "10m", "max-file": "9"}})[
        ("COMPOSE-LOGGING-001", WEB)]
    assert found["status"] == "pass"
    assert found["evidence"] == ["driver json-file (etc/docker/daemon.json)", "max-size: 10m",
                                 "max-file: 3"]


@pytest.mark.parametrize(("ip", "status"), [
    ("127.0.0.1", "pass"), ("127.0.0.53", "pass"), ("::1", "pass"),
    ("0.0.0.0", "fail"), ("10.0.0.5", "fail"), (None, "fail"),
])
def test_the_daemon_default_ip_binds_ports_without_a_host_ip(tmp_path: Path, ip: str | None,
                                                            status: str) -> None:
    found = _host(tmp_path, PORTED, {"ip": ip} if ip else {})
    bound = found[("COMPOSE-NETWORK-001", WEB)]
    assert bound["status"] == status
    assert bound["evidence"] == ["ports: 0.0.0.0:8000->8000/tcp"]


def test_a_host_ip_in_the_file_wins_over_the_daemon_default(tmp_path: Path) -> None:
    compose = PORTED.replace("'8000:8000'", "'0.0.0.0:8000:8000'")
    found = _host(tmp_path, compose, {"ip": "127.0.0.1"})[("COMPOSE-NETWORK-001", WEB)]
    assert found["status"] == "fail"


INIT = """
services:
  superset-init:
    image: apache/superset:4.1.1
    command: ["/app/docker/docker-init.sh"]
    volumes:
      - ./docker:/app/docker
    environment:
      ADMIN_PASSWORD: VALUE
"""
FALLBACK = '#!/bin/sh\nsuperset fab create-admin --password "${ADMIN_PASSWORD:-admin}"\n'


@pytest.mark.parametrize(("value", "applies"), [
    ("Zq8-own-admin-Jw2", False), ('""', True), ("admin", True),
])
def test_an_admin_fallback_counts_only_when_the_variable_leaves_it_in_use(
        tmp_path: Path, value: str, applies: bool) -> None:
    """A script's ``${ADMIN_PASSWORD:-admin}`` is a finding only when the init service
    leaves the variable empty or sets admin itself; set to its own value, nothing is
    reported about the script (absence, which a Case cannot express)."""
    project = write_tree(tmp_path / "p", {"compose.yaml": INIT.replace("VALUE", value),
                                          "docker/docker-init.sh": FALLBACK})
    report = scan_report(tmp_path, str(project))
    found = {f["subject"]: f for t in report["targets"] for f in t["findings"]
             if f["check_id"] == "COMPOSE-CONFIG-SECRETS-001"}
    script = found.get("script/docker/docker-init.sh")
    assert (script is not None) == applies
    if script is not None:
        assert script["status"] == "fail"
        assert script["evidence"] == ["docker/docker-init.sh:2"]
        assert script["location"] == {"path": "docker/docker-init.sh", "line": 2}
    assert "Zq8-own-admin-Jw2" not in json.dumps(report)


def test_services_left_out_by_profile_are_all_named(tmp_path: Path) -> None:
    project = write_tree(tmp_path / "p", {
        "compose.yaml": "services:\n  superset:\n    image: apache/superset:4.1.1\n"
                        "  a:\n    image: x:1.0.1\n    profiles: [debug]\n"
                        "  b:\n    image: y:1.0.1\n    profiles: [debug]\n",
        ".env": "COMPOSE_PROFILES=prod\n"})
    report = scan_report(tmp_path, str(project))
    (target,) = report["targets"]
    assert ("profiles: not audited: a, b (their profiles are not enabled by "
            "COMPOSE_PROFILES=prod in .env; docker compose --profile would start them)"
            ) in target["problems"]


def test_a_config_the_file_does_not_declare_leaves_the_audit_standing(tmp_path: Path) -> None:
    """A service's configs: entry naming no top-level config (Compose would refuse the
    file): the configuration is not found, and the checks still run."""
    project = write_tree(tmp_path / "p", {"compose.yaml": """
        services:
          superset:
            image: apache/superset:4.1.1
            configs:
              - source: superset_config
                target: /app/pythonpath/superset_config.py
    """})
    report = scan_report(tmp_path, str(project))
    found = {f["check_id"]: f["status"] for t in report["targets"] for f in t["findings"]}
    assert found["COMPOSE-APP-SECURITY-001"] == "pass"
    assert found["COMPOSE-ISOLATION-001"] == "pass"


# -- helpers of the compose facts, called directly --------------------------------------------

def test_a_script_is_shell_by_its_name_or_its_interpreter() -> None:
    from auditor.checks.compose.scripts import _is_shell

    assert _is_shell("docker/start.sh", "")
    assert _is_shell("docker/start", "#!/bin/bash\nexec gunicorn\n")
    assert _is_shell("docker/start", "#!/usr/bin/env sh\n")
    assert not _is_shell("docker/start", "#!/usr/bin/env python3\nprint(1)\n")
    assert not _is_shell("docker/start", "exec gunicorn\n")


def test_shell_only_substitutions_are_named_as_unsupported() -> None:
    from auditor.checks.compose.interpolate import interpolate

    text, issues = interpolate("x-${NAME/a/b}", {"NAME": "abc"})
    assert text == "x-${NAME/a/b}"
    assert [(i.kind, i.name, i.detail) for i in issues] == [
        ("invalid", "NAME", "${NAME...} uses syntax Compose does not support")]


def test_copied_sources_leave_out_urls_and_variables() -> None:
    from auditor.checks.compose.dockerfile import read_image

    built = read_image("FROM busybox:1.36\nCOPY ${CONF} /etc/x\nADD https://example.org/a.conf "
                       "/etc/a.conf\nCOPY --chown=1000 nginx.conf site.conf /etc/nginx/\n",
                       "Dockerfile", {}, None)
    assert built.copied_sources() == ["nginx.conf", "site.conf"]


def test_an_exposed_variable_without_a_value_is_kept_as_written() -> None:
    from auditor.checks.compose.dockerfile import read_image

    built = read_image("FROM busybox:1.36\nARG PORT\nEXPOSE ${PORT}\nEXPOSE ${WEB:-8088}\n"
                       "EXPOSE $OTHER\n", "Dockerfile", {}, None)
    assert [i.value for i in built.expose] == ["${PORT}", "8088", "$OTHER"]


def test_settings_made_unknowable_say_why() -> None:
    from auditor.checks.compose.configsource import unknowable
    from auditor.checks.superset.configmodel import EnvValue, Unknown, analyze

    conf = unknowable(analyze(None, None, {"SUPERSET_SECRET_KEY": EnvValue("k", ".env:1")}),
                      "the image may carry its own")
    setting = conf.get("SQLALCHEMY_DATABASE_URI")
    assert setting is not None
    assert isinstance(setting.value, Unknown)
    assert setting.source == "not known: the image may carry its own"

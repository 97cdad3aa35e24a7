"""Compose cases that tests/conditions/compose.py cannot hold: a host tree audited with
``--root`` (the Docker daemon's defaults in /etc/docker/daemon.json), whose absolute path a
``Case`` cannot name. Expected values are literals (issue 13)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conditions.compose import CASES
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
    (target,) = report["targets"]
    assert ("superset_config.py: /app/pythonpath/superset_config.py comes from outside the "
            "audited tree (configs: superset_config); its settings are unknown"
            ) in target["problems"]
    found = {f["check_id"]: f["status"] for f in target["findings"]}
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


# -- exact messages and evidence ---------------------------------------------------------
# tests/test_conditions.py matches substrings, which a mutant wrapping a whole string
# ("XX...XX") still contains; here one case per distinct message of each check must give
# that message and evidence exactly (literals, reviewed against each check's conditions).
EXACT: dict[str, tuple[str, list[str]]] = {
    'COMPOSE-RESOURCES-001:pass:memory and cpu limits': (
        'limited to 2g and 1.5 CPUs',
        [
            'memory limit: 2g',
            'cpu limit: 1.5',
        ]),
    'COMPOSE-RESOURCES-001:warn:no cpu limit': (
        'memory limited to 2g but no CPU limit: one runaway query can starve the others',
        [
            'memory limit: 2g',
            'cpu limit: none',
        ]),
    'COMPOSE-RESOURCES-001:fail:no memory limit': (
        "no memory limit: one container can take the host's memory and get the database killed",
        [
            'memory limit: none',
            'cpu limit: 1.5',
        ]),
    'COMPOSE-RESOURCES-001:pass:cpu_quota as the cpu limit': (
        'limited to 2g and cpu_quota 50000',
        [
            'memory limit: 2g',
            'cpu limit: 50000',
        ]),
    'COMPOSE-APP-SECURITY-001:pass:production, debug false': (
        'production mode',
        [
            'SUPERSET_ENV, FLASK_ENV and FLASK_DEBUG not set to development',
        ]),
    'COMPOSE-APP-SECURITY-001:fail:SUPERSET_ENV=development': (
        'runs in development mode: debug pages and development defaults',
        [
            'SUPERSET_ENV=development (docker/.env:1)',
        ]),
    'COMPOSE-APP-SECURITY-001:skip:no Superset service': (
        'no Superset service in the project',
        [
        ]),
    'COMPOSE-APP-SECURITY-002:pass:docker-bootstrap.sh app-gunicorn': (
        'served by gunicorn',
        [
            'command: /app/docker/docker-bootstrap.sh app-gunicorn',
        ]),
    'COMPOSE-APP-SECURITY-002:fail:docker-bootstrap.sh app': (
        "served by Flask's development server (one process, no hardening; with --debugger "
        'anyone who can trigger an error runs Python)',
        [
            'command: /app/docker/docker-bootstrap.sh app',
        ]),
    'COMPOSE-APP-SECURITY-002:warn:gunicorn --reload': (
        'served by gunicorn --reload: workers restart whenever a source file changes, a '
        'development setting',
        [
            "command: gunicorn --reload 'superset.app:create_app()'",
        ]),
    'COMPOSE-APP-SECURITY-002:fail:a script that runs superset run': (
        "served by superset run, Flask's development server (one process, no hardening; with "
        '--debugger anyone who can trigger an error runs Python)',
        [
            'command: /app/docker/start.sh',
            'docker/start.sh:2: exec superset run -p 8088',
        ]),
    'COMPOSE-APP-SECURITY-002:warn:a script that picks a server at run time': (
        'the script it starts runs flask run or gunicorn depending on its environment: the '
        'development server may serve production',
        [
            'command: /app/docker/start.sh',
            'docker/start.sh:3: flask run -p 8088',
            'docker/start.sh:5: gunicorn superset.app:create_app()',
        ]),
    'COMPOSE-APP-SECURITY-002:skip:a script that is not in the project': (
        'which server runs cannot be seen: the script it starts could not be read '
        '(/app/docker/start.sh: docker/start.sh (volumes: ./docker:/app/docker): not found)',
        [
            'command: /app/docker/start.sh',
            'not read: /app/docker/start.sh: docker/start.sh (volumes: ./docker:/app/docker): '
            'not found',
        ]),
    'COMPOSE-APP-SECURITY-002:skip:no web service': (
        'no Superset web service in the project',
        [
        ]),
    'COMPOSE-APP-SECURITY-003:pass:examples off on the init service': (
        'example data is not loaded',
        [
            'SUPERSET_LOAD_EXAMPLES=no',
        ]),
    'COMPOSE-APP-SECURITY-003:fail:SUPERSET_LOAD_EXAMPLES=yes': (
        "loads Superset's example dashboards and databases",
        [
            'SUPERSET_LOAD_EXAMPLES=yes (docker/.env:1)',
        ]),
    'COMPOSE-APP-SECURITY-003:skip:passed through from the shell': (
        'SUPERSET_LOAD_EXAMPLES is set where the audit cannot see it',
        [
            'SUPERSET_LOAD_EXAMPLES (compose.yaml:5 environment): taken from the shell of '
            'whoever runs docker compose (not audited)',
        ]),
    'COMPOSE-APP-SECURITY-003:skip:no Superset service': (
        'no Superset service in the project',
        [
        ]),
    'COMPOSE-AVAILABILITY-001:pass:two replicas behind a proxy': (
        '2 containers behind nginx: the loss of one is absorbed (one Docker host remains a '
        'single point of failure)',
        [
            'replicas: 2',
            'proxied by: nginx',
        ]),
    'COMPOSE-AVAILABILITY-001:fail:one replica behind a proxy': (
        'one web container on one Docker host: when it or the host fails, Superset is down',
        [
            'replicas: 1',
            'proxied by: nginx',
        ]),
    'COMPOSE-AVAILABILITY-001:warn:two replicas, no proxy': (
        '2 containers but no proxy spreads requests over them (one Docker host remains a '
        'single point of failure)',
        [
            'replicas: 2',
            'proxied by: nothing',
        ]),
    'COMPOSE-AVAILABILITY-001:pass:scale 3 behind an nginx upstream': (
        '3 containers behind web-proxy: the loss of one is absorbed (one Docker host remains a '
        'single point of failure)',
        [
            'replicas: 3',
            'proxied by: web-proxy',
        ]),
    'COMPOSE-AVAILABILITY-001:pass:traefik labels': (
        '2 containers behind traefik: the loss of one is absorbed (one Docker host remains a '
        'single point of failure)',
        [
            'replicas: 2',
            'proxied by: traefik',
        ]),
    'COMPOSE-AVAILABILITY-001:skip:no web service': (
        'no web service in the project',
        [
        ]),
    'COMPOSE-LOAD-BALANCING-001:pass:two replicas behind a proxy': (
        'nginx spreads requests over 2 containers',
        [
            'replicas: 2',
            'proxied by: nginx',
        ]),
    'COMPOSE-LOAD-BALANCING-001:fail:a proxy in front of one container': (
        'nginx forwards to a single container: nothing to balance',
        [
            'replicas: 1',
            'proxied by: nginx',
        ]),
    'COMPOSE-LOAD-BALANCING-001:fail:no proxy': (
        'no proxy balances requests: clients reach one container directly',
        [
            'replicas: 2',
            'proxied by: nothing',
        ]),
    'COMPOSE-LOAD-BALANCING-001:pass:scale 3 behind an nginx upstream': (
        'web-proxy spreads requests over 3 containers',
        [
            'replicas: 3',
            'proxied by: web-proxy',
        ]),
    'COMPOSE-LOAD-BALANCING-001:skip:no web service': (
        'no web service in the project',
        [
        ]),
    'COMPOSE-SCALABILITY-001:pass:no container_name, random host port': (
        'can be scaled (replicas: 1)',
        [
            'replicas: 1',
            'no container_name, no fixed host port',
        ]),
    'COMPOSE-SCALABILITY-001:fail:container_name on the web': (
        'container_name superset_app is fixed: Compose cannot start a second container of this '
        'service (docker compose up --scale fails)',
        [
            'container_name: superset_app',
            'replicas: 1',
        ]),
    'COMPOSE-SCALABILITY-001:fail:container_name on a worker': (
        'container_name superset_worker is fixed: Compose cannot start a second container of '
        'this service (docker compose up --scale fails)',
        [
            'container_name: superset_worker',
            'replicas: 1',
        ]),
    'COMPOSE-SCALABILITY-001:fail:a fixed host port': (
        'publishes fixed host port 8088: a second container would fail to bind it',
        [
            'ports: 127.0.0.1:8088:8088',
        ]),
    'COMPOSE-SCALABILITY-002:pass:one beat': (
        'exactly one beat instance',
        [
            'replicas: 1',
        ]),
    'COMPOSE-SCALABILITY-002:pass:beat scaled to 0': (
        'no beat instance runs (scaled to 0)',
        [
            'replicas: 0',
        ]),
    'COMPOSE-SCALABILITY-002:fail:two beats': (
        '2 beat replicas: every scheduled report and alert is sent several times',
        [
            'replicas: 2',
        ]),
    'COMPOSE-SCALABILITY-002:fail:three beats by scale': (
        '3 beat replicas: every scheduled report and alert is sent several times',
        [
            'replicas: 3',
        ]),
    'COMPOSE-SCALABILITY-002:skip:no beat': (
        'no celery beat service in the project',
        [
        ]),
    'COMPOSE-SUPERVISION-001:pass:unless-stopped': (
        'restarted by Docker (restart: unless-stopped)',
        [
            'restart: unless-stopped',
        ]),
    'COMPOSE-SUPERVISION-001:pass:restart: always': (
        'restarted by Docker (restart: always)',
        [
            'restart: always',
        ]),
    'COMPOSE-SUPERVISION-001:pass:restart: on-failure': (
        'restarted by Docker (restart: on-failure)',
        [
            'restart: on-failure',
        ]),
    'COMPOSE-SUPERVISION-001:pass:restart: on-failure:5': (
        'restarted by Docker (restart: on-failure:5)',
        [
            'restart: on-failure:5',
        ]),
    'COMPOSE-SUPERVISION-001:fail:restart: no': (
        'not restarted when it crashes or the host reboots',
        [
            'restart: no',
        ]),
    'COMPOSE-SUPERVISION-001:pass:deploy.restart_policy any': (
        'restarted by Docker (deploy.restart_policy any)',
        [
            'deploy.restart_policy any',
        ]),
    'COMPOSE-SUPERVISION-001:pass:deploy.restart_policy on-failure': (
        'restarted by Docker (deploy.restart_policy on-failure)',
        [
            'deploy.restart_policy on-failure',
        ]),
    'COMPOSE-SUPERVISION-002:pass:a curl health check on the web': (
        'has a health check',
        [
            'healthcheck: CMD curl -f http://localhost:8088/health',
        ]),
    'COMPOSE-SUPERVISION-002:fail:disable: true': (
        'its health check is disabled',
        [
            'healthcheck: disable: true',
        ]),
    "COMPOSE-SUPERVISION-002:pass:the web inherits the image's HEALTHCHECK": (
        "inherits the apache/superset image's HEALTHCHECK (curl /health)",
        [
            "HEALTHCHECK in the image's Dockerfile",
        ]),
    "COMPOSE-SUPERVISION-002:fail:a worker inherits the image's web probe": (
        "inherits the image's HEALTHCHECK, which curls the web port a celery worker does not "
        'serve: Docker will report it unhealthy',
        [
            'HEALTHCHECK curl http://localhost:8088/health from the image',
        ]),
    'COMPOSE-SUPERVISION-002:pass:a HEALTHCHECK in the Dockerfile built': (
        'has a health check from its Dockerfile',
        [
            'Dockerfile:3 HEALTHCHECK in stage #0',
        ]),
    'COMPOSE-SUPERVISION-002:fail:HEALTHCHECK NONE in the Dockerfile built': (
        'its Dockerfile disables the health check (HEALTHCHECK NONE)',
        [
            'Dockerfile:3 HEALTHCHECK in stage #0',
        ]),
    'COMPOSE-SUPERVISION-002:fail:no HEALTHCHECK in the Dockerfile built': (
        'no health check: a hung process looks healthy',
        [
            'no HEALTHCHECK in Dockerfile stage #0; the base image python:3.11-slim is not '
            'visible offline (its own HEALTHCHECK, if any, is not known)',
        ]),
    'COMPOSE-SUPERVISION-002:skip:no application service': (
        'no application service in the project',
        [
        ]),
    'COMPOSE-ROLLBACK-001:pass:a digest': (
        'pinned by digest',
        [
            'image: '
            'postgres:16.6@sha256:5f8a1c2e9d0b3a4c6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5',
        ]),
    'COMPOSE-ROLLBACK-001:warn:a release tag': (
        'tag 16.6 names one release, but a tag can be re-pushed: a digest pins it',
        [
            'image: postgres:16.6',
        ]),
    'COMPOSE-ROLLBACK-001:warn:a major line 16': (
        'tag 16 floats over every release of that line: the version running changes on the '
        'next pull',
        [
            'image: postgres:16',
        ]),
    'COMPOSE-ROLLBACK-001:warn:a major line 16-alpine': (
        'tag 16-alpine floats over every release of that line: the version running changes on '
        'the next pull',
        [
            'image: postgres:16-alpine',
        ]),
    'COMPOSE-ROLLBACK-001:warn:a major line v3': (
        'tag v3 floats over every release of that line: the version running changes on the '
        'next pull',
        [
            'image: postgres:v3',
        ]),
    'COMPOSE-ROLLBACK-001:fail:moving tag latest': (
        'tag latest moves with every push or release: no version to roll back to',
        [
            'image: apache/superset:latest',
        ]),
    'COMPOSE-ROLLBACK-001:fail:moving tag latest-dev': (
        'tag latest-dev moves with every push or release: no version to roll back to',
        [
            'image: apache/superset:latest-dev',
        ]),
    'COMPOSE-ROLLBACK-001:fail:moving tag master': (
        'tag master moves with every push or release: no version to roll back to',
        [
            'image: apache/superset:master',
        ]),
    'COMPOSE-ROLLBACK-001:fail:moving tag dev': (
        'tag dev moves with every push or release: no version to roll back to',
        [
            'image: apache/superset:dev',
        ]),
    'COMPOSE-ROLLBACK-001:fail:moving tag nightly': (
        'tag nightly moves with every push or release: no version to roll back to',
        [
            'image: apache/superset:nightly',
        ]),
    'COMPOSE-ROLLBACK-001:fail:moving tag stable-alpine': (
        'tag stable-alpine moves with every push or release: no version to roll back to',
        [
            'image: apache/superset:stable-alpine',
        ]),
    'COMPOSE-ROLLBACK-001:fail:no tag': (
        'postgres has no tag: it means latest, whatever that is today',
        [
            'image: postgres',
        ]),
    'COMPOSE-ROLLBACK-001:warn:a built image with a release tag': (
        'tag 4.1.1 names one release, but a tag can be re-pushed: a digest pins it',
        [
            'image: example/superset:4.1.1',
        ]),
    'COMPOSE-ROLLBACK-001:fail:build target dev': (
        "built from the development target 'dev'",
        [
            'build.target: dev',
        ]),
    'COMPOSE-ROLLBACK-001:fail:build target Development': (
        "built from the development target 'Development'",
        [
            'build.target: Development',
        ]),
    'COMPOSE-ROLLBACK-001:fail:build target debug': (
        "built from the development target 'debug'",
        [
            'build.target: debug',
        ]),
    'COMPOSE-ROLLBACK-001:fail:build target test': (
        "built from the development target 'test'",
        [
            'build.target: test',
        ]),
    'COMPOSE-ROLLBACK-001:warn:built without a tag from a pinned base': (
        'built locally without an image tag: rolling back means rebuilding an old checkout',
        [
            'FROM apache/superset:4.1.1',
        ]),
    'COMPOSE-ROLLBACK-001:fail:built without a tag from an unpinned base': (
        'built locally from unpinned base apache/superset:latest',
        [
            'FROM apache/superset:latest',
        ]),
    'COMPOSE-ISOLATION-001:pass:user 1000:1000': (
        'runs as 1000:1000',
        [
            'user: 1000:1000',
        ]),
    'COMPOSE-ISOLATION-001:fail:user root': (
        'runs as root (user: root)',
        [
            'user: root',
        ]),
    'COMPOSE-ISOLATION-001:fail:user 0': (
        'runs as root (user: 0)',
        [
            'user: 0',
        ]),
    'COMPOSE-ISOLATION-001:fail:user 0:0': (
        'runs as root (user: 0:0)',
        [
            'user: 0:0',
        ]),
    'COMPOSE-ISOLATION-001:fail:user root:root': (
        'runs as root (user: root:root)',
        [
            'user: root:root',
        ]),
    'COMPOSE-ISOLATION-001:warn:user with a group only': (
        "user: :1000 has no user name (an unset variable?): the image's USER decides",
        [
            'user: :1000',
        ]),
    "COMPOSE-ISOLATION-001:pass:superset's image without user:": (
        'the apache/superset image runs as user superset (USER in its Dockerfile)',
        [
            'image: apache/superset:4.1.1, no user:',
        ]),
    'COMPOSE-ISOLATION-001:fail:nginx:1.27 without user:': (
        'the official nginx image runs its master process as root',
        [
            'image: nginx:1.27, no user:',
        ]),
    'COMPOSE-ISOLATION-001:fail:traefik:v3.2 without user:': (
        'the official image runs as root unless user: is set',
        [
            'image: traefik:v3.2, no user:',
        ]),
    'COMPOSE-ISOLATION-001:fail:containrrr/watchtower:1.7.1 without user:': (
        'watchtower runs as root with the Docker socket',
        [
            'image: containrrr/watchtower:1.7.1, no user:',
        ]),
    'COMPOSE-ISOLATION-001:pass:postgres:16.6 without user:': (
        'the official postgres image starts as root and its entrypoint drops to the postgres '
        'user (gosu) before the server starts',
        [
            'image: postgres:16.6, no user:',
        ]),
    'COMPOSE-ISOLATION-001:pass:redis:7.4 without user:': (
        'the official redis image starts as root and its entrypoint drops to the redis user '
        '(gosu) before the server starts',
        [
            'image: redis:7.4, no user:',
        ]),
    'COMPOSE-ISOLATION-001:pass:mariadb:11.4 without user:': (
        "the official image's entrypoint drops to the mysql user",
        [
            'image: mariadb:11.4, no user:',
        ]),
    'COMPOSE-ISOLATION-001:pass:bitnami/redis:7.4 without user:': (
        'Bitnami images run as user 1001',
        [
            'image: bitnami/redis:7.4, no user:',
        ]),
    'COMPOSE-ISOLATION-001:pass:nginxinc/nginx-unprivileged:1.27 without user:': (
        'nginx-unprivileged runs as user nginx (101)',
        [
            'image: nginxinc/nginx-unprivileged:1.27, no user:',
        ]),
    'COMPOSE-ISOLATION-001:pass:prom/prometheus:v2.55.0 without user:': (
        'Prometheus images run as user nobody',
        [
            'image: prom/prometheus:v2.55.0, no user:',
        ]),
    'COMPOSE-ISOLATION-001:pass:grafana/grafana:11.3.0 without user:': (
        'Grafana runs as user 472',
        [
            'image: grafana/grafana:11.3.0, no user:',
        ]),
    'COMPOSE-ISOLATION-001:pass:haproxy:3.0 without user:': (
        'the official haproxy image (2.4+) runs as user haproxy',
        [
            'image: haproxy:3.0, no user:',
        ]),
    'COMPOSE-ISOLATION-001:warn:an unknown image without user:': (
        "no user: set; the image's own USER decides, which cannot be known without pulling it",
        [
            'image: example/app:1.0',
        ]),
    'COMPOSE-ISOLATION-001:pass:USER superset in the Dockerfile': (
        'runs as superset (USER in its Dockerfile)',
        [
            'Dockerfile:3 USER in stage #0',
        ]),
    'COMPOSE-ISOLATION-001:fail:USER root in the Dockerfile': (
        "the Dockerfile's last USER is root",
        [
            'Dockerfile:3 USER in stage #0',
        ]),
    'COMPOSE-ISOLATION-001:warn:USER from a build argument': (
        'USER ${RUN_AS} in its Dockerfile depends on a build argument that is not known',
        [
            'Dockerfile:4 USER in stage #0',
        ]),
    'COMPOSE-ISOLATION-001:warn:no USER, FROM an unknown image': (
        'no USER in Dockerfile stage #0 or the stages it is FROM; the base image '
        'example.org/acme/base:1.2 is not visible offline, so who it runs as is not known',
        [
            'Dockerfile: no USER; FROM example.org/acme/base:1.2',
        ]),
    'COMPOSE-ISOLATION-002:pass:CHOWN, privileged false': (
        'no privileged mode, host namespace or Docker socket',
        [
        ]),
    'COMPOSE-ISOLATION-002:fail:privileged: true (0)': (
        'can reach the host beyond its container: privileged: true',
        [
            'privileged: true',
        ]),
    'COMPOSE-ISOLATION-002:fail:privileged: yes (2)': (
        'can reach the host beyond its container: privileged: yes',
        [
            'privileged: yes',
        ]),
    'COMPOSE-ISOLATION-002:fail:network_mode: host (3)': (
        'can reach the host beyond its container: network_mode: host',
        [
            'network_mode: host',
        ]),
    'COMPOSE-ISOLATION-002:fail:pid: host (4)': (
        'can reach the host beyond its container: pid: host',
        [
            'pid: host',
        ]),
    'COMPOSE-ISOLATION-002:fail:ipc: host (5)': (
        'can reach the host beyond its container: ipc: host',
        [
            'ipc: host',
        ]),
    'COMPOSE-ISOLATION-002:fail:userns_mode: host (6)': (
        'can reach the host beyond its container: userns_mode: host',
        [
            'userns_mode: host',
        ]),
    'COMPOSE-ISOLATION-002:fail:uts: host (7)': (
        'can reach the host beyond its container: uts: host',
        [
            'uts: host',
        ]),
    'COMPOSE-ISOLATION-002:fail:cap_add: ALL (8)': (
        'can reach the host beyond its container: cap_add: ALL',
        [
            'cap_add: ALL',
        ]),
    'COMPOSE-ISOLATION-002:fail:cap_add: SYS_ADMIN (9)': (
        'can reach the host beyond its container: cap_add: SYS_ADMIN',
        [
            'cap_add: SYS_ADMIN',
        ]),
    'COMPOSE-ISOLATION-002:fail:cap_add: NET_ADMIN (10)': (
        'can reach the host beyond its container: cap_add: NET_ADMIN',
        [
            'cap_add: NET_ADMIN',
        ]),
    'COMPOSE-ISOLATION-002:fail:cap_add: SYS_PTRACE (11)': (
        'can reach the host beyond its container: cap_add: SYS_PTRACE',
        [
            'cap_add: SYS_PTRACE',
        ]),
    'COMPOSE-ISOLATION-002:fail:cap_add: SYS_MODULE (12)': (
        'can reach the host beyond its container: cap_add: SYS_MODULE',
        [
            'cap_add: SYS_MODULE',
        ]),
    'COMPOSE-ISOLATION-002:fail:cap_add: DAC_READ_SEARCH (13)': (
        'can reach the host beyond its container: cap_add: DAC_READ_SEARCH',
        [
            'cap_add: DAC_READ_SEARCH',
        ]),
    'COMPOSE-ISOLATION-002:fail:security_opt: seccomp:unconfined (14)': (
        'can reach the host beyond its container: security_opt: seccomp:unconfined',
        [
            'security_opt: seccomp:unconfined',
        ]),
    'COMPOSE-ISOLATION-002:fail:security_opt: apparmor=unconfined (15)': (
        'can reach the host beyond its container: security_opt: apparmor=unconfined',
        [
            'security_opt: apparmor=unconfined',
        ]),
    'COMPOSE-ISOLATION-002:fail:mounts the Docker socket (/var/run/docker.sock) (16)': (
        'can reach the host beyond its container: mounts the Docker socket '
        '(/var/run/docker.sock): root on the host',
        [
            'mounts the Docker socket (/var/run/docker.sock): root on the host',
        ]),
    'COMPOSE-LOGGING-001:pass:json-file with max-size': (
        'json-file logs rotate at 10m',
        [
            'driver json-file (logging.driver)',
            'max-size: 10m',
            'max-file: 5',
        ]),
    'COMPOSE-LOGGING-001:fail:json-file with max-file only': (
        'json-file logs grow without bound until the disk is full',
        [
            'driver json-file (logging.driver)',
            'max-file: 5',
        ]),
    'COMPOSE-LOGGING-001:pass:driver local': (
        'the local driver rotates logs (20 MB x 5 files by default)',
        [
            'driver local (logging.driver)',
            'max-size: 10m',
            'max-file: 5',
        ]),
    'COMPOSE-LOGGING-001:fail:driver none': (
        'logs are discarded (driver none)',
        [
            'driver none (logging.driver)',
            'max-size: 10m',
            'max-file: 5',
        ]),
    'COMPOSE-LOGGING-001:pass:driver syslog': (
        'logs are shipped (syslog)',
        [
            'driver syslog (logging.driver)',
            'max-size: 10m',
            'max-file: 5',
        ]),
    'COMPOSE-LOGGING-001:pass:driver journald': (
        'logs are shipped (journald)',
        [
            'driver journald (logging.driver)',
            'max-size: 10m',
            'max-file: 5',
        ]),
    'COMPOSE-LOGGING-001:pass:driver fluentd': (
        'logs are shipped (fluentd)',
        [
            'driver fluentd (logging.driver)',
            'max-size: 10m',
            'max-file: 5',
        ]),
    'COMPOSE-LOGGING-001:pass:driver gelf': (
        'logs are shipped (gelf)',
        [
            'driver gelf (logging.driver)',
            'max-size: 10m',
            'max-file: 5',
        ]),
    'COMPOSE-LOGGING-001:pass:driver awslogs': (
        'logs are shipped (awslogs)',
        [
            'driver awslogs (logging.driver)',
            'max-size: 10m',
            'max-file: 5',
        ]),
    'COMPOSE-LOGGING-001:pass:driver gcplogs': (
        'logs are shipped (gcplogs)',
        [
            'driver gcplogs (logging.driver)',
            'max-size: 10m',
            'max-file: 5',
        ]),
    'COMPOSE-LOGGING-001:pass:driver splunk': (
        'logs are shipped (splunk)',
        [
            'driver splunk (logging.driver)',
            'max-size: 10m',
            'max-file: 5',
        ]),
    'COMPOSE-LOGGING-001:pass:driver loki': (
        'logs are shipped (loki)',
        [
            'driver loki (logging.driver)',
            'max-size: 10m',
            'max-file: 5',
        ]),
    'COMPOSE-LOGGING-001:pass:driver logentries': (
        'logs are shipped (logentries)',
        [
            'driver logentries (logging.driver)',
            'max-size: 10m',
            'max-file: 5',
        ]),
    'COMPOSE-LOGGING-001:pass:driver etwlogs': (
        'logs are shipped (etwlogs)',
        [
            'driver etwlogs (logging.driver)',
            'max-size: 10m',
            'max-file: 5',
        ]),
    'COMPOSE-LOGGING-001:fail:an unknown driver without bounds': (
        'example-driver logs grow without bound until the disk is full',
        [
            'driver example-driver (logging.driver)',
            'max-size: 10m',
            'max-file: 5',
        ]),
    'COMPOSE-MONITORING-001:pass:prometheus and an exporter': (
        'metrics are collected by prometheus',
        [
            'service statsd (prom/statsd-exporter:v0.27.1)',
            'service prometheus (prom/prometheus:v2.55.0)',
        ]),
    'COMPOSE-MONITORING-001:warn:an exporter alone': (
        'metrics are exported but nothing in the project collects them (an external Prometheus '
        'may)',
        [
            'service statsd (prom/statsd-exporter:v0.27.1)',
        ]),
    'COMPOSE-MONITORING-001:fail:nothing': (
        'no metrics exporter or collector: only health checks tell whether Superset works',
        [
            'no prometheus, statsd-exporter, cadvisor, otel or similar service',
        ]),
    'COMPOSE-NETWORK-001:pass:127.0.0.1': (
        'publishes only on loopback',
        [
            'ports: 127.0.0.1:8088->8088/tcp',
        ]),
    'COMPOSE-NETWORK-001:fail:no host IP': (
        "publishes 0.0.0.0:8088->8088/tcp on every interface: Docker's iptables rules publish "
        'it around UFW',
        [
            'ports: 0.0.0.0:8088->8088/tcp',
        ]),
    'COMPOSE-NETWORK-001:fail:a random host port on every interface': (
        "publishes 0.0.0.0:<random>->8088/tcp on every interface: Docker's iptables rules "
        'publish it around UFW',
        [
            'ports: 0.0.0.0:<random>->8088/tcp',
        ]),
    'COMPOSE-NETWORK-001:fail:a udp port': (
        "publishes 0.0.0.0:8125->8125/udp on every interface: Docker's iptables rules publish "
        'it around UFW',
        [
            'ports: 0.0.0.0:8125->8125/udp',
        ]),
    'COMPOSE-NETWORK-001:pass:no port': (
        'publishes no port',
        [
        ]),
    'COMPOSE-NETWORK-001:fail:network_mode: host': (
        "network_mode: host: every port it opens is on the host's interfaces",
        [
            'network_mode: host',
        ]),
    'COMPOSE-NETWORK-001:pass:the proxy publishes 80 and 443': (
        'publishes, as proxy nginx (nginx:1.27), 80/443 only',
        [
            'ports: 0.0.0.0:80->80/tcp',
            'ports: 0.0.0.0:443->443/tcp',
        ]),
    'COMPOSE-NETWORK-001:fail:the proxy publishes 8080': (
        "publishes 0.0.0.0:8080->8080/tcp on every interface: Docker's iptables rules publish "
        'it around UFW',
        [
            'ports: 0.0.0.0:8080->8080/tcp',
            'ports: 0.0.0.0:443->443/tcp',
        ]),
    'COMPOSE-NETWORK-001:fail:the web published around its proxy': (
        'publishes 0.0.0.0:8088->8088/tcp on every interface (around proxy nginx (nginx:1.27) '
        "in front of it): Docker's iptables rules publish it around UFW",
        [
            'ports: 0.0.0.0:8088->8088/tcp',
        ]),
    'COMPOSE-NETWORK-002:pass:database not published': (
        'not published: reachable only on the Compose network',
        [
        ]),
    'COMPOSE-NETWORK-002:fail:database on every interface': (
        "database published on 0.0.0.0:5432->5432/tcp: reachable from the network (Docker's "
        'iptables rules publish it around UFW)',
        [
            'ports: 0.0.0.0:5432->5432/tcp',
        ]),
    'COMPOSE-NETWORK-002:fail:redis on every interface': (
        "redis published on 0.0.0.0:6379->6379/tcp: reachable from the network (Docker's "
        'iptables rules publish it around UFW)',
        [
            'ports: 0.0.0.0:6379->6379/tcp',
        ]),
    'COMPOSE-NETWORK-002:warn:database on loopback': (
        'database published on loopback: any local user or process can reach it',
        [
            'ports: 127.0.0.1:5432->5432/tcp',
        ]),
    'COMPOSE-NETWORK-002:fail:database with host networking': (
        'database uses network_mode: host: it listens on every interface of the host, '
        'reachable from the network',
        [
            'network_mode: host',
        ]),
    'COMPOSE-NETWORK-002:skip:no database or redis': (
        'no database or Redis service in the project',
        [
        ]),
    'COMPOSE-NETWORK-003:pass:internal network only': (
        'only on internal network backend',
        [
            'network backend: internal',
        ]),
    'COMPOSE-NETWORK-003:warn:internal: false, apart from the proxy': (
        'on backend, apart from the proxy but not internal: it can still open connections out',
        [
            'network backend: not internal',
        ]),
    'COMPOSE-NETWORK-003:fail:shared with the proxy': (
        'on network backend, front, shared with proxy nginx (nginx:1.27) and with a route out',
        [
            'network backend: internal',
            'network front: not internal',
        ]),
    'COMPOSE-NETWORK-003:warn:the default network': (
        'on default, which no other service joins, but not internal: it can still open '
        'connections out',
        [
            'network default: not internal',
        ]),
    'COMPOSE-NETWORK-003:pass:network_mode: none': (
        'network_mode: none: no network, no route in or out',
        [
            'network_mode: none',
        ]),
    'COMPOSE-NETWORK-003:fail:network_mode: host': (
        'on network host, shared with every process on the host and with a route out',
        [
            'network host: not internal',
        ]),
    'COMPOSE-NETWORK-003:skip:no database or redis': (
        'no database or Redis service in the project',
        [
        ]),
    'COMPOSE-PROXY-TLS-001:pass:nginx with ssl and a certificate': (
        'nginx (nginx:1.27) terminates TLS on 443',
        [
            'proxy service nginx (nginx:1.27)',
            'publishes 443: 0.0.0.0:443->443/tcp',
            'nginx.conf: TLS with /etc/ssl/superset.pem',
        ]),
    'COMPOSE-PROXY-TLS-001:warn:nginx listens with ssl but names no certificate': (
        'nginx (nginx:1.27) publishes 443 but no TLS configuration was found in the project files',
        [
            'proxy service nginx (nginx:1.27)',
            'publishes 443: 0.0.0.0:443->443/tcp',
        ]),
    'COMPOSE-PROXY-TLS-001:fail:nginx on 80 only': (
        'nginx (nginx:1.27) serves plain HTTP (nothing published on 443)',
        [
            'proxy service nginx (nginx:1.27)',
            'publishes 443: no',
        ]),
    'COMPOSE-PROXY-TLS-001:fail:no proxy': (
        'no reverse proxy service: the web is reached over plain HTTP',
        [
            'ports: 0.0.0.0:8088->8088/tcp',
        ]),
    'COMPOSE-PROXY-TLS-001:pass:caddy with a domain': (
        'caddy (caddy:2.8) terminates TLS on 443',
        [
            'proxy service caddy (caddy:2.8)',
            'publishes 443: 0.0.0.0:443->443/tcp',
            'Caddyfile: TLS with automatic HTTPS',
        ]),
    'COMPOSE-PROXY-TLS-001:warn:caddy with auto_https off': (
        'caddy (caddy:2.8) publishes 443 but no TLS configuration was found in the project files',
        [
            'proxy service caddy (caddy:2.8)',
            'publishes 443: 0.0.0.0:443->443/tcp',
        ]),
    'COMPOSE-PROXY-TLS-001:pass:traefik with a certificate resolver on its command': (
        'traefik (traefik:v3.2) terminates TLS on 443',
        [
            'proxy service traefik (traefik:v3.2)',
            'publishes 443: 0.0.0.0:443->443/tcp',
            'Traefik TLS options on its command line',
        ]),
    'COMPOSE-PROXY-TLS-001:warn:traefik router tls label false': (
        'traefik (traefik:v3.2) publishes 443 but no TLS configuration was found in the '
        'project files',
        [
            'proxy service traefik (traefik:v3.2)',
            'publishes 443: 0.0.0.0:443->443/tcp',
        ]),
    'COMPOSE-PROXY-TLS-001:skip:no web service': (
        'no web service in the project',
        [
        ]),
    'COMPOSE-STORAGE-001:pass:PGDATA inside the volume': (
        'kept on the named volume db_data',
        [
            'data directory /var/lib/postgresql/data/pgdata',
            'volumes: db_data:/var/lib/postgresql/data',
        ]),
    'COMPOSE-STORAGE-001:fail:a database built from postgres, nothing mounted': (
        'nothing is mounted at /var/lib/postgresql/data: the data lives in an anonymous volume '
        'or the container layer and is lost when the container is recreated',
        [
            'data directory /var/lib/postgresql/data',
        ]),
    "COMPOSE-SUPERVISION-002:fail:a worker built with the web's HEALTHCHECK": (
        'inherits a HEALTHCHECK that probes the web port, which a celery worker does not serve: '
        'Docker will report it unhealthy',
        [
            'Dockerfile:4 HEALTHCHECK in stage runtime',
        ]),
    'COMPOSE-SUPERVISION-002:fail:no HEALTHCHECK in two stages': (
        'no health check: a hung process looks healthy',
        [
            'no HEALTHCHECK in Dockerfile stages runtime, base; the base image python:3.11-slim '
            'is not visible offline (its own HEALTHCHECK, if any, is not known)',
        ]),
    'COMPOSE-STORAGE-001:pass:a named volume': (
        'kept on the named volume db_data',
        [
            'data directory /var/lib/postgresql/data',
            'volumes: db_data:/var/lib/postgresql/data',
        ]),
    'COMPOSE-STORAGE-001:pass:an external volume': (
        'kept on the external volume db_data',
        [
            'data directory /var/lib/postgresql/data',
            'volumes: db_data:/var/lib/postgresql/data',
        ]),
    'COMPOSE-STORAGE-001:pass:a host path': (
        'bind-mounted from the host path /srv/pgdata',
        [
            'data directory /var/lib/postgresql/data',
            'volumes: /srv/pgdata:/var/lib/postgresql/data',
        ]),
    'COMPOSE-STORAGE-001:warn:a path inside the project': (
        'bind-mounted from ./pgdata inside the project directory: a re-clone or clean-up of '
        'the checkout deletes the database',
        [
            'data directory /var/lib/postgresql/data',
            'volumes: ./pgdata:/var/lib/postgresql/data',
        ]),
    'COMPOSE-STORAGE-001:fail:a bind mount from /tmp': (
        'bind-mounted from /tmp/pg, which is not kept',
        [
            'data directory /var/lib/postgresql/data',
            'volumes: /tmp/pg:/var/lib/postgresql/data',
        ]),
    'COMPOSE-STORAGE-001:fail:a bind mount from /var/tmp': (
        'bind-mounted from /var/tmp/pg, which is not kept',
        [
            'data directory /var/lib/postgresql/data',
            'volumes: /var/tmp/pg:/var/lib/postgresql/data',
        ]),
    'COMPOSE-STORAGE-001:fail:a bind mount from /dev/shm': (
        'bind-mounted from /dev/shm/pg, which is not kept',
        [
            'data directory /var/lib/postgresql/data',
            'volumes: /dev/shm/pg:/var/lib/postgresql/data',
        ]),
    'COMPOSE-STORAGE-001:fail:a bind mount from /run': (
        'bind-mounted from /run/pg, which is not kept',
        [
            'data directory /var/lib/postgresql/data',
            'volumes: /run/pg:/var/lib/postgresql/data',
        ]),
    'COMPOSE-STORAGE-001:fail:an anonymous volume': (
        'kept on an anonymous volume: a new one is created when the container is recreated '
        'after docker compose down, and the data is orphaned',
        [
            'data directory /var/lib/postgresql/data',
            'volumes: /var/lib/postgresql/data',
        ]),
    'COMPOSE-STORAGE-001:fail:a tmpfs': (
        'kept on a tmpfs mount, which does not survive the container',
        [
            'data directory /var/lib/postgresql/data',
            'tmpfs: /var/lib/postgresql/data',
        ]),
    'COMPOSE-STORAGE-001:fail:nothing mounted': (
        'nothing is mounted at /var/lib/postgresql/data: the data lives in an anonymous volume '
        'or the container layer and is lost when the container is recreated',
        [
            'data directory /var/lib/postgresql/data',
        ]),
    'COMPOSE-STORAGE-001:fail:PGDATA moved outside the volume': (
        'nothing is mounted at /pgdata: the data lives in an anonymous volume or the container '
        'layer and is lost when the container is recreated',
        [
            'data directory /pgdata',
        ]),
    'COMPOSE-STORAGE-001:fail:mysql:8.4 keeps its data in /var/lib/mysql': (
        'nothing is mounted at /var/lib/mysql: the data lives in an anonymous volume or the '
        'container layer and is lost when the container is recreated',
        [
            'data directory /var/lib/mysql',
        ]),
    "COMPOSE-STORAGE-001:fail:bitnami/postgresql with postgres's data directory": (
        'nothing is mounted at /bitnami/postgresql: the data lives in an anonymous volume or '
        'the container layer and is lost when the container is recreated',
        [
            'data directory /bitnami/postgresql',
        ]),
    'COMPOSE-STORAGE-001:skip:no database': (
        'no database service in the project',
        [
        ]),
    'COMPOSE-BACKUPS-001:pass:a scheduled backup service copying to S3': (
        'backed up by service backup on a schedule, off the host',
        [
            'service backup: postgres-backup; scheduled: SCHEDULE=@daily; off host: yes',
        ]),
    'COMPOSE-BACKUPS-001:warn:a scheduled backup service keeping copies local': (
        'backed up by service backup on a schedule, but the copies stay on this host (lost '
        'with it)',
        [
            'service backup: postgres-backup; scheduled: SCHEDULE=@daily; off host: no',
        ]),
    'COMPOSE-BACKUPS-001:fail:an unscheduled backup service': (
        'service backup can back up the database but nothing schedules it',
        [
            'service backup: postgres-backup; scheduled: no; off host: yes',
        ]),
    'COMPOSE-BACKUPS-001:pass:a script run by cron, copying with restic': (
        'backed up by scripts/backup.sh on a schedule, off the host',
        [
            'scripts/backup.sh:2: pg_dump, restic; scheduled: crontab: 0 3 * * * '
            '/srv/superset/scripts/backup.sh; off host: yes',
        ]),
    'COMPOSE-BACKUPS-001:fail:a script nothing schedules': (
        'scripts/backup.sh can back up the database but nothing schedules it',
        [
            'scripts/backup.sh:2: pg_dump, restic; scheduled: no; off host: yes',
        ]),
    'COMPOSE-BACKUPS-001:warn:a cron script keeping the dump local': (
        'backed up by scripts/backup.sh on a schedule, but the copies stay on this host (lost '
        'with it)',
        [
            'scripts/backup.sh:2: pg_dump; scheduled: crontab: 0 3 * * * '
            '/srv/superset/scripts/backup.sh; off host: no',
        ]),
    'COMPOSE-BACKUPS-001:fail:no backup': (
        'no backup of the database: dashboards, charts, users and saved queries are lost with '
        'the volume',
        [
            'looked for a backup service (pg_dump, restic, borg, postgres-backup-local) and '
            'scheduled scripts',
        ]),
    "COMPOSE-BACKUPS-001:fail:Superset's sqlite file, no database service": (
        "the metadata database is the sqlite file ~/.superset/superset.db in Superset's "
        'container and nothing backs it up: dashboards, charts, users and saved queries are '
        'lost with that disk or volume',
        [
            'SQLALCHEMY_DATABASE_URI from Superset default: sqlite file ~/.superset/superset.db',
            'looked for a backup service and scheduled scripts',
        ]),
    'COMPOSE-CONFIG-SECRETS-001:pass:own values': (
        'no published default value',
        [
        ]),
    'COMPOSE-CONFIG-SECRETS-001:fail:published key thisISaSECRE': (
        'publicly known default secrets are in use (values not shown)',
        [
            "SUPERSET_SECRET_KEY (docker/.env:3) is the default key of Superset's Helm chart",
        ]),
    'COMPOSE-CONFIG-SECRETS-001:fail:a mounted script creating admin/admin': (
        "docker/docker-init.sh creates the admin user with password 'admin'",
        [
            'docker/docker-init.sh:2',
        ]),
    'COMPOSE-CONFIG-SECRETS-001:fail:a script falling back to admin, variable unset': (
        "docker/docker-init.sh falls back to password 'admin' when ADMIN_PASSWORD is unset",
        [
            'docker/docker-init.sh:2',
        ]),
    'COMPOSE-CONFIG-SECRETS-002:pass:a variable and an env file': (
        'secrets come from env files or variables, not the Compose file',
        [
            'DATABASE_PASSWORD, SUPERSET_SECRET_KEY from .env.local, compose.yaml',
        ]),
    'COMPOSE-CONFIG-SECRETS-002:fail:literal DATABASE_PASSWORD': (
        'DATABASE_PASSWORD is written into the Compose file, which is committed and shown by '
        'docker compose config',
        [
            'DATABASE_PASSWORD at compose.yaml:6 environment (value not shown)',
        ]),
    'COMPOSE-CONFIG-SECRETS-002:fail:literal SUPERSET_SECRET_KEY': (
        'SUPERSET_SECRET_KEY is written into the Compose file, which is committed and shown by '
        'docker compose config',
        [
            'SUPERSET_SECRET_KEY at compose.yaml:6 environment (value not shown)',
        ]),
    'COMPOSE-CONFIG-SECRETS-002:fail:literal DB_PASSWD': (
        'DB_PASSWD is written into the Compose file, which is committed and shown by docker '
        'compose config',
        [
            'DB_PASSWD at compose.yaml:6 environment (value not shown)',
        ]),
    'COMPOSE-CONFIG-SECRETS-002:fail:literal GITHUB_TOKEN': (
        'GITHUB_TOKEN is written into the Compose file, which is committed and shown by docker '
        'compose config',
        [
            'GITHUB_TOKEN at compose.yaml:6 environment (value not shown)',
        ]),
    'COMPOSE-CONFIG-SECRETS-002:fail:literal MAPBOX_API_KEY': (
        'MAPBOX_API_KEY is written into the Compose file, which is committed and shown by '
        'docker compose config',
        [
            'MAPBOX_API_KEY at compose.yaml:6 environment (value not shown)',
        ]),
    'COMPOSE-CONFIG-SECRETS-002:fail:literal SSH_PRIVATE_KEY': (
        'SSH_PRIVATE_KEY is written into the Compose file, which is committed and shown by '
        'docker compose config',
        [
            'SSH_PRIVATE_KEY at compose.yaml:6 environment (value not shown)',
        ]),
    'COMPOSE-CONFIG-SECRETS-002:fail:literal GCP_CREDENTIALS': (
        'GCP_CREDENTIALS is written into the Compose file, which is committed and shown by '
        'docker compose config',
        [
            'GCP_CREDENTIALS at compose.yaml:6 environment (value not shown)',
        ]),
    'COMPOSE-CONFIG-SECRETS-002:fail:literal GUEST_JWT': (
        'GUEST_JWT is written into the Compose file, which is committed and shown by docker '
        'compose config',
        [
            'GUEST_JWT at compose.yaml:6 environment (value not shown)',
        ]),
    'COMPOSE-CONFIG-SECRETS-002:fail:literal smtp_password': (
        'smtp_password is written into the Compose file, which is committed and shown by '
        'docker compose config',
        [
            'smtp_password at compose.yaml:6 environment (value not shown)',
        ]),
    'COMPOSE-CONFIG-SECRETS-002:pass:no secret at all': (
        'no secret in its environment',
        [
        ]),
    'COMPOSE-GITOPS-001:pass:.git directory': (
        'the Compose project is kept in version control',
        [
            '.git present',
            'declared in: compose.yaml',
        ]),
    'COMPOSE-GITOPS-001:fail:no .git': (
        'not under version control: changes to the Compose files cannot be reviewed, '
        'reproduced or reverted',
        [
            'declared in: compose.yaml',
            'no .git directory',
        ]),
    'COMPOSE-UPDATES-001:pass:Renovate renovate.json': (
        'image updates are tracked by Renovate configuration renovate.json',
        [
            'Renovate configuration renovate.json',
        ]),
    'COMPOSE-UPDATES-001:pass:Renovate renovate.json5': (
        'image updates are tracked by Renovate configuration renovate.json5',
        [
            'Renovate configuration renovate.json5',
        ]),
    'COMPOSE-UPDATES-001:pass:Renovate .renovaterc': (
        'image updates are tracked by Renovate configuration .renovaterc',
        [
            'Renovate configuration .renovaterc',
        ]),
    'COMPOSE-UPDATES-001:pass:Renovate .renovaterc.json': (
        'image updates are tracked by Renovate configuration .renovaterc.json',
        [
            'Renovate configuration .renovaterc.json',
        ]),
    'COMPOSE-UPDATES-001:pass:Renovate .github/renovate.json': (
        'image updates are tracked by Renovate configuration .github/renovate.json',
        [
            'Renovate configuration .github/renovate.json',
        ]),
    'COMPOSE-UPDATES-001:pass:Renovate .github/renovate.json5': (
        'image updates are tracked by Renovate configuration .github/renovate.json5',
        [
            'Renovate configuration .github/renovate.json5',
        ]),
    'COMPOSE-UPDATES-001:pass:Renovate .gitlab/renovate.json': (
        'image updates are tracked by Renovate configuration .gitlab/renovate.json',
        [
            'Renovate configuration .gitlab/renovate.json',
        ]),
    'COMPOSE-UPDATES-001:pass:Dependabot docker in .github/dependabot.yml': (
        'image updates are tracked by Dependabot docker updates in .github/dependabot.yml',
        [
            'Dependabot docker updates in .github/dependabot.yml',
        ]),
    'COMPOSE-UPDATES-001:pass:Dependabot "docker-compose" in .github/dependabot.yaml': (
        'image updates are tracked by Dependabot docker updates in .github/dependabot.yaml',
        [
            'Dependabot docker updates in .github/dependabot.yaml',
        ]),
    'COMPOSE-UPDATES-001:fail:Dependabot for pip only': (
        'nothing tracks new releases of the images (Superset, PostgreSQL, Redis security fixes)',
        [
            'no Renovate, Dependabot, watchtower or diun',
        ]),
    'COMPOSE-UPDATES-001:pass:updater containrrr/watchtower:1.7.1': (
        'image updates are tracked by service updater (containrrr/watchtower:1.7.1)',
        [
            'service updater (containrrr/watchtower:1.7.1)',
        ]),
    'COMPOSE-UPDATES-001:pass:updater crazymax/diun:4.28': (
        'image updates are tracked by service updater (crazymax/diun:4.28)',
        [
            'service updater (crazymax/diun:4.28)',
        ]),
    'COMPOSE-UPDATES-001:pass:updater pyouroboros/ouroboros:1.4.3': (
        'image updates are tracked by service updater (pyouroboros/ouroboros:1.4.3)',
        [
            'service updater (pyouroboros/ouroboros:1.4.3)',
        ]),
    'COMPOSE-UPDATES-001:fail:every image by digest, nothing tracking': (
        'every image is pinned by digest but nothing proposes updates: security fixes never '
        'arrive',
        [
            'no Renovate, Dependabot, watchtower or diun',
        ]),
}

CASES_BY_ID = {case.id: case for case in CASES}


@pytest.mark.parametrize("case_id", sorted(EXACT))
def test_exact_message_and_evidence(tmp_path: Path, case_id: str) -> None:
    case = CASES_BY_ID[case_id]
    project = write_tree(tmp_path / "tree", case.files)
    report = scan_report(tmp_path, str(project / case.target), *case.args, code=case.exit_code)
    (found,) = [f for t in report["targets"] for f in t["findings"]
                if f["check_id"] == case.check and f["subject"] == case.subject]
    assert (found["message"], found["evidence"]) == EXACT[case_id]



@pytest.mark.parametrize(("name", "command", "role"), [
    ("superset", "", "web"),
    ("superset", "/app/custom.sh", "web"),
    ("superset_init", "/app/custom.sh", "init"),
    ("superset", "/app/docker/docker-init.sh", "init"),
    ("superset", "superset init", "init"),
    ("superset", "superset db upgrade", "init"),
    ("superset", "celery -A app beat --loglevel info", "beat"),
    ("superset", "/app/run.sh beat", "beat"),
    ("superset-beat", "/app/run.sh", "beat"),
    ("superset", "celery -A app worker --loglevel info", "worker"),
    ("superset", "/app/run.sh worker", "worker"),
    ("superset-worker-2", "/app/run.sh", "worker"),
    ("superset-websocket", "/app/run.sh", "other"),
    ("superset", "/app/run.sh flower", "other"),
    ("flower", "/app/run.sh", "other"),
])
def test_the_role_of_a_superset_image_running_its_own_command(name: str, command: str,
                                                             role: str) -> None:
    from auditor.checks.compose.roles import _superset_role

    assert _superset_role(name, command) == role


@pytest.mark.parametrize(("text", "tls", "upstreams"), [
    ("upstream app {\n  server superset:8088;\n  server superset-2:8088;\n}\n"
     "server {\n  listen 80;\n  location / { proxy_pass http://app; }\n}\n",
     False, ("app", "superset", "superset-2")),
    ("entryPoints:\n  websecure:\n    address: ':443'\n    http:\n      certResolver: le\n",
     True, ()),
    ("certificatesResolvers:\n  le:\n    acme:\n      email: ops@example.org\n", True, ()),
    ("entryPoints:\n  websecure:\n    address: ':443'\n    http:\n      tls: {}\n", True, ()),
    ("entryPoints:\n  web:\n    address: ':80'\n", False, ()),
])
def test_proxy_configuration_files(text: str, tls: bool, upstreams: tuple[str, ...]) -> None:
    from auditor.checks.compose.extras import _proxy_config

    found = _proxy_config("proxy/conf.yml", text)
    assert found is not None
    assert (found.tls, found.upstreams) == (tls, upstreams)


def test_yaml_12_integers() -> None:
    from auditor.checks.compose.yamlload import load_compose

    loaded = load_compose("services:\n  a:\n    image: b:1\n    x-mode: 0o17\n    x-hex: 0x1F\n"
                          "    x-text: 1_000\n", {})
    spec = loaded.data["services"]["a"]
    # YAML 1.2 (Compose's): 0o and 0x prefixes; an underscore makes a string.
    assert (spec["x-mode"], spec["x-hex"], spec["x-text"]) == (15, 31, "1_000")


def test_a_long_command_is_cut_with_an_ellipsis() -> None:
    from auditor.checks.compose.common import safe_command

    assert safe_command("gunicorn " + "w" * 200) == "gunicorn " + "w" * 108 + "..."
    assert safe_command("gunicorn " + "w" * 111) == "gunicorn " + "w" * 111


def test_copies_from_another_stage_are_not_sources_of_the_context() -> None:
    from auditor.checks.compose.dockerfile import read_image

    built = read_image("FROM busybox:1.36 AS build\nRUN true\nFROM busybox:1.36\n"
                       "COPY --from=build /x /y\nCOPY conf.ini /etc/\n", "Dockerfile", {}, None)
    assert built.copied_sources() == ["conf.ini"]


@pytest.mark.parametrize(("command", "role"), [
    ("celery --app=superset.tasks.celery_app:app beat", "beat"),
    ("celery --app=superset.tasks.celery_app:app worker -O fair", "worker"),
    ("celery --app=superset.tasks.celery_app:app flower", None),
    ("/app/docker/docker-bootstrap.sh worker", "worker"),
    ("superset db upgrade && superset init", "init"),
    ("superset db upgrade && gunicorn 'superset.app:create_app()'", "web"),
])
def test_the_superset_role_of_a_command(command: str, role: str | None) -> None:
    """Read from the command alone (a service built FROM python has no image to go by)."""
    from auditor.checks.compose.roles import superset_process

    assert superset_process(command) == role


def test_a_bad_line_of_an_env_file_skips_that_line_only() -> None:
    from auditor.checks.compose.dotenv import parse_dotenv

    parsed = parse_dotenv("A=1\nnot a binding\nC=3\n", {})
    assert {k: e.value for k, e in parsed.entries.items()} == {"A": "1", "C": "3"}
    assert parsed.bad_lines == [2]


def test_host_projects_are_looked_for_four_levels_deep(tmp_path: Path) -> None:
    compose = "services:\n  web:\n    image: a:1.0.1\n"
    for folder in ("srv/a/b/c", "srv/a/b/c/d"):
        write_tree(tmp_path / folder, {"compose.yaml": compose})
    report = scan_report(tmp_path, "--root", str(tmp_path))
    projects = {f["subject"].split(":", 1)[0] for t in report["targets"] for f in t["findings"]
                if f["check_id"].startswith("COMPOSE-")}
    assert "/srv/a/b/c" in projects
    assert "/srv/a/b/c/d" not in projects


def test_a_superset_config_the_project_does_not_give_is_named(tmp_path: Path) -> None:
    project = write_tree(tmp_path / "p", {
        "compose.yaml": "services:\n  superset:\n    image: apache/superset:4.1.1\n"})
    report = scan_report(tmp_path, str(project))
    (target,) = report["targets"]
    assert ("superset_config.py: not found among the files the project gives service superset "
            "(looked for /app/pythonpath/superset_config.py); settings judged from its "
            "environment and Superset's defaults") in target["problems"]


FRONTED = """\
services:
  superset:
    image: apache/superset:4.1.1
    command: ["gunicorn", "--timeout", "120", "superset.app:create_app()"]
    ports: ["0.0.0.0:8088:8088", "10.0.0.5:9000:8088", "8100-8101:8088"]
    volumes: ["superset_home:/app/superset_home", "./cfg:/app/cfg", "/data:/app/own", "/app/anon"]
  worker:
    image: apache/superset:4.1.1
    command: celery --app=superset.tasks.celery_app:app worker
    deploy: {replicas: 3}
    volumes: ["superset_home:/app/superset_home", "./cfg:/app/cfg", "/app/anon"]
  nginx:
    image: nginx:1.27
    depends_on: {superset: {condition: service_started}}
    ports: ["443:443"]
volumes:
  superset_home: {}
"""


def _superset_facts(tmp_path: Path, compose: str) -> Any:
    """What the compose style hands the Superset checks (ENABLE_PROXY_FIX, caches, probes):
    no COMPOSE-* check reads it, so it is asserted from collect() itself."""
    from auditor.checks.compose.collect import collect
    from auditor.model import Target, TargetKind

    project = write_tree(tmp_path / "p", {"compose.yaml": compose})
    facts = collect(Target(str(project), TargetKind.PATH, root=str(project)), {})
    return facts.values["superset.config"]


def test_the_superset_checks_learn_the_proxy_topology_and_urls(tmp_path: Path) -> None:
    conf = _superset_facts(tmp_path, FRONTED)
    assert (conf.behind_proxy, conf.proxy_evidence) == (True, "service nginx (nginx:1.27)")
    topology = conf.topology
    assert (topology.web, topology.workers, topology.beats) == (1, 3, 0)
    assert topology.gunicorn_timeout == 120.0
    assert topology.evidence == ("service superset: web x1", "service worker: worker x3")
    # a named volume and a bind mount both services share; /app/own and the anonymous
    # /app/anon are not one store
    assert topology.shared_dirs == (("/app/cfg", "bind mount cfg"),
                                    ("/app/superset_home", "volume superset_home"))
    # proxy first, 0.0.0.0 probed on loopback, a port range left out
    assert conf.urls == ("https://127.0.0.1:443", "http://127.0.0.1:8088",
                         "http://10.0.0.5:9000")


def test_a_published_web_without_a_proxy_is_not_behind_one(tmp_path: Path) -> None:
    conf = _superset_facts(tmp_path, "services:\n  superset:\n    image: apache/superset:4.1.1\n"
                                     "    ports: ['8088:8088']\n")
    assert (conf.behind_proxy, conf.proxy_evidence) == (
        False, "no proxy service in the Compose project")


def test_a_web_published_on_loopback_only_may_have_a_proxy_on_the_host(
        tmp_path: Path) -> None:
    conf = _superset_facts(tmp_path, "services:\n  superset:\n"
                           "    image: apache/superset:4.1.1\n    ports: ['127.0.0.1:8088:8088']\n")
    assert (conf.behind_proxy, conf.proxy_evidence) == (None, "")


def test_a_script_default_is_judged_by_the_init_service_that_runs_it(tmp_path: Path) -> None:
    """The init service gives ADMIN_PASSWORD; the web, which never runs the script, does not."""
    project = write_tree(tmp_path / "p", {
        "compose.yaml": "services:\n  superset:\n    image: apache/superset:4.1.1\n"
                        "  superset-init:\n    image: apache/superset:4.1.1\n"
                        "    command: [\"/app/docker/docker-init.sh\"]\n"
                        "    environment:\n      ADMIN_PASSWORD: Zq8-own-admin-Kx2\n"
                        "    volumes:\n      - ./docker:/app/docker\n",
        "docker/docker-init.sh": "#!/bin/sh\nsuperset fab create-admin --username admin "
                                 "--password \"${ADMIN_PASSWORD:-admin}\"\n"})
    report = scan_report(tmp_path, str(project))
    found = {f["subject"]: f["status"] for t in report["targets"] for f in t["findings"]
             if f["check_id"] == "COMPOSE-CONFIG-SECRETS-001"}
    assert found == {"service/superset": "pass", "service/superset-init": "pass"}


@pytest.mark.parametrize(("text", "expanded"), [
    ("${A:-a$$b}x", "a$bx"),
    ("${A:-$${B}}", "${B}"),  # $${ is a literal, not a nested ${
])
def test_a_dollar_escape_inside_braces(text: str, expanded: str) -> None:
    from auditor.checks.compose.interpolate import interpolate

    assert interpolate(text, {}) == (expanded, [])


def test_a_brace_without_a_variable_name_is_named_invalid() -> None:
    from auditor.checks.compose.interpolate import Issue, interpolate

    assert interpolate("${-x}", {}) == ("${-x}", [
        Issue("invalid", "", "a ${...} that does not start with a variable name")])


DER_KEY = "\x30\x82\x04\xa4\x02\x01\x00\x02\x82\x01\x01\x00\xc3\x00\x00\xff"


def test_proxy_key_files_and_missing_configs_are_not_read(tmp_path: Path) -> None:
    """A proxy's private key (here DER, binary) is never opened, mounted or COPYed; a mounted
    config that is not in the project is Docker's business, not a read error."""
    compose = ("services:\n  superset:\n    image: apache/superset:4.1.1\n"
               "  nginx:\n    image: nginx:1.27\n    volumes:\n"
               "      - ./certs/server.key:/etc/nginx/server.key:ro\n"
               "      - ./missing.conf:/etc/nginx/conf.d/default.conf:ro\n"
               "  edge:\n    build: ./edge\n")
    project = write_tree(tmp_path / "p", {
        "compose.yaml": compose,
        "edge/Dockerfile": "FROM nginx:1.27\nCOPY server.key /etc/nginx/server.key\n"})
    for key in ("certs/server.key", "edge/server.key"):
        (project / key).parent.mkdir(exist_ok=True)
        (project / key).write_bytes(DER_KEY.encode("latin-1"))
    report = scan_report(tmp_path, str(project))
    (target,) = report["targets"]
    assert [p for p in target["problems"] if not p.startswith("superset_config.py:")] == []


CUSTOM_BUILD = {
    "compose.yaml": "services:\n  superset:\n    build: .\n"
                    "    command: gunicorn 'superset.app:create_app()'\n"
                    "  db:\n    image: example/app-postgres:16\n    ports: ['5432:5432']\n",
    "Dockerfile": "FROM example/superset-custom:1.0\nUSER superset\n"}


def test_a_custom_superset_base_image_may_carry_its_own_config(tmp_path: Path) -> None:
    report = scan_report(tmp_path, str(write_tree(tmp_path / "p", CUSTOM_BUILD)))
    (target,) = report["targets"]
    assert target["problems"] == [
        "superset_config.py: not found among the files the project gives service superset "
        "(looked for /app/pythonpath/superset_config.py); the base image "
        "example/superset-custom:1.0 may carry its own superset_config.py, which cannot be "
        "seen offline: the settings it could make are unknown, only the environment is judged"]


def test_a_database_is_known_by_a_name_that_ends_in_its_engine(tmp_path: Path) -> None:
    """``example/app-postgres`` is PostgreSQL though its last part does not start with it."""
    report = scan_report(tmp_path, str(write_tree(tmp_path / "p", CUSTOM_BUILD)))
    (found,) = [f for t in report["targets"] for f in t["findings"]
                if f["check_id"] == "COMPOSE-NETWORK-002" and f["subject"] == "service/db"]
    assert (found["status"], found["evidence"]) == ("fail", ["ports: 0.0.0.0:5432->5432/tcp"])


def test_a_long_syntax_port_keeps_its_protocol(tmp_path: Path) -> None:
    project = write_tree(tmp_path / "p", {"compose.yaml": (
        "services:\n  superset:\n    image: apache/superset:4.1.1\n  db:\n"
        "    image: postgres:16.6\n    ports:\n      - target: 5432\n        published: 5432\n"
        "        host_ip: 127.0.0.1\n        protocol: udp\n")})
    report = scan_report(tmp_path, str(project))
    (found,) = [f for t in report["targets"] for f in t["findings"]
                if f["check_id"] == "COMPOSE-NETWORK-001" and f["subject"] == "service/db"]
    assert (found["status"], found["evidence"]) == ("pass", ["ports: 127.0.0.1:5432->5432/udp"])


def test_a_known_superset_base_image_carries_no_config_of_its_own(tmp_path: Path) -> None:
    project = write_tree(tmp_path / "p", {
        "compose.yaml": "services:\n  superset:\n    build: .\n"
                        "    command: gunicorn 'superset.app:create_app()'\n",
        "Dockerfile": "FROM apache/superset:4.1.1\nUSER superset\n"})
    (target,) = scan_report(tmp_path, str(project))["targets"]
    assert target["problems"] == [
        "superset_config.py: not found among the files the project gives service superset "
        "(looked for /app/pythonpath/superset_config.py); settings judged from its "
        "environment and Superset's defaults"]


def test_the_deepest_bind_mount_gives_the_config(tmp_path: Path) -> None:
    """/app and /app/pythonpath both cover the config path: the deeper mount is the one seen."""
    project = write_tree(tmp_path / "p", {
        "compose.yaml": "services:\n  superset:\n    image: apache/superset:4.1.1\n"
                        "    volumes: ['./app:/app', './cfg:/app/pythonpath']\n",
        "app/README": "the application directory, no pythonpath/ here\n",
        "cfg/superset_config.py": "ROW_LIMIT = 5000\n"})
    (target,) = scan_report(tmp_path, str(project))["targets"]
    assert target["problems"] == []


def test_a_project_without_application_services_skips_scalability(tmp_path: Path) -> None:
    project = write_tree(tmp_path / "p", {"compose.yaml": "services:\n  db:\n"
                                                          "    image: postgres:16.6\n"})
    found = [(f["subject"], f["status"], f["message"]) for t in scan_report(
        tmp_path, str(project))["targets"] for f in t["findings"]
        if f["check_id"] == "COMPOSE-SCALABILITY-001"]
    assert found == [("application", "skip", "no application service in the project")]


# -- session 4 (sample of 07821de, seed 13): survivors of the uniform sample -------------------
# Each test names the behaviour it pins; the comment names the mutant(s) it kills.

def _problems(tmp_path: Path, files: dict[str, str | bytes]) -> list[str]:
    """The problems of the one target a project of ``files`` gives."""
    project = tmp_path / "p"
    for name, text in files.items():
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text)
    report = scan_report(tmp_path, str(project))
    (target,) = report["targets"]
    problems: list[str] = target["problems"]
    return problems


def test_the_folder_of_a_compose_file_at_the_top_is_dot() -> None:
    # discover.x_dirname__mutmut_1 ("or" -> "and")
    from auditor.checks.compose.discover import dirname

    assert dirname("compose.yaml") == "."
    assert dirname("deploy/compose.yaml") == "deploy"


def test_a_dockerfile_the_parser_refuses_names_the_error_kind() -> None:
    # dockerfile.x_read_image__mutmut_32 (the message replaced by None)
    from auditor.checks.compose.dockerfile import DockerfileError, read_image

    with pytest.raises(DockerfileError) as raised:
        read_image("FROM busybox:1.36\nENV\n", "Dockerfile", {}, None)
    assert str(raised.value) == "cannot be parsed (IndexError)"


def test_a_from_without_an_image_is_refused() -> None:
    # dockerfile.x_read_image__mutmut_65 (a missing parent image read as "XXXX")
    from auditor.checks.compose.dockerfile import DockerfileError, read_image

    with pytest.raises(DockerfileError) as raised:
        read_image("FROM\nRUN true\n", "Dockerfile", {}, None)
    assert str(raised.value) == "line 1: FROM without an image"


def test_copy_targets_leave_out_sources_named_by_a_variable() -> None:
    # dockerfile.xǁBuiltImageǁcopy_targets__mutmut_21 ("$" -> "XX$XX")
    from auditor.checks.compose.dockerfile import read_image

    built = read_image("FROM busybox:1.36\nCOPY ${CONF} app.ini /etc/x/\nCOPY $ONLY /etc/y\n",
                       "Dockerfile", {}, None)
    assert [(sources, dest) for sources, dest, _ in built.copy_targets()] == [
        (("app.ini",), "/etc/x/")]


@pytest.mark.parametrize(("inner", "text", "tls", "certs", "upstreams"), [
    ("proxy/Caddyfile", "superset.example.org {\n  file_server\n}\n", True,
     ("automatic HTTPS",), ()),
    ("proxy/site.conf", "superset.example.org {\n  reverse_proxy superset:8088\n}\n", True,
     ("automatic HTTPS",), ("superset",)),
])
def test_caddy_is_known_by_its_file_name_or_by_reverse_proxy(
        inner: str, text: str, tls: bool, certs: tuple[str, ...],
        upstreams: tuple[str, ...]) -> None:
    # extras.x__proxy_config__mutmut_41 ("or" -> "and")
    from auditor.checks.compose.extras import _proxy_config

    found = _proxy_config(inner, text)
    assert found is not None
    assert (found.tls, found.certificates, found.upstreams) == (tls, certs, upstreams)


def test_a_daemon_json_that_is_not_json_is_named(tmp_path: Path) -> None:
    # extras.x_daemon_config__mutmut_23 (the message upper-cased)
    write_tree(tmp_path / "srv/app", {"compose.yaml": PORTED})
    write_tree(tmp_path, {"etc/docker/daemon.json": "{not json"})
    report = scan_report(tmp_path, "--root", str(tmp_path))
    problems = [p for t in report["targets"] for p in t["problems"]]
    assert "/srv/app: file etc/docker/daemon.json: not valid JSON" in problems


def test_a_project_file_that_cannot_be_read_is_named_with_the_reason(tmp_path: Path) -> None:
    # extras.xǁProjectFilesǁread__mutmut_12 (the path kept instead of the reason)
    problems = _problems(tmp_path, {"compose.yaml": "services:\n  web:\n    image: a:1.0.1\n",
                                    "backup.sh": b"\x00\x01\x02binary"})
    assert "file backup.sh: binary file, not read" in problems


def _copied(tmp_path: Path, files: dict[str, str], dockerfile: str, path: str) -> Any:
    """Where the container file ``path`` comes from in an image built from ``dockerfile``
    with the project (``files``) as its context."""
    import dataclasses

    from auditor.checks.common.tree import Tree
    from auditor.checks.compose.dockerfile import read_image
    from auditor.checks.compose.imagefiles import locate

    write_tree(tmp_path, files)
    built = dataclasses.replace(read_image(dockerfile, "Dockerfile", {}, None), context=".")
    return locate(Tree.at(tmp_path), [], built, path)


def test_a_copied_folder_provides_its_files_under_a_destination_ending_in_x(
        tmp_path: Path) -> None:
    # imagefiles.x__candidates__mutmut_55 (dest.rstrip("/") -> rstrip("XX/XX"): "/opt/APEX"
    # would lose its X)
    found = _copied(tmp_path, {"conf/app.ini": "x\n"},
                    "FROM busybox:1.36\nCOPY conf /opt/APEX\n", "/opt/APEX/app.ini")
    assert found is not None
    assert (found.inner, found.via) == ("conf/app.ini", "Dockerfile:2 COPY in stage #0")


def test_a_folder_inside_a_copied_folder_is_not_a_file(tmp_path: Path) -> None:
    # imagefiles.x__candidates__mutmut_90 ("or tree.is_dir" -> "and tree.is_dir")
    assert _copied(tmp_path, {"conf/sub/app.ini": "x\n"},
                   "FROM busybox:1.36\nCOPY conf /opt/conf\n", "/opt/conf/sub") is None


def test_a_required_variable_message_is_interpolated() -> None:
    # interpolate.x__braced__mutmut_82 (the message expanded without the environment)
    from auditor.checks.compose.interpolate import interpolate

    text, issues = interpolate("${KEY:?set it in ${WHERE}}", {"WHERE": "the .env file"})
    assert text == ""
    assert [(i.kind, i.name, i.detail) for i in issues] == [
        ("required", "KEY", "set it in the .env file")]


def test_ports_of_an_override_merge_by_host_ip_target_and_published_port() -> None:
    # merge.x__port_key__mutmut_2 (host_ip left out of the key), _6 (target left out)
    from auditor.checks.compose.merge import merge_values

    base = {"services": {"web": {"ports": [
        {"host_ip": "127.0.0.1", "target": 80, "published": "8080", "protocol": "tcp"},
        {"target": 81, "published": "9090", "protocol": "tcp"}]}}}
    over = {"services": {"web": {"ports": [
        {"host_ip": "0.0.0.0", "target": 80, "published": "8080", "protocol": "tcp"},
        {"target": 82, "published": "9090", "protocol": "tcp"}]}}}
    merged = merge_values(base, over)
    assert merged["services"]["web"]["ports"] == [
        {"host_ip": "127.0.0.1", "target": 80, "published": "8080", "protocol": "tcp"},
        {"target": 81, "published": "9090", "protocol": "tcp"},
        {"host_ip": "0.0.0.0", "target": 80, "published": "8080", "protocol": "tcp"},
        {"target": 82, "published": "9090", "protocol": "tcp"}]
    same = merge_values(base, {"services": {"web": {"ports": [
        {"host_ip": "127.0.0.1", "target": 80, "published": "8080", "protocol": "tcp",
         "mode": "host"}]}}})
    assert same["services"]["web"]["ports"] == [
        {"host_ip": "127.0.0.1", "target": 80, "published": "8080", "protocol": "tcp",
         "mode": "host"},
        {"target": 81, "published": "9090", "protocol": "tcp"}]


def test_a_depends_on_list_means_service_started() -> None:
    # merge.x__as_mapping__mutmut_18 (the condition text)
    from auditor.checks.compose.merge import _as_mapping

    assert _as_mapping("depends_on", ["db", "redis"]) == {
        "db": {"condition": "service_started"}, "redis": {"condition": "service_started"}}


@pytest.mark.parametrize(("item", "parsed"), [
    ({"type": "tmpfs", "target": "/tmp"},
     {"type": "tmpfs", "source": "", "target": "/tmp", "read_only": False,
      "raw": "type: tmpfs, target: /tmp"}),
    ({"type": "bind", "source": "./conf", "target": "/etc/conf", "read_only": True},
     {"type": "bind", "source": "./conf", "target": "/etc/conf", "read_only": True,
      "raw": "type: bind, source: ./conf, target: /etc/conf"}),
    ("/var/lib/data",
     {"type": "anonymous", "source": "", "target": "/var/lib/data", "read_only": False,
      "raw": "/var/lib/data"}),
    ("./conf:/etc/conf:ro,z",
     {"type": "bind", "source": "./conf", "target": "/etc/conf", "read_only": True,
      "raw": "./conf:/etc/conf:ro,z"}),
    ("data:/var/lib/data:rw",
     {"type": "volume", "source": "data", "target": "/var/lib/data", "read_only": False,
      "raw": "data:/var/lib/data:rw"}),
])
def test_a_volume_entry_in_long_form(item: Any, parsed: dict[str, Any]) -> None:
    # merge.x_parse_volume__mutmut_6 ("TYPE"), _26 (a missing source as "None"),
    # _38 ("READ_ONLY"), _58 ("SOURCE"), _99 ("XXroXX")
    from auditor.checks.compose.merge import parse_volume

    assert parse_volume(item) == parsed


def test_the_profiles_note_lists_services_comma_separated() -> None:
    # profiles.x_assumed_note__mutmut_5 (the separator)
    from auditor.checks.compose.profiles import assumed_note

    assert assumed_note({"debug": ["a", "b"], "admin": ["c"]}) == (
        "services under Compose profiles are audited as if every profile were enabled "
        "(admin: c; debug: a, b); which ones run depends on --profile or COMPOSE_PROFILES "
        "where docker compose is started, which the project's files do not say")


@pytest.mark.parametrize(("command", "role"), [
    ("/app/docker/docker-bootstrap.sh", None),
    ("gunicorn -w 4 superset:app", "web"),
])
def test_the_superset_role_of_a_bare_bootstrap_or_a_gunicorn_app(command: str,
                                                                 role: str | None) -> None:
    # roles.x__long_running__mutmut_19 (a bootstrap with no argument read past the end),
    # _61 ("superset:app" -> "XXsuperset:appXX")
    from auditor.checks.compose.roles import superset_process

    assert superset_process(command) == role


@pytest.mark.parametrize(("build", "problem"), [
    ("      context: ../elsewhere\n",
     "service web build: Dockerfile Dockerfile (context ../elsewhere) lies outside the "
     "audited tree (the project folder: no git repository above it); not read"),
    ("      dockerfile: ../Dockerfile\n",
     "service web build: Dockerfile ../Dockerfile (context .) lies outside the audited tree "
     "(the project folder: no git repository above it); not read"),
])
def test_a_dockerfile_outside_the_tree_is_named_with_its_context(
        tmp_path: Path, build: str, problem: str) -> None:
    # services.x_built_image__mutmut_74 ("context" key), _76 (the "." default), _80
    # (describe without the tree)
    compose = f"services:\n  web:\n    build:\n{build}"
    assert problem in _problems(tmp_path, {"compose.yaml": compose})


def test_a_dockerfile_that_cannot_be_read_is_named_with_the_reason(tmp_path: Path) -> None:
    # services.x_built_image__mutmut_93 (the TreeError text split wrongly)
    problems = _problems(tmp_path, {"compose.yaml": "services:\n  web:\n    build: .\n",
                                    "Dockerfile": b"FROM a\x00\x01\n"})
    assert "file Dockerfile: binary file, not read" in problems


def test_environment_list_entries_keep_their_line_and_interpolation() -> None:
    # yamlload.x__env_lines__mutmut_16 (rsplit: "A=b=c" named "A=b"), _26 (None added)
    from auditor.checks.compose.yamlload import load_compose

    loaded = load_compose("services:\n  web:\n    image: a:1.0.1\n    environment:\n"
                          "      - OPTS=a=b\n      - KEY=${SECRET}\n      - PLAIN=x\n",
                          {"SECRET": "s"})
    marks = loaded.services["web"]
    assert marks.env == {"OPTS": 5, "KEY": 6, "PLAIN": 7}
    assert marks.env_interpolated == {"KEY"}


def test_a_dockerfile_beyond_the_repository_names_the_repository_as_the_tree(
        tmp_path: Path) -> None:
    # services.x_built_image__mutmut_80 (describe called without the tree: the project
    # folder named instead of the repository around it)
    repo = write_tree(tmp_path / "repo", {
        ".git/HEAD": "ref: refs/heads/main\n",
        "deploy/compose.yaml": "services:\n  web:\n    build:\n      context: ../../elsewhere\n"})
    report = scan_report(tmp_path, str(repo / "deploy"))
    (target,) = report["targets"]
    assert ("service web build: Dockerfile Dockerfile (context ../../elsewhere) lies outside "
            "the audited tree (the git repository around the project, up to ..); not read"
            ) in target["problems"]


def test_a_compose_boolean_is_lower_case_text() -> None:
    # merge.x_scalar_text__mutmut_7 (false as "FALSE")
    from auditor.checks.compose.merge import scalar_text

    assert (scalar_text(False), scalar_text(True), scalar_text(None)) == ("false", "true", None)


def test_a_bind_mount_gives_a_file_whose_name_starts_with_x(tmp_path: Path) -> None:
    # imagefiles.x_locate__mutmut_30 (the rest under the mount stripped of "X" too)
    from auditor.checks.common.tree import Tree
    from auditor.checks.compose.facts import Mount
    from auditor.checks.compose.imagefiles import locate

    write_tree(tmp_path, {"conf/Xconfig.py": "x\n"})
    mount = Mount(kind="bind", source="./conf", target="/app/conf", inner="conf",
                  read_only=False, raw="./conf:/app/conf")
    found = locate(Tree.at(tmp_path), [mount], None, "/app/conf/Xconfig.py")
    assert found is not None
    assert (found.inner, found.via) == ("conf/Xconfig.py", "volumes: ./conf:/app/conf")


def test_a_copied_file_names_the_copy_instruction(tmp_path: Path) -> None:
    # imagefiles.x_locate__mutmut_65 (via None)
    found = _copied(tmp_path, {"superset_config.py": "x\n"},
                    "FROM busybox:1.36\nRUN true\nCOPY superset_config.py /app/pythonpath/\n",
                    "/app/pythonpath/superset_config.py")
    assert found is not None
    assert (found.inner, found.via) == ("superset_config.py", "Dockerfile:3 COPY in stage #0")


def test_each_host_project_is_judged_by_its_own_superset_config(tmp_path: Path) -> None:
    # storage.x__project_config__mutmut_3 (the fact read as type None), _7 (its name
    # upper-cased): with two projects, each one's configuration decides its database.
    write_tree(tmp_path / "srv/a", {
        "compose.yaml": "services:\n  superset:\n    image: apache/superset:4.1.1\n"})
    write_tree(tmp_path / "srv/b", {
        "compose.yaml": "services:\n  superset:\n    image: apache/superset:4.1.1\n"
                        "    volumes: ['./conf:/app/pythonpath']\n",
        "conf/superset_config.py": "SQLALCHEMY_DATABASE_URI = 'postgresql://u@db/s'\n"})
    report = scan_report(tmp_path, "--root", str(tmp_path))
    found = {f["subject"]: (f["status"], f["message"]) for t in report["targets"]
             for f in t["findings"] if f["check_id"] == "COMPOSE-BACKUPS-001"}
    assert found == {
        "/srv/a:database": (
            "fail", "the metadata database is the sqlite file ~/.superset/superset.db in "
                    "Superset's container and nothing backs it up: dashboards, charts, users "
                    "and saved queries are lost with that disk or volume"),
        "/srv/b:database": ("skip", "no database service in the project")}


def test_a_superset_service_without_an_image_says_none_is_named(tmp_path: Path) -> None:
    # configsource.x_image_may_carry__mutmut_21 ("(none named)" wrapped in XX)
    problems = _problems(tmp_path, {
        "compose.yaml": "services:\n  superset:\n"
                        "    command: gunicorn superset.app:create_app()\n"})
    assert ("superset_config.py: not found among the files the project gives service superset "
            "(looked for /app/pythonpath/superset_config.py); image (none named) may carry its "
            "own superset_config.py, which cannot be seen offline: the settings it could make "
            "are unknown, only the environment is judged") in problems


def test_a_sqlite_path_is_everything_after_the_first_triple_slash(tmp_path: Path) -> None:
    # storage.x__sqlite_file__mutmut_28 (rsplit: a path holding ":///" itself was cut)
    project = write_tree(tmp_path / "p", {
        "compose.yaml": "services:\n  superset:\n    image: apache/superset:4.1.1\n"
                        "    volumes: ['./conf:/app/pythonpath']\n",
        "conf/superset_config.py": "SQLALCHEMY_DATABASE_URI = 'sqlite:////data/a:///b.db'\n"})
    report = scan_report(tmp_path, str(project))
    (found,) = [f for t in report["targets"] for f in t["findings"]
                if f["check_id"] == "COMPOSE-BACKUPS-001"]
    assert found["evidence"][0] == ("SQLALCHEMY_DATABASE_URI from conf/superset_config.py:1: "
                                    "sqlite file /data/a:///b.db")


def test_paths_under_kernel_and_scratch_folders_are_not_scripts() -> None:
    # scripts.x__paths__mutmut_10 ("/sys/" -> "/SYS/")
    from auditor.checks.compose.scripts import _paths

    assert _paths("cat /sys/fs/cgroup/memory.max /proc/1/status /dev/null /tmp/x.sh "
                  "&& exec /app/docker/../start.sh") == ["/app/start.sh"]


def test_a_config_file_at_an_absolute_host_path_is_read_on_a_host_tree(tmp_path: Path) -> None:
    # configsource.x__source__mutmut_14 (host_tree dropped: /etc/... read as outside the tree)
    write_tree(tmp_path / "srv/app", {"compose.yaml": """
        services:
          superset:
            image: apache/superset:4.1.1
            configs:
              - source: superset_config
                target: /app/pythonpath/superset_config.py
        configs:
          superset_config:
            file: /etc/superset/superset_config.py
    """})
    write_tree(tmp_path, {"etc/superset/superset_config.py":
                          "SQLALCHEMY_DATABASE_URI = 'sqlite:////var/lib/superset/meta.db'\n"})
    report = scan_report(tmp_path, "--root", str(tmp_path))
    (found,) = [f for t in report["targets"] for f in t["findings"]
                if f["check_id"] == "COMPOSE-BACKUPS-001"]
    assert found["evidence"][0] == ("SQLALCHEMY_DATABASE_URI from "
                                    "etc/superset/superset_config.py:1: sqlite file "
                                    "/var/lib/superset/meta.db")


# -- extends, include and empty files (session 4, the first 200 of the seed-13 sample) ------


def test_a_missing_parent_service_names_the_file_it_was_looked_for_in(tmp_path: Path) -> None:
    # discover.xǁ_Extendsǁextended__mutmut_35 ("not found in" the service, not the file)
    problems = _problems(tmp_path, {
        "compose.yaml": "services:\n  web:\n    image: a:1\n    extends: missing\n"})
    assert problems == ["service web: extends missing, not found in compose.yaml"]


def test_an_extends_loop_is_named_and_ends(tmp_path: Path) -> None:
    # discover.xǁ_Extendsǁextended__mutmut_18 (the loop check never true: endless recursion)
    problems = _problems(tmp_path, {
        "compose.yaml": "services:\n  a:\n    image: a:1\n    extends: b\n"
                        "  b:\n    image: b:1\n    extends: a\n"})
    assert problems == ["service a: extends loops back to b in compose.yaml",
                        "service b: extends loops back to a in compose.yaml"]


def test_an_extends_chain_beyond_the_bound_is_not_resolved(tmp_path: Path) -> None:
    # discover.xǁ_Extendsǁtoo_deep__mutmut_3 and _8 (the chain never counted: never too deep)
    from auditor.checks.compose.discover import MAX_EXTENDS_DEPTH

    lines = ["services:", "  s0:", "    image: a:1"]
    for i in range(1, MAX_EXTENDS_DEPTH + 2):
        lines += [f"  s{i}:", f"    extends: s{i - 1}"]
    problems = _problems(tmp_path, {"compose.yaml": "\n".join(lines) + "\n"})
    assert problems == [f"service s{MAX_EXTENDS_DEPTH + 1}: compose.yaml: extends a chain of "
                        f"more than {MAX_EXTENDS_DEPTH} services, not resolved (the service "
                        "is not audited)"]


def test_a_service_extends_one_of_another_file_interpolated_with_the_env(
        tmp_path: Path) -> None:
    # discover.xǁ_Extendsǁ_find_parent__mutmut_36 (key "XXfileXX"), _51 (env dropped from
    # the read of the other file), _54 (its services never taken)
    from auditor.checks.common.tree import Tree
    from auditor.checks.compose.discover import load

    write_tree(tmp_path, {
        "compose.yaml": "services:\n  web:\n    extends: {file: base/common.yml, service: c}\n"
                        "    ports: ['8000:8000']\n",
        "base/common.yml": "services:\n  c:\n    image: ${IMG}\n    restart: always\n",
        ".env": "IMG=app:2\n"})
    loaded = load(Tree(tmp_path), ".", False)
    assert loaded.problems == {}
    assert loaded.services["web"]["image"] == "app:2"
    assert loaded.services["web"]["restart"] == "always"


def test_includes_nest_to_their_bound(tmp_path: Path) -> None:
    # discover.x__merge_file__mutmut_52 (an included file merged at depth None)
    from auditor.checks.compose.discover import MAX_INCLUDE_DEPTH

    files = {"compose.yaml": "include: [i1/compose.yaml]\nservices:\n  web:\n    image: a:1\n"}
    for i in range(1, MAX_INCLUDE_DEPTH + 2):
        files[f"i{i}/compose.yaml"] = (f"include: [../i{i + 1}/compose.yaml]\n"
                                       f"services:\n  s{i}:\n    image: s:{i}\n")
    problems = _problems(tmp_path, files)
    assert problems == [f"include i{MAX_INCLUDE_DEPTH + 1}/compose.yaml: includes nested too "
                        "deep"]


def test_an_empty_compose_file_loads_as_nothing(tmp_path: Path) -> None:
    # yamlload.x_load_compose__mutmut_15 (an empty file's LoadedFile built with two fields)
    from auditor.checks.compose.yamlload import LoadedFile, load_compose

    assert load_compose("", {}) == LoadedFile({}, {}, [])
    assert load_compose("# nothing\n", {}) == LoadedFile({}, {}, [])


def test_a_document_too_deep_for_the_parser_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    # yamlload.x_load_compose__mutmut_6 (the RecursionError reason -> None)
    from auditor.checks.compose import yamlload

    def deep(self: object) -> None:
        raise RecursionError

    monkeypatch.setattr(yamlload._Loader, "get_single_node", deep)
    with pytest.raises(yamlload.YamlError) as caught:
        yamlload.load_compose("services: {}\n", {})
    assert str(caught.value) == "nested too deeply to be a Compose file"


def test_the_light_read_for_detection_names_the_files(tmp_path: Path) -> None:
    # project.x_read_project__mutmut_45 (files None in the light read)
    from auditor.checks.common.tree import Tree
    from auditor.checks.compose.project import read_project

    write_tree(tmp_path, {"compose.yaml": "services:\n  web:\n    image: a:1\n",
                          "compose.override.yaml": "services:\n  web:\n    restart: always\n"})
    read = read_project(Tree(tmp_path), ".", ".", False, light=True)
    assert read.project is not None
    assert read.project.files == ("compose.yaml", "compose.override.yaml")


def test_only_a_bind_mount_has_a_source_inside_the_tree(tmp_path: Path) -> None:
    # services.x__mounts__mutmut_34 ("bind and source" -> "or": a named volume read as the
    # project folder of the same name, its files taken for the container's)
    problems = _problems(tmp_path, {
        "compose.yaml": "services:\n  superset:\n    image: apache/superset:4.1.1\n"
                        "    volumes: ['conf:/app/pythonpath', './data:/data']\n"
                        "volumes:\n  conf: {}\n",
        "conf/superset_config.py": "SECRET_KEY = 'x'\n"})
    assert any(p.startswith("superset_config.py: not found among the files the project gives "
                            "service superset") for p in problems), problems
    from auditor.checks.common.tree import Tree
    from auditor.checks.compose.project import read_project

    read = read_project(Tree(tmp_path / "p"), ".", ".", False, light=True)
    assert read.project is not None
    (superset,) = read.project.services
    assert [(m.kind, m.source, m.inner) for m in superset.mounts] == [
        ("volume", "conf", None), ("bind", "./data", "data")]


def test_a_user_crontab_of_the_host_is_a_schedule(tmp_path: Path) -> None:
    # extras.x__schedules__mutmut_35 (the folder var/spool/cron/crontabs misspelt: never read)
    from auditor.checks.common.tree import Tree
    from auditor.checks.compose.extras import ProjectFiles, _schedules

    write_tree(tmp_path, {
        "srv/app/compose.yaml": "services:\n  web:\n    image: a:1\n",
        "var/spool/cron/crontabs/root": "# m h dom mon dow command\n"
                                        "0 3 * * * /srv/app/backup.sh\n"})
    problems: dict[str, str] = {}
    found = _schedules(ProjectFiles.scan(Tree(tmp_path), "srv/app"), True, problems)
    assert found == [("var/spool/cron/crontabs/root", "0 3 * * * /srv/app/backup.sh")]
    assert problems == {}


def test_an_env_file_at_an_absolute_host_path_is_read_on_a_host_tree(tmp_path: Path) -> None:
    # services.x__service__mutmut_26 (host_tree dropped: /etc/... read as outside the tree)
    from auditor.checks.common.tree import Tree
    from auditor.checks.compose.project import read_project

    write_tree(tmp_path, {
        "srv/app/compose.yaml": "services:\n  web:\n    image: a:1\n"
                                "    env_file: /etc/superset/superset.env\n",
        "etc/superset/superset.env": "SUPERSET_LOG_LEVEL=info\n"})
    read = read_project(Tree(tmp_path), "srv/app", "/srv/app", True, light=True)
    assert read.project is not None and read.loaded.problems == {}
    (web,) = read.project.services
    assert {k: (v.value, v.source) for k, v in web.env.items()} == {
        "SUPERSET_LOG_LEVEL": ("info", "etc/superset/superset.env:1")}


def test_a_compose_entrypoint_drops_the_cmd_of_the_image_built(tmp_path: Path) -> None:
    # services.x_process__mutmut_19 (the image's CMD kept after a Compose entrypoint)
    from auditor.checks.common.tree import Tree
    from auditor.checks.compose.project import read_project

    write_tree(tmp_path, {
        "compose.yaml": "services:\n  web:\n    build: .\n    entrypoint: ['gunicorn', 'app']\n"
                        "  worker:\n    build: .\n",
        "Dockerfile": "FROM python:3.11-slim\nCMD [\"celery\", \"worker\"]\n"})
    read = read_project(Tree(tmp_path), ".", ".", False, light=True)
    assert read.project is not None
    assert {s.name: s.process for s in read.project.services} == {
        "web": "gunicorn app", "worker": "celery worker"}


def test_an_absolute_host_path_loses_only_its_leading_slashes() -> None:
    # discover.x_join__mutmut_11 (lstrip("XX/XX"): a first folder starting with X was cut)
    from auditor.checks.compose.discover import join

    assert join("srv/app", "/Xfer/XX.env", True) == "Xfer/XX.env"
    assert join("srv/app", "//etc/x.env", True) == "etc/x.env"
    assert join("srv/app", "/Xfer/XX.env", False) is None


def test_compose_file_at_an_absolute_host_path_is_loaded_on_a_host_tree(tmp_path: Path) -> None:
    # discover.x_load__mutmut_17 (host_tree dropped: COMPOSE_FILE=/opt/... read as outside)
    from auditor.checks.common.tree import Tree
    from auditor.checks.compose.discover import load

    write_tree(tmp_path, {"srv/app/.env": "COMPOSE_FILE=/opt/stack/prod.yml\n",
                          "opt/stack/prod.yml": "services:\n  web:\n    image: a:1\n"})
    loaded = load(Tree(tmp_path), "srv/app", True)
    assert (loaded.fatal, loaded.files, list(loaded.services)) == (
        None, ["opt/stack/prod.yml"], ["web"])


def test_compose_file_naming_only_files_outside_the_tree_is_fatal(tmp_path: Path) -> None:
    # discover.x_load__mutmut_43 (the fatal reason wrapped in XX)
    from auditor.checks.common.tree import Tree
    from auditor.checks.compose.discover import load

    write_tree(tmp_path, {".env": "COMPOSE_FILE=/opt/stack/prod.yml\n"})
    loaded = load(Tree(tmp_path), ".", False)
    assert (loaded.fatal, loaded.files) == (
        "COMPOSE_FILE in .env names no Compose file inside the audited tree", [])

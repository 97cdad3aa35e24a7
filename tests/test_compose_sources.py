"""Issue 12 (Compose and pip): what a deployment's own files say, read the way their readers
read them, so that no confident verdict is false on real deployments.

Each test names the real pattern it stands for: Superset's docker-compose-non-dev.yml built
from the repository Dockerfile (stages lean -> dev), docker-compose.yml's superset-node (the
webpack dev server built from the same repository), the ``.env`` from Superset's docs, and
a TLS proxy in front of the web.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest
from conftest import scan_report
from conftest import write_tree as write

from auditor.checks.compose import collect
from auditor.checks.compose.dockerfile import DockerfileError, read_image
from auditor.checks.compose.dotenv import parse_dotenv, parse_flask_dotenv
from auditor.checks.compose.facts import ComposeFacts, ComposeProject, Service
from auditor.model import Facts, Target, TargetKind

PIP_EXAMPLE = Path(__file__).parents[1] / "examples" / "pip-dev"

# Superset's repository Dockerfile, shortened: the lean stage carries the HEALTHCHECK, USER
# and CMD; dev is FROM lean (what docker-compose-non-dev.yml builds, target: dev).
UPSTREAM_DOCKERFILE = """
    ARG PY_VER=3.11.11-slim-bookworm
    FROM node:20-bookworm-slim AS superset-node
    WORKDIR /app/superset-frontend
    FROM python:${PY_VER} AS lean
    ENV SUPERSET_PORT=8088
    RUN useradd --user-group superset
    USER superset
    HEALTHCHECK CMD /app/docker/docker-healthcheck.sh
    EXPOSE ${SUPERSET_PORT}
    CMD ["/app/docker/entrypoints/run-server.sh"]
    FROM lean AS dev
    USER root
    RUN pip install playwright
    USER superset
"""

NON_DEV_COMPOSE = """
    x-common-build: &common-build
      context: .
      target: dev
    services:
      superset:
        build: *common-build
        command: ["/app/docker/docker-bootstrap.sh", "app-gunicorn"]
        restart: unless-stopped
        ports: ["8088:8088"]
      superset-worker:
        build: *common-build
        command: ["/app/docker/docker-bootstrap.sh", "worker"]
        restart: unless-stopped
        healthcheck:
          test: ["CMD-SHELL", "celery -A superset.tasks.celery_app:app inspect ping"]
"""


def facts_of(root: Path) -> Facts:
    return collect.collect(Target(label=str(root), kind=TargetKind.PATH, root=str(root),
                                  host_tree=False), {})


def project_of(root: Path) -> ComposeProject:
    return facts_of(root).get("compose", ComposeFacts).projects[0]


def service(project: ComposeProject, name: str) -> Service:
    return next(s for s in project.services if s.name == name)


def finding(report: dict[str, Any], check_id: str, subject: str,
            style: str = "compose") -> dict[str, Any]:
    (entry,) = [t for t in report["targets"] if t["style"] == style]
    return next(f for f in entry["findings"]
                if f["check_id"] == check_id and f["subject"] == subject)


def subjects(report: dict[str, Any], prefix: str) -> set[str]:
    (entry,) = [t for t in report["targets"] if t["style"] == "compose"]
    return {f["subject"] for f in entry["findings"] if f["check_id"].startswith(prefix)}


# --- 1. Dockerfiles of build: services ------------------------------------------------------


def test_healthcheck_inherited_from_the_lean_stage_passes(tmp_path: Path) -> None:
    """docker-compose-non-dev.yml builds target dev of Superset's Dockerfile, whose lean stage
    has HEALTHCHECK: the web service has a health check (it failed "no health check")."""
    write(tmp_path, {"docker-compose.yml": NON_DEV_COMPOSE, "Dockerfile": UPSTREAM_DOCKERFILE})
    report = scan_report(tmp_path, str(tmp_path), "--style", "compose")
    web = finding(report, "COMPOSE-SUPERVISION-002", "service/superset")
    assert web["status"] == "pass"
    assert web["evidence"] == ["Dockerfile:8 HEALTHCHECK in stage lean, inherited by dev"]


@pytest.mark.parametrize(("healthcheck", "message"), [
    ("", "no health check"),
    ("HEALTHCHECK NONE", "disables the health check"),
])
def test_stage_chain_without_a_working_healthcheck_fails(tmp_path: Path, healthcheck: str,
                                                          message: str) -> None:
    """The same Compose file built from a Dockerfile whose chain has no HEALTHCHECK, or whose
    dev stage turns the inherited one off with HEALTHCHECK NONE."""
    dockerfile = UPSTREAM_DOCKERFILE.replace("    FROM lean AS dev\n",
                                             f"    FROM lean AS dev\n    {healthcheck}\n")
    if not healthcheck:
        dockerfile = dockerfile.replace("    HEALTHCHECK CMD /app/docker/docker-healthcheck.sh\n",
                                        "")
    write(tmp_path, {"docker-compose.yml": NON_DEV_COMPOSE, "Dockerfile": dockerfile})
    report = scan_report(tmp_path, str(tmp_path), "--style", "compose")
    web = finding(report, "COMPOSE-SUPERVISION-002", "service/superset")
    assert web["status"] == "fail" and message in web["message"]
    if not healthcheck:
        assert "python:3.11.11-slim-bookworm is not visible offline" in web["evidence"][0]
    else:
        assert web["evidence"] == ["Dockerfile:12 HEALTHCHECK in stage dev"]


def test_user_from_the_dockerfile_counts_unless_compose_sets_one(tmp_path: Path) -> None:
    """Superset's Dockerfile ends lean and dev with USER superset; the non-dev compose file
    then overrides it with user: root on some services."""
    compose = NON_DEV_COMPOSE.replace("        command: [\"/app/docker/docker-bootstrap.sh\", "
                                      "\"worker\"]\n",
                                      "        command: [\"/app/docker/docker-bootstrap.sh\", "
                                      "\"worker\"]\n        user: root\n")
    write(tmp_path, {"docker-compose.yml": compose, "Dockerfile": UPSTREAM_DOCKERFILE})
    report = scan_report(tmp_path, str(tmp_path), "--style", "compose")
    web = finding(report, "COMPOSE-ISOLATION-001", "service/superset")
    assert web["status"] == "pass" and "superset" in web["message"]
    assert web["evidence"] == ["Dockerfile:14 USER in stage dev"]
    worker = finding(report, "COMPOSE-ISOLATION-001", "service/superset-worker")
    assert worker["status"] == "fail" and worker["evidence"] == ["user: root"]


def test_dockerfile_facts_follow_docker_inheritance() -> None:
    """The lean/dev/ci chain of Superset's Dockerfile: EXPOSE expanded from ENV, CMD and
    ENTRYPOINT as Docker combines them, build args with their defaults."""
    text = textwrap.dedent(UPSTREAM_DOCKERFILE + """
        FROM lean AS ci
        ENTRYPOINT ["/app/docker/docker-ci.sh"]
    """)
    dev = read_image(text, "Dockerfile", {}, "dev")
    assert dev.chain == ("dev", "lean", "python:3.11.11-slim-bookworm")
    assert [e.value for e in dev.expose] == ["8088"]
    assert dev.process() == "/app/docker/entrypoints/run-server.sh"
    ci = read_image(text, "Dockerfile", {}, None)
    assert ci.stage == "ci" and ci.cmd is None  # an ENTRYPOINT resets the inherited CMD
    assert read_image(text, "Dockerfile", {"PY_VER": "3.12.8-slim"}, "lean").base == \
        "python:3.12.8-slim"
    with pytest.raises(DockerfileError, match="build target prod"):
        read_image(text, "Dockerfile", {}, "prod")
    with pytest.raises(DockerfileError, match="line 1: RUN before the first FROM"):
        read_image("RUN true\nFROM x\n", "Dockerfile", {}, None)


def test_dockerfile_problems_are_named_and_never_followed_out(tmp_path: Path) -> None:
    """A Dockerfile that is missing, outside the project (``..`` or a symlink) or unusable is
    a named problem, never a crash and never read."""
    outside = tmp_path / "outside"
    write(outside, {"Dockerfile": "FROM python:3.11\nHEALTHCHECK CMD true\n"})
    project = tmp_path / "project"
    write(project, {
        "compose.yaml": """
            services:
              up: {build: {context: ../outside}}
              linked: {build: {context: ., dockerfile: Linked.Dockerfile}}
              missing: {build: {context: ., dockerfile: Nope.Dockerfile}}
              broken: {build: {context: ., target: prod}}
              inline:
                build:
                  dockerfile_inline: |
                    FROM python:3.11 AS app
                    HEALTHCHECK CMD true
                command: ["superset", "run"]
        """,
        "Dockerfile": "FROM python:3.11 AS app\n",
    })
    (project / "Linked.Dockerfile").symlink_to("../outside/Dockerfile")
    facts = facts_of(project)
    problems = facts.problems
    assert "outside the audited tree" in problems["service up build"]
    assert "outside the audited tree" in problems["service linked build"]
    assert "not found" in problems["file Nope.Dockerfile"]
    assert "build target prod" in problems["file Dockerfile"]
    built = service(facts.get("compose", ComposeFacts).projects[0], "inline")
    assert built.built is not None and built.built.healthcheck is not None
    assert built.role == "web"


# --- 3. roles come from what a process runs ----------------------------------------------


def test_webpack_dev_server_built_from_the_repo_is_not_superset(tmp_path: Path) -> None:
    """docker-compose.yml's superset-node: built from Superset's repository (target
    superset-node), running /app/docker/docker-frontend.sh. It passed "served by gunicorn";
    no Superset check may judge it. superset-init is one-shot init."""
    write(tmp_path, {
        "docker-compose.yml": NON_DEV_COMPOSE + textwrap.indent(textwrap.dedent("""
            superset-node:
              build: {context: ., target: superset-node}
              command: ["/app/docker/docker-frontend.sh"]
              ports: ["127.0.0.1:9000:9000"]
            superset-init:
              build: *common-build
              command: ["/app/docker/docker-init.sh"]
            superset-app-default:
              build: *common-build
        """), "      "),
        "Dockerfile": UPSTREAM_DOCKERFILE,
    })
    project = project_of(tmp_path)
    node = service(project, "superset-node")
    assert (node.role, node.superset) == ("other", False)
    assert service(project, "superset-init").role == "init"
    assert service(project, "superset").role == "web"
    assert service(project, "superset-worker").role == "worker"
    # No command: the image's CMD (run-server.sh, from lean) is the web server.
    assert service(project, "superset-app-default").role == "web"
    report = scan_report(tmp_path, str(tmp_path), "--style", "compose")
    judged = subjects(report, "SUPERSET-") | subjects(report, "COMPOSE-SUPERVISION-002") | \
        subjects(report, "COMPOSE-PROXY-TLS")
    assert not any("superset-node" in s for s in judged)


@pytest.mark.parametrize(("command", "role"), [
    ('["/app/docker/docker-bootstrap.sh", "app-gunicorn"]', "web"),
    ('["/app/docker/docker-bootstrap.sh", "beat"]', "beat"),
    ('["/app/docker/docker-init.sh"]', "init"),
    ("bash -c \"superset db upgrade && superset init && gunicorn -w 4 -b 0.0.0.0:8088 "
     "'superset.app:create_app()'\"", "web"),
    ("celery --app=superset.tasks.celery_app:app worker --pool=prefork -O fair", "worker"),
    ('["/app/docker/docker-frontend.sh"]', "other"),
    ("npm run dev", "other"),
])
def test_role_of_a_built_service_is_what_it_runs(tmp_path: Path, command: str,
                                                  role: str) -> None:
    """Commands from Superset's compose files and from hand-written ones: an all-in-one
    command that upgrades, inits and then serves is a web server, not a one-shot init."""
    write(tmp_path, {
        "compose.yaml": f"""
            services:
              app:
                build: .
                command: {command}
        """,
        "Dockerfile": "FROM python:3.11.11-slim\n",
    })
    app = service(project_of(tmp_path), "app")
    assert app.role == role and app.superset == (role != "other")


def test_official_images_without_a_command(tmp_path: Path) -> None:
    """Superset's image with no command runs run-server.sh (the web server) whatever the
    service is called; superset-websocket is no Superset web tier."""
    write(tmp_path, {"compose.yaml": """
        services:
          superset-worker: {image: "apache/superset:4.1.2"}
          websocket: {image: "apache/superset-websocket:0.0.1"}
    """})
    project = project_of(tmp_path)
    assert service(project, "superset-worker").role == "web"
    assert service(project, "websocket").role == "other"


# --- 2. .env files read as their readers read them ----------------------------------------


DOCS_ENV = "SUPERSET_SECRET_KEY=thisISaSECRET_1234  # from the docs\n"


def test_inline_comment_does_not_hide_a_default_key_pip(tmp_path: Path) -> None:
    """A pip install with the .env from the docs: python-dotenv (what flask and superset load
    .env with) drops the inline comment, so the key is the Helm chart's published default.
    The hand-written reader kept the comment and passed "not a known default"."""
    project = tmp_path / "p"
    shutil.copytree(PIP_EXAMPLE, project)
    (project / ".env").write_text(DOCS_ENV)
    config = project / "superset_config.py"
    config.write_text(config.read_text().replace(
        'SECRET_KEY = "YOUR_OWN_RANDOM_GENERATED_SECRET_KEY"',
        'SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]'))
    report = scan_report(tmp_path, str(project), "--style", "pip")
    (entry,) = report["targets"]
    (key,) = [f for f in entry["findings"] if f["check_id"] == "SUPERSET-CONFIG-SECRETS-001"]
    assert key["status"] == "fail" and "Helm chart" in key["message"]
    assert "thisISaSECRET_1234" not in json.dumps(report)


def test_inline_comment_does_not_hide_a_default_key_compose(tmp_path: Path) -> None:
    """The same docs .env as Compose's env_file of the official image."""
    write(tmp_path, {
        "compose.yaml": """
            services:
              superset:
                image: apache/superset:4.1.2
                env_file: docker/.env
        """,
        "docker/.env": DOCS_ENV,
    })
    report = scan_report(tmp_path, str(tmp_path), "--style", "compose")
    key = finding(report, "SUPERSET-CONFIG-SECRETS-001", "SECRET_KEY")
    assert key["status"] == "fail" and "Helm chart" in key["message"]
    assert finding(report, "COMPOSE-CONFIG-SECRETS-001", "service/superset")["status"] == "fail"


QUOTING = textwrap.dedent("""
    export EXPORTED=yes
    SINGLE='keep ${EXPORTED} \\n # here'
    DOUBLE="tab\\there ${EXPORTED}" # comment
    MULTI="first
    second"
    ESCAPED='it\\'s'
    NOSPACE=value#kept
    SPACED = spaced value   # gone
    LATER=after
""").lstrip("\n")


def test_quotes_export_and_multiline_compose_rules() -> None:
    """docs.docker.com "env file syntax": single quotes literal, double quotes escaped and
    interpolated, an inline comment needs a space before #."""
    parsed = parse_dotenv(QUOTING, {})
    values = {k: (e.value, e.line) for k, e in parsed.entries.items()}
    assert values == {
        "EXPORTED": ("yes", 1), "SINGLE": ("keep ${EXPORTED} \\n # here", 2),
        "DOUBLE": ("tab\there yes", 3), "MULTI": ("first\nsecond", 4),
        "ESCAPED": ("it's", 6), "NOSPACE": ("value#kept", 7),
        "SPACED": ("spaced value", 8), "LATER": ("after", 9),
    }


def test_quotes_export_and_multiline_python_dotenv_rules() -> None:
    """What Superset started from pip sees: python-dotenv's values (it also interpolates in
    single quotes), from earlier lines only, never from the auditing process."""
    parsed = parse_flask_dotenv(QUOTING + "HOME_REF=${HOME:-unset}\n")
    values = {k: e.value for k, e in parsed.entries.items()}
    assert values["SINGLE"] == "keep yes \\n # here"
    assert values["DOUBLE"] == "tab\there yes"
    assert values["MULTI"] == "first\nsecond"
    assert values["SPACED"] == "spaced value"
    assert values["HOME_REF"] == "unset"
    assert parsed.entries["LATER"].line == 9


# --- 4. a TLS proxy in front --------------------------------------------------------------


def test_traefik_with_tls_router_labels_fronts_the_web(tmp_path: Path) -> None:
    """Traefik in front of Superset, TLS on the router through labels."""
    write(tmp_path, {"compose.yaml": """
        services:
          traefik:
            image: traefik:v3.1
            ports: ["80:80", "443:443"]
            volumes: ["/var/run/docker.sock:/var/run/docker.sock:ro"]
          superset:
            image: apache/superset:4.1.2
            labels:
              traefik.enable: "true"
              traefik.http.routers.superset.rule: Host(`bi.example.com`)
              traefik.http.routers.superset.tls: "true"
    """})
    report = scan_report(tmp_path, str(tmp_path), "--style", "compose")
    tls = finding(report, "COMPOSE-PROXY-TLS-001", "service/superset")
    assert tls["status"] == "pass" and "traefik (traefik:v3.1)" in tls["message"]
    assert "label traefik.http.routers.superset.tls on superset" in tls["evidence"]


def test_nginx_built_from_a_dockerfile_with_its_tls_config(tmp_path: Path) -> None:
    """An nginx proxy built from a Dockerfile FROM nginx that COPYs its TLS server block;
    the network row names the proxy too."""
    write(tmp_path, {
        "compose.yaml": """
            services:
              proxy:
                build: ./proxy
                ports: ["443:443"]
                depends_on: [superset]
              superset:
                image: apache/superset:4.1.2
                ports: ["8088:8088"]
        """,
        "proxy/Dockerfile": """
            FROM nginx:1.27-alpine
            COPY superset.conf /etc/nginx/conf.d/default.conf
        """,
        "proxy/superset.conf": """
            server {
                listen 443 ssl;
                ssl_certificate /etc/nginx/certs/fullchain.pem;
                ssl_certificate_key /etc/nginx/certs/privkey.pem;
                location / { proxy_pass http://superset:8088; }
            }
        """,
    })
    report = scan_report(tmp_path, str(tmp_path), "--style", "compose")
    tls = finding(report, "COMPOSE-PROXY-TLS-001", "service/superset")
    assert tls["status"] == "pass"
    assert "proxy (nginx, built FROM nginx:1.27-alpine)" in tls["message"]
    assert any("proxy/superset.conf: TLS" in e for e in tls["evidence"])
    web = finding(report, "COMPOSE-NETWORK-001", "service/superset")
    assert web["status"] == "fail" and "proxy (nginx, built FROM" in web["message"]
    proxy = finding(report, "COMPOSE-NETWORK-001", "service/proxy")
    assert proxy["status"] == "pass" and "as proxy proxy (nginx" in proxy["message"]

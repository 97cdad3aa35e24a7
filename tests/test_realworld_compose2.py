"""Verdicts found false on real Superset Compose deployments (cases-compose2.json), pinned
on the smallest input that shows each one."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from conftest import scan_report, write_tree

C = "docker-compose.yml"


def _findings(tmp_path: Path, compose: str, check: str) -> dict[str, dict[str, Any]]:
    project = write_tree(tmp_path / "p", {C: compose})
    report = scan_report(tmp_path, str(project), "--style", "compose")
    return {f["subject"].rsplit(":", 1)[-1]: f for t in report["targets"]
            for f in t["findings"] if f["check_id"] == check}


# URBREATH/Superset: db on `superset_network_dev`, declared `external: true`. Whether that
# network is internal is set by whoever ran `docker network create`; the project cannot say
# "not internal".
EXTERNAL = """
    services:
      superset:
        image: apache/superset:4.1.2
        networks: [backend]
      db:
        image: postgres:16.6
        networks: [backend]
    networks:
      backend:
        external: true
"""


def test_an_external_network_is_not_claimed_not_internal(tmp_path: Path) -> None:
    db = _findings(tmp_path, EXTERNAL, "COMPOSE-NETWORK-003")["service/db"]
    assert db["status"] == "warn"
    assert db["evidence"] == ["network backend: external, created outside this project"]
    assert "not internal" not in db["message"]
    assert "docker network inspect backend" in db["message"]


def test_an_old_style_external_network_with_a_name_is_external(tmp_path: Path) -> None:
    compose = EXTERNAL.replace("external: true", "external:\n          name: shared_backend")
    db = _findings(tmp_path, compose, "COMPOSE-NETWORK-003")["service/db"]
    assert db["evidence"] == ["network backend: external, created outside this project"]


# URBREATH/Superset again: redis has no networks: (the default network) while superset is
# only on the external network; pgadmin is the one other service on default.
SHARED = """
    services:
      superset:
        image: apache/superset:4.1.2
        networks: [backend]
      redis:
        image: redis:7.4.1
      admindb:
        image: dpage/pgadmin4:8.12
    networks:
      backend: {}
"""


def test_shared_with_names_the_services_that_share_the_network(tmp_path: Path) -> None:
    redis = _findings(tmp_path, SHARED, "COMPOSE-NETWORK-003")["service/redis"]
    assert redis["status"] == "fail"
    assert redis["message"] == ("on network default, shared with service admindb and with a "
                                "route out")


def test_the_default_network_of_every_service_is_shared_with_every_service(
        tmp_path: Path) -> None:
    compose = SHARED.replace("        networks: [backend]\n", "")
    redis = _findings(tmp_path, compose, "COMPOSE-NETWORK-003")["service/redis"]
    assert redis["status"] == "fail"
    assert "shared with every service" in redis["message"]


def test_no_proxy_is_not_called_apart_from_the_proxy(tmp_path: Path) -> None:
    compose = EXTERNAL.replace("external: true", "internal: false")
    db = _findings(tmp_path, compose, "COMPOSE-NETWORK-003")["service/db"]
    assert db["status"] == "warn"
    assert "proxy" in db["message"] and "apart from the proxy" not in db["message"]


# URBREATH/Superset: the metadata URI, password included, is written into environment:,
# beside a Mapbox public token (pk.*) that Superset sends to every browser drawing a map.
URI = """
    services:
      superset:
        image: apache/superset:4.1.2
        environment:
          - SQLALCHEMY_DATABASE_URI=postgresql+psycopg2://superset:superset@db:5432/superset
          - MAPBOX_API_KEY=pk.eyJ1IjoiZXhhbXBsZSIsImEiOiJmYWtlIn0.ZmFrZS1tYXBib3gtdG9rZW4
"""


def test_a_password_inside_a_url_is_a_secret_written_into_the_file(tmp_path: Path) -> None:
    web = _findings(tmp_path, URI, "COMPOSE-CONFIG-SECRETS-002")["service/superset"]
    assert web["status"] == "fail"
    assert web["evidence"] == ["SQLALCHEMY_DATABASE_URI at docker-compose.yml:5 environment "
                               "(value not shown)"]


def test_a_default_password_inside_a_url_is_a_published_default(tmp_path: Path) -> None:
    web = _findings(tmp_path, URI, "COMPOSE-CONFIG-SECRETS-001")["service/superset"]
    assert web["status"] == "fail"
    assert any(e.startswith("the password in SQLALCHEMY_DATABASE_URI") for e in web["evidence"])
    assert "superset@" not in " ".join(web["evidence"])


def test_a_mapbox_public_token_is_not_a_secret(tmp_path: Path) -> None:
    compose = "\n".join(line for line in URI.splitlines() if "SQLALCHEMY" not in line)
    web = _findings(tmp_path, compose, "COMPOSE-CONFIG-SECRETS-002")["service/superset"]
    assert web["status"] == "pass"


def test_a_mapbox_secret_token_stays_a_secret(tmp_path: Path) -> None:
    compose = "\n".join(line for line in URI.splitlines() if "SQLALCHEMY" not in line)
    web = _findings(tmp_path, compose.replace("=pk.", "=sk."),
                    "COMPOSE-CONFIG-SECRETS-002")["service/superset"]
    assert web["status"] == "fail"


def test_a_url_whose_password_is_a_variable_is_not_literal(tmp_path: Path) -> None:
    compose = URI.replace("superset:superset@", "superset:${DB_PASSWORD}@")
    compose = "\n".join(line for line in compose.splitlines() if "MAPBOX" not in line)
    web = _findings(tmp_path, compose, "COMPOSE-CONFIG-SECRETS-002")["service/superset"]
    assert web["status"] == "pass"


# checks/common/bounds.py inside(): with the tree's top at '..' (a project folder one level
# below its git root) the textual test wanted every path to start with '../', so the
# project's own Dockerfile ('Dockerfile', context '.') was called outside the tree: not
# read, and the service lost its USER and the image's HEALTHCHECK.
def test_a_dockerfile_in_a_project_below_its_git_root_is_read(tmp_path: Path) -> None:
    repo = write_tree(tmp_path / "repo", {
        "deploy/docker-compose.yml": """
            services:
              superset:
                build: .
                restart: unless-stopped
        """,
        "deploy/Dockerfile": "FROM apache/superset:4.1.2\nUSER superset\n",
    })
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    report = scan_report(tmp_path, str(repo / "deploy"), "--style", "compose")
    assert not [p for t in report["targets"] for p in t["problems"]
                if "outside the audited tree" in str(p)]
    (user,) = [f for t in report["targets"] for f in t["findings"]
               if f["check_id"] == "COMPOSE-ISOLATION-001"]
    assert user["status"] == "pass"


# feruzoripov/sensorfabric-superset: FROM ubuntu:22.04, WORKDIR /app, then
# `COPY superset_config.py .` and ENV SUPERSET_CONFIG_PATH=/app/superset_config.py. The
# relative destination is /app/: the config was "not found" and every SUPERSET-* verdict came
# from Superset's defaults (a default SECRET_KEY, no cache, ENABLE_PROXY_FIX off).
BUILT = {
    C: """
        services:
          superset:
            build: .
            env_file: .env
          nginx:
            image: nginx:1.27.3
            ports: ["80:80"]
            depends_on: [superset]
    """,
    ".env": "SECRET_KEY=FAKEfakeFAKEfake/notARealKey/FAKEfakeFAKEfakeFAKEfake0123456\n",
    "Dockerfile": """
        FROM ubuntu:22.04
        WORKDIR /app
        COPY superset_config.py .
        ENV SUPERSET_CONFIG_PATH=/app/superset_config.py
        CMD ["gunicorn", "--bind", "0.0.0.0:8088", "superset.app:create_app()"]
    """,
    "superset_config.py": """
        import os
        SECRET_KEY = os.environ.get("SECRET_KEY")
        ENABLE_PROXY_FIX = True
    """,
}


def _scan(tmp_path: Path, files: dict[str, str]) -> dict[str, Any]:
    project = write_tree(tmp_path / "p", files)
    return scan_report(tmp_path, str(project), "--style", "compose")


def _by_check(report: dict[str, Any], check: str) -> list[dict[str, Any]]:
    return [f for t in report["targets"] for f in t["findings"] if f["check_id"] == check]


def test_a_copy_to_a_relative_destination_lands_in_the_workdir(tmp_path: Path) -> None:
    report = _scan(tmp_path, BUILT)
    problems = [str(p) for t in report["targets"] for p in t["problems"]]
    assert not [p for p in problems if "superset_config.py" in p], problems
    (key,) = _by_check(report, "SUPERSET-CONFIG-SECRETS-001")
    assert key["status"] == "pass"
    (fix,) = _by_check(report, "SUPERSET-PROXY-TLS-001")
    assert fix["status"] == "pass"


def test_a_relative_workdir_follows_the_one_before_it(tmp_path: Path) -> None:
    files = dict(BUILT, Dockerfile=BUILT["Dockerfile"].replace(
        "WORKDIR /app", "WORKDIR /\n        WORKDIR app").replace(
        "COPY superset_config.py .", "COPY superset_config.py ./"))
    (key,) = _by_check(_scan(tmp_path, files), "SUPERSET-CONFIG-SECRETS-001")
    assert key["status"] == "pass"


def test_a_stage_from_an_earlier_stage_keeps_its_workdir(tmp_path: Path) -> None:
    files = dict(BUILT, Dockerfile=BUILT["Dockerfile"].replace(
        "FROM ubuntu:22.04\n        WORKDIR /app",
        "FROM ubuntu:22.04 AS base\n        WORKDIR /app\n        FROM base"))
    (key,) = _by_check(_scan(tmp_path, files), "SUPERSET-CONFIG-SECRETS-001")
    assert key["status"] == "pass"


def test_a_relative_destination_under_the_bases_own_workdir_is_not_guessed(
        tmp_path: Path) -> None:
    files = dict(BUILT, Dockerfile=BUILT["Dockerfile"].replace("        WORKDIR /app\n", ""))
    report = _scan(tmp_path, files)
    problems = [str(p) for t in report["targets"] for p in t["problems"]]
    assert [p for p in problems if "superset_config.py" in p]


def test_a_dockerfile_from_ubuntu_without_user_runs_as_root(tmp_path: Path) -> None:
    (web,) = [f for f in _by_check(_scan(tmp_path, BUILT), "COMPOSE-ISOLATION-001")
              if f["subject"].endswith("service/superset")]
    assert web["status"] == "fail"
    assert web["evidence"] == ["Dockerfile: no USER; FROM ubuntu:22.04"]


def test_a_proxy_publishing_80_on_every_interface_is_not_called_loopback(
        tmp_path: Path) -> None:
    (proxy,) = [f for f in _by_check(_scan(tmp_path, BUILT), "COMPOSE-NETWORK-001")
                if f["subject"].endswith("service/nginx")]
    assert proxy["status"] == "pass"
    assert proxy["message"] == "publishes, as proxy nginx (nginx:1.27.3), 80/443 only"


def test_an_explicit_config_path_the_project_does_not_show_leaves_settings_unknown(
        tmp_path: Path) -> None:
    # No WORKDIR: `COPY superset_config.py .` goes to the base image's own WORKDIR, which is
    # not followed; SUPERSET_CONFIG_PATH still says Superset imports a file there (it will
    # not start without it), so Superset's defaults are no evidence.
    files = dict(BUILT, Dockerfile=BUILT["Dockerfile"].replace("        WORKDIR /app\n", ""))
    report = _scan(tmp_path, files)
    (key,) = _by_check(report, "SUPERSET-CONFIG-SECRETS-001")
    assert key["status"] != "fail", key
    assert "default" not in key["message"].lower()
    (fix,) = _by_check(report, "SUPERSET-PROXY-TLS-001")
    assert fix["status"] != "fail", fix


# URBREATH/Superset: otherdb is a data source (urbreath_dev), not Superset's metadata
# database, which superset_config.py puts on service db.
TWO_DATABASES = {
    C: """
        services:
          superset:
            image: apache/superset:4.1.2
            volumes: ["./superset_config.py:/app/pythonpath/superset_config.py"]
          db:
            image: postgres:16.6
            volumes: ["db_data:/var/lib/postgresql/data"]
          otherdb:
            image: postgres:16.6
            volumes: ["other_db_data:/var/lib/postgresql/data"]
        volumes:
          db_data: {}
          other_db_data: {}
    """,
    "superset_config.py": """
        SECRET_KEY = "FAKEfakeFAKEfake+notTheRealKeyFAKEfakeFAKEfake0123456789"
        SQLALCHEMY_DATABASE_URI = "postgresql+psycopg2://superset:FAKEpass@db:5432/superset"
    """,
}


def test_a_database_other_than_the_metadata_one_is_not_said_to_hold_dashboards(
        tmp_path: Path) -> None:
    found = {f["subject"].rsplit(":", 1)[-1]: f
             for f in _by_check(_scan(tmp_path, TWO_DATABASES), "COMPOSE-BACKUPS-001")}
    assert found["service/otherdb"]["status"] == "fail"
    assert "dashboards" not in found["service/otherdb"]["message"]
    assert "metadata database is service db" in found["service/otherdb"]["message"]
    assert "dashboards" in found["service/db"]["message"]

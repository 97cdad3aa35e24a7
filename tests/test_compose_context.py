"""What surrounds a Compose file: profiles, the repository it sits in, the image it builds.

Two real patterns stand behind these rules. mitodl/ol-infrastructure's Traefik compose file
puts every Superset service under a profile (``web``, ``worker``) enabled where the host
starts docker compose, not in the project's files. EpiGraphHub's
``docker/compose-base.yaml`` builds with ``context: ..`` and ``env_file: ../.env``, and its
image COPYs ``superset.sh`` (which ends in ``superset run --with-threads --reload``) and
``superset_config.py`` from the build context. Each test writes the smallest project that
shows one rule.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import scan_report
from conftest import write_tree as write

from auditor.checks.compose import collect
from auditor.checks.compose.facts import ComposeFacts, ComposeProject, Service
from auditor.checks.superset.configmodel import SupersetConfig, Unknown
from auditor.model import Detection, Facts, Target, TargetKind


def target(path: Path) -> Target:
    return Target(label=str(path), kind=TargetKind.PATH, root=str(path), host_tree=False)


def facts_of(path: Path) -> Facts:
    return collect.collect(target(path), {})


def project_of(path: Path) -> ComposeProject:
    return facts_of(path).get("compose", ComposeFacts).projects[0]


def service(project: ComposeProject, name: str) -> Service:
    return next(s for s in project.services if s.name == name)


def findings(report: dict[str, Any], check_id: str) -> list[dict[str, Any]]:
    (entry,) = [t for t in report["targets"] if t["style"] == "compose"]
    return [f for f in entry["findings"] if f["check_id"] == check_id]


def problems(report: dict[str, Any]) -> list[str]:
    return [str(p) for t in report["targets"] for p in t.get("problems") or []]


def repository(root: Path) -> Path:
    """``root`` as a repository's top folder (what ``git init`` leaves that we look for)."""
    (root / ".git").mkdir(parents=True)
    return root


# --- profiles (mitodl/ol-infrastructure) ------------------------------------------------

PROFILED = """
    services:
      traefik:
        image: traefik:v2.10
        ports: ["443:443"]
      superset:
        image: mitodl/superset:4f0d2c9e7b1a
        command: ["/app/docker/docker-bootstrap.sh", "app-gunicorn"]
        user: root
        ports: ["8088:8088"]
        profiles: [web]
      superset-worker:
        image: mitodl/superset:4f0d2c9e7b1a
        command: ["/app/docker/docker-bootstrap.sh", "worker"]
        profiles: [worker]
      superset-worker-beat:
        image: mitodl/superset:4f0d2c9e7b1a
        command: ["/app/docker/docker-bootstrap.sh", "beat"]
        profiles: [worker]
"""


def test_services_of_every_profile_are_audited_and_the_report_says_so(tmp_path: Path) -> None:
    """mitodl's compose file: nothing in the project enables a profile (the host does, where
    it starts docker compose), so every profile's services are audited and the assumption is
    named in the detection evidence and in the problems."""
    write(tmp_path, {"docker-compose.yaml": PROFILED})
    project = project_of(tmp_path)
    assert [s.name for s in project.services] == [
        "traefik", "superset", "superset-worker", "superset-worker-beat"]
    assert project.inactive == () and project.assumed_profiles == ("web", "worker")
    assert service(project, "superset").role == "web"
    assert service(project, "superset").profiles == ("web",)
    detection = collect.detect(target(tmp_path))
    assert isinstance(detection, Detection)
    assert any("every Compose profile" in e for e in detection.evidence)
    report = scan_report(tmp_path, str(tmp_path), "--style", "compose")
    assert any("as if every profile were enabled" in p and "web: superset" in p
               for p in problems(report))
    isolation = {f["subject"]: f for f in findings(report, "COMPOSE-ISOLATION-001")}
    assert isolation["service/superset"]["status"] == "fail"
    network = {f["subject"]: f for f in findings(report, "COMPOSE-NETWORK-001")}
    assert network["service/superset"]["status"] == "fail"
    assert "8088" in network["service/superset"]["message"]


@pytest.mark.parametrize(("profiles", "audited", "left_out"), [
    ("web", ["traefik", "superset"], ("superset-worker", "superset-worker-beat")),
    ("web,worker", ["traefik", "superset", "superset-worker", "superset-worker-beat"], ()),
    ("*", ["traefik", "superset", "superset-worker", "superset-worker-beat"], ()),
])
def test_compose_profiles_in_the_project_env_is_honoured(tmp_path: Path, profiles: str,
                                                         audited: list[str],
                                                         left_out: tuple[str, ...]) -> None:
    """COMPOSE_PROFILES in the project's .env is what ``docker compose up`` enables there:
    the services it leaves out are not audited, and are named."""
    write(tmp_path, {"docker-compose.yaml": PROFILED, ".env": f"COMPOSE_PROFILES={profiles}\n"})
    facts = facts_of(tmp_path)
    project = facts.get("compose", ComposeFacts).projects[0]
    assert [s.name for s in project.services] == audited
    assert project.inactive == left_out and project.assumed_profiles == ()
    if left_out:
        assert "superset-worker" in facts.problems["profiles"]
        assert "COMPOSE_PROFILES=web in .env" in facts.problems["profiles"]
    else:
        assert "profiles" not in facts.problems


def test_alternative_beats_under_two_profiles_are_not_added_up(tmp_path: Path) -> None:
    """With every profile audited, two beats under profiles ``dev`` and ``prod`` are
    alternatives, not two beats running at once: Superset's topology counts one."""
    write(tmp_path, {"docker-compose.yaml": """
        services:
          superset:
            image: apache/superset:4.1.2
          beat-dev:
            image: apache/superset:4.1.2
            command: ["celery", "--app=superset.tasks.celery_app:app", "beat"]
            profiles: [dev]
          beat-prod:
            image: apache/superset:4.1.2
            command: ["celery", "--app=superset.tasks.celery_app:app", "beat"]
            profiles: [prod]
    """})
    conf = facts_of(tmp_path).get("superset.config", SupersetConfig)
    assert conf.topology is not None
    assert (conf.topology.web, conf.topology.beats) == (1, 1)


# --- the audited tree: the enclosing repository (EpiGraphHub) -----------------------------

EPIGRAPHHUB_COMPOSE = """
    services:
      superset:
        image: epigraphhub/superset
        env_file:
          - ../.env
        build:
          context: ..
          dockerfile: docker/superset/Dockerfile
        user: "epigraphhub:epigraphhub"
        ports:
          - "127.0.0.1:8088:8088"
"""

EPIGRAPHHUB_DOCKERFILE = """
    FROM condaforge/mambaforge:latest
    ARG UID=1000  # default value 1000
    USER epigraphhub
    ENV PYTHONPATH='/opt/superset:/opt/EpiGraphHub'
    COPY --chown=epigraphhub:epigraphhub docker/superset/superset.sh /opt/superset.sh
    COPY --chown=epigraphhub:epigraphhub docker/superset/ /opt/superset
    COPY --chown=epigraphhub:epigraphhub docker/superset/entrypoint.sh /opt/entrypoint.sh
    ENTRYPOINT ["tini", "--", "/opt/entrypoint.sh"]
    CMD ["/opt/superset.sh"]
"""

SUPERSET_SH = """
    #!/usr/bin/env bash
    set -ex
    superset db upgrade
    if [[ $ENV = "dev" ]]; then
      superset fab create-admin --username admin --password admin
    fi
    superset init
    superset run -p ${SUPERSET_PORT:-8088} --host=0.0.0.0 --with-threads --reload
"""

EPIGRAPHHUB_CONFIG = """
    import os
    SECRET_KEY = os.getenv("SUPERSET_SECRET_KEY",
                           "\\2\\1thisismyscretkey\\1\\2\\\\e\\\\y\\\\y\\\\h")
    PUBLIC_ROLE_LIKE = "Gamma"
    SQLALCHEMY_DATABASE_URI = "sqlite:////opt/data/superset/superset.db"
    AUTH_USER_REGISTRATION = True
"""


def epigraphhub(root: Path, script: str = SUPERSET_SH) -> Path:
    """EpiGraphHub's layout: the compose file in docker/, the build context and .env one
    level up, at the repository's root. Returns the compose file."""
    write(repository(root), {
        "docker/compose-base.yaml": EPIGRAPHHUB_COMPOSE,
        "docker/superset/Dockerfile": EPIGRAPHHUB_DOCKERFILE,
        "docker/superset/superset.sh": script,
        "docker/superset/superset_config.py": EPIGRAPHHUB_CONFIG,
        ".env": "SUPERSET_SECRET_KEY=Zx81mQpL0vT7rN4sK2wY9cB6hJ3dF5gA\nENV=prod\n",
    })
    return root / "docker" / "compose-base.yaml"


def test_build_context_and_env_file_above_the_compose_file_inside_the_repository(
        tmp_path: Path) -> None:
    """``context: ..`` and ``env_file: ../.env`` stay inside the repository the compose file
    sits in: the Dockerfile, the .env and the files the image COPYs are read from there."""
    compose = epigraphhub(tmp_path / "EpiGraphHub")
    facts = facts_of(compose)
    web = service(facts.get("compose", ComposeFacts).projects[0], "superset")
    assert web.built is not None and web.built.context == ".."
    assert web.built.user is not None and web.built.user.value == "epigraphhub"
    assert web.env["SUPERSET_SECRET_KEY"].source == "../.env:1"
    assert not any("outside" in p for p in facts.problems.values()), facts.problems
    assert facts.get("compose", ComposeFacts).projects[0].versioned == "../.git"
    detection = collect.detect(target(compose))
    assert isinstance(detection, Detection)
    assert any("enclosing git repository" in e for e in detection.evidence)


def test_without_a_repository_the_tree_ends_at_the_compose_files_folder(tmp_path: Path) -> None:
    """The same layout without ``.git``: nothing above docker/ is read, and each reference
    there is a named problem."""
    compose = epigraphhub(tmp_path / "EpiGraphHub")
    (tmp_path / "EpiGraphHub" / ".git").rmdir()
    problems_found = facts_of(compose).problems
    assert "outside the audited tree" in problems_found["env_file ../.env"]
    assert "outside the audited tree" in problems_found["service superset build"]


def test_a_repository_in_the_home_directory_does_not_open_it(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    """A dotfiles repository at $HOME is not a project's repository: the walk up stops at the
    home directory, so ``..`` from a project under it is not read."""
    home = repository(tmp_path / "home")
    monkeypatch.setenv("HOME", str(home))
    write(home, {"project/compose.yaml": "services:\n  web:\n    image: a:1\n"
                                         "    env_file: ../.env\n",
                 ".env": "SECRET=in-home\n"})
    assert "outside the audited tree" in facts_of(home / "project").problems["env_file ../.env"]


def test_references_beyond_the_repository_are_named_and_never_read(tmp_path: Path) -> None:
    """In CI on a pull request the compose file is the author's: ``context: ../../..``, an
    env_file, a bind mount and a symlink leading out of the checkout are named problems, and
    nothing from outside reaches the report."""
    planted = "PLANTED-7f3c9e-OUTSIDE"
    write(tmp_path / "runner", {
        "secret.env": f"SUPERSET_SECRET_KEY={planted}\n",
        "Dockerfile": f"FROM python:3.11\nCMD [\"gunicorn\", \"{planted}\"]\n",
        "superset_config.py": f"SECRET_KEY = '{planted}'\n",
    })
    checkout = repository(tmp_path / "runner" / "work" / "repo")
    write(checkout, {"deploy/compose.yaml": """
        services:
          superset:
            image: apache/superset:4.1.2
            build:
              context: ../../..
            env_file:
              - ../../../secret.env
            volumes:
              - ../../..:/app/pythonpath
          linked:
            image: apache/superset:4.1.2
            build:
              context: .
              dockerfile: Linked.Dockerfile
    """})
    (checkout / "deploy" / "Linked.Dockerfile").symlink_to("../../../Dockerfile")
    facts = facts_of(checkout / "deploy")
    assert "outside the audited tree" in facts.problems["env_file ../../../secret.env"]
    assert "outside the audited tree" in facts.problems["service superset build"]
    assert "outside the audited tree" in facts.problems["service linked build"]
    report = scan_report(tmp_path, str(checkout / "deploy"), "--style", "compose")
    assert planted not in json.dumps(report)


# --- what the image runs: scripts COPY'd from the build context ---------------------------


def test_copied_script_running_superset_run_is_the_development_server(tmp_path: Path) -> None:
    """EpiGraphHub: CMD /opt/superset.sh, COPY'd from docker/superset/superset.sh, ends in
    ``superset run --reload``. The service is Superset's web, served by the development
    server; no verdict says gunicorn. The missing entrypoint.sh is named, not guessed."""
    compose = epigraphhub(tmp_path / "EpiGraphHub")
    web = service(project_of(compose), "superset")
    assert (web.role, web.superset) == ("web", True)
    assert [launch.kind for launch in web.launches] == ["superset-run"]
    assert web.launches[0].where == "../docker/superset/superset.sh:8"
    assert any("/opt/entrypoint.sh" in u and "not found" in u for u in web.unread_scripts)
    report = scan_report(tmp_path, str(compose), "--style", "compose")
    (server,) = findings(report, "COMPOSE-APP-SECURITY-002")
    assert server["status"] == "fail" and "superset run" in server["message"]
    assert any("superset.sh:8: superset run" in e for e in server["evidence"])
    assert "gunicorn" not in " ".join([server["message"], *server["evidence"]])


@pytest.mark.parametrize(("script", "status"), [
    ("#!/bin/sh\nexec gunicorn -w 4 'superset.app:create_app()'\n", "pass"),
    ("#!/bin/sh\nif [ \"$ENV\" = dev ]; then superset run --reload\n"
     "else gunicorn 'superset.app:create_app()'; fi\n", "warn"),
])
def test_copied_script_with_gunicorn_or_both_servers(tmp_path: Path, script: str,
                                                     status: str) -> None:
    """The same image with a script that runs gunicorn (pass), or picks the development
    server or gunicorn at run time (warn: it may serve production with the dev server)."""
    compose = epigraphhub(tmp_path / "repo", script)
    report = scan_report(tmp_path, str(compose), "--style", "compose")
    (server,) = findings(report, "COMPOSE-APP-SECURITY-002")
    assert server["status"] == status, server


def test_a_script_that_cannot_be_read_claims_no_server(tmp_path: Path) -> None:
    """A Superset image starting a script from a mounted folder that does not hold it:
    which server runs cannot be seen, so the check skips and says why; it never passes as
    gunicorn (it did: any command that was not a known dev server 'was gunicorn')."""
    write(tmp_path, {"compose.yaml": """
        services:
          superset:
            image: myorg/superset:1.2
            command: ["/srv/start.sh"]
            volumes: ["./scripts:/srv"]
    """, "scripts/README": "start.sh is generated at deploy time\n"})
    web = service(project_of(tmp_path), "superset")
    assert web.role == "web"
    assert web.unread_scripts == (
        "/srv/start.sh: scripts/start.sh (volumes: ./scripts:/srv): not found",)
    report = scan_report(tmp_path, str(tmp_path), "--style", "compose")
    (server,) = findings(report, "COMPOSE-APP-SECURITY-002")
    assert server["status"] == "skip" and "could not be read" in server["message"]


def test_custom_image_command_is_not_called_gunicorn(tmp_path: Path) -> None:
    """An image the auditor cannot open (mitodl/superset) with no command of its own: its
    default command is unknown, so no gunicorn claim; apache/superset's is run-server.sh."""
    write(tmp_path, {"compose.yaml": """
        services:
          superset:
            image: mitodl/superset:4f0d2c9e7b1a
    """})
    report = scan_report(tmp_path, str(tmp_path), "--style", "compose")
    (server,) = findings(report, "COMPOSE-APP-SECURITY-002")
    assert server["status"] == "skip" and "not visible offline" in server["message"]


# --- superset_config.py COPY'd into the image ----------------------------------------------


def test_superset_config_copied_into_the_image_is_read(tmp_path: Path) -> None:
    """EpiGraphHub COPYs docker/superset/ to /opt/superset, the first folder of the image's
    PYTHONPATH: that superset_config.py is the service's configuration. SECRET_KEY comes
    from SUPERSET_SECRET_KEY of ../.env, not the published fallback; self-registration,
    PUBLIC_ROLE_LIKE and the sqlite metadata database are judged, and a sqlite file with
    no database service has no backup."""
    compose = epigraphhub(tmp_path / "EpiGraphHub")
    conf = facts_of(compose).get("superset.config", SupersetConfig)
    assert conf.config_path == "../docker/superset/superset_config.py"
    assert conf.get("PUBLIC_ROLE_LIKE").value == "Gamma"
    assert conf.get("AUTH_USER_REGISTRATION").value is True
    report = scan_report(tmp_path, str(compose), "--style", "compose")
    status = {f["check_id"]: f["status"] for t in report["targets"] for f in t["findings"]}
    assert status["SUPERSET-CONFIG-SECRETS-001"] in ("pass", "warn")
    assert status["SUPERSET-APP-SECURITY-005"] in ("warn", "fail")
    assert status["SUPERSET-APP-SECURITY-006"] in ("warn", "fail")
    assert status["SUPERSET-STORAGE-001"] == "fail"
    (backups,) = findings(report, "COMPOSE-BACKUPS-001")
    assert backups["status"] == "fail" and "sqlite" in backups["message"]
    assert backups["location"] == {"path": "../docker/superset/superset_config.py", "line": 5}


def test_config_copied_to_the_default_pythonpath_of_a_superset_base(tmp_path: Path) -> None:
    """A build FROM apache/superset COPYing superset_config.py into /app/pythonpath (a
    folder, so the file keeps its name), the image's default PYTHONPATH."""
    write(tmp_path, {
        "compose.yaml": "services:\n  superset:\n    build: .\n",
        "Dockerfile": "FROM apache/superset:4.1.2\nCOPY superset_config.py /app/pythonpath\n",
        "superset_config.py": "SQLALCHEMY_DATABASE_URI = 'postgresql://db/superset'\n",
    })
    conf = facts_of(tmp_path).get("superset.config", SupersetConfig)
    assert conf.config_path == "superset_config.py"
    assert conf.get("SQLALCHEMY_DATABASE_URI").value == "postgresql://db/superset"


def test_an_image_that_may_carry_its_own_config_leaves_settings_unknown(tmp_path: Path) -> None:
    """mitodl/superset configures itself from Vault inside the image: with no config in the
    project, Superset's defaults (sqlite, the built-in key) are not judged as if they held."""
    write(tmp_path, {"compose.yaml": PROFILED})
    facts = facts_of(tmp_path)
    conf = facts.get("superset.config", SupersetConfig)
    for name in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "STATS_LOGGER"):
        assert isinstance(conf.get(name).value, Unknown), name
    assert "mitodl/superset" in facts.problems["superset_config.py"]
    report = scan_report(tmp_path, str(tmp_path), "--style", "compose")
    status = {f["check_id"]: f["status"] for t in report["targets"] for f in t["findings"]}
    assert status["SUPERSET-STORAGE-001"] == "skip"
    assert status["SUPERSET-CONFIG-SECRETS-001"] == "skip"


def test_bootstrap_app_role_is_named_once_as_the_development_server(tmp_path: Path) -> None:
    """Superset's docker-compose.yml: ``docker-bootstrap.sh app`` starts ``flask run`` in
    the development image; the message names the development server once (it said
    "served by Flask's development server, Flask's development server")."""
    write(tmp_path, {"compose.yaml": """
        services:
          superset:
            image: apache/superset:4.1.1-dev
            command: ["/app/docker/docker-bootstrap.sh", "app"]
            restart: unless-stopped
    """})
    report = scan_report(tmp_path, str(tmp_path / "compose.yaml"), "--style", "compose")
    (server,) = findings(report, "COMPOSE-APP-SECURITY-002")
    assert server["status"] == "fail"
    assert server["message"].count("development server") == 1, server["message"]

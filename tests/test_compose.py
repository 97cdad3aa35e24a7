"""The compose style: reading projects the way Compose does, detection, secrets, problems."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from conftest import scan_report
from conftest import write_tree as write

from auditor.checks.compose import collect
from auditor.checks.compose.dotenv import parse_dotenv
from auditor.checks.compose.facts import ComposeFacts, ComposeProject, Service
from auditor.checks.compose.interpolate import interpolate
from auditor.checks.superset.configmodel import SupersetConfig
from auditor.cli import main
from auditor.model import Facts, Target, TargetKind


def target(root: Path, host_tree: bool = False) -> Target:
    return Target(label=str(root), kind=TargetKind.PATH, root=str(root), host_tree=host_tree)


def facts_of(root: Path, host_tree: bool = False) -> Facts:
    return collect.collect(target(root, host_tree), {})


def project_of(root: Path) -> ComposeProject:
    facts = facts_of(root)
    return facts.get("compose", ComposeFacts).projects[0]


def service(project: ComposeProject, name: str) -> Service:
    return next(s for s in project.services if s.name == name)


def findings(report: dict[str, Any], style: str = "compose") -> dict[tuple[str, str], str]:
    (entry,) = [t for t in report["targets"] if t["style"] == style]
    return {(f["check_id"], f["subject"]): f["status"] for f in entry["findings"]}


# --- interpolation ----------------------------------------------------------------------

ENV = {"SET": "value", "EMPTY": "", "OTHER": "other"}


@pytest.mark.parametrize(("text", "expected"), [
    ("$SET", "value"),
    ("${SET}", "value"),
    ("pre-${SET}-post", "pre-value-post"),
    ("$SET.suffix", "value.suffix"),
    ("${UNSET:-default}", "default"),
    ("${EMPTY:-default}", "default"),
    ("${EMPTY-default}", ""),
    ("${UNSET-default}", "default"),
    ("${SET:-default}", "value"),
    ("${SET:+alt}", "alt"),
    ("${EMPTY:+alt}", ""),
    ("${EMPTY+alt}", "alt"),
    ("${UNSET+alt}", ""),
    ("${UNSET:-${OTHER}}", "other"),
    ("${UNSET:-${ALSO_UNSET:-deep}}", "deep"),
    ("$$SET", "$SET"),
    ("$${SET}", "${SET}"),
    ("cost $$5", "cost $5"),
    ("no variables", "no variables"),
])
def test_interpolation_follows_the_compose_specification(text: str, expected: str) -> None:
    value, issues = interpolate(text, ENV)
    assert value == expected
    assert not issues


def test_missing_variable_becomes_empty_with_an_issue() -> None:
    value, issues = interpolate("image:${TAG}", {})
    assert value == "image:"
    assert [(i.kind, i.name) for i in issues] == [("missing", "TAG")]


@pytest.mark.parametrize(("text", "env"), [
    ("${TAG:?set TAG first}", {}),
    ("${TAG:?set TAG first}", {"TAG": ""}),
    ("${TAG?set TAG first}", {}),
])
def test_required_variable_is_a_named_issue(text: str, env: dict[str, str]) -> None:
    value, issues = interpolate(text, env)
    assert value == ""
    assert [(i.kind, i.name, i.detail) for i in issues] == [("required", "TAG", "set TAG first")]


def test_required_variable_set_but_empty_passes_without_colon() -> None:
    assert interpolate("${TAG?needed}", {"TAG": ""}) == ("", [])


@pytest.mark.parametrize("text", ["a $ b", "${", "${1abc}", "${VAR/x/y}"])
def test_invalid_templates_are_reported_without_echoing_the_text(text: str) -> None:
    _, issues = interpolate("s3cr3t-" + text, {"VAR": "v"})
    assert issues and issues[0].kind == "invalid"
    assert "s3cr3t" not in issues[0].detail


def test_dotenv_format() -> None:
    text = textwrap.dedent("""
        # comment
        export A=1
        B = two words # trailing comment
        C='single ${A} $$ kept'
        D="double ${A}\\n"
        E=${A}-${B}
        F="multi
        line"
        G=
        H=#not-a-comment
        BARE
        bad line here
    """).lstrip("\n")
    parsed = parse_dotenv(text, {"BARE": "from-lookup"})
    values = {k: e.value for k, e in parsed.entries.items()}
    assert values == {"A": "1", "B": "two words", "C": "single ${A} $$ kept", "D": "double 1\n",
                      "E": "1-two words", "F": "multi\nline", "G": "", "H": "#not-a-comment",
                      "BARE": "from-lookup"}
    assert parsed.entries["E"].line == 6
    assert parsed.bad_lines == [12]


# --- reading a project ------------------------------------------------------------------

SUPERSET_LIKE = {
    "docker-compose.yml": """
        x-superset-image: &superset-image apache/superset:${TAG:-latest-dev}
        x-superset-common: &superset-common
          image: *superset-image
          env_file:
            - path: docker/.env
              required: true
            - path: docker/.env-local
              required: false
          user: "root"
          volumes:
            - ./docker:/app/docker
          environment:
            - SUPERSET_PORT=8088
        services:
          superset:
            <<: *superset-common
            command: ["/app/docker/docker-bootstrap.sh", "app-gunicorn"]
            ports:
              - 8088:8088
          superset-worker:
            <<: *superset-common
            command: ["/app/docker/docker-bootstrap.sh", "worker"]
          db:
            image: postgres:16
            env_file: docker/.env
            ports: ["22:22"]
            environment:
              FLAG: yes
    """,
    "docker/.env": """
        SUPERSET_PORT=9999
        SUPERSET_ENV=development
        PYTHONPATH=/app/pythonpath:/app/docker/pythonpath_dev
        SUPERSET_SECRET_KEY=TEST_NON_DEV_SECRET
    """,
    "docker/pythonpath_dev/superset_config.py": """
        import os
        SECRET_KEY = os.environ.get("SUPERSET_SECRET_KEY")
        SQLALCHEMY_DATABASE_URI = "postgresql://superset@db/superset"
    """,
}


def test_anchors_merge_keys_and_extension_fields(tmp_path: Path) -> None:
    project = project_of(write(tmp_path, SUPERSET_LIKE))
    assert [s.name for s in project.services] == ["superset", "superset-worker", "db"]
    web, worker = service(project, "superset"), service(project, "superset-worker")
    assert web.image == worker.image == "apache/superset:latest-dev"
    assert (web.role, worker.role) == ("web", "worker")
    assert web.spec["user"] == "root"
    assert [m.inner for m in web.mounts] == ["docker"]


def test_yaml_is_read_the_way_compose_reads_it(tmp_path: Path) -> None:
    project = project_of(write(tmp_path, SUPERSET_LIKE))
    db = service(project, "db")
    # YAML 1.1 would make 22:22 the base-60 number 1342 and `yes` a boolean.
    assert [(p.published, p.target) for p in db.ports] == [("22", "22")]
    assert db.env["FLAG"].value == "yes"


def test_environment_precedence_and_sources(tmp_path: Path) -> None:
    project = project_of(write(tmp_path, SUPERSET_LIKE))
    web = service(project, "superset")
    # environment: wins over env_file; each value remembers where it was set.
    assert web.env["SUPERSET_PORT"].value == "8088"
    assert web.env["SUPERSET_PORT"].source == "docker-compose.yml:13 environment"
    assert web.env["SUPERSET_ENV"].source == "docker/.env:2"


def test_service_locations(tmp_path: Path) -> None:
    project = project_of(write(tmp_path, SUPERSET_LIKE))
    web = service(project, "superset")
    assert (web.file, web.line) == ("docker-compose.yml", 15)
    assert web.where("image").line == 3  # inherited from the anchor
    assert web.where("ports").line == 18
    assert service(project, "db").where().line == 23


def test_superset_config_found_through_the_bind_mount(tmp_path: Path) -> None:
    facts = facts_of(write(tmp_path, SUPERSET_LIKE))
    assert facts.app == "superset"
    conf = facts.get("superset.config", SupersetConfig)
    assert conf.config_path == "docker/pythonpath_dev/superset_config.py"
    secret = conf.get("SECRET_KEY")
    assert secret.value == "TEST_NON_DEV_SECRET"
    assert "docker/.env:4" in secret.source


def test_superset_config_path_and_compose_configs(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": """
            services:
              web:
                image: apache/superset:4.1.2
                environment:
                  SUPERSET_CONFIG_PATH: /etc/superset/config.py
                configs:
                  - source: superset
                    target: /etc/superset/config.py
            configs:
              superset:
                file: ./conf/superset_config.py
        """,
        "conf/superset_config.py": "SQLALCHEMY_DATABASE_URI = 'sqlite:////tmp/x.db'\n",
    })
    conf = facts_of(tmp_path).get("superset.config", SupersetConfig)
    assert conf.config_path == "conf/superset_config.py"
    assert conf.get("SQLALCHEMY_DATABASE_URI").value == "sqlite:////tmp/x.db"


def test_override_files_merge_the_way_compose_merges(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": """
            services:
              web:
                image: app:1.0
                command: ["serve", "--old"]
                environment:
                  - KEEP=base
                  - CHANGE=base
                ports:
                  - "127.0.0.1:8000:8000"
                volumes:
                  - data:/data
                  - ./conf:/conf
                healthcheck:
                  test: ["CMD", "old"]
                  interval: 10s
                labels:
                  gone: "yes"
        """,
        "compose.override.yaml": """
            services:
              web:
                command: ["serve", "--new"]
                environment:
                  CHANGE: override
                  ADDED: override
                ports:
                  - "9000:9000"
                volumes:
                  - other:/data
                healthcheck:
                  test: ["CMD", "new"]
                labels: !reset {}
              extra:
                image: extra:2.0
        """,
        # Only the first override name found is used, as Compose does.
        "docker-compose.override.yml": "services: {ignored: {image: nope}}\n",
    })
    project = project_of(tmp_path)
    assert project.files == ("compose.yaml", "compose.override.yaml")
    assert [s.name for s in project.services] == ["web", "extra"]
    web = service(project, "web")
    assert web.spec["command"] == ["serve", "--new"]
    assert {k: v.value for k, v in web.env.items()} == {
        "KEEP": "base", "CHANGE": "override", "ADDED": "override"}
    assert [p.label for p in web.ports] == ["127.0.0.1:8000->8000/tcp", "0.0.0.0:9000->9000/tcp"]
    assert sorted((m.source, m.target) for m in web.mounts) == [("./conf", "/conf"),
                                                               ("other", "/data")]
    assert web.spec["healthcheck"] == {"test": ["CMD", "new"], "interval": "10s"}
    assert "labels" not in web.spec
    assert web.where("command").path == "compose.override.yaml"
    assert web.where("image").path == "compose.yaml"
    assert web.env["CHANGE"].source.startswith("compose.override.yaml:")


def test_override_tag_replaces_instead_of_appending(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  web:\n    image: a:1\n    ports: ['8080:80']\n",
        "compose.override.yml": "services:\n  web:\n    ports: !override ['127.0.0.1:8443:443']\n",
    })
    web = service(project_of(tmp_path), "web")
    assert [p.label for p in web.ports] == ["127.0.0.1:8443->443/tcp"]


def test_dotenv_interpolation_never_reads_the_process_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TAG", "from-the-shell")
    monkeypatch.setenv("SHELL_ONLY", "from-the-shell")
    write(tmp_path, {
        ".env": "TAG=4.1.2\n",
        "compose.yaml": """
            services:
              web:
                image: apache/superset:${TAG}
                environment:
                  FROM_ENV_FILE:
                  SHELL_ONLY:
                  MISSING: ${NOT_SET_ANYWHERE}
        """,
    })
    facts = facts_of(tmp_path)
    web = service(facts.get("compose", ComposeFacts).projects[0], "web")
    assert web.image == "apache/superset:4.1.2"
    assert web.env["SHELL_ONLY"].unknown and web.env["SHELL_ONLY"].value == ""
    assert web.env["MISSING"].value == ""
    assert any("NOT_SET_ANYWHERE" in k and "not set" in v for k, v in facts.problems.items())


def test_required_variable_is_a_named_problem(tmp_path: Path) -> None:
    write(tmp_path, {"compose.yaml": "services:\n  web:\n    image: app:${TAG:?give TAG}\n"})
    facts = facts_of(tmp_path)
    (name, reason), = [(k, v) for k, v in facts.problems.items() if "TAG" in k]
    assert name == "interpolation compose.yaml:3 TAG"
    assert "give TAG" in reason and "refuses" in reason
    assert service(facts.get("compose", ComposeFacts).projects[0], "web").image == "app:"


def test_missing_env_file_is_a_problem_only_when_required(tmp_path: Path) -> None:
    write(tmp_path, {"compose.yaml": """
        services:
          web:
            image: app:1
            env_file:
              - path: missing-required.env
              - path: missing-optional.env
                required: false
    """})
    problems = facts_of(tmp_path).problems
    assert "env_file missing-required.env" in problems
    assert "Compose refuses to start service web" in problems["env_file missing-required.env"]
    assert not any("optional" in k for k in problems)


def test_compose_file_from_dotenv_profiles_extends_and_include(tmp_path: Path) -> None:
    write(tmp_path, {
        ".env": "COMPOSE_FILE=base.yml:prod.yml\nCOMPOSE_PROFILES=ops\n",
        "base.yml": """
            include:
              - monitoring/compose.yaml
            services:
              common:
                image: app:1
                restart: always
              web:
                extends: common
                ports: ["8000:8000"]
              debug:
                image: debug:1
                profiles: [debug]
              backup:
                image: backup:1
                profiles: [ops]
        """,
        "prod.yml": "services:\n  web:\n    restart: unless-stopped\n",
        "monitoring/compose.yaml": "services:\n  prometheus:\n    image: prom/prometheus:v3\n",
    })
    project = project_of(tmp_path)
    assert project.files == ("base.yml", "prod.yml", "monitoring/compose.yaml")
    names = [s.name for s in project.services]
    assert sorted(names) == ["backup", "common", "prometheus", "web"]
    assert project.inactive == ("debug",)
    web = service(project, "web")
    assert web.image == "app:1" and web.spec["restart"] == "unless-stopped"
    assert service(project, "prometheus").role == "monitoring"


def test_dockerfile_user_of_the_stage_built(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": """
            services:
              superset:
                build: {context: ., target: lean}
              superset-dev:
                build: {context: ., target: dev}
        """,
        "Dockerfile": """
            ARG PY_VER=3.11-slim
            FROM python:${PY_VER} AS lean
            USER superset
            FROM lean AS dev
            USER root
        """,
    })
    project = project_of(tmp_path)
    lean, dev = service(project, "superset"), service(project, "superset-dev")
    assert (lean.build_user, lean.build_from) == ("superset", ("python:3.11-slim",))
    assert dev.build_user == "root"


# --- problems that must not stop the audit -----------------------------------------------

def test_broken_compose_file_is_a_named_problem_and_the_audit_completes(tmp_path: Path) -> None:
    write(tmp_path, {"docker-compose.yml": "services:\n  web:\n    image: [unclosed\n"})
    # Nothing can be evaluated: the run exits 2 (the CLI contract), its report written.
    report = scan_report(tmp_path, str(tmp_path), code=2)
    (entry,) = report["targets"]
    assert entry["style"] == "compose"
    assert any(p.startswith("compose: docker-compose.yml: line 4: not valid YAML")
               for p in entry["problems"]), entry["problems"]
    compose = [f for f in entry["findings"] if f["check_id"].startswith("COMPOSE-")]
    assert compose and all(f["status"] == "skip" for f in compose)


def test_broken_override_is_named_and_the_base_file_is_still_audited(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  web:\n    image: app:1.2.3\n",
        "compose.override.yaml": "services:\n\tweb: {}\n",
        ".env": "this is not a variable\n",
    })
    facts = facts_of(tmp_path)
    assert facts.problems["file compose.override.yaml"].startswith("line 2: not valid YAML")
    assert facts.problems["file .env:1"].startswith("not a KEY=value line")
    assert [s.name for s in facts.get("compose", ComposeFacts).projects[0].services] == ["web"]


def test_unreadable_and_binary_files_are_named(tmp_path: Path) -> None:
    write(tmp_path, {"compose.yaml": "services:\n  web:\n    image: app:1\n    env_file: a.env\n"})
    (tmp_path / "a.env").write_bytes(b"KEY=\x00binary")
    problems = facts_of(tmp_path).problems
    assert problems["env_file a.env"] == "binary file, not read"


def test_env_file_outside_the_project_is_not_read(tmp_path: Path) -> None:
    project = tmp_path / "project"
    write(project, {"compose.yaml": "services:\n  web:\n    image: a:1\n    env_file: ../x.env\n"})
    (tmp_path / "x.env").write_text("SECRET=outside\n")
    facts = facts_of(project)
    assert "outside the audited tree" in facts.problems["env_file ../x.env"]


# --- detection ----------------------------------------------------------------------------

def detections(root: Path, *args: str) -> dict[str, Any]:
    from auditor.api import open_session
    from auditor.runner import _detect
    from auditor.targets import parse_targets

    session = open_session(autoload=False)
    (parsed,) = parse_targets([str(root)] if not args else [], root=args[0] if args else None)
    found, _ = _detect(session.host, parsed)
    return {d.style.value: d for d in found}


def test_detection_tells_compose_pip_and_empty_apart(tmp_path: Path) -> None:
    compose_dir = write(tmp_path / "compose", SUPERSET_LIKE)
    pip_dir = write(tmp_path / "pip", {
        "requirements.txt": "apache-superset==4.1.2\n",
        "venv/pyvenv.cfg": "home = /usr/bin\nversion = 3.11.2\n",
        "run.sh": "venv/bin/superset run -p 8088\n",
    })
    empty = tmp_path / "empty"
    empty.mkdir()
    found = detections(compose_dir)
    assert found["compose"].confidence >= 0.9 and found["compose"].app == "superset"
    assert "docker-compose.yml" in found["compose"].evidence[0]
    assert "superset, superset-worker, db" in found["compose"].evidence[0]
    assert found.get("pip") is None or found["pip"].confidence < 0.5
    assert "compose" not in detections(pip_dir)
    assert "compose" not in detections(empty)


def test_a_compose_file_given_as_the_target(tmp_path: Path) -> None:
    write(tmp_path, {
        "docker-compose-prod.yml": "services:\n  web:\n    image: apache/superset:4.1.2\n",
        "values.yaml": "replicas: 2\n",
    })
    found = detections(tmp_path / "docker-compose-prod.yml")
    assert found["compose"].app == "superset"
    assert "compose" not in detections(tmp_path / "values.yaml")
    # A directory whose only Compose file has another name: found, with the -f caveat.
    found = detections(tmp_path)
    assert any("-f" in e for e in found["compose"].evidence)


def test_compose_project_inside_a_host_tree(tmp_path: Path) -> None:
    write(tmp_path / "opt/superset", SUPERSET_LIKE)
    write(tmp_path, {"home/alice/apps/other/compose.yaml": "services:\n  x:\n    image: a:1\n",
                     "etc/hostname": "vm1\n"})
    found = detections(tmp_path, str(tmp_path))
    assert found["compose"].app == "superset"
    assert "/opt/superset/docker-compose.yml" in found["compose"].evidence[0]
    facts = facts_of(tmp_path, host_tree=True)
    labels = [p.label for p in facts.get("compose", ComposeFacts).projects]
    assert labels == ["/opt/superset", "/home/alice/apps/other"]
    conf = facts.get("superset.config", SupersetConfig)
    assert conf.config_path == "opt/superset/docker/pythonpath_dev/superset_config.py"
    report = scan_report(tmp_path, "--root", str(tmp_path))
    subjects = {subject for (_, subject) in findings(report)}
    assert "/opt/superset:service/superset" in subjects
    assert not any(str(tmp_path) in s for s in subjects)


def test_daemon_json_of_a_host_tree_bounds_logs_and_binds_loopback(tmp_path: Path) -> None:
    write(tmp_path / "srv/app", {"compose.yaml": "services:\n  web:\n    image: a:1.0.1\n"
                                                 "    ports: ['8000:8000']\n"})
    write(tmp_path, {"etc/docker/daemon.json": json.dumps(
        {"log-driver": "json-file", "log-opts": {"max-size": "10m"}, "ip": "127.0.0.1"})})
    report = scan_report(tmp_path, "--root", str(tmp_path))
    found = findings(report)
    assert found[("COMPOSE-LOGGING-001", "/srv/app:service/web")] == "pass"
    assert found[("COMPOSE-NETWORK-001", "/srv/app:service/web")] == "pass"


# --- secrets never printed ----------------------------------------------------------------

PLANTED = ["Zq8-planted-dotenv-Kx2", "Zq8-planted-envfile-Mv7", "Zq8-planted-literal-Pw3",
           "Zq8-planted-dsn-Rt5", "Zq8-planted-command-Hy1"]


def test_secrets_never_appear_in_json_or_terminal_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = write(tmp_path / "project", {
        ".env": f"DB_PASSWORD={PLANTED[0]}\n",
        "compose.yaml": f"""
            services:
              superset:
                image: apache/superset:4.1.2
                env_file: secrets.env
                command: ["gunicorn", "--password", "{PLANTED[4]}", "--token={PLANTED[4]}"]
                environment:
                  SUPERSET_SECRET_KEY: "{PLANTED[2]}"
                  DATABASE_PASSWORD: ${{DB_PASSWORD}}
                  BROKEN: "x$ {PLANTED[2]}"
                volumes:
                  - ./pythonpath:/app/pythonpath
              db:
                image: postgres:16.6
                environment:
                  POSTGRES_PASSWORD: "{PLANTED[2]}"
                ports: ["5432:5432"]
        """,
        "secrets.env": f"ADMIN_PASSWORD={PLANTED[1]}\nAPI_TOKEN=TEST_NON_DEV_SECRET\n",
        "pythonpath/superset_config.py": f"SQLALCHEMY_DATABASE_URI = 'postgresql://u:{PLANTED[3]}@db/x'\n"
                                         "SECRET_KEY = 'TEST_NON_DEV_SECRET'\n",
    })
    report = scan_report(tmp_path, str(project))
    terminal = tmp_path / "report.txt"
    assert main(["scan", str(project), "-v", "--report", f"terminal={terminal}"]) == 0
    out = capsys.readouterr().out
    status = findings(report)
    assert status[("COMPOSE-CONFIG-SECRETS-002", "service/superset")] == "fail"
    assert status[("COMPOSE-CONFIG-SECRETS-001", "service/superset")] == "fail"
    for text in (json.dumps(report), terminal.read_text(), out):
        for secret in [*PLANTED, "TEST_NON_DEV_SECRET"]:
            assert secret not in text


# --- hostile input ------------------------------------------------------------------------

def _bomb() -> str:
    text = "x-a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
    previous = "a"
    for name in "bcdefghi":
        text += f"x-{name}: &{name} [" + ", ".join([f"*{previous}"] * 10) + "]\n"
        previous = name
    return text + f"services:\n  web:\n    image: x:1\n    command: *{previous}\n"


@pytest.mark.parametrize(("text", "reason"), [
    (_bomb(), "aliases expand to more than"),
    ("services:\n  web: &w\n    image: x:1\n    again: *w\n", "recursive alias"),
    ("services:\n  web:\n    x: " + "[" * 3000 + "]" * 3000 + "\n", "nest"),
    ("- just\n- a list\n", "top level is not a mapping"),
    ("services: [web]\n", "services is not a mapping"),
])
def test_hostile_compose_files_are_refused_with_a_reason(tmp_path: Path, text: str,
                                                         reason: str) -> None:
    write(tmp_path, {"compose.yaml": text})
    facts = facts_of(tmp_path)
    assert any(reason in v for v in facts.problems.values()), facts.problems


def test_raw_env_file_format_is_taken_literally(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": """
            services:
              web:
                image: a:1
                env_file:
                  - path: raw.env
                    format: raw
        """,
        "raw.env": "QUOTED='kept' # and this\nDOLLAR=${NOT_EXPANDED}\n",
    })
    web = service(project_of(tmp_path), "web")
    assert web.env["QUOTED"].value == "'kept' # and this"
    assert web.env["DOLLAR"].value == "${NOT_EXPANDED}"


def test_other_compose_files_beside_the_chosen_one_are_named(tmp_path: Path) -> None:
    """Issue 15: a directory with docker-compose.yml and docker-compose-non-dev.yml was
    audited from the first, silently; the evidence now says which and how to pick another."""
    body = "services:\n  superset:\n    image: apache/superset:4.1.1\n"
    for name in ("docker-compose.yml", "docker-compose-non-dev.yml", "compose.override.yml"):
        (tmp_path / name).write_text(body)
    from auditor.targets import parse_targets

    (target,) = parse_targets([str(tmp_path)])
    detection = collect.detect(target)
    assert detection is not None
    assert detection.evidence[0] == ("Compose file docker-compose.yml, compose.override.yml "
                                     "with services superset")
    assert detection.evidence[1] == (
        "also here, not audited: docker-compose-non-dev.yml (to audit one instead: auditor "
        f"scan {tmp_path}/docker-compose-non-dev.yml)")
    (one_file,) = parse_targets([str(tmp_path / "docker-compose-non-dev.yml")])
    chosen = collect.detect(one_file)
    assert chosen is not None and not any("also here" in e for e in chosen.evidence)

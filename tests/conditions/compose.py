"""Per-condition cases for the compose checks (see tests/conditions/__init__.py).

One base tree per check group, each failing or warning case one change away from it
(``replaced`` fails when the text it changes is not there exactly once). Line numbers in
locations count from ``services:`` as line 1 of ``compose.yaml``.
"""

from __future__ import annotations

from conditions import Case, changed, dedent, replaced

C = "compose.yaml"

# -- COMPOSE-RESOURCES-001 ------------------------------------------------------------------
# Memory and CPU limits (deploy.resources.limits, mem_limit, cpus, cpu_quota): both pass,
# memory alone warns, no memory fails. Every spelling of a size and of zero is in
# tests/test_boundaries_compose.py; here the attributes each alone.
BASE = {C: """
    services:
      superset:
        image: apache/superset:4.1.1
        mem_limit: 2g
        cpus: 1.5
"""}
DEPLOY_LIMITS = {C: """
    services:
      superset:
        image: apache/superset:4.1.1
        deploy:
          resources:
            limits:
              memory: 2g
              cpus: "1.5"
"""}

RESOURCES = [
    Case("COMPOSE-RESOURCES-001", "memory and cpu limits", BASE, "pass",
         subject="service/superset", evidence=("memory limit: 2g", "cpu limit: 1.5"),
         location=(C, 4)),
    Case("COMPOSE-RESOURCES-001", "no cpu limit", replaced(BASE, C, "cpus: 1.5", ""),
         "warn", subject="service/superset", evidence=("cpu limit: none",),
         location=(C, 4)),
    Case("COMPOSE-RESOURCES-001", "no memory limit", replaced(BASE, C, "mem_limit: 2g", ""),
         "fail", subject="service/superset", evidence=("memory limit: none", "cpu limit: 1.5"),
         location=(C, 2)),
    Case("COMPOSE-RESOURCES-001", "cpu_quota as the cpu limit",
         replaced(BASE, C, "cpus: 1.5", "cpu_quota: 50000"), "pass",
         subject="service/superset", evidence=("cpu limit: 50000",),
         message="limited to 2g and cpu_quota 50000"),
    Case("COMPOSE-RESOURCES-001", "deploy.resources.limits", DEPLOY_LIMITS, "pass",
         subject="service/superset", evidence=("memory limit: 2g", "cpu limit: 1.5"),
         location=(C, 4)),
    Case("COMPOSE-RESOURCES-001", "deploy limits without cpus",
         replaced(DEPLOY_LIMITS, C, 'cpus: "1.5"', ""), "warn",
         subject="service/superset", evidence=("memory limit: 2g", "cpu limit: none"),
         location=(C, 4)),
    Case("COMPOSE-RESOURCES-001", "deploy limits without memory",
         replaced(DEPLOY_LIMITS, C, "memory: 2g", ""), "fail",
         subject="service/superset", evidence=("memory limit: none", "cpu limit: 1.5"),
         location=(C, 4)),
]

# -- COMPOSE-APP-SECURITY-001: production mode ----------------------------------------------
# Fails when SUPERSET_ENV or FLASK_ENV is development (any case) or FLASK_DEBUG is truthy
# (1, true, yes, on, y), from an env file or environment:, pointing at the line that sets
# it; the first bad one is where it points. Skips without a long-running Superset service.
MODE = {C: """
    services:
      superset:
        image: apache/superset:4.1.1
        env_file: docker/.env
        environment:
          FLASK_DEBUG: "false"
""", "docker/.env": "SUPERSET_ENV=production\nFLASK_ENV=production\n"}


def _debug(value: str) -> dict[str, str]:
    return replaced(MODE, C, 'FLASK_DEBUG: "false"', f"FLASK_DEBUG: {value}")


MODE_CASES = [
    Case("COMPOSE-APP-SECURITY-001", "production, debug false", MODE, "pass",
         subject="service/superset",
         evidence=("SUPERSET_ENV, FLASK_ENV and FLASK_DEBUG not set to development",),
         location=(C, 2)),
    Case("COMPOSE-APP-SECURITY-001", "SUPERSET_ENV=development",
         replaced(MODE, "docker/.env", "SUPERSET_ENV=production", "SUPERSET_ENV=development"),
         "fail", subject="service/superset",
         evidence=("SUPERSET_ENV=development (docker/.env:1)",),
         message="runs in development mode", location=("docker/.env", 1)),
    Case("COMPOSE-APP-SECURITY-001", "SUPERSET_ENV=Development spelled with a capital",
         replaced(MODE, "docker/.env", "SUPERSET_ENV=production", "SUPERSET_ENV=Development"),
         "fail", subject="service/superset",
         evidence=("SUPERSET_ENV=Development (docker/.env:1)",), location=("docker/.env", 1)),
    Case("COMPOSE-APP-SECURITY-001", "FLASK_ENV=development",
         replaced(MODE, "docker/.env", "FLASK_ENV=production", "FLASK_ENV=development"),
         "fail", subject="service/superset",
         evidence=("FLASK_ENV=development (docker/.env:2)",), location=("docker/.env", 2)),
    *(Case("COMPOSE-APP-SECURITY-001", f"FLASK_DEBUG={shown}", _debug(value), "fail",
           subject="service/superset",
           evidence=(f"FLASK_DEBUG={shown} (compose.yaml:6 environment)",),
           location=(C, 6))
      for value, shown in (('"1"', "1"), ('"true"', "true"), ('"yes"', "yes"),
                           ('"on"', "on"), ('"y"', "y"), ('"True"', "True"))),
    *(Case("COMPOSE-APP-SECURITY-001", f"FLASK_DEBUG={value} is off", _debug(f'"{value}"'),
           "pass", subject="service/superset",
           evidence=("SUPERSET_ENV, FLASK_ENV and FLASK_DEBUG not set to development",))
      for value in ("0", "no", "off", "")),
    Case("COMPOSE-APP-SECURITY-001", "SUPERSET_ENV=developer is not development",
         replaced(MODE, "docker/.env", "SUPERSET_ENV=production", "SUPERSET_ENV=developer"),
         "pass", subject="service/superset"),
    Case("COMPOSE-APP-SECURITY-001", "no Superset service",
         {C: "services:\n  db:\n    image: postgres:16.6\n"}, "skip", subject="Superset"),
]

# -- COMPOSE-APP-SECURITY-002: gunicorn, not the development server -------------------------
# Fails for flask run, superset run, --debugger, docker-bootstrap.sh app, or a script the
# container starts that runs one of them; warns for gunicorn --reload and for a script
# that picks the development server or gunicorn at run time; passes for gunicorn,
# run-server.sh, docker-ci.sh, docker-bootstrap.sh app-gunicorn, or the official image's
# own command; skips when what runs cannot be seen, or without a web service.
SERVER = {C: """
    services:
      superset:
        image: apache/superset:4.1.1
        command: ["/app/docker/docker-bootstrap.sh", "app-gunicorn"]
"""}
BOOTSTRAP = '["/app/docker/docker-bootstrap.sh", "app-gunicorn"]'
SCRIPTED = {C: """
    services:
      superset:
        image: apache/superset:4.1.1
        command: ["/app/docker/start.sh"]
        volumes:
          - ./docker:/app/docker
""", "docker/start.sh": "#!/bin/sh\nexec gunicorn -w 4 'superset.app:create_app()'\n"}


def _command(command: str) -> dict[str, str]:
    return replaced(SERVER, C, BOOTSTRAP, command)


def _script(text: str) -> dict[str, str]:
    return changed(SCRIPTED, {"docker/start.sh": text})


DEV_MESSAGE = "served by Flask's development server"
SERVER_CASES = [
    Case("COMPOSE-APP-SECURITY-002", "docker-bootstrap.sh app-gunicorn", SERVER, "pass",
         subject="service/superset", message="served by gunicorn",
         evidence=("command: /app/docker/docker-bootstrap.sh app-gunicorn",), location=(C, 4)),
    Case("COMPOSE-APP-SECURITY-002", "docker-bootstrap.sh app",
         replaced(SERVER, C, '"app-gunicorn"', '"app"'), "fail", subject="service/superset",
         message=DEV_MESSAGE, evidence=("command: /app/docker/docker-bootstrap.sh app",),
         location=(C, 4)),
    Case("COMPOSE-APP-SECURITY-002", "superset run", _command("superset run -p 8088"), "fail",
         subject="service/superset", message=DEV_MESSAGE,
         evidence=("command: superset run -p 8088",), location=(C, 4)),
    Case("COMPOSE-APP-SECURITY-002", "flask run", _command("flask run -p 8088"), "fail",
         subject="service/superset", message=DEV_MESSAGE, evidence=("command: flask run -p 8088",)),
    Case("COMPOSE-APP-SECURITY-002", "--debugger alone",
         _command("python -m superset --debugger"), "fail", subject="service/superset",
         message=DEV_MESSAGE, evidence=("command: python -m superset --debugger",)),
    Case("COMPOSE-APP-SECURITY-002", "gunicorn --reload",
         _command("gunicorn --reload 'superset.app:create_app()'"), "warn",
         subject="service/superset", message="served by gunicorn --reload",
         evidence=("command: gunicorn --reload 'superset.app:create_app()'",), location=(C, 4)),
    Case("COMPOSE-APP-SECURITY-002", "gunicorn",
         _command("gunicorn -w 4 'superset.app:create_app()'"), "pass",
         subject="service/superset", message="served by gunicorn",
         evidence=("command: gunicorn -w 4 'superset.app:create_app()'",)),
    Case("COMPOSE-APP-SECURITY-002", "run-server.sh", _command("/usr/bin/run-server.sh"),
         "pass", subject="service/superset", message="served by gunicorn",
         evidence=("command: /usr/bin/run-server.sh",)),
    Case("COMPOSE-APP-SECURITY-002", "docker-ci.sh", _command("/app/docker/docker-ci.sh"),
         "pass", subject="service/superset", message="served by gunicorn",
         evidence=("command: /app/docker/docker-ci.sh",)),
    Case("COMPOSE-APP-SECURITY-002", "the official image's own command",
         replaced(SERVER, C, f"    command: {BOOTSTRAP}\n", ""), "pass",
         subject="service/superset", message="served by gunicorn",
         evidence=("the default command of apache/superset:4.1.1 (run-server.sh: gunicorn)",),
         location=(C, 2)),
    Case("COMPOSE-APP-SECURITY-002", "a script that runs gunicorn", SCRIPTED, "pass",
         subject="service/superset", message="served by gunicorn",
         evidence=("docker/start.sh:2: exec gunicorn -w 4 superset.app:create_app()",)),
    Case("COMPOSE-APP-SECURITY-002", "a script that runs superset run",
         _script("#!/bin/sh\nexec superset run -p 8088\n"), "fail",
         subject="service/superset", message="served by superset run, Flask's development",
         evidence=("docker/start.sh:2: exec superset run -p 8088",), location=(C, 4)),
    Case("COMPOSE-APP-SECURITY-002", "a script that runs gunicorn --reload",
         _script("#!/bin/sh\nexec gunicorn --reload 'superset.app:create_app()'\n"), "warn",
         subject="service/superset", message="served by gunicorn --reload",
         evidence=("docker/start.sh:2: exec gunicorn --reload superset.app:create_app()",)),
    Case("COMPOSE-APP-SECURITY-002", "a script that picks a server at run time",
         _script("#!/bin/sh\nif [ \"$DEV\" = 1 ]; then\n  flask run -p 8088\nelse\n"
                 "  gunicorn 'superset.app:create_app()'\nfi\n"), "warn",
         subject="service/superset", message="runs flask run or gunicorn depending on",
         evidence=("docker/start.sh:3: flask run -p 8088",
                   "docker/start.sh:5: gunicorn superset.app:create_app()")),
    Case("COMPOSE-APP-SECURITY-002", "a script that is not in the project",
         changed(SCRIPTED, {"docker/start.sh": None}), "skip", subject="service/superset",
         message="which server runs cannot be seen: the script it starts could not be read",
         evidence=("command: /app/docker/start.sh",)),
    # webserver._unknown_why's last reason, whole (mutant x__unknown_why__mutmut_13 wrapped
    # its second half in XX).
    Case("COMPOSE-APP-SECURITY-002", "a command that is no server it knows",
         _command("python -m http.server 8088"), "skip", subject="service/superset",
         message="which server runs cannot be seen: 'python -m http.server 8088' is not a "
                 "server the auditor recognises, and no script it starts could be read from "
                 "the project",
         evidence=("command: python -m http.server 8088",)),
    # webserver._shown: the CMD of the image built here is what runs (mutant
    # x__shown__mutmut_4 fell back to "its own default command").
    Case("COMPOSE-APP-SECURITY-002", "a built image's CMD that is no server it knows",
         {C: "services:\n  superset:\n    build: .\n",
          "Dockerfile": "FROM apache/superset:4.1.1\nRUN true\nCMD [\"python\", \"serve.py\"]\n"},
         "skip", subject="service/superset",
         evidence=("Dockerfile:3 CMD in stage #0: python serve.py",)),
    Case("COMPOSE-APP-SECURITY-002", "no web service",
         {C: "services:\n  db:\n    image: postgres:16.6\n"}, "skip", subject="Superset web"),
]

# -- COMPOSE-APP-SECURITY-003: example data ---------------------------------------------------
# Fails when SUPERSET_LOAD_EXAMPLES is truthy on the init service (or the web without one),
# pointing at where it is set; passes when unset or off; skips a value passed through from
# the shell (not visible) and a project without Superset.
EXAMPLES = {C: """
    services:
      superset:
        image: apache/superset:4.1.1
      superset-init:
        image: apache/superset:4.1.1
        command: ["/app/docker/docker-init.sh"]
        env_file: docker/.env
""", "docker/.env": "SUPERSET_LOAD_EXAMPLES=no\n"}


def _examples(value: str) -> dict[str, str]:
    return replaced(EXAMPLES, "docker/.env", "=no", f"={value}")


EXAMPLE_CASES = [
    Case("COMPOSE-APP-SECURITY-003", "examples off on the init service", EXAMPLES, "pass",
         subject="service/superset-init", evidence=("SUPERSET_LOAD_EXAMPLES=no",),
         location=(C, 4)),
    *(Case("COMPOSE-APP-SECURITY-003", f"SUPERSET_LOAD_EXAMPLES={value}", _examples(value),
           "fail", subject="service/superset-init",
           evidence=(f"SUPERSET_LOAD_EXAMPLES={value} (docker/.env:1)",),
           message="loads Superset's example dashboards", location=("docker/.env", 1))
      for value in ("yes", "Yes", "true", "1", "on", "y")),
    Case("COMPOSE-APP-SECURITY-003", "unset", changed(EXAMPLES, {"docker/.env": "A=b\n"}),
         "pass", subject="service/superset-init", evidence=("SUPERSET_LOAD_EXAMPLES=unset",)),
    Case("COMPOSE-APP-SECURITY-003", "the web loads them when there is no init service",
         {C: """
             services:
               superset:
                 image: apache/superset:4.1.1
                 environment:
                   SUPERSET_LOAD_EXAMPLES: "yes"
         """}, "fail", subject="service/superset",
         evidence=("SUPERSET_LOAD_EXAMPLES=yes (compose.yaml:5 environment)",),
         location=(C, 5)),
    Case("COMPOSE-APP-SECURITY-003", "passed through from the shell",
         {C: """
             services:
               superset:
                 image: apache/superset:4.1.1
                 environment:
                   - SUPERSET_LOAD_EXAMPLES
         """}, "skip", subject="service/superset",
         evidence=("taken from the shell of whoever runs docker compose",)),
    Case("COMPOSE-APP-SECURITY-003", "no Superset service",
         {C: "services:\n  db:\n    image: postgres:16.6\n"}, "skip", subject="Superset"),
]

# -- COMPOSE-AVAILABILITY-001 and COMPOSE-LOAD-BALANCING-001 --------------------------------
# Availability: two or more web containers (deploy.replicas or scale) behind a proxy pass,
# two or more without one warn, one fails. Load balancing: a proxy and two or more pass,
# a proxy in front of one container fails, no proxy fails. A proxy fronts the web by
# depends_on (list or map), an upstream in its mounted configuration, or Traefik labels.
# Both skip without a web service. Boundary: replicas 1, 2 (and 3 by scale).
FRONTED = {C: """
    services:
      superset:
        image: apache/superset:4.1.1
        deploy:
          replicas: 2
      nginx:
        image: nginx:1.27
        depends_on: [superset]
"""}
NO_PROXY = replaced(FRONTED, C, "nginx:\n    image: nginx:1.27\n    depends_on: [superset]",
                    "worker:\n    image: busybox:1.36")
ONE = replaced(FRONTED, C, "replicas: 2", "replicas: 1")
UPSTREAM = {C: """
    services:
      superset:
        image: apache/superset:4.1.1
        scale: 3
      web-proxy:
        image: nginx:1.27
        volumes:
          - ./nginx.conf:/etc/nginx/conf.d/default.conf:ro
""", "nginx.conf": "server {\n  listen 80;\n  location / { proxy_pass http://superset:8088; }\n}\n"}
TRAEFIK = {C: """
    services:
      superset:
        image: apache/superset:4.1.1
        deploy:
          replicas: 2
        labels:
          traefik.enable: "true"
      traefik:
        image: traefik:v3.2
"""}
NO_WEB = {C: "services:\n  db:\n    image: postgres:16.6\n"}

SPREAD = [
    Case("COMPOSE-AVAILABILITY-001", "two replicas behind a proxy", FRONTED, "pass",
         subject="service/superset", evidence=("replicas: 2", "proxied by: nginx"),
         message="2 containers behind nginx", location=(C, 4)),
    Case("COMPOSE-AVAILABILITY-001", "one replica behind a proxy", ONE, "fail",
         subject="service/superset", evidence=("replicas: 1", "proxied by: nginx"),
         message="one web container", location=(C, 2)),
    Case("COMPOSE-AVAILABILITY-001", "two replicas, no proxy", NO_PROXY, "warn",
         subject="service/superset", evidence=("replicas: 2", "proxied by: nothing"),
         message="2 containers but no proxy", location=(C, 4)),
    Case("COMPOSE-AVAILABILITY-001", "depends_on as a map",
         replaced(FRONTED, C, "depends_on: [superset]",
                  "depends_on:\n      superset:\n        condition: service_healthy"),
         "pass", subject="service/superset", evidence=("proxied by: nginx",)),
    Case("COMPOSE-AVAILABILITY-001", "scale 3 behind an nginx upstream", UPSTREAM, "pass",
         subject="service/superset", evidence=("replicas: 3", "proxied by: web-proxy")),
    Case("COMPOSE-AVAILABILITY-001", "traefik labels", TRAEFIK, "pass",
         subject="service/superset", evidence=("proxied by: traefik",)),
    Case("COMPOSE-AVAILABILITY-001", "traefik labels on a single container",
         replaced(TRAEFIK, C, "replicas: 2", "replicas: 1"), "fail",
         subject="service/superset", evidence=("replicas: 1", "proxied by: traefik")),
    Case("COMPOSE-AVAILABILITY-001", "no web service", NO_WEB, "skip", subject="web"),
    Case("COMPOSE-LOAD-BALANCING-001", "two replicas behind a proxy", FRONTED, "pass",
         subject="service/superset", evidence=("replicas: 2", "proxied by: nginx"),
         message="nginx spreads requests over 2 containers"),
    Case("COMPOSE-LOAD-BALANCING-001", "a proxy in front of one container", ONE, "fail",
         subject="service/superset", evidence=("replicas: 1", "proxied by: nginx"),
         message="nginx forwards to a single container"),
    Case("COMPOSE-LOAD-BALANCING-001", "no proxy", NO_PROXY, "fail",
         subject="service/superset", evidence=("replicas: 2", "proxied by: nothing"),
         message="no proxy balances requests"),
    Case("COMPOSE-LOAD-BALANCING-001", "scale 3 behind an nginx upstream", UPSTREAM, "pass",
         subject="service/superset", message="web-proxy spreads requests over 3 containers"),
    Case("COMPOSE-LOAD-BALANCING-001", "no web service", NO_WEB, "skip", subject="web"),
]

# -- COMPOSE-SCALABILITY-001 and -002 -------------------------------------------------------
# 001 (web and workers, not beat): a container_name fails, a fixed host port fails (a
# range or a random host port does not); 002: beat replicas above 1 fail (0 and 1 pass).
SCALE = {C: """
    services:
      superset:
        image: apache/superset:4.1.1
        ports:
          - "127.0.0.1::8088"
      superset-worker:
        image: apache/superset:4.1.1
        command: celery --app=superset.tasks.celery_app:app worker
      superset-beat:
        image: apache/superset:4.1.1
        command: celery --app=superset.tasks.celery_app:app beat
        container_name: superset_beat
"""}


def _beat(replicas: str) -> dict[str, str]:
    return replaced(SCALE, C, "container_name: superset_beat", replicas)


SCALE_CASES = [
    Case("COMPOSE-SCALABILITY-001", "no container_name, random host port", SCALE, "pass",
         subject="service/superset",
         evidence=("replicas: 1", "no container_name, no fixed host port"),
         message="can be scaled (replicas: 1)"),
    Case("COMPOSE-SCALABILITY-001", "a worker without container_name", SCALE, "pass",
         subject="service/superset-worker"),
    Case("COMPOSE-SCALABILITY-001", "container_name on the web",
         replaced(SCALE, C, '    ports:\n      - "127.0.0.1::8088"',
                  "    container_name: superset_app"),
         "fail", subject="service/superset",
         evidence=("container_name: superset_app", "replicas: 1"),
         message="container_name superset_app is fixed", location=(C, 4)),
    Case("COMPOSE-SCALABILITY-001", "container_name on a worker",
         replaced(SCALE, C, "worker\n", "worker\n    container_name: superset_worker\n"),
         "fail", subject="service/superset-worker",
         evidence=("container_name: superset_worker",), location=(C, 9)),
    Case("COMPOSE-SCALABILITY-001", "a fixed host port",
         replaced(SCALE, C, '"127.0.0.1::8088"', '"127.0.0.1:8088:8088"'), "fail",
         subject="service/superset", evidence=("ports: 127.0.0.1:8088:8088",),
         message="publishes fixed host port 8088", location=(C, 4)),
    Case("COMPOSE-SCALABILITY-001", "a host port range",
         replaced(SCALE, C, '"127.0.0.1::8088"', '"127.0.0.1:8088-8090:8088"'), "pass",
         subject="service/superset"),
    Case("COMPOSE-SCALABILITY-002", "one beat", _beat(""), "pass",
         subject="service/superset-beat", evidence=("replicas: 1",),
         message="exactly one beat instance"),
    Case("COMPOSE-SCALABILITY-002", "beat scaled to 0", _beat("scale: 0"), "pass",
         subject="service/superset-beat", evidence=("replicas: 0",)),
    Case("COMPOSE-SCALABILITY-002", "two beats", _beat("deploy:\n      replicas: 2"), "fail",
         subject="service/superset-beat", evidence=("replicas: 2",),
         message="2 beat replicas", location=(C, 12)),
    Case("COMPOSE-SCALABILITY-002", "three beats by scale", _beat("scale: 3"), "fail",
         subject="service/superset-beat", evidence=("replicas: 3",)),
    Case("COMPOSE-SCALABILITY-002", "no beat", NO_WEB, "skip", subject="celery beat"),
]

# -- COMPOSE-SUPERVISION-001: restart policy ------------------------------------------------
# Passes with restart: always, unless-stopped, on-failure[:N], or deploy.restart_policy
# condition any/on-failure; fails without a policy, with restart: no, or with a
# restart_policy condition none (which wins over restart:). One-shot init is not judged.
RESTART = {C: """
    services:
      superset:
        image: apache/superset:4.1.1
        restart: unless-stopped
"""}


def _restart(value: str) -> dict[str, str]:
    return replaced(RESTART, C, "restart: unless-stopped", value)


RESTART_CASES = [
    Case("COMPOSE-SUPERVISION-001", "unless-stopped", RESTART, "pass",
         subject="service/superset", evidence=("restart: unless-stopped",), location=(C, 4)),
    *(Case("COMPOSE-SUPERVISION-001", f"restart: {value}", _restart(f"restart: {value}"),
           "pass", subject="service/superset", evidence=(f"restart: {value}",),
           location=(C, 4))
      for value in ("always", "on-failure", "on-failure:5")),
    Case("COMPOSE-SUPERVISION-001", "restart: no", _restart('restart: "no"'), "fail",
         subject="service/superset", evidence=("restart: no",), location=(C, 4),
         message="not restarted when it crashes"),
    Case("COMPOSE-SUPERVISION-001", "no restart policy", _restart(""), "fail",
         subject="service/superset",
         evidence=("no restart policy (Docker's default is no)",), location=(C, 2)),
    *(Case("COMPOSE-SUPERVISION-001", f"deploy.restart_policy {value}",
           _restart(f"deploy:\n      restart_policy:\n        condition: {value}"), "pass",
           subject="service/superset", evidence=(f"deploy.restart_policy {value}",),
           location=(C, 4))
      for value in ("any", "on-failure")),
    Case("COMPOSE-SUPERVISION-001", "deploy.restart_policy none",
         _restart("deploy:\n      restart_policy:\n        condition: none"), "fail",
         subject="service/superset", evidence=("deploy.restart_policy none",),
         location=(C, 4)),
    Case("COMPOSE-SUPERVISION-001", "restart_policy none wins over restart: always",
         _restart("restart: always\n    deploy:\n      restart_policy:\n"
                  "        condition: none"), "fail",
         subject="service/superset", evidence=("deploy.restart_policy none",),
         location=(C, 5)),
    Case("COMPOSE-SUPERVISION-001", "restart_policy any wins over restart: no",
         _restart('restart: "no"\n    deploy:\n      restart_policy:\n'
                  "        condition: any"), "pass",
         subject="service/superset", evidence=("deploy.restart_policy any",),
         location=(C, 5)),
]

# -- COMPOSE-SUPERVISION-002: health checks (web and workers, not beat) ---------------------
# Passes with a healthcheck test, or the apache/superset image's own HEALTHCHECK on the web,
# or a HEALTHCHECK in a built Dockerfile; fails when disabled (disable: true, test NONE,
# HEALTHCHECK NONE), for a worker inheriting the image's web probe, and without any.
HEALTH = {C: """
    services:
      superset:
        image: apache/superset:4.1.1
        healthcheck:
          test: ["CMD", "curl", "-f", "http://localhost:8088/health"]
      superset-worker:
        image: apache/superset:4.1.1
        command: celery --app=superset.tasks.celery_app:app worker
        healthcheck:
          test: ["CMD-SHELL", "celery -A superset.tasks.celery_app:app inspect ping"]
"""}
BUILT_HEALTH = {C: """
    services:
      superset:
        build: .
        command: gunicorn 'superset.app:create_app()'
""", "Dockerfile": "FROM python:3.11-slim\nRUN pip install apache-superset\n"
                    "HEALTHCHECK CMD curl -f http://localhost:8088/health\n"}
WORKER_TEST = '["CMD-SHELL", "celery -A superset.tasks.celery_app:app inspect ping"]'

HEALTH_CASES = [
    Case("COMPOSE-SUPERVISION-002", "a curl health check on the web", HEALTH, "pass",
         subject="service/superset",
         evidence=("healthcheck: CMD curl -f http://localhost:8088/health",), location=(C, 4)),
    Case("COMPOSE-SUPERVISION-002", "a celery ping on the worker", HEALTH, "pass",
         subject="service/superset-worker",
         evidence=("healthcheck: CMD-SHELL celery -A superset.tasks.celery_app:app inspect ping",)),
    Case("COMPOSE-SUPERVISION-002", "disable: true",
         replaced(HEALTH, C, WORKER_TEST, f"{WORKER_TEST}\n      disable: true"), "fail",
         subject="service/superset-worker", evidence=("healthcheck: disable: true",),
         message="its health check is disabled", location=(C, 9)),
    Case("COMPOSE-SUPERVISION-002", "test: [NONE]",
         replaced(HEALTH, C, WORKER_TEST, '["NONE"]'), "fail",
         subject="service/superset-worker", evidence=("healthcheck: test: NONE",),
         message="its health check is disabled"),
    Case("COMPOSE-SUPERVISION-002", "the web inherits the image's HEALTHCHECK",
         replaced(HEALTH, C,
                  '    healthcheck:\n      test: ["CMD", "curl", "-f", '
                  '"http://localhost:8088/health"]\n', ""),
         "pass", subject="service/superset",
         evidence=("HEALTHCHECK in the image's Dockerfile",), location=(C, 2)),
    Case("COMPOSE-SUPERVISION-002", "a worker inherits the image's web probe",
         replaced(HEALTH, C, f"    healthcheck:\n      test: {WORKER_TEST}\n", ""),
         "fail", subject="service/superset-worker",
         evidence=("HEALTHCHECK curl http://localhost:8088/health from the image",),
         message="curls the web port a celery worker does not serve"),
    Case("COMPOSE-SUPERVISION-002", "a HEALTHCHECK in the Dockerfile built", BUILT_HEALTH,
         "pass", subject="service/superset", evidence=("Dockerfile:3",),
         message="has a health check from its Dockerfile"),
    Case("COMPOSE-SUPERVISION-002", "HEALTHCHECK NONE in the Dockerfile built",
         replaced(BUILT_HEALTH, "Dockerfile",
                  "HEALTHCHECK CMD curl -f http://localhost:8088/health", "HEALTHCHECK NONE"),
         "fail", subject="service/superset", evidence=("Dockerfile:3",),
         message="its Dockerfile disables the health check"),
    Case("COMPOSE-SUPERVISION-002", "no HEALTHCHECK in the Dockerfile built",
         replaced(BUILT_HEALTH, "Dockerfile",
                  "HEALTHCHECK CMD curl -f http://localhost:8088/health\n", ""),
         "fail", subject="service/superset", evidence=("no HEALTHCHECK in Dockerfile",),
         message="no health check"),
    Case("COMPOSE-SUPERVISION-002", "a worker built with the web's HEALTHCHECK",
         {C: "services:\n  superset-worker:\n    build: .\n"
             "    command: celery --app=superset.tasks.celery_app:app worker\n",
          "Dockerfile": "FROM python:3.11-slim AS base\nRUN pip install apache-superset\n"
                        "FROM base AS runtime\nHEALTHCHECK CMD curl -f http://localhost:8088/health\n"},
         "fail", subject="service/superset-worker",
         evidence=("Dockerfile:4 HEALTHCHECK in stage runtime",),
         message="inherits a HEALTHCHECK that probes the web port"),
    Case("COMPOSE-SUPERVISION-002", "a worker built with a celery HEALTHCHECK",
         {C: "services:\n  superset-worker:\n    build: .\n"
             "    command: celery --app=superset.tasks.celery_app:app worker\n",
          "Dockerfile": "FROM python:3.11-slim\nRUN pip install apache-superset\n"
                        "HEALTHCHECK CMD celery -A superset.tasks.celery_app:app inspect ping\n"},
         "pass", subject="service/superset-worker", evidence=("Dockerfile:3",),
         message="has a health check from its Dockerfile"),
    Case("COMPOSE-SUPERVISION-002", "no HEALTHCHECK in two stages",
         {C: "services:\n  superset:\n    build: .\n"
             "    command: gunicorn 'superset.app:create_app()'\n",
          "Dockerfile": "FROM python:3.11-slim AS base\nRUN pip install apache-superset\n"
                        "FROM base AS runtime\nUSER superset\n"},
         "fail", subject="service/superset",
         evidence=("no HEALTHCHECK in Dockerfile stages runtime, base;",)),
    Case("COMPOSE-SUPERVISION-002", "no health check on an image of unknown role",
         {C: "services:\n  app:\n    image: example/app:1.0\n"}, "fail",
         subject="service/app", evidence=("no healthcheck",),
         message="no health check: a hung process looks healthy"),
    Case("COMPOSE-SUPERVISION-002", "no application service", NO_WEB, "skip",
         subject="application"),
]

# -- COMPOSE-ROLLBACK-001: pinned images ----------------------------------------------------
# Every service: a digest passes; a release tag or a major line warns; a moving tag
# (latest, latest-dev, master, dev ...) or no tag fails. Built services: a development
# build target (containing dev, or debug, test) fails; built without image: from a pinned
# base warns, from an unpinned base fails.
PINNED = {C: """
    services:
      db:
        image: postgres:16.6@sha256:5f8a1c2e9d0b3a4c6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5
"""}
DIGEST = "postgres:16.6@sha256:5f8a1c2e9d0b3a4c6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5"


def _image(image: str) -> dict[str, str]:
    return replaced(PINNED, C, DIGEST, image)


BUILT = {C: """
    services:
      superset:
        build:
          context: .
          target: lean
        image: example/superset:4.1.1
""", "Dockerfile": "FROM apache/superset:4.1.1 AS lean\nUSER superset\n"}

ROLLBACK = [
    Case("COMPOSE-ROLLBACK-001", "a digest", PINNED, "pass", subject="service/db",
         evidence=(f"image: {DIGEST}",), message="pinned by digest", location=(C, 3)),
    Case("COMPOSE-ROLLBACK-001", "a release tag", _image("postgres:16.6"), "warn",
         subject="service/db", evidence=("image: postgres:16.6",),
         message="tag 16.6 names one release", location=(C, 3)),
    *(Case("COMPOSE-ROLLBACK-001", f"a major line {tag}", _image(f"postgres:{tag}"), "warn",
           subject="service/db", evidence=(f"image: postgres:{tag}",),
           message=f"tag {tag} floats over every release")
      for tag in ("16", "16-alpine", "v3")),
    *(Case("COMPOSE-ROLLBACK-001", f"moving tag {tag}", _image(f"apache/superset:{tag}"),
           "fail", subject="service/db", evidence=(f"image: apache/superset:{tag}",),
           message=f"tag {tag} moves with every push", location=(C, 3))
      for tag in ("latest", "latest-dev", "master", "dev", "nightly", "stable-alpine")),
    Case("COMPOSE-ROLLBACK-001", "no tag", _image("postgres"), "fail", subject="service/db",
         evidence=("image: postgres",), message="postgres has no tag"),
    Case("COMPOSE-ROLLBACK-001", "a built image with a release tag", BUILT, "warn",
         subject="service/superset", evidence=("image: example/superset:4.1.1",),
         location=(C, 6)),
    *(Case("COMPOSE-ROLLBACK-001", f"build target {target}",
           replaced(BUILT, C, "target: lean", f"target: {target}"), "fail",
           subject="service/superset", evidence=(f"build.target: {target}",),
           message=f"built from the development target '{target}'", location=(C, 3))
      for target in ("dev", "Development", "debug", "test")),
    Case("COMPOSE-ROLLBACK-001", "built without a tag from a pinned base",
         replaced(BUILT, C, "    image: example/superset:4.1.1\n", ""), "warn",
         subject="service/superset", evidence=("FROM apache/superset:4.1.1",),
         message="built locally without an image tag", location=(C, 3)),
    Case("COMPOSE-ROLLBACK-001", "built without a tag from an unpinned base",
         changed(replaced(BUILT, C, "    image: example/superset:4.1.1\n", ""),
                 {"Dockerfile": "FROM apache/superset:latest AS lean\nUSER superset\n"}),
         "fail", subject="service/superset", evidence=("FROM apache/superset:latest",),
         message="built locally from unpinned base apache/superset:latest"),
]

# -- COMPOSE-ISOLATION-001: not root ---------------------------------------------------------
# user: root or 0 (with or without a group) fails, another user passes, a user: with no
# name (":1000", an unset variable) warns. Without user:, the built Dockerfile's last USER
# decides (root fails, a build argument warns), else what the image is known to run as
# (apache/superset, postgres ... pass; nginx, traefik, caddy, watchtower fail; unknown
# images warn).
USER = {C: """
    services:
      superset:
        image: apache/superset:4.1.1
        user: "1000:1000"
"""}


def _user(value: str) -> dict[str, str]:
    return replaced(USER, C, 'user: "1000:1000"', value)


def _image_user(image: str) -> dict[str, str]:
    return {C: f"services:\n  svc:\n    image: {image}\n"}


BUILT_USER = {C: """
    services:
      superset:
        build: .
""", "Dockerfile": "FROM python:3.11-slim\nRUN pip install apache-superset\nUSER superset\n"}

ROOT_CASES = [
    Case("COMPOSE-ISOLATION-001", "user 1000:1000", USER, "pass", subject="service/superset",
         evidence=("user: 1000:1000",), message="runs as 1000:1000", location=(C, 4)),
    *(Case("COMPOSE-ISOLATION-001", f"user {value}", _user(f'user: "{value}"'), "fail",
           subject="service/superset", evidence=(f"user: {value}",),
           message=f"runs as root (user: {value})", location=(C, 4))
      for value in ("root", "0", "0:0", "root:root")),
    Case("COMPOSE-ISOLATION-001", "user with a group only", _user('user: ":1000"'), "warn",
         subject="service/superset", evidence=("user: :1000",), message="has no user name"),
    Case("COMPOSE-ISOLATION-001", "superset's image without user:", _user(""), "pass",
         subject="service/superset", evidence=("image: apache/superset:4.1.1, no user:",),
         message="the apache/superset image runs as user superset", location=(C, 2)),
    *(Case("COMPOSE-ISOLATION-001", f"{image} without user:", _image_user(image), "fail",
           subject="service/svc", evidence=(f"image: {image}, no user:",), message=why)
      for image, why in (("nginx:1.27", "the official nginx image runs its master process "
                                        "as root"),
                         ("traefik:v3.2", "the official image runs as root"),
                         ("caddy:2.8", "the official image runs as root"),
                         ("containrrr/watchtower:1.7.1", "watchtower runs as root"))),
    *(Case("COMPOSE-ISOLATION-001", f"{image} without user:", _image_user(image), "pass",
           subject="service/svc", evidence=(f"image: {image}, no user:",), message=why)
      for image, why in (("postgres:16.6", "drops to the postgres user"),
                         ("redis:7.4", "drops to the redis user"),
                         ("mariadb:11.4", "drops to the mysql user"),
                         ("bitnami/redis:7.4", "Bitnami images run as user 1001"),
                         ("nginxinc/nginx-unprivileged:1.27", "runs as user nginx (101)"),
                         ("prom/prometheus:v2.55.0", "run as user nobody"),
                         ("grafana/grafana:11.3.0", "Grafana runs as user 472"),
                         ("haproxy:3.0", "runs as user haproxy"))),
    Case("COMPOSE-ISOLATION-001", "an unknown image without user:",
         _image_user("example/app:1.0"), "warn", subject="service/svc",
         evidence=("image: example/app:1.0",), message="the image's own USER decides"),
    Case("COMPOSE-ISOLATION-001", "USER superset in the Dockerfile", BUILT_USER, "pass",
         subject="service/superset", evidence=("Dockerfile:3",),
         message="runs as superset (USER in its Dockerfile)"),
    Case("COMPOSE-ISOLATION-001", "USER root in the Dockerfile",
         replaced(BUILT_USER, "Dockerfile", "USER superset", "USER root"), "fail",
         subject="service/superset", evidence=("Dockerfile:3",),
         message="the Dockerfile's last USER is root"),
    Case("COMPOSE-ISOLATION-001", "USER from a build argument",
         replaced(BUILT_USER, "Dockerfile", "USER superset", "ARG RUN_AS\nUSER ${RUN_AS}"),
         "warn", subject="service/superset", evidence=("Dockerfile:4",),
         message="depends on a build argument"),
    Case("COMPOSE-ISOLATION-001", "no USER, FROM apache/superset",
         changed(BUILT_USER, {"Dockerfile": "FROM apache/superset:4.1.1\nCOPY x /x\n",
                              "x": "x\n"}), "pass",
         subject="service/superset", evidence=("Dockerfile: no USER; FROM apache/superset:4.1.1",)),
    Case("COMPOSE-ISOLATION-001", "no USER, FROM nginx",
         changed(BUILT_USER, {"Dockerfile": "FROM nginx:1.27\n"}), "fail",
         subject="service/superset", evidence=("Dockerfile: no USER; FROM nginx:1.27",)),
    # python:3.11-slim is no unknown image: the official python image sets no USER (root).
    Case("COMPOSE-ISOLATION-001", "no USER, FROM an official python image",
         replaced(BUILT_USER, "Dockerfile", "USER superset\n", ""), "fail",
         subject="service/superset", evidence=("Dockerfile: no USER; FROM python:3.11-slim",),
         message="set no USER: what runs in them runs as root"),
    Case("COMPOSE-ISOLATION-001", "no USER, FROM an unknown image",
         changed(BUILT_USER, {"Dockerfile": "FROM example.org/acme/base:1.2\n"}), "warn",
         subject="service/superset",
         evidence=("Dockerfile: no USER; FROM example.org/acme/base:1.2",),
         message="who it runs as is not known"),
]

# -- COMPOSE-ISOLATION-002: no way out to the host ------------------------------------------
# Fails for privileged (true, or a string Compose casts to true), network_mode, pid, ipc,
# userns_mode or uts: host, a dangerous cap_add (ALL, SYS_ADMIN, NET_ADMIN, SYS_PTRACE,
# SYS_MODULE, DAC_READ_SEARCH; any case, CAP_ prefix), an unconfined security_opt, and a
# mounted Docker socket. A harmless capability, privileged: false pass.
CONFINED = {C: """
    services:
      superset:
        image: apache/superset:4.1.1
        cap_add: [CHOWN]
        privileged: false
"""}


def _escape(old: str, new: str) -> dict[str, str]:
    return replaced(CONFINED, C, old, new)


ESCAPES = [
    ("privileged: true", _escape("privileged: false", "privileged: true")),
    ("privileged: true", _escape("privileged: false", 'privileged: "true"')),
    ("privileged: yes", _escape("privileged: false", "privileged: yes")),
    *((f"{key}: host", _escape("privileged: false", f"{key}: host"))
      for key in ("network_mode", "pid", "ipc", "userns_mode", "uts")),
    *((f"cap_add: {cap}", _escape("[CHOWN]", f"[{spelled}]"))
      for cap, spelled in (("ALL", "ALL"), ("SYS_ADMIN", "SYS_ADMIN"),
                           ("NET_ADMIN", "net_admin"), ("SYS_PTRACE", "CAP_SYS_PTRACE"),
                           ("SYS_MODULE", "SYS_MODULE"),
                           ("DAC_READ_SEARCH", "DAC_READ_SEARCH"))),
    ("security_opt: seccomp:unconfined",
     _escape("privileged: false", "security_opt: [seccomp:unconfined]")),
    ("security_opt: apparmor=unconfined",
     _escape("privileged: false", "security_opt: [apparmor=unconfined]")),
    ("mounts the Docker socket (/var/run/docker.sock)",
     _escape("privileged: false", "volumes:\n      - /var/run/docker.sock:/var/run/docker.sock")),
]
ESCAPE_CASES = [
    Case("COMPOSE-ISOLATION-002", "CHOWN, privileged false", CONFINED, "pass",
         subject="service/superset", message="no privileged mode, host namespace or Docker",
         location=(C, 2)),
    Case("COMPOSE-ISOLATION-002", 'privileged: "false"',
         _escape("privileged: false", 'privileged: "false"'), "pass", subject="service/superset"),
    Case("COMPOSE-ISOLATION-002", "security_opt no-new-privileges",
         _escape("privileged: false", "security_opt: [no-new-privileges:true]"), "pass",
         subject="service/superset"),
    *(Case("COMPOSE-ISOLATION-002", f"{shown} ({index})", files, "fail",
           subject="service/superset", evidence=(shown,),
           message=f"can reach the host beyond its container: {shown}", location=(C, 2))
      for index, (shown, files) in enumerate(ESCAPES)),
]

# -- COMPOSE-LOGGING-001: bounded or shipped logs -------------------------------------------
# Every service: a shipping driver (syslog, journald, fluentd, gelf, awslogs, gcplogs,
# splunk, loki, logentries, etwlogs) or local passes, json-file with max-size passes (also
# with the driver left to its default), driver none fails, json-file without max-size fails.
# The Docker daemon's defaults (a host tree's daemon.json) are in test_mutation_kills_compose.
LOGS = {C: """
    services:
      superset:
        image: apache/superset:4.1.1
        logging:
          driver: json-file
          options:
            max-size: 10m
            max-file: "5"
"""}


def _logs(old: str, new: str) -> dict[str, str]:
    return replaced(LOGS, C, old, new)


LOG_CASES = [
    Case("COMPOSE-LOGGING-001", "json-file with max-size", LOGS, "pass",
         subject="service/superset",
         evidence=("driver json-file (logging.driver)", "max-size: 10m", "max-file: 5"),
         message="json-file logs rotate at 10m", location=(C, 4)),
    Case("COMPOSE-LOGGING-001", "max-size with the default driver",
         _logs("      driver: json-file\n", ""), "pass", subject="service/superset",
         evidence=("driver json-file (Docker's default driver)", "max-size: 10m")),
    Case("COMPOSE-LOGGING-001", "json-file with max-file only",
         _logs("        max-size: 10m\n", ""), "fail", subject="service/superset",
         evidence=("driver json-file (logging.driver)", "max-file: 5"),
         message="json-file logs grow without bound", location=(C, 4)),
    Case("COMPOSE-LOGGING-001", "no logging at all",
         _logs('    logging:\n      driver: json-file\n      options:\n        max-size: 10m\n'
               '        max-file: "5"\n', ""), "fail",
         subject="service/superset", evidence=("driver json-file (Docker's default driver)",),
         location=(C, 2)),
    Case("COMPOSE-LOGGING-001", "driver local", _logs("driver: json-file", "driver: local"),
         "pass", subject="service/superset", evidence=("driver local (logging.driver)",),
         message="the local driver rotates logs"),
    Case("COMPOSE-LOGGING-001", "driver none", _logs("driver: json-file", "driver: none"),
         "fail", subject="service/superset", evidence=("driver none (logging.driver)",),
         message="logs are discarded (driver none)", location=(C, 4)),
    *(Case("COMPOSE-LOGGING-001", f"driver {driver}",
           _logs("driver: json-file", f"driver: {driver}"), "pass", subject="service/superset",
           evidence=(f"driver {driver} (logging.driver)",),
           message=f"logs are shipped ({driver})", location=(C, 4))
      for driver in ("syslog", "journald", "fluentd", "gelf", "awslogs", "gcplogs", "splunk",
                     "loki", "logentries", "etwlogs")),
    Case("COMPOSE-LOGGING-001", "an unknown driver without bounds",
         _logs("driver: json-file", "driver: example-driver"), "fail",
         subject="service/superset", message="example-driver logs grow without bound"),
]

# -- COMPOSE-MONITORING-001: metrics collected (one finding per project) --------------------
# A collector service (prometheus, vmagent, victoriametrics, alloy, grafana/agent, otel,
# opentelemetry, telegraf, datadog, netdata) passes; exporters only, or prometheus scrape
# labels only, warn (an outside Prometheus may collect); nothing fails.
METRICS = {C: """
    services:
      superset:
        image: apache/superset:4.1.1
      statsd:
        image: prom/statsd-exporter:v0.27.1
      prometheus:
        image: prom/prometheus:v2.55.0
"""}
WITHOUT_COLLECTOR = replaced(METRICS, C, "  prometheus:\n    image: prom/prometheus:v2.55.0\n",
                             "")


def _collector(image: str) -> dict[str, str]:
    return replaced(METRICS, C, "prom/prometheus:v2.55.0", image)


METRIC_CASES = [
    Case("COMPOSE-MONITORING-001", "prometheus and an exporter", METRICS, "pass",
         subject="metrics", message="metrics are collected by prometheus",
         evidence=("service statsd (prom/statsd-exporter:v0.27.1)",
                   "service prometheus (prom/prometheus:v2.55.0)"), location=(C, 6)),
    *(Case("COMPOSE-MONITORING-001", f"collector {image}", _collector(image), "pass",
           subject="metrics", message="metrics are collected by prometheus")
      for image in ("victoriametrics/vmagent:v1.106.0",
                    "victoriametrics/victoria-metrics:v1.106.0", "grafana/alloy:v1.5.0",
                    "grafana/agent:v0.43.4", "otel/opentelemetry-collector:0.114.0",
                    "telegraf:1.32", "datadog/agent:7.59.0", "netdata/netdata:v2.0.3")),
    Case("COMPOSE-MONITORING-001", "an exporter alone", WITHOUT_COLLECTOR, "warn",
         subject="metrics", message="metrics are exported but nothing in the project collects",
         evidence=("service statsd (prom/statsd-exporter:v0.27.1)",), location=(C, 4)),
    Case("COMPOSE-MONITORING-001", "grafana alone is not a collector",
         replaced(WITHOUT_COLLECTOR, C, "prom/statsd-exporter:v0.27.1", "grafana/grafana:11.3.0"),
         "warn", subject="metrics", evidence=("service statsd (grafana/grafana:11.3.0)",)),
    Case("COMPOSE-MONITORING-001", "prometheus scrape labels alone",
         replaced(WITHOUT_COLLECTOR, C, "  statsd:\n    image: prom/statsd-exporter:v0.27.1",
                  '    labels:\n      prometheus.io/scrape: "true"'),
         "warn", subject="metrics",
         evidence=("service superset: prometheus scrape labels",), location=(C, 2)),
    Case("COMPOSE-MONITORING-001", "nothing",
         replaced(WITHOUT_COLLECTOR, C, "  statsd:\n    image: prom/statsd-exporter:v0.27.1\n",
                  ""), "fail",
         subject="metrics", evidence=("no prometheus, statsd-exporter, cadvisor, otel",),
         message="no metrics exporter or collector"),
]

# -- COMPOSE-NETWORK-001: ports bound to loopback -------------------------------------------
# A port published on every interface (no host IP, 0.0.0.0, a random host port) fails,
# loopback (127.x, ::1) passes, no port passes; a proxy may publish 80 and 443 (only those)
# on every interface; network_mode: host fails.
PORTS = {C: """
    services:
      superset:
        image: apache/superset:4.1.1
        ports:
          - "127.0.0.1:8088:8088"
"""}


def _port(spelling: str) -> dict[str, str]:
    return replaced(PORTS, C, '"127.0.0.1:8088:8088"', spelling)


PROXIED = {C: """
    services:
      superset:
        image: apache/superset:4.1.1
      nginx:
        image: nginx:1.27
        depends_on: [superset]
        ports:
          - "80:80"
          - "443:443"
"""}

BIND_CASES = [
    Case("COMPOSE-NETWORK-001", "127.0.0.1", PORTS, "pass", subject="service/superset",
         evidence=("ports: 127.0.0.1:8088->8088/tcp",), message="publishes only on loopback",
         location=(C, 4)),
    Case("COMPOSE-NETWORK-001", "127.0.0.2 is loopback too", _port('"127.0.0.2:8088:8088"'),
         "pass", subject="service/superset", evidence=("ports: 127.0.0.2:8088->8088/tcp",)),
    Case("COMPOSE-NETWORK-001", "::1", _port('"[::1]:8088:8088"'), "pass",
         subject="service/superset", evidence=("ports: ::1:8088->8088/tcp",)),
    Case("COMPOSE-NETWORK-001", "long syntax on loopback",
         _port("target: 8088\n        published: \"8088\"\n        host_ip: 127.0.0.1"),
         "pass", subject="service/superset", evidence=("ports: 127.0.0.1:8088->8088/tcp",)),
    Case("COMPOSE-NETWORK-001", "no host IP", _port('"8088:8088"'), "fail",
         subject="service/superset", evidence=("ports: 0.0.0.0:8088->8088/tcp",),
         message="publishes 0.0.0.0:8088->8088/tcp on every interface", location=(C, 4)),
    Case("COMPOSE-NETWORK-001", "0.0.0.0", _port('"0.0.0.0:8088:8088"'), "fail",
         subject="service/superset", evidence=("ports: 0.0.0.0:8088->8088/tcp",)),
    Case("COMPOSE-NETWORK-001", "a random host port on every interface", _port('"8088"'),
         "fail", subject="service/superset", evidence=("ports: 0.0.0.0:<random>->8088/tcp",)),
    Case("COMPOSE-NETWORK-001", "a udp port", _port('"8125:8125/udp"'), "fail",
         subject="service/superset", evidence=("ports: 0.0.0.0:8125->8125/udp",)),
    Case("COMPOSE-NETWORK-001", "no port",
         replaced(PORTS, C, '    ports:\n      - "127.0.0.1:8088:8088"\n', ""),
         "pass", subject="service/superset", message="publishes no port"),
    Case("COMPOSE-NETWORK-001", "network_mode: host",
         replaced(PORTS, C, '    ports:\n      - "127.0.0.1:8088:8088"', "    network_mode: host"),
         "fail", subject="service/superset", evidence=("network_mode: host",),
         location=(C, 4)),
    Case("COMPOSE-NETWORK-001", "the proxy publishes 80 and 443", PROXIED, "pass",
         subject="service/nginx", message="as proxy nginx (nginx:1.27), 80/443",
         evidence=("ports: 0.0.0.0:80->80/tcp", "ports: 0.0.0.0:443->443/tcp")),
    Case("COMPOSE-NETWORK-001", "the proxy publishes 8080",
         replaced(PROXIED, C, '"80:80"', '"8080:8080"'), "fail", subject="service/nginx",
         message="publishes 0.0.0.0:8080->8080/tcp on every interface"),
    Case("COMPOSE-NETWORK-001", "the web published around its proxy",
         replaced(PROXIED, C, "apache/superset:4.1.1",
                  'apache/superset:4.1.1\n    ports: ["8088:8088"]'), "fail",
         subject="service/superset",
         message="(around proxy nginx (nginx:1.27) in front of it)"),
]

# -- COMPOSE-NETWORK-002: database and Redis never published --------------------------------
# Published on every interface fails, on loopback warns, not published passes, host
# networking fails; skips without a database or Redis.
BACKEND = {C: """
    services:
      db:
        image: postgres:16.6
      redis:
        image: redis:7.4
"""}
PRIVATE_CASES = [
    Case("COMPOSE-NETWORK-002", "database not published", BACKEND, "pass", subject="service/db",
         message="not published: reachable only on the Compose network", location=(C, 2)),
    Case("COMPOSE-NETWORK-002", "redis not published", BACKEND, "pass", subject="service/redis"),
    Case("COMPOSE-NETWORK-002", "database on every interface",
         replaced(BACKEND, C, "postgres:16.6", 'postgres:16.6\n    ports: ["5432:5432"]'),
         "fail", subject="service/db", evidence=("ports: 0.0.0.0:5432->5432/tcp",),
         message="database published on 0.0.0.0:5432->5432/tcp", location=(C, 4)),
    Case("COMPOSE-NETWORK-002", "redis on every interface",
         replaced(BACKEND, C, "redis:7.4", 'redis:7.4\n    ports: ["6379:6379"]'),
         "fail", subject="service/redis", evidence=("ports: 0.0.0.0:6379->6379/tcp",),
         message="redis published on 0.0.0.0:6379->6379/tcp"),
    Case("COMPOSE-NETWORK-002", "database on loopback",
         replaced(BACKEND, C, "postgres:16.6", 'postgres:16.6\n    ports: ["127.0.0.1:5432:5432"]'),
         "warn", subject="service/db", evidence=("ports: 127.0.0.1:5432->5432/tcp",),
         message="database published on loopback", location=(C, 4)),
    Case("COMPOSE-NETWORK-002", "database with host networking",
         replaced(BACKEND, C, "postgres:16.6", "postgres:16.6\n    network_mode: host"),
         "fail", subject="service/db", evidence=("network_mode: host",),
         message="database uses network_mode: host", location=(C, 4)),
    Case("COMPOSE-NETWORK-002", "no database or redis", {C: "services:\n  a:\n    image: b:1\n"},
         "skip", subject="database or Redis"),
]

# -- COMPOSE-NETWORK-003: database and Redis on an internal network -------------------------
# Every network internal passes (internal: true, or "true"); a network that is not internal
# and not shared with the proxy warns; the default network or one shared with the proxy
# fails; network_mode: none passes (no network); host networking fails.
INTERNAL = {C: """
    services:
      superset:
        image: apache/superset:4.1.1
        networks: [backend, front]
      nginx:
        image: nginx:1.27
        networks: [front]
      db:
        image: postgres:16.6
        networks: [backend]
    networks:
      backend:
        internal: true
      front: {}
"""}
INTERNAL_CASES = [
    Case("COMPOSE-NETWORK-003", "internal network only", INTERNAL, "pass", subject="service/db",
         evidence=("network backend: internal",), message="only on internal network backend",
         location=(C, 10)),
    Case("COMPOSE-NETWORK-003", 'internal: "true"',
         replaced(INTERNAL, C, "internal: true", 'internal: "true"'), "pass",
         subject="service/db", evidence=("network backend: internal",)),
    Case("COMPOSE-NETWORK-003", "internal: false, apart from the proxy",
         replaced(INTERNAL, C, "internal: true", "internal: false"), "warn",
         subject="service/db", evidence=("network backend: not internal",),
         message="on backend, apart from the proxy but not internal", location=(C, 10)),
    Case("COMPOSE-NETWORK-003", "shared with the proxy",
         replaced(INTERNAL, C, "networks: [backend]\nnetworks:",
                  "networks: [backend, front]\nnetworks:"),
         "fail", subject="service/db",
         evidence=("network backend: internal", "network front: not internal"),
         message="shared with proxy nginx (nginx:1.27)"),
    # db alone on the default network: superset and nginx declare their own networks, so
    # nothing else joins it (not "every service"); it can still open connections out.
    Case("COMPOSE-NETWORK-003", "the default network",
         replaced(INTERNAL, C, "    networks: [backend]\nnetworks:", "networks:"), "warn",
         subject="service/db", evidence=("network default: not internal",),
         message="on default, which no other service joins, but not internal"),
    Case("COMPOSE-NETWORK-003", "network_mode: none",
         replaced(INTERNAL, C, "    networks: [backend]\nnetworks:",
                  "    network_mode: none\nnetworks:"), "pass",
         subject="service/db", evidence=("network_mode: none",), location=(C, 10)),
    Case("COMPOSE-NETWORK-003", "network_mode: host",
         replaced(INTERNAL, C, "    networks: [backend]\nnetworks:",
                  "    network_mode: host\nnetworks:"), "fail",
         subject="service/db", evidence=("network host: not internal",)),
    Case("COMPOSE-NETWORK-003", "no database or redis", {C: "services:\n  a:\n    image: b:1\n"},
         "skip", subject="database or Redis"),
]

# -- COMPOSE-PROXY-TLS-001: a TLS proxy in front of the web ---------------------------------
# No proxy service fails; a proxy that publishes nothing on 443 fails; 443 without TLS
# configuration in the project warns; 443 with TLS passes: an nginx configuration that
# listens with ssl and names a certificate, a Caddyfile with a domain (not with
# auto_https off), Traefik certificate options on its command or router TLS labels.
# Skips without a web service.
TLS = {C: """
    services:
      superset:
        image: apache/superset:4.1.1
      nginx:
        image: nginx:1.27
        ports: ["443:443"]
        volumes:
          - ./nginx.conf:/etc/nginx/conf.d/default.conf:ro
""", "nginx.conf": """
    server {
      listen 443 ssl;
      ssl_certificate /etc/ssl/superset.pem;
      location / { proxy_pass http://superset:8088; }
    }
"""}
CADDY = {C: """
    services:
      superset:
        image: apache/superset:4.1.1
      caddy:
        image: caddy:2.8
        ports: ["443:443"]
        volumes:
          - ./Caddyfile:/etc/caddy/Caddyfile:ro
""", "Caddyfile": "superset.example.org {\n  reverse_proxy superset:8088\n}\n"}
TRAEFIK_TLS = {C: """
    services:
      superset:
        image: apache/superset:4.1.1
        labels:
          traefik.http.routers.superset.rule: Host(`superset.example.org`)
      traefik:
        image: traefik:v3.2
        ports: ["443:443"]
"""}
PROXY_CASES = [
    Case("COMPOSE-PROXY-TLS-001", "no Superset: the service publishing a port is the web",
         {C: "services:\n  app:\n    image: example/app:1.0\n    ports: ['8080:8080']\n"},
         "fail", subject="service/app", evidence=("ports: 0.0.0.0:8080->8080/tcp",),
         message="no reverse proxy service: the web is reached over plain HTTP"),
    Case("COMPOSE-PROXY-TLS-001", "nginx with ssl and a certificate", TLS, "pass",
         subject="service/superset",
         evidence=("proxy service nginx (nginx:1.27)", "publishes 443: 0.0.0.0:443->443/tcp",
                   "nginx.conf: TLS with /etc/ssl/superset.pem"),
         message="nginx (nginx:1.27) terminates TLS on 443", location=(C, 2)),
    Case("COMPOSE-PROXY-TLS-001", "443 only as the container port",
         replaced(TLS, C, '["443:443"]', '["443"]'), "pass", subject="service/superset",
         evidence=("publishes 443: 0.0.0.0:<random>->443/tcp",)),
    Case("COMPOSE-PROXY-TLS-001", "the container's 443 on host port 8443",
         replaced(TLS, C, '["443:443"]', '["8443:443"]'), "pass", subject="service/superset",
         evidence=("publishes 443: 0.0.0.0:8443->443/tcp",
                   "nginx.conf: TLS with /etc/ssl/superset.pem")),
    Case("COMPOSE-PROXY-TLS-001", "nginx listens with ssl but names no certificate",
         replaced(TLS, "nginx.conf", "  ssl_certificate /etc/ssl/superset.pem;\n", ""),
         "warn", subject="service/superset", evidence=("publishes 443: 0.0.0.0:443->443/tcp",),
         message="publishes 443 but no TLS configuration was found"),
    Case("COMPOSE-PROXY-TLS-001", "nginx on 80 only",
         replaced(replaced(TLS, C, '["443:443"]', '["80:80"]'), "nginx.conf",
                  "listen 443 ssl", "listen 80"), "fail", subject="service/superset",
         evidence=("publishes 443: no",),
         message="nginx (nginx:1.27) serves plain HTTP (nothing published on 443)"),
    Case("COMPOSE-PROXY-TLS-001", "no proxy",
         {C: 'services:\n  superset:\n    image: apache/superset:4.1.1\n'
             '    ports: ["8088:8088"]\n'}, "fail", subject="service/superset",
         evidence=("ports: 0.0.0.0:8088->8088/tcp",),
         message="no reverse proxy service", location=(C, 4)),
    Case("COMPOSE-PROXY-TLS-001", "no proxy, nothing published",
         {C: "services:\n  superset:\n    image: apache/superset:4.1.1\n"}, "fail",
         subject="service/superset", evidence=("ports: not published",)),
    Case("COMPOSE-PROXY-TLS-001", "nginx configuration directory mounted",
         changed(replaced(TLS, C, "./nginx.conf:/etc/nginx/conf.d/default.conf:ro",
                          "./nginx:/etc/nginx/conf.d:ro"),
                 {"nginx.conf": None, "nginx/default.conf": dedent(TLS["nginx.conf"])}),
         "pass", subject="service/superset",
         evidence=("nginx/default.conf: TLS with /etc/ssl/superset.pem",)),
    Case("COMPOSE-PROXY-TLS-001", "Caddyfile in a mounted directory",
         changed(replaced(CADDY, C, "./Caddyfile:/etc/caddy/Caddyfile:ro", "./caddy:/etc/caddy"),
                 {"Caddyfile": None, "caddy/Caddyfile": CADDY["Caddyfile"]}),
         "pass", subject="service/superset",
         evidence=("caddy/Caddyfile: TLS with automatic HTTPS",)),
    Case("COMPOSE-PROXY-TLS-001", "caddy with a domain", CADDY, "pass",
         subject="service/superset", evidence=("Caddyfile: TLS with automatic HTTPS",)),
    Case("COMPOSE-PROXY-TLS-001", "caddy with auto_https off",
         changed(CADDY, {"Caddyfile": "{\n  auto_https off\n}\nsuperset.example.org {\n"
                                      "  reverse_proxy superset:8088\n}\n"}), "warn",
         subject="service/superset"),
    Case("COMPOSE-PROXY-TLS-001", "traefik with a certificate resolver on its command",
         replaced(TRAEFIK_TLS, C, 'ports: ["443:443"]',
                  'ports: ["443:443"]\n    command: '
                  '["--certificatesresolvers.le.acme.email=ops@example.org"]'),
         "pass", subject="service/superset",
         evidence=("Traefik TLS options on its command line",)),
    Case("COMPOSE-PROXY-TLS-001", "traefik router tls label",
         replaced(TRAEFIK_TLS, C, "Host(`superset.example.org`)",
                  'Host(`superset.example.org`)\n      traefik.http.routers.superset.tls: "true"'),
         "pass", subject="service/superset",
         evidence=("label traefik.http.routers.superset.tls on superset",)),
    Case("COMPOSE-PROXY-TLS-001", "traefik router certresolver label",
         replaced(TRAEFIK_TLS, C, "Host(`superset.example.org`)",
                  "Host(`superset.example.org`)\n"
                  "      traefik.http.routers.superset.tls.certresolver: le"),
         "pass", subject="service/superset",
         evidence=("label traefik.http.routers.superset.tls.certresolver on superset",)),
    Case("COMPOSE-PROXY-TLS-001", "traefik router tls label false",
         replaced(TRAEFIK_TLS, C, "Host(`superset.example.org`)",
                  'Host(`superset.example.org`)\n      traefik.http.routers.superset.tls: "false"'),
         "warn", subject="service/superset", evidence=("proxy service traefik (traefik:v3.2)",)),
    Case("COMPOSE-PROXY-TLS-001", "no web service", NO_WEB, "skip", subject="web"),
]

# -- COMPOSE-STORAGE-001: the database on a persistent volume -------------------------------
# The mount at the data directory (PGDATA, else by image: postgres, mysql, mariadb ...)
# decides, the longest matching target winning: a named or external volume passes, an
# absolute host path passes, a path inside the project warns, /tmp, /var/tmp, /dev/shm,
# /run fail, an anonymous volume, a tmpfs or nothing mounted fail. Skips without a database.
STORAGE = {C: """
    services:
      db:
        image: postgres:16.6
        volumes:
          - db_data:/var/lib/postgresql/data
    volumes:
      db_data: {}
"""}


def _volume(spelling: str) -> dict[str, str]:
    return replaced(STORAGE, C, "db_data:/var/lib/postgresql/data", spelling)


STORAGE_CASES = [
    Case("COMPOSE-STORAGE-001", "a named volume", STORAGE, "pass", subject="service/db",
         evidence=("data directory /var/lib/postgresql/data",
                   "volumes: db_data:/var/lib/postgresql/data"),
         message="kept on the named volume db_data", location=(C, 4)),
    Case("COMPOSE-STORAGE-001", "an external volume",
         replaced(STORAGE, C, "db_data: {}", "db_data:\n    external: true"), "pass",
         subject="service/db", message="kept on the external volume db_data"),
    Case("COMPOSE-STORAGE-001", "a host path", _volume("/srv/pgdata:/var/lib/postgresql/data"),
         "pass", subject="service/db", message="bind-mounted from the host path /srv/pgdata",
         evidence=("volumes: /srv/pgdata:/var/lib/postgresql/data",)),
    Case("COMPOSE-STORAGE-001", "a path inside the project",
         _volume("./pgdata:/var/lib/postgresql/data"), "warn", subject="service/db",
         message="inside the project directory",
         evidence=("volumes: ./pgdata:/var/lib/postgresql/data",), location=(C, 4)),
    *(Case("COMPOSE-STORAGE-001", f"a bind mount from {path}",
           _volume(f"{path}/pg:/var/lib/postgresql/data"), "fail", subject="service/db",
           message=f"bind-mounted from {path}/pg, which is not kept")
      for path in ("/tmp", "/var/tmp", "/dev/shm", "/run")),
    Case("COMPOSE-STORAGE-001", "an anonymous volume", _volume("/var/lib/postgresql/data"),
         "fail", subject="service/db", message="kept on an anonymous volume",
         evidence=("volumes: /var/lib/postgresql/data",)),
    Case("COMPOSE-STORAGE-001", "a tmpfs",
         replaced(STORAGE, C, "volumes:\n      - db_data:/var/lib/postgresql/data",
                  "tmpfs:\n      - /var/lib/postgresql/data"), "fail", subject="service/db",
         message="kept on a tmpfs mount, which does not survive the container",
         evidence=("tmpfs: /var/lib/postgresql/data",)),
    Case("COMPOSE-STORAGE-001", "nothing mounted",
         replaced(STORAGE, C, "    volumes:\n      - db_data:/var/lib/postgresql/data\n", ""),
         "fail", subject="service/db", evidence=("data directory /var/lib/postgresql/data",),
         message="nothing is mounted at /var/lib/postgresql/data", location=(C, 2)),
    # A target written with a trailing slash is the same directory (storage.data_mount
    # strips it; mutant x_data_mount__mutmut_5 stripped whitespace instead).
    Case("COMPOSE-STORAGE-001", "a volume target with a trailing slash",
         _volume("db_data:/var/lib/postgresql/data/"), "pass", subject="service/db",
         message="kept on the named volume db_data"),
    Case("COMPOSE-STORAGE-001", "a volume on the parent of the data directory",
         _volume("db_data:/var/lib/postgresql"), "pass", subject="service/db"),
    Case("COMPOSE-STORAGE-001", "a volume elsewhere", _volume("db_data:/var/lib/postgres"),
         "fail", subject="service/db", message="nothing is mounted at /var/lib/postgresql/data"),
    Case("COMPOSE-STORAGE-001", "a tmpfs inside the volume wins",
         replaced(STORAGE, C, "db_data:/var/lib/postgresql/data",
                  "db_data:/var/lib/postgresql\n    tmpfs:\n      - /var/lib/postgresql/data"),
         "fail", subject="service/db", message="kept on a tmpfs mount"),
    Case("COMPOSE-STORAGE-001", "PGDATA moved outside the volume",
         replaced(STORAGE, C, "image: postgres:16.6",
                  "image: postgres:16.6\n    environment:\n      PGDATA: /pgdata"), "fail",
         subject="service/db", evidence=("data directory /pgdata",),
         message="nothing is mounted at /pgdata"),
    Case("COMPOSE-STORAGE-001", "PGDATA inside the volume",
         replaced(STORAGE, C, "image: postgres:16.6",
                  "image: postgres:16.6\n    environment:\n"
                  "      PGDATA: /var/lib/postgresql/data/pgdata/"), "pass",
         subject="service/db", evidence=("data directory /var/lib/postgresql/data/pgdata",)),
    *(Case("COMPOSE-STORAGE-001", f"{image} keeps its data in /var/lib/mysql",
           replaced(STORAGE, C, "image: postgres:16.6", f"image: {image}"), "fail",
           subject="service/db", message="nothing is mounted at /var/lib/mysql")
      for image in ("mysql:8.4", "mariadb:11.4")),
    *(Case("COMPOSE-STORAGE-001", f"{image} keeps its data in {path}",
           replaced(_volume(f"db_data:{mount}"), C, "postgres:16.6", image), "pass",
           subject="service/db", evidence=(f"data directory {path}", f"volumes: db_data:{mount}"),
           message="kept on the named volume db_data")
      for image, path, mount in (
          ("bitnami/postgresql:16.6.0", "/bitnami/postgresql", "/bitnami/postgresql"),
          ("bitnami/mysql:8.4.3", "/bitnami/mysql/data", "/bitnami/mysql"),
          ("bitnami/mariadb:11.4.4", "/bitnami/mariadb", "/bitnami/mariadb"))),
    Case("COMPOSE-STORAGE-001", "bitnami/postgresql with postgres's data directory",
         replaced(STORAGE, C, "image: postgres:16.6", "image: bitnami/postgresql:16.6.0"),
         "fail", subject="service/db", message="nothing is mounted at /bitnami/postgresql"),
    Case("COMPOSE-STORAGE-001", "long syntax named volume",
         _volume("type: volume\n        source: db_data\n        target: /var/lib/postgresql/data"),
         "pass", subject="service/db", message="kept on the named volume db_data"),
    Case("COMPOSE-STORAGE-001", "long syntax anonymous volume",
         _volume("type: volume\n        target: /var/lib/postgresql/data"),
         "fail", subject="service/db", message="kept on an anonymous volume"),
    Case("COMPOSE-STORAGE-001", "a database built from postgres, nothing mounted",
         {C: "services:\n  db:\n    build: ./db\n", "db/Dockerfile": "FROM postgres:16.6\n"},
         "fail", subject="service/db", evidence=("data directory /var/lib/postgresql/data",)),
    Case("COMPOSE-STORAGE-001", "no database", {C: "services:\n  a:\n    image: b:1\n"},
         "skip", subject="database"),
]

# -- COMPOSE-BACKUPS-001: scheduled, off-host backups of the database -----------------------
# A backup job (a backup service, or a project script running pg_dump, restic, borg ...)
# that is scheduled (SCHEDULE/CRON/INTERVAL variables, cron or sleep in the command, a cron
# line naming the script) and copies off the host (restic, rclone, s3, aws ... in its
# command or variable names) passes; scheduled but local warns; unscheduled fails; none
# fails. Without a database service, Superset's sqlite file fails (warns beside a backup
# job that does not copy it).
BACKUP = {C: """
    services:
      db:
        image: postgres:16.6
      backup:
        image: prodrigestivill/postgres-backup-local:16
        environment:
          SCHEDULE: "@daily"
          S3_BUCKET: superset-backups
"""}
SCRIPT = {C: """
    services:
      db:
        image: postgres:16.6
""", "scripts/backup.sh": "#!/bin/sh\npg_dump superset > /backups/superset.sql\n"
                         "restic backup /backups\n",
    "crontab": "0 3 * * * /srv/superset/scripts/backup.sh\n"}
BACKUP_CASES = [
    Case("COMPOSE-BACKUPS-001", "a scheduled backup service copying to S3", BACKUP, "pass",
         subject="service/db",
         evidence=("service backup: postgres-backup; scheduled: SCHEDULE=@daily; off host: yes",),
         message="backed up by service backup on a schedule, off the host", location=(C, 2)),
    Case("COMPOSE-BACKUPS-001", "a scheduled backup service keeping copies local",
         replaced(BACKUP, C, "      S3_BUCKET: superset-backups\n", ""), "warn",
         subject="service/db",
         evidence=("service backup: postgres-backup; scheduled: SCHEDULE=@daily; off host: no",),
         message="the copies stay on this host"),
    *(Case("COMPOSE-BACKUPS-001", f"scheduled by {name}",
           replaced(BACKUP, C, 'SCHEDULE: "@daily"', f'{name}: "@daily"'), "pass",
           subject="service/db", evidence=(f"scheduled: {name}=@daily",))
      for name in ("BACKUP_CRON", "BACKUP_INTERVAL")),
    Case("COMPOSE-BACKUPS-001", "an unscheduled backup service",
         replaced(BACKUP, C, '      SCHEDULE: "@daily"\n', ""), "fail", subject="service/db",
         evidence=("scheduled: no; off host: yes",),
         message="service backup can back up the database but nothing schedules it"),
    Case("COMPOSE-BACKUPS-001", "a loop in the backup service's command",
         replaced(BACKUP, C, '    environment:\n      SCHEDULE: "@daily"\n',
                  "    command: sh -c 'while true; do backup; sleep 86400; done'\n"
                  "    environment:\n"), "pass",
         subject="service/db", evidence=("scheduled: a loop or cron inside the container",)),
    Case("COMPOSE-BACKUPS-001", "a script run by cron, copying with restic", SCRIPT, "pass",
         subject="service/db",
         evidence=("scripts/backup.sh:2: pg_dump, restic; scheduled: crontab: 0 3 * * * "
                   "/srv/superset/scripts/backup.sh; off host: yes",),
         message="backed up by scripts/backup.sh on a schedule, off the host"),
    Case("COMPOSE-BACKUPS-001", "a script nothing schedules",
         changed(SCRIPT, {"crontab": None}), "fail", subject="service/db",
         evidence=("scripts/backup.sh:2: pg_dump, restic; scheduled: no; off host: yes",),
         message="scripts/backup.sh can back up the database but nothing schedules it"),
    Case("COMPOSE-BACKUPS-001", "a cron script keeping the dump local",
         replaced(SCRIPT, "scripts/backup.sh", "restic backup /backups\n", ""), "warn",
         subject="service/db", evidence=("scripts/backup.sh:2: pg_dump; scheduled: crontab",)),
    Case("COMPOSE-BACKUPS-001", "no backup",
         changed(SCRIPT, {"crontab": None, "scripts/backup.sh": None}), "fail",
         subject="service/db", evidence=("looked for a backup service (pg_dump, restic, borg",),
         message="no backup of the database"),
    Case("COMPOSE-BACKUPS-001", "Superset's sqlite file, no database service",
         {C: "services:\n  superset:\n    image: apache/superset:4.1.1\n"}, "fail",
         subject="database",
         evidence=("SQLALCHEMY_DATABASE_URI from Superset default: sqlite file",
                   "looked for a backup service and scheduled scripts"),
         message="the metadata database is the sqlite file"),
    # storage._backed_up: no database service and no sqlite file is a skip on the subject
    # "database" (mutants x__backed_up__mutmut_20 and _36 changed its message and subject).
    Case("COMPOSE-BACKUPS-001", "no database service, the metadata database not visible",
         {C: "services:\n  superset:\n    image: apache/superset:4.1.1\n"
             "    volumes: ['./conf:/app/pythonpath']\n",
          "conf/superset_config.py": "import os\n"
                                     "SQLALCHEMY_DATABASE_URI = os.environ['DB_URI']\n"},
         "skip", subject="database", message="no database service in the project"),
    Case("COMPOSE-BACKUPS-001", "Superset's sqlite file beside a backup service",
         {C: "services:\n  superset:\n    image: apache/superset:4.1.1\n"
             "    volumes: ['.:/app/pythonpath']\n  backup:\n"
             "    image: prodrigestivill/postgres-backup-local:16\n    environment:\n"
             "      SCHEDULE: \"@daily\"\n",
          "superset_config.py": "ROW_LIMIT = 5000\n"
                                "SQLALCHEMY_DATABASE_URI = 'sqlite:////app/superset_home/superset.db'\n"},
         "warn", subject="database",
         evidence=("SQLALCHEMY_DATABASE_URI from superset_config.py:2: sqlite file "
                   "/app/superset_home/superset.db",
                   "service backup: postgres-backup; scheduled: SCHEDULE=@daily; off host: no"),
         message="service backup backs up something, but nothing is seen copying that file",
         location=("superset_config.py", 2)),
]

# -- COMPOSE-CONFIG-SECRETS-001: no published default secret --------------------------------
# Superset's published keys in any variable, a published default password (superset, admin,
# examples, postgres, CHANGE-ME and the two test JWT secrets) in a secret-named variable,
# and POSTGRES_HOST_AUTH_METHOD=trust fail, naming the variable and where it is set, never
# the value; a mounted script that sets the admin password to admin fails.
DEFAULTS = {C: """
    services:
      superset:
        image: apache/superset:4.1.1
        env_file: docker/.env
      db:
        image: postgres:16.6
        env_file: docker/.env
""", "docker/.env": "POSTGRES_USER=superset\nPOSTGRES_PASSWORD=Zq8-own-password-Kx2\n"
                   "SUPERSET_SECRET_KEY=Zq8-own-generated-key-Hw4\n"}


def _env(old: str, new: str) -> dict[str, str]:
    return replaced(DEFAULTS, "docker/.env", old, new)


PUBLISHED_KEYS = (
    ("thisISaSECRET_1234", "the default key of Superset's Helm chart"),
    ("YOUR_OWN_RANDOM_GENERATED_SECRET_KEY", "the placeholder key from Superset's"),
    ("TEST_NON_DEV_SECRET", "the key from Superset's docker/.env"),
    ("vwIxubtT28cEkBaamx8bNsWsNvZLGznyhK948EkrahfTINnpTjSa6FKa", "an old Helm chart's default"),
    ("CHANGE_ME_TO_A_COMPLEX_RANDOM_SECRET", "Superset's built-in default key"),
)
DEFAULT_PASSWORDS = (
    ("superset", "Superset's compose default database password"),
    ("admin", "Superset's default admin password"),
    ("examples", "Superset's compose default examples password"),
    ("postgres", "the postgres image's documented example password"),
    ("CHANGE-ME", "the chart's default websocket jwtSecret"),
    ("test-guest-secret-change-me", "Superset's default GUEST_TOKEN_JWT_SECRET"),
    ("test-secret-change-me", "Superset's default GLOBAL_ASYNC_QUERIES_JWT_SECRET"),
)
INIT_SCRIPT = {C: """
    services:
      superset-init:
        image: apache/superset:4.1.1
        command: ["/app/docker/docker-init.sh"]
        volumes:
          - ./docker:/app/docker
""", "docker/docker-init.sh": "#!/bin/sh\nsuperset fab create-admin --username admin "
                             "--password \"${ADMIN_PASSWORD}\"\n"}
SECRET_DEFAULT_CASES = [
    Case("COMPOSE-CONFIG-SECRETS-001", "own values", DEFAULTS, "pass", subject="service/db",
         message="no published default value", absent=("Zq8-own-password-Kx2",)),
    Case("COMPOSE-CONFIG-SECRETS-001", "own key", DEFAULTS, "pass", subject="service/superset",
         absent=("Zq8-own-generated-key-Hw4",)),
    *(Case("COMPOSE-CONFIG-SECRETS-001", f"published key {value[:12]}",
           _env("SUPERSET_SECRET_KEY=Zq8-own-generated-key-Hw4", f"SUPERSET_SECRET_KEY={value}"),
           "fail", subject="service/superset",
           evidence=(f"SUPERSET_SECRET_KEY (docker/.env:3) is {named}",),
           message="publicly known default secrets are in use (values not shown)",
           location=("docker/.env", 3), absent=(value,))
      for value, named in PUBLISHED_KEYS),
    *(Case("COMPOSE-CONFIG-SECRETS-001", f"default password {value}",
           _env("POSTGRES_PASSWORD=Zq8-own-password-Kx2", f"POSTGRES_PASSWORD={value}"),
           "fail", subject="service/db",
           evidence=(f"POSTGRES_PASSWORD (docker/.env:2) is {named}",),
           location=("docker/.env", 2))
      for value, named in DEFAULT_PASSWORDS),
    Case("COMPOSE-CONFIG-SECRETS-001", "superset as a user name is no secret",
         _env("POSTGRES_PASSWORD=Zq8-own-password-Kx2", "DATABASE_USER=superset"), "pass",
         subject="service/db"),
    Case("COMPOSE-CONFIG-SECRETS-001", "a default password under a _FILE name",
         _env("POSTGRES_PASSWORD=Zq8-own-password-Kx2", "POSTGRES_PASSWORD_FILE=postgres"),
         "pass", subject="service/db"),
    Case("COMPOSE-CONFIG-SECRETS-001", "POSTGRES_HOST_AUTH_METHOD=trust",
         _env("POSTGRES_PASSWORD=Zq8-own-password-Kx2", "POSTGRES_HOST_AUTH_METHOD=trust"),
         "fail", subject="service/db",
         evidence=("POSTGRES_HOST_AUTH_METHOD=trust (docker/.env:2): no password at all",),
         location=("docker/.env", 2)),
    Case("COMPOSE-CONFIG-SECRETS-001", "POSTGRES_HOST_AUTH_METHOD=md5",
         _env("POSTGRES_PASSWORD=Zq8-own-password-Kx2", "POSTGRES_HOST_AUTH_METHOD=md5"),
         "pass", subject="service/db"),
    Case("COMPOSE-CONFIG-SECRETS-001", "a mounted script creating admin/admin",
         replaced(INIT_SCRIPT, "docker/docker-init.sh", '"${ADMIN_PASSWORD}"', "admin"),
         "fail", subject="script/docker/docker-init.sh",
         evidence=("docker/docker-init.sh:2",),
         message="docker/docker-init.sh creates the admin user with password 'admin'",
         location=("docker/docker-init.sh", 2)),
    Case("COMPOSE-CONFIG-SECRETS-001", "a script falling back to admin, variable unset",
         replaced(INIT_SCRIPT, "docker/docker-init.sh", '"${ADMIN_PASSWORD}"',
                  '"${ADMIN_PASSWORD:-admin}"'), "fail",
         subject="script/docker/docker-init.sh",
         message="falls back to password 'admin' when ADMIN_PASSWORD is unset"),
    Case("COMPOSE-CONFIG-SECRETS-001", "a script using the variable", INIT_SCRIPT, "pass",
         subject="service/superset-init"),
]

# -- COMPOSE-CONFIG-SECRETS-002: no literal secret in the Compose file ----------------------
# A secret-named variable (SECRET, PASSWORD, PASSWD, TOKEN, API_KEY, PRIVATE_KEY,
# CREDENTIAL, JWT; not *_FILE, *_PATH, *_USER, *_USERNAME, *_ENABLED, *_KEY_ID, ALLOW_*)
# written as a value in environment: fails; from ${VARIABLE}, an env file, a flag value
# or a path passes.
LITERAL = {C: """
    services:
      superset:
        image: apache/superset:4.1.1
        env_file: .env.local
        environment:
          DATABASE_PASSWORD: ${DATABASE_PASSWORD}
""", ".env.local": "SUPERSET_SECRET_KEY=Zq8-own-generated-key-Hw4\n",
    ".env": "DATABASE_PASSWORD=Zq8-dotenv-password-Pq1\n"}


def _literal(value: str) -> dict[str, str]:
    return replaced(LITERAL, C, "DATABASE_PASSWORD: ${DATABASE_PASSWORD}", value)


LITERAL_CASES = [
    Case("COMPOSE-CONFIG-SECRETS-002", "a variable and an env file", LITERAL, "pass",
         subject="service/superset",
         evidence=("DATABASE_PASSWORD, SUPERSET_SECRET_KEY from .env.local, compose.yaml",),
         message="secrets come from env files or variables",
         absent=("Zq8-own-generated-key-Hw4", "Zq8-dotenv-password-Pq1")),
    *(Case("COMPOSE-CONFIG-SECRETS-002", f"literal {name}",
           _literal(f"{name}: Zq8-literal-Lt7"), "fail", subject="service/superset",
           evidence=(f"{name} at compose.yaml:6 environment (value not shown)",),
           message=f"{name} is written into the Compose file", location=(C, 5),
           absent=("Zq8-literal-Lt7",))
      for name in ("DATABASE_PASSWORD", "SUPERSET_SECRET_KEY", "DB_PASSWD", "GITHUB_TOKEN",
                   "MAPBOX_API_KEY", "SSH_PRIVATE_KEY", "GCP_CREDENTIALS", "GUEST_JWT",
                   "smtp_password")),
    *(Case("COMPOSE-CONFIG-SECRETS-002", f"{name} is not a secret",
           _literal(f"{name}: Zq8-literal-Lt7"), "pass", subject="service/superset",
           evidence=("SUPERSET_SECRET_KEY from .env.local",))
      for name in ("PASSWORD_FILE", "SECRET_PATH", "TOKEN_USER", "DB_PASSWORD_USERNAME",
                   "TOKEN_ENABLED", "AWS_SECRET_KEY_ID", "ALLOW_EMPTY_PASSWORD")),
    *(Case("COMPOSE-CONFIG-SECRETS-002", f"a flag value {value!r}",
           _literal(f'GUEST_TOKEN_SECRET: "{value}"'), "pass", subject="service/superset")
      for value in ("true", "no", "0", "")),
    Case("COMPOSE-CONFIG-SECRETS-002", "a path",
         _literal("SECRET_KEY_LOCATION: /run/secrets/superset_key"), "pass",
         subject="service/superset"),
    Case("COMPOSE-CONFIG-SECRETS-002", "no secret at all",
         {C: "services:\n  superset:\n    image: apache/superset:4.1.1\n"}, "pass",
         subject="service/superset", message="no secret in its environment"),
]

# -- COMPOSE-GITOPS-001 and COMPOSE-UPDATES-001 ---------------------------------------------
# GitOps: a .git (directory or file) in the project passes, none fails. Updates: Renovate
# (each configuration file name), Dependabot with a docker or docker-compose ecosystem, or
# an updater service (watchtower, diun, ouroboros) pass; nothing fails, with its own message
# when every image is pinned by digest.
PROJECT = {C: "services:\n  superset:\n    image: apache/superset:4.1.1\n",
           ".git/HEAD": "ref: refs/heads/main\n"}
GITOPS_CASES = [
    Case("COMPOSE-GITOPS-001", ".git directory", PROJECT, "pass", subject="project",
         evidence=(".git present", "declared in: compose.yaml"), location=(C, None)),
    Case("COMPOSE-GITOPS-001", ".git file of a worktree",
         changed(PROJECT, {".git/HEAD": None, ".git": "gitdir: /srv/repo/.git/worktrees/a\n"}),
         "pass", subject="project", evidence=(".git present",)),
    Case("COMPOSE-GITOPS-001", "no .git", changed(PROJECT, {".git/HEAD": None}), "fail",
         subject="project", evidence=("declared in: compose.yaml", "no .git directory"),
         message="not under version control", location=(C, None)),
]
UPDATE_CASES = [
    *(Case("COMPOSE-UPDATES-001", f"Renovate {name}", changed(PROJECT, {name: "{}\n"}), "pass",
           subject="images", evidence=(f"Renovate configuration {name}",),
           message=f"image updates are tracked by Renovate configuration {name}")
      for name in ("renovate.json", "renovate.json5", ".renovaterc", ".renovaterc.json",
                   ".github/renovate.json", ".github/renovate.json5", ".gitlab/renovate.json")),
    *(Case("COMPOSE-UPDATES-001", f"Dependabot {ecosystem} in {name}",
           changed(PROJECT, {name: "version: 2\nupdates:\n"
                                   f"  - package-ecosystem: {ecosystem}\n"}), "pass",
           subject="images", evidence=(f"Dependabot docker updates in {name}",))
      for name, ecosystem in ((".github/dependabot.yml", "docker"),
                              (".github/dependabot.yaml", '"docker-compose"'))),
    Case("COMPOSE-UPDATES-001", "Dependabot for pip only",
         changed(PROJECT, {".github/dependabot.yml": "version: 2\nupdates:\n"
                                                     "  - package-ecosystem: pip\n"}),
         "fail", subject="images", evidence=("no Renovate, Dependabot, watchtower or diun",)),
    *(Case("COMPOSE-UPDATES-001", f"updater {image}",
           replaced(PROJECT, C, "apache/superset:4.1.1",
                    f"apache/superset:4.1.1\n  updater:\n    image: {image}"), "pass",
           subject="images", evidence=(f"service updater ({image})",))
      for image in ("containrrr/watchtower:1.7.1", "crazymax/diun:4.28",
                    "pyouroboros/ouroboros:1.4.3")),
    Case("COMPOSE-UPDATES-001", "nothing", PROJECT, "fail", subject="images",
         evidence=("no Renovate, Dependabot, watchtower or diun",),
         message="nothing tracks new releases of the images"),
    Case("COMPOSE-UPDATES-001", "every image by digest, nothing tracking",
         replaced(PROJECT, C, "apache/superset:4.1.1", f"apache/superset:4.1.1@{DIGEST[13:]}"),
         "fail", subject="images",
         message="every image is pinned by digest but nothing proposes updates"),
]
CASES: list[Case] = [*RESOURCES, *MODE_CASES, *SERVER_CASES, *EXAMPLE_CASES, *SPREAD,
                     *SCALE_CASES, *RESTART_CASES, *HEALTH_CASES, *ROLLBACK, *ROOT_CASES,
                     *ESCAPE_CASES, *LOG_CASES, *METRIC_CASES, *BIND_CASES, *PRIVATE_CASES,
                     *INTERNAL_CASES, *PROXY_CASES, *STORAGE_CASES, *BACKUP_CASES,
                     *SECRET_DEFAULT_CASES, *LITERAL_CASES, *GITOPS_CASES, *UPDATE_CASES]

"""Per-condition cases for the Kubernetes security checks (see tests/conditions/__init__.py).

App security, config secrets, isolation, logging, monitoring, network and proxy TLS. Every
tree is one ``all.yaml`` whose first document is the web Deployment ``superset`` in
namespace ``bi`` (gunicorn, non-root, hardened, a dedicated service account), so every
finding on it points at line 1; each case changes one line of its group's base.
"""

from __future__ import annotations

from conditions import Case, changed, dedent, replaced

WEB = "apps/v1/Deployment/bi/superset"
AT_WEB = ("all.yaml", 1)

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: superset, namespace: bi}
spec:
  selector: {matchLabels: {app: superset}}
  template:
    metadata: {labels: {app: superset}}
    spec:
      serviceAccountName: superset
      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
      containers:
        - name: web
          image: apache/superset:4.1.1
          command: [gunicorn, -b, "0.0.0.0:8088", "superset.app:create_app()"]
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {drop: [ALL]}
"""

SERVICE = """\
---
apiVersion: v1
kind: Service
metadata: {name: superset, namespace: bi, labels: {app: superset}}
spec:
  selector: {app: superset}
  ports: [{port: 8088}]
"""


def _tree(*docs: str) -> dict[str, str]:
    return {"all.yaml": "".join(dedent(d) for d in docs)}


def _with(base: dict[str, str], old: str, new: str) -> dict[str, str]:
    return replaced(base, "all.yaml", old, new)


def _env(base: dict[str, str], *lines: str) -> dict[str, str]:
    """``base`` with env entries (``- {name: X, value: "y"}``) on the web container."""
    entries = "".join(f"\n            {line}" for line in lines)
    return _with(base, "          securityContext:\n            allowPrivilegeEscalation",
                 f"          env:{entries}\n          securityContext:\n"
                 "            allowPrivilegeEscalation")


def _run(base: dict[str, str], command: str) -> dict[str, str]:
    """``base`` with the web container's command replaced (a YAML flow list)."""
    return _with(base, '[gunicorn, -b, "0.0.0.0:8088", "superset.app:create_app()"]', command)


# -- isolation ---------------------------------------------------------------------------
"""ISOLATION-001: fails on runAsUser 0 (pod or container), or neither runAsNonRoot: true
nor a positive runAsUser; the container's value overrides the pod's; init containers count.
ISOLATION-002: fails on privileged: true, allowPrivilegeEscalation not false, no drop ALL
(any case), a capability added beyond NET_BIND_SERVICE.
ISOLATION-003: fails on a writable root filesystem, or a seccomp profile other than
RuntimeDefault/Localhost (container overrides pod).
ISOLATION-004: fails on hostNetwork/hostPID/hostIPC true, a hostPath volume, a hostPort.
ISOLATION-005: fails on an explicit namespace default, or the default service account's
token mounted (no account, or ``default``, without automountServiceAccountToken: false)."""

ISO = _tree(DEPLOYMENT)
POD_SC = "securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}"
WEB_SC = "          securityContext:\n            allowPrivilegeEscalation: false"


def _pod_sc(text: str) -> dict[str, str]:
    return _with(ISO, POD_SC, f"securityContext: {text}")


def _web_sc(*lines: str) -> dict[str, str]:
    extra = "".join(f"\n            {line}" for line in lines)
    return _with(ISO, WEB_SC, f"          securityContext:{extra}\n"
                 "            allowPrivilegeEscalation: false")


def _init(security: str) -> dict[str, str]:
    return _with(ISO, "      containers:\n",
                 "      initContainers:\n"
                 "        - {name: migrate, image: apache/superset:4.1.1, "
                 f"command: [superset, db, upgrade], securityContext: {security}}}\n"
                 "      containers:\n")


ISOLATION = [
    Case("K8S-ISOLATION-001", "runAsNonRoot on the pod", ISO, "pass", subject=WEB,
         message="every container runs as non-root", location=AT_WEB),
    Case("K8S-ISOLATION-001", "runAsUser 1000 alone", _pod_sc(
        "{runAsUser: 1000, seccompProfile: {type: RuntimeDefault}}"), "pass", subject=WEB,
         message="every container runs as non-root"),
    Case("K8S-ISOLATION-001", "runAsUser 1 (one above root)", _pod_sc(
        "{runAsUser: 1, seccompProfile: {type: RuntimeDefault}}"), "pass", subject=WEB,
         tags=("boundary",)),
    Case("K8S-ISOLATION-001", "runAsUser 0 on the pod", _pod_sc(
        "{runAsUser: 0, seccompProfile: {type: RuntimeDefault}}"), "fail", subject=WEB,
         evidence=("web: runAsUser 0",), message="web: runAsUser 0", location=AT_WEB,
         tags=("boundary",)),
    Case("K8S-ISOLATION-001", "runAsUser 0 despite runAsNonRoot", _pod_sc(
        "{runAsNonRoot: true, runAsUser: 0, seccompProfile: {type: RuntimeDefault}}"), "fail",
         subject=WEB, evidence=("web: runAsUser 0",)),
    Case("K8S-ISOLATION-001", "no runAsNonRoot, no runAsUser", _pod_sc(
        "{seccompProfile: {type: RuntimeDefault}}"), "fail", subject=WEB,
         evidence=("web: may run as root (no runAsNonRoot)",), location=AT_WEB),
    Case("K8S-ISOLATION-001", "runAsNonRoot false", _pod_sc(
        "{runAsNonRoot: false, seccompProfile: {type: RuntimeDefault}}"), "fail", subject=WEB,
         evidence=("web: may run as root (no runAsNonRoot)",)),
    Case("K8S-ISOLATION-001", "container runAsUser 0 overrides the pod",
         _web_sc("runAsUser: 0"), "fail", subject=WEB, evidence=("web: runAsUser 0",)),
    Case("K8S-ISOLATION-001", "container runAsNonRoot false overrides the pod",
         _web_sc("runAsNonRoot: false"), "fail", subject=WEB,
         evidence=("web: may run as root (no runAsNonRoot)",)),
    Case("K8S-ISOLATION-001", "container runAsNonRoot without a pod setting",
         _with(_pod_sc("{seccompProfile: {type: RuntimeDefault}}"), WEB_SC,
               WEB_SC.replace("allowPrivilegeEscalation", "runAsNonRoot: true\n"
                              "            allowPrivilegeEscalation")),
         "pass", subject=WEB),
    Case("K8S-ISOLATION-001", "init container as root", _init("{runAsUser: 0}"), "fail",
         subject=WEB, evidence=("migrate: runAsUser 0",)),
]

ISOLATION += [
    Case("K8S-ISOLATION-002", "no escalation, drop ALL", ISO, "pass", subject=WEB,
         message="no privilege escalation, all capabilities dropped", location=AT_WEB),
    Case("K8S-ISOLATION-002", "privileged", _web_sc("privileged: true"), "fail",
         subject=WEB, evidence=("web: privileged",), location=AT_WEB),
    Case("K8S-ISOLATION-002", "privileged false", _web_sc("privileged: false"), "pass",
         subject=WEB),
    Case("K8S-ISOLATION-002", "allowPrivilegeEscalation true",
         _with(ISO, "allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true"),
         "fail", subject=WEB, evidence=("web: allowPrivilegeEscalation not false",)),
    Case("K8S-ISOLATION-002", "allowPrivilegeEscalation unset",
         _with(ISO, "            allowPrivilegeEscalation: false\n", ""), "fail", subject=WEB,
         evidence=("web: allowPrivilegeEscalation not false",),
         message="web: allowPrivilegeEscalation not false"),
    Case("K8S-ISOLATION-002", "no capabilities section",
         _with(ISO, "            capabilities: {drop: [ALL]}\n", ""), "fail", subject=WEB,
         evidence=("web: capabilities not dropped (drop: [ALL])",)),
    Case("K8S-ISOLATION-002", "drop NET_RAW only",
         _with(ISO, "drop: [ALL]", "drop: [NET_RAW]"), "fail", subject=WEB,
         evidence=("web: capabilities not dropped (drop: [ALL])",)),
    Case("K8S-ISOLATION-002", "drop all in lower case",
         _with(ISO, "drop: [ALL]", "drop: [all]"), "pass", subject=WEB),
    Case("K8S-ISOLATION-002", "drop ALL, add SYS_ADMIN",
         _with(ISO, "drop: [ALL]", "drop: [ALL], add: [SYS_ADMIN]"), "fail", subject=WEB,
         evidence=("web: capabilities added: SYS_ADMIN",)),
    Case("K8S-ISOLATION-002", "drop ALL, add NET_BIND_SERVICE",
         _with(ISO, "drop: [ALL]", "drop: [ALL], add: [NET_BIND_SERVICE]"), "pass",
         subject=WEB),
    Case("K8S-ISOLATION-002", "init container may escalate",
         _init("{capabilities: {drop: [ALL]}}"), "fail", subject=WEB,
         evidence=("migrate: allowPrivilegeEscalation not false",)),
]

ISOLATION += [
    Case("K8S-ISOLATION-003", "read-only root and RuntimeDefault", ISO, "pass", subject=WEB,
         message="read-only root filesystem and seccomp", location=AT_WEB),
    Case("K8S-ISOLATION-003", "readOnlyRootFilesystem false",
         _with(ISO, "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false"), "fail",
         subject=WEB, evidence=("web: writable root filesystem",), location=AT_WEB),
    Case("K8S-ISOLATION-003", "readOnlyRootFilesystem unset",
         _with(ISO, "            readOnlyRootFilesystem: true\n", ""), "fail", subject=WEB,
         evidence=("web: writable root filesystem",)),
    Case("K8S-ISOLATION-003", "seccomp Localhost", _pod_sc(
        "{runAsNonRoot: true, seccompProfile: {type: Localhost, "
        "localhostProfile: profiles/superset.json}}"), "pass", subject=WEB),
    Case("K8S-ISOLATION-003", "seccomp Unconfined", _pod_sc(
        "{runAsNonRoot: true, seccompProfile: {type: Unconfined}}"), "fail", subject=WEB,
         evidence=("web: no seccomp profile",)),
    Case("K8S-ISOLATION-003", "no seccomp profile", _pod_sc("{runAsNonRoot: true}"), "fail",
         subject=WEB, evidence=("web: no seccomp profile",), message="web: no seccomp profile"),
    Case("K8S-ISOLATION-003", "seccomp on the container only",
         _with(_pod_sc("{runAsNonRoot: true}"), WEB_SC,
               WEB_SC.replace("allowPrivilegeEscalation", "seccompProfile: "
                              "{type: RuntimeDefault}\n            allowPrivilegeEscalation")),
         "pass", subject=WEB),
    Case("K8S-ISOLATION-003", "container Unconfined overrides the pod",
         _web_sc("seccompProfile: {type: Unconfined}"), "fail", subject=WEB,
         evidence=("web: no seccomp profile",)),
]

HOST = "      serviceAccountName: superset\n"
SERVICE_ACCOUNT = """\
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: default, namespace: bi}
automountServiceAccountToken: false
"""
ISOLATION += [
    Case("K8S-ISOLATION-004", "no host access", ISO, "pass", subject=WEB,
         message="no host namespaces, ports or paths", location=AT_WEB),
    *(Case("K8S-ISOLATION-004", f"{key} true", _with(ISO, HOST, f"{HOST}      {key}: true\n"),
           "fail", subject=WEB, evidence=(f"{key}: true",), message=f"shares the node: {key}",
           location=AT_WEB) for key in ("hostNetwork", "hostPID", "hostIPC")),
    Case("K8S-ISOLATION-004", "hostNetwork false",
         _with(ISO, HOST, f"{HOST}      hostNetwork: false\n"), "pass", subject=WEB),
    Case("K8S-ISOLATION-004", "hostPath volume",
         _with(ISO, HOST, f"{HOST}      volumes: [{{name: logs, hostPath: {{path: /var/log}}}}]\n"),
         "fail", subject=WEB, evidence=("hostPath volume logs",)),
    Case("K8S-ISOLATION-004", "emptyDir volume",
         _with(ISO, HOST, f"{HOST}      volumes: [{{name: tmp, emptyDir: {{}}}}]\n"),
         "pass", subject=WEB),
    Case("K8S-ISOLATION-004", "hostPort",
         _with(ISO, "          image: apache/superset:4.1.1\n",
               "          image: apache/superset:4.1.1\n"
               "          ports: [{containerPort: 8088, hostPort: 8088}]\n"),
         "fail", subject=WEB, evidence=("web: hostPort 8088",)),
    Case("K8S-ISOLATION-004", "containerPort without hostPort",
         _with(ISO, "          image: apache/superset:4.1.1\n",
               "          image: apache/superset:4.1.1\n"
               "          ports: [{containerPort: 8088}]\n"),
         "pass", subject=WEB),
]

ISOLATION += [
    Case("K8S-ISOLATION-005", "own namespace and service account", ISO, "pass", subject=WEB,
         message="own namespace; token not mounted needlessly", location=AT_WEB),
    Case("K8S-ISOLATION-005", "namespace default written",
         _with(ISO, "namespace: bi", "namespace: default"), "fail",
         subject="apps/v1/Deployment/default/superset", evidence=("in namespace default",),
         location=AT_WEB),
    Case("K8S-ISOLATION-005", "no namespace written (applied with -n)",
         _with(ISO, "{name: superset, namespace: bi}", "{name: superset}"), "pass",
         subject="apps/v1/Deployment/default/superset"),
    Case("K8S-ISOLATION-005", "no service account", _with(ISO, HOST, ""), "fail",
         subject=WEB, evidence=("default service account token mounted",)),
    Case("K8S-ISOLATION-005", "service account default named",
         _with(ISO, HOST, "      serviceAccountName: default\n"), "fail", subject=WEB,
         evidence=("default service account token mounted",)),
    Case("K8S-ISOLATION-005", "deprecated serviceAccount field",
         _with(ISO, HOST, "      serviceAccount: superset\n"), "pass", subject=WEB),
    Case("K8S-ISOLATION-005", "no service account, token not mounted",
         _with(ISO, HOST, "      automountServiceAccountToken: false\n"), "pass", subject=WEB),
    Case("K8S-ISOLATION-005", "no service account, token mounted explicitly",
         _with(ISO, HOST, "      automountServiceAccountToken: true\n"), "fail", subject=WEB,
         evidence=("default service account token mounted",)),
    Case("K8S-ISOLATION-005", "default account patched not to mount its token",
         changed(_with(ISO, HOST, ""), {"all.yaml": dedent(_with(ISO, HOST, "")["all.yaml"])
                                        + dedent(SERVICE_ACCOUNT)}),
         "pass", subject=WEB),
    Case("K8S-ISOLATION-005", "patched default account, pod mounts the token",
         changed(_with(ISO, HOST, "      automountServiceAccountToken: true\n"), {
             "all.yaml": dedent(_with(ISO, HOST, "      automountServiceAccountToken: true\n")
                                ["all.yaml"]) + dedent(SERVICE_ACCOUNT)}),
         "fail", subject=WEB, evidence=("default service account token mounted",)),
    Case("K8S-ISOLATION-005", "default account of another namespace patched",
         changed(_with(ISO, HOST, ""), {"all.yaml": dedent(_with(ISO, HOST, "")["all.yaml"])
                                        + dedent(SERVICE_ACCOUNT).replace("bi", "sales")}),
         "fail", subject=WEB, evidence=("default service account token mounted",)),
    Case("K8S-ISOLATION-005", "default namespace and default token",
         _with(_with(ISO, HOST, ""), "namespace: bi", "namespace: default"), "fail",
         subject="apps/v1/Deployment/default/superset",
         evidence=("in namespace default", "default service account token mounted")),
]


# -- app security -----------------------------------------------------------------------
"""APP-SECURITY-001: fails on ``superset run``/``flask run`` in a web container, and on
FLASK_DEBUG on (Flask: any value but empty, 0, false, no), SUPERSET_ENV or FLASK_ENV
development, SUPERSET_LOAD_EXAMPLES yes/true/1.
APP-SECURITY-002: fails when a dev server runs with --debugger, --debug or FLASK_DEBUG on
(not --no-debugger) bound beyond loopback; warns when it listens on loopback only."""

APP = _tree(DEPLOYMENT)
DEV = '[superset, run, -h, "0.0.0.0", -p, "8088"]'


def _debug_env(value: str) -> dict[str, str]:
    return _env(APP, f'- {{name: FLASK_DEBUG, value: "{value}"}}')


APP_SECURITY = [
    Case("K8S-APP-SECURITY-001", "gunicorn, no debug settings", APP, "pass", subject=WEB,
         message="production server, no debug settings", location=AT_WEB),
    Case("K8S-APP-SECURITY-001", "superset run", _run(APP, DEV), "fail", subject=WEB,
         evidence=("web: development server (superset run -h 0.0.0.0 -p 8088)",),
         location=AT_WEB),
    Case("K8S-APP-SECURITY-001", "flask run",
         _env(_run(APP, '[flask, run, -h, "0.0.0.0"]'), "- {name: FLASK_APP, value: superset}"),
         "fail", subject=WEB, evidence=("web: development server (flask run -h 0.0.0.0)",)),
    *(Case("K8S-APP-SECURITY-001", f"FLASK_DEBUG={value}", _debug_env(value), "fail",
           subject=WEB, evidence=(f"web: FLASK_DEBUG={value}",))
      for value in ("1", "true", "True", "yes", "on")),
    *(Case("K8S-APP-SECURITY-001", f"FLASK_DEBUG={value or 'empty'}", _debug_env(value),
           "pass", subject=WEB) for value in ("0", "false", "no", "")),
    Case("K8S-APP-SECURITY-001", "SUPERSET_ENV=development",
         _env(APP, "- {name: SUPERSET_ENV, value: development}"), "fail", subject=WEB,
         evidence=("web: SUPERSET_ENV=development",)),
    Case("K8S-APP-SECURITY-001", "SUPERSET_ENV=production",
         _env(APP, "- {name: SUPERSET_ENV, value: production}"), "pass", subject=WEB),
    Case("K8S-APP-SECURITY-001", "FLASK_ENV=development",
         _env(APP, "- {name: FLASK_ENV, value: development}"), "fail", subject=WEB,
         evidence=("web: FLASK_ENV=development",)),
    *(Case("K8S-APP-SECURITY-001", f"SUPERSET_LOAD_EXAMPLES={value}",
           _env(APP, f'- {{name: SUPERSET_LOAD_EXAMPLES, value: "{value}"}}'), "fail",
           subject=WEB, evidence=(f"web: SUPERSET_LOAD_EXAMPLES={value}",))
      for value in ("yes", "true", "1")),
    Case("K8S-APP-SECURITY-001", "SUPERSET_LOAD_EXAMPLES=no",
         _env(APP, '- {name: SUPERSET_LOAD_EXAMPLES, value: "no"}'), "pass", subject=WEB),
    Case("K8S-APP-SECURITY-001", "FLASK_DEBUG=1 on a variable of another name",
         _env(APP, '- {name: MY_FLASK_DEBUG, value: "1"}'), "pass", subject=WEB),
]

ENV_CM = """\
---
apiVersion: v1
kind: ConfigMap
metadata: {name: superset-env, namespace: bi}
data: {FLASK_DEBUG: "1"}
"""
FROM_CM = changed(APP, {"all.yaml": dedent(_with(
    APP, "          securityContext:\n            allowPrivilegeEscalation",
    "          envFrom: [{configMapRef: {name: superset-env}}]\n"
    "          securityContext:\n            allowPrivilegeEscalation")["all.yaml"])
    + dedent(ENV_CM)})
KEY_REF = _env(changed(APP, {"all.yaml": dedent(APP["all.yaml"]) + dedent(ENV_CM)}),
               "- {name: FLASK_DEBUG, valueFrom: {configMapKeyRef: "
               "{name: superset-env, key: FLASK_DEBUG}}}")
APP_SECURITY += [
    Case("K8S-APP-SECURITY-001", "FLASK_DEBUG from envFrom", FROM_CM, "fail", subject=WEB,
         evidence=("ConfigMap superset-env key FLASK_DEBUG: FLASK_DEBUG=1",)),
    Case("K8S-APP-SECURITY-001", "FLASK_DEBUG from configMapKeyRef", KEY_REF, "fail",
         subject=WEB, evidence=("ConfigMap superset-env key FLASK_DEBUG: FLASK_DEBUG=1",)),
    Case("K8S-APP-SECURITY-001", "FLASK_DEBUG from envFrom overridden by env",
         _env(FROM_CM, '- {name: FLASK_DEBUG, value: "0"}'), "pass", subject=WEB),
    Case("K8S-APP-SECURITY-001", "envFrom of a ConfigMap not in the audit",
         _with(FROM_CM, "{name: superset-env, namespace: bi}", "{name: other, namespace: bi}"),
         "pass", subject=WEB),
]

APP_SECURITY += [
    Case("K8S-APP-SECURITY-002", "FLASK_DEBUG from envFrom", _run(FROM_CM, DEV), "fail",
         subject=WEB, evidence=("web: FLASK_DEBUG=1",)),
    Case("K8S-APP-SECURITY-002", "FLASK_DEBUG from configMapKeyRef", _run(KEY_REF, DEV),
         "fail", subject=WEB, evidence=("web: FLASK_DEBUG=1",)),
    Case("K8S-APP-SECURITY-002", "FLASK_DEBUG from envFrom overridden by env",
         _env(_run(FROM_CM, DEV), '- {name: FLASK_DEBUG, value: "0"}'), "pass", subject=WEB),
    Case("K8S-APP-SECURITY-002", "gunicorn", APP, "pass", subject=WEB,
         message="no interactive debugger", location=AT_WEB),
    Case("K8S-APP-SECURITY-002", "superset run without debug", _run(APP, DEV), "pass",
         subject=WEB, message="no interactive debugger"),
    Case("K8S-APP-SECURITY-002", "--debugger on 0.0.0.0",
         _run(APP, '[superset, run, --debugger, -h, "0.0.0.0", -p, "8088"]'), "fail",
         subject=WEB, evidence=("web: --debugger", "web: "), location=AT_WEB,
         message="the Werkzeug debugger is on and reachable from other pods"),
    Case("K8S-APP-SECURITY-002", "--debugger on loopback",
         _run(APP, '[superset, run, --debugger, -h, "127.0.0.1", -p, "8088"]'), "warn",
         subject=WEB, evidence=("web: --debugger",),
         message="listens only on the pod's loopback"),
    Case("K8S-APP-SECURITY-002", "--debug on 0.0.0.0",
         _run(APP, '[superset, run, --debug, -h, "0.0.0.0", -p, "8088"]'), "fail",
         subject=WEB, evidence=("web: --debug",)),
    Case("K8S-APP-SECURITY-002", "FLASK_DEBUG=1 with superset run",
         _env(_run(APP, DEV), '- {name: FLASK_DEBUG, value: "1"}'), "fail", subject=WEB,
         evidence=("web: FLASK_DEBUG=1",)),
    Case("K8S-APP-SECURITY-002", "--debug --no-debugger",
         _run(APP, '[superset, run, --debug, --no-debugger, -h, "0.0.0.0"]'), "pass",
         subject=WEB),
    Case("K8S-APP-SECURITY-002", "through sh -c",
         _run(APP, '[sh, -c, "superset run --debugger -h 0.0.0.0 -p 8088"]'), "fail",
         subject=WEB, evidence=("web: --debugger",)),
    Case("K8S-APP-SECURITY-002", "through bash -c on loopback",
         _run(APP, '[/bin/bash, -c, "superset run --debugger -h 127.0.0.1 -p 8088"]'),
         "warn", subject=WEB, evidence=("web: --debugger",)),
]


# -- config secrets ---------------------------------------------------------------------
"""CONFIG-SECRETS-001: fails a ConfigMap with a secret-named key holding a secret (not a
flag or a path, not named *_FILE/_PATH/_USER/_USERNAME/_ENABLED/_KEY_ID or ALLOW_*), a
SECRET_KEY literal in a config file, or a value that is a secret by its shape (PEM key,
AWS key id, connection string with a password); fails a workload with such a literal env
value; passes a Superset workload whose secrets come from Secrets (naming a secret manager).
CONFIG-SECRETS-002: fails a Secret or ConfigMap holding a published default SECRET_KEY, a
default password under a secret-named key, a config file containing a default key, a
script creating admin/admin, and a workload env holding a default key or password."""

CM = """\
---
apiVersion: v1
kind: ConfigMap
metadata: {name: superset-config, namespace: bi}
data:
  SUPERSET_PORT: "8088"
"""
SECRET = """\
---
apiVersion: v1
kind: Secret
metadata: {name: superset-env, namespace: bi}
stringData:
  SECRET_KEY: "Zq8vNk2LwR5tYp0Hs7Jd3Fg6Bm9Xc1Va"
"""
SECRETS = _tree(DEPLOYMENT, CM, SECRET)
CM_SUBJECT = "v1/ConfigMap/bi/superset-config"
SECRET_SUBJECT = "v1/Secret/bi/superset-env"
LEAK = "Hx7pQ2mZ9vLr4Tn8"


def _cm(line: str) -> dict[str, str]:
    return _with(SECRETS, '  SUPERSET_PORT: "8088"\n', f'  SUPERSET_PORT: "8088"\n  {line}\n')


def _secret(line: str) -> dict[str, str]:
    return _with(SECRETS, '  SECRET_KEY: "Zq8vNk2LwR5tYp0Hs7Jd3Fg6Bm9Xc1Va"\n', f"  {line}\n")


def _literal(name: str, value: str) -> dict[str, str]:
    return _env(SECRETS, f'- {{name: {name}, value: "{value}"}}')


CONFIG_SECRETS = [
    Case("K8S-CONFIG-SECRETS-001", "env from a Secret",
         _env(SECRETS, "- {name: DATABASE_PASSWORD, valueFrom: "
                       "{secretKeyRef: {name: superset-env, key: DB_PASS}}}"),
         "pass", subject=WEB, message="secrets come from Secrets", location=AT_WEB),
    Case("K8S-CONFIG-SECRETS-001", "managed by an ExternalSecret",
         changed(SECRETS, {"all.yaml": dedent(SECRETS["all.yaml"]) + dedent("""\
             ---
             apiVersion: external-secrets.io/v1beta1
             kind: ExternalSecret
             metadata: {name: superset-env, namespace: bi}
             spec: {target: {name: superset-env}}
             """)}),
         "pass", subject=WEB, message="secrets come from Secrets (managed by ExternalSecret)"),
    Case("K8S-CONFIG-SECRETS-001", "password in a ConfigMap",
         _cm(f'DATABASE_PASSWORD: "{LEAK}"'), "fail", subject=CM_SUBJECT,
         evidence=("key DATABASE_PASSWORD",), location=("all.yaml", None), absent=(LEAK,)),
    Case("K8S-CONFIG-SECRETS-001", "SECRET_KEY literal in a ConfigMap's superset_config.py",
         _cm(f"superset_config.py: \"SECRET_KEY = '{LEAK}'\\n\""), "fail",
         subject=CM_SUBJECT, evidence=("key superset_config.py: SECRET_KEY written literally",),
         absent=(LEAK,)),
    Case("K8S-CONFIG-SECRETS-001", "SECRET_KEY literal, double quotes, no spaces",
         _cm(f"superset_config.py: \"import os\\nSECRET_KEY=\\\"{LEAK}\\\"\\n\""), "fail",
         subject=CM_SUBJECT, evidence=("key superset_config.py: SECRET_KEY written literally",),
         absent=(LEAK,)),
    Case("K8S-CONFIG-SECRETS-001", "SECRET_KEY literal in a config file of another name",
         _cm(f"config.py: \"  SECRET_KEY = r'{LEAK}'\\n\""), "fail", subject=CM_SUBJECT,
         evidence=("key config.py: SECRET_KEY written literally",), absent=(LEAK,)),
    Case("K8S-CONFIG-SECRETS-001", "SECRET_KEY read from the environment",
         _env(_cm("superset_config.py: \"SECRET_KEY = os.environ['SUPERSET_SECRET_KEY']\\n\""),
              "- {name: X, value: y}"), "pass", subject=WEB),
    Case("K8S-CONFIG-SECRETS-001", "PEM private key under any key",
         _cm('config.json: "-----BEGIN RSA PRIVATE KEY-----\\nMIIEow\\n'
             '-----END RSA PRIVATE KEY-----\\n"'), "fail", subject=CM_SUBJECT,
         evidence=("a PEM private key in ConfigMap superset-config key config.json "
                   "(69 characters)",)),
    Case("K8S-CONFIG-SECRETS-001", "connection string with a password in a ConfigMap",
         _cm(f'SQLALCHEMY_DATABASE_URI: "postgresql://superset:{LEAK}@db:5432/superset"'),
         "fail", subject=CM_SUBJECT,
         evidence=("a connection string with a password in ConfigMap superset-config key "
                   "SQLALCHEMY_DATABASE_URI (55 characters)",), absent=(LEAK,)),
    Case("K8S-CONFIG-SECRETS-001", "literal SECRET_KEY in the pod spec",
         _literal("SUPERSET_SECRET_KEY", LEAK), "fail", subject=WEB,
         evidence=("web: env SUPERSET_SECRET_KEY has a literal value",), location=AT_WEB,
         message="secret values written into the pod spec", absent=(LEAK,)),
    Case("K8S-CONFIG-SECRETS-001", "number as a password",
         _env(SECRETS, "- {name: DB_PASS, value: 73914682}"), "fail", subject=WEB,
         evidence=("web: env DB_PASS has a literal value",), absent=("73914682",)),
    Case("K8S-CONFIG-SECRETS-001", "connection string in any variable",
         _literal("DATABASE_URL", f"postgresql://superset:{LEAK}@db/superset"), "fail",
         subject=WEB, evidence=("web: env DATABASE_URL holds a connection string with a "
                                "password (50 characters)",), absent=(LEAK,)),
    Case("K8S-CONFIG-SECRETS-001", "AWS access key id in any variable",
         _literal("S3_ID", "AKIAIOSFODNN7EXAMPLE"), "fail", subject=WEB,
         evidence=("web: env S3_ID holds an AWS access key id (20 characters)",)),
    *(Case("K8S-CONFIG-SECRETS-001", f"secret-named {name}", _literal(name, LEAK), "fail",
           subject=WEB, evidence=(f"web: env {name} has a literal value",), absent=(LEAK,))
      for name in ("MY_SECRET", "PASSWORD", "LDAP_PASSWD", "SLACK_TOKEN", "MAPBOX_API_KEY",
                   "SSH_PRIVATE_KEY", "GCP_CREDENTIALS", "DB_PASS", "JWT", "smtp_password")),
    *(Case("K8S-CONFIG-SECRETS-001", f"{name} is not a secret", _literal(name, "some-value"),
           "pass", subject=WEB)
      for name in ("ALLOW_EMPTY_PASSWORD", "SECRET_KEY_FILE", "PASSWORD_PATH", "DB_PASS_USER",
                   "TOKEN_USERNAME", "JWT_ENABLED", "SECRET_KEY_ID", "DATABASE_HOST")),
    *(Case("K8S-CONFIG-SECRETS-001", f"flag value {value or 'empty'}",
           _literal("PASSWORD", value), "pass", subject=WEB)
      for value in ("yes", "no", "true", "false", "0", "1", "on", "off", "ON", "")),
    Case("K8S-CONFIG-SECRETS-001", "a path as the value",
         _literal("DATABASE_PASSWORD", "/run/secrets/db-password"), "pass", subject=WEB),
    Case("K8S-CONFIG-SECRETS-001", "boolean YAML value",
         _env(SECRETS, "- {name: PASSWORD_AUTH, value: true}"), "pass", subject=WEB),
]

DEFAULT_KEYS = {
    "CHANGE_ME_TO_A_COMPLEX_RANDOM_SECRET": "Superset's built-in default key",
    "thisISaSECRET_1234": "the default key of Superset's Helm chart",
    "YOUR_OWN_RANDOM_GENERATED_SECRET_KEY": "the placeholder key from Superset's documentation",
    "TEST_NON_DEV_SECRET": "the key from Superset's docker/.env",
    "vwIxubtT28cEkBaamx8bNsWsNvZLGznyhK948EkrahfTINnpTjSa6FKa":
        "an old Helm chart's default key (exploited via CVE-2023-27524)",
}
DEFAULT_PASSWORDS = {
    "superset": "Superset's default database password",
    "admin": "the chart's default admin password",
    "CHANGE-ME": "the chart's default websocket jwtSecret",
    "test-guest-secret-change-me": "Superset's default GUEST_TOKEN_JWT_SECRET",
    "test-secret-change-me": "Superset's default GLOBAL_ASYNC_QUERIES_JWT_SECRET",
}
CONFIG_SECRETS += [
    Case("K8S-CONFIG-SECRETS-002", "generated key", SECRETS, "pass", subject=SECRET_SUBJECT,
         message="no known default value", location=("all.yaml", None)),
    *(Case("K8S-CONFIG-SECRETS-002", f"default key {key[:20]}", _secret(f'SECRET_KEY: "{key}"'),
           "fail", subject=SECRET_SUBJECT, evidence=(f"key SECRET_KEY: {label}",),
           message="publicly known default secrets are in use")
      for key, label in DEFAULT_KEYS.items()),
    Case("K8S-CONFIG-SECRETS-002", "pre-1.4.1 default key, base64 data",
         _with(SECRETS, 'stringData:\n  SECRET_KEY: "Zq8vNk2LwR5tYp0Hs7Jd3Fg6Bm9Xc1Va"\n',
               "data:\n  SECRET_KEY: AgF0aGlzaXNteXNjcmV0a2V5AQJcZVx5XHlcaA==\n"),
         "fail", subject=SECRET_SUBJECT, evidence=("key SECRET_KEY: Superset's pre-1.4.1 "
                                                   "default key",)),
    Case("K8S-CONFIG-SECRETS-002", "default key with a trailing newline (from a file)",
         _with(SECRETS, 'stringData:\n  SECRET_KEY: "Zq8vNk2LwR5tYp0Hs7Jd3Fg6Bm9Xc1Va"\n',
               "data:\n  SECRET_KEY: dGhpc0lTYVNFQ1JFVF8xMjM0Cg==\n"),
         "fail", subject=SECRET_SUBJECT,
         evidence=("key SECRET_KEY: the default key of Superset's Helm chart",)),
    Case("K8S-CONFIG-SECRETS-002", "default key under any key name",
         _secret('superset-key: "thisISaSECRET_1234"'), "fail", subject=SECRET_SUBJECT,
         evidence=("key superset-key: the default key of Superset's Helm chart",)),
    *(Case("K8S-CONFIG-SECRETS-002", f"default password {value}",
           _secret(f'DB_PASSWORD: "{value}"'), "fail", subject=SECRET_SUBJECT,
           evidence=(f"key DB_PASSWORD: {label}",))
      for value, label in DEFAULT_PASSWORDS.items()),
    Case("K8S-CONFIG-SECRETS-002", "superset under a key that is no secret",
         _secret('DB_USER: "superset"'), "pass", subject=SECRET_SUBJECT),
    Case("K8S-CONFIG-SECRETS-002", "default password in a ConfigMap",
         _cm('REDIS_PASSWORD: "superset"'), "fail", subject=CM_SUBJECT,
         evidence=("key REDIS_PASSWORD: Superset's default database password",)),
    Case("K8S-CONFIG-SECRETS-002", "default key inside superset_config.py",
         _secret("superset_config.py: \"SECRET_KEY = 'thisISaSECRET_1234'\\n\""), "fail",
         subject=SECRET_SUBJECT, evidence=("key superset_config.py contains the default key "
                                           "of Superset's Helm chart",)),
    Case("K8S-CONFIG-SECRETS-002", "default key inside a script",
         _secret("init.sh: \"export SUPERSET_SECRET_KEY=TEST_NON_DEV_SECRET\\n\""), "fail",
         subject=SECRET_SUBJECT, evidence=("key init.sh contains the key from Superset's "
                                           "docker/.env",)),
    Case("K8S-CONFIG-SECRETS-002", "default key inside a file of another type",
         _secret("config.txt: \"key thisISaSECRET_1234\\n\""), "pass", subject=SECRET_SUBJECT),
    # The label, not the YAML spelling, names the case: a backslash in a test id comes back
    # doubled in a second pytest session of one process (pytest keeps the escaped ids of
    # ids= on the mark and escapes them again), so mutmut could not select the test.
    *(Case("K8S-CONFIG-SECRETS-002", f"admin/admin spelled {label}",
           _secret(f'init.sh: "superset fab create-admin --username admin {spelling} '
                   '--email a@b.c\\n"'),
           "fail", subject=SECRET_SUBJECT,
           evidence=("key init.sh: creates the admin user with password 'admin'",))
      for spelling, label in (("--password admin", "--password admin"),
                              ("--password=admin", "--password=admin"),
                              ("--password 'admin'", "--password 'admin'"),
                              ('--password \\"admin\\"', '--password "admin"'))),
    Case("K8S-CONFIG-SECRETS-002", "admin password at the end of the script",
         _secret('init.sh: "superset fab create-admin --password admin"'), "fail",
         subject=SECRET_SUBJECT,
         evidence=("key init.sh: creates the admin user with password 'admin'",)),
    *(Case("K8S-CONFIG-SECRETS-002", f"admin password {password}",
           _secret(f'init.sh: "superset fab create-admin --password {password}\\n"'), "pass",
           subject=SECRET_SUBJECT) for password in ("admin2", "admin-Xq7", "$ADMIN_PASSWORD")),
    Case("K8S-CONFIG-SECRETS-002", "default key in the pod spec",
         _literal("SUPERSET_SECRET_KEY", "thisISaSECRET_1234"), "fail", subject=WEB,
         evidence=("env SUPERSET_SECRET_KEY: the default key of Superset's Helm chart",),
         location=AT_WEB, message="a publicly known default secret is set in the pod spec"),
    Case("K8S-CONFIG-SECRETS-002", "two default values in the pod spec",
         _env(SECRETS, '- {name: SUPERSET_SECRET_KEY, value: "thisISaSECRET_1234"}',
              '- {name: DATABASE_PASSWORD, value: "superset"}'), "fail", subject=WEB,
         evidence=("env SUPERSET_SECRET_KEY: the default key of Superset's Helm chart",
                   "env DATABASE_PASSWORD: Superset's default database password")),
    Case("K8S-CONFIG-SECRETS-002", "default password in the pod spec",
         _literal("DATABASE_PASSWORD", "superset"), "fail", subject=WEB,
         evidence=("env DATABASE_PASSWORD: Superset's default database password",)),
    Case("K8S-CONFIG-SECRETS-002", "Secret generated from a file the audit lacks",
         {"kustomization.yaml": """\
             resources: [deployment.yaml]
             secretGenerator:
               - name: superset-env
                 namespace: bi
                 envs: [secret.env]
             """, "deployment.yaml": DEPLOYMENT},
         "skip", subject=None, message="which the audited files lack"),
]


# -- monitoring and logging ---------------------------------------------------------------
"""MONITORING-001 (web workloads): passes with a prometheus.io/scrape "true" pod
annotation, an exporter sidecar, a PodMonitor selecting the pods, or a ServiceMonitor
selecting a Service that selects them, in the monitor's namespace or one its
namespaceSelector names (any: true, matchNames); fails otherwise.
LOGGING-001 (app workloads): fails when a main container writes gunicorn or celery logs
to a file (--access-logfile, --error-logfile, --log-file, --logfile, as FLAG FILE or
FLAG=FILE) and no log shipper runs in the pod; "-" and /dev/stdout are stdout."""

MONITOR = """\
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: superset, namespace: bi}
spec:
  selector: {matchLabels: {app: superset}}
  endpoints: [{port: http}]
"""
MON = _tree(DEPLOYMENT, SERVICE, MONITOR)
BARE = _tree(DEPLOYMENT, SERVICE)
POD_LABELS = "    metadata: {labels: {app: superset}}\n"
SM_META = "kind: ServiceMonitor\nmetadata: {name: superset, namespace: bi}"
MONITORING = [
    Case("K8S-MONITORING-001", "ServiceMonitor via the Service", MON, "pass", subject=WEB,
         evidence=("ServiceMonitor superset via Service superset",), location=AT_WEB),
    Case("K8S-MONITORING-001", "nothing scrapes", BARE, "fail", subject=WEB,
         message="nothing scrapes its metrics", location=AT_WEB),
    Case("K8S-MONITORING-001", "scrape annotation",
         _with(BARE, POD_LABELS, "    metadata: {labels: {app: superset}, annotations: "
                                 "{prometheus.io/scrape: \"true\"}}\n"),
         "pass", subject=WEB, evidence=("annotation prometheus.io/scrape: true",)),
    Case("K8S-MONITORING-001", "scrape annotation false",
         _with(BARE, POD_LABELS, "    metadata: {labels: {app: superset}, annotations: "
                                 "{prometheus.io/scrape: \"false\"}}\n"),
         "fail", subject=WEB),
    Case("K8S-MONITORING-001", "statsd exporter sidecar",
         _with(BARE, "      containers:\n", "      containers:\n"
               "        - {name: statsd, image: prom/statsd-exporter:v0.26.0}\n"),
         "pass", subject=WEB, evidence=("exporter sidecar",)),
    Case("K8S-MONITORING-001", "PodMonitor",
         _with(MON, "kind: ServiceMonitor", "kind: PodMonitor"), "pass", subject=WEB,
         evidence=("PodMonitor superset",)),
    Case("K8S-MONITORING-001", "PodMonitor selecting other pods",
         _with(_with(MON, "kind: ServiceMonitor", "kind: PodMonitor"),
               "selector: {matchLabels: {app: superset}}\n  endpoints",
               "selector: {matchLabels: {app: other}}\n  endpoints"), "fail", subject=WEB),
    Case("K8S-MONITORING-001", "ServiceMonitor selecting another Service",
         _with(MON, "selector: {matchLabels: {app: superset}}\n  endpoints",
               "selector: {matchLabels: {app: other}}\n  endpoints"), "fail", subject=WEB),
    Case("K8S-MONITORING-001", "Service selecting other pods",
         _with(MON, "  selector: {app: superset}\n", "  selector: {app: other}\n"), "fail",
         subject=WEB),
    Case("K8S-MONITORING-001", "Service without a selector",
         _with(MON, "  selector: {app: superset}\n", ""), "fail", subject=WEB),
    Case("K8S-MONITORING-001", "ServiceMonitor in another namespace",
         _with(MON, SM_META, "kind: ServiceMonitor\nmetadata: "
               "{name: superset, namespace: monitoring}"),
         "fail", subject=WEB),
    Case("K8S-MONITORING-001", "namespaceSelector any",
         _with(MON, SM_META + "\nspec:", "kind: ServiceMonitor\nmetadata: "
               "{name: superset, namespace: monitoring}\nspec:\n  namespaceSelector: {any: true}"),
         "pass", subject=WEB, evidence=("ServiceMonitor superset via Service superset",)),
    Case("K8S-MONITORING-001", "namespaceSelector matchNames bi",
         _with(MON, SM_META + "\nspec:", "kind: ServiceMonitor\nmetadata: "
               "{name: superset, namespace: monitoring}\nspec:\n"
               "  namespaceSelector: {matchNames: [bi]}"),
         "pass", subject=WEB, evidence=("ServiceMonitor superset via Service superset",)),
    Case("K8S-MONITORING-001", "namespaceSelector matchNames of others only",
         _with(MON, SM_META + "\nspec:",
               SM_META + "\nspec:\n  namespaceSelector: {matchNames: [sales]}"),
         "fail", subject=WEB),
]

LOGS = _tree(DEPLOYMENT)
GUNICORN = '[gunicorn, -b, "0.0.0.0:8088", "superset.app:create_app()"]'


def _gunicorn(*flags: str) -> dict[str, str]:
    extra = "".join(f", {flag}" for flag in flags)
    return _run(LOGS, f'[gunicorn, -b, "0.0.0.0:8088"{extra}, "superset.app:create_app()"]')


LOGGING = [
    Case("K8S-LOGGING-001", "stdout", LOGS, "pass", subject=WEB,
         message="logs go to stdout", location=AT_WEB),
    *(Case("K8S-LOGGING-001", f"{flag} to a file", _gunicorn(flag, "/var/log/superset.log"),
           "fail", subject=WEB, evidence=(f"web: {flag} /var/log/superset.log",),
           location=AT_WEB, message="logs go to files inside the container")
      for flag in ("--access-logfile", "--error-logfile", "--log-file")),
    *(Case("K8S-LOGGING-001", f"{flag}=FILE", _gunicorn(f"{flag}=/var/log/superset.log"),
           "fail", subject=WEB, evidence=(f"web: {flag} /var/log/superset.log",))
      for flag in ("--access-logfile", "--error-logfile", "--log-file")),
    Case("K8S-LOGGING-001", "relative log file", _gunicorn("--access-logfile", "access.log"),
         "fail", subject=WEB, evidence=("web: --access-logfile access.log",)),
    *(Case("K8S-LOGGING-001", f"{flag} -", _gunicorn(flag, "-"), "pass", subject=WEB,
           message="logs go to stdout")
      for flag in ("--access-logfile", "--error-logfile", "--log-file")),
    Case("K8S-LOGGING-001", "--error-logfile /dev/stderr",
         _gunicorn("--error-logfile", "/dev/stderr"), "pass", subject=WEB),
    Case("K8S-LOGGING-001", "--access-logfile=/dev/stdout",
         _gunicorn("--access-logfile=/dev/stdout"), "pass", subject=WEB),
    Case("K8S-LOGGING-001", "through sh -c",
         _run(LOGS, '[sh, -c, "gunicorn --access-logfile /var/log/a.log '
                    'superset.app:create_app()"]'),
         "fail", subject=WEB, evidence=("web: --access-logfile /var/log/a.log",)),
    Case("K8S-LOGGING-001", "celery --logfile=FILE",
         _run(LOGS, "[celery, --app=superset.tasks.celery_app:app, worker, "
                    "--logfile=/var/log/worker.log]"),
         "fail", subject=WEB, evidence=("web: --logfile /var/log/worker.log",)),
    Case("K8S-LOGGING-001", "celery --logfile FILE",
         _run(LOGS, "[celery, --app=superset.tasks.celery_app:app, worker, "
                    "--logfile, /var/log/worker.log]"),
         "fail", subject=WEB, evidence=("web: --logfile /var/log/worker.log",)),
    Case("K8S-LOGGING-001", "file logs shipped by fluent-bit",
         _with(_gunicorn("--access-logfile", "/var/log/superset.log"), "      containers:\n",
               "      containers:\n        - {name: logs, image: fluent/fluent-bit:3.0}\n"),
         "pass", subject=WEB, evidence=("web: --access-logfile /var/log/superset.log",),
         message="file logs are shipped by a sidecar"),
]


# -- network -----------------------------------------------------------------------------
"""NETWORK-001 (app, database and Redis workloads): passes when a NetworkPolicy selecting
the pods restricts Ingress (policyTypes, or by default) and none selecting them admits
every peer (an ingress rule without from, or from every namespace); fails with no such
policy or an Egress-only one.
NETWORK-002 (Services): fails on NodePort or LoadBalancer unless the Service fronts only
proxy pods (the ingress controller); passes ClusterIP (the default) and names a route."""

POLICY = """\
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: superset, namespace: bi}
spec:
  podSelector: {matchLabels: {app: superset}}
  policyTypes: [Ingress]
  ingress:
    - from: [{podSelector: {matchLabels: {app: ingress}}}]
"""
NET = _tree(DEPLOYMENT, POLICY)
POLICY_TYPES = "  policyTypes: [Ingress]\n"
FROM = "    - from: [{podSelector: {matchLabels: {app: ingress}}}]\n"
POSTGRES = """\
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: postgres, namespace: bi}
spec:
  selector: {matchLabels: {app: postgres}}
  template:
    metadata: {labels: {app: postgres}}
    spec:
      containers: [{name: postgres, image: "postgres:16"}]
"""
NETWORK = [
    Case("K8S-NETWORK-001", "policy restricts ingress", NET, "pass", subject=WEB,
         message="NetworkPolicy superset restricts ingress to its pods", location=AT_WEB),
    Case("K8S-NETWORK-001", "no policy", _tree(DEPLOYMENT), "fail", subject=WEB,
         message="no NetworkPolicy restricts ingress to its pods", location=AT_WEB),
    Case("K8S-NETWORK-001", "policyTypes Egress only",
         _with(NET, POLICY_TYPES, "  policyTypes: [Egress]\n"), "fail", subject=WEB,
         evidence=("NetworkPolicy superset policyTypes: Egress",),
         message="has policyTypes [Egress] only"),
    Case("K8S-NETWORK-001", "policyTypes Ingress and Egress",
         _with(NET, POLICY_TYPES, "  policyTypes: [Ingress, Egress]\n"), "pass", subject=WEB),
    Case("K8S-NETWORK-001", "no policyTypes (Ingress by default)",
         _with(NET, POLICY_TYPES, ""), "pass", subject=WEB),
    Case("K8S-NETWORK-001", "no policyTypes, egress rules only (denies all ingress)",
         _with(_with(NET, POLICY_TYPES, ""), "  ingress:\n" + FROM,
               "  egress: [{to: [{podSelector: {}}]}]\n"), "pass", subject=WEB),
    Case("K8S-NETWORK-001", "policy selects other pods",
         _with(NET, "podSelector: {matchLabels: {app: superset}}",
               "podSelector: {matchLabels: {app: other}}"), "fail", subject=WEB),
    Case("K8S-NETWORK-001", "policy in another namespace",
         _with(NET, "metadata: {name: superset, namespace: bi}\nspec:\n  podSelector",
               "metadata: {name: superset, namespace: sales}\nspec:\n  podSelector"),
         "fail", subject=WEB),
    Case("K8S-NETWORK-001", "empty podSelector selects every pod",
         _with(NET, "podSelector: {matchLabels: {app: superset}}", "podSelector: {}"),
         "pass", subject=WEB),
    Case("K8S-NETWORK-001", "matchExpressions In",
         _with(NET, "podSelector: {matchLabels: {app: superset}}",
               "podSelector: {matchExpressions: [{key: app, operator: In, values: [superset]}]}"),
         "pass", subject=WEB),
    Case("K8S-NETWORK-001", "ingress rule without from admits everyone",
         _with(NET, FROM, "    - {}\n"), "fail", subject=WEB,
         evidence=("NetworkPolicy superset admits ingress from any pod",)),
    Case("K8S-NETWORK-001", "ingress rule with ports only admits everyone",
         _with(NET, FROM, "    - ports: [{port: 8088}]\n"), "fail", subject=WEB,
         evidence=("NetworkPolicy superset admits ingress from any pod",)),
    Case("K8S-NETWORK-001", "from every namespace admits everyone",
         _with(NET, FROM, "    - from: [{namespaceSelector: {}}]\n"), "fail", subject=WEB,
         evidence=("NetworkPolicy superset admits ingress from any pod",)),
    Case("K8S-NETWORK-001", "from one namespace",
         _with(NET, FROM, "    - from: [{namespaceSelector: {matchLabels: "
                          "{kubernetes.io/metadata.name: ingress-nginx}}}]\n"),
         "pass", subject=WEB),
    Case("K8S-NETWORK-001", "ingress pods of every namespace",
         _with(NET, FROM, "    - from: [{namespaceSelector: {}, podSelector: "
                          "{matchLabels: {app: ingress}}}]\n"),
         "pass", subject=WEB),
    Case("K8S-NETWORK-001", "a second policy admitting everyone",
         changed(NET, {"all.yaml": dedent(NET["all.yaml"]) + dedent(POLICY).replace(
             "name: superset,", "name: open,").replace(FROM, "    - {}\n")}),
         "fail", subject=WEB, evidence=("NetworkPolicy open admits ingress from any pod",)),
    Case("K8S-NETWORK-001", "database without a policy",
         _tree(DEPLOYMENT, POLICY, POSTGRES), "fail",
         subject="apps/v1/StatefulSet/bi/postgres", message="every pod in the cluster"),
]

SVC = _tree(DEPLOYMENT, SERVICE)
SVC_SUBJECT = "v1/Service/bi/superset"
PROXY = """\
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ingress-nginx, namespace: bi}
spec:
  selector: {matchLabels: {app: ingress}}
  template:
    metadata: {labels: {app: ingress}}
    spec:
      containers: [{name: controller, image: "registry.k8s.io/ingress-nginx/controller:v1.10.0"}]
---
apiVersion: v1
kind: Service
metadata: {name: ingress, namespace: bi}
spec:
  type: LoadBalancer
  selector: {app: ingress}
  ports: [{port: 443}]
"""
NETWORK += [
    Case("K8S-NETWORK-002", "ClusterIP by default", SVC, "pass", subject=SVC_SUBJECT,
         message="Service type ClusterIP", location=("all.yaml", 20)),
    Case("K8S-NETWORK-002", "ClusterIP written",
         _with(SVC, "  selector: {app: superset}\n",
               "  type: ClusterIP\n  selector: {app: superset}\n"), "pass", subject=SVC_SUBJECT),
    *(Case("K8S-NETWORK-002", kind, _with(SVC, "  selector: {app: superset}\n",
                                          f"  type: {kind}\n  selector: {{app: superset}}\n"),
           "fail", subject=SVC_SUBJECT, evidence=(f"spec.type = {kind}",),
           message=f"Service type {kind} exposes it outside the cluster",
           location=("all.yaml", 20)) for kind in ("NodePort", "LoadBalancer")),
    Case("K8S-NETWORK-002", "LoadBalancer of the ingress controller", _tree(DEPLOYMENT, PROXY),
         "pass", subject="v1/Service/bi/ingress", evidence=("spec.type = LoadBalancer",),
         message="fronts the proxy ingress-nginx, the way in"),
    Case("K8S-NETWORK-002", "LoadBalancer selecting no pods",
         _with(_tree(DEPLOYMENT, PROXY), "  selector: {app: ingress}\n  ports",
               "  selector: {app: nothing}\n  ports"),
         "fail", subject="v1/Service/bi/ingress", evidence=("spec.type = LoadBalancer",)),
]


# -- proxy TLS ---------------------------------------------------------------------------
"""PROXY-TLS-001 judges every route object, then each web workload by the routes whose
backend is a Service selecting its pods. A route passes when TLS is terminated for all its
hosts, fails without TLS (or with hosts left out of its tls section), and warns when TLS
depends on objects not audited (a missing Gateway, a Traefik entry point, an OpenShift
route that also serves plain HTTP). The web workload passes with a TLS route or a TLS
sidecar, fails when every route is plain HTTP or no route reaches it, warns when routes
point at Services that are not in the audit."""

INGRESS = """\
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: superset, namespace: bi}
spec:
  tls: [{hosts: [bi.example.com], secretName: superset-tls}]
  rules:
    - host: bi.example.com
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: superset, port: {number: 8088}}}}
"""
TLS = _tree(DEPLOYMENT, SERVICE, INGRESS)
ING = "networking.k8s.io/v1/Ingress/bi/superset"
TLS_LINE = "  tls: [{hosts: [bi.example.com], secretName: superset-tls}]\n"
PROXY_TLS = [
    Case("K8S-PROXY-TLS-001", "Ingress with tls (web)", TLS, "pass", subject=WEB,
         evidence=("Ingress superset",), message="TLS is terminated by Ingress superset",
         location=AT_WEB),
    Case("K8S-PROXY-TLS-001", "Ingress with tls (route)", TLS, "pass", subject=ING,
         evidence=("tls hosts: bi.example.com", "rule hosts: bi.example.com",
                   "secret superset-tls"),
         message="Ingress superset terminates TLS for bi.example.com", location=("all.yaml", 27)),
    Case("K8S-PROXY-TLS-001", "Ingress with tls for two hosts (route)",
         _with(TLS, "hosts: [bi.example.com]", "hosts: [bi.example.com, a.example.com]"),
         "pass", subject=ING, evidence=("tls hosts: a.example.com, bi.example.com",)),
    Case("K8S-PROXY-TLS-001", "Ingress without tls (route)", _with(TLS, TLS_LINE, ""), "fail",
         subject=ING, evidence=("tls hosts: -",), message="Ingress superset has no TLS"),
    Case("K8S-PROXY-TLS-001", "Ingress without tls (web)", _with(TLS, TLS_LINE, ""), "fail",
         subject=WEB, evidence=("Ingress superset",),
         message="every route to the web pods is plain HTTP"),
    Case("K8S-PROXY-TLS-001", "tls for another host",
         _with(TLS, "hosts: [bi.example.com]", "hosts: [www.example.com]"), "fail",
         subject=ING, message="hosts without TLS: bi.example.com"),
    Case("K8S-PROXY-TLS-001", "tls without hosts (default certificate)",
         _with(TLS, TLS_LINE, "  tls: [{secretName: superset-tls}]\n"), "pass", subject=ING,
         evidence=("tls hosts: -",)),
    Case("K8S-PROXY-TLS-001", "second rule host without tls",
         _with(TLS, "  rules:\n", "  rules:\n    - host: old.example.com\n"), "fail",
         subject=ING, message="hosts without TLS: old.example.com"),
    Case("K8S-PROXY-TLS-001", "legacy extensions Ingress with serviceName",
         _with(_with(TLS, "apiVersion: networking.k8s.io/v1\nkind: Ingress",
                     "apiVersion: extensions/v1beta1\nkind: Ingress"),
               "backend: {service: {name: superset, port: {number: 8088}}}",
               "backend: {serviceName: superset, servicePort: 8088}"),
         "pass", subject=WEB, message="TLS is terminated by Ingress superset"),
    Case("K8S-PROXY-TLS-001", "defaultBackend only",
         _with(TLS, "  rules:\n    - host: bi.example.com\n      http:\n        paths:\n"
                    "          - {path: /, pathType: Prefix, backend: {service: "
                    "{name: superset, port: {number: 8088}}}}\n",
               "  defaultBackend: {service: {name: superset, port: {number: 8088}}}\n"),
         "pass", subject=WEB, message="TLS is terminated by Ingress superset"),
    Case("K8S-PROXY-TLS-001", "no route at all", _tree(DEPLOYMENT, SERVICE), "fail",
         subject=WEB, message="no Ingress, Gateway, VirtualService, IngressRoute, HTTPProxy "
                              "or Route reaches the web pods", location=AT_WEB),
    Case("K8S-PROXY-TLS-001", "route to a Service not in the audit",
         _with(TLS, "{service: {name: superset,", "{service: {name: superset-web,"), "warn",
         subject=WEB, evidence=("Ingress superset",),
         message="1 route(s) send traffic to Services that are not among the audited objects"),
    Case("K8S-PROXY-TLS-001", "TLS sidecar",
         _with(_tree(DEPLOYMENT, SERVICE), "      containers:\n",
               "      containers:\n        - {name: envoy, image: \"envoyproxy/envoy:v1.30\", "
               "ports: [{containerPort: 8443}]}\n"),
         "pass", subject=WEB, message="TLS is terminated by a TLS sidecar in the pod",
         evidence=("container envoy (envoyproxy/envoy:v1.30) serves TLS on port 8443",)),
    Case("K8S-PROXY-TLS-001", "proxy sidecar on a plain port",
         _with(_tree(DEPLOYMENT, SERVICE), "      containers:\n",
               "      containers:\n        - {name: envoy, image: \"envoyproxy/envoy:v1.30\", "
               "ports: [{containerPort: 8080}]}\n"),
         "fail", subject=WEB, message="no Ingress, Gateway"),
]

HTTPROUTE = """\
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: superset, namespace: bi}
spec:
  parentRefs: [{name: public}]
  hostnames: [bi.example.com]
  rules: [{backendRefs: [{name: superset, port: 8088}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: public, namespace: bi}
spec:
  gatewayClassName: eg
  listeners:
    - {name: https, protocol: HTTPS, port: 443}
"""
GW = _tree(DEPLOYMENT, SERVICE, HTTPROUTE)
LISTENER = "    - {name: https, protocol: HTTPS, port: 443}\n"
ROUTE = "gateway.networking.k8s.io/v1/HTTPRoute/bi/superset"
BOTH = _with(GW, LISTENER, LISTENER + "    - {name: http, protocol: HTTP, port: 80}\n")
PROXY_TLS += [
    Case("K8S-PROXY-TLS-001", "Gateway API HTTPS listener", GW, "pass", subject=ROUTE,
         evidence=("Gateway public listener https (HTTPS 443)",),
         message="HTTPRoute superset terminates TLS for bi.example.com"),
    Case("K8S-PROXY-TLS-001", "Gateway API HTTPS listener (web)", GW, "pass", subject=WEB,
         message="TLS is terminated by HTTPRoute superset"),
    Case("K8S-PROXY-TLS-001", "Gateway API HTTP listener",
         _with(GW, LISTENER, "    - {name: http, protocol: HTTP, port: 80}\n"), "fail",
         subject=ROUTE, evidence=("Gateway public listener http (HTTP 80)",),
         message="HTTPRoute superset has no TLS"),
    *(Case("K8S-PROXY-TLS-001", f"Gateway API TLS listener {mode}",
           _with(GW, LISTENER, f"    - {{name: tls, protocol: TLS, port: 443, "
                               f"tls: {{mode: {mode}}}}}\n"), "pass", subject=ROUTE,
           evidence=(f"Gateway public listener tls (TLS 443) tls {mode}",))
      for mode in ("Terminate", "Passthrough")),
    Case("K8S-PROXY-TLS-001", "sectionName picks the HTTP listener",
         _with(_with(GW, LISTENER, LISTENER + "    - {name: http, protocol: HTTP, port: 80}\n"),
               "parentRefs: [{name: public}]", "parentRefs: [{name: public, sectionName: http}]"),
         "fail", subject=ROUTE, evidence=("Gateway public listener http (HTTP 80)",)),
    Case("K8S-PROXY-TLS-001", "Gateway API HTTP listener next to HTTPS", BOTH, "warn",
         subject=ROUTE, evidence=("Gateway public listener http (HTTP 80)",),
         message="HTTPRoute superset terminates TLS but also serves plain HTTP (Gateway "
                 "public listener http (HTTP 80))"),
    Case("K8S-PROXY-TLS-001", "Gateway API HTTP listener next to HTTPS (web)", BOTH, "warn",
         subject=WEB, evidence=("HTTPRoute superset: Gateway public listener http (HTTP 80)",),
         message="a route to the web pods serves plain HTTP next to TLS"),
    Case("K8S-PROXY-TLS-001", "Gateway API both listeners, route redirects to https",
         _with(BOTH, "rules: [{backendRefs: [{name: superset, port: 8088}]}]",
               "rules: [{filters: [{type: RequestRedirect, requestRedirect: {scheme: https}}], "
               "backendRefs: [{name: superset, port: 8088}]}]"), "pass", subject=ROUTE),
    Case("K8S-PROXY-TLS-001", "Gateway API both listeners, redirect to http",
         _with(BOTH, "rules: [{backendRefs: [{name: superset, port: 8088}]}]",
               "rules: [{filters: [{type: RequestRedirect, requestRedirect: {scheme: http}}], "
               "backendRefs: [{name: superset, port: 8088}]}]"), "warn", subject=ROUTE),
    Case("K8S-PROXY-TLS-001", "Gateway API both listeners, sectionName https",
         _with(BOTH, "parentRefs: [{name: public}]",
               "parentRefs: [{name: public, sectionName: https}]"), "pass", subject=WEB,
         message="TLS is terminated by HTTPRoute superset"),
    Case("K8S-PROXY-TLS-001", "Gateway not in the audit",
         _with(GW, "parentRefs: [{name: public}]", "parentRefs: [{name: shared}]"), "warn",
         subject=ROUTE, evidence=("Gateway bi/shared is not among the audited objects",)),
    Case("K8S-PROXY-TLS-001", "Gateway not in the audit (web)",
         _with(GW, "parentRefs: [{name: public}]", "parentRefs: [{name: shared}]"), "warn",
         subject=WEB, message="terminate TLS in configuration that is not among the audited"),
    Case("K8S-PROXY-TLS-001", "Gateway in another namespace",
         _with(_with(GW, "parentRefs: [{name: public}]",
                     "parentRefs: [{name: public, namespace: gateways}]"),
               "metadata: {name: public, namespace: bi}",
               "metadata: {name: public, namespace: gateways}"),
         "pass", subject=ROUTE, evidence=("Gateway public listener https (HTTPS 443)",)),
]

ISTIO = """\
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: superset, namespace: bi}
spec:
  hosts: [bi.example.com]
  gateways: [istio-system/public]
  http: [{route: [{destination: {host: superset, port: {number: 8088}}}]}]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: istio-system}
spec:
  servers:
    - {port: {number: 443, protocol: HTTPS}, tls: {mode: SIMPLE}, hosts: ["*"]}
"""
IST = _tree(DEPLOYMENT, SERVICE, ISTIO)
SERVER = "    - {port: {number: 443, protocol: HTTPS}, tls: {mode: SIMPLE}, hosts: [\"*\"]}\n"
VS = "networking.istio.io/v1/VirtualService/bi/superset"
IST_BOTH = _with(IST, SERVER,
                 SERVER + "    - {port: {number: 80, protocol: HTTP}, hosts: [\"*\"]}\n")
PROXY_TLS += [
    Case("K8S-PROXY-TLS-001", "Istio HTTPS server", IST, "pass", subject=VS,
         evidence=("Istio Gateway public port 443 HTTPS tls SIMPLE",),
         message="Istio VirtualService superset via Gateway istio-system/public terminates "
                 "TLS for bi.example.com"),
    Case("K8S-PROXY-TLS-001", "Istio HTTPS server (web)", IST, "pass", subject=WEB,
         message="TLS is terminated by Istio VirtualService superset"),
    Case("K8S-PROXY-TLS-001", "Istio HTTP server",
         _with(IST, SERVER, "    - {port: {number: 80, protocol: HTTP}, hosts: [\"*\"]}\n"),
         "fail", subject=VS, evidence=("Istio Gateway public port 80 HTTP",)),
    Case("K8S-PROXY-TLS-001", "Istio HTTP server redirecting to HTTPS",
         _with(IST, SERVER, "    - {port: {number: 80, protocol: HTTP}, "
                            "tls: {httpsRedirect: true}, hosts: [\"*\"]}\n"),
         "pass", subject=VS, evidence=("Istio Gateway public port 80 HTTP redirects to HTTPS",)),
    Case("K8S-PROXY-TLS-001", "Istio HTTP server next to HTTPS",
         IST_BOTH,
         "warn", subject=VS, evidence=("Istio Gateway public port 80 HTTP",),
         message="also serves plain HTTP (Istio Gateway public port 80 HTTP)"),
    Case("K8S-PROXY-TLS-001", "Istio HTTP server next to HTTPS (web)",
         IST_BOTH,
         "warn", subject=WEB, message="a route to the web pods serves plain HTTP next to TLS"),
    Case("K8S-PROXY-TLS-001", "Istio redirecting HTTP server next to HTTPS",
         _with(IST, SERVER, SERVER + "    - {port: {number: 80, protocol: HTTP}, "
                                     "tls: {httpsRedirect: true}, hosts: [\"*\"]}\n"),
         "pass", subject=WEB, message="TLS is terminated by Istio VirtualService superset"),
    Case("K8S-PROXY-TLS-001", "Istio ISTIO_MUTUAL server only",
         _with(IST, "tls: {mode: SIMPLE}", "tls: {mode: ISTIO_MUTUAL}"), "warn", subject=VS),
    Case("K8S-PROXY-TLS-001", "Istio mesh-only VirtualService",
         _with(IST, "gateways: [istio-system/public]", "gateways: [mesh]"), "fail",
         subject=WEB, message="no Ingress, Gateway"),
    Case("K8S-PROXY-TLS-001", "Istio destination by FQDN",
         _with(IST, "{host: superset,", "{host: superset.bi.svc.cluster.local,"), "pass",
         subject=WEB, message="TLS is terminated by Istio VirtualService superset"),
    Case("K8S-PROXY-TLS-001", "Istio Gateway not in the audit",
         _with(IST, "gateways: [istio-system/public]", "gateways: [istio-system/other]"),
         "warn", subject=VS,
         evidence=("Istio Gateway istio-system/other is not among the audited objects",)),
]

TRAEFIK = """\
---
apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata: {name: superset, namespace: bi}
spec:
  entryPoints: [websecure]
  routes: [{match: Host(`bi.example.com`), kind: Rule, services: [{name: superset, port: 8088}]}]
  tls: {certResolver: le}
"""
TRF = _tree(DEPLOYMENT, SERVICE, TRAEFIK)
IR = "traefik.io/v1alpha1/IngressRoute/bi/superset"
PROXY_TLS += [
    Case("K8S-PROXY-TLS-001", "Traefik spec.tls", TRF, "pass", subject=IR,
         evidence=("entryPoints: websecure", "spec.tls (secret le)"),
         message="Traefik IngressRoute superset terminates TLS"),
    Case("K8S-PROXY-TLS-001", "Traefik spec.tls (web)", TRF, "pass", subject=WEB),
    Case("K8S-PROXY-TLS-001", "Traefik containo.us group",
         _with(TRF, "apiVersion: traefik.io/v1alpha1", "apiVersion: traefik.containo.us/v1alpha1"),
         "pass", subject="traefik.containo.us/v1alpha1/IngressRoute/bi/superset"),
    Case("K8S-PROXY-TLS-001", "Traefik no tls on web",
         _with(_with(TRF, "  tls: {certResolver: le}\n", ""), "[websecure]", "[web]"), "fail",
         subject=IR, evidence=("entryPoints: web",), message="has no TLS"),
    Case("K8S-PROXY-TLS-001", "Traefik no tls on websecure",
         _with(TRF, "  tls: {certResolver: le}\n", ""), "warn", subject=IR,
         evidence=("no spec.tls: TLS depends on how entry point websecure is configured",)),
    Case("K8S-PROXY-TLS-001", "Traefik tls left empty (null) on web",
         _with(_with(TRF, "  tls: {certResolver: le}\n", "  tls:\n"), "[websecure]", "[web]"),
         "fail", subject=IR, evidence=("entryPoints: web",), message="has no TLS"),
    Case("K8S-PROXY-TLS-001", "Traefik empty tls",
         _with(TRF, "  tls: {certResolver: le}\n", "  tls: {}\n"), "pass", subject=IR,
         evidence=("spec.tls (default certificate)",)),
]

CONTOUR = """\
---
apiVersion: projectcontour.io/v1
kind: HTTPProxy
metadata: {name: superset, namespace: bi}
spec:
  virtualhost: {fqdn: bi.example.com, tls: {secretName: superset-tls}}
  routes: [{services: [{name: superset, port: 8088}]}]
"""
CTR = _tree(DEPLOYMENT, SERVICE, CONTOUR)
CONTOUR_ROOT = """\
apiVersion: projectcontour.io/v1
kind: HTTPProxy
metadata: {name: root, namespace: bi}
spec:
  virtualhost: {fqdn: bi.example.com, tls: {secretName: superset-tls}}
  includes: [{name: superset}]
"""
HP = "projectcontour.io/v1/HTTPProxy/bi/superset"
PROXY_TLS += [
    Case("K8S-PROXY-TLS-001", "Contour virtualhost tls", CTR, "pass", subject=HP,
         evidence=("virtualhost.tls.secretName superset-tls",),
         message="Contour HTTPProxy superset terminates TLS for bi.example.com"),
    Case("K8S-PROXY-TLS-001", "Contour virtualhost tls (web)", CTR, "pass", subject=WEB),
    Case("K8S-PROXY-TLS-001", "Contour no tls",
         _with(CTR, ", tls: {secretName: superset-tls}}", "}"), "fail", subject=HP,
         evidence=("no virtualhost.tls",)),
    Case("K8S-PROXY-TLS-001", "Contour passthrough",
         _with(CTR, "tls: {secretName: superset-tls}", "tls: {passthrough: true}"), "pass",
         subject=HP, evidence=("virtualhost.tls.passthrough",)),
    Case("K8S-PROXY-TLS-001", "Contour child without a root",
         _with(CTR, "  virtualhost: {fqdn: bi.example.com, tls: {secretName: superset-tls}}\n",
               ""), "warn", subject=HP,
         evidence=("no virtualhost and no root HTTPProxy including it among the objects",)),
    # A child proxy takes the virtual host and TLS of the root that includes it.
    Case("K8S-PROXY-TLS-001", "Contour child included by a root with tls",
         _with(CTR, "  virtualhost: {fqdn: bi.example.com, tls: {secretName: superset-tls}}\n",
               "") | {"root.yaml": CONTOUR_ROOT}, "pass", subject=HP,
         evidence=("virtualhost.tls.secretName superset-tls",),
         message="Contour HTTPProxy superset (included by root) terminates TLS for "
                 "bi.example.com"),
]

OPENSHIFT = """\
---
apiVersion: route.openshift.io/v1
kind: Route
metadata: {name: superset, namespace: bi}
spec:
  host: bi.example.com
  to: {kind: Service, name: superset}
  tls: {termination: edge, insecureEdgeTerminationPolicy: Redirect}
"""
OSR = _tree(DEPLOYMENT, SERVICE, OPENSHIFT)
RT = "route.openshift.io/v1/Route/bi/superset"
OS_TLS = "  tls: {termination: edge, insecureEdgeTerminationPolicy: Redirect}\n"
PROXY_TLS += [
    Case("K8S-PROXY-TLS-001", "OpenShift edge with redirect", OSR, "pass", subject=RT,
         evidence=("tls.termination edge", "insecureEdgeTerminationPolicy Redirect"),
         message="OpenShift Route superset terminates TLS for bi.example.com"),
    Case("K8S-PROXY-TLS-001", "OpenShift edge (web)", OSR, "pass", subject=WEB),
    *(Case("K8S-PROXY-TLS-001", f"OpenShift {termination}",
           _with(OSR, OS_TLS, f"  tls: {{termination: {termination}}}\n"), "pass", subject=RT,
           evidence=(f"tls.termination {termination}", "insecureEdgeTerminationPolicy None"))
      for termination in ("edge", "reencrypt", "passthrough")),
    Case("K8S-PROXY-TLS-001", "OpenShift edge allowing HTTP",
         _with(OSR, "Redirect", "Allow"), "warn", subject=RT,
         evidence=("insecureEdgeTerminationPolicy Allow",),
         message="OpenShift Route superset terminates TLS but also serves plain HTTP "
                 "(insecureEdgeTerminationPolicy Allow)"),
    Case("K8S-PROXY-TLS-001", "OpenShift edge allowing HTTP (web)",
         _with(OSR, "Redirect", "Allow"), "warn", subject=WEB,
         evidence=("OpenShift Route superset: insecureEdgeTerminationPolicy Allow",)),
    Case("K8S-PROXY-TLS-001", "OpenShift edge with policy None",
         _with(OSR, "Redirect", "None"), "pass", subject=WEB),
    Case("K8S-PROXY-TLS-001", "OpenShift without tls", _with(OSR, OS_TLS, ""), "fail",
         subject=RT, evidence=("no spec.tls",), message="OpenShift Route superset has no TLS"),
    Case("K8S-PROXY-TLS-001", "OpenShift without tls (web)", _with(OSR, OS_TLS, ""), "fail",
         subject=WEB, message="every route to the web pods is plain HTTP"),
    Case("K8S-PROXY-TLS-001", "OpenShift legacy v1 apiVersion",
         _with(OSR, "apiVersion: route.openshift.io/v1\nkind: Route",
               "apiVersion: v1\nkind: Route"),
         "pass", subject="v1/Route/bi/superset"),
]

CASES: list[Case] = [*ISOLATION, *APP_SECURITY, *CONFIG_SECRETS, *MONITORING, *LOGGING,
                     *NETWORK, *PROXY_TLS]

"""app-security: the web pods run Superset's production server, not debug settings."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.common import debugger
from auditor.checks.common.redact import redact
from auditor.checks.kubernetes.appconfig import pod_env
from auditor.checks.kubernetes.common import kube, result
from auditor.checks.kubernetes.objects import as_list, as_map
from auditor.checks.pip.facts import Launch
from auditor.checks.pip.shell import ShellState, launch_from_words, scan_script
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style

DEBUG_ENV = {"SUPERSET_ENV": ("development",), "FLASK_ENV": ("development",),
             "SUPERSET_LOAD_EXAMPLES": ("yes", "true", "1")}
# Flask's get_debug_flag: FLASK_DEBUG is on for any value but these (and empty), so
# "yes", "on" and "True" turn the reloader and debugger on as "1" does.
FLASK_DEBUG_OFF = frozenset({"", "0", "false", "no"})


def _debug_setting(name: str, value: str) -> bool:
    """Whether the env entry ``name=value`` turns on a development setting."""
    if name == "FLASK_DEBUG":
        return value.strip().lower() not in FLASK_DEBUG_OFF
    return value.lower() in DEBUG_ENV.get(name, ())


def _production(facts: Facts) -> Iterator[Result]:
    k = kube(facts)
    for web in k.role("web"):
        problems = []
        # envFrom and valueFrom (a ConfigMap or Secret): the container name is not known
        # for them, the object and key are; literal env entries are read per container.
        problems += [f"{value.source}: {name}={value.value}"
                     for name, value in pod_env(k, web).items()
                     if not value.source.startswith("env ") and _debug_setting(name, value.value)]
        for container in web.main_containers():
            text = container.command_text
            if "superset run" in text or "flask run" in text:
                problems.append(f"{container.name}: development server ({redact(text)[:60]})")
            for entry in as_list(container.spec.get("env")):
                name = str(as_map(entry).get("name") or "")
                value = str(as_map(entry).get("value") or "")
                if _debug_setting(name, value):
                    # The value as written: evidence quotes the input, not a normal form.
                    problems.append(f"{container.name}: {name}={value}")
        if problems:
            yield result(web, Status.FAIL, "development settings in the web pods", problems)
        else:
            yield result(web, Status.PASS, "production server, no debug settings")


def _launch(words: list[str], env: dict[str, str]) -> Launch | None:
    """The server a container starts, also through ``sh -c '...'`` (as the chart does)."""
    state = ShellState(env=dict(env))
    if len(words) > 2 and words[0].rsplit("/", 1)[-1] in ("sh", "bash") and "-c" in words[:3]:
        script = words[words.index("-c") + 1] if words.index("-c") + 1 < len(words) else ""
        found = [launch for launch in scan_script(script, "command", state) if launch.is_web]
        return found[0] if found else None
    return launch_from_words(words, False, "command", None, state)


def _debugger(facts: Facts) -> Iterator[Result]:
    k = kube(facts)
    for web in k.role("web"):
        on, reachable = [], []
        shared = {name: value.value for name, value in pod_env(k, web).items()
                  if not value.source.startswith("env ")}
        for container in web.main_containers():
            env = {**shared, **{str(e.get("name") or ""): str(e.get("value") or "")
                                for e in map(as_map, as_list(container.spec.get("env")))
                                if "value" in e}}
            words = [str(w) for w in (*as_list(container.spec.get("command")),
                                      *as_list(container.spec.get("args")))]
            launch = _launch(words, env)
            if launch is None or not debugger.reasons(launch):
                continue
            on.append(f"{container.name}: {' '.join(debugger.reasons(launch))}")
            # Pods reach each other's addresses (Services and Ingresses too) unless a
            # NetworkPolicy says otherwise: any bind beyond loopback is reachable.
            reachable += [f"{container.name}: {why}" for why in
                          debugger.reachable(launch.binds, ())]
        if reachable:
            yield result(web, Status.FAIL, "the Werkzeug debugger is on and reachable from "
                         f"other pods: {debugger.RISK}", on + reachable)
        elif on:
            yield result(web, Status.WARN, "the Werkzeug debugger is on but listens only on "
                         "the pod's loopback: any process in the pod can run code", on)
        else:
            yield result(web, Status.PASS, "no interactive debugger")


CHECKS = (
    Check(
        id="K8S-APP-SECURITY-001", style=Style.KUBERNETES, row=Row.APP_SECURITY,
        severity=Severity.HIGH, title="Web pods run the production server without debug settings",
        rationale="superset run / flask run, FLASK_DEBUG and SUPERSET_ENV=development enable "
                  "Werkzeug's debugger and reloader; example loading fills production with "
                  "demo data.",
        remediation="Run gunicorn (the image's run-server.sh) and remove FLASK_DEBUG, "
                    "SUPERSET_ENV=development and SUPERSET_LOAD_EXAMPLES.",
        success="production server", failure="development settings",
        requires=("kubernetes",), evaluate=_production,
    ),
    Check(
        id="K8S-APP-SECURITY-002", style=Style.KUBERNETES, row=Row.APP_SECURITY,
        severity=Severity.CRITICAL, title="The Werkzeug debugger is off in the web pods",
        rationale="'superset run'/'flask run' with --debugger or FLASK_DEBUG=1 serve "
                  "Werkzeug's interactive debugger: Python typed into its console runs in the "
                  "pod, behind a PIN that can be derived. Bound beyond the pod's loopback, "
                  "every pod in the cluster (and any Service or Ingress) reaches it.",
        remediation="Run gunicorn (the image's run-server.sh) and remove --debugger and "
                    "FLASK_DEBUG from the pod spec.",
        success="no debugger", failure="the debugger is on and reachable",
        references=("https://werkzeug.palletsprojects.com/en/latest/debug/",),
        requires=("kubernetes",), evaluate=_debugger,
    ),
)

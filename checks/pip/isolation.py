"""isolation: is the app isolated (virtualenv, non-root)?"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.pip.common import cmd, each_web, location, no_web, project, web_subject
from auditor.checks.pip.facts import Venv
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style

SYSTEM_PYTHON = ("/usr/bin/", "/bin/", "/usr/local/bin/")


def _same_venv(venvs: dict[str, Venv], used: str) -> Venv | None:
    """The project's virtualenv the command runs from. The command may name it by the path
    the project is deployed at (``/opt/superset/venv`` for the project's ``venv``), or
    relative to a folder below the project."""
    if used in venvs:
        return venvs[used]
    name = used.strip("/")
    for path, venv in venvs.items():
        if path.endswith("/" + name) or name.endswith("/" + path):
            return venv
    return None


def _venv(facts: Facts) -> Iterator[Result]:
    proj = project(facts)
    venvs = {v.path: v for v in proj.venvs}
    for proj, launch in each_web(facts):
        if launch is None:
            yield no_web(proj)
            continue
        subject = web_subject(proj, launch)
        evidence = [cmd(launch)]
        program = launch.program or ""
        if launch.venv is not None:
            venv = _same_venv(venvs, launch.venv)
            evidence.append(f"virtualenv {launch.venv}")
            if venv is not None and venv.system_site_packages:
                evidence.append("pyvenv.cfg: include-system-site-packages = true")
                yield Result(subject, Status.WARN,
                             "runs from a virtualenv that also sees the system's packages",
                             tuple(evidence), location(launch))
            else:
                yield Result(subject, Status.PASS, f"runs from the virtualenv {launch.venv}",
                             tuple(evidence), location(launch))
        elif program.startswith(SYSTEM_PYTHON):
            yield Result(subject, Status.FAIL,
                         f"runs with the system interpreter ({program})",
                         tuple(evidence), location(launch))
        elif venvs:
            yield Result(subject, Status.WARN,
                         f"a virtualenv exists ({', '.join(venvs)}) but the command runs "
                         f"{program or 'a bare program'} from PATH without activating it",
                         tuple(evidence), location(launch))
        else:
            yield Result(subject, Status.FAIL,
                         "no virtualenv: the app shares the system's Python packages",
                         tuple(evidence), location(launch))


def _user(facts: Facts) -> Iterator[Result]:
    for proj, launch in each_web(facts):
        if launch is None:
            yield no_web(proj)
            continue
        subject = web_subject(proj, launch)
        # gunicorn --user, uwsgi --uid: the workers that serve requests drop to that user,
        # whoever starts the master.
        user = launch.option("user") or launch.option("uid") or launch.user
        sudo = launch.argv[:1] == ("sudo",)
        if sudo or user in ("root", "0"):
            yield Result(subject, Status.FAIL, "the web server runs as root",
                         (cmd(launch), f"user: {user or 'root (sudo)'}"), location(launch))
        elif user:
            yield Result(subject, Status.PASS, f"runs as {user}", (cmd(launch),),
                         location(launch))
        else:
            yield Result(subject, Status.SKIP,
                         "the user is known only on a live host (scan 'host') or from "
                         "gunicorn --user", (cmd(launch),), location(launch))


CHECKS = (
    Check(
        id="PIP-ISOLATION-001",
        style=Style.PIP,
        row=Row.ISOLATION,
        severity=Severity.HIGH,
        title="The app runs from a virtualenv, not the system Python",
        rationale=(
            "Installing Superset's hundreds of dependencies into the system Python breaks "
            "system tools and other apps, and an OS upgrade can break Superset."
        ),
        remediation=(
            "python3 -m venv /opt/superset/venv; install with venv/bin/pip and start with "
            "venv/bin/gunicorn (or activate the venv in the start script)."
        ),
        success="started from its own virtualenv",
        failure="started with the system interpreter or without a virtualenv",
        references=("https://docs.python.org/3/library/venv.html",),
        evaluate=_venv,
    ),
    Check(
        id="PIP-ISOLATION-002",
        style=Style.PIP,
        row=Row.ISOLATION,
        severity=Severity.HIGH,
        title="The web server does not run as root",
        rationale=(
            "A web process running as root turns any code-execution flaw (template "
            "processing, a debugger, a vulnerable dependency) into full control of the host."
        ),
        remediation="Run Superset as a dedicated unprivileged user (useradd --system superset).",
        success="runs as an unprivileged user",
        failure="runs as root",
        evaluate=_user,
    ),
)

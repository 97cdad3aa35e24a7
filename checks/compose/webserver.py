"""Which HTTP server a Superset web service runs, from what its container starts.

The process is Compose's entrypoint/command, else the built image's ENTRYPOINT/CMD; the
scripts it starts are read from the project (:mod:`scripts`). Superset's own conventions
are known: ``docker-bootstrap.sh app`` is ``flask run --reload --debugger``,
``docker-bootstrap.sh app-gunicorn``, ``run-server.sh`` and ``docker-ci.sh`` start
gunicorn, and Superset's official image with no command runs ``run-server.sh``. Anything
else is judged only by what it is seen to run; when that cannot be seen (an image's own
command, a script that is not in the project, a script choosing a server at run time) the
server is unknown and no verdict claims gunicorn.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.checks.compose.common import safe_command
from auditor.checks.compose.facts import Service
from auditor.checks.compose.knownimages import image_of, known_image

FLASK_SERVER = ("flask run", "superset run", "--debugger")
DEV_KINDS = frozenset({"superset-run", "flask-run"})
PRODUCTION_KINDS = frozenset({"gunicorn", "uwsgi", "waitress"})
GUNICORN_SCRIPTS = ("run-server.sh", "docker-ci.sh")


@dataclass(frozen=True)
class Served:
    server: str
    """``dev`` (Flask's development server), ``production`` (gunicorn, uwsgi, waitress),
    ``reload`` (one of those with ``--reload``, a development setting), ``mixed`` (a script
    starts one or the other at run time) or ``unknown``."""
    what: str
    """``gunicorn``, ``superset run`` ...: for the message."""
    evidence: tuple[str, ...]
    attr: str | None
    """The Compose attribute the verdict points at (``command``), if any."""
    why: str = ""
    """For ``unknown``: what could not be seen."""


def served(service: Service) -> Served:
    command = service.command_text
    process = service.process
    attr = "command" if command else None
    evidence = [_shown(service)]
    evidence += [f"{launch.where}: {safe_command(launch.command)}"
                 for launch in service.launches[:4]]
    evidence += [f"not read: {item}" for item in service.unread_scripts[:2]]
    shown = tuple(evidence)
    argv = process.split()
    words = [w.strip("\"'").rsplit("/", 1)[-1] for w in argv]
    if any(w in process for w in FLASK_SERVER) or (
            "docker-bootstrap.sh" in words and words[-1] == "app"):
        return Served("dev", "Flask's development server", shown, attr)
    # gunicorn --reload is gunicorn with a development setting, not Flask's server.
    if "--reload" in words:
        return Served("reload" if "gunicorn" in words else "dev",
                      "gunicorn --reload" if "gunicorn" in words else
                      "Flask's development server", shown, attr)
    dev = [launch for launch in service.launches if launch.kind in DEV_KINDS]
    production = [launch for launch in service.launches if launch.kind in PRODUCTION_KINDS]
    reloading = [launch for launch in production if "--reload" in launch.command.split()]
    if dev and production:
        return Served("mixed", f"{_name(dev[0].kind)} or {production[0].kind}", shown, attr)
    if dev:
        return Served("dev", _name(dev[0].kind), shown, attr)
    if reloading:
        return Served("reload", f"{reloading[0].kind} --reload", shown, attr)
    if production:
        return Served("production", production[0].kind, shown, attr)
    if "gunicorn" in words or any(w in GUNICORN_SCRIPTS for w in words) or (
            "docker-bootstrap.sh" in words and words[-1] == "app-gunicorn"):
        return Served("production", "gunicorn", shown, attr)
    known = known_image(image_of(service))
    if not process and known is not None:
        return Served("production", known.server,
                      (f"the default command of {image_of(service)} "
                       f"({known.default_command})",), None)
    return Served("unknown", "", shown, attr, _unknown_why(service))


def _name(kind: str) -> str:
    """A development-server launch kind as its command is written (kind in DEV_KINDS)."""
    return {"superset-run": "superset run", "flask-run": "flask run"}[kind]


def _shown(service: Service) -> str:
    if service.command_text:
        return f"command: {safe_command(service.command_text)}"
    built = service.built
    instruction = (built.cmd or built.entrypoint) if built is not None else None
    if built is not None and instruction is not None:
        return f"{built.where(instruction)}: {safe_command(built.process())}"
    return f"image {service.image or '(built locally)'}: its own default command"


def _unknown_why(service: Service) -> str:
    if service.unread_scripts:
        return f"the script it starts could not be read ({service.unread_scripts[0]})"
    if service.launches:
        return "the scripts it starts launch no HTTP server the auditor recognises"
    if not service.process:
        what = service.image or "built here"
        return f"the image ({what}) starts its own default command, which is not visible " \
               "offline"
    return f"'{safe_command(service.process)}' is not a server the auditor recognises, and " \
           "no script it starts could be read from the project"

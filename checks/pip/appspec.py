"""Which application a server or Celery command runs, read from the command itself.

A process is Superset's web, worker or beat because of what it runs (``gunicorn
'superset.app:create_app()'``, ``superset run``, ``celery -A superset.tasks.celery_app:app``),
not because its unit, script or directory is named "superset" (a ``superset-exporter``
unit running ``gunicorn exporter:app`` is not Superset).
"""

from __future__ import annotations

from collections.abc import Sequence

from auditor.checks.pip.facts import Launch
from auditor.checks.pip.shell import VALUE_OPTIONS

_START = {"gunicorn": ("gunicorn",), "waitress": ("waitress-serve", "waitress"),
          "celery-worker": ("celery",), "celery-beat": ("celery",)}
# Options of servers and of celery's global parser that take a value, beyond VALUE_OPTIONS:
# their value is never the application.
_MORE_VALUES = frozenset({"--paste", "--worker-connections", "--backlog", "--keep-alive",
                          "--log-syslog-to", "--umask", "--group", "-g", "--name", "-n",
                          "--ident", "--workdir", "--broker", "-b", "--result-backend",
                          "--config", "--loader", "-Q", "--queues", "--hostname", "-P",
                          "--pool", "--pidfile", "--logfile", "-f", "--scheduler", "-S",
                          "--max-tasks-per-child", "--autoscale", "-O"})


def _positionals(kind: str, args: Sequence[str]) -> list[str]:
    takes_value = set(VALUE_OPTIONS.get(kind, {})) | _MORE_VALUES
    found: list[str] = []
    skip = False
    for word in args:
        if skip:
            skip = False
        elif word.startswith("-"):
            skip = "=" not in word and word in takes_value
        else:
            found.append(word)
    return found


def _after(argv: Sequence[str], names: Sequence[str]) -> list[str]:
    for i, word in enumerate(argv):
        if word.rsplit("/", 1)[-1] in names:
            return list(argv[i + 1:])
    return []


def application(launch: Launch) -> str | None:
    """The application as the command names it, or None when the command does not say
    (a gunicorn config file's ``wsgi_app``, a uwsgi ini file, a celery app from the
    environment or the working directory)."""
    kind = launch.kind
    if kind == "superset-run":
        return "superset"
    if kind == "flask-run":
        named = launch.option("app") or _option_anywhere(launch.argv, ("--app", "-A"))
        return named or launch.env.get("FLASK_APP") or None
    if kind in ("celery-worker", "celery-beat"):
        named = launch.option("app") or _option_anywhere(launch.argv, ("-A", "--app"))
        return named or launch.env.get("CELERY_APP") or None
    if kind == "uwsgi":
        # The command line, else the ini file's settings merged into the options.
        return _option_anywhere(launch.argv, ("--module", "-w", "--wsgi-file", "--wsgi",
                                              "--mount", "--file")) or (
            launch.option("module") or launch.option("wsgi-file") or launch.option("mount"))
    if kind in ("gunicorn", "waitress"):
        positional = _positionals(kind, _after(launch.argv, _START[kind]))
        return positional[-1] if positional else None
    return None


def _option_anywhere(argv: Sequence[str], names: Sequence[str]) -> str | None:
    """``-A app`` or ``--app=app`` wherever it stands (celery and flask take it before the
    sub-command too)."""
    for i, word in enumerate(argv):
        for name in names:
            if word == name and i + 1 < len(argv):
                return argv[i + 1]
            if name.startswith("--") and word.startswith(name + "="):
                return word.split("=", 1)[1]
            if not name.startswith("--") and word.startswith(name) and len(word) > len(name):
                return word[len(name):]
    return None


def runs_superset(launch: Launch) -> bool | None:
    """True or False when the command names its application, None when it does not."""
    app = application(launch)
    if app is None:
        return None
    return "superset" in app.lower()


def module_file(app: str) -> str | None:
    """The file a ``module:callable`` application lives in, relative to the working
    directory (``wsgi:app`` -> ``wsgi.py``), for a wrapper that may import Superset."""
    module = app.split(":", 1)[0].strip("'\"")
    if not module or not all(part.isidentifier() for part in module.split(".")):
        return None
    return module.replace(".", "/") + ".py"

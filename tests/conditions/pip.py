"""Per-condition cases for the pip checks (see tests/conditions/__init__.py).

``BASE`` is one project every pip check passes on: a virtualenv, pinned requirements,
secrets read from the environment, gunicorn (4 workers, loopback, recycled, unprivileged)
under supervisord with autorestart and bounded logs, nginx terminating TLS, a scheduled
off-host backup, Dependabot and a ``.git`` directory. Each failing or warning case changes
one thing in it (``replaced``: one occurrence of one string), so the case's condition is
the only difference from a passing tree.

Live facts (``PIP-RESOURCES-002``'s memory and disk, the listeners ``PIP-PROXY-TLS-001``
reads on a live host) cannot be written as files: their verdicts are unit tests in
tests/test_mutation_kills_pip.py.
"""

from __future__ import annotations

from conditions import Case, changed, replaced
from conditions.superset_loads import import_first

GUNICORN = ('venv/bin/gunicorn --workers 4 --bind 127.0.0.1:8088 --max-requests 1000 '
            '--user superset "superset.app:create_app()"')
GUNICORN_SHOWN = ("venv/bin/gunicorn --workers 4 --bind 127.0.0.1:8088 --max-requests 1000 "
                  "--user superset superset.app:create_app()")
"""The command as evidence (shlex-split and joined: the quotes are gone)."""

BASE: dict[str, str] = {
    ".git/HEAD": "ref: refs/heads/main\n",
    "venv/pyvenv.cfg": """
        home = /usr/bin
        include-system-site-packages = false
        version = 3.11.2
    """,
    "requirements.txt": """
        apache-superset==4.1.1
        psycopg2-binary==2.9.10
    """,
    "superset_config.py": """
        import os
        from superset.stats_logger import StatsdStatsLogger

        SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]
        SQLALCHEMY_DATABASE_URI = os.environ["DATABASE_URL"]
        SUPERSET_HOME = "/var/lib/superset"
        UPLOAD_FOLDER = "/var/lib/superset/uploads/"
        STATS_LOGGER = StatsdStatsLogger(host="127.0.0.1", port=8125)
    """,
    ".env": """
        DATABASE_URL=postgresql://superset@db.internal:5432/superset
    """,
    "supervisord.conf": f"""
        [program:superset]
        command={GUNICORN}
        autorestart=true
        stdout_logfile=/var/log/superset/web.log
    """,
    "nginx.conf": """
        server {
            listen 443 ssl;
            ssl_certificate /etc/ssl/superset.pem;
            location / {
                proxy_pass http://127.0.0.1:8088;
            }
        }
    """,
    "backup.sh": """
        pg_dump --file /var/backups/superset.dump superset
        rclone copy /var/backups/superset.dump offsite:backups/
    """,
    "crontab": """
        15 2 * * * /srv/superset/backup.sh
    """,
    ".github/dependabot.yml": "version: 2\n",
}

WEB = "web/gunicorn"
AT_PROGRAM = ("supervisord.conf", 1)


def command(new: str, base: dict[str, str] = BASE) -> dict[str, str]:
    """``base`` with the supervised web command replaced by ``new``."""
    return replaced(base, "supervisord.conf", GUNICORN, new)


def program(old: str, new: str) -> dict[str, str]:
    """``BASE`` with one line of the supervisor program changed."""
    return replaced(BASE, "supervisord.conf", old, new)


def script(text: str, base: dict[str, str] = BASE) -> dict[str, str]:
    """``base`` started by ``start.sh`` (``text``) instead of supervisord."""
    return changed(base, {"supervisord.conf": None, "start.sh": text})


def config(old: str, new: str, base: dict[str, str] = BASE) -> dict[str, str]:
    return replaced(base, "superset_config.py", old, new)


NO_WEB = changed(BASE, {"supervisord.conf": None})
"""No launch command at all: every check about the web process skips."""


def no_web(check: str) -> Case:
    return Case(check, "no web command", NO_WEB, "skip", subject="web",
                message="no command starting the web server was found")


# -- PIP-APP-SECURITY-001: fail for the development server (superset run, flask run, in
# any spelling: python -m, a path), warn for gunicorn --reload, pass otherwise; skip
# without a web command.
APP_SECURITY_001 = [
    Case("PIP-APP-SECURITY-001", "gunicorn", BASE, "pass", subject=WEB,
         evidence=(GUNICORN_SHOWN,), message="served by gunicorn", location=AT_PROGRAM),
    Case("PIP-APP-SECURITY-001", "uwsgi", command("venv/bin/uwsgi --http 127.0.0.1:8088 "
                                                  "--module superset.app:create_app()"),
         "pass", subject="web/uwsgi", message="served by uwsgi"),
    Case("PIP-APP-SECURITY-001", "waitress",
         command("venv/bin/waitress-serve --listen 127.0.0.1:8088 --call "
                 "superset.app:create_app"),
         "pass", subject="web/waitress", message="served by waitress"),
    Case("PIP-APP-SECURITY-001", "superset run", command("venv/bin/superset run -p 8088"),
         "fail", subject="web/superset-run", evidence=("venv/bin/superset run -p 8088",),
         message="served by the development server (superset-run)", location=AT_PROGRAM),
    Case("PIP-APP-SECURITY-001", "python -m superset run",
         command("venv/bin/python -m superset run -p 8088"), "fail",
         subject="web/superset-run", message="development server (superset-run)"),
    Case("PIP-APP-SECURITY-001", "flask run",
         command("venv/bin/flask --app superset.app:create_app run"), "fail",
         subject="web/flask-run", message="development server (flask-run)"),
    Case("PIP-APP-SECURITY-001", "gunicorn --reload",
         command(GUNICORN.replace("--user", "--reload --user")), "warn", subject=WEB,
         message="gunicorn runs with --reload, a development setting", location=AT_PROGRAM),
    no_web("PIP-APP-SECURITY-001"),
]

# -- PIP-APP-SECURITY-002: the Werkzeug debugger (superset/flask run with --debugger,
# --debug or FLASK_DEBUG=1/true/yes/on): fail when reachable (bound beyond loopback, or a
# proxy passes to its port), warn on loopback alone, pass without it.
DEV = "venv/bin/superset run -h 127.0.0.1 -p 9000"
NO_PROXY = changed(BASE, {"nginx.conf": None})
APP_SECURITY_002 = [
    Case("PIP-APP-SECURITY-002", "gunicorn", BASE, "pass", subject=WEB,
         message="no interactive debugger", location=AT_PROGRAM),
    Case("PIP-APP-SECURITY-002", "superset run without debugger",
         command(DEV, NO_PROXY), "pass", subject="web/superset-run",
         message="no interactive debugger"),
    Case("PIP-APP-SECURITY-002", "--debugger on loopback",
         command(DEV + " --debugger", NO_PROXY), "warn", subject="web/superset-run",
         evidence=("--debugger",), message="listens only on loopback", location=AT_PROGRAM),
    Case("PIP-APP-SECURITY-002", "--debug on loopback", command(DEV + " --debug", NO_PROXY),
         "warn", subject="web/superset-run", evidence=("--debug",)),
    *[Case("PIP-APP-SECURITY-002", f"FLASK_DEBUG={value}",
           changed(command(DEV, NO_PROXY), {".env": f"FLASK_DEBUG={value}\n"}), "warn",
           subject="web/superset-run", evidence=(f"FLASK_DEBUG={value}",))
      for value in ("1", "true", "yes", "on", "True")],
    Case("PIP-APP-SECURITY-002", "FLASK_DEBUG=0",
         changed(command(DEV, NO_PROXY), {".env": "FLASK_DEBUG=0\n"}), "pass",
         subject="web/superset-run"),
    Case("PIP-APP-SECURITY-002", "--debugger on all interfaces",
         command("venv/bin/superset run -h 0.0.0.0 -p 9000 --debugger", NO_PROXY), "fail",
         subject="web/superset-run", evidence=("listens on 0.0.0.0:9000, beyond loopback",),
         message="reachable from the network"),
    Case("PIP-APP-SECURITY-002", "--debugger on loopback behind nginx",
         command(DEV + " --debugger", replaced(BASE, "nginx.conf", "127.0.0.1:8088",
                                               "127.0.0.1:9000")),
         "fail", subject="web/superset-run", evidence=("--debugger", "nginx nginx.conf"),
         message="reachable from the network"),
    no_web("PIP-APP-SECURITY-002"),
]

# -- PIP-AVAILABILITY-001: two or more worker processes pass, one fails (gunicorn's default,
# uwsgi's default, the development server, waitress), an unreadable count skips.
AVAILABILITY = [
    Case("PIP-AVAILABILITY-001", "4 workers", BASE, "pass", subject=WEB,
         evidence=(GUNICORN_SHOWN, "worker processes: 4"), message="4 worker processes",
         location=AT_PROGRAM),
    Case("PIP-AVAILABILITY-001", "2 workers", program("--workers 4", "--workers 2"), "pass",
         subject=WEB, evidence=("worker processes: 2",), tags=("boundary",)),
    Case("PIP-AVAILABILITY-001", "1 worker", program("--workers 4", "--workers 1"), "fail",
         subject=WEB, evidence=("worker processes: 1",),
         message="gunicorn runs one process: when it dies the service is down",
         location=AT_PROGRAM, tags=("boundary",)),
    Case("PIP-AVAILABILITY-001", "-w3", program("--workers 4", "-w3"), "pass", subject=WEB,
         evidence=("worker processes: 3",), tags=("boundary",)),
    Case("PIP-AVAILABILITY-001", "--workers=2", program("--workers 4", "--workers=2"),
         "pass", subject=WEB, evidence=("worker processes: 2",)),
    Case("PIP-AVAILABILITY-001", "gunicorn default", program("--workers 4 ", ""), "fail",
         subject=WEB, evidence=("worker processes: 1",)),
    Case("PIP-AVAILABILITY-001", "WEB_CONCURRENCY=3",
         replaced(program("--workers 4 ", ""), "supervisord.conf", "autorestart=true",
                  "autorestart=true\nenvironment=WEB_CONCURRENCY=3"),
         "pass", subject=WEB, evidence=("worker processes: 3",)),
    Case("PIP-AVAILABILITY-001", "./gunicorn.conf.py workers",
         changed(program("--workers 4 ", ""), {"gunicorn.conf.py": "workers = 3\n"}), "pass",
         subject=WEB, evidence=("worker processes: 3",)),
    Case("PIP-AVAILABILITY-001", "gunicorn -c FILE workers",
         changed(program("--workers 4", "-c /opt/superset/deploy/gunicorn.py"),
                 {"gunicorn.py": "workers = 2\n"}),
         "pass", subject=WEB, evidence=("worker processes: 2",)),
    Case("PIP-AVAILABILITY-001", "gunicorn.conf.py workers = 1",
         changed(program("--workers 4 ", ""), {"gunicorn.conf.py": "workers = 1\n"}), "fail",
         subject=WEB, evidence=("worker processes: 1",)),
    Case("PIP-AVAILABILITY-001", "command line over gunicorn.conf.py",
         changed(BASE, {"gunicorn.conf.py": "workers = 1\n"}), "pass", subject=WEB,
         evidence=("worker processes: 4",)),
    Case("PIP-AVAILABILITY-001", "GUNICORN_CMD_ARGS",
         replaced(program("--workers 4 ", ""), "supervisord.conf", "autorestart=true",
                  'autorestart=true\nenvironment=GUNICORN_CMD_ARGS="--workers 3"'),
         "pass", subject=WEB, evidence=("worker processes: 3",)),
    Case("PIP-AVAILABILITY-001", "workers not a number", program("--workers 4", "--workers x"),
         "skip", subject=WEB, evidence=("worker processes: unknown",),
         message="worker count could not be determined"),
    Case("PIP-AVAILABILITY-001", "uwsgi --processes 2",
         command("venv/bin/uwsgi --http 127.0.0.1:8088 --processes 2 --module superset.app"),
         "pass", subject="web/uwsgi", evidence=("worker processes: 2",)),
    Case("PIP-AVAILABILITY-001", "uwsgi default",
         command("venv/bin/uwsgi --http 127.0.0.1:8088 --module superset.app"), "fail",
         subject="web/uwsgi", evidence=("worker processes: 1",),
         message="uwsgi runs one process"),
    Case("PIP-AVAILABILITY-001", "superset run", command("venv/bin/superset run -p 8088"),
         "fail", subject="web/superset-run", evidence=("worker processes: 1",)),
    no_web("PIP-AVAILABILITY-001"),
]

# -- PIP-SUPERVISION-001: supervisord with autorestart (true, unexpected, or unset, whose
# default is unexpected) passes; autorestart=false warns; a script fails, named "by hand"
# or "in the background" (nohup, &).
START = "venv/bin/gunicorn --workers 4 -b 127.0.0.1:8088 'superset.app:create_app()'\n"
SUPERVISION = [
    Case("PIP-SUPERVISION-001", "supervisord autorestart=true", BASE, "pass", subject=WEB,
         evidence=(GUNICORN_SHOWN,), message="run by supervisord with automatic restart",
         location=AT_PROGRAM),
    Case("PIP-SUPERVISION-001", "supervisord autorestart=unexpected",
         program("autorestart=true", "autorestart=unexpected"), "pass", subject=WEB),
    Case("PIP-SUPERVISION-001", "supervisord autorestart unset",
         program("autorestart=true\n", ""), "pass", subject=WEB),
    Case("PIP-SUPERVISION-001", "supervisord autorestart=false",
         program("autorestart=true", "autorestart=false"), "warn", subject=WEB,
         evidence=("autorestart is off",),
         message="run by supervisord but not restarted when it exits", location=AT_PROGRAM),
    Case("PIP-SUPERVISION-001", "script", script(START), "fail", subject=WEB,
         message="started by hand; nothing restarts it", location=("start.sh", 1)),
    Case("PIP-SUPERVISION-001", "script with nohup", script("nohup " + START), "fail",
         subject=WEB, message="started in the background with nohup/&"),
    Case("PIP-SUPERVISION-001", "script with &", script(START.rstrip("\n") + " &\n"), "fail",
         subject=WEB, message="started in the background with nohup/&"),
    no_web("PIP-SUPERVISION-001"),
]

# -- PIP-MONITORING-001: pass for STATS_LOGGER set to a real logger or gunicorn
# --statsd-host; warn for a metrics client in the requirements that nothing configures;
# fail otherwise (DummyStatsLogger, the default).
STATS = 'STATS_LOGGER = StatsdStatsLogger(host="127.0.0.1", port=8125)'
NO_STATS = config(STATS, "")
MONITORING = [
    Case("PIP-MONITORING-001", "StatsdStatsLogger", BASE, "pass", subject="metrics",
         evidence=("STATS_LOGGER = StatsdStatsLogger(...) at superset_config.py:8",),
         message="metrics are exported", location=("superset_config.py", 8)),
    Case("PIP-MONITORING-001", "gunicorn --statsd-host",
         replaced(NO_STATS, "supervisord.conf", "--user", "--statsd-host 127.0.0.1:8125 --user"),
         "pass", subject="metrics", evidence=("gunicorn --statsd-host at supervisord.conf:1",)),
    Case("PIP-MONITORING-001", "DummyStatsLogger",
         config(STATS, "STATS_LOGGER = DummyStatsLogger()"), "fail", subject="metrics",
         evidence=("STATS_LOGGER from superset_config.py:8",),
         message="no metrics are exported", location=("superset_config.py", 8)),
    Case("PIP-MONITORING-001", "STATS_LOGGER unset", NO_STATS, "fail", subject="metrics",
         evidence=("STATS_LOGGER from Superset default",), message="no metrics are exported"),
    *[Case("PIP-MONITORING-001", f"{name} installed, not configured",
           replaced(NO_STATS, "requirements.txt", "psycopg2-binary==2.9.10",
                    f"psycopg2-binary==2.9.10\n{name}==1.0"),
           "warn", subject="metrics", evidence=(f"{name} in requirements",),
           message="a metrics client is installed but Superset is not configured to use it")
      for name in ("statsd", "prometheus-client", "prometheus-flask-exporter",
                   "opentelemetry-sdk", "sentry-sdk", "datadog", "ddtrace")],
    Case("PIP-MONITORING-001", "prometheus_client spelled with _",
         replaced(NO_STATS, "requirements.txt", "psycopg2-binary==2.9.10",
                  "psycopg2-binary==2.9.10\nPrometheus_Client==0.21.0"),
         "warn", subject="metrics", evidence=("prometheus-client in requirements",)),
]

# -- PIP-LOGGING-001: pass for ENABLE_TIME_ROTATE = True, supervisord's bounded capture,
# gunicorn --log-config, or a log file with a logrotate rule; warn for a log file that
# nothing rotates (a redirect, --error-logfile, --access-logfile, supervisord with
# stdout_logfile_maxbytes=0); fail for output thrown away (/dev/null, supervisord's NONE)
# or left on the terminal.
LOGGING = [
    Case("PIP-LOGGING-001", "supervisord bounded capture", BASE, "pass", subject=WEB,
         evidence=(GUNICORN_SHOWN,), message="supervisord captures and rotates the output",
         location=AT_PROGRAM),
    Case("PIP-LOGGING-001", "ENABLE_TIME_ROTATE", changed(script(START), {
        "superset_config.py": "ENABLE_TIME_ROTATE = True\n"}), "pass", subject=WEB,
         evidence=("ENABLE_TIME_ROTATE = True at superset_config.py:1",),
         message="Superset rotates its log file by time"),
    Case("PIP-LOGGING-001", "ENABLE_TIME_ROTATE = False", changed(script(START), {
        "superset_config.py": "ENABLE_TIME_ROTATE = False\n"}), "fail", subject=WEB,
         message="output goes to the terminal that started it and is lost"),
    Case("PIP-LOGGING-001", "terminal", script(START), "fail", subject=WEB,
         evidence=("venv/bin/gunicorn --workers 4 -b 127.0.0.1:8088 superset.app:create_app()",),
         message="output goes to the terminal that started it and is lost",
         location=("start.sh", 1)),
    Case("PIP-LOGGING-001", "--log-config",
         script(START.replace("-b", "--log-config logging.ini -b")), "pass", subject=WEB,
         message="gunicorn logs through a logging config"),
    Case("PIP-LOGGING-001", "redirect to /dev/null",
         script(START.rstrip("\n") + " > /dev/null 2>&1\n"), "fail", subject=WEB,
         message="output is thrown away (/dev/null)"),
    Case("PIP-LOGGING-001", "redirect to a file",
         script(START.rstrip("\n") + " >> /var/log/superset.log 2>&1\n"), "warn", subject=WEB,
         message="written to /var/log/superset.log, which grows without bound"),
    Case("PIP-LOGGING-001", "redirect to a file with logrotate",
         changed(script(START.rstrip("\n") + " >> /var/log/superset.log 2>&1\n"),
                 {"logrotate/superset": "/var/log/superset.log {\n  daily\n}\n"}),
         "pass", subject=WEB, evidence=("logrotate/superset",),
         message="written to /var/log/superset.log and rotated"),
    Case("PIP-LOGGING-001", "--error-logfile",
         script(START.replace("-b", "--error-logfile /var/log/err.log -b")), "warn",
         subject=WEB, message="written to /var/log/err.log, which grows without bound"),
    Case("PIP-LOGGING-001", "--access-logfile",
         script(START.replace("-b", "--access-logfile /var/log/access.log -b")), "warn",
         subject=WEB, message="written to /var/log/access.log, which grows without bound"),
    Case("PIP-LOGGING-001", "--access-logfile - (stdout)",
         script(START.replace("-b", "--access-logfile - -b")), "fail", subject=WEB,
         message="output goes to the terminal that started it and is lost"),
    Case("PIP-LOGGING-001", "nohup.out", script("nohup " + START), "warn", subject=WEB,
         message="written to nohup.out, which grows without bound"),
    Case("PIP-LOGGING-001", "supervisord stdout_logfile_maxbytes=0",
         program("stdout_logfile=/var/log/superset/web.log",
                 "stdout_logfile=/var/log/superset/web.log\nstdout_logfile_maxbytes=0"),
         "warn", subject=WEB,
         message="written to /var/log/superset/web.log, which grows without bound"),
    Case("PIP-LOGGING-001", "supervisord stdout_logfile=/dev/null",
         program("stdout_logfile=/var/log/superset/web.log", "stdout_logfile=/dev/null"),
         "fail", subject=WEB, message="output is thrown away (/dev/null)"),
    Case("PIP-LOGGING-001", "supervisord stdout_logfile=NONE",
         program("stdout_logfile=/var/log/superset/web.log", "stdout_logfile=NONE"),
         "fail", subject=WEB, message="output is thrown away (NONE)"),
    no_web("PIP-LOGGING-001"),
]

# -- PIP-ROLLBACK-001: pass when a lock file exists or every requirement is pinned with
# == or === (extras, markers, hashes, nested -r files, a URL at a commit); fail for any
# other specifier (>=, ~=, a wildcard, none) or no requirements at all.
PIN = "apache-superset==4.1.1"
ROLLBACK = [
    Case("PIP-ROLLBACK-001", "all pinned", BASE, "pass", subject="dependencies",
         evidence=("requirements.txt",), message="all 2 requirements pinned to exact versions",
         location=("requirements.txt", None)),
    *[Case("PIP-ROLLBACK-001", f"lock file {name}",
           changed(replaced(BASE, "requirements.txt", PIN, "apache-superset>=4"),
                   {name: "# lock\n"}),
           "pass", subject="dependencies", evidence=(f"lock file {name}",),
           message="a lock file records exact versions")
      for name in ("poetry.lock", "uv.lock", "Pipfile.lock", "pdm.lock", "requirements.lock")],
    *[Case("PIP-ROLLBACK-001", f"pinned as {spec}",
           replaced(BASE, "requirements.txt", PIN, spec), "pass", subject="dependencies",
           message="all 2 requirements pinned")
      for spec in ("apache-superset[postgres]==4.1.1", "apache-superset===4.1.1",
                   "apache-superset == 4.1.1", "apache-superset==4.1.1 ; python_version >= '3.9'",
                   "apache-superset==4.1.1 --hash=sha256:" + "a" * 64,
                   "apache-superset @ https://example.com/a.whl#sha256=" + "b" * 64,
                   "apache-superset @ git+https://github.com/apache/superset@" + "c" * 40)],
    *[Case("PIP-ROLLBACK-001", f"loose {spec}",
           replaced(BASE, "requirements.txt", PIN, spec), "fail", subject="dependencies",
           evidence=(f"requirements.txt:1: {spec}",),
           message="1 of 2 requirements are not pinned with ==",
           location=("requirements.txt", 1))
      for spec in ("apache-superset>=4.1", "apache-superset~=4.1", "apache-superset==4.1.*",
                   "apache-superset", "apache-superset<5",
                   "apache-superset @ git+https://github.com/apache/superset@master")],
    Case("PIP-ROLLBACK-001", "loose in a nested -r file",
         changed(BASE, {"requirements.txt": "-r requirements/base.txt\n",
                        "requirements/base.txt": "apache-superset\n"}),
         "fail", subject="dependencies", evidence=("requirements/base.txt:1: apache-superset",),
         location=("requirements/base.txt", 1)),
    Case("PIP-ROLLBACK-001", "no requirements", changed(BASE, {"requirements.txt": None}),
         "fail", subject="dependencies",
         evidence=("looked for requirements*.txt, constraints*.txt and lock files",),
         message="no requirements or lock file"),
    Case("PIP-ROLLBACK-001", "requirements.in compiled into requirements.txt",
         changed(BASE, {"requirements.in": "apache-superset>=4\n"}), "pass",
         subject="dependencies", message="all 2 requirements pinned"),
    Case("PIP-ROLLBACK-001", "requirements.in without its compiled file",
         changed(BASE, {"requirements.txt": None, "requirements.in": "apache-superset>=4\n"}),
         "fail", subject="dependencies", evidence=("requirements.in:1: apache-superset>=4",)),
]

# -- PIP-ISOLATION-001: pass for a command run from a virtualenv (its bin/ path, or after
# sourcing bin/activate); warn for a virtualenv with include-system-site-packages = true,
# or a virtualenv the command does not use; fail for the system interpreter (/usr/bin,
# /bin, /usr/local/bin) or no virtualenv at all.
SITE = "include-system-site-packages = false"
ISOLATION_001 = [
    Case("PIP-ISOLATION-001", "venv/bin/gunicorn", BASE, "pass", subject=WEB,
         evidence=(GUNICORN_SHOWN, "virtualenv venv"),
         message="runs from the virtualenv venv", location=AT_PROGRAM),
    Case("PIP-ISOLATION-001", "source venv/bin/activate",
         script("source venv/bin/activate\ngunicorn -w 4 'superset.app:create_app()'\n"),
         "pass", subject=WEB, evidence=("virtualenv venv",)),
    Case("PIP-ISOLATION-001", "system site packages",
         replaced(BASE, "venv/pyvenv.cfg", SITE, "include-system-site-packages = true"),
         "warn", subject=WEB,
         evidence=("pyvenv.cfg: include-system-site-packages = true", "virtualenv venv"),
         message="runs from a virtualenv that also sees the system's packages"),
    Case("PIP-ISOLATION-001", "system site packages, venv by absolute path",
         command("/opt/superset/venv/bin/gunicorn -w 4 'superset.app:create_app()'",
                 replaced(BASE, "venv/pyvenv.cfg", SITE, "include-system-site-packages = true")),
         "warn", subject=WEB, evidence=("virtualenv /opt/superset/venv",),
         message="runs from a virtualenv that also sees the system's packages"),
    Case("PIP-ISOLATION-001", "venv unused", command("gunicorn -w 4 superset.app:create_app()"),
         "warn", subject=WEB,
         message="a virtualenv exists (venv) but the command runs gunicorn from PATH"),
    *[Case("PIP-ISOLATION-001", f"system interpreter {prefix}",
           command(f"{prefix}python3 -m gunicorn -w 4 superset.app:create_app()"), "fail",
           subject=WEB, message=f"runs with the system interpreter ({prefix}python3)")
      for prefix in ("/usr/bin/", "/bin/", "/usr/local/bin/")],
    Case("PIP-ISOLATION-001", "no virtualenv",
         command("gunicorn -w 4 superset.app:create_app()",
                 changed(BASE, {"venv/pyvenv.cfg": None})),
         "fail", subject=WEB,
         message="no virtualenv: the app shares the system's Python packages"),
    no_web("PIP-ISOLATION-001"),
]

# -- PIP-ISOLATION-002: fail for root (sudo, --user root or 0), pass for a named user,
# skip when the command does not say.
ISOLATION_002 = [
    Case("PIP-ISOLATION-002", "--user superset", BASE, "pass", subject=WEB,
         evidence=(GUNICORN_SHOWN,), message="runs as superset", location=AT_PROGRAM),
    Case("PIP-ISOLATION-002", "-u superset", program("--user superset", "-u superset"),
         "pass", subject=WEB, message="runs as superset"),
    Case("PIP-ISOLATION-002", "--user root", program("--user superset", "--user root"),
         "fail", subject=WEB, evidence=("user: root",), message="the web server runs as root",
         location=AT_PROGRAM),
    Case("PIP-ISOLATION-002", "--user 0", program("--user superset", "--user 0"), "fail",
         subject=WEB, evidence=("user: 0",)),
    Case("PIP-ISOLATION-002", "sudo", script("sudo venv/bin/gunicorn -w 4 "
                                             "'superset.app:create_app()'\n"),
         "fail", subject=WEB, evidence=("user: root (sudo)",),
         message="the web server runs as root"),
    Case("PIP-ISOLATION-002", "no user", program(" --user superset", ""), "skip", subject=WEB,
         message="the user is known only on a live host"),
    Case("PIP-ISOLATION-002", "supervisord user=superset",
         replaced(program(" --user superset", ""), "supervisord.conf", "autorestart=true",
                  "autorestart=true\nuser=superset"),
         "pass", subject=WEB, message="runs as superset"),
    Case("PIP-ISOLATION-002", "supervisord user=root",
         replaced(program(" --user superset", ""), "supervisord.conf", "autorestart=true",
                  "autorestart=true\nuser=root"),
         "fail", subject=WEB, evidence=("user: root",), message="the web server runs as root"),
    Case("PIP-ISOLATION-002", "supervisord user=root, gunicorn --user superset",
         program("autorestart=true", "autorestart=true\nuser=root"), "pass", subject=WEB,
         message="runs as superset"),
    Case("PIP-ISOLATION-002", "uwsgi --uid",
         command("venv/bin/uwsgi --http 127.0.0.1:8088 --uid superset --module superset.app"),
         "pass", subject="web/uwsgi", message="runs as superset"),
    Case("PIP-ISOLATION-002", "gunicorn.conf.py user",
         changed(program(" --user superset", ""), {"gunicorn.conf.py": 'user = "root"\n'}),
         "fail", subject=WEB, evidence=("user: root",)),
    no_web("PIP-ISOLATION-002"),
]

# -- PIP-RESOURCES-001: pass when workers are recycled (gunicorn --max-requests, uwsgi
# --max-requests, --limit-as, --reload-on-rss), fail otherwise; 0 disables gunicorn's
# --max-requests, so it bounds nothing.
RESOURCES_001 = [
    Case("PIP-RESOURCES-001", "--max-requests", BASE, "pass", subject=WEB,
         evidence=(GUNICORN_SHOWN, "--max-requests 1000"),
         message="worker memory is bounded by recycling", location=AT_PROGRAM),
    Case("PIP-RESOURCES-001", "--max-requests=1", program("--max-requests 1000",
                                                          "--max-requests=1"),
         "pass", subject=WEB, evidence=("--max-requests 1",), tags=("boundary",)),
    Case("PIP-RESOURCES-001", "--max-requests 0", program("--max-requests 1000",
                                                          "--max-requests 0"),
         "fail", subject=WEB, message="gunicorn workers live forever", tags=("boundary",)),
    Case("PIP-RESOURCES-001", "no recycling", program(" --max-requests 1000", ""), "fail",
         subject=WEB, evidence=(GUNICORN_SHOWN.replace(" --max-requests 1000", ""),),
         message="gunicorn workers live forever: memory grows until the kernel kills a "
                 "process", location=AT_PROGRAM),
    Case("PIP-RESOURCES-001", "gunicorn.conf.py max_requests",
         changed(program(" --max-requests 1000", ""), {"gunicorn.conf.py": "max_requests = 800\n"}),
         "pass", subject=WEB, evidence=("--max-requests 800",)),
    Case("PIP-RESOURCES-001", "--max-requests-jitter alone",
         program("--max-requests 1000", "--max-requests-jitter 100"), "fail", subject=WEB),
    *[Case("PIP-RESOURCES-001", f"uwsgi {option}",
           command(f"venv/bin/uwsgi --http 127.0.0.1:8088 {option} 512 --module superset.app"),
           "pass", subject="web/uwsgi", evidence=(f"{option} 512",))
      for option in ("--max-requests", "--limit-as", "--reload-on-rss")],
    Case("PIP-RESOURCES-001", "uwsgi without a bound",
         command("venv/bin/uwsgi --http 127.0.0.1:8088 --module superset.app"), "fail",
         subject="web/uwsgi", message="uwsgi workers live forever"),
    no_web("PIP-RESOURCES-001"),
]

# -- PIP-RESOURCES-002: measured on a live host only; a directory skips (the verdicts on
# memory and disk are unit tests).
RESOURCES_002 = [
    Case("PIP-RESOURCES-002", "no live host", BASE, "skip", subject="host",
         message="memory and disk are measured only on a live host"),
]

# -- PIP-LOAD-BALANCING-001: pass for two or more gunicorn workers or a proxy spreading
# over two or more distinct upstreams; fail for one process.
TWO_UPSTREAMS = replaced(BASE, "nginx.conf", "proxy_pass http://127.0.0.1:8088;",
                         "proxy_pass http://127.0.0.1:8088;\n}\nlocation /b {\n"
                         "    proxy_pass http://10.0.0.2:8088;")
LOAD_BALANCING = [
    Case("PIP-LOAD-BALANCING-001", "4 workers", BASE, "pass", subject=WEB,
         evidence=(GUNICORN_SHOWN, "worker processes: 4"),
         message="gunicorn spreads requests over 4 workers on one host", location=AT_PROGRAM),
    Case("PIP-LOAD-BALANCING-001", "2 workers", program("--workers 4", "--workers 2"), "pass",
         subject=WEB, evidence=("worker processes: 2",), tags=("boundary",)),
    Case("PIP-LOAD-BALANCING-001", "1 worker", program("--workers 4", "--workers 1"), "fail",
         subject=WEB, evidence=("worker processes: 1",),
         message="one process serves every request", location=AT_PROGRAM,
         tags=("boundary",)),
    Case("PIP-LOAD-BALANCING-001", "unknown workers count as one",
         program("--workers 4", "--workers x"), "fail", subject=WEB,
         evidence=("worker processes: 1",)),
    Case("PIP-LOAD-BALANCING-001", "1 worker, 2 upstreams",
         replaced(TWO_UPSTREAMS, "supervisord.conf", "--workers 4", "--workers 1"), "pass",
         subject=WEB, evidence=("proxy upstreams: 10.0.0.2:8088, 127.0.0.1:8088",),
         message="a proxy spreads traffic over 2 upstreams"),
    Case("PIP-LOAD-BALANCING-001", "1 worker, one upstream twice",
         replaced(replaced(TWO_UPSTREAMS, "nginx.conf", "http://10.0.0.2:8088",
                           "http://127.0.0.1:8088/b/"),
                  "supervisord.conf", "--workers 4", "--workers 1"),
         "fail", subject=WEB, message="one process serves every request"),
    no_web("PIP-LOAD-BALANCING-001"),
]

# -- PIP-PROXY-TLS-001: pass for a proxy with TLS (nginx listen ... ssl or
# ssl_certificate, Caddy with automatic HTTPS, HAProxy ssl crt); fail for a proxy over
# plain HTTP or nothing at all; warn for the server terminating TLS itself (gunicorn
# --certfile, superset run --cert); skip with no web command and no proxy.
NGINX = BASE["nginx.conf"]
PROXY_TLS = [
    Case("PIP-PROXY-TLS-001", "nginx listen ssl", BASE, "pass", subject="proxy",
         evidence=("nginx: nginx.conf",), message="nginx terminates TLS in front of the app",
         location=("nginx.conf", None)),
    Case("PIP-PROXY-TLS-001", "nginx ssl_certificate alone",
         replaced(BASE, "nginx.conf", "listen 443 ssl;", "listen 443;"), "pass",
         subject="proxy", evidence=("nginx: nginx.conf",)),
    Case("PIP-PROXY-TLS-001", "nginx listen ssl alone",
         replaced(BASE, "nginx.conf", "ssl_certificate /etc/ssl/superset.pem;", ""), "pass",
         subject="proxy"),
    Case("PIP-PROXY-TLS-001", "nginx plain http",
         replaced(replaced(BASE, "nginx.conf", "listen 443 ssl;", "listen 80;"), "nginx.conf",
                  "ssl_certificate /etc/ssl/superset.pem;", ""),
         "fail", subject="proxy", evidence=("nginx: nginx.conf",),
         message="nginx fronts the app over plain HTTP (no TLS)",
         location=("nginx.conf", None)),
    Case("PIP-PROXY-TLS-001", "nginx in a sites file",
         changed(BASE, {"nginx.conf": None, "deploy/nginx-superset.conf": NGINX}), "pass",
         subject="proxy", evidence=("nginx: deploy/nginx-superset.conf",)),
    Case("PIP-PROXY-TLS-001", "Caddy automatic HTTPS",
         changed(BASE, {"nginx.conf": None,
                        "Caddyfile": "superset.example.com {\n"
                                     "    reverse_proxy 127.0.0.1:8088\n}\n"}),
         "pass", subject="proxy", evidence=("caddy: Caddyfile",),
         message="caddy terminates TLS", location=("Caddyfile", None)),
    Case("PIP-PROXY-TLS-001", "Caddy http://",
         changed(BASE, {"nginx.conf": None,
                        "Caddyfile": "http://superset.example.com {\n"
                                     "    reverse_proxy 127.0.0.1:8088\n}\n"}),
         "fail", subject="proxy", evidence=("caddy: Caddyfile",),
         message="caddy fronts the app over plain HTTP"),
    Case("PIP-PROXY-TLS-001", "Caddy :80",
         changed(BASE, {"nginx.conf": None,
                        "Caddyfile": ":80 {\n    reverse_proxy 127.0.0.1:8088\n}\n"}),
         "fail", subject="proxy", message="caddy fronts the app over plain HTTP"),
    Case("PIP-PROXY-TLS-001", "HAProxy ssl crt",
         changed(BASE, {"nginx.conf": None,
                        "haproxy.cfg": "frontend www\n    bind :443 ssl crt /etc/ssl/s.pem\n"}),
         "pass", subject="proxy", evidence=("haproxy: haproxy.cfg",)),
    Case("PIP-PROXY-TLS-001", "HAProxy plain",
         changed(BASE, {"nginx.conf": None, "haproxy.cfg": "frontend www\n    bind :80\n"}),
         "fail", subject="proxy", message="haproxy fronts the app over plain HTTP"),
    Case("PIP-PROXY-TLS-001", "gunicorn --certfile", command(
        GUNICORN.replace("--user", "--certfile /etc/ssl/s.pem --user"), NO_PROXY),
         "warn", subject="proxy", evidence=("--certfile/--cert at supervisord.conf:1",),
         message="gunicorn terminates TLS itself, with no proxy in front",
         location=AT_PROGRAM),
    Case("PIP-PROXY-TLS-001", "superset run --cert",
         command("venv/bin/superset run -p 8088 --cert s.pem --key s.key", NO_PROXY),
         "warn", subject="proxy", message="superset-run terminates TLS itself"),
    Case("PIP-PROXY-TLS-001", "no proxy", NO_PROXY, "fail", subject="proxy",
         evidence=("no nginx, Caddy or HAProxy configuration found",),
         message="no reverse proxy and no TLS"),
    Case("PIP-PROXY-TLS-001", "no proxy, no web command",
         changed(NO_PROXY, {"supervisord.conf": None}), "skip", subject="web"),
]

# -- PIP-STORAGE-001: one finding per setting (SUPERSET_HOME, SQLALCHEMY_DATABASE_URI,
# UPLOAD_FOLDER): fail on temporary storage (/tmp, /var/tmp, /dev/shm, /run, the folder
# itself or below, a sqlite file there, an in-memory sqlite database); pass on a network
# service or persistent disk; skip when the value is unknown.
HOME = 'SUPERSET_HOME = "/var/lib/superset"'
STORAGE = [
    Case("PIP-STORAGE-001", "SUPERSET_HOME persistent", BASE, "pass", subject="SUPERSET_HOME",
         evidence=("from superset_config.py:6",), message="SUPERSET_HOME is on persistent "
         "local disk", location=("superset_config.py", 6)),
    Case("PIP-STORAGE-001", "database on the network", BASE, "pass",
         subject="SQLALCHEMY_DATABASE_URI",
         evidence=("from env DATABASE_URL (.env:1) read at superset_config.py:5",),
         message="SQLALCHEMY_DATABASE_URI points to a network service",
         location=("superset_config.py", 5)),
    Case("PIP-STORAGE-001", "UPLOAD_FOLDER persistent", BASE, "pass", subject="UPLOAD_FOLDER",
         evidence=("from superset_config.py:7",)),
    *[Case("PIP-STORAGE-001", f"SUPERSET_HOME {path}",
           config(HOME, f'SUPERSET_HOME = "{path}"'), "fail", subject="SUPERSET_HOME",
           evidence=("from superset_config.py:6",),
           message=f"SUPERSET_HOME is on temporary storage ({folder}), wiped on reboot",
           location=("superset_config.py", 6))
      for path, folder in (("/tmp/superset", "tmp"), ("/tmp", "tmp"), ("/tmp/", "tmp"),
                           ("/var/tmp/superset", "var"), ("/var/tmp", "var"),
                           ("/dev/shm/superset", "dev"), ("/dev/shm", "dev"),
                           ("/run/superset", "run"), ("/run", "run"))],
    Case("PIP-STORAGE-001", "SUPERSET_HOME from the environment, in /tmp",
         changed(config(HOME, ""), {".env": "DATABASE_URL=postgresql://superset@db:5432/s\n"
                                           "SUPERSET_HOME=/tmp/superset\n"}),
         "fail", subject="SUPERSET_HOME", evidence=("from env SUPERSET_HOME (.env:2)",),
         message="SUPERSET_HOME is on temporary storage (tmp)"),
    Case("PIP-STORAGE-001", "SUPERSET_HOME beside /tmp",
         config(HOME, 'SUPERSET_HOME = "/tmpfs-backed/superset"'), "pass",
         subject="SUPERSET_HOME", tags=("boundary",)),
    Case("PIP-STORAGE-001", "UPLOAD_FOLDER in /tmp",
         config('UPLOAD_FOLDER = "/var/lib/superset/uploads/"', 'UPLOAD_FOLDER = "/tmp/up/"'),
         "fail", subject="UPLOAD_FOLDER", message="UPLOAD_FOLDER is on temporary storage (tmp)",
         location=("superset_config.py", 7)),
    Case("PIP-STORAGE-001", "sqlite in /tmp",
         replaced(BASE, ".env", "postgresql://superset@db.internal:5432/superset",
                  "sqlite:////tmp/superset.db"),
         "fail", subject="SQLALCHEMY_DATABASE_URI",
         message="SQLALCHEMY_DATABASE_URI is on temporary storage (tmp)"),
    Case("PIP-STORAGE-001", "sqlite on disk",
         replaced(BASE, ".env", "postgresql://superset@db.internal:5432/superset",
                  "sqlite:////var/lib/superset/superset.db"),
         "pass", subject="SQLALCHEMY_DATABASE_URI",
         message="SQLALCHEMY_DATABASE_URI is on persistent local disk"),
    Case("PIP-STORAGE-001", "sqlite in memory",
         replaced(BASE, ".env", "postgresql://superset@db.internal:5432/superset", "sqlite://"),
         "fail", subject="SQLALCHEMY_DATABASE_URI",
         message="SQLALCHEMY_DATABASE_URI is an in-memory sqlite database"),
    *[Case("PIP-STORAGE-001", f"sqlite in memory as {uri}",
           replaced(BASE, ".env", "postgresql://superset@db.internal:5432/superset", uri),
           "fail", subject="SQLALCHEMY_DATABASE_URI",
           evidence=("from env DATABASE_URL (.env:1) read at superset_config.py:5",),
           message="SQLALCHEMY_DATABASE_URI is an in-memory sqlite database, lost at every "
                   "restart", location=("superset_config.py", 5))
      for uri in ("sqlite:///:memory:", "sqlite:///", "sqlite://?cache=shared")],
    Case("PIP-STORAGE-001", "sqlite file named like memory",
         replaced(BASE, ".env", "postgresql://superset@db.internal:5432/superset",
                  "sqlite:///:memory:.db"),
         "pass", subject="SQLALCHEMY_DATABASE_URI", tags=("boundary",)),
    Case("PIP-STORAGE-001", "database unknown", changed(BASE, {".env": None}), "skip",
         subject="SQLALCHEMY_DATABASE_URI", message="SQLALCHEMY_DATABASE_URI unknown",
         location=("superset_config.py", 5)),
]

# -- PIP-BACKUPS-001: pass for a scheduled backup copied off the host; warn for a
# scheduled backup that stays on it; fail for a backup script nothing schedules, or no
# backup at all (of a database on this host: one elsewhere skips, its backups are not here).
LOCAL_DB = replaced(BASE, ".env", "db.internal", "127.0.0.1")
NO_BACKUP = changed(LOCAL_DB, {"backup.sh": None, "crontab": None})
BACKUPS = [
    Case("PIP-BACKUPS-001", "scheduled, off host", BASE, "pass", subject="metadata-database",
         evidence=("backup.sh:1: pg_dump",),
         message="a scheduled backup copies the database off the host",
         location=("backup.sh", 1)),
    Case("PIP-BACKUPS-001", "scheduled, same host",
         replaced(BASE, "backup.sh", "rclone copy /var/backups/superset.dump offsite:backups/",
                  ""),
         "warn", subject="metadata-database", evidence=("backup.sh:1: pg_dump",),
         message="backups are scheduled but stay on the same host", location=("backup.sh", 1)),
    Case("PIP-BACKUPS-001", "not scheduled", changed(BASE, {"crontab": None}), "fail",
         subject="metadata-database",
         evidence=("backup.sh:1: pg_dump", "no crontab entry runs it"),
         message="backup.sh backs up the database but nothing schedules it",
         location=("backup.sh", 1)),
    Case("PIP-BACKUPS-001", "crontab runs another script",
         replaced(BASE, "crontab", "backup.sh", "cleanup.sh"), "fail",
         subject="metadata-database", message="nothing schedules it"),
    Case("PIP-BACKUPS-001", "crontab runs a script whose name ends like it",
         replaced(BASE, "crontab", "/srv/superset/backup.sh", "/srv/superset/db-backup.sh"),
         "fail", subject="metadata-database", message="nothing schedules it"),
    Case("PIP-BACKUPS-001", "crontab runs it through sh",
         replaced(BASE, "crontab", "/srv/superset/backup.sh", "sh backup.sh >/dev/null"),
         "pass", subject="metadata-database"),
    Case("PIP-BACKUPS-001", "no backup, local database", NO_BACKUP, "fail",
         subject="metadata-database",
         evidence=("looked for pg_dump, sqlite3 .backup, pgbackrest, restic, borg",),
         message="no backup of the metadata database was found"),
    Case("PIP-BACKUPS-001", "no backup, database on another host",
         changed(BASE, {"backup.sh": None, "crontab": None}), "skip",
         subject="metadata-database"),
    Case("PIP-BACKUPS-001", "backup command in the crontab",
         changed(NO_BACKUP, {"crontab": "0 3 * * * pg_dump superset | gzip > /b/s.gz\n"}),
         "warn", subject="metadata-database", evidence=("crontab:1: pg_dump",),
         location=("crontab", 1)),
    *[Case("PIP-BACKUPS-001", f"tool {tool}",
           replaced(BASE, "backup.sh", "pg_dump --file /var/backups/superset.dump superset",
                    line),
           "warn" if not off else "pass", subject="metadata-database",
           evidence=(f"backup.sh:1: {tool}",))
      for tool, line, off in (
          ("pg_dumpall", "pg_dumpall -f /b/all.sql", True),
          ("pg_basebackup", "pg_basebackup -D /b/base", True),
          ("sqlite3", "sqlite3 /var/lib/superset/superset.db '.backup /b/s.db'", True),
          ("mysqldump", "mysqldump superset > /b/s.sql", True),
          ("copy of the sqlite file", "cp /var/lib/superset/superset.db /b/", True))],
    Case("PIP-BACKUPS-001", "sqlite3 without .backup is no backup",
         replaced(NO_BACKUP, "superset_config.py", "import os",
                  "import os\n# sqlite3 superset.db 'select 1'"), "fail",
         subject="metadata-database", message="no backup of the metadata database was found"),
    *[Case("PIP-BACKUPS-001", f"off host with {copy.strip()}",
           replaced(BASE, "backup.sh", "rclone copy /var/backups/superset.dump offsite:backups/",
                    f"{copy}/var/backups/superset.dump remote"),
           "pass", subject="metadata-database",
           message="a scheduled backup copies the database off the host")
      for copy in ("aws s3 cp ", "gsutil cp ", "azcopy copy ", "scp ", "rsync -a ",
                   "s3cmd put ", "gcloud storage cp ")],
    *[Case("PIP-BACKUPS-001", f"tool that copies off host: {tool}",
           changed(NO_BACKUP, {"backup.sh": f"{tool} backup\n",
                               "crontab": "15 2 * * * /srv/superset/backup.sh\n"}),
           "pass", subject="metadata-database", evidence=(f"backup.sh:1: {tool}",))
      for tool in ("pgbackrest", "barman", "wal-g", "restic", "borg")],
]

# -- PIP-NETWORK-001: fail for a bind beyond loopback (0.0.0.0, [::], a public address,
# ":port"), pass for loopback (127.x, localhost, [::1]) or a unix socket, each server's
# default included (gunicorn 127.0.0.1:8000, superset run 127.0.0.1:8088, waitress
# 0.0.0.0:8080); skip when the address cannot be told (uwsgi without --http/--socket).
NETWORK = [
    Case("PIP-NETWORK-001", "127.0.0.1", BASE, "pass", subject=WEB,
         evidence=(GUNICORN_SHOWN, "configured: 127.0.0.1:8088"),
         message="listens on 127.0.0.1:8088 only", location=AT_PROGRAM),
    *[Case("PIP-NETWORK-001", f"gunicorn --bind {bind}",
           program("127.0.0.1:8088", bind), status, subject=WEB,
           evidence=(f"configured: {bind}",))
      for bind, status in (("0.0.0.0:8088", "fail"), ("[::]:8088", "fail"),
                           ("10.1.2.3:8088", "fail"), ("localhost:8088", "pass"),
                           ("[::1]:8088", "pass"), ("127.0.0.2:8088", "pass"),
                           ("unix:/run/superset.sock", "pass"))],
    Case("PIP-NETWORK-001", "0.0.0.0 message", program("127.0.0.1:8088", "0.0.0.0:8088"),
         "fail", subject=WEB,
         message="gunicorn listens on 0.0.0.0:8088: reachable from the network without a "
                 "proxy or TLS", location=AT_PROGRAM),
    Case("PIP-NETWORK-001", "gunicorn.conf.py bind",
         changed(program(" --bind 127.0.0.1:8088", ""),
                 {"gunicorn.conf.py": 'bind = ["0.0.0.0:8088"]\n'}),
         "fail", subject=WEB, evidence=("configured: 0.0.0.0:8088",)),
    Case("PIP-NETWORK-001", "gunicorn default bind", program(" --bind 127.0.0.1:8088", ""),
         "pass", subject=WEB, evidence=("configured: 127.0.0.1:8000",)),
    Case("PIP-NETWORK-001", "two binds, one public",
         program("--bind 127.0.0.1:8088", "--bind 127.0.0.1:8088 --bind 0.0.0.0:9000"),
         "fail", subject=WEB, evidence=("configured: 127.0.0.1:8088, 0.0.0.0:9000",),
         message="gunicorn listens on 0.0.0.0:9000:"),
    Case("PIP-NETWORK-001", "superset run default", command("venv/bin/superset run"), "pass",
         subject="web/superset-run", evidence=("configured: 127.0.0.1:8088",)),
    Case("PIP-NETWORK-001", "flask run default",
         command("venv/bin/flask --app superset.app:create_app run"), "pass",
         subject="web/flask-run", evidence=("configured: 127.0.0.1:5000",)),
    Case("PIP-NETWORK-001", "superset run -h 0.0.0.0",
         command("venv/bin/superset run -h 0.0.0.0 -p 8088"), "fail",
         subject="web/superset-run", evidence=("configured: 0.0.0.0:8088",)),
    Case("PIP-NETWORK-001", "FLASK_RUN_HOST", changed(command("venv/bin/superset run"), {
        ".env": "FLASK_RUN_HOST=0.0.0.0\nFLASK_RUN_PORT=9000\n"}), "fail",
         subject="web/superset-run", evidence=("configured: 0.0.0.0:9000",)),
    Case("PIP-NETWORK-001", "waitress default",
         command("venv/bin/waitress-serve --call superset.app:create_app"), "fail",
         subject="web/waitress", evidence=("configured: 0.0.0.0:8080",)),
    Case("PIP-NETWORK-001", "waitress --host --port",
         command("venv/bin/waitress-serve --host 127.0.0.1 --port 9000 "
                 "--call superset.app:create_app"),
         "pass", subject="web/waitress", evidence=("configured: 127.0.0.1:9000",)),
    Case("PIP-NETWORK-001", "uwsgi --http :8088",
         command("venv/bin/uwsgi --http :8088 --module superset.app"), "fail",
         subject="web/uwsgi", evidence=("configured: :8088",)),
    Case("PIP-NETWORK-001", "uwsgi --socket 127.0.0.1:3031",
         command("venv/bin/uwsgi --socket 127.0.0.1:3031 --module superset.app"), "pass",
         subject="web/uwsgi", evidence=("configured: 127.0.0.1:3031",)),
    Case("PIP-NETWORK-001", "uwsgi unix socket by path",
         command("venv/bin/uwsgi --socket /run/uwsgi/superset.sock --module superset.app"),
         "pass", subject="web/uwsgi", evidence=("configured: /run/uwsgi/superset.sock",)),
    Case("PIP-NETWORK-001", "uwsgi address unknown",
         command("venv/bin/uwsgi --ini uwsgi.ini"), "skip", subject="web/uwsgi",
         evidence=("configured: unknown",),
         message="the listening address could not be determined"),
    no_web("PIP-NETWORK-001"),
]

# -- PIP-CONFIG-SECRETS-001: fail for a secret written as a literal (SECRET_KEY,
# GUEST_TOKEN_JWT_SECRET, GLOBAL_ASYNC_QUERIES_JWT_SECRET, SMTP_PASSWORD, a database URI
# with a password), never showing the value; pass when they come from the environment;
# skip without a superset_config.py.
KEY = 'SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]'
CONFIG_SECRETS = [
    Case("PIP-CONFIG-SECRETS-001", "from the environment", BASE, "pass",
         subject="superset_config", evidence=("inspected superset_config.py",),
         message="no secret is written in the configuration file",
         location=("superset_config.py", None)),
    Case("PIP-CONFIG-SECRETS-001", "SECRET_KEY literal",
         config(KEY, 'SECRET_KEY = "s3cr3t-Literal-Key-0123456789"'), "fail",
         subject="superset_config",
         evidence=("SECRET_KEY is a literal at superset_config.py:4 (value not shown)",),
         message="secrets are written in the configuration file: SECRET_KEY",
         location=("superset_config.py", 4), absent=("s3cr3t-Literal-Key-0123456789",)),
    *[Case("PIP-CONFIG-SECRETS-001", f"{name} literal",
           config(KEY, f'{KEY}\n{name} = "Lit3ral-{name}-value"'), "fail",
           subject="superset_config",
           evidence=(f"{name} is a literal at superset_config.py:5 (value not shown)",),
           message=f"secrets are written in the configuration file: {name}",
           location=("superset_config.py", 5), absent=(f"Lit3ral-{name}-value",))
      for name in ("GUEST_TOKEN_JWT_SECRET", "GLOBAL_ASYNC_QUERIES_JWT_SECRET",
                   "SMTP_PASSWORD")],
    Case("PIP-CONFIG-SECRETS-001", "database password literal",
         config('SQLALCHEMY_DATABASE_URI = os.environ["DATABASE_URL"]',
                'SQLALCHEMY_DATABASE_URI = "postgresql+psycopg2://superset:Pw0rd-xyz@db/s"'),
         "fail", subject="superset_config",
         evidence=("SQLALCHEMY_DATABASE_URI is a literal at superset_config.py:5",),
         location=("superset_config.py", 5), absent=("Pw0rd-xyz",)),
    Case("PIP-CONFIG-SECRETS-001", "database URI literal without a password",
         config('SQLALCHEMY_DATABASE_URI = os.environ["DATABASE_URL"]',
                'SQLALCHEMY_DATABASE_URI = "postgresql://superset@db/superset"'),
         "pass", subject="superset_config"),
    Case("PIP-CONFIG-SECRETS-001", "two literals, both named",
         config(KEY, 'SECRET_KEY = "k-Lit-1"\nSMTP_PASSWORD = "p-Lit-2"'), "fail",
         subject="superset_config", message="SECRET_KEY, SMTP_PASSWORD",
         evidence=("SECRET_KEY is a literal at superset_config.py:4",
                   "SMTP_PASSWORD is a literal at superset_config.py:5"),
         location=("superset_config.py", 4), absent=("k-Lit-1", "p-Lit-2")),
    Case("PIP-CONFIG-SECRETS-001", "fallback literal in use", config(
        KEY, 'SECRET_KEY = os.environ.get("SUPERSET_SECRET_KEY", "Fallback-Lit3ral-Key")'),
         "fail", subject="superset_config",
         evidence=("SECRET_KEY is a literal at superset_config.py:4 (env SUPERSET_SECRET_KEY "
                   "unset: its default) (value not shown)",),
         location=("superset_config.py", 4), absent=("Fallback-Lit3ral-Key",)),
    Case("PIP-CONFIG-SECRETS-001", "fallback literal after or", config(
        KEY, f'{KEY}\nSMTP_PASSWORD = os.getenv("SMTP_PW") or "Or-Lit3ral-Pw"'),
         "fail", subject="superset_config", message="SMTP_PASSWORD",
         location=("superset_config.py", 5), absent=("Or-Lit3ral-Pw",)),
    Case("PIP-CONFIG-SECRETS-001", "fallback unused: the environment sets it", changed(config(
        KEY, 'SECRET_KEY = os.environ.get("SUPERSET_SECRET_KEY", "Fallback-Lit3ral-Key")'),
        {".env": "DATABASE_URL=postgresql://superset@db.internal:5432/superset\n"
                 "SUPERSET_SECRET_KEY=from-the-env-0123456789abcdef0123456789\n"}),
         "pass", subject="superset_config"),
    Case("PIP-CONFIG-SECRETS-001", "database URI fallback without a password", config(
        'SQLALCHEMY_DATABASE_URI = os.environ["DATABASE_URL"]',
        'SQLALCHEMY_DATABASE_URI = os.environ.get("DB_URL", "sqlite:////var/lib/s/s.db")'),
         "pass", subject="superset_config"),
    Case("PIP-CONFIG-SECRETS-001", "os.getenv", config(
        KEY, 'SECRET_KEY = os.getenv("SUPERSET_SECRET_KEY")'), "pass",
         subject="superset_config"),
    Case("PIP-CONFIG-SECRETS-001", "no superset_config.py",
         changed(BASE, {"superset_config.py": None}), "skip", subject="superset_config",
         message="no superset_config.py was found to inspect"),
]

# -- PIP-GITOPS-001: pass for .git with declaring files (requirements, lock, config);
# warn for .git and nothing declaring the deployment; fail without .git.
GIT_ONLY = changed(BASE, {"requirements.txt": None, "superset_config.py": None})
GITOPS = [
    Case("PIP-GITOPS-001", "versioned and declared", BASE, "pass", subject="deployment",
         evidence=(".git present", "declared in: requirements.txt, superset_config.py"),
         message="the deployment files are kept in version control"),
    Case("PIP-GITOPS-001", "a lock file declares it",
         changed(GIT_ONLY, {"poetry.lock": "# lock\n"}), "pass", subject="deployment",
         evidence=("declared in: poetry.lock",)),
    Case("PIP-GITOPS-001", "versioned, nothing declared", GIT_ONLY, "warn",
         subject="deployment", evidence=(".git present",),
         message="under version control, but no requirements or config declare"),
    Case("PIP-GITOPS-001", "no .git", changed(BASE, {".git/HEAD": None}), "fail",
         subject="deployment",
         evidence=("declared in: requirements.txt, superset_config.py", "no .git directory"),
         message="the deployment is not under version control"),
    Case("PIP-GITOPS-001", "no .git, nothing declared",
         changed(GIT_ONLY, {".git/HEAD": None}), "fail", subject="deployment",
         evidence=("declared in: nothing",)),
]

# -- PIP-UPDATES-001: pass for Dependabot or Renovate configuration (each file name), or
# pip-audit / safety / pip list --outdated / osv-scanner in a script, workflow, Makefile,
# tox.ini, noxfile.py or a crontab entry; fail otherwise.
NO_DEPENDABOT = changed(BASE, {".github/dependabot.yml": None})
UPDATES = [
    Case("PIP-UPDATES-001", "dependabot.yml", BASE, "pass", subject="dependencies",
         evidence=(".github/dependabot.yml",),
         message="dependency updates and advisories are tracked"),
    *[Case("PIP-UPDATES-001", f"config file {name}", changed(NO_DEPENDABOT, {name: "{}\n"}),
           "pass", subject="dependencies", evidence=(name,))
      for name in (".github/dependabot.yaml", "renovate.json", "renovate.json5",
                   ".renovaterc", ".renovaterc.json")],
    *[Case("PIP-UPDATES-001", f"{words} in {name}",
           changed(NO_DEPENDABOT, {name: f"audit:\n\t{words} -r requirements.txt\n"}),
           "pass", subject="dependencies", evidence=(name,))
      for name, words in (("Makefile", "pip-audit"), ("tox.ini", "safety check"),
                          ("noxfile.py", "safety scan"), ("audit.sh", "pip list --outdated"),
                          (".github/workflows/audit.yml", "osv-scanner"),
                          ("ci.yaml", "renovate"), ("ci.yml", "dependabot"))],
    Case("PIP-UPDATES-001", "pip-audit in the crontab",
         replaced(NO_DEPENDABOT, "crontab", "15 2 * * * /srv/superset/backup.sh",
                  "15 2 * * * /srv/superset/backup.sh\n0 6 * * 1 venv/bin/pip-audit"),
         "pass", subject="dependencies", evidence=("crontab:2",)),
    Case("PIP-UPDATES-001", "nothing", NO_DEPENDABOT, "fail", subject="dependencies",
         evidence=("looked for Dependabot, Renovate, pip-audit, safety and pip list --outdated",),
         message="nothing tracks updates or security advisories"),
]

# -- PIP-SCALABILITY-001: fail for the development server or a sqlite metadata database
# (both named when both hold); pass for a production server with a network database;
# skip when the database is unknown.
SCALABILITY = [
    Case("PIP-SCALABILITY-001", "gunicorn and PostgreSQL", BASE, "pass", subject=WEB,
         evidence=(GUNICORN_SHOWN,
                   "SQLALCHEMY_DATABASE_URI from env DATABASE_URL (.env:1) read at "
                   "superset_config.py:5"),
         message="gunicorn with a network database", location=AT_PROGRAM),
    Case("PIP-SCALABILITY-001", "superset run", command("venv/bin/superset run -p 8088"),
         "fail", subject="web/superset-run",
         message="adding capacity needs a redesign: superset-run is a single development "
                 "process", location=AT_PROGRAM),
    Case("PIP-SCALABILITY-001", "flask run",
         command("venv/bin/flask --app superset.app:create_app run"), "fail",
         subject="web/flask-run", message="flask-run is a single development process"),
    Case("PIP-SCALABILITY-001", "sqlite",
         replaced(BASE, ".env", "postgresql://superset@db.internal:5432/superset",
                  "sqlite:////var/lib/superset/superset.db"),
         "fail", subject=WEB,
         message="the metadata database is a local sqlite file (env DATABASE_URL (.env:1) "
                 "read at superset_config.py:5)"),
    Case("PIP-SCALABILITY-001", "default database is sqlite",
         config('SQLALCHEMY_DATABASE_URI = os.environ["DATABASE_URL"]', ""), "fail",
         subject=WEB, message="the metadata database is a local sqlite file (Superset default)"),
    Case("PIP-SCALABILITY-001", "superset run and sqlite",
         replaced(command("venv/bin/superset run -p 8088"), ".env",
                  "postgresql://superset@db.internal:5432/superset",
                  "sqlite:////var/lib/superset/superset.db"),
         "fail", subject="web/superset-run",
         message="superset-run is a single development process; the metadata database is a "
                 "local sqlite file"),
    Case("PIP-SCALABILITY-001", "database unknown", changed(BASE, {".env": None}), "skip",
         subject=WEB, message="metadata database unknown: "),
    no_web("PIP-SCALABILITY-001"),
]

CASES: list[Case] = [
    *APP_SECURITY_001, *APP_SECURITY_002, *AVAILABILITY, *SUPERVISION, *MONITORING,
    *LOGGING, *ROLLBACK, *ISOLATION_001, *ISOLATION_002, *RESOURCES_001, *RESOURCES_002,
    *LOAD_BALANCING, *PROXY_TLS, *STORAGE, *BACKUPS, *NETWORK, *CONFIG_SECRETS, *GITOPS,
    *UPDATES, *SCALABILITY,
]

# Superset imports superset_config.py and stops on a NameError (SUPERSET-CONFIG-SECRETS-004):
# the file imports what it names, on its first line so that no line moves.
CASES = import_first(CASES, {
    "PIP-MONITORING-001:fail:DummyStatsLogger":
        "from superset.stats_logger import DummyStatsLogger",
})

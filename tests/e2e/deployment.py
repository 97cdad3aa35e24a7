"""A Superset deployment laid out as a host tree, and the same files run for real.

The tree holds what an operator would have under / (systemd unit, environment
file, superset_config.py, nginx configuration, certificate). The audit reads
the tree; the processes are started from the very same files: gunicorn gets
the unit's ExecStart and environment (paths under / mapped into the tree), and
nginx runs a copy of the tree's configuration whose absolute paths are
rewritten to point into a run directory, since nginx cannot be told a root.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

WEAK_KEY = "thisISaSECRET_1234"  # the Helm chart's published default key
# Strong enough for the checks, generated per run so no report can contain a constant.
STRONG_KEY_BYTES = 48


@dataclass(frozen=True)
class Layout:
    hardened: bool
    venv: Path
    database_uri: str
    gunicorn_port: int
    http_port: int
    https_port: int
    secret_key: str


def _write(root: Path, inner: str, text: str, mode: int = 0o644) -> Path:
    path = root / inner.lstrip("/")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    return path


def gunicorn_argv(layout: Layout) -> list[str]:
    return [str(layout.venv / "bin" / "gunicorn"), "--workers", "2", "--timeout", "120",
            "--bind", f"127.0.0.1:{layout.gunicorn_port}", "superset.app:create_app()"]


def superset_config(layout: Layout) -> str:
    if not layout.hardened:
        return (
            "# Quick start, copied from a chart's values\n"
            "import os\n\n"
            f'SECRET_KEY = "{layout.secret_key}"\n'
            'SQLALCHEMY_DATABASE_URI = os.environ["SUPERSET_DATABASE_URI"]\n'
            "WTF_CSRF_ENABLED = False\n"
            "SESSION_COOKIE_SECURE = False\n"
            "TALISMAN_ENABLED = False\n"
        )
    return (
        "# Production settings; secrets come from the EnvironmentFile\n"
        "import os\n\n"
        'SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]\n'
        'SQLALCHEMY_DATABASE_URI = os.environ["SUPERSET_DATABASE_URI"]\n'
        "WTF_CSRF_ENABLED = True\n"
        "SESSION_COOKIE_SECURE = True\n"
        "SESSION_COOKIE_HTTPONLY = True\n"
        'SESSION_COOKIE_SAMESITE = "Lax"\n'
        "TALISMAN_ENABLED = True\n"
        "# nginx terminates TLS: trust its X-Forwarded-Proto so Talisman sees HTTPS\n"
        "ENABLE_PROXY_FIX = True\n"
        "SUPERSET_WEBSERVER_TIMEOUT = 60\n"
    )


def unit(layout: Layout) -> str:
    return (
        "[Unit]\nDescription=Apache Superset web server (gunicorn)\n"
        "After=network-online.target postgresql.service\n\n"
        "[Service]\nType=simple\nWorkingDirectory=/var/lib/superset\n"
        "Environment=SUPERSET_CONFIG_PATH=/etc/superset/superset_config.py\n"
        "EnvironmentFile=/etc/superset/superset.env\n"
        f"ExecStart={shlex.join(gunicorn_argv(layout))}\n"
        "Restart=on-failure\nRestartSec=5\n\n"
        "[Install]\nWantedBy=multi-user.target\n"
    )


def env_file(layout: Layout) -> str:
    lines = [f"SUPERSET_DATABASE_URI={layout.database_uri}"]
    if layout.hardened:
        lines.insert(0, f"SUPERSET_SECRET_KEY={layout.secret_key}")
    return "\n".join(lines) + "\n"


PROXY = """\
        proxy_pass http://superset;
        proxy_set_header Host $http_host;
        proxy_set_header X-Real-IP $remote_addr;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_read_timeout 120s;
"""


def nginx_site(layout: Layout) -> str:
    upstream = f"upstream superset {{\n    server 127.0.0.1:{layout.gunicorn_port};\n}}\n\n"
    if not layout.hardened:
        return upstream + (
            f"server {{\n    listen 127.0.0.1:{layout.http_port};\n    server_name localhost;\n"
            f"    location / {{\n{PROXY}    }}\n}}\n")
    return upstream + (
        f"server {{\n    listen 127.0.0.1:{layout.http_port};\n    server_name localhost;\n"
        f"    return 301 https://$host:{layout.https_port}$request_uri;\n}}\n\n"
        f"server {{\n    listen 127.0.0.1:{layout.https_port} ssl;\n    server_name localhost;\n"
        "    ssl_certificate /etc/ssl/certs/superset.pem;\n"
        "    ssl_certificate_key /etc/ssl/private/superset.key;\n"
        "    ssl_protocols TLSv1.2 TLSv1.3;\n"
        '    add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;\n'
        f"    location / {{\n{PROXY}    }}\n}}\n")


NGINX_CONF = """\
worker_processes 2;
pid /run/nginx.pid;
error_log /var/log/nginx/error.log;

events {
    worker_connections 256;
}

http {
    server_tokens off;
    access_log /var/log/nginx/access.log;
    include /etc/nginx/sites-enabled/*;
}
"""


def lay_out(tree: Path, layout: Layout, cert: Path | None, key: Path | None) -> None:
    """Write the host tree for ``layout``."""
    _write(tree, "/etc/systemd/system/superset.service", unit(layout))
    target = tree / "etc/systemd/system/multi-user.target.wants/superset.service"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.symlink_to("../superset.service")
    _write(tree, "/etc/superset/superset_config.py", superset_config(layout))
    _write(tree, "/etc/superset/superset.env", env_file(layout), 0o600)
    _write(tree, "/etc/nginx/nginx.conf", NGINX_CONF)
    _write(tree, "/etc/nginx/sites-available/superset", nginx_site(layout))
    (tree / "etc/nginx/sites-enabled").mkdir(parents=True, exist_ok=True)
    (tree / "etc/nginx/sites-enabled/superset").symlink_to("../sites-available/superset")
    if layout.hardened:
        assert cert and key
        _write(tree, "/etc/ssl/certs/superset.pem", cert.read_text())
        _write(tree, "/etc/ssl/private/superset.key", key.read_text(), 0o600)
    for directory in ("var/lib/superset", "var/log/nginx", "run"):
        (tree / directory).mkdir(parents=True, exist_ok=True)


# --- running what the tree says ---------------------------------------------------------------


def _env_lines(text: str) -> dict[str, str]:
    found = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            found[name.strip()] = value.strip().strip('"')
    return found


def service_environment(tree: Path) -> tuple[list[str], dict[str, str], Path]:
    """ExecStart, environment and working directory of the tree's unit, paths mapped into it."""
    text = (tree / "etc/systemd/system/superset.service").read_text()
    settings = _env_lines("\n".join(line for line in text.splitlines()
                                     if not line.startswith("[")))
    env = {"PATH": f"{Path(shlex.split(settings['ExecStart'])[0]).parent}:/usr/bin:/bin",
           "HOME": str(tree / "var/lib/superset"), "LANG": "C.UTF-8"}
    for line in text.splitlines():
        if line.startswith("Environment="):
            name, value = line.removeprefix("Environment=").split("=", 1)
            env[name] = value
    env.update(_env_lines((tree / settings["EnvironmentFile"].lstrip("/")).read_text()))
    env["SUPERSET_CONFIG_PATH"] = str(tree / env["SUPERSET_CONFIG_PATH"].lstrip("/"))
    return (shlex.split(settings["ExecStart"]), env,
            tree / settings["WorkingDirectory"].lstrip("/"))


_ABSOLUTE = re.compile(r"(?<=[\s\"'])/(?=(?:etc|var|run)/)")


def nginx_run_root(tree: Path, run: Path) -> Path:
    """Copy the tree to ``run`` with nginx's absolute paths pointing into the copy."""
    shutil.copytree(tree, run, symlinks=True)
    for path in (run / "etc/nginx").rglob("*"):
        if path.is_file() and not path.is_symlink():
            path.write_text(_ABSOLUTE.sub(f"{run}/", path.read_text()))
    (run / "var/lib/nginx").mkdir(parents=True, exist_ok=True)
    return run


def nginx_argv(nginx: str, run: Path) -> list[str]:
    # -e before the config is read, so nothing is written to the machine's /var/log/nginx.
    return [nginx, "-p", f"{run}/var/lib/nginx/", "-c", f"{run}/etc/nginx/nginx.conf",
            "-e", f"{run}/var/log/nginx/error.log", "-g", "daemon off;"]


def strong_key() -> str:
    return os.urandom(STRONG_KEY_BYTES).hex()

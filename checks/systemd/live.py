"""Facts only the running machine has: processes, sockets, ``nginx -T``, ``ufw status``.

Everything here is read-only and bounded in time. As an ordinary user much
of it is refused (other users' processes, ``ufw status`` needs root, nginx
cannot read its TLS keys); each refusal becomes a named problem.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

from auditor.checks.common.tree import Tree
from auditor.checks.pip.facts import HostLive
from auditor.checks.systemd.facts import LiveProcess, NginxConfig, Processes, Ufw
from auditor.checks.systemd.nginx import load_nginx
from auditor.checks.systemd.ufw import parse_status

PROCESS_WORDS = ("superset", "gunicorn", "celery", "postgres", "redis-server", "nginx")
COMMAND_TIMEOUT = 10.0


def live_state(data_dirs: Iterable[str], problems: dict[str, str]) -> tuple[HostLive, Processes]:
    from auditor.checks.common.live import host_state, processes

    found: list[str] = []
    procs = processes(PROCESS_WORDS, found)
    paths = ["/", *[d for d in data_dirs if Path(d).exists()]]
    state = host_state(paths, found)
    for index, problem in enumerate(found):
        problems[f"host.live.{index}"] = problem
    listed = tuple(
        LiveProcess(pid=p.pid, name=p.name, cmdline=p.cmdline, user=p.user, ppid=p.ppid)
        for p in procs
    )
    return state, Processes(listed)


def _run(argv: list[str]) -> tuple[int, str, str]:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=COMMAND_TIMEOUT,
                              check=False, errors="replace")
    except (OSError, subprocess.TimeoutExpired) as exc:
        return 127, "", str(exc)
    return done.returncode, done.stdout, done.stderr


def _first_line(text: str) -> str:
    """The line that says why (nginx's [emerg], ufw's ERROR), else the last one."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        if "[emerg]" in line or line.startswith("ERROR"):
            return line
    return lines[-1] if lines else "no output"


def nginx_dump(problems: dict[str, str]) -> NginxConfig | None:
    """What the installed nginx loads (``nginx -T``), parsed like a tree; None if unavailable."""
    binary = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists()
                                        else None)
    if binary is None:
        return None
    code, out, err = _run([binary, "-T", "-q"])
    if code != 0 or "# configuration file " not in out:
        problems["nginx -T"] = (f"failed ({_first_line(err)}); read /etc/nginx from files "
                                "instead")
        return None
    files: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in out.splitlines():
        if line.startswith("# configuration file ") and line.endswith(":"):
            name = line[len("# configuration file "):-1]
            current = files.setdefault(name, [])
            continue
        if current is not None:
            current.append(line)
    # The dump becomes a small tree of its own, so includes resolve exactly as offline.
    with tempfile.TemporaryDirectory(prefix="auditor-nginx-") as scratch:
        root = Path(scratch)
        for name, lines in files.items():
            if not name.startswith("/") or ".." in name.split("/"):
                continue
            path = root / name.lstrip("/")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("\n".join(lines) + "\n")
        return load_nginx(Tree.at(root), problems, source="nginx -T")


def ufw_status(files: Ufw, problems: dict[str, str]) -> Ufw | None:
    binary = shutil.which("ufw") or ("/usr/sbin/ufw" if Path("/usr/sbin/ufw").exists() else None)
    if binary is None:
        return None
    code, out, err = _run([binary, "status", "verbose"])
    if code != 0:
        problems["ufw status"] = f"failed ({_first_line(err or out)}); read /etc/ufw instead"
        return None
    return parse_status(out, files)

"""Live facts of the machine running the audit (psutil), for the ``host`` target."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import psutil

from auditor.checks.pip.facts import HostLive


@dataclass(frozen=True)
class ProcessInfo:
    pid: int
    ppid: int
    name: str
    cmdline: tuple[str, ...]
    user: str | None
    cwd: str | None
    parents: tuple[str, ...]
    environ: dict[str, str] | None


def processes(matching: Iterable[str], problems: list[str]) -> list[ProcessInfo]:
    """Processes whose command line mentions one of ``matching``; unreadable ones are named."""
    words = tuple(matching)
    found = []
    denied = 0
    for proc in psutil.process_iter(["pid", "name", "cmdline", "username"]):
        try:
            cmdline = tuple(proc.info.get("cmdline") or ())
            if not any(w in part for part in cmdline for w in words):
                continue
            try:
                cwd: str | None = proc.cwd()
            except (psutil.AccessDenied, psutil.ZombieProcess):
                cwd = None
                denied += 1
            try:
                environ: dict[str, str] | None = proc.environ()
            except (psutil.AccessDenied, psutil.ZombieProcess):
                environ = None
            parents = tuple(p.name() for p in proc.parents())
            found.append(
                ProcessInfo(
                    pid=proc.pid,
                    ppid=proc.ppid(),
                    name=proc.info.get("name") or "",
                    cmdline=cmdline,
                    user=proc.info.get("username"),
                    cwd=cwd,
                    parents=parents,
                    environ=environ,
                )
            )
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            continue
        except psutil.AccessDenied:
            denied += 1
    if denied:
        problems.append(f"{denied} process(es) could not be fully read (permission denied)")
    return found


def host_state(paths: Iterable[str], problems: list[str]) -> HostLive:
    memory = psutil.virtual_memory()
    disks: dict[str, tuple[int, int]] = {}
    for path in paths:
        try:
            usage = psutil.disk_usage(path)
        except OSError:
            continue
        disks[path] = (usage.total, usage.free)
    listeners: list[tuple[str, int, int | None]] = []
    try:
        for conn in psutil.net_connections(kind="tcp"):
            if conn.status == psutil.CONN_LISTEN and conn.laddr:
                listeners.append((str(conn.laddr.ip), int(conn.laddr.port), conn.pid))
    except psutil.AccessDenied:
        problems.append("listening sockets: permission denied (run as root to see all)")
    names: dict[int, str] = {}
    for _, _, pid in listeners:
        if pid is not None and pid not in names:
            try:
                names[pid] = psutil.Process(pid).name()
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
    return HostLive(
        memory_total=memory.total,
        memory_available=memory.available,
        cpu_count=psutil.cpu_count() or 1,
        disk_free=disks,
        listeners=tuple(listeners),
        process_names=names,
    )

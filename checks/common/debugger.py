"""The Werkzeug debugger on a host process: why it is on, and who can reach it.

One judgement for the pip and systemd styles, so the same unit or script gets the same
verdict whichever style audits it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from auditor.checks.pip.facts import Launch

RISK = (
    "the Werkzeug debugger runs any Python typed into its console as the service user; its "
    "PIN is printed in the service's log and can be derived from a few host facts (machine "
    "id, user, MAC), and its trusted-host check believes the Host header the client sends"
)
"""What the debugger allows (Werkzeug's docs: 'must never be used on production machines')."""


def reasons(launch: Launch) -> list[str]:
    """What turns the debugger on for this launch, as evidence; empty when it is off.

    Flask's ``run`` serves the debugger with ``--debugger``, or in debug mode (``--debug``,
    also given before ``run`` as ``flask --debug run``, or FLASK_DEBUG) unless
    ``--no-debugger``; gunicorn and other servers never add it.
    """
    if not launch.dev_server or launch.flag("no-debugger"):
        return []
    found = ["--debugger"] if launch.flag("debugger") else []
    if launch.flag("debug") or "--debug" in launch.argv:
        found.append("--debug")
    debug_env = launch.env.get("FLASK_DEBUG", "")
    if debug_env.lower() in ("1", "true", "yes", "on"):
        found.append(f"FLASK_DEBUG={debug_env}")
    return found


def _address(backend: str) -> str:
    """``host:port`` or ``unix:/path`` from a bind or a proxy target (``http://h:p/x``,
    nginx's ``http://unix:/run/s.sock:/``)."""
    scheme, sep, rest = backend.partition("://")
    if not sep:
        rest, scheme = backend, ""
    if rest.startswith("unix:"):
        return "unix:" + rest[len("unix:"):].split(":", 1)[0]
    hostport = rest.split("/", 1)[0]
    if scheme and ":" not in hostport.rsplit("]", 1)[-1]:
        hostport += ":443" if scheme == "https" else ":80"
    return hostport


def _port(address: str) -> str:
    return address if address.startswith("unix:") else address.rsplit(":", 1)[-1]


def is_loopback(address: str) -> bool:
    """Whether ``address`` (host:port, [v6]:port, a bare host, unix:path) is local only.

    By the whole host, not its start: ``localhost.example.com`` and ``localhostfoo`` are
    other machines' names, which a prefix test took for loopback (a debugger reachable
    from the network then passed). ``::1:80`` is read as gunicorn reads a bind, host ``::1``
    and port 80; a bare ``::1`` as the address it is."""
    if address.startswith("unix:"):
        return True
    host = address.rsplit(":", 1)[0] if ":" in address.rsplit("]", 1)[-1] else address
    return _loopback_host(host) or _loopback_host(address)


def _loopback_host(host: str) -> bool:
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):  # RFC 6761: always loopback
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def reachable(binds: Iterable[str], proxied: Iterable[tuple[str, str]]) -> list[str]:
    """Why the server can be reached from other machines; empty when it cannot be told to.

    ``binds`` are the addresses the server listens on; ``proxied`` are (proxy, backend)
    pairs of every reverse proxy route on the same host. A bind on a non-loopback address
    is reachable directly; a loopback bind is reachable when a proxy passes requests to its
    port (or its unix socket).
    """
    why: list[str] = []
    listening = [_address(bind) for bind in binds]
    for bind in listening:
        if not is_loopback(bind):
            why.append(f"listens on {bind}, beyond loopback")
    ports = {_port(bind) for bind in listening}
    for proxy, backend in proxied:
        target = _address(backend)
        if is_loopback(target) and _port(target) in ports:
            why.append(f"{proxy} passes requests to {target}")
    return why

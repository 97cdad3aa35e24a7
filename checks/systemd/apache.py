"""Apache httpd in front of Superset (mod_proxy): which virtual hosts proxy where, and
whether they speak TLS. Read only so far as the host checks need to know that Apache,
not nothing, stands between clients and gunicorn; its TLS settings are not audited.

Files read: Debian's ``/etc/apache2/sites-enabled`` and ``conf-enabled`` (what a2ensite and
a2enconf link), and the Red Hat layout's ``/etc/httpd/conf/httpd.conf`` and
``/etc/httpd/conf.d/*.conf`` (all loaded).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from auditor.checks.common.tree import Tree, TreeError

MAINS = ("/etc/apache2/apache2.conf", "/etc/httpd/conf/httpd.conf")
DIRS = (("/etc/apache2/sites-enabled", ""), ("/etc/apache2/conf-enabled", ".conf"),
        ("/etc/httpd/conf.d", ".conf"))
MAX_BYTES = 1 << 20


@dataclass(frozen=True)
class ApacheProxy:
    """One ``ProxyPass`` (or a ``BalancerMember`` it reaches) and the virtual host it is in."""

    path: str
    line: int
    vhost: str
    """The ``<VirtualHost>`` address (``*:80``), or ``main server`` outside one."""
    names: tuple[str, ...]
    tls: bool
    prefix: str
    target: str
    """As written (``http://127.0.0.1:8088/``, ``balancer://superset``)."""
    backends: tuple[str, ...]
    """``host:port`` or ``unix:/path`` of each server reached."""

    @property
    def label(self) -> str:
        name = self.names[0] if self.names else self.vhost
        return f"Apache {name}" + ("" if name == self.vhost else f" ({self.vhost})")

    @property
    def at(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class ApacheConfig:
    present: bool = False
    proxies: tuple[ApacheProxy, ...] = ()


def _backend(url: str) -> str | None:
    """``host:port`` (or ``unix:/path``) of a ProxyPass URL; None for one it does not name."""
    if url.lower().startswith("unix:"):
        return "unix:" + url[5:].split("|", 1)[0]
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not host:
        return None
    if port is None:
        port = {"http": 80, "https": 443, "ws": 80, "wss": 443}.get(parts.scheme.lower())
    if port is None:
        return None
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _files(tree: Tree) -> list[str]:
    found = [m for m in MAINS if tree.exists(m)]
    for directory, suffix in DIRS:
        for name in sorted(tree.listdir(directory)):
            if name.endswith(suffix) and not name.startswith("."):
                found.append(f"{directory}/{name}")
    return found


def _lines(text: str) -> list[tuple[int, str]]:
    """Logical lines (backslash continuations joined), comments dropped, with the number
    of the line each starts on."""
    out: list[tuple[int, str]] = []
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        if not pending:
            start = number
        if raw.rstrip().endswith("\\"):
            pending += raw.rstrip()[:-1] + " "
            continue
        line = (pending + raw).strip()
        pending = ""
        if line and not line.startswith("#"):
            out.append((start, line))
    return out


@dataclass
class _VirtualHost:
    address: str = "main server"
    names: list[str] = field(default_factory=list)
    tls: bool = False
    proxies: list[tuple[int, str, str]] = field(default_factory=list)
    """(line, path prefix, target) of each ProxyPass in it."""


def _read_file(path: str, text: str, balancers: dict[str, list[str]]) -> list[tuple[
        str, _VirtualHost]]:
    """Every virtual host of one file (the main server's directives as one more)."""
    hosts: list[tuple[str, _VirtualHost]] = []
    main = _VirtualHost()
    current = main
    location = ""
    balancer: str | None = None
    for number, line in _lines(text):
        words = line.split()
        key = words[0].lower()
        if key.startswith("<virtualhost"):
            current = _VirtualHost(" ".join(words[1:]).rstrip(">") or "*")
            hosts.append((path, current))
        elif key == "</virtualhost>":
            current = main
        elif key in ("<location", "<locationmatch"):
            location = line.split(None, 1)[1].rstrip(">").strip().strip('"') \
                if len(words) > 1 else ""
        elif key in ("</location>", "</locationmatch>"):
            location = ""
        elif key == "<proxy" and len(words) > 1:
            balancer = words[1].rstrip(">").strip('"').rstrip("/").lower()
            balancers.setdefault(balancer, [])
        elif key == "</proxy>":
            balancer = None
        elif key == "balancermember" and len(words) > 1 and balancer:
            member = _backend(words[1])
            if member:
                balancers[balancer].append(member)
        elif key in ("servername", "serveralias"):
            current.names.extend(words[1:])
        elif key == "sslengine" and len(words) > 1:
            current.tls = words[1].lower() == "on"
        elif key == "proxypass":
            args = [w.strip('"') for w in words[1:]]
            if location and args and args[0] != "!":
                current.proxies.append((number, location, args[0]))
            elif len(args) >= 2 and args[1] != "!":
                current.proxies.append((number, args[0], args[1]))
    return [(path, main), *hosts]


def load_apache(tree: Tree, problems: dict[str, str]) -> ApacheConfig:
    files = _files(tree)
    present = bool(files) or any(tree.is_dir(d) for d, _ in DIRS)
    balancers: dict[str, list[str]] = {}
    hosts: list[tuple[str, _VirtualHost]] = []
    for path in files:
        try:
            text = tree.read_text(path, limit=MAX_BYTES)
        except TreeError as exc:
            problems[f"file {path}"] = exc.reason
            continue
        hosts += _read_file(path, text, balancers)
    proxies = []
    for path, host in hosts:
        for number, prefix, target in host.proxies:
            if target.lower().startswith("balancer://"):
                backends = tuple(balancers.get(target.rstrip("/").lower(), ()))
            else:
                one = _backend(target)
                backends = (one,) if one else ()
            proxies.append(ApacheProxy(path, number, host.address, tuple(host.names),
                                       host.tls, prefix, target, backends))
    return ApacheConfig(present=present, proxies=tuple(proxies))


def _port(address: str) -> str:
    return address if address.startswith("unix:") else address.rsplit(":", 1)[-1]


def app_proxies(config: ApacheConfig | None, binds: list[str]) -> list[ApacheProxy]:
    """Proxies reaching one of Superset's binds (same unix socket, or same port: a
    gunicorn on 127.0.0.1:8088 is reached by http://127.0.0.1:8088/ or localhost:8088)."""
    if config is None or not config.present:
        return []
    ports = {_port(b) for b in binds}
    return [p for p in config.proxies if any(_port(b) in ports for b in p.backends)]

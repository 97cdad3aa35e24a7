"""Nginx configuration of a host tree: crossplane for each file, includes resolved here.

crossplane follows ``include`` literally on the machine running the audit, so
every file is parsed with ``single=True`` and includes are expanded under the
tree's root (relative patterns from the directory of nginx.conf, as nginx
does). An include that leads out of the tree, loops, or cannot be read is a
named problem; the rest of the configuration is still read.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence

import crossplane  # type: ignore[import-untyped]

from auditor.checks.common.tree import Tree, TreeError
from auditor.checks.systemd.facts import (
    NGINX,
    Directive,
    Listen,
    NginxConfig,
    ProxyRoute,
    Server,
    Upstream,
    UpstreamServer,
)

MAIN = "/etc/nginx/nginx.conf"
MAX_DEPTH = 16
MAX_EXPANSIONS = 10_000
"""Files expanded at most, each inclusion counted: nginx expands a file every time it is
included, so ``include inc/*.conf`` in every file of ``inc/`` expands along every path
(8 files: 109,600 expansions). Real configurations expand tens of files."""
MAX_DIRECTIVES = 200_000
"""Directives expanded at most (a few hundred bytes each in memory): a large real
configuration (a blocklist of ``deny`` lines) has tens of thousands."""
MAX_PARSED_BYTES = 2 * 1024 * 1024
"""Bytes parsed at most, all files together (each once): crossplane takes about 1.4 s and
100 MB a MiB of short directives. Real configurations are tens of KB (mime.types is 5 KB)."""
DEFAULT_READ_TIMEOUT = 60.0
REDIRECT_CODES = frozenset({"301", "302", "303", "307", "308"})
# nginx's time units (ngx_parse_time): a value may combine them, "1m30s" or "1h 30m".
UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800,
         "M": 2592000, "y": 31536000}
TIME_PART = r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w|M|y)?"


class _Loader:
    def __init__(self, tree: Tree, problems: dict[str, str]) -> None:
        self.tree = tree
        self.problems = problems
        self.files: list[str] = []
        self.errors: list[str] = []
        self.conf_dir = posixpath.dirname(MAIN)
        self.resolved: dict[str, str | None] = {}
        """Each path included: its resolved path, None when it cannot be read."""
        self.parsed: dict[str, list[dict[str, object]]] = {}
        """Each file's statements by its resolved path: parsed once however often included."""
        self.globs: dict[str, list[str]] = {}
        self.sizes: dict[str, int] = {}
        self.parsed_bytes = 0
        self.expansions = 0
        self.directives = 0
        self.over: str | None = None
        """Why the expansion stopped short (a bound was reached), if it did."""

    def load(self, path: str, stack: tuple[str, ...] = ()) -> tuple[Directive, ...]:
        if path not in self.resolved:
            self.resolved[path] = self._readable(path)
        key = self.resolved[path]
        if key is None:
            return ()
        if key in stack:
            self.problems[f"nginx {path}"] = "includes itself (include cycle), not read again"
            return ()
        if len(stack) >= MAX_DEPTH:
            self.problems[f"nginx {path}"] = f"includes nested deeper than {MAX_DEPTH}, not read"
            return ()
        if not self._room(expansions=1):
            return ()
        self.files.append(path)
        return tuple(self._convert(self._parse(key, path), path, (*stack, key)))

    def _readable(self, path: str) -> str | None:
        """The resolved path of a file that may be parsed, or None (a named problem)."""
        try:
            text = self.tree.read_text(path)  # bounded, binary refused, symlinks kept inside
            key = str(self.tree.resolve(path))
            self.sizes[key] = len(text.encode("utf-8", "surrogateescape"))
            return key
        except TreeError as exc:
            self.problems[f"nginx {path}"] = exc.reason
        except RecursionError:
            self.problems[f"nginx {path}"] = "symbolic link loop"
        return None

    def _parse(self, key: str, path: str) -> list[dict[str, object]]:
        """The statements of the file at ``key`` (resolved), its errors noted once."""
        if key in self.parsed:
            return self.parsed[key]
        if not self._room(parsed_bytes=self.sizes.get(key, 0)):
            return []
        payload = crossplane.parse(key, single=True, catch_errors=True, check_ctx=False,
                                   check_args=False, comments=False)
        for error in payload.get("errors", ()):
            message = str(error.get("error", "")).replace(key, path)
            self.errors.append(f"{path}:{error.get('line') or '?'}: {message}")
        parsed: list[dict[str, object]] = []
        for config in payload.get("config", ()):
            parsed = list(config.get("parsed", ()))
        self.parsed[key] = parsed
        return parsed

    def _room(self, expansions: int = 0, directives: int = 0, parsed_bytes: int = 0) -> bool:
        """Whether one more file, directive or file's bytes may be taken; past a bound, the
        reason is kept and nothing more is read."""
        self.expansions += expansions
        self.directives += directives
        self.parsed_bytes += parsed_bytes
        if self.over is None and self.parsed_bytes > MAX_PARSED_BYTES:
            self.over = (f"the files it includes hold more than "
                         f"{MAX_PARSED_BYTES // (1024 * 1024)} MiB together")
        if self.over is None and self.expansions > MAX_EXPANSIONS:
            self.over = f"includes expand to more than {MAX_EXPANSIONS:,} files"
        if self.over is None and self.directives > MAX_DIRECTIVES:
            self.over = f"includes expand to more than {MAX_DIRECTIVES:,} directives"
        return self.over is None

    def _convert(
        self, statements: Iterable[dict[str, object]], path: str, stack: tuple[str, ...]
    ) -> Iterator[Directive]:
        for stmt in statements:
            if not self._room(directives=1):
                return
            name = str(stmt.get("directive", ""))
            raw_args = stmt.get("args", [])
            args = tuple(str(a) for a in raw_args) if isinstance(raw_args, list) else ()
            raw_line = stmt.get("line", 0)
            line = raw_line if isinstance(raw_line, int) else 0
            if name == "include" and args:
                for included in self._include(args[0], path, line):
                    yield from self.load(included, stack)
                continue
            block = stmt.get("block")
            children = (tuple(self._convert(block, path, stack))
                        if isinstance(block, list) else None)
            yield Directive(name, args, path, line, children)

    def _include(self, pattern: str, path: str, line: int) -> list[str]:
        full = pattern if pattern.startswith("/") else posixpath.join(self.conf_dir, pattern)
        if not any(c in full for c in "*?["):
            if not self.tree.exists(full):
                try:
                    self.tree.resolve(full)
                except TreeError as exc:
                    self.problems[f"nginx include {pattern} ({path}:{line})"] = (
                        exc.reason)
                    return []
                except RecursionError:
                    self.problems[f"nginx include {pattern} ({path}:{line})"] = (
                        "symbolic link loop")
                    return []
                self.problems[f"nginx include {pattern} ({path}:{line})"] = (
                    "not found (nginx refuses to start)")
                return []
            return [full]
        if full not in self.globs:
            self.globs[full] = sorted(self._glob(full))
        return self.globs[full]

    def _glob(self, pattern: str) -> Iterator[str]:
        parts = [p for p in pattern.split("/") if p]
        yield from self._glob_parts("", parts)

    def _glob_parts(self, base: str, parts: Sequence[str]) -> Iterator[str]:
        if not parts:
            yield base
            return
        head, rest = parts[0], parts[1:]
        if not any(c in head for c in "*?["):
            yield from self._glob_parts(f"{base}/{head}", rest)
            return
        for name in self.tree.listdir(base or "/"):
            if name.startswith(".") or not fnmatch.fnmatchcase(name, head):
                continue
            child = f"{base}/{name}"
            if rest or not self.tree.is_dir(child):
                yield from self._glob_parts(child, rest)


def load_nginx(tree: Tree, problems: dict[str, str], source: str = "files") -> NginxConfig:
    if not tree.exists(MAIN):
        return NginxConfig(present=False, source=source)
    loader = _Loader(tree, problems)
    top = loader.load(MAIN)
    if loader.over is not None:
        # What was read is part of the configuration: verdicts on it could be false.
        problems[NGINX] = f"{MAIN}: {loader.over}, not read in full"
    http = [d for d in top if d.name == "http" and d.block is not None]
    body = tuple(child for block in http for child in (block.block or ()))
    upstreams = {
        d.args[0]: _upstream(d) for d in body if d.name == "upstream" and d.args and d.block
    }
    servers = tuple(_server(d, body, upstreams) for d in body if d.name == "server" and d.block)
    return NginxConfig(
        present=True,
        main=MAIN,
        files=tuple(loader.files),
        servers=servers,
        upstreams=upstreams,
        source=source,
        errors=tuple(loader.errors),
    )


def _upstream(block: Directive) -> Upstream:
    servers = tuple(
        UpstreamServer(d.args[0], backup="backup" in d.args[1:], down="down" in d.args[1:])
        for d in block.block or () if d.name == "server" and d.args
    )
    return Upstream(block.args[0], servers, block.path, block.line)


def seconds(value: str) -> float | None:
    text = value.replace(" ", "")
    if not re.fullmatch(f"(?:{TIME_PART})+", text):
        return None
    return sum(float(number) * UNITS[unit or "s"]
               for number, unit in re.findall(TIME_PART, text))


class _Scope:
    """What a level of the configuration hands down to the levels below it."""

    def __init__(self, headers: Mapping[str, str], proxy: Mapping[str, str],
                 timeout: tuple[float, str], tokens: tuple[str, str | None],
                 protocols: tuple[tuple[str, ...] | None, str | None],
                 certificate: str | None) -> None:
        self.headers = headers
        self.proxy = proxy
        self.timeout = timeout
        self.tokens = tokens
        self.protocols = protocols
        self.certificate = certificate

    def enter(self, block: Sequence[Directive]) -> _Scope:
        # add_header and proxy_set_header are inherited only by a level that defines none.
        headers = _pairs(block, "add_header") or self.headers
        proxy = _pairs(block, "proxy_set_header") or self.proxy
        timeout = self.timeout
        tokens = self.tokens
        protocols = self.protocols
        certificate = self.certificate
        for d in block:
            where = f"{d.path}:{d.line}"
            if d.name == "proxy_read_timeout" and d.args:
                parsed = seconds(d.args[0])
                if parsed is not None:
                    timeout = (parsed, where)
            elif d.name == "server_tokens" and d.args:
                tokens = (d.args[0].lower(), where)
            elif d.name == "ssl_protocols":
                protocols = (d.args, where)
            elif d.name == "ssl_certificate" and d.args:
                certificate = d.args[0]
        return _Scope(headers, proxy, timeout, tokens, protocols, certificate)


def _pairs(block: Sequence[Directive], name: str) -> dict[str, str]:
    return {d.args[0].lower(): (d.args[1] if len(d.args) > 1 else "")
            for d in block if d.name == name and d.args}


def _server(block: Directive, http: Sequence[Directive],
            upstreams: Mapping[str, Upstream]) -> Server:
    root = _Scope({}, {}, (DEFAULT_READ_TIMEOUT, "nginx default (60s)"), ("on", None),
                  (None, None), None)
    http_scope = root.enter([d for d in http if d.block is None])
    body = block.block or ()
    scope = http_scope.enter(body)
    listens = tuple(_listen(d) for d in body if d.name == "listen" and d.args) or (
        Listen("*", 80, False),)
    ssl_on = any(d.name == "ssl" and d.args[:1] == ("on",) for d in body)
    tls = ssl_on or any(x.ssl for x in listens)
    names = tuple(a for d in body if d.name == "server_name" for a in d.args)
    routes = tuple(_routes(body, scope, upstreams))
    return Server(
        names=names,
        listens=listens,
        path=block.path,
        line=block.line,
        tls=tls,
        plain=not ssl_on and any(not x.ssl for x in listens),
        certificate=scope.certificate,
        protocols=scope.protocols[0],
        protocols_at=scope.protocols[1],
        tokens=scope.tokens[0],
        tokens_at=scope.tokens[1],
        headers=scope.headers,
        redirect=_redirect(body, routes),
        routes=routes,
    )


def _listen(d: Directive) -> Listen:
    spec = d.args[0]
    params = d.args[1:]
    if spec.startswith("unix:"):
        return Listen(spec, 0, "ssl" in params)
    host, _, port = spec.rpartition(":")
    if not port.isdigit():
        host, port = (spec, "80") if not spec.isdigit() else ("*", spec)
    if spec.isdigit():
        host, port = "*", spec
    return Listen(host or "*", int(port), "ssl" in params or "quic" in params,
                  default="default_server" in params or "default" in params)


def _redirect(body: Sequence[Directive], routes: Sequence[ProxyRoute]) -> str | None:
    """Where the whole server sends requests: a server-level return/rewrite, ``if``, or ``/``.

    A redirect in ``location /`` (or ``= /``) covers the whole server only when no other
    location proxies: with ``location /api/ { proxy_pass ...; }`` beside it, /api/ is
    still served over plain HTTP (``location = /`` redirects the bare path alone)."""
    for d in body:
        target = _redirect_of(d)
        if target:
            return target
        if d.name == "if" and d.block:
            for inner in d.block:
                target = _redirect_of(inner)
                if target:
                    return target
        if (d.name == "location" and d.args in (("/",), ("=", "/")) and d.block
                and all(r.match == " ".join(d.args) for r in routes)):
            for inner in d.block:
                target = _redirect_of(inner)
                if target:
                    return target
    return None


def _redirect_of(d: Directive) -> str | None:
    if d.name == "return" and d.args:
        if len(d.args) >= 2 and d.args[0] in REDIRECT_CODES:
            return d.args[1]
        if d.args[0].startswith(("http://", "https://")):
            return d.args[0]
    if (d.name == "rewrite" and len(d.args) >= 2
            and d.args[1].startswith(("http://", "https://"))
            and (len(d.args) < 3 or d.args[2] in ("permanent", "redirect"))):
        return d.args[1]
    return None


def _routes(body: Sequence[Directive], scope: _Scope,
            upstreams: Mapping[str, Upstream]) -> Iterator[ProxyRoute]:
    for d in body:
        if d.name != "location" or d.block is None:
            continue
        inner = scope.enter(d.block)
        for p in d.block:
            if p.name in ("proxy_pass", "uwsgi_pass") and p.args:
                backends, upstream = _backends(p.args[0], upstreams)
                yield ProxyRoute(
                    match=" ".join(d.args),
                    target=p.args[0],
                    backends=backends,
                    upstream=upstream,
                    headers=inner.headers,
                    proxy_headers=inner.proxy,
                    read_timeout=inner.timeout[0],
                    read_timeout_source=inner.timeout[1],
                    path=p.path,
                    line=p.line,
                )
        yield from _routes(d.block, inner, upstreams)


def _backends(target: str, upstreams: Mapping[str, Upstream]) -> tuple[tuple[str, ...], str | None]:
    if "$" in target:
        return (), None
    rest = target.split("://", 1)[-1]
    if rest.startswith("unix:"):
        return ("unix:" + rest[5:].split(":", 1)[0],), None
    host = rest.split("/", 1)[0]
    if host in upstreams:
        servers = upstreams[host].servers
        return tuple(s.address for s in servers if not s.down), host
    if ":" not in host.rsplit("]", 1)[-1]:
        host += ":443" if target.startswith("https://") else ":80"
    return (host,), None


def is_loopback(address: str) -> bool:
    host = address.rsplit(":", 1)[0] if not address.startswith("unix:") else address
    host = host.strip("[]")
    return host.startswith(("127.", "localhost", "::1", "unix:"))

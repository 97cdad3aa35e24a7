"""PostgreSQL clusters of a Debian/Ubuntu host: postgresql.conf (with includes) and pg_hba.conf."""

from __future__ import annotations

import ipaddress
import posixpath
import re
from collections.abc import Iterator

from auditor.checks.common.tree import Tree, TreeError
from auditor.checks.systemd.facts import HbaLine, PgCluster, PgClusters, PgSetting

ROOT = "/etc/postgresql"
MAX_DEPTH = 10
MAX_FILES = 256
"""Files one cluster's postgresql.conf or pg_hba.conf may include in all. The depth bound
alone let a file that includes itself twice be read 2**10 times (four times: a million,
a hang the fuzz test found); PostgreSQL reads a file again each time it is included, so
repeats are read up to this budget rather than skipped."""


class _Budget:
    """Reads left for one file's includes (a counter the recursion shares)."""

    def __init__(self) -> None:
        self.left = MAX_FILES

    def spend(self, path: str, problems: dict[str, str]) -> bool:
        if self.left <= 0:
            problems[f"file {path}"] = f"more than {MAX_FILES} files included, not read"
            return False
        self.left -= 1
        return True
SETTING = re.compile(r"^([A-Za-z_][\w.]*)\s*(?:=\s*|\s+)(.*)$")


def load_postgres(tree: Tree, problems: dict[str, str]) -> PgClusters:
    clusters = []
    for version in tree.listdir(ROOT):
        for name in tree.listdir(f"{ROOT}/{version}"):
            conf = f"{ROOT}/{version}/{name}/postgresql.conf"
            if tree.exists(conf) or tree.is_dir(f"{ROOT}/{version}/{name}"):
                clusters.append(_cluster(tree, f"{version}/{name}", conf, problems))
    return PgClusters(tuple(clusters))


def _cluster(tree: Tree, name: str, conf: str, problems: dict[str, str]) -> PgCluster:
    settings: dict[str, PgSetting] = {}
    _read_conf(tree, conf, settings, problems, depth=0, required=True)
    hba_setting = settings.get("hba_file")
    hba_path = hba_setting.value if hba_setting else posixpath.join(
        posixpath.dirname(conf), "pg_hba.conf")
    hba: list[HbaLine] = []
    _read_hba(tree, hba_path, hba, problems, depth=0)
    hba_error = problems.get(f"file {hba_path}")
    data = settings.get("data_directory")
    standby = bool(data) and any(
        tree.exists(posixpath.join(data.value, f)) for f in ("standby.signal", "recovery.conf")
    ) if data else False
    return PgCluster(name=name, conf_path=conf, settings=settings, hba=tuple(hba),
                     hba_path=hba_path, hba_error=hba_error, standby_signal=standby)


def _read(tree: Tree, path: str, problems: dict[str, str], required: bool) -> str | None:
    try:
        return tree.read_text(path)
    except TreeError as exc:
        reason = exc.reason
        if required or reason != "not found":
            problems[f"file {path}"] = reason
        return None


def unquote(value: str) -> str:
    """A postgresql.conf value: quoted ('' and backslash escapes) or a bare word; comment cut."""
    value = value.strip()
    if value.startswith("'"):
        out = []
        i = 1
        while i < len(value):
            c = value[i]
            if c == "\\" and i + 1 < len(value):
                out.append(value[i + 1])
                i += 2
                continue
            if c == "'":
                if value[i + 1:i + 2] == "'":
                    out.append("'")
                    i += 2
                    continue
                break
            out.append(c)
            i += 1
        return "".join(out)
    return value.split("#", 1)[0].strip()


def _read_conf(tree: Tree, path: str, settings: dict[str, PgSetting],
               problems: dict[str, str], depth: int, required: bool,
               budget: _Budget | None = None) -> None:
    budget = budget or _Budget()
    if depth > MAX_DEPTH:
        problems[f"file {path}"] = f"included deeper than {MAX_DEPTH} levels, not read"
        return
    if not budget.spend(path, problems):
        return
    text = _read(tree, path, problems, required)
    if text is None:
        return
    here = posixpath.dirname(path)
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = SETTING.match(line)
        if not match:
            continue
        name = match.group(1).lower()
        value = unquote(match.group(2))
        if name in ("include", "include_if_exists"):
            target = value if value.startswith("/") else posixpath.join(here, value)
            _read_conf(tree, target, settings, problems, depth + 1, name == "include", budget)
        elif name == "include_dir":
            directory = value if value.startswith("/") else posixpath.join(here, value)
            for file in tree.listdir(directory):
                if file.endswith(".conf") and not file.startswith("."):
                    _read_conf(tree, f"{directory}/{file}", settings, problems, depth + 1, True,
                               budget)
        else:
            settings[name] = PgSetting(name, value, path, number)


def _hba_tokens(line: str) -> list[str]:
    text = _strip_comment(line)
    return [m.group(1) if m.group(1) is not None else m.group(2)
            for m in re.finditer(r'"([^"]*)"|([^\s"]+)', text)]


def _strip_comment(line: str) -> str:
    quoted = False
    for i, c in enumerate(line):
        if c == '"':
            quoted = not quoted
        elif c == "#" and not quoted:
            return line[:i]
    return line


def _read_hba(tree: Tree, path: str, hba: list[HbaLine], problems: dict[str, str],
              depth: int, budget: _Budget | None = None) -> None:
    budget = budget or _Budget()
    if depth > MAX_DEPTH or not budget.spend(path, problems):
        return
    text = _read(tree, path, problems, required=depth == 0)
    if text is None:
        return
    here = posixpath.dirname(path)
    for number, line in _lines(text):
        words = _hba_tokens(line)
        if not words:
            continue
        kind = words[0]
        if kind in ("include", "include_if_exists", "include_dir") and len(words) > 1:
            target = words[1] if words[1].startswith("/") else posixpath.join(here, words[1])
            targets = ([f"{target}/{f}" for f in tree.listdir(target) if f.endswith(".conf")]
                       if kind == "include_dir" else [target])
            for item in targets:
                _read_hba(tree, item, hba, problems, depth + 1, budget)
            continue
        parsed = _hba_line(words, path, number)
        if parsed is not None:
            hba.append(parsed)


def _lines(text: str) -> Iterator[tuple[int, str]]:
    buffer = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        if not buffer:
            start = number
        stripped = raw.rstrip()
        if stripped.endswith("\\"):
            buffer += stripped[:-1] + " "
            continue
        yield start, buffer + stripped
        buffer = ""


def _hba_line(words: list[str], path: str, number: int) -> HbaLine | None:
    kind = words[0]
    if kind == "local" and len(words) >= 4:
        return HbaLine(kind, words[1], words[2], None, words[3].lower(), path, number)
    if kind.startswith("host") and len(words) >= 5:
        address = words[3]
        rest = words[4:]
        if "/" not in address and _is_ip(address) and rest and _is_ip(rest[0]):
            address = f"{address}/{_prefix(rest[0])}"
            rest = rest[1:]
        if not rest:
            return None
        return HbaLine(kind, words[1], words[2], address, rest[0].lower(), path, number)
    return None


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _prefix(mask: str) -> int:
    try:
        return ipaddress.ip_network(f"0.0.0.0/{mask}").prefixlen
    except ValueError:
        return 32


def address_is_local(address: str | None) -> bool:
    """An hba address that admits only this machine (loopback or samehost)."""
    if address is None:
        return True
    if address in ("samehost", "localhost"):
        return True
    try:
        network = ipaddress.ip_network(address, strict=False)
    except ValueError:
        return False
    return network.is_loopback


def listen_is_local(value: str) -> bool:
    items = [v.strip() for v in value.split(",") if v.strip()]
    if not items:
        return True  # '' : unix sockets only
    return all(i in ("localhost", "127.0.0.1", "::1") or i.startswith("127.") for i in items)

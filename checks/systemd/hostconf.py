"""Host-wide settings: logrotate, journald, APT's periodic upgrades, Redis."""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.checks.common.tree import Tree, TreeError
from auditor.checks.systemd.facts import (
    AptPeriodic,
    Assignment,
    LogConfig,
    LogrotateRule,
    PgSetting,
    RedisConf,
)
from auditor.checks.systemd.unitfile import entries

JOURNALD = "/etc/systemd/journald.conf"
JOURNALD_DIRS = ("/etc/systemd/journald.conf.d", "/run/systemd/journald.conf.d",
                 "/usr/local/lib/systemd/journald.conf.d", "/usr/lib/systemd/journald.conf.d",
                 "/lib/systemd/journald.conf.d")
APT_DIR = "/etc/apt/apt.conf.d"
REDIS_CONFS = ("/etc/redis/redis.conf", "/etc/redis.conf")
# logrotate skips these in an included directory (its default tabooext list).
TABOO = (".rpmsave", ".rpmorig", "~", ".disabled", ".dpkg-old", ".dpkg-dist", ".dpkg-new",
         ".cfsaved", ".ucf-old", ".ucf-dist", ".ucf-new", ".rpmnew", ".swp", ".cfsavedtmp",
         ",v", ".bak")


def _read(tree: Tree, path: str, problems: dict[str, str]) -> str | None:
    try:
        return tree.read_text(path)
    except TreeError as exc:
        reason = exc.reason
        if reason != "not found":
            problems[f"file {path}"] = reason
        return None


def load_logs(tree: Tree, problems: dict[str, str]) -> LogConfig:
    rules: list[LogrotateRule] = []
    main = _read(tree, "/etc/logrotate.conf", problems)
    files = ["/etc/logrotate.conf"] if main is not None else []
    included = ["/etc/logrotate.d"]
    if main is not None:
        included += [m.group(1) for m in re.finditer(r"^\s*include\s+(\S+)", main, re.M)]
    default_rotate = _global_rotate(main or "")
    for directory in dict.fromkeys(included):
        if tree.is_dir(directory):
            files.extend(f"{directory}/{n}" for n in tree.listdir(directory)
                         if not n.startswith(".") and not n.endswith(TABOO))
        elif directory != "/etc/logrotate.d":
            files.append(directory)
    for path in files:
        text = main if path == "/etc/logrotate.conf" else _read(tree, path, problems)
        if text:
            rules.extend(_logrotate(text, path, default_rotate))
    journald, journald_files = _journald(tree, problems)
    return LogConfig(rules=tuple(rules), journald=journald, journald_files=journald_files)


def _global_rotate(text: str) -> int:
    depth = 0
    rotate = 0
    for line in text.splitlines():
        depth += line.count("{") - line.count("}")
        match = re.match(r"^\s*rotate\s+(-?\d+)", line)
        if depth == 0 and match:
            rotate = int(match.group(1))
    return rotate


def _logrotate(text: str, path: str, default_rotate: int) -> Iterator[LogrotateRule]:
    pending: list[str] = []
    start = 0
    inside = False
    rotate = default_rotate
    sized = False
    script = False
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip() if not raw.strip().startswith("#") else ""
        if not line:
            continue
        if inside:
            if script:
                script = line != "endscript"
                continue
            if line in ("postrotate", "prerotate", "firstaction", "lastaction", "preremove"):
                script = True
                continue
            if line.startswith("}"):
                inside = False
                yield LogrotateRule(tuple(pending), path, start, rotate >= 0 or sized)
                pending = []
                continue
            words = line.split()
            if words[0] == "rotate" and len(words) > 1 and words[1].lstrip("-").isdigit():
                rotate = int(words[1])
            elif words[0] == "maxage":
                sized = True  # old logs expire by age even when their count is unbounded
            continue
        if "{" in line:
            before = line.split("{", 1)[0]
            if not pending:
                start = number
            pending.extend(_patterns(before))
            inside = True
            rotate = default_rotate
            sized = False
            continue
        if line.startswith(("/", '"', "'")):
            if not pending:
                start = number
            pending.extend(_patterns(line))


def _patterns(text: str) -> list[str]:
    return [w.strip("\"'") for w in re.findall(r'"[^"]*"|\'[^\']*\'|\S+', text)
            if w.strip("\"'").startswith("/")]


def _journald(tree: Tree, problems: dict[str, str]) -> tuple[dict[str, Assignment],
                                                             tuple[str, ...]]:
    files = [JOURNALD] if tree.exists(JOURNALD) else []
    chosen: dict[str, str] = {}
    for directory in JOURNALD_DIRS:
        for name in tree.listdir(directory):
            if name.endswith(".conf") and name not in chosen:
                chosen[name] = f"{directory}/{name}"
    files.extend(chosen[n] for n in sorted(chosen))
    values: dict[str, Assignment] = {}
    for path in files:
        text = _read(tree, path, problems)
        if text is None:
            continue
        for section, key, value, line in entries(text):
            if section != "Journal":
                continue
            if value == "":
                values.pop(key, None)
            else:
                values[key] = Assignment(value, path, line)
    return values, tuple(files)


_APT_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|([{};])|([^\s{};"]+)')


def _apt_tokens(text: str) -> Iterator[str | tuple[str]]:
    """APT configuration tokens; strings come back as 1-tuples to tell them from words."""
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    lines = []
    for raw in text.splitlines():
        stripped = raw.strip()
        if stripped.startswith(("//", "#")):
            continue
        lines.append(re.sub(r'\s//.*$', "", raw))
    for match in _APT_TOKEN.finditer("\n".join(lines)):
        if match.group(1) is not None:
            yield (match.group(1),)
        else:
            yield match.group(2) or match.group(3)


def _apt_file(text: str, path: str, values: dict[str, PgSetting], lists: dict[str, list[str]]
              ) -> None:
    stack: list[str] = []
    name: str | None = None
    for token in _apt_tokens(text):
        if isinstance(token, tuple):
            if name is not None:
                full = "::".join([*stack, name]).lower()
                values[full] = PgSetting(full, token[0], path, 0)
                name = None
            elif stack:
                lists.setdefault("::".join(stack).lower(), []).append(token[0])
        elif token == "{":
            if name is not None:
                stack.append(name)
                name = None
        elif token == "}":
            if stack:
                stack.pop()
        elif token == ";":
            name = None
        else:
            name = token
    _lines(text, path, values)


def _lines(text: str, path: str, values: dict[str, PgSetting]) -> None:
    """Line numbers of flat ``A::B "v";`` settings, for evidence."""
    for number, raw in enumerate(text.splitlines(), 1):
        match = re.match(r'^\s*([\w:-]+)\s+"([^"]*)"\s*;', raw)
        if match and match.group(1).lower() in values:
            key = match.group(1).lower()
            values[key] = PgSetting(key, values[key].value, path, number)


def apt_reads(name: str) -> bool:
    """Whether APT reads ``name`` in apt.conf.d (GetListOfFilesInDir with "conf" and no
    extension allowed): not hidden, only letters, digits, '_', '-', ':' and '.', and no
    extension or .conf, so 20auto-upgrades.dpkg-old, .bak and .disabled are skipped."""
    if name.startswith(".") or name.endswith(".") or not re.fullmatch(r"[\w:.-]+", name, re.A):
        return False
    return "." not in name or name.rsplit(".", 1)[1] == "conf"


def load_apt(tree: Tree, problems: dict[str, str]) -> AptPeriodic:
    values: dict[str, PgSetting] = {}
    lists: dict[str, list[str]] = {}
    # APT reads apt.conf.d in name order, then apt.conf (pkgInitConfig): the main file wins.
    paths = [f"{APT_DIR}/{n}" for n in tree.listdir(APT_DIR) if apt_reads(n)] + (
        ["/etc/apt/apt.conf"] if tree.exists("/etc/apt/apt.conf") else [])
    unattended = None
    for path in paths:
        text = _read(tree, path, problems)
        if text is None:
            continue
        if path.endswith("unattended-upgrades") and "Unattended-Upgrade::" in text:
            unattended = path
        _apt_file(text, path, values, lists)
    origins = tuple(
        item for key, items in lists.items()
        if key in ("unattended-upgrade::origins-pattern", "unattended-upgrade::allowed-origins")
        for item in items
    )
    periodic = {k: v for k, v in values.items() if k.startswith("apt::periodic::")}
    return AptPeriodic(values=periodic, unattended_config=unattended, origins=origins)


def load_redis(tree: Tree, problems: dict[str, str]) -> RedisConf | None:
    for path in REDIS_CONFS:
        text = _read(tree, path, problems)
        if text is None:
            continue
        binds: tuple[str, ...] = ()
        bind_line = None
        port = 6379
        protected = True
        for number, raw in enumerate(text.splitlines(), 1):
            words = raw.split("#", 1)[0].split()
            if not words:
                continue
            key = words[0].lower()
            if key == "bind":
                binds = tuple(w.lstrip("-") for w in words[1:])
                bind_line = number
            elif key == "port" and len(words) > 1 and words[1].isdigit():
                port = int(words[1])
            elif key == "protected-mode" and len(words) > 1:
                protected = words[1].lower() == "yes"
        return RedisConf(path=path, binds=binds, bind_line=bind_line, port=port,
                         protected_mode=protected)
    return None

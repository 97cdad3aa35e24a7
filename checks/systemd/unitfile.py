"""The unit-file syntax (systemd.syntax(7)) and environment files, read as data.

Written here rather than taken from configparser: unit files repeat keys
(``ExecStartPre=`` twice is two commands), reset lists with an empty value and
continue lines with a trailing backslash, none of which an INI parser keeps.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator, Mapping

from auditor.checks.superset.configmodel import EnvValue

ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


LINE_END = re.compile(r"\r\n|\r|\n")


def lines(text: str) -> list[str]:
    """Lines as systemd reads them: ended by LF, CR LF or CR only. ``str.splitlines`` also
    splits at U+2028, U+0085, form feeds..., which would let ``Description=x\u2028User=a``
    show the auditor an assignment systemd never makes."""
    found = LINE_END.split(text)
    return found[:-1] if found and found[-1] == "" else found


def entries(text: str) -> Iterator[tuple[str, str, str, int]]:
    """``(section, key, value, line)`` for every assignment, in file order."""
    section = ""
    buffer = ""
    start = 0
    # systemd skips a UTF-8 byte order mark at the start of a unit file (conf-parser.c).
    for number, raw in enumerate(lines(text.removeprefix("\ufeff")), 1):
        line = raw.strip()
        if not buffer:
            start = number
            if not line or line[0] in "#;":
                continue
            if line.startswith("[") and line.endswith("]"):
                section = line[1:-1].strip()
                continue
        elif line[:1] in ("#", ";"):
            continue  # comment lines inside a continuation are dropped, as systemd does
        if line.endswith("\\"):
            buffer += line[:-1] + " "
            continue
        buffer += line
        key, sep, value = buffer.partition("=")
        buffer = ""
        if sep and key.strip():
            yield section, key.strip(), value.strip(), start


def split_quoted(value: str) -> list[str]:
    """Words of a setting, unquoted the way systemd's extract_first_word does (roughly)."""
    try:
        return shlex.split(value, comments=False, posix=True)
    except ValueError:
        return value.split()


def environment_words(value: str) -> Iterator[tuple[str, str]]:
    """``Environment="A=1 2" B=3`` -> (A, "1 2"), (B, "3")."""
    for word in split_quoted(value):
        name, sep, item = word.partition("=")
        if sep and ENV_NAME.match(name):
            yield name, item


def env_file(text: str, path: str) -> dict[str, EnvValue]:
    """An ``EnvironmentFile=``: ``KEY=VALUE`` lines, quotes removed, comments skipped."""
    found: dict[str, EnvValue] = {}
    pending = ""
    start = 0
    for number, raw in enumerate(lines(text), 1):
        line = raw.strip()
        if not pending:
            start = number
            if not line or line[0] in "#;":
                continue
        if line.endswith("\\") and not line.endswith("\\\\"):
            pending += line[:-1]
            continue
        line = pending + line
        pending = ""
        if line.startswith("export "):
            line = line[len("export "):].lstrip()
        name, sep, value = line.partition("=")
        name = name.strip()
        if not sep or not ENV_NAME.match(name):
            continue
        found[name] = EnvValue(_unquote(value.strip()), f"{path}:{start}")
    return found


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        inner = value[1:-1]
        return inner.replace('\\"', '"') if value[0] == '"' else inner
    return value.split(" #", 1)[0].rstrip()


def expand_specifiers(value: str, unit: str) -> str:
    """The specifiers a Superset unit realistically uses: %i, %I, %n, %N, %p, %%."""
    if "%" not in value:
        return value
    base = unit.rsplit(".", 1)[0]
    prefix, _, instance = base.partition("@")
    table: Mapping[str, str] = {"i": instance, "I": instance, "n": unit, "N": base,
                                "p": prefix, "%": "%"}
    return re.sub(r"%(.)", lambda m: table.get(m.group(1), m.group(0)), value)


def expand_command(words: list[str], env: Mapping[str, str]) -> list[str]:
    """ExecStart's variable rules: a bare ``$X`` word splits, ``${X}`` stays one word."""
    expanded: list[str] = []
    for word in words:
        bare = re.fullmatch(r"\$([A-Za-z_][A-Za-z0-9_]*)", word)
        if bare:
            expanded.extend(env.get(bare.group(1), "").split())
            continue
        expanded.append(re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}",
                               lambda m: env.get(m.group(1), ""), word))
    return expanded


def strip_exec_prefixes(value: str) -> tuple[str, bool]:
    """ExecStart's ``-@:+!`` prefixes; returns the command and whether ``@`` was used."""
    at = False
    while value[:1] in ("-", "@", ":", "+", "!"):
        at = at or value[0] == "@"
        value = value[1:]
    return value, at

"""The ``.env`` / ``env_file`` format as Compose reads it.

``KEY=value`` lines, an optional ``export`` prefix, ``#`` comments (whole lines,
or after whitespace in an unquoted value), single quotes taken literally,
double quotes with escapes, both quote styles may span lines. Unquoted and
double-quoted values are interpolated with the variables defined earlier in
the file and then the lookup mapping given. A bare ``KEY`` line takes the value
from the lookup mapping, or is left unset.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from auditor.checks.compose.interpolate import Issue, interpolate

ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", '"': '"', "$": "$$"}


@dataclass(frozen=True)
class EnvEntry:
    value: str
    line: int


@dataclass
class EnvFile:
    entries: dict[str, EnvEntry] = field(default_factory=dict)
    issues: list[tuple[int, Issue]] = field(default_factory=list)
    bad_lines: list[int] = field(default_factory=list)
    """Lines that are not ``KEY=value`` (Compose rejects the file)."""


def parse_dotenv(text: str, lookup: Mapping[str, str]) -> EnvFile:
    result = EnvFile()
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        number = index + 1
        raw = lines[index]
        index += 1
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export ") or line.startswith("export\t"):
            line = line[7:].lstrip()
        if "=" not in line:
            key = line.split("#", 1)[0].strip()
            if key and not any(c.isspace() for c in key):
                if key in lookup:
                    result.entries[key] = EnvEntry(lookup[key], number)
            else:
                result.bad_lines.append(number)
            continue
        key, value = line.split("=", 1)
        key = key.strip()
        if not key or any(c.isspace() for c in key):
            result.bad_lines.append(number)
            continue
        value = value.lstrip()
        known = {**lookup, **{k: e.value for k, e in result.entries.items()}}
        if value[:1] in ("'", '"'):
            quote = value[0]
            body, consumed = _quoted(value[1:], quote, lines, index)
            index += consumed
            if body is None:
                result.bad_lines.append(number)
                continue
            if quote == '"':
                body = _unescape(body)
                body, issues = interpolate(body, known)
                result.issues.extend((number, issue) for issue in issues)
            result.entries[key] = EnvEntry(body, number)
            continue
        comment = _comment_start(value)
        if comment >= 0:
            value = value[:comment]
        value = value.rstrip()
        value, issues = interpolate(value, known)
        result.issues.extend((number, issue) for issue in issues)
        result.entries[key] = EnvEntry(value, number)
    return result


def _quoted(rest: str, quote: str, lines: list[str], index: int) -> tuple[str | None, int]:
    """The text up to the closing quote (possibly on a later line), and lines consumed."""
    collected = rest
    consumed = 0
    while True:
        end = _closing_quote(collected, quote)
        if end >= 0:
            return collected[:end], consumed
        if index + consumed >= len(lines):
            return None, consumed
        collected += "\n" + lines[index + consumed]
        consumed += 1


def _closing_quote(text: str, quote: str) -> int:
    i = 0
    while i < len(text):
        if quote == '"' and text[i] == "\\":
            i += 2
            continue
        if text[i] == quote:
            return i
        i += 1
    return -1


def _unescape(text: str) -> str:
    out = []
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in ESCAPES:
            out.append(ESCAPES[text[i + 1]])
            i += 2
            continue
        out.append(text[i])
        i += 1
    return "".join(out)


def _comment_start(value: str) -> int:
    """Where an inline comment starts in an unquoted value: `` #`` (a ``#`` right after the
    ``=`` is part of the value, as in Compose)."""
    for i, char in enumerate(value):
        if char == "#" and i > 0 and value[i - 1] in " \t":
            return i
    return -1

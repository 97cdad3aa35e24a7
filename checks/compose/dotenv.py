"""``.env`` files, read with python-dotenv's parser (the reader Flask and the ``superset``
CLI load ``.env`` with), then given the meaning of whoever reads them.

python-dotenv splits a file into bindings (``export``, comments, quotes, values spanning
lines) and keeps each binding's original text and line. The value's meaning differs:

- :func:`parse_dotenv`, Compose's rules (docs.docker.com, "env file syntax"): single-quoted
  values are literal (only ``\\'`` is an escape), double-quoted ones take ``\\n``, ``\\r``,
  ``\\t``, ``\\\\`` and ``\\"`` and are interpolated, unquoted ones lose an inline comment
  preceded by a space and are interpolated, with Compose's full ``${VAR:-default}`` syntax;
  a bare ``KEY`` takes its value from the lookup mapping.
- :func:`parse_flask_dotenv`, python-dotenv's own values, as Superset run from pip sees
  them, interpolated (``${VAR}``, ``${VAR:-default}``) from earlier lines of the same file
  only: the environment of the process running the audit is never read.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from dotenv.parser import Binding, parse_stream
from dotenv.variables import parse_variables

from auditor.checks.compose.interpolate import Issue, interpolate

COMPOSE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", '"': '"', "$": "$$"}
"""Double-quoted escapes Compose documents; ``\\$`` stays a literal ``$`` (``$$`` survives
interpolation as one ``$``)."""
HEAD = re.compile(r"\s*(?:export[^\S\r\n]+)?(?:'[^']+'|[^=#\s]+)[^\S\r\n]*=[^\S\r\n]*")
"""What precedes a binding's value: the key (optionally ``export``ed) and ``=``."""
DOUBLE_QUOTED = re.compile(r'"((?:\\.|[^"\\])*)"', re.DOTALL)
YAML_STYLE = re.compile(r"([^\S\r\n]*(?:export[^\S\r\n]+)?[A-Za-z0-9_.\-\[\]]+)[^\S\r\n]*:(.*)",
                        re.DOTALL)
"""``KEY: value``: Compose's parser (compose-go's dotenv) takes ``:`` for ``=``, as the
YAML-style declaration its godotenv ancestry supports; python-dotenv rejects the line."""


@dataclass(frozen=True)
class EnvEntry:
    value: str
    line: int


@dataclass
class EnvFile:
    entries: dict[str, EnvEntry] = field(default_factory=dict)
    issues: list[tuple[int, Issue]] = field(default_factory=list)
    bad_lines: list[int] = field(default_factory=list)
    """Lines that are not ``KEY=value`` (Compose rejects the file; python-dotenv skips them
    with a warning)."""


def _bindings(text: str) -> Iterator[tuple[Binding, int]]:
    """Each binding with the line its key is on (python-dotenv's line is where the blank
    lines before it start)."""
    for binding in parse_stream(io.StringIO(text)):
        original = binding.original.string
        lead = len(original) - len(original.lstrip())
        line = binding.original.line + len(re.findall(r"\r\n|\n|\r", original[:lead]))
        yield binding, line


def parse_dotenv(text: str, lookup: Mapping[str, str]) -> EnvFile:
    """A Compose ``.env`` or ``env_file`` (see the module docstring)."""
    result = EnvFile()
    for binding, line in _compose_bindings(text):
        if binding.error:
            result.bad_lines.append(line)
            continue
        key = binding.key
        if key is None:
            continue  # a comment or blank lines
        if binding.value is None:
            if key in lookup:
                result.entries[key] = EnvEntry(lookup[key], line)
            continue
        known = {**lookup, **{k: e.value for k, e in result.entries.items()}}
        head = HEAD.match(binding.original.string)
        rest = binding.original.string[head.end():] if head else ""
        if rest.startswith("'"):
            result.entries[key] = EnvEntry(binding.value, line)
            continue
        value = binding.value
        quoted = DOUBLE_QUOTED.match(rest) if rest.startswith('"') else None
        if quoted is not None:
            value = _compose_unescape(quoted.group(1))
        value, issues = interpolate(value, known)
        result.issues.extend((line, issue) for issue in issues)
        result.entries[key] = EnvEntry(value, line)
    return result


def _compose_bindings(text: str) -> Iterator[tuple[Binding, int]]:
    """python-dotenv's bindings, with a rejected ``KEY: value`` line read as Compose reads
    it (as ``KEY=value``, then parsed again), so a file Compose accepts is not called bad."""
    for binding, line in _bindings(text):
        yaml_style = YAML_STYLE.fullmatch(binding.original.string) if binding.error else None
        if yaml_style is None:
            yield binding, line
            continue
        rewritten = f"{yaml_style.group(1)}={yaml_style.group(2)}"
        again = [b for b, _ in _bindings(rewritten)]
        if len(again) == 1 and not again[0].error:
            yield again[0], line
        else:
            yield binding, line


def parse_flask_dotenv(text: str) -> EnvFile:
    """A ``.env``/``.flaskenv`` as ``flask``/``superset`` load it with python-dotenv."""
    result = EnvFile()
    for binding, line in _bindings(text):
        if binding.error:
            result.bad_lines.append(line)
            continue
        if binding.key is None or binding.value is None:
            continue  # python-dotenv leaves a bare KEY unset in the environment
        known = {k: e.value for k, e in result.entries.items()}
        value = "".join(atom.resolve(known) for atom in parse_variables(binding.value))
        result.entries[binding.key] = EnvEntry(value, line)
    return result


def _compose_unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: COMPOSE_ESCAPES.get(m.group(1), m.group(0)), text,
                  flags=re.DOTALL)

"""Variable interpolation as the Compose specification defines it.

Supported: ``$VAR``, ``${VAR}``, ``${VAR:-default}``, ``${VAR-default}``,
``${VAR:?err}``, ``${VAR?err}``, ``${VAR:+alt}``, ``${VAR+alt}``, nesting inside
the default/alternative/error text, and ``$$`` for a literal ``$``. Anything
else after a ``$`` is an invalid template, which Compose refuses: the text is
kept as written and the issue reported.

Only the mapping given is consulted (the project's ``.env``): never the
environment of the process running the audit, so an audit is reproducible.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
OPERATORS = (":-", ":?", ":+", "-", "?", "+")


@dataclass(frozen=True)
class Issue:
    """Something Compose would warn about or refuse while interpolating."""

    kind: str
    """``missing`` (unset, empty string used), ``required`` (``?`` error), ``invalid``."""
    name: str
    detail: str


def interpolate(text: str, env: Mapping[str, str]) -> tuple[str, list[Issue]]:
    """``text`` with every variable substituted from ``env``, and the issues met."""
    if "$" not in text:
        return text, []
    issues: list[Issue] = []
    return _expand(text, env, issues), issues


def _expand(text: str, env: Mapping[str, str], issues: list[Issue]) -> str:
    out: list[str] = []
    i = 0
    size = len(text)
    while i < size:
        char = text[i]
        if char != "$":
            j = text.find("$", i)
            j = size if j < 0 else j
            out.append(text[i:j])
            i = j
            continue
        nxt = text[i + 1] if i + 1 < size else ""
        if nxt == "$":
            out.append("$")
            i += 2
        elif nxt == "{":
            end = _closing(text, i + 2)
            if end < 0:
                issues.append(Issue("invalid", "", "an unterminated ${"))
                out.append(text[i:])
                break
            out.append(_braced(text[i + 2:end], env, issues))
            i = end + 1
        else:
            match = NAME.match(text, i + 1)
            if match is None:
                issues.append(Issue("invalid", "", "a lone $ not followed by a variable name "
                                                   "(write $$ for a literal dollar sign)"))
                out.append("$")
                i += 1
                continue
            name = match.group(0)
            out.append(_lookup(name, env, issues))
            i = match.end()
    return "".join(out)


def _closing(text: str, start: int) -> int:
    """Index of the ``}`` closing a ``${`` whose body starts at ``start``; -1 if none."""
    depth = 1
    i = start
    while i < len(text):
        if text.startswith("$$", i):
            i += 2
            continue
        if text.startswith("${", i):
            depth += 1
            i += 2
            continue
        if text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _braced(body: str, env: Mapping[str, str], issues: list[Issue]) -> str:
    # Messages name the variable, never the surrounding text: it may hold a secret.
    match = NAME.match(body)
    if match is None:
        issues.append(Issue("invalid", "", "a ${...} that does not start with a variable name"))
        return "${" + body + "}"
    name = match.group(0)
    rest = body[match.end():]
    if not rest:
        return _lookup(name, env, issues)
    operator = next((op for op in OPERATORS if rest.startswith(op)), None)
    if operator is None:
        # ${VAR/foo/bar} and other shell features: not supported by Compose.
        issues.append(Issue("invalid", name, f"${{{name}...}} uses syntax Compose does not "
                                             "support"))
        return "${" + body + "}"
    arg = rest[len(operator):]
    value = env.get(name)
    empty_counts = operator.startswith(":")
    unset = value is None or (empty_counts and value == "")
    if operator in (":-", "-"):
        return _expand(arg, env, issues) if unset else str(value)
    if operator in (":?", "?"):
        if unset:
            message = _expand(arg, env, issues) or f"required variable {name} is missing a value"
            issues.append(Issue("required", name, message))
            return ""
        return str(value)
    # ":+" / "+": the alternative when set (and, with the colon, not empty).
    return "" if unset else _expand(arg, env, issues)


def _lookup(name: str, env: Mapping[str, str], issues: list[Issue]) -> str:
    value = env.get(name)
    if value is None:
        issues.append(Issue("missing", name, f"variable {name} is not set: Compose substitutes "
                                             "an empty string"))
        return ""
    return value

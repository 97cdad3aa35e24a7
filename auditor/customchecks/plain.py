"""Values from TOML, YAML or a collector as plain JSON data, walked within bounds, and
JSON pointers (RFC 6901) into them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any


class TooLarge(Exception):
    """The value is nested deeper, or holds more values, than the bounds allow."""


def as_json(value: object, *, max_depth: int, max_nodes: int) -> Any:
    """``value`` with mappings as dicts, sequences as lists and dates as ISO strings.

    jsonschema's ``object`` and ``array`` are ``dict`` and ``list``: a collector's read-only
    mappings and tuples would be of no JSON type. YAML aliases are shared objects that a
    walk expands, and can contain themselves: the bounds turn both into ``TooLarge``.
    """
    budget = [max_nodes]

    def walk(item: object, depth: int) -> Any:
        budget[0] -= 1
        if budget[0] < 0:
            raise TooLarge(f"more than {max_nodes} values")
        if depth > max_depth:
            raise TooLarge(f"nested deeper than {max_depth} levels")
        if isinstance(item, Mapping):
            return {str(key): walk(child, depth + 1) for key, child in item.items()}
        if isinstance(item, list | tuple):
            return [walk(child, depth + 1) for child in item]
        if isinstance(item, dt.date | dt.time):
            return item.isoformat()
        if item is None or isinstance(item, str | bool | int | float):
            return item
        return str(item)

    return walk(value, 0)


ABSENT = object()
"""What :func:`follow` answers for a pointer that leads nowhere."""


def tokens_of(pointer: str) -> tuple[str, ...]:
    """The tokens of a JSON pointer (``""`` or ``/a/b``), ``~1`` and ``~0`` unescaped."""
    if not pointer:
        return ()
    return tuple(t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/"))


def follow(value: Any, tokens: tuple[str, ...]) -> Any:
    """The value the tokens lead to in plain data, or ABSENT."""
    for token in tokens:
        if isinstance(value, dict) and token in value:
            value = value[token]
        elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
            value = value[int(token)]
        else:
            return ABSENT
    return value

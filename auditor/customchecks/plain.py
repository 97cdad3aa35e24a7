"""Values from TOML, YAML or a collector as plain JSON data, walked within bounds."""

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

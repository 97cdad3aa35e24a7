"""A small block-style YAML writer that keeps what hand-written manifests have.

PyYAML's dumper writes neither comments nor merge keys and names its anchors
``&id001``; people write ``# why`` lines, ``labels: &labels`` and
``<<: *defaults``. :func:`dump` writes a tree of plain values plus these markers:

- :class:`Comment` as a mapping key (its value is ignored): a ``# text`` line;
- :class:`Note` around a scalar: the scalar with a trailing ``# text``;
- :class:`Anchor` around a value: ``&name`` before it;
- :class:`Alias` as a value: ``*name``;
- the key ``"<<"`` with an :class:`Alias` value: a YAML 1.1 merge key.

:func:`plain` gives the value a YAML loader must return for the same tree
(comments dropped, aliases and merges resolved), so tests can check the text
round-trips.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

_serial = itertools.count()


@dataclass(frozen=True)
class Comment:
    text: str
    # two comments with the same text are still two keys of one mapping
    serial: int = field(default_factory=lambda: next(_serial))


@dataclass(frozen=True)
class Note:
    value: Any
    text: str


@dataclass(frozen=True)
class Anchor:
    name: str
    value: Any


@dataclass(frozen=True)
class Alias:
    name: str


MERGE = "<<"
_PLAIN = re.compile(r"[A-Za-z0-9_/][A-Za-z0-9_./-]*(?: [A-Za-z0-9_./-]+)*")


@functools.lru_cache(maxsize=4096)
def _plain_ok(text: str) -> bool:
    """Whether ``text`` unquoted reads back as the same string (not 10, 1.5, yes, null...)."""
    return bool(_PLAIN.fullmatch(text)) and yaml.safe_load(text) == text


def scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    if _plain_ok(text):
        return text
    return json.dumps(text)  # a JSON string is a valid double-quoted YAML scalar


def _literal(head: str, text: str, indent: int) -> list[str]:
    """A multi-line string as a ``|`` block, when YAML can keep it exactly."""
    body = text[:-1] if text.endswith("\n") else text
    if text.endswith("\n\n") or body[:1] in (" ", "\t") or any(
        line != line.rstrip() for line in body.split("\n")
    ):
        return [f"{head} {json.dumps(text)}"]
    pad = " " * indent
    lines = [f"{head} {'|' if text.endswith(chr(10)) else '|-'}"]
    lines += [f"{pad}{line}" if line else "" for line in body.split("\n")]
    return lines


def _value(head: str, value: Any, indent: int, in_list: bool) -> list[str]:
    if isinstance(value, Anchor):
        head = f"{head} &{value.name}"
        value = value.value
        if isinstance(value, Mapping | list) and value:
            return [head, *_block(value, indent + 2)]
    if isinstance(value, Alias):
        return [f"{head} *{value.name}"]
    if isinstance(value, Note):
        return [f"{head} {scalar(value.value)}  # {value.text}"]
    if isinstance(value, str) and "\n" in value:
        return _literal(head, value, indent + 2)
    if isinstance(value, Mapping):
        if not value:
            return [f"{head} {{}}"]
        inner = _block(value, indent + 2)
        if in_list and not isinstance(next(iter(value)), Comment):
            return [f"{head} {inner[0].lstrip()}", *inner[1:]]  # "- key: value"
        return [head, *inner]
    if isinstance(value, list):
        if not value:
            return [f"{head} []"]
        return [head, *_block(value, indent + 2)]
    return [f"{head} {scalar(value)}"]


def _block(value: Mapping[Any, Any] | list[Any], indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, Comment):
                lines.append(f"{pad}# {key.text}")
            elif key == MERGE:  # must stay plain: a quoted "<<" is an ordinary key
                lines += _value(f"{pad}<<:", item, indent, in_list=False)
            else:
                lines += _value(f"{pad}{scalar(key)}:", item, indent, in_list=False)
    else:
        for item in value:
            lines += _value(f"{pad}-", item, indent, in_list=True)
    return lines


def dump(tree: Mapping[Any, Any]) -> str:
    """One document's text (no ``---``), ending with a newline."""
    return "\n".join(_block(tree, 0)) + "\n"


def plain(tree: Any, anchors: dict[str, Any] | None = None) -> Any:
    """What a YAML loader returns for ``dump(tree)``."""
    anchors = {} if anchors is None else anchors
    if isinstance(tree, Anchor):
        anchors[tree.name] = value = plain(tree.value, anchors)
        return value
    if isinstance(tree, Alias):
        return anchors[tree.name]
    if isinstance(tree, Note):
        return plain(tree.value, anchors)
    if isinstance(tree, Mapping):
        merged: dict[Any, Any] = {}
        own: dict[Any, Any] = {}
        for key, item in tree.items():
            if isinstance(key, Comment):
                continue
            if key == MERGE:
                merged.update(plain(item, anchors))
            else:
                own[key] = plain(item, anchors)
        return {**merged, **own}  # explicit keys win over merged ones
    if isinstance(tree, list):
        return [plain(item, anchors) for item in tree]
    return tree

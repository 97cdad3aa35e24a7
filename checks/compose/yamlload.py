"""Reading one Compose file: YAML as Compose reads it, interpolated, with line numbers.

Compose parses with a YAML 1.2 parser: ``yes``/``on`` stay strings and ``22:22``
is not a base-60 number (PyYAML's default YAML 1.1 resolver would turn it into
1342), so this loader resolves scalars the 1.2 way. Anchors, aliases and merge
keys (``<<: *default``) work as in any YAML. Interpolation is applied to the
composed node graph, before construction, so that every issue has the line of
the value it comes from and a value shared through an alias is interpolated
exactly once. ``!reset`` and ``!override`` (the Compose merge tags) are kept.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from auditor.checks.common.yamlgraph import RecursiveAlias, measure
from auditor.checks.compose.interpolate import Issue, interpolate

try:  # libyaml's parser when available; construction stays in Python either way
    from yaml._yaml import CParser as _Parser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml.composer import Composer
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, Parser, Composer):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)


STR = "tag:yaml.org,2002:str"


class Reset:
    """``!reset``: the attribute is removed from what earlier files set."""

    def __repr__(self) -> str:
        return "RESET"


RESET = Reset()


@dataclass(frozen=True)
class Override:
    """``!override``: the value replaces what earlier files set, without merging."""

    value: object


class _Resolver(yaml.resolver.BaseResolver):
    """The YAML 1.2 core schema (what Compose's Go parser uses), plus merge keys."""


_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"))
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"))
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
               r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."))
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])
_Resolver.add_implicit_resolver("tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"), ["<"])


def _construct_int(loader: Any, node: ScalarNode) -> int:
    text = str(loader.construct_scalar(node)).replace("_", "")
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


def _construct_reset(loader: Any, node: Node) -> Reset:
    return RESET


def _construct_override(loader: Any, node: Node) -> Override:
    if isinstance(node, MappingNode):
        return Override(loader.construct_mapping(node, deep=True))
    if isinstance(node, SequenceNode):
        return Override(loader.construct_sequence(node, deep=True))
    return Override(loader.construct_scalar(node))


class _Loader(_Parser, yaml.constructor.SafeConstructor, _Resolver):
    def __init__(self, stream: str) -> None:
        _Parser.__init__(self, stream)
        yaml.constructor.SafeConstructor.__init__(self)
        _Resolver.__init__(self)


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor("!reset", _construct_reset)
_Loader.add_constructor("!override", _construct_override)


MAX_EXPANDED = 200_000
"""Nodes a document may expand to through aliases (a "billion laughs" file is refused)."""
MAX_DEPTH = 100
"""Nesting no Compose file needs; deeper documents are refused before recursive steps."""


class YamlError(Exception):
    """Not valid YAML; the message names the line."""


@dataclass
class ServiceMarks:
    """Where a service and its attributes are written in one file."""

    line: int
    attrs: dict[str, int] = field(default_factory=dict)
    env: dict[str, int] = field(default_factory=dict)
    """Line of each ``environment`` entry."""
    env_interpolated: set[str] = field(default_factory=set)
    """``environment`` entries whose value was written as a ``${VARIABLE}`` reference."""


@dataclass
class LoadedFile:
    data: dict[str, Any]
    services: dict[str, ServiceMarks]
    issues: list[tuple[int, Issue]]


def load_compose(text: str, env: Mapping[str, str]) -> LoadedFile:
    """Parse, interpolate and construct one Compose file; raises :class:`YamlError`."""
    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.YAMLError as exc:
            raise YamlError(_describe(exc)) from None
        except RecursionError:
            raise YamlError("nested too deeply to be a Compose file") from None
        if node is None:
            return LoadedFile({}, {}, [])
        _check_shape(node)
        issues: list[tuple[int, Issue]] = []
        touched: set[int] = set()
        _interpolate(node, env, issues, touched)
        try:
            data = loader.construct_document(node)
        except Exception as exc:  # PyYAML's constructors on tagged values:
            # ``!!int abc`` (ValueError), ``!!bool maybe`` (KeyError), ``!!timestamp x``
            # (AttributeError), ``!!float`` on a list (TypeError), ...
            raise YamlError(_describe(exc)) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise YamlError(f"line {node.start_mark.line + 1}: the top level is not a mapping")
    return LoadedFile(data, _service_marks(node, touched), issues)


def _check_shape(root: Node) -> None:
    """Refuse documents whose alias expansion or depth would make later copies explode."""
    try:
        for node in measure(root):
            if node.size > MAX_EXPANDED:
                raise YamlError(f"line {node.line}: aliases expand to more than "
                                f"{MAX_EXPANDED} values (refused)")
            if node.depth > MAX_DEPTH:
                raise YamlError(f"line {node.line}: nested more than {MAX_DEPTH} "
                                "levels deep (refused)")
    except RecursiveAlias as exc:
        # An alias inside its own anchor: a cycle no Compose file can mean.
        raise YamlError(str(exc)) from None


def _describe(exc: BaseException) -> str:
    # Only the line and the parser's own words: the offending text may hold a secret.
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None)
    if not problem and mark is None:
        problem = type(exc).__name__
    if mark is not None:
        return f"line {mark.line + 1}: not valid YAML ({problem})"
    return f"not valid YAML ({problem or type(exc).__name__})"


def _interpolate(
    node: Node, env: Mapping[str, str], issues: list[tuple[int, Issue]], touched: set[int]
) -> None:
    """Interpolate every value scalar in place; ``touched`` gets the ids of those changed."""
    # Iterative: a deeply nested document must not exhaust the recursion limit.
    seen: set[int] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ScalarNode):
            if current.tag == STR and "$" in current.value:
                value, found = interpolate(current.value, env)
                if "${" in current.value or re.search(r"(?<!\$)\$[A-Za-z_]", current.value):
                    touched.add(id(current))
                current.value = value
                issues.extend((current.start_mark.line + 1, issue) for issue in found)
        elif isinstance(current, MappingNode):
            # Keys are never interpolated (the specification says so); values are.
            stack.extend(value for _, value in current.value)
        elif isinstance(current, SequenceNode):
            stack.extend(current.value)


def _service_marks(root: Node, touched: set[int]) -> dict[str, ServiceMarks]:
    """Lines of services and their attributes (after merge keys were flattened)."""
    marks: dict[str, ServiceMarks] = {}
    services = _child(root, "services")
    if not isinstance(services, MappingNode):
        return marks
    for key, value in services.value:
        if not isinstance(key, ScalarNode):
            continue
        found = ServiceMarks(line=key.start_mark.line + 1)
        marks[str(key.value)] = found
        if not isinstance(value, MappingNode):
            continue
        for attr, attr_value in value.value:
            if not isinstance(attr, ScalarNode):
                continue
            found.attrs[str(attr.value)] = attr.start_mark.line + 1
            if attr.value == "environment":
                lines, interpolated = _env_lines(attr_value, touched)
                found.env.update(lines)
                found.env_interpolated.update(interpolated)
    return marks


def _env_lines(node: Node, touched: set[int]) -> tuple[dict[str, int], set[str]]:
    lines: dict[str, int] = {}
    interpolated: set[str] = set()
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if isinstance(key, ScalarNode):
                lines[str(key.value)] = key.start_mark.line + 1
                if id(value) in touched:
                    interpolated.add(str(key.value))
    elif isinstance(node, SequenceNode):
        for item in node.value:
            if isinstance(item, ScalarNode):
                name = str(item.value).split("=", 1)[0].strip()
                lines[name] = item.start_mark.line + 1
                if id(item) in touched:
                    interpolated.add(name)
    return lines, interpolated


def _child(node: Node, name: str) -> Node | None:
    if not isinstance(node, MappingNode):
        return None
    for key, value in node.value:
        if isinstance(key, ScalarNode) and key.value == name and isinstance(value, Node):
            return value
    return None

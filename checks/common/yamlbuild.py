"""Python values from a composed YAML node, exactly as PyYAML's SafeConstructor builds
them, in about half its time (issue 16, item 2: load at the floor's speed).

SafeConstructor reaches every value through ``construct_object``: a memo lookup, a
constructor search, a generator per mapping and sequence, and an ``isinstance(key,
Hashable)`` through the ABC machinery for every key. Manifests are almost all plain
strings, numbers, booleans, nulls, mappings and sequences; those are built here by one
small recursive function that calls SafeConstructor's own scalar constructors, so
``yes``, ``0o17``, ``1_000``, ``.inf`` and ``~`` mean what they meant. Anything else
(timestamps, ``!!binary``, ``!!set``, ``!!omap``, a tag no constructor knows) hands the
whole document back to SafeConstructor: no value is ever built by a second set of rules.
"""

from __future__ import annotations

from collections.abc import Callable
from sys import intern

from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from auditor.checks.common.yamlgraph import RecursiveAlias

STR = "tag:yaml.org,2002:str"
MAP = "tag:yaml.org,2002:map"
SEQ = "tag:yaml.org,2002:seq"
MERGE = "tag:yaml.org,2002:merge"
SHARED_LENGTH = 64
"""Strings up to this long are held once (``sys.intern``; issue 16, item 7: memory
bounded by what checks need). The C parser makes a new string for every scalar, and
manifests repeat the same keys and values (``name``, ``apiVersion``, ``IfNotPresent``)
tens of thousands of times: at 16,000 documents the copies were a third of the loaded
objects' memory. Interned strings are freed with their last use, so nothing is kept
after a run; longer strings (scripts, embedded files) are rarely repeated."""


class Unusual(Exception):
    """A node only SafeConstructor builds: the caller constructs the document with it."""


def build_document(constructor: SafeConstructor, node: Node,
                   unmeasured: Callable[[], None] | None = None) -> object:
    """The document ``node`` as ``constructor.construct_document(node)`` returns it.

    Values an alias shares are one object, as SafeConstructor makes them. The caller has
    refused documents whose aliases expand too far or contain themselves, or, when it
    bounded their expansion without walking the graph, passes that walk as
    ``unmeasured``: a value containing itself is then refused here (``RecursiveAlias``),
    and the walk runs before SafeConstructor is given the document.
    """
    try:
        return _Builder(constructor, cycles=unmeasured is not None).build(node)
    except Unusual:
        if unmeasured is not None:
            unmeasured()
        return constructor.construct_document(node)


class _Builder:
    def __init__(self, constructor: SafeConstructor, cycles: bool = False) -> None:
        self._constructor = constructor
        self._scalars: dict[str, Callable[[ScalarNode], object]] = {
            "tag:yaml.org,2002:int": constructor.construct_yaml_int,
            "tag:yaml.org,2002:bool": constructor.construct_yaml_bool,
            "tag:yaml.org,2002:null": constructor.construct_yaml_null,
            "tag:yaml.org,2002:float": constructor.construct_yaml_float,
        }
        self._built: dict[int, object] = {}  # node id -> value: what aliases share
        self._open: set[int] | None = set() if cycles else None
        """Collections being built: an alias to one of them is a value inside itself."""

    def build(self, node: Node) -> object:
        tag = node.tag
        kind = type(node)
        if kind is ScalarNode:
            if tag == STR:
                text: str = node.value
                return text if len(text) > SHARED_LENGTH else intern(text)
            scalar = self._scalars.get(tag)
            if scalar is None:
                raise Unusual(tag)
            return scalar(node)  # type: ignore[arg-type]
        known = self._built.get(id(node), self)
        if known is not self:
            if self._open is not None and id(node) in self._open:
                raise RecursiveAlias(node)
            return known
        if kind is MappingNode and tag == MAP:
            if self._open is None:
                return self._mapping(node)  # type: ignore[arg-type]
            self._open.add(id(node))
            mapping = self._mapping(node)  # type: ignore[arg-type]
            self._open.discard(id(node))
            return mapping
        if kind is SequenceNode and tag == SEQ:
            items: list[object] = []
            self._built[id(node)] = items
            if self._open is not None:
                self._open.add(id(node))
            items.extend(self.build(child) for child in node.value)
            if self._open is not None:
                self._open.discard(id(node))
            return items
        raise Unusual(tag)

    def _mapping(self, node: MappingNode) -> dict[object, object]:
        if any(key.tag == MERGE for key, _ in node.value):
            if self._open is not None:
                self._refuse_merged_ancestors(node)
            # SafeConstructor's own merge (<<): it rewrites node.value in place, once.
            self._constructor.flatten_mapping(node)
        mapping: dict[object, object] = {}
        self._built[id(node)] = mapping
        # Plain strings, most keys and values, are taken here without a call to build.
        for key_node, value_node in node.value:
            if type(key_node) is ScalarNode and key_node.tag == STR:
                key: object = key_node.value
                if len(key_node.value) <= SHARED_LENGTH:
                    key = intern(key_node.value)
            else:
                key = self.build(key_node)
                try:
                    hash(key)
                except TypeError:
                    raise ConstructorError("while constructing a mapping", node.start_mark,
                                           "found unhashable key", key_node.start_mark) from None
            if type(value_node) is ScalarNode and value_node.tag == STR:
                text: str = value_node.value
                mapping[key] = text if len(text) > SHARED_LENGTH else intern(text)
            else:
                mapping[key] = self.build(value_node)
        return mapping

    def _refuse_merged_ancestors(self, node: MappingNode) -> None:
        """A merge (``<<``) that leads, directly or through the merges of what it merges,
        to a mapping being built is a mapping inside itself: SafeConstructor's flatten
        would recurse on it without end."""
        building = self._open or set()
        path: set[int] = set()

        def visit(mapping: MappingNode) -> None:
            if id(mapping) in path or (mapping is not node and id(mapping) in building):
                raise RecursiveAlias(mapping)
            path.add(id(mapping))
            for key, value in mapping.value:
                if key.tag == MERGE:
                    for target in value.value if isinstance(value, SequenceNode) else [value]:
                        if isinstance(target, MappingNode):
                            visit(target)
            path.discard(id(mapping))

        visit(node)

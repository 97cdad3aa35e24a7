"""Measuring a YAML node graph before it is constructed.

Aliases let a few lines expand to billions of values ("billion laughs") or contain
themselves, and only the composed node graph shows it: constructing first would already
be the harm. Both the manifest loader and the Compose loader walk the graph here and apply
their own limits.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from yaml.nodes import MappingNode, Node, SequenceNode


class RecursiveAlias(Exception):
    """An alias inside its own anchor: a value that contains itself."""

    def __init__(self, node: Node) -> None:
        self.line = node.start_mark.line + 1
        super().__init__(f"line {self.line}: recursive alias")


@dataclass(frozen=True)
class Measure:
    node: Node
    size: int
    """Values the node expands to, every alias followed."""
    depth: int
    written: int
    """Distinct nodes met so far, this one included: what the file itself holds."""

    @property
    def line(self) -> int:
        return self.node.start_mark.line + 1


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


def measure(root: Node) -> Iterator[Measure]:
    """Every collection node once, children before parents; raises RecursiveAlias.

    Only collections are walked: a scalar is one value at depth one and contains nothing,
    and most nodes are scalars, so leaving them off the stack keeps the walk cheap on the
    many files whose dumper wrote anchors for shared values."""
    if not isinstance(root, MappingNode | SequenceNode):
        return  # a scalar document: nothing to measure
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    scalars: set[int] = set()  # distinct scalar nodes: an alias to one adds no node
    open_nodes: set[int] = set()
    # Only collections are ever pushed: a scalar child is counted where its parent is.
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if key in size:
            continue
        children = _children(node)
        if not done:
            if key in open_nodes:
                raise RecursiveAlias(node)
            open_nodes.add(key)
            stack.append((node, True))
            stack.extend((c, False) for c in children
                         if isinstance(c, MappingNode | SequenceNode) and id(c) not in size)
            continue
        open_nodes.discard(key)
        size[key] = 1 + sum(size.get(id(c), 1) for c in children)
        depth[key] = 1 + max((depth.get(id(c), 1) for c in children), default=0)
        scalars.update(id(c) for c in children if id(c) not in size)
        yield Measure(node, size[key], depth[key], len(size) + len(scalars))

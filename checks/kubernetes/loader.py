"""Reading manifests: multi-document YAML and JSON, with each object's file and line.

Documents are read with PyYAML's C loader, node by node, so the line of each
document costs nothing beyond the parse itself, and built from the nodes by
``yamlbuild`` (SafeConstructor's values, without its per-value dispatch).
"""

from __future__ import annotations

import functools
import json
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import yaml
from yaml.nodes import Node, ScalarNode

from auditor.checks.common.yamlbuild import build_document
from auditor.checks.common.yamlgraph import RecursiveAlias, measure
from auditor.checks.kubernetes.objects import Item, flatten
from auditor.model import Location

try:
    SafeLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # PyYAML built without libyaml
    SafeLoader = yaml.SafeLoader


class _Loader(SafeLoader):  # type: ignore[valid-type,misc]
    """PyYAML's C loader, remembering the tags of plain scalars: a plain scalar's tag
    depends on its text alone, manifests repeat the same keys and values thousands of
    times, and the resolver is Python code the C parser calls once per node (a fifth of
    the parse). Quoted scalars, mappings and sequences get SafeLoader's defaults without
    a search, as ``Resolver.resolve`` gives them when no path resolvers are set."""

    _tags: ClassVar[dict[str, str]] = {}

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is ScalarNode and implicit[0] and not self.yaml_path_resolvers:
            tag = self._tags.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(value) <= 64 and len(self._tags) < 65536:  # bounded
                    self._tags[value] = tag
            return tag
        return super().resolve(kind, value, implicit)


MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
SKIP_DIRS = frozenset({".git", "node_modules", "templates", "charts", "__pycache__"})
MAX_BYTES = 64 * 1024 * 1024
MAX_ALIAS_EXPANSION = 200_000
"""Values aliases may add to one document; a "billion laughs" document is refused.

Its objects share their parts in memory, but every consumer that walks or prints
them (``str()`` of an image, a report) would pay for the whole expansion."""
ANCHOR_HINT = re.compile(r"(?:^|[\s\[{,:?-])&[^\s,\[\]{}]")
ALIAS_HINT = re.compile(r"(?:^|[\s\[{,:?-])\*[^\s,\[\]{}]")
"""Over-approximations of an anchor and an alias: a text matching neither cannot expand."""


class ManifestError(Exception):
    """A file that cannot be read as manifests: ``path:line: reason``."""


def documents(text: str, label: str) -> Iterator[tuple[object, Location]]:
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ManifestError(f"{label}:{exc.lineno}: invalid JSON: {exc.msg}") from None
        except ValueError:  # a number of more than 4,300 digits
            raise ManifestError(f"{label}:1: invalid JSON: a number too long to read") from None
        except RecursionError:
            raise ManifestError(f"{label}:1: invalid JSON: nested too deeply") from None
        for entry in data if isinstance(data, list) else [data]:
            yield entry, Location(label, 1)
        return
    loader = _Loader(text)
    # No anchor or no alias in the text: nothing can expand, the walk is skipped. The
    # substring tests first: most manifests hold no "&", and the patterns cost a pass each.
    anchored = "&" in text and "*" in text and ANCHOR_HINT.search(text) is not None \
        and ALIAS_HINT.search(text) is not None
    # Anchors belong to their document, so a document whose own text holds no alias
    # cannot expand. Its text is found by its marks, which count characters here; in
    # ASCII text characters and bytes agree whatever a libyaml build counts, so any
    # other text keeps the walk of every document.
    by_document = anchored and text.isascii()
    try:
        while loader.check_node():
            node = loader.get_node()
            line = node.start_mark.line + 1 if node is not None else None
            unmeasured = None
            if anchored and node is not None:
                walk = functools.partial(_check_aliases, node, label)
                if not by_document:
                    walk()
                else:
                    start, end = node.start_mark.index, node.end_mark.index
                    aliases = len(ALIAS_HINT.findall(text, max(0, start - 1), end + 1))
                    if aliases and not _bounded(aliases, end - start):
                        walk()
                    elif aliases:
                        unmeasured = walk
            try:
                document = build_document(loader, node, unmeasured)
            except RecursiveAlias as exc:
                raise ManifestError(f"{label}:{exc.line}: invalid YAML: recursive alias") \
                    from None
            except (yaml.YAMLError, RecursionError, ManifestError):
                raise
            except Exception as exc:
                # PyYAML's constructors on tagged values: ``!!int abc`` or 5,000 digits
                # (ValueError), ``!!bool maybe`` (KeyError), ``!!timestamp x`` (AttributeError).
                raise ManifestError(f"{label}:{line or 1}: invalid YAML: a value cannot be read "
                                    f"as its type ({type(exc).__name__})") from None
            yield document, Location(label, line)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ManifestError(f"{label}:{line}: invalid YAML: {problem}") from None
    except RecursionError:
        raise ManifestError(f"{label}: nested too deeply to be a manifest") from None
    finally:
        loader.dispose()


def _bounded(aliases: int, length: int) -> bool:
    """Whether a document of ``length`` characters holding at most ``aliases`` aliases
    cannot expand past ``MAX_ALIAS_EXPANSION``, without walking it.

    A document writes at most ``4 * length + 4`` nodes (a node takes a character or
    two: ``a:`` is a key and its null value). An alias repeats a node written before
    it, whose expansion holds only aliases before it; so each alias at most doubles
    the largest expansion so far, and the document expands to at most ``2**aliases``
    times what it writes. Counting ``*`` patterns over-counts aliases: the bound errs
    towards walking."""
    return aliases <= 24 and (4 * length + 4) << aliases <= MAX_ALIAS_EXPANSION


def _check_aliases(root: Node, label: str) -> None:
    """Refuse a document that aliases expand beyond reason or that contains itself."""
    try:
        for node in measure(root):
            # Values the aliases add: the expanded count beyond the nodes actually written.
            if node.size - node.written > MAX_ALIAS_EXPANSION:
                raise ManifestError(f"{label}:{node.line}: aliases expand to more than "
                                    f"{MAX_ALIAS_EXPANSION} values (refused)")
    except RecursiveAlias as exc:
        raise ManifestError(f"{label}:{exc.line}: invalid YAML: recursive alias") from None


def manifest_files(root: Path) -> list[Path]:
    """Manifest files under ``root``, never one whose symbolic link leads out of it."""
    return walk_manifests(root)[0]


def walk_manifests(root: Path) -> tuple[list[Path], list[Path]]:
    """(manifest files under ``root``, manifest-named symbolic links that lead out of it).
    The links are named, never read: one to ``/proc/kmsg`` or ``/etc/shadow`` in a pull
    request must not be opened."""
    if root.is_file():
        return [root], []  # given by name: the user chose it
    inside = root.resolve()
    found: list[Path] = []
    leaving: list[Path] = []
    # os.walk does not descend into linked directories (followlinks=False); linked files
    # are checked by where they resolve.
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        for name in sorted(files):
            if name.endswith(MANIFEST_SUFFIXES) and not name.startswith("."):
                path = Path(directory) / name
                if path.is_symlink() and not _within(path, inside):
                    leaving.append(path)
                else:
                    found.append(path)
    return found, leaving


def _within(path: Path, root: Path) -> bool:
    try:
        path.resolve(strict=False).relative_to(root)
    except (ValueError, OSError, RuntimeError):  # outside, unreadable, or a link loop
        return False
    return True


def read_head(path: Path, size: int) -> str:
    """The first ``size`` bytes of a regular file as text ("" for a FIFO, a device or an
    unreadable file: opening a FIFO blocks, and a device may never end)."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return ""
        with path.open("rb") as handle:
            return handle.read(size).decode("utf-8", errors="replace")
    except OSError:
        return ""


def load_file(path: Path, label: str) -> list[Item]:
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise ManifestError(f"{label}: not a regular file (a FIFO, socket or device), "
                                "not read")
        size = info.st_size
        if size > MAX_BYTES:
            raise ManifestError(f"{label}: larger than {MAX_BYTES // 2**20} MiB, not read")
        data = path.read_bytes()
    except OSError as exc:
        raise ManifestError(f"{label}: cannot read ({exc.strerror or exc})") from None
    if b"\0" in data[:8192]:
        raise ManifestError(f"{label}: binary file, not read")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ManifestError(f"{label}: not UTF-8 (byte {exc.start})") from None
    return list(flatten(documents(text, label)))


def load_text(text: str, label: str) -> list[Item]:
    return list(flatten(documents(text, label)))


def looks_like_manifests(root: Path, limit: int = 20,
                         files: list[Path] | None = None) -> tuple[int, list[str]]:
    """A cheap look for detection: how many of the first files hold apiVersion and kind
    (``files``: ``manifest_files(root)`` when the caller has walked the tree already)."""
    hits = 0
    evidence: list[str] = []
    for path in (manifest_files(root) if files is None else files)[:limit]:
        head = read_head(path, 65536)
        if "apiVersion" in head and "kind" in head:
            hits += 1
            if len(evidence) < 3:
                evidence.append(path.name)
    return hits, evidence

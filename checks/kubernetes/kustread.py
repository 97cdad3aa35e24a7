"""What a kustomization names, read bounded and never from outside the audited tree.

kustomize resolves every entry relative to the kustomization's own directory. Files
(resources, patches, generator sources) must lie in or below that directory: its default
load restrictor (``LoadRestrictionsRootOnly``) refuses others. Directory resources (other
kustomizations) may lie anywhere. The auditor adds its own bound on top, the rule Compose
follows (:mod:`auditor.checks.common.bounds`): nothing outside the git repository that
encloses the audited directory is read (``overlays/prod`` may list ``../../base``), nor,
without a repository, outside the audited directory itself; through ``..`` or through a
symbolic link alike. Every read counts against one budget per audit.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from auditor.checks.common.bounds import climb, repository_root
from auditor.checks.kubernetes.loader import MAX_BYTES, ManifestError, SafeLoader, documents
from auditor.model import Location

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
"""The names kustomize looks for, in its order of preference."""
MAX_KUSTOMIZATION_BYTES = 1024 * 1024
MAX_SOURCE_BYTES = 8 * 1024 * 1024
"""A generator's source file (superset_config.py, an env file) is small; a larger one is
named rather than held in memory."""
MAX_FILES = 2000
MAX_TOTAL_BYTES = 256 * 1024 * 1024
MAX_NESTING = 400
"""Levels of maps and lists copied or merged; the loader refuses far deeper documents."""

REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git@|(?:github\.com|gitlab\.com|bitbucket\.org)/)"
                    r"|\?(?:ref|version|submodules|timeout)=", re.I)
"""kustomize fetches a resource that is a URL or a git repository reference."""


def shown(text: str, limit: int = 120) -> str:
    """An entry as a problem names it: a hostile kustomization's entry may be any length."""
    return text if len(text) <= limit else f"{text[:limit]}..."


class Refused(Exception):
    """An entry that is not read: outside the tree, missing, remote or unreadable."""


class Missing(Refused):
    """The entry names a path that does not exist in the audited tree."""


class TooDeep(Exception):
    """A document nested beyond ``MAX_NESTING`` levels."""


@dataclass
class Notes:
    """The problems of one audit, keyed by the kustomization file and line they concern."""

    problems: dict[str, str] = field(default_factory=dict)

    def add(self, where: str, message: str) -> None:
        key, count = f"kustomize {where}", 2
        while key in self.problems:
            key, count = f"kustomize {where} ({count})", count + 1
        self.problems[key] = message


@dataclass
class Tree:
    """The audited tree: the bound of every read (``root``), and the base of every label
    (``base``, the audited directory)."""

    root: Path
    base: Path
    up: int = 0
    """How many folders ``root`` lies above ``base`` (0: the audited directory is the bound)."""
    repository: bool = False
    """Whether ``root`` is a git repository's root (else no repository encloses ``base``)."""
    real: Path = field(init=False)
    files_read: int = 0
    bytes_read: int = 0
    used: set[str] = field(default_factory=set)
    """Files read for a build (normalised paths): the others in its directory are unlisted."""

    def __post_init__(self) -> None:
        self.real = Path(os.path.realpath(self.root))

    @classmethod
    def for_target(cls, directory: Path, base: Path | None = None) -> Tree:
        """The tree an audited directory is read through: up to the root of the git
        repository that encloses it, else the directory alone (see bounds). Labels are
        relative to ``base`` (the directory itself unless given)."""
        base = directory if base is None else base
        real = Path(os.path.realpath(directory))
        top = repository_root(real)
        if top is None:
            return cls(directory, base)
        up = len(real.relative_to(top).parts)
        root = Path(os.path.normpath(directory.joinpath(*[os.pardir] * up)))
        if up and Path(os.path.realpath(root)) != top:
            # The directory is reached through a symbolic link below the repository's root,
            # so ``..`` from its name is not ``..`` from where it lies: only it is read.
            return cls(directory, base)
        return cls(root, base, up, repository=True)

    @property
    def scope(self) -> str:
        """What the bound is, for problems (never an absolute path of this machine)."""
        if self.up:
            return f"the git repository around the audited directory (up to {climb(self.up)})"
        if self.repository:
            return "the audited directory (the root of its git repository)"
        return "the audited directory (no git repository encloses it)"

    def label(self, path: Path) -> str:
        """``path`` relative to the audited directory (``../../base/web.yaml`` above it, as
        Compose names ``../.env``); only its name when it lies outside the tree."""
        text = os.path.normpath(path)
        if not within(text, self.root):
            return path.name
        return Path(os.path.relpath(text, os.path.normpath(self.base))).as_posix()

    def inside(self, path: Path) -> bool:
        """Whether ``path`` stays in the tree, as written (``..``) and once links resolve."""
        lexical = os.path.normpath(path)
        if not within(lexical, self.root):
            return False
        return within(os.path.realpath(lexical), self.real)

    def resolve(self, directory: Path, entry: str) -> Path:
        """The path an entry of the kustomization in ``directory`` names, or ``Refused``."""
        name = shown(entry)
        if REMOTE.search(entry):
            raise Refused(f"{name} is remote (a URL or git repository): not fetched, the "
                          "objects it holds are not audited")
        if os.path.isabs(entry):
            raise Refused(f"{name} is an absolute path: not read (only relative paths inside "
                          f"{self.scope} are)")
        path = Path(os.path.normpath(directory / entry))
        if not within(path, self.root):
            raise Refused(f"{name} lies outside {self.scope}: not read")
        if not within(os.path.realpath(path), self.real):
            raise Refused(f"{name} is reached through a symbolic link that leaves {self.scope}: "
                          "not read")
        if not os.path.lexists(path):
            raise Missing(f"{name} does not exist in {self.scope}")
        return path

    def read(self, path: Path, limit: int) -> bytes:
        """A regular file's bytes, bounded by ``limit`` and by the audit's budget."""
        label = self.label(path)
        if self.files_read >= MAX_FILES:
            raise Refused(f"{label}: more than {MAX_FILES} files read for kustomizations; "
                          "not read")
        try:
            info = path.stat()
            if not stat.S_ISREG(info.st_mode):
                raise Refused(f"{label}: not a regular file; not read")
            if info.st_size > limit:
                raise Refused(f"{label}: larger than {_size(limit)}; not read")
            if self.bytes_read + info.st_size > MAX_TOTAL_BYTES:
                raise Refused(f"{label}: kustomizations read more than "
                              f"{_size(MAX_TOTAL_BYTES)}; not read")
            with path.open("rb") as handle:
                data = handle.read(limit + 1)
        except OSError as exc:
            raise Refused(f"{label}: cannot read ({exc.strerror or exc})") from None
        if len(data) > limit:
            raise Refused(f"{label}: larger than {_size(limit)}; not read")
        self.files_read += 1
        self.bytes_read += len(data)
        self.used.add(os.path.normpath(path))
        return data

    def read_text(self, path: Path, limit: int = MAX_BYTES) -> str:
        data = self.read(path, limit)
        if b"\0" in data[:8192]:
            raise Refused(f"{self.label(path)}: binary file, not read")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Refused(f"{self.label(path)}: not UTF-8 (byte {exc.start})") from None


def within(path: str | os.PathLike[str], directory: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is ``directory`` or below it, as written (``..`` and ``.`` taken
    lexically, a relative path from the working directory: ``auditor scan .`` and a root
    ``../..`` above it compare right)."""
    path, directory = os.path.abspath(path), os.path.abspath(directory)
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


def _size(limit: int) -> str:
    return f"{limit // 2**20} MiB"


def under(directory: Path, entry: str) -> bool:
    """Whether kustomize's load restrictor lets the kustomization in ``directory`` load the
    file ``entry`` names (in or below its directory)."""
    return within(directory / entry, directory)


@dataclass(frozen=True)
class Kustomization:
    """One parsed kustomization (or Component) file."""

    directory: Path
    label: str
    data: dict[str, Any]
    lines: dict[tuple[str, int], int]
    """(field, index) -> line of that list entry; (field, -1) -> line of the field."""

    @property
    def component(self) -> bool:
        return self.data.get("kind") == "Component"

    def where(self, name: str, index: int = -1) -> str:
        line = self.lines.get((name, index)) or self.lines.get((name, -1)) or 1
        return f"{self.label}:{line}"

    def location(self, name: str, index: int = -1) -> Location:
        line = self.lines.get((name, index)) or self.lines.get((name, -1)) or 1
        return Location(self.label, line)


def map_entries(kust: Kustomization, notes: Notes, field: str,
                ) -> Iterator[tuple[dict[str, Any], int]]:
    """The map entries of a list field (``patches``, ``configMapGenerator``...), each with
    its index; a field that is not a list, or an entry that is not a map, is named."""
    given = kust.data.get(field)
    if given is None:
        return
    if not isinstance(given, list):
        notes.add(kust.where(field), f"{field} is not a list; not applied")
        return
    for index, entry in enumerate(given):
        if isinstance(entry, dict):
            yield entry, index
        else:
            notes.add(kust.where(field, index), f"a {field} entry that is not a map; not "
                      "applied")


def entries(kust: Kustomization, notes: Notes, *fields: str) -> Iterator[tuple[str, str, int]]:
    """The path entries of list fields (``resources``, ``components``...), each with its
    field and index; a field that is not a list, or an entry that is not a path, is named."""
    for name in fields:
        given = kust.data.get(name)
        if given is None:
            continue
        if not isinstance(given, list):
            notes.add(kust.where(name), f"{name} is not a list; not read")
            continue
        for index, entry in enumerate(given):
            if isinstance(entry, str) and entry:
                yield entry, name, index
            else:
                notes.add(kust.where(name, index), f"a {name} entry that is not a path; not "
                          "read")


def kustomization_file(directory: Path) -> tuple[Path | None, list[str]]:
    """The kustomization file of a directory (None without one), and the names of the others
    when there are several (kustomize refuses such a directory)."""
    try:
        found = [directory / name for name in KUSTOMIZATION_FILES
                 if os.path.lexists(directory / name)]
    except OSError:
        return None, []
    if not found:
        return None, []
    return found[0], [p.name for p in found[1:]]


def parse(tree: Tree, path: Path) -> Kustomization:
    """The kustomization in ``path``, or ``Refused``."""
    label = tree.label(path)
    if not tree.inside(path):
        raise Refused(f"{label} is a symbolic link that leaves {tree.scope}: not read")
    text = tree.read_text(path, MAX_KUSTOMIZATION_BYTES)
    try:
        docs = [doc for doc, _ in documents(text, label)]
    except ManifestError as exc:
        raise Refused(str(exc)) from None
    docs = [doc for doc in docs if doc is not None]
    if len(docs) > 1:
        raise Refused(f"{label}: holds {len(docs)} documents; a kustomization is one")
    data = docs[0] if docs else {}
    if not isinstance(data, dict):
        raise Refused(f"{label}: not a mapping; not a kustomization")
    return Kustomization(path.parent, label, data, _entry_lines(text))


def _entry_lines(text: str) -> dict[tuple[str, int], int]:
    """Lines of the top-level fields and of their list entries (for locations)."""
    lines: dict[tuple[str, int], int] = {}
    try:
        node = yaml.compose(text, Loader=SafeLoader)
    except (yaml.YAMLError, RecursionError):
        return lines
    if not isinstance(node, MappingNode):
        return lines
    for key, value in node.value:
        if not isinstance(key, ScalarNode):
            continue
        lines[(str(key.value), -1)] = key.start_mark.line + 1
        if isinstance(value, SequenceNode):
            for index, entry in enumerate(value.value):
                lines[(str(key.value), index)] = entry.start_mark.line + 1
    return lines


def clone(value: Any, depth: int = 0) -> Any:
    """A copy sharing nothing: YAML aliases share parts, and a patch applied through one
    alias must not change the other (the loader bounds how far aliases expand)."""
    if depth > MAX_NESTING:
        raise TooDeep
    if isinstance(value, dict):
        return {key: clone(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list):
        return [clone(item, depth + 1) for item in value]
    return value

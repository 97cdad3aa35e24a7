"""Finding and resolving systemd units in a host tree the way systemd does.

Search order (highest priority first): /etc, /run, /usr/local/lib, /lib,
/usr/lib. The first fragment found wins; a fragment in /etc linked to
/dev/null masks the unit. Drop-ins (``NAME.d/*.conf``, the template's
``NAME@.service.d`` and the type-wide ``service.d``) from every search
directory are applied in lexical order of their file names, a file name in a
higher-priority directory hiding the same name below. An empty assignment
(``ExecStart=``) resets the list built so far.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from auditor.checks.common.tree import Tree, TreeError
from auditor.checks.systemd.facts import Assignment, Unit
from auditor.checks.systemd.unitfile import entries, expand_specifiers

SEARCH_DIRS = (
    "etc/systemd/system",
    "run/systemd/system",
    "usr/local/lib/systemd/system",
    "lib/systemd/system",
    "usr/lib/systemd/system",
)
# An empty value of these is a setting of its own, not only a reset.
KEEP_EMPTY = frozenset({"Service.CapabilityBoundingSet", "Service.AmbientCapabilities"})


def template_of(name: str) -> str | None:
    """``superset@8088.service`` -> ``superset@.service``."""
    stem, dot, suffix = name.rpartition(".")
    if "@" not in stem or stem.endswith("@"):
        return None
    return stem.split("@", 1)[0] + "@" + dot + suffix


@dataclass
class UnitIndex:
    """The unit directories of one tree, listed once."""

    tree: Tree
    problems: dict[str, str]
    dirs: list[str] = field(default_factory=list)
    listing: dict[str, list[str]] = field(default_factory=dict)
    enabled: dict[str, list[str]] = field(default_factory=dict)
    texts: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def build(cls, tree: Tree, problems: dict[str, str]) -> UnitIndex:
        index = cls(tree, problems)
        seen: set[str] = set()
        for inner in SEARCH_DIRS:
            if not tree.is_dir(inner):
                continue
            try:
                real = str(tree.resolve(inner))
            except (TreeError, RecursionError):
                continue
            if real in seen:
                continue  # /lib -> /usr/lib on merged-/usr systems: one directory, read once
            seen.add(real)
            index.dirs.append(inner)
            names = tree.listdir(inner)
            index.listing[inner] = names
            for name in names:
                if name.endswith((".wants", ".requires")):
                    for linked in tree.listdir(f"{inner}/{name}"):
                        index.enabled.setdefault(linked, []).append(f"/{inner}/{name}")
        return index

    def names(self, suffix: str) -> list[str]:
        found = {n for names in self.listing.values() for n in names if n.endswith(suffix)}
        found.update(n for n in self.enabled if n.endswith(suffix))
        return sorted(found)

    def read(self, inner: str) -> str | None:
        if inner not in self.texts:
            try:
                self.texts[inner] = self.tree.read_text(inner)
            except TreeError as exc:
                self.problems[f"file /{inner}"] = exc.reason
                self.texts[inner] = None
        return self.texts[inner]

    def _masked(self, inner: str) -> bool:
        directory, _, name = inner.rpartition("/")
        try:
            path = self.tree.resolve(directory) / name
            if path.is_symlink():
                return os.readlink(path) == "/dev/null"
            return path.is_file() and path.stat().st_size == 0
        except (TreeError, RecursionError, OSError):
            return False

    def fragment(self, name: str) -> str | None:
        """The inner path of the unit file that defines ``name`` (or its template)."""
        for candidate in (name, template_of(name)):
            if candidate is None:
                continue
            for directory in self.dirs:
                if candidate in self.listing[directory]:
                    return f"{directory}/{candidate}"
        return None

    def dropins(self, name: str) -> list[str]:
        kind = name.rpartition(".")[2]
        dirs = [f"{name}.d"]
        template = template_of(name)
        if template:
            dirs.append(f"{template}.d")
        dirs.append(f"{kind}.d")
        chosen: dict[str, str] = {}
        for directory in self.dirs:
            for dropin_dir in dirs:
                if dropin_dir not in self.listing[directory]:
                    continue
                for file in self.tree.listdir(f"{directory}/{dropin_dir}"):
                    if file.endswith(".conf") and file not in chosen:
                        chosen[file] = f"{directory}/{dropin_dir}/{file}"
        return [chosen[f] for f in sorted(chosen)]

    def mentions(self, name: str, words: tuple[str, ...]) -> bool:
        """Whether the unit's fragment or drop-ins mention one of ``words`` (a cheap filter)."""
        fragment = self.fragment(name)
        if fragment is not None and self._masked(fragment):
            return False  # masked: never started, and /dev/null is not in the tree
        inners = ([fragment] if fragment else []) + self.dropins(name)
        for inner in inners:
            text = self.read(inner)
            if text and any(word in text for word in words):
                return True
        return any(word in name for word in words)

    def load(self, name: str) -> Unit:
        fragment = self.fragment(name)
        if fragment is None:
            return Unit(name=name, path=None, enabled_by=tuple(self.enabled.get(name, ())))
        if self._masked(fragment):
            return Unit(name=name, path=f"/{fragment}", masked=True)
        directives: dict[str, list[Assignment]] = {}
        dropins = self.dropins(name)
        for inner in [fragment, *dropins]:
            text = self.read(inner)
            if text is None:
                continue
            for section, key, value, line in entries(text):
                full = f"{section}.{key}"
                if value == "":
                    directives[full] = []
                    if full not in KEEP_EMPTY:
                        continue
                directives.setdefault(full, []).append(
                    Assignment(expand_specifiers(value, name), f"/{inner}", line)
                )
        return Unit(
            name=name,
            path=f"/{fragment}",
            dropins=tuple(f"/{d}" for d in dropins),
            directives={k: tuple(v) for k, v in directives.items()},
            enabled_by=tuple(self.enabled.get(name, ())),
        )

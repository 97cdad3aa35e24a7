"""Finding a project's Compose files and merging them into one model, as Compose does.

Files: ``COMPOSE_FILE`` from the project's ``.env``, else the first of Compose's
default names and the first default override file beside it. The project's
``.env`` is the only source of interpolation variables: the environment of the
process running the audit is never read.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from auditor.checks.common.bounds import levels_up
from auditor.checks.common.tree import Tree, TreeError
from auditor.checks.compose.dotenv import EnvFile, parse_dotenv
from auditor.checks.compose.layout import DEFAULT_FILES
from auditor.checks.compose.merge import (
    merge_service,
    merge_values,
    normalize_service,
    strip_markers,
)
from auditor.checks.compose.yamlload import ServiceMarks, YamlError, load_compose

OVERRIDE_FILES = ("compose.override.yml", "compose.override.yaml", "docker-compose.override.yml",
                  "docker-compose.override.yaml")
RESOURCES = ("networks", "volumes", "secrets", "configs")
MAX_INCLUDE_DEPTH = 5


def join(base: str, path: str, host_tree: bool, up: int = 0) -> str | None:
    """``path`` (relative to the inner directory ``base``) as an inner path, or None when it
    lies outside the audited tree (an absolute host path of a project given as a path, or
    more ``..`` than the ``up`` levels the tree has above the project folder: see
    :mod:`bounds`). Symlinks are the tree's business: it never follows one out."""
    if path.startswith("~"):
        return None
    if path.startswith("/"):
        return posixpath.normpath(path.lstrip("/")) if host_tree else None
    joined = posixpath.normpath(posixpath.join("" if base in ("", ".") else base, path))
    parts = joined.split("/")
    climbs = next((i for i, part in enumerate(parts) if part != ".."), len(parts))
    if climbs > up:
        return None
    return joined


def dirname(inner: str) -> str:
    return posixpath.dirname(inner) or "."


@dataclass
class Loaded:
    """The merged model of one project, before services are interpreted."""

    base: str
    files: list[str]
    env: dict[str, str]
    env_lines: dict[str, int]
    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    marks: dict[str, dict[str, tuple[str, int]]] = field(default_factory=dict)
    """service -> attribute -> (file, line); ``""`` is the service itself."""
    env_marks: dict[str, dict[str, tuple[str, int]]] = field(default_factory=dict)
    env_refs: dict[str, set[str]] = field(default_factory=dict)
    """service -> ``environment`` entries written as ``${VARIABLE}`` (by the last file)."""
    directories: dict[str, str] = field(default_factory=dict)
    top: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    fatal: str | None = None
    """Why the project cannot be loaded at all (its first file is broken)."""
    fallback: bool = False
    """The file is not one Compose loads by default (``docker-compose-prod.yml``)."""
    up: int = 0
    """How many ``..`` relative paths may climb from the project folder (see bounds)."""


def project_env(tree: Tree, base: str, problems: dict[str, str]) -> EnvFile:
    inner = join(base, ".env", False) or ".env"
    if not tree.exists(inner):
        return EnvFile()
    try:
        text = tree.read_text(inner)
    except TreeError as exc:
        problems[f"file {inner}"] = exc.reason
        return EnvFile()
    parsed = parse_dotenv(text, {})
    for line, issue in parsed.issues:
        problems[f"interpolation {inner}:{line}"] = issue.detail
    for line in parsed.bad_lines:
        problems[f"file {inner}:{line}"] = "not a KEY=value line (Compose rejects the file)"
    return parsed


def compose_files(tree: Tree, base: str, env: Mapping[str, str],
                  host_tree: bool = False) -> tuple[list[str], bool]:
    """The files Compose would load in ``base`` (inner paths), and whether a non-default name
    had to be used."""
    listed = env.get("COMPOSE_FILE")
    if listed:
        separator = env.get("COMPOSE_PATH_SEPARATOR") or ":"
        files = [join(base, name.strip(), host_tree, levels_up(tree))
                 for name in listed.split(separator)
                 if name.strip()]
        return [f for f in files if f], False
    prefix = "" if base in ("", ".") else base + "/"
    found = [prefix + name for name in DEFAULT_FILES if tree.exists(prefix + name)]
    if found:
        overrides = [prefix + name for name in OVERRIDE_FILES if tree.exists(prefix + name)]
        return [found[0], *overrides[:1]], False
    others = other_compose_files(tree, base, [])
    # Prefer what a production install would be started with (-f docker-compose-prod.yml).
    others.sort(key=lambda n: (not any(w in n for w in ("prod", "non-dev")), n))
    return ([prefix + others[0]], True) if others else ([], False)


def other_compose_files(tree: Tree, base: str, chosen: list[str]) -> list[str]:
    """Compose-looking files in ``base`` that Compose would not load with ``chosen``
    (docker-compose-non-dev.yml beside docker-compose.yml): named, never merged."""
    prefix = "" if base in ("", ".") else base + "/"
    return sorted(
        name for name in tree.listdir(base or ".")
        if name.endswith((".yml", ".yaml")) and "compose" in name and "override" not in name
        and prefix + name not in chosen)


def load(tree: Tree, base: str, host_tree: bool, files: list[str] | None = None) -> Loaded:
    problems: dict[str, str] = {}
    env_file = project_env(tree, base, problems)
    env = {k: e.value for k, e in env_file.entries.items()}
    fallback = False
    if files is None:
        files, fallback = compose_files(tree, base, env, host_tree)
    loaded = Loaded(base=base, files=list(files), env=env,
                    env_lines={k: e.line for k, e in env_file.entries.items()},
                    problems=problems, fallback=fallback, up=levels_up(tree))
    if not files:
        # COMPOSE_FILE naming only files outside the tree (or nothing) is still a project.
        loaded.fatal = ("COMPOSE_FILE in .env names no Compose file inside the audited tree"
                        if env.get("COMPOSE_FILE") else "no Compose file found")
        return loaded
    for index, inner in enumerate(files):
        ok = _merge_file(tree, loaded, inner, host_tree, depth=0)
        if not ok and index == 0:
            reason = problems.pop(f"file {inner}", "could not be read")
            loaded.fatal = f"{inner}: {reason}"
            return loaded
    for service in list(loaded.services):
        loaded.services[service] = strip_markers(loaded.services[service])
    for key in RESOURCES:
        loaded.top[key] = strip_markers(loaded.top.get(key, {}))
    return loaded


def _read_file(tree: Tree, inner: str, env: Mapping[str, str],
               problems: dict[str, str]) -> Any:
    try:
        text = tree.read_text(inner)
    except TreeError as exc:
        problems[f"file {inner}"] = exc.reason
        return None
    try:
        parsed = load_compose(text, env)
    except YamlError as exc:
        problems[f"file {inner}"] = str(exc)
        return None
    for line, issue in parsed.issues:
        label = f"interpolation {inner}:{line}" + (f" {issue.name}" if issue.name else "")
        if issue.kind == "required":
            problems[label] = f"required variable {issue.name}: {issue.detail} (Compose " \
                              "refuses to start the project)"
        else:
            problems[label] = issue.detail
    return parsed


def _merge_file(tree: Tree, loaded: Loaded, inner: str, host_tree: bool, depth: int) -> bool:
    parsed = _read_file(tree, inner, loaded.env, loaded.problems)
    if parsed is None:
        return False
    data = parsed.data
    services = data.get("services") or {}
    if not isinstance(services, Mapping):
        loaded.problems[f"file {inner}"] = "services is not a mapping"
        services = {}
    directory = loaded.base if depth == 0 else dirname(inner)
    for include in _includes(data.get("include"), inner, host_tree, loaded.up):
        if depth >= MAX_INCLUDE_DEPTH:
            loaded.problems[f"include {include}"] = "includes nested too deep"
            continue
        if include in loaded.files:
            continue
        loaded.files.append(include)
        _merge_file(tree, loaded, include, host_tree, depth + 1)
    resolved = _resolve_extends(tree, inner, services, loaded, host_tree)
    for name, spec in resolved.items():
        marks = parsed.services.get(name, ServiceMarks(line=1))
        if name in loaded.services:
            loaded.services[name] = merge_service(loaded.services[name], spec)
        else:
            loaded.services[name] = spec
            loaded.directories[name] = directory
            loaded.marks.setdefault(name, {})[""] = (inner, marks.line)
        where = loaded.marks.setdefault(name, {})
        where.setdefault("", (inner, marks.line))
        for attr, line in marks.attrs.items():
            where[attr] = (inner, line)
        env_where = loaded.env_marks.setdefault(name, {})
        refs = loaded.env_refs.setdefault(name, set())
        for var, line in marks.env.items():
            env_where[var] = (inner, line)
            if var in marks.env_interpolated:
                refs.add(var)
            else:
                refs.discard(var)
    for key in RESOURCES:
        value = data.get(key)
        if isinstance(value, Mapping):
            loaded.top[key] = merge_values(loaded.top.get(key, {}), dict(value), (key,))
    return True


def _includes(value: Any, inner: str, host_tree: bool, up: int) -> list[str]:
    items = value if isinstance(value, list) else ([value] if value else [])
    found = []
    for item in items:
        paths = item.get("path") if isinstance(item, Mapping) else item
        for path in paths if isinstance(paths, list) else [paths]:
            if isinstance(path, str):
                joined = join(dirname(inner), path, host_tree, up)
                if joined:
                    found.append(joined)
    return found


def _resolve_extends(tree: Tree, inner: str, services: Mapping[str, Any], loaded: Loaded,
                     host_tree: bool) -> dict[str, dict[str, Any]]:
    """Each service normalised, with ``extends`` applied (same file or another one)."""
    resolver = _Extends(tree, inner, services, loaded, host_tree)
    result: dict[str, dict[str, Any]] = {}
    for name, spec in services.items():
        if not isinstance(spec, Mapping):
            loaded.problems[f"service {name}"] = f"{inner}: the service is not a mapping"
            continue
        key = (inner, str(name))
        if resolver.too_deep(key):
            loaded.problems[f"service {name}"] = (
                f"{inner}: extends a chain of more than {MAX_EXTENDS_DEPTH} services, not "
                "resolved (the service is not audited)")
            continue
        result[str(name)] = resolver.extended(key, frozenset())[0]
    return result


MAX_EXTENDS_DEPTH = 64
"""Services an ``extends`` chain may pass through. Compose sets no limit, but real projects
extend one to three levels (a common base, a profile); a chain beyond this is an attack on
the audit's time (each level merged again for each service below it) or a mistake."""

_Key = tuple[str, str]
"""(file, service)."""


class _Extends:
    """``extends`` of one file's services, each (file, service) resolved once: a chain of
    N services costs N merges, not N for each of them."""

    def __init__(self, tree: Tree, inner: str, services: Mapping[str, Any], loaded: Loaded,
                 host_tree: bool) -> None:
        self.tree = tree
        self.loaded = loaded
        self.host_tree = host_tree
        self.files: dict[str, Mapping[str, Any]] = {inner: services}
        self.parents: dict[_Key, _Key | None] = {}
        self.done: dict[_Key, dict[str, Any]] = {}
        """Resolutions that met no loop (a loop's result depends on where it is entered)."""

    def too_deep(self, key: _Key) -> bool:
        """Whether following ``extends`` from ``key`` passes more than the bound of services
        before it ends (at a service that extends none, or back in a loop)."""
        seen: set[_Key] = set()
        current: _Key | None = key
        while current is not None:
            parent = self.parent(current)
            if parent is None or parent in seen:
                return False
            seen.add(parent)
            if len(seen) > MAX_EXTENDS_DEPTH:
                return True
            current = parent
        return False

    def parent(self, key: _Key) -> _Key | None:
        """The (file, service) ``key`` extends, its file read; None when it extends none or
        cannot (a named problem)."""
        if key not in self.parents:
            self.parents[key] = self._find_parent(key)
        return self.parents[key]

    def _find_parent(self, key: _Key) -> _Key | None:
        inner, name = key
        spec = self.files[inner].get(name)
        extends = spec.get("extends") if isinstance(spec, Mapping) else None
        if not extends:
            return None
        if isinstance(extends, str):
            extends = {"service": extends}
        if not isinstance(extends, Mapping) or not extends.get("service"):
            self.loaded.problems[f"service {name}"] = f"{inner}: extends without a service"
            return None
        target_file = inner
        if extends.get("file"):
            joined = join(dirname(inner), str(extends["file"]), self.host_tree, self.loaded.up)
            if joined is None:
                self.loaded.problems[f"service {name}"] = (
                    f"extends a file outside the project: {extends['file']}")
                return None
            target_file = joined
            if target_file not in self.files:
                parsed = _read_file(self.tree, target_file, self.loaded.env,
                                    self.loaded.problems)
                other = parsed.data.get("services") if parsed else None
                self.files[target_file] = other if isinstance(other, Mapping) else {}
        return target_file, str(extends["service"])

    def extended(self, key: _Key, chain: frozenset[_Key]) -> tuple[dict[str, Any], bool]:
        """The service at ``key`` with its ``extends`` applied, and whether the result met no
        loop. ``chain``: the services extended on the way here (the loop check)."""
        if key in self.done:
            return self.done[key], True
        inner, name = key
        spec = self.files[inner].get(name)
        if not isinstance(spec, Mapping):
            return {}, True
        own = normalize_service({k: v for k, v in spec.items() if k != "extends"})
        parent = self.parent(key)
        result, clean = own, True
        if parent is not None and parent in chain:
            self.loaded.problems[f"service {name}"] = (
                f"extends loops back to {parent[1]} in {parent[0]}")
            clean = False
        elif parent is not None:
            base, clean = self.extended(parent, chain | {parent})
            if not base:
                self.loaded.problems[f"service {name}"] = (
                    f"extends {parent[1]}, not found in {parent[0]}")
            else:
                result = merge_service(base, own)
        if clean:
            self.done[key] = result
        return result, clean

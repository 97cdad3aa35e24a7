"""Interpreting merged services: container environment, ports, mounts, role, build user."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from auditor.checks.common.tree import Tree, TreeError
from auditor.checks.compose.discover import Loaded, join
from auditor.checks.compose.dotenv import EnvEntry, EnvFile, parse_dotenv
from auditor.checks.compose.facts import Mount, Port, Service
from auditor.checks.compose.roles import classify
from auditor.checks.superset.configmodel import EnvValue

SHELL_UNKNOWN = "taken from the shell of whoever runs docker compose (not audited)"


class EnvFiles:
    """Every env_file read once, whichever services share it."""

    def __init__(self, tree: Tree, lookup: Mapping[str, str], problems: dict[str, str]) -> None:
        self.tree = tree
        self.lookup = lookup
        self.problems = problems
        self.cache: dict[tuple[str, bool], EnvFile | None] = {}

    def get(self, inner: str, raw: bool = False) -> EnvFile | None:
        if (inner, raw) not in self.cache:
            self.cache[(inner, raw)] = self._read(inner, raw)
        return self.cache[(inner, raw)]

    def _read(self, inner: str, raw: bool) -> EnvFile | None:
        try:
            text = self.tree.read_text(inner)
        except TreeError as exc:
            self.problems[f"env_file {inner}"] = str(exc).split(": ", 1)[-1]
            return None
        if raw:
            return _raw_env(text)
        parsed = parse_dotenv(text, self.lookup)
        for line, issue in parsed.issues:
            self.problems[f"interpolation {inner}:{line}"] = issue.detail
        for line in parsed.bad_lines:
            self.problems[f"env_file {inner}:{line}"] = "not a KEY=value line"
        return parsed


def _raw_env(text: str) -> EnvFile:
    """``format: raw``: every ``KEY=VALUE`` line taken literally (no quotes, no variables)."""
    parsed = EnvFile()
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip() and not line.lstrip().startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            parsed.entries[key.strip()] = EnvEntry(value, number)
    return parsed


def build_services(tree: Tree, loaded: Loaded, host_tree: bool,
                   enabled_profiles: set[str]) -> tuple[list[Service], list[str]]:
    env_files = EnvFiles(tree, loaded.env, loaded.problems)
    services: list[Service] = []
    inactive: list[str] = []
    for name, spec in loaded.services.items():
        profiles = spec.get("profiles")
        if isinstance(profiles, list) and profiles and not (
            enabled_profiles & {str(p) for p in profiles}
        ):
            inactive.append(name)
            continue
        services.append(_service(tree, loaded, name, spec, env_files, host_tree))
    return services, inactive


LIST_ATTRS = ("ports", "volumes", "configs", "secrets")
"""Attributes Compose requires to be lists (``ports: 8080`` is refused)."""


def as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _service(tree: Tree, loaded: Loaded, name: str, spec: dict[str, Any], env_files: EnvFiles,
             host_tree: bool) -> Service:
    marks = loaded.marks.get(name, {})
    file, line = marks.get("", (loaded.files[0], 1))
    attrs = {k: v for k, v in marks.items() if k}
    directory = loaded.directories.get(name, loaded.base)
    env = _environment(loaded, name, spec, directory, env_files, host_tree)
    for attr in LIST_ATTRS:
        if spec.get(attr) is not None and not isinstance(spec.get(attr), list):
            loaded.problems[f"service {name} {attr}"] = (
                "not a list (Compose rejects the file); ignored")
    ports = tuple(
        Port(str(p.get("host_ip", "")), str(p.get("published", "")), str(p.get("target", "")),
             str(p.get("protocol", "tcp")), str(p.get("raw", "")))
        for p in as_list(spec.get("ports")) if isinstance(p, Mapping)
    )
    mounts = _mounts(spec, directory, host_tree)
    image = str(spec.get("image") or "")
    build = spec.get("build") if isinstance(spec.get("build"), Mapping) else None
    command = " ".join(
        " ".join(str(w) for w in v) if isinstance(v, list) else str(v)
        for v in (spec.get("entrypoint"), spec.get("command")) if v
    )
    role, superset = classify(name, image, command, build is not None)
    build_user: str | None = None
    build_from: tuple[str, ...] = ()
    if build is not None:
        build_user, build_from = dockerfile_user(tree, build, directory, host_tree,
                                                 loaded.problems, name)
        if not superset and any("superset" in b for b in build_from):
            role, superset = classify(name, "apache/superset", command, True)
    environment = spec.get("environment")
    refs = loaded.env_refs.get(name, set())
    literal = frozenset(
        k for k, v in (environment.items() if isinstance(environment, Mapping) else ())
        if v is not None and k not in refs
    )
    return Service(name=name, spec=spec, file=file, line=line, role=role, env=env, ports=ports,
                   mounts=mounts, attrs=attrs, directory=directory, build_user=build_user,
                   build_from=build_from, superset=superset, literal_env=literal)


def _environment(loaded: Loaded, name: str, spec: Mapping[str, Any], directory: str,
                 env_files: EnvFiles, host_tree: bool) -> dict[str, EnvValue]:
    """The container's environment: env_file entries in order, then ``environment``."""
    env: dict[str, EnvValue] = {}
    for entry in spec.get("env_file") or []:
        if not isinstance(entry, Mapping):
            continue
        path = str(entry.get("path") or "")
        inner = join(directory, path, host_tree)
        if inner is None:
            loaded.problems[f"env_file {path}"] = "outside the audited tree, not read"
            continue
        if not env_files.tree.exists(inner):
            if entry.get("required", True):
                loaded.problems[f"env_file {inner}"] = (
                    f"not found: Compose refuses to start service {name} without it")
            continue
        parsed = env_files.get(inner, raw=entry.get("format") == "raw")
        if parsed is None:
            continue
        for key, value in parsed.entries.items():
            env[key] = EnvValue(value.value, f"{inner}:{value.line}")
    where = loaded.env_marks.get(name, {})
    environment = spec.get("environment")
    if isinstance(environment, Mapping):
        for key, value in environment.items():
            file, line = where.get(key, loaded.marks.get(name, {}).get("environment",
                                                                        (loaded.files[0], 0)))
            source = f"{file}:{line} environment"
            if value is None:
                if key in loaded.env:
                    env[key] = EnvValue(loaded.env[key], f"{source} from .env")
                else:
                    env[key] = EnvValue("", source, unknown=SHELL_UNKNOWN)
            else:
                env[key] = EnvValue(str(value), source)
    return env


def _mounts(spec: Mapping[str, Any], directory: str, host_tree: bool) -> tuple[Mount, ...]:
    found = []
    for item in as_list(spec.get("volumes")):
        if not isinstance(item, Mapping):
            continue
        kind = str(item.get("type") or "volume")
        source = str(item.get("source") or "")
        inner = join(directory, source, host_tree) if kind == "bind" and source else None
        found.append(Mount(kind, source, str(item.get("target") or ""),
                           bool(item.get("read_only")), str(item.get("raw") or ""), inner))
    tmpfs = spec.get("tmpfs")
    for target in tmpfs if isinstance(tmpfs, list) else []:
        found.append(Mount("tmpfs", "", str(target).split(":", 1)[0], False, str(target)))
    return tuple(found)


ARG_REF = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}?")


def dockerfile_user(tree: Tree, build: Mapping[str, Any], directory: str, host_tree: bool,
                    problems: dict[str, str], service: str) -> tuple[str | None, tuple[str, ...]]:
    """(last USER of the stage built, external base images) from the build's Dockerfile."""
    inline = build.get("dockerfile_inline")
    if isinstance(inline, str):
        text = inline
    else:
        context = join(directory, str(build.get("context") or "."), host_tree)
        if context is None:
            return None, ()
        name = str(build.get("dockerfile") or "Dockerfile")
        inner = join(context, name, host_tree)
        if inner is None or not tree.exists(inner):
            return None, ()
        try:
            text = tree.read_text(inner)
        except TreeError as exc:
            problems[f"file {inner}"] = str(exc).split(": ", 1)[-1]
            return None, ()
    args = {str(k): str(v) for k, v in (build.get("args") or {}).items()} \
        if isinstance(build.get("args"), Mapping) else {}
    return _stage_user(text, args, build.get("target"))


def _stage_user(text: str, args: dict[str, str],
                target: object) -> tuple[str | None, tuple[str, ...]]:
    stages: list[dict[str, Any]] = []
    defaults = dict(args)
    for instruction, rest in _instructions(text):
        if instruction == "ARG":
            key, _, value = rest.partition("=")
            defaults.setdefault(key.strip(), value.strip().strip("\"'"))
        elif instruction == "FROM":
            words = [w for w in rest.split() if not w.startswith("--")]
            if not words:
                continue
            image = ARG_REF.sub(lambda m: defaults.get(m.group(1)) or m.group(2) or "", words[0])
            alias = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
            parent = next((s for s in stages if s["alias"] == image.lower()), None)
            stages.append({"alias": alias.lower() if alias else None, "image": image,
                           "user": parent["user"] if parent else None,
                           "external": parent["external"] if parent else (image,)})
        elif instruction == "USER" and stages:
            stages[-1]["user"] = rest.strip()
    if not stages:
        return None, ()
    chosen = stages[-1]
    if isinstance(target, str):
        chosen = next((s for s in stages if s["alias"] == target.lower()), chosen)
    return chosen["user"], tuple(chosen["external"])


def _instructions(text: str) -> list[tuple[str, str]]:
    found = []
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        word, _, rest = current.strip().partition(" ")
        found.append((word.upper(), rest.strip()))
        current = ""
    return found

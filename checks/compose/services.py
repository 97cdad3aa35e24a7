"""Interpreting merged services: container environment, ports, mounts, role, build user."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from auditor.checks.common.bounds import describe, inside, levels_up, tree_top
from auditor.checks.common.tree import Tree, TreeError
from auditor.checks.compose.discover import Loaded, join
from auditor.checks.compose.dockerfile import (
    MAX_DOCKERFILE_BYTES,
    BuiltImage,
    DockerfileError,
    exec_words,
    read_image,
)
from auditor.checks.compose.dotenv import EnvEntry, EnvFile, parse_dotenv
from auditor.checks.compose.facts import Mount, Port, Service
from auditor.checks.compose.profiles import ProfileChoice, service_profiles
from auditor.checks.compose.roles import classify, superset_process
from auditor.checks.compose.scripts import ScriptsRead, read_started
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
            self.problems[f"env_file {inner}"] = exc.reason
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
                   choice: ProfileChoice) -> tuple[list[Service], list[str]]:
    """The services that run under ``choice`` (see :mod:`profiles`), and those left out."""
    env_files = EnvFiles(tree, loaded.env, loaded.problems)
    services: list[Service] = []
    inactive: list[str] = []
    for name, spec in loaded.services.items():
        if not choice.active(service_profiles(spec)):
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
    mounts = _mounts(spec, directory, host_tree, loaded.up)
    image = str(spec.get("image") or "")
    build = spec.get("build") if isinstance(spec.get("build"), Mapping) else None
    built = built_image(tree, build, directory, host_tree, loaded.problems,
                        name) if build is not None else None
    started = process(spec, built)
    role, superset = classify(name, image, started, built)
    scripts = ScriptsRead()
    if superset_process(started.lower()) in (None, "init"):
        # Superset's own conventions (docker-bootstrap.sh app, run-server.sh, celery ...)
        # decide first; otherwise what the started scripts launch does, when it is one part
        # of Superset (a dev server or gunicorn chosen at run time are both its web; a
        # dispatcher starting web, worker or beat by its argument is none of them).
        scripts = read_started(tree, mounts, built, started)
        parts = {superset_process(launch.command.lower()) for launch in scripts.launches}
        if len(parts - {None}) == 1:
            ran = " ".join(launch.command for launch in scripts.launches)
            role, superset = classify(name, image, f"{started} {ran}", built)
    build_user = built.user.value if built is not None and built.user is not None else None
    build_from = (built.base,) if built is not None and built.base else ()
    environment = spec.get("environment")
    refs = loaded.env_refs.get(name, set())
    literal = frozenset(
        k for k, v in (environment.items() if isinstance(environment, Mapping) else ())
        if v is not None and k not in refs
    )
    return Service(name=name, spec=spec, file=file, line=line, role=role, env=env, ports=ports,
                   mounts=mounts, attrs=attrs, directory=directory, build_user=build_user,
                   build_from=build_from, superset=superset, literal_env=literal, built=built,
                   profiles=service_profiles(spec), process=started,
                   launches=scripts.launches, unread_scripts=scripts.unread)


def _words(value: object) -> str:
    return " ".join(str(w) for w in value) if isinstance(value, list) else str(value or "")


def process(spec: Mapping[str, Any], built: BuiltImage | None) -> str:
    """What the container starts, as Docker decides it: Compose's ``entrypoint`` replaces the
    image's ENTRYPOINT and drops its CMD; ``command`` replaces the CMD only."""
    entrypoint, command = spec.get("entrypoint"), spec.get("command")
    if entrypoint is None and built is not None and built.entrypoint is not None:
        entrypoint = built.entrypoint.value
    if command is None and spec.get("entrypoint") is None and built is not None and \
            built.cmd is not None:
        command = built.cmd.value
    return " ".join(_shell_or_exec(v) for v in (entrypoint, command) if v)


def _shell_or_exec(value: object) -> str:
    if isinstance(value, str) and value.strip().startswith("["):
        return exec_words(value)
    return _words(value)


def _environment(loaded: Loaded, name: str, spec: Mapping[str, Any], directory: str,
                 env_files: EnvFiles, host_tree: bool) -> dict[str, EnvValue]:
    """The container's environment: env_file entries in order, then ``environment``."""
    env: dict[str, EnvValue] = {}
    for entry in spec.get("env_file") or []:
        if not isinstance(entry, Mapping):
            continue
        path = str(entry.get("path") or "")
        inner = join(directory, path, host_tree, loaded.up)
        if inner is None:
            loaded.problems[f"env_file {path}"] = (
                f"outside the audited tree ({describe(env_files.tree, host_tree)}), not read")
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


def _mounts(spec: Mapping[str, Any], directory: str, host_tree: bool,
            up: int) -> tuple[Mount, ...]:
    found = []
    for item in as_list(spec.get("volumes")):
        if not isinstance(item, Mapping):
            continue
        kind = str(item.get("type") or "volume")
        source = str(item.get("source") or "")
        inner = join(directory, source, host_tree, up) if kind == "bind" and source else None
        found.append(Mount(kind, source, str(item.get("target") or ""),
                           bool(item.get("read_only")), str(item.get("raw") or ""), inner))
    tmpfs = spec.get("tmpfs")
    for target in tmpfs if isinstance(tmpfs, list) else []:
        found.append(Mount("tmpfs", "", str(target).split(":", 1)[0], False, str(target)))
    return tuple(found)


def built_image(tree: Tree, build: Mapping[str, Any], directory: str, host_tree: bool,
                problems: dict[str, str], service: str) -> BuiltImage | None:
    """The stage a ``build:`` service builds, read from its Dockerfile (never built), or
    None with a named problem when the Dockerfile cannot be read or used."""
    inline = build.get("dockerfile_inline")
    target = build.get("target")
    raw_args = build.get("args")
    args = {str(k): str(v) for k, v in raw_args.items() if v is not None} \
        if isinstance(raw_args, Mapping) else {}
    if isinstance(inline, str):
        text, label = inline, f"service {service} dockerfile_inline"
    else:
        name = str(build.get("dockerfile") or "Dockerfile")
        up = levels_up(tree)
        where = join(directory, str(build.get("context") or "."), host_tree, up)
        inner = join(where, name, host_tree, up) if where is not None else None
        if where is None or inner is None or not inside(tree, tree_top(tree), inner):
            problems[f"service {service} build"] = (
                f"Dockerfile {name} (context {str(build.get('context') or '.')[:80]}) lies "
                f"outside the audited tree ({describe(tree, host_tree)}); not read")
            return None
        if not tree.exists(inner):
            problems[f"file {inner}"] = f"not found: the Dockerfile of service {service}"
            return None
        try:
            text = tree.read_text(inner, limit=MAX_DOCKERFILE_BYTES)
        except TreeError as exc:
            problems[f"file {inner}"] = exc.reason
            return None
        label = inner
    context = join(directory, str(build.get("context") or "."), host_tree, levels_up(tree))
    if context is not None and not inside(tree, tree_top(tree), context):
        context = None
    try:
        image = read_image(text, label, args, str(target) if target else None)
        return dataclasses.replace(image, context=context)
    except DockerfileError as exc:
        problems[f"file {label}"] = str(exc)
        return None

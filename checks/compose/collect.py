"""Detection and fact collection for the compose style.

A path target is a project directory (or one Compose file); a host tree
(``--root DIR``, ``host``) is searched for projects where people put them
(``/opt``, ``/srv``, ``/home/*``, ``/root``). Nothing is executed and no Docker
engine is needed: files are read through :class:`Tree`, never outside it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from auditor.checks.common.bounds import levels_up, tree_top
from auditor.checks.common.tree import Tree
from auditor.checks.compose import configsource
from auditor.checks.compose.common import proxies_for
from auditor.checks.compose.discover import other_compose_files
from auditor.checks.compose.facts import ComposeFacts, ComposeProject, Service
from auditor.checks.compose.layout import Layout, layout
from auditor.checks.compose.layout import detect as detect
from auditor.checks.compose.project import ProjectRead, read_project
from auditor.checks.superset.configmodel import (
    ConfigSet,
    SupersetConfig,
    Topology,
    gunicorn_timeout,
)
from auditor.model import Detection, Facts, Style, Target


def _label(target: Target, base: str) -> str:
    return "." if not target.host_tree else "/" + base


def detect_in(target: Target, where: Layout) -> Detection | None:
    tree, bases = where
    best: Detection | None = None
    for base, files in bases:
        read = read_project(tree, base, _label(target, base), target.host_tree, files, light=True)
        detection = _detection(target, read, explicit=files is not None, tree=tree)
        if detection and (best is None or detection.confidence > best.confidence):
            best = detection
    return best


def _detection(target: Target, read: ProjectRead, explicit: bool,
               tree: Tree) -> Detection | None:
    loaded = read.loaded
    where = "" if not target.host_tree else f"/{loaded.base}/"
    names = ", ".join(where + f.rsplit("/", 1)[-1] if where else f for f in loaded.files)
    if read.project is None:
        if explicit or not (loaded.files or loaded.env.get("COMPOSE_FILE")):
            return None
        what = f"Compose file {names}" if names else "Compose project"
        return Detection(Style.COMPOSE, 0.8, (f"{what} ({loaded.fatal})",), None)
    services = read.project.services
    if not services and explicit:
        return None  # a YAML file without services is not a Compose project
    listed = ", ".join(s.name for s in services[:8]) + (", ..." if len(services) > 8 else "")
    evidence = [f"Compose file {names} with services {listed or '(none)'}"]
    if loaded.fallback:
        evidence.append("not a name Compose loads by default: it is run with -f")
    others = [] if explicit else other_compose_files(tree, loaded.base, loaded.files)
    if others:
        # Say which file was chosen and how to audit another, instead of choosing silently.
        where = f"{target.label.rstrip('/')}/{others[0]}"
        evidence.append(f"also here, not audited: {', '.join(others[:4])} (to audit one "
                        f"instead: auditor scan {where})")
    superset = [s for s in services if s.superset]
    if superset:
        evidence.append("Superset services: " + ", ".join(f"{s.name} ({s.role})"
                                                          for s in superset[:6]))
    if read.project.assumed_profiles:
        evidence.append("services of every Compose profile audited ("
                        + ", ".join(read.project.assumed_profiles)
                        + "): the files do not say which ones are enabled")
    if levels_up(tree):
        evidence.append(f"relative paths read up to the enclosing git repository's root "
                        f"({tree_top(tree)}), as Compose resolves them from the project folder")
    # A file without services is a Compose file Compose itself refuses to run: a weak hint.
    confidence = 0.95 if services else 0.4
    if loaded.fallback:
        confidence = min(confidence, 0.75)
    return Detection(Style.COMPOSE, confidence, tuple(evidence), "superset" if superset else None)


def collect(target: Target, options: Mapping[str, object]) -> Facts:
    where = layout(target)
    if where is None:
        return Facts(Style.COMPOSE, problems={"compose": "the target has no files to read"})
    tree, bases = where
    problems: dict[str, str] = {}
    projects: list[ComposeProject] = []
    configs: list[tuple[str, SupersetConfig]] = []
    fatal: list[str] = []
    for base, files in bases:
        label = _label(target, base)
        read = read_project(tree, base, label, target.host_tree, files)
        prefix = "" if label == "." else f"{label}: "
        problems.update({f"{prefix}{k}": v for k, v in read.loaded.problems.items()})
        if read.project is None:
            if read.loaded.files or read.loaded.env.get("COMPOSE_FILE"):
                fatal.append(f"{prefix}{read.loaded.fatal}")
            continue
        projects.append(read.project)
        conf = superset_config(tree, read, target.host_tree, problems, prefix)
        if conf is not None:
            conf = dataclasses.replace(_with_proxy(read.project, conf),
                                       topology=_topology(read.project),
                                       urls=_urls(read.project))
            configs.append(("" if label == "." else label, conf))
    values: dict[str, object] = {}
    if projects:
        values["compose"] = ComposeFacts(tuple(projects))
    else:
        problems["compose"] = "; ".join(fatal) or "no Compose project found in the target"
    app = None
    if configs:
        app = "superset"
        values["superset.config"] = configs[0][1]
        if len(configs) > 1:
            values["superset.configs"] = ConfigSet(tuple(configs))
        for scope, conf in configs:
            for problem in conf.problems:
                problems["superset.config" + (f" {scope}" if scope else "")] = problem
    for directory, why in tree.unreadable.items():  # never read as "nothing there"
        problems.setdefault(f"directory {directory}", f"{why}: not read")
    return Facts(Style.COMPOSE, values=values, problems=problems, app=app)


def _with_proxy(project: ComposeProject, conf: SupersetConfig) -> SupersetConfig:
    """Tell the Superset pack whether a proxy fronts the web (for ENABLE_PROXY_FIX)."""
    names = {f.name for f in dataclasses.fields(SupersetConfig)}
    web = _superset_service(project)
    if "behind_proxy" not in names or web is None:
        return conf  # a Superset pack without the field: nothing to tell
    proxies = proxies_for(project, web)
    if proxies:
        return dataclasses.replace(conf, behind_proxy=True, proxy_evidence=(
            f"service {proxies[0].name} ({proxies[0].image or 'built locally'})"))
    if web.ports and all(p.loopback for p in web.ports):
        return conf  # published on loopback: a proxy on the host is likely, not visible here
    return dataclasses.replace(conf, behind_proxy=False,
                               proxy_evidence="no proxy service in the Compose project")


def _superset_service(project: ComposeProject) -> Service | None:
    web = project.role("web")
    web.sort(key=lambda s: (s.name != "superset", s.name))
    if web:
        return web[0]
    others = [s for s in project.services if s.superset]
    return others[0] if others else None


def superset_config(tree: Tree, read: ProjectRead, host_tree: bool, problems: dict[str, str],
                    prefix: str) -> SupersetConfig | None:
    """The web service's superset_config.py and environment, analysed (never executed)."""
    project = read.project
    if project is None:
        return None
    service = _superset_service(project)
    if service is None:
        return None
    return configsource.find(tree, read, service, host_tree, problems, prefix)


def _topology(project: ComposeProject) -> Topology:
    def count(role: str) -> int:
        # Services under different profiles may be alternatives (a dev and a prod web, two
        # beats), and when every profile is audited (profiles.py) adding them up would count
        # processes that never run together: per role, services of no profile are added to
        # those of the largest single profile.
        services = project.role(role)
        always = sum(s.replicas for s in services if not s.profiles)
        per_profile: dict[str, int] = {}
        for service in services:
            for profile in service.profiles:
                per_profile[profile] = per_profile.get(profile, 0) + service.replicas
        return always + max(per_profile.values(), default=0)

    web = project.role("web")
    timeout = None
    if web:
        words = " ".join(str(w) for w in (web[0].spec.get("command") or [])).split() \
            if isinstance(web[0].spec.get("command"), list) else \
            str(web[0].spec.get("command") or "").split()
        if "gunicorn" in words:
            given = next((words[i + 1] for i, w in enumerate(words[:-1])
                          if w in ("-t", "--timeout")), None)
            timeout = gunicorn_timeout(given, "gunicorn")
    return Topology(web=count("web"), workers=count("worker"), beats=count("beat"),
                    gunicorn_timeout=timeout,
                    evidence=tuple(f"service {s.name}: {s.role} x{s.replicas}"
                                   for s in project.role("web", "worker", "beat")),
                    shared_dirs=_shared_dirs(project))


def _shared_dirs(project: ComposeProject) -> tuple[tuple[str, str], ...]:
    """Container directories that every Superset service mounts from one named volume or
    one host path (Superset's compose files share ``superset_home`` this way), so a
    FileSystemCache there is one store for web and workers alike."""
    services = project.role("web", "worker", "beat")
    if not services:
        return ()
    backing: list[dict[str, str]] = []
    for service in services:
        mounts: dict[str, str] = {}
        for mount in service.mounts:
            if mount.kind == "volume" and mount.source:
                mounts[mount.target] = f"volume {mount.source}"
            elif mount.kind == "bind" and mount.inner is not None:
                mounts[mount.target] = f"bind mount {mount.inner}"
        backing.append(mounts)
    first, *rest = backing
    return tuple(sorted((target, source) for target, source in first.items()
                        if all(other.get(target) == source for other in rest)))


def _urls(project: ComposeProject) -> tuple[str, ...]:
    """Published ports of the proxy, then of the web service, on this host."""
    urls = []
    for service in (*project.role("proxy"), *project.role("web")):
        for port in service.ports:
            if not port.published or "-" in port.published:
                continue
            host = port.host_ip if port.host_ip and port.host_ip != "0.0.0.0" else "127.0.0.1"
            scheme = "https" if port.target == "443" else "http"
            urls.append(f"{scheme}://{host}:{port.published}")
    return tuple(dict.fromkeys(urls))

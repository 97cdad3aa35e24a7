"""One Compose project read into facts: files merged, services interpreted, extras found."""

from __future__ import annotations

from dataclasses import dataclass

from auditor.checks.common.tree import Tree
from auditor.checks.compose import extras
from auditor.checks.compose.discover import Loaded, join, load
from auditor.checks.compose.facts import ComposeProject, Service
from auditor.checks.compose.profiles import assumed_note, choose, inactive_note
from auditor.checks.compose.services import build_services


@dataclass
class ProjectRead:
    project: ComposeProject | None
    loaded: Loaded
    files: extras.ProjectFiles | None = None


def read_project(tree: Tree, base: str, label: str, host_tree: bool,
                 files: list[str] | None = None, *, light: bool = False) -> ProjectRead:
    """Read a project; ``light`` stops after the services (enough for detection)."""
    loaded = load(tree, base, host_tree, files)
    if loaded.fatal is not None:
        return ProjectRead(None, loaded)
    choice = choose(loaded.env)
    services, inactive = build_services(tree, loaded, host_tree, choice)
    assumed = _assumed(services) if choice.enabled is None else {}
    if assumed:
        loaded.problems["profiles"] = assumed_note(assumed)
    elif inactive:
        loaded.problems["profiles"] = inactive_note(choice, inactive)
    project = ComposeProject(
        label=label, base=base, files=tuple(loaded.files), services=tuple(services),
        inactive=tuple(inactive), networks=loaded.top.get("networks", {}),
        volumes=loaded.top.get("volumes", {}), assumed_profiles=tuple(sorted(assumed)),
    )
    if light:
        return ProjectRead(project, loaded)
    problems = loaded.problems
    listing = extras.ProjectFiles.scan(tree, base)
    proxies = {s.name: extras.proxy_configs(listing, s, problems)
               for s in services if s.role == "proxy"}
    project = ComposeProject(
        label=label, base=base, files=tuple(loaded.files), services=tuple(services),
        inactive=tuple(inactive), networks=loaded.top.get("networks", {}),
        volumes=loaded.top.get("volumes", {}), assumed_profiles=tuple(sorted(assumed)),
        versioned=extras.versioned(tree, base),
        update_tooling=extras.update_tooling(listing, services, problems),
        backups=extras.backups(listing, services, host_tree, problems),
        proxy_configs=proxies,
        script_defaults=extras.script_defaults(listing, services, problems),
        daemon=extras.daemon_config(tree, problems) if host_tree else None,
    )
    return ProjectRead(project, loaded, listing)


def _assumed(services: list[Service]) -> dict[str, list[str]]:
    """Profile -> the services under it, audited without knowing the profile is enabled."""
    found: dict[str, list[str]] = {}
    for service in services:
        for profile in service.profiles:
            found.setdefault(profile, []).append(service.name)
    return found


def config_file_inner(loaded: Loaded, base: str, source: str, host_tree: bool) -> str | None:
    """The file behind a top-level ``configs:`` entry, as an inner path."""
    entry = loaded.top.get("configs", {}).get(source)
    if isinstance(entry, dict) and entry.get("file"):
        return join(base, str(entry["file"]), host_tree, loaded.up)
    return None

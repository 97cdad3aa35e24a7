"""What the plugins provide, collected once per run and validated."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from auditor.model import AppProfile, Check, Row, Style
from auditor.plugins import PluginError, PluginHost
from auditor.reports.base import Renderer

T = TypeVar("T")

CHECK_ID = re.compile(r"^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+-\d{3}$")


@dataclass(frozen=True)
class Registry:
    checks: Mapping[str, Check] = field(default_factory=dict)
    renderers: Mapping[str, Renderer] = field(default_factory=dict)
    apps: Mapping[str, AppProfile] = field(default_factory=dict)

    def for_target(self, style: Style, app: str | None) -> list[Check]:
        """Checks that apply to one (target, style): its style's and its app's."""
        return [
            c
            for c in self.checks.values()
            if c.style == style or (c.style == Style.ANY and (c.app is None or c.app == app))
        ]

    def select(self, style: str | None = None, row: str | None = None) -> list[Check]:
        return [
            c
            for c in sorted(self.checks.values(), key=lambda c: c.id)
            if (style is None or c.style.value in (style, Style.ANY.value))
            and (row is None or c.row.value == row)
        ]


def build_registry(host: PluginHost, styles: Iterable[Style] | None = None) -> Registry:
    """What the plugins register; with ``styles``, plugins may leave out the checks of
    other styles (see ``auditor_register_checks``), so only those are imported."""
    wanted = None if styles is None else frozenset(styles)
    checks: dict[str, Check] = {}
    for plugin, provided in _in_registration_order(host, "auditor_register_checks",
                                                   styles=wanted):
        for check in _as_list(host, plugin, provided, Check, "auditor_register_checks"):
            problem = _invalid(check)
            if problem:
                host.errors.append(PluginError(plugin, f"check {check.id!r} rejected: {problem}"))
                continue
            if check.id in checks:
                owner = checks[check.id].plugin
                host.errors.append(
                    PluginError(plugin, f"check {check.id} rejected: id already used by {owner}")
                )
                continue
            checks[check.id] = dataclasses.replace(check, plugin=plugin)
    renderers: dict[str, Renderer] = {}
    for plugin, provided in _in_registration_order(host, "auditor_register_renderers"):
        for renderer in _as_list(host, plugin, provided, Renderer, "auditor_register_renderers"):
            if renderer.name in renderers:
                host.errors.append(
                    PluginError(plugin, f"renderer {renderer.name!r} rejected: name already used")
                )
                continue
            renderers[renderer.name] = renderer
    apps: dict[str, AppProfile] = {}
    for plugin, provided in _in_registration_order(host, "auditor_register_apps"):
        for app in _as_list(host, plugin, provided, AppProfile, "auditor_register_apps"):
            apps.setdefault(app.name, app)
    return Registry(checks=checks, renderers=renderers, apps=apps)


def _in_registration_order(host: PluginHost, hook: str,
                           **kwargs: object) -> list[tuple[str, object]]:
    """Answers oldest plugin first, so built-ins keep their ids and names.

    ``host.call`` runs the newest plugin first (as pluggy does, for firstresult
    hooks); for registration that would let a later plugin take over a built-in
    check id and blame the built-in for the duplicate.
    """
    return list(host.call(hook, **kwargs))[::-1]


def _as_list(
    host: PluginHost, plugin: str, provided: object, kind: type[T], hook: str
) -> list[T]:
    items = list(provided) if isinstance(provided, Iterable) else [provided]
    good = [item for item in items if isinstance(item, kind)]
    if len(good) != len(items):
        host.errors.append(
            PluginError(plugin, f"{hook} returned something that is not a {kind.__name__}")
        )
    return good


def _invalid(check: Check) -> str | None:
    if not CHECK_ID.match(check.id):
        return "id must look like STYLE-ROW-NNN in upper case"
    if not isinstance(check.row, Row) or not isinstance(check.style, Style):
        return "row and style must be auditor.model.Row and Style members"
    if not check.rationale or not check.remediation or not check.title:
        return "title, rationale and remediation are required"
    if check.style == Style.ANY and not check.app:
        return "a check of style 'any' must name its app"
    return None

"""Plugin manager factory: built-ins and entry points, each isolated from the others."""

from __future__ import annotations

import importlib
import importlib.metadata
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pluggy

from auditor import PROJECT_NAME, hookspecs

ENTRY_POINT_GROUP = "auditor"
AUTOLOAD_ENV = "AUDITOR_DISABLE_PLUGIN_AUTOLOAD"

BUILTIN_PLUGINS: tuple[str, ...] = (
    "auditor.checks.pip.plugin:plugin",
    "auditor.checks.kubernetes.plugin:plugin",
    "auditor.checks.systemd.plugin:plugin",
    "auditor.checks.compose.plugin:plugin",
    "auditor.checks.superset.plugin",
    "auditor.reports.plugin",
)
"""Built-in plugins, ``module`` or ``module:attribute`` like entry points, registered
through the same hooks as third-party ones."""


@dataclass(frozen=True)
class PluginError:
    plugin: str
    message: str

    def __str__(self) -> str:
        return f"plugin {self.plugin}: {self.message}"


@dataclass
class PluginHost:
    """A plugin manager plus what went wrong while loading and calling plugins.

    Hooks are called implementation by implementation (see :meth:`call`) so a
    plugin that raises is named in ``errors`` and the others still answer.
    """

    pm: pluggy.PluginManager
    errors: list[PluginError] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    """Plugin name -> where it came from (``builtin`` or ``dist==version``)."""

    def call(self, hook_name: str, **kwargs: Any) -> Iterator[tuple[str, Any]]:
        """Yield ``(plugin_name, result)`` for each implementation that answers."""
        caller = getattr(self.pm.hook, hook_name)
        # pluggy calls the last-registered implementation first; do the same.
        for impl in reversed(caller.get_hookimpls()):
            args = [kwargs[name] for name in impl.argnames]
            try:
                result = impl.function(*args)
            except Exception as exc:  # a broken plugin must never stop an audit
                self.errors.append(
                    PluginError(impl.plugin_name, f"{hook_name} raised {_describe(exc)}")
                )
                continue
            if result is not None:
                yield impl.plugin_name, result

    def first(self, hook_name: str, **kwargs: Any) -> Any:
        for _, result in self.call(hook_name, **kwargs):
            return result
        return None

    def hooks_of(self, plugin: object) -> list[str]:
        callers = self.pm.get_hookcallers(plugin) or []
        return sorted(c.name for c in callers)


def _describe(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def get_plugin_manager(
    *, autoload: bool | None = None, extra: Sequence[object] = ()
) -> PluginHost:
    """Build a fresh plugin manager: hook specs, built-ins, then entry points.

    ``autoload`` defaults to on unless ``AUDITOR_DISABLE_PLUGIN_AUTOLOAD`` is
    set. ``extra`` registers plugin objects directly (tests, embedding).
    """
    pm = pluggy.PluginManager(PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    host = PluginHost(pm)
    for spec in BUILTIN_PLUGINS:
        module_name, _, attribute = spec.partition(":")
        try:
            module = importlib.import_module(module_name)
            plugin = getattr(module, attribute) if attribute else module
        except Exception as exc:
            host.errors.append(PluginError(module_name, f"failed to import: {_describe(exc)}"))
            continue
        _register(host, plugin, module_name, "builtin")
    if autoload is None:
        autoload = not os.environ.get(AUTOLOAD_ENV)
    if autoload:
        _load_entry_points(host)
    for index, plugin in enumerate(extra):
        name = getattr(plugin, "__name__", None) or f"extra-{index}"
        _register(host, plugin, str(name), "embedded")
    return host


def _load_entry_points(host: PluginHost) -> None:
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        source = f"{ep.dist.name}=={ep.dist.version}" if ep.dist else "entry point"
        if host.pm.get_plugin(ep.name) is not None:
            continue
        try:
            plugin = ep.load()
        except Exception as exc:
            host.errors.append(PluginError(ep.name, f"failed to load: {_describe(exc)}"))
            continue
        _register(host, plugin, ep.name, source)


def _register(host: PluginHost, plugin: object, name: str, source: str) -> None:
    try:
        host.pm.register(plugin, name=name)
    except Exception as exc:
        host.errors.append(PluginError(name, f"failed to register: {_describe(exc)}"))
        return
    try:
        # Catches hook implementations whose names match no spec (typos).
        host.pm.check_pending()
    except pluggy.PluginValidationError as exc:
        host.pm.unregister(plugin)
        host.errors.append(PluginError(name, f"rejected: {_describe(exc)}"))
        return
    host.sources[name] = source


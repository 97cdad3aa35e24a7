"""The library entry point: audit targets and get a typed :class:`Report` back.

The CLI is a thin layer over this::

    from auditor.api import scan
    report = scan(["examples/pip-dev"])
    print(report.score.value, report.score.grade)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.config import Config, ConfigError, find_config, load_config
from auditor.model import Check, Report, Style, Target, TargetKind
from auditor.plugins import PluginHost, get_plugin_manager
from auditor.registry import Registry, build_registry
from auditor.runner import Progress, ScanOptions, audit
from auditor.targets import parse_targets


@dataclass(frozen=True, eq=False)
class Session:
    """Plugins, and the registries built from them on demand, each once (never at import
    time).

    A scan asks for the registry of the styles it audits (:meth:`registry_for`), so the
    check modules of other styles are never imported; :attr:`registry` is the whole
    catalog, for listings. A session lives for one run or one embedding caller.
    """

    host: PluginHost
    given: Registry | None = None
    """A registry given whole (tests, embedding): every request is answered with it."""
    custom: Mapping[str, Check] = field(default_factory=dict)
    """Checks a configuration declares, already validated, joined to every registry."""
    custom_source: str = ""
    _built: dict[frozenset[Style] | None, Registry] = field(
        default_factory=dict, init=False, repr=False)

    @property
    def registry(self) -> Registry:
        return self.registry_for(None)

    def registry_for(self, styles: Iterable[Style] | None) -> Registry:
        """The checks of ``styles`` (and every check their plugins chose to return), the
        renderers and the apps; ``None``: every style's checks."""
        key = None if styles is None else frozenset(styles)
        if key not in self._built:
            base = self.given or build_registry(self.host, key)
            self._built[key] = _joined(base, self.custom, self.custom_source)
        return self._built[key]


def open_session(*, autoload: bool | None = None, extra: Sequence[object] = ()) -> Session:
    return Session(host=get_plugin_manager(autoload=autoload, extra=extra))


def with_custom_checks(session: Session, config: Config) -> Session:
    """``session`` plus the checks ``config`` declares, as a new session (``session`` and
    every other user of it are untouched, so one configuration's checks never leak into
    another run).

    They come through ``auditor_register_checks`` and the registry's validation like any
    plugin's: a declaration the registry rejects is a configuration error raised here,
    and an id another plugin already uses is one raised when a registry is built, after
    detection and before any check runs. A session that already holds this
    configuration's checks is returned as it is, so a front end may add them for its
    catalog before the audit adds them again.
    """
    held = session.custom
    if all(c.id in held and held[c.id].evaluate is c.evaluate for c in config.custom_checks):
        return session  # none declared, or this configuration's checks are in already
    import pluggy

    from auditor import PROJECT_NAME, hookspecs
    from auditor.customchecks.plugin import CustomChecksPlugin

    manager = pluggy.PluginManager(PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    where = config.source or "configuration"
    # The file's name, not its path: check catalogs never show the auditing machine's paths.
    name = f"custom checks of {Path(where.split(' [', 1)[0]).name}"
    manager.register(CustomChecksPlugin(config.custom_checks), name=name)
    own = PluginHost(manager, sources={name: "configuration"})
    declared = build_registry(own).checks
    for error in own.errors:
        raise ConfigError(f"{where}: {error}")
    return Session(session.host, session.given, dict(declared), where)


def _joined(base: Registry, custom: Mapping[str, Check], where: str) -> Registry:
    if not custom:
        return base
    present = base.checks
    for check_id in custom:
        if check_id in present:
            raise ConfigError(f"{where}: custom check {check_id}: id already used by "
                              f"{present[check_id].plugin}")
    return dataclasses.replace(base, checks={**present, **custom})


def resolve_config(config_path: str | None, targets: Sequence[Target]) -> Config:
    """``--config`` wins; otherwise the first path target with a configuration nearby."""
    if config_path:
        path = Path(config_path)
        return load_config(path)
    for target in targets:
        if target.kind == TargetKind.PATH and target.root:
            found = find_config(Path(target.root))
            if found:
                return load_config(found)
    return Config()


def scan(
    specs: Sequence[str],
    *,
    root: str | None = None,
    stdin_text: str | None = None,
    config: Config | str | None = None,
    **kwargs: Any,
) -> Report:
    """Audit targets given as on the command line (paths, ``-``, ``host``, ``kube``)."""
    targets = parse_targets(specs, root=root, stdin_text=stdin_text)
    if not isinstance(config, Config):
        config = resolve_config(config, targets)
    return audit_targets(targets, config=config, **kwargs)


def audit_targets(
    targets: Sequence[Target],
    *,
    config: Config,
    style: str | None = None,
    app: str | None = None,
    extra: Mapping[str, object] | None = None,
    session: Session | None = None,
    progress: Progress | None = None,
    debug: bool = False,
    annotation_waivers: bool = True,
) -> Report:
    session = with_custom_checks(session or open_session(), config)
    options = ScanOptions(
        style=Style(style) if style else None,
        app=app,
        debug=debug,
        extra=dict(extra or {}),
        annotation_waivers=annotation_waivers,
    )
    return audit(targets, session.host, session.registry_for, config, options, progress)

"""Every hook of deploy-auditor, in one place.

Plugins implement these with the :data:`auditor.hookimpl` marker. Built-in
plugins (the style packs under ``auditor.checks``, the renderers under
``auditor.reports``) use exactly the same hooks as third-party packages, which
are found through the ``auditor`` entry-point group::

    [project.entry-points.auditor]
    my_checks = "my_package.auditor_plugin"

A hook implementation may accept any subset of a hook's arguments, as usual
with pluggy. Implementations are called one by one so that a plugin that
raises is reported against its name without stopping the audit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import pluggy

from auditor import PROJECT_NAME

if TYPE_CHECKING:
    from auditor.model import AppProfile, Check, Detection, Enrichment, Facts, Style, Target
    from auditor.reports.base import Renderer

hookspec = pluggy.HookspecMarker(PROJECT_NAME)


@hookspec
def auditor_register_checks(  # type: ignore[empty-body]
    styles: frozenset[Style] | None,
) -> Sequence[Check]:
    """Return the checks this plugin provides.

    ``styles`` names the styles the run audits, or is ``None`` when the whole catalog
    is wanted (``auditor checks``, ``explain``). A plugin may leave out its checks of
    other styles, so that a run imports only what it uses (the built-in style packs
    do); returning every check is always correct, and implementations that do not
    take the argument keep working.

    Check ids must be unique across all plugins (``<STYLE>-<ROW>-<NNN>``,
    upper case); the registry rejects a duplicate and reports which plugin
    tried to reuse the id. A check is data plus one pure function of facts: it
    performs no I/O.
    """


@hookspec
def auditor_detect(target: Target) -> Detection | None:
    """Say whether ``target`` is deployed in this plugin's style.

    Every answer is kept: one target can have several styles (a host tree that
    also holds a virtualenv). Return ``None`` when the target is not yours,
    otherwise a :class:`~auditor.model.Detection` with a confidence in [0, 1]
    and evidence strings a person can verify.
    """


@hookspec(firstresult=True)
def auditor_collect(
    target: Target, style: Style, options: Mapping[str, object]
) -> Facts | None:
    """Gather every fact about ``target`` for ``style``, once, before any check runs.

    Return ``None`` when ``style`` is not this plugin's. A fact that cannot be
    had (permission denied, parse error, timeout) goes into
    ``Facts.problems`` under the fact's name with a reason; checks that need it
    are then skipped with that reason. ``options`` holds the scan options
    (``app``, ``context``, ``namespace``, ``kubeconfig``, ``read_secrets``, ...).
    """


@hookspec
def auditor_enrich(
    target: Target, style: Style, facts: Facts, options: Mapping[str, object]
) -> Enrichment | None:
    """Add facts to those the style's collector gathered, before any check runs.

    App packs use it for what does not depend on the style: live HTTP probes of the
    application. Every answer is merged; a value never replaces one the collector set.
    Return ``None`` when there is nothing to add.
    """


@hookspec
def auditor_register_renderers() -> Sequence[Renderer]:  # type: ignore[empty-body]
    """Return output formats (``terminal``, ``json``, ...). Names must be unique."""


@hookspec
def auditor_register_apps() -> Sequence[AppProfile]:  # type: ignore[empty-body]
    """Return application packs; ``superset`` is built in."""

"""Shared shape of Superset app checks: one judgement per configuration in the target."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from auditor.checks.superset.configmodel import Setting, SupersetConfig, each_config, scoped
from auditor.model import Evaluate, Facts, Location, Result, Status, Style

Verdict = tuple[Status, str, tuple[str, ...]] | None
"""(status, message, evidence), or None when the check does not apply to this config."""


def per_config(subject: str, judge: Callable[[SupersetConfig], Verdict]) -> Evaluate:
    def evaluate(facts: Facts) -> Iterator[Result]:
        for scope, config in each_config(facts):
            verdict = judge(config)
            if verdict is None:
                continue
            status, message, evidence = verdict
            yield Result(scoped(scope, subject), status, message, evidence,
                         location_of(config, subject))

    return evaluate


def per_config_in_style(subject: str,
                        judge: Callable[[SupersetConfig, Style], Verdict]) -> Evaluate:
    """As :func:`per_config`, for judgements that depend on the deployment style (whether
    Superset's processes share one filesystem)."""
    def evaluate(facts: Facts) -> Iterator[Result]:
        yield from per_config(subject, lambda config: judge(config, facts.style))(facts)

    return evaluate


def location_of(config: SupersetConfig, name: str) -> Location | None:
    setting = config.settings.get(name)
    if setting is not None and setting.path:
        return Location(setting.path, setting.line)
    return None


def source(setting: Setting) -> str:
    return f"{setting.name} from {setting.source}"


def on(setting: Setting) -> bool:
    """Whether a known setting is on as Flask, Flask-WTF, Flask-AppBuilder and Superset read
    it: by truth value (``if app.config[...]``), so ``1`` or ``"true"`` count as on and
    ``0`` or ``""`` as off; a setting that is not exactly ``True`` is not therefore off."""
    return bool(setting.value)


def unknown(setting: Setting) -> Verdict:
    reason = getattr(setting.value, "reason", "unknown")
    return Status.SKIP, f"{setting.name} could not be determined: {reason}", (source(setting),)

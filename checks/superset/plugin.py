"""The Superset app pack plugin: app checks that apply in every style, and live probes."""

from __future__ import annotations

from collections.abc import Mapping

from auditor import hookimpl
from auditor.checks.superset import (
    live_checks,
    loads,
    metadata_db,
    processes,
    secrets,
    security,
    services,
)
from auditor.model import AppProfile, Check, Enrichment, Facts, Style, Target


@hookimpl
def auditor_register_apps() -> list[AppProfile]:
    return [AppProfile("superset", "Apache Superset", ("superset", "apache-superset"))]


@hookimpl
def auditor_register_checks() -> list[Check]:
    return [*secrets.CHECKS, *metadata_db.CHECKS, *security.CHECKS, *services.CHECKS,
            *live_checks.CHECKS, *processes.CHECKS, *loads.CHECKS]


@hookimpl
def auditor_enrich(target: Target, style: Style, facts: Facts,
                   options: Mapping[str, object]) -> Enrichment | None:
    url = options.get("probe")
    if not isinstance(url, str) or not url:
        return None
    from auditor.checks.superset.configmodel import SupersetConfig, each_config
    from auditor.checks.superset.probe import PROBE, TIMEOUT_S, probe

    if url == "auto":
        # The URL the deployment itself names: an Ingress host, Nginx's server_name, a
        # published port, the server's bind address.
        if facts.optional("superset.config", SupersetConfig) is None:
            return None
        found = [u for _, config in each_config(facts) for u in config.urls]
        if not found:
            return Enrichment(problems={PROBE: "--probe auto: the deployment names no URL "
                                                "to probe; give --probe URL"})
        url = found[0]
    timeout = options.get("timeout")
    seconds = float(timeout) if isinstance(timeout, int | float) and timeout > 0 else TIMEOUT_S
    return Enrichment(values={PROBE: probe(url, seconds)})

"""Every systemd check, one module per row (an explicit list: no registration by import)."""

from __future__ import annotations

from auditor.checks.systemd import (
    app_security,
    availability,
    backups,
    config_secrets,
    gitops,
    isolation,
    load_balancing,
    logs,
    monitoring,
    network,
    proxy_tls,
    resources,
    rollback,
    scalability,
    storage,
    supervision,
    updates,
)
from auditor.model import Check

CHECKS: tuple[Check, ...] = (
    *scalability.CHECKS,
    *availability.CHECKS,
    *supervision.CHECKS,
    *monitoring.CHECKS,
    *logs.CHECKS,
    *rollback.CHECKS,
    *isolation.CHECKS,
    *resources.CHECKS,
    *load_balancing.CHECKS,
    *proxy_tls.CHECKS,
    *storage.CHECKS,
    *backups.CHECKS,
    *network.CHECKS,
    *config_secrets.CHECKS,
    *gitops.CHECKS,
    *updates.CHECKS,
    *app_security.CHECKS,
)

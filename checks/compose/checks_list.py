"""Every compose check, one module per row or pair of rows (an explicit list)."""

from __future__ import annotations

from auditor.checks.compose import (
    app_security,
    availability,
    config_secrets,
    gitops,
    isolation,
    monitoring,
    network,
    proxy_tls,
    resources,
    rollback,
    scalability,
    storage,
    supervision,
)
from auditor.model import Check

CHECKS: tuple[Check, ...] = (
    *scalability.CHECKS,
    *availability.CHECKS,
    *supervision.CHECKS,
    *monitoring.CHECKS,
    *rollback.CHECKS,
    *isolation.CHECKS,
    *resources.CHECKS,
    *proxy_tls.CHECKS,
    *storage.CHECKS,
    *network.CHECKS,
    *config_secrets.CHECKS,
    *gitops.CHECKS,
    *app_security.CHECKS,
)

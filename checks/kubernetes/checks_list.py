"""Every Kubernetes check, one module per row (an explicit list: no registration by import)."""

from __future__ import annotations

from auditor.checks.kubernetes import (
    app_security,
    availability,
    backups,
    config_secrets,
    gitops,
    isolation,
    load_balancing,
    monitoring,
    network,
    proxy_tls,
    resources,
    rollback,
    scalability,
    storage,
    supervision,
)
from auditor.checks.kubernetes.common import needing
from auditor.model import Check

# Kinds a check cannot judge without (an unlisted kind is not an absent one): when
# one cannot be listed (403, 5xx, timeout) the check is skipped and coverage drops.
ESSENTIAL_KINDS: dict[str, tuple[str, ...]] = {
    "K8S-SCALABILITY-001": ("HorizontalPodAutoscaler",),
    "K8S-AVAILABILITY-001": ("HorizontalPodAutoscaler",),
    "K8S-AVAILABILITY-002": ("PodDisruptionBudget",),
    "K8S-LOAD-BALANCING-001": ("Service",),
    "K8S-NETWORK-001": ("NetworkPolicy",),
    "K8S-NETWORK-002": ("Service",),
    "K8S-PROXY-TLS-001": ("Ingress",),
    "K8S-CONFIG-SECRETS-001": ("ConfigMap",),
    "K8S-CONFIG-SECRETS-002": ("Secret", "ConfigMap"),
}
# Kinds that only add runtime evidence: without them the check judges the specs and
# says what it could not see.
PARTIAL_KINDS: dict[str, tuple[str, ...]] = {
    "K8S-AVAILABILITY-003": ("Pod",),
    "K8S-SUPERVISION-003": ("Pod",),
    "K8S-STORAGE-001": ("PersistentVolumeClaim",),
    "K8S-ROLLBACK-003": ("Secret",),
}

CHECKS: tuple[Check, ...] = needing((
    *scalability.CHECKS,
    *availability.CHECKS,
    *supervision.CHECKS,
    *monitoring.CHECKS,
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
    *app_security.CHECKS,
), ESSENTIAL_KINDS, PARTIAL_KINDS)

"""updates: unattended-upgrades installs security updates automatically."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.systemd import facts as F
from auditor.checks.systemd.common import where
from auditor.checks.systemd.facts import AptPeriodic, PgSetting
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style

LISTS = "apt::periodic::update-package-lists"
UPGRADE = "apt::periodic::unattended-upgrade"
ENABLE = "apt::periodic::enable"


def _on(setting: PgSetting | None) -> bool:
    if setting is None:
        return False
    value = setting.value.strip().lower()
    return value not in ("0", "", "false", "no", "never")


def _evidence(setting: PgSetting | None, name: str) -> str:
    if setting is None:
        return f"{name} unset"
    return f"{setting.path}:{setting.line}: {name} \"{setting.value}\""


def _unattended(facts: Facts) -> Iterator[Result]:
    apt = facts.get(F.UPDATES, AptPeriodic)
    lists = apt.values.get(LISTS)
    upgrade = apt.values.get(UPGRADE)
    evidence = [_evidence(lists, "APT::Periodic::Update-Package-Lists"),
                _evidence(upgrade, "APT::Periodic::Unattended-Upgrade"),
                f"unattended-upgrades configuration: {apt.unattended_config or 'missing'}"]
    location = where(upgrade.path, upgrade.line or None) if upgrade else None
    enable = apt.values.get(ENABLE)
    if enable is not None and not _on(enable):
        # apt.systemd.daily stops at once when APT::Periodic::Enable is "0".
        yield Result("apt", Status.FAIL,
                     "APT::Periodic::Enable turns every periodic APT job off: security fixes "
                     "wait for someone to remember", (*evidence, _evidence(
                         enable, "APT::Periodic::Enable")), where(enable.path, enable.line or None))
    elif not (_on(lists) and _on(upgrade)):
        yield Result("apt", Status.FAIL,
                     "automatic upgrades are off: security fixes for the kernel, OpenSSL, "
                     "nginx and PostgreSQL wait for someone to remember", tuple(evidence),
                     location)
    elif apt.unattended_config is None:
        yield Result("apt", Status.FAIL,
                     "APT::Periodic asks for unattended upgrades but the unattended-upgrades "
                     "package's configuration is missing", tuple(evidence), location)
    elif apt.origins and not any("security" in o.lower() for o in apt.origins):
        yield Result("apt", Status.WARN,
                     "unattended upgrades are on, but no security origin is allowed",
                     (*evidence, *apt.origins[:3]), location)
    else:
        yield Result("apt", Status.PASS, "security updates are installed automatically",
                     tuple(evidence), location)


CHECKS = (
    Check(
        id="SYSTEMD-UPDATES-001",
        style=Style.SYSTEMD,
        row=Row.UPDATES,
        severity=Severity.MEDIUM,
        title="Unattended upgrades install security updates",
        rationale=(
            "A hand-built VM is patched only when someone logs in; nginx, OpenSSL and the "
            "kernel are exposed to the internet in the meantime."
        ),
        remediation=(
            "apt install unattended-upgrades and 'dpkg-reconfigure -plow unattended-upgrades' "
            "(APT::Periodic::Update-Package-Lists \"1\"; APT::Periodic::Unattended-Upgrade "
            "\"1\"); keep Superset's own upgrades in a reviewed, pinned process."
        ),
        success="unattended-upgrades on, with security origins",
        failure="automatic upgrades off",
        references=("https://wiki.debian.org/UnattendedUpgrades",
                    "https://ubuntu.com/server/docs/package-management#automatic-updates"),
        requires=(F.UPDATES,),
        evaluate=_unattended,
    ),
)

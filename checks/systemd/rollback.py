"""rollback: the installed Superset version is pinned (or releases kept side by side)."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.systemd import facts as F
from auditor.checks.systemd.common import no_app
from auditor.checks.systemd.facts import HostInfo
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style


def _pinned(facts: Facts) -> Iterator[Result]:
    info = facts.get(F.HOSTINFO, HostInfo)
    absent = no_app(facts)
    if absent and not (info.pins or info.unpinned):
        yield absent
        return
    if info.releases:
        yield Result("superset", Status.PASS,
                     f"{len(info.releases)} releases kept side by side: rolling back is "
                     "switching a symlink", info.releases[:4])
    elif info.pins and not info.unpinned:
        yield Result("superset", Status.PASS, "the Superset version is pinned", info.pins[:3])
    elif info.unpinned:
        yield Result("superset", Status.FAIL,
                     "apache-superset is not pinned: a reinstall takes whatever is newest, and "
                     "the previous version is not recorded", info.unpinned[:3])
    else:
        yield Result("superset", Status.FAIL,
                     "no record of the installed Superset version (no pinned requirements, "
                     "lock file or release directories)",
                     ("looked in WorkingDirectory, the virtualenv's parent, /opt/superset, "
                      "/srv/superset and /etc/superset",))


CHECKS = (
    Check(
        id="SYSTEMD-ROLLBACK-001",
        style=Style.SYSTEMD,
        row=Row.ROLLBACK,
        severity=Severity.MEDIUM,
        title="The Superset version is pinned so an upgrade can be rolled back",
        rationale=(
            "A hand-upgraded virtualenv ('pip install -U apache-superset') keeps no record of "
            "what ran before; when an upgrade breaks dashboards there is nothing to go back to."
        ),
        remediation=(
            "Keep a requirements.txt (or constraints file) with apache-superset==X.Y.Z in "
            "version control, install each release into its own directory "
            "(/opt/superset/releases/X.Y.Z) and back up the database before 'superset db "
            "upgrade'."
        ),
        success="a pinned version or kept releases",
        failure="unpinned or unrecorded",
        references=("https://superset.apache.org/docs/installation/upgrading-superset/",),
        requires=(F.HOSTINFO,),
        evaluate=_pinned,
    ),
)

"""gitops: the host's configuration is declared (config management) or versioned."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.systemd import facts as F
from auditor.checks.systemd.facts import HostInfo
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style


def _declared(facts: Facts) -> Iterator[Result]:
    info = facts.get(F.HOSTINFO, HostInfo)
    files = [m for m in info.managed if not m.startswith("agent:")]
    agents = [m for m in info.managed if m.startswith("agent:")]
    if files:
        yield Result("host", Status.PASS, "the configuration is managed: " + files[0],
                     tuple(info.managed))
    elif agents:
        yield Result("host", Status.WARN,
                     "a configuration-management agent is installed, but Superset's files do "
                     "not say they are managed by it", tuple(agents))
    else:
        yield Result("host", Status.FAIL,
                     "hand-edited: no configuration management marker in Superset's units or "
                     "config and /etc is not under version control",
                     ("no 'Ansible managed' (or Puppet/Salt/Chef) header, no /etc/.git",))


CHECKS = (
    Check(
        id="SYSTEMD-GITOPS-001",
        style=Style.SYSTEMD,
        row=Row.GITOPS,
        severity=Severity.MEDIUM,
        title="The host's configuration is declared and versioned",
        rationale=(
            "A server configured by hand cannot be rebuilt the same way after a loss, and its "
            "changes cannot be reviewed: the next operator finds units and configs nobody "
            "can explain."
        ),
        remediation=(
            "Describe the host with Ansible (or Salt, Puppet, Chef) in a git repository and "
            "apply it from there; at least install etckeeper so /etc changes are committed."
        ),
        success="config management or versioned /etc",
        failure="hand-edited host",
        references=("https://docs.ansible.com/ansible/latest/playbook_guide/",
                    "https://etckeeper.branchable.com/"),
        requires=(F.HOSTINFO,),
        evaluate=_declared,
    ),
)

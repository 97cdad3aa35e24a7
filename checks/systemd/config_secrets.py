"""config-secrets: secrets out of unit files, PostgreSQL authentication without trust, SCRAM."""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.checks.common.redact import redact_url
from auditor.checks.systemd import facts as F
from auditor.checks.systemd.common import at, each_service, no_services, services, where
from auditor.checks.systemd.facts import Assignment, PgClusters, PgLive
from auditor.checks.systemd.postgres import address_is_local
from auditor.checks.systemd.unitfile import environment_words
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style

SECRET_NAME = re.compile(r"(SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|PRIVATE_KEY|_KEY$|CREDENTIAL)")
# The user may be empty: redis://:PASSWORD@host is how Redis URLs carry a password.
FILE_NAME = re.compile(r"(_FILE|_PATH|_DIR|^GOOGLE_APPLICATION_CREDENTIALS)$")
URI_PASSWORD = re.compile(r"://[^:/@\s]*:[^@/\s]+@")


def _inline_value(item: Assignment, name: str) -> str:
    """The value the unit file itself gives ``name``: an EnvironmentFile= that sets it
    again wins at run time, but the unit file (world-readable) still holds this one."""
    return next((v for k, v in environment_words(item.value) if k == name), "")


def _secret(name: str, value: str) -> bool:
    """A secret by its name or a password in its URL; a name that points at a file
    (GOOGLE_APPLICATION_CREDENTIALS=/etc/gcp.json, DB_PASSWORD_FILE=/run/...) holds a
    path, not the secret."""
    if URI_PASSWORD.search(value):
        return True
    if FILE_NAME.search(name) and value.startswith("/"):
        return False
    return bool(SECRET_NAME.search(name))


def _inline(facts: Facts) -> Iterator[Result]:
    for service in each_service(facts):
        if service is None:
            yield no_services(services(facts))
            return
        named = sorted(name for name, item in service.inline_env.items()
                       if _secret(name, _inline_value(item, name)))
        in_command = [redact_url(w.split("=", 1)[0]) for w in service.launch.argv
                      if URI_PASSWORD.search(w) or re.search(r"(?i)password=\S", w)]
        if named or in_command:
            first = service.inline_env[named[0]] if named else service.exec_start
            evidence = tuple(f"Environment={n}=... ({service.inline_env[n].path}:"
                             f"{service.inline_env[n].line}, value not shown)" for n in named)
            evidence += tuple(f"ExecStart argument {w} carries a password" for w in in_command)
            yield Result(service.name, Status.FAIL,
                         "secrets in the unit itself ("
                         + ", ".join(named + in_command) + "): unit files are world-readable "
                         "and 'systemctl show' prints Environment= to every local user",
                         evidence, at(first))
        else:
            files = [a.value for a in service.unit.all("Service", "EnvironmentFile")]
            creds = [a.value for a in service.unit.all("Service", "LoadCredential")]
            how = ("EnvironmentFile=" + ", ".join(files) if files else
                   "LoadCredential=" + ", ".join(creds) if creds else
                   "no secret-looking variable in the unit")
            yield Result(service.name, Status.PASS, f"no secret in the unit ({how})", (how,),
                         where(service.unit.path))


def _clusters(facts: Facts) -> PgClusters:
    return facts.get(F.POSTGRES, PgClusters)


def _no_cluster() -> Result:
    return Result("postgresql", Status.SKIP, "no PostgreSQL cluster under /etc/postgresql")


def _trust(facts: Facts) -> Iterator[Result]:
    clusters = _clusters(facts)
    if not clusters.clusters:
        yield _no_cluster()
        return
    for cluster in clusters.clusters:
        subject = f"postgresql {cluster.name}"
        host_trust = [h for h in cluster.hba if h.kind.startswith("host") and h.method == "trust"]
        local_trust = [h for h in cluster.hba if h.kind == "local" and h.method == "trust"]
        if cluster.hba_error:
            yield Result(subject, Status.SKIP,
                         f"{cluster.hba_path} could not be read ({cluster.hba_error})", (),
                         where(cluster.hba_path))
        elif host_trust:
            line = host_trust[0]
            wide = [h for h in host_trust if not address_is_local(h.address)]
            yield Result(subject, Status.FAIL,
                         "trust on host lines: anyone who can connect"
                         + (" from the network" if wide else " to a TCP port on this host")
                         + " logs in as any user, postgres included, without a password",
                         tuple(f"{h.path}:{h.line}: {h.kind} {h.database} {h.user} "
                               f"{h.address} trust" for h in host_trust[:3]),
                         where(line.path, line.line))
        elif local_trust:
            line = local_trust[0]
            yield Result(subject, Status.WARN,
                         "trust on local (socket) lines: every local user can become any "
                         "database user", (f"{line.path}:{line.line}: local {line.database} "
                                           f"{line.user} trust",), where(line.path, line.line))
        else:
            yield Result(subject, Status.PASS, "no trust authentication in pg_hba.conf",
                         (f"{len(cluster.hba)} pg_hba line(s) read",), where(cluster.hba_path))


def _default_encryption(cluster_name: str) -> str:
    version = cluster_name.split("/", 1)[0]
    try:
        return "scram-sha-256" if float(version) >= 14 else "md5"
    except ValueError:
        return "scram-sha-256"


def _scram(facts: Facts) -> Iterator[Result]:
    clusters = _clusters(facts)
    live = facts.optional(F.PGLIVE, PgLive)
    if live is not None and "password_encryption" in live.settings:
        value = live.settings["password_encryption"]
        status = Status.PASS if value == "scram-sha-256" else Status.FAIL
        yield Result(f"postgresql {live.label}", status,
                     f"the live server stores passwords as {value}",
                     (f"SHOW password_encryption = {value} (live)",))
        if not clusters.clusters:
            return
    if not clusters.clusters:
        yield _no_cluster()
        return
    for cluster in clusters.clusters:
        subject = f"postgresql {cluster.name}"
        setting = cluster.setting("password_encryption")
        encryption = setting.value if setting else _default_encryption(cluster.name)
        source = (f"{setting.path}:{setting.line}" if setting else
                  f"default for PostgreSQL {cluster.name.split('/')[0]}")
        cleartext = [h for h in cluster.hba if h.kind.startswith("host")
                     and h.method in ("password", "ident")]
        md5 = [h for h in cluster.hba if h.kind.startswith("host") and h.method == "md5"]
        evidence = [f"password_encryption = {encryption} ({source})"]
        evidence += [f"{h.path}:{h.line}: {h.kind} {h.database} {h.user} {h.address} {h.method}"
                     for h in (cleartext + md5)[:3]]
        if cluster.hba_error and encryption == "scram-sha-256":
            yield Result(subject, Status.SKIP,
                         f"passwords are stored as SCRAM, but {cluster.hba_path} could not be "
                         f"read ({cluster.hba_error}) to see how clients authenticate",
                         tuple(evidence), where(cluster.hba_path))
        elif encryption != "scram-sha-256" or cleartext:
            why = (f"passwords are stored as {encryption} hashes" if encryption !=
                   "scram-sha-256" else "")
            if cleartext:
                why += ("; " if why else "") + (f"{cleartext[0].method} authentication on host "
                                                "lines")
            line = cleartext[0] if cleartext else None
            yield Result(subject, Status.FAIL, why, tuple(evidence),
                         where(line.path, line.line) if line else (
                             where(setting.path, setting.line) if setting else
                             where(cluster.conf_path)))
        elif md5:
            yield Result(subject, Status.WARN,
                         "md5 on host lines: SCRAM passwords still work, but an old md5 hash "
                         "in pg_authid is accepted too", tuple(evidence),
                         where(md5[0].path, md5[0].line))
        else:
            yield Result(subject, Status.PASS, "SCRAM-SHA-256 for stored passwords and host "
                         "lines", tuple(evidence), where(cluster.hba_path))


CHECKS = (
    Check(
        id="SYSTEMD-CONFIG-SECRETS-001",
        style=Style.SYSTEMD,
        row=Row.CONFIG_SECRETS,
        severity=Severity.HIGH,
        title="No secrets are written into systemd unit files",
        rationale=(
            "Unit files are world-readable and 'systemctl show' prints Environment= to any "
            "local user: SUPERSET_SECRET_KEY or a database password there is readable by "
            "every account on the host."
        ),
        remediation=(
            "Move secrets to an EnvironmentFile= owned by root with mode 0600 (or "
            "LoadCredential=) and keep only non-secret settings in Environment=."
        ),
        success="secrets come from a protected file",
        failure="a secret in Environment= or ExecStart=",
        references=("https://www.freedesktop.org/software/systemd/man/systemd.exec.html#Environment=",
                    "https://systemd.io/CREDENTIALS/"),
        requires=(F.SERVICES,),
        evaluate=_inline,
    ),
    Check(
        id="SYSTEMD-CONFIG-SECRETS-002",
        style=Style.SYSTEMD,
        row=Row.CONFIG_SECRETS,
        severity=Severity.CRITICAL,
        title="PostgreSQL does not trust TCP connections",
        rationale=(
            "'trust' in pg_hba.conf accepts any user name without a password: a 'host all "
            "all 0.0.0.0/0 trust' line left from debugging hands the metadata database, and "
            "the superuser, to anyone who reaches the port."
        ),
        remediation=(
            "Replace trust with scram-sha-256 on every host line, restrict addresses to the "
            "hosts that need them, and reload PostgreSQL."
        ),
        success="no trust on host lines",
        failure="trust on host lines",
        references=("https://www.postgresql.org/docs/current/auth-trust.html",),
        requires=(F.POSTGRES,),
        evaluate=_trust,
    ),
    Check(
        id="SYSTEMD-CONFIG-SECRETS-003",
        style=Style.SYSTEMD,
        row=Row.CONFIG_SECRETS,
        severity=Severity.MEDIUM,
        title="PostgreSQL uses SCRAM-SHA-256 for passwords",
        rationale=(
            "md5 password hashes can be replayed and cracked offline, and 'password' sends "
            "them in clear text; SCRAM-SHA-256 is PostgreSQL's default since version 14."
        ),
        remediation=(
            "password_encryption = 'scram-sha-256', re-set each role's password, and use "
            "scram-sha-256 as the method on host lines."
        ),
        success="scram-sha-256",
        failure="md5 storage or cleartext password authentication",
        references=("https://www.postgresql.org/docs/current/auth-password.html",),
        requires=(F.POSTGRES,),
        evaluate=_scram,
    ),
)

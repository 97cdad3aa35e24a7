"""config-secrets: no published default keys or passwords; no secrets in the Compose file.

Values are compared in memory and never put into a message or evidence: findings
name the variable, where it is set and which published default it equals.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

from auditor.checks.compose.common import each_project, env_location, result
from auditor.checks.compose.extras import ADMIN_PATTERNS
from auditor.checks.compose.facts import ComposeProject, ScriptHit, Service
from auditor.checks.superset.defaults import known_secret_key
from auditor.model import Check, Facts, Location, Result, Row, Severity, Status, Style

SECRET_NAME = re.compile(r"(SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|PRIVATE_KEY|CREDENTIAL|JWT)",
                         re.I)
NOT_A_SECRET = re.compile(r"(_FILE$|_PATH$|_USER$|_USERNAME$|_ENABLED$|_KEY_ID$|^ALLOW_)", re.I)
DEFAULT_PASSWORDS = {
    "superset": "Superset's compose default database password",
    "admin": "Superset's default admin password",
    "examples": "Superset's compose default examples password",
    "CHANGE-ME": "the chart's default websocket jwtSecret",
    "test-guest-secret-change-me": "Superset's default GUEST_TOKEN_JWT_SECRET",
    "test-secret-change-me": "Superset's default GLOBAL_ASYNC_QUERIES_JWT_SECRET",
    "postgres": "the postgres image's documented example password",
}
FLAG_VALUES = frozenset({"yes", "no", "true", "false", "0", "1", "on", "off", ""})
# scheme://user:password@host: SQLALCHEMY_DATABASE_URI, DATABASE_URL, REDIS_URL carry their
# password inside a value whose name says nothing about secrets.
URL_PASSWORD = re.compile(r"^[a-z][a-z0-9+.\-]*://[^:/?#@\s]*:([^@/\s]+)@", re.I)


def url_password(value: str) -> str | None:
    match = URL_PASSWORD.match(value.strip())
    return match.group(1) if match else None


def _public_token(name: str, value: str) -> bool:
    """A Mapbox public token (pk.*): made to be sent to browsers, and Superset sends
    MAPBOX_API_KEY to every browser that draws a map; not a secret to keep out of git."""
    return "MAPBOX" in name.upper() and value.strip().startswith("pk.")


def is_secret_name(name: str) -> bool:
    return bool(SECRET_NAME.search(name)) and not NOT_A_SECRET.search(name)


def _hits(project: ComposeProject, service: Service) -> tuple[list[str], Location | None]:
    hits = []
    where: Location | None = None
    for name, env in sorted(service.env.items()):
        if env.unknown:
            continue
        value = env.value
        label = known_secret_key(value)
        if label:
            hits.append(f"{name} ({env.source}) is {label}")
        elif is_secret_name(name) and value in DEFAULT_PASSWORDS:
            hits.append(f"{name} ({env.source}) is {DEFAULT_PASSWORDS[value]}")
        elif (password := url_password(value)) in DEFAULT_PASSWORDS:
            hits.append(f"the password in {name} ({env.source}) is "
                        f"{DEFAULT_PASSWORDS[str(password)]}")
        else:
            continue
        where = where or env_location(env)
    if service.superset:
        # The command itself creates the admin (an inline ``sh -c "... fab create-admin
        # --password ${SUPERSET_PASSWORD} ..."``), with the value Compose interpolated.
        for pattern, what, _variable in ADMIN_PATTERNS:
            if pattern.search(service.command_text):
                hits.append(f"its command {what}")
                where = where or service.where("command")
                break
    trust = service.env.get("POSTGRES_HOST_AUTH_METHOD")
    if trust is not None and trust.value.lower() == "trust":
        hits.append(f"POSTGRES_HOST_AUTH_METHOD=trust ({trust.source}): no password at all")
        where = where or env_location(trust)
    return hits, where


def _defaults(facts: Facts) -> Iterator[Result]:
    for project in each_project(facts):
        checked = [s for s in project.services
                   if s.superset or s.role in ("database", "redis", "backup")
                   or any(_holds_secret(k, v.value) for k, v in s.env.items())]
        for service in checked:
            hits, where = _hits(project, service)
            if hits:
                found = result(project, service, Status.FAIL,
                               "publicly known default secrets are in use (values not shown)",
                               hits)
                yield dataclasses.replace(found, location=where or found.location)
            else:
                yield result(project, service, Status.PASS, "no published default value")
        for hit in project.script_defaults:
            if _script_applies(project, hit):
                yield Result(project.subject(f"script/{hit.path}"), Status.FAIL,
                             f"{hit.path} {hit.what}", (f"{hit.path}:{hit.line}",),
                             Location(hit.path, hit.line))


def _script_applies(project: ComposeProject, hit: ScriptHit) -> bool:
    """Whether a script's default credential is used: its variable is not given a value by
    the services that run it (a value from the shell counts as given)."""
    if hit.variable is None:
        return True
    runners = project.role("init") or [s for s in project.services if s.superset]
    for service in runners:
        env = service.env.get(hit.variable)
        if env is None or (not env.unknown and env.value in ("", "admin")):
            return True
    return not runners


def _holds_secret(name: str, value: str) -> bool:
    if _public_token(name, value):
        return False
    return is_secret_name(name) or url_password(value) is not None


def _literal(facts: Facts) -> Iterator[Result]:
    for project in each_project(facts):
        for service in project.services:
            secrets = sorted(k for k, v in service.env.items()
                             if not v.unknown and _holds_secret(k, v.value))
            literal = [k for k in secrets if k in service.literal_env
                       and service.env[k].value.lower() not in FLAG_VALUES
                       and not service.env[k].value.startswith("/")]
            if literal:
                yield result(project, service, Status.FAIL,
                             f"{literal[0]} is written into the Compose file, which is "
                             "committed and shown by docker compose config",
                             tuple(f"{k} at {service.env[k].source} (value not shown)"
                                   for k in literal), "environment")
            elif secrets:
                sources = sorted({service.env[k].source.split(":", 1)[0] for k in secrets})
                yield result(project, service, Status.PASS,
                             "secrets come from env files or variables, not the Compose file",
                             (f"{', '.join(secrets)} from {', '.join(sources)}",))
            elif service.superset or service.role == "database":
                yield result(project, service, Status.PASS,
                             "no secret in its environment", ())


CHECKS = (
    Check(
        id="COMPOSE-CONFIG-SECRETS-001",
        style=Style.COMPOSE,
        row=Row.CONFIG_SECRETS,
        severity=Severity.CRITICAL,
        title="No published default key or password is in use",
        rationale=(
            "Superset's docker/.env ships a published SUPERSET_SECRET_KEY, the database "
            "credentials of its examples and an admin account with the default password; "
            "CVE-2023-27524 was "
            "exploited with published keys to forge admin sessions."
        ),
        remediation=(
            "Write your own docker/.env-local (or a secrets file) with a generated "
            "SUPERSET_SECRET_KEY (openssl rand -base64 42), database and admin passwords; "
            "rotate anything that ran with a default."
        ),
        success="no default value found",
        failure="a published default is in use",
        references=("https://nvd.nist.gov/vuln/detail/CVE-2023-27524",
                    "https://superset.apache.org/docs/installation/docker-compose/"),
        requires=("compose",),
        evaluate=_defaults,
    ),
    Check(
        id="COMPOSE-CONFIG-SECRETS-002",
        style=Style.COMPOSE,
        row=Row.CONFIG_SECRETS,
        severity=Severity.HIGH,
        title="Secrets are not written into the Compose file",
        rationale=(
            "The Compose file is committed, reviewed and copied around; a password written in "
            "environment: ends up in git history and in docker compose config output."
        ),
        remediation=(
            "Reference secrets as ${VARIABLE} from a .env kept out of git, use env_file:, or "
            "Compose secrets: with *_FILE variables."
        ),
        success="secrets from env files, variables or Compose secrets",
        failure="a literal secret in environment:",
        references=("https://docs.docker.com/compose/how-tos/use-secrets/",),
        requires=("compose",),
        evaluate=_literal,
    ),
)

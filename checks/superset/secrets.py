"""config-secrets: Superset's SECRET_KEY is set, strong and not publicly known."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.superset.configmodel import SupersetConfig, each_config, scoped
from auditor.checks.superset.defaults import (
    DEFAULT_SECRET_KEY,
    MIN_SECRET_BYTES,
    known_secret_key,
)
from auditor.model import Check, Facts, Location, Result, Row, Severity, Status, Style


def _secret_key(facts: Facts) -> Iterator[Result]:
    for scope, conf in each_config(facts):
        yield _judge(scoped(scope, "SECRET_KEY"), conf)


def _judge(subject: str, conf: SupersetConfig) -> Result:
    setting = conf.get("SECRET_KEY")
    where = Location(setting.path, setting.line) if setting.path else None
    evidence = (f"SECRET_KEY from {setting.source} (value not shown)",)
    value = setting.value
    if not setting.known:
        return Result(subject, Status.SKIP,
                     f"SECRET_KEY could not be determined: {getattr(value, 'reason', '')}",
                     evidence, where)
    elif value is None and setting.env_var is not None:
        # ``os.environ.get("X")`` or a getter that returns None: only what the input shows.
        return Result(subject, Status.FAIL,
                     f"SECRET_KEY is None: the config reads environment variable "
                     f"{setting.env_var}, which nothing in the input sets, and falls back to "
                     "None (Flask then signs no session)", evidence, where)
    elif value is None or value == "":
        return Result(subject, Status.FAIL, "SECRET_KEY is empty", evidence, where)
    elif not isinstance(value, str | bytes):
        return Result(subject, Status.SKIP, "SECRET_KEY is not a string", evidence, where)
    else:
        text = value.decode("latin-1") if isinstance(value, bytes) else value
        known = known_secret_key(text)
        # A bytes key is as long as its bytes (b"\xff" is one byte, not the two of its
        # latin-1 text encoded as UTF-8); a str key is signed as its UTF-8 bytes.
        size = len(value) if isinstance(value, bytes) else len(
            text.encode("utf-8", "surrogatepass"))  # '\ud800' from an escape
        if text == DEFAULT_SECRET_KEY:
            # superset/initialization: check_secret_key() logs "Refusing to start due to
            # insecure SECRET_KEY" and exits unless app.debug, TESTING or SUPERSET_TESTENV.
            return Result(subject, Status.FAIL,
                         f"SECRET_KEY is {known} (FLASK_DEBUG, DEBUG, TESTING or "
                         "SUPERSET_TESTENV); a server that does start that way accepts "
                         "session cookies anyone can forge", evidence, where)
        if known:
            return Result(subject, Status.FAIL,
                         f"SECRET_KEY is {known}: Superset starts with it, and anyone can "
                         "forge session cookies and log in as an admin (CVE-2023-27524)",
                         evidence, where)
        elif size < MIN_SECRET_BYTES:
            return Result(subject, Status.FAIL,
                         f"SECRET_KEY is only {size} bytes (at least {MIN_SECRET_BYTES} needed)",
                         evidence, where)
        else:
            return Result(subject, Status.PASS,
                         f"SECRET_KEY is set, {size} bytes, not a known default",
                         evidence, where)


CHECKS = (
    Check(
        id="SUPERSET-CONFIG-SECRETS-001",
        style=Style.ANY,
        app="superset",
        row=Row.CONFIG_SECRETS,
        severity=Severity.CRITICAL,
        title="SECRET_KEY is set, strong and not publicly known",
        rationale=(
            "SECRET_KEY signs session cookies and encrypts stored database passwords. "
            "Superset (2.1+) refuses to start with its own built-in default outside debug "
            "or test mode, but starts with any other published key (the Helm chart's, the "
            "docs' placeholder, docker/.env's, older defaults), and with one of those an "
            "attacker forges an admin session (CVE-2023-27524)."
        ),
        remediation=(
            "Generate a key (openssl rand -base64 42), give it through SUPERSET_SECRET_KEY "
            "from a protected environment file or secret store, and rotate it with "
            "'superset re-encrypt-secrets'."
        ),
        success="a strong, private SECRET_KEY",
        failure="SECRET_KEY unset, default, published or short",
        references=(
            "https://superset.apache.org/docs/configuration/configuring-superset/#specifying-a-secret_key",
            "https://nvd.nist.gov/vuln/detail/CVE-2023-27524",
        ),
        requires=("superset.config",),
        evaluate=_secret_key,
    ),
)

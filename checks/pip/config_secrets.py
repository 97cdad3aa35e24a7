"""config-secrets: are secrets kept out of plain config files?"""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.checks.pip.common import config, project, subject
from auditor.checks.superset.configmodel import Setting
from auditor.model import Check, Facts, Location, Result, Row, Severity, Status, Style

CREDENTIAL_IN_URI = re.compile(r"^[a-z0-9+]+://[^:/@]+:[^@]+@")
SECRET_SETTINGS = ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "GUEST_TOKEN_JWT_SECRET",
                   "GLOBAL_ASYNC_QUERIES_JWT_SECRET", "SMTP_PASSWORD")


def _fallback(setting: Setting) -> bool:
    """A string the file gives as the environment lookup's default (``os.environ.get(
    "SUPERSET_SECRET_KEY", "...")`` with the variable unset where the deployment sets its
    environment): the secret in use is written in the file. The config model says so only
    in the setting's source."""
    return setting.env_var is not None and "unset: its default" in setting.source


def _evaluate(facts: Facts) -> Iterator[Result]:
    proj = project(facts)
    conf = config(facts)
    if conf.config_path is None:
        yield Result(subject(proj, "superset_config"), Status.SKIP,
                     "no superset_config.py was found to inspect")
        return
    literal = []
    for name in SECRET_SETTINGS:
        setting = conf.settings.get(name)
        if setting is None or setting.path is None or not isinstance(setting.value, str):
            continue
        if name == "SQLALCHEMY_DATABASE_URI" and not CREDENTIAL_IN_URI.match(setting.value):
            continue  # no password in it
        # Read from the environment or a secret store, not written in the file, unless the
        # file's own fallback is what is in use.
        if _fallback(setting) or (setting.callee is None and setting.env_var is None):
            literal.append(setting)
    if literal:
        first = literal[0]
        yield Result(
            subject(proj, "superset_config"),
            Status.FAIL,
            "secrets are written in the configuration file: "
            + ", ".join(s.name for s in literal),
            tuple(f"{s.name} is a literal at {s.source} (value not shown)" for s in literal),
            Location(first.path or conf.config_path, first.line),
        )
    else:
        yield Result(subject(proj, "superset_config"), Status.PASS,
                     "no secret is written in the configuration file",
                     (f"inspected {conf.config_path}",), Location(conf.config_path))


CHECKS = (
    Check(
        id="PIP-CONFIG-SECRETS-001",
        style=Style.PIP,
        row=Row.CONFIG_SECRETS,
        severity=Severity.HIGH,
        title="Secrets are not written in superset_config.py",
        rationale=(
            "A config file is copied, committed and shared; secrets written in it (the "
            "SECRET_KEY, database passwords) leak with it."
        ),
        remediation=(
            "Read secrets from the environment (SECRET_KEY = os.environ['SUPERSET_SECRET_KEY'])"
            " set by a protected EnvironmentFile or a secret manager; keep the file mode 0600."
        ),
        success="secrets come from the environment",
        failure="secrets are literals in the file",
        requires=("superset.config",),
        evaluate=_evaluate,
    ),
)

"""Facts about Superset itself: its defaults and publicly known secrets (DESIGN.md)."""

from __future__ import annotations

from collections.abc import Mapping

DEFAULT_SECRET_KEY = "CHANGE_ME_TO_A_COMPLEX_RANDOM_SECRET"

PUPPET_SENSITIVE_TEXT = "Sensitive [value redacted]"
"""What Puppet writes for a ``Sensitive`` value made a string without ``.unwrap``
(``Puppet::Pops::Types::PSensitiveType::Sensitive#to_s``; docs: lang_data_sensitive): a
module template that interpolates its ``Sensitive[String]`` key parameter this way
(jortencio/superset's superset_config.py.epp) gives every host the same text, whatever key
the operator passed."""
PUPPET_SENSITIVE_LABEL = (
    "the text Puppet writes in place of a Sensitive value interpolated without .unwrap "
    "(Sensitive#to_s), the same publicly known text on every host of such a module, not "
    "the key the operator passed"
)

KNOWN_SECRET_KEYS: Mapping[str, str] = {
    DEFAULT_SECRET_KEY: (
        "Superset's built-in default key, which Superset 2.1+ refuses to start with outside "
        "debug or test mode"
    ),
    "thisISaSECRET_1234": "the default key of Superset's Helm chart",
    "YOUR_OWN_RANDOM_GENERATED_SECRET_KEY": "the placeholder key from Superset's documentation",
    "TEST_NON_DEV_SECRET": "the key from Superset's docker/.env",
    "\x02\x01thisismyscretkey\x01\x02\\e\\y\\y\\h": "Superset's pre-1.4.1 default key",
    "vwIxubtT28cEkBaamx8bNsWsNvZLGznyhK948EkrahfTINnpTjSa6FKa": (
        "an old Helm chart's default key (exploited via CVE-2023-27524)"
    ),
    PUPPET_SENSITIVE_TEXT: PUPPET_SENSITIVE_LABEL,
}
"""Value -> how to name it in a report. Values are compared, never printed."""

KNOWN_SECRET_PARTS: Mapping[str, str] = {
    "thisismyscretkey": "a variant of Superset's pre-1.4.1 default key",
}
"""Text that only keys copied from a published default contain -> how to name them.
Installers pasted the old default with bytes added around it (``REPLACE\2\1thisismy
scretkey...``, ``\2\1\2\1thisismyscretkey...``), and a signed cookie falls to the same
guess list."""


def known_secret_key(value: str) -> str | None:
    """How to name ``value`` if it is a published key or a copy of one, else None."""
    label = KNOWN_SECRET_KEYS.get(value)
    if label is None:
        label = next((name for part, name in KNOWN_SECRET_PARTS.items() if part in value),
                     None)
    return label

MIN_SECRET_BYTES = 32

# Superset's own defaults for settings the checks read (superset/config.py).
DEFAULTS: Mapping[str, object] = {
    "SECRET_KEY": DEFAULT_SECRET_KEY,
    "SQLALCHEMY_DATABASE_URI": "sqlite:///{SUPERSET_HOME}/superset.db",
    "DEBUG": False,
    "SESSION_COOKIE_SECURE": False,
    "SESSION_COOKIE_HTTPONLY": True,
    "WTF_CSRF_ENABLED": True,
    "ENABLE_PROXY_FIX": False,
    "TALISMAN_ENABLED": True,
    "SUPERSET_WEBSERVER_TIMEOUT": 60,
    "PUBLIC_ROLE_LIKE": None,
    "ENABLE_TIME_ROTATE": False,
    "UPLOAD_FOLDER": "{SUPERSET_HOME}/uploads/",
    "SESSION_COOKIE_SAMESITE": "Lax",
    "CACHE_CONFIG": {"CACHE_TYPE": "NullCache"},
    "DATA_CACHE_CONFIG": {"CACHE_TYPE": "NullCache"},
    "RESULTS_BACKEND": None,
    "CELERY_CONFIG": {"broker_url": "sqla+sqlite:///celerydb.sqlite"},
    "AUTH_RATE_LIMITED": True,
    "ENABLE_CORS": False,
    "CORS_OPTIONS": {},
    "AUTH_TYPE": 1,  # AUTH_DB, imported from flask_appbuilder.security.manager
    "AUTH_USER_REGISTRATION": False,
    "AUTH_USER_REGISTRATION_ROLE": "Public",
    "AUTH_ROLE_PUBLIC": "Public",  # Flask-AppBuilder's role of anonymous visitors
    "GUEST_TOKEN_JWT_SECRET": "test-guest-secret-change-me",
    "GLOBAL_ASYNC_QUERIES_JWT_SECRET": "test-secret-change-me",
    "FEATURE_FLAGS": {},
    "AUTH_ROLES_MAPPING": {},
    "AUTH_USER_REGISTRATION_ROLE_JMESPATH": None,
}
"""Superset's own defaults. ``TALISMAN_CONFIG`` defaults to a policy with a CSP, and
``RATELIMIT_ENABLED`` to ``SUPERSET_ENV == "production"`` (see configmodel)."""

KNOWN_JWT_SECRETS: Mapping[str, str] = {
    "test-guest-secret-change-me": "Superset's default GUEST_TOKEN_JWT_SECRET",
    "test-secret-change-me": "Superset's default GLOBAL_ASYNC_QUERIES_JWT_SECRET",
    "CHANGE-ME": "the Helm chart's default websocket jwtSecret",
    PUPPET_SENSITIVE_TEXT: PUPPET_SENSITIVE_LABEL,
}

DEFAULT_SUPERSET_HOME = "~/.superset"

ENV_SETTINGS: Mapping[str, str] = {
    # Environment variables Superset's default config reads for a setting.
    "SUPERSET_SECRET_KEY": "SECRET_KEY",
    "TALISMAN_ENABLED": "TALISMAN_ENABLED",
    "FLASK_DEBUG": "DEBUG",
}

AUTH_TYPES: Mapping[str, int] = {
    # Flask-AppBuilder's constants (flask_appbuilder/const.py); AUTH_OID was removed in
    # FAB 5 and AUTH_SAML added, but configs in the wild still name both.
    "AUTH_OID": 0,
    "AUTH_DB": 1,
    "AUTH_LDAP": 2,
    "AUTH_REMOTE_USER": 3,
    "AUTH_OAUTH": 4,
    "AUTH_SAML": 5,
}
AUTH_NAMES: Mapping[int, str] = {number: name for name, number in AUTH_TYPES.items()}
AUTH_DB = AUTH_TYPES["AUTH_DB"]
FAB_CONSTANT_MODULES = ("flask_appbuilder.security.manager", "flask_appbuilder.const")
"""Modules a superset_config.py imports the AUTH_* constants from."""

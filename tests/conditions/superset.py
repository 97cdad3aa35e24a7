"""Per-condition cases for the superset checks (see tests/conditions/__init__.py).

The app checks read one model of Superset's configuration (``superset_config.py`` parsed
with ``ast``, plus the environment the deployment gives the process), whatever the style.
Most cases are the smallest tree that is a Superset deployment: a pip project, i.e. a
``requirements.txt`` naming apache-superset and a ``superset_config.py`` (with a ``.env``,
a ``start.sh`` or an ``nginx.conf`` where the condition needs one). Each check also has a
case in a second style where that style hands the setting over differently: Compose
``environment:`` and Kubernetes Secrets (environment variables), ConfigMaps (the file).

Known default keys and passwords are written out here, never imported from the auditor.
"""

from __future__ import annotations

from conditions import Case, changed, replaced

REQ = "apache-superset==6.0.0\n"
CONFIG = "superset_config.py"
STRONG_KEY = "k3Qe9vTzR8wLmN2pXa7sYb4cUd6fGh1J"  # 32 bytes, made up for these cases


def pip(config: str, **files: str) -> dict[str, str]:
    """A pip project: requirements.txt, superset_config.py and the files named
    (``dotenv`` is written as ``.env``)."""
    tree = {"requirements.txt": REQ, CONFIG: config}
    tree.update({(".env" if name == "dotenv" else name.replace("_", ".")): text
                 for name, text in files.items()})
    return tree


def at(line: int) -> tuple[str, int]:
    return (CONFIG, line)


def compose(environment: str, config: str | None = None, extra: str = "") -> dict[str, str]:
    """A Compose project whose one web service gets ``environment`` (YAML map lines) and,
    when given, superset_config.py mounted into /app/pythonpath."""
    volumes = ('    volumes: ["./superset_config.py:/app/pythonpath/superset_config.py"]\n'
               if config is not None else "")
    text = ("services:\n  superset:\n    image: apache/superset:6.0.0\n" + volumes
            + "    environment:\n" + "".join(f"      {line}\n" for line in
                                             environment.splitlines()) + extra)
    tree = {"compose.yaml": text}
    if config is not None:
        tree[CONFIG] = config
    return tree


def kubernetes(secret: str, config: str) -> dict[str, str]:
    """A Deployment that takes its environment from a Secret (``secret``: stringData
    lines) and superset_config.py from a ConfigMap."""
    data = "".join(f"  {line}\n" for line in secret.splitlines())
    body = "".join(f"    {line}\n" for line in config.splitlines())
    return {"superset.yaml": f"""
apiVersion: v1
kind: Secret
metadata: {{name: env}}
stringData:
{data}---
apiVersion: v1
kind: ConfigMap
metadata: {{name: config}}
data:
  superset_config.py: |
{body}---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: superset}}
spec:
  selector: {{matchLabels: {{app: superset}}}}
  template:
    metadata: {{labels: {{app: superset}}}}
    spec:
      containers:
      - name: superset
        image: apache/superset:6.0.0
        envFrom: [{{secretRef: {{name: env}}}}]
        volumeMounts: [{{name: config, mountPath: /app/pythonpath}}]
      volumes: [{{name: config, configMap: {{name: config}}}}]
"""}


K8S = "apps/v1/Deployment/default/superset"

CASES: list[Case] = []

# --- SUPERSET-CONFIG-SECRETS-001 -------------------------------------------------------
"""SECRET_KEY: fail when unset (Superset's built-in default), set to any published key
(the built-in one, the Helm chart's, the docs' placeholder, docker/.env's, the pre-1.4.1
default, an old chart's), empty or None, or shorter than 32 bytes (UTF-8 bytes of a str,
bytes of a bytes literal); skip when unknown or not a string; the value never shown."""
SECRET = pip(f'SECRET_KEY = "{STRONG_KEY}"\n')
SECRET_EVIDENCE = "SECRET_KEY from superset_config.py:1 (value not shown)"


def _key(literal: str) -> dict[str, str]:
    return replaced(SECRET, CONFIG, f'"{STRONG_KEY}"', literal)


CASES += [
    Case("SUPERSET-CONFIG-SECRETS-001", "32 bytes", SECRET, "pass", subject="SECRET_KEY",
         evidence=(SECRET_EVIDENCE,), message="SECRET_KEY is set, 32 bytes, not a known default",
         location=at(1), absent=(STRONG_KEY,), tags=("boundary",)),
    Case("SUPERSET-CONFIG-SECRETS-001", "31 bytes", _key(f'"{STRONG_KEY[:31]}"'), "fail",
         subject="SECRET_KEY", evidence=(SECRET_EVIDENCE,),
         message="SECRET_KEY is only 31 bytes (at least 32 needed)", location=at(1),
         absent=(STRONG_KEY[:31],), tags=("boundary",)),
    Case("SUPERSET-CONFIG-SECRETS-001", "33 bytes", _key(f'"{STRONG_KEY}x"'), "pass",
         subject="SECRET_KEY", message="SECRET_KEY is set, 33 bytes", location=at(1),
         tags=("boundary",)),
    Case("SUPERSET-CONFIG-SECRETS-001", "16 two-byte characters are 32 bytes",
         _key('"' + "é" * 16 + '"'), "pass", subject="SECRET_KEY",
         message="SECRET_KEY is set, 32 bytes", tags=("boundary",)),
    Case("SUPERSET-CONFIG-SECRETS-001", "15 two-byte characters and one are 31 bytes",
         _key('"' + "é" * 15 + 'x"'), "fail", subject="SECRET_KEY",
         message="SECRET_KEY is only 31 bytes", tags=("boundary",)),
    Case("SUPERSET-CONFIG-SECRETS-001", "bytes literal of 16 high bytes",
         _key('b"' + "\\xff" * 16 + '"'), "fail", subject="SECRET_KEY",
         message="SECRET_KEY is only 16 bytes (at least 32 needed)", tags=("boundary",)),
    Case("SUPERSET-CONFIG-SECRETS-001", "bytes literal of 32 bytes",
         _key('b"' + "\\x8f" * 32 + '"'), "pass", subject="SECRET_KEY",
         message="SECRET_KEY is set, 32 bytes", tags=("boundary",)),
    Case("SUPERSET-CONFIG-SECRETS-001", "unset: the built-in default", pip("ROW_LIMIT = 5000\n"),
         "fail", subject="SECRET_KEY",
         evidence=("SECRET_KEY from Superset default (value not shown)",),
         message="SECRET_KEY is Superset's built-in default key, which Superset 2.1+ refuses "
                 "to start with outside debug or test mode (FLASK_DEBUG, DEBUG, TESTING or "
                 "SUPERSET_TESTENV)",
         absent=("CHANGE_ME_TO_A_COMPLEX_RANDOM_SECRET",)),
    Case("SUPERSET-CONFIG-SECRETS-001", "the built-in default written out",
         _key('"CHANGE_ME_TO_A_COMPLEX_RANDOM_SECRET"'), "fail", subject="SECRET_KEY",
         evidence=(SECRET_EVIDENCE,), message="SECRET_KEY is Superset's built-in default key",
         location=at(1), absent=("CHANGE_ME_TO_A_COMPLEX_RANDOM_SECRET",)),
    Case("SUPERSET-CONFIG-SECRETS-001", "the Helm chart's key", _key('"thisISaSECRET_1234"'),
         "fail", subject="SECRET_KEY", evidence=(SECRET_EVIDENCE,),
         message="SECRET_KEY is the default key of Superset's Helm chart: Superset starts "
                 "with it, and anyone can forge session cookies and log in as an admin "
                 "(CVE-2023-27524)", location=at(1), absent=("thisISaSECRET_1234",)),
    Case("SUPERSET-CONFIG-SECRETS-001", "the docs' placeholder",
         _key('"YOUR_OWN_RANDOM_GENERATED_SECRET_KEY"'), "fail", subject="SECRET_KEY",
         message="SECRET_KEY is the placeholder key from Superset's documentation",
         absent=("YOUR_OWN_RANDOM_GENERATED_SECRET_KEY",)),
    Case("SUPERSET-CONFIG-SECRETS-001", "docker/.env's key", _key('"TEST_NON_DEV_SECRET"'),
         "fail", subject="SECRET_KEY", message="SECRET_KEY is the key from Superset's "
         "docker/.env", absent=("TEST_NON_DEV_SECRET",)),
    Case("SUPERSET-CONFIG-SECRETS-001", "the pre-1.4.1 default",
         _key('"\\2\\1thisismyscretkey\\1\\2\\\\e\\\\y\\\\y\\\\h"'), "fail",
         subject="SECRET_KEY", message="SECRET_KEY is Superset's pre-1.4.1 default key",
         absent=("thisismyscretkey",)),
    Case("SUPERSET-CONFIG-SECRETS-001", "an old chart's 56-byte key",
         _key('"vwIxubtT28cEkBaamx8bNsWsNvZLGznyhK948EkrahfTINnpTjSa6FKa"'), "fail",
         subject="SECRET_KEY", message="SECRET_KEY is an old Helm chart's default key "
         "(exploited via CVE-2023-27524)",
         absent=("vwIxubtT28cEkBaamx8bNsWsNvZLGznyhK948EkrahfTINnpTjSa6FKa",)),
    Case("SUPERSET-CONFIG-SECRETS-001", "empty string", _key('""'), "fail",
         subject="SECRET_KEY", evidence=(SECRET_EVIDENCE,), message="SECRET_KEY is empty",
         location=at(1)),
    Case("SUPERSET-CONFIG-SECRETS-001", "None", _key("None"), "fail", subject="SECRET_KEY",
         message="SECRET_KEY is empty"),
    Case("SUPERSET-CONFIG-SECRETS-001", "not a string", _key("12345"), "skip",
         subject="SECRET_KEY", evidence=(SECRET_EVIDENCE,), message="SECRET_KEY is not a string"),
    Case("SUPERSET-CONFIG-SECRETS-001", "from a variable nobody sets",
         pip('import os\nSECRET_KEY = os.environ["MY_KEY"]\n'), "skip", subject="SECRET_KEY",
         message="SECRET_KEY could not be determined: environment variable MY_KEY is not set "
                 "where the auditor can see", location=at(2)),
    Case("SUPERSET-CONFIG-SECRETS-001", "published key from .env read by the file",
         pip('import os\nSECRET_KEY = os.environ.get("SUPERSET_SECRET_KEY")\n',
             dotenv="SUPERSET_SECRET_KEY=TEST_NON_DEV_SECRET\n"), "fail", subject="SECRET_KEY",
         evidence=("SECRET_KEY from env SUPERSET_SECRET_KEY (.env:1) read at "
                   "superset_config.py:2 (value not shown)",),
         message="SECRET_KEY is the key from Superset's docker/.env", location=at(2),
         absent=("TEST_NON_DEV_SECRET",)),
    Case("SUPERSET-CONFIG-SECRETS-001", "compose environment: the chart's key",
         compose("SUPERSET_SECRET_KEY: thisISaSECRET_1234"), "fail", subject="SECRET_KEY",
         evidence=("SECRET_KEY from env SUPERSET_SECRET_KEY (compose.yaml:5 environment) "
                   "(value not shown)",),
         message="SECRET_KEY is the default key of Superset's Helm chart",
         absent=("thisISaSECRET_1234",)),
    Case("SUPERSET-CONFIG-SECRETS-001", "compose environment: a strong key",
         compose(f"SUPERSET_SECRET_KEY: {STRONG_KEY}"), "pass", subject="SECRET_KEY",
         message="SECRET_KEY is set, 32 bytes", absent=(STRONG_KEY,)),
    Case("SUPERSET-CONFIG-SECRETS-001", "kubernetes Secret: the docs' placeholder",
         kubernetes("SUPERSET_SECRET_KEY: YOUR_OWN_RANDOM_GENERATED_SECRET_KEY",
                    "ROW_LIMIT = 5000"), "fail", subject=f"{K8S}:SECRET_KEY",
         evidence=("SECRET_KEY from env SUPERSET_SECRET_KEY (Secret env key "
                   "SUPERSET_SECRET_KEY) (value not shown)",),
         message="SECRET_KEY is the placeholder key from Superset's documentation",
         absent=("YOUR_OWN_RANDOM_GENERATED_SECRET_KEY",)),
]

# --- SUPERSET-STORAGE-001 --------------------------------------------------------------
"""SQLALCHEMY_DATABASE_URI: fail when the metadata database is sqlite (the default, any
sqlite+driver, any case); pass for a server database; skip when unknown or not a URI."""
METADATA = pip('SQLALCHEMY_DATABASE_URI = "postgresql+psycopg2://superset:s3cretpw@db:5432/'
               'superset"\n')
URI = 'postgresql+psycopg2://superset:s3cretpw@db:5432/superset'
METADATA_EVIDENCE = "SQLALCHEMY_DATABASE_URI from superset_config.py:1"


def _uri(literal: str) -> dict[str, str]:
    return replaced(METADATA, CONFIG, f'"{URI}"', literal)


CASES += [
    Case("SUPERSET-STORAGE-001", "postgresql", METADATA, "pass",
         subject="SQLALCHEMY_DATABASE_URI", evidence=(METADATA_EVIDENCE,),
         message="the metadata database is postgresql", location=at(1), absent=("s3cretpw",)),
    Case("SUPERSET-STORAGE-001", "mysql", _uri('"mysql://superset:s3cretpw@db/superset"'),
         "pass", subject="SQLALCHEMY_DATABASE_URI", message="the metadata database is mysql"),
    Case("SUPERSET-STORAGE-001", "unset: the sqlite default", pip("ROW_LIMIT = 5000\n"), "fail",
         subject="SQLALCHEMY_DATABASE_URI",
         evidence=("SQLALCHEMY_DATABASE_URI from Superset default",),
         message="the metadata database is sqlite"),
    Case("SUPERSET-STORAGE-001", "sqlite file", _uri('"sqlite:////var/lib/superset/superset.db"'),
         "fail", subject="SQLALCHEMY_DATABASE_URI", evidence=(METADATA_EVIDENCE,),
         message="the metadata database is sqlite: 'database is locked' under concurrent use",
         location=at(1)),
    Case("SUPERSET-STORAGE-001", "sqlite with a driver", _uri('"sqlite+pysqlite:///superset.db"'),
         "fail", subject="SQLALCHEMY_DATABASE_URI", message="the metadata database is sqlite"),
    Case("SUPERSET-STORAGE-001", "SQLITE in capitals", _uri('"SQLITE:///superset.db"'),
         "fail", subject="SQLALCHEMY_DATABASE_URI", message="the metadata database is sqlite"),
    Case("SUPERSET-STORAGE-001", "empty: not a URI", _uri('""'), "skip",
         subject="SQLALCHEMY_DATABASE_URI", evidence=(METADATA_EVIDENCE,),
         message="SQLALCHEMY_DATABASE_URI is not a database URI"),
    Case("SUPERSET-STORAGE-001", "from a variable nobody sets",
         pip('import os\nSQLALCHEMY_DATABASE_URI = os.environ["DATABASE_URL"]\n'), "skip",
         subject="SQLALCHEMY_DATABASE_URI", message="metadata database could not be "
         "determined: environment variable DATABASE_URL is not set where the auditor can see"),
    Case("SUPERSET-STORAGE-001", "compose environment: sqlite",
         compose("DATABASE_URL: sqlite:////app/superset_home/superset.db",
                 'import os\nSQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")\n'),
         "fail", subject="SQLALCHEMY_DATABASE_URI",
         evidence=("SQLALCHEMY_DATABASE_URI from env DATABASE_URL (compose.yaml:",),
         message="the metadata database is sqlite"),
    Case("SUPERSET-STORAGE-001", "kubernetes Secret: postgresql",
         kubernetes(f"DATABASE_URL: {URI}",
                    'import os\nSQLALCHEMY_DATABASE_URI = os.environ["DATABASE_URL"]'), "pass",
         subject=f"{K8S}:SQLALCHEMY_DATABASE_URI", message="the metadata database is postgresql",
         absent=("s3cretpw",)),
]

# --- SUPERSET-APP-SECURITY-001 ---------------------------------------------------------
"""Session cookie: fail when SESSION_COOKIE_SECURE (default False) or SESSION_COOKIE_HTTPONLY
(default True) is off, read as Flask reads them (by truth value); skip when unknown."""
COOKIES = pip("SESSION_COOKIE_SECURE = True\n")
CASES += [
    Case("SUPERSET-APP-SECURITY-001", "Secure set, HttpOnly default", COOKIES, "pass",
         subject="SESSION_COOKIE",
         evidence=("SESSION_COOKIE_SECURE from superset_config.py:1: True",
                   "SESSION_COOKIE_HTTPONLY from Superset default: True"),
         message="session cookie is Secure and HttpOnly"),
    Case("SUPERSET-APP-SECURITY-001", "Secure unset", pip("ROW_LIMIT = 5000\n"), "fail",
         subject="SESSION_COOKIE",
         evidence=("SESSION_COOKIE_SECURE from Superset default: False",),
         message="the session cookie is not Secure"),
    Case("SUPERSET-APP-SECURITY-001", "Secure False",
         replaced(COOKIES, CONFIG, "= True", "= False"), "fail", subject="SESSION_COOKIE",
         evidence=("SESSION_COOKIE_SECURE from superset_config.py:1: False",),
         message="the session cookie is not Secure"),
    Case("SUPERSET-APP-SECURITY-001", "Secure 1 (truthy)",
         replaced(COOKIES, CONFIG, "= True", "= 1"), "pass", subject="SESSION_COOKIE",
         evidence=("SESSION_COOKIE_SECURE from superset_config.py:1: 1",)),
    Case("SUPERSET-APP-SECURITY-001", "Secure 0 (falsy)",
         replaced(COOKIES, CONFIG, "= True", "= 0"), "fail", subject="SESSION_COOKIE",
         message="the session cookie is not Secure"),
    Case("SUPERSET-APP-SECURITY-001", "HttpOnly False",
         changed(COOKIES, {CONFIG: "SESSION_COOKIE_SECURE = True\n"
                                   "SESSION_COOKIE_HTTPONLY = False\n"}), "fail",
         subject="SESSION_COOKIE",
         evidence=("SESSION_COOKIE_HTTPONLY from superset_config.py:2: False",),
         message="the session cookie is not HttpOnly"),
    Case("SUPERSET-APP-SECURITY-001", "neither",
         changed(COOKIES, {CONFIG: "SESSION_COOKIE_HTTPONLY = False\n"}), "fail",
         subject="SESSION_COOKIE", message="the session cookie is not Secure or HttpOnly"),
    Case("SUPERSET-APP-SECURITY-001", "Secure unknown",
         replaced(COOKIES, CONFIG, "= True", "= cookie_flag()"), "skip",
         subject="SESSION_COOKIE", evidence=("SESSION_COOKIE_SECURE from superset_config.py:1",),
         message="SESSION_COOKIE_SECURE could not be determined: computed by a function call"),
    Case("SUPERSET-APP-SECURITY-001", "HttpOnly unknown",
         changed(COOKIES, {CONFIG: "SESSION_COOKIE_SECURE = True\n"
                                   "SESSION_COOKIE_HTTPONLY = flag\n"}), "skip",
         subject="SESSION_COOKIE", message="SESSION_COOKIE_HTTPONLY could not be determined: "
         "name flag is defined outside the file"),
    Case("SUPERSET-APP-SECURITY-001", "kubernetes ConfigMap: Secure",
         kubernetes(f"SUPERSET_SECRET_KEY: {STRONG_KEY}", "SESSION_COOKIE_SECURE = True"),
         "pass", subject=f"{K8S}:SESSION_COOKIE",
         evidence=("SESSION_COOKIE_SECURE from ConfigMap config key superset_config.py:1: True",)),
]

# --- SUPERSET-APP-SECURITY-002 ---------------------------------------------------------
"""CSRF: fail when WTF_CSRF_ENABLED is off (Flask-WTF reads its truth value, so 0 is off);
pass when unset (default True) or on; skip when unknown."""
CSRF = pip("WTF_CSRF_ENABLED = True\n")
CASES += [
    Case("SUPERSET-APP-SECURITY-002", "on", CSRF, "pass", subject="WTF_CSRF_ENABLED",
         evidence=("WTF_CSRF_ENABLED from superset_config.py:1",),
         message="CSRF protection is on", location=at(1)),
    Case("SUPERSET-APP-SECURITY-002", "unset: default on", pip("ROW_LIMIT = 5000\n"), "pass",
         subject="WTF_CSRF_ENABLED", evidence=("WTF_CSRF_ENABLED from Superset default",)),
    Case("SUPERSET-APP-SECURITY-002", "False", replaced(CSRF, CONFIG, "True", "False"), "fail",
         subject="WTF_CSRF_ENABLED", evidence=("WTF_CSRF_ENABLED from superset_config.py:1",),
         message="CSRF protection is off", location=at(1)),
    Case("SUPERSET-APP-SECURITY-002", "0 (falsy)", replaced(CSRF, CONFIG, "True", "0"), "fail",
         subject="WTF_CSRF_ENABLED", message="CSRF protection is off"),
    Case("SUPERSET-APP-SECURITY-002", "unknown", replaced(CSRF, CONFIG, "True", "csrf_on"),
         "skip", subject="WTF_CSRF_ENABLED",
         message="WTF_CSRF_ENABLED could not be determined: name csrf_on is defined outside"),
    Case("SUPERSET-APP-SECURITY-002", "kubernetes ConfigMap: False",
         kubernetes(f"SUPERSET_SECRET_KEY: {STRONG_KEY}", "WTF_CSRF_ENABLED = False"), "fail",
         subject=f"{K8S}:WTF_CSRF_ENABLED", message="CSRF protection is off"),
]

# --- SUPERSET-APP-SECURITY-003 ---------------------------------------------------------
"""Talisman: fail when TALISMAN_ENABLED is off (file: truth value; env: Superset's
cast_to_boolean, so only "true" in any case is on); warn when TALISMAN_CONFIG gives
content_security_policy as empty (a dict without that key keeps Talisman's own default
policy); skip when unknown."""
TALISMAN = pip("TALISMAN_ENABLED = True\n")
CASES += [
    Case("SUPERSET-APP-SECURITY-003", "on", TALISMAN, "pass", subject="TALISMAN_ENABLED",
         evidence=("TALISMAN_ENABLED from superset_config.py:1",),
         message="Talisman sets a content security policy", location=at(1)),
    Case("SUPERSET-APP-SECURITY-003", "unset: default on", pip("ROW_LIMIT = 5000\n"), "pass",
         subject="TALISMAN_ENABLED", evidence=("TALISMAN_ENABLED from Superset default",)),
    Case("SUPERSET-APP-SECURITY-003", "False", replaced(TALISMAN, CONFIG, "True", "False"),
         "fail", subject="TALISMAN_ENABLED",
         evidence=("TALISMAN_ENABLED from superset_config.py:1",),
         message="Talisman is off: no CSP, no HSTS or frame protection from Superset",
         location=at(1)),
    Case("SUPERSET-APP-SECURITY-003", "0 (falsy)", replaced(TALISMAN, CONFIG, "True", "0"),
         "fail", subject="TALISMAN_ENABLED", message="Talisman is off"),
    Case("SUPERSET-APP-SECURITY-003", "policy None",
         changed(TALISMAN, {CONFIG: 'TALISMAN_ENABLED = True\n'
                                    'TALISMAN_CONFIG = {"content_security_policy": None}\n'}),
         "warn", subject="TALISMAN_ENABLED",
         evidence=("TALISMAN_ENABLED from superset_config.py:1",
                   "TALISMAN_CONFIG from superset_config.py:2"),
         message="Talisman is on but its content security policy is empty"),
    Case("SUPERSET-APP-SECURITY-003", "policy {}",
         changed(TALISMAN, {CONFIG: 'TALISMAN_ENABLED = True\n'
                                    'TALISMAN_CONFIG = {"content_security_policy": {}}\n'}),
         "warn", subject="TALISMAN_ENABLED",
         message="Talisman is on but its content security policy is empty"),
    Case("SUPERSET-APP-SECURITY-003", "config without the policy key: Talisman's default",
         changed(TALISMAN, {CONFIG: 'TALISMAN_ENABLED = True\n'
                                    'TALISMAN_CONFIG = {"force_https": False}\n'}),
         "pass", subject="TALISMAN_ENABLED", message="Talisman sets a content security policy"),
    Case("SUPERSET-APP-SECURITY-003", "a policy",
         changed(TALISMAN, {CONFIG: 'TALISMAN_ENABLED = True\nTALISMAN_CONFIG = '
                                    '{"content_security_policy": {"default-src": "self"}}\n'}),
         "pass", subject="TALISMAN_ENABLED", message="Talisman sets a content security policy"),
    Case("SUPERSET-APP-SECURITY-003", "unknown", replaced(TALISMAN, CONFIG, "True", "on()"),
         "skip", subject="TALISMAN_ENABLED",
         message="TALISMAN_ENABLED could not be determined: computed by a function call"),
    Case("SUPERSET-APP-SECURITY-003", "env false", pip("ROW_LIMIT = 5000\n",
                                                       dotenv="TALISMAN_ENABLED=false\n"),
         "fail", subject="TALISMAN_ENABLED",
         evidence=("TALISMAN_ENABLED from env TALISMAN_ENABLED (.env:1)",),
         message="Talisman is off"),
    Case("SUPERSET-APP-SECURITY-003", "env 1 is off for cast_to_boolean",
         pip("ROW_LIMIT = 5000\n", dotenv="TALISMAN_ENABLED=1\n"), "fail",
         subject="TALISMAN_ENABLED", message="Talisman is off"),
    Case("SUPERSET-APP-SECURITY-003", "env True",
         pip("ROW_LIMIT = 5000\n", dotenv="TALISMAN_ENABLED= True \n"), "pass",
         subject="TALISMAN_ENABLED",
         evidence=("TALISMAN_ENABLED from env TALISMAN_ENABLED (.env:1)",)),
    Case("SUPERSET-APP-SECURITY-003", "compose environment: false",
         compose('TALISMAN_ENABLED: "false"'), "fail", subject="TALISMAN_ENABLED",
         evidence=("TALISMAN_ENABLED from env TALISMAN_ENABLED (compose.yaml:5 environment)",),
         message="Talisman is off"),
]

# --- SUPERSET-APP-SECURITY-004 ---------------------------------------------------------
"""DEBUG: fail when on (file: truth value; env FLASK_DEBUG: Superset's parse_boolean_string,
y/yes/true/t/on/1 in any case); skip when unknown."""
DEBUG = pip("DEBUG = False\n")
CASES += [
    Case("SUPERSET-APP-SECURITY-004", "False", DEBUG, "pass", subject="DEBUG",
         evidence=("DEBUG from superset_config.py:1",), message="DEBUG is off", location=at(1)),
    Case("SUPERSET-APP-SECURITY-004", "unset", pip("ROW_LIMIT = 5000\n"), "pass",
         subject="DEBUG", evidence=("DEBUG from Superset default",), message="DEBUG is off"),
    Case("SUPERSET-APP-SECURITY-004", "True", replaced(DEBUG, CONFIG, "False", "True"), "fail",
         subject="DEBUG", evidence=("DEBUG from superset_config.py:1",),
         message="DEBUG is on: Superset applies TALISMAN_DEV_CONFIG", location=at(1)),
    Case("SUPERSET-APP-SECURITY-004", "1 (truthy)", replaced(DEBUG, CONFIG, "False", "1"),
         "fail", subject="DEBUG", message="DEBUG is on"),
    Case("SUPERSET-APP-SECURITY-004", "unknown", replaced(DEBUG, CONFIG, "False", "dbg()"),
         "skip", subject="DEBUG",
         message="DEBUG could not be determined: computed by a function call"),
    Case("SUPERSET-APP-SECURITY-004", "FLASK_DEBUG=1",
         pip("ROW_LIMIT = 5000\n", dotenv="FLASK_DEBUG=1\n"), "fail", subject="DEBUG",
         evidence=("DEBUG from env FLASK_DEBUG (.env:1)",), message="DEBUG is on"),
    Case("SUPERSET-APP-SECURITY-004", "FLASK_DEBUG=t",
         pip("ROW_LIMIT = 5000\n", dotenv="FLASK_DEBUG=t\n"), "fail", subject="DEBUG",
         message="DEBUG is on"),
    Case("SUPERSET-APP-SECURITY-004", "FLASK_DEBUG=Y",
         pip("ROW_LIMIT = 5000\n", dotenv="FLASK_DEBUG=Y\n"), "fail", subject="DEBUG",
         message="DEBUG is on"),
    Case("SUPERSET-APP-SECURITY-004", "FLASK_DEBUG=On",
         pip("ROW_LIMIT = 5000\n", dotenv="FLASK_DEBUG=On\n"), "fail", subject="DEBUG",
         message="DEBUG is on"),
    Case("SUPERSET-APP-SECURITY-004", "FLASK_DEBUG=0",
         pip("ROW_LIMIT = 5000\n", dotenv="FLASK_DEBUG=0\n"), "pass", subject="DEBUG",
         evidence=("DEBUG from env FLASK_DEBUG (.env:1)",), message="DEBUG is off"),
    Case("SUPERSET-APP-SECURITY-004", "FLASK_DEBUG=false",
         pip("ROW_LIMIT = 5000\n", dotenv="FLASK_DEBUG=false\n"), "pass", subject="DEBUG",
         message="DEBUG is off"),
    Case("SUPERSET-APP-SECURITY-004", "compose environment: FLASK_DEBUG true",
         compose('FLASK_DEBUG: "true"'), "fail", subject="DEBUG",
         evidence=("DEBUG from env FLASK_DEBUG (compose.yaml:5 environment)",),
         message="DEBUG is on"),
]

# --- SUPERSET-APP-SECURITY-005 ---------------------------------------------------------
"""PUBLIC_ROLE_LIKE: fail for each of Admin, Alpha, Gamma, sql_lab; warn for any other
role; pass when unset, None or empty; skip when unknown."""
PUBLIC = pip("PUBLIC_ROLE_LIKE = None\n")
CASES += [
    Case("SUPERSET-APP-SECURITY-005", "None", PUBLIC, "pass", subject="PUBLIC_ROLE_LIKE",
         evidence=("PUBLIC_ROLE_LIKE from superset_config.py:1",),
         message="anonymous visitors get no permissions", location=at(1)),
    Case("SUPERSET-APP-SECURITY-005", "unset", pip("ROW_LIMIT = 5000\n"), "pass",
         subject="PUBLIC_ROLE_LIKE", evidence=("PUBLIC_ROLE_LIKE from Superset default",)),
    Case("SUPERSET-APP-SECURITY-005", "empty", replaced(PUBLIC, CONFIG, "None", '""'), "pass",
         subject="PUBLIC_ROLE_LIKE", message="anonymous visitors get no permissions"),
    *[Case("SUPERSET-APP-SECURITY-005", role, replaced(PUBLIC, CONFIG, "None", f'"{role}"'),
           "fail", subject="PUBLIC_ROLE_LIKE",
           evidence=("PUBLIC_ROLE_LIKE from superset_config.py:1",),
           message=f"anonymous visitors get the permissions of {role}", location=at(1))
      for role in ("Admin", "Alpha", "Gamma", "sql_lab")],
    Case("SUPERSET-APP-SECURITY-005", "a custom role",
         replaced(PUBLIC, CONFIG, "None", '"dashboards_public"'), "warn",
         subject="PUBLIC_ROLE_LIKE",
         message="anonymous visitors get a copy of role dashboards_public", location=at(1)),
    Case("SUPERSET-APP-SECURITY-005", "unknown", replaced(PUBLIC, CONFIG, "None", "ROLE"),
         "skip", subject="PUBLIC_ROLE_LIKE",
         message="PUBLIC_ROLE_LIKE could not be determined: name ROLE is defined outside"),
    Case("SUPERSET-APP-SECURITY-005", "kubernetes ConfigMap: Gamma",
         kubernetes(f"SUPERSET_SECRET_KEY: {STRONG_KEY}", 'PUBLIC_ROLE_LIKE = "Gamma"'), "fail",
         subject=f"{K8S}:PUBLIC_ROLE_LIKE",
         message="anonymous visitors get the permissions of Gamma"),
]

# --- SUPERSET-APP-SECURITY-006 ---------------------------------------------------------
"""Database self-registration (AUTH_TYPE AUTH_DB, the default): pass when
AUTH_USER_REGISTRATION is off; fail when it is on into Admin or Alpha; warn when on into
any other role (the default Public included); skip when registration, the role or
AUTH_TYPE is unknown (with registration on)."""
REGISTRATION = pip("AUTH_USER_REGISTRATION = False\n")
ON = 'AUTH_USER_REGISTRATION = True\nAUTH_USER_REGISTRATION_ROLE = "Gamma"\n'
CASES += [
    Case("SUPERSET-APP-SECURITY-006", "off", REGISTRATION, "pass",
         subject="AUTH_USER_REGISTRATION",
         evidence=("AUTH_USER_REGISTRATION from superset_config.py:1",),
         message="self-registration is off", location=at(1)),
    Case("SUPERSET-APP-SECURITY-006", "unset", pip("ROW_LIMIT = 5000\n"), "pass",
         subject="AUTH_USER_REGISTRATION",
         evidence=("AUTH_USER_REGISTRATION from Superset default",)),
    Case("SUPERSET-APP-SECURITY-006", "on into Gamma", changed(REGISTRATION, {CONFIG: ON}),
         "warn", subject="AUTH_USER_REGISTRATION",
         evidence=("AUTH_TYPE from Superset default: AUTH_DB",
                   "AUTH_USER_REGISTRATION from superset_config.py:1",
                   "AUTH_USER_REGISTRATION_ROLE from superset_config.py:2: Gamma"),
         message="with AUTH_DB anyone who reaches the site can sign up on /register "
                 "(into role Gamma)", location=at(1)),
    Case("SUPERSET-APP-SECURITY-006", "on into the default role",
         replaced(REGISTRATION, CONFIG, "False", "True"), "warn",
         subject="AUTH_USER_REGISTRATION",
         evidence=("AUTH_USER_REGISTRATION_ROLE from Superset default: Public",),
         message="(into role Public)"),
    *[Case("SUPERSET-APP-SECURITY-006", f"on into {role}",
           changed(REGISTRATION, {CONFIG: ON.replace("Gamma", role)}), "fail",
           subject="AUTH_USER_REGISTRATION",
           evidence=(f"AUTH_USER_REGISTRATION_ROLE from superset_config.py:2: {role}",),
           message="with AUTH_DB anyone who reaches the site can sign up on /register and "
                   f"become {role}")
      for role in ("Admin", "Alpha")],
    Case("SUPERSET-APP-SECURITY-006", "on as 1 (truthy)",
         replaced(REGISTRATION, CONFIG, "False", "1"), "warn",
         subject="AUTH_USER_REGISTRATION", message="(into role Public)"),
    Case("SUPERSET-APP-SECURITY-006", "AUTH_DB imported and named",
         changed(REGISTRATION, {CONFIG: "from flask_appbuilder.security.manager import AUTH_DB"
                                        "\nAUTH_TYPE = AUTH_DB\n" + ON.replace("Gamma", "Admin")}),
         "fail", subject="AUTH_USER_REGISTRATION",
         evidence=("AUTH_TYPE from superset_config.py:2: AUTH_DB",), message="become Admin"),
    Case("SUPERSET-APP-SECURITY-006", "AUTH_TYPE unknown",
         changed(REGISTRATION, {CONFIG: "AUTH_TYPE = LOGIN\n" + ON}), "skip",
         subject="AUTH_USER_REGISTRATION",
         evidence=("AUTH_USER_REGISTRATION from superset_config.py:2",
                   "AUTH_TYPE from superset_config.py:1"),
         message="self-registration is on but AUTH_TYPE could not be determined (name LOGIN "
                 "is defined outside the file)"),
    Case("SUPERSET-APP-SECURITY-006", "registration unknown",
         replaced(REGISTRATION, CONFIG, "False", "signup"), "skip",
         subject="AUTH_USER_REGISTRATION",
         message="AUTH_USER_REGISTRATION could not be determined"),
    Case("SUPERSET-APP-SECURITY-006", "role unknown",
         changed(REGISTRATION, {CONFIG: ON.replace('"Gamma"', "ROLE")}), "skip",
         subject="AUTH_USER_REGISTRATION",
         message="AUTH_USER_REGISTRATION_ROLE could not be determined"),
    Case("SUPERSET-APP-SECURITY-006", "kubernetes ConfigMap: into Admin",
         kubernetes(f"SUPERSET_SECRET_KEY: {STRONG_KEY}", ON.replace("Gamma", "Admin")), "fail",
         subject=f"{K8S}:AUTH_USER_REGISTRATION", message="become Admin"),
]

# --- SUPERSET-APP-SECURITY-011 ---------------------------------------------------------
"""Identity-provider sign-up (AUTH_TYPE other than AUTH_DB, in every spelling: an imported
constant, a number, a module attribute): pass when registration is off or into a minimal
role; fail into Admin or Alpha; skip when the role comes from
AUTH_USER_REGISTRATION_ROLE_JMESPATH or registration is unknown."""
PROVIDER_HEAD = "from flask_appbuilder.security.manager import AUTH_OAUTH\nAUTH_TYPE = AUTH_OAUTH\n"
PROVIDER = pip(PROVIDER_HEAD + ON)
CASES += [
    Case("SUPERSET-APP-SECURITY-011", "OAuth into Gamma", PROVIDER, "pass", subject="AUTH_TYPE",
         evidence=("AUTH_TYPE from superset_config.py:2: AUTH_OAUTH",
                   "AUTH_USER_REGISTRATION from superset_config.py:3",
                   "AUTH_USER_REGISTRATION_ROLE from superset_config.py:4: Gamma"),
         message="with AUTH_OAUTH, accounts the identity provider admits get role Gamma on "
                 "first login", location=at(2)),
    Case("SUPERSET-APP-SECURITY-011", "OAuth, registration off",
         replaced(PROVIDER, CONFIG, "AUTH_USER_REGISTRATION = True", "AUTH_USER_REGISTRATION = 0"),
         "pass", subject="AUTH_TYPE",
         evidence=("AUTH_TYPE from superset_config.py:2: AUTH_OAUTH",
                   "AUTH_USER_REGISTRATION from superset_config.py:3"),
         message="with AUTH_OAUTH, accounts are not created on first login"),
    *[Case("SUPERSET-APP-SECURITY-011", f"OAuth into {role}",
           replaced(PROVIDER, CONFIG, '"Gamma"', f'"{role}"'), "fail", subject="AUTH_TYPE",
           evidence=(f"AUTH_USER_REGISTRATION_ROLE from superset_config.py:4: {role}",),
           message="with AUTH_OAUTH, every account the identity provider admits gets role "
                   f"{role} on first login", location=at(2))
      for role in ("Admin", "Alpha")],
    Case("SUPERSET-APP-SECURITY-011", "role from JMESPath",
         changed(PROVIDER, {CONFIG: PROVIDER_HEAD + ON.replace("Gamma", "Admin")
                            + 'AUTH_USER_REGISTRATION_ROLE_JMESPATH = "\'Admin\'"\n'}),
         "skip", subject="AUTH_TYPE",
         evidence=("AUTH_USER_REGISTRATION_ROLE_JMESPATH from superset_config.py:5",),
         message="with AUTH_OAUTH, the first-login role is computed from the provider's user "
                 "info by AUTH_USER_REGISTRATION_ROLE_JMESPATH"),
    Case("SUPERSET-APP-SECURITY-011", "groups mapped",
         changed(PROVIDER, {CONFIG: PROVIDER_HEAD + ON
                            + 'AUTH_ROLES_MAPPING = {"bi-admins": ["Admin"], "bi": ["Gamma"]}\n'}),
         "pass", subject="AUTH_TYPE",
         evidence=("AUTH_ROLES_MAPPING from superset_config.py:5: 2 group(s) mapped; the "
                   "registration role is added to the mapped ones",)),
    Case("SUPERSET-APP-SECURITY-011", "registration unknown",
         replaced(PROVIDER, CONFIG, "AUTH_USER_REGISTRATION = True",
                  "AUTH_USER_REGISTRATION = SIGNUP"), "skip", subject="AUTH_TYPE",
         message="AUTH_USER_REGISTRATION could not be determined"),
    Case("SUPERSET-APP-SECURITY-011", "role unknown",
         replaced(PROVIDER, CONFIG, '"Gamma"', "ROLE"), "skip", subject="AUTH_TYPE",
         message="AUTH_USER_REGISTRATION_ROLE could not be determined"),
    Case("SUPERSET-APP-SECURITY-011", "AUTH_TYPE = 4",
         changed(PROVIDER, {CONFIG: "AUTH_TYPE = 4\n" + ON.replace("Gamma", "Admin")}), "fail",
         subject="AUTH_TYPE", evidence=("AUTH_TYPE from superset_config.py:1: AUTH_OAUTH",),
         message="with AUTH_OAUTH, every account"),
    Case("SUPERSET-APP-SECURITY-011", "LDAP from flask_appbuilder.const",
         changed(PROVIDER, {CONFIG: "from flask_appbuilder.const import AUTH_LDAP\n"
                                    "AUTH_TYPE = AUTH_LDAP\n" + ON.replace("Gamma", "Alpha")}),
         "fail", subject="AUTH_TYPE", evidence=("AUTH_TYPE from superset_config.py:2: AUTH_LDAP",),
         message="with AUTH_LDAP, every account"),
    Case("SUPERSET-APP-SECURITY-011", "REMOTE_USER as a module attribute",
         changed(PROVIDER, {CONFIG: "import flask_appbuilder.const\nAUTH_TYPE = "
                                    "flask_appbuilder.const.AUTH_REMOTE_USER\n" + ON}),
         "pass", subject="AUTH_TYPE",
         evidence=("AUTH_TYPE from superset_config.py:2: AUTH_REMOTE_USER",)),
    Case("SUPERSET-APP-SECURITY-011", "AUTH_OID = 0",
         changed(PROVIDER, {CONFIG: "AUTH_TYPE = 0\n" + ON.replace("Gamma", "Admin")}), "fail",
         subject="AUTH_TYPE", message="with AUTH_OID, every account"),
    Case("SUPERSET-APP-SECURITY-011", "SAML by star import",
         changed(PROVIDER, {CONFIG: "from flask_appbuilder.const import *\n"
                                    "AUTH_TYPE = AUTH_SAML\n" + ON.replace("Gamma", "Admin")}),
         "fail", subject="AUTH_TYPE", message="with AUTH_SAML, every account"),
    Case("SUPERSET-APP-SECURITY-011", "an unnamed number",
         changed(PROVIDER, {CONFIG: "AUTH_TYPE = 7\n" + ON}), "pass", subject="AUTH_TYPE",
         evidence=("AUTH_TYPE from superset_config.py:1: AUTH_TYPE 7",)),
    Case("SUPERSET-APP-SECURITY-011", "kubernetes ConfigMap: OAuth into Admin",
         kubernetes(f"SUPERSET_SECRET_KEY: {STRONG_KEY}",
                    PROVIDER_HEAD + ON.replace("Gamma", "Admin")), "fail",
         subject=f"{K8S}:AUTH_TYPE", message="with AUTH_OAUTH, every account"),
]

# --- SUPERSET-APP-SECURITY-007 ---------------------------------------------------------
"""CORS: fail when origins include "*" (also by omission: flask-cors' default) with
supports_credentials on (truth value); warn for "*" without credentials; pass when off,
when unset (Superset 6's tile servers), or limited to named origins. With ENABLE_CORS unset,
CORS_OPTIONS set in the file are judged (Superset 6 enables CORS); skip when unknown."""
CORS = pip('ENABLE_CORS = True\nCORS_OPTIONS = {"origins": ["https://portal.example.com"], '
           '"supports_credentials": True}\n')
NAMED = '["https://portal.example.com"]'
CASES += [
    Case("SUPERSET-APP-SECURITY-007", "named origins with credentials", CORS, "pass",
         subject="CORS_OPTIONS",
         evidence=("ENABLE_CORS from superset_config.py:1",
                   "CORS_OPTIONS from superset_config.py:2: origins "
                   "['https://portal.example.com'], supports_credentials True"),
         message="CORS is limited to named origins", location=at(2)),
    Case("SUPERSET-APP-SECURITY-007", "unset", pip("ROW_LIMIT = 5000\n"), "pass",
         subject="CORS_OPTIONS", evidence=("ENABLE_CORS from Superset default",),
         message="CORS is off, or limited to Superset's map tile servers"),
    Case("SUPERSET-APP-SECURITY-007", "off", replaced(CORS, CONFIG, "ENABLE_CORS = True",
                                                      "ENABLE_CORS = False"), "pass",
         subject="CORS_OPTIONS", evidence=("ENABLE_CORS from superset_config.py:1",),
         message="CORS is off"),
    Case("SUPERSET-APP-SECURITY-007", "any origin as a string with credentials",
         replaced(CORS, CONFIG, NAMED, '"*"'), "fail", subject="CORS_OPTIONS",
         evidence=("CORS_OPTIONS from superset_config.py:2: origins ['*'], "
                   "supports_credentials True",),
         message="CORS allows any origin with credentials: any site can act as the "
                 "logged-in user", location=at(2)),
    Case("SUPERSET-APP-SECURITY-007", "any origin in a list with credentials",
         replaced(CORS, CONFIG, NAMED, '["https://portal.example.com", "*"]'), "fail",
         subject="CORS_OPTIONS", message="CORS allows any origin with credentials"),
    Case("SUPERSET-APP-SECURITY-007", "no origins key (flask-cors default) with credentials",
         changed(CORS, {CONFIG: 'ENABLE_CORS = True\n'
                                'CORS_OPTIONS = {"supports_credentials": True}\n'}), "fail",
         subject="CORS_OPTIONS", evidence=("origins ['*'], supports_credentials True",),
         message="CORS allows any origin with credentials"),
    Case("SUPERSET-APP-SECURITY-007", "credentials as 1",
         replaced(replaced(CORS, CONFIG, NAMED, '"*"'), CONFIG, '"supports_credentials": True',
                  '"supports_credentials": 1'), "fail", subject="CORS_OPTIONS",
         message="CORS allows any origin with credentials"),
    Case("SUPERSET-APP-SECURITY-007", "any origin without credentials",
         replaced(replaced(CORS, CONFIG, NAMED, '"*"'), CONFIG, '"supports_credentials": True',
                  '"supports_credentials": False'), "warn", subject="CORS_OPTIONS",
         evidence=("origins ['*'], supports_credentials False",),
         message="CORS allows any origin"),
    Case("SUPERSET-APP-SECURITY-007", "ENABLE_CORS unset, options any origin with credentials",
         changed(CORS, {CONFIG: 'CORS_OPTIONS = {"origins": "*", "supports_credentials": True}'
                                '\n'}), "fail", subject="CORS_OPTIONS",
         evidence=("ENABLE_CORS from Superset default (Superset 6 enables CORS by default)",),
         message="CORS allows any origin with credentials", location=at(1)),
    Case("SUPERSET-APP-SECURITY-007", "ENABLE_CORS unknown",
         replaced(CORS, CONFIG, "ENABLE_CORS = True", "ENABLE_CORS = cors()"), "skip",
         subject="CORS_OPTIONS", message="ENABLE_CORS could not be determined"),
    Case("SUPERSET-APP-SECURITY-007", "CORS_OPTIONS unknown",
         changed(CORS, {CONFIG: "ENABLE_CORS = True\nCORS_OPTIONS = options()\n"}), "skip",
         subject="CORS_OPTIONS", message="CORS_OPTIONS could not be determined"),
    Case("SUPERSET-APP-SECURITY-007", "kubernetes ConfigMap: any origin with credentials",
         kubernetes(f"SUPERSET_SECRET_KEY: {STRONG_KEY}",
                    'ENABLE_CORS = True\nCORS_OPTIONS = {"origins": "*", '
                    '"supports_credentials": True}'), "fail", subject=f"{K8S}:CORS_OPTIONS",
         message="CORS allows any origin with credentials"),
]

# --- SUPERSET-APP-SECURITY-008 ---------------------------------------------------------
"""Rate limits: fail when RATELIMIT_ENABLED is off (default: SUPERSET_ENV == "production",
exactly) or AUTH_RATE_LIMITED is off; skip when either is unknown."""
LIMITS = pip("RATELIMIT_ENABLED = True\n")
CASES += [
    Case("SUPERSET-APP-SECURITY-008", "on", LIMITS, "pass", subject="RATELIMIT",
         evidence=("RATELIMIT_ENABLED from superset_config.py:1: True",
                   "AUTH_RATE_LIMITED from Superset default: True"),
         message="Flask-Limiter is on: logins and every request are rate limited"),
    Case("SUPERSET-APP-SECURITY-008", "unset, no SUPERSET_ENV", pip("ROW_LIMIT = 5000\n"),
         "fail", subject="RATELIMIT",
         evidence=("RATELIMIT_ENABLED from Superset default: SUPERSET_ENV is not "
                   "'production': False",),
         message="RATELIMIT_ENABLED is off, which turns Flask-Limiter off"),
    Case("SUPERSET-APP-SECURITY-008", "SUPERSET_ENV=production",
         pip("ROW_LIMIT = 5000\n", dotenv="SUPERSET_ENV=production\n"), "pass",
         subject="RATELIMIT",
         evidence=("RATELIMIT_ENABLED from Superset default: SUPERSET_ENV == 'production' "
                   "(.env:1): True",)),
    Case("SUPERSET-APP-SECURITY-008", "SUPERSET_ENV=Production",
         pip("ROW_LIMIT = 5000\n", dotenv="SUPERSET_ENV=Production\n"), "fail",
         subject="RATELIMIT",
         evidence=("RATELIMIT_ENABLED from Superset default: SUPERSET_ENV == 'production' "
                   "(.env:1): False",), message="RATELIMIT_ENABLED is off"),
    Case("SUPERSET-APP-SECURITY-008", "SUPERSET_ENV=development",
         pip("ROW_LIMIT = 5000\n", dotenv="SUPERSET_ENV=development\n"), "fail",
         subject="RATELIMIT", message="RATELIMIT_ENABLED is off"),
    Case("SUPERSET-APP-SECURITY-008", "RATELIMIT_ENABLED False",
         replaced(LIMITS, CONFIG, "True", "False"), "fail", subject="RATELIMIT",
         evidence=("RATELIMIT_ENABLED from superset_config.py:1: False",),
         message="RATELIMIT_ENABLED is off"),
    Case("SUPERSET-APP-SECURITY-008", "logins not limited",
         changed(LIMITS, {CONFIG: "RATELIMIT_ENABLED = True\nAUTH_RATE_LIMITED = False\n"}),
         "fail", subject="RATELIMIT",
         evidence=("AUTH_RATE_LIMITED from superset_config.py:2: False",),
         message="login attempts are not rate limited (AUTH_RATE_LIMITED is off)"),
    Case("SUPERSET-APP-SECURITY-008", "RATELIMIT_ENABLED unknown",
         replaced(LIMITS, CONFIG, "True", "limits()"), "skip", subject="RATELIMIT",
         message="RATELIMIT_ENABLED could not be determined"),
    Case("SUPERSET-APP-SECURITY-008", "AUTH_RATE_LIMITED unknown",
         changed(LIMITS, {CONFIG: "RATELIMIT_ENABLED = True\nAUTH_RATE_LIMITED = LIMITED\n"}),
         "skip", subject="RATELIMIT", message="AUTH_RATE_LIMITED could not be determined"),
    Case("SUPERSET-APP-SECURITY-008", "compose environment: SUPERSET_ENV=production",
         compose("SUPERSET_ENV: production"), "pass", subject="RATELIMIT",
         evidence=("RATELIMIT_ENABLED from Superset default: SUPERSET_ENV == 'production' "
                   "(compose.yaml:5 environment): True",)),
]

# --- SUPERSET-APP-SECURITY-009 ---------------------------------------------------------
"""Feature flags: fail when ENABLE_JAVASCRIPT_CONTROLS or DYNAMIC_PLUGINS is on; warn when
ENABLE_TEMPLATE_PROCESSING is on; flags set as a dict, by item, by update(), or by
SUPERSET_FEATURE_* variables (parse_boolean_string; the file's FEATURE_FLAGS win over
them, as Superset merges them); skip when FEATURE_FLAGS is unknown."""
FLAGS = pip('FEATURE_FLAGS = {"ALERT_REPORTS": True}\n')
JS = "ENABLE_JAVASCRIPT_CONTROLS: lets chart authors run JavaScript in viewers' browsers"
CASES += [
    Case("SUPERSET-APP-SECURITY-009", "harmless flags", FLAGS, "pass", subject="FEATURE_FLAGS",
         evidence=("FEATURE_FLAGS from superset_config.py:1",),
         message="no risky feature flag is on", location=at(1)),
    Case("SUPERSET-APP-SECURITY-009", "JavaScript controls",
         replaced(FLAGS, CONFIG, "ALERT_REPORTS", "ENABLE_JAVASCRIPT_CONTROLS"), "fail",
         subject="FEATURE_FLAGS", evidence=(JS,), message="risky feature flags are on",
         location=at(1)),
    Case("SUPERSET-APP-SECURITY-009", "dynamic plugins",
         replaced(FLAGS, CONFIG, "ALERT_REPORTS", "DYNAMIC_PLUGINS"), "fail",
         subject="FEATURE_FLAGS",
         evidence=("DYNAMIC_PLUGINS: loads chart plugins from URLs at run time",),
         message="risky feature flags are on"),
    Case("SUPERSET-APP-SECURITY-009", "template processing",
         replaced(FLAGS, CONFIG, "ALERT_REPORTS", "ENABLE_TEMPLATE_PROCESSING"), "warn",
         subject="FEATURE_FLAGS",
         evidence=("ENABLE_TEMPLATE_PROCESSING: Jinja in SQL: powerful, and behind past "
                   "template-injection advisories",),
         message="feature flags that need care are on"),
    Case("SUPERSET-APP-SECURITY-009", "JavaScript controls and template processing",
         replaced(FLAGS, CONFIG, '"ALERT_REPORTS": True',
                  '"ENABLE_JAVASCRIPT_CONTROLS": True, "ENABLE_TEMPLATE_PROCESSING": True'),
         "fail", subject="FEATURE_FLAGS", evidence=(JS, "ENABLE_TEMPLATE_PROCESSING: Jinja"),
         message="risky feature flags are on"),
    Case("SUPERSET-APP-SECURITY-009", "JavaScript controls off",
         replaced(FLAGS, CONFIG, '"ALERT_REPORTS": True', '"ENABLE_JAVASCRIPT_CONTROLS": False'),
         "pass", subject="FEATURE_FLAGS", message="no risky feature flag is on"),
    Case("SUPERSET-APP-SECURITY-009", "set by item",
         changed(FLAGS, {CONFIG: 'FEATURE_FLAGS = {"ALERT_REPORTS": True}\n'
                                 'FEATURE_FLAGS["DYNAMIC_PLUGINS"] = True\n'}), "fail",
         subject="FEATURE_FLAGS", evidence=("DYNAMIC_PLUGINS: loads chart plugins",)),
    Case("SUPERSET-APP-SECURITY-009", "set by update()",
         changed(FLAGS, {CONFIG: 'FEATURE_FLAGS = {"ALERT_REPORTS": True}\n'
                                 'FEATURE_FLAGS.update({"ENABLE_JAVASCRIPT_CONTROLS": True})\n'}),
         "fail", subject="FEATURE_FLAGS", evidence=(JS,)),
    Case("SUPERSET-APP-SECURITY-009", "SUPERSET_FEATURE_ variable true",
         pip("ROW_LIMIT = 5000\n", dotenv="SUPERSET_FEATURE_ENABLE_JAVASCRIPT_CONTROLS=true\n"),
         "fail", subject="FEATURE_FLAGS", evidence=(JS,)),
    Case("SUPERSET-APP-SECURITY-009", "SUPERSET_FEATURE_ variable t",
         pip("ROW_LIMIT = 5000\n", dotenv="SUPERSET_FEATURE_DYNAMIC_PLUGINS=t\n"), "fail",
         subject="FEATURE_FLAGS", evidence=("DYNAMIC_PLUGINS: loads chart plugins",)),
    Case("SUPERSET-APP-SECURITY-009", "SUPERSET_FEATURE_ variable false",
         pip("ROW_LIMIT = 5000\n", dotenv="SUPERSET_FEATURE_DYNAMIC_PLUGINS=false\n"), "pass",
         subject="FEATURE_FLAGS", message="no risky feature flag is on"),
    Case("SUPERSET-APP-SECURITY-009", "the file's flag wins over the variable",
         pip('FEATURE_FLAGS = {"ENABLE_JAVASCRIPT_CONTROLS": False}\n',
             dotenv="SUPERSET_FEATURE_ENABLE_JAVASCRIPT_CONTROLS=true\n"), "pass",
         subject="FEATURE_FLAGS", message="no risky feature flag is on"),
    Case("SUPERSET-APP-SECURITY-009", "unknown", changed(FLAGS, {CONFIG: "FEATURE_FLAGS = "
                                                                          "flags()\n"}),
         "skip", subject="FEATURE_FLAGS", message="FEATURE_FLAGS could not be determined"),
    Case("SUPERSET-APP-SECURITY-009", "compose environment: dynamic plugins",
         compose('SUPERSET_FEATURE_DYNAMIC_PLUGINS: "true"'), "fail", subject="FEATURE_FLAGS",
         evidence=("DYNAMIC_PLUGINS: loads chart plugins from URLs at run time",)),
]

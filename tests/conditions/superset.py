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

import dataclasses

from conditions import Case, changed, dedent, replaced
from conditions.superset_loads import import_first

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


def dedent_join(text: str, line: str) -> str:
    """``text`` (as written to disk) with ``line`` appended."""
    return dedent(text) + line + "\n"


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


def kubernetes(secret: str, config: str, worker: bool = False) -> dict[str, str]:
    """A Deployment that takes its environment from a Secret (``secret``: stringData
    lines) and superset_config.py from a ConfigMap; ``worker``: a Celery worker beside it,
    configured alike."""
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
""" + (WORKER if worker else "")}


WORKER = """---
apiVersion: apps/v1
kind: Deployment
metadata: {name: superset-worker}
spec:
  selector: {matchLabels: {app: superset-worker}}
  template:
    metadata: {labels: {app: superset-worker}}
    spec:
      containers:
      - name: worker
        image: apache/superset:6.0.0
        command: [celery, --app=superset.tasks.celery_app:app, worker]
        envFrom: [{secretRef: {name: env}}]
        volumeMounts: [{name: config, mountPath: /app/pythonpath}]
      volumes: [{name: config, configMap: {name: config}}]
"""


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
    # Installers' copies of the old default with bytes around it (onaio/ansible-superset,
    # idealista/superset_role): still on every guess list.
    *[Case("SUPERSET-CONFIG-SECRETS-001", f"a copy of the pre-1.4.1 default ({name})",
           _key(text), "fail", subject="SECRET_KEY",
           message="SECRET_KEY is a variant of Superset's pre-1.4.1 default key",
           absent=("thisismyscretkey",))
      for name, text in (
          ("onaio", "'REPLACE\\2\\1thisismyscretkey\\1\\2\\e\\y\\y\\h'"),
          ("idealista", '"\\2\\1\\2\\1thisismyscretkey\\1\\2\\e\\y\\y\\h"'))],
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
         "determined: environment variable DATABASE_URL is not set where the auditor can see",
         location=at(2)),
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
    # AUTH_ROLE_PUBLIC (Flask-AppBuilder) names the anonymous role itself: a built-in
    # role there is that role, whatever PUBLIC_ROLE_LIKE says (URBREATH/Superset's config).
    *[Case("SUPERSET-APP-SECURITY-005", f"AUTH_ROLE_PUBLIC {role}",
           pip(f'AUTH_ROLE_PUBLIC = "{role}"\nPUBLIC_ROLE_LIKE = None\n'), "fail",
           subject="PUBLIC_ROLE_LIKE", evidence=("AUTH_ROLE_PUBLIC from superset_config.py:1",),
           message=f"anonymous visitors get role {role} itself (AUTH_ROLE_PUBLIC)")
      for role in ("Admin", "Gamma")],
    Case("SUPERSET-APP-SECURITY-005", "AUTH_ROLE_PUBLIC a custom role",
         pip('AUTH_ROLE_PUBLIC = "Viewer"\n'), "warn", subject="PUBLIC_ROLE_LIKE",
         message="anonymous visitors get role Viewer (AUTH_ROLE_PUBLIC), whose permissions"),
    Case("SUPERSET-APP-SECURITY-005", "AUTH_ROLE_PUBLIC Public",
         pip('AUTH_ROLE_PUBLIC = "Public"\n'), "pass", subject="PUBLIC_ROLE_LIKE",
         message="anonymous visitors get no permissions"),
    Case("SUPERSET-APP-SECURITY-005", "AUTH_ROLE_PUBLIC unknown",
         pip("AUTH_ROLE_PUBLIC = ROLE\n"), "skip", subject="PUBLIC_ROLE_LIKE",
         message="AUTH_ROLE_PUBLIC could not be determined: name ROLE is defined outside"),
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
    # Origins from a variable the audit cannot read (DalgoT4D/platform_infra): unknown,
    # not "limited to named origins".
    Case("SUPERSET-APP-SECURITY-007", "origins from an unread environment variable",
         changed(CORS, {CONFIG: 'import os\nENABLE_CORS = True\nCORS_OPTIONS = {"origins": '
                                '[os.environ["CORS_ORIGINS"]], "supports_credentials": True}\n'}),
         "skip", subject="CORS_OPTIONS",
         message="CORS is on but its origins could not be determined",
         evidence=("origins [unknown], supports_credentials True",)),
    Case("SUPERSET-APP-SECURITY-007", "any origin, credentials unknown",
         changed(CORS, {CONFIG: 'ENABLE_CORS = True\nCORS_OPTIONS = {"origins": "*", '
                                '"supports_credentials": creds()}\n'}),
         "warn", subject="CORS_OPTIONS", message="CORS allows any origin",
         evidence=("origins ['*'], supports_credentials unknown",)),
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
    # apache/superset's Dockerfile sets ENV SUPERSET_ENV=production since 2.1.
    Case("SUPERSET-APP-SECURITY-008", "compose: apache/superset image's own ENV",
         compose("SUPERSET_LOAD_EXAMPLES: 'no'"), "pass", subject="RATELIMIT",
         evidence=("SUPERSET_ENV == 'production' (ENV SUPERSET_ENV=production of the "
                   "apache/superset:6.0.0 image): True",)),
    Case("SUPERSET-APP-SECURITY-008", "compose: a 2.0 image sets no SUPERSET_ENV",
         replaced(compose("SUPERSET_LOAD_EXAMPLES: 'no'"), "compose.yaml", "6.0.0", "2.0.1"),
         "fail", subject="RATELIMIT", message="RATELIMIT_ENABLED is off"),
    Case("SUPERSET-APP-SECURITY-008", "compose: the environment overrides the image",
         compose("SUPERSET_ENV: development"), "fail", subject="RATELIMIT",
         message="RATELIMIT_ENABLED is off"),
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
    Case("SUPERSET-APP-SECURITY-009", "a risky flag's value unknown",
         replaced(FLAGS, CONFIG, '"ALERT_REPORTS": True', '"ENABLE_JAVASCRIPT_CONTROLS": js()'),
         "skip", subject="FEATURE_FLAGS", evidence=("FEATURE_FLAGS from superset_config.py:1",),
         message="feature flags could not be determined: ENABLE_JAVASCRIPT_CONTROLS",
         location=at(1)),
    Case("SUPERSET-APP-SECURITY-009", "a harmless flag's value unknown",
         replaced(FLAGS, CONFIG, '"ALERT_REPORTS": True', '"ALERT_REPORTS": alerts()'),
         "pass", subject="FEATURE_FLAGS", message="no risky feature flag is on"),
    Case("SUPERSET-APP-SECURITY-009", "compose environment: dynamic plugins",
         compose('SUPERSET_FEATURE_DYNAMIC_PLUGINS: "true"'), "fail", subject="FEATURE_FLAGS",
         evidence=("DYNAMIC_PLUGINS: loads chart plugins from URLs at run time",)),
]

# --- SUPERSET-SCALABILITY-001 ----------------------------------------------------------
"""Caches: fail when CACHE_CONFIG or DATA_CACHE_CONFIG (default NullCache) is a per-process
cache (NullCache, SimpleCache, "null", "simple", dotted or not, a dict without CACHE_TYPE),
and when FILTER_STATE_CACHE_CONFIG or EXPLORE_FORM_DATA_CACHE_CONFIG is set to one; warn
for a FileSystemCache that several web containers do not share (Compose, Kubernetes); pass
for a shared store, or a FileSystemCache on one host or on a volume every container
mounts; skip when a cache setting is unknown."""
CACHES = pip('CACHE_CONFIG = {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": '
             '"redis://redis:6379/1"}\nDATA_CACHE_CONFIG = {"CACHE_TYPE": "RedisCache", '
             '"CACHE_REDIS_URL": "redis://redis:6379/2"}\n')
REDIS_DATA = ('DATA_CACHE_CONFIG = {"CACHE_TYPE": "RedisCache", '
              '"CACHE_REDIS_URL": "redis://redis:6379/2"}')


def _data_cache(literal: str) -> dict[str, str]:
    return replaced(CACHES, CONFIG, REDIS_DATA, f"DATA_CACHE_CONFIG = {literal}")


FS_CACHE = ('CACHE_CONFIG = {"CACHE_TYPE": "FileSystemCache", '
            '"CACHE_DIR": "/app/superset_home/cache"}\n' + REDIS_DATA + "\n")


def _cache_compose(replicas: int, volume: bool) -> dict[str, str]:
    """CACHE_CONFIG a FileSystemCache under /app/superset_home, in a Compose project with
    ``replicas`` web containers that mount a named volume there or not."""
    mount = ', "superset_home:/app/superset_home"' if volume else ""
    return {CONFIG: FS_CACHE, "compose.yaml": f"""
services:
  superset:
    image: apache/superset:6.0.0
    volumes: ["./superset_config.py:/app/pythonpath/superset_config.py"{mount}]
    deploy: {{replicas: {replicas}}}
volumes:
  superset_home:
"""}


CASES += [
    Case("SUPERSET-SCALABILITY-001", "Redis for both", CACHES, "pass", subject="CACHE_CONFIG",
         evidence=("CACHE_CONFIG from superset_config.py:1: CACHE_TYPE RedisCache",
                   "DATA_CACHE_CONFIG from superset_config.py:2: CACHE_TYPE RedisCache"),
         message="every cache is shared by the web processes that use it", location=at(1)),
    Case("SUPERSET-SCALABILITY-001", "neither set: NullCache", pip("ROW_LIMIT = 5000\n"), "fail",
         subject="CACHE_CONFIG",
         evidence=("CACHE_CONFIG from Superset default: CACHE_TYPE NullCache",
                   "DATA_CACHE_CONFIG from Superset default: CACHE_TYPE NullCache"),
         message="no shared cache (CACHE_CONFIG, DATA_CACHE_CONFIG): every process keeps its "
                 "own or none, so charts are recomputed against the database"),
    Case("SUPERSET-SCALABILITY-001", "data cache unset", replaced(CACHES, CONFIG, REDIS_DATA, ""),
         "fail", subject="CACHE_CONFIG",
         evidence=("DATA_CACHE_CONFIG from Superset default: CACHE_TYPE NullCache",),
         message="no shared cache (DATA_CACHE_CONFIG)", location=at(1)),
    *[Case("SUPERSET-SCALABILITY-001", f"data cache {kind}",
           _data_cache(f'{{"CACHE_TYPE": "{kind}"}}'), "fail", subject="CACHE_CONFIG",
           evidence=(f"DATA_CACHE_CONFIG from superset_config.py:2: CACHE_TYPE {kind}",),
           message="no shared cache (DATA_CACHE_CONFIG)")
      for kind in ("SimpleCache", "NullCache", "simple", "null",
                   "flask_caching.backends.SimpleCache")],
    Case("SUPERSET-SCALABILITY-001", "data cache without CACHE_TYPE",
         _data_cache('{"CACHE_DEFAULT_TIMEOUT": 300}'), "fail", subject="CACHE_CONFIG",
         evidence=("DATA_CACHE_CONFIG from superset_config.py:2: CACHE_TYPE NullCache",),
         message="no shared cache (DATA_CACHE_CONFIG)"),
    Case("SUPERSET-SCALABILITY-001", "data cache Redis by dotted name",
         _data_cache('{"CACHE_TYPE": "flask_caching.backends.rediscache.RedisCache"}'), "pass",
         subject="CACHE_CONFIG", message="every cache is shared"),
    Case("SUPERSET-SCALABILITY-001", "filter state in a SimpleCache",
         changed(CACHES, {CONFIG: dedent_join(CACHES[CONFIG],
                                              'FILTER_STATE_CACHE_CONFIG = {"CACHE_TYPE": '
                                              '"SimpleCache"}')}),
         "fail", subject="CACHE_CONFIG",
         evidence=("FILTER_STATE_CACHE_CONFIG from superset_config.py:3: CACHE_TYPE SimpleCache",),
         message="no shared cache (FILTER_STATE_CACHE_CONFIG): every process keeps its own or "
                 "none, so saved filter or explore state is lost between processes"),
    Case("SUPERSET-SCALABILITY-001", "explore state in a NullCache",
         changed(CACHES, {CONFIG: dedent_join(CACHES[CONFIG],
                                              'EXPLORE_FORM_DATA_CACHE_CONFIG = {"CACHE_TYPE": '
                                              '"null"}')}),
         "fail", subject="CACHE_CONFIG",
         message="no shared cache (EXPLORE_FORM_DATA_CACHE_CONFIG)"),
    Case("SUPERSET-SCALABILITY-001", "both lost", changed(CACHES, {CONFIG: (
        'CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache"}\n' + REDIS_DATA + "\n"
        'FILTER_STATE_CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache"}\n')}), "fail",
        subject="CACHE_CONFIG",
        message="so charts are recomputed against the database and saved filter or explore "
                "state is lost between processes"),
    Case("SUPERSET-SCALABILITY-001", "FileSystemCache on one host",
         changed(CACHES, {CONFIG: FS_CACHE}), "pass", subject="CACHE_CONFIG",
         evidence=("CACHE_CONFIG: FileSystemCache in /app/superset_home/cache, one filesystem "
                   "for every web process",)),
    Case("SUPERSET-SCALABILITY-001", "filesystem spelling on one host",
         changed(CACHES, {CONFIG: FS_CACHE.replace('"FileSystemCache"', '"filesystem"')}),
         "pass", subject="CACHE_CONFIG",
         evidence=("CACHE_CONFIG: FileSystemCache in /app/superset_home/cache",)),
    Case("SUPERSET-SCALABILITY-001", "cache unknown",
         replaced(CACHES, CONFIG, REDIS_DATA, "DATA_CACHE_CONFIG = cache_config()"), "skip",
         subject="CACHE_CONFIG", evidence=("DATA_CACHE_CONFIG from superset_config.py:2",),
         message="DATA_CACHE_CONFIG could not be determined: computed by a function call"),
    Case("SUPERSET-SCALABILITY-001", "compose: FileSystemCache in 2 web containers",
         _cache_compose(2, volume=False), "warn", subject="CACHE_CONFIG",
         evidence=("CACHE_CONFIG: FileSystemCache in /app/superset_home/cache: 2 web "
                   "containers each keep their own copy unless that directory is a volume "
                   "every one of them mounts",),
         message="a FileSystemCache is shared only by processes that mount its directory"),
    Case("SUPERSET-SCALABILITY-001", "compose: FileSystemCache in 1 web container",
         _cache_compose(1, volume=False), "pass", subject="CACHE_CONFIG",
         evidence=("CACHE_CONFIG: FileSystemCache in /app/superset_home/cache, one filesystem "
                   "for every web process",), tags=("boundary",)),
    Case("SUPERSET-SCALABILITY-001", "compose: FileSystemCache on a shared volume",
         _cache_compose(2, volume=True), "pass", subject="CACHE_CONFIG",
         evidence=("CACHE_CONFIG: FileSystemCache in /app/superset_home/cache, on volume "
                   "superset_home that every Superset container mounts",)),
]

# --- SUPERSET-SCALABILITY-002 ----------------------------------------------------------
"""Results backend, judged when Celery is used (CELERY_CONFIG set, or ALERT_REPORTS,
GLOBAL_ASYNC_QUERIES or SCHEDULED_QUERIES on): fail when RESULTS_BACKEND is unset or a
NullCache/SimpleCache; warn for a FileSystemCache in containers that do not share it; pass
for a shared backend, a FileSystemCache on one host or on a volume every container
mounts."""
CELERY_HEAD = ('from flask_caching.backends.rediscache import RedisCache\n'
               'class CeleryConfig:\n    broker_url = "redis://:s3cret@redis:6379/0"\n'
               'CELERY_CONFIG = CeleryConfig\n')
REDIS_RESULTS = 'RESULTS_BACKEND = RedisCache(host="redis", port=6379, key_prefix="results")'
RESULTS = pip(CELERY_HEAD + REDIS_RESULTS + "\n")


def _results(line: str) -> dict[str, str]:
    return replaced(RESULTS, CONFIG, REDIS_RESULTS, line)


def _results_compose(volume: bool) -> dict[str, str]:
    mount = ', "superset_home:/app/superset_home"' if volume else ""
    services = "".join(f"""
  {name}:
    image: apache/superset:6.0.0{command}
    volumes: ["./superset_config.py:/app/pythonpath/superset_config.py"{mount}]"""
                       for name, command in (
                           ("superset", ""),
                           ("superset-worker", '\n    command: ["celery", "--app=superset.tasks.'
                                               'celery_app:app", "worker"]')))
    return {CONFIG: CELERY_HEAD + 'RESULTS_BACKEND = FileSystemCache("/app/superset_home/'
                                  'results")\n',
            "compose.yaml": "services:" + services + "\nvolumes:\n  superset_home:\n"}


CASES += [
    Case("SUPERSET-SCALABILITY-002", "Redis", RESULTS, "pass", subject="RESULTS_BACKEND",
         evidence=("RESULTS_BACKEND from superset_config.py:5",),
         message="query results go to a shared backend (RedisCache(...))", location=at(5)),
    Case("SUPERSET-SCALABILITY-002", "unset", _results("ROW_LIMIT = 5000"), "fail",
         subject="RESULTS_BACKEND", evidence=("RESULTS_BACKEND from Superset default",),
         message="Celery runs but RESULTS_BACKEND is unset: SQL Lab queries on a database with "
                 "asynchronous execution fail with 'Results backend is not configured.'"),
    Case("SUPERSET-SCALABILITY-002", "None", _results("RESULTS_BACKEND = None"), "fail",
         subject="RESULTS_BACKEND", evidence=("RESULTS_BACKEND from superset_config.py:5",),
         message="Celery runs but RESULTS_BACKEND is unset", location=at(5)),
    Case("SUPERSET-SCALABILITY-002", "NullCache", _results("RESULTS_BACKEND = NullCache()"),
         "fail", subject="RESULTS_BACKEND", message="RESULTS_BACKEND is NullCache: results are "
         "not shared between workers and the web server"),
    Case("SUPERSET-SCALABILITY-002", "SimpleCache by dotted name",
         _results("RESULTS_BACKEND = flask_caching.backends.SimpleCache()"), "fail",
         subject="RESULTS_BACKEND",
         message="RESULTS_BACKEND is flask_caching.backends.SimpleCache: results are not shared"),
    Case("SUPERSET-SCALABILITY-002", "FileSystemCache on one host",
         _results('RESULTS_BACKEND = FileSystemCache("/var/lib/superset/results")'), "pass",
         subject="RESULTS_BACKEND",
         message="query results go to a shared backend (FileSystemCache(...)) on this host's "
                 "filesystem"),
    Case("SUPERSET-SCALABILITY-002", "S3", _results('RESULTS_BACKEND = S3Cache("bucket")'),
         "pass", subject="RESULTS_BACKEND",
         message="query results go to a shared backend (S3Cache(...))"),
    *[Case("SUPERSET-SCALABILITY-002", f"Celery for {flag} alone, unset",
           pip(f'FEATURE_FLAGS = {{"{flag}": True}}\n'), "fail", subject="RESULTS_BACKEND",
           message="Celery runs but RESULTS_BACKEND is unset")
      for flag in ("ALERT_REPORTS", "GLOBAL_ASYNC_QUERIES", "SCHEDULED_QUERIES")],
    Case("SUPERSET-SCALABILITY-002", "compose: FileSystemCache not shared",
         _results_compose(volume=False), "warn", subject="RESULTS_BACKEND",
         evidence=("RESULTS_BACKEND from superset_config.py:5",),
         message="RESULTS_BACKEND is a FileSystemCache: Celery workers write results into "
                 "their container's directory"),
    Case("SUPERSET-SCALABILITY-002", "compose: FileSystemCache on a shared volume",
         _results_compose(volume=True), "pass", subject="RESULTS_BACKEND",
         message="query results go to a shared backend (FileSystemCache(...)) in "
                 "/app/superset_home/results, on volume superset_home that every Superset "
                 "container mounts"),
    *[Case("SUPERSET-SCALABILITY-002", f"kubernetes: alerts on, results unset, {name}",
           kubernetes(f"SUPERSET_SECRET_KEY: {STRONG_KEY}",
                      'FEATURE_FLAGS = {"ALERT_REPORTS": True}', worker=worker), status,
           subject=f"{K8S}:RESULTS_BACKEND", message=message)
      for name, worker, status, message in (
          ("no worker runs", False, "skip",
           "Celery is configured but no Celery worker runs in this deployment"),
          ("a worker runs", True, "fail", "Celery runs but RESULTS_BACKEND is unset"))],
]

# --- SUPERSET-STORAGE-002 --------------------------------------------------------------
"""Celery broker, judged when Celery is used: fail for a sqlite broker (Superset's default
sqla+sqlite); pass for a network broker (broker_url or BROKER_URL, class or dict); skip when
CELERY_CONFIG is unknown or names no broker. The broker's password is never shown."""
BROKER = pip(CELERY_HEAD)
CASES += [
    Case("SUPERSET-STORAGE-002", "Redis in a class", BROKER, "pass", subject="CELERY_CONFIG",
         evidence=("CELERY_CONFIG from superset_config.py:4: broker redis://…",),
         message="the Celery broker is redis", location=at(4), absent=("s3cret",)),
    Case("SUPERSET-STORAGE-002", "sqlite in a dict",
         pip('CELERY_CONFIG = {"broker_url": "sqla+sqlite:///celerydb.sqlite"}\n'), "fail",
         subject="CELERY_CONFIG",
         evidence=("CELERY_CONFIG from superset_config.py:1: broker sqla+sqlite://…",),
         message="the Celery broker is a sqlite file: queued work is lost or stuck",
         location=at(1)),
    Case("SUPERSET-STORAGE-002", "BROKER_URL spelling",
         pip('CELERY_CONFIG = {"BROKER_URL": "amqp://guest:s3cret@rabbit:5672//"}\n'), "pass",
         subject="CELERY_CONFIG", evidence=("broker amqp://…",),
         message="the Celery broker is amqp", absent=("s3cret",)),
    Case("SUPERSET-STORAGE-002", "default broker, Celery for alerts",
         pip('FEATURE_FLAGS = {"ALERT_REPORTS": True}\n'), "fail", subject="CELERY_CONFIG",
         evidence=("CELERY_CONFIG from Superset default: broker sqla+sqlite://…",),
         message="the Celery broker is a sqlite file"),
    Case("SUPERSET-STORAGE-002", "no broker named",
         pip('CELERY_CONFIG = {"worker_prefetch_multiplier": 1}\n'), "skip",
         subject="CELERY_CONFIG", evidence=("CELERY_CONFIG from superset_config.py:1",),
         message="the Celery broker could not be determined"),
    Case("SUPERSET-STORAGE-002", "unknown", pip("CELERY_CONFIG = make_celery()\n"), "skip",
         subject="CELERY_CONFIG",
         message="CELERY_CONFIG could not be determined: computed by a function call"),
    Case("SUPERSET-STORAGE-002", "kubernetes ConfigMap: broker from the Secret",
         kubernetes("BROKER: redis://:s3cret@redis:6379/0",
                    'import os\nCELERY_CONFIG = {"broker_url": os.environ["BROKER"]}',
                    worker=True), "pass",
         subject=f"{K8S}:CELERY_CONFIG", message="the Celery broker is redis",
         absent=("s3cret",)),
    # Configured but not run (idealista/superset_role, URBREATH/Superset): no broker in use.
    Case("SUPERSET-STORAGE-002", "kubernetes: sqlite broker, no worker runs",
         kubernetes(f"SUPERSET_SECRET_KEY: {STRONG_KEY}",
                    'CELERY_CONFIG = {"broker_url": "sqla+sqlite:///celerydb.sqlite"}'), "skip",
         subject=f"{K8S}:CELERY_CONFIG", message="Celery is configured but no Celery worker "
         "runs in this deployment"),
    Case("SUPERSET-STORAGE-002", "kubernetes: sqlite broker, a worker runs",
         kubernetes(f"SUPERSET_SECRET_KEY: {STRONG_KEY}",
                    'CELERY_CONFIG = {"broker_url": "sqla+sqlite:///celerydb.sqlite"}',
                    worker=True), "fail",
         subject=f"{K8S}:CELERY_CONFIG", message="the Celery broker is a sqlite file"),
]

# --- SUPERSET-CONFIG-SECRETS-002 and -003 ----------------------------------------------
"""JWT secrets, judged when their feature is on (EMBEDDED_SUPERSET for the guest token,
GLOBAL_ASYNC_QUERIES for async queries): fail for a published default (Superset's own, the
Helm chart's websocket "CHANGE-ME") or fewer than 32 bytes; skip when unknown; never shown."""
JWT_CASES: list[Case] = []
for check, name, feature, default, default_name in (
        ("SUPERSET-CONFIG-SECRETS-002", "GUEST_TOKEN_JWT_SECRET", "EMBEDDED_SUPERSET",
         "test-guest-secret-change-me", "Superset's default GUEST_TOKEN_JWT_SECRET"),
        ("SUPERSET-CONFIG-SECRETS-003", "GLOBAL_ASYNC_QUERIES_JWT_SECRET", "GLOBAL_ASYNC_QUERIES",
         "test-secret-change-me", "Superset's default GLOBAL_ASYNC_QUERIES_JWT_SECRET")):
    flags = f'FEATURE_FLAGS = {{"{feature}": True}}\n'
    jwt = pip(flags + f'{name} = "{STRONG_KEY}"\n')
    shown = f"{name} from superset_config.py:2 (value not shown)"

    def _secret(literal: str, jwt: dict[str, str] = jwt) -> dict[str, str]:
        return replaced(jwt, CONFIG, f'"{STRONG_KEY}"', literal)

    JWT_CASES += [
        Case(check, "32 bytes", jwt, "pass", subject=name,
             evidence=(shown, f"{feature} is on"),
             message=f"{name} is set, 32 bytes, not a default", location=at(2),
             absent=(STRONG_KEY,), tags=("boundary",)),
        Case(check, "31 bytes", _secret(f'"{STRONG_KEY[:31]}"'), "fail", subject=name,
             evidence=(shown,), message=f"{name} is 31 bytes (at least 32 needed)",
             location=at(2), absent=(STRONG_KEY[:31],), tags=("boundary",)),
        Case(check, "33 bytes", _secret(f'"{STRONG_KEY}x"'), "pass", subject=name,
             message=f"{name} is set, 33 bytes", tags=("boundary",)),
        Case(check, "unset: Superset's default", pip(flags), "fail", subject=name,
             evidence=(f"{name} from Superset default (value not shown)", f"{feature} is on"),
             message=f"{name} is {default_name}: tokens can be forged", absent=(default,)),
        Case(check, "Superset's default written out", _secret(f'"{default}"'), "fail",
             subject=name, message=f"{name} is {default_name}", absent=(default,)),
        Case(check, "the chart's websocket default", _secret('"CHANGE-ME"'), "fail",
             subject=name, message=f"{name} is the Helm chart's default websocket jwtSecret",
             absent=("CHANGE-ME",)),
        Case(check, "not a string", _secret("None"), "fail", subject=name,
             message=f"{name} is 0 bytes (at least 32 needed)"),
        Case(check, "unknown", _secret(f'os.environ["{name}"]'), "skip", subject=name,
             message=f"{name} could not be determined: environment variable {name} is not set"),
        # The flag from where the audit cannot see: no verdict on the secret, but a skip
        # that says so (DalgoT4D's guest token secret was a role name, and nothing showed).
        Case(check, "feature unknown", pip(f'FEATURE_FLAGS = flags()\n{name} = "short"\n'),
             "skip", subject=name,
             message=f"whether {feature} is on could not be determined"),
        Case(check, "from .env", changed(jwt, {
            CONFIG: f'import os\n{flags}{name} = os.environ["{name}"]\n',
            ".env": f"{name}={default}\n"}), "fail", subject=name,
            evidence=(f"{name} from env {name} (.env:1) read at superset_config.py:3 (value "
                      "not shown)",), message=f"{name} is {default_name}", absent=(default,)),
        Case(check, "feature from a SUPERSET_FEATURE_ variable, compose environment",
             compose(f'SUPERSET_FEATURE_{feature}: "true"', f"{name} = \"CHANGE-ME\"\n"),
             "fail", subject=name,
             evidence=(f"{name} from superset_config.py:1 (value not shown)",
                       f"{feature} is on"),
             message=f"{name} is the Helm chart's default websocket jwtSecret",
             absent=("CHANGE-ME",)),
    ]
CASES += JWT_CASES

# --- SUPERSET-PROXY-TLS-001 ------------------------------------------------------------
"""ENABLE_PROXY_FIX against the deployment: fail when a reverse proxy fronts Superset and
it is off; pass when on (truth value) behind a proxy; warn when on with no proxy in front
(the web server is known, no proxy configuration); skip when unknown."""
GUNICORN = 'gunicorn -w 4 -b 127.0.0.1:8088 "superset.app:create_app()"\n'
NGINX = ("server {\n    listen 80;\n    location / {\n        proxy_pass http://127.0.0.1:8088;"
         "\n    }\n}\n")
PROXIED = pip("ENABLE_PROXY_FIX = True\n", start_sh=GUNICORN, nginx_conf=NGINX)
CASES += [
    Case("SUPERSET-PROXY-TLS-001", "proxy and the fix", PROXIED, "pass",
         subject="ENABLE_PROXY_FIX",
         evidence=("ENABLE_PROXY_FIX from superset_config.py:1", "proxy: nginx (nginx.conf)"),
         message="ENABLE_PROXY_FIX trusts the proxy's X-Forwarded headers", location=at(1)),
    Case("SUPERSET-PROXY-TLS-001", "proxy, the fix as 1",
         replaced(PROXIED, CONFIG, "True", "1"), "pass", subject="ENABLE_PROXY_FIX",
         message="ENABLE_PROXY_FIX trusts the proxy's X-Forwarded headers"),
    Case("SUPERSET-PROXY-TLS-001", "proxy, the fix off",
         replaced(PROXIED, CONFIG, "True", "False"), "fail", subject="ENABLE_PROXY_FIX",
         evidence=("ENABLE_PROXY_FIX from superset_config.py:1", "proxy: nginx (nginx.conf)"),
         message="a reverse proxy fronts Superset but ENABLE_PROXY_FIX is off: redirects and "
                 "CSRF checks see http and the proxy's address", location=at(1)),
    Case("SUPERSET-PROXY-TLS-001", "proxy, the fix unset",
         replaced(PROXIED, CONFIG, "ENABLE_PROXY_FIX = True", "ROW_LIMIT = 5000"), "fail",
         subject="ENABLE_PROXY_FIX", evidence=("ENABLE_PROXY_FIX from Superset default",),
         message="a reverse proxy fronts Superset but ENABLE_PROXY_FIX is off"),
    Case("SUPERSET-PROXY-TLS-001", "no proxy, the fix on",
         changed(PROXIED, {"nginx.conf": None}), "warn", subject="ENABLE_PROXY_FIX",
         evidence=("ENABLE_PROXY_FIX from superset_config.py:1",),
         message="ENABLE_PROXY_FIX is on with no proxy in front: clients can spoof "
                 "X-Forwarded-For", location=at(1)),
    Case("SUPERSET-PROXY-TLS-001", "unknown",
         replaced(PROXIED, CONFIG, "True", "proxied()"), "skip", subject="ENABLE_PROXY_FIX",
         message="ENABLE_PROXY_FIX could not be determined: computed by a function call"),
]

# --- SUPERSET-AVAILABILITY-001 ---------------------------------------------------------
"""Celery beat, judged when ALERT_REPORTS is on: fail with no beat or more than one (a
worker started with -B/--beat counts as one); pass with exactly one."""
ALERTS = pip('FEATURE_FLAGS = {"ALERT_REPORTS": True}\n',
             start_sh=GUNICORN + "celery --app=superset.tasks.celery_app:app worker\n"
                       "celery --app=superset.tasks.celery_app:app beat\n")
WORKER = "celery --app=superset.tasks.celery_app:app worker\n"
BEAT = "celery --app=superset.tasks.celery_app:app beat\n"
CASES += [
    Case("SUPERSET-AVAILABILITY-001", "one beat", ALERTS, "pass", subject="celery-beat",
         evidence=("ALERT_REPORTS is on", "celery beat processes: 1",
                   "celery-beat at start.sh:3"),
         message="exactly one celery beat schedules alerts and reports", tags=("boundary",)),
    Case("SUPERSET-AVAILABILITY-001", "no beat", replaced(ALERTS, "start.sh", BEAT, ""), "fail",
         subject="celery-beat", evidence=("celery beat processes: 0",),
         message="alerts and reports are on but no celery beat runs: nothing is ever "
                 "scheduled or sent", tags=("boundary",)),
    Case("SUPERSET-AVAILABILITY-001", "two beats", replaced(ALERTS, "start.sh", BEAT, BEAT * 2),
         "fail", subject="celery-beat", evidence=("celery beat processes: 2",),
         message="2 celery beats run: every alert and report is sent several times",
         tags=("boundary",)),
    Case("SUPERSET-AVAILABILITY-001", "worker with -B",
         replaced(ALERTS, "start.sh", WORKER + BEAT, WORKER.replace("worker", "worker -B")),
         "pass", subject="celery-beat", evidence=("celery beat processes: 1",)),
    Case("SUPERSET-AVAILABILITY-001", "worker with --beat and a beat",
         replaced(ALERTS, "start.sh", WORKER, WORKER.replace("worker", "worker --beat")),
         "fail", subject="celery-beat", evidence=("celery beat processes: 2",)),
    Case("SUPERSET-AVAILABILITY-001", "compose: beat service",
         {CONFIG: 'FEATURE_FLAGS = {"ALERT_REPORTS": True}\n', "compose.yaml": """
services:
  superset:
    image: apache/superset:6.0.0
    volumes: ["./superset_config.py:/app/pythonpath/superset_config.py"]
  superset-beat:
    image: apache/superset:6.0.0
    command: ["celery", "--app=superset.tasks.celery_app:app", "beat"]
    volumes: ["./superset_config.py:/app/pythonpath/superset_config.py"]
    deploy: {replicas: 2}
"""}, "fail", subject="celery-beat",
         evidence=("celery beat processes: 2", "service superset-beat: beat x2"),
         message="2 celery beats run"),
]

# --- SUPERSET-SUPERVISION-001 ----------------------------------------------------------
"""gunicorn's timeout against SUPERSET_WEBSERVER_TIMEOUT (default 60): fail when gunicorn's
(default 30, --timeout/--timeout=/-t) is shorter; pass when equal or longer, or 0 (no
timeout); skip when SUPERSET_WEBSERVER_TIMEOUT is unknown."""
TIMEOUT = pip("ROW_LIMIT = 5000\n", start_sh=GUNICORN.replace("-w 4", "-w 4 --timeout 60"))
CASES += [
    Case("SUPERSET-SUPERVISION-001", "60 and the default 60", TIMEOUT, "pass",
         subject="SUPERSET_WEBSERVER_TIMEOUT",
         evidence=("SUPERSET_WEBSERVER_TIMEOUT from Superset default: 60s",
                   "gunicorn timeout: 60s"),
         message="gunicorn lets requests run as long as Superset expects", tags=("boundary",)),
    Case("SUPERSET-SUPERVISION-001", "59", replaced(TIMEOUT, "start.sh", "60", "59"), "fail",
         subject="SUPERSET_WEBSERVER_TIMEOUT", evidence=("gunicorn timeout: 59s",),
         message="gunicorn kills a request after 59s, before Superset's own 60s limit: long "
                 "dashboards end in WORKER TIMEOUT and 502s", tags=("boundary",)),
    Case("SUPERSET-SUPERVISION-001", "61", replaced(TIMEOUT, "start.sh", "60", "61"), "pass",
         subject="SUPERSET_WEBSERVER_TIMEOUT", evidence=("gunicorn timeout: 61s",),
         tags=("boundary",)),
    Case("SUPERSET-SUPERVISION-001", "gunicorn's default 30",
         replaced(TIMEOUT, "start.sh", " --timeout 60", ""), "fail",
         subject="SUPERSET_WEBSERVER_TIMEOUT", evidence=("gunicorn timeout: 30s",),
         message="gunicorn kills a request after 30s, before Superset's own 60s limit"),
    Case("SUPERSET-SUPERVISION-001", "--timeout=0 turns it off",
         replaced(TIMEOUT, "start.sh", "--timeout 60", "--timeout=0"), "pass",
         subject="SUPERSET_WEBSERVER_TIMEOUT", evidence=("gunicorn timeout: 0s",),
         message="gunicorn's timeout is 0 (off): it never kills a slow request"),
    Case("SUPERSET-SUPERVISION-001", "-t 120 and 120",
         changed(replaced(TIMEOUT, "start.sh", "--timeout 60", "-t 120"),
                 {CONFIG: "SUPERSET_WEBSERVER_TIMEOUT = 120\n"}), "pass",
         subject="SUPERSET_WEBSERVER_TIMEOUT",
         evidence=("SUPERSET_WEBSERVER_TIMEOUT from superset_config.py:1: 120s",
                   "gunicorn timeout: 120s"), location=at(1), tags=("boundary",)),
    Case("SUPERSET-SUPERVISION-001", "120 against 119",
         changed(replaced(TIMEOUT, "start.sh", "--timeout 60", "-t 119"),
                 {CONFIG: "SUPERSET_WEBSERVER_TIMEOUT = 120\n"}), "fail",
         subject="SUPERSET_WEBSERVER_TIMEOUT",
         message="gunicorn kills a request after 119s, before Superset's own 120s limit",
         location=at(1), tags=("boundary",)),
    Case("SUPERSET-SUPERVISION-001", "unknown",
         changed(TIMEOUT, {CONFIG: "SUPERSET_WEBSERVER_TIMEOUT = "
                                   "int(timedelta(minutes=1).total_seconds())\n"}), "skip",
         subject="SUPERSET_WEBSERVER_TIMEOUT",
         message="SUPERSET_WEBSERVER_TIMEOUT could not be determined: computed by a function "
                 "call"),
]

# --- SUPERSET-MONITORING-002 -----------------------------------------------------------
"""STATS_LOGGER: fail when unset or a DummyStatsLogger (by any dotted name); pass for a
statsd or custom logger."""
METRICS = pip("from superset.stats_logger import StatsdStatsLogger\n"
              'STATS_LOGGER = StatsdStatsLogger(host="127.0.0.1", port=8125)\n')
CASES += [
    Case("SUPERSET-MONITORING-002", "statsd", METRICS, "pass", subject="STATS_LOGGER",
         evidence=("STATS_LOGGER from superset_config.py:2",),
         message="Superset sends metrics (StatsdStatsLogger)", location=at(2)),
    Case("SUPERSET-MONITORING-002", "unset", pip("ROW_LIMIT = 5000\n"), "fail",
         subject="STATS_LOGGER", evidence=("STATS_LOGGER from Superset default",),
         message="STATS_LOGGER is Superset's DummyStatsLogger: no metrics leave the app"),
    Case("SUPERSET-MONITORING-002", "DummyStatsLogger by dotted name",
         changed(METRICS, {CONFIG: "import superset.stats_logger\n"
                                   "STATS_LOGGER = superset.stats_logger.DummyStatsLogger()\n"}),
         "fail", subject="STATS_LOGGER", evidence=("STATS_LOGGER from superset_config.py:2",),
         message="STATS_LOGGER is DummyStatsLogger: no metrics leave the app", location=at(2)),
    Case("SUPERSET-MONITORING-002", "a custom logger",
         changed(METRICS, {CONFIG: "STATS_LOGGER = make_logger\n"}), "pass",
         subject="STATS_LOGGER", message="Superset sends metrics (a custom logger)"),
]

# --- every static check: a superset_config.py from a source that was not audited ------
"""A Deployment that mounts superset_config.py from a ConfigMap not among the audited
objects: any setting may be set there, so every static check skips (none is a known
default, and none passes on what cannot be seen)."""
UNSEEN = {"superset.yaml": """
apiVersion: apps/v1
kind: Deployment
metadata: {name: superset}
spec:
  selector: {matchLabels: {app: superset}}
  template:
    metadata: {labels: {app: superset}}
    spec:
      containers:
      - name: superset
        image: apache/superset:6.0.0
        volumeMounts: [{name: config, mountPath: /app/pythonpath}]
      volumes: [{name: config, configMap: {name: superset-config}}]
"""}
CASES += [
    Case(check, "superset_config.py from a ConfigMap not audited", UNSEEN, "skip",
         subject=f"{K8S}:{subject}", evidence=(f"{setting} from ConfigMap superset-config",),
         message=f"{setting} could not be determined: superset_config.py comes from ConfigMap "
                 "superset-config, which is not among the audited objects"
         if check != "SUPERSET-STORAGE-001" else "metadata database could not be determined: "
         "superset_config.py comes from ConfigMap superset-config")
    for check, subject, setting in (
        ("SUPERSET-APP-SECURITY-001", "SESSION_COOKIE", "SESSION_COOKIE_SECURE"),
        ("SUPERSET-APP-SECURITY-002", "WTF_CSRF_ENABLED", "WTF_CSRF_ENABLED"),
        ("SUPERSET-APP-SECURITY-003", "TALISMAN_ENABLED", "TALISMAN_ENABLED"),
        ("SUPERSET-APP-SECURITY-004", "DEBUG", "DEBUG"),
        ("SUPERSET-APP-SECURITY-005", "PUBLIC_ROLE_LIKE", "PUBLIC_ROLE_LIKE"),
        ("SUPERSET-APP-SECURITY-006", "AUTH_USER_REGISTRATION", "AUTH_USER_REGISTRATION"),
        ("SUPERSET-APP-SECURITY-007", "CORS_OPTIONS", "ENABLE_CORS"),
        ("SUPERSET-APP-SECURITY-008", "RATELIMIT", "AUTH_RATE_LIMITED"),
        ("SUPERSET-APP-SECURITY-009", "FEATURE_FLAGS", "FEATURE_FLAGS"),
        ("SUPERSET-CONFIG-SECRETS-001", "SECRET_KEY", "SECRET_KEY"),
        ("SUPERSET-MONITORING-002", "STATS_LOGGER", "STATS_LOGGER"),
        ("SUPERSET-PROXY-TLS-001", "ENABLE_PROXY_FIX", "ENABLE_PROXY_FIX"),
        ("SUPERSET-SCALABILITY-001", "CACHE_CONFIG", "CACHE_CONFIG"),
        ("SUPERSET-SCALABILITY-002", "RESULTS_BACKEND", "RESULTS_BACKEND"),
        ("SUPERSET-STORAGE-001", "SQLALCHEMY_DATABASE_URI", "SQLALCHEMY_DATABASE_URI"),
        ("SUPERSET-STORAGE-002", "CELERY_CONFIG", "CELERY_CONFIG"),
    )
]

# --- live probes: SUPERSET-MONITORING-001, SUPERSET-APP-SECURITY-010, SUPERSET-PROXY-TLS-002
"""The three checks of ``--probe URL`` judge what a running Superset answers, so their
cases need servers: started once when this module is imported, on loopback ports the
kernel picks, each case naming its behaviour by the URL's first path segment (the probe
asks BASE/health and BASE/login/). Subjects are the probed URLs, so they carry those
ports; everything else is literal.

HTTPS needs a certificate the probe trusts: a CA made here (openssl) is added to
the system bundle in a file that SSL_CERT_FILE names for this test process (the
certificate check uses Python's default context, which reads it; nothing is trusted
less). Plain http://localhost/ (port 80) is expected to be closed, as on a test machine:
a closed port 80 exposes nothing and needs no redirect."""
HEALTH: dict[str, tuple[int, bytes, float]] = {
    # segment -> (status of /health, body, seconds before answering it)
    "ok": (200, b"OK", 0.0),
    "lower": (200, b"ok\n", 0.0),
    "down": (503, b"", 0.0),
    "moved": (302, b"", 0.0),
    "notok": (200, b"FAIL", 0.0),
    "slow": (200, b"OK", 2.3),
    "bad": (400, b"OK", 0.0),
}
BASIC = "Basic dXNlcjpwQHNz"
"""``user:p@ss``: the segment ``auth`` answers /health with 200 only with these
credentials, 401 without (tests/test_mutation_kills_superset.py probes it)."""
CSP = "default-src 'self'"
HEADERS: dict[str, dict[str, str]] = {
    # segment -> headers of /login/
    "ok": {"Content-Security-Policy": CSP, "X-Frame-Options": "SAMEORIGIN",
           "Strict-Transport-Security": "max-age=31536000"},
    "bare": {},
    "csp": {"Content-Security-Policy": CSP},
    "ancestors": {"Content-Security-Policy": CSP + "; frame-ancestors 'self'"},
    "frames": {"X-Frame-Options": "DENY"},
    "nohsts": {"Content-Security-Policy": CSP, "X-Frame-Options": "SAMEORIGIN"},
}


def _handler() -> type:
    import http.server
    import time

    class Superset(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            segment, _, rest = self.path.strip("/").partition("/")
            status, body, delay = HEALTH.get(segment, (200, b"OK", 0.0))
            if segment == "auth" and self.headers.get("Authorization") != BASIC:
                status = 401
            headers = HEADERS.get(segment, {})
            if rest != "health":
                status, body = 200, b"<html>login</html>"
            if rest == "health":
                time.sleep(delay)
            try:
                self.send_response(status)
                for name, value in (headers if rest != "health" else {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except ConnectionError:
                pass  # a probe that timed out has gone: nothing to answer

        def log_message(self, *args: object) -> None:
            pass

    return Superset


def _serve(context: object = None) -> int:
    import http.server
    import ssl
    import threading

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler())
    if isinstance(context, ssl.SSLContext):
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return int(server.server_address[1])


def _tls_servers() -> dict[str, int]:
    """HTTPS servers on localhost, by certificate: 21 days left, 20 days left, and one
    issued for another host name; their CA (made with openssl) is trusted through
    SSL_CERT_FILE. Without openssl, none: the cases that need them skip (Case.needs)."""
    import shutil

    if shutil.which("openssl") is None:
        return {}
    import os
    import ssl
    import subprocess
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp(prefix="superset-conditions-"))

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", *args], cwd=folder,
                       check=True, capture_output=True)

    openssl("-keyout", "ca.key", "-out", "ca.pem", "-days", "90", "-subj",
            "/CN=conditions test CA")
    system = os.environ.get("SSL_CERT_FILE") or ssl.get_default_verify_paths().cafile
    bundle = folder / "bundle.pem"
    bundle.write_bytes((Path(system).read_bytes() if system and Path(system).is_file()
                        else b"") + (folder / "ca.pem").read_bytes())
    os.environ["SSL_CERT_FILE"] = str(bundle)
    ports = {}
    # openssl counts -days from now: a few seconds later 22 days are 21 whole days left.
    for name, host, days in (("long", "localhost", "22"), ("short", "localhost", "21"),
                             ("elsewhere", "other.example", "60")):
        openssl("-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", days, "-subj",
                f"/CN={host}", "-addext", f"subjectAltName=DNS:{host}", "-CA", "ca.pem",
                "-CAkey", "ca.key")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(folder / f"{name}.pem", folder / f"{name}.key")
        ports[name] = _serve(context)
    return ports


PORT = _serve()
TLS = _tls_servers()
CLOSED = "http://127.0.0.1:1"
"""Port 1 on loopback: nothing listens there, the connection is refused."""
LIVE_TREE = pip("ROW_LIMIT = 5000\n")


def probe(url: str) -> tuple[str, ...]:
    return ("--probe", url)


def http(segment: str) -> str:
    return f"http://127.0.0.1:{PORT}/{segment}"


def https(server: str, segment: str = "ok") -> str:
    return f"https://localhost:{TLS.get(server, 1)}/{segment}"


CASES += [
    Case("SUPERSET-MONITORING-001", "200 OK", LIVE_TREE, "pass", subject=http("ok") + "/health",
         evidence=(f"GET {http('ok')}/health -> 200 in 0.",), message="/health answers OK",
         args=probe(http("ok"))),
    Case("SUPERSET-MONITORING-001", "200 ok in lower case", LIVE_TREE, "pass",
         subject=http("lower") + "/health", message="/health answers OK",
         args=probe(http("lower"))),
    Case("SUPERSET-MONITORING-001", "503", LIVE_TREE, "fail", subject=http("down") + "/health",
         evidence=(f"GET {http('down')}/health -> 503 in ",),
         message="/health does not answer OK (503)", args=probe(http("down"))),
    Case("SUPERSET-MONITORING-001", "302", LIVE_TREE, "fail", subject=http("moved") + "/health",
         message="/health does not answer OK (302)", args=probe(http("moved"))),
    Case("SUPERSET-MONITORING-001", "200 without OK", LIVE_TREE, "fail",
         subject=http("notok") + "/health", message="/health answers 200 without OK",
         args=probe(http("notok"))),
    Case("SUPERSET-MONITORING-001", "OK after 2.3 s", LIVE_TREE, "warn",
         subject=http("slow") + "/health", evidence=(f"GET {http('slow')}/health -> 200 in 2.",),
         message="/health took 2.", args=probe(http("slow"))),
    Case("SUPERSET-MONITORING-001", "connection refused", LIVE_TREE, "fail",
         subject=CLOSED + "/health", evidence=(f"GET {CLOSED}/health -> cannot connect: ",),
         message="/health does not answer OK (cannot connect: ", args=probe(CLOSED)),
    Case("SUPERSET-APP-SECURITY-010", "CSP and frame options over HTTP", LIVE_TREE, "pass",
         subject=http("ok") + "/login/",
         evidence=(f"GET {http('ok')}/login/ -> 200",
                   "present: Content-Security-Policy, X-Frame-Options"),
         message="security headers are sent", args=probe(http("ok"))),
    Case("SUPERSET-APP-SECURITY-010", "none", LIVE_TREE, "fail", subject=http("bare") + "/login/",
         evidence=("present: none",), message="no security header is sent",
         args=probe(http("bare"))),
    Case("SUPERSET-APP-SECURITY-010", "CSP alone", LIVE_TREE, "warn",
         subject=http("csp") + "/login/", evidence=("present: Content-Security-Policy",),
         message="missing X-Frame-Options", args=probe(http("csp"))),
    Case("SUPERSET-APP-SECURITY-010", "CSP frame-ancestors instead of X-Frame-Options",
         LIVE_TREE, "pass", subject=http("ancestors") + "/login/",
         message="security headers are sent", args=probe(http("ancestors"))),
    Case("SUPERSET-APP-SECURITY-010", "X-Frame-Options alone", LIVE_TREE, "warn",
         subject=http("frames") + "/login/", evidence=("present: X-Frame-Options",),
         message="missing Content-Security-Policy", args=probe(http("frames"))),
    Case("SUPERSET-APP-SECURITY-010", "no answer", LIVE_TREE, "skip", subject=CLOSED + "/login/",
         message="the login page did not answer (cannot connect: ", args=probe(CLOSED)),
    Case("SUPERSET-PROXY-TLS-002", "plain HTTP", LIVE_TREE, "fail", subject=http("ok"),
         evidence=(f"probed {http('ok')}",), message="Superset is served over plain HTTP",
         args=probe(http("ok"))),
    Case("SUPERSET-PROXY-TLS-002", "21 days left, port 80 closed", LIVE_TREE, "pass",
         subject=https("long"),
         evidence=("certificate for localhost: valid until ", "(21 days)",
                   "GET http://localhost/ok -> cannot connect: "),
         message="valid HTTPS, and HTTP redirects to it", args=probe(https("long")),
         tags=("boundary",)),
    Case("SUPERSET-PROXY-TLS-002", "20 days left", LIVE_TREE, "fail", subject=https("short"),
         evidence=("(20 days)",), message="the certificate expires in 20 days",
         args=probe(https("short")), tags=("boundary",)),
    Case("SUPERSET-PROXY-TLS-002", "issued for another host", LIVE_TREE, "fail",
         subject=https("elsewhere"), evidence=("certificate for localhost: not trusted (",),
         message="the certificate is not valid for this host", args=probe(https("elsewhere"))),
    Case("SUPERSET-PROXY-TLS-002", "nothing listens", LIVE_TREE, "fail",
         subject="https://127.0.0.1:1/ok", evidence=("certificate for 127.0.0.1: not trusted (",),
         message="the certificate is not valid for this host",
         args=probe("https://127.0.0.1:1/ok")),
]

# The HTTPS cases talk to the servers made with openssl above: they need it.
CASES = [dataclasses.replace(c, needs=("openssl",))
         if (c.subject or "").startswith("https://localhost:") else c for c in CASES]

# Superset imports superset_config.py and stops on a NameError (SUPERSET-CONFIG-SECRETS-004):
# a case about a setting "defined outside the file" imports the name, on the file's first
# line so that no line moves.
CASES = import_first(CASES, {
    "SUPERSET-APP-SECURITY-001:skip:Secure unknown": "from elsewhere import cookie_flag",
    "SUPERSET-APP-SECURITY-001:skip:HttpOnly unknown": "from elsewhere import flag",
    "SUPERSET-APP-SECURITY-002:skip:unknown": "from elsewhere import csrf_on",
    "SUPERSET-APP-SECURITY-003:skip:unknown": "from elsewhere import on",
    "SUPERSET-APP-SECURITY-004:skip:unknown": "from elsewhere import dbg",
    "SUPERSET-APP-SECURITY-005:skip:unknown": "from elsewhere import ROLE",
    "SUPERSET-APP-SECURITY-005:skip:AUTH_ROLE_PUBLIC unknown": "from elsewhere import ROLE",
    "SUPERSET-APP-SECURITY-006:skip:AUTH_TYPE unknown": "from elsewhere import LOGIN",
    "SUPERSET-APP-SECURITY-006:skip:registration unknown": "from elsewhere import signup",
    "SUPERSET-APP-SECURITY-006:skip:role unknown": "from elsewhere import ROLE",
    "SUPERSET-APP-SECURITY-011:skip:registration unknown": "from elsewhere import SIGNUP",
    "SUPERSET-APP-SECURITY-011:skip:role unknown": "from elsewhere import ROLE",
    "SUPERSET-APP-SECURITY-007:skip:ENABLE_CORS unknown": "from elsewhere import cors",
    "SUPERSET-APP-SECURITY-007:skip:CORS_OPTIONS unknown": "from elsewhere import options",
    "SUPERSET-APP-SECURITY-007:warn:any origin, credentials unknown":
        "from elsewhere import creds",
    "SUPERSET-APP-SECURITY-008:skip:RATELIMIT_ENABLED unknown": "from elsewhere import limits",
    "SUPERSET-APP-SECURITY-008:skip:AUTH_RATE_LIMITED unknown": "from elsewhere import LIMITED",
    "SUPERSET-APP-SECURITY-009:skip:unknown": "from elsewhere import flags",
    "SUPERSET-APP-SECURITY-009:skip:a risky flag's value unknown": "from elsewhere import js",
    "SUPERSET-APP-SECURITY-009:pass:a harmless flag's value unknown":
        "from elsewhere import alerts",
    "SUPERSET-SCALABILITY-001:skip:cache unknown": "from elsewhere import cache_config",
    "SUPERSET-SCALABILITY-002:fail:NullCache":
        "from flask_caching.backends.nullcache import NullCache",
    "SUPERSET-SCALABILITY-002:fail:SimpleCache by dotted name": "import flask_caching.backends",
    "SUPERSET-SCALABILITY-002:pass:FileSystemCache on one host":
        "from flask_caching.backends.filesystemcache import FileSystemCache",
    "SUPERSET-SCALABILITY-002:pass:S3": "from s3cache.s3cache import S3Cache",
    "SUPERSET-SCALABILITY-002:warn:compose: FileSystemCache not shared":
        "from flask_caching.backends.filesystemcache import FileSystemCache",
    "SUPERSET-SCALABILITY-002:pass:compose: FileSystemCache on a shared volume":
        "from flask_caching.backends.filesystemcache import FileSystemCache",
    "SUPERSET-STORAGE-002:skip:unknown": "from elsewhere import make_celery",
    "SUPERSET-CONFIG-SECRETS-002:skip:unknown": "import os",
    "SUPERSET-CONFIG-SECRETS-002:skip:feature unknown": "from elsewhere import flags",
    "SUPERSET-CONFIG-SECRETS-003:skip:unknown": "import os",
    "SUPERSET-CONFIG-SECRETS-003:skip:feature unknown": "from elsewhere import flags",
    "SUPERSET-PROXY-TLS-001:skip:unknown": "from elsewhere import proxied",
    "SUPERSET-SUPERVISION-001:skip:unknown": "from datetime import timedelta",
    "SUPERSET-MONITORING-002:pass:a custom logger": "from elsewhere import make_logger",
})

"""Secrets masked by structure, not by name (issue 14, item 3).

The attacks of the issue, and variants: values whose names carry no "password/secret/token"
(``-e DB_CONN=X``), credentials in option arguments (``curl -u admin:X``, ``--db-pass X``,
``Authorization: Bearer X``, mysql's ``-pX``, redis-cli's ``-a X``), every kind of URL user
information (``proxy_pass http://user:X@...``, a raw ``@`` in the password, a broker URL
without ``//``, a token as the user), and query values (``--pushgateway ...?token=X``).

Three levels: the masking module itself; the runner's pass over every message, evidence
line and problem (a plugin check quotes the attacks verbatim, the report is rendered in every
registered format); and stderr of the real CLI.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from markerplugin import MARKER, MarkerPlugin, make_check
from reportdata import render

from auditor.api import audit_targets, open_session
from auditor.checks.common.redact import mask_text, redact
from auditor.config import Config
from auditor.model import Result, Status
from auditor.targets import parse_targets

REPO = Path(__file__).resolve().parent.parent

HOSTILE = [
    # (text quoted by a finding, the secret in it, what must stay shown)
    ("gunicorn -e DB_CONN=Zq7hostileA app", "Zq7hostileA", "DB_CONN="),
    ("gunicorn -e DB_PASS=Zq7hostileB app", "Zq7hostileB", "DB_PASS="),
    ("gunicorn --env REDIS_AUTH=Zq7hostileC app", "Zq7hostileC", "REDIS_AUTH="),
    ("gunicorn -e conn=Zq7hostileD app", "Zq7hostileD", "conn="),
    ("superset-init --db-pass Zq7hostileE --db-host db", "Zq7hostileE", "--db-host db"),
    ("superset-init --db-pass=Zq7hostileF", "Zq7hostileF", "--db-pass="),
    ("curl -fsS -u admin:Zq7hostileG http://localhost:8088/health", "Zq7hostileG", "admin:"),
    ("curl -uadmin:Zq7hostileH http://localhost/", "Zq7hostileH", "-uadmin:"),
    ("curl --user=admin:Zq7hostileI http://x/", "Zq7hostileI", "--user=admin:"),
    ("curl -H 'Authorization: Bearer Zq7hostileJ' http://x/", "Zq7hostileJ", "Bearer"),
    ("curl -H 'X-Api-Key: Zq7hostileK' http://x/", "Zq7hostileK", "X-Api-Key:"),
    ("proxy_pass http://admin:Zq7hostileL@backend:8088;", "Zq7hostileL", "@backend:8088"),
    ("SQLALCHEMY_DATABASE_URI=postgresql://su:Zq7@host@db:5432/x", "Zq7@host", "@db:5432"),
    ("CELERY_BROKER_URL=redis:Zq7hostileM@redis:6379/0", "Zq7hostileM", "@redis:6379/0"),
    ("--broker amqp:guest:Zq7hostileN@rabbit//", "Zq7hostileN", "@rabbit"),
    ("git clone https://Zq7hostileO@github.com/org/repo.git", "Zq7hostileO", "github.com"),
    ("--pushgateway http://gw:9091/?token=Zq7hostileP&job=a", "Zq7hostileP", "&job=a"),
    ("https://bucket.s3/x?X-Amz-Signature=Zq7hostileQ", "Zq7hostileQ", "X-Amz-Signature="),
    ("mysql -u root -pZq7hostileR superset", "Zq7hostileR", "-u root"),
    ("redis-cli -a Zq7hostileS ping", "Zq7hostileS", "ping"),
    ('environment: ["DB_CONN=Zq7hostileT"]', "Zq7hostileT", '"]'),
    ("Environment=DATA_KEY=Zq7hostileU (/etc/systemd/system/s.service:9)", "Zq7hostileU",
     "(/etc/systemd/system/s.service:9)"),
    ("export SMTP_CONN=Zq7hostileV", "Zq7hostileV", "export SMTP_CONN="),
    ("host=db password=Zq7hostileW user=superset", "Zq7hostileW", "user=superset"),
]
"""Each one an attack the keyword masking of before let through, or a variant of one."""

SHOWN = [
    # Evidence that is not a secret stays as it is: masking it would hide the verdict.
    "gunicorn -w 4 -b 0.0.0.0:8088 --timeout 120 superset.app:create_app()",
    "Environment=FLASK_DEBUG=1 SUPERSET_ENV=production LOG_LEVEL=info",
    "SUPERSET_LOAD_EXAMPLES=yes SUPERSET_PORT=8088 REDIS_HOST=redis LANG=C.UTF-8",
    "SUPERSET_CONFIG_PATH=/app/pythonpath/superset_config.py AUTH_TYPE=AUTH_DB",
    "-e WORKERS=8 -e BIND=127.0.0.1:8088 -e SOCK=unix:/run/superset.sock",
    "docker run -u 1000:1000 apache/superset:4.1.1@sha256:0123abcd",
    "proxy_pass http://superset:8088; proxy_read_timeout 90s;",
    "postgresql://superset@db:5432/superset and redis://redis:6379/0",
    "DATABASE_URL=${DATABASE_URL} TZ=Europe/Berlin",
    "the token is read from a file; the password of the admin is rotated",
]


@pytest.mark.parametrize(("text", "secret", "kept"), HOSTILE, ids=lambda v: str(v)[:40])
def test_each_attack_is_masked_in_commands_and_in_text(text: str, secret: str,
                                                       kept: str) -> None:
    for masked in (redact(text), mask_text(text)):
        assert secret not in masked, masked
        assert "***" in masked and kept in masked, masked


@pytest.mark.parametrize("text", SHOWN)
def test_what_is_known_harmless_stays_shown(text: str) -> None:
    assert mask_text(text) == text


def test_spacing_and_lines_of_free_text_are_kept() -> None:
    text = "line one:\n  -e DB_CONN=Zq7x\n\tend"
    assert mask_text(text) == "line one:\n  -e DB_CONN=***\n\tend"


# -- the runner's pass: every message, evidence line and problem, every format ------------


def _quoting_check() -> MarkerPlugin:
    """A plugin whose check quotes every attack verbatim, as a careless third-party check
    would: the runner's pass is what stands between it and the reports."""
    texts = [text for text, _, _ in HOSTILE]
    result = Result("quoted/commands", Status.FAIL, message=texts[0], evidence=tuple(texts))
    check = make_check("TEST-QUOTES-001", lambda facts: [result])
    return MarkerPlugin(check, name="quoting-plugin",
                        problems={"probe": "cannot reach http://u:Zq7problemX@db:5432/"})


def test_no_attack_reaches_any_format(tmp_path: Path) -> None:
    (tmp_path / MARKER).write_text("")
    session = open_session(autoload=False, extra=[_quoting_check()])
    report = audit_targets(parse_targets([str(tmp_path)]), config=Config(), session=session)
    finding = next(f for t in report.targets for f in t.findings
                   if f.check_id == "TEST-QUOTES-001")
    # The quotes arrive (the test is not vacuous): each attack's visible part is there.
    assert len(finding.evidence) == len(HOSTILE)
    for line, (_, _, kept) in zip(finding.evidence, HOSTILE, strict=True):
        assert kept in line
    assert any("@db:5432" in p for t in report.targets for p in t.problems)
    formats = sorted(session.registry.renderers)
    assert {"json", "sarif", "html", "markdown"} <= set(formats)
    for fmt in formats:
        text = render(report, fmt)
        leaked = [secret for _, secret, _ in HOSTILE if secret in text]
        assert not leaked and "Zq7problemX" not in text, (fmt, leaked)


# -- stderr of the real CLI ---------------------------------------------------------------


def test_the_pushgateway_token_is_not_on_stderr(tmp_path: Path) -> None:
    """The issue's attack: ``--pushgateway ...?token=X`` failing (a closed port) printed the
    whole URL on stderr, which CI logs keep."""
    out = tmp_path / "report.json"
    done = subprocess.run(
        [sys.executable, "-m", "auditor", "scan", str(REPO / "examples" / "pip-dev"),
         "--format", "json", "--output", str(out),
         "--pushgateway", "http://127.0.0.1:9/?token=Zq7stderrY&x=1"],
        capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path)
    assert "pushgateway" in done.stderr and "127.0.0.1:9" in done.stderr, done.stderr
    assert "Zq7stderrY" not in done.stderr + done.stdout
    assert "Zq7stderrY" not in out.read_text()

"""No secret value reaches any report format, the terminal, the run log or standard error.

The fixtures under ``tests/fixtures/security/*-secrets`` plant a distinctive value in every
place a secret lives, per style: superset_config.py settings, .env and EnvironmentFile=
files, systemd Environment= and ExecStart arguments, Compose environment, env files, health
checks and commands, Kubernetes Secrets (data and stringData), ConfigMaps, pod env values,
arguments and annotations, Helm values (in the chart, in -f files and --set), crontab lines
with passwords in URLs, nginx basic-auth headers, PostgreSQL, Redis and pgBackRest
settings, supervisor environments, and the secrets given on the command line (--pg-dsn,
--probe URL). Every planted value holds ``plntd``: no output may hold it in any spelling
(escaping keeps letters) nor any of its base64 encodings.
"""

from __future__ import annotations

import base64
import contextlib
import html
import json
import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from conftest import assert_valid_report
from helmbin import path_with_helm
from reportdata import session

from auditor.checks.common.redact import redact, redact_url, redact_words
from auditor.cli import main

SECURITY = Path(__file__).parent / "fixtures" / "security"
FORMATS = sorted(session().registry.renderers)
MARKER = re.compile(r"plntd", re.IGNORECASE)
PLANTED_TOKEN = re.compile(r"plntd[A-Za-z0-9]+")
SPECIAL = (
    'plntdPipSmtp6Gb "quoted" back\\slash \u00e94Mz',  # pip-secrets SMTP_PASSWORD (Python escapes)
    "plntdPipDbPass5Tw/q@Xz",  # pip-secrets database password, percent-encoded in the URI
)
CLI_SECRETS = {
    "pg_dsn": "plntdCliPgDsn3Bb6Cc9Dd2Ee5Ff8Gg",
    "probe": "plntdCliProbe7Hh0Ii3Jj6Kk9Ll2Mm",
    "helm_set": "plntdCliHelmSet1Nn4Oo7Pp0Qq3Rr6Ss",
}
"""Secrets given on the command line rather than in the audited files."""


def _decoded_base64(text: str) -> Iterable[str]:
    for word in re.findall(r"[A-Za-z0-9+/]{16,}={0,2}", text):
        with contextlib.suppress(ValueError):
            decoded = base64.b64decode(word + "=" * (-len(word) % 4))
            yield decoded.decode("utf-8", "replace")


def planted() -> list[str]:
    """Every planted value: in the fixture files, base64-encoded in them, and given on the
    command line."""
    found: set[str] = set(SPECIAL) | set(CLI_SECRETS.values())
    for path in SECURITY.rglob("*"):
        if path.is_file() and not path.is_symlink():
            text = path.read_text(encoding="utf-8")
            for source in (text, *_decoded_base64(text)):
                found.update(PLANTED_TOKEN.findall(source))
    return sorted(found)


def encodings(secret: str) -> set[str]:
    """Spellings a report could carry a value in. Any that keeps the letters (JSON, HTML,
    XML, URL or Markdown escaping) is caught by MARKER; base64 is looked for at each of its
    three alignments (the value inside a longer encoded string, as in a basic-auth header)."""
    forms = {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1],
             json.dumps(secret, ensure_ascii=False)[1:-1], html.escape(secret)}
    raw = secret.encode()
    for shift in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            encoded = encode(b"\0" * shift + raw).decode().rstrip("=")
            forms.add(encoded[4 if shift else 0 : -4])  # away from the edges of the value
    return {f for f in forms if len(f) >= 8}


PLANTED = planted()
NEEDLES = {form: secret for secret in PLANTED for form in encodings(secret)}


def leaks(text: str) -> list[str]:
    """What of the planted secrets ``text`` shows (empty when nothing)."""
    found = sorted({m.group(0) for m in re.finditer(r"(?i)plntd\w{0,40}", text)})
    found += sorted({f"{NEEDLES[form]} as {form!r}" for form in NEEDLES if form in text})
    return found


def assert_no_secret(outputs: dict[str, str]) -> None:
    shown = {name: leaks(text) for name, text in outputs.items()}
    assert not any(shown.values()), "secrets shown: " + "; ".join(
        f"{name}: {', '.join(found)}" for name, found in shown.items() if found)


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def every_output(tmp_path: Path, args: list[str],
                 capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    """Run ``auditor scan ARGS`` with every registered format, the terminal report on
    stdout, --debug, -v and --log; return each output by name."""
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    argv = ["scan", *args, "--debug", "-v", "--log", str(out / "run.log")]
    for fmt in FORMATS:
        argv += ["--report", f"{fmt}={out / fmt}"]
    code, stdout, stderr = run_cli(argv, capsys)
    assert code == 0, stderr
    outputs = {"stdout": stdout, "stderr": stderr, "log": (out / "run.log").read_text()}
    outputs |= {fmt: (out / fmt).read_text(encoding="utf-8") for fmt in FORMATS}
    assert_valid_report(json.loads(outputs["json"]))
    return outputs


def test_the_corpus_plants_secrets_in_every_style_and_place() -> None:
    # The planted values are found (also those only base64-encoded in a Secret or a header).
    assert len(PLANTED) >= 100
    for prefix in ("plntdPip", "plntdSys", "plntdCmp", "plntdK8s", "plntdChart", "plntdCli"):
        assert sum(s.startswith(prefix) for s in PLANTED) >= 3, prefix
    for needed in ("plntdK8sDataKey1Aa4Bb7Cc0Dd3Ee6Ff9Gg", "plntdPipNginxBasic9Ws2Ed5Rf8Tg1Yh4Uj",
                   "plntdK8sLastApplied3Cc6Dd9Ee2Ff5Gg8Hh"):
        assert needed in PLANTED


def test_leaks_finds_every_spelling() -> None:
    secret = SPECIAL[0]
    for form in (secret, json.dumps(secret), html.escape(secret), quote(secret),
                 base64.b64encode(f"admin:{secret}".encode()).decode(),
                 base64.b64encode(f"ab{secret}".encode()).decode()):
        assert leaks(f"<p>{form}</p>"), form
    assert leaks("PLNTD") and not leaks("a plain report: SECRET_KEY is 36 characters long")


CASES = {
    "pip": [str(SECURITY / "pip-secrets"), "--probe",
            f"http://probe:{CLI_SECRETS['probe']}@127.0.0.1:1/", "--timeout", "2"],
    "systemd": ["--root", str(SECURITY / "systemd-secrets"), "--connect-db", "--timeout", "2"],
    "systemd-pg-dsn": ["--root", str(SECURITY / "systemd-secrets"), "--pg-dsn",
                       f"postgresql://auditor:{CLI_SECRETS['pg_dsn']}@[::1/postgres"],
    "compose": [str(SECURITY / "compose-secrets")],
    "kubernetes": [str(SECURITY / "kubernetes-secrets")],
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_no_output_shows_a_planted_secret(case: str, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    outputs = every_output(tmp_path, CASES[case], capsys)
    assert_no_secret(outputs)
    report = json.loads(outputs["json"])
    # The secrets were read and judged, not skipped: the settings that hold them are named.
    assert any(f["check_id"].endswith("CONFIG-SECRETS-001") and f["status"] != "skip"
               for t in report["targets"] for f in t["findings"]), case
    subjects = {f["subject"] for t in report["targets"] for f in t["findings"]}
    problems = [p for t in report["targets"] for p in t["problems"]]
    if case == "pip":  # the probe URL is shown without its credentials
        assert "http://127.0.0.1:1/health" in subjects
    if case.startswith("systemd"):  # the database was tried, and its failure named
        assert any(p.startswith("systemd.pglive: live PostgreSQL not read") for p in problems)


def test_helm_values_secrets_never_shown(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", path_with_helm())
    outputs = every_output(tmp_path, [
        str(SECURITY / "chart-secrets"), "-f", str(SECURITY / "chart-values.yaml"),
        "--set", f"adminPassword={CLI_SECRETS['helm_set']}"], capsys)
    assert_no_secret(outputs)
    report = json.loads(outputs["json"])
    assert not report["targets"][0]["problems"], "the chart was rendered"


def test_probe_sends_url_credentials_as_basic_auth() -> None:
    # Shown without the password, still used: the credentials go in the Authorization header.
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.headers.get("Authorization", ""))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"OK")

        def log_message(self, format: str, *args: object) -> None:
            pass

    from auditor.checks.superset.probe import probe

    with ThreadingHTTPServer(("127.0.0.1", 0), Handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.server_address[1]
        facts = probe(f"http://user:p%40ss@127.0.0.1:{port}/", timeout=5)
        server.shutdown()
    assert facts.base == f"http://127.0.0.1:{port}" and facts.health.status == 200
    assert f"http://127.0.0.1:{port}/health" == facts.health.url
    assert seen and all(h == "Basic " + base64.b64encode(b"user:p@ss").decode() for h in seen)


def test_libpq_errors_quoting_the_dsn_are_scrubbed() -> None:
    from auditor.checks.systemd.pglive import PgLiveError, read_live

    with pytest.raises(PgLiveError) as caught:
        read_live("postgresql://u:plntdScrub1@[::1/db", timeout=1)
    assert "plntd" not in str(caught.value) and "the given DSN" in str(caught.value)


@pytest.mark.parametrize(("shown", "expected"), [
    ("gunicorn -e DATABASE_URL=postgresql://app:Qv9@db/x app",
     "DATABASE_URL=postgresql://app:***@db/x"),
    ("curl -f https://probe:Qv9@localhost/health", "https://probe:***@localhost/health"),
    ("celery --broker=redis://:Qv9@redis:6379/0 worker", "--broker=redis://:***@redis:6379/0"),
    ("superset fab create-admin --password=Qv9", "--password=***"),
    ("superset fab create-admin --password Qv9 --email a", "--password *** --email a"),
    ("gunicorn --api-key Qv9 app", "--api-key *** app"),
    ("SMTP_PASSWORD=Qv9 MAPBOX_API_KEY=Qv9 run", "SMTP_PASSWORD=*** MAPBOX_API_KEY=*** run"),
])
def test_redact_masks_values_and_keeps_the_rest(shown: str, expected: str) -> None:
    assert expected in redact(shown) and "Qv9" not in redact(shown)
    assert redact_words(shown.split()) == redact(shown).split()


def test_redact_url_keeps_urls_without_passwords() -> None:
    assert redact_url("http://127.0.0.1:8088/health") == "http://127.0.0.1:8088/health"
    assert redact_url("see https://a:b@h and ftp://c:d@e") == "see https://a:***@h and ftp://c:***@e"

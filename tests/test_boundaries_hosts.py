"""Host verdicts at their edges (issue 13): nginx TLS protocols one by one, and masking.

Each nginx fixture is one minimal host tree (a gunicorn unit on loopback behind one
TLS server) that differs from the passing one in ``ssl_protocols`` alone. Expected
statuses, subjects and evidence are literals.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import scan_report, write_tree

from auditor.checks.common.redact import redact, redact_url, redact_words

UNIT = """
    [Service]
    User=superset
    ExecStart=/opt/ss/venv/bin/gunicorn -w 4 --bind 127.0.0.1:8088 "superset.app:create_app()"
    Restart=on-failure

    [Install]
    WantedBy=multi-user.target
"""


def _nginx(http_line: str, server_line: str = "") -> str:
    # line 1 events, 2 http {, 3 the http-level line, 4 server {, 5 listen, 6 server-level line
    return (f"events {{}}\nhttp {{\n    {http_line}\n    server {{\n        listen 443 ssl;\n"
            f"        {server_line}\n        ssl_certificate /etc/ssl/s.pem;\n"
            "        location / { proxy_pass http://127.0.0.1:8088; }\n    }\n}\n")


def _protocols_finding(tmp_path: Path, conf: str) -> dict[str, Any]:
    root = write_tree(tmp_path / "host", {"etc/systemd/system/superset.service": UNIT})
    (root / "etc/nginx").mkdir(parents=True)
    (root / "etc/nginx/nginx.conf").write_text(conf)
    report = scan_report(tmp_path, str(root), "--style", "systemd")
    tls = [f for t in report["targets"] for f in t["findings"]
           if f["check_id"] == "SYSTEMD-PROXY-TLS-001"]
    assert [f["status"] for f in tls] == ["pass"]  # the same TLS server every time
    (finding,) = [f for t in report["targets"] for f in t["findings"]
                  if f["check_id"] == "SYSTEMD-PROXY-TLS-002"]
    assert finding["severity"] == "medium"
    return finding


@pytest.mark.parametrize(("protocols", "status", "named"), [
    ("SSLv2", "fail", "SSLv2 enabled"),
    ("SSLv3", "fail", "SSLv3 enabled"),
    ("TLSv1", "fail", "TLSv1 enabled"),
    ("TLSv1.1", "fail", "TLSv1.1 enabled"),
    ("TLSv1.2", "pass", "TLS 1.2/1.3 only"),
    ("TLSv1.3", "pass", "TLS 1.2/1.3 only"),
    ("TLSv1.2 TLSv1.3", "pass", "TLS 1.2/1.3 only"),
    ("TLSv1 TLSv1.2 TLSv1.3", "fail", "TLSv1 enabled"),
    ("TLSv1.1 TLSv1.2", "fail", "TLSv1.1 enabled"),
])
def test_each_protocol_alone(tmp_path: Path, protocols: str, status: str, named: str) -> None:
    finding = _protocols_finding(tmp_path, _nginx(f"ssl_protocols {protocols};"))
    assert finding["status"] == status
    assert finding["subject"] == "nginx default:443"
    assert finding["message"].startswith(named)
    assert finding["evidence"] == [f"/etc/nginx/nginx.conf:3: ssl_protocols {protocols}"]
    assert finding["location"] == {"path": "etc/nginx/nginx.conf", "line": 3}


def test_unset_ssl_protocols_warns(tmp_path: Path) -> None:
    finding = _protocols_finding(tmp_path, _nginx("ssl_session_cache shared:SSL:10m;"))
    assert finding["status"] == "warn"
    assert finding["subject"] == "nginx default:443"
    assert finding["message"].startswith("ssl_protocols is not set")
    assert finding["evidence"] == [
        "ssl_protocols unset (default TLSv1 TLSv1.1 TLSv1.2 TLSv1.3)"]


@pytest.mark.parametrize(("http", "server", "status", "line"), [
    ("ssl_protocols TLSv1 TLSv1.2;", "ssl_protocols TLSv1.2 TLSv1.3;", "pass", 6),
    ("ssl_protocols TLSv1.2 TLSv1.3;", "ssl_protocols TLSv1.1 TLSv1.2;", "fail", 6),
    ("ssl_session_cache shared:SSL:10m;", "ssl_protocols TLSv1;", "fail", 6),
])
def test_the_server_level_setting_wins(tmp_path: Path, http: str, server: str, status: str,
                                       line: int) -> None:
    finding = _protocols_finding(tmp_path, _nginx(http, server))
    assert finding["status"] == status
    assert finding["evidence"] == [
        f"/etc/nginx/nginx.conf:{line}: {server.rstrip(';')}"]


# --- masking (checks/common/redact.py) --------------------------------------------------

WORDS = ["pwd", "passwd", "passphrase", "credential", "password", "secret", "token",
         "api_key", "api-key", "apikey", "access_key", "PASSWORD", "Pwd"]
PLANTED = "Xq7-planted-VALUE-9z"


@pytest.mark.parametrize("word", WORDS)
def test_option_argument_is_masked(word: str) -> None:
    shown = redact(f"/usr/bin/tool --host db.internal --{word} {PLANTED} --port 5432")
    assert shown == f"/usr/bin/tool --host db.internal --{word} *** --port 5432"


@pytest.mark.parametrize("word", WORDS)
def test_option_with_equals_is_masked(word: str) -> None:
    shown = redact(f"/usr/bin/tool --{word}={PLANTED} --verbose")
    assert shown == f"/usr/bin/tool --{word}=*** --verbose"


@pytest.mark.parametrize("word", WORDS)
def test_env_assignment_is_masked(word: str) -> None:
    name = f"DB_{word.upper().replace('-', '_')}"
    shown = redact(f"env LANG=C {name}={PLANTED} gunicorn app")
    assert shown == f"env LANG=C {name}=*** gunicorn app"


@pytest.mark.parametrize("url", [
    "postgresql://superset:{v}@db.internal:5432/superset",
    "postgresql+psycopg2://superset:{v}@10.0.0.5/superset",
    "redis://:{v}@cache:6379/0",
    "https://deploy:{v}@git.example.com/repo.git",
])
def test_url_userinfo_password_is_masked(url: str) -> None:
    shown = redact(f"--uri {url.format(v=PLANTED)} --workers 4")
    assert PLANTED not in shown
    assert shown == f"--uri {url.format(v='***')} --workers 4"
    assert redact_url(url.format(v=PLANTED)) == url.format(v="***")


def test_url_without_password_and_plain_words_stay() -> None:
    text = "gunicorn --bind 127.0.0.1:8088 --workers 4 postgresql://superset@db/superset"
    assert redact(text) == text
    assert redact_words(["--user", "superset", "--path", "/etc/secret/dir"]) == [
        "--user", "superset", "--path", "/etc/secret/dir"]


@pytest.mark.parametrize("word", ["pwd", "passwd", "passphrase", "credential"])
def test_masking_in_a_report(tmp_path: Path, word: str) -> None:
    unit = UNIT.replace('"superset.app', f'--{word} {PLANTED} "superset.app')
    root = write_tree(tmp_path / "host", {"etc/systemd/system/superset.service": unit})
    report = scan_report(tmp_path, str(root), "--style", "systemd")
    text = json.dumps(report)
    assert PLANTED not in text
    assert f"--{word} ***" in text

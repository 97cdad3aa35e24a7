"""Live probes (--probe URL) against real HTTP and HTTPS servers on loopback."""

from __future__ import annotations

import http.server
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import scan_report
from needs import require_tool

PIP = Path(__file__).parent / "fixtures" / "pip" / "pass-hardened"
HEADERS = {"Content-Security-Policy": "default-src 'self'; frame-ancestors 'self'",
           "X-Frame-Options": "SAMEORIGIN",
           "Strict-Transport-Security": "max-age=31536000; includeSubDomains"}


def make_handler(headers: dict[str, str]) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"OK" if self.path == "/health" else b"<html>login</html>"
            self.send_response(200)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


def serve(headers: dict[str, str], context: ssl.SSLContext | None = None
          ) -> tuple[http.server.ThreadingHTTPServer, int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(headers))
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, int(server.server_address[1])


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    require_tool("openssl", "apt-get install openssl")
    d = tmp_path_factory.mktemp("pki")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
            "ca.pem", "-days", "30", "-subj", "/CN=auditor test CA", cwd=d)
    (d / "san.ext").write_text("subjectAltName=DNS:localhost\n")
    for name, days in (("long", "400"), ("short", "5")):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out",
                f"{name}.csr", "-subj", "/CN=localhost", cwd=d)
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", f"{name}.pem", "-days", days, "-extfile", "san.ext",
                cwd=d)
    return {"ca": d / "ca.pem", "long": d / "long", "short": d / "short"}


def tls_context(stem: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(f"{stem}.pem", f"{stem}.key")
    return context


@pytest.fixture
def trust(pki: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SSL_CERT_FILE", str(pki["ca"]))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(pki["ca"]))
    yield


def verdicts(report: dict[str, Any]) -> dict[str, str]:
    return {f["check_id"]: f["status"] for t in report["targets"] for f in t["findings"]
            if f["check_id"] in ("SUPERSET-MONITORING-001", "SUPERSET-PROXY-TLS-002",
                                 "SUPERSET-APP-SECURITY-010")}


def test_no_probe_means_not_applicable(tmp_path: Path) -> None:
    assert verdicts(scan_report(tmp_path, str(PIP))) == {}


def test_plain_http_without_headers(tmp_path: Path) -> None:
    server, port = serve({})
    try:
        found = verdicts(scan_report(tmp_path, str(PIP), "--probe", f"http://127.0.0.1:{port}"))
    finally:
        server.shutdown()
    assert found == {"SUPERSET-MONITORING-001": "pass", "SUPERSET-PROXY-TLS-002": "fail",
                     "SUPERSET-APP-SECURITY-010": "fail"}


def test_valid_https_with_headers(pki: dict[str, Path], trust: None, tmp_path: Path) -> None:
    server, port = serve(HEADERS, tls_context(pki["long"]))
    try:
        found = verdicts(scan_report(tmp_path, str(PIP), "--probe", f"https://localhost:{port}"))
    finally:
        server.shutdown()
    assert set(found.values()) == {"pass"} and len(found) == 3


def test_expiring_or_untrusted_certificate_fails(pki: dict[str, Path], tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    server, port = serve(HEADERS, tls_context(pki["short"]))
    try:
        untrusted = verdicts(scan_report(tmp_path, str(PIP), "--probe",
                                         f"https://localhost:{port}"))
        monkeypatch.setenv("SSL_CERT_FILE", str(pki["ca"]))
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(pki["ca"]))
        expiring = scan_report(tmp_path, str(PIP), "--probe", f"https://localhost:{port}")
    finally:
        server.shutdown()
    assert untrusted["SUPERSET-PROXY-TLS-002"] == "fail"
    (tls,) = [f for t in expiring["targets"] for f in t["findings"]
              if f["check_id"] == "SUPERSET-PROXY-TLS-002"]
    assert tls["status"] == "fail" and "expires in" in tls["message"]


def test_refused_connection_is_a_finding_not_a_crash(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    found = verdicts(scan_report(tmp_path, str(PIP), "--probe", f"http://127.0.0.1:{port}",
                                 "--timeout", "2"))
    assert found["SUPERSET-MONITORING-001"] == "fail"
    assert found["SUPERSET-APP-SECURITY-010"] == "skip"


def test_probe_auto_uses_the_url_the_deployment_names(tmp_path: Path) -> None:
    server, port = serve({})
    project = tmp_path / "p"
    shutil.copytree(PIP, project)
    (project / "run.sh").write_text(
        f"#!/bin/sh\nvenv/bin/gunicorn -w 2 -b 127.0.0.1:{port} 'superset.app:create_app()'\n")
    (project / "supervisord.conf").unlink()
    try:
        report = scan_report(tmp_path, str(project), "--probe", "auto")
    finally:
        server.shutdown()
    (health,) = [f for t in report["targets"] for f in t["findings"]
                 if f["check_id"] == "SUPERSET-MONITORING-001"]
    assert health["status"] == "pass" and health["subject"] == f"http://127.0.0.1:{port}/health"


def test_probe_auto_without_a_url_is_a_named_problem(tmp_path: Path) -> None:
    project = tmp_path / "p"
    shutil.copytree(PIP, project)
    for name in ("supervisord.conf",):
        (project / name).unlink()
    report = scan_report(tmp_path, str(project), "--probe", "auto")
    assert any("--probe auto" in p for t in report["targets"] for p in t["problems"])

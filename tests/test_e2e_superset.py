"""End to end: audit a real Apache Superset, once weak and once hardened (issue 5, point 4).

Superset 6.1.0 from PyPI (a cached venv, see tests/e2e/superset_venv.py) runs
on a real PostgreSQL, under gunicorn, behind a real nginx, all on loopback. The
deployment is also laid out as a host tree (systemd unit, EnvironmentFile,
superset_config.py, nginx configuration) and the processes are started from
those same files. ``auditor scan --root TREE --probe URL`` must then give the
verdicts the configuration calls for. Deselect with ``-m 'not e2e'``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest import assert_valid_report
from e2e import deployment as D
from e2e import services as S
from e2e.superset_venv import InstallError, ensure

pytestmark = pytest.mark.e2e

DB_PASSWORD = "e2e-Pw7-superset-Qx3"
STARTUP_S = 240


@pytest.fixture(scope="module")
def superset_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if os.geteuid() != 0:
        pytest.skip("the e2e test starts PostgreSQL as the postgres user, which needs root")
    for name, found in (("initdb", S.pg_binary("initdb")), ("nginx", S.nginx_binary()),
                        ("openssl", shutil.which("openssl"))):
        if not found:
            pytest.skip(f"{name} is not installed (see .ci/run)")
    try:
        return ensure(tmp_path_factory.mktemp("pip") / "pip.log")
    except InstallError as exc:
        if exc.offline:
            pytest.skip(f"PyPI is unreachable, Superset cannot be installed: {exc}")
        raise


@pytest.fixture(scope="module")
def tracker() -> Iterator[S.Tracker]:
    found = S.Tracker()
    yield found
    leftovers = found.alive()
    assert not leftovers, "processes left running:\n" + "\n".join(leftovers)


@pytest.fixture(scope="module")
def postgres(superset_venv: Path, tracker: S.Tracker) -> Iterator[S.Postgres]:
    work = Path(tempfile.mkdtemp(prefix="auditor-e2e-pg-"))
    server = S.start_postgres(work)
    try:
        pid = server.postmaster_pid()
        if pid:
            tracker.remember(pid)
        server.psql(f"CREATE ROLE superset LOGIN PASSWORD '{DB_PASSWORD}'")
        server.psql("CREATE DATABASE superset OWNER superset")
        yield server
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return S.make_pki(tmp_path_factory.mktemp("pki"))


@dataclass(frozen=True)
class Running:
    tree: Path
    layout: D.Layout
    probe: str
    owns_port_80: bool


@pytest.fixture(scope="module", params=["weak", "hardened"])
def deployment(request: pytest.FixtureRequest, superset_venv: Path, postgres: S.Postgres,
               pki: dict[str, Path], tracker: S.Tracker,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    hardened = request.param == "hardened"
    work = tmp_path_factory.mktemp(request.param)
    # The probe checks the http:// twin of an https:// URL on port 80: take it when free,
    # and fall back to any port if something grabs it first (the check then skips that part).
    for owns_80 in ([True, False] if hardened and S.port_is_free(80) else [False]):
        layout = D.Layout(
            hardened=hardened, venv=superset_venv,
            database_uri=(f"postgresql+psycopg2://superset:{DB_PASSWORD}@127.0.0.1:"
                          f"{postgres.port}/superset"),
            gunicorn_port=S.free_port(), http_port=80 if owns_80 else S.free_port(),
            https_port=S.free_port(), secret_key=D.strong_key() if hardened else D.WEAK_KEY)
        tree = work / "tree"
        shutil.rmtree(tree, ignore_errors=True)
        shutil.rmtree(work / "run", ignore_errors=True)
        D.lay_out(tree, layout, pki["cert"], pki["key"])
        nginx_run = D.nginx_run_root(tree, work / "run")
        nginx = S.start(D.nginx_argv(S.nginx_binary() or "nginx", nginx_run),
                        {"PATH": "/usr/bin:/bin"}, work / "nginx.log", work, tracker)
        if S.listening(layout.http_port, 20, nginx):
            break
        S.stop(nginx, tracker)
    else:
        log = nginx_run / "var/log/nginx/error.log"
        pytest.fail(f"nginx did not start: {log.read_text() if log.exists() else ''}")

    argv, env, cwd = D.service_environment(tree)
    # Initialise the metadata database with the deployment's own configuration.
    upgrade = subprocess.run([str(superset_venv / "bin/superset"), "db", "upgrade"], env=env,
                             cwd=cwd, capture_output=True, text=True, timeout=600, check=False)
    if upgrade.returncode != 0:
        S.stop(nginx, tracker)
        pytest.fail("superset db upgrade failed:\n" + upgrade.stdout[-2000:]
                    + upgrade.stderr[-3000:])
    gunicorn = S.start(argv, env, work / "gunicorn.log", cwd, tracker)
    try:
        S.wait_for(lambda: S.answers(f"http://127.0.0.1:{layout.gunicorn_port}/health"),
                   STARTUP_S, "gunicorn answering /health", lambda: gunicorn.poll() is None,
                   work / "gunicorn.log")
        tracker.remember(gunicorn.pid)
        tracker.remember(nginx.pid)
        probe = (f"https://localhost:{layout.https_port}" if hardened
                 else f"http://localhost:{layout.http_port}")
        yield Running(tree, layout, probe, owns_80)
    finally:
        S.stop(nginx, tracker)
        S.stop(gunicorn, tracker)


@pytest.fixture
def trust(pki: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(pki["ca"]))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(pki["ca"]))


def audit(running: Running, out: Path) -> tuple[dict[str, Any], str, str]:
    """Run the auditor in-process; return the JSON report, its raw text and the terminal report."""
    from auditor.cli import main

    report, terminal = out / "report.json", out / "report.txt"
    code = main(["scan", "--root", str(running.tree), "--probe", running.probe, "--timeout", "20",
                 "--format", "json", "--output", str(report),
                 "--report", f"terminal={terminal}", "--verbose"])
    assert code == 0
    raw = report.read_text()
    data: dict[str, Any] = json.loads(raw)
    assert_valid_report(data)
    return data, raw, terminal.read_text()


def verdicts(report: dict[str, Any]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for target in report["targets"]:
        for finding in target["findings"]:
            found.setdefault(finding["check_id"], set()).add(finding["status"])
    return found


def explain(report: dict[str, Any], *ids: str) -> str:
    return "\n".join(f"{f['check_id']} {f['status']} {f['subject']}: {f['message']}"
                     for t in report["targets"] for f in t["findings"] if f["check_id"] in ids)


WEAK_EXPECTED = {
    "SUPERSET-CONFIG-SECRETS-001": {"fail"},
    "SUPERSET-APP-SECURITY-001": {"fail"},
    "SUPERSET-APP-SECURITY-002": {"fail"},
    "SUPERSET-APP-SECURITY-003": {"fail"},
    "SUPERSET-PROXY-TLS-002": {"fail"},
    "SUPERSET-MONITORING-001": {"pass"},
    "SUPERSET-STORAGE-001": {"pass"},
}
HARDENED_EXPECTED = {
    "SUPERSET-CONFIG-SECRETS-001": {"pass"},
    "SUPERSET-APP-SECURITY-001": {"pass"},
    "SUPERSET-APP-SECURITY-002": {"pass"},
    "SUPERSET-APP-SECURITY-003": {"pass"},
    "SUPERSET-APP-SECURITY-010": {"pass"},
    "SUPERSET-MONITORING-001": {"pass"},
    "SUPERSET-STORAGE-001": {"pass"},
}


def test_audit_of_a_running_superset(deployment: Running, trust: None, tmp_path: Path) -> None:
    layout = deployment.layout
    # What the deployment really does, seen without the auditor.
    if layout.hardened:
        health = requests.get(f"{deployment.probe}/health", timeout=10)
        assert health.status_code == 200 and health.text.strip().upper().startswith("OK")
        plain = requests.get(f"http://localhost:{layout.http_port}/health", timeout=10,
                             allow_redirects=False)
        assert plain.status_code == 301
        assert plain.headers["Location"].startswith(f"https://localhost:{layout.https_port}/")
    else:
        assert requests.get(f"{deployment.probe}/health", timeout=10).text.startswith("OK")

    report, raw, terminal = audit(deployment, tmp_path)
    found = verdicts(report)
    expected = dict(HARDENED_EXPECTED if layout.hardened else WEAK_EXPECTED)
    if layout.hardened and deployment.owns_port_80:
        expected["SUPERSET-PROXY-TLS-002"] = {"pass"}
    wrong = {cid: found.get(cid) for cid, want in expected.items() if found.get(cid) != want}
    assert not wrong, f"{wrong}\n" + explain(report, *wrong)
    if not layout.hardened:
        headers = found.get("SUPERSET-APP-SECURITY-010", set())
        assert headers and headers <= {"fail", "warn"}, explain(report, "SUPERSET-APP-SECURITY-010")
    elif not deployment.owns_port_80:
        # Port 80 was taken by something else: the redirect check sees that, not our nginx.
        assert found.get("SUPERSET-PROXY-TLS-002", set()) <= {"pass", "warn"}

    # The deployment was audited as what it is: a systemd host running Superset.
    assert any(t.get("style") == "systemd" for t in report["targets"]), report["targets"]
    # A secret's value never reaches a report, weak or strong.
    for text in (raw, terminal):
        assert layout.secret_key not in text
        assert DB_PASSWORD not in text

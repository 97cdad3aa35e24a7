"""The 'host' target against real processes: gunicorn started by the test on loopback."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from needs import require_module

from auditor.cli import main

pytestmark = pytest.mark.live

APP = "def app(environ, start_response):\n    start_response('200 OK', [])\n    return [b'OK']\n"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_listening(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start listening")


@pytest.fixture
def gunicorn(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[int, int]]:
    """A real gunicorn master with two workers; the parameter is the bind host."""
    require_module("gunicorn")
    host = getattr(request, "param", "127.0.0.1")
    (tmp_path / "superset_wsgi.py").write_text(APP)
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"{host}:{port}",
         "--max-requests", "500", "superset_wsgi:app"],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        _wait_listening(port, proc)
        yield proc.pid, port
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _scan_host(tmp_path: Path) -> dict[str, object]:
    out = tmp_path / "host.json"
    assert main(["scan", "host", "--style", "pip", "--format", "json", "--output", str(out)]) == 0
    data: dict[str, object] = json.loads(out.read_text())
    return data


def _findings(report: dict[str, object], check_id: str) -> list[dict[str, object]]:
    targets = report["targets"]
    assert isinstance(targets, list)
    return [f for t in targets for f in t["findings"] if f["check_id"] == check_id]


@pytest.mark.parametrize("gunicorn", ["0.0.0.0"], indirect=True)
def test_live_process_bound_to_all_interfaces_fails_network(
    gunicorn: tuple[int, int], tmp_path: Path
) -> None:
    pid, port = gunicorn
    report = _scan_host(tmp_path)
    mine = [f for f in _findings(report, "PIP-NETWORK-001")
            if f"gunicorn@{pid}" in str(f["subject"])]
    assert len(mine) == 1
    assert mine[0]["status"] == "fail"
    assert f"listening (live): 0.0.0.0:{port}" in mine[0]["evidence"]
    workers = [f for f in _findings(report, "PIP-AVAILABILITY-001")
               if f"gunicorn@{pid}" in str(f["subject"])]
    assert workers and workers[0]["status"] == "pass"
    headroom = _findings(report, "PIP-RESOURCES-002")
    assert headroom and headroom[0]["status"] in ("pass", "warn", "fail")


def test_live_process_on_loopback_passes_network(gunicorn: tuple[int, int], tmp_path: Path) -> None:
    pid, port = gunicorn
    report = _scan_host(tmp_path)
    mine = [f for f in _findings(report, "PIP-NETWORK-001")
            if f"gunicorn@{pid}" in str(f["subject"])]
    assert len(mine) == 1 and mine[0]["status"] == "pass"
    assert f"listening (live): 127.0.0.1:{port}" in mine[0]["evidence"]

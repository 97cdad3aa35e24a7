"""Live host facts: a real gunicorn seen by psutil, and checks refined by what runs."""

from __future__ import annotations

import dataclasses
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from needs import require_module

from auditor.checks.pip.facts import HostLive
from auditor.checks.systemd import collect
from auditor.checks.systemd import facts as F
from auditor.checks.systemd.checks_list import CHECKS
from auditor.checks.systemd.facts import LiveProcess, Processes
from auditor.checks.systemd.live import live_state
from auditor.model import FactMissing, Facts, Result, Status
from auditor.targets import parse_target

ROOT = Path(__file__).parents[1]
HARDENED = ROOT / "tests" / "fixtures" / "systemd" / "pass-hardened"
BY_ID = {check.id: check for check in CHECKS}
GIB = 1024**3


def run(check_id: str, facts: Facts) -> list[Result]:
    return list(BY_ID[check_id].evaluate(facts))


def with_live(facts: Facts, **values: object) -> Facts:
    return dataclasses.replace(facts, values={**facts.values, **values})


@pytest.fixture(scope="module")
def hardened(tmp_path_factory: pytest.TempPathFactory) -> Facts:
    tree = tmp_path_factory.mktemp("tree") / "t"
    shutil.copytree(HARDENED, tree, symlinks=True)
    return collect.collect(parse_target(str(tree)), {})


def test_live_listeners_override_the_configured_binds(hardened: Facts) -> None:
    live = HostLive(memory_total=8 * GIB, memory_available=4 * GIB, cpu_count=4,
                    listeners=(("0.0.0.0", 6379, 900), ("127.0.0.1", 5432, 901)))
    results = {r.subject: r for r in run("SYSTEMD-NETWORK-003", with_live(hardened,
                                                                          **{F.LIVE: live}))}
    assert results["redis"].status == Status.FAIL
    assert "listening now on 0.0.0.0" in results["redis"].evidence[0]
    assert results["postgresql 15/main"].status == Status.PASS


def test_memory_and_disk_headroom_refine_the_verdicts(hardened: Facts) -> None:
    tight = HostLive(memory_total=8 * GIB, memory_available=GIB // 4, cpu_count=4,
                     disk_free={"/var/lib/postgresql/15/main": (100 * GIB, 3 * GIB)})
    facts = with_live(hardened, **{F.LIVE: tight})
    memory = run("SYSTEMD-RESOURCES-001", facts)
    assert {r.status for r in memory} == {Status.WARN}
    (storage,) = run("SYSTEMD-STORAGE-001", facts)
    assert storage.status == Status.WARN and "3 GiB free" in storage.message
    small = HostLive(memory_total=2 * GIB, memory_available=GIB, cpu_count=2)
    oversized = run("SYSTEMD-RESOURCES-001", with_live(hardened, **{F.LIVE: small}))
    assert all("never applies" in r.message for r in oversized if r.status == Status.WARN)


def test_supervision_sees_whether_the_process_runs(hardened: Facts) -> None:
    running = Processes((LiveProcess(42, "gunicorn", (
        "/opt/superset/venv/bin/gunicorn", "superset.app:create_app()"), "superset", 1),))
    results = {r.subject: r for r in run("SYSTEMD-SUPERVISION-001",
                                         with_live(hardened, **{F.PROCESSES: running}))}
    assert results["superset.service"].status == Status.PASS
    assert "running now: pid 42" in results["superset.service"].evidence
    assert results["superset-worker.service"].status == Status.WARN  # no celery runs


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def gunicorn(tmp_path: Path) -> Iterator[tuple[int, int]]:
    require_module("gunicorn")
    (tmp_path / "superset_app.py").write_text(
        "def app(environ, start_response):\n    start_response('200 OK', [])\n"
        "    return [b'OK']\n")
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "-b",
                             f"127.0.0.1:{port}", "superset_app:app"], cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        yield proc.pid, port
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.mark.live
def test_live_state_sees_a_real_gunicorn(gunicorn: tuple[int, int]) -> None:
    pid, port = gunicorn
    problems: dict[str, str] = {}
    state, processes = live_state([], problems)
    assert any(p.pid == pid and "gunicorn" in " ".join(p.cmdline) for p in processes.processes)
    assert ("127.0.0.1", port) in {(addr, p) for addr, p, _ in state.listeners}
    assert state.memory_total > 0 and "/" in state.disk_free


@pytest.mark.live
def test_the_local_host_is_collected_with_live_facts() -> None:
    facts = collect.collect(parse_target("host"), {})
    assert isinstance(facts.values[F.LIVE], HostLive)
    assert isinstance(facts.values[F.PROCESSES], Processes)
    for check in CHECKS:  # every check completes on whatever this machine holds
        if set(check.requires) & set(facts.problems):
            continue
        try:
            results = list(check.evaluate(facts))
        except FactMissing:
            continue  # the runner reports these as skips
        assert all(result.status in set(Status) for result in results)

"""Bounded network reads in live mode (issue 14, items 4, 5 and 10).

A server that trickles its answer a byte at a time, one whose body never ends, one
that sends its headers and then nothing, a list that fails after its first page, and
no server at all: every run ends, names what went wrong, and judges nothing from half
an answer. The servers are the test API server's faults (tests/kubeapi.py); every run
is guarded (``guarded``) so that a hang fails the test instead of the suite.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import threading
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml
from conftest import scan_report
from kubeapi import FakeKubeAPI

from auditor.checks.kubernetes import live
from auditor.model import Target, TargetKind

RS = "superset-7d4b9c6f5d"
"""The ReplicaSet of the Deployment below: pods owned by it are the Deployment's."""


GUARD_S = 60.0
"""How long a guarded call may run before it counts as hung: a guard, not a speed test,
several times what each run needs on a loaded machine."""

T = TypeVar("T")


def guarded(call: Callable[[], T], seconds: float = GUARD_S) -> T:
    """``call()`` in a thread of its own; the test fails if it has not ended by ``seconds``.

    A thread and not SIGALRM: the lister's stuck workers would hold the main thread in
    the pool's shutdown. Once the test has failed, leaving the server's ``with`` closes its
    connections, which ends the stuck reads.
    """
    result: list[T] = []
    error: list[BaseException] = []

    def run() -> None:
        try:
            result.append(call())
        except BaseException as exc:  # handed to the test's thread
            error.append(exc)

    thread = threading.Thread(target=run, name="guarded", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        pytest.fail(f"still running after {seconds:g} s: a hang")
    if error:
        raise error[0]
    return result[0]


def deployment() -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "superset", "namespace": "analytics"},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "superset"}},
                     "template": {"metadata": {"labels": {"app": "superset"}},
                                  "spec": {"containers": [{"name": "superset",
                                                           "image": "apache/superset:4.1.1"}]}}}}


def pod(name: str, owner: str, *, ready: bool, restarts: int = 0) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "analytics",
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                              "name": owner, "controller": True}]},
            "spec": {"nodeName": "node-1",
                     "containers": [{"name": "superset", "image": "apache/superset:4.1.1"}]},
            "status": {"phase": "Running",
                       "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
                       "containerStatuses": [{"name": "superset", "restartCount": restarts}]}}


def crash_looping() -> list[dict[str, Any]]:
    """Five pods: two of another owner and the ready one sort first (page 1 of 3 objects),
    the Deployment's two crash-looping pods come on page 2."""
    return [deployment(),
            pod("aaa-other-0", "other-5c6d7e8f9a", ready=True),
            pod("aaa-other-1", "other-5c6d7e8f9a", ready=True),
            pod(f"{RS}-a0000", RS, ready=True),
            pod(f"{RS}-x1111", RS, ready=False, restarts=14),
            pod(f"{RS}-x2222", RS, ready=False, restarts=9)]


def problems(report: dict[str, Any]) -> list[str]:
    return list(report["targets"][0]["problems"])


def coverage(report: dict[str, Any]) -> float:
    return float(report["targets"][0]["score"]["coverage"])


def findings(report: dict[str, Any], check_id: str) -> list[tuple[str, str, str]]:
    return [(f["subject"], f["status"], f["message"]) for t in report["targets"]
            for f in t["findings"] if f["check_id"] == check_id]


def read(api: FakeKubeAPI, tmp_path: Path, **options: object) -> live.Cluster:
    """The library's read of the cluster, guarded."""
    kubeconfig = api.write_kubeconfig(tmp_path / "kubeconfig")
    return guarded(lambda: live.read_cluster(Target("kube", TargetKind.KUBE),
                                             {"kubeconfig": str(kubeconfig), **options}))


def scan(tmp_path: Path, *args: str, code: int = 0) -> dict[str, Any]:
    """``auditor scan ARGS`` in-process (the JSON report), guarded."""
    return guarded(lambda: scan_report(tmp_path, *args, code=code))


@pytest.fixture
def short_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """A run budget of 2 s, so that a kind retried to the end of it costs seconds, not 10."""
    monkeypatch.setattr(live, "BUDGET_FLOOR_S", 2.0)


# --- a server that never finishes an answer -----------------------------------------------


def test_a_server_trickling_every_answer_ends_the_run_and_says_so(tmp_path: Path) -> None:
    """The issue's attack: one byte a second, --timeout 3, was still running after 150 s."""
    with FakeKubeAPI(crash_looping()) as api:
        api.trickle("*", seconds=1.0)
        kubeconfig = api.write_kubeconfig(tmp_path / "kubeconfig")
        report = scan(tmp_path, "kube", "--kubeconfig", str(kubeconfig),
                             "--timeout", "3", code=2)
        url = api.url
    cluster = [p for p in problems(report) if p.startswith("cluster: ")]
    assert cluster == [f"cluster: the API server at {url} answered no request within 3 s "
                       "(not complete by then: ProtocolError); nothing was listed"]
    assert report["targets"][0]["score"]["value"] is None


def test_one_trickling_kind_is_a_problem_and_its_checks_skip(
    tmp_path: Path, short_budget: None
) -> None:
    with FakeKubeAPI(crash_looping()) as api:
        kubeconfig = api.write_kubeconfig(tmp_path / "kubeconfig")
        whole = scan(tmp_path, "kube", "--kubeconfig", str(kubeconfig), "--timeout", "1")
        api.trickle("pods", seconds=0.5)
        report = scan(tmp_path, "kube", "--kubeconfig", str(kubeconfig), "--timeout", "1")
        tried = len(api.list_requests("pods")) - 1
    assert any(p.startswith("list pods: no answer within 1 s (not complete by then")
               for p in problems(report))
    assert 1 <= tried <= 1 + live.MAX_RETRIES
    assert coverage(report) < coverage(whole)
    assert [s for _, s, _ in findings(report, "K8S-SUPERVISION-003")] == ["skip"]


def test_a_hang_after_the_headers_ends_at_the_deadline(
    tmp_path: Path, short_budget: None
) -> None:
    with FakeKubeAPI(crash_looping()) as api:
        api.hang_after_headers("pods")
        cluster = read(api, tmp_path, timeout=1)
    assert cluster.problems["list pods"].startswith("no answer within 1 s")
    assert "Pod" in cluster.missing and cluster.pods == ()
    assert "Deployment" not in cluster.missing


class TrickledHandshake:
    """A TLS server that starts a 16 KiB handshake record and sends it a byte at a time.
    Not the test API server: the handshake comes before any HTTP. (Python's ssl bounds a
    whole handshake by the socket timeout; this holds the deadline, and the watched
    connections, to HTTPS, which the test API server does not speak.)"""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.stopping = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):  # the listener closed: the test is over
            while True:
                client, _ = self.listener.accept()
                threading.Thread(target=self._drip, args=(client,), daemon=True).start()

    def _drip(self, client: socket.socket) -> None:
        with client, contextlib.suppress(OSError):
            client.sendall(b"\x16\x03\x03\x40\x00")  # a handshake record of 16 KiB
            while not self.stopping.wait(0.3):
                client.sendall(b"\x02")

    def close(self) -> None:
        self.stopping.set()
        self.listener.close()


def test_a_trickled_tls_handshake_ends_at_the_deadline(tmp_path: Path) -> None:
    server = TrickledHandshake()
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "tls",
        "clusters": [{"name": "tls", "cluster": {"server": f"https://127.0.0.1:{server.port}",
                                                 "insecure-skip-tls-verify": True}}],
        "contexts": [{"name": "tls", "context": {"cluster": "tls", "user": "tls"}}],
        "users": [{"name": "tls", "user": {"token": "x"}}]}))
    try:
        cluster = guarded(lambda: live.read_cluster(Target("kube", TargetKind.KUBE),
                                                    {"kubeconfig": str(kubeconfig),
                                                     "timeout": 2}))
    finally:
        server.close()
    assert cluster.problems["cluster"].startswith(
        f"the API server at https://127.0.0.1:{server.port} answered no request within 2 s")


# --- a body that never ends -----------------------------------------------------------------


@pytest.mark.parametrize("announce", [False, True], ids=["chunked", "content-length"])
def test_an_endless_body_stops_at_the_cap_and_is_not_asked_again(
    tmp_path: Path, announce: bool
) -> None:
    cap_mib = 2
    with FakeKubeAPI(crash_looping()) as api:
        api.endless("pods", announce=announce)
        tracemalloc.start()
        try:
            cluster = read(api, tmp_path, timeout=30, max_response_mib=cap_mib)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        asked = len(api.list_requests("pods"))
    assert cluster.problems["list pods"] == (
        "response larger than 2 MiB, not read; raise the cap with --max-response-mib")
    assert asked == 1, "the same page would be as large again"
    assert "Pod" in cluster.missing and cluster.pods == ()
    # Everything the run allocated, the body included: a few times the cap at most
    # (without the cap the body grows until the guard stops the run).
    assert peak < 8 * (cap_mib << 20), f"peak {peak >> 20} MiB"


def test_the_cap_is_an_option_of_scan(tmp_path: Path) -> None:
    with FakeKubeAPI(crash_looping()) as api:
        api.endless("pods")
        kubeconfig = api.write_kubeconfig(tmp_path / "kubeconfig")
        report = scan(tmp_path, "kube", "--kubeconfig", str(kubeconfig),
                             "--max-response-mib", "1")
    assert ("list pods: response larger than 1 MiB, not read; raise the cap with "
            "--max-response-mib") in problems(report)


def test_an_answer_under_the_cap_is_read_whole(tmp_path: Path) -> None:
    with FakeKubeAPI(crash_looping()) as api:
        cluster = read(api, tmp_path, max_response_mib=1)
    assert {p["name"] for p in cluster.pods} == {
        "aaa-other-0", "aaa-other-1", f"{RS}-a0000", f"{RS}-x1111", f"{RS}-x2222"}
    assert not [k for k in cluster.problems if k.startswith("list ")]


# --- a list that fails part-way -------------------------------------------------------------


def test_a_pod_list_failing_on_page_two_keeps_nothing_of_page_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, short_budget: None
) -> None:
    monkeypatch.setattr(live, "PAGE_SIZE", 3)
    with FakeKubeAPI(crash_looping()) as api:
        kubeconfig = api.write_kubeconfig(tmp_path / "kubeconfig")
        whole = scan(tmp_path, "kube", "--kubeconfig", str(kubeconfig), "--timeout", "1")
        api.fail("pods", 500, from_page=1)
        report = scan(tmp_path, "kube", "--kubeconfig", str(kubeconfig), "--timeout", "1")
        pages = [r for r in api.list_requests("pods") if r.status == 200]
    subject = "apps/v1/Deployment/analytics/superset"
    assert (subject, "fail", "2 of 3 pod(s) not ready or restarting") in findings(
        whole, "K8S-SUPERVISION-003")
    assert pages, "page 1 was served before page 2 failed"
    runtime = findings(report, "K8S-SUPERVISION-003")
    assert [s for _, s, _ in runtime] == ["skip"], runtime
    assert not any("ready" in message for _, _, message in runtime)
    assert any(p.startswith("list pods: server error (500)") for p in problems(report))
    assert coverage(report) < coverage(whole)


def helm_release(revision: int) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Secret", "type": "helm.sh/release.v1",
            "metadata": {"name": f"sh.helm.release.v1.superset.v{revision}",
                         "namespace": "analytics",
                         "labels": {"owner": "helm", "name": "superset", "status": "deployed",
                                    "version": str(revision)}}}


def test_a_failed_kind_gives_no_objects_pods_or_releases(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live, "PAGE_SIZE", 1)
    loose = {"apiVersion": "v1", "kind": "Pod",
             "metadata": {"name": "aaa-loose", "namespace": "analytics"}}
    objects = [*crash_looping(), loose, helm_release(1), helm_release(2)]
    with FakeKubeAPI(objects) as api:
        whole = read(api, tmp_path, timeout=1)
        api.fail("pods", 403, from_page=1)  # final at once: no retry to wait for
        api.fail("secrets", 403, from_page=1)
        cluster = read(api, tmp_path, timeout=1)
    assert len(whole.pods) == 6 and len(whole.releases) == 2
    assert any(i.kind == "Pod" for i in whole.items), "the loose pod is an object of its own"
    assert cluster.pods == () and cluster.releases == ()
    assert not any(i.kind == "Pod" for i in cluster.items)
    assert {"Pod", "Secret"} <= cluster.missing
    assert cluster.problems["list pods"].startswith("forbidden (403)")
    assert cluster.problems["list secrets (Helm releases)"].startswith("forbidden (403)")


# --- no cluster at all: exit 2 with one line that names the cause ------------------------------


def auditor(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "auditor", "scan", "kube", "-q", *args],
                          capture_output=True, text=True, timeout=120, check=False)


def test_a_missing_kubeconfig_exits_2_naming_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nonexistent"
    done = auditor("--kubeconfig", str(missing), "--timeout", "3")
    assert done.returncode == 2
    assert done.stderr.splitlines()[0].startswith(
        f"auditor: nothing evaluated: kube (kubernetes): cluster: cannot load kubeconfig "
        f"{missing}: no such file")


@pytest.mark.parametrize(("text", "says"), [
    ("clusters: [\n", "not valid YAML (line 2)"),
    ("just a string\n", "not a kubeconfig"),
])
def test_a_malformed_kubeconfig_is_named(tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "kubeconfig"
    path.write_text(text)
    cluster = live.read_cluster(Target("kube", TargetKind.KUBE), {"kubeconfig": str(path)})
    assert cluster.problems["cluster"].startswith(f"cannot load kubeconfig {path}: {says}")


def test_an_unknown_context_is_named_with_the_kubeconfig(tmp_path: Path) -> None:
    with FakeKubeAPI([]) as api:
        path = api.write_kubeconfig(tmp_path / "kubeconfig")
    cluster = live.read_cluster(Target("kube", TargetKind.KUBE, context="staging"),
                                {"kubeconfig": str(path)})
    assert cluster.problems["cluster"] == f"cannot load kubeconfig {path}: no context 'staging'"


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then closed: the kernel refuses it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_closed_port_exits_2_naming_the_server_and_the_error(tmp_path: Path) -> None:
    port = closed_port()
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "gone",
        "clusters": [{"name": "gone", "cluster": {"server": f"http://127.0.0.1:{port}"}}],
        "contexts": [{"name": "gone", "context": {"cluster": "gone", "user": "gone"}}],
        "users": [{"name": "gone", "user": {"token": "x"}}]}))
    done = auditor("--kubeconfig", str(kubeconfig), "--timeout", "3")
    assert done.returncode == 2
    assert done.stderr.splitlines()[0].startswith(
        f"auditor: nothing evaluated: kube (kubernetes): cluster: the API server at "
        f"http://127.0.0.1:{port} answered no request (NewConnectionError: connection "
        "refused); nothing was listed")

"""Pushing through prometheus_client to the real Prometheus Pushgateway (Debian's
prometheus-pushgateway), reading back what it exposes with prometheus_client's parser;
failures against a tiny HTTP server.

Without the binary these tests skip (fail under AUDITOR_TESTS_REQUIRE_ALL=1, see tests/needs.py);
AUDITOR_TESTS_NO_PUSHGATEWAY=1 skips them even where it is installed.
"""

from __future__ import annotations

import http.server
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import needs
import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from reportdata import HOSTILE_SECRET, SECRETS, all_examples_report, hostile_report, options
from test_prometheus_report import HOSTILE_TARGET_LABEL, hostile_labels_report

from auditor import pushgateway
from auditor.pushgateway import PushError, push, push_report, redact
from auditor.reports.prometheus import render_prometheus

BINARY = "prometheus-pushgateway"
JOB = "deploy_auditor"

Series = frozenset[tuple[str, str]]


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # A proxy from the environment must not carry loopback pushes elsewhere.
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Pushgateway on a free loopback port, without persistence, killed at teardown."""
    needs.opted_out("AUDITOR_TESTS_NO_PUSHGATEWAY", "Pushgateway tests")
    binary = needs.require_tool(BINARY, "apt-get install prometheus-pushgateway",
                                also=(f"/usr/bin/{BINARY}", f"/usr/local/bin/{BINARY}"))
    workdir = tmp_path_factory.mktemp("pushgateway")
    for _ in range(3):  # another process may take the port between probe and bind
        port = free_port()
        log = workdir / f"gateway-{port}.log"
        with log.open("wb") as handle:
            process = subprocess.Popen(
                [binary, f"--web.listen-address=127.0.0.1:{port}", "--log.level=info"],
                cwd=workdir, stdin=subprocess.DEVNULL, stdout=handle, stderr=handle,
            )
        try:
            url = f"http://127.0.0.1:{port}"
            if _wait_ready(url, process):
                yield url
                return
        finally:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    pytest.fail(f"{BINARY} did not become ready:\n{_tail(log)}")


def _wait_ready(url: str, process: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            if requests.get(f"{url}/-/ready", timeout=1).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.05)
    return False


def _tail(path: Path) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-20:])


def exposed(url: str, **group: str) -> dict[tuple[str, Series], float]:
    """Our samples on the gateway's /metrics whose labels include ``group``, keyed by name
    and the remaining labels. Empty labels are dropped: in Prometheus they equal absence."""
    text = requests.get(f"{url}/metrics", timeout=5).text
    for secret in SECRETS:
        assert secret not in text
    found: dict[tuple[str, Series], float] = {}
    for family in text_string_to_metric_families(text):
        if not family.name.startswith("deploy_auditor_"):
            continue
        assert family.type == "gauge"
        for sample in family.samples:
            if any(sample.labels.get(k) != v for k, v in group.items()):
                continue
            rest = frozenset((k, v) for k, v in sample.labels.items() if k not in group and v)
            found[(sample.name, rest)] = sample.value
    return found


def rendered(text: str) -> dict[tuple[str, Series], float]:
    return {
        (s.name, frozenset((k, v) for k, v in s.labels.items() if v)): s.value
        for family in text_string_to_metric_families(text) for s in family.samples
    }


# --- the group's path ----------------------------------------------------------------------


def test_grouping_keys_are_encoded_into_the_path(scripted: Any) -> None:
    server = scripted(200, 200)
    push("deploy_auditor_info 1\n", server.url + "/prefix/", grouping={
        "instance": "host-1.example.org:9100", "path": "/var/tmp", "empty": "",
        "space": "a b", "greek": "Προμηθεύς",
    })
    push("deploy_auditor_info 1\n", server.url, job="nightly/audit")
    # prometheus_client's encoding, keys sorted: base64 where a value holds "/", a space or
    # nothing, percent-encoding otherwise.
    assert [r["path"] for r in server.requests] == [
        "/prefix/metrics/job/deploy_auditor/empty@base64/="
        "/greek/%CE%A0%CF%81%CE%BF%CE%BC%CE%B7%CE%B8%CE%B5%CF%8D%CF%82"
        "/instance/host-1.example.org%3A9100/path@base64/L3Zhci90bXA=/space@base64/YSBi",
        "/metrics/job@base64/bmlnaHRseS9hdWRpdA==",
    ]


def test_bad_groups_and_urls_are_refused_before_any_request(scripted: Any) -> None:
    server = scripted()
    for bad in ("job", "__name__", "1x", "a-b", ""):
        with pytest.raises(ValueError):
            push("deploy_auditor_info 1\n", server.url, grouping={bad: "v"})
    for value in (".", ".."):
        with pytest.raises(ValueError):
            push("deploy_auditor_info 1\n", server.url, grouping={"dots": value})
    with pytest.raises(ValueError):
        push("deploy_auditor_info 1\n", server.url, job="")
    with pytest.raises(PushError, match=r"^push to ftp://u:\*\*\*@gw/ failed: not an http"):
        push("deploy_auditor_info 1\n", "ftp://u:pw@gw/")
    with pytest.raises(PushError, match=r"failed: the metrics are not Prometheus text$"):
        push('broken{label="x" 1\n', server.url)
    assert server.requests == []


def test_credentials_go_as_basic_auth_and_the_query_stays(scripted: Any) -> None:
    server = scripted(200)
    push("deploy_auditor_info 1\n", server.url.replace("://", "://auditor:p%40ss@") + "/?x=1",
         grouping={"instance": "h1"})
    [request] = server.requests
    assert request["path"] == "/metrics/job/deploy_auditor/instance/h1?x=1"
    assert request["headers"]["Authorization"] == "Basic YXVkaXRvcjpwQHNz"  # auditor:p@ss


def test_redact_hides_the_password_the_token_user_and_secret_query_values() -> None:
    assert redact("http://user:s3cret@gw:9091/x?q=1") == "http://user:***@gw:9091/x?q=1"
    assert redact("https://:tok@gw/") == "https://:***@gw/"
    assert redact("http://gw:9091/") == "http://gw:9091/"
    # A user alone in an http(s) URL is where a token goes (issue 14, item 3).
    assert redact("http://user@gw/") == "http://***@gw/"
    assert redact("http://gw:9091/?token=s3cret&job=x") == "http://gw:9091/?token=***&job=x"
    assert redact("http://gw:bad/") == "<unparseable URL>"


# --- against the real Pushgateway ---------------------------------------------------------


@pytest.mark.live
def test_pushed_samples_arrive_with_their_grouping_labels(gateway: str) -> None:
    examples = render_prometheus(all_examples_report(), options())
    hostile = render_prometheus(hostile_labels_report(), options())
    examples_group = {"instance": "auditor-host", "scope": "/srv/deploy/examples"}
    hostile_group = {"instance": "auditor-host", "scope": "/srv/deploy/hostile\"\\"}
    push(examples, gateway, grouping=examples_group)
    push(hostile, gateway, grouping=hostile_group)

    got = exposed(gateway, job=JOB, **examples_group)
    assert got == rendered(examples)
    targets = {dict(labels)["target"] for name, labels in got
               if name == "deploy_auditor_score"}
    assert targets == {t.target for t in all_examples_report().targets}

    got = exposed(gateway, job=JOB, **hostile_group)
    assert got == rendered(hostile)
    assert got[("deploy_auditor_ready", frozenset(
        {("target", HOSTILE_TARGET_LABEL), ("style", "kubernetes")}))] == 0


@pytest.mark.live
def test_put_replaces_the_whole_group(gateway: str) -> None:
    group = {"instance": "replaced", "scope": "/a/b"}
    other = {"instance": "replaced", "scope": "/a/c"}
    examples = render_prometheus(all_examples_report(), options())
    hostile = render_prometheus(hostile_report(), options())
    push(examples, gateway, grouping=group)
    push(examples, gateway, grouping=other)
    assert exposed(gateway, job=JOB, **group) == rendered(examples)

    push(hostile, gateway, grouping=group)
    got = exposed(gateway, job=JOB, **group)
    assert got == rendered(hostile), "series of the earlier push are gone"
    assert {dict(labels).get("target") for _, labels in got} - {None} == {
        t.target for t in hostile_report().targets}
    assert exposed(gateway, job=JOB, **other) == rendered(examples), "other groups untouched"


@pytest.mark.live
def test_push_report_groups_by_this_host(gateway: str) -> None:
    report = all_examples_report()
    push_report(report, gateway, options(job="deploy_auditor_push_report"))
    got = exposed(gateway, job="deploy_auditor_push_report", instance=socket.gethostname())
    assert got == rendered(render_prometheus(report, options()))


@pytest.mark.live
def test_a_push_the_gateway_rejects_raises_without_the_body(gateway: str) -> None:
    marker = "do-not-echo-4711"
    url = gateway.replace("http://", "http://auditor:pw-0815@")
    push('# TYPE deploy_auditor_clash gauge\ndeploy_auditor_clash{label="x"} 1\n', gateway,
         grouping={"scope": "/first"})
    # The same name as a counter elsewhere: the gateway answers 400 and quotes the metric.
    with pytest.raises(PushError) as caught:
        push(f'# TYPE deploy_auditor_clash counter\n'
             f'deploy_auditor_clash_total{{label="{marker}"}} 1\n', url,
             grouping={"scope": "/x"})
    message = str(caught.value)
    assert message == (f"push to http://auditor:***@{gateway.removeprefix('http://')}"
                       "/metrics/job/deploy_auditor/scope@base64/L3g= failed: "
                       "HTTP 400 Bad Request")


# --- failures -----------------------------------------------------------------------------


def test_unreachable_gateway() -> None:
    url = f"http://auditor:pw-0815@127.0.0.1:{free_port()}"
    with pytest.raises(PushError) as caught:
        push("deploy_auditor_info 1\n", url)
    message = str(caught.value)
    assert message == (f"push to {redact(url)}/metrics/job/deploy_auditor failed: "
                       "Connection refused")
    assert "pw-0815" not in message


def test_timeout() -> None:
    with socket.socket() as silent:  # accepts connections (backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        with pytest.raises(PushError, match=r"failed: no answer within 0\.3 s$"):
            push("deploy_auditor_info 1\n", url, timeout=0.3)
        assert time.monotonic() - started < 3, "timeouts are not retried"


class Scripted(http.server.ThreadingHTTPServer):
    """Answers each PUT with the next scripted status (0: hang up without answering) and
    records what it received. A 4xx answer quotes the body, as the real gateway does."""

    def __init__(self, *statuses: int) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.statuses = list(statuses)
        self.requests: list[dict[str, Any]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(http.server.BaseHTTPRequestHandler):
    server: Scripted

    def do_PUT(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.requests.append({"path": self.path, "headers": dict(self.headers),
                                     "body": body})
        status = self.server.statuses.pop(0)
        if status == 0:
            self.close_connection = True
            return
        answer = b"rejected: " + body
        self.send_response(status)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[Scripted]]:
    monkeypatch.setattr(pushgateway, "RETRY_BACKOFF_S", 0.01)
    servers: list[Scripted] = []

    def start(*statuses: int) -> Scripted:
        server = Scripted(*statuses)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start  # type: ignore[misc]
    for server in servers:
        server.shutdown()
        server.server_close()


def test_request_shape(scripted: Any) -> None:
    server = scripted(200)
    push("# HELP deploy_auditor_info About the run.\n# TYPE deploy_auditor_info gauge\n"
         'deploy_auditor_info{version="0.1.0"} 1\n', server.url, job="nightly",
         grouping={"instance": "h1", "target": "/srv/x"})
    [request] = server.requests
    assert request["path"] == "/metrics/job/nightly/instance/h1/target@base64/L3Nydi94"
    assert request["headers"]["Content-Type"].startswith("text/plain; version=")
    assert request["body"].decode() == (
        "# HELP deploy_auditor_info About the run.\n# TYPE deploy_auditor_info gauge\n"
        'deploy_auditor_info{version="0.1.0"} 1.0\n')


@pytest.mark.parametrize(("statuses", "attempts", "error"), [
    ((503, 202), 2, None),
    ((0, 200), 2, None),
    ((500, 502), 2, "HTTP 502 Bad Gateway"),
    ((0, 0), 2, "connection closed without an answer"),
    ((400,), 1, "HTTP 400 Bad Request"),
    ((301,), 1, "HTTP 301 Moved Permanently"),
])
def test_at_most_one_retry_and_only_when_it_can_help(
    scripted: Any, statuses: tuple[int, ...], attempts: int, error: str | None
) -> None:
    server = scripted(*statuses)
    body = f"deploy_auditor_info{{secret=\"{HOSTILE_SECRET}\"}} 1\n"
    if error is None:
        push(body, server.url)
    else:
        with pytest.raises(PushError) as caught:
            push(body, server.url)
        message = str(caught.value)
        assert message.startswith(f"push to {server.url}/metrics/job/deploy_auditor failed: ")
        assert message.endswith(error)
        assert HOSTILE_SECRET not in message and "\n" not in message
    assert len(server.requests) == attempts

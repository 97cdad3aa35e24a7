"""Direct tests of the pip checks where a written tree cannot reach (issue 13, item 3).

The live facts of a running host (memory, disks, listening sockets) are not files, so
``tests/conditions/pip.py`` cannot hold them: ``PIP-RESOURCES-002`` and the live branch of
``PIP-PROXY-TLS-001`` are judged here on hand-made facts. The rest kill mutants that
survived ``python bench/mutation.py checks-pip`` (docs/mutation/pip.md), each test naming
the code it pins. Expected values are literals.
"""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from auditor.checks.pip import proxy_tls, resources
from auditor.checks.pip.facts import HostLive, Launch, PipProject, ProxyConfig
from auditor.model import Facts, Result, Status, Style

GIB = 1024**3


def _facts(project: PipProject, live: HostLive | None = None) -> Facts:
    values: dict[str, object] = {"pip.project": project}
    if live is not None:
        values["host.live"] = live
    return Facts(Style.PIP, values=values)


def _live(available_gib: float, disks: Mapping[str, tuple[int, int]] | None = None,
          listeners: tuple[tuple[str, int, int | None], ...] = (),
          names: Mapping[int, str] | None = None) -> HostLive:
    return HostLive(memory_total=8 * GIB, memory_available=int(available_gib * GIB),
                    cpu_count=4, disk_free=disks or {"/": (100 * GIB, 50 * GIB)},
                    listeners=listeners, process_names=names or {})


def _headroom(live: HostLive | None, label: str = ".") -> Result:
    (result,) = resources.CHECKS[1].evaluate(_facts(PipProject(label), live))
    return result


# --- PIP-RESOURCES-002: memory (fail under 1 GiB, warn under 2 GiB) and disks (fail under
# 10 % free), on a live host only ------------------------------------------------------------

def test_headroom_skips_without_a_live_host() -> None:
    result = _headroom(None)
    assert (result.subject, result.status) == ("host", Status.SKIP)
    assert result.message == "memory and disk are measured only on a live host (scan 'host')"


def test_headroom_passes_with_memory_and_disk() -> None:
    result = _headroom(_live(2.0))
    assert (result.subject, result.status, result.message) == (
        "host", Status.PASS, "memory and disk have headroom")
    assert result.evidence == ("memory available 2.0 GiB of 8.0 GiB", "4 CPUs",
                               "disk /: 50.0 GiB free of 100.0 GiB")


@pytest.mark.parametrize(("gib", "status", "message"), [
    (1.99, Status.WARN, "under 2 GiB of memory available for Superset's workers"),
    (1.0, Status.WARN, "under 2 GiB of memory available for Superset's workers"),
    (0.99, Status.FAIL, "less than 1 GiB of memory available"),
])
def test_headroom_memory_boundaries(gib: float, status: Status, message: str) -> None:
    result = _headroom(_live(gib))
    assert (result.status, result.message) == (status, message)


@pytest.mark.parametrize(("free", "status"), [(10, Status.PASS), (9, Status.FAIL)])
def test_headroom_disk_boundary_at_ten_percent(free: int, status: Status) -> None:
    result = _headroom(_live(4.0, {"/": (100 * GIB, free * GIB), "/srv": (10 * GIB, 5 * GIB)}))
    assert result.status == status
    assert f"disk /: {free}.0 GiB free of 100.0 GiB" in result.evidence
    assert "disk /srv: 5.0 GiB free of 10.0 GiB" in result.evidence
    if status == Status.FAIL:
        assert result.message == "under 10% disk free on /"


def test_headroom_names_every_reason_and_every_tight_disk() -> None:
    live = _live(0.5, {"/": (100 * GIB, 1 * GIB), "/srv": (10 * GIB, 0)})
    result = _headroom(live, label="/opt/superset")
    assert result.subject == "/opt/superset:host"
    assert result.message == ("less than 1 GiB of memory available; "
                              "under 10% disk free on /, /srv")


def test_headroom_ignores_a_disk_of_size_zero() -> None:
    # A pseudo filesystem reports 0 bytes: no ratio to judge, not a full disk.
    result = _headroom(_live(4.0, {"/proc": (0, 0)}))
    assert result.status == Status.PASS


# --- PIP-PROXY-TLS-001 on a live host: a proxy process on port 443 passes ------------------

GUNICORN = Launch("gunicorn", ("gunicorn", "superset.app:create_app()"), "start.sh", 1)


def _proxy(live: HostLive | None, proxies: tuple[ProxyConfig, ...] = ()) -> Result:
    project = PipProject(".", launches=(GUNICORN,), proxies=proxies)
    (result,) = proxy_tls.CHECKS[0].evaluate(_facts(project, live))
    return result


@pytest.mark.parametrize("name", ["nginx", "caddy", "haproxy", "traefik", "envoy", "apache2",
                                  "httpd", "nginx: master"])
def test_proxy_process_on_443_passes(name: str) -> None:
    result = _proxy(_live(4.0, listeners=(("0.0.0.0", 443, 77),), names={77: name}))
    assert (result.subject, result.status) == ("proxy", Status.PASS)
    assert result.message == "a reverse proxy listens on port 443"
    assert result.evidence == (f"port 443: {name}",)


@pytest.mark.parametrize(("port", "name"), [(8443, "nginx"), (443, "python3")])
def test_no_proxy_process_on_443_fails(port: int, name: str) -> None:
    result = _proxy(_live(4.0, listeners=(("0.0.0.0", port, 77),), names={77: name}))
    assert result.status == Status.FAIL
    assert result.message.startswith("no reverse proxy and no TLS")


def test_listener_without_a_known_process_is_not_a_proxy() -> None:
    result = _proxy(_live(4.0, listeners=(("0.0.0.0", 443, None),)))
    assert result.status == Status.FAIL


def test_plain_proxy_fails_even_with_a_live_host() -> None:
    plain = ProxyConfig("nginx.conf", "nginx", False, ("http://127.0.0.1:8088",))
    result = _proxy(_live(4.0), (plain,))
    assert (result.status, result.message) == (
        Status.FAIL, "nginx fronts the app over plain HTTP (no TLS)")
    assert result.evidence == ("nginx: nginx.conf",)


def test_every_tls_proxy_is_evidence_and_the_first_is_named() -> None:
    first = ProxyConfig("a.conf", "nginx", True)
    second = ProxyConfig("Caddyfile", "caddy", True)
    plain = ProxyConfig("b.conf", "nginx", False)
    result = _proxy(None, (plain, first, second))
    assert result.message == "nginx terminates TLS in front of the app"
    assert result.evidence == ("nginx: a.conf", "caddy: Caddyfile")
    assert result.location is not None and result.location.path == "a.conf"

"""Live HTTP probes of a running Superset (``--probe URL``), gathered once as facts.

Read-only GETs with short timeouts, no redirects followed and no retries: a refused
connection or a timeout is a fact to report, never a crash.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit, urlunsplit

TIMEOUT_S = 5.0
PROBE = "superset.probe"


@dataclass(frozen=True)
class Answer:
    url: str
    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body_start: str = ""
    seconds: float = 0.0
    error: str | None = None

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


@dataclass(frozen=True)
class Certificate:
    host: str
    trusted: bool
    error: str | None = None
    days_left: int | None = None
    not_after: str | None = None


@dataclass(frozen=True)
class ProbeFacts:
    base: str
    health: Answer
    page: Answer
    """The login page: where Superset's security headers can be read."""
    plain_http: Answer | None = None
    """The http:// twin of an https:// URL, to see whether it redirects."""
    certificate: Certificate | None = None

    @property
    def https(self) -> bool:
        return self.base.startswith("https://")


def _get(url: str, timeout: float, auth: tuple[str, str] | None = None) -> Answer:
    import requests  # only on the probing path: keeps `auditor --version` fast

    started = time.perf_counter()
    try:
        response = requests.get(url, timeout=timeout, allow_redirects=False, auth=auth,
                                 headers={"User-Agent": "deploy-auditor probe"}, stream=True)
        body = next(response.iter_content(256), b"") if response.status_code < 400 else b""
        response.close()
    except requests.exceptions.SSLError as exc:
        return Answer(url, error=f"TLS error: {_first_line(exc)}",
                      seconds=time.perf_counter() - started)
    except requests.exceptions.Timeout:
        return Answer(url, error=f"no answer within {timeout:g}s",
                      seconds=time.perf_counter() - started)
    except requests.exceptions.RequestException as exc:
        return Answer(url, error=f"cannot connect: {_first_line(exc)}",
                      seconds=time.perf_counter() - started)
    return Answer(url, status=response.status_code,
                  headers={k.lower(): v for k, v in response.headers.items()},
                  body_start=body.decode("utf-8", "replace"),
                  seconds=time.perf_counter() - started)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]


def certificate(host: str, port: int, timeout: float, now: dt.datetime) -> Certificate:
    # Imported here, not at the top: every audit loads this module for its fact types
    # (the live checks are always registered), only --probe reaches this, and ssl alone
    # is ~5 ms of a host audit's start-up (issue 16, item 5).
    import socket
    import ssl

    context = ssl.create_default_context()
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw, \
                context.wrap_socket(raw, server_hostname=host) as tls:
            peer = tls.getpeercert() or {}
    except ssl.SSLCertVerificationError as exc:
        return Certificate(host, trusted=False, error=exc.verify_message or _first_line(exc))
    except (OSError, ssl.SSLError) as exc:
        return Certificate(host, trusted=False, error=_first_line(exc))
    not_after = peer.get("notAfter")
    if not isinstance(not_after, str):
        return Certificate(host, trusted=True)
    expires = dt.datetime.fromtimestamp(ssl.cert_time_to_seconds(not_after), dt.UTC)
    return Certificate(host, trusted=True, days_left=(expires - now).days,
                       not_after=expires.date().isoformat())


def probe(url: str, timeout: float = TIMEOUT_S, now: dt.datetime | None = None) -> ProbeFacts:
    parts = urlsplit(url if "://" in url else f"http://{url}")
    # Credentials in the URL are sent as HTTP basic auth and never kept in a URL that a
    # report shows: every URL below is built from the host and port alone.
    userinfo, at, hostport = parts.netloc.rpartition("@")
    auth = None
    if at:
        user, _, password = userinfo.partition(":")
        auth = (unquote(user), unquote(password))
    base = urlunsplit((parts.scheme, hostport, parts.path.rstrip("/"), "", ""))
    plain = cert = None
    if parts.scheme == "https":
        host = parts.hostname or ""
        # never with the credentials: they would cross the network in the clear
        plain = _get(urlunsplit(("http", host, parts.path or "/", "", "")), timeout)
        cert = certificate(host, parts.port or 443, timeout, now or dt.datetime.now(dt.UTC))
    return ProbeFacts(base=base, health=_get(f"{base}/health", timeout, auth),
                      page=_get(f"{base}/login/", timeout, auth), plain_http=plain,
                      certificate=cert)

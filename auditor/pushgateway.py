"""Push the Prometheus exposition of a report to a Pushgateway, through prometheus_client.

This sends our own metrics to the gateway named by the user and nothing else: it never
talks to the audited target.

prometheus_client's ``push_to_gateway`` builds the group's path (``/metrics/job/<job>``
plus the grouping keys, base64 where a value holds ``/``, a space or nothing) and PUTs the
metrics, which replaces the whole group: series of targets no longer audited disappear with
the next push instead of lingering. PUT is idempotent, which is what makes the single retry
safe: one more attempt after a short pause when the connection was reset or the gateway
answered 5xx (a restart, a proxy in front of it), and none on timeouts, so a run costs at
most about twice ``timeout``. A user and password in the URL are sent as basic
authentication (urllib would take them for part of the host name).
"""

from __future__ import annotations

import http.client
import re
import socket
import time
import urllib.error
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING
from urllib.parse import SplitResult, unquote, urlsplit, urlunsplit

from auditor.checks.common.redact import redact_url

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry
    from prometheus_client.metrics_core import Metric

    from auditor.model import Report
    from auditor.reports.base import RenderOptions

RETRY_BACKOFF_S = 0.5

_NO_GROUPING: Mapping[str, str] = MappingProxyType({})
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")

Handler = Callable[[], None]


class PushError(Exception):
    """The push did not succeed. The message is one line naming the URL (password redacted)
    and never holds the metrics or the gateway's answer, which may quote them."""


def push_report(report: Report, url: str, options: RenderOptions) -> None:
    """Render ``report`` as Prometheus text and PUT it into the group
    ``job=<options.job>, instance=<this host's name>``: one group per auditing host, replaced
    by each of its runs."""
    from auditor.reports.prometheus import render_prometheus

    push(render_prometheus(report, options), url, job=options.job,
         grouping={"instance": socket.gethostname()})


def push(text: str, url: str, *, job: str = "deploy_auditor",
         grouping: Mapping[str, str] = _NO_GROUPING, timeout: float = 10.0) -> None:
    """PUT the Prometheus text ``text`` into the group ``job`` + ``grouping`` of the
    gateway at ``url`` (its base URL, with any route prefix)."""
    from prometheus_client.exposition import push_to_gateway

    _check_group(job, grouping)
    gateway = Gateway.parse(url)
    registry = _registry(text, gateway)
    for attempt in (1, 2):
        try:
            push_to_gateway(gateway.base, job, registry, grouping_key=dict(grouping),
                            timeout=timeout, handler=gateway.handler)
            return
        except urllib.error.HTTPError as exc:
            exc.close()
            if attempt == 1 and exc.code >= 500:
                time.sleep(RETRY_BACKOFF_S)
                continue
            reason = _one_line(str(exc.reason or ""))
            raise PushError(f"push to {gateway.shown()} failed: HTTP {exc.code} {reason}"
                            .rstrip()) from None
        except OSError as exc:  # urllib.error.URLError, socket and http.client errors
            if _timed_out(exc):
                raise PushError(f"push to {gateway.shown()} failed: no answer within "
                                f"{timeout:g} s") from None
            if attempt == 1 and _was_reset(exc):
                time.sleep(RETRY_BACKOFF_S)
                continue
            raise PushError(f"push to {gateway.shown()} failed: {_cause(exc)}") from None
        except (http.client.HTTPException, ValueError) as exc:
            # An answer that is not HTTP (BadStatusLine), a URL urllib refuses (InvalidURL).
            raise PushError(f"push to {gateway.shown()} failed: {type(exc).__name__}"
                            ) from None
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass
class Gateway:
    """The gateway's URL, taken apart: prometheus_client appends the group's path to the
    base, and sends no credentials or query string of its own."""

    parts: SplitResult
    base: str
    query: str
    user: str | None
    password: str | None
    sent: str = ""
    """The URL of the last request, for messages."""

    @classmethod
    def parse(cls, url: str) -> Gateway:
        if "://" not in url:
            url = "http://" + url  # as the official client libraries do: "host:9091" is HTTP
        try:
            parts = urlsplit(url)
            host = parts.hostname or ""
            port = parts.port
        except ValueError:
            raise PushError(f"push to {redact(url)} failed: not a valid URL") from None
        if parts.scheme not in ("http", "https") or not host:
            raise PushError(f"push to {redact(url)} failed: not an http(s) URL")
        netloc = f"[{host}]" if ":" in host else host
        if port is not None:
            netloc += f":{port}"
        base = urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
        user = unquote(parts.username) if parts.username is not None else None
        password = unquote(parts.password) if parts.password is not None else None
        return cls(parts, base, parts.query, user, password, base)

    def handler(self, url: str, method: str, timeout: float | None,
                headers: list[tuple[str, str]], data: bytes) -> Handler:
        """prometheus_client's handler, with the query string and basic authentication."""
        from prometheus_client.exposition import basic_auth_handler, default_handler

        if self.query:
            url += "?" + self.query
        self.sent = url
        if self.user is None and self.password is None:
            return default_handler(url, method, timeout, headers, data)
        return basic_auth_handler(url, method, timeout, headers, data,
                                  self.user or "", self.password or "")

    def shown(self) -> str:
        """The last request's URL with the user's credentials in place, masked."""
        sent = urlsplit(self.sent)
        return redact(urlunsplit((sent.scheme, self.parts.netloc, sent.path, sent.query, "")))


def _check_group(job: str, grouping: Mapping[str, str]) -> None:
    if not job:
        raise ValueError("the Pushgateway job name must not be empty")
    for name, value in grouping.items():
        if not _LABEL_NAME.fullmatch(name) or name.startswith("__") or name == "job":
            raise ValueError(f"invalid grouping label name {name!r}")
        if value in (".", ".."):
            # prometheus_client puts these in the path as they are, where path cleaning
            # would eat them and name another group.
            raise ValueError(f"grouping label {name} cannot be {value!r}")


class _Exposition:
    """Metric families already rendered, as a prometheus_client collector."""

    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterable[Metric]:
        return iter(self._families)


def _registry(text: str, gateway: Gateway) -> CollectorRegistry:
    from prometheus_client import CollectorRegistry
    from prometheus_client.parser import text_string_to_metric_families

    try:
        families = list(text_string_to_metric_families(text))
    except (ValueError, TypeError, IndexError):
        raise PushError(f"push to {gateway.shown()} failed: the metrics are not "
                        "Prometheus text") from None
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Exposition(families))
    return registry


def redact(url: str) -> str:
    """``url`` as stderr may show it: masked by the one masking module, or not at all when
    it cannot be parsed (its parts cannot be told apart, so neither can a password)."""
    try:
        urlsplit(url).port  # noqa: B018 - a bad port raises here, as a push would
    except ValueError:
        return "<unparseable URL>"
    return redact_url(url)


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what it wraps: urllib's URLError holds the socket error in ``reason``,
    others chain it in ``__cause__`` or ``__context__``."""
    seen: set[int] = set()
    pending = [exc]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        linked = [current.__cause__, current.__context__, getattr(current, "reason", None),
                  *current.args]
        pending.extend(item for item in linked if isinstance(item, BaseException))


def _timed_out(exc: BaseException) -> bool:
    return any(isinstance(c, TimeoutError) for c in _causes(exc))


def _was_reset(exc: BaseException) -> bool:
    # http.client.RemoteDisconnected (closed without an answer) is a ConnectionResetError.
    return any(isinstance(c, ConnectionResetError | BrokenPipeError) for c in _causes(exc))


def _cause(exc: BaseException) -> str:
    """A short reason from the socket layer ("Connection refused"); exception texts are not
    used, as they may repeat the URL with its password."""
    for cause in _causes(exc):
        if isinstance(cause, socket.gaierror):
            return "cannot resolve the host name"
        if isinstance(cause, OSError) and cause.strerror:
            return _one_line(cause.strerror)
        if isinstance(cause, ConnectionResetError):
            # http.client.RemoteDisconnected: a reset without an errno.
            return "connection closed without an answer"
    return type(exc).__name__


def _one_line(text: str) -> str:
    return " ".join(text.split())

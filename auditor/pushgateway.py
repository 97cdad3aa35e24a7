"""Push the Prometheus exposition of a report to a Pushgateway.

This sends our own metrics to the gateway named by the user and nothing else: it never
talks to the audited target.

``PUT /metrics/job/<job>{/<label>/<value>}`` replaces the whole group, so series of targets
no longer audited disappear with the next push instead of lingering. PUT is idempotent,
which is what makes the single retry safe: one more attempt after a short pause when the
connection was reset or the gateway answered 5xx (a restart, a proxy in front of it), and
none on timeouts, so a run costs at most about twice ``timeout``.
"""

from __future__ import annotations

import base64
import re
import socket
import time
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import requests

from auditor.checks.common.redact import redact_url

if TYPE_CHECKING:
    from auditor.model import Report
    from auditor.reports.base import RenderOptions

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
RETRY_BACKOFF_S = 0.5

_NO_GROUPING: Mapping[str, str] = MappingProxyType({})
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
# Values made only of these go into the path as they are (readable in logs); anything else
# is base64, which also covers "/", the empty value and "." or ".." that path cleaning eats.
_PLAIN_VALUE = re.compile(r"[A-Za-z0-9_.:-]+")


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
    target = group_url(url, job, grouping)
    shown = redact(target)
    body = text.encode("utf-8")
    for attempt in (1, 2):
        try:
            response = requests.put(
                target, data=body, headers={"Content-Type": CONTENT_TYPE},
                timeout=timeout, allow_redirects=False,
            )
        except requests.Timeout:
            raise PushError(f"push to {shown} failed: no answer within {timeout:g} s") from None
        except requests.RequestException as exc:
            if attempt == 1 and _was_reset(exc):
                time.sleep(RETRY_BACKOFF_S)
                continue
            raise PushError(f"push to {shown} failed: {_cause(exc)}") from None
        status = response.status_code
        response.close()
        if 200 <= status < 300:
            return
        if attempt == 1 and status >= 500:
            time.sleep(RETRY_BACKOFF_S)
            continue
        reason = _one_line(response.reason or "")
        raise PushError(f"push to {shown} failed: HTTP {status} {reason}".rstrip())
    raise AssertionError("unreachable")  # pragma: no cover


def group_url(url: str, job: str, grouping: Mapping[str, str]) -> str:
    """``url`` (the gateway's base URL, with any route prefix) plus the group's path."""
    if not job:
        raise ValueError("the Pushgateway job name must not be empty")
    if "://" not in url:
        # As the official client libraries do: "host:9091" means plain HTTP.
        url = "http://" + url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise PushError(f"push to {redact(url)} failed: not an http(s) URL")
    segments = [_segment("job", job)]
    for name, value in grouping.items():
        if not _LABEL_NAME.fullmatch(name) or name.startswith("__") or name == "job":
            raise ValueError(f"invalid grouping label name {name!r}")
        segments.append(_segment(name, value))
    path = parts.path.rstrip("/") + "/metrics/" + "/".join(segments)
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def _segment(name: str, value: str) -> str:
    if _PLAIN_VALUE.fullmatch(value) and value not in (".", ".."):
        return f"{name}/{value}"
    # URL-safe alphabet; an empty value needs the "=" padding form, or the router would
    # collapse the resulting "//".
    encoded = base64.urlsafe_b64encode(value.encode("utf-8")).decode("ascii") or "="
    return f"{name}@base64/{encoded}"


def redact(url: str) -> str:
    """``url`` as stderr may show it: masked by the one masking module, or not at all when
    it cannot be parsed (its parts cannot be told apart, so neither can a password)."""
    try:
        urlsplit(url).port  # noqa: B018 - a bad port raises here, as a push would
    except ValueError:
        return "<unparseable URL>"
    return redact_url(url)


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what it wraps: requests wraps urllib3 (in ``args`` and ``reason``), which
    wraps the socket error (in ``__cause__`` or ``__context__``)."""
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


def _was_reset(exc: BaseException) -> bool:
    # http.client.RemoteDisconnected (closed without an answer) is a ConnectionResetError.
    return any(isinstance(c, ConnectionResetError | BrokenPipeError) for c in _causes(exc))


def _cause(exc: BaseException) -> str:
    """A short reason from the socket layer ("Connection refused"); the exception texts of
    requests and urllib3 are not used, as they repeat the URL with its password."""
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

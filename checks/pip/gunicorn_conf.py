"""gunicorn.conf.py read with ``ast`` (never executed): the literal settings a launch takes
from it before GUNICORN_CMD_ARGS and its command line. Shared by the pip and systemd styles,
which both start gunicorn."""

from __future__ import annotations

import ast

from auditor.checks.superset import parse_cost

GUNICORN_SETTINGS = {
    "workers": "workers", "timeout": "timeout", "bind": "bind", "accesslog": "access-logfile",
    "errorlog": "error-logfile", "worker_class": "worker-class", "threads": "threads",
    "statsd_host": "statsd-host", "graceful_timeout": "graceful-timeout",
    "max_requests": "max-requests", "user": "user", "wsgi_app": "wsgi-app",
}
"""Settings of the file, by the command-line option each one stands for."""


def refusal(text: str) -> str | None:
    """Why the file is not parsed (too large or too costly for ``ast``), else None."""
    refused = parse_cost.refusal(text)
    return None if refused is None else f"{refused}, not parsed"


def settings(text: str) -> dict[str, tuple[str, ...]]:
    """Literal top-level settings; none from a file too costly to parse or not valid Python
    (the caller names that through :func:`refusal`)."""
    if parse_cost.refusal(text) is not None:
        return {}
    try:
        module = ast.parse(text)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        # MemoryError and RecursionError: expressions nested beyond the parser's stack.
        return {}
    found: dict[str, tuple[str, ...]] = {}
    for node in module.body:
        if not isinstance(node, ast.Assign) or len(node.targets) != 1:
            continue
        target = node.targets[0]
        if not isinstance(target, ast.Name) or target.id not in GUNICORN_SETTINGS:
            continue
        try:
            value = ast.literal_eval(node.value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            continue  # computed (cpu_count() * 2 + 1): left to the command line and defaults
        values = value if isinstance(value, list | tuple) else [value]
        found[GUNICORN_SETTINGS[target.id]] = tuple(str(v) for v in values)
    return found

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
            # Computed: left to the command line and defaults, except the usual
            # ``multiprocessing.cpu_count() * 2 + 1``, whose least value is known.
            found.pop(GUNICORN_SETTINGS[target.id], None)
            if target.id == "workers":
                # Its least value when it can be told, else "?": not gunicorn's default 1.
                least = least_workers(node.value)
                found[WORKERS_AT_LEAST] = ("?" if least is None else str(least),
                                           ast.unparse(node.value))
            continue
        values = value if isinstance(value, list | tuple) else [value]
        found[GUNICORN_SETTINGS[target.id]] = tuple(str(v) for v in values)
        if target.id == "workers":
            found.pop(WORKERS_AT_LEAST, None)
    return found


WORKERS_AT_LEAST = "workers-at-least"
"""Key of a computed ``workers``: (its least value, or ``?`` when it cannot be told, and the
expression)."""
CPU_COUNT = frozenset({"cpu_count", "multiprocessing.cpu_count", "os.cpu_count",
                       "psutil.cpu_count"})


def least_workers(node: ast.expr) -> int | None:
    """The least value of ``workers`` computed from the CPU count (one CPU at the least),
    for sums and products of non-negative integers and ``cpu_count()``, the forms gunicorn's
    documentation and its example file give; None for anything else (``max``, ``min``,
    ``int(os.environ[...])``, a subtraction), whose value is not known."""
    calls = 0

    def walk(expr: ast.expr) -> int | None:
        nonlocal calls
        if isinstance(expr, ast.Constant) and type(expr.value) is int and expr.value >= 0:
            return expr.value
        if isinstance(expr, ast.Call) and not expr.args and not expr.keywords:
            name = ast.unparse(expr.func)
            if name in CPU_COUNT:
                calls += 1
                return 1
            return None
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add | ast.Mult):
            left, right = walk(expr.left), walk(expr.right)
            if left is None or right is None:
                return None
            return left + right if isinstance(expr.op, ast.Add) else left * right
        return None

    least = walk(node)
    return least if calls and least is not None and least <= 10_000 else None

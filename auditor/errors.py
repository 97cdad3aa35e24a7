"""Turning exceptions into the one-line messages users see."""

from __future__ import annotations

from auditor.atomic import OutputError
from auditor.compare import BaselineError
from auditor.config import ConfigError
from auditor.history import HistoryError
from auditor.runner import NothingAuditable
from auditor.targets import TargetError

EXPECTED: tuple[type[Exception], ...] = (
    ConfigError, BaselineError, HistoryError, NothingAuditable, TargetError, OutputError)


def one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    message = text[0] if text else ""
    if isinstance(exc, EXPECTED):
        return message
    return f"internal error: {type(exc).__name__}: {message}".rstrip(": ")

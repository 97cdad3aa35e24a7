"""Masking secrets in text shown as evidence: commands, URLs and option values.

Reports quote commands and settings so a person can find them; the values of
passwords, keys and tokens in them are replaced by ``***`` before they are quoted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

SECRET_WORD = re.compile(
    r"(?i)(password|passwd|passphrase|pwd|secret|token|api[_-]?key|access[_-]?key|credential"
    r"|(?:pass|auth)(?![\w-]))"
)
"""A name or option whose value is a secret (``--password``, ``SMTP_PASSWORD``, ``--api-key``;
ending in pass or auth: ``DB_PASS``, ``REDIS_AUTH``, ``--requirepass``, ``--masterauth``)."""
URL_PASSWORD = re.compile(
    r"(?i)\b([a-z][a-z0-9+.-]*://[^:/?#@\s\"']*):(?:[^@\s\"]|@(?=[^\s\"/?#]*@))+@")
"""The password in a URL's user information (``https://user:PASSWORD@host``): up to the last
``@`` of the authority, as URL parsers split it (``user:p@ss@host``), quotes included."""
MASK = "***"


def redact_url(text: str) -> str:
    """``scheme://user:PASSWORD@host`` becomes ``scheme://user:***@host``, anywhere in ``text``."""
    return URL_PASSWORD.sub(rf"\1:{MASK}@", text)


def redact_words(words: Iterable[str]) -> list[str]:
    """Command words with secret values masked: ``--password=X``, ``NAME_TOKEN=X``, the word
    after ``--password`` or ``--api-key``, and passwords in URLs."""
    shown: list[str] = []
    hide_next = False
    for word in words:
        if hide_next:
            shown.append(MASK)
            hide_next = False
            continue
        parts = word.split("=")
        # NAME=X, and the NAME=X inside --env=NAME=X: all after the first secret name goes.
        at = next((i for i, name in enumerate(parts[:-1], 1) if SECRET_WORD.search(name)), 0)
        if at:
            shown.append(redact_url("=".join(parts[:at])) + f"={MASK}")
            continue
        hide_next = len(parts) == 1 and "/" not in word and bool(SECRET_WORD.search(word))
        shown.append(redact_url(word))
    return shown


def redact(text: str) -> str:
    """A command line or setting as evidence, split on whitespace and masked word by word."""
    return " ".join(redact_words(text.split()))

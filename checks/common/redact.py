"""Masking secrets in text shown as evidence: commands, URLs and option values.

Reports quote commands and settings so a person can find them; the values of
passwords, keys and tokens in them are replaced by ``***`` before they are quoted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

SECRET_WORD = re.compile(
    r"(?i)(password|passwd|passphrase|pwd|secret|token|api[_-]?key|access[_-]?key|credential)"
)
"""A name or option whose value is a secret (``--password``, ``SMTP_PASSWORD``, ``--api-key``)."""
URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^:/?#@\s\"']*):[^@\s\"']+@")
"""The password in a URL's user information (``https://user:PASSWORD@host``)."""
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
        name, sep, _ = word.partition("=")
        if sep and SECRET_WORD.search(name):
            shown.append(f"{name}={MASK}")
            continue
        hide_next = not sep and "/" not in word and bool(SECRET_WORD.search(word))
        shown.append(redact_url(word))
    return shown


def redact(text: str) -> str:
    """A command line or setting as evidence, split on whitespace and masked word by word."""
    return " ".join(redact_words(text.split()))

"""Secrets recognised by what a value looks like, whatever the key or variable is called.

Every style can ask :func:`secret_kind` about a value found in plain configuration (a
ConfigMap, a literal environment value, a ``.env`` file). The answer names the kind of
secret only; the value itself never leaves this module.
"""

from __future__ import annotations

import re

PEM_PRIVATE_KEY = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")
"""RSA, EC, DSA, OPENSSH, ENCRYPTED and PKCS#8 private keys (``PGP PRIVATE KEY BLOCK`` too)."""
AWS_ACCESS_KEY = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Z0-9])")
"""An AWS access key id (long-term AKIA, temporary ASIA): half a credential, never public."""
GCP_SERVICE_ACCOUNT = re.compile(r'"type"\s*:\s*"service_account"[\s\S]*"private_key"|'
                                 r'"private_key"[\s\S]*"type"\s*:\s*"service_account"')
AZURE_ACCOUNT_KEY = re.compile(r"(?i)\bAccountKey=[A-Za-z0-9+/]{20,}={0,2}")
URL_WITH_PASSWORD = re.compile(
    r"(?i)[a-z][a-z0-9+.-]{0,63}://[^:/?#@\s\"']*:(?P<password>[^@\s\"'/]+)@[^\s\"']")
"""A scheme is at most 64 characters here (``postgresql+psycopg2`` is 19): unbounded, every
``.``-separated word of a long value started a scan to its end, 1.8 s for 20 KB of ``a.``."""
# A password that is a reference to be filled in elsewhere is not a secret in the file.
PLACEHOLDER = re.compile(r"^(?:\$|\{|%\(|<|\*+$|x+$|\.\.\.$)", re.I)

KINDS: tuple[tuple[str, re.Pattern[str], tuple[tuple[str, ...], ...]], ...] = (
    ("a PEM private key", PEM_PRIVATE_KEY, (("-----BEGIN ",),)),
    ("a GCP service account key", GCP_SERVICE_ACCOUNT,
     (('"private_key"',), ("service_account",))),
    ("an AWS access key id", AWS_ACCESS_KEY, (("AKIA", "ASIA"),)),
    ("an Azure storage account key", AZURE_ACCOUNT_KEY, (("=",),)),
)
"""(kind, pattern, what every match contains: one text of each group). A substring test
costs a fraction of a regular expression's search, and ConfigMaps hold whole files: a
value lacking what a match needs is not searched (``secret_kind`` took a tenth of a
4,000-document audit)."""


def secret_kind(value: str) -> str | None:
    """What kind of secret ``value`` holds ("a PEM private key"), or None."""
    for label, pattern, needed in KINDS:
        if all(any(text in value for text in group) for group in needed) \
                and pattern.search(value):
            return label
    if "://" not in value or "@" not in value:  # every URL_WITH_PASSWORD match has both
        return None
    for match in URL_WITH_PASSWORD.finditer(value):
        if not PLACEHOLDER.match(match.group("password")):
            return "a connection string with a password"
    return None

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
    r"(?i)\b[a-z][a-z0-9+.-]*://[^:/?#@\s\"']*:(?P<password>[^@\s\"'/]+)@[^\s\"']")
# A password that is a reference to be filled in elsewhere is not a secret in the file.
PLACEHOLDER = re.compile(r"^(?:\$|\{|%\(|<|\*+$|x+$|\.\.\.$)", re.I)

KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("a PEM private key", PEM_PRIVATE_KEY),
    ("a GCP service account key", GCP_SERVICE_ACCOUNT),
    ("an AWS access key id", AWS_ACCESS_KEY),
    ("an Azure storage account key", AZURE_ACCOUNT_KEY),
)


def secret_kind(value: str) -> str | None:
    """What kind of secret ``value`` holds ("a PEM private key"), or None."""
    for label, pattern in KINDS:
        if pattern.search(value):
            return label
    for match in URL_WITH_PASSWORD.finditer(value):
        if not PLACEHOLDER.match(match.group("password")):
            return "a connection string with a password"
    return None

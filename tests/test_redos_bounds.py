"""Patterns over values anyone can write stay linear: no value makes a search quadratic.

ConfigMap values, environment values and commands come from pull requests; the auditor
searches them for URLs with passwords (``secret_kind``, ``password_fields``) and masks
them before showing anything (``redact``, ``redact_url``, ``mask_text``). A URL scheme
matched as ``[a-z][a-z0-9+.-]*`` made every word of a long value start a scan to its end
(20 KB of ``a.`` took 1.8 s, 1 MB would take hours), and the masked password part of a
long token with no ``@`` after its ``://`` did the same.

The hostile values run in a child process under a generous hang guard (a search in C
cannot be interrupted by a signal): a guard against hangs, not a timing of the code.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
import textwrap

import pytest

from auditor.checks.common import redact
from auditor.checks.common.secretvalues import secret_kind

HANG_GUARD_S = 120

HOSTILE = textwrap.dedent("""
    from auditor.checks.common.redact import mask_text, redact, redact_url
    from auditor.checks.common.secretvalues import secret_kind
    from auditor.checks.kubernetes.file_passwords import password_fields
    n = 100_000
    values = ["a." * n + "://x@y", "a" * 2 * n + "://x@y", "@" + "a://b:" * (n // 3),
              "x " + "a.b-c+" * (n // 3) + "://u:p@h", "@ " + "ab://" * (n // 2)]
    for value in values:
        secret_kind(value)
        redact(value)
        redact_url(value)
        mask_text(value)
        password_fields("notes.txt", value)
    print("ok")
""")


def test_hostile_values_are_searched_in_linear_time() -> None:
    done = subprocess.run([sys.executable, "-c", HOSTILE], capture_output=True, text=True,
                          timeout=HANG_GUARD_S, check=False)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


# The masking before the change, as an oracle: on text whose schemes start words and are
# shorter than 64 characters, the bounded, cut search masks exactly what it masked.
OLD_URL_PASSWORD = re.compile(
    r"(?i)\b([a-z][a-z0-9+.-]*://[^:/?#@\s\"']*):(?:[^@\s\"]|@(?=[^\s\"/?#]*@))+@")
ALPHABET = "ab:/@.- \"'?#"


def _old_redact_url(text: str) -> str:
    if "@" not in text and "?" not in text and "&" not in text and ";" not in text:
        return text
    text = OLD_URL_PASSWORD.sub(rf"\1:{redact.MASK}@", text)
    text = redact.URL_TOKEN_USER.sub(rf"\1{redact.MASK}@", text)
    text = redact.BARE_PASSWORD.sub(rf"\1:{redact.MASK}@", text)
    return redact.QUERY_SECRET.sub(rf"\1{redact.MASK}", text)


@pytest.mark.parametrize("seed", range(4))
def test_masking_is_unchanged_on_ordinary_text(seed: int) -> None:
    rng = random.Random(seed)
    parts = ["ab://", "a:b@", "postgresql://u:p@h/db", "@", "://", " ", "a", ":", '"', "/"]
    for _ in range(5000):
        text = "".join(rng.choice(parts + list(ALPHABET)) for _ in range(rng.randint(1, 12)))
        assert redact.redact_url(text) == _old_redact_url(text), text


@pytest.mark.parametrize("value", [
    "x_postgresql://superset:hunter2@db/superset",   # no word boundary before the scheme
    "a" * 80 + "://user:hunter2@host",               # a scheme longer than any real one
])
def test_passwords_behind_odd_schemes_are_masked_and_found(value: str) -> None:
    assert "hunter2" not in redact.redact_url(value)
    assert secret_kind(value) == "a connection string with a password"

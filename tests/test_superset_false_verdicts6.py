"""False verdicts of the Superset pack found in real deployments (session 6): each test
names the deployment that showed it and fails without the fix."""

from __future__ import annotations

from auditor.checks.superset import secrets, services
from auditor.checks.superset.configmodel import EnvValue, SupersetConfig, analyze
from auditor.model import Status

PUPPET_TEXT = "Sensitive [value redacted]"


def _config(text: str, env: dict[str, str] | None = None) -> SupersetConfig:
    given = {k: EnvValue(v, "unit:1") for k, v in (env or {}).items()}
    return analyze(text, "superset_config.py", given)


# -- 1. Puppet's Sensitive#to_s as a key (jortencio/superset) ------------------------------

def test_puppet_sensitive_text_is_a_known_secret_key() -> None:
    """jortencio/superset's template interpolates its Sensitive[String] key without .unwrap:
    every host gets the same text, judged before only as '26 bytes'."""
    result = secrets._judge("SECRET_KEY", _config(f"SECRET_KEY = {PUPPET_TEXT!r}\n"))
    assert result.status is Status.FAIL
    assert "Puppet" in result.message and "Sensitive#to_s" in result.message
    assert "publicly known" in result.message
    shown = result.message + " ".join(result.evidence)
    assert "[value redacted]" not in shown and "26 bytes" not in shown


def test_puppet_sensitive_text_in_the_environment_is_known() -> None:
    result = secrets._judge("SECRET_KEY", _config("", {"SUPERSET_SECRET_KEY": PUPPET_TEXT}))
    assert result.status is Status.FAIL and "Puppet" in result.message


def test_puppet_sensitive_text_as_guest_token_secret_is_known() -> None:
    config = _config("FEATURE_FLAGS = {'EMBEDDED_SUPERSET': True}\n"
                     f"GUEST_TOKEN_JWT_SECRET = {PUPPET_TEXT!r}\n")
    verdict = services._jwt("GUEST_TOKEN_JWT_SECRET", "EMBEDDED_SUPERSET")(config)
    assert verdict is not None
    status, message, _ = verdict
    assert status is Status.FAIL and "Puppet" in message, message


def test_a_key_that_only_mentions_sensitive_is_judged_by_its_length() -> None:
    """Only Puppet's exact text is public; a long key with the word in it is not."""
    key = "Sensitive-9f8e7d6c5b4a39281706f5e4d3c2b1a0-private"
    result = secrets._judge("SECRET_KEY", _config(f"SECRET_KEY = {key!r}\n"))
    assert result.status is Status.PASS, result

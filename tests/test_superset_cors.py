"""CORS as Superset 6 ships it: ``ENABLE_CORS = True`` by default (its map tile servers as
origins), where earlier releases ship it off. A config that sets a permissive
``CORS_OPTIONS`` but never ``ENABLE_CORS`` passed as "CORS is off" (a false pass on 6.x,
found by the end-to-end audit of a real Superset 6.1.0)."""

from __future__ import annotations

from auditor.checks.superset import security
from auditor.checks.superset.configmodel import analyze
from auditor.model import Status

ANY_WITH_CREDENTIALS = ('CORS_OPTIONS = {"origins": ["*"], "supports_credentials": True, '
                        '"resources": ["*"]}\n')


def _verdict(text: str) -> tuple[Status, str]:
    found = security._cors(analyze(text, "superset_config.py", {}))
    assert found is not None
    return found[0], found[1]


def test_permissive_options_without_enable_cors_fail() -> None:
    status, message = _verdict(ANY_WITH_CREDENTIALS)
    assert status is Status.FAIL
    assert "any origin with credentials" in message


def test_permissive_options_with_cors_turned_off_pass() -> None:
    status, message = _verdict("ENABLE_CORS = False\n" + ANY_WITH_CREDENTIALS)
    assert (status, message) == (Status.PASS, "CORS is off")


def test_nothing_set_names_what_each_release_does() -> None:
    status, message = _verdict("ROW_LIMIT = 5000\n")
    assert status is Status.PASS
    assert "tile.openstreetmap.org" in message and "earlier releases nothing" in message


def test_named_origins_pass_and_any_origin_warns() -> None:
    named = 'ENABLE_CORS = True\nCORS_OPTIONS = {"origins": ["https://bi.example.com"]}\n'
    assert _verdict(named)[0] is Status.PASS
    any_origin = 'CORS_OPTIONS = {"origins": "*"}\n'
    assert _verdict(any_origin)[0] is Status.WARN

"""Direct unit tests for the Kubernetes security checks' helpers (issue 13, item 3).

Conditions a whole-tree case cannot state (a finding that must not exist, a helper's
answer on an edge) are pinned here, each expected value a literal.
"""

from __future__ import annotations

import pytest

from auditor.checks.kubernetes.monitoring import log_files
from auditor.checks.kubernetes.network import admits_all, policy_types


@pytest.mark.parametrize(("command", "expected"), [
    ("gunicorn --access-logfile /var/log/a.log app", [("--access-logfile", "/var/log/a.log")]),
    ("gunicorn --error-logfile=/var/log/e.log app", [("--error-logfile", "/var/log/e.log")]),
    ("gunicorn --log-file 'x.log' app", [("--log-file", "x.log")]),
    ("celery worker --logfile=/tmp/w.log", [("--logfile", "/tmp/w.log")]),
    ("gunicorn --access-logfile - --error-logfile /dev/stderr app", []),
    ("gunicorn --log-file=/dev/stdout --logfile /proc/self/fd/1 -x /proc/self/fd/2", []),
    ("gunicorn --access-logfile", []),
    ("gunicorn --access-logfile=", []),
    ("gunicorn --access-log-format x --logfile-x /y", []),
])
def test_log_files(command: str, expected: list[tuple[str, str]]) -> None:
    assert log_files(command) == expected


@pytest.mark.parametrize(("spec", "expected"), [
    ({}, False),
    ({"ingress": []}, False),
    ({"ingress": [{}]}, True),
    ({"ingress": [{"ports": [{"port": 8088}]}]}, True),
    ({"ingress": [{"from": []}]}, True),
    ({"ingress": [{"from": [{"namespaceSelector": {}}]}]}, True),
    ({"ingress": [{"from": [{"namespaceSelector": {}, "podSelector": {}}]}]}, True),
    ({"ingress": [{"from": [{"namespaceSelector": {},
                             "podSelector": {"matchLabels": {"a": "b"}}}]}]}, False),
    ({"ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"a": "b"}}}]}]}, False),
    ({"ingress": [{"from": [{"podSelector": {}}]}]}, False),
    ({"ingress": [{"from": [{"podSelector": {"matchLabels": {"a": "b"}}}]}, {}]}, True),
])
def test_admits_all(spec: dict[str, object], expected: bool) -> None:
    assert admits_all(spec) is expected


@pytest.mark.parametrize(("spec", "expected"), [
    ({}, ["Ingress"]),
    ({"egress": [{}]}, ["Ingress", "Egress"]),
    ({"policyTypes": ["Egress"]}, ["Egress"]),
    ({"policyTypes": ["Egress"], "egress": [{}]}, ["Egress"]),
])
def test_policy_types(spec: dict[str, object], expected: list[str]) -> None:
    assert policy_types(spec) == expected

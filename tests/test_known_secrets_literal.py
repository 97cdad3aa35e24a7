"""Every publicly known Superset secret fails its check, by literal value (issue 13).

The expected keys are written out here, copied from DESIGN.md "Facts about Superset",
never imported from ``auditor.checks.superset.defaults``: deleting an entry from the
code's table must break a test, not delete one. Each fixture is a one-line
``superset_config.py`` that differs from the passing one in the key alone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import scan_report

STRONG = "Zq3vN8xL2pR7tW1yB6mK9cF4hJ0sD5gA-strong-private"
"""48 bytes, random-looking, published nowhere: the passing fixture."""

# (the published value, a fragment only that value has, words the verdict must use)
KNOWN_KEYS = [
    ("CHANGE_ME_TO_A_COMPLEX_RANDOM_SECRET", "CHANGE_ME_TO_A_COMPLEX", "built-in default"),
    ("thisISaSECRET_1234", "thisISaSECRET", "Helm chart"),
    ("YOUR_OWN_RANDOM_GENERATED_SECRET_KEY", "YOUR_OWN_RANDOM", "documentation"),
    ("TEST_NON_DEV_SECRET", "TEST_NON_DEV", "docker/.env"),
    ("\x02\x01thisismyscretkey\x01\x02\\e\\y\\y\\h", "thisismyscretkey", "pre-1.4.1"),
    ("vwIxubtT28cEkBaamx8bNsWsNvZLGznyhK948EkrahfTINnpTjSa6FKa", "vwIxubtT28cEk",
     "old Helm chart"),
]


def _scan(tmp_path: Path, config: str) -> dict[str, Any]:
    project = tmp_path / "project"
    project.mkdir(parents=True)
    (project / "superset_config.py").write_text(config)
    return scan_report(tmp_path, str(project), "--style", "pip")


def _only(report: dict[str, Any], check_id: str) -> dict[str, Any]:
    found = [f for t in report["targets"] for f in t["findings"] if f["check_id"] == check_id]
    assert len(found) == 1, found
    return found[0]


def test_a_strong_private_key_passes(tmp_path: Path) -> None:
    report = _scan(tmp_path, f"SECRET_KEY = {STRONG!r}\n")
    finding = _only(report, "SUPERSET-CONFIG-SECRETS-001")
    assert finding["status"] == "pass"
    assert finding["severity"] == "critical"
    assert finding["subject"] == "SECRET_KEY"
    assert STRONG not in json.dumps(report)


@pytest.mark.parametrize(("value", "fragment", "named"), KNOWN_KEYS,
                         ids=[k[1] for k in KNOWN_KEYS])
def test_every_published_secret_key_fails_and_is_never_shown(
        tmp_path: Path, value: str, fragment: str, named: str) -> None:
    report = _scan(tmp_path, f"SECRET_KEY = {value!r}\n")
    finding = _only(report, "SUPERSET-CONFIG-SECRETS-001")
    assert finding["status"] == "fail"
    assert finding["severity"] == "critical"
    assert finding["subject"] == "SECRET_KEY"
    # Named as the published key it is, not merely as too short (most are short too).
    assert named in finding["message"]
    assert "bytes" not in finding["message"]
    assert finding["evidence"] == ["SECRET_KEY from superset_config.py:1 (value not shown)"]
    assert finding["location"] == {"path": "superset_config.py", "line": 1}
    assert fragment not in json.dumps(report)
    # An unwaived critical fail: never ready, grade at most D.
    assert report["score"]["ready"] is False
    assert report["score"]["grade"] in ("D", "F")


def test_unset_secret_key_is_supersets_own_default_and_fails(tmp_path: Path) -> None:
    report = _scan(tmp_path, "ROW_LIMIT = 5000\n")
    finding = _only(report, "SUPERSET-CONFIG-SECRETS-001")
    assert finding["status"] == "fail"
    assert finding["subject"] == "SECRET_KEY"
    assert "built-in default" in finding["message"]
    assert finding["evidence"] == ["SECRET_KEY from Superset default (value not shown)"]
    assert "CHANGE_ME_TO_A_COMPLEX" not in json.dumps(report)
    assert report["score"]["ready"] is False


def test_empty_secret_key_fails(tmp_path: Path) -> None:
    finding = _only(_scan(tmp_path, "SECRET_KEY = ''\n"), "SUPERSET-CONFIG-SECRETS-001")
    assert finding["status"] == "fail"
    assert finding["message"] == "SECRET_KEY is empty"


@pytest.mark.parametrize(("size", "expected"), [(31, "fail"), (32, "pass")])
def test_key_length_boundary(tmp_path: Path, size: int, expected: str) -> None:
    key = (STRONG * 2)[:size]
    finding = _only(_scan(tmp_path, f"SECRET_KEY = {key!r}\n"), "SUPERSET-CONFIG-SECRETS-001")
    assert finding["status"] == expected
    if expected == "fail":
        assert "31 bytes" in finding["message"]


# (check id, setting, feature flag that makes it matter, published default, words naming it)
JWT = [
    ("SUPERSET-CONFIG-SECRETS-002", "GUEST_TOKEN_JWT_SECRET", "EMBEDDED_SUPERSET",
     "test-guest-secret-change-me", "default GUEST_TOKEN_JWT_SECRET"),
    ("SUPERSET-CONFIG-SECRETS-003", "GLOBAL_ASYNC_QUERIES_JWT_SECRET", "GLOBAL_ASYNC_QUERIES",
     "test-secret-change-me", "default GLOBAL_ASYNC_QUERIES_JWT_SECRET"),
]


def _jwt_config(setting: str, feature: str, value: str | None) -> str:
    text = f"SECRET_KEY = {STRONG!r}\nFEATURE_FLAGS = {{{feature!r}: True}}\n"
    return text + (f"{setting} = {value!r}\n" if value is not None else "")


@pytest.mark.parametrize(("check_id", "setting", "feature", "default", "named"), JWT,
                         ids=[j[1] for j in JWT])
def test_published_jwt_secret_fails_set_or_unset(
        tmp_path: Path, check_id: str, setting: str, feature: str, default: str,
        named: str) -> None:
    for n, value in enumerate((default, None)):  # written out, then left at the default
        report = _scan(tmp_path / str(n), _jwt_config(setting, feature, value))
        finding = _only(report, check_id)
        assert finding["status"] == "fail", (value, finding)
        assert finding["subject"] == setting
        assert named in finding["message"]
        assert "bytes" not in finding["message"]
        assert f"{feature} is on" in finding["evidence"]
        assert default not in json.dumps(report)


@pytest.mark.parametrize(("check_id", "setting", "feature", "default", "named"), JWT,
                         ids=[j[1] for j in JWT])
def test_private_jwt_secret_passes(
        tmp_path: Path, check_id: str, setting: str, feature: str, default: str,
        named: str) -> None:
    report = _scan(tmp_path, _jwt_config(setting, feature, STRONG[::-1]))
    finding = _only(report, check_id)
    assert finding["status"] == "pass"
    assert finding["subject"] == setting
    assert STRONG[::-1] not in json.dumps(report)


# --- the same keys given to Compose and Kubernetes as SUPERSET_SECRET_KEY -----------------

def _all(report: dict[str, Any], check_id: str) -> list[dict[str, Any]]:
    return [f for t in report["targets"] for f in t["findings"] if f["check_id"] == check_id]


@pytest.mark.parametrize(("value", "fragment", "named"), KNOWN_KEYS,
                         ids=[k[1] for k in KNOWN_KEYS])
def test_published_key_in_compose_environment(tmp_path: Path, value: str, fragment: str,
                                              named: str) -> None:
    project = tmp_path / "project"
    project.mkdir()
    # a JSON string is a YAML double-quoted scalar: control characters stay escaped
    (project / "compose.yaml").write_text(
        "services:\n  superset:\n    image: apache/superset:4.1.1\n    environment:\n"
        f"      SUPERSET_SECRET_KEY: {json.dumps(value)}\n")
    report = scan_report(tmp_path, str(project))
    (known,) = _all(report, "COMPOSE-CONFIG-SECRETS-001")
    assert known["status"] == "fail"
    assert known["subject"] == "service/superset"
    (hit,) = known["evidence"]
    assert hit.startswith("SUPERSET_SECRET_KEY (compose.yaml:5 environment) is ")
    assert named in hit
    (app,) = _all(report, "SUPERSET-CONFIG-SECRETS-001")
    assert app["status"] == "fail" and named in app["message"]
    assert fragment not in json.dumps(report)


@pytest.mark.parametrize(("value", "fragment", "named"), KNOWN_KEYS,
                         ids=[k[1] for k in KNOWN_KEYS])
def test_published_key_in_a_kubernetes_secret(tmp_path: Path, value: str, fragment: str,
                                              named: str) -> None:
    target = tmp_path / "manifests"
    target.mkdir()
    (target / "app.yaml").write_text(f"""\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: superset, namespace: bi}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: superset}}}}
  template:
    metadata: {{labels: {{app: superset}}}}
    spec:
      containers:
        - name: web
          image: apache/superset:4.1.1
          envFrom: [{{secretRef: {{name: superset-env}}}}]
---
apiVersion: v1
kind: Secret
metadata: {{name: superset-env, namespace: bi}}
stringData:
  SUPERSET_SECRET_KEY: {json.dumps(value)}
""")
    report = scan_report(tmp_path, str(target))
    (known,) = _all(report, "K8S-CONFIG-SECRETS-002")
    assert known["status"] == "fail"
    assert known["subject"] == "v1/Secret/bi/superset-env"
    (hit,) = known["evidence"]
    assert hit.startswith("key SUPERSET_SECRET_KEY: ") and named in hit
    (app,) = _all(report, "SUPERSET-CONFIG-SECRETS-001")
    assert app["status"] == "fail" and named in app["message"]
    assert app["subject"] == "apps/v1/Deployment/bi/superset:SECRET_KEY"
    assert fragment not in json.dumps(report)

"""An annotation whose YAML key is null or a number is no waiver, and no crash: the
collector read every key as text (the fuzz test drew ``null:`` among the annotations)."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.api import scan
from auditor.model import Status

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ns
  labels: {{app: superset}}
  annotations:
    {key}: x
    auditor.io/waive.K8S-RESOURCES-001: reviewed
spec:
  replicas: 2
  selector: {{matchLabels: {{app: superset}}}}
  template:
    metadata: {{labels: {{app: superset}}}}
    spec:
      containers:
      - {{name: web, image: "apache/superset:4.1.1"}}
"""


@pytest.mark.parametrize("key", ["null", "~", "42", "true"])
def test_odd_annotation_keys_are_read_and_waivers_still_apply(tmp_path: Path, key: str) -> None:
    (tmp_path / "d.yaml").write_text(DEPLOYMENT.format(key=key), encoding="utf-8")
    report = scan([str(tmp_path)], style="kubernetes")
    assert not report.problems, report.problems
    findings = [f for t in report.targets for f in t.findings]
    assert not [f for f in findings if f.status is Status.ERROR]
    (resources,) = [f for f in findings if f.check_id == "K8S-RESOURCES-001"]
    assert resources.waiver is not None, "the text-keyed waiver still applies"

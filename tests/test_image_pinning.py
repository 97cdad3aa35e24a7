"""One list of moving image tags, and the same verdict from the Compose and Kubernetes rollback
checks (Superset's Docker Hub tags: latest, latest-dev, master, master-dev, dockerize,
<version>, <version>-dev, <sha>)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import scan_report

from auditor.checks.common.images import Pinning, pinning
from auditor.checks.compose.rollback import judge_tag
from auditor.model import Status

CASES = [
    ("apache/superset:latest-dev", Pinning.MOVING, Status.FAIL),
    ("apache/superset:master-dev", Pinning.MOVING, Status.FAIL),
    ("apache/superset:master-lean", Pinning.MOVING, Status.FAIL),
    ("apache/superset:dockerize", Pinning.MOVING, Status.FAIL),
    ("apache/superset", Pinning.NONE, Status.FAIL),
    ("localhost:5000/superset", Pinning.NONE, Status.FAIL),
    ("nginx:stable-alpine", Pinning.MOVING, Status.FAIL),
    # No version in the tag: re-pointed at every release (seen on feruzoripov's nginx).
    ("nginx:alpine", Pinning.MOVING, Status.FAIL),
    ("nginx:mainline", Pinning.MOVING, Status.FAIL),
    ("debian:bookworm-slim", Pinning.MOVING, Status.FAIL),
    ("apache/superset:bfacedd", Pinning.VERSION, Status.WARN),  # a commit's sha
    ("apache/superset:3f1c6ab9e2", Pinning.VERSION, Status.WARN),
    ("apache/superset:4.1.2", Pinning.VERSION, Status.WARN),
    ("apache/superset:4.1.2-dev", Pinning.VERSION, Status.WARN),
    ("postgres:16", Pinning.FLOATING, Status.WARN),
    ("apache/superset:4.1.2@sha256:" + "a" * 64, Pinning.DIGEST, Status.PASS),
]


DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: superset, namespace: bi}}
spec:
  selector: {{matchLabels: {{app: superset}}}}
  template:
    metadata: {{labels: {{app: superset}}}}
    spec:
      containers:
        - name: superset
          image: {image}
          command: ["gunicorn", "superset.app:create_app()"]
"""


@pytest.mark.parametrize("image, kind, status", CASES)
def test_compose_and_kubernetes_agree_on_an_image(image: str, kind: Pinning, status: Status,
                                                  tmp_path: Path) -> None:
    """The Compose check passed `apache/superset:4.1.2` while the Kubernetes check warned on it,
    and `master-dev`/`dockerize` were judged pinned by both: one list now decides both."""
    assert pinning(image) is kind
    assert judge_tag(image)[0] is status
    (tmp_path / "superset.yaml").write_text(DEPLOYMENT.format(image=image))
    report = scan_report(tmp_path, str(tmp_path / "superset.yaml"), "--style", "kubernetes")
    (finding,) = [f for t in report["targets"] for f in t["findings"]
                  if f["check_id"] == "K8S-ROLLBACK-001"]
    assert finding["status"] == status.value

"""Symbolic links in a manifest directory stay inside it (issue 14's host-tree escape, for
plain manifests): a pull request can carry ``leak.yaml -> /etc/shadow`` or a link to
``/proc/kmsg``, which the loader opened and quoted (or hung on). A link that resolves inside
the directory is read as before; one that leads out is named and never opened."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import scan_report

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: bi}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.27.1"}]
"""
OUTSIDE = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: planted-outside, namespace: bi}
data: {marker: OUTSIDE-MARKER-7Qz}
"""


def test_a_link_out_of_the_directory_is_named_and_not_read(tmp_path: Path) -> None:
    manifests = tmp_path / "manifests"
    (manifests / "sub").mkdir(parents=True)
    (manifests / "web.yaml").write_text(DEPLOYMENT)
    secret = tmp_path / "outside.yaml"
    secret.write_text(OUTSIDE)
    (manifests / "leak.yaml").symlink_to(secret)
    (manifests / "sub" / "absolute.yaml").symlink_to(secret.resolve())
    (manifests / "again.yaml").symlink_to(manifests / "web.yaml")
    report = scan_report(tmp_path, str(manifests), "--style", "kubernetes")
    text = json.dumps(report)
    assert "OUTSIDE-MARKER-7Qz" not in text and "planted-outside" not in text
    problems = report["targets"][0]["problems"]
    for name in ("leak.yaml", "sub/absolute.yaml"):
        assert any(p.startswith(f"file {name}:") and "leads out of the audited directory" in p
                   for p in problems), problems
    # A link inside is read (the same Deployment twice, which is named as such).
    assert not any("again.yaml" in p and "leads out" in p for p in problems), problems
    assert any("defined 2 times" in p and "again.yaml" in p for p in problems), problems
    subjects = {f["subject"] for f in report["targets"][0]["findings"]}
    assert "apps/v1/Deployment/bi/web" in subjects

"""Findings in a rendered chart point at the template that wrote the object (helm's
``# Source:`` comments, issue 17 item 7), with a line only where the template holds it
beyond doubt: a false line is worse than none. Rendered by the real ``helm template``."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import scan_report, write_tree
from helmbin import path_with_helm, require_helm

from auditor.checks.kubernetes import helm
from auditor.checks.kubernetes.chartsources import could_write, relocate
from auditor.checks.kubernetes.loader import load_text
from auditor.model import Location

LABEL = "topdir (helm template)"

TOP = {
    "Chart.yaml": "apiVersion: v2\nname: top\nversion: 0.1.0\n",
    "values.yaml": "literal: false\napi: v1\n",
    "templates/_helpers.tpl": (
        '{{- define "top.object" -}}\n'
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: included\n"
        "{{- end -}}\n"),
    "templates/multi.yaml": (
        '{{- range list "a" "b" }}\n'          # 1
        "---\n"                                 # 2
        "apiVersion: v1\n"                      # 3
        "kind: Service\n"                       # 4
        "metadata:\n"                           # 5
        "  name: {{ . }}\n"                     # 6
        "{{- end }}\n"                          # 7
        "---\n"                                 # 8
        "# the web tier\n"                      # 9
        "apiVersion: apps/v1\n"                 # 10
        "kind: Deployment\n"                    # 11
        "metadata:\n"                           # 12
        "  name: web\n"                         # 13
        "  labels:\n"                           # 14
        '    {{- include "top.labels" . | nindent 4 }}\n'),  # 15: cannot write column 0
    "templates/labels.tpl": '{{- define "top.labels" -}}\napp: top\n{{- end -}}\n',
    # The else branch writes the very same first lines through an action: the literal pair
    # of the if branch did not write them.
    "templates/branches.yaml": (
        "{{- if .Values.literal }}\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: branch\n"
        "{{- else }}\n"
        "apiVersion: {{ .Values.api }}\nkind: ConfigMap\nmetadata:\n  name: branch\n"
        "{{- end }}\n"),
    "templates/included.yaml": '{{ include "top.object" . }}\n',
    "templates/twice.yaml": (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: one\n---\n"
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: two\n"),
    # The subchart's folder is not its name: helm's comment names it by its Chart.yaml.
    "charts/sub/Chart.yaml": "apiVersion: v2\nname: subby\nversion: 0.1.0\n",
    "charts/sub/templates/svc.yaml": (
        "# a subchart's service\napiVersion: v1\nkind: Service\nmetadata:\n  name: sub\n"),
}


@pytest.fixture
def helm_on_path(monkeypatch: pytest.MonkeyPatch) -> str:
    binary = require_helm()
    monkeypatch.setenv("PATH", path_with_helm())
    return binary


def chart(tmp_path: Path, helm_bin: str) -> Path:
    root = write_tree(tmp_path / "topdir", TOP)
    packed = write_tree(tmp_path / "packed", {
        "Chart.yaml": "apiVersion: v2\nname: packed\nversion: 1.2.3\n",
        "templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: packed\n",
    })
    subprocess.run([helm_bin, "package", str(packed), "-d", str(root / "charts")],
                   check=True, capture_output=True, timeout=120)
    return root


def located(root: Path) -> dict[str, Location | None]:
    rendered = helm.render(root, {})
    assert rendered.error is None, rendered.error
    items = relocate(load_text(rendered.text, LABEL), root, rendered.text)
    return {f"{i.kind}/{i.name}": i.location for i in items}


def test_each_object_points_at_its_template(helm_on_path: str, tmp_path: Path) -> None:
    places = located(chart(tmp_path, helm_on_path))
    # Literal first lines, written once: the template's own line, also from a range.
    assert places["Service/a"] == Location("templates/multi.yaml", 3)
    assert places["Service/b"] == Location("templates/multi.yaml", 3)
    assert places["Deployment/web"] == Location("templates/multi.yaml", 10)
    assert places["Service/sub"] == Location("charts/sub/templates/svc.yaml", 2)
    # The file, and no line where a line could be false.
    assert places["ConfigMap/branch"] == Location("templates/branches.yaml", None)
    assert places["ConfigMap/included"] == Location("templates/included.yaml", None)
    assert places["Secret/one"] == Location("templates/twice.yaml", None)
    assert places["Secret/two"] == Location("templates/twice.yaml", None)
    # A packed subchart is no file of the chart anyone can annotate: helm's output it stays.
    packed = places["ConfigMap/packed"]
    assert packed is not None and packed.path == LABEL and packed.line is not None


def test_a_template_linked_out_of_the_chart_is_not_read(helm_on_path: str,
                                                        tmp_path: Path) -> None:
    root = chart(tmp_path, helm_on_path)
    outside = tmp_path / "outside.yaml"
    outside.write_text("apiVersion: v1\nkind: Service\n")
    text = ("---\n# Source: top/templates/linked.yaml\napiVersion: v1\nkind: Service\n"
            "metadata:\n  name: linked\n")
    (root / "templates" / "linked.yaml").symlink_to(outside)
    [item] = relocate(load_text(text, LABEL), root, text)
    assert item.location == Location(LABEL, 3)


@pytest.mark.parametrize("source", [
    "top/../../outside.yaml", "/etc/passwd", "top//templates/x.yaml", "top/templates/../x.yaml",
    "top/templates/missing.yaml", "top/charts/nosuch/templates/x.yaml", "top",
])
def test_a_source_that_names_no_file_of_the_chart_keeps_helms_output(
        source: str, tmp_path: Path) -> None:
    root = write_tree(tmp_path / "topdir", {"Chart.yaml": TOP["Chart.yaml"],
                                            "templates/x.yaml": "apiVersion: v1\nkind: Service\n"})
    (tmp_path / "outside.yaml").write_text("apiVersion: v1\nkind: Service\n")
    text = f"---\n# Source: {source}\napiVersion: v1\nkind: Service\nmetadata:\n  name: s\n"
    [item] = relocate(load_text(text, LABEL), root, text)
    assert item.location == Location(LABEL, 3)


@pytest.mark.parametrize(("template", "rendered", "can"), [
    ("apiVersion: v1", "apiVersion: v1", True),
    ("apiVersion: v2", "apiVersion: v1", False),
    ("apiVersion: {{ .Values.api }}", "apiVersion: v1", True),
    ("kind: {{ .Values.kind }}", "apiVersion: v1", False),
    ('{{ include "x" . }}', "apiVersion: v1", True),
    ("{{- if .Values.on }}", "apiVersion: v1", False),
    ("{{- end }}", "apiVersion: v1", False),
    ("{{- $name := .Release.Name -}}", "apiVersion: v1", False),
    ("{{/* apiVersion: v1 */}}", "apiVersion: v1", False),
    ('    {{- include "labels" . | nindent 4 }}', "apiVersion: v1", False),
    ('    {{- include "labels" . | nindent 4 }}', "    app: x", True),
    ("{{- toYaml .Values.extra }}", "apiVersion: v1", True),
    ("{{- ifx }}", "apiVersion: v1", True),
])
def test_which_template_lines_could_write_a_line(template: str, rendered: str,
                                                 can: bool) -> None:
    assert could_write(template, rendered) is can


def test_reports_name_the_template_file_and_line(helm_on_path: str, tmp_path: Path) -> None:
    root = chart(tmp_path, helm_on_path)
    report = scan_report(tmp_path, str(root))
    web = [f for t in report["targets"] for f in t["findings"]
           if f["subject"] == "apps/v1/Deployment/default/web"]
    assert web and {json.dumps(f["location"]) for f in web} == {
        json.dumps({"path": "templates/multi.yaml", "line": 10})}
    from auditor.cli import main

    sarif_path = tmp_path / "out.sarif"
    assert main(["scan", str(root), "--format", "sarif", "--output", str(sarif_path)]) == 0
    results: list[dict[str, Any]] = json.loads(sarif_path.read_text())["runs"][0]["results"]
    physical = [r["locations"][0]["physicalLocation"] for r in results
                if r["properties"]["subject"] == "apps/v1/Deployment/default/web"]
    assert physical and all(p == {
        "artifactLocation": {"uri": f"file://{root}/templates/multi.yaml"},
        "region": {"startLine": 10}} for p in physical)


def test_every_format_names_the_template(helm_on_path: str, tmp_path: Path) -> None:
    root = chart(tmp_path, helm_on_path)
    from auditor.cli import main

    out = {fmt: tmp_path / f"out.{fmt}" for fmt in ("junit", "codequality", "markdown",
                                                     "terminal")}
    argv = ["scan", str(root), "--format", "json", "--output", str(tmp_path / "r.json"),
            "--verbose"]
    for fmt, path in out.items():
        argv += ["--report", f"{fmt}={path}"]
    assert main(argv) == 0
    assert "location: templates/multi.yaml:10" in out["junit"].read_text()
    issues = json.loads(out["codequality"].read_text())
    # Outside the working directory, the path stays as the audit was given it (absolute).
    assert {"path": f"{root}/templates/multi.yaml", "lines": {"begin": 10}} in [
        i["location"] for i in issues]
    assert "| templates/multi.yaml:10 |" in out["markdown"].read_text()
    assert "(templates/multi.yaml:10)" in out["terminal"].read_text()
    for path in out.values():
        assert "(helm template)" not in path.read_text().replace("packed", "")

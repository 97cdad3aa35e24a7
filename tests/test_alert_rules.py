"""Alert rules and the Grafana dashboard (issue 17 item 5), checked by their consumers:
``promtool check rules`` and ``promtool test rules`` (Debian's prometheus package), the
chart's PrometheusRule rendered by the real helm, and every dashboard query checked by
promtool's PromQL parser against the metrics the auditor really exports."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import needs
import pytest
import yaml
from helmbin import require_helm
from reportdata import all_examples_report, render

REPO = Path(__file__).resolve().parents[1]
RULES = REPO / "charts" / "deploy-auditor" / "files" / "deploy-auditor.rules.yml"
RULE_TESTS = REPO / "tests" / "fixtures" / "alerts" / "deploy-auditor.rules.test.yml"
DASHBOARD = REPO / "deploy" / "grafana" / "deploy-auditor.json"
# Metrics from outside the auditor that the rules read (kube-state-metrics).
FOREIGN = {"kube_job_status_failed"}


@pytest.fixture(scope="module")
def promtool() -> str:
    return needs.require_tool("promtool", "apt-get install prometheus")


@pytest.fixture(scope="module")
def exported() -> set[str]:
    text = render(all_examples_report(), "prometheus")
    return set(re.findall(r"^# TYPE (\S+) ", text, re.M))


def _metrics(expr: str) -> set[str]:
    return set(re.findall(r"\b(deploy_auditor_\w+|kube_\w+)\b", expr))


def test_promtool_accepts_the_rules_and_their_unit_tests_pass(promtool: str) -> None:
    check = subprocess.run([promtool, "check", "rules", str(RULES)], capture_output=True,
                           text=True, timeout=60, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "SUCCESS: 5 rules found" in check.stdout
    tested = subprocess.run([promtool, "test", "rules", RULE_TESTS.name], cwd=RULE_TESTS.parent,
                            capture_output=True, text=True, timeout=120, check=False)
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_rules_read_only_metrics_that_exist(exported: set[str]) -> None:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    used = {m for g in groups for r in g["rules"] for m in _metrics(r["expr"])}
    assert used - FOREIGN <= exported, used - FOREIGN - exported
    names = {r["alert"] for g in groups for r in g["rules"]}
    assert names == {"DeployAuditorNotReady", "DeployAuditorScoreDropped",
                     "DeployAuditorCoverageLow", "DeployAuditorStale", "DeployAuditorJobFailing"}


def test_the_chart_wraps_the_same_rules_in_a_prometheusrule() -> None:
    helm = require_helm()
    done = subprocess.run([helm, "template", "x", str(REPO / "charts" / "deploy-auditor"),
                           "--set", "prometheusRule.enabled=true",
                           "--set", "prometheusRule.labels.release=kps"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    docs = [d for d in yaml.safe_load_all(done.stdout) if isinstance(d, dict)]
    (rule,) = [d for d in docs if d["kind"] == "PrometheusRule"]
    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    assert rule["metadata"]["labels"]["release"] == "kps"
    assert rule["spec"] == yaml.safe_load(RULES.read_text())
    off = subprocess.run([helm, "template", "x", str(REPO / "charts" / "deploy-auditor")],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    assert "kind: PrometheusRule" not in off


def _queries(dashboard: dict[str, Any]) -> list[str]:
    return [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]


def test_the_dashboard_loads_and_lays_out(exported: set[str]) -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] and dashboard["title"]
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    cells: set[tuple[int, int]] = set()
    for panel in dashboard["panels"]:
        box = panel["gridPos"]
        assert box["x"] + box["w"] <= 24
        mine = {(x, y) for x in range(box["x"], box["x"] + box["w"])
                for y in range(box["y"], box["y"] + box["h"])}
        assert not mine & cells, f"panel {panel['title']} overlaps another"
        cells |= mine
        assert panel["datasource"]["uid"] == "${datasource}"
    variables = {v["name"] for v in dashboard["templating"]["list"]}
    assert variables == {"datasource", "style", "target"}
    used = {m for q in _queries(dashboard) for m in _metrics(q)}
    assert used <= exported, used - exported


def test_every_dashboard_query_is_valid_promql(promtool: str, tmp_path: Path) -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    rules = [{"record": f"check:q{i}", "expr": q.replace("$style", ".*").replace("$target", ".*")}
             for i, q in enumerate(_queries(dashboard))]
    path = tmp_path / "queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    done = subprocess.run([promtool, "check", "rules", str(path)], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr

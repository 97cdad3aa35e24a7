"""Registers the built-in renderers through the same hook as third-party ones."""

from __future__ import annotations

from auditor import hookimpl
from auditor.reports.base import Renderer, lazy


@hookimpl
def auditor_register_renderers() -> list[Renderer]:
    # Each format's module is imported only when that format is rendered.
    from auditor.reports.json_report import render_json, write_json

    return [
        Renderer("terminal", "rich text for people at a terminal",
                 lazy("auditor.reports.terminal:render_terminal"), "txt"),
        Renderer("json", "the JSON report (schema_version 1)", render_json, "json", write_json),
        Renderer("html", "one self-contained HTML page for people (offline, printable)",
                 lazy("auditor.reports.html:render_html"), "html"),
        Renderer("junit", "JUnit XML: one test case per check and subject",
                 lazy("auditor.reports.junit:render_junit"), "xml"),
        Renderer("sarif", "SARIF 2.1.0 for code scanning",
                 lazy("auditor.reports.sarif:render_sarif"), "sarif"),
        Renderer("markdown", "Markdown for a pull-request comment",
                 lazy("auditor.reports.markdown:render_markdown"), "md"),
        Renderer("prometheus", "Prometheus text exposition for node_exporter's textfile collector",
                 lazy("auditor.reports.prometheus:render_prometheus"), "prom"),
        Renderer("codequality", "GitLab Code Quality JSON for merge request widgets",
                 lazy("auditor.reports.codequality:render_codequality"), "json"),
        Renderer("policyreport", "wgpolicyk8s.io PolicyReport objects for cluster dashboards",
                 lazy("auditor.reports.policyreport:render_policyreport"), "yaml"),
    ]

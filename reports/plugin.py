"""Registers the built-in renderers through the same hook as third-party ones."""

from __future__ import annotations

from auditor import hookimpl
from auditor.reports.base import Renderer


@hookimpl
def auditor_register_renderers() -> list[Renderer]:
    # Imported here so that loading the plugin does not import rich.
    from auditor.reports.json_report import render_json, write_json
    from auditor.reports.terminal import render_terminal

    return [
        Renderer("terminal", "rich text for people at a terminal", render_terminal, "txt"),
        Renderer("json", "the JSON report (schema_version 1)", render_json, "json", write_json),
    ]

"""Text for ``auditor checks`` and ``auditor explain``."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from auditor.model import ROW_QUESTIONS, Check


def render_catalog(checks: Sequence[Check], width: int) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, no_color=True, highlight=False)
    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column("id", no_wrap=True)
    table.add_column("severity", no_wrap=True)
    table.add_column("title", overflow="fold")
    for check in checks:
        table.add_row(check.id, check.severity.value, check.title)
    console.print(table)
    console.print(f"{len(checks)} checks; 'auditor explain ID' for details")
    return "\n".join(line.rstrip() for line in buffer.getvalue().split("\n"))


def render_explain(check: Check) -> str:
    def para(label: str, text: str) -> str:
        body = textwrap.fill(text, width=76, initial_indent="  ", subsequent_indent="  ")
        return f"{label}:\n{body}\n"

    about = (
        f"style {check.style.value}"
        + (f" (app {check.app})" if check.app else "")
        + f", row {check.row.value} ({ROW_QUESTIONS[check.row]}), "
        f"severity {check.severity.value} (weight {check.severity.weight})"
    )
    parts = [
        f"{check.id}  {check.title}\n",
        textwrap.fill(about, width=78) + "\n",
        para("why it matters", check.rationale),
        para("what to do", check.remediation),
    ]
    if check.success:
        parts.append(para("passes when", check.success))
    if check.failure:
        parts.append(para("fails when", check.failure))
    if check.references:
        parts.append("references:\n" + "".join(f"  {r}\n" for r in check.references))
    if check.plugin:
        parts.append(f"provided by: {check.plugin}\n")
    return "\n".join(parts)

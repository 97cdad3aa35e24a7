"""Shared helpers and fixtures for the test suite."""

from __future__ import annotations

import functools
import itertools
import json
import textwrap
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from auditor.reportschema import report_schema


@functools.cache
def _report_validator() -> Draft202012Validator:
    schema = report_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def assert_valid_report(data: Any) -> None:
    """Fail with every violation when ``data`` is not a valid JSON report (schema_version 1)."""
    errors = sorted(_report_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    assert not errors, "JSON report does not match the shipped schema:\n" + "\n".join(
        f"  /{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors
    )


def scan_report(tmp_path: Path, *args: str, code: int = 0) -> dict[str, Any]:
    """Run ``auditor scan ARGS`` in-process, expect exit ``code`` (2: nothing evaluated,
    the report written all the same), return the validated JSON report."""
    from auditor.cli import main

    out = tmp_path / f"report-{next(_REPORTS)}.json"
    assert main(["scan", *args, "--format", "json", "--output", str(out)]) == code
    data: dict[str, Any] = json.loads(out.read_text())
    assert_valid_report(data)
    return data


_REPORTS = itertools.count()


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Files (dedented, leading newline dropped) under ``root``, folders made as needed."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root

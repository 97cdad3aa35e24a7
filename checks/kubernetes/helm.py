"""Rendering a chart with the real ``helm template`` (never by us) and reading its identity."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from auditor.checks.kubernetes.objects import DEFAULT_NAMESPACE

RENDER_TIMEOUT_S = 120


@dataclass(frozen=True)
class Rendered:
    text: str = ""
    error: str | None = None


def chart_file(root: Path) -> Path | None:
    candidate = root / "Chart.yaml" if root.is_dir() else None
    if candidate is not None and candidate.is_file():
        return candidate
    return None


def chart_identity(chart: Path) -> tuple[str, str]:
    try:
        data = yaml.safe_load(chart.read_text(encoding="utf-8"))
    except Exception:
        # Not UTF-8, not YAML, nested too deeply, or a tagged value PyYAML's constructors
        # choke on (``!!int abc``: ValueError, ``!!bool maybe``: KeyError, ...).
        return chart.parent.name, "?"
    if not isinstance(data, dict):
        return chart.parent.name, "?"
    return (_scalar(data.get("name")) or chart.parent.name,
            _scalar(data.get("version")) or "?")


def _scalar(value: object) -> str | None:
    """Scalars only: ``name: *alias`` of a "billion laughs" list would take forever to print,
    and Python refuses to print an int of more than 4,300 digits (``0xfff...``)."""
    if isinstance(value, int) and value.bit_length() > 14_000:
        return None
    return str(value) if isinstance(value, str | int | float) and value else None


def helm_binary() -> str | None:
    """helm on PATH, or beside the running interpreter (a virtualenv's bin)."""
    found = shutil.which("helm")
    if found:
        return found
    beside = Path(sys.executable).parent / "helm"
    return str(beside) if beside.is_file() and os.access(beside, os.X_OK) else None


def render(chart_dir: Path, options: Mapping[str, object]) -> Rendered:
    binary = helm_binary()
    if binary is None:
        return Rendered(error=(
            f"{chart_dir}: a Helm chart, and helm is not installed: install helm, or render it "
            f"yourself ('helm template {chart_dir} > rendered.yaml') and audit the output"
        ))
    name = chart_dir.resolve().name or "release"
    command = [binary, "template", name, str(chart_dir)]
    # Always a namespace: without one helm takes the kubeconfig context's (or
    # $HELM_NAMESPACE), which the collector cannot know; objects the chart leaves without a
    # namespace are related in this same one (``collect.applied_namespace``).
    given = options.get("namespace")
    command += ["--namespace", given if isinstance(given, str) and given else DEFAULT_NAMESPACE]
    for values in _strings(options.get("values")):
        command += ["--values", values]
    for setting in _strings(options.get("set")):
        command += ["--set", setting]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=RENDER_TIMEOUT_S,
                              check=False, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return Rendered(error=f"{chart_dir}: helm template did not finish in {RENDER_TIMEOUT_S}s")
    except OSError as exc:
        return Rendered(error=f"{chart_dir}: cannot run helm ({exc.strerror or exc})")
    if done.returncode != 0:
        message = (done.stderr.strip().splitlines() or ["failed"])[-1]
        return Rendered(error=f"{chart_dir}: helm template failed: {message}")
    return Rendered(text=done.stdout)


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return []

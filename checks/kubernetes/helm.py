"""Rendering a chart with the real ``helm template`` (never by us) and reading its identity."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from auditor.checks.kubernetes import chartcopy, chartschema
from auditor.checks.kubernetes.objects import DEFAULT_NAMESPACE

RENDER_TIMEOUT_S = 120
MAX_CHART_YAML_BYTES = 1024 * 1024
"""Chart.yaml is a few hundred bytes; a larger one is not read for the chart's name."""


@dataclass(frozen=True)
class Rendered:
    text: str = ""
    error: str | None = None
    problems: Mapping[str, str] = field(default_factory=dict)
    """What of the chart was left out of the copy helm rendered (``chartcopy``)."""


def chart_file(root: Path) -> Path | None:
    candidate = root / "Chart.yaml" if root.is_dir() else None
    if candidate is not None and candidate.is_file():
        return candidate
    return None


def chart_identity(chart: Path) -> tuple[str, str]:
    if not chartcopy.inside(os.path.realpath(chart), os.path.realpath(chart.parent)):
        return chart.parent.name, "?"  # a link out: not the chart's to name (see chartcopy)
    try:
        if not chart.is_file() or chart.stat().st_size > MAX_CHART_YAML_BYTES:
            return chart.parent.name, "?"  # a FIFO would block, a huge file cost (issue 14)
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
    try:
        private = Path(tempfile.mkdtemp(prefix="deploy-auditor-helm-"))
    except OSError as exc:
        return Rendered(error=f"{chart_dir}: no private folder to render it in "
                              f"({exc.strerror or exc})")
    try:
        return _render_copy(binary, chart_dir, options, private)
    finally:
        shutil.rmtree(private, ignore_errors=True)


def _render_copy(binary: str, chart_dir: Path, options: Mapping[str, object],
                 private: Path) -> Rendered:
    """Render the chart from a copy in ``private`` (see ``chartcopy``), by helm with an
    environment of its own there."""
    name = chart_dir.resolve().name or "release"
    copy = private / "chart" / name
    try:
        problems = chartcopy.copy_chart(chart_dir, copy)
    except chartcopy.CopyError as exc:
        return Rendered(error=f"{chart_dir}: {exc}")
    try:
        values = [_values_file(given, chart_dir, copy) for given in _strings(options.get("values"))]
    except chartcopy.CopyError as exc:
        return Rendered(error=f"{chart_dir}: {exc}", problems=problems)
    command = [binary, "template", name, str(copy)]
    # Always a namespace: without one helm takes the kubeconfig context's (or
    # $HELM_NAMESPACE), which the collector cannot know; objects the chart leaves without a
    # namespace are related in this same one (``collect.applied_namespace``).
    given = options.get("namespace")
    command += ["--namespace", given if isinstance(given, str) and given else DEFAULT_NAMESPACE]
    for path in values:
        command += ["--values", path]
    for setting in _strings(options.get("set")):
        command += ["--set", setting]
    reaching = chartschema.reaching_out(copy)
    if reaching:
        command.append("--skip-schema-validation")
        problems.update(reaching)
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=RENDER_TIMEOUT_S,
                              check=False, stdin=subprocess.DEVNULL, env=sandbox_env(private))
    except subprocess.TimeoutExpired:
        return Rendered(error=f"{chart_dir}: helm template did not finish in {RENDER_TIMEOUT_S}s",
                        problems=problems)
    except OSError as exc:
        return Rendered(error=f"{chart_dir}: cannot run helm ({exc.strerror or exc})",
                        problems=problems)
    if done.returncode != 0:
        message = (done.stderr.strip().splitlines() or ["failed"])[-1]
        message = message.replace(str(copy), str(chart_dir))
        return Rendered(error=f"{chart_dir}: helm template failed: {message}", problems=problems)
    return Rendered(text=done.stdout, problems=problems)


def sandbox_env(private: Path) -> dict[str, str]:
    """helm's whole environment: nothing of the auditor's (no token, proxy, kubeconfig or
    helm settings of the machine), its homes inside ``private``, plugins off.

    No PATH: ``helm template`` runs no other program (no plugin, no post-renderer), and
    without one it could find none."""
    home, config, cache = private / "home", private / "config", private / "cache"
    for folder in (home, config, cache, private / "data", private / "plugins", private / "tmp"):
        folder.mkdir(mode=0o700, exist_ok=True)
    kubeconfig = private / "kubeconfig"
    kubeconfig.touch(mode=0o600)
    return {
        "HOME": str(home),
        "TMPDIR": str(private / "tmp"),
        "KUBECONFIG": str(kubeconfig),
        "HELM_CONFIG_HOME": str(config),
        "HELM_CACHE_HOME": str(cache),
        "HELM_DATA_HOME": str(private / "data"),
        "HELM_PLUGINS": str(private / "plugins"),
        "HELM_NO_PLUGINS": "1",
        "HELM_REPOSITORY_CONFIG": str(config / "repositories.yaml"),
        "HELM_REPOSITORY_CACHE": str(cache / "repository"),
        "HELM_REGISTRY_CONFIG": str(config / "registry" / "config.json"),
    }


def _values_file(given: str, chart_dir: Path, copy: Path) -> str:
    """The path helm reads a ``--values`` file at. One outside the chart is the user's own,
    read where it is; one inside is read from the copy, so a link in the chart cannot lead
    it out (``-f chart/values-prod.yaml`` of ``values-prod.yaml -> /etc/shadow``)."""
    if "://" in given or not os.path.lexists(given):
        return given  # a URL, or missing: helm says so
    for base, path in ((os.path.abspath(chart_dir), os.path.abspath(given)),
                       (os.path.realpath(chart_dir), os.path.realpath(given))):
        if chartcopy.inside(path, base):
            inside = copy / os.path.relpath(path, base)
            if not inside.is_file():
                raise chartcopy.CopyError(
                    f"values file {given} is in the chart but not a regular file of it (a "
                    "symlink out of the chart, or not a file); not rendered")
            return str(inside)
    return given


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return []

"""Reading manifests: multi-document YAML and JSON, with each object's file and line.

Documents are read with PyYAML's C loader, node by node, so the line of each
document costs nothing beyond the parse itself.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import yaml

from auditor.checks.kubernetes.objects import Item, flatten
from auditor.model import Location

try:
    SafeLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # PyYAML built without libyaml
    SafeLoader = yaml.SafeLoader

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
SKIP_DIRS = frozenset({".git", "node_modules", "templates", "charts", "__pycache__"})
MAX_BYTES = 64 * 1024 * 1024


class ManifestError(Exception):
    """A file that cannot be read as manifests: ``path:line: reason``."""


def documents(text: str, label: str) -> Iterator[tuple[object, Location]]:
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ManifestError(f"{label}:{exc.lineno}: invalid JSON: {exc.msg}") from None
        for entry in data if isinstance(data, list) else [data]:
            yield entry, Location(label, 1)
        return
    loader = SafeLoader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            line = node.start_mark.line + 1 if node is not None else None
            yield loader.construct_document(node), Location(label, line)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ManifestError(f"{label}:{line}: invalid YAML: {problem}") from None
    finally:
        loader.dispose()


def manifest_files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    found = []
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        for name in sorted(files):
            if name.endswith(MANIFEST_SUFFIXES) and not name.startswith("."):
                found.append(Path(directory) / name)
    return found


def load_file(path: Path, label: str) -> list[Item]:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ManifestError(f"{label}: larger than {MAX_BYTES // 2**20} MiB, not read")
        data = path.read_bytes()
    except OSError as exc:
        raise ManifestError(f"{label}: cannot read ({exc.strerror or exc})") from None
    if b"\0" in data[:8192]:
        raise ManifestError(f"{label}: binary file, not read")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ManifestError(f"{label}: not UTF-8 (byte {exc.start})") from None
    return list(flatten(documents(text, label)))


def load_text(text: str, label: str) -> list[Item]:
    return list(flatten(documents(text, label)))


def looks_like_manifests(root: Path, limit: int = 20) -> tuple[int, list[str]]:
    """A cheap look for detection: how many of the first files hold apiVersion and kind."""
    hits = 0
    evidence: list[str] = []
    for path in manifest_files(root)[:limit]:
        try:
            head = path.read_text(encoding="utf-8", errors="replace")[:65536]
        except OSError:
            continue
        if "apiVersion" in head and "kind" in head:
            hits += 1
            if len(evidence) < 3:
                evidence.append(path.name)
    return hits, evidence

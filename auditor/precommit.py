"""The pre-commit hook (``.pre-commit-hooks.yaml``): audit what the staged files belong to.

pre-commit passes the hook's ``args`` and then the changed file names. A file is audited as
part of the deployment it belongs to: the chart holding it (the nearest ``Chart.yaml``
above), the Compose project (a directory with a Compose file), a host tree (the directory
above ``etc/``), or, for a YAML file naming ``apiVersion`` and ``kind``, the manifest
itself. Other files (CI workflows, docs) are not deployments and are left alone. Gates
come from the arguments (``--fail-on=critical`` by default in the hook) and from the
``[gates]`` table of ``auditor.toml``.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from pathlib import Path

COMPOSE_NAMES = re.compile(r"^(docker-)?compose(\.[\w-]+)?\.ya?ml$")
MANIFEST = re.compile(rb"^apiVersion:\s*\S+", re.M)
KIND = re.compile(rb"^kind:\s*[A-Z]\w*", re.M)
HEAD_BYTES = 64 * 1024


def _chart_of(path: Path) -> Path | None:
    for folder in path.parents:
        if (folder / "Chart.yaml").is_file():
            return folder
    return None


def _host_root(path: Path) -> Path | None:
    parts = path.parts
    if "etc" in parts[:-1]:
        return Path(*parts[:parts.index("etc")]) if parts.index("etc") else Path(".")
    return None


def _is_manifest(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError:
        return False
    return bool(MANIFEST.search(head) and KIND.search(head))


def target_of(name: str) -> str | None:
    """The deployment a changed file belongs to, as an ``auditor scan`` target."""
    path = Path(name)
    chart = _chart_of(path)
    if chart is not None:
        return str(chart)
    folder = path.parent
    if COMPOSE_NAMES.match(path.name) or any(
            COMPOSE_NAMES.match(p.name) for p in folder.glob("*compose*.y*ml")):
        return str(folder)
    root = _host_root(path)
    if root is not None:
        return str(root)
    if path.suffix in (".yaml", ".yml") and _is_manifest(path):
        return str(path)
    return None


def split(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """(options, file names): options are the words starting with '-' (the hook's args,
    in --option=value form), the rest are the files pre-commit passed."""
    options = [a for a in argv if a.startswith("-")]
    files = [a for a in argv if not a.startswith("-")]
    return options, files


def main(argv: Sequence[str] | None = None) -> int:
    from auditor.cli import main as auditor_main

    options, files = split(sys.argv[1:] if argv is None else argv)
    targets = list(dict.fromkeys(t for t in map(target_of, files) if t is not None))
    if not targets:
        return 0  # nothing deployable changed
    return auditor_main(["scan", *targets, "--quiet", *options])


if __name__ == "__main__":
    sys.exit(main())

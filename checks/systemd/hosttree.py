"""Whether a target is laid out like a machine's ``/``, answered before the style's
modules are imported.

Detection asks every style about every target; for a chart, a Compose project or a
virtualenv this module answers "not a host" on its own, so such a run never imports
the unit, Nginx, PostgreSQL and UFW readers or the host checks.
"""

from __future__ import annotations

from auditor.checks.common.tree import Tree
from auditor.model import Detection, Target, TargetKind

HOST_MARKERS = ("etc/systemd", "etc/nginx", "usr")


def tree_of(target: Target) -> Tree | None:
    if target.kind not in (TargetKind.PATH, TargetKind.HOST) or target.root is None:
        return None
    tree = Tree.at(target.root)
    return tree if tree.root.is_dir() else None


def is_host_tree(target: Target, tree: Tree) -> bool:
    """A tree laid out like / : etc/ plus one of etc/systemd, etc/nginx, usr."""
    if target.host_tree:
        return True
    return tree.is_dir("etc") and any(tree.is_dir(m) for m in HOST_MARKERS)


def detect(target: Target) -> Detection | None:
    tree = tree_of(target)
    if tree is None or not is_host_tree(target, tree):
        return None
    # A host to read: only now is the style imported.
    from auditor.checks.systemd.collect import detect_in

    return detect_in(target, tree)

"""Turning command-line targets into :class:`Target` objects and choosing styles."""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from auditor.model import Detection, Style, Target, TargetKind

PSEUDO_FILESYSTEMS = ("/proc", "/sys", "/dev")
"""The running machine's kernel interfaces: reading one can block (``/proc/kmsg``), drain
(the kernel log) or act (a device). A target there, or linked there, is refused; /dev/shm is
an ordinary tmpfs where files are put, and is not."""
ORDINARY_UNDER_DEV = "/dev/shm"
DETECTION_THRESHOLD = 0.5
"""Detections below this confidence are reported as evidence but not audited."""


class TargetError(Exception):
    """A target that cannot be audited; the message is one line for the user."""


def parse_target(spec: str, *, root: str | None = None, stdin_text: str | None = None) -> Target:
    if spec == "-":
        text = stdin_text if stdin_text is not None else sys.stdin.read()
        return Target(label="-", kind=TargetKind.STDIN, stdin_text=text)
    if spec == "host":
        if root is not None:
            return _host_tree(root, label=root)
        return Target(label="host", kind=TargetKind.HOST, root="/", host_tree=True, live=True)
    if spec == "kube" or spec.startswith("kube:"):
        context = spec.split(":", 1)[1] if ":" in spec else None
        return Target(label=spec, kind=TargetKind.KUBE, context=context or None)
    path = Path(spec)
    _not_pseudo(spec, path)
    try:
        exists = path.exists()
    except OSError as exc:
        raise _unreadable(spec, exc) from None
    if not exists:
        raise TargetError(f"{spec}: no such file or directory")
    if not os.access(path, os.R_OK):
        raise TargetError(f"{spec}: permission denied")
    return Target(label=spec, kind=TargetKind.PATH, root=str(path))


def _not_pseudo(spec: str, path: Path) -> None:
    try:
        real = os.path.realpath(path)
    except OSError as exc:  # a link /proc keeps for itself (/proc/1/root)
        raise _unreadable(spec, exc) from None
    if _under(real, ORDINARY_UNDER_DEV):
        return
    for top in PSEUDO_FILESYSTEMS:
        if _under(real, top):
            where = "" if real == os.path.abspath(spec) else f" (a link to {real})"
            raise TargetError(f"{spec}{where}: under {top}, the running kernel's interface, "
                              "not a deployment; not read")


def _under(path: str, top: str) -> bool:
    return path == top or path.startswith(top + "/")


def _unreadable(spec: str, exc: OSError) -> TargetError:
    return TargetError(f"{spec}: {(exc.strerror or str(exc)).lower()}")


def _host_tree(root: str, label: str) -> Target:
    path = Path(root)
    _not_pseudo(root, path)
    try:
        is_dir = path.is_dir()
    except OSError as exc:
        raise _unreadable(root, exc) from None
    if not is_dir:
        raise TargetError(f"{root}: --root must be a directory laid out like /")
    return Target(label=label, kind=TargetKind.PATH, root=str(path), host_tree=True)


def parse_targets(
    specs: Sequence[str], *, root: str | None = None, stdin_text: str | None = None
) -> list[Target]:
    """No target means ``host``; ``--root DIR`` alone audits that host tree offline."""
    if not specs:
        specs = ["host"]
    if specs.count("-") > 1:
        raise TargetError("-: standard input can be given only once")
    return [parse_target(s, root=root, stdin_text=stdin_text) for s in specs]


def choose_styles(detections: Sequence[Detection], forced: Style | None) -> list[Detection]:
    """The detections to audit: all confident ones, or the forced style."""
    detections = merge_detections(detections)
    if forced is not None:
        for detection in detections:
            if detection.style == forced:
                return [detection]
        return [Detection(style=forced, confidence=1.0, evidence=("style given with --style",))]
    chosen = [d for d in detections if d.confidence >= DETECTION_THRESHOLD]
    return sorted(chosen, key=lambda d: (-d.confidence, d.style.value))


def merge_detections(detections: Sequence[Detection]) -> list[Detection]:
    """One detection per style (contract: one report entry per target and style).

    Several plugins may recognise the same style (a third-party pack and the
    built-in one): keep the most confident answer, with every evidence string.
    """
    merged: dict[Style, Detection] = {}
    for detection in sorted(detections, key=lambda d: -d.confidence):
        kept = merged.get(detection.style)
        if kept is None:
            merged[detection.style] = detection
            continue
        evidence = kept.evidence + tuple(e for e in detection.evidence if e not in kept.evidence)
        merged[detection.style] = dataclasses.replace(
            kept, evidence=evidence, app=kept.app or detection.app
        )
    return list(merged.values())

"""rollback: images pinned to a version (a digest best), no development builds."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.common.images import Pinning, describe, pinning
from auditor.checks.compose.common import each_project, result
from auditor.checks.compose.facts import Service
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style

PINNING_STATUS = {
    Pinning.DIGEST: Status.PASS,
    Pinning.VERSION: Status.WARN,
    Pinning.FLOATING: Status.WARN,
    Pinning.MOVING: Status.FAIL,
    Pinning.NONE: Status.FAIL,
}


def judge_tag(image: str) -> tuple[Status, str]:
    return PINNING_STATUS[pinning(image)], describe(image)


def _judge(service: Service) -> tuple[Status, str, tuple[str, ...], str]:
    build = service.build
    if build is not None:
        target = str(build.get("target") or "")
        if target and ("dev" in target.lower() or target.lower() in ("debug", "test")):
            return (Status.FAIL, f"built from the development target '{target}'",
                    (f"build.target: {target}",), "build")
        if not service.image:
            bases = [b for b in service.build_from if b]
            unpinned = [b for b in bases if judge_tag(b)[0] == Status.FAIL]
            evidence = tuple(f"FROM {b}" for b in bases) or ("built locally",)
            if unpinned:
                return (Status.FAIL, f"built locally from unpinned base {unpinned[0]}",
                        evidence, "build")
            return (Status.WARN, "built locally without an image tag: rolling back means "
                    "rebuilding an old checkout", evidence, "build")
    status, message = judge_tag(service.image)
    return status, message, (f"image: {service.image}",), "image"


def _pinned(facts: Facts) -> Iterator[Result]:
    for project in each_project(facts):
        for service in project.services:
            status, message, evidence, attr = _judge(service)
            yield result(project, service, status, message, evidence, attr)


CHECKS = (
    Check(
        id="COMPOSE-ROLLBACK-001",
        style=Style.COMPOSE,
        row=Row.ROLLBACK,
        severity=Severity.HIGH,
        title="Images are pinned to a version",
        rationale=(
            "latest, latest-dev or no tag means each pull may bring a different release "
            "(Superset's own compose files use latest-dev); without a known version there is "
            "nothing to roll back to after a bad upgrade."
        ),
        remediation=(
            "Pin every image to a release (apache/superset:4.1.2, postgres:16.6) and its "
            "digest (image: name:tag@sha256:...), and build production images from the lean "
            "target, not dev."
        ),
        success="a digest (a version tag is a warning: tags can be re-pushed)",
        failure="latest, a moving tag, no tag or a dev build",
        references=("https://docs.docker.com/reference/compose-file/services/#image",
                    "https://docs.docker.com/build/building/best-practices/#pin-base-image-versions"),
        requires=("compose",),
        evaluate=_pinned,
    ),
)

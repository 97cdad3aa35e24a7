"""How firmly an image reference pins what runs: one answer for Compose and Kubernetes.

Superset's Docker Hub tags (docs: installation/docker-builds): releases get ``<version>``
plus ``latest``; every merge to master gets ``<sha>`` plus ``master``; build presets add a
suffix (``latest-dev``, ``master-dev``, ``<version>-dev``, ``-lean``, ``-py311``);
``dockerize`` is re-pushed with the helper image. A version or sha tag names one build
but can still be re-pushed; only a digest is immutable.
"""

from __future__ import annotations

import enum
import re

MOVING_TAGS = frozenset({
    "latest", "master", "main", "dev", "develop", "development", "nightly", "edge", "head",
    "canary", "unstable", "stable", "dockerize", "snapshot", "rolling",
})
"""Tags re-pointed at every push or release."""

MOVING_PREFIXES = frozenset({"latest", "master", "main", "nightly", "edge", "stable",
                             "dockerize"})
"""The same before a preset or variant suffix (``latest-dev``, ``master-lean``,
``stable-alpine``)."""

_MAJOR_ONLY = re.compile(r"^v?\d+(-[a-z0-9]+)?$")
"""``4``, ``v3``, ``16-alpine``: a line of releases, not one release."""


class Pinning(enum.Enum):
    DIGEST = "digest"
    VERSION = "version"
    FLOATING = "floating"
    """A major or minor line (``4``, ``4.1``): moves with every patch release."""
    MOVING = "moving"
    NONE = "none"


def split(image: str) -> tuple[str, str | None, str | None]:
    """(repository with registry, tag, digest) of an image reference."""
    rest, _, digest = image.partition("@")
    head, slash, last = rest.rpartition("/")
    name, colon, tag = last.partition(":")
    return (head + slash + name), (tag if colon else None), (digest or None)


_COMMIT = re.compile(r"^[0-9a-f]{7,40}$")


def is_moving(tag: str) -> bool:
    lowered = tag.lower()
    first = re.split(r"[-_.]", lowered, maxsplit=1)[0]
    # A tag without a digit names no version (alpine, slim, bookworm, mainline): it is
    # re-pointed with every release of the image, as latest is; a commit's hex sha is not.
    unversioned = not any(c.isdigit() for c in lowered) and not _COMMIT.match(lowered)
    return (lowered in MOVING_TAGS or first in MOVING_PREFIXES or "nightly" in lowered
            or "snapshot" in lowered or unversioned)


def pinning(image: str) -> Pinning:
    _, tag, digest = split(image)
    if digest:
        return Pinning.DIGEST
    if not tag:
        return Pinning.NONE
    if is_moving(tag):
        return Pinning.MOVING
    if _MAJOR_ONLY.match(tag.lower()):
        return Pinning.FLOATING
    return Pinning.VERSION


def describe(image: str) -> str:
    """One sentence on what the reference pins, for a finding's message."""
    repository, tag, _ = split(image)
    found = pinning(image)
    if found is Pinning.DIGEST:
        return "pinned by digest"
    if found is Pinning.NONE:
        return f"{repository} has no tag: it means latest, whatever that is today"
    if found is Pinning.MOVING:
        return f"tag {tag} moves with every push or release: no version to roll back to"
    if found is Pinning.FLOATING:
        return f"tag {tag} floats over every release of that line: the version running " \
            "changes on the next pull"
    return f"tag {tag} names one release, but a tag can be re-pushed: a digest pins it"

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
from dataclasses import dataclass

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


@dataclass(frozen=True)
class ImageRef:
    repository: str
    """Without registry or ``library/`` (``apache/superset``, ``postgres``)."""
    tag: str | None
    digest: str | None
    registry: str | None


def parse_image(image: str) -> ImageRef:
    rest, _, digest = image.partition("@")
    parts = rest.split("/")
    registry = None
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        registry = parts[0]
        parts = parts[1:]
    last = parts[-1]
    name, sep, tag = last.partition(":")
    parts[-1] = name
    repository = "/".join(parts).lower()
    repository = repository.removeprefix("library/")
    return ImageRef(repository, tag if sep else None, digest or None, registry)


IMAGE_ENV: dict[str, tuple[tuple[int, int], tuple[tuple[str, str], ...]]] = {
    # apache/superset's published Dockerfile (lean and python-base stages, 2.1 to 6.x):
    # ENV SUPERSET_ENV=production, which Superset's config turns into RATELIMIT_ENABLED.
    # Images before 2.1 set FLASK_ENV instead.
    "apache/superset": ((2, 1), (("SUPERSET_ENV", "production"),)),
    # amancevice/docker-superset's Dockerfile (FROM python) sets GUNICORN_*, PYTHONPATH and
    # SUPERSET_HOME, and never SUPERSET_ENV in its whole history.
    "amancevice/superset": ((0, 0), ()),
}
"""Repository -> (first release that sets it, the ENV of its Dockerfile that Superset's
config reads): what a container of that image has before its own environment."""

OFFICIAL_BASES = frozenset({
    "python", "pypy", "ubuntu", "debian", "alpine", "centos", "fedora", "rockylinux",
    "almalinux", "amazonlinux", "oraclelinux", "buildpack-deps", "busybox",
})
"""Docker Official Images a Superset image is installed on (``FROM python:3.11``): their
Dockerfiles are published and set no variable Superset's config reads."""

DOCKER_HUB = frozenset({None, "docker.io", "index.docker.io", "registry-1.docker.io",
                        "mirror.gcr.io"})
"""Registries where ``python`` is the official image (Docker Hub and Google's mirror of
it); under any other registry a repository of that name is someone's own build."""

IMAGE_SET_ENV = ("SUPERSET_ENV",)
"""What an image whose Dockerfile is not known may set that Superset's defaults depend on:
``RATELIMIT_ENABLED`` is ``SUPERSET_ENV == "production"``, and every image built ``FROM
apache/superset`` (2.1+) inherits ``SUPERSET_ENV=production``."""


class UnknownEnv(str):
    """An image's ENV value the audit cannot know: the empty text, carrying ``reason`` (why
    it is unknown) and ``source`` (where it would come from). ``EnvValue`` turns it into a
    variable whose value is unknown."""

    reason: str
    source: str

    def __new__(cls, reason: str, source: str) -> UnknownEnv:
        made = super().__new__(cls, "")
        made.reason = reason
        made.source = source
        return made


def _official(ref: ImageRef) -> str | None:
    """The Docker Official Image ``ref`` names, if it names one."""
    repository = ref.repository
    if ref.registry == "public.ecr.aws" and repository.startswith("docker/library/"):
        repository = repository.removeprefix("docker/library/")
    elif ref.registry not in DOCKER_HUB:
        return None
    return repository if repository in OFFICIAL_BASES else None


def image_env_known(image: str) -> bool:
    """Whether what ``image`` sets in its ENV for Superset is known (its Dockerfile is
    published): apache/superset, amancevice/superset, an official base image."""
    if not image:
        return False
    ref = parse_image(image)
    return ref.repository in IMAGE_ENV or _official(ref) is not None


def image_env(image: str) -> tuple[tuple[str, str], ...]:
    """The ENV ``image`` gives its containers: for a known image (any registry mirror of
    apache/superset) its published ENV, none for a release tagged before it set them (a
    moving or sha tag is taken as a current release) or an official base image. For any
    other image (a custom build, maybe FROM apache/superset) the variables Superset's
    defaults depend on, each an :class:`UnknownEnv`."""
    if not image_env_known(image):
        shown = image or "(not named)"
        return tuple(
            (name, UnknownEnv(
                f"image {shown} is not one whose Dockerfile the auditor knows: it may set "
                f"{name} (an image built FROM apache/superset 2.1+ has {name}=production)",
                f"the ENV of image {shown}, not in the input"))
            for name in IMAGE_SET_ENV)
    known = IMAGE_ENV.get(parse_image(image).repository)
    if known is None:
        return ()
    since, env = known
    match = re.match(r"v?(\d+)\.(\d+)", parse_image(image).tag or "")
    if match is not None and (int(match[1]), int(match[2])) < since:
        return ()
    return env

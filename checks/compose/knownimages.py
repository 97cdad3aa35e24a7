"""What is publicly known about Superset images whose Dockerfiles are published.

An image pulled from a registry cannot be opened offline, but for these the Dockerfile is
public: where Superset looks for ``superset_config.py`` (their ``PYTHONPATH``), that they
ship no configuration of their own, and what their default command serves with. Any other
image may carry its own configuration and command, which the auditor then calls unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from auditor.checks.compose.facts import Service
from auditor.checks.compose.roles import parse_image


@dataclass(frozen=True)
class KnownImage:
    pythonpath: tuple[str, ...]
    """The image's ``PYTHONPATH`` folders (ENV in its Dockerfile); it ships no config."""
    server: str
    default_command: str
    """What its default command runs, for evidence."""
    env: tuple[tuple[str, str], ...] = ()
    """ENV of its Dockerfile that Superset's config reads (a release's, see ``image_env``)."""
    env_since: tuple[int, int] = (0, 0)
    """The first release whose Dockerfile sets ``env``."""


KNOWN: dict[str, KnownImage] = {
    # apache/superset's Dockerfile: ENV PYTHONPATH=/app/pythonpath, CMD run-server.sh.
    # Since 2.1 also ENV SUPERSET_ENV=production, which turns RATELIMIT_ENABLED on.
    "apache/superset": KnownImage(("/app/pythonpath",), "gunicorn", "run-server.sh: gunicorn",
                                  (("SUPERSET_ENV", "production"),), (2, 1)),
    # amancevice/docker-superset's Dockerfile: ENV PYTHONPATH=/etc/superset:/home/superset,
    # CMD ["gunicorn", "superset.app:create_app()"].
    "amancevice/superset": KnownImage(("/etc/superset", "/home/superset"), "gunicorn",
                                      "gunicorn superset.app:create_app()"),
}


def known_image(image: str) -> KnownImage | None:
    """The published facts of ``image`` (any tag, digest or registry mirror), or None."""
    return KNOWN.get(parse_image(image).repository) if image else None


def image_of(service: Service) -> str:
    """The image whose defaults the container inherits: the external base of a Dockerfile
    built here, else the image it runs."""
    if service.build is None:
        return service.image
    return (service.built.base or "") if service.built is not None else ""


def image_env(image: str) -> tuple[tuple[str, str], ...]:
    """The ENV a known image gives its containers before the project's own: none for an
    unknown image, or a release tagged before the Dockerfile set it (a moving or sha tag
    is taken as a current release)."""
    known = known_image(image)
    if known is None or not known.env:
        return ()
    match = re.match(r"v?(\d+)\.(\d+)", parse_image(image).tag or "")
    if match is not None and (int(match[1]), int(match[2])) < known.env_since:
        return ()
    return known.env

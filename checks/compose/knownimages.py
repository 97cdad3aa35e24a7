"""What is publicly known about Superset images whose Dockerfiles are published.

An image pulled from a registry cannot be opened offline, but for these the Dockerfile is
public: where Superset looks for ``superset_config.py`` (their ``PYTHONPATH``), that they
ship no configuration of their own, and what their default command serves with. Any other
image may carry its own configuration and command, which the auditor then calls unknown.
"""

from __future__ import annotations

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


KNOWN: dict[str, KnownImage] = {
    # apache/superset's Dockerfile: ENV PYTHONPATH=/app/pythonpath, CMD run-server.sh.
    # (Its ENV SUPERSET_ENV=production: checks/common/images.py IMAGE_ENV.)
    "apache/superset": KnownImage(("/app/pythonpath",), "gunicorn", "run-server.sh: gunicorn"),
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


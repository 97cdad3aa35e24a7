"""Where the web service's ``superset_config.py`` comes from, and what is known without it.

Superset imports ``superset_config`` from ``SUPERSET_CONFIG_PATH``, else from the folders of
``PYTHONPATH`` (``/app/pythonpath`` in Superset's image). Both are read from the container's
environment: Compose's ``environment``/``env_file`` over the built image's ``ENV``. The file
is looked for where the container sees it: a ``configs:`` entry, a bind mount, else a
COPY/ADD of the image built here from its build context (EpiGraphHub COPYs
``docker/superset/`` to ``/opt/superset``, a folder on its ``PYTHONPATH``).

When it is not found, Superset's defaults hold only if the image is known to carry no
configuration of its own: Superset's official image, or an image built here from a base
that is not a Superset image (its COPYs were followed). Any other image (``mitodl/superset``,
a build FROM a private Superset image, a Dockerfile that could not be read) may carry one,
so every setting the environment does not give is unknown and the checks skip with that
reason, instead of judging Superset's defaults (sqlite, the built-in SECRET_KEY) that the
image most likely replaces.
"""

from __future__ import annotations

import dataclasses
import posixpath
from collections.abc import Mapping

from auditor.checks.common.images import image_env
from auditor.checks.common.tree import Tree, TreeError
from auditor.checks.compose.facts import Service
from auditor.checks.compose.imagefiles import Found, locate
from auditor.checks.compose.knownimages import image_of, known_image
from auditor.checks.compose.project import ProjectRead, config_file_inner
from auditor.checks.compose.roles import parse_image
from auditor.checks.compose.services import as_list
from auditor.checks.superset.configmodel import EnvValue, Setting, SupersetConfig, Unknown, analyze
from auditor.checks.superset.defaults import DEFAULTS

SUPERSET_PYTHONPATH = "/app/pythonpath"
"""PYTHONPATH of the apache/superset image (ENV in its Dockerfile)."""
CONFIG_NAME = "superset_config.py"
ALSO_READ = ("STATS_LOGGER", "TALISMAN_CONFIG", "FILTER_STATE_CACHE_CONFIG",
             "EXPLORE_FORM_DATA_CACHE_CONFIG")
"""Settings the Superset pack reads whose defaults are not in its DEFAULTS table."""


def container_env(service: Service) -> dict[str, EnvValue]:
    """The container's environment as far as the project shows it: a known base image's
    ENV, the built image's ENV over it, then Compose's ``env_file`` and ``environment``."""
    image = image_of(service)
    env: dict[str, EnvValue] = {name: EnvValue(value, f"ENV {name}={value} of the {image} "
                                                "image") for name, value in image_env(image)}
    built = service.built
    if built is not None:
        for key, value in built.env:
            env[key] = EnvValue(value, f"{built.path} ENV")
    env.update(service.env)
    return env


def candidates(env: Mapping[str, EnvValue], image: str = "") -> list[str]:
    """Container paths Superset would import its configuration from, in its order (the
    ``PYTHONPATH`` of a known ``image`` when the environment sets none)."""
    configured = env.get("SUPERSET_CONFIG_PATH")
    if configured and not configured.unknown and configured.value:
        return [configured.value]
    pythonpath = env.get("PYTHONPATH")
    paths = pythonpath.value if pythonpath and not pythonpath.unknown else ""
    # An unexpanded ``$PYTHONPATH`` (ENV PYTHONPATH=/x:$PYTHONPATH) names no folder.
    dirs = [p.strip("\"'") for p in paths.split(":") if p and "$" not in p]
    known = known_image(image)
    default = list(known.pythonpath) if known is not None else [SUPERSET_PYTHONPATH]
    return [posixpath.join(d, CONFIG_NAME) for d in dirs or default]


def find(tree: Tree, read: ProjectRead, service: Service, host_tree: bool,
         problems: dict[str, str], prefix: str) -> SupersetConfig:
    """The service's configuration analysed (never executed), or what is known without it."""
    env = container_env(service)
    paths = candidates(env, image_of(service))
    for container_path in paths:
        found = _source(tree, read, service, container_path, host_tree)
        if found is None:
            continue
        if found.inner is None:
            why = f"{container_path} comes from outside the audited tree ({found.via})"
            problems[f"{prefix}{CONFIG_NAME}"] = f"{why}; its settings are unknown"
            return unknowable(analyze(None, None, env), why)
        if not tree.exists(found.inner):
            continue
        try:
            text = tree.read_text(found.inner)
        except TreeError as exc:
            problems[f"{prefix}file {found.inner}"] = exc.reason
            continue
        return analyze(text, found.inner, env)
    looked = ", ".join(paths)
    unseen = image_may_carry(service) or _named_path(env)
    if unseen is not None:
        problems[f"{prefix}{CONFIG_NAME}"] = (
            f"not found among the files the project gives service {service.name} (looked for "
            f"{looked}); {unseen}: the settings it could make are unknown, only the "
            "environment is judged")
        return unknowable(analyze(None, None, env), unseen)
    problems[f"{prefix}{CONFIG_NAME}"] = (
        f"not found among the files the project gives service {service.name} (looked for "
        f"{looked}); settings judged from its environment and Superset's defaults")
    return analyze(None, None, env)


def _source(tree: Tree, read: ProjectRead, service: Service, container_path: str,
            host_tree: bool) -> Found | None:
    for item in as_list(service.spec.get("configs")):
        if isinstance(item, Mapping) and item.get("target") == container_path:
            inner = config_file_inner(read.loaded, service.directory, str(item.get("source")),
                                      host_tree)
            return Found(inner, f"configs: {item.get('source')}")
    return locate(tree, service.mounts, service.built, container_path)


def image_may_carry(service: Service) -> str | None:
    """Why the service's image may hold a superset_config.py the project does not show, or
    None when it is known not to (see the module's docstring)."""
    if service.build is not None:
        built = service.built
        if built is None:
            return f"the Dockerfile of service {service.name} could not be read, so its " \
                   f"image may carry its own {CONFIG_NAME}"
        base = built.base or ""
        if base and "superset" in parse_image(base).repository and known_image(base) is None:
            return f"the base image {base} may carry its own {CONFIG_NAME}, which cannot " \
                   "be seen offline"
        return None
    if known_image(service.image) is not None:
        return None
    image = service.image or "(none named)"
    return f"image {image} may carry its own {CONFIG_NAME}, which cannot be seen offline"


def _named_path(env: Mapping[str, EnvValue]) -> str | None:
    """Why an explicit SUPERSET_CONFIG_PATH the project does not show is no sign that the
    defaults hold: Superset imports that file at start-up and refuses to start without it,
    so a running web has one there (put by a COPY the model cannot follow, a volume, the
    base image)."""
    configured = env.get("SUPERSET_CONFIG_PATH")
    if configured is None or configured.unknown or not configured.value:
        return None
    return f"SUPERSET_CONFIG_PATH ({configured.source}) names {configured.value}, which " \
        "Superset imports at start-up and will not start without"


def unknowable(conf: SupersetConfig, reason: str) -> SupersetConfig:
    """``conf`` with every setting not given by the environment unknown, for ``reason``."""
    source = f"not known: {reason}"
    kept = {k: v for k, v in conf.settings.items() if not v.from_default}
    unknown = {k: Setting(k, Unknown(reason), source)
               for k in (*DEFAULTS, *ALSO_READ, *conf.settings) if k not in kept}
    return dataclasses.replace(conf, settings={**unknown, **kept})

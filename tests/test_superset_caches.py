"""FileSystemCache is shared only by processes that see its directory: one host, or a volume
every container mounts. The cache checks say which."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from auditor.checks.superset import services
from auditor.checks.superset.configmodel import SupersetConfig, Topology, analyze
from auditor.model import Status, Style

FS_CACHE = """\
from flask_caching.backends.filesystemcache import FileSystemCache
CACHE_CONFIG = {"CACHE_TYPE": "FileSystemCache", "CACHE_DIR": "/var/cache/superset"}
DATA_CACHE_CONFIG = {"CACHE_TYPE": "FileSystemCache", "CACHE_DIR": "/var/cache/superset"}
FILTER_STATE_CACHE_CONFIG = {"CACHE_TYPE": "FileSystemCache", "CACHE_DIR": "/var/cache/fs"}
RESULTS_BACKEND = FileSystemCache("/var/cache/superset-results")
FEATURE_FLAGS = {"ALERT_REPORTS": True}
"""


def _config(web: int | None) -> SupersetConfig:
    config = analyze(FS_CACHE, "superset_config.py", {})
    topology = Topology(web=web, workers=2, beats=1) if web is not None else None
    return dataclasses.replace(config, topology=topology)


@pytest.mark.parametrize("style", [Style.PIP, Style.SYSTEMD])
def test_file_cache_on_one_host_is_shared(style: Style) -> None:
    """A VM (or a pip install) with gunicorn and Celery units: one filesystem for all."""
    verdict = services._caches(_config(3), style)
    assert verdict is not None and verdict[0] is Status.PASS
    results = services._results(_config(3), style)
    assert results is not None and results[0] is Status.PASS


def test_file_cache_in_replicated_containers_is_not_called_shared() -> None:
    """A chart with 3 web replicas and CACHE_TYPE FileSystemCache: each pod keeps its own
    directory, so the old "shared store" pass was false; the message says which settings
    and what would make them shared."""
    verdict = services._caches(_config(3), Style.KUBERNETES)
    assert verdict is not None
    status, message, evidence = verdict
    assert status is Status.WARN
    assert "shared only by processes that mount its directory" in message
    text = " ".join(evidence)
    assert "3 web containers each keep their own copy" in text
    assert "FILTER_STATE_CACHE_CONFIG" in text and "/var/cache/fs" in text
    results = services._results(_config(3), Style.COMPOSE)
    assert results is not None and results[0] is Status.WARN
    assert "volume both mount" in results[1]


def test_file_cache_with_one_web_container_is_shared_by_its_workers() -> None:
    verdict = services._caches(_config(1), Style.COMPOSE)
    assert verdict is not None and verdict[0] is Status.PASS


def test_file_cache_with_uncounted_containers_is_not_assumed_shared() -> None:
    verdict = services._caches(_config(None), Style.KUBERNETES)
    assert verdict is not None and verdict[0] is Status.WARN


def test_file_cache_on_a_volume_every_container_mounts_is_shared() -> None:
    """Superset's compose files mount the named volume ``superset_home`` at
    /app/superset_home in web, worker and beat, and put RESULTS_BACKEND =
    FileSystemCache("/app/superset_home/sqllab") there: one store for all, so the warning
    that workers' results stay in their own container was false."""
    text = FS_CACHE.replace("/var/cache", "/app/superset_home")
    shared = Topology(web=3, workers=2, beats=1,
                      shared_dirs=(("/app/superset_home", "volume superset_home"),))
    config = dataclasses.replace(analyze(text, "superset_config.py", {}), topology=shared)
    verdict = services._caches(config, Style.COMPOSE)
    assert verdict is not None and verdict[0] is Status.PASS
    assert any("volume superset_home" in e for e in verdict[2])
    results = services._results(config, Style.COMPOSE)
    assert results is not None and results[0] is Status.PASS
    assert "/app/superset_home/superset-results" in results[1]
    assert "volume superset_home" in results[1]
    # A directory beside the shared one is not shared.
    beside = dataclasses.replace(config, topology=dataclasses.replace(
        shared, shared_dirs=(("/app/superset_home/other", "volume x"),)))
    results = services._results(beside, Style.COMPOSE)
    assert results is not None and results[0] is Status.WARN


def test_compose_topology_names_only_mounts_every_superset_service_shares(
        tmp_path: Path) -> None:
    """The Compose collector: a volume mounted by web and worker alike is shared; one the
    worker lacks (or mounts from another volume) is not."""
    from conftest import write_tree

    from auditor.checks.compose import collect
    from auditor.model import Target, TargetKind

    write_tree(tmp_path, {"compose.yaml": """
        services:
          web:
            image: apache/superset:4.1.1
            volumes: ["home:/app/superset_home", "./docker:/app/docker", "web_only:/cache"]
          worker:
            image: apache/superset:4.1.1
            command: ["celery", "--app=superset.tasks.celery_app:app", "worker"]
            volumes: ["home:/app/superset_home", "./docker:/app/docker", "other:/cache"]
        volumes: {home: {}, web_only: {}, other: {}}
    """, "docker/.keep": ""})
    facts = collect.collect(Target(label=str(tmp_path), kind=TargetKind.PATH,
                                   root=str(tmp_path)), {})
    config = facts.get("superset.config", SupersetConfig)
    assert config.topology is not None
    assert dict(config.topology.shared_dirs) == {
        "/app/superset_home": "volume home", "/app/docker": "bind mount docker"}

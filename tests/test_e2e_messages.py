"""Two messages the end-to-end audit of a real Superset showed to be wrong, pinned offline.

* SYSTEMD-STORAGE-001 said "no PostgreSQL on this host (the metadata database is on
  127.0.0.1)": loopback is this host (or a tunnel on it), so the skip now says that the
  cluster's files are not there to read, not that PostgreSQL is elsewhere.
* SUPERSET-SCALABILITY-001 said "saved filter or explore state is lost between processes"
  when only CACHE_CONFIG and DATA_CACHE_CONFIG are per-process: Superset keeps that state in
  the metadata database by default, so it is said only when those caches are set per-process.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import scan_report, write_tree

from auditor.checks.superset import services
from auditor.checks.superset.configmodel import analyze
from auditor.model import Status, Style

UNIT = """
[Service]
Environment=SUPERSET_CONFIG_PATH=/etc/superset/superset_config.py
ExecStart=/opt/superset/venv/bin/gunicorn -w 2 -b 127.0.0.1:8088 superset.app:create_app()
Restart=on-failure
"""


def _storage(tmp_path: Path, db_host: str) -> dict[str, str]:
    tree = write_tree(tmp_path / "tree", {
        "etc/systemd/system/superset.service": UNIT,
        "etc/superset/superset_config.py":
            f'SQLALCHEMY_DATABASE_URI = "postgresql://superset@{db_host}:5432/superset"\n',
    })
    report = scan_report(tmp_path, "--root", str(tree))
    (found,) = [f for t in report["targets"] for f in t["findings"]
                if f["check_id"] == "SYSTEMD-STORAGE-001"]
    return {"status": found["status"], "message": found["message"]}


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_loopback_database_without_cluster_files_is_not_called_elsewhere(
        tmp_path: Path, host: str) -> None:
    assert _storage(tmp_path, host) == {
        "status": "skip",
        "message": f"the metadata database is on {host} but no PostgreSQL cluster is under "
                   "/etc/postgresql (nor a live DSN): its durability settings cannot be read"}


def test_a_remote_database_is_named_as_elsewhere(tmp_path: Path) -> None:
    assert _storage(tmp_path, "db.internal") == {
        "status": "skip",
        "message": "no PostgreSQL on this host (the metadata database is on db.internal)"}


@pytest.mark.parametrize(("config", "message"), [
    ("", "no shared cache (CACHE_CONFIG, DATA_CACHE_CONFIG): every process keeps its own or "
         "none, so charts are recomputed against the database"),
    ('CACHE_CONFIG = {"CACHE_TYPE": "RedisCache"}\n'
     'DATA_CACHE_CONFIG = {"CACHE_TYPE": "RedisCache"}\n'
     'FILTER_STATE_CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache"}\n',
     "no shared cache (FILTER_STATE_CACHE_CONFIG): every process keeps its own or none, so "
     "saved filter or explore state is lost between processes"),
    ('EXPLORE_FORM_DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}\n',
     "no shared cache (CACHE_CONFIG, DATA_CACHE_CONFIG, EXPLORE_FORM_DATA_CACHE_CONFIG): every "
     "process keeps its own or none, so charts are recomputed against the database and saved "
     "filter or explore state is lost between processes"),
])
def test_the_cache_verdict_says_only_what_the_named_caches_lose(config: str,
                                                                message: str) -> None:
    verdict = services._caches(analyze(config, "superset_config.py", {}), Style.SYSTEMD)
    assert verdict is not None
    assert (verdict[0], verdict[1]) == (Status.FAIL, message)

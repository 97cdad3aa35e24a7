"""Where the metadata database lives, from SQLALCHEMY_DATABASE_URI, for the backups checks.

A database outside the audited deployment (a managed service, another machine) is backed up
(or not) where it lives: a host tree, a compose project or a set of manifests cannot show
its snapshots, so "no backup found here" is no evidence that it has none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from auditor.checks.superset.configmodel import SupersetConfig, Unknown, each_config
from auditor.model import Facts

MANAGED_SUFFIXES = {
    ".rds.amazonaws.com": "Amazon RDS",
    ".postgres.database.azure.com": "Azure Database for PostgreSQL",
    ".mysql.database.azure.com": "Azure Database for MySQL",
    ".database.windows.net": "Azure SQL",
    ".postgres.database.supabase.co": "Supabase",
    ".supabase.co": "Supabase",
    ".neon.tech": "Neon",
    ".aivencloud.com": "Aiven",
    ".db.ondigitalocean.com": "DigitalOcean Managed Databases",
}
"""Host name endings of managed database services."""

LOOPBACK = ("127.", "localhost", "::1")


@dataclass(frozen=True)
class DatabaseHost:
    host: str
    """Host name or address; ``""`` for a unix socket or a file."""
    port: int | None
    managed: str | None
    """The managed service the host belongs to, when its name says so."""
    source: str

    @property
    def shown(self) -> str:
        where = f"{self.host}:{self.port}" if self.port else self.host
        return f"{where} ({self.managed})" if self.managed else where

    @property
    def loopback(self) -> bool:
        return not self.host or self.host.startswith(LOOPBACK)


def database_host(config: SupersetConfig) -> DatabaseHost | None:
    """The metadata database's host, or None when the URI is unknown or a sqlite file."""
    setting = config.get("SQLALCHEMY_DATABASE_URI")
    uri = setting.value
    if not isinstance(uri, str) or "://" not in uri or uri.lower().startswith("sqlite"):
        return None
    try:
        parts = urlsplit(uri)
        host, port = parts.hostname or "", parts.port
    except ValueError:  # a password with an unescaped '/' or '#', a bad port
        return None
    socket = parse_qs(parts.query).get("host", [""])[0]
    managed = next((name for suffix, name in MANAGED_SUFFIXES.items()
                    if host.endswith(suffix)), None)
    if "/cloudsql/" in socket or "/cloudsql/" in uri:
        managed, host = "Google Cloud SQL", host or socket
    return DatabaseHost(host, port, managed, f"SQLALCHEMY_DATABASE_URI from {setting.source}")


def outside(facts: Facts, local: Callable[[DatabaseHost], bool]) -> list[DatabaseHost] | None:
    """Every configuration's metadata database, when each lives outside the audited system
    (a managed service, or a host ``local`` does not recognise); else None."""
    if facts.optional("superset.config", SupersetConfig) is None:
        return None
    found: list[DatabaseHost] = []
    for _, config in each_config(facts):
        db = database_host(config)
        if db is None or (db.managed is None and local(db)):
            return None
        found.append(db)
    return found or None


def unread_uri(facts: Facts) -> str | None:
    """Why the metadata database's address cannot be read (a URI built from a Secret that is
    not among the audited objects), when that is so for some configuration; else None."""
    if facts.optional("superset.config", SupersetConfig) is None:
        return None
    for _, config in each_config(facts):
        setting = config.get("SQLALCHEMY_DATABASE_URI")
        if isinstance(setting.value, Unknown):
            return f"SQLALCHEMY_DATABASE_URI could not be read ({setting.value.reason})"
    return None


def unseen_message(hosts: list[DatabaseHost]) -> str:
    where = ", ".join(sorted({h.shown for h in hosts}))
    return (f"the metadata database is on {where}, outside what was audited: its backups "
            "(the provider's snapshots or that host's own jobs) cannot be seen from here; "
            "check them there")

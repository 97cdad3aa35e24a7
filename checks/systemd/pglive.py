"""Live PostgreSQL settings over a read-only connection (``--pg-dsn``, or ``--connect-db``).

Only SELECTs inside a READ ONLY transaction that is rolled back; the session
is also opened with ``default_transaction_read_only=on``. psycopg is imported
here only, on the path that needs it.
"""

from __future__ import annotations

from auditor.checks.common.redact import redact_url
from auditor.checks.systemd.facts import PgLive

SETTINGS = (
    "listen_addresses", "password_encryption", "archive_mode", "archive_command",
    "archive_library", "ssl", "wal_level", "fsync", "full_page_writes",
    "synchronous_standby_names", "primary_conninfo", "max_wal_senders", "data_directory",
    "port",
)


class PgLiveError(Exception):
    """The server could not be read; the message names why (never the password)."""


def dsn_from_uri(uri: str) -> str | None:
    """A SQLAlchemy URI (``postgresql+psycopg2://...``) as a libpq URI, or None."""
    scheme, sep, rest = uri.partition("://")
    if not sep or scheme.split("+", 1)[0].lower() not in ("postgresql", "postgres"):
        return None
    return f"postgresql://{rest}"


def describe(dsn: str) -> tuple[str, str | None]:
    """``host:port/dbname`` for reports, and the password (to scrub it from messages)."""
    try:
        from psycopg.conninfo import conninfo_to_dict

        parts = conninfo_to_dict(dsn)
    except Exception:
        return "the given DSN", None
    host = str(parts.get("host") or "local socket")
    port = str(parts.get("port") or "5432")
    db = str(parts.get("dbname") or parts.get("user") or "")
    password = parts.get("password")
    return f"{host}:{port}/{db}", str(password) if password else None


def read_live(dsn: str, timeout: float = 5.0) -> PgLive:
    label, password = describe(dsn)
    try:
        import psycopg
    except ImportError:
        raise PgLiveError("psycopg is not installed (pip install 'psycopg[binary]')") from None
    try:
        options = ("-c default_transaction_read_only=on "
                   f"-c statement_timeout={int(timeout * 1000)}")
        with psycopg.connect(dsn, connect_timeout=max(1, int(timeout)), autocommit=False,
                             options=options, application_name="deploy-auditor") as conn:
            conn.read_only = True
            with conn.cursor() as cur:
                cur.execute("SELECT name, setting FROM pg_settings WHERE name = ANY(%s)",
                            (list(SETTINGS),))
                settings = {str(name): str(value) for name, value in cur.fetchall()}
                cur.execute("SELECT current_setting('server_version'), pg_is_in_recovery()")
                version_row = cur.fetchone()
                cur.execute(
                    "SELECT archived_count, last_archived_time::text, failed_count, "
                    "last_failed_time::text, last_archived_time < now() - interval '1 day' "
                    "FROM pg_stat_archiver"
                )
                archiver = cur.fetchone()
                cur.execute("SELECT count(*) FROM pg_stat_replication")
                replicas_row = cur.fetchone()
            conn.rollback()
    except psycopg.Error as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if password:
            message = message.replace(password, "***")
        # libpq quotes a DSN it cannot parse, password and all
        message = redact_url(message.replace(dsn, "the given DSN"))
        raise PgLiveError(f"{label}: {message}") from None
    return PgLive(
        label=label,
        settings=settings,
        archived_count=int(archiver[0]) if archiver and archiver[0] is not None else None,
        last_archived_time=archiver[1] if archiver else None,
        failed_count=int(archiver[2]) if archiver and archiver[2] is not None else None,
        last_failed_time=archiver[3] if archiver else None,
        archiver_stale=archiver[4] if archiver else None,
        in_recovery=bool(version_row[1]) if version_row else False,
        replicas=int(replicas_row[0]) if replicas_row else 0,
        version=str(version_row[0]) if version_row else None,
    )

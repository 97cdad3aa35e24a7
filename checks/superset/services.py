"""Superset's supporting services: caches, results backend, Celery broker, JWT secrets,
and the proxy fix (scalability, storage, config-secrets, proxy-tls rows)."""

from __future__ import annotations

from collections.abc import Callable

from auditor.checks.superset.configmodel import SupersetConfig, Topology, Unknown
from auditor.checks.superset.defaults import KNOWN_JWT_SECRETS, MIN_SECRET_BYTES
from auditor.checks.superset.judge import (
    Verdict,
    on,
    per_config,
    per_config_in_style,
    source,
    unknown,
)
from auditor.model import Check, Row, Severity, Status, Style

PER_PROCESS_CACHES = ("NullCache", "SimpleCache", "null", "simple")
FILE_CACHES = ("FileSystemCache", "filesystem")
CACHES = ("CACHE_CONFIG", "DATA_CACHE_CONFIG", "FILTER_STATE_CACHE_CONFIG",
          "EXPLORE_FORM_DATA_CACHE_CONFIG")
"""Superset defaults the last two to SupersetMetastoreCache (the metadata database): judged
only when a deployment sets them."""
ONE_HOST = (Style.PIP, Style.SYSTEMD)
"""Styles whose processes all run on one host, so they see one filesystem."""
CONFIG_DOCS = "https://superset.apache.org/docs/configuration/cache/"
ASYNC_DOCS = "https://superset.apache.org/docs/configuration/async-queries-celery/"


def _cache_type(value: object) -> str | None:
    if isinstance(value, dict):
        kind = value.get("CACHE_TYPE")
        return str(kind) if kind is not None else "NullCache"
    return None


def _base(kind: str) -> str:
    return kind.rsplit(".", 1)[-1]


def _file_cache(where: str, processes: str, style: Style, topology: Topology | None) -> str | None:
    """Why a FileSystemCache is not shared, or None when every process that uses it sees the
    same directory."""
    if style in ONE_HOST:
        return None  # every process of this host reads the same directory
    if topology is not None and topology.shared_by_all(where):
        return None
    count = getattr(topology, processes) if topology is not None else None
    if count is not None and count <= 1:
        return None
    many = f"{count} {processes} containers" if count is not None else \
        f"{processes} containers (not counted)"
    return f"FileSystemCache in {where}: {many} each keep their own copy unless that " \
        "directory is a volume every one of them mounts"


def _caches(config: SupersetConfig, style: Style) -> Verdict:
    found = []
    for name in CACHES:
        setting = config.get(name)
        if name not in ("CACHE_CONFIG", "DATA_CACHE_CONFIG") and setting.from_default:
            continue
        kind = _cache_type(setting.value)
        if kind is None:
            return unknown(setting)
        found.append((name, kind, setting))
    evidence = [f"{source(s)}: CACHE_TYPE {kind}" for _, kind, s in found]
    local = [name for name, kind, _ in found if _base(kind) in PER_PROCESS_CACHES]
    if local:
        # Say only what the caches named lose: state kept in the metadata database (the
        # default for filter and explore state) is shared.
        lost = []
        if {"CACHE_CONFIG", "DATA_CACHE_CONFIG"} & set(local):
            lost.append("charts are recomputed against the database")
        if {"FILTER_STATE_CACHE_CONFIG", "EXPLORE_FORM_DATA_CACHE_CONFIG"} & set(local):
            lost.append("saved filter or explore state is lost between processes")
        return Status.FAIL, "no shared cache (" + ", ".join(local) + "): every process keeps "\
            "its own or none, so " + " and ".join(lost), tuple(evidence)
    split: list[str] = []
    for name, kind, setting in found:
        if _base(kind) not in FILE_CACHES:
            continue
        value = setting.value if isinstance(setting.value, dict) else {}
        where = f"{value.get('CACHE_DIR', 'its CACHE_DIR')}"
        reason = _file_cache(where, "web", style, config.topology)
        if reason:
            split.append(f"{name}: {reason}")
        else:
            evidence.append(f"{name}: FileSystemCache in {where}, "
                            + _one_store(where, config.topology, "web"))
    if split:
        return Status.WARN, "a FileSystemCache is shared only by processes that mount its " \
            "directory", tuple(evidence + split)
    return Status.PASS, "every cache is shared by the web processes that use it", \
        tuple(evidence)


def _one_store(where: str, topology: Topology | None, processes: str) -> str:
    shared = topology.shared_by_all(where) if topology is not None else None
    if shared:
        return f"on {shared} that every Superset container mounts"
    return f"one filesystem for every {processes} process"


def _uses_celery(config: SupersetConfig) -> bool:
    return not config.get("CELERY_CONFIG").from_default or any(
        config.feature(flag) is True for flag in ("ALERT_REPORTS", "GLOBAL_ASYNC_QUERIES",
                                                  "SCHEDULED_QUERIES"))


SEES_EVERY_PROCESS = (Style.SYSTEMD, Style.COMPOSE, Style.KUBERNETES)
"""Styles whose collector sees every process of the deployment (a host's units, a
project's services, a namespace's workloads); a pip project shows only what its files
start, and a worker launched by hand would not be seen."""


def _no_worker(config: SupersetConfig, style: Style) -> Verdict:
    """A skip when Celery is configured but no worker runs: then neither its broker nor
    its results backend is in use, and calling either broken would be a false fail."""
    topology = config.topology
    if topology is None or topology.workers or style not in SEES_EVERY_PROCESS:
        return None
    return Status.SKIP, "Celery is configured but no Celery worker runs in this " \
        "deployment: nothing uses its broker or results backend", topology.evidence or (
            "no process of the deployment is a Celery worker",)


def _results(config: SupersetConfig, style: Style) -> Verdict:
    if not _uses_celery(config):
        return None
    setting = config.get("RESULTS_BACKEND")
    if not setting.known and setting.path is None:
        # Set where the auditor cannot see (a superset_config.py from a source not audited):
        # nothing says whether it is shared.
        return unknown(setting)
    if idle := _no_worker(config, style):
        return idle
    if setting.value is None:
        # superset/sql_lab.py execute_sql_statements: a database with allow_run_async and
        # no results backend raises SupersetResultsBackendNotConfigureException, and the
        # worker marks the query failed with that message.
        return Status.FAIL, "Celery runs but RESULTS_BACKEND is unset: SQL Lab queries on a " \
            "database with asynchronous execution fail with 'Results backend is not " \
            "configured.'", (source(setting),)
    kind = _base(setting.callee or "")
    if kind in ("NullCache", "SimpleCache"):
        return Status.FAIL, f"RESULTS_BACKEND is {setting.callee}: results are not shared " \
            "between workers and the web server", (source(setting),)
    directory = setting.directory
    shared = config.topology.shared_by_all(directory) if (
        config.topology is not None and directory) else None
    if kind == "FileSystemCache" and style not in ONE_HOST and not shared:
        return Status.WARN, "RESULTS_BACKEND is a FileSystemCache: Celery workers write " \
            "results into their container's directory, which the web containers read only " \
            "if it is a volume both mount", (source(setting),)
    shown = f"{setting.callee}(...)" if setting.callee else "set"
    where = " on this host's filesystem" if kind == "FileSystemCache" else ""
    if kind == "FileSystemCache" and shared:
        where = f" in {directory}, on {shared} that every Superset container mounts"
    return Status.PASS, f"query results go to a shared backend ({shown}){where}", (
        source(setting),)


def _metrics(config: SupersetConfig) -> Verdict:
    setting = config.get("STATS_LOGGER")
    if not setting.known and setting.path is None:
        return unknown(setting)  # set where the auditor cannot see
    if setting.path is None and setting.value is None:
        return Status.FAIL, "STATS_LOGGER is Superset's DummyStatsLogger: no metrics leave " \
            "the app", (source(setting),)
    name = (setting.callee or "").rsplit(".", 1)[-1]
    if name.startswith("Dummy"):
        return Status.FAIL, f"STATS_LOGGER is {name}: no metrics leave the app", (
            source(setting),)
    return Status.PASS, f"Superset sends metrics ({name or 'a custom logger'})", (
        source(setting),)


def _broker(config: SupersetConfig, style: Style) -> Verdict:
    celery = config.get("CELERY_CONFIG")
    if not _uses_celery(config):
        return None
    if not isinstance(celery.value, dict):
        return unknown(celery)
    if idle := _no_worker(config, style):
        return idle
    broker = celery.value.get("broker_url") or celery.value.get("BROKER_URL")
    if not isinstance(broker, str):
        return Status.SKIP, "the Celery broker could not be determined", (source(celery),)
    scheme = broker.split("://", 1)[0]
    evidence = (f"{source(celery)}: broker {scheme}://…",)
    if "sqlite" in scheme:
        return Status.FAIL, "the Celery broker is a sqlite file: queued work is lost or " \
            "stuck, and workers on another host cannot reach it", evidence
    return Status.PASS, f"the Celery broker is {scheme}", evidence


def _jwt(name: str, feature: str) -> Callable[[SupersetConfig], Verdict]:
    def judge(config: SupersetConfig) -> Verdict:
        enabled = config.feature(feature)
        if isinstance(enabled, Unknown):
            # The flag may be set where the audit cannot see (SUPERSET_FEATURE_* from an
            # unread Secret): whether the secret matters is unknown, which is a skip.
            return Status.SKIP, f"whether {feature} is on could not be determined " \
                f"({enabled.reason}): {name} is judged only when it is", (
                    f"FEATURE_FLAGS {feature}: unknown",)
        if enabled is not True:
            return None
        setting = config.get(name)
        if not setting.known:
            return unknown(setting)
        value = setting.value if isinstance(setting.value, str) else ""
        evidence = (f"{source(setting)} (value not shown)", f"{feature} is on")
        if value in KNOWN_JWT_SECRETS:
            return Status.FAIL, f"{name} is {KNOWN_JWT_SECRETS[value]}: tokens can be " \
                "forged", evidence
        size = len(value.encode("utf-8", "surrogatepass"))  # '\ud800' from an escape
        if size < MIN_SECRET_BYTES:
            return Status.FAIL, f"{name} is {size} bytes (at least " \
                f"{MIN_SECRET_BYTES} needed)", evidence
        return Status.PASS, f"{name} is set, {size} bytes, not a default", \
            evidence
    return judge


def _proxy_fix(config: SupersetConfig) -> Verdict:
    proxied = config.get("ENABLE_PROXY_FIX")
    if not proxied.known:
        return unknown(proxied)
    if config.behind_proxy is None:
        return None
    if config.behind_proxy and not on(proxied):
        return Status.FAIL, "a reverse proxy fronts Superset but ENABLE_PROXY_FIX is off: " \
            "redirects and CSRF checks see http and the proxy's address", (
                source(proxied), f"proxy: {config.proxy_evidence}")
    if config.behind_proxy:
        return Status.PASS, "ENABLE_PROXY_FIX trusts the proxy's X-Forwarded headers", (
            source(proxied), f"proxy: {config.proxy_evidence}")
    if on(proxied):
        # Werkzeug's ProxyFix then takes the client's address and scheme from headers any
        # client that reaches Superset can write.
        why = config.proxy_evidence or "no route to the web among the audited objects"
        return Status.WARN, "ENABLE_PROXY_FIX is on with no proxy in front: clients can " \
            "spoof X-Forwarded-For (any client address in logs and rate limits) and " \
            f"X-Forwarded-Proto (a forged https scheme); {why}", (source(proxied),)
    return None


CHECKS = (
    Check(
        id="SUPERSET-SCALABILITY-002", style=Style.ANY, app="superset", row=Row.SCALABILITY,
        severity=Severity.MEDIUM, title="Query results go to a shared results backend",
        rationale="With Celery, SQL Lab runs queries on workers; without RESULTS_BACKEND (or "
                  "with a per-process cache) the web server never sees the results.",
        remediation="Set RESULTS_BACKEND = RedisCache(host=..., port=..., "
                    "key_prefix='superset_results') or an S3 cache.",
        success="a shared results backend", failure="no results backend with Celery",
        references=(ASYNC_DOCS,), requires=("superset.config",),
        evaluate=per_config_in_style("RESULTS_BACKEND", _results),
    ),
    Check(
        id="SUPERSET-MONITORING-002", style=Style.ANY, app="superset", row=Row.MONITORING,
        severity=Severity.LOW, title="Superset sends its own metrics",
        rationale="STATS_LOGGER defaults to DummyStatsLogger: Superset's counters and "
                  "timings (dashboard loads, query times, errors) go nowhere.",
        remediation="Set STATS_LOGGER = StatsdStatsLogger(host=..., port=8125) and collect it "
                    "(statsd_exporter for Prometheus).",
        success="a statsd (or custom) stats logger", failure="DummyStatsLogger",
        references=("https://superset.apache.org/docs/configuration/event-logging/",),
        requires=("superset.config",), evaluate=per_config("STATS_LOGGER", _metrics),
    ),
    Check(
        id="SUPERSET-SCALABILITY-001", style=Style.ANY, app="superset", row=Row.SCALABILITY,
        severity=Severity.MEDIUM, title="Caches are shared, not per process",
        rationale="Superset's default cache is NullCache: every dashboard load queries the "
                  "database again; a per-process SimpleCache is not shared by workers, and a "
                  "FileSystemCache only by processes that see its directory (one host, or a "
                  "volume every container mounts).",
        remediation="Set CACHE_CONFIG and DATA_CACHE_CONFIG to RedisCache (or Memcached) "
                    "with a CACHE_REDIS_URL.",
        success="a shared cache store", failure="NullCache or a per-process cache",
        references=(CONFIG_DOCS,), requires=("superset.config",),
        evaluate=per_config_in_style("CACHE_CONFIG", _caches),
    ),
    Check(
        id="SUPERSET-STORAGE-002", style=Style.ANY, app="superset", row=Row.STORAGE,
        severity=Severity.HIGH, title="The Celery broker is not sqlite",
        rationale="Superset's default broker is sqla+sqlite: alerts, reports and async "
                  "queries then depend on a local file that locks and cannot be shared.",
        remediation="Set CELERY_CONFIG.broker_url (and result_backend) to Redis or RabbitMQ.",
        success="a network broker", failure="sqlite broker",
        references=(ASYNC_DOCS,), requires=("superset.config",),
        evaluate=per_config_in_style("CELERY_CONFIG", _broker),
    ),
    Check(
        id="SUPERSET-CONFIG-SECRETS-002", style=Style.ANY, app="superset",
        row=Row.CONFIG_SECRETS, severity=Severity.HIGH,
        title="Embedding's guest-token secret is not a default",
        rationale="With EMBEDDED_SUPERSET on, GUEST_TOKEN_JWT_SECRET signs the tokens that "
                  "grant access to embedded dashboards; the default lets anyone mint them.",
        remediation="Set GUEST_TOKEN_JWT_SECRET to a random value of 32+ bytes from a secret.",
        success="a private secret", failure="default or short secret",
        references=("https://superset.apache.org/docs/configuration/networking-settings/",),
        requires=("superset.config",),
        evaluate=per_config("GUEST_TOKEN_JWT_SECRET",
                            _jwt("GUEST_TOKEN_JWT_SECRET", "EMBEDDED_SUPERSET")),
    ),
    Check(
        id="SUPERSET-CONFIG-SECRETS-003", style=Style.ANY, app="superset",
        row=Row.CONFIG_SECRETS, severity=Severity.HIGH,
        title="The async-queries JWT secret is not a default",
        rationale="With GLOBAL_ASYNC_QUERIES on, GLOBAL_ASYNC_QUERIES_JWT_SECRET signs the "
                  "tokens for query results; the default lets others read them.",
        remediation="Set GLOBAL_ASYNC_QUERIES_JWT_SECRET to a random value of 32+ bytes.",
        success="a private secret", failure="default or short secret",
        references=(ASYNC_DOCS,), requires=("superset.config",),
        evaluate=per_config("GLOBAL_ASYNC_QUERIES_JWT_SECRET",
                            _jwt("GLOBAL_ASYNC_QUERIES_JWT_SECRET", "GLOBAL_ASYNC_QUERIES")),
    ),
    Check(
        id="SUPERSET-PROXY-TLS-001", style=Style.ANY, app="superset", row=Row.PROXY_TLS,
        severity=Severity.MEDIUM, title="ENABLE_PROXY_FIX matches the reverse proxy",
        rationale="Behind a proxy Superset must trust X-Forwarded-Proto/For, or it builds "
                  "http:// redirects and CSRF and OAuth fail; without a proxy, trusting them "
                  "lets clients spoof their address.",
        remediation="Set ENABLE_PROXY_FIX = True when Nginx, an Ingress or a load balancer "
                    "fronts Superset, and only then.",
        success="matches the deployment", failure="proxy without ENABLE_PROXY_FIX",
        references=(CONFIG_DOCS,), requires=("superset.config",),
        evaluate=per_config("ENABLE_PROXY_FIX", _proxy_fix),
    ),
)

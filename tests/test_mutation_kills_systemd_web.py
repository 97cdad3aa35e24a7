"""Direct tests of the host web tier's helpers, for what the per-condition host trees
(tests/conditions/systemd_web.py) cannot reach or cannot tell apart: ``ufw status
verbose`` (read live only), nginx's time units and listen spellings, address kinds.
Expected values are literals.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.checks.common.tree import Tree
from auditor.checks.pip.facts import HostLive
from auditor.checks.systemd import availability, network
from auditor.checks.systemd.collect import collect
from auditor.checks.systemd.facts import (
    HOSTINFO,
    LIVE,
    PGLIVE,
    POSTGRES,
    HbaLine,
    HostInfo,
    PgCluster,
    PgClusters,
    PgLive,
    PgSetting,
    Ufw,
    UfwRule,
)
from auditor.checks.systemd.network import kind
from auditor.checks.systemd.nginx import is_loopback, seconds
from auditor.checks.systemd.ufw import load_ufw, parse_rules, parse_status
from auditor.model import Check, Facts, Location, Result, Style, Target, TargetKind

STATUS = """\
Status: active
Logging: on (low)
Default: deny (incoming), allow (outgoing), disabled (routed)
New profiles: skip

To                         Action      From
--                         ------      ----
22/tcp                     ALLOW IN    Anywhere
8088                       LIMIT IN    10.0.1.0/24
Nginx Full                 ALLOW IN    Anywhere
5432/tcp (v6)              DENY IN     Anywhere (v6)
"""
FILES = Ufw(installed=True, enabled=False, enabled_at="/etc/ufw/ufw.conf:2",
            default_input="ACCEPT", default_input_at="/etc/default/ufw:3",
            rules=(UfwRule("allow", "tcp", "80", "any", False, "/etc/ufw/user.rules", 4),))


def test_status_verbose_rules_default_and_switch() -> None:
    ufw = parse_status(STATUS, FILES)
    assert ufw is not None
    assert (ufw.installed, ufw.enabled, ufw.enabled_at) == (True, True, "ufw status verbose")
    assert (ufw.default_input, ufw.default_input_at) == ("DROP", "ufw status verbose")
    assert ufw.source == "ufw status verbose"
    assert [(r.action, r.proto, r.ports, r.source, r.v6, r.line) for r in ufw.rules] == [
        ("allow", "tcp", "22", "any", False, 8),
        ("limit", "any", "8088", "10.0.1.0/24", False, 9),
        ("allow", "any", "?", "any", False, 10),
        ("deny", "tcp", "5432", "any", True, 11),
    ]
    assert {r.path for r in ufw.rules} == {"ufw status verbose"}


@pytest.mark.parametrize(("word", "policy"), [("deny", "DROP"), ("reject", "REJECT"),
                                              ("allow", "ACCEPT")])
def test_status_default_policy_words(word: str, policy: str) -> None:
    text = STATUS.replace("Default: deny (incoming)", f"Default: {word} (incoming)")
    ufw = parse_status(text, FILES)
    assert ufw is not None and ufw.default_input == policy


def test_status_inactive_keeps_the_files_rules_and_default_without_a_default_line() -> None:
    text = "Status: inactive\n"
    ufw = parse_status(text, FILES)
    assert ufw is not None
    assert ufw.enabled is False
    assert ufw.rules == FILES.rules
    assert (ufw.default_input, ufw.default_input_at) == ("ACCEPT", "/etc/default/ufw:3")


def test_status_not_understood() -> None:
    assert parse_status("ERROR: You need to be root to run this script\n", FILES) is None


RULES = """\
### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in
### tuple ### deny_log udp 53 0.0.0.0/0 any 10.0.0.0/8 in_eth0 comment=dns%20block
### tuple ### allow tcp 8088 0.0.0.0/0 any 0.0.0.0/0 out
### tuple ### route:allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in
### tuple ### allow tcp 443
-A ufw-user-input -p tcp --dport 22 -j ACCEPT
 ### tuple ### allow tcp 9000 0.0.0.0/0 any 0.0.0.0/0 in
### tuple ### limit tcp 80,443 10.0.1.11 any 0.0.0.0/0 Nginx%20Full - in
"""


def test_saved_rules_in_only_with_their_lines() -> None:
    rules = parse_rules(RULES, "/etc/ufw/user6.rules", True)
    assert [(r.action, r.proto, r.ports, r.destination, r.source, r.line) for r in rules] == [
        ("allow", "tcp", "22", "0.0.0.0/0", "0.0.0.0/0", 1),
        ("deny", "udp", "53", "0.0.0.0/0", "10.0.0.0/8", 2),
        ("limit", "tcp", "80,443", "10.0.1.11", "0.0.0.0/0", 8),
    ]
    assert {(r.v6, r.path) for r in rules} == {(True, "/etc/ufw/user6.rules")}


def _tree(tmp_path: Path, files: dict[str, str]) -> Tree:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return Tree.at(tmp_path)


def test_load_ufw_reads_assignments_after_comments_and_blank_lines(tmp_path: Path) -> None:
    tree = _tree(tmp_path, {
        "etc/ufw/ufw.conf": "# ENABLED=no\n\nnot an assignment\n ENABLED = 'Yes' \n",
        "etc/default/ufw": 'IPV6=yes\nDEFAULT_INPUT_POLICY="reject"\n',
        "etc/ufw/user.rules": "### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n",
    })
    problems: dict[str, str] = {}
    ufw = load_ufw(tree, problems)
    assert (ufw.installed, ufw.enabled, ufw.enabled_at) == (True, True, "/etc/ufw/ufw.conf:4")
    assert (ufw.default_input, ufw.default_input_at) == ("REJECT", "/etc/default/ufw:2")
    assert [(r.ports, r.v6, r.line) for r in ufw.rules] == [("22", False, 1)]
    assert problems == {}


def test_load_ufw_without_ufw(tmp_path: Path) -> None:
    assert load_ufw(_tree(tmp_path, {"etc/hostname": "web1\n"}), {}) == Ufw(installed=False)


def test_load_ufw_names_an_unreadable_file(tmp_path: Path) -> None:
    tree = _tree(tmp_path, {"etc/ufw/ufw.conf": "ENABLED=yes\n"})
    (tmp_path / "etc/ufw/user.rules").mkdir()
    (tmp_path / "etc/default").mkdir()
    (tmp_path / "etc/default/ufw").mkdir()
    problems: dict[str, str] = {}
    ufw = load_ufw(tree, problems)
    assert ufw.enabled is True and ufw.default_input is None and ufw.rules == ()
    assert sorted(problems) == ["file /etc/default/ufw", "file /etc/ufw/user.rules"]


@pytest.mark.parametrize(("value", "expected"), [
    ("60", 60.0), ("60s", 60.0), ("1500ms", 1.5), ("2m", 120.0), ("1h", 3600.0),
    ("1d", 86400.0), ("1w", 604800.0), ("1M", 2592000.0), ("1y", 31536000.0),
    ("1m30s", 90.0), ("1h 30m", 5400.0), (" 90 ", 90.0), ("2.5s", 2.5),
    ("", None), ("s", None), ("1x", None), ("-5s", None), ("1m30x", None),
])
def test_nginx_time_units(value: str, expected: float | None) -> None:
    assert seconds(value) == expected


@pytest.mark.parametrize(("address", "expected"), [
    ("127.0.0.1:8088", True), ("127.1.2.3:80", True), ("localhost:8088", True),
    ("[::1]:8088", True), ("unix:/run/superset.sock", True),
    ("10.0.1.11:8088", False), ("[fd00::1]:8088", False), ("superset:8088", False),
])
def test_loopback_backends(address: str, expected: bool) -> None:
    assert is_loopback(address) is expected


@pytest.mark.parametrize(("address", "expected"), [
    ("127.0.0.1", "loopback"), ("localhost", "loopback"), ("unix:/run/s.sock", "loopback"),
    ("::1", "loopback"), ("[::1]", "loopback"), ("", "all"), ("*", "all"),
    ("0.0.0.0", "all"), ("::", "all"), ("[::]", "all"), ("10.0.0.1", "private"),
    ("[fd00::1]", "private"), ("8.8.8.8", "public"), ("db.example.com", "public"),
])
def test_address_kinds(address: str, expected: str) -> None:
    assert kind(address) == expected


# --- checks evaluated on facts: live data a host tree cannot carry --------------------

def _check(check_id: str) -> Check:
    (found,) = [c for module in (availability, network) for c in module.CHECKS
                if c.id == check_id]
    return found


def _results(check_id: str, facts: Facts) -> list[tuple[str, str, str, tuple[str, ...]]]:
    return [(r.subject, r.status.value, r.message, r.evidence)
            for r in _check(check_id).evaluate(facts)]


def _db(clusters: tuple[PgCluster, ...] = (), live: PgLive | None = None,
        host: str | None = None) -> Facts:
    values: dict[str, object] = {POSTGRES: PgClusters(clusters), HOSTINFO: HostInfo(
        db_uri_host=host)}
    if live is not None:
        values[PGLIVE] = live
    return Facts(Style.SYSTEMD, values=values)


CONF = "/etc/postgresql/15/main/postgresql.conf"
HBA = "/etc/postgresql/15/main/pg_hba.conf"


def _setting(name: str, value: str, line: int) -> PgSetting:
    return PgSetting(name, value, CONF, line)


def _hba(kind: str, database: str, address: str | None, line: int) -> HbaLine:
    return HbaLine(kind, database, "replicator", address, "scram-sha-256", HBA, line)


def _cluster(*settings: PgSetting, hba: tuple[HbaLine, ...] = (),
             standby: bool = False) -> PgCluster:
    return PgCluster("15/main", CONF, {s.name: s for s in settings}, hba, HBA,
                     standby_signal=standby)


def test_live_standby_and_live_primary_with_replicas_pass() -> None:
    assert _results("SYSTEMD-AVAILABILITY-002", _db(live=PgLive("db:5432/superset",
                                                                 in_recovery=True))) == [
        ("postgresql db:5432/superset", "pass", "the live server is itself a standby",
         ("pg_is_in_recovery = True", "pg_stat_replication: 0 row(s)"))]
    assert _results("SYSTEMD-AVAILABILITY-002", _db(live=PgLive("db:5432/superset",
                                                                 replicas=2))) == [
        ("postgresql db:5432/superset", "pass", "the live server streams to 2 standby server(s)",
         ("pg_is_in_recovery = False", "pg_stat_replication: 2 row(s)"))]


def test_live_server_without_standby_fails_even_with_a_configured_cluster() -> None:
    facts = _db((_cluster(_setting("primary_conninfo", "host=db2", 3)),),
                live=PgLive("db:5432/superset"))
    assert _results("SYSTEMD-AVAILABILITY-002", facts) == [
        ("postgresql db:5432/superset", "fail", "the live server has no standby: one host is a "
         "single point of failure for the metadata database",
         ("pg_stat_replication: 0 rows", "pg_is_in_recovery = false"))]


@pytest.mark.parametrize(("host", "message"), [
    ("db.internal", "the metadata database runs on db.internal; its availability is that "
     "host's (give --pg-dsn to read it live)"),
    ("localhost", "no PostgreSQL cluster under /etc/postgresql and no live DSN"),
    ("127.0.0.1", "no PostgreSQL cluster under /etc/postgresql and no live DSN"),
    ("::1", "no PostgreSQL cluster under /etc/postgresql and no live DSN"),
    (None, "no PostgreSQL cluster under /etc/postgresql and no live DSN"),
])
def test_no_local_cluster_skips(host: str | None, message: str) -> None:
    assert _results("SYSTEMD-AVAILABILITY-002", _db(host=host)) == [
        ("metadata-database", "skip", message, ())]


def test_no_hostinfo_skips_as_without_a_host() -> None:
    facts = Facts(Style.SYSTEMD, values={POSTGRES: PgClusters()})
    assert _results("SYSTEMD-AVAILABILITY-002", facts)[0][1:3] == (
        "skip", "no PostgreSQL cluster under /etc/postgresql and no live DSN")


REPLICATION = _hba("host", "replication", "10.0.1.12/32", 7)


@pytest.mark.parametrize(("cluster", "evidence"), [
    (_cluster(_setting("primary_conninfo", "host=db1 user=replicator", 3)),
     (f"{CONF}:3: primary_conninfo is set",)),
    (_cluster(_setting("synchronous_standby_names", "'db2'", 4)),
     (f"{CONF}:4: synchronous_standby_names is set",)),
    (_cluster(standby=True), ("standby.signal in the data directory",)),
    (_cluster(hba=(REPLICATION,)), (f"{HBA}:7: host replication from 10.0.1.12/32",)),
    (_cluster(_setting("wal_level", "logical", 2), hba=(
        _hba("hostssl", "replication", "10.0.1.0/24", 8),)),
     (f"{HBA}:8: hostssl replication from 10.0.1.0/24",)),
    (_cluster(_setting("max_wal_senders", "1", 2), hba=(
        REPLICATION, _hba("host", "replication", "10.0.1.13/32", 8),
        _hba("host", "replication", "10.0.1.14/32", 9))),
     (f"{HBA}:7: host replication from 10.0.1.12/32",
      f"{HBA}:8: host replication from 10.0.1.13/32")),
])
def test_configured_standby_or_replication_passes(cluster: PgCluster,
                                                  evidence: tuple[str, ...]) -> None:
    (result,) = _check("SYSTEMD-AVAILABILITY-002").evaluate(_db((cluster,)))
    assert (result.subject, result.status.value, result.evidence) == (
        "postgresql 15/main", "pass", evidence)
    assert result.message == "a standby is configured: the database survives the loss of this host"
    assert result.location == Location("etc/postgresql/15/main/postgresql.conf", None)


@pytest.mark.parametrize("cluster", [
    _cluster(),
    _cluster(_setting("primary_conninfo", "", 3)),
    _cluster(_setting("wal_level", "minimal", 2), hba=(REPLICATION,)),
    _cluster(_setting("max_wal_senders", "0", 2), hba=(REPLICATION,)),
    _cluster(hba=(_hba("host", "replication", "127.0.0.1/32", 7),)),
    _cluster(hba=(_hba("host", "replication", "samehost", 7),)),
    _cluster(hba=(_hba("local", "replication", None, 7),)),
    _cluster(hba=(_hba("host", "all", "10.0.1.12/32", 7),)),
], ids=["nothing", "empty primary_conninfo", "wal_level minimal", "max_wal_senders 0",
        "loopback replication", "samehost replication", "local replication",
        "database all"])
def test_single_database_fails(cluster: PgCluster) -> None:
    (result,) = _check("SYSTEMD-AVAILABILITY-002").evaluate(_db((cluster,)))
    assert (result.subject, result.status.value) == ("postgresql 15/main", "fail")
    assert result.message == ("no standby, replication or primary_conninfo: one host is a "
                              "single point of failure for dashboards, users and saved queries")
    assert result.evidence == ("no primary_conninfo, synchronous_standby_names, standby.signal "
                               "or replication line in pg_hba.conf",)
    assert result.location == Location("etc/postgresql/15/main/postgresql.conf", None)


def _host_facts(tmp_path: Path, files: dict[str, str], **live: object) -> Facts:
    root = tmp_path / "host"
    _tree(root, files)
    facts = collect(Target("host", TargetKind.PATH, root=str(root), host_tree=True), {})
    return dataclasses.replace(facts, values={**facts.values, **live})


UNIT = ("[Service]\nExecStart=/opt/superset/bin/gunicorn --workers 4 --bind 0.0.0.0:8088 "
        "superset.app:create_app()\n")
PG = {"etc/systemd/system/superset.service": UNIT,
      "etc/postgresql/15/main/postgresql.conf": "port = 5433\nlisten_addresses = '*'\n"}


def test_live_listeners_replace_the_configured_addresses(tmp_path: Path) -> None:
    state = HostLive(memory_total=1, memory_available=1, cpu_count=1,
                     listeners=(("127.0.0.1", 8088, 10), ("::1", 8088, 10),
                                ("10.0.1.5", 5433, 20), ("0.0.0.0", 22, 1)))
    facts = _host_facts(tmp_path, PG, **{LIVE: state})
    assert _results("SYSTEMD-NETWORK-003", facts) == [
        ("gunicorn superset.service", "pass", "bound to loopback (127.0.0.1, ::1)",
         ("listening now on 127.0.0.1, ::1 (--bind 0.0.0.0:8088 configured)",)),
        ("postgresql 15/main", "pass",
         "bound to loopback and a private address (10.0.1.5) for the other hosts of the "
         "deployment", ("listening now on 10.0.1.5 (listen_addresses = '*' configured)",)),
    ]


def test_a_port_nothing_listens_on_keeps_the_configured_address(tmp_path: Path) -> None:
    state = HostLive(memory_total=1, memory_available=1, cpu_count=1,
                     listeners=(("0.0.0.0", 22, 1),))
    facts = _host_facts(tmp_path, PG, **{LIVE: state})
    assert [(s, st, e) for s, st, _, e in _results("SYSTEMD-NETWORK-003", facts)] == [
        ("gunicorn superset.service", "fail", ("--bind 0.0.0.0:8088",)),
        ("postgresql 15/main", "fail", ("listen_addresses = '*'",)),
    ]


def test_live_listen_addresses_setting_wins_over_the_file(tmp_path: Path) -> None:
    facts = _host_facts(tmp_path, PG, **{PGLIVE: PgLive(
        "db:5433/superset", settings={"listen_addresses": "localhost"})})
    results = _results("SYSTEMD-NETWORK-003", facts)
    assert results[1] == ("postgresql 15/main", "pass", "bound to loopback (localhost)",
                          ("listen_addresses = 'localhost'",))
    (port,) = [r for r in _results("SYSTEMD-NETWORK-002", facts) if "5433" in r[0]]
    assert port[:2] == ("port 5433 (postgresql 15/main)", "pass")


def test_port_setting_that_is_not_a_number_means_5432(tmp_path: Path) -> None:
    files = {**PG, "etc/postgresql/15/main/postgresql.conf": "port = 'x'\n"}
    results = _results("SYSTEMD-NETWORK-002", _host_facts(tmp_path, files))
    assert [r[0] for r in results] == ["port 8088 (gunicorn superset.service)",
                                       "port 5432 (postgresql 15/main)"]


# --- nginx facts: listen spellings, backends, inheritance ------------------------------

NGINX_FACTS = """\
events {}
http {
    add_header X-Http-Level 1;
    proxy_set_header X-From-Http 1;
    proxy_read_timeout 2m;
    server_tokens build;
    ssl_protocols TLSv1.2;
    ssl_certificate /etc/ssl/http.pem;
    upstream app {
        server 10.0.1.11:8088 weight=2;
        server 10.0.1.12:8088 backup;
        server 10.0.1.13:8088 down;
    }
    server {
        listen unix:/run/nginx.sock ssl;
        listen [::]:443 ssl default_server;
        listen 127.0.0.1;
        listen 8080 default;
        listen 8443 quic reuseport;
        server_name _ superset.example.com;
        location ~ ^/api {
            proxy_pass http://$backend;
        }
        location / {
            add_header X-Location 1;
            proxy_pass http://unix:/run/gunicorn.sock:/;
            location /nested/ {
                proxy_read_timeout 5;
                proxy_pass https://backend;
            }
        }
        location /six/ { uwsgi_pass http://[::1]:8088; }
        location /sixdefault/ { proxy_pass http://[::1]; }
        location /app/ { proxy_pass http://app/; }
    }
    server {
        server_name plain.example.com;
        ssl on;
    }
}
"""


def test_nginx_facts_from_one_configuration(tmp_path: Path) -> None:
    from auditor.checks.systemd.facts import Listen
    from auditor.checks.systemd.nginx import load_nginx

    tree = _tree(tmp_path, {"etc/nginx/nginx.conf": NGINX_FACTS})
    problems: dict[str, str] = {}
    config = load_nginx(tree, problems)
    assert problems == {} and config.errors == ()
    assert config.files == ("/etc/nginx/nginx.conf",)
    app = config.upstreams["app"]
    assert [(s.address, s.backup, s.down) for s in app.servers] == [
        ("10.0.1.11:8088", False, False), ("10.0.1.12:8088", True, False),
        ("10.0.1.13:8088", False, True)]
    assert (app.path, app.line) == ("/etc/nginx/nginx.conf", 9)
    first, second = config.servers
    assert first.listens == (
        Listen("unix:/run/nginx.sock", 0, True), Listen("[::]", 443, True, default=True),
        Listen("127.0.0.1", 80, False), Listen("*", 8080, False, default=True),
        Listen("*", 8443, True))
    assert (first.tls, first.plain, first.label) == (True, True, "superset.example.com:0,443,"
                                                                 "80,8080,8443")
    assert (first.certificate, first.protocols, first.protocols_at) == (
        "/etc/ssl/http.pem", ("TLSv1.2",), "/etc/nginx/nginx.conf:7")
    assert (first.tokens, first.tokens_at) == ("build", "/etc/nginx/nginx.conf:6")
    assert dict(first.headers) == {"x-http-level": "1"}
    routes = {r.match: r for r in first.routes}
    assert [(m, r.target, r.backends, r.upstream) for m, r in routes.items()] == [
        ("~ ^/api", "http://$backend", (), None),
        ("/", "http://unix:/run/gunicorn.sock:/", ("unix:/run/gunicorn.sock",), None),
        ("/nested/", "https://backend", ("backend:443",), None),
        ("/six/", "http://[::1]:8088", ("[::1]:8088",), None),
        ("/sixdefault/", "http://[::1]", ("[::1]:80",), None),
        ("/app/", "http://app/", ("10.0.1.11:8088", "10.0.1.12:8088"), "app"),
    ]
    assert dict(routes["/"].headers) == {"x-location": "1"}
    assert dict(routes["/nested/"].headers) == {"x-location": "1"}
    assert dict(routes["/app/"].headers) == {"x-http-level": "1"}
    assert dict(routes["/"].proxy_headers) == {"x-from-http": "1"}
    assert (routes["/"].read_timeout, routes["/"].read_timeout_source) == (
        120.0, "/etc/nginx/nginx.conf:5")
    assert (routes["/nested/"].read_timeout, routes["/nested/"].read_timeout_source) == (
        5.0, "/etc/nginx/nginx.conf:28")
    assert (routes["/"].path, routes["/"].line) == ("/etc/nginx/nginx.conf", 26)
    assert second.listens == (Listen("*", 80, False),)
    assert (second.tls, second.plain, second.label) == (True, False, "plain.example.com:80")


def test_nginx_absent_and_unparsable(tmp_path: Path) -> None:
    from auditor.checks.systemd.nginx import load_nginx

    assert load_nginx(_tree(tmp_path / "a", {"etc/hostname": "x\n"}), {}).present is False
    config = load_nginx(_tree(tmp_path / "b", {
        "etc/nginx/nginx.conf": "events {}\nhttp {\n  server { listen 80;\n}\n"}), {})
    assert config.present is True
    assert len(config.errors) == 1 and config.errors[0].startswith("/etc/nginx/nginx.conf:")


# --- catalog entries: what the report and the scoring read from each check -------------

CATALOG = [
    ("SYSTEMD-PROXY-TLS-001", "high", "proxy-tls", "Nginx terminates TLS in front of Superset",
     "a TLS server proxies Superset", "no TLS in front of Superset",
     "Superset's login form and session cookie", "Put nginx in front: 'listen 443 ssl;'", 2),
    ("SYSTEMD-PROXY-TLS-002", "medium", "proxy-tls", "Nginx offers only TLS 1.2 and 1.3",
     "TLS 1.2/1.3 only", "TLS 1.0/1.1 enabled or left to the default",
     "TLS 1.0 and 1.1 are deprecated (RFC 8996)", "Set 'ssl_protocols TLSv1.2 TLSv1.3;'", 2),
    ("SYSTEMD-PROXY-TLS-003", "medium", "proxy-tls", "Nginx sends Strict-Transport-Security",
     "HSTS with max-age >= 180 days", "no HSTS header",
     "Without HSTS a user who types the host name", "add_header Strict-Transport-Security", 2),
    ("SYSTEMD-PROXY-TLS-004", "medium", "proxy-tls", "Plain HTTP is redirected to HTTPS",
     "HTTP redirects to HTTPS", "Superset served over plain HTTP",
     "A port-80 server that proxies Superset", "Make the port-80 server only 'return 301", 1),
    ("SYSTEMD-PROXY-TLS-005", "low", "proxy-tls", "Nginx does not announce its version",
     "server_tokens off", "version announced",
     "server_tokens on (the default)", "Set 'server_tokens off;' in the http block.", 1),
    ("SYSTEMD-PROXY-TLS-006", "medium", "proxy-tls", "Nginx passes X-Forwarded-Proto to Superset",
     "X-Forwarded-Proto passed", "X-Forwarded-Proto missing",
     "Behind TLS Superset only knows the original scheme",
     "proxy_set_header X-Forwarded-Proto $scheme;", 2),
    ("SYSTEMD-PROXY-TLS-007", "medium", "proxy-tls", "Nginx waits at least as long as gunicorn",
     "proxy_read_timeout >= gunicorn --timeout", "proxy times out before gunicorn",
     "If proxy_read_timeout (60 s by default)", "Set proxy_read_timeout (and SUPERSET_WEB", 2),
]


@pytest.mark.parametrize("entry", CATALOG, ids=[e[0] for e in CATALOG])
def test_proxy_tls_catalog_entries(
        entry: tuple[str, str, str, str, str, str, str, str, int]) -> None:
    from auditor.checks.systemd import proxy_tls
    from auditor.model import Row, Severity

    (check,) = [c for c in proxy_tls.CHECKS if c.id == entry[0]]
    check_id, severity, row, title, success, failure, rationale, remediation, refs = entry
    assert (check.severity, check.row, check.style) == (Severity(severity), Row(row),
                                                         Style.SYSTEMD)
    assert (check.title, check.success, check.failure) == (title, success, failure)
    assert check.rationale.startswith(rationale) and check.rationale.endswith(".")
    assert check.remediation.startswith(remediation)
    assert len(check.references) == refs
    assert all(r.startswith("https://") for r in check.references)
    assert check.requires == ("systemd.nginx", "systemd.services")
    assert check.id == check_id


def test_include_glob_skips_dot_files_and_reads_the_rest(tmp_path: Path) -> None:
    from auditor.checks.systemd.nginx import load_nginx

    tree = _tree(tmp_path, {
        "etc/nginx/nginx.conf": "events {}\nhttp {\n  include sites-enabled/*;\n}\n",
        "etc/nginx/sites-enabled/.superset.swp": "server { listen 81; }\n",
        "etc/nginx/sites-enabled/a-superset": "server { listen 82; }\n",
        "etc/nginx/sites-enabled/b-other": "server { listen 83; }\n",
    })
    config = load_nginx(tree, {})
    assert config.files == ("/etc/nginx/nginx.conf", "/etc/nginx/sites-enabled/a-superset",
                            "/etc/nginx/sites-enabled/b-other")
    assert [s.listens[0].port for s in config.servers] == [82, 83]


def test_include_of_a_symbolic_link_loop_is_named(tmp_path: Path) -> None:
    from auditor.checks.systemd.nginx import load_nginx

    tree = _tree(tmp_path, {"etc/nginx/nginx.conf":
                            "events {}\nhttp {\n  include /etc/nginx/loop.conf;\n}\n"})
    (tmp_path / "etc/nginx/loop.conf").symlink_to("loop2.conf")
    (tmp_path / "etc/nginx/loop2.conf").symlink_to("loop.conf")
    problems: dict[str, str] = {}
    load_nginx(tree, problems)
    assert problems == {
        "nginx include /etc/nginx/loop.conf (/etc/nginx/nginx.conf:3)": "symbolic link loop"}


def test_proxy_tls_check_helper_fills_every_field() -> None:
    # CHECKS is built at import time, before a mutant is switched on: call the helper.
    from auditor.checks.systemd.proxy_tls import _check
    from auditor.model import Row, Severity

    def evaluate(facts: Facts) -> Iterator[Result]:
        yield from ()

    check = _check(9, "title", Severity.LOW, "rationale.", "remediation", "success", "failure",
                   ("https://example.org/",), evaluate)
    assert (check.id, check.style, check.row, check.severity) == (
        "SYSTEMD-PROXY-TLS-009", Style.SYSTEMD, Row.PROXY_TLS, Severity.LOW)
    assert (check.title, check.rationale, check.remediation, check.success, check.failure) == (
        "title", "rationale.", "remediation", "success", "failure")
    assert check.references == ("https://example.org/",)
    assert check.requires == ("systemd.nginx", "systemd.services")
    assert check.evaluate is evaluate


def test_load_ufw_without_ufw_conf_is_no_problem(tmp_path: Path) -> None:
    problems: dict[str, str] = {}
    ufw = load_ufw(_tree(tmp_path, {"etc/default/ufw": "DEFAULT_INPUT_POLICY=DROP\n"}), problems)
    assert (ufw.installed, ufw.enabled, ufw.enabled_at, ufw.default_input) == (
        True, None, None, "DROP")
    assert problems == {}


def test_a_bare_word_in_ufw_conf_is_no_assignment(tmp_path: Path) -> None:
    ufw = load_ufw(_tree(tmp_path, {"etc/ufw/ufw.conf": "ENABLED\n"}), {})
    assert (ufw.enabled, ufw.enabled_at) == (None, None)


def test_backends_read_the_host_after_the_first_scheme_only(tmp_path: Path) -> None:
    from auditor.checks.systemd.nginx import load_nginx

    tree = _tree(tmp_path, {"etc/nginx/nginx.conf": (
        "events {}\nhttp {\n  server {\n"
        "    location /a/ { proxy_pass http://10.0.1.11:8088/go?to=http://other; }\n"
        "    location /b/ { proxy_pass http://unix:/run/g.sock:/api:v1; }\n  }\n}\n")})
    (server,) = load_nginx(tree, {}).servers
    assert [r.backends for r in server.routes] == [("10.0.1.11:8088",), ("unix:/run/g.sock",)]


def test_a_bind_without_a_port_is_no_listener() -> None:
    # gunicorn --bind superset (a host name, no port): skipped, not an int("superset") error.
    assert network._split("superset") == ("0.0.0.0", None)
    assert network._split("10.0.0.5:8088") == ("10.0.0.5", 8088)
    assert network._split("unix:/run/superset.sock") == ("unix:/run/superset.sock", None)


def test_nginx_without_proxy_pass_says_so_in_exactly_these_words(tmp_path: Path) -> None:
    from conditions.systemd_web import NO_PROXY

    from auditor.checks.systemd import proxy_tls

    for name, text in NO_PROXY.items():
        (tmp_path / name.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name.lstrip("/")).write_text(text)
    target = Target(label="t", kind=TargetKind.PATH, root=str(tmp_path), host_tree=True)
    facts = collect(target, {})
    (result,) = [r for c in proxy_tls.CHECKS if c.id == "SYSTEMD-PROXY-TLS-001"
                 for r in c.evaluate(facts)]
    assert (result.status.value, result.message) == ("fail", "nginx does not proxy to Superset")

"""Direct tests of checks/superset that kill mutants the per-condition cases
(tests/conditions/superset.py) leave alive (docs/mutation/superset.md).

Each test says which code it pins. Expected values are literals, never read from the code
under test.
"""

from __future__ import annotations

import pytest

from auditor.checks.superset.configmodel import (
    EnvValue,
    Setting,
    SupersetConfig,
    Topology,
    Unknown,
    analyze,
    cast_to_boolean,
    gunicorn_timeout,
    parse_boolean_string,
)
from auditor.checks.superset.dbhost import DatabaseHost, database_host, unread_uri, unseen_message
from auditor.checks.superset.judge import per_config, per_config_in_style
from auditor.checks.superset.live_checks import _headers, _health, _tls
from auditor.checks.superset.probe import (
    PROBE,
    Answer,
    Certificate,
    ProbeFacts,
    _get,
    certificate,
    probe,
)
from auditor.checks.superset.security import _check
from auditor.checks.superset.services import _jwt
from auditor.model import Facts, Location, Result, Row, Severity, Status, Style


def _uri(uri: str) -> SupersetConfig:
    return SupersetConfig(settings={"SQLALCHEMY_DATABASE_URI": Setting(
        "SQLALCHEMY_DATABASE_URI", uri, "superset_config.py:3")})


# --- dbhost: where the metadata database lives (the backups checks of every style) ------

def test_database_host_reads_host_port_and_source() -> None:
    db = database_host(_uri("postgresql://superset:pw@db.internal:5433/superset"))
    assert db == DatabaseHost("db.internal", 5433, None,
                              "SQLALCHEMY_DATABASE_URI from superset_config.py:3")
    assert db.shown == "db.internal:5433"
    assert db.loopback is False


def test_database_host_names_each_managed_service() -> None:
    for host, service in (("x.abc.eu-west-1.rds.amazonaws.com", "Amazon RDS"),
                          ("x.postgres.database.azure.com", "Azure Database for PostgreSQL"),
                          ("x.mysql.database.azure.com", "Azure Database for MySQL"),
                          ("x.database.windows.net", "Azure SQL"),
                          ("db.x.postgres.database.supabase.co", "Supabase"),
                          ("db.x.supabase.co", "Supabase"),
                          ("ep-x.neon.tech", "Neon"),
                          ("x.aivencloud.com", "Aiven"),
                          ("x.db.ondigitalocean.com", "DigitalOcean Managed Databases")):
        db = database_host(_uri(f"postgresql://u:p@{host}/superset"))
        assert db is not None and db.managed == service, host
        assert db.shown == f"{host} ({service})"


def test_database_host_cloud_sql_socket() -> None:
    db = database_host(_uri("postgresql+pg8000://u:p@/superset?host=/cloudsql/proj:eu:db"))
    assert db is not None
    assert (db.host, db.managed, db.port) == ("/cloudsql/proj:eu:db", "Google Cloud SQL", None)
    assert db.loopback is False
    assert db.shown == "/cloudsql/proj:eu:db (Google Cloud SQL)"


def test_database_host_is_none_for_sqlite_unknown_and_broken_uris() -> None:
    assert database_host(_uri("sqlite:////var/lib/superset.db")) is None
    assert database_host(_uri("SQLITE:///x.db")) is None
    assert database_host(_uri("no-scheme")) is None
    assert database_host(_uri("postgresql://u:p@db:notaport/x")) is None
    config = SupersetConfig(settings={"SQLALCHEMY_DATABASE_URI": Setting(
        "SQLALCHEMY_DATABASE_URI", Unknown("secret"), "x")})
    assert database_host(config) is None


def test_loopback_hosts() -> None:
    for uri in ("postgresql://u:p@127.0.0.1/x", "postgresql://u:p@localhost/x",
                "postgresql://u:p@[::1]/x", "postgresql://u:p@/x"):
        db = database_host(_uri(uri))
        assert db is not None and db.loopback is True, uri


def test_unseen_message_sorts_and_dedupes_hosts() -> None:
    hosts = [DatabaseHost("b.example", 5432, None, "s"), DatabaseHost("a.example", None, None, "s"),
             DatabaseHost("b.example", 5432, None, "s")]
    assert unseen_message(hosts) == (
        "the metadata database is on a.example, b.example:5432, outside what was audited: "
        "its backups (the provider's snapshots or that host's own jobs) cannot be seen from "
        "here; check them there")


# --- configmodel helpers -------------------------------------------------------------------

def test_superset_boolean_parsers() -> None:
    for text in ("y", "Y", "yes", "True", "t", "true", "On", "on", "1"):
        assert parse_boolean_string(text) is True, text
    for text in ("0", "false", "no", "n", "off", "", " true"):
        assert parse_boolean_string(text) is False, text
    for text in ("true", "TRUE", " True "):
        assert cast_to_boolean(text) is True, text
    for text in ("1", "yes", "on", "t", "false", ""):
        assert cast_to_boolean(text) is False, text


def test_gunicorn_timeout() -> None:
    assert gunicorn_timeout("90", "gunicorn") == 90.0
    assert gunicorn_timeout(None, "gunicorn") == 30.0
    assert gunicorn_timeout("", "gunicorn") == 30.0
    assert gunicorn_timeout("abc", "gunicorn") is None
    assert gunicorn_timeout("90", "uwsgi") is None


def test_shared_by_all_matches_the_mount_and_below_only() -> None:
    topology = Topology(1, 1, 1, shared_dirs=(("/app/superset_home/", "volume home"),
                                              ("/", "volume root-only")))
    assert topology.shared_by_all("/app/superset_home") == "volume home"
    assert topology.shared_by_all("/app/superset_home/cache/") == "volume home"
    narrow = Topology(1, 1, 1, shared_dirs=(("/app/superset_home", "volume home"),))
    assert narrow.shared_by_all("/app/superset_home_other") is None
    assert narrow.shared_by_all("/app") is None
    assert Topology(1, 1, 1, shared_dirs=(("/", "volume root"),)).shared_by_all("/x") == \
        "volume root"


def test_env_flags_merge_under_the_file_flags() -> None:
    env = {"SUPERSET_FEATURE_DYNAMIC_PLUGINS": EnvValue("yes", ".env:1"),
           "SUPERSET_FEATURE_ALERT_REPORTS": EnvValue("true", ".env:2")}
    config = analyze('FEATURE_FLAGS = {"DYNAMIC_PLUGINS": False}\n', "superset_config.py", env)
    assert config.get("FEATURE_FLAGS").value == {"DYNAMIC_PLUGINS": False, "ALERT_REPORTS": True}
    assert config.get("FEATURE_FLAGS").source == "superset_config.py:1"
    only_env = analyze(None, None, env)
    assert only_env.get("FEATURE_FLAGS").source == "env SUPERSET_FEATURE_*"
    assert only_env.feature("DYNAMIC_PLUGINS") is True


# --- live checks on probe facts built here -------------------------------------------------

def _facts(probe: ProbeFacts) -> Facts:
    return Facts(Style.PIP, values={PROBE: probe})


def _page(headers: dict[str, str], status: int | None = 200) -> Answer:
    return Answer("https://bi.example/login/", status=status, headers=headers)


HEALTHY = Answer("https://bi.example/health", status=200, body_start="OK", seconds=0.1)


def _https(page: Answer, plain: Answer | None = None,
           cert: Certificate | None = None) -> ProbeFacts:
    return ProbeFacts(base="https://bi.example", health=HEALTHY, page=page, plain_http=plain,
                      certificate=cert or Certificate("bi.example", True, days_left=60,
                                                      not_after="2027-02-01"))


ALL = {"content-security-policy": "default-src 'self'", "x-frame-options": "DENY",
       "strict-transport-security": "max-age=63072000"}


def test_headers_over_https_want_hsts() -> None:
    [result] = _headers(_facts(_https(_page(ALL))))
    assert (result.status, result.message) == (Status.PASS, "security headers are sent")
    assert result.evidence == ("GET https://bi.example/login/ -> 200",
                               "present: Content-Security-Policy, X-Frame-Options, "
                               "Strict-Transport-Security")
    without = {k: v for k, v in ALL.items() if k != "strict-transport-security"}
    [result] = _headers(_facts(_https(_page(without))))
    assert (result.status, result.message) == (Status.WARN, "missing Strict-Transport-Security")
    [result] = _headers(_facts(_https(_page({}))))
    assert (result.status, result.message) == (Status.FAIL, "no security header is sent")
    assert result.evidence[1] == "present: none"


def test_headers_two_missing_are_named_in_order() -> None:
    [result] = _headers(_facts(_https(_page({"x-frame-options": "DENY"}))))
    assert result.message == "missing Content-Security-Policy, Strict-Transport-Security"


def test_headers_skip_without_status() -> None:
    page = Answer("https://bi.example/login/", error="no answer within 5s")
    [result] = _headers(_facts(_https(page)))
    assert (result.status, result.message, result.subject) == (
        Status.SKIP, "the login page did not answer (no answer within 5s)",
        "https://bi.example/login/")


def test_no_probe_no_result() -> None:
    empty = Facts(Style.PIP)
    assert list(_headers(empty)) == []
    assert list(_health(empty)) == []
    assert list(_tls(empty)) == []


def test_tls_plain_http_must_redirect_to_https() -> None:
    for status, location, expected in (
            (301, "https://bi.example/", Status.PASS), (302, "https://bi.example/", Status.PASS),
            (307, "https://bi.example/", Status.PASS), (308, "https://bi.example/", Status.PASS),
            (301, "http://bi.example/", Status.WARN), (200, "", Status.WARN),
            (303, "https://bi.example/", Status.WARN)):
        plain = Answer("http://bi.example/", status=status, headers={"location": location})
        [result] = _tls(_facts(_https(_page(ALL), plain)))
        assert result.status == expected, (status, location)
        assert result.evidence[1] == f"GET http://bi.example/ -> {status} {location}".strip()
    [result] = _tls(_facts(_https(_page(ALL), Answer("http://bi.example/", status=200))))
    assert result.message == "plain HTTP is not redirected to HTTPS"


def test_tls_certificate_days() -> None:
    for days, expected in ((21, Status.PASS), (20, Status.FAIL), (0, Status.FAIL)):
        cert = Certificate("bi.example", True, days_left=days, not_after="2027-01-01")
        [result] = _tls(_facts(_https(_page(ALL), cert=cert)))
        assert result.status == expected, days
        assert result.evidence == (
            f"certificate for bi.example: valid until 2027-01-01 ({days} days)",)
    cert = Certificate("bi.example", True)
    [result] = _tls(_facts(_https(_page(ALL), cert=cert)))
    assert result.status == Status.PASS
    assert result.message == "valid HTTPS, and HTTP redirects to it"


def test_tls_untrusted_certificate() -> None:
    cert = Certificate("bi.example", False, error="self-signed certificate")
    [result] = _tls(_facts(_https(_page(ALL), cert=cert)))
    assert (result.status, result.message, result.subject) == (
        Status.FAIL, "the certificate is not valid for this host", "https://bi.example")
    assert result.evidence == ("certificate for bi.example: not trusted (self-signed "
                               "certificate)",)
    probe = ProbeFacts(base="https://bi.example", health=HEALTHY, page=_page(ALL))
    [result] = _tls(_facts(probe))
    assert (result.status, result.evidence) == (Status.FAIL, ())


def test_health_slow_boundary() -> None:
    def health(seconds: float, body: str = "OK") -> Answer:
        return Answer("http://bi.example/health", status=200, body_start=body, seconds=seconds)

    for seconds, expected in ((2.0, Status.PASS), (2.01, Status.WARN)):
        probe = ProbeFacts("http://bi.example", health(seconds), _page(ALL))
        [result] = _health(_facts(probe))
        assert result.status == expected, seconds
    probe = ProbeFacts("http://bi.example", health(2.26), _page(ALL))
    [result] = _health(_facts(probe))
    assert result.message == "/health took 2.3s"
    assert result.evidence == ("GET http://bi.example/health -> 200 in 2.26s",)
    probe = ProbeFacts("http://bi.example", health(0.1, "  ok"), _page(ALL))
    [result] = _health(_facts(probe))
    assert result.status == Status.PASS


# --- configmodel: the config file's own env getters, recognised by what they do ------------

def _read(text: str, name: str = "SECRET_KEY", **env: str) -> object:
    values = {key: EnvValue(value, f".env:{i}") for i, (key, value) in enumerate(env.items())}
    return analyze(text, "superset_config.py", values).get(name).value


GETTER_BODIES = {
    "os.environ[]": "    if name in os.environ:\n        return os.environ[name]\n",
    "environ[]": "    if name in environ:\n        return environ[name]\n",
    "os.environ.get": "    if os.environ.get(name):\n        return os.environ.get(name)\n",
    "environ.get": "    if environ.get(name):\n        return environ.get(name)\n",
    "os.getenv": "    if os.getenv(name):\n        return os.getenv(name)\n",
    "getenv": "    if getenv(name):\n        return getenv(name)\n",
}
"""Bodies of a getter that returns the variable when set; ``return default`` follows."""


def test_env_getter_every_way_of_reading_the_environment() -> None:
    for spelling, body in GETTER_BODIES.items():
        text = ("import os\nfrom os import environ, getenv\n"
                f"def env_or(name, default=None):\n{body}    return default\n"
                'SECRET_KEY = env_or("SUPERSET_SECRET_KEY", "fallback")\n')
        assert _read(text, SUPERSET_SECRET_KEY="from-env") == "from-env", spelling
        assert _read(text) == "fallback", spelling


def test_env_getter_default_from_the_signature() -> None:
    text = ("import os\ndef env_or(name, default='signature'):\n"
            "    if os.getenv(name):\n        return os.getenv(name)\n    return default\n"
            'SECRET_KEY = env_or("SUPERSET_SECRET_KEY")\n')
    assert _read(text) == "signature"


def test_a_function_that_reads_something_else_is_no_env_getter() -> None:
    for body in ("    if name in TABLE:\n        return TABLE[name]\n",
                 "    if name:\n        return os.environ['OTHER']\n",
                 "    if name:\n        return os.getenv('OTHER')\n",
                 "    if lookup(name):\n        return lookup(name)\n"):
        text = (f"import os\nTABLE = {{}}\ndef env_or(name, default=None):\n{body}"
                "    return default\n"
                'SECRET_KEY = env_or("SUPERSET_SECRET_KEY", "fallback")\n')
        value = _read(text, SUPERSET_SECRET_KEY="from-env")
        assert value == Unknown("computed by a function call"), body


def test_a_getter_that_runs_code_is_not_trusted() -> None:
    for call in ("eval", "exec"):
        text = ("import os\ndef env_or(name, default=None):\n"
                f"    {call}('1')\n"
                "    if name in os.environ:\n        return os.environ[name]\n"
                "    return default\n"
                'SECRET_KEY = env_or("SUPERSET_SECRET_KEY", "fallback")\n')
        assert _read(text) == Unknown("computed by a function call"), call


def test_item_assignment_keeps_the_dict_and_ignores_computed_keys() -> None:
    text = ('FEATURE_FLAGS = {"ALERT_REPORTS": True}\nFEATURE_FLAGS["DYNAMIC_PLUGINS"] = True\n'
            "flag = f'{__name__}'\nFEATURE_FLAGS[flag] = True\nflags = {}\nflags['X'] = 1\n")
    assert _read(text, "FEATURE_FLAGS") == {"ALERT_REPORTS": True, "DYNAMIC_PLUGINS": True}
    assert _read('FEATURE_FLAGS = {}\nFEATURE_FLAGS["DYNAMIC_PLUGINS"] = True\n',
                 "FEATURE_FLAGS") == {"DYNAMIC_PLUGINS": True}


def test_percent_formatting_that_does_not_fit() -> None:
    assert _read('SQLALCHEMY_DATABASE_URI = "%s://%s" % ("a",)\n',
                 "SQLALCHEMY_DATABASE_URI") == Unknown(
        "built with % formatting that does not fit its values")


def test_unseen_environment_reason() -> None:
    config = analyze('import os\nSECRET_KEY = os.environ["K"]\n', "superset_config.py", {},
                     unseen_env="Secret env")
    assert config.get("SECRET_KEY").value == Unknown(
        "environment variable K may come from Secret env, which is not among the audited "
        "objects")


def test_environ_subscripts() -> None:
    assert _read('import os\nfrom vaults import vault\nSECRET_KEY = vault["K"]\n',
                 K="x") == Unknown(
        "computed by a subscript")
    assert _read("import os\nkey = 'K'\nSECRET_KEY = os.environ[key]\n", K="x") == Unknown(
        "computed by a subscript")
    assert _read('import os\nSECRET_KEY = os.environ["K"]\n', K="from-env") == "from-env"


def test_shared_by_all_does_not_strip_letters() -> None:
    topology = Topology(1, 1, 1, shared_dirs=(("/app/superset_home", "volume home"),))
    assert topology.shared_by_all("/app/superset_homeX") is None


def test_unread_uri() -> None:
    unknown = SupersetConfig(settings={"SQLALCHEMY_DATABASE_URI": Setting(
        "SQLALCHEMY_DATABASE_URI", Unknown("Secret db is not among the audited objects"),
        "x")})
    facts = Facts(Style.KUBERNETES, values={"superset.config": unknown})
    assert unread_uri(facts) == ("SQLALCHEMY_DATABASE_URI could not be read (Secret db is not "
                                 "among the audited objects)")
    known = Facts(Style.KUBERNETES, values={"superset.config": _uri("postgresql://db/x")})
    assert unread_uri(known) is None
    assert unread_uri(Facts(Style.KUBERNETES)) is None


# --- factories run when the modules are imported: called here, so their mutants act -------

def _config_facts(text: str, style: Style = Style.COMPOSE) -> Facts:
    return Facts(style, values={"superset.config": analyze(text, "superset_config.py", {})})


def test_per_config_in_style_passes_the_style_and_the_subject() -> None:
    seen: list[Style] = []

    def judge(config: SupersetConfig, style: Style) -> tuple[Status, str, tuple[str, ...]]:
        seen.append(style)
        return Status.WARN, "m", ("e",)

    facts = _config_facts("DEBUG = True\n")
    assert list(per_config_in_style("DEBUG", judge)(facts)) == [
        Result("DEBUG", Status.WARN, "m", ("e",), Location("superset_config.py", 1))]
    assert seen == [Style.COMPOSE]
    assert list(per_config("DEBUG", lambda config: None)(facts)) == []


def test_per_config_scopes_subjects_and_locates_settings() -> None:
    from auditor.checks.superset.configmodel import ConfigSet

    def judge(config: SupersetConfig) -> tuple[Status, str, tuple[str, ...]]:
        return Status.PASS, "m", ()

    one = analyze("DEBUG = False\n", "superset_config.py", {})
    other = analyze(None, None, {})
    facts = Facts(Style.KUBERNETES, values={
        "superset.config": one,
        "superset.configs": ConfigSet((("apps/v1/Deployment/bi/a", one),
                                       ("apps/v1/Deployment/bi/b", other)))})
    assert list(per_config("DEBUG", judge)(facts)) == [
        Result("apps/v1/Deployment/bi/a:DEBUG", Status.PASS, "m", (),
               Location("superset_config.py", 1)),
        Result("apps/v1/Deployment/bi/b:DEBUG", Status.PASS, "m", (), None)]


def test_check_factory_fields() -> None:
    check = _check(5, Severity.HIGH, "title", "rationale", "remediation", "success",
                   "failure", "DEBUG", lambda config: (Status.FAIL, "m", ()))
    assert (check.id, check.style, check.app, check.row, check.severity) == (
        "SUPERSET-APP-SECURITY-005", Style.ANY, "superset", Row.APP_SECURITY, Severity.HIGH)
    assert (check.title, check.rationale, check.remediation, check.success, check.failure) == (
        "title", "rationale", "remediation", "success", "failure")
    assert check.references == ("https://superset.apache.org/docs/security/",)
    assert check.requires == ("superset.config",)
    [result] = check.evaluate(_config_facts("DEBUG = True\n"))
    assert (result.subject, result.status, result.location) == (
        "DEBUG", Status.FAIL, Location("superset_config.py", 1))
    other = _check(11, Severity.LOW, "t", "r", "m", "s", "f", "X", lambda c: None, "https://x/")
    assert (other.id, other.references) == ("SUPERSET-APP-SECURITY-011", ("https://x/",))


def test_jwt_judge() -> None:
    judge = _jwt("GUEST_TOKEN_JWT_SECRET", "EMBEDDED_SUPERSET")
    off = analyze('GUEST_TOKEN_JWT_SECRET = "x"\n', "superset_config.py", {})
    assert judge(off) is None
    flags = 'FEATURE_FLAGS = {"EMBEDDED_SUPERSET": True}\n'
    unknown = analyze("from vaults import vault; " + flags
                      + "GUEST_TOKEN_JWT_SECRET = vault()\n", "superset_config.py", {})
    assert judge(unknown) == (
        Status.SKIP, "GUEST_TOKEN_JWT_SECRET could not be determined: computed by a function "
        "call", ("GUEST_TOKEN_JWT_SECRET from superset_config.py:2",))
    weak = analyze(flags + 'GUEST_TOKEN_JWT_SECRET = "' + "\u00e9" * 15 + 'x"\n',
                   "superset_config.py", {})
    assert judge(weak) == (
        Status.FAIL, "GUEST_TOKEN_JWT_SECRET is 31 bytes (at least 32 needed)",
        ("GUEST_TOKEN_JWT_SECRET from superset_config.py:2 (value not shown)",
         "EMBEDDED_SUPERSET is on"))
    unset = analyze(flags + "GUEST_TOKEN_JWT_SECRET = None\n", "superset_config.py", {})
    assert judge(unset) == (
        Status.FAIL, "GUEST_TOKEN_JWT_SECRET is 0 bytes (at least 32 needed)",
        ("GUEST_TOKEN_JWT_SECRET from superset_config.py:2 (value not shown)",
         "EMBEDDED_SUPERSET is on"))
    default = analyze(flags, "superset_config.py", {})
    assert judge(default) == (
        Status.FAIL, "GUEST_TOKEN_JWT_SECRET is Superset's default GUEST_TOKEN_JWT_SECRET: "
        "tokens can be forged", ("GUEST_TOKEN_JWT_SECRET from Superset default (value not "
                                 "shown)", "EMBEDDED_SUPERSET is on"))
    strong = analyze(flags + 'GUEST_TOKEN_JWT_SECRET = "' + "\u00e9" * 16 + '"\n',
                     "superset_config.py", {})
    assert judge(strong) == (
        Status.PASS, "GUEST_TOKEN_JWT_SECRET is set, 32 bytes, not a default",
        ("GUEST_TOKEN_JWT_SECRET from superset_config.py:2 (value not shown)",
         "EMBEDDED_SUPERSET is on"))


# --- probe.certificate against the loopback servers of tests/conditions/superset.py -------

def _tls_servers() -> dict[str, int]:
    """The HTTPS test servers of the Superset cases; they are made with openssl, so without
    it the test skips naming it (a fresh machine with Python only)."""
    from conditions.superset import TLS
    from needs import require_tool

    require_tool("openssl", "apt-get install openssl")
    return TLS


def test_certificate_of_a_trusted_server() -> None:
    import datetime as dt

    TLS = _tls_servers()

    now = dt.datetime.now(dt.UTC)
    cert = certificate("localhost", TLS["long"], 5.0, now)
    assert (cert.host, cert.trusted, cert.error, cert.days_left) == ("localhost", True, None, 21)
    assert cert.not_after in {(now + dt.timedelta(days=d)).date().isoformat() for d in (21, 22)}
    other = certificate("localhost", TLS["elsewhere"], 5.0, now)
    assert (other.host, other.trusted, other.days_left, other.not_after) == (
        "localhost", False, None, None)
    assert other.error is not None and "localhost" in other.error


def test_certificate_without_an_expiry_is_trusted_with_no_days(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt
    import ssl

    TLS = _tls_servers()

    monkeypatch.setattr(ssl.SSLSocket, "getpeercert", lambda self, binary_form=False: {})
    assert certificate("localhost", TLS["long"], 5.0, dt.datetime.now(dt.UTC)) == Certificate(
        "localhost", True)


def test_certificate_handshake_times_out() -> None:
    import datetime as dt
    import socket
    import time

    with socket.socket() as silent:  # accepts TCP (backlog), never speaks TLS
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        started = time.monotonic()
        cert = certificate("127.0.0.1", silent.getsockname()[1], 0.3, dt.datetime.now(dt.UTC))
        assert time.monotonic() - started < 3
    assert cert.trusted is False
    assert cert.error is not None and cert.error.endswith("timed out")


# --- probe: the HTTP side, against the loopback server of tests/conditions/superset.py ----

def test_probe_sends_url_credentials_as_basic_auth_and_never_shows_them() -> None:
    from conditions.superset import PORT

    found = probe(f"http://user:p%40ss@127.0.0.1:{PORT}/auth")
    assert found.base == f"http://127.0.0.1:{PORT}/auth"
    assert (found.health.url, found.health.status) == (f"http://127.0.0.1:{PORT}/auth/health",
                                                       200)
    assert found.plain_http is None and found.certificate is None
    assert probe(f"http://127.0.0.1:{PORT}/auth").health.status == 401
    assert probe(f"http://user@127.0.0.1:{PORT}/auth").health.status == 401


def test_get_reads_the_body_below_400_only() -> None:
    from conditions.superset import PORT

    ok = _get(f"http://127.0.0.1:{PORT}/ok/health", 5.0)
    assert (ok.status, ok.body_start, ok.error) == (200, "OK", None)
    assert ok.seconds > 0
    bad = _get(f"http://127.0.0.1:{PORT}/bad/health", 5.0)
    assert (bad.status, bad.body_start) == (400, "")


def test_get_names_a_tls_error() -> None:
    TLS = _tls_servers()

    # requests trusts certifi's bundle, not the conditions' CA: the handshake fails.
    answer = _get(f"https://localhost:{TLS['elsewhere']}/ok/health", 5.0)
    assert answer.status is None
    assert answer.error is not None and answer.error.startswith("TLS error: ")
    assert answer.seconds > 0


def test_probe_gives_the_certificate_check_its_timeout() -> None:
    import socket
    import time

    with socket.socket() as silent:  # accepts TCP, never answers: every step times out
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        started = time.monotonic()
        found = probe(f"https://127.0.0.1:{silent.getsockname()[1]}/x", timeout=0.3)
        assert time.monotonic() - started < 5
    assert found.certificate is not None and found.certificate.trusted is False
    assert found.plain_http is not None and found.plain_http.url == "http://127.0.0.1/x"


# --- plugin: what the app pack registers, and --probe ------------------------------------

def test_plugin_registers_the_app_and_every_check() -> None:
    from auditor.checks.superset import plugin
    from auditor.model import AppProfile

    assert plugin.auditor_register_apps() == [
        AppProfile("superset", "Apache Superset", ("superset", "apache-superset"))]
    ids = sorted(check.id for check in plugin.auditor_register_checks())
    assert ids == sorted(
        [f"SUPERSET-APP-SECURITY-{n:03d}" for n in range(1, 12)]
        + ["SUPERSET-AVAILABILITY-001", "SUPERSET-CONFIG-SECRETS-001",
           "SUPERSET-CONFIG-SECRETS-002", "SUPERSET-CONFIG-SECRETS-003",
           "SUPERSET-CONFIG-SECRETS-004",
           "SUPERSET-MONITORING-001", "SUPERSET-MONITORING-002", "SUPERSET-PROXY-TLS-001",
           "SUPERSET-PROXY-TLS-002", "SUPERSET-SCALABILITY-001", "SUPERSET-SCALABILITY-002",
           "SUPERSET-STORAGE-001", "SUPERSET-STORAGE-002", "SUPERSET-SUPERVISION-001"])


def _enrich(options: dict[str, object], config: SupersetConfig | None) -> object:
    from auditor.checks.superset import plugin
    from auditor.model import Target, TargetKind

    values: dict[str, object] = {"superset.config": config} if config is not None else {}
    target = Target(".", TargetKind.PATH, ".")
    return plugin.auditor_enrich(target, Style.PIP, Facts(Style.PIP, values=values), options)


def test_enrich_without_a_probe_does_nothing() -> None:
    config = SupersetConfig(urls=("http://127.0.0.1:1",))
    assert _enrich({}, config) is None
    assert _enrich({"probe": ""}, config) is None
    assert _enrich({"probe": 1}, config) is None
    assert _enrich({"probe": "auto"}, None) is None


def test_enrich_auto_without_a_url_is_a_named_problem() -> None:
    from auditor.model import Enrichment

    assert _enrich({"probe": "auto"}, SupersetConfig()) == Enrichment(problems={
        "superset.probe": "--probe auto: the deployment names no URL to probe; give --probe URL"})


def test_enrich_auto_probes_the_first_url_with_the_timeout() -> None:
    import time

    from conditions.superset import PORT

    config = SupersetConfig(urls=(f"http://127.0.0.1:{PORT}/slow", "http://127.0.0.1:1"))
    started = time.monotonic()
    enrichment = _enrich({"probe": "auto", "timeout": 0.5}, config)
    assert time.monotonic() - started < 2.2  # /slow answers after 2.3 s: the timeout held
    found = enrichment.values["superset.probe"]  # type: ignore[attr-defined]
    assert found.base == f"http://127.0.0.1:{PORT}/slow"
    assert found.health.error == "no answer within 0.5s"
    given = _enrich({"probe": f"http://127.0.0.1:{PORT}/ok", "timeout": 0}, config)
    assert given.values["superset.probe"].health.status == 200  # type: ignore[attr-defined]


def test_env_lookups_with_odd_calls() -> None:
    getter = ("import os\ndef env_or(name, default=None):\n"
              "    if name in os.environ:\n        return os.environ[name]\n    return default\n")
    assert _read(getter + "SECRET_KEY = env_or()\n") == Unknown("computed by a function call")
    assert _read('from keys import loaders\nSECRET_KEY = loaders[0]("K")\n') == Unknown(
        "computed by a function call")
    assert _read('import os\nSECRET_KEY = os.environ.get("K", default="fallback")\n') == \
        "fallback"
    assert _read('import os\nSECRET_KEY = os.getenv("K")\n') is None


def test_cache_directory_only_when_literal() -> None:
    def directory(call: str) -> object:
        config = analyze("from flask_caching.backends import FileSystemCache\n"
                         f"RESULTS_DIR = '/r' + __name__\nRESULTS_BACKEND = {call}\n",
                         "superset_config.py", {})
        return config.get("RESULTS_BACKEND").directory

    assert directory('FileSystemCache("/data/results")') == "/data/results"
    assert directory('FileSystemCache(cache_dir="/data/r", threshold=10)') == "/data/r"
    assert directory("FileSystemCache(cache_dir=RESULTS_DIR)") is None
    assert directory("FileSystemCache(500)") is None
    assert directory("FileSystemCache()") is None


def test_values_the_analysis_refuses() -> None:
    assert _read("SUPERSET_WEBSERVER_TIMEOUT = 0x" + "f" * 4000 + "\n",
                 "SUPERSET_WEBSERVER_TIMEOUT") == Unknown("an integer too large to read")
    assert _read("from base import BASE\nCACHE_CONFIG = {**BASE}\n", "CACHE_CONFIG") == Unknown(
        "dict built with ** unpacking")
    assert _read('import os\nCACHE_CONFIG = {1.5: os.environ.get("X")}\n', "CACHE_CONFIG") == \
        Unknown("dict with a computed key")
    assert _read('import os\nCACHE_CONFIG = {"CACHE_TYPE": os.environ.get("X", "redis")}\n',
                 "CACHE_CONFIG") == {"CACHE_TYPE": "redis"}


def test_outside_lists_databases_the_deployment_does_not_hold() -> None:
    from auditor.checks.superset.dbhost import outside

    def facts(uri: str) -> Facts:
        return Facts(Style.SYSTEMD, values={"superset.config": _uri(uri)})

    rds = "postgresql://u:p@x.eu-west-1.rds.amazonaws.com:5432/superset"
    assert outside(facts(rds), lambda db: True) == [DatabaseHost(
        "x.eu-west-1.rds.amazonaws.com", 5432, "Amazon RDS",
        "SQLALCHEMY_DATABASE_URI from superset_config.py:3")]
    other_host = "postgresql://u:p@db.internal/superset"
    assert outside(facts(other_host), lambda db: False) == [DatabaseHost(
        "db.internal", None, None, "SQLALCHEMY_DATABASE_URI from superset_config.py:3")]
    assert outside(facts(other_host), lambda db: True) is None
    assert outside(facts("sqlite:////x.db"), lambda db: False) is None
    assert outside(Facts(Style.SYSTEMD), lambda db: False) is None


def test_broker_judge_exact() -> None:
    from auditor.checks.superset.services import _broker

    def judge(text: str) -> object:
        return _broker(analyze(text, "superset_config.py", {}), Style.PIP)

    assert judge('CELERY_CONFIG = {"worker_prefetch_multiplier": 1}\n') == (
        Status.SKIP, "the Celery broker could not be determined",
        ("CELERY_CONFIG from superset_config.py:1",))
    # Only the scheme is shown, however many "://" the URL holds (a password could follow).
    assert judge('CELERY_CONFIG = {"broker_url": "redis://:s3cret@r:6379/0?next=amqp://x"}\n') \
        == (Status.PASS, "the Celery broker is redis",
            ("CELERY_CONFIG from superset_config.py:1: broker redis://…",))
    assert judge("ROW_LIMIT = 1\n") is None


def test_timeout_judge_skips_a_value_that_is_no_number() -> None:
    from auditor.checks.superset.processes import _timeout

    config = analyze('SUPERSET_WEBSERVER_TIMEOUT = "60"\n', "superset_config.py", {})
    config = SupersetConfig(settings=config.settings, topology=Topology(1, 0, 0, 30.0))
    assert _timeout(config) == (
        Status.SKIP, "SUPERSET_WEBSERVER_TIMEOUT could not be determined: unknown",
        ("SUPERSET_WEBSERVER_TIMEOUT from superset_config.py:1",))

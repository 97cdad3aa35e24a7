"""Per-condition cases for the host's web tier: nginx in front of gunicorn, the firewall,
listen addresses, balancing and worker counts (see tests/conditions/__init__.py).

Every tree is a host root scanned with ``--style systemd``: a gunicorn unit under
etc/systemd/system and, per group, nginx (etc/nginx/nginx.conf), UFW (etc/ufw/ufw.conf,
etc/default/ufw, etc/ufw/user.rules), PostgreSQL (etc/postgresql/15/main) or Redis
(etc/redis/redis.conf). ssl_protocols value by value is in tests/test_boundaries_hosts.py.
"""

from __future__ import annotations

from conditions import Case, changed, replaced

SYSTEMD = ("--style", "systemd")
UNIT_PATH = "etc/systemd/system/superset.service"
NGINX_PATH = "etc/nginx/nginx.conf"
# ExecStart is line 6 of every unit below.
GUNICORN = ("/opt/superset/bin/gunicorn --workers 4 --timeout 120 --bind 127.0.0.1:8088 "
            "superset.app:create_app()")
UNIT = f"""
    [Unit]
    Description=Superset web server

    [Service]
    User=superset
    ExecStart={GUNICORN}
    Restart=on-failure

    [Install]
    WantedBy=multi-user.target
"""
CELERY_ONLY = """
    [Service]
    User=superset
    ExecStart=/opt/superset/venv/bin/celery --app=superset.tasks.celery_app:app worker
"""


def _case(check: str, why: str, files: dict[str, str], status: str, subject: str | None,
          evidence: tuple[str, ...] = (), message: str | None = None,
          location: tuple[str, int | None] | None = None) -> Case:
    return Case(check, why, files, status, subject=subject, evidence=evidence, message=message,
                location=location, args=SYSTEMD)


# --- PROXY-TLS: nginx terminates TLS in front of gunicorn ------------------------------
#
# One base for all seven checks: a port-80 server that only redirects, a TLS server with
# HSTS and X-Forwarded-Proto proxying to gunicorn on loopback, server_tokens,
# ssl_protocols and proxy_read_timeout at http level. Lines of nginx.conf: 3 server_tokens,
# 4 ssl_protocols, 5 proxy_read_timeout, 6 the port-80 server, 8 its return, 11 the TLS
# server, 14 ssl_certificate, 15 add_header, 16 location /, 17 proxy_pass, 18 X-F-P.
NGINX = """
    events {}
    http {
        server_tokens off;
        ssl_protocols TLSv1.2 TLSv1.3;
        proxy_read_timeout 300s;
        server {
            listen 80;
            server_name superset.example.com;
            return 301 https://$host$request_uri;
        }
        server {
            listen 443 ssl;
            server_name superset.example.com;
            ssl_certificate /etc/ssl/superset.pem;
            add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;
            location / {
                proxy_pass http://127.0.0.1:8088;
                proxy_set_header X-Forwarded-Proto $scheme;
            }
        }
    }
"""
TLS = {UNIT_PATH: UNIT, NGINX_PATH: NGINX}
TLS_SERVER = "nginx superset.example.com:443"
ROUTE = "nginx superset.example.com:443 /"


def _nginx(old: str, new: str, base: dict[str, str] = TLS) -> dict[str, str]:
    return replaced(base, NGINX_PATH, old, new)


NO_APP = {"etc/systemd/system/cron.service": "[Service]\nExecStart=/usr/sbin/cron -f\n"}
WORKER_ONLY = {UNIT_PATH: CELERY_ONLY}  # a celery host: its web tier is elsewhere
WORKER_SKIP = "no Superset web server on this host, only superset.service (worker)"
NO_NGINX = {UNIT_PATH: UNIT}
NO_PROXY = _nginx("proxy_pass http://127.0.0.1:8088;", "root /var/www/html;")
PLAIN_ONLY = _nginx("listen 443 ssl;", "listen 8080;")
NO_TLS_SKIP = "no TLS server proxies Superset (see SYSTEMD-PROXY-TLS-001)"

# SYSTEMD-PROXY-TLS-001: skip without Superset; fail without nginx, without a proxy_pass,
# or with plain-HTTP servers only; passes for ``listen ... ssl``, ``ssl on`` and ``quic``.
TLS_001 = [
    _case("SYSTEMD-PROXY-TLS-001", "listen 443 ssl", TLS, "pass", "superset",
          ("/etc/nginx/nginx.conf:11: server superset.example.com:443 ssl",),
          "nginx terminates TLS for Superset (superset.example.com:443, certificate "
          "/etc/ssl/superset.pem)", (NGINX_PATH, 11)),
    _case("SYSTEMD-PROXY-TLS-001", "certificate set at http level",
          _nginx("    ssl_protocols", "    ssl_certificate /etc/ssl/http.pem;\n    ssl_protocols",
                 _nginx("ssl_certificate /etc/ssl/superset.pem;", "")),
          "pass", "superset", message="certificate /etc/ssl/http.pem)"),
    _case("SYSTEMD-PROXY-TLS-001", "no certificate line", _nginx(
          "ssl_certificate /etc/ssl/superset.pem;", ""), "pass", "superset",
          message="certificate inherited)"),
    _case("SYSTEMD-PROXY-TLS-001", "ssl on spelling",
          _nginx("listen 443 ssl;", "listen 443;\n        ssl on;"), "pass", "superset",
          ("/etc/nginx/nginx.conf:11: server superset.example.com:443 ssl",)),
    _case("SYSTEMD-PROXY-TLS-001", "listen quic", _nginx("listen 443 ssl;", "listen 443 quic;"),
          "pass", "superset", ("server superset.example.com:443 ssl",)),
    _case("SYSTEMD-PROXY-TLS-001", "server in an included file", {
        UNIT_PATH: UNIT,
        NGINX_PATH: "events {}\nhttp {\n    include sites-enabled/*;\n}\n",
        "etc/nginx/sites-enabled/superset": """
            server {
                listen 443 ssl;
                server_name superset.example.com;
                location / { proxy_pass http://127.0.0.1:8088; }
            }
        """}, "pass", "superset",
        ("/etc/nginx/sites-enabled/superset:1: server superset.example.com:443 ssl",),
        location=("etc/nginx/sites-enabled/superset", 1)),
    _case("SYSTEMD-PROXY-TLS-001", "plain HTTP only", PLAIN_ONLY, "fail", "superset",
          ("/etc/nginx/nginx.conf:11: server superset.example.com:8080",),
          "Superset is proxied over plain HTTP only", (NGINX_PATH, 11)),
    _case("SYSTEMD-PROXY-TLS-001", "no nginx", NO_NGINX, "fail", "superset",
          ("no /etc/nginx/nginx.conf",),
          "no nginx: clients reach gunicorn directly on 127.0.0.1:8088, without TLS"),
    _case("SYSTEMD-PROXY-TLS-001", "nginx without proxy_pass", NO_PROXY, "fail", "superset",
          ("2 server block(s), none with proxy_pass",), "nginx does not proxy to Superset"),
    _case("SYSTEMD-PROXY-TLS-001", "no Superset on the host", NO_APP, "skip", "superset",
          message="no systemd unit runs Superset"),
    _case("SYSTEMD-PROXY-TLS-001", "celery worker host without nginx", WORKER_ONLY, "skip",
          "superset", message=WORKER_SKIP),
]

# SYSTEMD-PROXY-TLS-002: skip without a TLS server; warn when ssl_protocols is unset; fail
# when it names SSLv2/SSLv3/TLSv1/TLSv1.1 (each value: test_boundaries_hosts.py); the
# server-level line wins over the http-level one.
TLS_002 = [
    _case("SYSTEMD-PROXY-TLS-002", "http-level TLSv1.2 TLSv1.3", TLS, "pass", TLS_SERVER,
          ("/etc/nginx/nginx.conf:4: ssl_protocols TLSv1.2 TLSv1.3",), "TLS 1.2/1.3 only",
          (NGINX_PATH, 4)),
    _case("SYSTEMD-PROXY-TLS-002", "unset", _nginx("ssl_protocols TLSv1.2 TLSv1.3;", ""),
          "warn", TLS_SERVER, ("ssl_protocols unset (default TLSv1 TLSv1.1 TLSv1.2 TLSv1.3)",),
          "ssl_protocols is not set", (NGINX_PATH, 11)),
    _case("SYSTEMD-PROXY-TLS-002", "server-level TLSv1.1 over http-level",
          _nginx("ssl_certificate /etc/ssl/superset.pem;",
                 "ssl_certificate /etc/ssl/superset.pem; ssl_protocols TLSv1.1 TLSv1.2;"),
          "fail", TLS_SERVER, ("/etc/nginx/nginx.conf:14: ssl_protocols TLSv1.1 TLSv1.2",),
          "TLSv1.1 enabled", (NGINX_PATH, 14)),
    _case("SYSTEMD-PROXY-TLS-002", "no TLS server", PLAIN_ONLY, "skip", "superset",
          message=NO_TLS_SKIP),
]

# SYSTEMD-PROXY-TLS-003: skip without a TLS server; fail when a proxying location lacks
# the header (also when its own add_header hides the server's); warn when the shortest
# max-age is under 180 days (15552000 s: equal, one less, one more), or there is none.
HSTS_LINE = 'add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;'


def _hsts(value: str) -> dict[str, str]:
    return _nginx(HSTS_LINE, value)


TLS_003 = [
    _case("SYSTEMD-PROXY-TLS-003", "one year with always", TLS, "pass", TLS_SERVER,
          ("Strict-Transport-Security: max-age=31536000; includeSubDomains",),
          "HSTS max-age 31536000s", (NGINX_PATH, 11)),
    _case("SYSTEMD-PROXY-TLS-003", "without always",
          _hsts('add_header Strict-Transport-Security "max-age=31536000";'), "pass", TLS_SERVER,
          ("Strict-Transport-Security: max-age=31536000",), "HSTS max-age 31536000s"),
    _case("SYSTEMD-PROXY-TLS-003", "max-age 180 days exactly",
          _hsts('add_header Strict-Transport-Security "max-age=15552000" always;'), "pass",
          TLS_SERVER, ("Strict-Transport-Security: max-age=15552000",), "HSTS max-age 15552000s"),
    _case("SYSTEMD-PROXY-TLS-003", "max-age one more than 180 days",
          _hsts('add_header Strict-Transport-Security "max-age=15552001" always;'), "pass",
          TLS_SERVER, ("Strict-Transport-Security: max-age=15552001",), "HSTS max-age 15552001s"),
    _case("SYSTEMD-PROXY-TLS-003", "max-age one less than 180 days",
          _hsts('add_header Strict-Transport-Security "max-age=15551999" always;'), "warn",
          TLS_SERVER, ("Strict-Transport-Security: max-age=15551999",),
          "HSTS max-age is 15551999s, less than 180 days", (NGINX_PATH, 11)),
    _case("SYSTEMD-PROXY-TLS-003", "max-age 0",
          _hsts('add_header Strict-Transport-Security "max-age=0" always;'), "warn",
          TLS_SERVER, ("Strict-Transport-Security: max-age=0",), "HSTS max-age is 0s"),
    _case("SYSTEMD-PROXY-TLS-003", "quoted max-age and lower-case header name",
          _hsts("add_header strict-transport-security 'max-age=\"63072000\"; preload' always;"),
          "pass", TLS_SERVER, ('Strict-Transport-Security: max-age="63072000"; preload',),
          "HSTS max-age 63072000s"),
    _case("SYSTEMD-PROXY-TLS-003", "Max-Age directive name in capitals",
          _hsts('add_header Strict-Transport-Security "Max-Age=31536000" always;'), "pass",
          TLS_SERVER, ("Strict-Transport-Security: Max-Age=31536000",),
          "HSTS max-age 31536000s"),
    _case("SYSTEMD-PROXY-TLS-003", "no max-age directive",
          _hsts('add_header Strict-Transport-Security "includeSubDomains" always;'), "fail",
          TLS_SERVER, ("Strict-Transport-Security: includeSubDomains",),
          "Strict-Transport-Security on / has no max-age: browsers ignore it", (NGINX_PATH, 17)),
    _case("SYSTEMD-PROXY-TLS-003", "set at http level",
          _nginx("    server_tokens off;", "    server_tokens off;\n    " + HSTS_LINE,
                 _hsts("")), "pass", TLS_SERVER,
          ("Strict-Transport-Security: max-age=31536000; includeSubDomains",)),
    _case("SYSTEMD-PROXY-TLS-003", "no add_header", _hsts(""), "fail", TLS_SERVER,
          ("/etc/nginx/nginx.conf:17: location /",), "no Strict-Transport-Security on /",
          (NGINX_PATH, 17)),
    _case("SYSTEMD-PROXY-TLS-003", "the location's own add_header hides the server's",
          _nginx("proxy_set_header X-Forwarded-Proto $scheme;",
                 "proxy_set_header X-Forwarded-Proto $scheme;\n"
                 "            add_header X-Frame-Options SAMEORIGIN;"),
          "fail", TLS_SERVER, ("/etc/nginx/nginx.conf:17: location /",),
          "no Strict-Transport-Security on / (set on the server, but the location's own "
          "add_header hides it"),
    _case("SYSTEMD-PROXY-TLS-003", "second location without it",
          _nginx("        location / {",
                 "        location /api/ {\n"
                 "            add_header X-Frame-Options SAMEORIGIN;\n"
                 "            proxy_pass http://127.0.0.1:8088;\n"
                 "        }\n        location / {"),
          "fail", TLS_SERVER, ("/etc/nginx/nginx.conf:18: location /api/",),
          "no Strict-Transport-Security on /api/", (NGINX_PATH, 18)),
    _case("SYSTEMD-PROXY-TLS-003", "no TLS server", PLAIN_ONLY, "skip", "superset",
          message=NO_TLS_SKIP),
]

# SYSTEMD-PROXY-TLS-004: a plain-HTTP server that proxies Superset, or answers for its
# TLS server's name, must redirect to https:// (return with each redirect code or a bare
# URL, rewrite permanent/redirect, in the server, an ``if`` or ``location /``).
PLAIN = "/etc/nginx/nginx.conf:6: "
RETURN = "return 301 https://$host$request_uri;"
REDIRECT_SUBJECT = "nginx superset.example.com:80"


def _redirect_pass(why: str, line: str, target: str = "https://$host$request_uri") -> Case:
    return _case("SYSTEMD-PROXY-TLS-004", why, _nginx(RETURN, line), "pass", REDIRECT_SUBJECT,
                 (PLAIN,), f"redirects to {target}", (NGINX_PATH, 6))


PROXYING_80 = _nginx(RETURN, "location / { proxy_pass http://127.0.0.1:8088; }")
TLS_004 = [
    _case("SYSTEMD-PROXY-TLS-004", "return 301 https", TLS, "pass", REDIRECT_SUBJECT,
          ("/etc/nginx/nginx.conf:6: redirect to https://$host$request_uri",),
          "redirects to https://$host$request_uri", (NGINX_PATH, 6)),
    _redirect_pass("return 302", "return 302 https://$host$request_uri;"),
    _redirect_pass("return 303", "return 303 https://$host$request_uri;"),
    _redirect_pass("return 307", "return 307 https://$host$request_uri;"),
    _redirect_pass("return 308", "return 308 https://$host$request_uri;"),
    _redirect_pass("return with a URL alone", "return https://superset.example.com$request_uri;",
                   "https://superset.example.com$request_uri"),
    _redirect_pass("rewrite permanent", "rewrite ^ https://$host$request_uri? permanent;",
                   "https://$host$request_uri?"),
    _redirect_pass("rewrite redirect", "rewrite ^ https://$host$request_uri? redirect;",
                   "https://$host$request_uri?"),
    _redirect_pass("rewrite with a URL and no flag", "rewrite ^ https://$host$request_uri?;",
                   "https://$host$request_uri?"),
    _redirect_pass("return in if", "if ($host = superset.example.com) { " + RETURN + " }"),
    _redirect_pass("return in location /", "location / { " + RETURN + " }"),
    _redirect_pass("return in location = /", "location = / { " + RETURN + " }"),
    _redirect_pass("certbot style, acme location and location /",
                   "location /.well-known/acme-challenge/ { root /var/www/html; }\n"
                   "        location / { " + RETURN + " }"),
    _case("SYSTEMD-PROXY-TLS-004", "return 200 is no redirect",
          _nginx(RETURN, "return 200 'moved';"), "fail", REDIRECT_SUBJECT,
          ("server_name superset.example.com",),
          "answers plain HTTP for Superset's host name without redirecting", (NGINX_PATH, 6)),
    _case("SYSTEMD-PROXY-TLS-004", "return 301 to http", _nginx(
          RETURN, "return 301 http://$host$request_uri;"), "fail", REDIRECT_SUBJECT,
          ("server_name superset.example.com",), "without redirecting"),
    _case("SYSTEMD-PROXY-TLS-004", "rewrite last is no redirect", _nginx(
          RETURN, "rewrite ^ https://$host$request_uri? last;"), "fail", REDIRECT_SUBJECT,
          ("server_name superset.example.com",), "without redirecting"),
    _case("SYSTEMD-PROXY-TLS-004", "return 301 in another location", _nginx(
          RETURN, "location /old/ { " + RETURN + " }"), "fail", REDIRECT_SUBJECT,
          ("server_name superset.example.com",), "without redirecting"),
    _case("SYSTEMD-PROXY-TLS-004", "plain server proxies Superset", PROXYING_80, "fail",
          REDIRECT_SUBJECT, ("/etc/nginx/nginx.conf:6: listen 80",),
          "serves Superset over plain HTTP (port 80) instead of redirecting to HTTPS",
          (NGINX_PATH, 6)),
    _case("SYSTEMD-PROXY-TLS-004", "location / redirects, /api/ proxies", _nginx(
          RETURN, "location / { " + RETURN + " }\n"
          "        location /api/ { proxy_pass http://127.0.0.1:8088; }"), "fail",
          REDIRECT_SUBJECT, ("/etc/nginx/nginx.conf:6: listen 80",),
          "serves Superset over plain HTTP (port 80)"),
    _case("SYSTEMD-PROXY-TLS-004", "location = / redirects, / proxies", _nginx(
          RETURN, "location = / { " + RETURN + " }\n"
          "        location / { proxy_pass http://127.0.0.1:8088; }"), "fail",
          REDIRECT_SUBJECT, ("/etc/nginx/nginx.conf:6: listen 80",),
          "serves Superset over plain HTTP (port 80)"),
    _case("SYSTEMD-PROXY-TLS-004", "one server on 80 and 443 ssl",
          changed(TLS, {NGINX_PATH: """
              events {}
              http {
                  server {
                      listen 80;
                      listen 443 ssl;
                      server_name superset.example.com;
                      location / { proxy_pass http://127.0.0.1:8088; }
                  }
              }
          """}), "fail", "nginx superset.example.com:443,80",
          ("/etc/nginx/nginx.conf:3: listen 80, 443 ssl",), "(port 80)", (NGINX_PATH, 3)),
    _case("SYSTEMD-PROXY-TLS-004", "another site on port 80 only", _nginx(
          "server_name superset.example.com;\n        return",
          "server_name www.example.com;\n        return"), "pass", "superset",
          message="no plain-HTTP server answers for Superset"),
    _case("SYSTEMD-PROXY-TLS-004", "no port-80 server", _nginx(
          "    server {\n        listen 80;\n        server_name superset.example.com;\n"
          "        " + RETURN + "\n    }\n", ""), "pass", "superset",
          message="no plain-HTTP server answers for Superset"),
    _case("SYSTEMD-PROXY-TLS-004", "no nginx", NO_NGINX, "skip", "superset",
          message="no nginx (see SYSTEMD-PROXY-TLS-001)"),
    _case("SYSTEMD-PROXY-TLS-004", "nginx proxies nothing", NO_PROXY, "skip", "superset",
          message=NO_TLS_SKIP),
]

# SYSTEMD-PROXY-TLS-005: server_tokens must be off (any case) in effect for the server;
# unset (default on), on and build fail; the server level overrides http.
TOKENS = "server_tokens off;"
TLS_005 = [
    _case("SYSTEMD-PROXY-TLS-005", "off at http level", TLS, "pass", TLS_SERVER,
          ("/etc/nginx/nginx.conf:3: server_tokens off",), "server_tokens off", (NGINX_PATH, 11)),
    _case("SYSTEMD-PROXY-TLS-005", "OFF in capitals", _nginx(TOKENS, "server_tokens OFF;"),
          "pass", TLS_SERVER, ("/etc/nginx/nginx.conf:3: server_tokens off",)),
    _case("SYSTEMD-PROXY-TLS-005", "off at server level only", _nginx(
          "ssl_certificate /etc/ssl/superset.pem;",
          "ssl_certificate /etc/ssl/superset.pem; server_tokens off;", _nginx(TOKENS, "")),
          "pass", TLS_SERVER, ("/etc/nginx/nginx.conf:14: server_tokens off",)),
    _case("SYSTEMD-PROXY-TLS-005", "off in an http-level include of conf.d", changed(
          _nginx(TOKENS, "include conf.d/*.conf;"),
          {"etc/nginx/conf.d/security.conf": "# hardening\nserver_tokens off;\n"}),
          "pass", TLS_SERVER, ("/etc/nginx/conf.d/security.conf:2: server_tokens off",)),
    _case("SYSTEMD-PROXY-TLS-005", "unset", _nginx(TOKENS, ""), "fail", TLS_SERVER,
          ("server_tokens unset (default on)",),
          "nginx announces its version in headers and error pages", (NGINX_PATH, 11)),
    _case("SYSTEMD-PROXY-TLS-005", "on", _nginx(TOKENS, "server_tokens on;"), "fail",
          TLS_SERVER, ("/etc/nginx/nginx.conf:3: server_tokens on",)),
    _case("SYSTEMD-PROXY-TLS-005", "build", _nginx(TOKENS, "server_tokens build;"), "fail",
          TLS_SERVER, ("/etc/nginx/nginx.conf:3: server_tokens build",)),
    _case("SYSTEMD-PROXY-TLS-005", "server-level on over http-level off", _nginx(
          "ssl_certificate /etc/ssl/superset.pem;",
          "ssl_certificate /etc/ssl/superset.pem; server_tokens on;"), "fail", TLS_SERVER,
          ("/etc/nginx/nginx.conf:14: server_tokens on",)),
    _case("SYSTEMD-PROXY-TLS-005", "no nginx", NO_NGINX, "skip", "superset",
          message="no nginx: clients reach gunicorn directly"),
]

# SYSTEMD-PROXY-TLS-006: every proxying location must pass X-Forwarded-Proto, set there
# or inherited from the server or http level by a location that sets no proxy_set_header.
XFP = "proxy_set_header X-Forwarded-Proto $scheme;"
TLS_006 = [
    _case("SYSTEMD-PROXY-TLS-006", "set in the location", TLS, "pass", ROUTE,
          ("proxy_set_header X-Forwarded-Proto $scheme",), "X-Forwarded-Proto $scheme",
          (NGINX_PATH, 17)),
    _case("SYSTEMD-PROXY-TLS-006", "inherited from the server", _nginx(
          "ssl_certificate /etc/ssl/superset.pem;",
          "ssl_certificate /etc/ssl/superset.pem; " + XFP, _nginx(XFP, "")), "pass", ROUTE,
          ("proxy_set_header X-Forwarded-Proto $scheme",)),
    _case("SYSTEMD-PROXY-TLS-006", "inherited from http, lower-case name", _nginx(
          TOKENS, TOKENS + " proxy_set_header x-forwarded-proto https;", _nginx(XFP, "")),
          "pass", ROUTE, ("proxy_set_header X-Forwarded-Proto https",)),
    _case("SYSTEMD-PROXY-TLS-006", "not set", _nginx(XFP, ""), "fail", ROUTE,
          ("/etc/nginx/nginx.conf:17: proxy_pass http://127.0.0.1:8088",
           "proxy_set_header in effect: none"),
          "X-Forwarded-Proto is not passed", (NGINX_PATH, 17)),
    _case("SYSTEMD-PROXY-TLS-006", "the location's own proxy_set_header hides the server's",
          _nginx("ssl_certificate /etc/ssl/superset.pem;",
                 "ssl_certificate /etc/ssl/superset.pem; " + XFP,
                 _nginx(XFP, "proxy_set_header Host $host;")), "fail", ROUTE,
          ("proxy_set_header in effect: host",), "X-Forwarded-Proto is not passed"),
    _case("SYSTEMD-PROXY-TLS-006", "no nginx", NO_NGINX, "skip", "superset",
          message="no nginx: clients reach gunicorn directly"),
]

# SYSTEMD-PROXY-TLS-007: proxy_read_timeout (nginx default 60s; units ms/s/m/h, combined
# like 1m30s) in effect on each route must be >= gunicorn's --timeout (default 30);
# skip when there is no gunicorn or its timeout is unreadable.
PRT = "proxy_read_timeout 300s;"


def _timeout(why: str, nginx: str, gunicorn: str, status: str, evidence: tuple[str, ...],
             message: str) -> Case:
    files = _nginx(PRT, nginx) if nginx != PRT else TLS
    if gunicorn != "--timeout 120":
        files = replaced(files, UNIT_PATH, "--timeout 120", gunicorn)
    return _case("SYSTEMD-PROXY-TLS-007", why, files, status, ROUTE, evidence, message,
                 (NGINX_PATH, 17))


PASSES = "proxy_read_timeout {0}s >= gunicorn's {1}s"
SHORTER = "proxy_read_timeout {0}s is shorter than gunicorn's {1}s"
TLS_007 = [
    _timeout("300s over 120", PRT, "--timeout 120", "pass",
             ("proxy_read_timeout 300s (/etc/nginx/nginx.conf:5)", "gunicorn --timeout 120 "
              "(superset.service)"), PASSES.format(300, 120)),
    _timeout("equal", "proxy_read_timeout 120s;", "--timeout 120", "pass",
             ("proxy_read_timeout 120s (/etc/nginx/nginx.conf:5)",), PASSES.format(120, 120)),
    _timeout("one more", "proxy_read_timeout 121;", "--timeout 120", "pass",
             ("proxy_read_timeout 121s (/etc/nginx/nginx.conf:5)",), PASSES.format(121, 120)),
    _timeout("one less", "proxy_read_timeout 119s;", "--timeout 120", "fail",
             ("proxy_read_timeout 119s (/etc/nginx/nginx.conf:5)",
              "gunicorn --timeout 120 (superset.service)"), SHORTER.format(119, 120)),
    _timeout("minutes", "proxy_read_timeout 2m;", "--timeout 120", "pass",
             ("proxy_read_timeout 120s (/etc/nginx/nginx.conf:5)",), PASSES.format(120, 120)),
    _timeout("milliseconds one less", "proxy_read_timeout 119999ms;", "--timeout 120", "fail",
             ("proxy_read_timeout 119.999s (/etc/nginx/nginx.conf:5)",),
             SHORTER.format(119.999, 120)),
    _timeout("hours", "proxy_read_timeout 1h;", "--timeout 3601", "fail",
             ("proxy_read_timeout 3600s (/etc/nginx/nginx.conf:5)",), SHORTER.format(3600, 3601)),
    _timeout("days", "proxy_read_timeout 1d;", "--timeout 86400", "pass",
             ("proxy_read_timeout 86400s (/etc/nginx/nginx.conf:5)",),
             PASSES.format(86400, 86400)),
    _timeout("combined units 1m30s", "proxy_read_timeout 1m30s;", "--timeout 90", "pass",
             ("proxy_read_timeout 90s (/etc/nginx/nginx.conf:5)",), PASSES.format(90, 90)),
    _timeout("combined units one less", "proxy_read_timeout 1m29s;", "--timeout 90", "fail",
             ("proxy_read_timeout 89s (/etc/nginx/nginx.conf:5)",), SHORTER.format(89, 90)),
    _timeout("unset: nginx's 60s under 120", "", "--timeout 120", "fail",
             ("proxy_read_timeout 60s (nginx default (60s))",), SHORTER.format(60, 120)),
    _timeout("unset: 60s equal", "", "--timeout 60", "pass",
             ("proxy_read_timeout 60s (nginx default (60s))",), PASSES.format(60, 60)),
    _timeout("unset: 60s one less than 61", "", "--timeout 61", "fail",
             ("proxy_read_timeout 60s (nginx default (60s))",), SHORTER.format(60, 61)),
    _timeout("gunicorn default 30 equal", "proxy_read_timeout 30s;", "", "pass",
             ("gunicorn default timeout 30s (superset.service)",), PASSES.format(30, 30)),
    _timeout("gunicorn default 30, one less", "proxy_read_timeout 29s;", "", "fail",
             ("proxy_read_timeout 29s", "gunicorn default timeout 30s (superset.service)"),
             SHORTER.format(29, 30)),
    _timeout("gunicorn -t spelling", "proxy_read_timeout 100s;", "-t 101", "fail",
             ("gunicorn --timeout 101 (superset.service)",), SHORTER.format(100, 101)),
    _timeout("gunicorn --timeout= spelling", "proxy_read_timeout 100s;", "--timeout=100",
             "pass", ("gunicorn --timeout 100 (superset.service)",), PASSES.format(100, 100)),
    _case("SYSTEMD-PROXY-TLS-007", "location level wins over http level", _nginx(
          XFP, XFP + " proxy_read_timeout 100s;"), "fail", ROUTE,
          ("proxy_read_timeout 100s (/etc/nginx/nginx.conf:18)",), SHORTER.format(100, 120),
          (NGINX_PATH, 17)),
    _case("SYSTEMD-PROXY-TLS-007", "server level wins over http level", _nginx(
          "ssl_certificate /etc/ssl/superset.pem;",
          "ssl_certificate /etc/ssl/superset.pem; proxy_read_timeout 119;"), "fail", ROUTE,
          ("proxy_read_timeout 119s (/etc/nginx/nginx.conf:14)",), SHORTER.format(119, 120)),
    _timeout("gunicorn --timeout 0: no timeout at all", PRT, "--timeout 0", "fail",
             ("proxy_read_timeout 300s (/etc/nginx/nginx.conf:5)",
              "gunicorn --timeout 0 (no timeout)"),
             "gunicorn --timeout 0 never stops a request: after proxy_read_timeout 300s"),
    _case("SYSTEMD-PROXY-TLS-007", "unreadable gunicorn timeout", replaced(
          TLS, UNIT_PATH, "--timeout 120", "--timeout soon"), "skip", "superset",
          message="gunicorn's timeout could not be read"),
    _case("SYSTEMD-PROXY-TLS-007", "no gunicorn", changed(TLS, {UNIT_PATH: """
        [Service]
        ExecStart=/opt/superset/bin/uwsgi --http 127.0.0.1:8088 --module superset.app:create_app()
    """}), "skip", "superset", message="no gunicorn web service to compare with"),
    _case("SYSTEMD-PROXY-TLS-007", "no nginx", NO_NGINX, "skip", "superset",
          message="no nginx: clients reach gunicorn directly"),
]



# --- LOAD-BALANCING, SCALABILITY, AVAILABILITY-001: what the proxy spreads requests over ---
#
# Base: an upstream over two hosts. nginx.conf lines: 3 upstream, 4 and 5 its servers,
# 11 proxy_pass. The three checks read the same routes; backup and down servers differ:
# a backup is not balanced over but is a second host, a down server is neither.
NGINX_LB = """
    events {}
    http {
        upstream superset {
            server 10.0.1.11:8088;
            server 10.0.1.12:8088;
        }
        server {
            listen 443 ssl;
            server_name superset.example.com;
            location / {
                proxy_pass http://superset;
            }
        }
    }
"""
LB = {UNIT_PATH: UNIT, NGINX_PATH: NGINX_LB}
SECOND = "server 10.0.1.12:8088;"
FIRST = "server 10.0.1.11:8088;"
UPSTREAM = "/etc/nginx/nginx.conf:3: upstream superset: "
PROXY_PASS = "/etc/nginx/nginx.conf:11: proxy_pass http://superset"
DIRECT = replaced(LB, NGINX_PATH, "proxy_pass http://superset;",
                  "proxy_pass http://127.0.0.1:8088;")
LOCAL_TWO = replaced(replaced(LB, NGINX_PATH, FIRST, "server 127.0.0.1:8088;"), NGINX_PATH,
                     SECOND, "server 127.0.0.1:8089;")


def _lb(old: str, new: str, base: dict[str, str] = LB) -> dict[str, str]:
    return replaced(base, NGINX_PATH, old, new)


# SYSTEMD-LOAD-BALANCING-001: each route to Superset needs an upstream with two or more
# servers that are neither backup nor down; fail without nginx or a proxy_pass.
LB_001 = [
    _case("SYSTEMD-LOAD-BALANCING-001", "two servers", LB, "pass", ROUTE,
          (PROXY_PASS, UPSTREAM + "10.0.1.11:8088, 10.0.1.12:8088"),
          "upstream superset balances over 2 servers", (NGINX_PATH, 11)),
    _case("SYSTEMD-LOAD-BALANCING-001", "three servers with parameters",
          _lb(SECOND, SECOND + "\n        server 10.0.1.13:8088 max_fails=3 fail_timeout=30s;"),
          "pass", ROUTE, (UPSTREAM + "10.0.1.11:8088, 10.0.1.12:8088, 10.0.1.13:8088",),
          "balances over 3 servers"),
    _case("SYSTEMD-LOAD-BALANCING-001", "two local gunicorns", LOCAL_TWO, "pass", ROUTE,
          (UPSTREAM + "127.0.0.1:8088, 127.0.0.1:8089",), "balances over 2 servers"),
    _case("SYSTEMD-LOAD-BALANCING-001", "two active and a backup",
          _lb(SECOND, SECOND + "\n        server 10.0.1.13:8088 backup;"), "pass", ROUTE,
          (UPSTREAM + "10.0.1.11:8088, 10.0.1.12:8088, 10.0.1.13:8088 backup",),
          "balances over 2 servers"),
    _case("SYSTEMD-LOAD-BALANCING-001", "one server", _lb(SECOND, ""), "fail", ROUTE,
          (PROXY_PASS, UPSTREAM + "10.0.1.11:8088"), "superset is a single server",
          (NGINX_PATH, 11)),
    _case("SYSTEMD-LOAD-BALANCING-001", "second server is a backup",
          _lb(SECOND, "server 10.0.1.12:8088 backup;"), "fail", ROUTE,
          (UPSTREAM + "10.0.1.11:8088, 10.0.1.12:8088 backup",), "superset is a single server"),
    _case("SYSTEMD-LOAD-BALANCING-001", "second server is down",
          _lb(SECOND, "server 10.0.1.12:8088 down;"), "fail", ROUTE,
          (UPSTREAM + "10.0.1.11:8088, 10.0.1.12:8088 down",), "superset is a single server"),
    _case("SYSTEMD-LOAD-BALANCING-001", "proxy_pass to one address", DIRECT, "fail", ROUTE,
          ("/etc/nginx/nginx.conf:11: proxy_pass http://127.0.0.1:8088",),
          "http://127.0.0.1:8088 is a single server", (NGINX_PATH, 11)),
    _case("SYSTEMD-LOAD-BALANCING-001", "no nginx", NO_NGINX, "fail", "superset",
          ("no /etc/nginx/nginx.conf",), "no nginx in front of Superset"),
    _case("SYSTEMD-LOAD-BALANCING-001", "nginx without proxy_pass", NO_PROXY, "fail",
          "superset", ("no proxy_pass in any server",), "nginx does not proxy to Superset"),
    _case("SYSTEMD-LOAD-BALANCING-001", "no Superset on the host", NO_APP, "skip", "superset",
          message="no systemd unit runs Superset"),
    _case("SYSTEMD-LOAD-BALANCING-001", "celery worker host", WORKER_ONLY, "skip", "superset",
          message=WORKER_SKIP),
]

# SYSTEMD-SCALABILITY-001: pass with an upstream whose servers span two or more hosts,
# warn with an upstream on one host (loopback or one remote address), fail without one.
WEB = "web-tier"
SCALE_001 = [
    _case("SYSTEMD-SCALABILITY-001", "upstream over two hosts", LB, "pass", WEB,
          (PROXY_PASS + " -> 10.0.1.11:8088, 10.0.1.12:8088",),
          "upstream superset spreads requests over 2 hosts", (NGINX_PATH, 3)),
    _case("SYSTEMD-SCALABILITY-001", "upstream over two local ports", LOCAL_TWO, "warn", WEB,
          (PROXY_PASS + " -> 127.0.0.1:8088, 127.0.0.1:8089",),
          "upstream superset only reaches this host", (NGINX_PATH, 3)),
    _case("SYSTEMD-SCALABILITY-001", "upstream over one remote host", _lb(SECOND, ""), "warn",
          WEB, (PROXY_PASS + " -> 10.0.1.11:8088",), "upstream superset only reaches 10.0.1.11"),
    _case("SYSTEMD-SCALABILITY-001", "two ports of one remote host",
          _lb(SECOND, "server 10.0.1.11:8089;"), "warn", WEB,
          (PROXY_PASS + " -> 10.0.1.11:8088, 10.0.1.11:8089",),
          "upstream superset only reaches 10.0.1.11"),
    _case("SYSTEMD-SCALABILITY-001", "second host down",
          _lb(SECOND, "server 10.0.1.12:8088 down;"), "warn", WEB,
          (PROXY_PASS + " -> 10.0.1.11:8088",), "only reaches 10.0.1.11"),
    _case("SYSTEMD-SCALABILITY-001", "no upstream", DIRECT, "fail", WEB,
          ("/etc/nginx/nginx.conf:11: proxy_pass http://127.0.0.1:8088 -> 127.0.0.1:8088",),
          "no upstream group: more capacity means a bigger VM"),
    _case("SYSTEMD-SCALABILITY-001", "no nginx", NO_NGINX, "fail", WEB,
          ("no nginx: clients reach gunicorn on this host",), "no upstream group"),
    _case("SYSTEMD-SCALABILITY-001", "no Superset on the host", NO_APP, "skip", "superset",
          message="no systemd unit runs Superset"),
    _case("SYSTEMD-SCALABILITY-001", "celery worker host", WORKER_ONLY, "skip", "superset",
          message=WORKER_SKIP),
]

# SYSTEMD-AVAILABILITY-001: the routes' backends must span two or more hosts; loopback,
# localhost and unix sockets are this host; a backup on another host counts, a down
# server does not.
AVAIL_001 = [
    _case("SYSTEMD-AVAILABILITY-001", "two hosts", LB, "pass", WEB,
          (PROXY_PASS + " -> 10.0.1.11:8088, 10.0.1.12:8088",),
          "requests are spread over 2 hosts (10.0.1.11, 10.0.1.12)"),
    _case("SYSTEMD-AVAILABILITY-001", "second host as backup",
          _lb(SECOND, "server 10.0.1.12:8088 backup;"), "pass", WEB,
          message="spread over 2 hosts (10.0.1.11, 10.0.1.12)"),
    _case("SYSTEMD-AVAILABILITY-001", "IPv6 hosts",
          _lb(SECOND, "server [fd00::12]:8088;", _lb(FIRST, "server [fd00::11]:8088;")), "pass",
          WEB, message="spread over 2 hosts (fd00::11, fd00::12)"),
    _case("SYSTEMD-AVAILABILITY-001", "host names",
          _lb(SECOND, "server app2.internal:8088;", _lb(FIRST, "server app1.internal:8088;")),
          "pass", WEB, message="spread over 2 hosts (app1.internal, app2.internal)"),
    _case("SYSTEMD-AVAILABILITY-001", "two local ports", LOCAL_TWO, "fail", WEB,
          (PROXY_PASS + " -> 127.0.0.1:8088, 127.0.0.1:8089",),
          "every request is served by this host: one host is a single point of failure"),
    _case("SYSTEMD-AVAILABILITY-001", "localhost, ::1 and a unix socket",
          _lb(SECOND, "server [::1]:8088;\n        server unix:/run/superset.sock;",
              _lb(FIRST, "server localhost:8088;")), "fail", WEB,
          message="every request is served by this host"),
    _case("SYSTEMD-AVAILABILITY-001", "one remote host", _lb(SECOND, ""), "fail", WEB,
          (PROXY_PASS + " -> 10.0.1.11:8088",), "every request is served by 10.0.1.11"),
    _case("SYSTEMD-AVAILABILITY-001", "second host down",
          _lb(SECOND, "server 10.0.1.12:8088 down;"), "fail", WEB,
          message="every request is served by 10.0.1.11"),
    _case("SYSTEMD-AVAILABILITY-001", "no nginx", NO_NGINX, "fail", WEB,
          ("no nginx: clients reach gunicorn on this host",),
          "every request is served by this host"),
    _case("SYSTEMD-AVAILABILITY-001", "nginx without proxy_pass", NO_PROXY, "fail", WEB,
          ("no nginx route proxies to Superset",), "every request is served by this host"),
    _case("SYSTEMD-AVAILABILITY-001", "no Superset on the host", NO_APP, "skip", "superset",
          message="no systemd unit runs Superset"),
    _case("SYSTEMD-AVAILABILITY-001", "celery worker host", WORKER_ONLY, "skip", "superset",
          message=WORKER_SKIP),
]


# --- AVAILABILITY-003: worker processes of the web server ----------------------------
#
# gunicorn --workers (-w, --workers=, WEB_CONCURRENCY, gunicorn.conf.py; default 1) or
# uwsgi --processes: 2 or more pass, 1 fails, an unreadable count skips.
def _workers(why: str, old: str, new: str, status: str, count: str,
             message: str | None = None, line: int = 6) -> Case:
    files = replaced(NO_NGINX, UNIT_PATH, old, new) if old != new else NO_NGINX
    return _case("SYSTEMD-AVAILABILITY-003", why, files, status, "superset.service",
                 (f"worker processes: {count}",), message, (UNIT_PATH, line))


W4 = "--workers 4"
UWSGI = ("[Service]\nExecStart=/opt/superset/bin/uwsgi --http 127.0.0.1:8088 --processes {0} "
         "--module superset.app:create_app()\n")
AVAIL_003 = [
    _workers("--workers 4", W4, W4, "pass", "4", "4 worker processes: the loss of one is "
             "absorbed"),
    _workers("--workers 2", W4, "--workers 2", "pass", "2", "2 worker processes"),
    _workers("--workers 3", W4, "--workers 3", "pass", "3", "3 worker processes"),
    _workers("--workers 1", W4, "--workers 1", "fail", "1",
             "gunicorn runs one worker: one slow dashboard or crash blocks every user"),
    _workers("-w 2", W4, "-w 2", "pass", "2"),
    _workers("-w 1", W4, "-w 1", "fail", "1", "gunicorn runs one worker"),
    _workers("--workers=2", W4, "--workers=2", "pass", "2"),
    _workers("no --workers: gunicorn's default 1", W4 + " ", "", "fail", "1",
             "gunicorn runs one worker"),
    _case(
        "SYSTEMD-AVAILABILITY-003", "WEB_CONCURRENCY=2", replaced(replaced(
            NO_NGINX, UNIT_PATH, W4 + " ", ""), UNIT_PATH, "User=superset",
            "User=superset\nEnvironment=WEB_CONCURRENCY=2"), "pass", "superset.service",
        ("worker processes: 2",), "2 worker processes", (UNIT_PATH, 7)),
    _case("SYSTEMD-AVAILABILITY-003", "gunicorn.conf.py workers = 2", changed(replaced(
        NO_NGINX, UNIT_PATH, W4 + " ", "--config /etc/superset/gunicorn.conf.py "), {
            "etc/superset/gunicorn.conf.py": "workers = 2\n"}), "pass", "superset.service",
        ("worker processes: 2",), "2 worker processes", (UNIT_PATH, 6)),
    _workers("--workers not a number", W4, "--workers many", "skip", "unknown",
             "worker count could not be determined"),
    _case("SYSTEMD-AVAILABILITY-003", "uwsgi --processes 1", {UNIT_PATH: UWSGI.format(1)},
          "fail", "superset.service", ("worker processes: 1",), "uwsgi runs one worker",
        (UNIT_PATH, 2)),
    _case("SYSTEMD-AVAILABILITY-003", "uwsgi --processes 2", {UNIT_PATH: UWSGI.format(2)},
          "pass", "superset.service", ("worker processes: 2",), "2 worker processes"),
    _case("SYSTEMD-AVAILABILITY-003", "celery worker host", WORKER_ONLY, "skip", "superset",
          message=WORKER_SKIP),
    _case("SYSTEMD-AVAILABILITY-003", "no Superset on the host", NO_APP, "skip", "superset",
          message="no systemd unit runs Superset"),
]

CASES: list[Case] = [*TLS_001, *TLS_002, *TLS_003, *TLS_004, *TLS_005, *TLS_006, *TLS_007,
                     *LB_001, *SCALE_001, *AVAIL_001, *AVAIL_003]


# --- NETWORK: UFW, ports open to the world, listen addresses -------------------------
#
# Base: UFW enabled (ufw.conf line 2) with DEFAULT_INPUT_POLICY="DROP" (etc/default/ufw
# line 2), rules allowing 22 from anywhere (user.rules line 4) and 8088 from 10.0.1.0/24
# (line 7), gunicorn bound to every interface on 8088.
UFW_CONF = "etc/ufw/ufw.conf"
UFW_DEFAULTS = "etc/default/ufw"
USER_RULES = "etc/ufw/user.rules"
RULES = """
    *filter
    ### RULES ###

    ### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in
    -A ufw-user-input -p tcp --dport 22 -j ACCEPT

    ### tuple ### allow tcp 8088 0.0.0.0/0 any 10.0.1.0/24 in
    -A ufw-user-input -p tcp --dport 8088 -s 10.0.1.0/24 -j ACCEPT

    ### END RULES ###
    COMMIT
"""
PRIVATE_RULE = "### tuple ### allow tcp 8088 0.0.0.0/0 any 10.0.1.0/24 in"
UFW = {
    UNIT_PATH: replaced({UNIT_PATH: UNIT}, UNIT_PATH, "127.0.0.1:8088", "0.0.0.0:8088")[UNIT_PATH],
    UFW_CONF: "# /etc/ufw/ufw.conf\nENABLED=yes\nLOGLEVEL=low\n",
    UFW_DEFAULTS: 'IPV6=yes\nDEFAULT_INPUT_POLICY="DROP"\nDEFAULT_OUTPUT_POLICY="ACCEPT"\n',
    USER_RULES: RULES,
}
NO_UFW = {UNIT_PATH: UFW[UNIT_PATH]}
ON = "ENABLED=yes (/etc/ufw/ufw.conf:2)"
DROP = "DEFAULT_INPUT_POLICY=DROP (/etc/default/ufw:2)"


def _ufw(path: str, old: str, new: str, base: dict[str, str] = UFW) -> dict[str, str]:
    return replaced(base, path, old, new)


# SYSTEMD-NETWORK-001: UFW installed, ENABLED=yes (any case, quoted or not) and a default
# input policy other than ACCEPT (unset means DROP); without UFW, another firewall's
# rules (nftables, iptables-persistent, firewalld) warn and none fail.
NET_001 = [
    _case("SYSTEMD-NETWORK-001", "enabled, DROP", UFW, "pass", "ufw", (ON, DROP),
          "UFW is on, default input policy DROP", (UFW_CONF, 2)),
    _case("SYSTEMD-NETWORK-001", "REJECT", _ufw(UFW_DEFAULTS, '"DROP"', '"REJECT"'), "pass",
          "ufw", ("DEFAULT_INPUT_POLICY=REJECT (/etc/default/ufw:2)",),
          "UFW is on, default input policy REJECT"),
    _case("SYSTEMD-NETWORK-001", "policy unset", _ufw(
          UFW_DEFAULTS, 'DEFAULT_INPUT_POLICY="DROP"', ""), "pass", "ufw",
          ("DEFAULT_INPUT_POLICY=unset (default DROP)",), "default input policy DROP"),
    _case("SYSTEMD-NETWORK-001", "ENABLED='YES' and drop in lower case", _ufw(
          UFW_DEFAULTS, '"DROP"', "drop", _ufw(UFW_CONF, "ENABLED=yes", "ENABLED='YES'")),
          "pass", "ufw", (ON, DROP)),
    _case("SYSTEMD-NETWORK-001", "only /etc/default/ufw", changed(UFW, {
          UFW_CONF: None, USER_RULES: None}), "fail", "ufw",
          ("ENABLED unset (ufw stays off)",), "UFW is installed but disabled"),
    _case("SYSTEMD-NETWORK-001", "ENABLED=no", _ufw(UFW_CONF, "ENABLED=yes", "ENABLED=no"),
          "fail", "ufw", ("ENABLED=no (/etc/ufw/ufw.conf:2)", DROP),
          "UFW is installed but disabled: every listening port is reachable", (UFW_CONF, 2)),
    _case("SYSTEMD-NETWORK-001", "ENABLED unset", _ufw(UFW_CONF, "ENABLED=yes", ""), "fail",
          "ufw", ("ENABLED unset (ufw stays off)",), "UFW is installed but disabled"),
    _case("SYSTEMD-NETWORK-001", "default ACCEPT", _ufw(UFW_DEFAULTS, '"DROP"', '"ACCEPT"'),
          "fail", "ufw", (ON, "DEFAULT_INPUT_POLICY=ACCEPT (/etc/default/ufw:2)"),
          "UFW is on but its default input policy is ACCEPT", (UFW_DEFAULTS, 2)),
    _case("SYSTEMD-NETWORK-001", "default accept in lower case",
          _ufw(UFW_DEFAULTS, '"DROP"', "accept"), "fail", "ufw",
          ("DEFAULT_INPUT_POLICY=ACCEPT (/etc/default/ufw:2)",)),
    _case("SYSTEMD-NETWORK-001", "no firewall", NO_UFW, "fail", "ufw",
          ("no /etc/ufw, no /etc/default/ufw",), "no host firewall"),
    _case("SYSTEMD-NETWORK-001", "stock nftables.conf filters nothing", changed(NO_UFW, {
          "etc/nftables.conf": "table inet filter {\n  chain input {\n    type filter hook "
          "input priority 0; policy accept;\n  }\n}\n"}), "fail", "ufw",
          ("no /etc/ufw, no /etc/default/ufw",), "no host firewall"),
    _case("SYSTEMD-NETWORK-001", "nftables with a drop policy", changed(NO_UFW, {
          "etc/nftables.conf": "table inet filter {\n  chain input {\n    type filter hook "
          "input priority 0; policy drop;\n  }\n}\n"}), "warn", "ufw",
          ("/etc/nftables.conf",), "UFW is not installed; another firewall is configured"),
    _case("SYSTEMD-NETWORK-001", "iptables-persistent rules", changed(NO_UFW, {
          "etc/iptables/rules.v4": "*filter\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n"}),
          "warn", "ufw", ("/etc/iptables/rules.v4",)),
]

# SYSTEMD-NETWORK-002: a listener not on loopback fails when no UFW, UFW disabled, a tcp
# or any-protocol allow/limit rule from anywhere (IPv4 or IPv6) covers its port (single,
# list or range; a deny from anywhere earlier wins), or the default policy is ACCEPT.
PORT = "port 8088 (gunicorn superset.service)"
BIND_ALL = "--bind 0.0.0.0:8088"


def _rule(why: str, rule: str, status: str, evidence: tuple[str, ...],
          message: str | None = None) -> Case:
    return _case("SYSTEMD-NETWORK-002", why, _ufw(USER_RULES, PRIVATE_RULE, rule), status,
                 PORT, (BIND_ALL, *evidence), message, (UNIT_PATH, 6))


WORLD = "the firewall lets the world in"
NOBODY = "no UFW rule admits port 8088"
NET_002 = [
    _case("SYSTEMD-NETWORK-002", "allowed from a private range", UFW, "pass", PORT,
          (BIND_ALL, "UFW admits port 8088 only from 10.0.1.0/24"),
          "UFW admits it only from 10.0.1.0/24",
          (UNIT_PATH, 6)),
    _case("SYSTEMD-NETWORK-002", "loopback bind", {**UFW, UNIT_PATH: UNIT}, "pass", PORT,
          ("--bind 127.0.0.1:8088",), "bound to loopback: not reachable from outside"),
    _rule("no rule for the port", "### tuple ### allow tcp 443 0.0.0.0/0 any 0.0.0.0/0 in",
          "pass", (NOBODY,), "UFW admits no one to it"),
    _rule("allow from anywhere", "### tuple ### allow tcp 8088 0.0.0.0/0 any 0.0.0.0/0 in",
          "fail", ("/etc/ufw/user.rules:7: allow 8088/tcp from anywhere",),
          "gunicorn superset.service listens on 0.0.0.0 and " + WORLD),
    _rule("allow any protocol", "### tuple ### allow any 8088 0.0.0.0/0 any 0.0.0.0/0 in",
          "fail", ("/etc/ufw/user.rules:7: allow 8088/any from anywhere",), WORLD),
    _rule("udp only", "### tuple ### allow udp 8088 0.0.0.0/0 any 0.0.0.0/0 in", "pass",
          (NOBODY,), "UFW admits no one to it"),
    _rule("udp from anywhere beside tcp from a range", PRIVATE_RULE + "\n"
          "### tuple ### allow udp 8088 0.0.0.0/0 any 0.0.0.0/0 in", "pass",
          ("UFW admits port 8088 only from 10.0.1.0/24",), "UFW admits it only from 10.0.1.0/24"),
    _rule("limit from a private range", "### tuple ### limit tcp 8088 0.0.0.0/0 any "
          "10.0.1.0/24 in", "pass", ("UFW admits port 8088 only from 10.0.1.0/24",),
          "UFW admits it only from 10.0.1.0/24"),
    _rule("limit from anywhere", "### tuple ### limit tcp 8088 0.0.0.0/0 any 0.0.0.0/0 in",
          "fail", ("/etc/ufw/user.rules:7: limit 8088/tcp from anywhere",), WORLD),
    _rule("range ending at the port", "### tuple ### allow tcp 8000:8088 0.0.0.0/0 any "
          "0.0.0.0/0 in", "fail", ("/etc/ufw/user.rules:7: allow 8000:8088/tcp from anywhere",)),
    _rule("range starting at the port", "### tuple ### allow tcp 8088:8090 0.0.0.0/0 any "
          "0.0.0.0/0 in", "fail", ("/etc/ufw/user.rules:7: allow 8088:8090/tcp from anywhere",)),
    _rule("range starting one above", "### tuple ### allow tcp 8089:8100 0.0.0.0/0 any "
          "0.0.0.0/0 in", "pass", (NOBODY,)),
    _rule("range ending one below", "### tuple ### allow tcp 8000:8087 0.0.0.0/0 any "
          "0.0.0.0/0 in", "pass", (NOBODY,)),
    _rule("port list", "### tuple ### allow tcp 80,443,8088 0.0.0.0/0 any 0.0.0.0/0 in",
          "fail", ("/etc/ufw/user.rules:7: allow 80,443,8088/tcp from anywhere",)),
    _rule("every port", "### tuple ### allow any any 0.0.0.0/0 any 0.0.0.0/0 in", "fail",
          ("/etc/ufw/user.rules:7: allow any/any from anywhere",)),
    _rule("outgoing rule", "### tuple ### allow tcp 8088 0.0.0.0/0 any 0.0.0.0/0 out", "pass",
          (NOBODY,)),
    _rule("deny first, then allow", "### tuple ### deny tcp 8088 0.0.0.0/0 any 0.0.0.0/0 in\n"
          "### tuple ### allow tcp 8088 0.0.0.0/0 any 0.0.0.0/0 in", "pass", (NOBODY,),
          "UFW admits no one to it"),
    _case("SYSTEMD-NETWORK-002", "IPv4 deny does not shadow an IPv6 allow", changed(_ufw(
          USER_RULES, PRIVATE_RULE, "### tuple ### deny tcp 8088 0.0.0.0/0 any 0.0.0.0/0 in"), {
          "etc/ufw/user6.rules": "*filter\n### RULES ###\n\n"
          "### tuple ### allow tcp 8088 ::/0 any ::/0 in\n### END RULES ###\nCOMMIT\n"}),
          "fail", PORT, ("/etc/ufw/user6.rules:4: allow 8088/tcp from anywhere",), WORLD),
    _case("SYSTEMD-NETWORK-002", "IPv6 allow from anywhere", changed(UFW, {
          "etc/ufw/user6.rules": "*filter\n### RULES ###\n\n"
          "### tuple ### allow tcp 8088 ::/0 any ::/0 in\n### END RULES ###\nCOMMIT\n"}),
          "fail", PORT, ("/etc/ufw/user6.rules:4: allow 8088/tcp from anywhere",), WORLD),
    _case("SYSTEMD-NETWORK-002", "UFW disabled", _ufw(UFW_CONF, "ENABLED=yes", "ENABLED=no"),
          "fail", PORT, (BIND_ALL, "UFW disabled"), "(UFW disabled)", (UNIT_PATH, 6)),
    _case("SYSTEMD-NETWORK-002", "no UFW", NO_UFW, "fail", PORT, (BIND_ALL, "no UFW"),
          "(no UFW)"),
    _case("SYSTEMD-NETWORK-002", "default ACCEPT, no rule for the port", _ufw(
          UFW_DEFAULTS, '"DROP"', '"ACCEPT"', _ufw(USER_RULES, PRIVATE_RULE, "")), "fail",
          PORT, ("default input policy ACCEPT",), "(default input policy ACCEPT)"),
    _case("SYSTEMD-NETWORK-002", "PostgreSQL on every interface, allowed from anywhere",
          changed(_ufw(USER_RULES, PRIVATE_RULE,
                       "### tuple ### allow tcp 5432 0.0.0.0/0 any 0.0.0.0/0 in"), {
              "etc/postgresql/15/main/postgresql.conf": "listen_addresses = '*'\n"}),
          "fail", "port 5432 (postgresql 15/main)",
          ("listen_addresses = '*'", "/etc/ufw/user.rules:7: allow 5432/tcp from anywhere"),
          "postgresql 15/main listens on *", ("etc/postgresql/15/main/postgresql.conf", 1)),
    _case("SYSTEMD-NETWORK-002", "Redis without bind, UFW disabled", changed(
          _ufw(UFW_CONF, "ENABLED=yes", "ENABLED=no"), {"etc/redis/redis.conf": "port 6379\n"}),
          "fail", "port 6379 (redis)", ("no bind line (every interface)", "UFW disabled")),
    _case("SYSTEMD-NETWORK-002", "unix socket", replaced(
          UFW, UNIT_PATH, "0.0.0.0:8088", "unix:/run/superset/gunicorn.sock"), "pass",
          "gunicorn superset.service", ("--bind unix:/run/superset/gunicorn.sock",),
          "bound to loopback"),
    _case("SYSTEMD-NETWORK-002", "no listener", {**WORKER_ONLY, UFW_CONF: UFW[UFW_CONF]},
          "skip", "ports", message="no gunicorn, PostgreSQL or Redis listener found"),
]


# SYSTEMD-NETWORK-003: each listener's addresses must be loopback (127.0.0.0/8, ::1,
# localhost, unix sockets) or private (RFC 1918, ULA); every interface (0.0.0.0, ::, *,
# an empty host) or a public address or host name fails.
def _bind(why: str, bind: str, status: str, message: str) -> Case:
    files = replaced(NO_NGINX, UNIT_PATH, "127.0.0.1:8088", bind) if bind != "127.0.0.1:8088" \
        else NO_NGINX
    return _case("SYSTEMD-NETWORK-003", why, files, status, "gunicorn superset.service",
                 (f"--bind {bind}",), message, (UNIT_PATH, 6))


LOOPBACK = "bound to loopback ({0})"
PRIVATE = "bound to loopback and a private address ({0})"
EVERYWHERE = "bound to {0}: reachable on every interface"
PG_CONF = "etc/postgresql/15/main/postgresql.conf"


def _pg(why: str, conf: str, status: str, evidence: str, message: str) -> Case:
    return _case("SYSTEMD-NETWORK-003", why, changed(NO_NGINX, {PG_CONF: conf}), status,
                 "postgresql 15/main", (evidence,), message)


def _redis(why: str, conf: str, status: str, evidence: str, message: str) -> Case:
    return _case("SYSTEMD-NETWORK-003", why, changed(NO_NGINX, {"etc/redis/redis.conf": conf}),
                 status, "redis", (evidence,), message)


NET_003 = [
    _bind("127.0.0.1", "127.0.0.1:8088", "pass", LOOPBACK.format("127.0.0.1")),
    _bind("127.0.1.1", "127.0.1.1:8088", "pass", LOOPBACK.format("127.0.1.1")),
    _bind("localhost", "localhost:8088", "pass", LOOPBACK.format("localhost")),
    _bind("[::1]", "[::1]:8088", "pass", LOOPBACK.format("[::1]")),
    _bind("unix socket", "unix:/run/superset/gunicorn.sock", "pass",
          LOOPBACK.format("unix:/run/superset/gunicorn.sock")),
    _bind("10.0.0.0/8", "10.0.1.11:8088", "pass", PRIVATE.format("10.0.1.11")),
    _bind("192.168.0.0/16", "192.168.1.5:8088", "pass", PRIVATE.format("192.168.1.5")),
    _bind("172.16.0.0 lowest", "172.16.0.1:8088", "pass", PRIVATE.format("172.16.0.1")),
    _bind("172.31 highest", "172.31.255.254:8088", "pass", PRIVATE.format("172.31.255.254")),
    _bind("172.15 one below", "172.15.255.254:8088", "fail", EVERYWHERE.format("172.15.255.254")),
    _bind("172.32 one above", "172.32.0.1:8088", "fail", EVERYWHERE.format("172.32.0.1")),
    _bind("IPv6 ULA", "[fd00::11]:8088", "pass", PRIVATE.format("[fd00::11]")),
    _bind("0.0.0.0", "0.0.0.0:8088", "fail", EVERYWHERE.format("0.0.0.0")),
    _bind("[::]", "[::]:8088", "fail", EVERYWHERE.format("[::]")),
    _bind("empty host", ":8088", "fail", EVERYWHERE.format("0.0.0.0")),
    _bind("public address", "52.1.2.3:8088", "fail", EVERYWHERE.format("52.1.2.3")),
    _bind("host name", "superset.example.com:8088", "fail",
          EVERYWHERE.format("superset.example.com")),
    _pg("PostgreSQL default", "port = 5432\n", "pass",
        "listen_addresses = 'localhost' (default)", LOOPBACK.format("localhost")),
    _pg("PostgreSQL *", "listen_addresses = '*'\n", "fail", "listen_addresses = '*'",
        EVERYWHERE.format("*")),
    _pg("PostgreSQL localhost and private", "listen_addresses = 'localhost, 10.0.1.5'\n",
        "pass", "listen_addresses = 'localhost, 10.0.1.5'", PRIVATE.format("localhost, 10.0.1.5")),
    _pg("PostgreSQL ::", "listen_addresses = '::'\n", "fail", "listen_addresses = '::'",
        EVERYWHERE.format("::")),
    _pg("PostgreSQL socket only", "listen_addresses = ''\n", "pass", "listen_addresses = ''",
        LOOPBACK.format("unix:")),
    _redis("Redis bind 127.0.0.1 -::1", "bind 127.0.0.1 -::1\n", "pass", "bind 127.0.0.1 ::1",
           LOOPBACK.format("127.0.0.1, ::1")),
    _redis("Redis without bind", "port 6379\n", "fail", "no bind line (every interface)",
           EVERYWHERE.format("*")),
    _redis("Redis bind 0.0.0.0", "bind 0.0.0.0\n", "fail", "bind 0.0.0.0",
           EVERYWHERE.format("0.0.0.0")),
    _redis("Redis bind private", "bind 127.0.0.1 10.0.1.5\n", "pass", "bind 127.0.0.1 10.0.1.5",
           PRIVATE.format("127.0.0.1, 10.0.1.5")),
    _case("SYSTEMD-NETWORK-003", "no listener", WORKER_ONLY, "skip", "listeners",
          message="no gunicorn, PostgreSQL or Redis listener found"),
]

CASES += [*NET_001, *NET_002, *NET_003]

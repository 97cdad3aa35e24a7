"""Fuzzing the systemd style's host trees: unit files and drop-ins, Nginx (crossplane, with
includes resolved inside the tree), postgresql.conf and pg_hba.conf (with includes), and
crontabs (/etc/crontab, cron.d, cron.daily, user spools)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fuzzlib import (
    EXAMPLES,
    FIXTURES,
    audit_and_check,
    fixture_files,
    fuzz_settings,
    hostile_text,
    materialise,
    mutated_bytes,
    run_cli,
    workdir,
)
from hypothesis import example, given
from hypothesis import strategies as st

HOSTS = (
    *sorted(p for p in (FIXTURES / "systemd").iterdir() if p.is_dir()),
    EXAMPLES / "manual-vm",
)
HARDENED = FIXTURES / "systemd" / "pass-hardened"


@st.composite
def lines_of(draw: st.DrawFn, vocabulary: st.SearchStrategy[str], max_lines: int = 14) -> str:
    """Lines from a format's vocabulary, some replaced by hostile text; CRLF or BOM at times."""
    lines = draw(st.lists(vocabulary | hostile_text, max_size=max_lines))
    text = "\n".join(lines) + ("\n" if draw(st.booleans()) else "")
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    if draw(st.booleans()):
        text = "\ufeff" + text
    return text


def audit_host(tree: Path, named: list[str] | None = None) -> None:
    audit_and_check([str(tree)], style="systemd", named=named or [])


# -- byte mutation of every file of the host trees ----------------------------------------

READ_FOR_SURE = ("etc/nginx/nginx.conf", "etc/crontab", "etc/cron.d/")
"""Files the collector always reads: a NUL in one must be named."""


@given(data=st.data())
@fuzz_settings(30)
def test_mutated_host_bytes(data: st.DataObject) -> None:
    host = data.draw(st.sampled_from(HOSTS), label="host")
    names = fixture_files(host, lambda rel: not rel.endswith((".md", ".html", ".pem")))
    chosen = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True),
                       label="files")
    files: dict[str | bytes, str | bytes | None] = {
        name: data.draw(mutated_bytes((host / name).read_bytes()), label=name)
        for name in chosen
    }
    named = [f"/{name}" for name, content in files.items()
             if isinstance(name, str) and isinstance(content, bytes) and b"\0" in content
             and name.startswith(READ_FOR_SURE)]
    with workdir() as tmp:
        audit_host(materialise(tmp / "host", files, base=host), named)


# -- unit files ---------------------------------------------------------------------------

EXEC = st.sampled_from([
    "/opt/superset/venv/bin/gunicorn -w 4 -b 0.0.0.0:8088 'superset.app:create_app()'",
    "-@/opt/superset/venv/bin/gunicorn gunicorn --timeout abc",
    "+!:/opt/superset/venv/bin/superset run -p 8088 --with-threads --reload",
    "/opt/superset/venv/bin/celery --app=superset.tasks.celery_app:app worker -B",
    "/bin/sh -c 'exec gunicorn --bind unix:/run/s.sock \"superset.app:create_app()\"'",
    "/usr/bin/env FOO=1 ${VENV}/bin/gunicorn $OPTS",
    "gunicorn --bind",
    "gunicorn -b [::1",
    "'unterminated",
    "\"",
    "%i %I %n %N %p %% %z",
    "-",
    "@",
    "/opt/superset/venv/bin/python -m superset.cli run",
    "/opt/%i/venv/bin/gunicorn -w %i",
    "gunicorn \\",
])
UNIT_LINES = st.one_of(
    st.sampled_from([
        "[Unit]", "[Service]", "[Install]", "[Service", "[]", "[ Service ]", "", "#", ";",
        "Type=simple", "Type=", "User=", "User=root", "User=0", "Group=%i", "DynamicUser=yes",
        "WorkingDirectory=-/opt/superset", "WorkingDirectory=~", "WorkingDirectory=../..",
        "Environment=", "Environment=\"A=1 2\" B=3", "Environment='unterminated",
        "Environment=SUPERSET_CONFIG_PATH=/etc/superset/superset_config.py",
        "Environment=SUPERSET_CONFIG_PATH=", "Environment=SUPERSET_CONFIG_PATH=../../x.py",
        "Environment=PYTHONPATH=::/a:relative:/etc/superset",
        "EnvironmentFile=-/etc/superset/missing.env", "EnvironmentFile=/etc/superset/superset.env",
        "EnvironmentFile=relative.env", "EnvironmentFile=/etc/superset/*.env",
        "EnvironmentFile=/dev/null", "EnvironmentFile=/", "EnvironmentFile=/etc/../../../x",
        "ExecStart=", "ExecStartPre=", "Restart=always", "Restart=", "RestartSec=abc",
        "MemoryMax=1e400", "MemoryMax=infinity", "MemoryMax=-1", "CPUQuota=999999999%",
        "CPUQuota=%", "TasksMax=", "LimitNOFILE=x", "TimeoutStopSec=inf", "Requires=%i.service",
        "WantedBy=multi-user.target", "Alias=superset.service", "Also=", "=value", "novalue",
        "Key = spaced value \\", "continued line", "CapabilityBoundingSet=",
        "ProtectSystem=bogus", "ReadWritePaths=-/var/lib/superset /nonexistent",
        "StandardOutput=append:/var/log/superset/x.log", "StandardOutput=file:",
        "LogsDirectory=../..", "Nice=-99999999999999", "OOMScoreAdjust=x",
    ]),
    EXEC.map(lambda c: "ExecStart=" + c),
    EXEC.map(lambda c: "ExecStartPre=" + c),
    hostile_text.map(lambda s: "Environment=SUPERSET_SECRET_KEY=" + s),
)
UNIT_NAMES = st.sampled_from([
    "superset.service", "superset@.service", "superset@8088.service", "superset-worker.service",
    "superset.timer", "x.service", "superset.service.d/override.conf", "service.d/10.conf",
    "superset@.service.d/a.conf", "superset.socket", "-.service", "superset.service.d/x",
])


@given(units=st.dictionaries(UNIT_NAMES, lines_of(UNIT_LINES), min_size=1, max_size=4),
       enable=st.lists(UNIT_NAMES, max_size=3),
       env=lines_of(st.sampled_from([
           "SUPERSET_SECRET_KEY=x", "export A=1", "A=\"quoted \\\" x\"", "A='x", "B=\\",
           "=", "1A=x", "A=${B}", "SUPERSET_CONFIG_PATH=/etc/superset/../superset/x.py"])))
@fuzz_settings(30)
@example(units={"superset.service": "[Service]\nExecStart=/bin/gunicorn \\"}, enable=[],
         env="")
@example(units={"superset@.service": "[Service]\nExecStart=/opt/%i/bin/gunicorn -w %i"},
         enable=["superset@8088.service"], env="A=\\")
def test_unit_files(units: dict[str, str], enable: list[str], env: str) -> None:
    files: dict[str | bytes, str | bytes | None] = {
        f"etc/systemd/system/{name}": text for name, text in units.items()}
    files["etc/superset/superset.env"] = env
    with workdir() as tmp:
        tree = materialise(tmp / "host", files, base=HARDENED)
        wants = tree / "etc/systemd/system/multi-user.target.wants"
        for name in enable:
            link = wants / name.replace("/", "_")
            if not link.is_symlink():
                link.symlink_to(f"/etc/systemd/system/{name}")
        loop = wants / "loop.service"
        loop.symlink_to("loop.service")
        audit_host(tree)


# -- Nginx --------------------------------------------------------------------------------

NGINX_LINES = st.sampled_from([
    "server {", "}", "{", ";", "http {", "events {}", "upstream superset {",
    "server 127.0.0.1:8088;", "server unix:/run/superset.sock;", "server [::1;", "server ;",
    "listen 443 ssl http2;", "listen [::]:443 ssl;", "listen 80 default_server;",
    "listen unix:/run/x.sock;", "listen 99999999999999;", "listen *:abc ssl;", "listen;",
    "listen 0.0.0.0:-1;", "listen [::1]:;", "server_name _ \"\" localhost;", "server_name;",
    "ssl_certificate /etc/ssl/x.pem;", "ssl_protocols TLSv1 TLSv1.3 SSLv3;", "ssl on;",
    "ssl_ciphers 'ALL:!aNULL';", "location / {", "location ~* \\.(js|css)$ {",
    "location = /health {", "location @named {", "location {",
    "proxy_pass http://superset;", "proxy_pass http://127.0.0.1:8088/;",
    "proxy_pass http://unix:/run/superset.sock:/;", "proxy_pass http://[::1;",
    "proxy_pass $scheme://$host;", "proxy_pass;", "proxy_pass https://:0;",
    "proxy_read_timeout 1x;", "proxy_read_timeout 99999999999999999999d;",
    "proxy_read_timeout 5m30s;", "proxy_read_timeout;", "proxy_set_header Host $host;",
    "return 301 https://$host$request_uri;", "return;", "return 999;", "return abc;",
    "add_header Strict-Transport-Security \"max-age=abc\" always;",
    "add_header Strict-Transport-Security;", "add_header;",
    "include snippets/*.conf;", "include /etc/nginx/sites-enabled/*;", "include ../../../x;",
    "include /etc/nginx/nginx.conf;", "include /etc/nginx/conf.d/fuzz.conf;",
    "include [;", "include *;", "include /etc/nginx/**/x;", "include;",
    "if ($host = x) {", "set $x \"y\";", "lua_block {", "'unterminated", "\"unterminated",
    "# comment {", "client_max_body_size -1;", "access_log off;", "access_log syslog:;",
    "error_log /dev/stderr debug;", "allow all;", "deny;", "auth_basic \"x\";",
    "map $a $b {", "default 1;", "limit_req zone=x burst=abc;",
])


@given(conf=lines_of(NGINX_LINES, max_lines=30),
       main=st.one_of(st.none(), lines_of(NGINX_LINES, max_lines=12)),
       where=st.sampled_from(["etc/nginx/conf.d/fuzz.conf", "etc/nginx/sites-enabled/fuzz",
                              "etc/nginx/snippets/superset-proxy.conf"]))
@fuzz_settings(30)
@example(conf="include /etc/nginx/conf.d/fuzz.conf;", main=None,
         where="etc/nginx/conf.d/fuzz.conf")
@example(conf="server { listen 443 ssl; proxy_pass http://[::1; }", main=None,
         where="etc/nginx/conf.d/fuzz.conf")
def test_nginx(conf: str, main: str | None, where: str) -> None:
    files: dict[str | bytes, str | bytes | None] = {where: conf}
    if main is not None:
        files["etc/nginx/nginx.conf"] = "http {\ninclude /etc/nginx/conf.d/*.conf;\n" + main
    with workdir() as tmp:
        audit_host(materialise(tmp / "host", files, base=HARDENED))


# -- PostgreSQL ---------------------------------------------------------------------------

PG_CONF_LINES = st.sampled_from([
    "listen_addresses = '*'", "listen_addresses = ''", "listen_addresses = 'a,,b'",
    "listen_addresses", "port = abc", "port = 99999999999999999999", "ssl = maybe", "ssl = on",
    "password_encryption = md5", "max_connections = -1", "shared_buffers = 1e400GB",
    "shared_buffers = 128MBx", "data_directory = '/var/lib/postgresql/15/main'",
    "data_directory = ''", "data_directory = '../../../'", "hba_file = '/etc/passwd'",
    "hba_file = ''", "hba_file = 'relative_hba.conf'", "hba_file = '/etc/postgresql'",
    "hba_file = '/etc/postgresql/15/main/postgresql.conf'",
    "include 'postgresql.conf'", "include_if_exists 'missing.conf'", "include '/'",
    "include_dir 'conf.d'", "include_dir '/etc'", "include_dir '../../..'", "include ''",
    "archive_mode = on", "archive_command = 'cp %p /mnt/x/%f'", "archive_command = '",
    "log_line_prefix = 'it''s \\' escaped'", "ssl_cert_file = ''", "wal_level = 7",
    "x.y = 1", "= 1", "'quoted key' = 1", "key = 'unterminated", "key = value # comment",
    "shared_preload_libraries = 'pg_stat_statements,,'",
])
HBA_LINES = st.sampled_from([
    "local all all trust", "local all all", "local", "host all all 0.0.0.0/0 trust",
    "host all all ::/0 md5", "host all all 10.0.0.0/99 md5", "host all all ::1/200 md5",
    "host all all 10.0.0.1 255.255.255.0 md5", "host all all 10.0.0.1 255.0.255.0 md5",
    "host all all 10.0.0.1 999.1.1.1 md5", "host all all 10.0.0.1", "host all all samehost",
    "host all all samenet scram-sha-256", "host all all .example.com password",
    "hostssl all all all cert", "hostnossl all all all reject", "hostgssenc all all all gss",
    "host \"all\" \"quoted user\" \"10.0.0.0/8\" md5", "host all all \"unterminated md5",
    "host all @users.txt 0.0.0.0/0 md5", "include 'pg_hba.conf'", "include pg_hba.conf",
    "include_dir .", "include_dir /etc", "include_if_exists /nonexistent",
    "include", "host all all 0.0.0.0/0 md5 \\", "  continued", "# comment \"quoted",
    "host all all 10.0.0.0/8 ldap ldapserver=x ldapprefix=\"cn=\"",
])


@given(conf=lines_of(PG_CONF_LINES), hba=lines_of(HBA_LINES),
       extra=st.one_of(st.none(), lines_of(PG_CONF_LINES, max_lines=4)))
@fuzz_settings(30)
@example(conf="include 'postgresql.conf'", hba="include pg_hba.conf", extra=None)
@example(conf="include_dir 'conf.d'", hba="include_dir .",
         extra="include_dir '/etc/postgresql/15/main/conf.d'")
def test_postgres(conf: str, hba: str, extra: str | None) -> None:
    main = "etc/postgresql/15/main"
    files: dict[str | bytes, str | bytes | None] = {
        f"{main}/postgresql.conf": conf, f"{main}/pg_hba.conf": hba}
    if extra is not None:
        files[f"{main}/conf.d/10-tuning.conf"] = extra
    with workdir() as tmp:
        audit_host(materialise(tmp / "host", files, base=HARDENED))


# -- crontabs -----------------------------------------------------------------------------

SCHEDULES = st.sampled_from([
    "* * * * *", "*/5 * * * *", "0 2 * * *", "@reboot", "@daily", "@yearly", "@bogus",
    "1-99999999999 * * * *", "60 25 32 13 8", "0 0 * jan-dec mon-sun", "*/0 * * * *",
    "a b c d e", "* * *", "", "0,,1 * * * *",
])
COMMANDS = st.sampled_from([
    "root /usr/local/bin/backup.sh", "root pg_dump superset | gzip > /backup/x.gz",
    "postgres pg_dumpall | aws s3 cp - s3://bucket/x", "root rclone copy /backup remote:x",
    "superset /opt/superset/venv/bin/superset --help", "root curl -fsS http://x/health",
    "root", "", "root /etc/cron.d", "root /etc/passwd", "root /dev/null",
    "root /usr/local/bin/loop", "root /usr/local/bin/binary",
    "root PGPASSWORD=secret pg_dump postgresql://u:pw@h/db > /x % date +\\%F",
    "root 'unterminated", "root $(echo pg_dump)", "root \\",
])
CRON_LINES = st.one_of(
    st.builds(lambda s, c: f"{s} {c}", SCHEDULES, COMMANDS),
    st.sampled_from(["SHELL=/bin/sh", "MAILTO=\"\"", "PATH=", "=", "# comment", "",
                     "CRON_TZ=Nowhere/Land", "A = b"]),
)
SCRIPT = "#!/bin/sh\npg_dump superset | gzip > /var/backups/superset.gz\nrclone copy x r:y\n"


@given(crontab=lines_of(CRON_LINES), crond=st.dictionaries(
    st.sampled_from(["backup", "back.up", "x~", "superset-backup", "UPPER", ".hidden"]),
    lines_of(CRON_LINES, max_lines=5), max_size=3),
    daily=st.dictionaries(st.sampled_from(["pg-backup", "pg-backup.sh", "placeholder", "x"]),
                          lines_of(st.sampled_from(["pg_dump x", "#!/bin/sh", "aws s3 cp",
                                                     "exit 1"]), max_lines=4), max_size=2),
    spool=st.dictionaries(st.sampled_from(["root", "superset", "postgres", "x.y"]),
                          lines_of(CRON_LINES, max_lines=5), max_size=2))
@fuzz_settings(30)
def test_crontabs(crontab: str, crond: dict[str, str], daily: dict[str, str],
                  spool: dict[str, str]) -> None:
    files: dict[str | bytes, str | bytes | None] = {"etc/crontab": crontab}
    files.update({f"etc/cron.d/{name}": text for name, text in crond.items()})
    files.update({f"etc/cron.daily/{name}": text for name, text in daily.items()})
    files.update({f"var/spool/cron/crontabs/{name}": text for name, text in spool.items()})
    files["usr/local/bin/backup.sh"] = SCRIPT
    files["usr/local/bin/binary"] = b"\x7fELF\x00\x01"
    with workdir() as tmp:
        tree = materialise(tmp / "host", files, base=HARDENED)
        (tree / "usr/local/bin/loop").symlink_to("/usr/local/bin/loop")
        (tree / "var/spool/cron/crontabs/dir").mkdir(parents=True)
        audit_host(tree)


@given(data=st.data())
@fuzz_settings(15)
def test_cli_host_root(data: st.DataObject) -> None:
    """``auditor scan host --root TREE``: exit 0 with a valid report, or 2 with one line."""
    host = data.draw(st.sampled_from(HOSTS), label="host")
    names = fixture_files(host, lambda rel: rel.startswith("etc/"))
    name = data.draw(st.sampled_from(names), label="file")
    mutated = data.draw(mutated_bytes((host / name).read_bytes(), max_ops=6), label="bytes")
    with workdir() as tmp:
        tree = materialise(tmp / "host", {name: mutated}, base=host)
        run_cli(["host", "--root", str(tree)], tmp / "report.json")


@given(lines=st.lists(UNIT_LINES.filter(lambda line: "\r" not in line and "\n" not in line),
                     max_size=14))
@fuzz_settings(60)
@example(lines=["[Service]", "ExecStart=/opt/superset/venv/bin/gunicorn -w 4"])
def test_unit_bom_and_crlf_are_transparent(lines: list[str]) -> None:
    """systemd reads a unit with a BOM or CRLF line ends as it reads the plain file."""
    from auditor.checks.systemd.unitfile import entries

    plain = "\n".join(lines) + "\n"
    expected = list(entries(plain))
    assert list(entries("\ufeff" + plain)) == expected
    assert list(entries(plain.replace("\n", "\r\n"))) == expected


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c",
                                       "\x1d", "\x1e"])
def test_only_systemd_line_ends_split_lines(separator: str) -> None:
    """``Description=x<U+2028>User=superset`` is one assignment to systemd, not two."""
    from auditor.checks.systemd.unitfile import entries, env_file

    text = f"[Service]\nDescription=x{separator}User=superset\nUser=root\n"
    assert [(k, v) for _, k, v, _ in entries(text)] == [
        ("Description", f"x{separator}User=superset"), ("User", "root")]
    assert set(env_file(f"A=1{separator}B=2\nC=3\n", "/e")) == {"A", "C"}

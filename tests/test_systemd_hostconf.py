"""Cron and timers, logrotate, journald, APT, Redis and UFW as the host tree holds them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from needs import require_tool, unavailable

from auditor.checks.common.tree import Tree
from auditor.checks.systemd.hostconf import load_apt, load_logs, load_redis
from auditor.checks.systemd.jobs import collect_jobs, off_host
from auditor.checks.systemd.ufw import load_ufw, parse_status
from auditor.checks.systemd.units import UnitIndex


def write(root: Path, inner: str, text: str) -> Path:
    path = root / inner.lstrip("/")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def jobs_of(root: Path) -> dict[str, object]:
    problems: dict[str, str] = {}
    tree = Tree.at(root)
    found = collect_jobs(tree, UnitIndex.build(tree, problems), problems)
    return {"jobs": found, "problems": problems}


def test_cron_sources_and_their_rules(tmp_path: Path) -> None:
    write(tmp_path, "etc/crontab",
          "SHELL=/bin/sh\n30 2 * * * postgres pg_dumpall | gzip > /var/backups/all.sql.gz\n")
    write(tmp_path, "etc/cron.d/superset-backup",
          "MAILTO=ops\n15 3 * * * postgres /usr/local/bin/pg-backup\n")
    write(tmp_path, "usr/local/bin/pg-backup",
          "#!/bin/sh\npg_dump -Fc superset > /tmp/s.dump\n"
          "rclone copy /tmp/s.dump b2:example-backups/superset/\n")
    write(tmp_path, "etc/cron.d/old.bak", "0 1 * * * root pg_dump superset > /x\n")
    write(tmp_path, "etc/cron.daily/db-backup.sh", "#!/bin/sh\npg_dump superset > /x\n")
    write(tmp_path, "var/spool/cron/crontabs/superset",
          "*/5 * * * * curl -fsS http://127.0.0.1:8088/health || systemctl restart superset\n")
    write(tmp_path, "etc/systemd/system/wal-g-backup.service",
          "[Service]\nType=oneshot\n"
          "ExecStart=/usr/bin/wal-g backup-push /var/lib/postgresql/15/main\n")
    write(tmp_path, "etc/systemd/system/wal-g-backup.timer", "[Timer]\nOnCalendar=daily\n")
    write(tmp_path, "lib/systemd/system/pg_basebackup@.timer", "[Timer]\nOnCalendar=weekly\n")
    found = jobs_of(tmp_path)
    jobs = found["jobs"].jobs  # type: ignore[attr-defined]
    by_source = {(j.source, j.line): j for j in jobs}
    system = by_source[("/etc/crontab", 2)]
    assert system.tools == ("pg_dumpall",) and system.runs and not system.off_host
    script = by_source[("/etc/cron.d/superset-backup", 2)]
    assert script.tools == ("pg_dump",) and script.off_host == ("rclone to a remote",)
    dotted = by_source[("/etc/cron.d/old.bak", 1)]
    assert not dotted.runs and "cron ignores" in (dotted.why_not or "")
    daily = by_source[("/etc/cron.daily/db-backup.sh", None)]
    assert not daily.runs and "run-parts skips" in (daily.why_not or "")
    probe = by_source[("/var/spool/cron/crontabs/superset", 1)]
    assert probe.health_probe and not probe.tools
    timer = by_source[("/etc/systemd/system/wal-g-backup.service", 3)]
    assert timer.tools == ("wal-g",) and not timer.runs  # not enabled
    assert "not enabled" in (timer.why_not or "")
    assert not [j for j in jobs if "pg_basebackup" in j.source]  # a template never runs
    assert found["problems"] == {}


@pytest.mark.parametrize(("text", "remote"), [
    ("pg_dump db | aws s3 cp - s3://bucket/db.sql", True),
    ("rsync -a /var/backups/ backup@10.0.0.5:/srv/backups/", True),
    ("rsync -a /var/backups/ /mnt/usb/", False),
    ("restic -r s3:s3.amazonaws.com/bucket backup /var/backups", True),
    ("restic -r /srv/restic backup /var/backups", False),
    ("borg create ssh://backup@host/./repo::{now} /var/backups", True),
    ("WALG_FILE_PREFIX=/var/lib/walg wal-g backup-push /data", False),
    ("cp %p /var/lib/postgresql/archive/%f", False),
    ("barman-cloud-wal-archive s3://bucket main %p", True),
])
def test_off_host_destinations(text: str, remote: bool) -> None:
    assert bool(off_host(text)) is remote


def test_logrotate_and_journald(tmp_path: Path) -> None:
    write(tmp_path, "etc/logrotate.conf",
          "weekly\nrotate 4\ninclude /etc/logrotate.d\n/var/log/wtmp {\n  monthly\n}\n")
    write(tmp_path, "etc/logrotate.d/superset",
          '"/var/log/superset/*.log" /var/log/gunicorn.log\n{\n  rotate -1\n  postrotate\n'
          "    kill -USR1 $(cat /run/gunicorn.pid) # } not a brace\n  endscript\n}\n")
    write(tmp_path, "etc/logrotate.d/superset.dpkg-old", "/var/log/other.log { }\n")
    write(tmp_path, "etc/systemd/journald.conf", "[Journal]\nStorage=volatile\nSystemMaxUse=2G\n")
    write(tmp_path, "usr/lib/systemd/journald.conf.d/10-vendor.conf",
          "[Journal]\nStorage=persistent\n")
    write(tmp_path, "etc/systemd/journald.conf.d/20-local.conf", "[Journal]\nSystemMaxUse=\n")
    logs = load_logs(Tree.at(tmp_path), {})
    patterns = [(r.patterns, r.bounded) for r in logs.rules]
    assert patterns == [(("/var/log/wtmp",), True),
                        (("/var/log/superset/*.log", "/var/log/gunicorn.log"), False)]
    assert logs.journald["Storage"].value == "persistent"  # drop-ins after journald.conf
    assert "SystemMaxUse" not in logs.journald  # reset by an empty assignment


def test_apt_periodic_in_both_syntaxes(tmp_path: Path) -> None:
    write(tmp_path, "etc/apt/apt.conf.d/10periodic",
          'APT::Periodic {\n  Update-Package-Lists "1";\n  Unattended-Upgrade "0";\n};\n')
    write(tmp_path, "etc/apt/apt.conf.d/20auto-upgrades",
          '// comment\nAPT::Periodic::Unattended-Upgrade "1"; /* trailing */\n')
    write(tmp_path, "etc/apt/apt.conf.d/50unattended-upgrades",
          'Unattended-Upgrade::Allowed-Origins {\n  "${distro_id}:${distro_codename}-security";\n'
          '//  "${distro_id}:${distro_codename}-updates";\n};\n')
    apt = load_apt(Tree.at(tmp_path), {})
    assert apt.values["apt::periodic::update-package-lists"].value == "1"
    upgrade = apt.values["apt::periodic::unattended-upgrade"]
    assert upgrade.value == "1" and upgrade.path.endswith("20auto-upgrades") and upgrade.line == 2
    assert apt.origins == ("${distro_id}:${distro_codename}-security",)
    assert apt.unattended_config == "/etc/apt/apt.conf.d/50unattended-upgrades"


def test_redis_bind(tmp_path: Path) -> None:
    write(tmp_path, "etc/redis/redis.conf",
          "# bind 0.0.0.0\nbind 127.0.0.1 -::1\nport 6380\nprotected-mode no\n")
    redis = load_redis(Tree.at(tmp_path), {})
    assert redis is not None
    assert (redis.binds, redis.port, redis.protected_mode, redis.bind_line) == (
        ("127.0.0.1", "::1"), 6380, False, 2)


def test_ufw_files_written_by_the_real_ufw_and_its_status(tmp_path: Path) -> None:
    """The real ufw writes user.rules and prints its status; both read the same.

    ufw runs inside ``unshare --mount --net`` with /etc/ufw bind-mounted from a
    copy, so neither this machine's firewall nor its /etc/ufw is touched.
    """
    ufw = require_tool("ufw", "apt-get install ufw", also=("/usr/sbin/ufw",))
    unshare = require_tool("unshare", "apt-get install util-linux")
    if not Path("/etc/ufw").is_dir():
        unavailable("ufw's /etc/ufw not installed: apt-get install ufw (or run .ci/run)")
    copy = tmp_path / "etc/ufw"
    shutil.copytree("/etc/ufw", copy)
    (tmp_path / "run").mkdir()
    script = (f"mount --bind {copy} /etc/ufw && mount --bind {tmp_path / 'run'} /run && "
              f"{ufw} --force enable >/dev/null && {ufw} default deny incoming >/dev/null && "
              f"{ufw} allow 5432/tcp >/dev/null && {ufw} limit 22/tcp >/dev/null && "
              f"{ufw} allow from 10.0.1.0/24 to any port 8088 proto tcp >/dev/null && "
              f"{ufw} status verbose")
    done = subprocess.run([unshare, "--mount", "--net", "sh", "-c", script],
                          capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        unavailable("ufw could not run in a private namespace (unshare --mount --net needs "
                    f"root or CAP_SYS_ADMIN): {done.stderr.strip()[:200]}")
    (tmp_path / "etc/default").mkdir(parents=True, exist_ok=True)
    shutil.copy("/etc/default/ufw", tmp_path / "etc/default/ufw")
    files = load_ufw(Tree.at(tmp_path), {})
    status = parse_status(done.stdout, files)
    assert status is not None
    for fact in (files, status):
        assert fact.enabled is True
        assert fact.default_input in ("DROP", "REJECT")
        world = {(r.ports, r.v6) for r in fact.rules if r.from_anywhere
                 and r.action in ("allow", "limit")}
        assert {("5432", False), ("5432", True), ("22", False), ("22", True)} <= world
        (lan,) = [r for r in fact.rules if r.covers(8088)]
        assert lan.source == "10.0.1.0/24" and not lan.from_anywhere
    assert status.source == "ufw status verbose"


def test_ufw_status_when_inactive_keeps_the_file_rules(tmp_path: Path) -> None:
    write(tmp_path, "etc/ufw/ufw.conf", "ENABLED=no\n")
    write(tmp_path, "etc/ufw/user.rules",
          "### tuple ### allow tcp 5432 0.0.0.0/0 any 0.0.0.0/0 in\n")
    files = load_ufw(Tree.at(tmp_path), {})
    status = parse_status("Status: inactive\n", files)
    assert status is not None and status.enabled is False
    assert [r.ports for r in status.rules] == ["5432"]

"""`auditor install-schedule`: the files it writes, how it writes them, and systemd's verdict."""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from needs import require_tool, unavailable

from auditor import schedule
from auditor.checks.common.tree import Tree
from auditor.checks.pip.shell import scan_crontab
from auditor.checks.systemd.jobs import collect_jobs
from auditor.checks.systemd.units import UnitIndex

ROOT = Path(__file__).parents[1]
AUDITOR = schedule.DEFAULT_AUDITOR
SERVICE = "etc/systemd/system/deploy-auditor.service"
TIMER = "etc/systemd/system/deploy-auditor.timer"
CRON = "etc/cron.d/deploy-auditor"
# systemd-analyze security --offline rates the shipped service 1.3 ("OK") with systemd 252.
# What is left of that is left on purpose (see the unit's comments): PrivateNetwork= (0.5),
# ProtectProc=, PrivateUsers=, the CAP_DAC_READ_SEARCH capability (0.2 each), ProcSubset=,
# ProtectHome=read-only, AF_UNIX, the host's root directory, ProtectClock's rtc device (0.1
# each). The limits add 0.2 for other systemd versions' rounding, so dropping any one
# hardening setting of weight (NoNewPrivileges=, a syscall filter, ProtectSystem=...) fails.
# IP sockets (for --probe and friends) cost AF_INET/AF_INET6 and IPAddressDeny=: 1.8.
EXPOSURE_LIMIT = {"host": 1.5, "network": 2.0}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="auditor")
    schedule.add_parser(parser.add_subparsers(dest="command"))
    code = schedule.cmd_install_schedule(parser.parse_args(["install-schedule", *argv]))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def host(tmp_path: Path) -> Path:
    """A root laid out like / with the auditor installed and node_exporter's directory."""
    root = tmp_path / "root"
    stub = root / AUDITOR.lstrip("/")
    stub.parent.mkdir(parents=True)
    stub.write_text("#!/bin/sh\n")
    stub.chmod(0o755)
    (root / schedule.DEFAULT_TEXTFILE_DIR.lstrip("/")).mkdir(parents=True)
    return root


def install(capsys: pytest.CaptureFixture[str], root: Path, *argv: str) -> tuple[int, str, str]:
    return run(capsys, "--root", str(root), "--auditor", AUDITOR, *argv)


def test_shipped_files_are_the_generated_defaults() -> None:
    for relative, text in schedule.shipped_files().items():
        shipped = ROOT / relative
        assert shipped.read_text() == text, (
            f"{relative} differs from what auditor/schedule.py generates; regenerate with "
            "python -c 'import pathlib, auditor.schedule as s; "
            "[pathlib.Path(p).write_text(t) for p, t in s.shipped_files().items()]'")


def test_dry_run_prints_both_files_and_writes_nothing(capsys: pytest.CaptureFixture[str],
                                                      host: Path) -> None:
    code, out, err = install(capsys, host, "--dry-run")
    assert (code, err) == (0, "")
    assert f"==> {host / SERVICE} (new, mode 0644)" in out
    assert f"==> {host / TIMER} (new, mode 0644)" in out
    assert schedule.render_service(schedule.ScheduleOptions()) in out
    assert schedule.render_timer(schedule.ScheduleOptions()) in out
    assert "dry run: nothing written" in out
    assert not (host / "etc").exists()


def test_install_writes_0644_and_a_rerun_does_nothing(capsys: pytest.CaptureFixture[str],
                                                      host: Path) -> None:
    code, out, err = install(capsys, host)
    assert (code, err) == (0, "")
    shipped = schedule.shipped_files()
    for inner, name in ((SERVICE, "deploy-auditor.service"), (TIMER, "deploy-auditor.timer")):
        path = host / inner
        assert path.stat().st_mode & 0o777 == 0o644
        assert path.read_text() == shipped[f"deploy/systemd/{name}"]
    assert out.rstrip().splitlines()[-1].startswith(f"next: systemctl --root={host} enable")
    assert not list((host / "etc/systemd/system").glob(".*.tmp"))
    before = {p: p.stat().st_ino for p in (host / SERVICE, host / TIMER)}

    code, out, err = install(capsys, host)
    assert (code, err) == (0, "")
    assert out.count("(unchanged)") == 2 and "nothing to do" in out
    assert {p: p.stat().st_ino for p in before} == before


def test_on_the_real_root_it_prints_the_systemctl_commands(capsys: pytest.CaptureFixture[str],
                                                           tmp_path: Path) -> None:
    code, out, _ = run(capsys, "--root", "/", "--auditor", "/bin/sh", "--no-textfile",
                       "--dry-run")
    assert code == 0
    assert ("next: systemctl daemon-reload && systemctl enable --now deploy-auditor.timer"
            in out.splitlines())


def test_a_changed_schedule_needs_force_and_shows_a_diff(capsys: pytest.CaptureFixture[str],
                                                         host: Path) -> None:
    assert install(capsys, host)[0] == 0
    timer = host / TIMER
    before = timer.read_text()

    code, out, err = install(capsys, host, "--schedule", "weekly")
    assert code == 2 and out == ""
    assert err == (f"auditor: {timer}: exists with other content; --dry-run shows the "
                   "difference, --force replaces it\n")
    assert timer.read_text() == before

    code, out, err = install(capsys, host, "--schedule", "weekly", "--dry-run")
    assert (code, err) == (0, "")
    assert "+OnCalendar=weekly\n" in out
    assert f"note: without --force a real run refuses to replace {timer}" in out
    assert timer.read_text() == before

    code, out, err = install(capsys, host, "--schedule", "weekly", "--force")
    assert (code, err) == (0, "")
    assert f"==> {host / SERVICE} (unchanged)" in out
    assert f"==> {timer} (replaced, mode 0644)" in out
    assert "-OnCalendar=daily\n" in out and "+OnCalendar=weekly\n" in out
    assert f"--- {timer} (installed)" in out
    assert "OnCalendar=weekly\n" in timer.read_text()
    assert timer.stat().st_mode & 0o777 == 0o644


def test_bad_schedules_are_one_line_errors(capsys: pytest.CaptureFixture[str],
                                           host: Path) -> None:
    for argv in (("--schedule", "every day", "--cron"), ("--schedule", "")):
        code, _, err = install(capsys, host, *argv)
        assert code == 2, argv
        assert err.startswith("auditor: --schedule ") and err.count("\n") == 1, err
    assert not (host / "etc").exists()


def test_bad_calendar_expressions_are_refused_by_systemd_analyze(
        capsys: pytest.CaptureFixture[str], host: Path) -> None:
    # A crontab line and an hour 25 pass the character check used without systemd: only
    # systemd-analyze calendar refuses them.
    require_tool("systemd-analyze", "apt-get install systemd")
    for calendar in ("17 4 * * *", "Mon..Fri *-*-* 25:00"):
        code, _, err = install(capsys, host, "--schedule", calendar)
        assert code == 2, calendar
        assert err.startswith("auditor: --schedule ") and err.count("\n") == 1, err
        assert "systemd-analyze calendar" in err
    assert not (host / "etc").exists()


def test_extra_arguments_are_checked_by_the_scan_parser(capsys: pytest.CaptureFixture[str],
                                                        host: Path) -> None:
    for text, why in (("--fail-under", "expected one argument"),
                      ("--fail-under 80 --no-such-option", "unrecognized arguments"),
                      ("'unclosed", "No closing quotation")):
        code, _, err = install(capsys, host, f"--args={text}")
        assert code == 2 and why in err and err.count("\n") == 1, err


def test_extra_arguments_survive_systemd_and_cron_quoting(capsys: pytest.CaptureFixture[str],
                                                          host: Path) -> None:
    options = schedule.ScheduleOptions(extra_args=("--app", "50% $HOME \"q\""))
    service = schedule.render_service(options)
    assert '--app "50%% $$HOME \\"q\\""' in service
    line = schedule.render_cron(options).splitlines()[-1]
    # cron unescapes \% before the shell splits the line.
    words = shlex.split(line.split(" root ", 1)[1].replace("\\%", "%"))
    assert words[-2:] == ["--app", "50% $HOME \"q\""]


def test_arguments_that_connect_get_ip_sockets() -> None:
    quiet = schedule.render_service(schedule.ScheduleOptions())
    assert "RestrictAddressFamilies=AF_UNIX\n" in quiet and "IPAddressDeny=any\n" in quiet
    for args in (("--probe", "auto"), ("--pushgateway=http://pg:9091",), ("--connect-db",)):
        loud = schedule.render_service(schedule.ScheduleOptions(extra_args=args))
        assert "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6\n" in loud
        assert "IPAddressDeny" not in loud


def test_without_node_exporter_there_are_no_metrics(capsys: pytest.CaptureFixture[str],
                                                    host: Path) -> None:
    shutil.rmtree(host / "var/lib/prometheus")
    code, out, _ = install(capsys, host)
    assert code == 0 and "note: no /var/lib/prometheus/node-exporter" in out
    service = (host / SERVICE).read_text()
    assert "prometheus=" not in service and "ExecStopPost" not in service
    code, _, err = install(capsys, host, "--textfile-dir", "/srv/metrics", "--force")
    assert code == 2 and err == "auditor: /srv/metrics: no such directory (--textfile-dir)\n"


def test_unwritable_places_and_bad_paths_are_named(capsys: pytest.CaptureFixture[str],
                                                   host: Path) -> None:
    (host / "etc").write_text("a file where a directory belongs\n")
    code, out, err = install(capsys, host)
    assert code == 2 and out == ""
    assert err == f"auditor: {host / 'etc'}: not a directory, cannot write under it\n"
    code, _, err = install(capsys, host, "--state-dir", "/srv/audit")
    assert code == 2 and "must be under /var/lib/" in err
    code, _, err = install(capsys, host, "--state-dir", "/var/lib/my audit")
    assert code == 2 and "absolute path of letters" in err
    code, _, err = run(capsys, "--root", str(host / "nowhere"))
    assert code == 2 and err == f"auditor: {host / 'nowhere'}: no such directory (--root)\n"


def test_the_default_auditor_is_the_running_one(capsys: pytest.CaptureFixture[str],
                                                host: Path) -> None:
    found = schedule.default_auditor()
    if found is None:
        unavailable("auditor console script not installed next to this interpreter nor on "
                    "PATH: pip install -e '.[test]'")
    code, out, _ = run(capsys, "--root", str(host), "--dry-run")
    assert code == 0
    assert f"ExecStart={schedule.systemd_word(found)} scan host" in out


def test_cron_entry_is_a_scheduled_job_for_the_auditor(capsys: pytest.CaptureFixture[str],
                                                       host: Path) -> None:
    code, out, err = install(capsys, host, "--cron")
    assert (code, err) == (0, "")
    cron = host / CRON
    assert cron.stat().st_mode & 0o777 == 0o644
    assert cron.read_text() == schedule.shipped_files()["deploy/cron/deploy-auditor"]
    assert "next: nothing to enable" in out
    problems: dict[str, str] = {}
    tree = Tree.at(host)
    jobs = collect_jobs(tree, UnitIndex.build(tree, problems), problems)
    (job,) = [j for j in jobs.jobs if j.source == "/etc/cron.d/deploy-auditor"]
    assert job.runs and job.schedule == "43 4 * * *"
    (entry,) = scan_crontab(cron.read_text(), str(cron), system=True)
    words = shlex.split(entry.command)
    assert words[words.index("flock"):][:3] == ["flock", "-n", "/var/lib/deploy-auditor/cron.lock"]
    assert words[words.index(AUDITOR):][:4] == [AUDITOR, "scan", "host", "--quiet"]
    # The same schedule words as systemd's, in crontab terms.
    assert install(capsys, host, "--cron", "--schedule", "hourly", "--force")[0] == 0
    assert cron.read_text().splitlines()[-1].startswith("43 * * * * root ")


def test_the_timer_is_a_scheduled_job_for_the_auditor(capsys: pytest.CaptureFixture[str],
                                                      host: Path) -> None:
    assert install(capsys, host)[0] == 0
    wants = host / "etc/systemd/system/timers.target.wants"
    wants.mkdir()
    (wants / "deploy-auditor.timer").symlink_to("../deploy-auditor.timer")
    problems: dict[str, str] = {}
    tree = Tree.at(host)
    jobs = collect_jobs(tree, UnitIndex.build(tree, problems), problems)
    (job,) = [j for j in jobs.jobs if "deploy-auditor" in j.source]
    assert job.runs and job.schedule == "OnCalendar=daily"
    assert job.command.startswith(f"{AUDITOR} scan host")


# ---------------------------------------------------------------------------------------
# systemd's own verdict on the files, on this machine where systemd is not PID 1.

def _systemd_root(root: Path) -> Path:
    """Make ``root`` loadable by systemd-analyze: the machine's targets, /bin/sh."""
    units = root / "usr/lib/systemd/system"
    units.mkdir(parents=True, exist_ok=True)
    for target in Path("/usr/lib/systemd/system").glob("*.target"):
        if not (units / target.name).exists():
            shutil.copy(target, units / target.name, follow_symlinks=True)
    sh = root / "bin/sh"
    if not sh.exists():
        sh.parent.mkdir(parents=True, exist_ok=True)
        sh.write_text("#!/bin/sh\n")
        sh.chmod(0o755)
    return root


def _analyze() -> str:
    analyze = require_tool("systemd-analyze", "apt-get install systemd")
    if not Path("/usr/lib/systemd/system/timers.target").exists():
        unavailable("systemd's targets not installed (/usr/lib/systemd/system/timers.target): "
                    "apt-get install systemd (or run .ci/run)")
    return analyze


@pytest.mark.parametrize("variant", ["host", "network"])
def test_systemd_accepts_the_units_and_rates_them_ok(capsys: pytest.CaptureFixture[str],
                                                     host: Path, variant: str) -> None:
    analyze = _analyze()
    extra = ("--args", "--probe auto") if variant == "network" else ()
    assert install(capsys, host, *extra)[0] == 0
    root = _systemd_root(host)
    verified = subprocess.run(
        [analyze, "verify", "--man=no", f"--root={root}", "deploy-auditor.service",
         "deploy-auditor.timer"], capture_output=True, text=True, timeout=120, check=False)
    assert verified.returncode == 0, verified.stderr
    assert "deploy-auditor" not in verified.stderr, verified.stderr  # no warning about ours
    rated = subprocess.run(
        [analyze, "security", "--offline=true", f"--root={root}", "deploy-auditor.service"],
        capture_output=True, text=True, timeout=60, check=False)
    match = re.search(r"Overall exposure level for deploy-auditor\.service: ([\d.]+) (\w+)",
                      rated.stdout)
    assert match, rated.stdout[-500:] + rated.stderr[-500:]
    assert float(match.group(1)) <= EXPOSURE_LIMIT[variant], rated.stdout
    assert match.group(2) in ("OK", "SAFE", "PERFECT")


def test_systemd_rejects_a_broken_copy(capsys: pytest.CaptureFixture[str], host: Path) -> None:
    """The verify test above can fail: a unit whose program is missing is refused."""
    analyze = _analyze()
    assert install(capsys, host)[0] == 0
    root = _systemd_root(host)
    os.unlink(root / AUDITOR.lstrip("/"))
    verified = subprocess.run(
        [analyze, "verify", "--man=no", f"--root={root}", "deploy-auditor.service"],
        capture_output=True, text=True, timeout=120, check=False)
    assert verified.returncode != 0


def test_scheduled_audits_gate_on_coverage_by_default() -> None:
    assert schedule.scan_argv(schedule.ScheduleOptions())[-2:] == ["--min-coverage", "0.8"]
    argv = schedule.scan_argv(schedule.ScheduleOptions(
        min_coverage=0.8, extra_args=("--min-coverage", "0.5")))
    # the user's own value comes last, and the scan parser keeps the last one
    assert argv[-4:] == ["--min-coverage", "0.8", "--min-coverage", "0.5"]
    assert "--min-coverage" not in schedule.scan_argv(schedule.ScheduleOptions(
        min_coverage=None))


@pytest.mark.parametrize(("given", "shown"), [("none", None), ("0.5", "0.5"), ("1", "1")])
def test_min_coverage_option(capsys: pytest.CaptureFixture[str], host: Path, given: str,
                             shown: str | None) -> None:
    code, out, err = install(capsys, host, "--min-coverage", given, "--dry-run")
    assert code == 0, err
    if shown is None:
        assert "--min-coverage" not in out
    else:
        assert f"--min-coverage {shown}" in out


def test_min_coverage_must_be_a_fraction(capsys: pytest.CaptureFixture[str], host: Path) -> None:
    from auditor.cli import main

    code = main(["install-schedule", "--root", str(host), "--auditor", AUDITOR,
                 "--min-coverage", "80", "--dry-run"])
    assert code == 2
    assert "'80' is not a fraction between 0 and 1" in capsys.readouterr().err

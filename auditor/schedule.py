"""``auditor install-schedule``: audit this host on a schedule, unattended and least-privileged.

It writes a systemd service and timer (or, with ``--cron``, an ``/etc/cron.d`` entry),
prints every file (or a diff against the installed one) before writing it, and ends with
the commands to run next. It never runs ``systemctl`` itself: enabling a timer on a
machine is the administrator's decision. The files under ``deploy/`` in the repository
are these functions' output for the default options (a test keeps them equal).
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from auditor.text import shown

# cli.py builds this subcommand's parser on every start, `auditor --version` included, so
# what only installing needs (subprocess, difflib, tempfile) is imported when installing.

UNIT = "deploy-auditor"
DEFAULT_AUDITOR = "/opt/deploy-auditor/bin/auditor"
DEFAULT_STATE_DIR = "/var/lib/deploy-auditor"
# Where Debian's and Ubuntu's prometheus-node-exporter read *.prom files (compiled in).
DEFAULT_TEXTFILE_DIR = "/var/lib/prometheus/node-exporter"
CRON_LOG = "/var/log/deploy-auditor.log"
UNIT_DIR = "/etc/systemd/system"
CRON_FILE = "/etc/cron.d/deploy-auditor"
TIMEOUT, CRON_TIMEOUT = "15min", "15m"  # a hung audit is killed (systemd's, timeout(1)'s)
# Scan options that open connections: only with one of them does the unit get IP sockets.
NETWORK_OPTIONS = ("--probe", "--pushgateway", "--pg-dsn", "--connect-db")
# Paths that go into the unit's shell step and the cron line unquoted.
SAFE_PATH = re.compile(r"^/[A-Za-z0-9._@+/-]*$")
SAFE_WORD = re.compile(r"^[A-Za-z0-9._@+=:,/-]+$")
# Calendar shorthands with a period of a day or more: spread a fleet's runs over an hour.
LONG_PERIODS = frozenset({"daily", "weekly", "monthly", "quarterly", "semiannually", "yearly",
                          "annually"})
# cron has no random delay; 04:43 is off the hour and away from Debian's cron.hourly (:17)
# and cron.daily (06:25).
CRON_SHORTHANDS = {
    "hourly": "43 * * * *",
    "daily": "43 4 * * *",
    "weekly": "43 4 * * 1",
    "monthly": "43 4 1 * *",
    "yearly": "43 4 1 1 *",
    "annually": "43 4 1 1 *",
}
CRON_KEYWORDS = frozenset({"@reboot", "@hourly", "@daily", "@midnight", "@weekly", "@monthly",
                           "@yearly", "@annually"})
CRON_FIELD = re.compile(r"^[0-9A-Za-z*/,-]+$")


class ScheduleError(Exception):
    """Why nothing was written, in one line naming the file or option."""


DEFAULT_MIN_COVERAGE = 0.8
"""A scheduled audit that could evaluate less than this (an unreadable /etc, a host it
cannot see) fails instead of reporting a score made of what was left."""


@dataclass(frozen=True)
class ScheduleOptions:
    schedule: str = "daily"
    auditor: str = DEFAULT_AUDITOR
    state_dir: str = DEFAULT_STATE_DIR
    extra_args: tuple[str, ...] = ()
    textfile_dir: str | None = DEFAULT_TEXTFILE_DIR
    min_coverage: float | None = DEFAULT_MIN_COVERAGE

    @property
    def needs_network(self) -> bool:
        return any(word == option or word.startswith(option + "=")
                   for word in self.extra_args for option in NETWORK_OPTIONS)


# ---------------------------------------------------------------- rendering (pure)

def scan_argv(options: ScheduleOptions, cron: bool = False) -> list[str]:
    """The audit's command line. Under systemd the metrics go to the state directory (the
    service publishes them); cron runs as root and writes the textfile directory itself."""
    state = options.state_dir
    argv = [options.auditor, "scan", "host", "--quiet",
            "--log", CRON_LOG if cron else "-",
            "--history-dir", f"{state}/history",
            "--report", f"html={state}/latest.html",
            "--report", f"json={state}/latest.json"]
    if options.textfile_dir:
        folder = options.textfile_dir if cron else state
        argv += ["--report", f"prometheus={folder}/{UNIT}.prom"]
    if options.min_coverage is not None:
        # Before --args: a --min-coverage given there comes later and wins.
        argv += ["--min-coverage", f"{options.min_coverage:g}"]
    return [*argv, *options.extra_args]


def systemd_word(word: str) -> str:
    """One word of an ``ExecStart=`` line: quoted as systemd unquotes it, with ``%``
    (specifiers) and ``$`` (environment variables) kept literal."""
    if not SAFE_WORD.match(word):
        word = '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return word.replace("%", "%%").replace("$", "$$")


def wrap(words: Sequence[str], width: int = 78) -> str:
    """Words on continued lines (systemd joins a line ending in a backslash with the next):
    an option and its value stay together, a line breaks before an option."""
    groups: list[str] = []
    for word in words:
        if groups and not (word.startswith("-") and word != "-"):
            groups[-1] += " " + word
        else:
            groups.append(word)
    lines = [groups[0]]
    for group in groups[1:]:
        if len(lines[-1]) + 1 + len(group) > width:
            lines.append("    " + group)
        else:
            lines[-1] += " " + group
    return " \\\n".join(lines)


def cron_word(word: str) -> str:
    # cron turns an unescaped % into a newline before the shell sees the line.
    return shlex.quote(word).replace("%", "\\%")


def render_service(options: ScheduleOptions) -> str:
    state = options.state_dir
    exec_start = wrap([systemd_word(w) for w in scan_argv(options)])
    lines = [
        f"# {UNIT}.service: one audit of this host's Apache Superset deployment.",
        f"# Written by `auditor install-schedule`; started by {UNIT}.timer.",
        f"#   run one now:  systemctl start {UNIT}.service",
        f"#   its log line: journalctl -u {UNIT}.service",
        f"#   its reports:  {state}/latest.html, latest.json, history/",
        "# Change settings in a drop-in (systemctl edit), not here: install-schedule",
        "# refuses to overwrite a changed file without --force.",
        "#",
        "# The audit reads the whole host and writes only its state directory. So it runs as",
        "# a user allocated for the run (DynamicUser=) whose one capability,",
        "# CAP_DAC_READ_SEARCH, reads every file without being root, in a sandbox where",
        "# everything but its state directory is read-only. systemd >= 248; older versions",
        "# warn about and ignore the settings they do not know.",
        "",
        "[Unit]",
        "Description=Audit this host's Apache Superset deployment (deploy-auditor)",
        "",
        "[Service]",
        "Type=oneshot",
        f"ExecStart={exec_start}",
    ]
    if options.textfile_dir:
        lines += _publish_step(state, options.textfile_dir)
    lines += [
        f"SyslogIdentifier={UNIT}",
        "# A hung audit is killed; the next one starts on schedule.",
        f"TimeoutStartSec={TIMEOUT}",
        "# The audit must not slow Superset down or push its workers out of memory.",
        "Nice=19",
        "# best-effort 7 rather than idle: on a busy disk (BFQ) the idle class can starve",
        "# for good, and the timeout would then kill every run.",
        "IOSchedulingClass=best-effort",
        "IOSchedulingPriority=7",
        "MemoryMax=1G",
        "",
        "DynamicUser=yes",
        "# Other users' files, crontabs and TLS keys (compared, never printed) become readable;",
        "# nothing becomes writable.",
        "AmbientCapabilities=CAP_DAC_READ_SEARCH",
        "CapabilityBoundingSet=CAP_DAC_READ_SEARCH",
        "NoNewPrivileges=yes",
        f"# Writable: {state} (history, reports, the run lock); nothing else.",
        f"StateDirectory={state.removeprefix('/var/lib/')}",
        "UMask=0077",
        "ProtectSystem=strict",
        "# Read-only, not hidden: pip-style deployments live in home directories.",
        "ProtectHome=read-only",
        "PrivateTmp=yes",
        "PrivateDevices=yes",
        "PrivateIPC=yes",
        "PrivateMounts=yes",
        "ProtectKernelTunables=yes",
        "ProtectKernelModules=yes",
        "ProtectKernelLogs=yes",
        "ProtectControlGroups=yes",
        "ProtectClock=yes",
        "ProtectHostname=yes",
        "# Left out on purpose, because the audit would go blind:",
        "#   ProtectProc=invisible and ProcSubset=pid hide other users' processes (gunicorn,",
        "#   celery, postgres) and /proc/meminfo, all of which psutil reads;",
        "#   PrivateNetwork= gives the audit its own /proc/net/tcp without the host's",
        "#   listening sockets;",
        "#   PrivateUsers= shows other users' files as nobody's, out of the capability's reach.",
        "# CAP_SYS_PTRACE would let psutil name the process behind each socket and read other",
        "# users' environments, but it also opens other processes' memory for writing",
        "# (/proc/PID/mem). Without it the audit reads unit files and EnvironmentFile= and",
        "# names what it could not read as a problem; `ufw status` (root only) is replaced by",
        "# /etc/ufw the same way.",
    ]
    if options.needs_network:
        lines += [
            "# Listening sockets come from /proc/net, not netlink. IP sockets because the",
            "# arguments ask for a connection (--probe, --pushgateway, --pg-dsn, --connect-db).",
            "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
        ]
    else:
        lines += [
            "# Listening sockets come from /proc/net, not netlink, and a host audit opens no",
            "# connection: no IP at all (install-schedule allows it when --args has --probe,",
            "# --pushgateway, --pg-dsn or --connect-db). AF_UNIX: user names via NSS.",
            "RestrictAddressFamilies=AF_UNIX",
            "IPAddressDeny=any",
        ]
    lines += [
        "RestrictNamespaces=yes",
        "RestrictRealtime=yes",
        "RestrictSUIDSGID=yes",
        "LockPersonality=yes",
        "MemoryDenyWriteExecute=yes",
        "SystemCallArchitectures=native",
        "SystemCallFilter=@system-service",
        "SystemCallFilter=~@privileged @resources",
        "# A refused system call fails with EPERM instead of killing the audit.",
        "SystemCallErrorNumber=EPERM",
        "RemoveIPC=yes",
    ]
    return "\n".join(lines) + "\n"


def _publish_step(state: str, textfile_dir: str) -> list[str]:
    source = f"{state}/{UNIT}.prom"
    temporary = f"{textfile_dir}/.{UNIT}.prom.tmp"
    final = f"{textfile_dir}/{UNIT}.prom"
    return [
        "# node_exporter's textfile directory belongs to root (Debian: root:root 0755) and the",
        "# audit's user cannot write it. So the audit writes its metrics into its own directory",
        "# and this root step (\"+\": outside the sandbox) publishes them: read without following",
        "# a symlink the audit could have planted, made readable for node_exporter, renamed into",
        "# place so a scrape never sees half a file. It runs whatever the audit's exit status:",
        "# reports are written atomically, so the file holds the last complete run, and",
        "# deploy_auditor_last_run_timestamp_seconds tells its age. No directory: no step.",
        f"ExecStopPost=+/bin/sh -c 'test -d {textfile_dir} && test -f {source} || exit 0; \\",
        f"  dd if={source} iflag=nofollow of={temporary} status=none && \\",
        f"  chmod 0644 {temporary} && mv -fT {temporary} {final}'",
    ]


def timer_spread(schedule: str) -> tuple[str, str]:
    """(RandomizedDelaySec, AccuracySec) for a calendar expression."""
    return ("1h", "5min") if schedule in LONG_PERIODS else ("5min", "1min")


def render_timer(options: ScheduleOptions) -> str:
    delay, accuracy = timer_spread(options.schedule)
    return "\n".join([
        f"# {UNIT}.timer: when to audit this host (written by `auditor install-schedule`).",
        f"#   enable:    systemctl enable --now {UNIT}.timer",
        f"#   next run:  systemctl list-timers {UNIT}.timer",
        "",
        "[Unit]",
        "Description=Audit this host's Apache Superset deployment on a schedule",
        "",
        "[Timer]",
        f"OnCalendar={options.schedule}",
        "# A fleet does not audit at the same moment; a fixed delay per host keeps each",
        "# host's runs a whole period apart.",
        f"RandomizedDelaySec={delay}",
        "FixedRandomDelay=true",
        f"AccuracySec={accuracy}",
        "# A run missed while the machine was off happens soon after it boots.",
        "Persistent=true",
        "",
        "[Install]",
        "WantedBy=timers.target",
        "",
    ])


def cron_schedule(schedule: str) -> str:
    if schedule in CRON_SHORTHANDS:
        return CRON_SHORTHANDS[schedule]
    if schedule in CRON_KEYWORDS:
        return schedule
    fields = schedule.split()
    if len(fields) == 5 and all(CRON_FIELD.match(f) for f in fields):
        return " ".join(fields)
    raise ScheduleError(
        f"--schedule {schedule!r}: with --cron, give hourly, daily, weekly, monthly, yearly, "
        "an @keyword or five crontab fields")


def render_cron(options: ScheduleOptions) -> str:
    state = options.state_dir
    lock = f"{state}/cron.lock"
    command = " ".join(cron_word(w) for w in scan_argv(options, cron=True))
    wrapped = (f"mkdir -p -m 0700 {state} && flock -n {lock} "
               f"timeout -k 1m {CRON_TIMEOUT} nice -n 19 ionice -c 2 -n 7 "
               f"{command}")
    return "\n".join([
        f"# {CRON_FILE}: audit this host's Apache Superset deployment on a schedule.",
        "# Written by `auditor install-schedule --cron`. Where systemd runs, prefer its timer",
        "# (install-schedule without --cron): it runs the audit as an unprivileged, sandboxed",
        "# user, while cron runs it as root.",
        "#",
        "# flock -n: a run that finds the previous one still going is skipped, not queued",
        "# (the auditor also locks its history directory); timeout kills a hung run.",
        f"# Reports: {state}/latest.html, latest.json, history/;",
        f"# one logfmt line per run in {CRON_LOG}.",
        "#",
        "# Exit codes: 0 the audit completed; 1 a gate given in the arguments tripped;",
        "# 2 it could not run (bad option, unreadable configuration, another run holds",
        "# the lock, internal error). cron ignores exit codes and mails whatever a job",
        "# prints: a completed audit prints nothing (--quiet, the log line goes to the file),",
        "# a failed one prints one 'auditor: ...' line. So MAILTO receives failures only;",
        "# MAILTO=\"\" drops them.",
        "MAILTO=root",
        "SHELL=/bin/sh",
        "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
        "",
        f"{cron_schedule(options.schedule)} root {wrapped}",
        "",
    ])


def planned_files(options: ScheduleOptions, cron: bool = False) -> list[tuple[str, str]]:
    """(absolute path on the target system, content) of every file to install."""
    if cron:
        return [(CRON_FILE, render_cron(options))]
    return [(f"{UNIT_DIR}/{UNIT}.service", render_service(options)),
            (f"{UNIT_DIR}/{UNIT}.timer", render_timer(options))]


def shipped_files() -> dict[str, str]:
    """The examples under ``deploy/`` in the repository: the defaults, rendered."""
    options = ScheduleOptions()
    return {
        f"deploy/systemd/{UNIT}.service": render_service(options),
        f"deploy/systemd/{UNIT}.timer": render_timer(options),
        f"deploy/cron/{UNIT}": render_cron(options),
    }


# ---------------------------------------------------------------- validation

def check_schedule(schedule: str, cron: bool) -> None:
    if not schedule.strip() or any(ord(c) < 32 for c in schedule):
        raise ScheduleError(f"--schedule {schedule!r}: empty or holds control characters")
    if cron:
        cron_schedule(schedule)
        return
    import subprocess

    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        # No systemd here to ask (an image build): a light check of the characters that
        # systemd.time(7) calendar expressions use.
        if not re.match(r"^[A-Za-z0-9*/:,.~ +-]+$", schedule):
            raise ScheduleError(f"--schedule {schedule!r}: not a systemd calendar expression")
        return
    try:
        done = subprocess.run([analyze, "calendar", schedule], capture_output=True, text=True,
                              timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ScheduleError(f"--schedule {schedule!r}: systemd-analyze failed: {exc}") from exc
    if done.returncode != 0:
        why = (done.stderr.strip().splitlines() or ["rejected"])[-1]
        raise ScheduleError(f"--schedule {schedule!r}: not a systemd calendar expression "
                            f"(systemd-analyze calendar: {why}); see systemd.time(7)")


def check_extra_args(text: str | None) -> tuple[str, ...]:
    if not text:
        return ()
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise ScheduleError(f"--args {text!r}: {exc}") from exc
    if any(ord(c) < 32 for word in words for c in word):
        raise ScheduleError(f"--args {text!r}: holds control characters")
    # Parsed by the real scan parser now, so a typo fails here and not at 4 a.m.
    import contextlib
    import io

    from auditor.cli import build_parser

    captured = io.StringIO()
    try:
        with contextlib.redirect_stderr(captured):
            build_parser().parse_args(["scan", "host", *words])
    except SystemExit:
        why = (captured.getvalue().strip().splitlines() or ["rejected"])[-1]
        raise ScheduleError(f"--args {text!r}: {why.split('error: ', 1)[-1]}") from None
    return tuple(words)


def check_dir(option: str, path: str, under_var_lib: bool) -> str:
    clean = os.path.normpath(path) if path.startswith("/") else path
    if not SAFE_PATH.match(clean) or clean == "/":
        raise ScheduleError(f"{option} {path!r}: give an absolute path of letters, digits "
                            "and . _ @ + - /")
    if under_var_lib and not clean.startswith("/var/lib/"):
        raise ScheduleError(f"{option} {path!r}: must be under /var/lib/ "
                            "(systemd's StateDirectory=); with --cron any path works")
    return clean


def default_auditor() -> str | None:
    """The executable this command runs from: argv[0] when it is the console script, else
    the ``auditor`` beside the running interpreter, else the one on PATH."""
    candidates = [sys.argv[0] if not sys.argv[0].endswith(".py") else "",
                  str(Path(sys.executable).parent / "auditor"),
                  shutil.which("auditor") or ""]
    for candidate in candidates:
        if candidate and Path(candidate).name.startswith("auditor") and os.access(
                candidate, os.X_OK) and Path(candidate).is_file():
            return os.path.abspath(candidate)
    return None


def options_from_args(args: argparse.Namespace, root: Path) -> tuple[ScheduleOptions, list[str]]:
    """Validated options, and notes to print."""
    notes: list[str] = []
    auditor = args.auditor or default_auditor()
    if not auditor:
        raise ScheduleError("cannot tell where the auditor executable is; pass --auditor PATH")
    if not auditor.startswith("/") or any(ord(c) < 32 for c in auditor):
        raise ScheduleError(f"--auditor {auditor!r}: give an absolute path")
    installed = _under(root, auditor)
    if not (installed.is_file() and os.access(installed, os.X_OK)):
        if root == Path("/"):
            raise ScheduleError(f"{auditor}: not an executable file")
        notes.append(f"note: {installed} does not exist (yet); the audit will run {auditor}")
    state = check_dir("--state-dir", args.state_dir, under_var_lib=not args.cron)
    textfile: str | None = None
    if not args.no_textfile:
        textfile = check_dir("--textfile-dir", args.textfile_dir or DEFAULT_TEXTFILE_DIR,
                             under_var_lib=False)
        if not _under(root, textfile).is_dir():
            if args.textfile_dir:
                raise ScheduleError(f"{textfile}: no such directory (--textfile-dir)")
            notes.append(f"note: no {textfile} (node_exporter's textfile collector): no "
                         "Prometheus metrics; --textfile-dir DIR names another directory")
            textfile = None
    check_schedule(args.schedule, args.cron)
    options = ScheduleOptions(schedule=args.schedule, auditor=auditor, state_dir=state,
                              extra_args=check_extra_args(args.args), textfile_dir=textfile,
                              min_coverage=args.min_coverage)
    return options, notes


def _under(root: Path, path: str) -> Path:
    return root / path.lstrip("/")


# ---------------------------------------------------------------- installing

@dataclass(frozen=True)
class Planned:
    path: Path
    text: str
    current: str | None

    @property
    def unchanged(self) -> bool:
        return self.current == self.text


def plan(options: ScheduleOptions, root: Path, cron: bool) -> list[Planned]:
    found = []
    for inner, text in planned_files(options, cron):
        path = _under(root, inner)
        try:
            current: str | None = path.read_text(encoding="utf-8")
        except (FileNotFoundError, NotADirectoryError):
            current = None  # a broken path is named when writing
        except (OSError, UnicodeDecodeError) as exc:
            raise ScheduleError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}"
                                ) from exc
        found.append(Planned(path, text, current))
    return found


def _writable(directory: Path) -> None:
    """Refuse before printing anything when a file could not be written."""
    probe = directory
    while not probe.exists():
        if probe.is_symlink():
            raise ScheduleError(f"{probe}: a dangling symlink")
        probe = probe.parent
    if not probe.is_dir():
        raise ScheduleError(f"{probe}: not a directory, cannot write under it")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise ScheduleError(f"{probe}: directory is not writable")


def show(planned: Planned) -> None:
    import difflib

    stream = sys.stdout
    if planned.unchanged:
        print(f"==> {planned.path} (unchanged)", file=stream)
    elif planned.current is None:
        print(f"==> {planned.path} (new, mode 0644)", file=stream)
        stream.write(planned.text)
    else:
        print(f"==> {planned.path} (replaced, mode 0644)", file=stream)
        stream.writelines(difflib.unified_diff(
            planned.current.splitlines(keepends=True), planned.text.splitlines(keepends=True),
            f"{planned.path} (installed)", f"{planned.path} (new)"))


def install(options: ScheduleOptions, root: Path, cron: bool, force: bool, dry_run: bool
            ) -> list[Planned]:
    from auditor.atomic import stage, staging

    planned = plan(options, root, cron)
    changed = [p for p in planned if not p.unchanged]
    differing = [p for p in changed if p.current is not None]
    if dry_run:
        for item in planned:
            show(item)
        for item in differing if not force else []:
            print(f"note: without --force a real run refuses to replace {item.path}")
        return planned
    if differing and not force:
        raise ScheduleError(f"{differing[0].path}: exists with other content; --dry-run shows "
                            "the difference, --force replaces it")
    for item in changed:
        _writable(item.path.parent)
    for item in planned:
        show(item)
    if not changed:
        return planned
    with staging() as staged:
        for item in changed:
            try:
                item.path.parent.mkdir(parents=True, exist_ok=True)
                staged.append(stage(item.path, _writer(item.text)))
            except OSError as exc:
                raise ScheduleError(f"{item.path}: cannot write: {exc.strerror or exc}"
                                    ) from exc
    return planned


def _writer(text: str) -> Callable[[TextIO], object]:
    return lambda handle: handle.write(text)


def next_steps(root: Path, cron: bool, options: ScheduleOptions) -> list[str]:
    if cron:
        return [
            "next: nothing to enable; cron reads /etc/cron.d by itself.",
            "      one audit now: " + " ".join(cron_word(w) for w in scan_argv(options, True)),
        ]
    if root != Path("/"):
        # An image or a mounted system: enabling works offline, the timer starts at boot.
        return [f"next: systemctl --root={root} enable {UNIT}.timer"]
    return [
        f"next: systemctl daemon-reload && systemctl enable --now {UNIT}.timer",
        f"      one audit now: systemctl start {UNIT}.service && "
        f"journalctl -u {UNIT}.service -n 5",
    ]


# ---------------------------------------------------------------- command line

def _fraction_or_none(text: str) -> float | None:
    """``--min-coverage`` of the schedule: scan's own fraction, or ``none`` for no gate."""
    from auditor.cli import _fraction

    return None if text.strip().lower() == "none" else _fraction(text)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "install-schedule",
        help="install a systemd timer (or cron entry) that audits this host on a schedule",
        description="Write deploy-auditor.service and deploy-auditor.timer (or "
                    "/etc/cron.d/deploy-auditor with --cron), printing each file or its diff "
                    "first. Never runs systemctl: it prints the commands to run next.")
    parser.add_argument("--root", default="/", metavar="DIR",
                        help="install into DIR laid out like / (image builds, tests)")
    parser.add_argument("--schedule", default="daily", metavar="ONCALENDAR",
                        help="systemd OnCalendar= expression (default: daily); with --cron "
                             "also five crontab fields or an @keyword")
    parser.add_argument("--auditor", metavar="PATH",
                        help="the auditor executable the schedule runs (default: this one)")
    parser.add_argument("--state-dir", default=DEFAULT_STATE_DIR, metavar="DIR",
                        help=f"history and latest reports (default: {DEFAULT_STATE_DIR})")
    parser.add_argument("--textfile-dir", metavar="DIR",
                        help="node_exporter textfile directory for the metrics "
                             f"(default: {DEFAULT_TEXTFILE_DIR}, when it exists)")
    parser.add_argument("--no-textfile", action="store_true", help="no Prometheus metrics")
    parser.add_argument("--args", metavar='"ARGS"',
                        help='more "auditor scan" options as one shell-quoted string; a single '
                             'option needs the = form: --args=--connect-db')
    parser.add_argument("--min-coverage", type=_fraction_or_none,
                        default=DEFAULT_MIN_COVERAGE, metavar="FRACTION",
                        help="the scheduled audit fails (exit 1) when it evaluated less than "
                             f"FRACTION of the applicable checks (default: "
                             f"{DEFAULT_MIN_COVERAGE:g}; 'none': no coverage gate)")
    parser.add_argument("--cron", action="store_true",
                        help=f"write {CRON_FILE} instead of systemd units")
    parser.add_argument("--dry-run", action="store_true",
                        help="print what would be written; write nothing")
    parser.add_argument("--force", action="store_true",
                        help="replace installed files that differ")


def cmd_install_schedule(args: argparse.Namespace) -> int:
    try:
        root = Path(args.root).absolute()
        if not root.is_dir():
            raise ScheduleError(f"{args.root}: no such directory (--root)")
        options, notes = options_from_args(args, root)
        for note in notes:
            print(note)
        planned = install(options, root, args.cron, args.force, args.dry_run)
    except ScheduleError as exc:
        print(shown(f"auditor: {exc}"), file=sys.stderr)
        return 2
    if args.dry_run:
        print("dry run: nothing written")
    elif all(p.unchanged for p in planned):
        print("nothing to do: already installed")
    for line in next_steps(root, args.cron, options):
        print(line)
    return 0


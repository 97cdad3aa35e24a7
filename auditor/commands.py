"""The subcommands behind :mod:`auditor.cli`: each turns parsed arguments into an exit code."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from auditor.api import Session, audit_targets, open_session, resolve_config, with_custom_checks
from auditor.atomic import stage, staging, sweep
from auditor.config import Config, load_config
from auditor.gates import (
    GateOptions,
    load_baseline,
    nothing_evaluated,
    tripped,
)
from auditor.model import Report, Severity, Target, TargetKind
from auditor.outpaths import reserved
from auditor.reports.base import Renderer, RenderOptions
from auditor.scoring import Thresholds, formula
from auditor.targets import parse_targets
from auditor.text import shown

# History, comparison, locking, run logs and schedules are imported where an option asks
# for them: a plain scan should not pay for what it does not use (issue 16, item 5).
if TYPE_CHECKING:
    from auditor.compare import Snapshot
    from auditor.history import HistoryRun

EXIT_OK, EXIT_GATE, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    pass


def dispatch(args: argparse.Namespace) -> int:
    handler: Callable[[argparse.Namespace], int] = HANDLERS[args.command]
    try:
        return handler(args)
    except UsageError as exc:
        print(shown(f"auditor: {exc}"), file=sys.stderr)
        return EXIT_ERROR


def _outputs(args: argparse.Namespace, session: Session) -> list[tuple[Renderer, str]]:
    wanted: list[tuple[str, str]] = []
    if not args.quiet or args.output != "-" or args.format != "terminal":
        wanted.append((args.format, args.output))
    for spec in args.report:
        fmt, sep, path = spec.partition("=")
        if not sep or not fmt or not path:
            raise UsageError(f"--report {spec!r}: expected FMT=PATH")
        wanted.append((fmt, path))
    # The renderers only: no style's checks are imported before detection has chosen.
    renderers = session.registry_for(()).renderers
    chosen = []
    for fmt, path in wanted:
        renderer = renderers.get(fmt)
        if renderer is None:
            raise UsageError(f"unknown format {fmt!r} (choose from {', '.join(sorted(renderers))})")
        chosen.append((renderer, path))
    to_stdout = [path for _, path in chosen if path == "-"]
    if len(to_stdout) > 1:
        raise UsageError("only one output can go to standard output ('-')")
    return chosen


def cmd_scan(args: argparse.Namespace) -> int:
    session = open_session()
    outputs = _outputs(args, session)
    _check_history_options(args)
    # Before the audit: a path that cannot take a report fails now, not after minutes.
    with reserved([path for _, path in outputs]):
        return _scan(args, session, outputs)


def _scan(args: argparse.Namespace, session: Session,
          outputs: list[tuple[Renderer, str]]) -> int:
    history_dir: Path | None = None
    past: list[HistoryRun] = []
    if args.history_dir:
        from auditor.history import ensure_directory
        from auditor.history import load as load_history

        history_dir = ensure_directory(args.history_dir)
        past, unreadable = load_history(history_dir)
        for problem in unreadable:
            print(shown(f"auditor: warning: {problem}"), file=sys.stderr)
    stdin_text = sys.stdin.read() if "-" in args.targets else None
    targets = parse_targets(args.targets, root=args.root, stdin_text=stdin_text)
    config = resolve_config(args.config, targets)
    # Its custom checks join the catalog the renderers read (SARIF rules, HTML rationale).
    session = with_custom_checks(session, config)
    baseline = _baseline(args, past)
    live = _progress(args)
    extra = {
        "context": args.context,
        "namespace": args.namespace,
        "kubeconfig": args.kubeconfig,
        "read_secrets": args.read_secrets,
        "secrets_namespaces": tuple(args.secrets_namespace),
        "timeout": args.timeout,
        "max_response_mib": args.max_response_mib,
        "pg_dsn": args.pg_dsn,
        "probe": args.probe,
        "connect_db": args.connect_db,
        "values": tuple(args.values),
        "set": tuple(args.set),
    }
    try:
        report = audit_targets(
            targets, config=config, style=args.style, app=args.app, extra=extra,
            session=session, progress=live, debug=args.debug,
            annotation_waivers=not args.no_annotation_waivers,
        )
    finally:
        if live is not None:
            live.close()
    comparison = None
    if baseline:
        from auditor.compare import compare, snapshot_from_report

        comparison = compare(baseline, snapshot_from_report(report))
    history: tuple[HistoryRun, ...] = ()
    if history_dir:
        from auditor.history import run_from_report

        history = (*past, run_from_report(report))
    base = RenderOptions(verbose=args.verbose, debug=args.debug,
                         catalog=dict(session.registry_for(t.style for t in report.targets)
                                      .checks), comparison=comparison,
                         history=history, thresholds=config.thresholds)
    extra_files = [_history_entry(history_dir, report, base)] if history_dir else []
    _write_outputs(report, outputs, base, extra_files)
    if history_dir:
        from auditor.history import DEFAULT_KEEP, prune

        keep = DEFAULT_KEEP if args.history_keep is None else args.history_keep
        prune(history_dir, keep, args.history_max_age,
              protect=[Path(path) for path, _ in extra_files])
    tolerance = config.max_score_drop if args.score_tolerance is None else args.score_tolerance
    gates = tripped(
        report,
        GateOptions(
            # An option given wins over the configuration's [gates] default.
            fail_under=config.gates.fail_under if args.fail_under is None else args.fail_under,
            fail_on=Severity(args.fail_on) if args.fail_on else config.gates.fail_on,
            comparison=comparison,
            regression_floor=Severity(args.fail_on_regression or "info"),
            max_score_drop=tolerance,
            min_coverage=(config.gates.min_coverage if args.min_coverage is None
                          else args.min_coverage),
        ),
    )
    reasons = [reason for _, reason in gates]
    # Only now, with every report written: a run that judged nothing still leaves its
    # reports (they say what could not be had), and then exits 2 with one line, never 0,
    # and never 1 (no gate can pass or trip on no verdict).
    empty = nothing_evaluated(report)
    if empty is not None:
        print(shown(f"auditor: {empty}"), file=sys.stderr)
        code = EXIT_ERROR
    else:
        for reason in reasons:
            print(shown(f"auditor: gate: {reason}"), file=sys.stderr)
        code = EXIT_GATE if reasons else EXIT_OK
    if not _push(args, report, base):
        code = EXIT_ERROR
    if not _apply_policyreports(args, report, targets, extra):
        code = EXIT_ERROR
    if args.log:
        from auditor.runlog import run_fields, write_line

        written = [(renderer.name, path) for renderer, path in outputs]
        written += [("history", path) for path, _ in extra_files]
        write_line(args.log, run_fields(report, gates, written, code))
    return code


def cmd_scan_logged(args: argparse.Namespace) -> int:
    """``cmd_scan``, and with ``--log`` a line for the runs that fail before they finish."""
    try:
        with contextlib.ExitStack() as stack:
            _take_lock(args, stack)
            return cmd_scan(args)
    except Exception as exc:
        if args.log:
            from auditor.errors import one_line
            from auditor.runlog import error_fields, write_line

            write_line(args.log, error_fields(one_line(exc)))
        raise


def _take_lock(args: argparse.Namespace, stack: contextlib.ExitStack) -> None:
    """One run at a time per --lock file, or per --history-dir: a scheduled run that finds
    the previous one still going stops before it writes anything."""
    if args.lock:
        path = Path(args.lock)
    elif args.history_dir:
        from auditor.history import ensure_directory

        path = ensure_directory(args.history_dir) / ".auditor.lock"
    else:
        return
    from auditor.runlock import LockError, run_lock

    try:
        stack.enter_context(run_lock(path))
    except LockError as exc:
        raise UsageError(str(exc)) from exc


def _check_history_options(args: argparse.Namespace) -> None:
    if not args.history_dir and (args.history_keep is not None
                                 or args.history_max_age is not None):
        raise UsageError("--history-keep and --history-max-age need --history-dir")
    if args.history_keep is not None and args.history_keep < 1:
        raise UsageError("--history-keep must be at least 1 (this run is always kept)")
    if args.history_max_age is not None and args.history_max_age <= 0:
        raise UsageError("--history-max-age must be a positive number of days")
    if args.fail_on_regression and not (args.baseline or args.history_dir):
        raise UsageError("--fail-on-regression needs --baseline REPORT.json or --history-dir")
    if args.score_tolerance is not None and args.score_tolerance < 0:
        raise UsageError("--score-tolerance must not be negative")


def _baseline(args: argparse.Namespace, past: list[HistoryRun]) -> Snapshot | None:
    """--baseline, else (with --fail-on-regression) the latest run kept in --history-dir:
    a scheduled audit then gates on "did it just get worse?" with no file to manage."""
    if args.baseline:
        return load_baseline(args.baseline)
    if args.fail_on_regression and past:
        return load_baseline(past[-1].path)
    return None


def _history_entry(directory: Path, report: Report, options: RenderOptions
                   ) -> tuple[str, Callable[[TextIO], object]]:
    """The history file: the JSON report, streamed into it like ``--format json`` (the
    whole text of a large report was held in memory for the name's digest)."""
    from auditor.history import entry_name, report_digest
    from auditor.reports.json_report import write_json

    name = entry_name(report_digest(report))
    return str(directory / name), lambda handle: write_json(report, options, handle)


def _push(args: argparse.Namespace, report: Report, options: RenderOptions) -> bool:
    if not args.pushgateway:
        return True
    from auditor.pushgateway import PushError, push_report

    try:
        push_report(report, args.pushgateway, options)
    except PushError as exc:
        print(shown(f"auditor: pushgateway: {exc}"), file=sys.stderr)
        return False
    return True


def _apply_policyreports(args: argparse.Namespace, report: Report,
                         targets: list[Target], extra: dict[str, object]) -> bool:
    """With --apply-policyreports, each live cluster's PolicyReports written into it."""
    if not args.apply_policyreports:
        return True
    from auditor.policyapply import apply

    kube = [t for t in targets if t.kind is TargetKind.KUBE]
    if not kube:
        print("auditor: policyreports: --apply-policyreports needs a live cluster target "
              "(kube or kube:CONTEXT); nothing written", file=sys.stderr)
        return False
    problems = [problem for target in kube for problem in apply(report, target, extra)]
    for problem in problems:
        print(shown(f"auditor: policyreports: {problem}"), file=sys.stderr)
    return not problems


def _progress(args: argparse.Namespace) -> _Live | None:
    if args.quiet or not sys.stderr.isatty():
        return None
    return _Live()


class _Live:
    """A spinner on stderr while facts are collected; only for people at a terminal."""

    def __init__(self) -> None:
        from rich.console import Console

        self._console = Console(stderr=True)
        self._status = self._console.status("starting")
        self._status.start()

    def collecting(self, target: object, style: object) -> None:
        label = getattr(target, "label", target)
        self._status.update(f"collecting facts: {label} [{getattr(style, 'value', style)}]")

    def finding(self, finding: object) -> None:
        pass

    def close(self) -> None:
        self._status.stop()


def _write_outputs(report: Report, outputs: list[tuple[Renderer, str]], base: RenderOptions,
                   extra: Sequence[tuple[str, Callable[[TextIO], object]]] = ()) -> None:
    # Every file is written in full under a temporary name first, and only then are they
    # all renamed: a failing renderer leaves no half-written set of reports.
    to_stdout: str | None = None
    files = [path for _, path in outputs if path != "-"] + [path for path, _ in extra]
    for line in sweep(files):
        print(shown(f"auditor: note: {line}"), file=sys.stderr)
    with staging() as staged:
        for renderer, path in outputs:
            to_tty = path == "-" and sys.stdout.isatty()
            width = _terminal_width() if to_tty else 80
            options = replace(base, width=width, color=to_tty)
            if path == "-":
                to_stdout = renderer.render(report, options)
            else:
                staged.append(stage(path, _writer(renderer, report, options)))
        staged.extend(stage(path, write) for path, write in extra)
    if to_stdout is not None:
        sys.stdout.write(to_stdout)
        sys.stdout.flush()


def _writer(renderer: Renderer, report: Report, options: RenderOptions
            ) -> Callable[[TextIO], object]:
    """Stream when the renderer can (large JSON reports), else write its text."""
    if renderer.write is not None:
        stream = renderer.write
        return lambda handle: stream(report, options, handle)
    return lambda handle: handle.write(renderer.render(report, options))


def _terminal_width() -> int:
    import shutil

    return max(60, shutil.get_terminal_size((80, 24)).columns)


def cmd_checks(args: argparse.Namespace) -> int:
    session = with_custom_checks(open_session(), load_config_arg(args.config))
    selected = session.registry.select(style=args.style, row=args.row)
    if args.format == "json":
        print(json.dumps([c.as_dict() for c in selected], indent=2))
        return EXIT_OK
    from auditor.reports.catalog import render_catalog

    sys.stdout.write(render_catalog(selected, _terminal_width() if sys.stdout.isatty() else 80))
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    if args.scoring:
        config = load_config_arg(args.config)
        print(formula(config.thresholds))
        return EXIT_OK
    if not args.check_id:
        raise UsageError("explain needs a CHECK_ID or --scoring")
    session = with_custom_checks(open_session(), load_config_arg(args.config))
    check = session.registry.checks.get(args.check_id.upper())
    if check is None:
        import difflib

        close = difflib.get_close_matches(args.check_id.upper(), list(session.registry.checks),
                                          n=3, cutoff=0.6)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise UsageError(f"no check {args.check_id!r}; {hint}'auditor checks' lists all "
                         f"{len(session.registry.checks)}")
    from auditor.reports.catalog import render_explain

    sys.stdout.write(render_explain(check))
    return EXIT_OK


def load_config_arg(path: str | None) -> Config:
    if not path:
        return Config(thresholds=Thresholds())
    from pathlib import Path

    return load_config(Path(path))


def cmd_diff(args: argparse.Namespace) -> int:
    from auditor.compare import compare, load_snapshot, render_text, snapshot_from_report
    from auditor.reportload import load_report

    old = load_snapshot(args.old, "old report")
    new_report = load_report(args.new, "new report")
    comparison = compare(old, snapshot_from_report(new_report, args.new))
    if args.format in ("terminal", "json"):
        text = (json.dumps(comparison.as_dict(), indent=2) + "\n" if args.format == "json"
                else render_text(comparison))
        _emit(args.output, text)
        return EXIT_OK
    session = open_session()
    renderer = session.registry.renderers.get(args.format)
    if renderer is None:
        raise UsageError(f"unknown format {args.format!r} "
                         f"(choose from {', '.join(sorted(session.registry.renderers))})")
    options = RenderOptions(catalog=dict(session.registry.checks), comparison=comparison)
    _emit(args.output, renderer.render(new_report, options))
    return EXIT_OK


def _emit(path: str, text: str) -> None:
    if path == "-":
        sys.stdout.write(text)
        return
    with reserved([path]):
        for line in sweep([path]):
            print(shown(f"auditor: note: {line}"), file=sys.stderr)
        stage(path, lambda handle: handle.write(text)).commit()


def cmd_history(args: argparse.Namespace) -> int:
    from auditor.history import load as load_history
    from auditor.history import render_table, select

    if not Path(args.directory).is_dir():
        raise UsageError(f"{args.directory}: no such history directory")
    runs, problems = load_history(args.directory)
    for problem in problems:
        print(shown(f"auditor: {problem}"), file=sys.stderr)
    runs = select(runs, target=args.target, last=args.last)
    if args.format == "json":
        print(json.dumps([run.as_dict() for run in runs], indent=2))
    else:
        sys.stdout.write(render_table(runs))
    return EXIT_OK


def cmd_install_schedule(args: argparse.Namespace) -> int:
    """:func:`auditor.schedule.cmd_install_schedule`, imported only for this command."""
    from auditor.schedule import cmd_install_schedule as install

    return install(args)


def cmd_plugins(args: argparse.Namespace) -> int:
    session = open_session()
    # Every style's checks are registered here: registering is where a plugin's hooks fail.
    _ = session.registry
    host = session.host
    for name, plugin in sorted(host.pm.list_name_plugin(), key=lambda p: str(p[0])):
        if plugin is None:
            continue
        source = host.sources.get(str(name), "")
        print(f"{name}  ({source})")
        print(f"    hooks: {', '.join(host.hooks_of(plugin)) or '-'}")
    if host.errors:
        print("errors:")
        for error in host.errors:
            print(f"    {error}")
    return EXIT_OK


HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "scan": cmd_scan_logged,
    "checks": cmd_checks,
    "explain": cmd_explain,
    "diff": cmd_diff,
    "history": cmd_history,
    "install-schedule": cmd_install_schedule,
    "plugins": cmd_plugins,
}

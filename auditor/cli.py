"""Command line: parse -> audit -> render -> exit code, nothing else.

Exit codes (contract): 0 audit completed and no gate tripped; 1 a gate
tripped; 2 usage error, nothing auditable, nothing evaluated, or internal error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from auditor import __version__

EXIT_OK = 0
EXIT_GATE = 1
EXIT_ERROR = 2

SEVERITIES = ("critical", "high", "medium", "low", "info")
STYLES = ("pip", "systemd", "compose", "kubernetes")


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a fraction between 0 and 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="auditor",
        description="Audit a deployment's production readiness and gate CI on regressions.",
    )
    parser.add_argument("--version", action="version", version=f"auditor {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    scan = sub.add_parser("scan", help="audit targets and report")
    scan.add_argument("targets", nargs="*", metavar="TARGET",
                      help="path, '-' (stdin), 'host' (default) or 'kube[:CONTEXT]'")
    scan.add_argument("--style", choices=STYLES, help="audit as this style, skip detection")
    scan.add_argument("--app", help="the app deployed (default: detected)")
    scan.add_argument("--root", metavar="DIR", help="audit DIR as a host tree laid out like /")
    scan.add_argument("--context", help="kubeconfig context for live clusters")
    scan.add_argument("--namespace", help="restrict a live cluster audit to one namespace; "
                      "objects in files and charts that name none are placed in it, as "
                      "kubectl apply -n and helm template --namespace do (default: default)")
    scan.add_argument("--kubeconfig", metavar="PATH", help="kubeconfig file")
    scan.add_argument("--probe", metavar="URL",
                      help="probe the running app at URL (/health, TLS, security headers); "
                           "'auto' probes the URL the deployment names")
    scan.add_argument("--pg-dsn", metavar="DSN",
                      help="read live PostgreSQL settings over a read-only connection")
    scan.add_argument("--connect-db", action="store_true",
                      help="allow connecting to the database DSN found in superset_config.py")
    scan.add_argument("--timeout", type=float, metavar="SECONDS",
                      help="per-request timeout for live clusters (default 30)")
    scan.add_argument("--read-secrets", action="store_true",
                      help="allow reading Secrets from a live cluster (values never printed)")
    scan.add_argument("--secrets-namespace", action="append", default=[], metavar="NS",
                      help="with --read-secrets: list Secrets only in NS (repeatable), so a "
                           "Role in each is enough")
    scan.add_argument("-f", "--values", action="append", default=[], metavar="FILE",
                      help="Helm values file for a chart target (repeatable)")
    scan.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                      help="Helm --set for a chart target (repeatable)")
    scan.add_argument("--no-annotation-waivers", action="store_true",
                      help="ignore auditor.io/waive.<CHECK-ID> annotations on audited objects")
    scan.add_argument("--format", default="terminal", metavar="FMT",
                      help="format of --output (default: terminal)")
    scan.add_argument("--output", default="-", metavar="PATH", help="where --format goes")
    scan.add_argument("--report", action="append", default=[], metavar="FMT=PATH",
                      help="also write FMT to PATH (repeatable; PATH '-' is stdout)")
    scan.add_argument("--config", metavar="FILE", help="auditor.toml or pyproject.toml")
    scan.add_argument("--fail-under", type=float, metavar="SCORE",
                      help="exit 1 when the overall score is under SCORE")
    scan.add_argument("--fail-on", choices=SEVERITIES, metavar="SEVERITY",
                      help="exit 1 on a failing finding at or above SEVERITY")
    scan.add_argument("--min-coverage", type=_fraction, metavar="FRACTION",
                      help="exit 1 when less than FRACTION (0-1) of the applicable checks' "
                           "weight was evaluated (skipped checks do not count)")
    scan.add_argument("--baseline", metavar="REPORT.json",
                      help="compare with REPORT.json by fingerprint; exit 1 on findings failing "
                           "now that did not fail there, or a score drop beyond the tolerance")
    scan.add_argument("--fail-on-regression", nargs="?", const="info", choices=SEVERITIES,
                      metavar="SEVERITY",
                      help="exit 1 on new failing findings at or above SEVERITY (default: any) "
                           "or a score drop beyond the tolerance, against --baseline or else "
                           "the latest run in --history-dir")
    scan.add_argument("--score-tolerance", type=float, metavar="POINTS",
                      help="score drop tolerated by regression gates "
                           "(default: thresholds.max_score_drop, else 0)")
    scan.add_argument("--history-dir", metavar="DIR",
                      help="keep this run's JSON report in DIR; feeds HTML trends and "
                           "'auditor history'")
    scan.add_argument("--history-keep", type=int, metavar="N",
                      help="with --history-dir: keep the newest N runs (default 100)")
    scan.add_argument("--history-max-age", type=float, metavar="DAYS",
                      help="with --history-dir: remove runs older than DAYS")
    scan.add_argument("--pushgateway", metavar="URL",
                      help="push the Prometheus metrics of this run to a Pushgateway at URL")
    scan.add_argument("-q", "--quiet", action="store_true", help="no progress, no terminal report")
    scan.add_argument("--lock", metavar="PATH",
                      help="hold PATH locked for the run; a run that finds it held exits 2 "
                           "before writing anything (default with --history-dir: "
                           "DIR/.auditor.lock)")
    scan.add_argument("--log", metavar="PATH",
                      help="append one logfmt line per run to PATH ('-': standard error), "
                           "for schedulers")
    scan.add_argument("-v", "--verbose", action="store_true", help="one line per check and subject")
    scan.add_argument("--debug", action="store_true", help="tracebacks for errors")

    checks = sub.add_parser("checks", help="list the check catalog")
    checks.add_argument("--style", choices=(*STYLES, "any"))
    checks.add_argument("--row")
    checks.add_argument("--format", choices=("terminal", "json"), default="terminal")

    explain = sub.add_parser("explain", help="explain a check or the scoring formula")
    explain.add_argument("check_id", nargs="?", metavar="CHECK_ID")
    explain.add_argument("--scoring", action="store_true", help="print the scoring formula")
    explain.add_argument("--config", metavar="FILE", help="thresholds from this configuration")

    diff = sub.add_parser("diff", help="compare two JSON reports by fingerprint")
    diff.add_argument("old", metavar="OLD.json")
    diff.add_argument("new", metavar="NEW.json")
    diff.add_argument("--format", default="terminal", metavar="FMT",
                      help="terminal and json print the comparison; any other format "
                           "renders NEW.json with the comparison (markdown, html, ...)")
    diff.add_argument("--output", default="-", metavar="PATH", help="where it goes")

    history = sub.add_parser("history", help="score over time per target from --history-dir")
    history.add_argument("directory", metavar="DIR")
    history.add_argument("--target", metavar="TEXT", help="only targets whose name holds TEXT")
    history.add_argument("--last", type=int, metavar="N", help="only the newest N runs")
    history.add_argument("--format", choices=("terminal", "json"), default="terminal")

    sub.add_parser("plugins", help="list plugins, their hooks and load errors")

    from auditor.schedule import add_parser as add_schedule_parser

    add_schedule_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        # argparse exits 2 on usage errors and 0 for --help/--version.
        return int(exit_.code or 0)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    debug = bool(getattr(args, "debug", False))
    try:
        from auditor import commands

        return commands.dispatch(args)
    except KeyboardInterrupt:
        print("auditor: interrupted", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:
        from auditor.errors import one_line

        if debug:
            import traceback

            traceback.print_exc()
        print(f"auditor: {one_line(exc)}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    raise SystemExit(main())

"""Command line: parse -> audit -> render -> exit code, nothing else.

Exit codes (contract): 0 audit completed and no gate tripped; 1 a gate
tripped; 2 usage error, nothing auditable, nothing evaluated, or internal error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from auditor import __version__
from auditor.model import Row

EXIT_OK = 0
EXIT_GATE = 1
EXIT_ERROR = 2

SEVERITIES = ("critical", "high", "medium", "low", "info")
STYLES = ("pip", "systemd", "compose", "kubernetes")
ROWS = tuple(row.value for row in Row)
FORMATS = ("terminal, json, html, markdown, junit, sarif, prometheus, codequality, "
           "policyreport")
"""The built-in renderers (tests/test_cli.py holds this to the registry)."""


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a fraction between 0 and 1")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return value


def _add_scan(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    scan = sub.add_parser(
        "scan", help="audit targets and report",
        description="Detect each target's deployment style, run one check per comparison "
                    "row, score production readiness and write the reports.",
        epilog=f"formats: {FORMATS} (plugins may add more: auditor plugins). Exit codes: 0 "
               "audited, no gate tripped; 1 a gate tripped; 2 usage error or nothing "
               "evaluated.")
    targets = scan.add_argument_group("what to audit")
    targets.add_argument("targets", nargs="*", metavar="TARGET",
                         help="a path (directory or file: manifests, chart, Compose project, "
                              "host tree, project), '-' (manifests on stdin), 'host' (this "
                              "machine; the default) or 'kube[:CONTEXT]' (a live cluster)")
    targets.add_argument("--style", choices=STYLES, help="audit as this style, skip detection")
    targets.add_argument("--app", help="the app deployed (default: detected)")
    targets.add_argument("--root", metavar="DIR", help="audit DIR as a host tree laid out like /")
    kubernetes = scan.add_argument_group("Kubernetes (live clusters and charts)")
    kubernetes.add_argument("--context", help="kubeconfig context for live clusters")
    kubernetes.add_argument("--namespace", help="restrict a live cluster audit to one namespace; "
                            "objects in files and charts that name none are placed in it, as "
                            "kubectl apply -n and helm template --namespace do (default: default)")
    kubernetes.add_argument("--kubeconfig", metavar="PATH", help="kubeconfig file")
    kubernetes.add_argument("--timeout", type=float, metavar="SECONDS",
                            help="deadline of each request to a live cluster: connect, "
                                 "headers and whole body (default 30)")
    kubernetes.add_argument("--max-response-mib", type=_positive_int, metavar="MIB",
                            help="largest response read from a live cluster, in MiB; a "
                                 "larger one is a problem (default 256: a page of 500 "
                                 "objects of 512 KiB each)")
    kubernetes.add_argument("--read-secrets", action="store_true",
                            help="allow reading Secrets from a live cluster (values never printed)")
    kubernetes.add_argument("--secrets-namespace", action="append", default=[], metavar="NS",
                            help="with --read-secrets: list Secrets only in NS (repeatable), so a "
                                 "Role in each is enough")
    kubernetes.add_argument("-f", "--values", action="append", default=[], metavar="FILE",
                            help="Helm values file for a chart target (repeatable)")
    kubernetes.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                            help="Helm --set for a chart target (repeatable)")
    kubernetes.add_argument("--no-annotation-waivers", action="store_true",
                            help="ignore auditor.io/waive.<CHECK-ID> annotations on audited "
                                 "objects")
    host = scan.add_argument_group("hosts and the running app (live facts; read-only)")
    host.add_argument("--probe", metavar="URL",
                      help="probe the running app at URL (/health, TLS, security headers); "
                           "'auto' probes the URL the deployment names")
    host.add_argument("--pg-dsn", metavar="DSN",
                      help="read live PostgreSQL settings over a read-only connection")
    host.add_argument("--connect-db", action="store_true",
                      help="allow connecting to the database DSN found in superset_config.py")
    outputs = scan.add_argument_group("reports")
    outputs.add_argument("--format", default="terminal", metavar="FMT",
                         help=f"format of --output (default: terminal): {FORMATS}")
    outputs.add_argument("--output", default="-", metavar="PATH", help="where --format goes")
    outputs.add_argument("--report", action="append", default=[], metavar="FMT=PATH",
                         help="also write FMT to PATH (repeatable; PATH '-' is stdout)")
    outputs.add_argument("--config", metavar="FILE", help="auditor.toml or pyproject.toml")
    outputs.add_argument("-q", "--quiet", action="store_true",
                         help="no progress, no terminal report")
    outputs.add_argument("-v", "--verbose", action="store_true",
                         help="one line per check and subject")
    outputs.add_argument("--debug", action="store_true", help="tracebacks for errors")
    gates = scan.add_argument_group("gates (exit 1 when one trips)")
    gates.add_argument("--fail-under", type=float, metavar="SCORE",
                       help="exit 1 when the overall score is under SCORE")
    gates.add_argument("--fail-on", choices=SEVERITIES, metavar="SEVERITY",
                       help="exit 1 on a failing finding at or above SEVERITY")
    gates.add_argument("--min-coverage", type=_fraction, metavar="FRACTION",
                       help="exit 1 when less than FRACTION (0-1) of the applicable checks' "
                            "weight was evaluated (skipped checks do not count)")
    gates.add_argument("--baseline", metavar="REPORT.json",
                       help="compare with REPORT.json by fingerprint; exit 1 on findings failing "
                            "now that did not fail there, or a score drop beyond the tolerance")
    gates.add_argument("--fail-on-regression", nargs="?", const="info", choices=SEVERITIES,
                       metavar="SEVERITY",
                       help="exit 1 on new failing findings at or above SEVERITY (default: any) "
                            "or a score drop beyond the tolerance, against --baseline or else "
                            "the latest run in --history-dir")
    gates.add_argument("--score-tolerance", type=float, metavar="POINTS",
                       help="score drop tolerated by regression gates "
                            "(default: thresholds.max_score_drop, else 0)")
    history = scan.add_argument_group("history and unattended runs")
    history.add_argument("--history-dir", metavar="DIR",
                         help="keep this run's JSON report in DIR; feeds HTML trends and "
                              "'auditor history'")
    history.add_argument("--history-keep", type=int, metavar="N",
                         help="with --history-dir: keep the newest N runs (default 100)")
    history.add_argument("--history-max-age", type=float, metavar="DAYS",
                         help="with --history-dir: remove runs older than DAYS")
    history.add_argument("--pushgateway", metavar="URL",
                         help="push the Prometheus metrics of this run to a Pushgateway at URL")
    history.add_argument("--apply-policyreports", action="store_true",
                         help="write this run's PolicyReports (wgpolicyk8s.io) into the audited "
                              "live cluster by server-side apply: the auditor's only write, "
                              "to its own report objects (needs create/patch on them)")
    history.add_argument("--lock", metavar="PATH",
                         help="hold PATH locked for the run; a run that finds it held exits 2 "
                              "before writing anything (default with --history-dir: "
                              "DIR/.auditor.lock)")
    history.add_argument("--log", metavar="PATH",
                         help="append one logfmt line per run to PATH ('-': standard error), "
                              "for schedulers")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="auditor",
        description="Audit a deployment's production readiness and gate CI on regressions.",
    )
    parser.add_argument("--version", action="version", version=f"auditor {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    _add_scan(sub)

    checks = sub.add_parser("checks", help="list the check catalog",
                            description="List the checks: id, severity and title.")
    checks.add_argument("--style", choices=(*STYLES, "any"),
                        help="only the checks of this style ('any': Superset's own settings, "
                             "read in every style)")
    checks.add_argument("--row", choices=ROWS, metavar="ROW",
                        help=f"only the checks of this comparison row: {', '.join(ROWS)}")
    checks.add_argument("--format", choices=("terminal", "json"), default="terminal",
                        help="terminal (a table) or json (a list of check objects)")
    checks.add_argument("--config", metavar="FILE",
                        help="also list the custom checks this auditor.toml or pyproject.toml "
                             "declares")

    explain = sub.add_parser("explain", help="explain a check or the scoring formula")
    explain.add_argument("check_id", nargs="?", metavar="CHECK_ID",
                         help="a check id, e.g. K8S-AVAILABILITY-001 ('auditor checks' lists them)")
    explain.add_argument("--scoring", action="store_true", help="print the scoring formula")
    explain.add_argument("--config", metavar="FILE", help="thresholds from this configuration")

    diff = sub.add_parser("diff", help="compare two JSON reports by fingerprint")
    diff.add_argument("old", metavar="OLD.json", help="the earlier JSON report")
    diff.add_argument("new", metavar="NEW.json", help="the later JSON report")
    diff.add_argument("--format", default="terminal", metavar="FMT",
                      help="terminal and json print the comparison; any other format "
                           "renders NEW.json with the comparison (markdown, html, ...)")
    diff.add_argument("--output", default="-", metavar="PATH", help="where it goes")

    history = sub.add_parser("history", help="score over time per target from --history-dir")
    history.add_argument("directory", metavar="DIR", help="a scan's --history-dir")
    history.add_argument("--target", metavar="TEXT", help="only targets whose name holds TEXT")
    history.add_argument("--last", type=int, metavar="N", help="only the newest N runs")
    history.add_argument("--format", choices=("terminal", "json"), default="terminal",
                         help="terminal (a table per target) or json (one object per run)")

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
        from auditor.text import shown

        if debug:
            import traceback

            traceback.print_exc()
        print(shown(f"auditor: {one_line(exc)}"), file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    raise SystemExit(main())

"""Live-mode benchmark: audit a synthetic cluster served by the test API server.

    python bench/bench_cluster.py [--namespaces 500] [--pods 10000] [--json OUT]

The cluster is served from another process (tests/kubeapi.py via
bench/synthetic_cluster.py --serve) so that the auditor's peak memory is its
own. ``auditor scan kube --format json --output FILE`` runs as a fresh process
through ``bench/measure.py`` (its wall time, CPU time and peak RSS are its own,
start-up included). Requests made are counted from the fake server's request
log (lists, continues and gets), printed when the server is stopped. Exits 2
when the peak exceeds --max-rss-mb.
"""

from __future__ import annotations

import argparse
import json
import platform
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from wholeproc import RunFailed, Sample, auditor_command, run_checked  # noqa: E402


def serve(namespaces: int, pods: int, kubeconfig: Path) -> subprocess.Popen[str]:
    server = subprocess.Popen(
        [sys.executable, str(HERE / "synthetic_cluster.py"), "--serve", "--namespaces",
         str(namespaces), "--pods", str(pods), "--kubeconfig", str(kubeconfig)],
        stdout=subprocess.PIPE, text=True,
    )
    assert server.stdout is not None
    line = server.stdout.readline()
    if not line.startswith("http"):
        server.kill()
        raise SystemExit(f"bench: the synthetic cluster did not start ({line.strip()!r})")
    return server


def audit(kubeconfig: Path, report: Path) -> Sample:
    """The installed auditor, run from the scratch directory: from the repository root
    ``python -m auditor`` would import the source tree, not what is installed."""
    return run_checked(
        [*auditor_command(), "scan", "kube", "--kubeconfig", str(kubeconfig),
         "--format", "json", "--output", str(report), "--quiet"],
        report.parent, "the live audit",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--namespaces", type=int, default=500)
    parser.add_argument("--pods", type=int, default=10_000)
    parser.add_argument("--max-rss-mb", type=float, default=300.0)
    parser.add_argument("--json", type=Path, metavar="OUT", help="write the results as JSON")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        kubeconfig = Path(tmp) / "kubeconfig"
        report = Path(tmp) / "report.json"
        server = serve(args.namespaces, args.pods, kubeconfig)
        try:
            done = audit(kubeconfig, report)
        except RunFailed as exc:  # a failed run is an error, never a figure
            print(f"bench: {exc}", file=sys.stderr)
            return 1
        finally:
            server.send_signal(signal.SIGTERM)
            summary_line, _ = server.communicate(timeout=60)
        if not report.is_file():
            print("bench: the live audit wrote no report", file=sys.stderr)
            return 1
        report_bytes = report.stat().st_size
        data = json.loads(report.read_text())
    summary = json.loads(summary_line.strip().splitlines()[-1])
    findings = sum(len(t["findings"]) for t in data["targets"])
    problems = [p for t in data["targets"] for p in t.get("problems", [])]
    print(f"live audit: {args.namespaces} namespaces, {args.pods} pods"
          f" (Python {platform.python_version()})")
    print(f"  wall time      {done.wall_s:8.2f} s   (CPU {done.cpu_s:.2f} s, start-up included)")
    print(f"  requests       {summary['requests']:8d}  {json.dumps(summary['by'])}")
    print(f"  peak RSS       {done.peak_mb:8.1f} MB  (limit {args.max_rss_mb:g} MB)")
    print(f"  findings       {findings:8d}  score {data['score']['value']},"
          f" report {report_bytes / 1e6:.1f} MB")
    if problems:
        print(f"  problems       {len(problems):8d}  first: {problems[0]}")
    if args.json is not None:
        result: dict[str, Any] = {
            "bench": "cluster",
            "python": platform.python_version(),
            "namespaces": args.namespaces,
            "pods": args.pods,
            "wall_s": done.wall_s,
            "cpu_s": done.cpu_s,
            "peak_rss_mb": done.peak_mb,
            "max_rss_mb": args.max_rss_mb,
            "requests": summary["requests"],
            "requests_by": summary["by"],
            "findings": findings,
            "score": data["score"]["value"],
            "report_bytes": report_bytes,
            "problems": problems,
        }
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 2 if done.peak_mb > args.max_rss_mb else 0


if __name__ == "__main__":
    raise SystemExit(main())

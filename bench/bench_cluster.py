"""Live-mode benchmark: audit a synthetic cluster served by the test API server.

    python bench/bench_cluster.py [--namespaces 500] [--pods 10000]

The cluster is served from another process (tests/kubeapi.py via
bench/synthetic_cluster.py --serve) so that the auditor's peak memory is its
own. Prints wall time, requests made (lists and continues), and the auditor's
peak RSS; exits 2 when the peak exceeds --max-rss-mb.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


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


def audit(kubeconfig: Path, report: Path) -> tuple[float, int, int]:
    """(wall seconds, peak RSS in KiB, exit code) of one auditor run."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "auditor", "scan", "kube", "--kubeconfig", str(kubeconfig),
         "--format", "json", "--output", str(report), "--quiet"],
    )
    _, status, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - started, int(usage.ru_maxrss), os.waitstatus_to_exitcode(status)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--namespaces", type=int, default=500)
    parser.add_argument("--pods", type=int, default=10_000)
    parser.add_argument("--max-rss-mb", type=float, default=300.0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        kubeconfig = Path(tmp) / "kubeconfig"
        report = Path(tmp) / "report.json"
        server = serve(args.namespaces, args.pods, kubeconfig)
        try:
            seconds, rss_kib, code = audit(kubeconfig, report)
        finally:
            server.send_signal(signal.SIGTERM)
            summary_line, _ = server.communicate(timeout=60)
        if code != 0:
            print(f"bench: the audit exited {code}")
            return 1
        data = json.loads(report.read_text())
    summary = json.loads(summary_line.strip().splitlines()[-1])
    findings = sum(len(t["findings"]) for t in data["targets"])
    rss_mb = rss_kib / 1024
    print(f"live audit: {args.namespaces} namespaces, {args.pods} pods")
    print(f"  wall time      {seconds:8.2f} s")
    print(f"  requests       {summary['requests']:8d}  {json.dumps(summary['by'])}")
    print(f"  peak RSS       {rss_mb:8.1f} MB  (limit {args.max_rss_mb:g} MB)")
    print(f"  findings       {findings:8d}  score {data['score']['value']}")
    return 2 if rss_mb > args.max_rss_mb else 0


if __name__ == "__main__":
    raise SystemExit(main())

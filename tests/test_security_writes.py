"""The auditor writes nothing but the reports it was asked for.

``auditor scan`` runs in a subprocess for every style (a pip project, a host tree given
with --root, a Compose project, manifests, a Helm chart rendered by the real helm, and a
live cluster) with HOME, XDG_CACHE_HOME, XDG_CONFIG_HOME and TMPDIR pointed at fresh
directories and a fresh working directory. The audited tree, the working directory, HOME
and TMPDIR are snapshotted before and after (path, size, mtime_ns, mode, and a hash of
every file's content, which does not depend on atime): the only new or changed entries are
the requested --report paths, and the --history-dir entry and its lock when given (and the
mtime of TMPDIR itself after a chart, rendered in a private folder made and removed there).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from helmbin import helm_binary, require_helm
from kubeapi import FakeKubeAPI
from reportdata import REPO
from test_security_cluster import objects
from test_security_secrets import SECURITY

Entry = tuple[int, int, int, str]
"""size (files only), mtime_ns, mode, sha256 of the content (files only)."""

REPORTS = {"json": "out/report.json", "html": "out/report.html", "sarif": "out/report.sarif",
           "junit": "out/junit.xml", "markdown": "out/report.md",
           "prometheus": "out/metrics.prom"}


def snapshot(root: Path) -> dict[str, Entry]:
    """Every entry below ``root`` (``root`` itself as "."), symlinks not followed."""
    found: dict[str, Entry] = {}
    for directory, dirs, files in os.walk(root):
        for name in [".", *dirs, *files]:
            path = Path(directory) / name if name != "." else Path(directory)
            info = path.lstat()
            digest = ""
            size = 0
            if path.is_file() and not path.is_symlink():
                size = info.st_size
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
            found[path.relative_to(root).as_posix()] = (size, info.st_mtime_ns, info.st_mode,
                                                        digest)
    return found


def changes(before: dict[str, Entry], after: dict[str, Entry]) -> set[str]:
    return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}


@dataclass
class Run:
    name: str
    args: list[str]
    watched: dict[str, Path]
    """What must not change (the audited tree, HOME, TMPDIR), and the working directory."""
    cwd: Path
    history: bool = False
    process: subprocess.Popen[str] | None = None
    before: dict[str, dict[str, Entry]] | None = None
    after: dict[str, dict[str, Entry]] | None = None
    stderr: str = ""


def _start(run: Run) -> None:
    home, tmp = run.watched["HOME"], run.watched["TMPDIR"]
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("KUBE", "XDG_", "PYTEST", "HELM_"))}
    env.update(HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"),
               XDG_CONFIG_HOME=str(home / ".config"), TMPDIR=str(tmp))
    helm = helm_binary()
    if helm:
        env["PATH"] = os.pathsep.join([str(Path(helm).parent), env.get("PATH", "")])
    argv = [sys.executable, "-m", "auditor", "scan", *run.args, "-q"]
    for fmt, path in REPORTS.items():
        argv += ["--report", f"{fmt}={path}"]
    if run.history:
        argv += ["--history-dir", "history"]
    run.before = {name: snapshot(path) for name, path in [*run.watched.items(),
                                                          ("cwd", run.cwd)]}
    run.process = subprocess.Popen(argv, cwd=run.cwd, env=env, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _finish(run: Run) -> None:
    assert run.process is not None
    _, run.stderr = run.process.communicate(timeout=180)
    run.after = {name: snapshot(path) for name, path in [*run.watched.items(),
                                                         ("cwd", run.cwd)]}


def _run(tmp: Path, name: str, args: list[str], target: Path, history: bool = False,
         **extra: Path) -> Run:
    base = tmp / name
    for sub in ("cwd/out", "home", "tmp"):
        (base / sub).mkdir(parents=True)
    return Run(name, args, {"target": target, "HOME": base / "home", "TMPDIR": base / "tmp",
                            **extra}, base / "cwd", history)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Run]]:
    """Every style's run, started together (they are independent) and awaited together."""
    tmp = tmp_path_factory.mktemp("writes")
    examples = REPO / "examples"
    with FakeKubeAPI(objects(), crds=True) as api:
        kube = tmp / "kube"
        kube.mkdir()
        kubeconfig = api.write_kubeconfig(kube / "config")
        chosen = [
            _run(tmp, "pip", [str(examples / "pip-dev")], examples / "pip-dev", history=True),
            _run(tmp, "systemd", ["--root", str(examples / "manual-vm")],
                 examples / "manual-vm"),
            _run(tmp, "compose", [str(examples / "compose")], examples / "compose"),
            _run(tmp, "kubernetes", [str(examples / "kubernetes")], examples / "kubernetes"),
            _run(tmp, "chart", [str(SECURITY / "chart-secrets"), "-f",
                                str(SECURITY / "chart-values.yaml")], SECURITY),
            _run(tmp, "live", ["kube", "--kubeconfig", str(kubeconfig), "--read-secrets"],
                 kube, history=True),
        ]
        for run in chosen:
            _start(run)
        for run in chosen:
            _finish(run)
    yield {run.name: run for run in chosen}


@pytest.mark.parametrize("name", ["pip", "systemd", "compose", "kubernetes", "chart", "live"])
def test_only_the_requested_reports_are_written(runs: dict[str, Run], name: str) -> None:
    run = runs[name]
    assert run.process is not None and run.before is not None and run.after is not None
    assert run.process.returncode == 0, run.stderr
    for watched in run.watched:
        changed_here = changes(run.before[watched], run.after[watched])
        if name == "chart" and watched == "TMPDIR":
            # helm renders a private copy of the chart in a folder made in TMPDIR and
            # removed afterwards (issue 14): TMPDIR's own mtime moves, nothing stays.
            changed_here -= {"."}
        assert not changed_here, f"{watched} changed: {sorted(changed_here)}"
    changed = changes(run.before["cwd"], run.after["cwd"])
    allowed = {"out", *REPORTS.values()}
    if run.history:
        history = {k for k in run.after["cwd"] if k == "history" or k.startswith("history/")}
        names = sorted(k.removeprefix("history/") for k in history - {"history"})
        assert len(names) == 2 and names[0] == ".auditor.lock" and names[1].endswith(".json")
        allowed |= {".", *history}  # "." : the history directory was created in it
    assert changed <= allowed, sorted(changed - allowed)
    assert set(REPORTS.values()) <= changed, "every requested report was written"
    assert all(run.after["cwd"][path][0] > 100 for path in REPORTS.values())


def test_the_chart_run_rendered_with_helm(runs: dict[str, Run]) -> None:
    import json

    if helm_binary() is None:
        require_helm()  # skips (fails under AUDITOR_TESTS_REQUIRE_ALL=1) naming the reason
    report = json.loads((runs["chart"].cwd / REPORTS["json"]).read_text())
    assert report["targets"][0]["style"] == "kubernetes"
    assert not report["targets"][0]["problems"], "helm rendered the chart"


def test_the_snapshot_sees_content_changed_under_the_same_mtime(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("one")
    before = snapshot(tmp_path)
    info = (tmp_path / "f").stat()
    (tmp_path / "f").write_text("two")
    os.utime(tmp_path / "f", ns=(info.st_atime_ns, info.st_mtime_ns))
    os.utime(tmp_path, ns=(tmp_path.stat().st_atime_ns, before["."][1]))
    assert changes(before, snapshot(tmp_path)) == {"f"}


def test_a_report_written_to_a_device_leaves_the_device(tmp_path: Path) -> None:
    import stat

    from auditor.cli import main

    null = tmp_path / "null"
    try:
        os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a /dev/null of our own
    except OSError as exc:
        pytest.skip(f"cannot make a device node here: {exc}")
    assert main(["scan", str(REPO / "examples" / "kubernetes"), "-q", "--format", "json",
                 "--output", str(null)]) == 0
    assert stat.S_ISCHR(null.lstat().st_mode), "the device was replaced by a regular file"
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    import threading

    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    assert main(["scan", str(REPO / "examples" / "kubernetes"), "-q", "--format", "json",
                 "--output", str(fifo)]) == 0
    reader.join(timeout=30)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert received and received[0].startswith(b"{")

"""A host tree is a world of its own: no symlink or ``..`` leads the auditor out of it.

Two copies of examples/manual-vm are made hostile. In ``abs`` every file the auditor reads
(nginx.conf, a unit's EnvironmentFile=, SUPERSET_CONFIG_PATH, a cron script, the PostgreSQL
files) is an absolute symlink to a file outside the tree, or to /etc/passwd: absolute links
are resolved under the tree's root, where those files do not exist (or hold the tree's
own /etc/passwd). In ``rel`` the same files are relative symlinks climbing out with ``..``,
audited files name paths with ``..`` that climb out, and the tree holds symlink loops,
FIFOs, a character device like /dev/zero and a sparse 2 GB file. Both are audited in one
subprocess under the tracer of test_security_exec: it must finish, open and list nothing
outside the trees (beyond Python itself and the configuration lookup), never open a FIFO
or device, stay small in memory, and name every refused path in the problems. The outside
files' marker and secret never reach a report.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import assert_valid_report
from reportdata import REPO
from test_security_exec import Traced, traced_scan
from test_security_secrets import leaks

from auditor.checks.common.tree import MAX_BYTES, Tree, TreeError

OUTSIDE_MARKER = "outside-marker-q7z"
OUTSIDE_FILES = {
    "nginx.conf": f"events {{}}\nhttp {{ server {{ listen 80; server_name {OUTSIDE_MARKER}.example;"
                  " location / { proxy_pass http://127.0.0.1:8088; } } }\n",
    "site.conf": f"server {{ listen 8443; server_name {OUTSIDE_MARKER}.example; }}\n",
    "env": f"SUPERSET_SECRET_KEY=plntdOutsideEnv4Qq7Rr0Ss3Tt6Uu9Vv\n# {OUTSIDE_MARKER}\n",
    "superset_config.py": 'SECRET_KEY = "plntdOutsideConfig8Ww1Xx4Yy7Zz0Aa3Bb"\n'
                          f'SQLALCHEMY_DATABASE_URI = "sqlite:////{OUTSIDE_MARKER}/superset.db"\n',
    "backup.sh": f"#!/bin/sh\npg_dump superset | aws s3 cp - s3://{OUTSIDE_MARKER}/db.sql\n",
    "crontab": f"0 1 * * * root pg_dump superset > /{OUTSIDE_MARKER}.sql\n",
    "postgresql.conf": f"listen_addresses = '{OUTSIDE_MARKER}'\narchive_mode = on\n"
                       f"archive_command = 'rclone copy %p {OUTSIDE_MARKER}:wal'\n",
}
TREE_PASSWD = "host all all 10.9.8.7/32 trust\n"
"""The tree's own /etc/passwd: read as pg_hba.conf through an absolute symlink, it shows."""
HUGE = 2 * 1024**3


def _link(tree: Path, inner: str, target: str) -> None:
    path = tree / inner
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_symlink() or path.exists():
        path.unlink()
    path.symlink_to(target)


def _device(path: Path) -> bool:
    """A character device like /dev/zero (major 1, minor 5); False where mknod is refused."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o644, os.makedev(1, 5))
    except (PermissionError, OSError):
        return False
    return True


def _append(path: Path, text: str) -> None:
    with path.open("a") as handle:
        handle.write(text)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Traced, bool]]:
    base = tmp_path_factory.mktemp("tree")
    outside = base / "outside"
    outside.mkdir()
    for name, text in OUTSIDE_FILES.items():
        (outside / name).write_text(text)
    for name in ("abs", "rel"):
        shutil.copytree(REPO / "examples" / "manual-vm", base / name, symlinks=True)
    unit = "etc/systemd/system/superset.service"

    a = base / "abs"  # absolute symlinks: resolved under a/, where they lead nowhere
    _link(a, "etc/nginx/nginx.conf", str(outside / "nginx.conf"))
    _link(a, "etc/superset/env", str(outside / "env"))
    _link(a, "opt/superset/superset_config.py", str(outside / "superset_config.py"))
    _link(a, "etc/cron.daily/backup", str(outside / "backup.sh"))
    _link(a, "etc/cron.d/outside", str(outside / "crontab"))
    _link(a, "etc/postgresql/14/main/postgresql.conf", str(outside / "postgresql.conf"))
    _link(a, "etc/postgresql/14/main/pg_hba.conf", "/etc/passwd")
    (a / "etc/passwd").write_text(TREE_PASSWD)
    text = (a / unit).read_text().replace("[Service]\n",
                                          "[Service]\nEnvironmentFile=/etc/superset/env\n")
    (a / unit).write_text(text)

    r = base / "rel"  # relative symlinks and paths climbing out with ..
    _link(r, "etc/nginx/sites-enabled/escape", "../../../../outside/site.conf")
    _link(r, "etc/nginx/sites-enabled/passwd", "/etc/passwd")
    (r / "etc/passwd").write_text("server { listen 8444; server_name in-tree-passwd.example; }\n")
    _link(r, "etc/nginx/sites-enabled/loop-a", "loop-b")
    _link(r, "etc/nginx/sites-enabled/loop-b", "loop-a")
    _link(r, "etc/logrotate.d/self", "self")
    _link(r, "opt/superset/superset_config.py", "../../../outside/superset_config.py")
    _link(r, "etc/cron.daily/backup", "../../../outside/backup.sh")
    _link(r, "etc/cron.d/outside", "../../../outside/crontab")
    _link(r, "etc/postgresql/14/main/postgresql.conf", "../../../../../outside/postgresql.conf")
    _link(r, "etc/redis/redis.conf", "../../../../../../../../../../dev/zero")
    text = (r / unit).read_text().replace(
        "[Service]\n", "[Service]\nEnvironmentFile=/etc/superset/../../../outside/env\n")
    (r / unit).write_text(text)
    _append(r / "etc/crontab", f"0 4 * * * root /../../..{outside}/backup.sh\n")
    _append(r / "etc/nginx/nginx.conf", "include ../../../outside/site.conf;\n")
    for fifo in ("etc/nginx/conf.d/fifo.conf", "etc/cron.d/fifo", "etc/logrotate.d/fifo",
                 "etc/systemd/system/fifo.service", "etc/cron.daily/fifo"):
        (r / fifo).parent.mkdir(parents=True, exist_ok=True)  # git keeps no empty folders
        os.mkfifo(r / fifo)
    (r / "dev").mkdir()
    devices = _device(r / "etc/nginx/conf.d/zero.conf") and _device(r / "dev/zero")
    _link(r, "etc/cron.d/zero", "/dev/zero")
    _link(r, "etc/cron.daily/zero", "/dev/zero")
    for big in ("etc/nginx/conf.d/huge.conf", "etc/cron.d/huge"):
        with (r / big).open("wb") as handle:
            handle.truncate(HUGE)  # sparse: no disk used
    run = traced_scan(base, [str(a), str(r), "--report", f"html={base / 'report.html'}"],
                      timeout=120)
    yield base, run, devices


def _inside(path: str, roots: list[Path]) -> bool:
    real = os.path.realpath(path)
    return any(real == str(root) or real.startswith(f"{root}/") for root in roots)


def test_the_audit_completes(hostile: tuple[Path, Traced, bool]) -> None:
    _, run, _ = hostile
    assert run.returncode == 0, run.stderr
    assert_valid_report(run.report)
    styles = {(Path(str(t["target"])).name, t["style"]) for t in run.report["targets"]}
    assert {("abs", "systemd"), ("rel", "systemd")} <= styles
    # A 2 GB file read whole would need 2 GB: the reader stops before reading it.
    assert int(run.of("maxrss")[0]) < 400 * 1024, "KiB of peak memory"


def test_nothing_outside_the_trees_is_opened_or_listed(
        hostile: tuple[Path, Traced, bool]) -> None:
    base, run, _ = hostile
    trees = [base / "abs", base / "rel"]
    python = [Path(p).resolve() for p in {sys.prefix, sys.base_prefix, sys.exec_prefix}]
    allowed = [*trees, *python, REPO / "auditor", REPO / "checks", REPO / "reports"]
    config_lookup = {"auditor.toml", "pyproject.toml", ".git"}
    stray = [(kind, path) for kind, path in run.events if kind in ("open", "list")
             and not _inside(path, allowed)
             and not (Path(path).name in config_lookup and base.is_relative_to(Path(path).parent))
             and path != "/dev/null"
             # the reports are written in the working directory, which Python's entry-point
             # lookup lists (it is on sys.path for ``python -c``)
             and not (path == str(base) and kind == "list")
             and not (Path(path).parent == base and kind == "open")]
    assert not stray, stray
    opened = [p for kind, p in run.events if kind == "open"]
    assert not [p for p in opened if p.startswith(str(base / "outside"))]
    assert "/etc/passwd" not in opened and "/dev/zero" not in opened
    assert str(base / "abs/etc/passwd") in opened, "absolute links resolve inside the tree"
    assert str(base / "rel/etc/passwd") in opened
    # Never a FIFO or a device: opening one blocks, or acts.
    special = [p for p in opened if _inside(p, trees) and os.path.exists(p)
               and not (stat.S_ISREG(os.stat(p).st_mode) or stat.S_ISDIR(os.stat(p).st_mode))]
    assert not special, special


def test_no_report_shows_what_lies_outside(hostile: tuple[Path, Traced, bool]) -> None:
    base, run, _ = hostile
    for text in (json.dumps(run.report), (base / "report.html").read_text(), run.stderr):
        assert OUTSIDE_MARKER not in text
        assert not leaks(text)
        assert "root:x:0:0" not in text


def _problems(run: Traced, tree: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for entry in run.report["targets"]:
        if Path(str(entry["target"])).name == tree and entry["style"] == "systemd":
            for problem in entry["problems"]:
                key, _, reason = problem.partition(": ")
                found[key] = reason
    return found


def test_absolute_links_resolve_under_the_root(hostile: tuple[Path, Traced, bool]) -> None:
    _, run, _ = hostile
    problems = _problems(run, "abs")
    # Every absolute link names a path that does not exist under the tree's root.
    for inner in ("/etc/superset/env", "/etc/postgresql/14/main/postgresql.conf",
                  "/etc/cron.d/outside", "/etc/cron.daily/backup",
                  "/opt/superset/superset_config.py"):
        assert problems[f"file {inner}"].startswith("not found"), (inner, problems)
    # nginx.conf is missing there too: no Nginx on this host, as far as the tree shows.
    entry = next(t for t in run.report["targets"]
                 if Path(str(t["target"])).name == "abs" and t["style"] == "systemd")
    assert not any("nginx.conf" in e for e in entry["detection"]["evidence"])
    # pg_hba.conf -> /etc/passwd is the tree's own /etc/passwd, read as pg_hba.conf.
    evidence = [e for f in entry["findings"] for e in f["evidence"]]
    assert any("10.9.8.7/32 trust" in e for e in evidence)


def test_links_and_paths_climbing_out_are_refused_and_named(
        hostile: tuple[Path, Traced, bool]) -> None:
    _, run, devices = hostile
    problems = _problems(run, "rel")
    text = "\n".join(f"{k}: {v}" for k, v in problems.items())
    for where in ("/etc/nginx/sites-enabled/escape", "../../../outside/site.conf",
                  "/opt/superset/superset_config.py", "/etc/superset/../../../outside/env",
                  "/etc/postgresql/14/main/postgresql.conf", "/etc/cron.d/outside",
                  "/etc/cron.daily/backup", "/etc/redis/redis.conf"):
        assert any(where in key and "out of the audited tree" in reason
                   for key, reason in problems.items()), (where, text)
    assert any("loop-a" in k and v == "symbolic link loop" for k, v in problems.items()), text
    assert any("fifo" in k and "a FIFO, not a regular file" in v
               for k, v in problems.items()), text
    assert any("huge" in k and v.startswith("larger than") for k, v in problems.items()), text
    if devices:
        assert any("zero" in k and "a device, not a regular file" in v
                   for k, v in problems.items()), text


def test_tree_reader_refuses_special_files_without_opening_them(tmp_path: Path) -> None:
    tree = Tree.at(tmp_path)
    os.mkfifo(tmp_path / "fifo")
    with (tmp_path / "big").open("wb") as handle:
        handle.truncate(MAX_BYTES + 1)
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    (tmp_path / "up").symlink_to("../x")
    (tmp_path / "dotdot..name").write_text("a file whose name starts with two dots\n")
    (tmp_path / "link").symlink_to("dotdot..name")
    cases = {"fifo": "a FIFO, not a regular file; not read",
             "big": f"larger than {MAX_BYTES // 1024} KiB, not read",
             "a": "symbolic link loop", "up": "symlink leads out of the audited tree",
             "/../x": "leads out of the audited tree", ".": "is a directory"}
    for inner, reason in cases.items():
        with pytest.raises(TreeError) as caught:
            tree.read_text(inner)
        assert str(caught.value) == f"{inner}: {reason}"
    assert tree.read_text("link").startswith("a file")
    with contextlib.suppress(FileNotFoundError):
        assert not tree.exists("a") and tree.listdir("a") == []


def test_special_and_huge_files_beside_manifests_and_compose_files(tmp_path: Path) -> None:
    # Detection looks into every *.yaml of a path target (Kubernetes manifests, Compose
    # projects): a FIFO there used to block the audit forever, and a sparse 2 GB file was
    # read whole to look at its head.
    manifests, project = tmp_path / "manifests", tmp_path / "project"
    manifests.mkdir()
    shutil.copy(REPO / "examples/kubernetes/superset.yaml", manifests)
    shutil.copytree(REPO / "examples/compose", project)
    for directory in (manifests, project):
        os.mkfifo(directory / "pipe.yaml")
        with (directory / "huge.yaml").open("wb") as handle:
            handle.truncate(HUGE)
    run = traced_scan(tmp_path, [str(manifests), str(project)], timeout=60)
    assert run.returncode == 0, run.stderr
    assert int(run.of("maxrss")[0]) < 400 * 1024, "KiB of peak memory"
    problems = {Path(str(t["target"])).name: t["problems"] for t in run.report["targets"]}
    assert "file pipe.yaml: pipe.yaml: not a regular file (a FIFO, socket or device), not read" \
        in problems["manifests"]
    assert any("huge.yaml" in p and "larger than" in p for p in problems["manifests"])
    assert set(problems) == {"manifests", "project"}
    opened = [p for kind, p in run.events if kind == "open"]
    assert not [p for p in opened if p.endswith("pipe.yaml")], "a FIFO is never opened"


# -- targets on the running kernel's interfaces (issue 14, item 1) -------------------------


@pytest.mark.parametrize("spec", ["/proc/kmsg", "/proc/self/environ", "/dev/zero",
                                  "/sys/kernel", "/proc", "/dev"])
def test_targets_under_proc_sys_dev_are_refused_unread(spec: str) -> None:
    """``auditor scan /proc/kmsg`` blocked forever reading it, and drained the kernel log."""
    from auditor.targets import TargetError, parse_target

    if not os.path.exists(spec):
        pytest.skip(f"{spec} does not exist on this machine")
    top = "/" + spec.split("/")[1]
    pattern = f"^{spec}( \\(a link to [^)]*\\))?: under {top}, the running kernel's"
    with pytest.raises(TargetError, match=pattern):
        parse_target(spec)


def test_a_link_to_proc_is_refused_as_a_target_and_as_a_root(tmp_path: Path) -> None:
    from auditor.targets import TargetError, parse_target

    link = tmp_path / "manifests.yaml"
    link.symlink_to("/proc/self/environ")
    with pytest.raises(TargetError, match=r"\(a link to /proc/\d+/environ\): under /proc"):
        parse_target(str(link))
    folder = tmp_path / "root"
    folder.symlink_to("/sys")
    with pytest.raises(TargetError, match="under /sys"):
        parse_target("host", root=str(folder))


def test_dev_shm_is_an_ordinary_place_for_a_target() -> None:
    """A tmpfs where files are put (the fuzz suites audit trees there), not a device."""
    import tempfile

    from auditor.targets import parse_target

    if not os.path.isdir("/dev/shm") or not os.access("/dev/shm", os.W_OK):
        pytest.skip("no writable /dev/shm on this machine")
    with tempfile.TemporaryDirectory(dir="/dev/shm") as folder:
        assert parse_target(folder).root == folder

"""Hostile host trees: symlink loops, binary, huge, broken and unreadable files.

Each gives a named problem and a completed, schema-valid audit. The unreadable
file and the live host are audited in a subprocess running as ``nobody``,
since root reads every file whatever its mode.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import site
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import assert_valid_report, scan_report
from needs import require_root, unavailable

ROOT = Path(__file__).parents[1]
HARDENED = ROOT / "tests" / "fixtures" / "systemd" / "pass-hardened"


def tree_copy(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    shutil.copytree(HARDENED, tree, symlinks=True)
    (tree / "etc/cron.d").mkdir()
    return tree


def systemd_target(report: dict[str, Any]) -> dict[str, Any]:
    (target,) = [t for t in report["targets"] if t["style"] == "systemd"]
    assert not [f for f in target["findings"] if f["status"] == "error"]
    return target


def problem(target: dict[str, Any], prefix: str) -> str:
    found = [p for p in target["problems"] if p.startswith(prefix)]
    assert found, f"no problem starting with {prefix!r} in {target['problems']}"
    return found[0]


def test_symlink_loops_are_named(tmp_path: Path) -> None:
    tree = tree_copy(tmp_path)
    units = tree / "etc/systemd/system"
    (units / "loop-a.service").symlink_to("loop-b.service")
    (units / "loop-b.service").symlink_to("loop-a.service")
    (tree / "etc/nginx/sites-enabled/self").symlink_to("self")
    (tree / "etc/cron.d/loop").symlink_to("/etc/cron.d/loop")  # absolute: re-rooted, loops
    (tree / "etc/logrotate.d/dirloop").symlink_to("/etc/logrotate.d")
    target = systemd_target(scan_report(tmp_path, str(tree)))
    assert problem(target, "nginx /etc/nginx/sites-enabled/self").endswith("symbolic link loop")
    assert problem(target, "file /etc/cron.d/loop").endswith("symbolic link loop")
    assert "symbolic link loop" in problem(target, "file /etc/systemd/system/loop-a.service")
    # The rest of the host was still audited.
    assert {f["check_id"] for f in target["findings"] if f["status"] == "pass"} >= {
        "SYSTEMD-PROXY-TLS-003", "SYSTEMD-SUPERVISION-001", "SYSTEMD-BACKUPS-002"}


def test_binary_and_oversized_files_are_named(tmp_path: Path) -> None:
    tree = tree_copy(tmp_path)
    (tree / "etc/superset/superset_config.py").write_bytes(b"\x7fELF\x02\x01\x01\x00" * 64)
    (tree / "etc/cron.d/blob").write_bytes(b"\x00\x01\x02garbage")
    (tree / "etc/logrotate.d/huge").write_text("# padding\n" * 300_000)
    target = systemd_target(scan_report(tmp_path, str(tree)))
    assert problem(target, "superset.config").endswith("binary file, not read")
    assert problem(target, "file /etc/cron.d/blob").endswith("binary file, not read")
    assert "larger than" in problem(target, "file /etc/logrotate.d/huge")
    secret = [f for f in target["findings"] if f["check_id"] == "SUPERSET-CONFIG-SECRETS-001"]
    assert [f["status"] for f in secret] in ([], ["skip"])


def test_broken_configs_are_named_and_the_rest_audited(tmp_path: Path) -> None:
    tree = tree_copy(tmp_path)
    (tree / "etc/nginx/conf.d/broken.conf").write_text("server {\n  listen 81;\n")
    (tree / "etc/superset/superset_config.py").write_text("SECRET_KEY = 'x\nimport (\n")
    (tree / "etc/systemd/system/superset-beat.service").write_text(
        "this is not a unit file\n[Service\nExecStart\n===\n")
    (tree / "etc/postgresql/15/main/conf.d/90-bad.conf").write_text("= = =\n'unterminated\n")
    (tree / "etc/apt/apt.conf.d/99broken").write_text('APT { Periodic { "1" ; } } } ;;\n')
    (tree / "etc/ufw/user6.rules").write_text("### tuple ### allow\n### tuple ###\n")
    (tree / "etc/systemd/journald.conf.d/60-bad.conf").write_text("[Journal\nStorage\n")
    report = scan_report(tmp_path, str(tree))
    target = systemd_target(report)
    assert "not valid Python" in problem(target, "superset.config")
    nginx = [f for f in target["findings"] if f["check_id"] == "SYSTEMD-PROXY-TLS-001"]
    assert nginx and nginx[0]["status"] == "pass"  # the broken include did not hide the site
    names = {f["subject"] for f in target["findings"] if f["check_id"] ==
             "SYSTEMD-SUPERVISION-001"}
    assert names == {"superset.service", "superset-worker.service"}
    assert report["score"]["value"] is not None


def test_nginx_syntax_error_is_a_named_problem(tmp_path: Path) -> None:
    from auditor.checks.common.tree import Tree
    from auditor.checks.systemd.nginx import load_nginx

    tree = tree_copy(tmp_path)
    (tree / "etc/nginx/conf.d/broken.conf").write_text("server {\n  listen 81;\n")
    config = load_nginx(Tree.at(tree), {})
    assert any("broken.conf" in e and "expecting" in e for e in config.errors)


# --- as an ordinary user ----------------------------------------------------------------------


def _nobody() -> pwd.struct_passwd:
    require_root("dropping to nobody")
    try:
        return pwd.getpwnam("nobody")
    except KeyError:
        unavailable("no 'nobody' account on this machine: useradd --system nobody")


def _drop(account: pwd.struct_passwd) -> None:
    os.setgroups([])
    os.setgid(account.pw_gid)
    os.setuid(account.pw_uid)


RUNNER = ("import json, site, sys\n"
          "for path in json.loads(sys.argv[1]):\n"
          "    site.addsitedir(path)\n"
          "from auditor.cli import main\n"
          "sys.exit(main(json.loads(sys.argv[2])))\n")


@pytest.fixture(scope="module")
def as_nobody() -> Iterator[tuple[str, pwd.struct_passwd]]:
    """An interpreter ``nobody`` can run, with this environment's packages importable."""
    account = _nobody()
    paths = [p for p in site.getsitepackages() if Path(p).is_dir()]
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    candidates = [sys.executable, os.path.realpath(sys.executable), shutil.which(version),
                  f"/usr/bin/{version}", shutil.which("python3")]
    for candidate in dict.fromkeys(c for c in candidates if c):
        try:
            probe = subprocess.run(
                [candidate, "-c", "import json, site, sys\n"
                 "[site.addsitedir(p) for p in json.loads(sys.argv[1])]\n"
                 f"assert sys.version_info[:2] == {tuple(sys.version_info[:2])}\n"
                 "import auditor.cli, psutil, crossplane", json.dumps(paths)],
                preexec_fn=lambda: _drop(account), capture_output=True, cwd="/", check=False,
            )
        except OSError:
            continue  # nobody may not execute it (an interpreter under /root)
        if probe.returncode == 0:
            yield candidate, account
            return
    unavailable(f"no {version} interpreter that nobody may run (the venv's lives under a "
                f"private home directory): apt-get install {version}")


def _scan_as(runner: tuple[str, pwd.struct_passwd], args: list[str]
             ) -> tuple[int, dict[str, Any] | None, str]:
    python, account = runner
    out_dir = Path(tempfile.mkdtemp(prefix="auditor-nobody-"))
    out_dir.chmod(0o777)
    out = out_dir / "report.json"
    paths = [p for p in site.getsitepackages() if Path(p).is_dir()]
    try:
        done = subprocess.run(
            [python, "-c", RUNNER, json.dumps(paths),
             json.dumps(["scan", *args, "--format", "json", "--output", str(out)])],
            preexec_fn=lambda: _drop(account), capture_output=True, text=True, cwd="/",
            env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": str(out_dir),
                 "AUDITOR_DISABLE_PLUGIN_AUTOLOAD": "1"},
            timeout=300, check=False,
        )
        report = json.loads(out.read_text()) if out.exists() else None
        return done.returncode, report, done.stderr
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)


@contextlib.contextmanager
def readable_copy(source: Path) -> Iterator[Path]:
    """A copy of the tree ``source`` in a folder nobody may enter (the suite's own tmp_path
    lies under root's private directories), removed afterwards."""
    work = Path(tempfile.mkdtemp(prefix="auditor-tree-"))
    try:
        work.chmod(0o755)
        tree = work / "tree"
        shutil.copytree(source, tree, symlinks=True)
        yield tree
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_unreadable_files_are_named_for_an_ordinary_user(
    as_nobody: tuple[str, pwd.struct_passwd],
) -> None:
    with readable_copy(HARDENED) as tree:
        (tree / "etc/superset/superset.env").chmod(0o000)
        (tree / "etc/postgresql/15/main/pg_hba.conf").chmod(0o000)
        code, report, stderr = _scan_as(as_nobody, [str(tree)])
        assert code == 0, stderr
        assert report is not None
        assert_valid_report(report)
        target = systemd_target(report)
        assert "permission denied" in problem(target, "file /etc/superset/superset.env")
        assert "permission denied" in problem(target, "file /etc/postgresql/15/main/pg_hba.conf")
        trust = [f for f in target["findings"] if f["check_id"] == "SYSTEMD-CONFIG-SECRETS-002"]
        assert [f["status"] for f in trust] == ["skip"]
        assert "permission denied" in trust[0]["message"]


def test_a_crontab_directory_nobody_may_list_is_not_read_as_empty(
    as_nobody: tuple[str, pwd.struct_passwd],
) -> None:
    """Issue 14, item 7, with real permission bits: user crontabs are root-only on Debian
    (1730 root:crontab). Before, an unlistable /etc/cron.d gave no names and the backup
    checks failed "no backup" with no problem named."""
    with readable_copy(ROOT / "examples" / "manual-vm") as tree:
        (tree / "etc/cron.d").chmod(0o700)
        code, report, stderr = _scan_as(as_nobody, [str(tree), "--style", "systemd"])
        assert code == 0, stderr
        assert report is not None
        target = systemd_target(report)
        assert "permission denied" in problem(target, "directory /etc/cron.d")
        backups = [f for f in target["findings"] if f["check_id"] == "SYSTEMD-BACKUPS-001"]
        assert [f["status"] for f in backups] == ["skip"]
        assert "/etc/cron.d could not be read" in backups[0]["message"]


def test_scan_host_completes_as_an_ordinary_user(
    as_nobody: tuple[str, pwd.struct_passwd],
) -> None:
    # A machine without Superset is nothing auditable (issue 15); --style systemd audits it
    # as a host all the same, which is what this test needs: every host fact, as nobody.
    code, report, stderr = _scan_as(as_nobody, ["host", "--style", "systemd"])
    assert code == 0, stderr
    assert report is not None
    assert_valid_report(report)
    target = systemd_target(report)
    assert target["target"] == "host"
    assert target["findings"], "the host was audited"
    # What nobody may not read is named, not silently skipped (nginx -T, pg_hba.conf, ufw...).
    named = " ".join(target["problems"]).lower()
    if not any(word in named for word in ("permission denied", "failed", "needs root")):
        pytest.skip("nothing on this machine is readable by root only: "
                    + (named or "no problems"))

"""The Werkzeug debugger on a host: the same verdict in the systemd and pip styles, decided by
whether the server can be reached (a bind beyond loopback, or a proxy route to it)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from conftest import scan_report

from auditor.checks.common.debugger import reachable

FIXTURES = Path(__file__).parent / "fixtures"
ANSIBLE_UNIT = """\
[Unit]
Description=Superset (from a public Ansible role)

[Service]
User=superset
Environment=SUPERSET_CONFIG_PATH=/etc/superset/superset_config.py
ExecStart=/home/superset/venv/bin/superset run -h 127.0.0.1 -p 8088 --with-threads \\
    --reload --debugger
Restart=always
"""


def _findings(report: dict[str, Any], check: str) -> list[dict[str, Any]]:
    return [f for t in report["targets"] for f in t["findings"] if f["check_id"] == check]


def _host(tmp_path: Path, with_nginx: bool) -> Path:
    root = tmp_path / ("proxied" if with_nginx else "loopback")
    shutil.copytree(FIXTURES / "systemd" / "fail-dev-server", root)
    (root / "etc/systemd/system/superset.service").write_text(ANSIBLE_UNIT)
    if not with_nginx:
        shutil.rmtree(root / "etc/nginx")
    return root


def test_ansible_role_debugger_behind_public_nginx_is_critical_in_systemd(
        tmp_path: Path) -> None:
    """A public Ansible role's unit: `superset run --reload --debugger` on 127.0.0.1:8088 with
    nginx `listen 80` proxying to it. It was only the high dev-server finding; loopback does
    not protect it, since nginx passes every request on."""
    report = scan_report(tmp_path, str(_host(tmp_path, True)), "--style", "systemd")
    (finding,) = _findings(report, "SYSTEMD-APP-SECURITY-002")
    assert (finding["status"], finding["severity"]) == ("fail", "critical")
    assert any("passes requests to 127.0.0.1:8088" in e for e in finding["evidence"])
    assert "PIN" in finding["message"]


def test_debugger_on_loopback_without_proxy_is_a_warning(tmp_path: Path) -> None:
    """The same unit on a host without nginx: only local users reach it."""
    report = scan_report(tmp_path, str(_host(tmp_path, False)), "--style", "systemd")
    (finding,) = _findings(report, "SYSTEMD-APP-SECURITY-002")
    assert finding["status"] == "warn"


def test_pip_and_systemd_agree_on_a_proxied_debugger(tmp_path: Path) -> None:
    """pip's fail-dev start script bound to loopback behind its nginx.conf: critical fail, the
    same as the systemd unit; without the nginx.conf a warning (it failed either way before)."""
    project = tmp_path / "pip"
    shutil.copytree(FIXTURES / "pip" / "fail-dev", project)
    script = project / "start.sh"
    script.write_text(script.read_text().replace("--host 0.0.0.0", "--host 127.0.0.1"))
    (finding,) = _findings(scan_report(tmp_path, str(project)), "PIP-APP-SECURITY-002")
    assert (finding["status"], finding["severity"]) == ("fail", "critical")
    (project / "nginx.conf").unlink()
    (finding,) = _findings(scan_report(tmp_path, str(project)), "PIP-APP-SECURITY-002")
    assert finding["status"] == "warn"


def test_reachability_reads_binds_and_proxy_targets() -> None:
    assert reachable(["0.0.0.0:8088"], []) == ["listens on 0.0.0.0:8088, beyond loopback"]
    assert reachable([":8088"], [])  # gunicorn binds every interface for an empty host
    assert reachable(["127.0.0.1:8088"], [("nginx", "http://localhost:8088/")])
    assert reachable(["unix:/run/superset.sock"],
                     [("nginx", "http://unix:/run/superset.sock:/")])
    assert not reachable(["127.0.0.1:8088"], [("nginx", "http://127.0.0.1:9000")])
    assert not reachable(["[::1]:8088"], [])


def test_pip_launch_of_another_app_is_not_a_superset_web_server(tmp_path: Path) -> None:
    """A supervisord.conf beside Superset's programs with `[program:exporter]` running
    `gunicorn exporter:app`: it was judged as a second Superset web server (its own dev-server
    and debugger verdicts) because it stood in the project."""
    project = tmp_path / "pip"
    shutil.copytree(FIXTURES / "pip" / "pass-hardened", project)
    conf = project / "supervisord.conf"
    conf.write_text(conf.read_text() + "\n[program:exporter]\ncommand=/opt/superset/venv/bin/"
                    "gunicorn -b 127.0.0.1:9102 exporter:app\ndirectory=/opt/superset\n")
    (project / "exporter.py").write_text("from prometheus_client import make_wsgi_app\n"
                                         "app = make_wsgi_app()\n")
    report = scan_report(tmp_path, str(project))
    for check in ("PIP-APP-SECURITY-001", "PIP-APP-SECURITY-002"):
        findings = _findings(report, check)
        assert len(findings) == 1, findings
        assert "--bind 127.0.0.1:8088" in findings[0]["evidence"][0]
        assert "exporter:app" not in str(findings)


def test_debugger_in_a_web_pod_is_critical_too(tmp_path: Path) -> None:
    """The chart-style `sh -c 'superset run -h 0.0.0.0 ...'` with FLASK_DEBUG=1: the same
    critical verdict as on a host (it was only the high "development settings" finding)."""
    report = scan_report(tmp_path, str(FIXTURES / "kubernetes" / "fail-defaults"),
                         "--style", "kubernetes")
    (finding,) = _findings(report, "K8S-APP-SECURITY-002")
    assert (finding["status"], finding["severity"]) == ("fail", "critical")
    assert any("listens on 0.0.0.0:8088" in e for e in finding["evidence"])


def test_flask_debug_before_run_and_no_debugger_are_read() -> None:
    from auditor.checks.common.debugger import reasons
    from auditor.checks.pip.shell import scan_script

    (debug,) = scan_script("flask --debug run -h 0.0.0.0", "run.sh")
    assert reasons(debug) == ["--debug"]
    (off,) = scan_script("FLASK_DEBUG=1 flask run --no-debugger", "run.sh")
    assert reasons(off) == []
    (server,) = scan_script("FLASK_DEBUG=1 gunicorn 'superset.app:create_app()'", "run.sh")
    assert reasons(server) == []

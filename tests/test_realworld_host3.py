"""False verdicts found on the host cases of ``fixtures/realworld/cases-host3.json``, each
pinned by a small tree: a gunicorn config file computing its workers from the CPU count
(antoniojesusgil/Apache-Superset's SLES runbook), Apache mod_proxy in front of gunicorn and
``ProtectSystem=full`` (HISP-Uganda/dhis2-superset's direct install script)."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from conftest import scan_report, write_tree

from auditor.checks.pip import gunicorn_conf

UNIT = """\
[Service]
User=superset
WorkingDirectory=/opt/superset
ExecStart=/opt/superset/venv/bin/gunicorn {args} 'superset.app:create_app()'
Restart=always
{extra}
[Install]
WantedBy=multi-user.target
"""
VENV = "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.2\n"
APACHE_SITE = """\
<VirtualHost {vhost}>
    ServerName bi.example.org
{ssl}
    ProxyPreserveHost On
    ProxyPass / {target} retry=0 timeout=300
    ProxyPassReverse / {target}
</VirtualHost>
"""
BALANCER = """\
<Proxy balancer://superset>
    BalancerMember http://10.0.1.11:8088
    BalancerMember http://10.0.1.12:8088
</Proxy>
"""


def _findings(report: dict[str, Any], check: str) -> list[dict[str, Any]]:
    return [f for t in report["targets"] for f in t["findings"] if f["check_id"] == check]


def _host(tmp_path: Path, files: dict[str, str], args: str = "--workers 4 --bind "
          "127.0.0.1:8088", extra: str = "") -> Path:
    base = {
        "etc/systemd/system/superset.service": UNIT.format(args=args, extra=extra),
        "opt/superset/venv/pyvenv.cfg": VENV,
    }
    return write_tree(tmp_path / "host", {**base, **files})


def _scan(tmp_path: Path, root: Path) -> dict[str, Any]:
    return scan_report(tmp_path, "--style", "systemd", "--root", str(root))


# --- workers computed in gunicorn's config file ------------------------------------------


@pytest.mark.parametrize(("expression", "least"), [
    ("multiprocessing.cpu_count() * 2 + 1", 3),
    ("cpu_count() * 2 + 1", 3),
    ("os.cpu_count() + 1", 2),
    ("2 * multiprocessing.cpu_count()", 2),
    ("max(2, os.cpu_count())", None),
    ("multiprocessing.cpu_count() - 1", None),
    ("int(os.environ['WORKERS'])", None),
    ("3 * 4", None),
])
def test_least_workers(expression: str, least: int | None) -> None:
    node = ast.parse(expression, mode="eval").body
    assert gunicorn_conf.least_workers(node) == least


def test_a_literal_after_a_computed_workers_wins() -> None:
    text = "import os\nworkers = os.cpu_count() * 2 + 1\nworkers = 5\n"
    assert gunicorn_conf.settings(text) == {"workers": ("5",)}
    text = "import os\nworkers = 5\nworkers = os.cpu_count() * 2 + 1\n"
    assert gunicorn_conf.settings(text)["workers-at-least"] == ("3", "os.cpu_count() * 2 + 1")
    assert "workers" not in gunicorn_conf.settings(text)


def test_cpu_count_workers_in_gunicorn_conf_are_not_one_worker(tmp_path: Path) -> None:
    """The SLES runbook's gunicorn.conf: ``workers = multiprocessing.cpu_count() * 2 + 1``
    was read as no setting, so gunicorn's default of one worker failed availability."""
    root = _host(tmp_path, {"etc/gunicorn/gunicorn.conf":
                            "import multiprocessing\nbind = 'unix:/run/gunicorn/socket'\n"
                            "workers = multiprocessing.cpu_count() * 2 + 1\n"},
                 args="-c /etc/gunicorn/gunicorn.conf")
    (finding,) = _findings(_scan(tmp_path, root), "SYSTEMD-AVAILABILITY-003")
    assert finding["status"] == "pass"
    assert finding["message"].startswith("at least 3 worker processes")
    assert any("multiprocessing.cpu_count() * 2 + 1" in e for e in finding["evidence"])


def test_unknown_computed_workers_skip_instead_of_one(tmp_path: Path) -> None:
    root = _host(tmp_path, {"etc/gunicorn/gunicorn.conf":
                            "import os\nworkers = int(os.environ.get('WORKERS', '4'))\n"},
                 args="-c /etc/gunicorn/gunicorn.conf --bind 127.0.0.1:8088")
    (finding,) = _findings(_scan(tmp_path, root), "SYSTEMD-AVAILABILITY-003")
    assert finding["status"] == "skip"
    assert "int(os.environ.get('WORKERS', '4'))" in finding["message"]


def test_command_line_workers_beat_the_computed_file(tmp_path: Path) -> None:
    root = _host(tmp_path, {"etc/gunicorn/gunicorn.conf":
                            "import os\nworkers = os.cpu_count() * 2 + 1\n"},
                 args="-c /etc/gunicorn/gunicorn.conf --workers 1 --bind 127.0.0.1:8088")
    (finding,) = _findings(_scan(tmp_path, root), "SYSTEMD-AVAILABILITY-003")
    assert finding["status"] == "fail"


def test_pip_style_reads_computed_workers_too(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "project", {
        "venv/pyvenv.cfg": VENV,
        "requirements.txt": "apache-superset==4.1.1\n",
        "gunicorn.conf.py": "import multiprocessing\nbind = '127.0.0.1:8088'\n"
                            "workers = multiprocessing.cpu_count() * 2 + 1\n",
        "run.sh": "#!/bin/sh\n. venv/bin/activate\nexec gunicorn -c gunicorn.conf.py "
                  "'superset.app:create_app()'\n",
    })
    report = scan_report(tmp_path, "--style", "pip", str(root))
    (finding,) = _findings(report, "PIP-AVAILABILITY-001")
    assert finding["status"] == "pass"
    assert "at least 3" in finding["message"]


# --- Apache mod_proxy in front of gunicorn ------------------------------------------------


def _apache(tmp_path: Path, *, tls: bool = False, balancer: bool = False) -> dict[str, Any]:
    site = APACHE_SITE.format(
        vhost="*:443" if tls else "*:80",
        ssl="    SSLEngine on\n    SSLCertificateFile /etc/letsencrypt/live/bi/fullchain.pem"
        if tls else "",
        target="balancer://superset/" if balancer else "http://127.0.0.1:8088/")
    root = _host(tmp_path, {
        "etc/apache2/apache2.conf": "IncludeOptional sites-enabled/*.conf\n",
        "etc/apache2/sites-enabled/superset.conf": (BALANCER if balancer else "") + site,
    })
    return _scan(tmp_path, root)


def test_apache_on_port_80_is_plain_http_not_direct_gunicorn(tmp_path: Path) -> None:
    """HISP-Uganda's script: Apache on *:80 proxies to gunicorn on 127.0.0.1:8088. The host
    checks said "no nginx: clients reach gunicorn directly on 127.0.0.1:8088", which no
    client can; the real problem is that Apache speaks plain HTTP."""
    report = _apache(tmp_path)
    every = [f for t in report["targets"] for f in t["findings"]]
    text = [" ".join([f["message"], *f["evidence"]]) for f in every]
    assert not [t for t in text if "clients reach gunicorn" in t or "no nginx" in t]
    (tls,) = _findings(report, "SYSTEMD-PROXY-TLS-001")
    assert tls["status"] == "fail"
    assert "plain HTTP only (Apache bi.example.org (*:80)" in tls["message"]
    (redirect,) = _findings(report, "SYSTEMD-PROXY-TLS-004")
    assert (redirect["status"], redirect["subject"]) == ("fail", "Apache bi.example.org (*:80)")
    (balance,) = _findings(report, "SYSTEMD-LOAD-BALANCING-001")
    assert balance["status"] == "fail" and "single server (127.0.0.1:8088)" in balance["message"]
    (hosts,) = _findings(report, "SYSTEMD-AVAILABILITY-001")
    assert any("ProxyPass / http://127.0.0.1:8088/" in e for e in hosts["evidence"])


def test_apache_with_ssl_engine_terminates_tls(tmp_path: Path) -> None:
    report = _apache(tmp_path, tls=True)
    (tls,) = _findings(report, "SYSTEMD-PROXY-TLS-001")
    assert tls["status"] == "pass" and "Apache terminates TLS" in tls["message"]
    (protocols,) = _findings(report, "SYSTEMD-PROXY-TLS-002")
    assert protocols["status"] == "skip" and "not audited" in protocols["message"]
    (redirect,) = _findings(report, "SYSTEMD-PROXY-TLS-004")
    assert redirect["status"] == "pass"


def test_apache_balancer_over_two_hosts(tmp_path: Path) -> None:
    """Members on Superset's port on two hosts, as nginx upstreams are matched."""
    report = _apache(tmp_path, tls=True, balancer=True)
    (balance,) = _findings(report, "SYSTEMD-LOAD-BALANCING-001")
    assert balance["status"] == "pass"
    (hosts,) = _findings(report, "SYSTEMD-AVAILABILITY-001")
    assert hosts["status"] == "pass" and "10.0.1.11, 10.0.1.12" in hosts["message"]


def test_apache_balancer_reaching_this_gunicorn_balances(tmp_path: Path) -> None:
    site = BALANCER.replace("http://10.0.1.11:8088", "http://127.0.0.1:8088") + \
        APACHE_SITE.format(vhost="*:80", ssl="", target="balancer://superset/")
    root = _host(tmp_path, {"etc/apache2/sites-enabled/superset.conf": site})
    report = _scan(tmp_path, root)
    (balance,) = _findings(report, "SYSTEMD-LOAD-BALANCING-001")
    assert balance["status"] == "pass" and "2 servers" in balance["message"]
    (hosts,) = _findings(report, "SYSTEMD-AVAILABILITY-001")
    assert hosts["status"] == "pass"


# --- sandboxing: a weaker value is set, not missing -----------------------------------------


def test_protect_system_full_is_not_missing(tmp_path: Path) -> None:
    """HISP-Uganda's units set NoNewPrivileges, PrivateTmp and ProtectSystem=full; the
    finding said "missing ProtectSystem=", which the unit sets."""
    root = _host(tmp_path, {}, extra="NoNewPrivileges=true\nPrivateTmp=true\n"
                 "ProtectSystem=full\n")
    (finding,) = _findings(_scan(tmp_path, root), "SYSTEMD-ISOLATION-002")
    assert finding["status"] == "fail"
    assert "missing ProtectHome= (ProtectSystem=full set)" in finding["message"]
    assert "ProtectSystem=full is set but weaker than the strictest value" in finding["evidence"]


# --- a wrapper script systemd cannot execute; $PWD in a wrapper's exports ------------------

WRAPPED_UNIT = """\
[Service]
WorkingDirectory=/home/ops/superset
ExecStart=/home/ops/superset/run_superset.sh
Restart=always

[Install]
WantedBy=multi-user.target
"""
WRAPPER = """\
{first}
export SUPERSET_CONFIG_PATH=$PWD/superset/superset_config.py
{cd}gunicorn -w 10 -b 127.0.0.1:8088 "superset.app:create_app()"
"""
CONFIG = "SECRET_KEY = 'x' * 8\nWTF_CSRF_ENABLED = False\n"


def _wrapped(tmp_path: Path, first: str, cd: str = "") -> dict[str, Any]:
    root = write_tree(tmp_path / "host", {
        "etc/systemd/system/superset.service": WRAPPED_UNIT,
        "home/ops/superset/run_superset.sh": WRAPPER.format(first=first, cd=cd),
        "home/ops/superset/superset/superset_config.py": CONFIG,
        "somewhere/superset/superset_config.py": "WTF_CSRF_ENABLED = True\n",
    })
    return _scan(tmp_path, root)


def test_wrapper_without_interpreter_line_cannot_start(tmp_path: Path) -> None:
    """bigdata-29's run_superset.sh starts with '# !/bin/bash': systemd gets ENOEXEC. The
    unit was dropped as "no systemd unit runs Superset" and every host check skipped."""
    report = _wrapped(tmp_path, "# !/bin/bash")
    (restart,) = _findings(report, "SYSTEMD-SUPERVISION-001")
    assert restart["status"] == "fail" and "Exec format error" in restart["message"]
    (workers,) = _findings(report, "SYSTEMD-AVAILABILITY-003")
    assert workers["status"] == "fail" and "cannot start" in workers["message"]
    everything = [f for t in report["targets"] for f in t["findings"]]
    assert not [f for f in everything if "no systemd unit runs Superset" in f["message"]]


def test_wrapper_with_interpreter_line_starts(tmp_path: Path) -> None:
    report = _wrapped(tmp_path, "#!/bin/bash")
    (restart,) = _findings(report, "SYSTEMD-SUPERVISION-001")
    assert restart["status"] == "pass"
    (workers,) = _findings(report, "SYSTEMD-AVAILABILITY-003")
    assert workers["status"] == "pass"


def test_pwd_in_a_wrapper_export_is_the_working_directory(tmp_path: Path) -> None:
    """SUPERSET_CONFIG_PATH=$PWD/superset/superset_config.py was left unresolved, so no
    configuration was read and Superset's defaults passed CSRF the config turns off."""
    report = _wrapped(tmp_path, "#!/bin/sh")
    (csrf,) = _findings(report, "SUPERSET-APP-SECURITY-002")
    assert csrf["status"] == "fail"
    assert any("home/ops/superset/superset/superset_config.py" in e for e in csrf["evidence"])


def test_pwd_after_cd_is_not_guessed(tmp_path: Path) -> None:
    report = _wrapped(tmp_path, "#!/bin/sh", cd="cd /somewhere\n")
    (csrf,) = _findings(report, "SUPERSET-APP-SECURITY-002")
    assert not any("home/ops/superset/superset/superset_config.py" in e
                   for e in csrf["evidence"])


# --- pip: SUPERSET_CONFIG_PATH under a directory variable the script cd's into -------------

MISTER_SCRIPT = """\
#!/bin/bash
PROJECT_DIR=~/superset-4.1.2
cd "$PROJECT_DIR" || {{ echo "Failed"; exit 1; }}
{activate}
export SUPERSET_CONFIG_PATH="$PROJECT_DIR/custom_files/superset_config.py"
superset run -p 5000 -h 127.0.0.1 --with-threads
"""


def _mister(tmp_path: Path, activate: str) -> dict[str, Any]:
    root = write_tree(tmp_path / "project", {
        "venv/pyvenv.cfg": VENV,
        "custom_files/start.sh": MISTER_SCRIPT.format(activate=activate),
        "custom_files/superset_config.py": "WTF_CSRF_ENABLED = False\n",
    })
    return scan_report(tmp_path, "--style", "pip", str(root))


def test_config_under_the_directory_the_script_cds_into_is_read(tmp_path: Path) -> None:
    """TawanMd/superset-mister: the configuration was reported "not in the audited tree"
    (it is) and skipped; the script cd's into $PROJECT_DIR and activates venv/ there."""
    report = _mister(tmp_path, "source venv/bin/activate")
    (csrf,) = _findings(report, "SUPERSET-APP-SECURITY-002")
    assert csrf["status"] == "fail"
    assert any("custom_files/superset_config.py" in e for e in csrf["evidence"])


def test_unresolved_directory_variable_is_named_not_called_missing(tmp_path: Path) -> None:
    report = _mister(tmp_path, "")  # no venv activated there: $PROJECT_DIR is not known
    problems = [p for t in report["targets"] for p in t["problems"]]
    assert any("holds $PROJECT_DIR, which is known only by running the script" in p
               for p in problems)
    assert not any("not in the audited tree" in p for p in problems)


# --- SUPERSET-SCALABILITY-002 on this case (fixed in 89ed148) ---------------------------------

HISP = Path(__file__).parent / "fixtures" / "realworld" / "systemd-apache-celery-hisp-direct"


def test_unset_results_backend_is_an_error_not_pending_forever(tmp_path: Path) -> None:
    """HISP-Uganda's direct install runs a Celery worker without RESULTS_BACKEND."""
    report = _scan(tmp_path, HISP / "host")
    (finding,) = _findings(report, "SUPERSET-SCALABILITY-002")
    assert finding["status"] == "fail"
    assert "Pending' forever" not in finding["message"]
    assert "Results backend is not configured" in finding["message"]

"""Bounded parsing (issue 14 item 6): inputs built to make parsing take minutes, memory or
the audit itself are refused or bounded with a problem that names them, and the rest of
the target is still audited.

Each attack is sized to take seconds (or a crash) on the code before the bounds, and is
shown by what the report says, never by a timing: a hang guard (SIGALRM) only stops a run
that has gone wrong.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import scan_report
from fuzzlib import time_limit

from auditor.checks.common.tree import Tree
from auditor.checks.compose.discover import load
from auditor.checks.superset.configmodel import Unknown, analyze
from auditor.checks.systemd.nginx import load_nginx

ROOT = Path(__file__).parents[1]
HARDENED = ROOT / "tests" / "fixtures" / "systemd" / "pass-hardened"
HANG_GUARD_S = 60


@pytest.fixture(autouse=True)
def hang_guard() -> Iterator[None]:
    with time_limit(HANG_GUARD_S):  # fuzzlib's: a SIGALRM that no check can catch
        yield


def statuses(target: dict[str, Any], check_id: str) -> dict[str, str]:
    return {f["subject"]: f["status"] for f in target["findings"] if f["check_id"] == check_id}


def messages(target: dict[str, Any], check_id: str) -> list[str]:
    return [f["message"] for f in target["findings"] if f["check_id"] == check_id]


def only_target(report: dict[str, Any], style: str) -> dict[str, Any]:
    (target,) = [t for t in report["targets"] if t["style"] == style]
    assert not [f for f in target["findings"] if f["status"] == "error"]
    return target


def host_tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    shutil.copytree(HARDENED, tree, symlinks=True)
    return tree


# -- superset_config.py ---------------------------------------------------------------

FSTRING_FIELDS = 'BANNER = f"' + "{a}" * 60_000 + '"\n'
"""One f-string of 60,000 fields, 180 KB (under the size cap): Python 3.11 parses it in
time (length x fields), about 5 s."""


def kubernetes_project(root: Path, config: str) -> Path:
    config_map = {"apiVersion": "v1", "kind": "ConfigMap",
                  "metadata": {"name": "superset-config", "namespace": "superset"},
                  "data": {"superset_config.py": config}}
    container = {"name": "superset", "image": "apache/superset:4.0.2",
                 "command": ["gunicorn", "superset.app:create_app()"],
                 "env": [{"name": "SUPERSET_SECRET_KEY", "value": "short"}],
                 "volumeMounts": [{"name": "config", "mountPath": "/app/pythonpath"}]}
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment",
                  "metadata": {"name": "superset", "namespace": "superset"},
                  "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "superset"}},
                           "template": {"metadata": {"labels": {"app": "superset"}},
                                        "spec": {"containers": [container], "volumes": [
                                            {"name": "config",
                                             "configMap": {"name": "superset-config"}}]}}}}
    root.mkdir()
    (root / "superset.yaml").write_text(yaml.safe_dump_all([config_map, deployment],
                                                           width=2**30))
    return root


def test_configmap_of_880_kb_holding_a_big_fstring_is_named_and_not_parsed(
    tmp_path: Path,
) -> None:
    # The attack of issue 14: 52 s and 569 MB in ast.parse, over the chart's 512Mi.
    head = "import os\nSQLALCHEMY_DATABASE_URI = 'sqlite:////tmp/superset.db'\n"
    config = head + 'BANNER = f"' + "{a}" * 293_000 + '"\n'
    assert 850_000 < len(config) < 1024 * 1024
    project = kubernetes_project(tmp_path / "k8s", config)
    target = only_target(scan_report(tmp_path, str(project), "--style", "kubernetes"),
                         "kubernetes")
    (problem,) = [p for p in target["problems"] if p.startswith("superset.config ")]
    assert problem.endswith("ConfigMap superset-config key superset_config.py: larger than "
                            "256 KiB (879,078 bytes), not parsed")
    # Not the env's short key, not sqlite: the file may set anything.
    assert statuses(target, "SUPERSET-CONFIG-SECRETS-001") == {
        "apps/v1/Deployment/superset/superset:SECRET_KEY": "skip"}
    assert statuses(target, "SUPERSET-STORAGE-001") == {
        "apps/v1/Deployment/superset/superset:SQLALCHEMY_DATABASE_URI": "skip"}
    (message,) = messages(target, "SUPERSET-CONFIG-SECRETS-001")
    assert "larger than 256 KiB" in message
    # The rest of the workload is still audited (two replicas).
    assert statuses(target, "K8S-AVAILABILITY-001") == {
        "apps/v1/Deployment/superset/superset": "pass"}


def test_configmap_that_is_not_python_is_named_and_its_settings_unknown(
    tmp_path: Path,
) -> None:
    # A variant: before the bounds the problem was dropped and Superset's defaults judged
    # (a sqlite metadata database the file does not choose, failed).
    config = "SQLALCHEMY_DATABASE_URI = 'postgresql://superset@db/superset'\nX = (\n"
    project = kubernetes_project(tmp_path / "k8s", config)
    target = only_target(scan_report(tmp_path, str(project), "--style", "kubernetes"),
                         "kubernetes")
    assert ("superset.config apps/v1/Deployment/superset/superset: ConfigMap superset-config "
            "key superset_config.py:2: not valid Python (SyntaxError)") in target["problems"]
    assert set(statuses(target, "SUPERSET-STORAGE-001").values()) == {"skip"}


def test_oversize_superset_config_on_a_host_tree_is_named_and_the_checks_skip(
    tmp_path: Path,
) -> None:
    tree = host_tree(tmp_path)
    config = tree / "etc/superset/superset_config.py"
    padding = "# padding for the size cap, not code\n" * 8_000
    config.write_text(config.read_text() + padding)
    size = config.stat().st_size
    assert size > 256 * 1024
    target = only_target(scan_report(tmp_path, str(tree), "--style", "systemd"), "systemd")
    assert (f"superset.config: etc/superset/superset_config.py: larger than 256 KiB "
            f"({size:,} bytes), not parsed") in target["problems"]
    assert set(statuses(target, "SUPERSET-CONFIG-SECRETS-001").values()) == {"skip"}
    # The host's own checks do not depend on the file.
    assert statuses(target, "SYSTEMD-PROXY-TLS-001")


def test_fstring_under_the_size_cap_that_parses_for_seconds_is_refused() -> None:
    config = analyze("SECRET_KEY = 'x' * 3\n" + FSTRING_FIELDS, "superset_config.py", {})
    (problem,) = config.problems
    assert problem.startswith("superset_config.py: f-strings too costly to parse (")
    assert problem.endswith(" length x fields, at most 200,000,000), not parsed")
    assert isinstance(config.get("SECRET_KEY").value, Unknown)


def test_short_fstrings_of_a_real_config_are_parsed() -> None:
    uri = ("SQLALCHEMY_DATABASE_URI = f'postgresql://{USER}:{PASSWORD}@{HOST}:{PORT}/{DB}'\n")
    text = ("USER = 'superset'\nPASSWORD = 'p'\nHOST = 'db'\nPORT = 5432\nDB = 'superset'\n"
            + uri * 2_000)
    config = analyze(text, "superset_config.py", {})
    assert config.problems == ()
    assert config.get("SQLALCHEMY_DATABASE_URI").value == "postgresql://superset:p@db:5432/superset"


@pytest.mark.parametrize(("text", "error"), [
    ("SECRET_KEY = " + "(" * 1_000 + "'k'" + ")" * 1_000 + "\n", "SyntaxError"),
    ("SECRET_KEY = " + "-" * 100_000 + "1\n", "MemoryError"),
    ("SECRET_KEY = " + "'k' + " * 30_000 + "'k'\n", "RecursionError"),
], ids=["parentheses", "unary-minus", "addition-chain"])
def test_deep_nesting_is_a_named_problem_never_a_crash(text: str, error: str) -> None:
    config = analyze(text, "superset_config.py", {})
    assert config.problems == (f"superset_config.py:1: not valid Python ({error})",)
    assert isinstance(config.get("SECRET_KEY").value, Unknown)


def test_a_value_doubled_by_reusing_names_is_unknown_not_built() -> None:
    # 2**25 characters here; forty doublings would be a terabyte.
    doubled = "X = 'ab'\n" + "X = f'{X}{X}'\n" * 24 + "SECRET_KEY = X\n"
    value = analyze(doubled, "superset_config.py", {}).get("SECRET_KEY").value
    assert isinstance(value, Unknown)
    assert "a value of more than 1,000,000 characters" in value.reason
    formatted = "X = 'ab'\n" + "X = '%s%s' % (X, X)\n" * 24 + "SECRET_KEY = X\n"
    assert isinstance(analyze(formatted, "superset_config.py", {}).get("SECRET_KEY").value,
                      Unknown)


def test_a_percent_field_too_wide_is_not_built() -> None:
    value = analyze("SECRET_KEY = '%50000000s' % 'k'\n", "superset_config.py",
                    {}).get("SECRET_KEY").value
    assert value == Unknown("built with % formatting of a field too wide to build")
    narrow = analyze("SECRET_KEY = '%-60s' % 'k'\n", "superset_config.py", {})
    assert narrow.get("SECRET_KEY").value == "k" + " " * 59


def test_shared_dicts_doubled_sixty_times_are_bounded() -> None:
    # Compared (conditional assignment) or printed, these would take 2**60 steps.
    text = ("from settings import DEV\nX = {'a': 1}\nY = {'a': 1}\n"
            + "X = {'a': X, 'b': X}\nY = {'a': Y, 'b': Y}\n" * 60
            + "FEATURE_FLAGS = X\nif DEV:\n    FEATURE_FLAGS = Y\nBANNER = f'{X}'\n")
    config = analyze(text, "superset_config.py", {})
    assert config.problems == ()
    flags = config.get("FEATURE_FLAGS").value
    assert isinstance(flags, dict) and sorted(flags) == ["a", "b"]
    # Its text would hold the Unknown values the bound left inside: not a value of the file.
    assert config.get("BANNER").value == Unknown("built with an f-string from a non-scalar "
                                                 "value")


def test_gunicorn_conf_nested_beyond_the_parser_is_no_crash(tmp_path: Path) -> None:
    # Before: MemoryError out of ast.parse ended the whole host audit ("nothing evaluated").
    tree = host_tree(tmp_path)
    (tree / "etc/superset/gunicorn.conf.py").write_text("timeout = " + "-" * 100_000 + "1\n")
    target = only_target(scan_report(tmp_path, str(tree), "--style", "systemd"), "systemd")
    assert statuses(target, "SUPERSET-CONFIG-SECRETS-001")


def test_gunicorn_conf_with_a_costly_fstring_is_named(tmp_path: Path) -> None:
    tree = host_tree(tmp_path)
    (tree / "etc/superset/gunicorn.conf.py").write_text("timeout = 120\n" + FSTRING_FIELDS)
    target = only_target(scan_report(tmp_path, str(tree), "--style", "systemd"), "systemd")
    (problem,) = [p for p in target["problems"]
                  if p.startswith("file /etc/superset/gunicorn.conf.py")]
    assert "f-strings too costly to parse" in problem and problem.endswith(", not parsed")


def test_gunicorn_conf_of_a_pip_project_with_a_costly_fstring_is_named(tmp_path: Path) -> None:
    """The pip style reads the same file for a gunicorn launch; it skipped it silently."""
    project = tmp_path / "pip"
    shutil.copytree(Path(__file__).resolve().parents[1] / "examples" / "pip-dev", project,
                    symlinks=True)
    script = project / "run.sh"
    script.write_text(script.read_text().replace(
        "nohup superset run -h 0.0.0.0 -p 8088 --with-threads --reload --debugger",
        "exec gunicorn -w 4 -b 127.0.0.1:8088 'superset.app:create_app()'"))
    (project / "gunicorn.conf.py").write_text("workers = 8\n" + FSTRING_FIELDS)
    target = only_target(scan_report(tmp_path, str(project), "--style", "pip"), "pip")
    (problem,) = [p for p in target["problems"] if p.startswith("file gunicorn.conf.py")]
    assert "f-strings too costly to parse" in problem and problem.endswith(", not parsed")


# -- nginx ----------------------------------------------------------------------------


def test_nginx_files_each_including_the_whole_folder_are_bounded(tmp_path: Path) -> None:
    # The attack: 8 files each with include inc/*.conf expand along every path (109,600
    # expansions, 114 s). nginx itself never ends on it.
    tree = host_tree(tmp_path)
    inc = tree / "etc/nginx/inc"
    inc.mkdir()
    for index in range(8):
        (inc / f"f{index}.conf").write_text(
            f"include /etc/nginx/inc/*.conf;\nclient_max_body_size {index + 1}m;\n")
    (tree / "etc/nginx/conf.d/inc.conf").write_text("include /etc/nginx/inc/*.conf;\n")
    target = only_target(scan_report(tmp_path, str(tree), "--style", "systemd"), "systemd")
    assert ("systemd.nginx: /etc/nginx/nginx.conf: includes expand to more than 10,000 "
            "files, not read in full") in target["problems"]
    # A configuration read in part is judged by nobody.
    assert set(statuses(target, "SYSTEMD-PROXY-TLS-001").values()) == {"skip"}
    assert "nginx /etc/nginx/inc/f0.conf" in " ".join(target["problems"])


def test_nginx_includes_fanning_out_without_a_loop_are_bounded(tmp_path: Path) -> None:
    # A variant with no cycle: 6 levels of 5 files, each including the next level's
    # folder, expand 5**6 = 15,625 files (nginx would expand them all too).
    tree = host_tree(tmp_path)
    for level in range(6):
        folder = tree / f"etc/nginx/l{level}"
        folder.mkdir()
        for index in range(5):
            body = (f"include /etc/nginx/l{level + 1}/*.conf;\n" if level < 5
                    else f"client_body_timeout {index + 1}s;\n")
            (folder / f"f{index}.conf").write_text(body)
    (tree / "etc/nginx/conf.d/fan.conf").write_text("include /etc/nginx/l0/*.conf;\n")
    problems: dict[str, str] = {}
    load_nginx(Tree(tree), problems)
    assert problems["systemd.nginx"] == (
        "/etc/nginx/nginx.conf: includes expand to more than 10,000 files, not read in full")


def test_nginx_files_too_large_together_are_bounded(tmp_path: Path) -> None:
    tree = host_tree(tmp_path)
    block = tree / "etc/nginx/block"
    block.mkdir()
    for index in range(3):
        (block / f"deny{index}.conf").write_text("deny 10.0.0.1;\n" * 60_000)  # 900 KB
    (tree / "etc/nginx/conf.d/block.conf").write_text("include /etc/nginx/block/*.conf;\n")
    problems: dict[str, str] = {}
    load_nginx(Tree(tree), problems)
    assert problems["systemd.nginx"] == ("/etc/nginx/nginx.conf: the files it includes hold "
                                         "more than 2 MiB together, not read in full")


def test_a_snippet_included_twice_is_expanded_twice(tmp_path: Path) -> None:
    # Parsed once, but nginx expands an include every time: both servers get its routes.
    tree = host_tree(tmp_path)
    (tree / "etc/nginx/snippets/app.conf").write_text(
        "location /app/ { proxy_pass http://127.0.0.1:8088; }\n")
    (tree / "etc/nginx/conf.d/two.conf").write_text(
        "server { listen 8081; include /etc/nginx/snippets/app.conf; }\n"
        "server { listen 8082; include /etc/nginx/snippets/app.conf; }\n")
    problems: dict[str, str] = {}
    config = load_nginx(Tree(tree), problems)
    routes = {(s.listens[0].port, r.match, r.target) for s in config.servers for r in s.routes
              if r.match == "/app/"}
    assert routes == {(8081, "/app/", "http://127.0.0.1:8088"),
                      (8082, "/app/", "http://127.0.0.1:8088")}
    assert "systemd.nginx" not in problems


# -- Compose extends ------------------------------------------------------------------


def extends_chain(root: Path, length: int) -> Path:
    lines = ["services:", "  superset:", "    image: apache/superset:4.1.2",
             "    ports: ['8088:8088']", "  s0:", "    image: busybox:1.36",
             "    environment:", "      V0: '0'"]
    for index in range(1, length):
        lines += [f"  s{index}:", f"    extends: s{index - 1}", "    environment:",
                  f"      V{index}: '{index}'"]
    root.mkdir()
    (root / "compose.yaml").write_text("\n".join(lines) + "\n")
    return root


@pytest.mark.parametrize("length", [900, 3_000])
def test_extends_chain_beyond_the_bound_is_named_and_the_rest_audited(
    tmp_path: Path, length: int,
) -> None:
    # 900: cubic before (35 s); 3,000: the recursion ended the audit ("nothing auditable
    # found").
    project = extends_chain(tmp_path / "p", length)
    target = only_target(scan_report(tmp_path, str(project), "--style", "compose"), "compose")
    assert ("service s65: compose.yaml: extends a chain of more than 64 services, not "
            "resolved (the service is not audited)") in target["problems"]
    assert f"service s{length - 1}: compose.yaml: extends a chain of more than 64 services, " \
           "not resolved (the service is not audited)" in target["problems"]
    assert not [p for p in target["problems"] if p.startswith("service s64:")]
    audited = set(statuses(target, "COMPOSE-ISOLATION-002"))
    assert audited == {"service/superset", *(f"service/s{i}" for i in range(65))}
    assert statuses(target, "SUPERSET-CONFIG-SECRETS-001")


def test_extends_chain_within_the_bound_inherits_every_level(tmp_path: Path) -> None:
    project = extends_chain(tmp_path / "p", 65)
    loaded = load(Tree(project), ".", host_tree=False)
    last = loaded.services["s64"]
    assert last["image"] == "busybox:1.36"
    assert last["environment"] == {f"V{i}": str(i) for i in range(65)}
    assert loaded.services["s1"]["environment"] == {"V0": "0", "V1": "1"}
    assert not [p for p in loaded.problems if p.startswith("service ")]


def test_extends_loop_is_still_named(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(
        "services:\n"
        "  a: {extends: b, image: busybox:1.36}\n"
        "  b: {extends: c, environment: {B: '1'}}\n"
        "  c: {extends: a, environment: {C: '1'}}\n"
        "  d: {extends: a, environment: {D: '1'}}\n")
    loaded = load(Tree(tmp_path), ".", host_tree=False)
    assert loaded.problems["service a"] == "extends loops back to b in compose.yaml"
    assert loaded.services["d"]["image"] == "busybox:1.36"
    assert loaded.services["d"]["environment"] == {"B": "1", "C": "1", "D": "1"}


def test_a_huge_chart_yaml_is_not_read_for_the_name(tmp_path: Path) -> None:
    """chart_identity parsed Chart.yaml whole, with no cap (every other reader has one)."""
    from auditor.checks.kubernetes.helm import chart_identity

    chart = tmp_path / "mychart"
    chart.mkdir()
    (chart / "Chart.yaml").write_text("name: big\nversion: 1.0.0\n# " + "x" * 2_000_000 + "\n")
    assert chart_identity(chart / "Chart.yaml") == ("mychart", "?")
    (chart / "Chart.yaml").write_text("name: small\nversion: 1.0.0\n")
    assert chart_identity(chart / "Chart.yaml") == ("small", "1.0.0")

"""A superset_config.py that Superset cannot import fails SUPERSET-CONFIG-SECRETS-004 (the
QiMata Ansible role writes ``SESSION_COOKIE_SECURE = false``, a NameError at import), and
no other check passes or fails on values of a module that never loads.

The analysis is static: a NameError is reported only where it is certain, so most cases
here are shapes that must NOT be reported."""

from __future__ import annotations

import ast
import shutil
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import scan_report, write_tree

from auditor.checks.superset.configmodel import Unknown, analyze
from auditor.checks.superset.importcheck import name_failure

ROOT = Path(__file__).parents[1]
HOST = ROOT / "tests" / "fixtures" / "systemd" / "pass-hardened"
PIP = ROOT / "tests" / "fixtures" / "pip" / "pass-hardened"
QIMATA = (ROOT / "tests" / "fixtures" / "realworld" / "systemd-gunicorn-healthtimer-qimata-role"
          / "host")
CHECK = "SUPERSET-CONFIG-SECRETS-004"


def undefined(text: str) -> tuple[str | None, int] | None:
    """(name, line) of the certain NameError in ``text``, or None."""
    source = textwrap.dedent(text).lstrip("\n")
    failure = name_failure(ast.parse(source), source, "superset_config.py")
    return None if failure is None else (failure.name, failure.line)


# -- names that certainly raise ---------------------------------------------------------

@pytest.mark.parametrize(("text", "name", "line"), [
    ("SESSION_COOKIE_SECURE = false\n", "false", 1),
    ("DEBUG = False\nTALISMAN_ENABLED = true\n", "true", 2),
    ("PUBLIC_ROLE_LIKE = null\n", "null", 1),
    ("FEATURE_FLAGS = {'ALERT_REPORTS': true}\n", "true", 1),
    ("SECRET_KEY = os.environ['SUPERSET_SECRET_KEY']\n", "os", 1),
    ("FEATURE_FLAGS['ALERT_REPORTS'] = True\n", "FEATURE_FLAGS", 1),
    ("FEATURE_FLAGS.update({'X': True})\nFEATURE_FLAGS = {}\n", "FEATURE_FLAGS", 1),
    ("A = B\nB = 1\n", "B", 1),  # defined later in the file, used before
    ("X += 1\n", "X", 1),
    ("if DEBUG:\n    pass\n", "DEBUG", 1),  # the test runs, whatever the branch
    ("for x in ITEMS:\n    pass\n", "ITEMS", 1),
    ("@decorate\ndef f():\n    pass\n", "decorate", 1),
    ("def f(x=default):\n    return x\n", "default", 1),
    ("class C:\n    a = false\n", "false", 2),  # a class body runs at import
    ("class C(Base):\n    pass\n", "Base", 1),
    ("X = [y for y in ITEMS]\n", "ITEMS", 1),  # the first iterable runs in the module
    ("X = f'{missing}'\n", "missing", 1),
    ("X = a or 1\n", "a", 1),  # the first operand always runs
    ("try:\n    X = false\nexcept ImportError:\n    pass\n", "false", 2),
    ("try:\n    pass\nfinally:\n    X = false\n", "false", 4),
    ("with open_it() as f:\n    pass\n", "open_it", 1),
    ("import logging\nLOG = logging.getLogger(__name__)\nX = false\n", "false", 3),
], ids=lambda v: repr(v)[:40] if isinstance(v, str) else str(v))
def test_a_name_read_at_import_and_bound_nowhere_before_is_reported(
        text: str, name: str, line: int) -> None:
    assert undefined(text) == (name, line)


# -- shapes where the name may exist, or its error may not happen --------------------------

@pytest.mark.parametrize("text", [
    "SESSION_COOKIE_SECURE = False\nDEBUG = True\nX = None\n",
    "import os\nSECRET_KEY = os.environ['K']\n",
    "import os.path\nX = os.path.join('a', 'b')\n",
    "from flask_appbuilder.security.manager import AUTH_OAUTH\nAUTH_TYPE = AUTH_OAUTH\n",
    "def f():\n    return false\n",  # only inside a function body
    "f = lambda: false\n",
    "from superset_config_docker import *\nX = false\n",  # the star import may bind it
    "try:\n    X = false\nexcept NameError:\n    X = False\n",
    "try:\n    X = false\nexcept Exception:\n    X = False\n",
    "try:\n    X = false\nexcept:\n    X = False\n",
    "try:\n    X = false\nexcept (ValueError, BaseException):\n    pass\n",
    "class ImportError(Exception):\n    pass\ntry:\n    X = false\nexcept ImportError:\n    pass\n",
    "if True:\n    pass\n",
    "import sys\nif sys.version_info > (3,):\n    false = False\nX = false\n",  # conditional
    "for false in []:\n    pass\nX = false\n",
    "with open('x') as c:\n    X = false\n",  # a context manager may suppress it
    "import contextlib\nwith contextlib.suppress(NameError):\n    X = false\n",
    "while False:\n    X = false\n",
    "X = 1 if True else false\n",
    "X = True or false\n",
    "X = 1 < 2 < false\n",
    "X = [false for y in []]\n",
    "X = (false for y in range(3))\n",
    "X = [z for y in range(3) for z in false]\n",
    "X = [w := 1, w]\n",
    "Y = [(q := 2) for _ in range(1)]\nX = q\n",
    "match 1:\n    case int(v):\n        pass\nX = v\n",
    "def setup():\n    global false\n    false = False\nsetup()\nX = false\n",
    "exec('false = False')\nX = false\n",
    "globals()['false'] = False\nX = false\n",
    "import sys\nsys.modules[__name__].false = False\nX = false\n",
    "setattr(mod, 'false', False)\nX = false\n",
    "import builtins\nbuiltins.false = False\nX = false\n",
    "X = __file__\nY = __name__\nZ = __doc__\n",
    "X = len([])\nY = ExceptionGroup\nZ = anext\n",
    "assert false\n",  # python -O drops asserts
    "x: undefined_annotation = 1\n",  # annotations may be lazy (3.14)
    "class C(metaclass=type):\n    a = false\n",
    "class Base:\n    pass\nclass C(Base):\n    a = false\n",  # a base may bring __prepare__
    "del false\n",
    "false = False\ndel false\nX = 1\n",
    "SECRET_KEY = '{{ superset_secret }}'\nX = false\n",  # a template, rendered later
    "ROW_LIMIT = 5000\nX = false  # $FLAG\n",  # envsubst may rewrite it
    "X = '@ENABLED@'\nY = false\n",  # configure_file or sed may rewrite it
    "X = 1\n",
    "",
])
def test_shapes_where_the_name_may_exist_or_its_error_not_happen_are_not_reported(
        text: str) -> None:
    assert undefined(text) is None


def test_names_bound_only_inside_functions_do_not_bind_the_module() -> None:
    assert undefined("def f():\n    false = False\nX = false\n") == ("false", 3)


def test_a_class_body_sees_its_own_names_and_then_the_module() -> None:
    assert undefined("class C:\n    a = 1\n    b = a\n") is None
    assert undefined("class C:\n    a = 1\nX = a\n") == ("a", 3)


def test_an_unquoted_secret_is_not_shown() -> None:
    source = "SECRET_KEY = hunter2isMyKey\n"
    failure = name_failure(ast.parse(source), source, "superset_config.py")
    assert failure is not None and failure.name is None
    assert "hunter2" not in failure.message and "line 1" in failure.message
    source = "SECRET_KEY = os.environ['K']\n"
    failure = name_failure(ast.parse(source), source, "superset_config.py")
    assert failure is not None and failure.name == "os"  # read from, not a value
    source = "DATABASES = {'password': Sup3rS3cret}\n"
    failure = name_failure(ast.parse(source), source, "superset_config.py")
    assert failure is not None and "Sup3r" not in failure.message


# -- the configuration model ------------------------------------------------------------

def test_the_qimata_config_is_a_load_failure_and_sets_nothing() -> None:
    text = (QIMATA / "etc/superset/superset_config.py").read_text()
    config = analyze(text, "etc/superset/superset_config.py", {})
    failure = config.load_failure
    assert failure is not None and (failure.error, failure.name, failure.line) == (
        "NameError", "false", 82)
    assert config.problems == (
        "etc/superset/superset_config.py raises NameError at import: name 'false' is not "
        "defined (line 82); Superset will not start",)
    for name in ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "CACHE_CONFIG", "DEBUG"):
        value = config.get(name).value
        assert isinstance(value, Unknown) and "NameError" in value.reason


@pytest.mark.parametrize(("text", "line"), [
    ("SECRET_KEY = 'x\n", 1),
    ("X = 1\nif True\n    Y = 2\n", 2),
    ("X = (\n", 1),
    ("return 1\n", 1),  # only the compiler says so
    ("X = 1\nbreak\n", 2),
])
def test_a_syntax_error_is_a_load_failure(text: str, line: int) -> None:
    config = analyze(text, "superset_config.py", {})
    failure = config.load_failure
    assert failure is not None and failure.error == "SyntaxError" and failure.line == line
    assert failure.message.startswith("superset_config.py is not valid Python: ")
    assert failure.message.endswith(f"(line {line}); Superset will not start")
    assert config.problems == (f"superset_config.py:{line}: not valid Python (SyntaxError)",)
    assert isinstance(config.get("SECRET_KEY").value, Unknown)


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="a 3.11 parser rejects PEP 701")
def test_a_syntax_error_where_a_newer_python_may_parse_the_file_is_not_a_load_failure() -> None:
    text = "NAME = 'x'\nX = f\"{NAME + \"y\"}\"\n"
    config = analyze(text, "superset_config.py", {})
    assert config.load_failure is None
    (problem,) = config.problems
    assert "f-strings of Python 3.12" in problem and "cannot parse" in problem


@pytest.mark.parametrize("text", [
    "SECRET_KEY = {{ secret_key }}\nX = (\n",
    "ROW_LIMIT = $ROW_LIMIT\n",
    "ROW_LIMIT = ${ROW_LIMIT}\n",
    "ENABLE_PROXY_FIX = @PROXY_FIX@\n",
])
def test_a_template_that_is_not_python_yet_is_not_a_load_failure(text: str) -> None:
    config = analyze(text, "superset_config.py", {})
    assert config.load_failure is None and config.problems


def test_the_secret_value_of_a_syntax_error_line_is_not_in_the_message() -> None:
    config = analyze("SECRET_KEY = 'Sup3rS3cretValue\n", "superset_config.py", {})
    assert config.load_failure is not None
    assert "Sup3r" not in config.load_failure.message


# -- end to end, one audit per style that reads the configuration -------------------------

BROKEN = "import os\nSECRET_KEY = os.environ.get('SUPERSET_SECRET_KEY')\nDEBUG = false\n"
SETTING_SUBJECTS = ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "CACHE_CONFIG", "SESSION_COOKIE",
                    "WTF_CSRF_ENABLED", "TALISMAN_ENABLED", "DEBUG", "FEATURE_FLAGS",
                    "RATELIMIT", "STATS_LOGGER", "PUBLIC_ROLE_LIKE", "CORS_OPTIONS")


def _targets(report: dict[str, Any], style: str) -> dict[str, Any]:
    (target,) = [t for t in report["targets"] if t["style"] == style]
    assert not [f for f in target["findings"] if f["status"] == "error"]
    return target


def _assert_fails_and_nothing_judged_on_values(target: dict[str, Any], path: str,
                                               line: int) -> None:
    mine = [f for f in target["findings"] if f["check_id"] == CHECK]
    assert mine and {f["status"] for f in mine} == {"fail"}
    for finding in mine:
        assert finding["severity"] == "critical"
        assert "raises NameError at import: name 'false' is not defined" in finding["message"]
        assert f"(line {line}); Superset will not start" in finding["message"]
        assert any(f"{path}:{line}" in e for e in finding["evidence"])
    judged = [(f["check_id"], f["subject"], f["status"]) for f in target["findings"]
              if f["check_id"].startswith("SUPERSET-") and f["check_id"] != CHECK
              and f["subject"].split(":")[-1] in SETTING_SUBJECTS
              and f["status"] in ("pass", "warn", "fail")]
    assert not judged, judged
    # The other configuration checks skip, naming the import failure.
    secret = [f for f in target["findings"] if f["check_id"] == "SUPERSET-CONFIG-SECRETS-001"]
    assert secret and all(f["status"] == "skip" and "NameError" in f["message"]
                          for f in secret)


def test_systemd_host_qimata_fails_and_judges_no_setting(tmp_path: Path) -> None:
    tree = tmp_path / "host"
    shutil.copytree(QIMATA, tree, symlinks=True)
    target = _targets(scan_report(tmp_path, str(tree), "--style", "systemd"), "systemd")
    _assert_fails_and_nothing_judged_on_values(target, "etc/superset/superset_config.py", 82)
    (finding,) = [f for f in target["findings"] if f["check_id"] == CHECK]
    assert finding["location"] == {"path": "etc/superset/superset_config.py", "line": 82}


def test_systemd_hardened_host_with_a_broken_config(tmp_path: Path) -> None:
    tree = tmp_path / "host"
    shutil.copytree(HOST, tree, symlinks=True)
    config = tree / "etc/superset/superset_config.py"
    config.write_text(config.read_text() + "\nSESSION_COOKIE_SAMESITE = lax\n")
    line = config.read_text().count("\n")
    target = _targets(scan_report(tmp_path, str(tree), "--style", "systemd"), "systemd")
    mine = [f for f in target["findings"] if f["check_id"] == CHECK]
    assert [f["status"] for f in mine] == ["fail"]
    assert f"name 'lax' is not defined (line {line})" in mine[0]["message"]


def test_pip_project_fails_and_judges_no_setting(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(PIP, project, symlinks=True)
    (project / "superset_config.py").write_text(BROKEN)
    target = _targets(scan_report(tmp_path, str(project), "--style", "pip"), "pip")
    _assert_fails_and_nothing_judged_on_values(target, "superset_config.py", 3)
    # The pip style's own check of the file does not judge the module either.
    literal = [f for f in target["findings"] if f["check_id"] == "PIP-CONFIG-SECRETS-001"]
    assert literal and all(f["status"] == "skip" for f in literal)


def test_pip_project_with_a_valid_config_passes(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(PIP, project, symlinks=True)
    target = _targets(scan_report(tmp_path, str(project), "--style", "pip"), "pip")
    mine = [f for f in target["findings"] if f["check_id"] == CHECK]
    assert [f["status"] for f in mine] == ["pass"]


COMPOSE = """
services:
  superset:
    image: apache/superset:4.1.1
    command: ["gunicorn", "-w", "4", "superset.app:create_app()"]
    volumes:
      - ./superset_config.py:/app/pythonpath/superset_config.py:ro
    ports: ["127.0.0.1:8088:8088"]
"""


def test_compose_project_fails_and_judges_no_setting(tmp_path: Path) -> None:
    project = write_tree(tmp_path / "compose", {"compose.yaml": COMPOSE,
                                                 "superset_config.py": BROKEN})
    target = _targets(scan_report(tmp_path, str(project), "--style", "compose"), "compose")
    _assert_fails_and_nothing_judged_on_values(target, "superset_config.py", 3)


def _kubernetes(root: Path, config: str) -> Path:
    config_map = {"apiVersion": "v1", "kind": "ConfigMap",
                  "metadata": {"name": "superset-config", "namespace": "superset"},
                  "data": {"superset_config.py": config}}
    container = {"name": "superset", "image": "apache/superset:4.1.1",
                 "command": ["gunicorn", "superset.app:create_app()"],
                 "volumeMounts": [{"name": "config", "mountPath": "/app/pythonpath"}]}
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment",
                  "metadata": {"name": "superset", "namespace": "superset"},
                  "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "superset"}},
                           "template": {"metadata": {"labels": {"app": "superset"}},
                                        "spec": {"containers": [container], "volumes": [
                                            {"name": "config",
                                             "configMap": {"name": "superset-config"}}]}}}}
    root.mkdir()
    (root / "superset.yaml").write_text(yaml.safe_dump_all([config_map, deployment]))
    return root


def test_kubernetes_configmap_fails_and_judges_no_setting(tmp_path: Path) -> None:
    project = _kubernetes(tmp_path / "k8s", BROKEN)
    target = _targets(scan_report(tmp_path, str(project), "--style", "kubernetes"),
                      "kubernetes")
    _assert_fails_and_nothing_judged_on_values(
        target, "ConfigMap superset-config key superset_config.py", 3)
    (finding,) = [f for f in target["findings"] if f["check_id"] == CHECK]
    assert finding["subject"].endswith(":superset_config.py")
    assert finding.get("location") is None  # an object's key is not a file to point at


def test_kubernetes_configmap_that_loads_passes(tmp_path: Path) -> None:
    project = _kubernetes(tmp_path / "k8s", BROKEN.replace("false", "False"))
    target = _targets(scan_report(tmp_path, str(project), "--style", "kubernetes"),
                      "kubernetes")
    assert {f["status"] for f in target["findings"] if f["check_id"] == CHECK} == {"pass"}


def test_compose_syntax_error_fails(tmp_path: Path) -> None:
    project = write_tree(tmp_path / "compose", {"compose.yaml": COMPOSE,
                                                 "superset_config.py": "X = 1\nDEBUG = (\n"})
    target = _targets(scan_report(tmp_path, str(project), "--style", "compose"), "compose")
    (finding,) = [f for f in target["findings"] if f["check_id"] == CHECK]
    assert finding["status"] == "fail"
    assert "is not valid Python" in finding["message"]
    assert "Superset will not start" in finding["message"]


def test_an_unknown_superset_env_leaves_rate_limiting_unknown() -> None:
    # SUPERSET_ENV set from a Secret that was not read: "production" or not is unknown, so
    # RATELIMIT_ENABLED (Superset's default: SUPERSET_ENV == "production") is too, not off.
    from auditor.checks.superset.configmodel import EnvValue

    unread = EnvValue("", "Secret env key SUPERSET_ENV",
                      unknown="Secret env is not among the audited objects")
    setting = analyze(None, None, {"SUPERSET_ENV": unread}).get("RATELIMIT_ENABLED")
    assert setting.value == Unknown("Secret env is not among the audited objects")
    given = EnvValue("production", ".env:1")
    assert analyze(None, None, {"SUPERSET_ENV": given}).get("RATELIMIT_ENABLED").value is True
    assert analyze(None, None, {}).get("RATELIMIT_ENABLED").value is False

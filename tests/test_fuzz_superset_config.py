"""Fuzzing superset_config.py, read with ``ast`` in every style and never executed.

Generated files assign Superset's settings values of every type (through literals,
environment lookups, f-strings, dict updates, conditionals, classes), carry code with side
effects that must never run (a marker file, ``os.system``, ``SystemExit``, an endless loop,
``os.kill``), or are fixture configs with their bytes mutated. Each is audited in the
style picked at random: a pip project, a systemd host tree, a Compose project (mounted
into the web service) or Kubernetes manifests (the chart's ``superset-config`` Secret).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from fuzzlib import (
    EXAMPLES,
    FIXTURES,
    audit_and_check,
    dump_yaml,
    fuzz_settings,
    hostile_text,
    huge_ints,
    load_documents,
    materialise,
    mutated_bytes,
    workdir,
)
from hypothesis import example, given
from hypothesis import strategies as st

from auditor.checks.superset.configmodel import analyze

STYLES = ("pip", "systemd", "compose", "kubernetes")
K8S_SOURCE = EXAMPLES / "kubernetes" / "superset.yaml"


def _place(style: str, text: str | bytes) -> tuple[Path, dict[str | bytes, str | bytes | None]]:
    """The fixture to copy and the files to write so that ``style`` reads ``text``."""
    if style == "pip":
        return FIXTURES / "pip" / "pass-hardened", {"superset_config.py": text}
    if style == "systemd":
        return FIXTURES / "systemd" / "pass-hardened", {
            "etc/superset/superset_config.py": text}
    if style == "compose":
        return FIXTURES / "compose" / "pass-hardened", {
            "docker/pythonpath_prod/superset_config.py": text}
    source = text.decode("utf-8", "surrogateescape") if isinstance(text, bytes) else text
    docs = [dict(d) for d in k8s_documents()]
    for doc in docs:
        if doc.get("kind") == "Secret" and "superset_config.py" in (doc.get("stringData") or {}):
            doc["stringData"] = {**doc["stringData"], "superset_config.py": source}
    return EXAMPLES / "kubernetes", {"superset.yaml": dump_yaml(docs)}


@functools.cache
def k8s_documents() -> list[dict[str, Any]]:
    return [d for d in load_documents(K8S_SOURCE) if isinstance(d, dict)]


def audit_config(style: str, text: str | bytes, tmp: Path) -> dict[str, Any]:
    base, files = _place(style, text)
    root = materialise(tmp / style, files, base=base)
    return audit_and_check([str(root)], style=style)


# -- generated configurations -------------------------------------------------------------

SETTINGS = (
    "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "DEBUG", "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE", "WTF_CSRF_ENABLED",
    "ENABLE_PROXY_FIX", "TALISMAN_ENABLED", "TALISMAN_CONFIG", "SUPERSET_WEBSERVER_TIMEOUT",
    "PUBLIC_ROLE_LIKE", "ENABLE_TIME_ROTATE", "UPLOAD_FOLDER", "CACHE_CONFIG",
    "DATA_CACHE_CONFIG", "RESULTS_BACKEND", "CELERY_CONFIG", "AUTH_RATE_LIMITED",
    "ENABLE_CORS", "CORS_OPTIONS", "AUTH_USER_REGISTRATION", "AUTH_USER_REGISTRATION_ROLE",
    "GUEST_TOKEN_JWT_SECRET", "GLOBAL_ASYNC_QUERIES_JWT_SECRET", "FEATURE_FLAGS",
    "STATS_LOGGER", "RATELIMIT_ENABLED", "RATELIMIT_STORAGE_URI", "SUPERSET_HOME",
    "ENABLE_JAVASCRIPT_CONTROLS", "ENABLE_TEMPLATE_PROCESSING", "SMTP_PASSWORD",
    "MAPBOX_API_KEY", "X", "lowercase", "_PRIVATE",
)
FLAGS = ("ALERT_REPORTS", "EMBEDDED_SUPERSET", "GLOBAL_ASYNC_QUERIES", "DYNAMIC_PLUGINS",
         "SCHEDULED_QUERIES", "ENABLE_TEMPLATE_PROCESSING", "X")
DICT_KEYS = (*FLAGS, "CACHE_TYPE", "broker_url", "origins", "CACHE_REDIS_URL",
             "content_security_policy")

literal_values = st.recursive(
    st.one_of(
        st.none(), st.booleans(), huge_ints,
        st.floats(allow_nan=False, allow_infinity=False),
        hostile_text, st.text(st.characters(categories=["Cs"]), max_size=3), st.binary(max_size=8),
        st.sampled_from(["redis://h:6379/0", "postgresql://u:p@h/db", "sqlite://", "", "Lax",
                         "None", "Strict", "NullCache", "RedisCache", "Admin", "Public",
                         "thisISaSECRET_1234", "CHANGE_ME_TO_A_COMPLEX_RANDOM_SECRET"]),
    ),
    lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner)
    | st.dictionaries(st.one_of(hostile_text, st.sampled_from(DICT_KEYS)), inner, max_size=4),
    max_leaves=6,
)

EXPRESSIONS = st.one_of(
    literal_values.map(repr),
    st.sampled_from([
        "float('inf')", "float('nan')", "1j", "{1, 2}", "frozenset()", "...", "-5", "not True",
        "0x" + "f" * 4000, "10 ** 5000", "'a' * 10 ** 9", "b'\\xff\\x00'", "r'\\d'",
        "lambda: 1", "[x for x in range(3)]", "SECRET_KEY", "UNDEFINED_NAME", "CeleryConfig",
        "os.environ.get('SUPERSET_SECRET_KEY')", "os.environ.get('X', 5)",
        "os.environ.get('X', default=None)", "os.environ.get(KEY)", "os.environ.get()",
        "os.getenv('DATABASE_URL', 'sqlite:///x.db')", "os.environ['SUPERSET_SECRET_KEY']",
        "os.environ[KEY]", "environ.get('X')", "env('X', 1)", "env()", "get_env('X')",
        "os.environ.get('X') or 'fallback'", "os.environ.get('X') or None or 0",
        "f'{REDIS_URL}/1'", "f'{UNDEFINED}'", "f'{1!r:>{2}}'", "f'{None}'", "f''",
        "RedisCache(host='h')", "StatsdStatsLogger()", "superset.stats_logger.DummyStatsLogger()",
        "timedelta(days=1)", "(yield)", "await x", "x if y else z", "a.b.c", "a[0]", "a[1:2]",
        "{**CACHE_CONFIG, 'CACHE_TYPE': 'RedisCache'}", "{k: v for k, v in []}",
        "{'a': os.environ.get('X')}", "{None: 1, 1: 2, True: 3}", "{(1, 2): 3}",
        "(x := 5)", "'%s' % 1", "'{}'.format(1)",
    ]),
)


@st.composite
def statement(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(SETTINGS))
    value = draw(EXPRESSIONS)
    other = draw(st.sampled_from(SETTINGS))
    flag = draw(st.sampled_from(FLAGS))
    return draw(st.sampled_from([
        f"{name} = {value}",
        f"{name}: dict = {value}",
        f"{name}: int",
        f"{name} = {other} = {value}",
        f"{name}, {other} = {value}, {value}",
        f"{name} += {value}",
        f"FEATURE_FLAGS[{flag!r}] = {value}",
        f"FEATURE_FLAGS[{value}] = 1",
        f"{name}[{value}] = {value}",
        f"{name}[1:2] = []",
        f"{name}.attr = {value}",
        f"FEATURE_FLAGS.update({value})",
        f"{name}.update({value})",
        f"{name}.update()",
        f"if os.environ.get('X'):\n    {name} = {value}\nelse:\n    {name} = {value}",
        f"try:\n    {name} = {value}\nexcept Exception:\n    {other} = {value}",
        f"with open('x') as f:\n    {name} = {value}",
        f"for i in range(3):\n    {name} = {value}",
        f"while False:\n    {name} = {value}",
        f"class CeleryConfig:\n    broker_url = {value}\n    result_backend = {value}",
        f"class {name}:\n    pass",
        f"del {name}",
        f"global {name}",
        f"def {name.lower()}():\n    return {value}",
        f"match {value}:\n    case _:\n        {name} = 1",
        "import os",
        "from superset.config import *",
        f"KEY = {value}",
        f"REDIS_URL = {value}",
        "CELERY_CONFIG = CeleryConfig",
        f"{value}",
    ]))


@st.composite
def config_text(draw: st.DrawFn) -> str:
    lines = draw(st.lists(statement(), max_size=12))
    text = "\n".join(lines) + "\n"
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    if draw(st.booleans()):
        text = "\ufeff" + text
    return text


@given(style=st.sampled_from(STYLES), text=config_text())
@fuzz_settings(40)
@example(style="pip", text="SUPERSET_WEBSERVER_TIMEOUT = 0x" + "f" * 4000 + "\n")
@example(style="pip", text="X = " + "-" * 100000 + "1\n")
@example(style="systemd", text="X = " + "+".join(["a"] * 100000) + "\n")
@example(style="kubernetes", text="SECRET_KEY = '\\ud800'\nFEATURE_FLAGS = {'\\udcff': 1}\n")
def test_settings_of_any_type(style: str, text: str) -> None:
    with workdir() as tmp:
        audit_config(style, text, tmp)


# -- never executed -----------------------------------------------------------------------

SIDE_EFFECTS = (
    "open({marker!r}, 'w').write('executed')",
    "import os; os.system('touch ' + {marker!r})",
    "__import__('os').system('touch ' + {marker!r})",
    "__import__('pathlib').Path({marker!r}).touch()",
    "exec(\"open({marker!r}, 'w').close()\")",
    "raise SystemExit(3)",
    "__import__('sys').exit(4)",
    "import sys; sys.exit()",
    "while True: pass",
    "while True:\n    open({marker!r}, 'a').write('x')",
    "import os, signal; os.kill(os.getpid(), signal.SIGKILL)",
    "import sys; sys.setrecursionlimit(10)",
    "import builtins; builtins.open = None",
    "SECRET_KEY = open({marker!r}, 'w').write('executed') and 'x'",
    "FEATURE_FLAGS = {{'X': __import__('os').system('touch ' + {marker!r})}}",
    "CELERY_CONFIG = type('C', (), {{'broker_url': open({marker!r}, 'w')}})",
    "class CeleryConfig:\n    broker_url = open({marker!r}, 'w').write('x')",
    "if __name__ == '__main__' or True:\n    open({marker!r}, 'w')",
    "def __getattr__(name):\n    open({marker!r}, 'w')",
    "@open({marker!r}, 'w').write\ndef f(): pass",
    "assert open({marker!r}, 'w')",
)


@given(style=st.sampled_from(STYLES),
       effects=st.lists(st.sampled_from(SIDE_EFFECTS), min_size=1, max_size=4),
       settings=st.lists(statement(), max_size=4), data=st.data())
@fuzz_settings(30)
def test_never_executed(style: str, effects: list[str], settings: list[str],
                        data: st.DataObject) -> None:
    with workdir() as tmp:
        marker = tmp / "EXECUTED"
        lines = [e.format(marker=str(marker)) for e in effects]
        for line in settings:
            lines.insert(data.draw(st.integers(0, len(lines)), label="at"), line)
        audit_config(style, "\n".join(lines) + "\n", tmp)
        assert not marker.exists(), "superset_config.py was executed"


# -- mutated real configurations ----------------------------------------------------------

CONFIGS = (
    *sorted(FIXTURES.glob("*/*/superset_config.py")),
    *sorted(FIXTURES.glob("*/*/*/*/superset_config.py")),
    *sorted(FIXTURES.glob("systemd/*/etc/superset/superset_config.py")),
    *sorted(EXAMPLES.glob("*/superset_config.py")),
    *sorted(EXAMPLES.glob("*/docker/*/superset_config.py")),
)


@given(style=st.sampled_from(STYLES), data=st.data())
@fuzz_settings(30)
def test_mutated_config_bytes(style: str, data: st.DataObject) -> None:
    source = data.draw(st.sampled_from(CONFIGS), label="config")
    mutated = data.draw(mutated_bytes(source.read_bytes()), label="bytes")
    with workdir() as tmp:
        audit_config(style, mutated, tmp)


@given(text=config_text())
@fuzz_settings(60)
@example(text="SECRET_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789'\n")
def test_bom_and_crlf_are_transparent(text: str) -> None:
    """Python reads a file with a BOM or CRLF line ends as it reads the plain file."""
    plain = text.removeprefix("\ufeff").replace("\r\n", "\n")
    expected = analyze(plain, "superset_config.py", {})
    for variant in ("\ufeff" + plain, plain.replace("\n", "\r\n")):
        got = analyze(variant, "superset_config.py", {})
        assert got.problems == expected.problems
        assert {k: repr(s.value) for k, s in got.settings.items()} == {
            k: repr(s.value) for k, s in expected.settings.items()}


def test_configs_are_found() -> None:
    assert len(CONFIGS) >= 6, CONFIGS

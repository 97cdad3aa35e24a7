"""Fuzzing the Compose path: compose files (merged with overrides), ``.env`` and what the
collector reads beside them (the mounted superset_config.py, proxy configs, scripts)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest
from fuzzlib import (
    EXAMPLES,
    FIXTURES,
    audit_and_check,
    dump_yaml,
    fixture_files,
    fuzz_settings,
    hostile_text,
    load_documents,
    materialise,
    mutated_bytes,
    mutated_document,
    run_cli,
    workdir,
)
from hypothesis import example, given
from hypothesis import strategies as st

from auditor.checks.compose.discover import DEFAULT_FILES

PROJECTS = (
    *sorted(p for p in (FIXTURES / "compose").iterdir() if p.is_dir()),
    EXAMPLES / "compose",
)
BROKEN_OVERRIDE = "services:\n  superset: {image: [unclosed\n"


def main_file(project: Path) -> str:
    return str(next(name for name in DEFAULT_FILES if (project / name).exists()))


@functools.cache
def parsed(project: Path) -> Any:
    (doc,) = load_documents(project / main_file(project))
    return doc


@given(data=st.data())
@fuzz_settings(40)
def test_structured_compose(data: st.DataObject) -> None:
    project = data.draw(st.sampled_from(PROJECTS), label="project")
    doc = data.draw(mutated_document(parsed(project), max_ops=6), label="compose")
    broken = data.draw(st.booleans(), label="broken override")
    files: dict[str | bytes, str | bytes | None] = {main_file(project): dump_yaml([doc])}
    if broken:
        files["compose.override.yml"] = BROKEN_OVERRIDE
    with workdir() as tmp:
        root = materialise(tmp / "p", files, base=project)
        # The override is read only when the first file loads (Compose stops there too).
        named = ["compose.override.yml"] if broken and isinstance(doc, dict) else []
        audit_and_check([str(root)], style="compose", named=named)


@given(data=st.data())
@fuzz_settings(40)
def test_mutated_project_bytes(data: st.DataObject) -> None:
    project = data.draw(st.sampled_from(PROJECTS), label="project")
    names = fixture_files(project, lambda rel: not rel.endswith(".md"))
    chosen = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True),
                       label="files")
    files: dict[str | bytes, str | bytes | None] = {
        name: data.draw(mutated_bytes((project / name).read_bytes()), label=name)
        for name in chosen
    }
    main = main_file(project)
    main_data = files.get(main)
    named = [main] if isinstance(main_data, bytes) and b"\0" in main_data else []
    with workdir() as tmp:
        root = materialise(tmp / "p", files, base=project)
        audit_and_check([str(root)], style="compose", named=named)


env_keys = st.sampled_from(["TAG", "DB_PASSWORD", "COMPOSE_FILE", "COMPOSE_PROFILES",
                            "COMPOSE_PATH_SEPARATOR", "SUPERSET_SECRET_KEY", "PORT", "X"]) \
    | st.text(st.characters(codec="ascii"), min_size=1, max_size=8)
env_values = st.one_of(
    hostile_text,
    st.sampled_from(["compose.yaml:compose.yaml", "../outside.yml", "/etc/passwd", "~/x.yml",
                     "a;b", ";", "", "::", "docker-compose.yml:missing.yml", "${TAG}",
                     "${TAG:-${DB_PASSWORD:-x}}", "${TAG:?}", "${TAG?err}", "${UNSET:+x}",
                     "$$TAG", "${", "${}", "${1x}", "$TAG$TAG", "latest", "8088"]),
)


@st.composite
def dotenv_text(draw: st.DrawFn) -> str:
    lines = []
    for _ in range(draw(st.integers(0, 8))):
        key, value = draw(env_keys), draw(env_values)
        form = draw(st.sampled_from(["plain", "export", "single", "double", "open-single",
                                     "open-double", "bare", "comment", "blank", "spaces"]))
        lines.append({
            "plain": f"{key}={value}",
            "export": f"export {key}={value}",
            "single": f"{key}='{value}'",
            "double": f'{key}="{value}"',
            "open-single": f"{key}='{value}",
            "open-double": f'{key}="{value}\\',
            "bare": key,
            "comment": f"# {value}",
            "blank": "",
            "spaces": f"  {key} = {value} # c",
        }[form].replace("\n", "\\n" if draw(st.booleans()) else "\n"))
    text = "\n".join(lines)
    return "\r\n".join(text.split("\n")) if draw(st.booleans()) else text


@given(project=st.sampled_from(PROJECTS), env=dotenv_text())
@fuzz_settings(40)
@example(project=FIXTURES / "compose" / "fail-hand-edited", env="COMPOSE_FILE=compose.yaml:")
@example(project=FIXTURES / "compose" / "fail-hand-edited",
         env="COMPOSE_FILE=../x.yml\nCOMPOSE_PATH_SEPARATOR=")
def test_dotenv(project: Path, env: str) -> None:
    with workdir() as tmp:
        root = materialise(tmp / "p", {".env": env}, base=project)
        audit_and_check([str(root)], styles=["compose"])


SERVICE = """\
x-base: &base
  image: {image}
  environment: {environment}
services:
  superset:
    <<: {merge}
    ports: {ports}
    volumes: {volumes}
    command: {command}
    deploy: {deploy}
  db: {db}
"""

LAUGHS = "\n".join(
    ['x-l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    + [f"x-l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 8)]
)

FRAGMENTS = (
    "*base", "[*base, *base]", "[1, 2]", "*l2", "{}", "[]", "null", "~", "'str'", "!reset",
    "!reset []", "!reset null", "!override {a: 1}", "!override [x]", "!override s",
    "&r [*r]", "&m {a: *m}", "!!python/object/apply:os.system ['touch {marker}']",
    "!!int abc", "!!float x", "!!binary '!!'", "!!timestamp nope", "!!set {a}", "!Custom x",
    "!!bool maybe", "!!int 0x", "!!float []", "!!timestamp 2001-13-45",
    "{a: 1, a: 2}", "[\"8088:8088\", 8088, \"0.0.0.0:1-2:3-4/tcp\", {target: x}]",
    "[{type: bind, source: /, target: /app/pythonpath}, '..:/x', '/:/host:rw', ':::']",
    "[\"/:/app/pythonpath\", \"./:/app/pythonpath/superset_config.py\"]",
    "{replicas: -1, resources: {limits: {cpus: x, memory: 1e400}}}",
    "{replicas: 99999999999999999999999, mode: global}",
    "\"gunicorn -t\"", "[gunicorn, --timeout]", "[gunicorn, -t, abc]", "\"${X:?need}\"",
    "\"${X\"", "'$$'", "[" * 50 + "]" * 50, "\"\\t\\x00\"", "22:22", "0o777", "0x_1",
    "yes", "on", ".inf", "-.nan",
)


@st.composite
def raw_compose(draw: st.DrawFn, marker: Path) -> str:
    def fragment() -> str:
        return draw(st.sampled_from(FRAGMENTS)).replace("{marker}", str(marker))

    text = SERVICE.format(image=fragment(), environment=fragment(), merge=fragment(),
                          ports=fragment(), volumes=fragment(), command=fragment(),
                          deploy=fragment(), db=fragment())
    if draw(st.booleans()):
        text = LAUGHS + "\n" + text
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    if draw(st.booleans()):
        text = "\ufeff" + text
    if draw(st.booleans()):
        text = text.replace("  ", "\t", draw(st.integers(1, 3)))
    return text


@given(data=st.data())
@fuzz_settings(40)
@example(data=None)
def test_yaml_features_are_safe(data: st.DataObject | None) -> None:
    with workdir() as tmp:
        marker = tmp / "EXECUTED"
        if data is None:  # every billion-laughs level used at once
            text = LAUGHS + "\n" + SERVICE.format(
                image="*l7", environment="*l6", merge="*base", ports="*l7", volumes="*l7",
                command="*l7", deploy="{x: *l7}", db="{image: postgres, command: *l7}")
        else:
            text = data.draw(raw_compose(marker), label="compose")
        root = materialise(tmp / "p", {"compose.yaml": text})
        audit_and_check([str(root)], styles=["compose"])
        assert not marker.exists(), "a YAML tag was executed"


@given(data=st.data())
@fuzz_settings(20)
def test_cli_single_file(data: st.DataObject) -> None:
    """A Compose file given as the target: exit 0 with a valid report, or 2 with one line."""
    project = data.draw(st.sampled_from(PROJECTS), label="project")
    main = main_file(project)
    mutated = data.draw(mutated_bytes((project / main).read_bytes(), max_ops=6), label="bytes")
    with workdir() as tmp:
        root = materialise(tmp / "p", {main: mutated}, base=project)
        run_cli([str(root / main)], tmp / "report.json")


PATHS = st.one_of(
    st.sampled_from([
        "a\0b", "./docker/\0", "/app/pythonpath/\0x.py", "..", "../..", "../outside.yml", "/",
        "/etc/passwd", "~/x", "~", ".", "", " ", "docker", "docker/.env", "compose.yaml",
        "./loop", "./loop/x", "./dirlink", "x" * 300, "/".join(["x" * 200] * 30), "%2e%2e/x",
        "docker/pythonpath_prod/superset_config.py", "./docker:/app/pythonpath", "\\..\\x",
        "C:\\x", "file:///etc/passwd", "${HOME}/x", "*", "docker/*", "-", "::",
    ]),
    hostile_text,
)


@st.composite
def path_compose(draw: st.DrawFn) -> dict[str, Any]:
    """A Compose document whose every path-bearing field holds a hostile path."""
    path = PATHS
    web: dict[str, Any] = {
        "image": "apache/superset:4.1.2",
        "env_file": draw(st.one_of(path.map(lambda p: [p]), path,
                                   path.map(lambda p: [{"path": p, "required": True}]))),
        "volumes": [f"{draw(path)}:/app/pythonpath", {"type": "bind", "source": draw(path),
                                                      "target": draw(path)}],
        "environment": {"SUPERSET_CONFIG_PATH": draw(path), "PYTHONPATH": draw(path)},
        "configs": [{"source": "conf", "target": draw(path)}],
        "build": draw(path | path.map(lambda p: {"context": p, "dockerfile": p})),
        "command": ["gunicorn", "--certfile", draw(path)],
    }
    doc: dict[str, Any] = {
        "services": {"superset": web,
                     "other": {"extends": {"file": draw(path), "service": "superset"}},
                     "proxy": {"image": "nginx:1.27", "volumes": [f"{draw(path)}:/etc/nginx/"
                                                                  "conf.d/default.conf"]}},
        "configs": {"conf": {"file": draw(path)}},
        "secrets": {"s": {"file": draw(path)}},
    }
    if draw(st.booleans()):
        doc["include"] = draw(path.map(lambda p: [p]) | path.map(lambda p: [{"path": [p, p]}]))
    return doc


@given(project=st.sampled_from(PROJECTS), doc=path_compose())
@fuzz_settings(30)
@example(project=PROJECTS[0], doc={"include": ["a\0b.yml"], "services": {"s": {"image": "x"}}})
@example(project=PROJECTS[0], doc={"services": {"superset": {
    "image": "apache/superset", "environment": {"SUPERSET_CONFIG_PATH": "/app/pythonpath/\0"},
    "volumes": ["./docker:/app/pythonpath"]}}})
def test_paths_from_yaml(project: Path, doc: dict[str, Any]) -> None:
    with workdir() as tmp:
        root = materialise(tmp / "p", {main_file(project): dump_yaml([doc])}, base=project)
        (root / "loop").symlink_to("loop")
        (root / "dirlink").symlink_to("/")
        audit_and_check([str(root)], style="compose")


REGRESSIONS = {
    "ports: 1": "services:\n  web:\n    image: apache/superset\n    ports: 1\n"
                "    volumes: 2\n    configs: 3\n",
    "!!timestamp": "services:\n  db: !!timestamp nope\n",
    "!!bool": "services:\n  web: {image: x, read_only: !!bool maybe}\n",
    "COMPOSE_FILE": None,
}


@pytest.mark.parametrize("case", sorted(REGRESSIONS))
def test_regressions(case: str, tmp_path: Path) -> None:
    """Inputs the fuzzers found: each used to end the audit of the project (or all of it)."""
    text = REGRESSIONS[case]
    files: dict[str | bytes, str | bytes | None] = {"compose.yaml": text or "services: {}\n"}
    if text is None:  # a file name too long for the file system
        files[".env"] = "COMPOSE_FILE=" + "x" * 5000
    root = materialise(tmp_path / "p", files)
    data = audit_and_check([str(root)], styles=["compose"])
    assert data["targets"][0]["problems"], "the broken input is named"

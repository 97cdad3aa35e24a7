"""Untrusted charts are rendered in a sandbox (issue 14): nothing of the auditing machine
reaches helm, so nothing of it reaches a report.

A pull request's chart holds ``env -> /proc/self/environ`` (or ``/etc/passwd``, or a
folder link to ``/``) and a template that copies ``.Files.Get "env"`` into a container's
name and command, which the reports quote. helm follows such links; the auditor gives it
a private copy without them, and an environment of its own. Every attack here is run by
the real helm and looked for in every output: each report format, the terminal, the log.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from conftest import assert_valid_report
from helmbin import path_with_helm, require_helm
from reportdata import session

from auditor.checks.kubernetes import chartcopy, helm
from auditor.cli import main

FORMATS = sorted(session().registry.renderers)
ENV_SECRET = "ciTokenMarker5Kq8Wz2Vb7"
FILE_SECRET = "outsideFileMarker3Jd6Hy"
PASSWD = "x:0:0:root"  # the first line of /etc/passwd: root:x:0:0:root:/root:...

CHART_YAML = "apiVersion: v2\nname: superset\nversion: 0.1.0\n"
DEPLOYMENT = """\
PRELUDE
{{- $leak = $leak | replace "\\x00" ";" | replace "\\n" ";" }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: superset
spec:
  selector:
    matchLabels: {app: superset}
  template:
    metadata:
      labels: {app: superset}
    spec:
      containers:
        - name: {{ print "web" $leak | quote }}
          image: apache/superset:4.0.0
          command: ["superset", {{ $leak | quote }}]
"""
FILES_GET = '{{- $leak := .Files.Get "env" }}'
TOKEN_OF = ('{{- $leak := .Files.Get "FILE" | replace "\\x00" ";" | regexFind "CI_TOKEN=[^;]*" '
            '| trimPrefix "CI_TOKEN=" }}')
"""The token's value alone, taken from an environment: an ``X=value`` would be masked."""


@pytest.fixture
def helm_on_path(monkeypatch: pytest.MonkeyPatch) -> str:
    found = require_helm()
    monkeypatch.setenv("PATH", path_with_helm())
    return found


def make_chart(tmp_path: Path, prelude: str = '{{- $leak := "" }}',
               links: Mapping[str, str] | None = None) -> Path:
    """``tmp/repo/chart`` with a Deployment that quotes ``$leak`` (set by ``prelude``) and
    the given links; ``tmp/outside`` holds a secret file and values, out of the chart."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(f"token: {FILE_SECRET}\n")
    (outside / "values.yaml").write_text(f"leak: {FILE_SECRET}\n")
    (outside / "Chart.yaml").write_text(f"apiVersion: v2\nname: {FILE_SECRET}\nversion: 1.0.0\n")
    chart = tmp_path / "repo" / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(CHART_YAML)
    (chart / "templates" / "deployment.yaml").write_text(DEPLOYMENT.replace("PRELUDE", prelude))
    for name, target in (links or {}).items():
        (chart / name).parent.mkdir(parents=True, exist_ok=True)
        (chart / name).symlink_to(target.replace("{outside}", str(outside)))
    return chart


def every_output(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                 *args: str) -> tuple[int, dict[str, str]]:
    """``auditor scan ARGS`` with every registered format, --debug, -v and --log: the exit
    code and each output by name."""
    out = tmp_path / "out"
    out.mkdir()
    argv = ["scan", *args, "--debug", "-v", "--log", str(out / "run.log")]
    for fmt in FORMATS:
        argv += ["--report", f"{fmt}={out / fmt}"]
    code = main(argv)
    captured = capsys.readouterr()
    outputs = {"stdout": captured.out, "stderr": captured.err,
               "log": (out / "run.log").read_text(encoding="utf-8")}
    outputs |= {fmt: (out / fmt).read_text(encoding="utf-8") for fmt in FORMATS}
    assert_valid_report(json.loads(outputs["json"]))
    return code, outputs


def shown(outputs: Mapping[str, str], needle: str) -> list[str]:
    """The outputs that hold ``needle`` (any case: escaping keeps letters)."""
    return [name for name, text in outputs.items() if needle.lower() in text.lower()]


def target(outputs: Mapping[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(outputs["json"])["targets"][0]
    return data


def audited(outputs: Mapping[str, str]) -> bool:
    """The Deployment was rendered and judged (its container checked)."""
    return any(f["check_id"] == "K8S-RESOURCES-001" and f["status"] == "fail"
               for f in target(outputs)["findings"])


def test_the_chart_leaks_what_it_reads(tmp_path: Path, helm_on_path: str,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    # The attack is real: a file in the chart reaches every format through the template.
    (tmp_path / "x").mkdir()
    chart = make_chart(tmp_path / "x", FILES_GET)
    (chart / "env").write_text(f"{FILE_SECRET}\n")
    code, outputs = every_output(tmp_path, capsys, str(chart))
    assert code == 0 and audited(outputs)
    assert set(shown(outputs, FILE_SECRET)) >= {"json", "sarif", "html", "markdown", "stdout"}


def test_the_environment_read_through_a_link_reaches_no_output(
        tmp_path: Path, helm_on_path: str, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI_TOKEN", ENV_SECRET)
    chart = make_chart(tmp_path, TOKEN_OF.replace("FILE", "env"), {"env": "/proc/self/environ"})
    code, outputs = every_output(tmp_path, capsys, str(chart))
    assert shown(outputs, ENV_SECRET) == []
    assert code == 0 and audited(outputs)  # the rest of the chart is still audited
    assert target(outputs)["problems"] == [
        "chart env: symlink to /proc/self/environ leaves the chart, not copied"]


GLOB = ('{{- $leak := "" }}{{- range $path, $_ := .Files.Glob "ext/**" }}'
        '{{- $leak = print $leak ($.Files.Get $path) }}{{- end }}')

LEAVING = {
    "absolute link to /etc/passwd": (
        {"env": "/etc/passwd"}, FILES_GET, PASSWD,
        ["chart env: symlink to /etc/passwd leaves the chart, not copied"]),
    "a link to //etc/passwd": (
        {"env": "//etc/passwd"}, FILES_GET, PASSWD,
        ["chart env: symlink to //etc/passwd leaves the chart, not copied"]),
    "absolute link to a file out of the chart": (
        {"env": "{outside}/secret.txt"}, FILES_GET, FILE_SECRET,
        ["chart env: symlink to {outside}/secret.txt leaves the chart, not copied"]),
    "relative link up and out": (
        {"env": "../../outside/secret.txt"}, FILES_GET, FILE_SECRET,
        ["chart env: symlink to ../../outside/secret.txt leaves the chart, not copied"]),
    "a link to a link inside that leads out": (
        {"env": "templates/hop", "templates/hop": "../../../outside/secret.txt"}, FILES_GET,
        FILE_SECRET,
        ["chart env: symlink to templates/hop leaves the chart, not copied",
         "chart templates/hop: symlink to ../../../outside/secret.txt leaves the chart, "
         "not copied"]),
    "a folder link to /": (
        {"root": "/"}, '{{- $leak := .Files.Get "root/etc/passwd" }}', PASSWD,
        ["chart root: symlink to / leaves the chart, not copied"]),
    "a folder link to /proc/self": (
        {"proc": "/proc/self"}, TOKEN_OF.replace("FILE", "proc/environ"), ENV_SECRET,
        ["chart proc: symlink to /proc/self leaves the chart, not copied"]),
    "Files.Glob over a folder linked out": (
        {"ext": "../../outside"}, GLOB, FILE_SECRET,
        ["chart ext: symlink to ../../outside leaves the chart, not copied"]),
}


@pytest.mark.parametrize("case", LEAVING)
def test_a_link_out_of_the_chart_is_not_followed_and_is_named(
        case: str, tmp_path: Path, helm_on_path: str, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    links, prelude, secret, problems = LEAVING[case]
    monkeypatch.setenv("CI_TOKEN", ENV_SECRET)
    chart = make_chart(tmp_path, prelude, links)
    code, outputs = every_output(tmp_path, capsys, str(chart))
    assert shown(outputs, secret) == []
    assert code == 0 and audited(outputs)
    outside = str(tmp_path / "outside")
    assert target(outputs)["problems"] == [p.replace("{outside}", outside) for p in problems]


def test_a_link_out_of_a_subchart_is_not_followed(
        tmp_path: Path, helm_on_path: str, capsys: pytest.CaptureFixture[str]) -> None:
    # Dependencies come from the chart's own charts/ only, copied like the rest of it.
    chart = make_chart(tmp_path, links={"charts/sub/env": "../../../../outside/secret.txt"})
    sub = chart / "charts" / "sub"
    (sub / "templates").mkdir()
    (sub / "Chart.yaml").write_text(CHART_YAML.replace("superset", "sub"))
    (sub / "templates" / "deployment.yaml").write_text(
        DEPLOYMENT.replace("PRELUDE", FILES_GET).replace("name: superset", "name: sub"))
    code, outputs = every_output(tmp_path, capsys, str(chart))
    assert shown(outputs, FILE_SECRET) == []
    assert code == 0 and audited(outputs)
    assert target(outputs)["problems"] == [
        "chart charts/sub/env: symlink to ../../../../outside/secret.txt leaves the chart, "
        "not copied"]


def test_a_fifo_or_device_is_named_and_never_opened(
        tmp_path: Path, helm_on_path: str, capsys: pytest.CaptureFixture[str]) -> None:
    # Opening a FIFO blocks until a writer comes; helm refuses the whole chart for one.
    chart = make_chart(tmp_path, '{{- $leak := .Files.Get "pipe" }}',
                       {"alias": "pipe", "zero": "/dev/zero"})
    os.mkfifo(chart / "pipe")
    code, outputs = every_output(tmp_path, capsys, str(chart))
    assert code == 0 and audited(outputs)
    assert target(outputs)["problems"] == [
        "chart alias: symlink to pipe: a FIFO, not a regular file, not copied",
        "chart pipe: a FIFO, not a regular file, not copied",
        "chart zero: symlink to /dev/zero leaves the chart, not copied",
    ]


def test_links_that_stay_inside_still_render(tmp_path: Path, helm_on_path: str) -> None:
    chart = make_chart(tmp_path, '{{- $leak := "" }}', {
        "alias.txt": "files/real.txt",          # a file
        "linked": "files",                      # a folder
        "deep/again.txt": "../alias.txt",       # a chain, every step inside
        "absolute.txt": "{outside}/../repo/chart/files/real.txt",  # absolute, yet inside
    })
    (chart / "files").mkdir()
    (chart / "files" / "real.txt").write_text("insideValue42")
    (chart / "templates" / "config.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: inside}\ndata:\n"
        '  a: {{ .Files.Get "alias.txt" | quote }}\n'
        '  b: {{ .Files.Get "linked/real.txt" | quote }}\n'
        '  c: {{ .Files.Get "deep/again.txt" | quote }}\n'
        '  d: {{ .Files.Get "absolute.txt" | quote }}\n'
        '  e: {{ len (.Files.Glob "linked/*") | quote }}\n')
    rendered = helm.render(chart, {})
    assert rendered.error is None and rendered.problems == {}
    assert rendered.text.count('"insideValue42"') == 4
    assert 'e: "1"' in rendered.text


def test_a_link_loop_is_named_and_the_chart_renders(tmp_path: Path, helm_on_path: str) -> None:
    chart = make_chart(tmp_path, links={"loop": ".", "templates/back": ".."})
    rendered = helm.render(chart, {})
    assert rendered.error is None and "kind: Deployment" in rendered.text
    assert rendered.problems == {
        "chart loop": "symlink to .: a folder that holds it (a loop), not copied",
        "chart templates/back": "symlink to ..: a folder that holds it (a loop), not copied",
    }


VALUES = '{{- $leak := .Values.leak | default "" }}'


@pytest.mark.parametrize(("links", "given"), [
    ({"values-prod.yaml": "../../outside/values.yaml"}, "values-prod.yaml"),
    ({"conf": "../../outside"}, "conf/values.yaml"),  # through a folder linked out
])
def test_a_values_file_in_the_chart_that_leads_out_is_refused(
        links: dict[str, str], given: str, tmp_path: Path, helm_on_path: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    # ``-f chart/values-prod.yaml`` names a file of the untrusted tree, not one of the user's.
    chart = make_chart(tmp_path, VALUES, links)
    code, outputs = every_output(tmp_path, capsys, str(chart), "-f", str(chart / given))
    assert shown(outputs, FILE_SECRET) == []
    assert code == 2  # nothing judged: without the values asked for, other objects render
    problems = target(outputs)["problems"]
    assert f"manifests: {chart}: values file {chart / given} is in the chart but not a regular " \
           "file of it (a symlink out of the chart, or not a file); not rendered" in problems
    assert f"chart {next(iter(links))}: symlink to {links[next(iter(links))]} leaves the " \
           "chart, not copied" in problems


def test_values_files_in_the_chart_and_out_of_it_are_read(tmp_path: Path,
                                                          helm_on_path: str) -> None:
    chart = make_chart(tmp_path, VALUES, {"linked.yaml": "values-in.yaml"})
    (chart / "values-in.yaml").write_text("leak: fromInsideTheChart\n")
    own = tmp_path / "mine.yaml"
    own.write_text("leak: fromTheUsersOwnFile\n")
    for given, expected in ((chart / "values-in.yaml", "fromInsideTheChart"),
                            (chart / "linked.yaml", "fromInsideTheChart"),
                            (own, "fromTheUsersOwnFile")):
        rendered = helm.render(chart, {"values": [str(given)]})
        assert rendered.error is None and f'"web{expected}"' in rendered.text, given


def test_a_chart_yaml_that_leads_out_names_nothing_of_where_it_leads(
        tmp_path: Path, helm_on_path: str, capsys: pytest.CaptureFixture[str]) -> None:
    chart = make_chart(tmp_path)
    (chart / "Chart.yaml").unlink()
    (chart / "Chart.yaml").symlink_to("../../outside/Chart.yaml")
    assert helm.chart_identity(chart / "Chart.yaml") == ("chart", "?")
    code, outputs = every_output(tmp_path, capsys, str(chart))
    assert shown(outputs, FILE_SECRET) == []
    assert code == 2
    assert ("chart Chart.yaml: symlink to ../../outside/Chart.yaml leaves the chart, not copied"
            in target(outputs)["problems"])


# -- helm's environment ------------------------------------------------------------------

def test_the_sandbox_environment_holds_nothing_of_the_auditors(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI_TOKEN", ENV_SECRET)
    monkeypatch.setenv("HELM_PLUGINS", "/usr/share/helm-plugins")
    env = helm.sandbox_env(tmp_path)
    assert set(env) == {
        "HOME", "TMPDIR", "KUBECONFIG", "HELM_CONFIG_HOME", "HELM_CACHE_HOME",
        "HELM_DATA_HOME", "HELM_PLUGINS", "HELM_NO_PLUGINS", "HELM_REPOSITORY_CONFIG",
        "HELM_REPOSITORY_CACHE", "HELM_REGISTRY_CONFIG"}
    assert env["HELM_NO_PLUGINS"] == "1"
    paths = {key: value for key, value in env.items() if key != "HELM_NO_PLUGINS"}
    assert all(Path(p).is_relative_to(tmp_path) for p in paths.values()), paths
    assert list((tmp_path / "plugins").iterdir()) == []  # an empty plugin folder
    assert (tmp_path / "kubeconfig").read_text() == ""


def fake_helm(folder: Path, body: str) -> None:
    """A ``helm`` on PATH that writes its arguments and environment beside itself."""
    folder.mkdir()
    script = folder / "helm"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{folder}/argv"\n'
                      f'export -p > "{folder}/env"\n{body}\n')
    script.chmod(0o755)


def test_helm_sees_none_of_the_auditors_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_helm(tmp_path / "bin", "echo 'kind: Service'")
    private_parent = tmp_path / "tmp"
    private_parent.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_parent))
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    for name, value in {"CI_TOKEN": ENV_SECRET, "GITHUB_TOKEN": ENV_SECRET,
                        "HTTPS_PROXY": f"http://u:{ENV_SECRET}@proxy:3128",
                        "KUBECONFIG": f"/etc/{ENV_SECRET}", "HOME": f"/home/{ENV_SECRET}",
                        "HELM_PLUGINS": f"/opt/{ENV_SECRET}"}.items():
        monkeypatch.setenv(name, value)
    chart = make_chart(tmp_path)
    assert helm.render(chart, {}) == helm.Rendered(text="kind: Service\n")
    seen = (tmp_path / "bin" / "env").read_text()
    assert ENV_SECRET not in seen and not re.search(r"\bPATH=", seen)
    assert "HELM_NO_PLUGINS='1'" in seen or 'HELM_NO_PLUGINS="1"' in seen
    # helm rendered a private copy, whose folder holds helm's home and is gone afterwards.
    given = (tmp_path / "bin" / "argv").read_text().splitlines()[2]
    home = re.search(r"HOME=['\"]?([^'\"\n]+)", seen)
    assert home is not None and given != str(chart)
    private = Path(given).parent.parent
    assert private.parent == private_parent and Path(home.group(1)).parent == private
    assert list(private_parent.iterdir()) == []


def test_helm_reads_no_kubeconfig_the_auditor_was_given(
        tmp_path: Path, helm_on_path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # A KUBECONFIG that never ends (a FIFO without writer) stalls helm template when it is
    # read; helm's own is an empty file. The shorter timeout is a hang guard only.
    fifo = tmp_path / "kubeconfig"
    os.mkfifo(fifo)
    monkeypatch.setenv("KUBECONFIG", str(fifo))
    monkeypatch.setattr(helm, "RENDER_TIMEOUT_S", 60)
    rendered = helm.render(make_chart(tmp_path), {})
    assert rendered.error is None and "kind: Deployment" in rendered.text


# -- the private folder and the caps -----------------------------------------------------

@pytest.fixture
def private_parent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the private folders are made, to see each is removed."""
    parent = tmp_path / "tmp"
    parent.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(parent))
    return parent


def test_the_private_copy_is_removed_when_helm_times_out(
        tmp_path: Path, private_parent: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_helm(tmp_path / "bin", "exec /bin/sleep 30")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setattr(helm, "RENDER_TIMEOUT_S", 0.5)
    chart = make_chart(tmp_path)
    assert helm.render(chart, {}).error == f"{chart}: helm template did not finish in 0.5s"
    assert (tmp_path / "bin" / "argv").read_text().splitlines()[2] != str(chart)
    assert list(private_parent.iterdir()) == []


def test_helms_error_names_the_chart_not_the_copy(
        tmp_path: Path, private_parent: Path, helm_on_path: str) -> None:
    chart = make_chart(tmp_path)
    (chart / "templates" / "broken.yaml").write_text("{{ .Values.nope.deeper }}\n")
    error = helm.render(chart, {}).error
    assert error is not None and error.startswith(f"{chart}: helm template failed: ")
    assert str(private_parent) not in error
    assert list(private_parent.iterdir()) == []


def test_a_chart_past_the_caps_is_not_rendered(
        tmp_path: Path, private_parent: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_helm(tmp_path / "bin", "echo 'kind: Service'")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    chart = make_chart(tmp_path)
    (chart / "big.bin").write_bytes(b"\0" * (2 * 1024 * 1024))
    monkeypatch.setattr(chartcopy, "MAX_BYTES", 1024 * 1024)
    assert helm.render(chart, {}) == helm.Rendered(
        error=f"{chart}: more than 1 MiB of files, more than a chart holds; not rendered")
    monkeypatch.setattr(chartcopy, "MAX_BYTES", 64 * 1024 * 1024)
    monkeypatch.setattr(chartcopy, "MAX_ENTRIES", 3)
    assert helm.render(chart, {}) == helm.Rendered(
        error=f"{chart}: more than 3 files and folders, more than a chart holds; not rendered")
    assert not (tmp_path / "bin" / "argv").exists()  # helm never ran
    assert list(private_parent.iterdir()) == []


def test_links_that_multiply_the_chart_stop_at_the_cap(
        tmp_path: Path, private_parent: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Each level links twice to the next: 2**14 folders from 28 links, all inside. (A lower
    # cap than the real one: the walk is the same, and each folder made costs time.)
    fake_helm(tmp_path / "bin", "echo 'kind: Service'")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setattr(chartcopy, "MAX_ENTRIES", 500)
    chart = make_chart(tmp_path)
    for level in range(14):
        (chart / f"d{level}").mkdir()
        for name in ("a", "b"):
            (chart / f"d{level}" / name).symlink_to(f"../d{level + 1}")
    (chart / "d14").mkdir()
    assert helm.render(chart, {}) == helm.Rendered(
        error=f"{chart}: more than 500 files and folders, more than a chart holds; not rendered")
    assert list(private_parent.iterdir()) == []


def test_version_control_metadata_is_never_given_to_helm(
        tmp_path: Path, helm_on_path: str, capsys: pytest.CaptureFixture[str]) -> None:
    # A chart at the root of a CI checkout: actions/checkout keeps the token in .git/config,
    # and the pull request's own .helmignore decides what helm leaves out.
    chart = make_chart(tmp_path, '{{- $leak := print (.Files.Get ".git/config") '
                                 '(.Files.Get "gitconf") | regexFind "basic [^;]*" '
                                 '| trimPrefix "basic " }}', {"gitconf": ".git/config"})
    (chart / ".git").mkdir()
    (chart / ".git" / "config").write_text(f"[http]\n\textraheader = basic {FILE_SECRET};\n")
    (chart / ".helmignore").write_text("# nothing ignored\n")
    code, outputs = every_output(tmp_path, capsys, str(chart))
    assert shown(outputs, FILE_SECRET) == []
    assert code == 0 and audited(outputs)
    assert target(outputs)["problems"] == [
        "chart gitconf: symlink to .git/config leads into version-control metadata, not copied"]


# -- values schemas that refer out of the chart ------------------------------------------

SCHEMA_OUT = '{"properties": {"a": {"$ref": "file://{outside}/ref.json"}}}'


def schema_chart(tmp_path: Path, schema: str) -> Path:
    chart = make_chart(tmp_path)
    (tmp_path / "outside" / "ref.json").write_text(json.dumps({"enum": [FILE_SECRET]}))
    (chart / "values.yaml").write_text("a: 1\n")
    (chart / "values.schema.json").write_text(schema.replace("{outside}",
                                                             str(tmp_path / "outside")))
    return chart


def test_a_schema_reading_a_file_of_the_machine_is_not_followed(
        tmp_path: Path, helm_on_path: str, capsys: pytest.CaptureFixture[str]) -> None:
    # helm's error would quote the file: 'a must be one of the following: "<secret>"'.
    chart = schema_chart(tmp_path, SCHEMA_OUT)
    code, outputs = every_output(tmp_path, capsys, str(chart))
    assert shown(outputs, FILE_SECRET) == []
    assert code == 0 and audited(outputs)
    assert target(outputs)["problems"] == [
        f"chart values.schema.json: a values schema that refers outside the chart ($ref "
        f"file://{tmp_path}/outside/ref.json): values not validated against the chart's "
        "schemas"]


def test_a_schema_makes_no_request_from_the_machine(tmp_path: Path, helm_on_path: str) -> None:
    import http.server
    import threading

    asked: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            body = b'{"type": "integer"}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        chart = schema_chart(tmp_path, json.dumps({
            "$schema": f"http://127.0.0.1:{port}/meta",
            "properties": {"a": {"$ref": f"http://127.0.0.1:{port}/a.json"}}}))
        rendered = helm.render(chart, {})
    finally:
        server.shutdown()
        server.server_close()
    assert asked == []
    assert rendered.error is None and "kind: Deployment" in rendered.text
    assert list(rendered.problems) == ["chart values.schema.json"]


def _tgz(members: Mapping[str, bytes]) -> bytes:
    import io
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_a_schema_in_a_packaged_subchart_is_checked_too(tmp_path: Path,
                                                        helm_on_path: str) -> None:
    # charts/outer-0.1.0.tgz holds outer/charts/inner-0.1.0.tgz, whose schema reads a file.
    chart = make_chart(tmp_path)
    (tmp_path / "outside" / "ref.json").write_text(json.dumps({"enum": [FILE_SECRET]}))
    schema = json.dumps({"properties": {"a": {"$ref": f"file://{tmp_path}/outside/ref.json"}}})
    inner = _tgz({"inner/Chart.yaml": b"apiVersion: v2\nname: inner\nversion: 0.1.0\n",
                  "inner/values.yaml": b"a: 1\n",
                  "inner/values.schema.json": schema.encode()})
    outer = _tgz({"outer/Chart.yaml": b"apiVersion: v2\nname: outer\nversion: 0.1.0\n",
                  "outer/charts/inner-0.1.0.tgz": inner})
    (chart / "charts").mkdir()
    (chart / "charts" / "outer-0.1.0.tgz").write_bytes(outer)
    rendered = helm.render(chart, {})
    assert FILE_SECRET not in f"{rendered.text} {rendered.error}"
    assert rendered.error is None and "kind: Deployment" in rendered.text
    assert rendered.problems == {
        "chart charts/outer-0.1.0.tgz:outer/charts/inner-0.1.0.tgz:inner/values.schema.json":
            f"a values schema that refers outside the chart ($ref file://{tmp_path}/outside/"
            "ref.json): values not validated against the chart's schemas"}


def test_an_archive_past_the_cap_is_not_unpacked_further(
        tmp_path: Path, helm_on_path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from auditor.checks.kubernetes import chartschema

    chart = make_chart(tmp_path)
    (chart / "charts").mkdir()
    (chart / "charts" / "big-0.1.0.tgz").write_bytes(_tgz({
        "big/Chart.yaml": b"apiVersion: v2\nname: big\nversion: 0.1.0\n",
        "big/padding.txt": b"\0" * (2 * 1024 * 1024)}))
    monkeypatch.setattr(chartschema, "MAX_UNPACKED", 1024 * 1024)
    rendered = helm.render(chart, {})
    assert rendered.problems == {"chart charts/big-0.1.0.tgz": (
        "archives too large to check: values not validated against the chart's schemas")}
    assert rendered.error is None and "kind: Deployment" in rendered.text


def test_a_schema_within_itself_still_validates_values(tmp_path: Path,
                                                      helm_on_path: str) -> None:
    # Local references, a draft helm holds, and "id" as data or as a property name are fine:
    # the values are still checked, and helm refuses them as it would for an install.
    chart = schema_chart(tmp_path, json.dumps({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "definitions": {"small": {"type": "integer", "maximum": 0}},
        "properties": {"a": {"$ref": "#/definitions/small"}, "id": {"type": "string"},
                       "b": {"default": {"id": "file:///etc/passwd"}}}}))
    rendered = helm.render(chart, {})
    assert rendered.problems == {}
    assert rendered.error is not None
    assert rendered.error.startswith(f"{chart}: helm template failed: - a: ")  # a's maximum

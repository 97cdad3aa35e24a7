"""Fuzzing the Kubernetes manifests path: YAML and JSON, multi-document, List kinds, stdin.

Shapes come from the real fixtures; values are retyped, removed and duplicated at random
paths. Raw YAML adds what a dumper never writes: anchors and aliases (a small "billion
laughs"), recursive aliases, ``!!python/...`` tags that a safe loader must refuse,
duplicate keys, tabs, BOMs and CRLF.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest
from fuzzlib import (
    EXAMPLES,
    FIXTURES,
    audit_and_check,
    dump_json,
    dump_yaml,
    fuzz_settings,
    hostile_text,
    junk,
    load_documents,
    materialise,
    mutated_bytes,
    mutated_document,
    run_cli,
    surrogate_text,
    workdir,
)
from hypothesis import example, given
from hypothesis import strategies as st

SOURCES = (
    *sorted((FIXTURES / "kubernetes").glob("*/*.yaml")),
    EXAMPLES / "kubernetes" / "superset.yaml",
    FIXTURES / "hostile" / "deploy.yaml",
)
BROKEN = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [unclosed\n"
"""A sibling every structured example carries: invalid YAML that must be named."""


@functools.cache
def documents() -> list[dict[str, Any]]:
    return [d for path in SOURCES for d in load_documents(path) if isinstance(d, dict)]


def encode(docs: list[Any], form: str) -> tuple[str, str]:
    """(file suffix, text) of documents written as one manifest file."""
    if form == "json":
        return ".json", dump_json(docs[0] if len(docs) == 1 else docs)
    if form == "json-list":
        return ".json", dump_json({"apiVersion": "v1", "kind": "List", "items": docs})
    if form == "yaml-list":
        return ".yaml", dump_yaml([{"apiVersion": "v1", "kind": "List", "items": docs}])
    if form == "typed-list":
        kind = str(docs[0].get("kind") or "Deployment") if isinstance(docs[0], dict) else "X"
        items = [{k: v for k, v in d.items() if k not in ("kind", "apiVersion")}
                 if isinstance(d, dict) else d for d in docs]
        return ".yaml", dump_yaml([{"apiVersion": "apps/v1", "kind": f"{kind}List",
                                    "items": items}])
    return ".yaml", dump_yaml(docs)


FORMS = ("yaml", "yaml", "json", "json-list", "yaml-list", "typed-list")


@st.composite
def manifest_sets(draw: st.DrawFn) -> dict[str, str]:
    pool = documents()
    files: dict[str, str] = {}
    for index in range(draw(st.integers(1, 3))):
        picks = draw(st.lists(st.integers(0, len(pool) - 1), min_size=1, max_size=5))
        docs = [draw(mutated_document(pool[i])) if draw(st.booleans()) else pool[i]
                for i in picks]
        suffix, text = encode(docs, draw(st.sampled_from(FORMS)))
        files[f"m{index}{suffix}"] = text
    files["zz-broken.yaml"] = BROKEN
    return files


@given(files=manifest_sets())
@fuzz_settings(40)
def test_structured_manifests(files: dict[str, str]) -> None:
    with workdir() as tmp:
        root = materialise(tmp / "manifests", files)
        audit_and_check([str(root)], styles=["kubernetes"], named=["zz-broken.yaml"])


@st.composite
def json_manifests(draw: st.DrawFn) -> str:
    """JSON allows what YAML does not: lone surrogates (``\\ud800``) in names and waivers."""
    pool = documents()
    doc = draw(mutated_document(pool[draw(st.integers(0, len(pool) - 1))]))
    if not isinstance(doc, dict):
        doc = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": doc}}
    meta = doc.setdefault("metadata", {}) if isinstance(doc.get("metadata"), dict | None) else {}
    if isinstance(meta, dict):
        where = draw(st.sampled_from(["name", "namespace", "labels", "annotations"]))
        text = draw(surrogate_text)
        if where in ("labels", "annotations"):
            key = draw(st.sampled_from(["app", "auditor.io/waive.K8S-RESOURCES-001", text]))
            meta[where] = {key: text}
        else:
            meta[where] = text
    return dump_json(doc, ascii=True)


@given(text=json_manifests())
@fuzz_settings(30)
@example(text='{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "w",'
              ' "annotations": {"auditor.io/waive.K8S-RESOURCES-001": "\\ud800"}}, "spec":'
              ' {"template": {"spec": {"containers": [{"name": "c", "image": "x"}]}}}}')
def test_json_with_lone_surrogates(text: str) -> None:
    with workdir() as tmp:
        root = materialise(tmp / "manifests", {"m.json": text})
        audit_and_check([str(root)], style="kubernetes")


@given(data=st.data())
@fuzz_settings(40)
def test_mutated_manifest_bytes(data: st.DataObject) -> None:
    source = data.draw(st.sampled_from(SOURCES), label="source")
    mutated = data.draw(mutated_bytes(source.read_bytes()), label="bytes")
    with workdir() as tmp:
        root = materialise(tmp / "manifests", {"a-mutated.yaml": mutated,
                                               "b-intact.yaml": SOURCES[0].read_bytes()})
        named = []
        try:
            mutated.decode("utf-8")
        except UnicodeDecodeError:
            named.append("a-mutated.yaml")
        if b"\0" in mutated[:8192]:
            named.append("a-mutated.yaml")
        audit_and_check([str(root)], styles=["kubernetes"], named=named)


DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: superset
  namespace: ns
  labels: {{app: superset}}
  annotations:
    note: {annotation}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: superset}}}}
  template:
    metadata: {{labels: {{app: superset}}}}
    spec:
      containers:
        - name: web
          image: {image}
          env: {env}
          resources: {resources}
"""

LAUGHS = "\n".join(
    ["laughs:", '  l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    + [f"  l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 9)]
)

FRAGMENTS = (
    "[*l3, *l3]",
    "&r [*r]",
    "&m {a: *m}",
    "!!python/object/apply:os.system ['touch {marker}']",
    "!!python/object/new:os.system ['touch {marker}']",
    "!!python/name:os.system",
    "!!binary aGVsbG8=",
    "!!set {a, b}",
    "!!omap [a: 1, b: 2]",
    "!!timestamp 2001-12-14t21:59:43.10-05:00",
    "!!str {a: 1}",
    "!!int abc",
    "!!float x",
    "!!bool maybe",
    "!!timestamp nope",
    "!!int 0x",
    "!!float []",
    "!Custom {a: 1}",
    "{a: 1, a: 2}",
    "{<<: [1, 2]}",
    "{<<: *l0}",
    "99999999999999999999999999999999",
    "0x_ff",
    "1_000",
    ".nan",
    "-.inf",
    "null",
    "'\t'",
    '"\\x00\\u202e\\U0001F600"',
    "[" * 60 + "]" * 60,
    "{a: " * 40 + "1" + "}" * 40,
    "*undefined",
    "&dup 1",
)


@st.composite
def raw_yaml(draw: st.DrawFn, marker: Path) -> str:
    def fragment() -> str:
        choice = draw(st.sampled_from(FRAGMENTS) | hostile_text.map(
            lambda s: '"' + s.encode("unicode_escape").decode("ascii").replace('"', '\\"')
            + '"'))
        return choice.replace("{marker}", str(marker))

    text = DEPLOYMENT.format(annotation=fragment(), replicas=fragment(), image=fragment(),
                             env=fragment(), resources=fragment())
    text = LAUGHS + "\n" + text if draw(st.booleans()) else text
    parts = [text]
    for _ in range(draw(st.integers(0, 2))):
        parts.append(draw(st.sampled_from([
            "kind: Service\napiVersion: v1\nmetadata: {name: s}\nmetadata: {name: t}\n",
            "apiVersion: v1\nkind: List\nitems: " + fragment() + "\n",
            "apiVersion: v1\nkind: PodList\nitems:\n  - metadata: {name: p}\n    spec: "
            + fragment() + "\n",
            "%YAML 1.1\n%TAG ! tag:example.com,2000:\n---\napiVersion: v1\nkind: Secret\n",
            "\t- tab indented\n",
            "",
            "...\n",
        ])))
    joined = "\n---\n".join(parts)
    if draw(st.booleans()):
        joined = joined.replace("\n", "\r\n")
    if draw(st.booleans()):
        joined = "\ufeff" + joined
    return joined


@given(data=st.data())
@fuzz_settings(40)
@example(data=None)
def test_yaml_features_are_safe(data: st.DataObject | None) -> None:
    with workdir() as tmp:
        marker = tmp / "EXECUTED"
        if data is None:  # the deepest billion-laughs document, every alias used
            text = LAUGHS + "\n" + DEPLOYMENT.format(
                annotation="*l8", replicas="*l7", image="*l6", env="[*l8, *l8]",
                resources="{limits: *l8}")
        else:
            text = data.draw(raw_yaml(marker), label="yaml")
        root = materialise(tmp / "manifests", {"m.yaml": text, "ok.yaml": BROKEN[:-18]})
        audit_and_check([str(root)], styles=["kubernetes"])
        assert not marker.exists(), "a YAML tag was executed"


@given(text=st.one_of(
    st.builds(lambda docs: dump_yaml(docs), st.lists(junk, max_size=3)),
    st.builds(lambda s: "apiVersion: v1\nkind: " + s, hostile_text),
    st.sampled_from(SOURCES).flatmap(lambda p: mutated_bytes(p.read_bytes()).map(
        lambda b: b.decode("utf-8", "replace"))),
))
@fuzz_settings(30)
@example(text='{"apiVersion": "v1", "kind": "ConfigMap", "spec": ' + "1" * 5000 + "}")
@example(text='{"apiVersion": "v1", "kind": "ConfigMap", "spec": ' + "[" * 100000)
@example(text="apiVersion: v1\nkind: ConfigMap\nspec: " + "1" * 5000)
@example(text="apiVersion: v1\nkind: ConfigMap\nspec: " + "[" * 100000)
def test_stdin(text: str) -> None:
    audit_and_check(["-"], stdin_text=text, style="kubernetes")


@given(data=st.data())
@fuzz_settings(20)
def test_cli_exit_codes(data: st.DataObject) -> None:
    """Through the command line: exit 0 with a valid report, or 2 with one line."""
    source = data.draw(st.sampled_from(SOURCES), label="source")
    mutated = data.draw(mutated_bytes(source.read_bytes(), max_ops=6), label="bytes")
    single = data.draw(st.booleans(), label="single file")
    with workdir() as tmp:
        root = materialise(tmp / "m", {"a.yaml": mutated})
        target = root / "a.yaml" if single else root
        run_cli([str(target)], tmp / "report.json")


CHART = FIXTURES / "kubernetes" / "charts" / "pass-chart"
CHART_FIELDS = (
    "pass-chart", "1.2.0", "*l8", "*l0", "[*l8, *l8]", "&r [*r]", "!!int abc", "!!float x",
    "!!python/object/apply:os.system ['touch {marker}']", "null", "{a: 1}", "[]",
    "99999999999999999999", "1" * 5000, "0x" + "f" * 4000, "[" * 3000, "'\\t'", '"\\x00"',
    "~", "!!binary AA==", "!!bool maybe", "!!timestamp nope",
)


@given(data=st.data())
@fuzz_settings(8)
@example(data=None)
def test_chart_yaml(data: st.DataObject | None) -> None:
    """Chart.yaml is read for detection (name, version) before helm renders the chart."""
    with workdir() as tmp:
        marker = tmp / "EXECUTED"
        if data is None:
            name, version, laughs = "*l8", "!!int abc", True
        else:
            name = data.draw(st.sampled_from(CHART_FIELDS), label="name")
            version = data.draw(st.sampled_from(CHART_FIELDS), label="version")
            laughs = data.draw(st.booleans(), label="laughs")
        text = (LAUGHS + "\n" if laughs else "") + (
            f"apiVersion: v2\nname: {name}\nversion: {version}\n").replace("{marker}", str(marker))
        if data is not None and data.draw(st.booleans(), label="mutate"):
            text = data.draw(mutated_bytes((CHART / "Chart.yaml").read_bytes()),
                             label="bytes").decode("utf-8", "replace")
        root = materialise(tmp / "chart", {"Chart.yaml": text}, base=CHART)
        audit_and_check([str(root)], style="kubernetes")
        assert not marker.exists(), "a YAML tag was executed"


def test_chart_identity_regressions(tmp_path: Path) -> None:
    """Chart.yaml shapes that made detection raise or hang: read as the directory's name."""
    from auditor.checks.kubernetes.helm import chart_identity

    chart = tmp_path / "mychart" / "Chart.yaml"
    chart.parent.mkdir()
    for text in ("name: !!int abc", "name: " + "1" * 5000, "name: 0x" + "f" * 4000,
                 "version: !!bool maybe", "version: !!timestamp nope",
                 "name: " + "[" * 3000, LAUGHS + "\nname: *l8\nversion: *l8", b"\xff\xfe"):
        chart.write_bytes(text if isinstance(text, bytes) else text.encode())
        assert chart_identity(chart) == ("mychart", "?")


K8S_REGRESSIONS = {
    "!!int": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {x: !!int abc}\n",
    "!!bool": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {x: !!bool maybe}\n",
    "!!timestamp": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\nx: !!timestamp no\n",
    "laughs": LAUGHS + "\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\n"
              "spec: {template: {spec: {containers: [{name: c, image: *l8}]}}}\n",
    "recursive": "apiVersion: v1\nkind: ConfigMap\nmetadata: &m {name: a, self: *m}\n",
    "json-digits": '{"apiVersion": "v1", "kind": "ConfigMap", "x": ' + "1" * 5000 + "}",
    "json-deep": '{"apiVersion": "v1", "kind": "ConfigMap", "x": ' + "[" * 100000,
    "pod-conditions": "apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\n"
                      "status: {conditions: [{type: [], status: 'True'}]}\n",
    "helm-release": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: bad\n"
                    "  labels: {owner: helm, name: superset, version: .inf}\n",
    "ingress-host": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: superset}\n"
                    "spec: {template: {spec: {containers: [{name: web, image: apache/superset,"
                    " ports: [{containerPort: 8088}]}]}}}\n---\napiVersion: networking.k8s.io/v1"
                    "\nkind: Ingress\nmetadata: {name: bad}\nspec: {rules: [{host: {a: 1}}]}\n",
}


@pytest.mark.parametrize("case", sorted(K8S_REGRESSIONS))
def test_regressions(case: str, tmp_path: Path) -> None:
    """Inputs the fuzzers found: each used to end the audit of every manifest (or hang it)."""
    suffix = ".json" if case.startswith("json") else ".yaml"
    root = materialise(tmp_path / "m", {"bad" + suffix: K8S_REGRESSIONS[case],
                                        "ok.yaml": "apiVersion: v1\nkind: Service\n"
                                                   "metadata: {name: s}\n"})
    # An ingress host that is not text is left out of the URLs: no problem to name.
    named = [] if case == "ingress-host" else ["bad" + suffix]
    audit_and_check([str(root)], styles=["kubernetes"], named=named)

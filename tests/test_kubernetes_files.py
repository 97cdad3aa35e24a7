"""The Kubernetes style from files: loading, detection, waivers by annotation, secrets."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import scan_report

from auditor.checks.kubernetes import collect
from auditor.checks.kubernetes.loader import ManifestError, load_file, load_text
from auditor.cli import main
from auditor.model import Style
from auditor.targets import parse_target

FIXTURES = Path(__file__).parent / "fixtures" / "kubernetes"
PASS = FIXTURES / "pass-hardened"
FAIL = FIXTURES / "fail-defaults"
KNOWN = "thisISaSECRET_1234"




def _findings(report: dict[str, object]) -> list[dict[str, object]]:
    targets = report["targets"]
    assert isinstance(targets, list)
    return [f for t in targets for f in t["findings"]]


def test_documents_keep_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(
        "---\n# Source: x\napiVersion: v1\nkind: Service\nmetadata: {name: a}\n"
        "---\n\n---\napiVersion: v1\nkind: List\nitems:\n"
        "- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: b}\n"
        "---\nnot: an object\n"
    )
    items = load_file(path, "m.yaml")
    assert [(i.kind, i.name) for i in items] == [("Service", "a"), ("ConfigMap", "b")]
    # The line of an object is that of its first key, after any "# Source:" comment.
    assert items[0].location is not None and items[0].location.line == 3
    assert items[1].location is not None and items[1].location.line == 9


def test_json_and_typed_lists() -> None:
    text = json.dumps({"apiVersion": "apps/v1", "kind": "DeploymentList",
                       "items": [{"metadata": {"name": "d"}, "spec": {}}]})
    (item,) = load_text(text, "list.json")
    assert (item.kind, item.obj["apiVersion"], item.name) == ("Deployment", "apps/v1", "d")


def test_invalid_yaml_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n")
    with pytest.raises(ManifestError, match=r"^bad\.yaml:\d+: invalid YAML"):
        load_file(bad, "bad.yaml")


def test_broken_file_is_a_problem_and_the_audit_completes(tmp_path: Path) -> None:
    project = tmp_path / "m"
    shutil.copytree(PASS, project)
    (project / "broken.yaml").write_text("kind: [\n")
    (project / "binary.yaml").write_bytes(b"\0\1\2apiVersion")
    report = scan_report(tmp_path, str(project))
    (target,) = report["targets"]  # type: ignore[misc]
    problems = " ".join(target["problems"])
    assert "broken.yaml:" in problems and "binary file" in problems
    assert target["score"]["value"] == 100.0


def test_detection_of_manifests_and_app() -> None:
    detection = collect.detect(parse_target(str(PASS)))
    assert detection is not None and detection.style == Style.KUBERNETES
    assert detection.app == "superset" and detection.confidence >= 0.8


def test_stdin_manifests(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                         monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO((PASS / "superset.yaml").read_text()))
    report = scan_report(tmp_path, "-")
    findings = _findings(report)
    assert findings and all(f["location"] is None or f["location"]["path"] == "-"
                            for f in findings)


def test_hardened_and_flawed_releases_score_apart(tmp_path: Path) -> None:
    good = scan_report(tmp_path, str(PASS))
    bad = scan_report(tmp_path, str(FAIL))
    assert good["score"]["value"] == 100.0 and good["score"]["ready"] is True  # type: ignore[index]
    assert bad["score"]["grade"] == "F" and bad["score"]["ready"] is False  # type: ignore[index]
    subjects = {f["subject"] for f in _findings(good)}
    assert "apps/v1/Deployment/superset/superset" in subjects


def test_annotation_waiver_needs_reason_and_can_be_refused(tmp_path: Path) -> None:
    project = tmp_path / "m"
    shutil.copytree(FAIL, project)
    manifest = project / "superset.yaml"
    anchor = "  name: superset-beat\n  namespace: default\n  annotations:\n"
    text = manifest.read_text()
    assert anchor in text
    text = text.replace(anchor, anchor + "    auditor.io/waive.K8S-AVAILABILITY-004: "
                        "two beats behind a redis lock (ADR-12)\n", 1)
    manifest.write_text(text)
    beat = "apps/v1/Deployment/default/superset-beat"
    waived = [f for f in _findings(scan_report(tmp_path, str(project)))
              if f["check_id"] == "K8S-AVAILABILITY-004" and f["subject"] == beat]
    assert waived[0]["status"] == "waived"
    assert waived[0]["waiver"]["reason"] == "two beats behind a redis lock (ADR-12)"
    strict = [f for f in _findings(scan_report(tmp_path, str(project), "--no-annotation-waivers"))
              if f["check_id"] == "K8S-AVAILABILITY-004" and f["subject"] == beat]
    assert strict[0]["status"] == "fail"


def test_known_secrets_are_found_and_never_printed(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.json"
    text_out = tmp_path / "r.txt"
    assert main(["scan", str(FAIL), "-v", "--report", f"json={out}",
                 "--report", f"terminal={text_out}"]) == 0
    printed = capsys.readouterr().out
    report = json.loads(out.read_text())
    defaults = [f for f in _findings(report) if f["check_id"] == "K8S-CONFIG-SECRETS-002"]
    assert any(f["status"] == "fail" for f in defaults)
    hardened_secrets = ["q8Jm2vX9rT4wL1pZ6nB3kD7sF0hG5cA2eY8uI4oP9jK1", "Vb7nQ2xK9mL4pR8t"]
    assert main(["scan", str(PASS), "-v", "--report", f"json={tmp_path / 'p.json'}"]) == 0
    printed += capsys.readouterr().out
    for blob in (out.read_text(), text_out.read_text(), printed,
                 (tmp_path / "p.json").read_text()):
        assert KNOWN not in blob
        for secret in hardened_secrets:
            assert secret not in blob


def test_secret_key_literal_in_any_configmap_key_is_found(tmp_path: Path) -> None:
    # The literal starts the second key's value: it must be found whatever the key order.
    manifest = tmp_path / "cm.yaml"
    manifest.write_text(json.dumps({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "superset-config", "namespace": "superset"},
        "data": {"a_first.txt": "nothing here",
                 "superset_config.py": "SECRET_KEY = 'k3y-in-a-configmap-0123456789'\n"},
    }))
    report = scan_report(tmp_path, str(manifest), "--style", "kubernetes")
    findings = [f for f in report["targets"][0]["findings"]
                if f["check_id"] == "K8S-CONFIG-SECRETS-001"
                and f["subject"].endswith("ConfigMap/superset/superset-config")]
    assert [f["status"] for f in findings] == ["fail"]
    assert "k3y-in-a-configmap" not in json.dumps(report)


def _laughs(levels: int) -> str:
    lines = ["apiVersion: v1", "kind: ConfigMap", "metadata: {name: bomb}", "data:",
             '  l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        refs = ",".join(f"*l{i - 1}" for _ in range(10))
        lines.append(f"  l{i}: &l{i} [{refs}]")
    return "\n".join(lines) + "\n"


def test_alias_bombs_are_refused_and_big_plain_documents_are_not() -> None:
    with pytest.raises(ManifestError, match="aliases expand to more than"):
        list(load_text(_laughs(7), "bomb.yaml"))
    assert len(list(load_text(_laughs(4), "small.yaml"))) == 1  # 10,000 values: fine
    with pytest.raises(ManifestError, match="recursive alias"):
        list(load_text("a: &a [*a]\n", "loop.yaml"))
    # 300,000 scalars, written out, with one harmless anchor: not an expansion.
    values = ",".join(str(i) for i in range(300_000))
    text = ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\nx: &x 1\ny: *x\n"
            f"big: [{values}]\n")
    assert len(list(load_text(text, "big.yaml"))) == 1


@pytest.mark.parametrize("before", [
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: plain}\ndata: {a: &a x}\n",  # ASCII
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: plain}\ndata: {a: &a é}\n",  # not
])
@pytest.mark.parametrize("where", ["last", "first"])
def test_each_document_with_an_alias_is_measured_wherever_it_is(before: str, where: str) -> None:
    """The alias walk is skipped only for documents whose own text holds no alias: a bomb
    beside anchored but alias-free documents, before or after them, is still refused."""
    docs = [before, _laughs(7), before] if where == "last" else [_laughs(7), before]
    with pytest.raises(ManifestError, match=r"bomb\.yaml:\d+: aliases expand to more than"):
        list(load_text("---\n".join(docs), "bomb.yaml"))
    with pytest.raises(ManifestError, match="recursive alias"):
        list(load_text("---\n".join([before, "a: &l [*l]\n"]), "loop.yaml"))
    aliased = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: two}\ndata: {b: &b y, a: *b}\n"
    kept = load_text("---\n".join([before, aliased]), "ok.yaml")
    assert kept[1].obj["data"] == {"b": "y", "a": "y"}


RECURSIVE = {
    "sequence": "a: &a [*a]\n",
    "mapping": "a: &a {b: *a}\n",
    "deep": "x: &a {b: {c: [1, *a]}}\n",
    "merge of itself": "a: &a {<<: *a}\n",
    "merge through a merge": "a: &a {<<: &b {<<: *a}}\n",
    "merge in a list": "a: &a {<<: [&c {z: 1}, *a]}\n",
    "after an unusual tag": "t: 2001-12-14\na: &a [*a]\n",  # SafeConstructor's document
}


@pytest.mark.parametrize("body", RECURSIVE.values(), ids=RECURSIVE.keys())
def test_a_value_inside_itself_is_refused_without_the_walk(
        body: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A short document's expansion is bounded without walking its graph; a value that
    contains itself is then refused while it is built (or by the walk, run before
    SafeConstructor is given a document with an unusual tag), never built or recursed on."""
    from auditor.checks.kubernetes import loader

    walked: list[int] = []
    real = loader._check_aliases
    monkeypatch.setattr(loader, "_check_aliases", lambda node, label: (walked.append(1),
                                                                        real(node, label)))
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n" + body
    with pytest.raises(ManifestError, match=r"^r\.yaml:\d+: invalid YAML: recursive alias$"):
        load_text(text, "r.yaml")
    assert walked == ([1] if "2001" in body else [])


def test_merges_and_shared_values_still_build_when_the_walk_is_skipped() -> None:
    text = ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"
            "b: &b {x: 1}\nc: &c {<<: *b, y: 2}\nd: {<<: [*c, *b], z: 3}\ne: [*b, *b]\n")
    obj = load_text(text, "ok.yaml")[0].obj
    assert obj["c"] == {"x": 1, "y": 2} and obj["d"] == {"x": 1, "y": 2, "z": 3}
    assert obj["e"][0] is obj["e"][1] is obj["b"]  # shared, as SafeConstructor shares them


@pytest.mark.parametrize("levels", range(1, 9))
@pytest.mark.parametrize("width", [1, 2, 3])
def test_the_alias_bound_is_never_below_the_real_expansion(levels: int, width: int) -> None:
    """Chains where each level repeats the one before ``width`` times, the worst case for
    a count of aliases: whenever ``_bounded`` skips the walk, the walk would have found
    an expansion within the limit."""
    from yaml import CSafeLoader, compose

    from auditor.checks.common.yamlgraph import measure
    from auditor.checks.kubernetes.loader import ALIAS_HINT, MAX_ALIAS_EXPANSION, _bounded

    lines = ["l0: &l0 {a: 1, b: [x, y]}"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]" for i in range(1, levels)]
    text = "\n".join(lines) + "\n"
    node = compose(text, Loader=CSafeLoader)
    added = max(m.size - m.written for m in measure(node))
    aliases = len(ALIAS_HINT.findall(text))
    assert aliases == width * (levels - 1)
    if _bounded(aliases, len(text)):
        assert added <= MAX_ALIAS_EXPANSION
        assert max(m.size for m in measure(node)) <= (4 * len(text) + 4) << aliases

"""The manifest benchmark's harness and its second generator (bench/), on tiny sizes.

Nothing here is timed: the harness runs with one round on 50 documents, and the
tests look at the structure of what it reports, at how it treats an auditor
that fails, and at the documents the generators write.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

import bench_manifests  # noqa: E402
import gen_manifests2  # noqa: E402
from inputs import INPUT_NAMES  # noqa: E402
from wholeproc import auditor_command  # noqa: E402
from yamltext import dump, plain  # noqa: E402

Loader = yaml.CSafeLoader


def documents(root: Path) -> list[tuple[Path, Any]]:
    found = []
    for path in sorted(root.rglob("*")):
        if path.suffix in (".yaml", ".yml", ".json"):
            for doc in yaml.load_all(path.read_text(encoding="utf-8"), Loader=Loader):
                if doc is not None:
                    found.append((path, doc))
    return found


def fake_auditor(tmp_path: Path, body: str) -> str:
    script = tmp_path / "fake_auditor.py"
    script.write_text("import json, os, sys\n" + body, encoding="utf-8")
    return f"{sys.executable} {script}"


def run_bench(tmp_path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    out = tmp_path / "bench.json"
    code = bench_manifests.main(["--sizes", "50", "--repeat", "1", "--no-checkov",
                                 "--json", str(out), *extra])
    return code, json.loads(out.read_text(encoding="utf-8"))


# -- the second generator ------------------------------------------------------------------


@pytest.mark.parametrize("layout", gen_manifests2.LAYOUTS)
def test_gen2_writes_exactly_n_documents_that_the_c_loader_parses(tmp_path: Path,
                                                                   layout: str) -> None:
    files = gen_manifests2.generate(601, tmp_path, layout=layout, namespaces=7, seed=3)
    docs = documents(tmp_path)
    assert len(docs) == 601
    assert {p for p, _ in docs} <= set(files)
    texts = [f.read_text(encoding="utf-8") for f in files if f.suffix == ".yaml"]
    assert any("---\n# Source: " in t for t in texts)  # Helm output
    assert any(": &" in t and ": *" in t for t in texts)  # anchors and aliases
    assert any("<<: *" in t for t in texts)  # merge keys
    assert any(f.suffix == ".json" for f in files)
    assert any(t.count("\n---\n") > 3 for t in texts)  # multi-document files
    kinds = {d["kind"] for _, d in docs}
    assert {"Deployment", "StatefulSet", "DaemonSet", "CronJob", "Service", "Ingress",
            "ConfigMap", "Secret", "NetworkPolicy"} <= kinds
    namespaces = {d["metadata"].get("namespace") for _, d in docs}
    if layout == "one-namespace":
        assert namespaces <= {"default", None}
        assert all(f.parent == tmp_path for f in files)
    else:
        assert len(namespaces - {None}) == 7
        assert all(f.parent.name == d["metadata"]["namespace"] for f, d in docs
                   if d["metadata"].get("namespace"))


def test_gen2_is_deterministic_by_seed(tmp_path: Path) -> None:
    def written(seed: int, where: str) -> dict[str, str]:
        root = tmp_path / where
        gen_manifests2.generate(200, root, seed=seed)
        return {str(p.relative_to(root)): p.read_text() for p in root.rglob("*") if p.is_file()}

    assert written(5, "a") == written(5, "b")
    assert written(5, "a") != written(6, "c")


def test_gen2_hand_written_text_reads_back_as_its_objects(tmp_path: Path) -> None:
    layout = gen_manifests2.Layout("one-namespace", ["default"], tmp_path)
    checked = 0
    for app, _ in zip(gen_manifests2.applications(11, layout), range(300), strict=False):
        for doc in app.docs:
            assert yaml.load(dump(doc.tree), Loader=Loader) == plain(doc.tree), doc.source
            checked += 1
    assert checked > 300


# -- the harness ------------------------------------------------------------------------------


def test_harness_reports_every_input_set_with_positive_ratios(tmp_path: Path) -> None:
    code, data = run_bench(tmp_path)
    assert code == 0
    rows = {r["input_set"]: r for r in data["rows"]}
    assert set(rows) == set(INPUT_NAMES)
    for name, row in rows.items():
        if name == "corpus-charts" and row["status"] == "skipped":
            assert row["note"]  # no corpus or no helm here: said, not an error
            continue
        assert row["status"] == "ok", row["note"]
        for key in ("audit_over_floor", "audit_over_floor_cpu"):
            assert isinstance(row[key], float) and row[key] > 0
        assert row["floor"]["peak_mb"] > 0 and row["audit"]["peak_mb"] > 0
        assert row["findings"] > 0 and row["rounds"] == 1
    [claim] = data["claims"]
    assert claim["docs"] == 50 and claim["input_set"] in rows and not claim["failed"]


def test_an_auditor_that_crashes_is_an_error_row_never_a_figure(tmp_path: Path) -> None:
    command = fake_auditor(tmp_path, (
        "print('Traceback (most recent call last):', file=sys.stderr)\n"
        "print('ModuleNotFoundError: No module named auditor.reports', file=sys.stderr)\n"
        "sys.exit(3)\n"))
    code, data = run_bench(tmp_path, "--auditor-cmd", command,
                           "--inputs", "gen1,gen2-one-namespace")
    assert code == 1
    assert [r["status"] for r in data["rows"]] == ["error", "error"]
    for row in data["rows"]:
        assert "exited 3" in row["note"] and "auditor.reports" in row["note"]
        assert row["audit"] is None and row["audit_over_floor"] is None
    assert data["claims"][0]["failed"] == ["gen1", "gen2-one-namespace"]
    assert "input_set" not in data["claims"][0]


@pytest.mark.parametrize(("body", "words"), [
    ("sys.exit(0)\n", "without writing"),
    ("print('Traceback (most recent call last):', file=sys.stderr)\n"
     "open(sys.argv[sys.argv.index('--output') + 1], 'w').write('{}')\n", "traceback"),
    ("open(sys.argv[sys.argv.index('--output') + 1], 'w').write('{\"targets\": []}')\n",
     "no kubernetes target"),
])
def test_an_audit_that_did_not_audit_is_an_error(tmp_path: Path, body: str, words: str) -> None:
    code, data = run_bench(tmp_path, "--auditor-cmd", fake_auditor(tmp_path, body),
                           "--inputs", "gen2-many-namespaces")
    assert code == 1
    [row] = data["rows"]
    assert row["status"] == "error" and words in row["note"]


def test_the_auditor_runs_outside_the_repository_with_the_documented_arguments(
        tmp_path: Path) -> None:
    record = tmp_path / "seen.json"
    command = fake_auditor(tmp_path, (
        f"json.dump({{'cwd': os.getcwd(), 'argv': sys.argv[1:]}}, open({str(record)!r}, 'w'))\n"
        "report = {'targets': [{'style': 'kubernetes', 'findings': [{}], 'problems': []}]}\n"
        "json.dump(report, open(sys.argv[sys.argv.index('--output') + 1], 'w'))\n"
        "sys.exit(1)\n"))  # 1: a gate tripped, an audit's normal outcome
    code, data = run_bench(tmp_path, "--auditor-cmd", command, "--inputs", "gen1")
    assert code == 0
    assert data["rows"][0]["status"] == "ok"
    seen = json.loads(record.read_text())
    assert Path(seen["cwd"]) != REPO and REPO not in Path(seen["cwd"]).parents
    argv = seen["argv"]
    assert argv[0] == "scan" and argv[2:6] == ["--style", "kubernetes", "--format", "json"]
    assert "--output" in argv


def test_a_missing_corpus_is_skipped_with_the_reason(tmp_path: Path) -> None:
    code, data = run_bench(tmp_path, "--inputs", "corpus-charts",
                           "--corpus", str(tmp_path / "absent"))
    assert code == 0
    [row] = data["rows"]
    assert row["status"] == "skipped" and "not found" in row["note"]
    assert data["claims"][0]["skipped"] == ["corpus-charts"]


def test_the_default_auditor_is_the_installed_command_not_the_source_tree() -> None:
    command = auditor_command(None)
    beside = Path(sys.executable).parent / "auditor"
    assert command == ([str(beside)] if beside.is_file() else [sys.executable, "-m", "auditor"])
    assert auditor_command("python -m auditor") == ["python", "-m", "auditor"]


# -- run_all's verdicts -----------------------------------------------------------------------


def fake_row(name: str, docs: int, ratio: float, *, status: str = "ok",
             checkov: float | None = None, peak: float = 100.0) -> dict[str, Any]:
    figures = {"wall_s": 1.0, "cpu_s": 1.0, "peak_mb": peak, "walls": [1.0], "cpus": [1.0]}
    return {"input_set": name, "docs": docs, "status": status, "note": "boom", "files": 1,
            "megabytes": 1.0, "rounds": 5, "floor": figures, "audit": figures,
            "findings": 1, "problems": 0,
            "checkov": figures if checkov else None, "checkov_results": {},
            "checkov_note": "", "audit_over_floor": ratio, "audit_over_floor_cpu": ratio,
            "checkov_over_audit": checkov, "checkov_over_audit_cpu": checkov}


def test_run_all_judges_the_worst_input_set_and_never_a_failed_one() -> None:
    from manifest_rows import failures, manifest_rows

    data = {"checkov": {"skipped": False, "installed": True}, "rows": [
        fake_row("gen1", 4000, 1.9, checkov=40.0),
        fake_row("gen2-one-namespace", 4000, 2.6, checkov=30.0),
        fake_row("corpus-charts", 4000, 0.0, status="skipped", checkov=None),
        fake_row("gen1", 16000, 2.0, peak=120.0),
        fake_row("gen2-one-namespace", 16000, 0.0, status="error"),
    ]}
    rows, verdicts = manifest_rows(data, quick=False)
    assert len(rows) == 5 and all(len(r) == 7 for r in rows)
    at_4k = next(v for v in verdicts if "2x the floor at 4,000" in v.name)
    assert at_4k.met is False and "gen2-one-namespace" in at_4k.measured
    assert "corpus-charts skipped" in at_4k.measured
    at_16k = next(v for v in verdicts if "at 16,000" in v.name and "floor" in v.name)
    assert at_16k.met is None and "failed" in at_16k.measured
    checkov = next(v for v in verdicts if "checkov" in v.name)
    assert checkov.met is True and "30.0x" in checkov.measured
    rss = next(v for v in verdicts if "RSS under" in v.name)
    assert rss.met is None  # an input set failed at 16,000: not measured
    growth = next(v for v in verdicts if "within 1.5x the peak" in v.name)
    assert growth.met is None  # the same: not measured on every input set
    assert failures(data) == [
        "manifests: gen2-one-namespace at 16,000 documents: boom"]


@pytest.mark.parametrize(("peak_4k", "peak_16k", "met"), [(60.0, 90.0, True),
                                                          (60.0, 91.0, False)])
def test_memory_growth_is_judged_on_the_worst_input_set(peak_4k: float, peak_16k: float,
                                                         met: bool) -> None:
    from manifest_rows import growth_verdict

    rows = [fake_row("gen1", 4000, 1.0, peak=50.0), fake_row("gen1", 16000, 1.0, peak=70.0),
            fake_row("corpus-charts", 4000, 1.0, peak=peak_4k),
            fake_row("corpus-charts", 16000, 1.0, peak=peak_16k)]
    verdict = growth_verdict(rows)
    assert verdict.met is met and "corpus-charts" in verdict.measured


def test_start_up_floor_imports_what_a_host_audit_imports() -> None:
    import startup

    assert startup.third_party(["auditor.cli", "yaml", "yaml.nodes", "json", "_yaml",
                                "__editable___x_finder", "pluggy._hooks"]) == ["yaml", "pluggy"]
    result = startup.measure(["scan", "--root", str(REPO / "examples" / "manual-vm"),
                              "--format", "json", "--output", "/dev/null", "--quiet"], rounds=1)
    assert result.modules > 100  # the auditor's own modules and the standard library's
    assert "pluggy" in result.third_party and "auditor" not in result.third_party
    assert result.cold_s > 0 and result.imports_s > 0 and result.third_party_s > 0
    assert result.ratio == result.cold_s / result.imports_s


def test_start_up_bench_refuses_a_run_that_audited_nothing(tmp_path: Path) -> None:
    import startup
    from wholeproc import RunFailed

    with pytest.raises(RunFailed, match=r"imported no checks|exited"):
        startup.measure(["checks", "--no-such-flag"], rounds=1)

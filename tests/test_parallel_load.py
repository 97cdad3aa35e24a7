"""Manifests read in worker processes give the serial result, object for object and error
for error, in the same order (issue 16, item 6)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.checks.kubernetes import parallel
from auditor.checks.kubernetes.loader import ManifestError
from auditor.checks.kubernetes.parallel import load_files

ROOT = Path(__file__).resolve().parent.parent


def _tree(tmp_path: Path) -> list[tuple[Path, str]]:
    files = []
    for index in range(40):
        path = tmp_path / f"f{index:02}.yaml"
        if index == 7:
            path.write_text("a: [unclosed\n")
        elif index == 8:
            path.write_bytes(b"\xff\xfe not text")
        else:
            path.write_text("".join(
                f"---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{index}-{n}}}\n"
                f"data: {{k: &v value{n}, j: *v, n: {n}, b: yes}}\n" for n in range(index % 5 + 1)))
        files.append((path, path.name))
    return files


def _shape(loaded: list[parallel.Loaded]) -> list[object]:
    return [str(x) if isinstance(x, ManifestError) else
            [(i.obj, i.location.path if i.location else None,
              i.location.line if i.location else None) for i in x] for x in loaded]


@pytest.mark.parametrize("workers", [2, 3, 4])
def test_workers_read_what_one_process_reads_in_the_same_order(tmp_path: Path,
                                                               workers: int) -> None:
    files = _tree(tmp_path)
    serial = load_files(files, workers=1)
    pooled = load_files(files, workers=workers, min_files=0, min_bytes=0)
    assert _shape(pooled) == _shape(serial)
    assert [type(x).__name__ for x in pooled[6:9]] == ["list", "ManifestError", "ManifestError"]
    assert str(pooled[7]).startswith("f07.yaml:")
    # files 0..39 hold index % 5 + 1 objects each (40 files: 8 of each count 1..5 = 120),
    # less files 7 (3 objects) and 8 (4), which cannot be read
    assert sum(len(x) for x in pooled if isinstance(x, list)) == 120 - 3 - 4


def test_aliased_values_stay_shared_across_the_pool(tmp_path: Path) -> None:
    files = _tree(tmp_path)
    pooled = load_files(files, workers=2, min_files=0, min_bytes=0)
    first = pooled[0]
    assert isinstance(first, list)
    data = first[0].obj["data"]
    assert data["k"] == data["j"] == "value0" and data["b"] is True


def test_without_a_pool_the_files_are_read_here(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    files = _tree(tmp_path)

    def no_fork(method: str) -> object:
        raise ValueError(f"cannot find context for {method!r}")

    monkeypatch.setattr(parallel.multiprocessing, "get_context", no_fork)
    assert _shape(load_files(files, workers=2, min_files=0, min_bytes=0)) == _shape(
        load_files(files, workers=1))


def test_small_inputs_are_not_worth_a_pool(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    files = _tree(tmp_path)

    def refuse(method: str) -> object:
        raise AssertionError("a pool was started for 40 small files")

    monkeypatch.setattr(parallel.multiprocessing, "get_context", refuse)
    assert len(load_files(files, workers=4)) == 40  # under MIN_BYTES: read here


def test_a_scan_through_the_pool_reports_as_a_serial_scan(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from auditor.api import scan
    from auditor.reports.base import RenderOptions
    from auditor.reports.json_report import render_json

    _tree(tmp_path)
    monkeypatch.setattr(parallel, "_idle_cores", lambda: 1)
    serial = json.loads(render_json(scan([str(tmp_path)], style="kubernetes"), RenderOptions()))
    monkeypatch.setattr(parallel, "_idle_cores", lambda: 2)
    monkeypatch.setattr(parallel, "MIN_FILES", 0)
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    pools: list[int] = []
    real = parallel.ProcessPoolExecutor

    def spied(workers: int, **kwargs: object) -> object:
        pools.append(workers)
        return real(workers, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", spied)
    pooled = json.loads(render_json(scan([str(tmp_path)], style="kubernetes"), RenderOptions()))
    assert pools == [1]  # the pool was used: one worker beside this process
    for report in (serial, pooled):
        report.pop("started_at"), report.pop("duration_s")
    assert pooled == serial
    assert any("f07.yaml" in p for p in pooled["problems"] + pooled["targets"][0]["problems"])


@pytest.mark.parametrize(("loadavg", "cores", "idle"), [
    ("0.00 0.01 0.05 1/120 4242\n", 2, 2),  # only this process runs: both cores are idle
    ("1.98 1.50 0.90 1/120 4242\n", 2, 2),  # a busy minute that has ended counts for nothing
    ("0.50 0.40 0.30 2/120 4242\n", 2, 1),  # one other task runs now
    ("3.00 3.00 3.00 9/300 4242\n", 4, 1),  # more runnable than cores: never below one
    ("garbage\n", 4, 1),                    # unreadable: no pool
])
def test_idle_cores_counts_what_runs_now(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         loadavg: str, cores: int, idle: int) -> None:
    fake = tmp_path / "loadavg"
    fake.write_text(loadavg, encoding="ascii")
    monkeypatch.setattr(parallel, "LOADAVG", str(fake))
    monkeypatch.setattr(parallel.os, "sched_getaffinity", lambda pid: set(range(cores)))
    assert parallel._idle_cores() == idle


def test_a_task_seen_on_one_look_only_does_not_keep_the_pool_away(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "loadavg"
    fake.write_text("0.9 0.9 0.9 2/120 4242\n", encoding="ascii")  # a kernel thread's moment
    monkeypatch.setattr(parallel, "LOADAVG", str(fake))
    monkeypatch.setattr(parallel.os, "sched_getaffinity", lambda pid: {0, 1})
    looks: list[float] = []

    def later(seconds: float) -> None:  # between two looks the other task is gone
        looks.append(seconds)
        fake.write_text("0.9 0.9 0.9 1/120 4242\n", encoding="ascii")

    monkeypatch.setattr(parallel.time, "sleep", later)
    assert parallel._idle_cores() == 2
    assert looks == [0.001]

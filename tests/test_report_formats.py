"""Every registered format, from one run: produced together, secret-free, hostile-safe.

Parametrized over the renderer registry itself, so a format added later is held to the
same rules without anyone remembering to add it here."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from reportdata import (
    EXAMPLES,
    REPO,
    SECRETS,
    all_examples_report,
    hostile_report,
    render,
    session,
)

from auditor.cli import main

FORMATS = sorted(session().registry.renderers)
BUILT_IN = {"terminal", "json", "html", "junit", "sarif", "markdown", "prometheus",
            "codequality", "policyreport"}


def test_every_built_in_format_is_registered() -> None:
    assert set(FORMATS) >= BUILT_IN


def test_one_run_writes_every_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    targets = [str(REPO / "examples" / name) for name in EXAMPLES]
    paths = {fmt: tmp_path / f"report.{fmt}" for fmt in FORMATS}
    argv = ["scan", *targets, "-q"]
    for fmt, path in paths.items():
        argv += ["--report", f"{fmt}={path}"]
    assert main(argv) == 0
    assert capsys.readouterr().out == ""
    for fmt, path in paths.items():
        assert path.stat().st_size > 200, fmt
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths.values())


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_format_prints_a_secret(fmt: str) -> None:
    for report in (all_examples_report(), hostile_report()):
        text = render(report, fmt)
        leaked = [secret for secret in SECRETS if secret in text]
        assert not leaked, f"{fmt} prints {leaked}"


@pytest.mark.parametrize("fmt", FORMATS)
def test_hostile_input_renders_in_every_format(fmt: str) -> None:
    text = render(hostile_report(), fmt)
    assert text.strip()
    # Terminal escapes would recolour or rewrite the reader's terminal; NUL breaks parsers.
    assert "\x1b[31m" not in text and "\x00" not in text and "\x07" not in text


@pytest.mark.parametrize("fmt", sorted(BUILT_IN - {"prometheus", "codequality", "policyreport"}))
def test_formats_for_people_name_the_unreadable_file(fmt: str) -> None:
    # A file with non-UTF-8 bytes is a problem that lowered coverage: every format a person
    # reads says which file it was (Prometheus carries only the count, Code Quality issues
    # only findings).
    assert "broken.yaml: not UTF-8" in render(hostile_report(), fmt)


def test_a_non_utf8_file_name_reaches_every_format(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    # os.fsdecode turns the byte 0xff into a lone surrogate, which no UTF-8 file can hold;
    # reports show it as \xff instead of failing to be written.
    import shutil

    from reportdata import HOSTILE

    tree = tmp_path / "tree"
    shutil.copytree(HOSTILE, tree)
    name = os.path.join(os.fsencode(tree), b"svc\xff<b>.yaml")
    with open(name, "wb") as handle:
        handle.write(b"apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec: {}\n")
    out = tmp_path / "out"
    out.mkdir()
    argv = ["scan", str(tree), "-q"]
    for fmt in FORMATS:
        argv += ["--report", f"{fmt}={out / fmt}"]
    assert main(argv) == 0, capsys.readouterr().err
    for fmt in FORMATS:
        text = (out / fmt).read_text(encoding="utf-8")
        # The formats that show detection evidence (which names every manifest file).
        if fmt in ("terminal", "html"):
            assert "svc\\xff" in text, fmt
        if fmt == "json":
            assert "svc\\\\xff" in text

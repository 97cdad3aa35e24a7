"""Shared helpers and fixtures for the test suite."""

from __future__ import annotations

import functools
import itertools
import json
import textwrap
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from auditor.reportschema import report_schema


@functools.cache
def _report_validator() -> Draft202012Validator:
    schema = report_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def assert_valid_report(data: Any) -> None:
    """Fail with every violation when ``data`` is not a valid JSON report (schema_version 1)."""
    errors = sorted(_report_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    assert not errors, "JSON report does not match the shipped schema:\n" + "\n".join(
        f"  /{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors
    )


def scan_report(tmp_path: Path, *args: str, code: int = 0) -> dict[str, Any]:
    """Run ``auditor scan ARGS`` in-process, expect exit ``code`` (2: nothing evaluated,
    the report written all the same), return the validated JSON report."""
    from auditor.cli import main

    out = tmp_path / f"report-{next(_REPORTS)}.json"
    assert main(["scan", *args, "--format", "json", "--output", str(out)]) == code
    data: dict[str, Any] = json.loads(out.read_text())
    assert_valid_report(data)
    return data


_REPORTS = itertools.count()


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Files (dedented, leading newline dropped) under ``root``, folders made as needed."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


# -- hypothesis: one seed per CI run, printed, replayable ---------------------------------
#
# Profiles: ``dev`` (the default) derandomizes, so a plain ``pytest`` sees the same inputs
# every time; ``ci`` draws fresh inputs from a seed. ``.ci/run`` picks a seed, prints
# "hypothesis seed: N (rerun with AUDITOR_FUZZ_SEED=N)" and exports it: with
# AUDITOR_FUZZ_SEED set the ``ci`` profile is loaded and that seed forced, so the same
# command with the same variable replays the run. HYPOTHESIS_PROFILE (or pytest's
# ``--hypothesis-profile``, ``--hypothesis-seed``) overrides; the seed flag alone changes
# nothing under ``dev``, which derandomizes. Settings objects copy the profile when they
# are built, so this runs at conftest import, before any test module.

FUZZ_SEED_ENV = "AUDITOR_FUZZ_SEED"
PROFILE_ENV = "HYPOTHESIS_PROFILE"


def _load_hypothesis_profile() -> None:
    import os

    from hypothesis import core, settings

    common: dict[str, Any] = {"deadline": None, "database": None, "print_blob": True}
    settings.register_profile("dev", derandomize=True, **common)
    settings.register_profile("ci", derandomize=False, **common)
    seed = os.environ.get(FUZZ_SEED_ENV, "").strip()
    settings.load_profile(os.environ.get(PROFILE_ENV, "").strip() or ("ci" if seed else "dev"))
    if seed:
        # What pytest's ``--hypothesis-seed`` does (the flag, when given, wins).
        core.global_force_seed = int(seed) if seed.isdigit() else seed


_load_hypothesis_profile()

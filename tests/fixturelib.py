"""Materialising outcome-named fixtures (``pass-*``, ``fail-*``) and auditing them.

Two markers in a fixture directory stand for what a plain file tree in git
cannot hold: ``.auditor-fixture-git`` asks for a real ``git init`` and commit
of the copy (git refuses to store a nested ``.git``), and
``.auditor-fixture-live.json`` gives the live host facts (``host.live``) that
only a running machine has, for checks that are pure functions of them.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from auditor import hookimpl
from auditor.api import Session, audit_targets, open_session
from auditor.checks.pip import collect as pip_collect
from auditor.checks.pip.facts import HostLive
from auditor.checks.superset.probe import PROBE, Answer, Certificate, ProbeFacts
from auditor.config import Config
from auditor.model import Enrichment, Facts, Report, Style, Target
from auditor.targets import parse_targets

FIXTURES = Path(__file__).parent / "fixtures"
GIT_MARKER = ".auditor-fixture-git"
LIVE_MARKER = ".auditor-fixture-live.json"
PROBE_MARKER = ".auditor-fixture-probe.json"


def outcome_dirs(style: str | None = None) -> list[Path]:
    styles = [FIXTURES / style] if style else sorted(p for p in FIXTURES.iterdir() if p.is_dir())
    return sorted(
        d for s in styles if s.is_dir() for d in s.iterdir()
        if d.is_dir() and d.name.split("-", 1)[0] in ("pass", "fail", "warn")
    )


def materialize(fixture: Path, into: Path) -> Path:
    target = into / fixture.name
    shutil.copytree(fixture, target, symlinks=True)
    marker = target / GIT_MARKER
    if marker.exists():
        marker.unlink()
        env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
               "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid",
               "PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": str(into)}
        for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "fixture"]):
            subprocess.run(["git", *args], cwd=target, env=env, check=True)
    return target


class LiveOverlay:
    """Adds the fixture's recorded live facts to what the real pip collector gathered."""

    @hookimpl
    def auditor_collect(
        self, target: Target, style: Style, options: Mapping[str, object]
    ) -> Facts | None:
        if style != Style.PIP or target.root is None:
            return None
        marker = Path(target.root) / LIVE_MARKER
        if not marker.exists():
            return None
        facts = pip_collect.collect(target, options)
        data = json.loads(marker.read_text())
        live = HostLive(
            memory_total=data["memory_total"],
            memory_available=data["memory_available"],
            cpu_count=data["cpu_count"],
            disk_free={k: (v[0], v[1]) for k, v in data["disk_free"].items()},
            listeners=tuple((a, p, pid) for a, p, pid in data["listeners"]),
            process_names={int(k): v for k, v in data["process_names"].items()},
        )
        return dataclasses.replace(facts, values={**facts.values, "host.live": live})


class ProbeOverlay:
    """Recorded answers of a running app (what ``--probe URL`` gathers; the probing itself
    is tested against real servers in test_superset_probe.py)."""

    @hookimpl
    def auditor_enrich(self, target: Target, style: Style, facts: Facts,
                       options: Mapping[str, object]) -> Enrichment | None:
        marker = Path(target.root or "") / PROBE_MARKER
        if target.root is None or not marker.exists():
            return None
        data: dict[str, Any] = json.loads(marker.read_text())
        plain, cert = data.get("plain_http"), data.get("certificate")
        found = ProbeFacts(base=data["base"], health=Answer(**data["health"]),
                           page=Answer(**data["page"]),
                           plain_http=Answer(**plain) if plain else None,
                           certificate=Certificate(**cert) if cert else None)
        return Enrichment(values={PROBE: found})


def fixture_session() -> Session:
    return open_session(autoload=False, extra=[LiveOverlay(), ProbeOverlay()])


def audit_fixture(fixture: Path, tmp: Path, session: Session | None = None) -> Report:
    target = materialize(fixture, tmp)
    return audit_targets(parse_targets([str(target)]), config=Config(),
                         session=session or fixture_session())

"""A test plugin: any directory holding a ``TESTPLUGIN`` file is a ``pip`` target.

Engine tests drive real scans through it without depending on the built-in
style packs: it detects, collects and checks exactly what a test gives it.
Registered last (``open_session(extra=[...])``), its ``auditor_collect`` is
called first, and it returns facts only for directories holding the marker.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from auditor import hookimpl
from auditor.api import Session, open_session
from auditor.model import (
    Check,
    Detection,
    Facts,
    Location,
    Result,
    Row,
    Severity,
    Status,
    Style,
    Target,
)
from auditor.plugins import get_plugin_manager
from auditor.targets import parse_target

MARKER = "TESTPLUGIN"
FILES_FACT = "marker.files"


class MarkerPlugin:
    """Detects marker directories as style pip (confidence 1.0) and provides ``checks``."""

    def __init__(
        self,
        *checks: Check,
        name: str = "marker-plugin",
        problems: Mapping[str, str] | None = None,
        app: str | None = None,
    ) -> None:
        self.__name__ = name  # the plugin name pluggy registers it under
        self.checks = list(checks)
        self.problems = dict(problems or {})
        self.app = app

    @hookimpl
    def auditor_register_checks(self) -> list[Check]:
        return self.checks

    @hookimpl
    def auditor_detect(self, target: Target) -> Detection | None:
        if not _is_marked(target):
            return None
        return Detection(Style.PIP, 1.0, (f"{MARKER} file present",), app=self.app)

    @hookimpl
    def auditor_collect(
        self, target: Target, style: Style, options: Mapping[str, object]
    ) -> Facts | None:
        if style != Style.PIP or not _is_marked(target):
            return None
        assert target.root is not None
        root = Path(target.root)
        files = tuple(
            sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
        )
        return Facts(style=Style.PIP, values={FILES_FACT: files}, problems=self.problems)


def _is_marked(target: Target) -> bool:
    return target.root is not None and (Path(target.root) / MARKER).is_file()


def make_check(
    check_id: str,
    evaluate: Callable[[Facts], Iterable[Result]],
    *,
    row: Row = Row.GITOPS,
    severity: Severity = Severity.MEDIUM,
    requires: Sequence[str] = (),
) -> Check:
    return Check(
        id=check_id,
        style=Style.PIP,
        row=row,
        severity=severity,
        title=f"title of {check_id}",
        rationale=f"rationale of {check_id}",
        remediation=f"remediation of {check_id}",
        evaluate=evaluate,
        requires=tuple(requires),
    )


def fixed(*results: tuple[str, Status] | Result) -> Callable[[Facts], list[Result]]:
    """An evaluate function that returns the same results whatever the facts."""
    built = [r if isinstance(r, Result) else Result(r[0], r[1]) for r in results]

    def evaluate(facts: Facts) -> list[Result]:
        return list(built)

    return evaluate


def per_file(status: Status) -> Callable[[Facts], list[Result]]:
    """One result per file of the target, its subject the path relative to the target."""

    def evaluate(facts: Facts) -> list[Result]:
        files = facts.get(FILES_FACT, tuple)
        return [Result(f"file/{name}", status, location=Location(name, 1)) for name in files]

    return evaluate


def raising(exc: Exception) -> Callable[[Facts], list[Result]]:
    def evaluate(facts: Facts) -> list[Result]:
        raise exc

    return evaluate


def marker_dir(path: Path, files: Mapping[str, str] | None = None) -> Path:
    """Create ``path`` holding the marker and ``files`` (relative name -> text)."""
    path.mkdir(parents=True, exist_ok=True)
    (path / MARKER).write_text("", encoding="utf-8")
    for name, text in (files or {}).items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text, encoding="utf-8")
    return path


def isolated_session(*plugins: object) -> Session:
    """A session holding only the checks of ``plugins`` (built-ins still detect and render).

    Built-in style packs grow checks for style pip; keeping only the test's own
    checks makes counts and scores independent of them.
    """
    session = open_session(autoload=False, extra=plugins)
    names = {getattr(p, "__name__", None) for p in plugins}
    checks = {k: c for k, c in session.registry.checks.items() if c.plugin in names}
    return Session(session.host, dataclasses.replace(session.registry, checks=checks))


def write_pip_target(path: Path) -> Path:
    """A pip-style Superset deployment as the built-in pip plugin is meant to detect."""
    path.mkdir(parents=True, exist_ok=True)
    (path / "requirements.txt").write_text("apache-superset==6.0.0\n", encoding="utf-8")
    (path / "superset_config.py").write_text('SECRET_KEY = "x"\n', encoding="utf-8")
    (path / "venv").mkdir(exist_ok=True)
    (path / "venv" / "pyvenv.cfg").write_text(
        "home = /usr/bin\nversion = 3.11.7\n", encoding="utf-8"
    )
    return path


PIP_NOT_THERE_YET = (
    "the built-in pip style is not there yet: checks/pip does not detect "
    "requirements.txt + superset_config.py + venv/pyvenv.cfg as style pip"
)


def pip_style_detects(path: Path) -> bool:
    """Whether the built-in plugins (no entry points) detect ``path`` as style pip."""
    host = get_plugin_manager(autoload=False)
    target = parse_target(str(path))
    return any(
        isinstance(d, Detection) and d.style == Style.PIP and d.confidence >= 0.5
        for _, d in host.call("auditor_detect", target=target)
    )


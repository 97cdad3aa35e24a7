"""Helpers shared by the pip checks (pure functions of facts)."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.common.debugger import is_loopback as debugger_is_loopback
from auditor.checks.common.redact import redact_words
from auditor.checks.pip.facts import Launch, PipProject
from auditor.checks.superset.configmodel import SupersetConfig
from auditor.model import Facts, Location, Result, Status

PROJECT = "pip.project"
CONFIG = "superset.config"
LIVE = "host.live"


def project(facts: Facts) -> PipProject:
    return facts.get(PROJECT, PipProject)


def config(facts: Facts) -> SupersetConfig:
    return facts.get(CONFIG, SupersetConfig)


def subject(proj: PipProject, name: str) -> str:
    return name if proj.label == "." else f"{proj.label}:{name}"


def location(launch: Launch) -> Location | None:
    if launch.live:
        return None
    return Location(launch.source, launch.line)


def web_subject(proj: PipProject, launch: Launch) -> str:
    if launch.live:
        return subject(proj, f"web/{launch.kind}@{launch.pid}")
    # Two launches of one server (a script and a supervisor program) are two subjects, named
    # by where each is written; a lone launch keeps its short subject (stable fingerprints).
    twins = [w for w in proj.web if w.kind == launch.kind and not w.live]
    if len(twins) < 2:
        return subject(proj, f"web/{launch.kind}")
    same_file = sum(1 for w in twins if w.source == launch.source) > 1
    where = f"{launch.source}:{launch.line}" if same_file and launch.line else launch.source
    return subject(proj, f"web/{launch.kind}@{where}")


def no_web(proj: PipProject) -> Result:
    looked = ", ".join(proj.looked_in) or "no script, Procfile or supervisor file"
    return Result(
        subject(proj, "web"),
        Status.SKIP,
        f"no command starting the web server was found (looked in: {looked})",
    )


def each_web(facts: Facts) -> Iterator[tuple[PipProject, Launch | None]]:
    """Every web launch; one ``(project, None)`` when there is none."""
    proj = project(facts)
    web = proj.web
    if not web:
        yield proj, None
        return
    for launch in web:
        yield proj, launch


def is_loopback(address: str) -> bool:
    """Reachable from this host only: a loopback address, or a unix socket (``unix:PATH``,
    or a bare path as uwsgi's --socket takes it). The host is judged whole (common.debugger):
    ``localhost.example.com:8088`` is another machine."""
    if address.startswith("/"):
        return True
    return debugger_is_loopback(address)


def cmd(launch: Launch) -> str:
    """The command as evidence; values of secret-looking options and URL passwords are masked."""
    text = " ".join(redact_words(launch.argv))
    return text if len(text) <= 160 else text[:157] + "..."

"""rollback: can a bad release be rolled back; are versions pinned?"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.pip.common import project, subject
from auditor.checks.pip.facts import PipProject, Requirement
from auditor.model import Check, Facts, Location, Result, Row, Severity, Status, Style


def _installed(proj: PipProject) -> tuple[Requirement, ...]:
    """The requirements pip installs from: a pip-compile input (``requirements.in``) beside
    the file compiled from it (``requirements.txt``) only records intent, loose by design."""
    compiled = {path[: -len(".txt")] for path in proj.requirement_files if path.endswith(".txt")}
    return tuple(r for r in proj.requirements
                 if not (r.source.endswith(".in") and r.source[: -len(".in")] in compiled))


def _evaluate(facts: Facts) -> Iterator[Result]:
    proj = project(facts)
    requirements = _installed(proj)
    if proj.lock_files:
        yield Result(subject(proj, "dependencies"), Status.PASS,
                     "a lock file records exact versions",
                     tuple(f"lock file {path}" for path in proj.lock_files))
        return
    if not requirements:
        yield Result(subject(proj, "dependencies"), Status.FAIL,
                     "no requirements or lock file: nothing records which versions run, so "
                     "the previous release cannot be restored",
                     ("looked for requirements*.txt, constraints*.txt and lock files",))
        return
    loose = [r for r in requirements if not r.pinned]
    if loose:
        first = loose[0]
        yield Result(
            subject(proj, "dependencies"),
            Status.FAIL,
            f"{len(loose)} of {len(requirements)} requirements are not pinned with ==",
            tuple(f"{r.source}:{r.line}: {r.spec}" for r in loose[:8]),
            Location(first.source, first.line),
        )
        return
    first = requirements[0]
    yield Result(subject(proj, "dependencies"), Status.PASS,
                 f"all {len(requirements)} requirements pinned to exact versions",
                 tuple(sorted({r.source for r in requirements})),
                 Location(first.source, None))


CHECKS = (
    Check(
        id="PIP-ROLLBACK-001",
        style=Style.PIP,
        row=Row.ROLLBACK,
        severity=Severity.HIGH,
        title="Dependencies are pinned to exact versions",
        rationale=(
            "With loose requirements every reinstall can bring different versions, and a "
            "bad upgrade cannot be undone by reinstalling what ran before."
        ),
        remediation=(
            "Pin every requirement with == (pip freeze > requirements.txt, or pip-compile "
            "with --generate-hashes) and keep the file under version control."
        ),
        success="every requirement pinned, or a lock file",
        failure="unpinned requirements or none at all",
        references=("https://pip.pypa.io/en/stable/topics/repeatable-installs/",),
        evaluate=_evaluate,
    ),
)

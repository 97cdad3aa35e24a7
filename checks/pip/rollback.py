"""rollback: can a bad release be rolled back; are versions pinned?"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.pip.common import project, subject
from auditor.model import Check, Facts, Location, Result, Row, Severity, Status, Style


def _evaluate(facts: Facts) -> Iterator[Result]:
    proj = project(facts)
    if proj.lock_files:
        yield Result(subject(proj, "dependencies"), Status.PASS,
                     "a lock file records exact versions",
                     tuple(f"lock file {path}" for path in proj.lock_files))
        return
    if not proj.requirements:
        yield Result(subject(proj, "dependencies"), Status.FAIL,
                     "no requirements or lock file: nothing records which versions run, so "
                     "the previous release cannot be restored",
                     ("looked for requirements*.txt, constraints*.txt and lock files",))
        return
    loose = [r for r in proj.requirements if not r.pinned]
    if loose:
        first = loose[0]
        yield Result(
            subject(proj, "dependencies"),
            Status.FAIL,
            f"{len(loose)} of {len(proj.requirements)} requirements are not pinned with ==",
            tuple(f"{r.source}:{r.line}: {r.spec}" for r in loose[:8]),
            Location(first.source, first.line),
        )
        return
    first = proj.requirements[0]
    yield Result(subject(proj, "dependencies"), Status.PASS,
                 f"all {len(proj.requirements)} requirements pinned to exact versions",
                 tuple(sorted({r.source for r in proj.requirements})),
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

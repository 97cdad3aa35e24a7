"""A declared custom check as a :class:`Check`: its schema judged on each object.

One result per Kubernetes object of the declared kinds (or per Compose service): PASS
with the check's ``success``, FAIL with its ``failure`` and, as evidence, where the object
breaks the schema and which keyword failed. Values are quoted only when short and not
under a key that may hold a secret; the runner's masking is the second line, not the first.
"""

from __future__ import annotations

import contextlib
import re
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from auditor.checks.common.redact import SECRET_WORD
from auditor.customchecks.declaration import Declaration
from auditor.customchecks.plain import ABSENT, TooLarge, as_json, follow
from auditor.customchecks.schemas import pointer
from auditor.model import Check, Facts, Location, Result, Status, Style

SECONDS_PER_OBJECT = 2.0
"""Python's ``re`` cannot be bounded by itself: a pattern that backtracks is stopped by
an alarm (in the main thread; elsewhere the pattern-length cap is the only bound). One
object takes about a millisecond; after one that takes this long the schema is taken for
hostile and the rest is not validated, so a check costs at most this once."""
MAX_EVIDENCE = 10
MAX_QUOTED = 80
OBJECT_DEPTH = 200
OBJECT_NODES = 500_000
_NEVER_QUOTED = frozenset({"env", "environment", "data", "stringData", "binaryData", "args",
                           "command", "entrypoint", "annotations", "secrets", "configs",
                           "healthcheck"})
"""Keys whose values may hold a secret or a whole file: values under them are not quoted."""
_SECRET_TOKEN = re.compile(SECRET_WORD.pattern + r"|(?i:key|cert|private|dsn|cookie|salt)")

Subject = tuple[str, Location | None, object]
"""(subject, location, the object as read)."""


def build_check(declaration: Declaration) -> Check:
    collect: Callable[[Facts], Sequence[Subject | Result] | Result]
    collect = _kubernetes(declaration) if declaration.style == Style.KUBERNETES else _compose
    fact = "kubernetes" if declaration.style == Style.KUBERNETES else "compose"

    def evaluate(facts: Facts) -> list[Result]:
        found = collect(facts)
        if isinstance(found, Result):
            return [found]
        said = [r for r in found if isinstance(r, Result)]
        return _judge_all(declaration, [s for s in found if not isinstance(s, Result)]) + said

    return Check(
        id=declaration.id, style=declaration.style, row=declaration.row,
        severity=declaration.severity, title=declaration.title,
        rationale=declaration.rationale, remediation=declaration.remediation,
        evaluate=evaluate, success=declaration.success, failure=declaration.failure,
        references=declaration.references, requires=(fact,))


def _kubernetes(declaration: Declaration
                ) -> Callable[[Facts], Sequence[Subject | Result] | Result]:
    kinds = declaration.kinds

    def subjects(facts: Facts) -> Sequence[Subject | Result] | Result:
        from auditor.checks.kubernetes.facts import KubeFacts

        kube = facts.get("kubernetes", KubeFacts)
        items = kube.of(*kinds)
        unlisted = [k for k in kinds if k in kube.kinds_missing]
        if not items:
            reason = (f"{', '.join(unlisted)} could not be listed" if unlisted
                      else f"no {' or '.join(kinds)} in the target")
            return Result(f"kinds:{','.join(kinds)}", Status.SKIP, f"skipped: {reason}")
        found: list[Subject | Result] = [(i.subject, i.location, i.obj) for i in items]
        if unlisted:  # judged what could be listed; the rest is said, never taken as none
            found.append(Result(f"kinds:{','.join(unlisted)}", Status.SKIP,
                                f"skipped: {', '.join(unlisted)} could not be listed"))
        return found

    return subjects


def _compose(facts: Facts) -> Sequence[Subject | Result] | Result:
    from auditor.checks.compose.facts import ComposeFacts

    found: list[Subject | Result] = [
        (project.subject(f"service/{service.name}"), service.where(), service.spec)
        for project in facts.get("compose", ComposeFacts).projects
        for service in project.services]
    return found or Result("services", Status.SKIP, "skipped: no service in the project")


class _TimeUp(Exception):
    pass


def _judge_all(declaration: Declaration, subjects: Sequence[Subject]) -> list[Result]:
    results: list[Result] = []
    for index, (subject, location, obj) in enumerate(subjects):
        try:
            with _deadline(SECONDS_PER_OBJECT):
                result = _judge(declaration, subject, location, obj)
        except _TimeUp:
            return [*results, Result(subject, Status.ERROR,
                                     f"validation stopped after {SECONDS_PER_OBJECT:g} s: the "
                                     "schema's patterns backtrack on this object", (), location),
                    *(Result(rest, Status.ERROR,
                             f"not validated: the check's time ran out on {subject}", (), where)
                      for rest, where, _ in subjects[index + 1:])]
        results.append(result)
    return results


def _judge(declaration: Declaration, subject: str, location: Location | None,
           obj: object) -> Result:
    from referencing.exceptions import Unresolvable

    try:
        whole = as_json(obj, max_depth=OBJECT_DEPTH, max_nodes=OBJECT_NODES)
    except TooLarge as exc:
        return Result(subject, Status.ERROR, f"not validated: the object is {exc}", (),
                      location)
    instance = follow(whole, declaration.path)
    if instance is ABSENT:
        return Result(subject, Status.SKIP,
                      f"skipped: no {pointer(list(declaration.path))} in this object", (),
                      location)
    try:
        errors = sorted(declaration.validator.iter_errors(instance),
                        key=lambda e: [str(p) for p in e.absolute_path])
    except RecursionError:
        return Result(subject, Status.ERROR, "not validated: the schema's references recurse "
                      "deeper than Python allows on this object", (), location)
    except Unresolvable:
        return Result(subject, Status.ERROR, "not validated: the schema refers to a part it "
                      "does not define", (), location)
    if not errors:
        return Result(subject, Status.PASS, declaration.success, (), location)
    lines = [_evidence(declaration.path, e) for e in errors[:MAX_EVIDENCE]]
    if len(errors) > MAX_EVIDENCE:
        lines.append(f"... and {len(errors) - MAX_EVIDENCE} more")
    return Result(subject, Status.FAIL, declaration.failure, tuple(dict.fromkeys(lines)),
                  location)


def _evidence(prefix: tuple[str, ...], error: Any) -> str:
    tokens: list[str | int] = [*prefix, *error.absolute_path]
    where = pointer(tokens)
    keyword = str(error.validator)
    if keyword in ("required", "dependentRequired", "additionalProperties",
                   "unevaluatedProperties", "propertyNames"):
        # These name keys (the schema's, or the object's), never a value.
        return f"{where}: {_clip(error.message)}"
    if not _open(tokens):
        # A schema may name the very secret it forbids (not: {const: "thisISaSECRET_1234"}):
        # under such a key neither the object's value nor the schema's is shown.
        return f"{where}: fails {keyword}"
    # A failing ``not`` (or ``oneOf`` matched twice) means the object matched a subschema:
    # that subschema may spell the value.
    detail = f"{where}: fails {keyword}" if keyword in ("not", "oneOf") else (
        f"{where}: fails {keyword} {_clip(_json(error.validator_value))}")
    value = error.instance
    if not isinstance(value, dict | list) and len(_json(value)) <= MAX_QUOTED:
        detail += f" (value {_json(value)})"
    return detail


def _open(tokens: list[str | int]) -> bool:
    """Whether values at this path may be quoted: under no key that may hold a secret."""
    words = [t for t in tokens if isinstance(t, str)]
    return not any(w in _NEVER_QUOTED or _SECRET_TOKEN.search(w) for w in words)


def _json(value: object) -> str:
    """A value as a person reads it: a string quoted but not escaped (a pattern's
    backslashes stay single), anything else as JSON."""
    import json

    if isinstance(value, str):
        return f"'{value}'"
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError):
        return str(value)


def _clip(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


@contextlib.contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Raise _TimeUp in the block after ``seconds``, where an alarm is ours to use."""
    if not hasattr(signal, "SIGALRM") or \
            threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGALRM) not in (signal.SIG_DFL, signal.SIG_IGN) or \
            signal.getitimer(signal.ITIMER_REAL)[0] > 0:
        yield  # someone else's alarm (a test's hang guard, an embedding program): leave it
        return
    armed = [True]

    def expired(signum: int, frame: object) -> None:
        if armed[0]:
            raise _TimeUp()

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        armed[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

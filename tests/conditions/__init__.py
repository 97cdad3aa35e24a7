"""Per-condition fixtures: one case per condition that decides a check's verdict (issue 13).

Every check in the registry has cases here, one module per plugin package
(``compose.py``, ``kubernetes.py``, ``pip.py``, ``superset.py``, ``systemd.py``), each
exporting ``CASES: list[Case]``. A case is a minimal deployment tree written to a
temporary directory, the ``auditor scan`` arguments that audit it, and the verdict one
check must reach on one subject: status, and literal evidence, message and location.

The rules the modules follow (and ``tests/test_conditions.py`` enforces where it can):

* A failing or warning case differs from a passing case of the same check in the one
  condition it is about: build both from one base (a dict of files) and change one line.
* Every condition that can make a check fail or warn has its own case, and every
  numeric or enumerated condition its boundaries (equal, one less, one more, each value
  alone).
* Expected values are literals written here, never read from the code under test
  (no ``KNOWN_SECRET_KEYS``, no severity tables): deleting an entry from such a table
  must break a case, not silently drop it.
* Every check has at least one ``pass`` case and at least one ``fail`` or ``warn`` case.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Case:
    """One check's verdict on one subject of one minimal deployment."""

    check: str
    """The check id, e.g. ``COMPOSE-RESOURCES-001``."""
    why: str
    """The condition this case is about, short (``mem_limit alone``): the test id."""
    files: dict[str, str]
    """Relative path -> text. Dedented and stripped of one leading newline when written."""
    status: str
    """``pass``, ``warn``, ``fail`` or ``skip``."""
    subject: str | None = None
    """The finding's subject; ``None`` when the check reports on one subject only."""
    evidence: tuple[str, ...] = ()
    """Each must be a substring of one of the finding's evidence lines."""
    message: str | None = None
    """A substring of the finding's message."""
    location: tuple[str, int | None] | None = None
    """(path relative to the tree, line) the finding points at; line None: any line."""
    args: tuple[str, ...] = ()
    """Extra ``auditor scan`` arguments (``--style systemd``); the target is the tree
    (``target`` below, relative to it) and comes first."""
    target: str = "."
    """What to scan, relative to the tree root (a file such as ``all.yaml`` or a folder)."""
    absent: tuple[str, ...] = ()
    """Strings that must appear in no output field of the finding (a secret's value)."""
    exit_code: int = 0
    """``auditor scan``'s expected exit code (2: nothing evaluated)."""
    tags: tuple[str, ...] = field(default=())
    """Free-form labels (``boundary``), for selecting cases with ``-k``."""
    needs: tuple[str, ...] = ()
    """System tools the case needs (``openssl``): missing, the case skips naming the tool
    (and fails under AUDITOR_TESTS_REQUIRE_ALL, as every such test does: tests/needs.py)."""

    @property
    def id(self) -> str:
        # "::" splits a pytest node id (an IPv6 "::1", "APT::Periodic"): a test could then not
        # be selected by its id, which mutmut does for every mutant.
        return f"{self.check}:{self.status}:{self.why}".replace("::", "..")


def dedent(text: str) -> str:
    """The text as written to disk: dedented, one leading newline dropped."""
    return textwrap.dedent(text).lstrip("\n")


def changed(base: dict[str, str], changes: dict[str, str | None]) -> dict[str, str]:
    """``base`` with ``changes`` applied: a path mapped to text replaces or adds that
    file, a path mapped to ``None`` removes it."""
    out = dict(base)
    for path, text in changes.items():
        if text is None:
            out.pop(path, None)
        else:
            out[path] = text
    return out


def replaced(base: dict[str, str], path: str, old: str, new: str) -> dict[str, str]:
    """``base`` with one occurrence of ``old`` in file ``path`` replaced by ``new``.

    Fails loudly when ``old`` is not there (exactly once), so a fixture that drifts from
    its base cannot silently turn into a copy of the passing case."""
    text = dedent(base[path])
    count = text.count(old)
    if count != 1:
        raise AssertionError(f"{path}: {old!r} occurs {count} times, expected once")
    return changed(base, {path: text.replace(old, new)})

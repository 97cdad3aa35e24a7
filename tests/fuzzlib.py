"""Shared pieces of the fuzz tests (``test_fuzz_*.py``): settings, strategies, invariants.

Two kinds of input are generated:

* structured: documents of the right shape (read from the real fixtures) whose values
  are replaced, deleted, duplicated or retyped at random paths, then written back as
  YAML or JSON, and grammar-ish text for the line-based formats;
* mutated: the bytes of real fixture files flipped, truncated, with lines deleted or
  duplicated, non-UTF-8 bytes, NULs, BOMs, CRLF and tabs inserted.

Every example is materialised in a fresh temporary directory and audited in-process.
:func:`audit_and_check` then asserts the invariants of the issue: nothing raises, the
JSON report validates against the shipped schema and can be written as UTF-8, every
status is from the contract, no check raised (an ``error`` finding), no collector or
detector raised (a plugin error in ``problems``), and the files known to be broken are
named.

Settings: :func:`fuzz_settings` (about 30-60 examples a test; random or not as the
hypothesis profile in conftest.py says: derandomized by default, a fresh printed seed in
CI, replayed with ``AUDITOR_FUZZ_SEED=N``). ``AUDITOR_FUZZ_EXAMPLES=1000`` raises the
count and lets hypothesis pick fresh random inputs (``AUDITOR_FUZZ_DERANDOMIZE=1`` keeps
them fixed).
"""

from __future__ import annotations

import contextlib
import copy
import functools
import json
import os
import re
import shutil
import signal
import tempfile
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from conftest import assert_valid_report
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from auditor.api import Session, audit_targets, open_session
from auditor.config import Config
from auditor.model import Report, Status
from auditor.reports.json_report import report_dict
from auditor.targets import parse_targets

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
EXAMPLES = ROOT / "examples"

EXAMPLES_ENV = "AUDITOR_FUZZ_EXAMPLES"
DERANDOMIZE_ENV = "AUDITOR_FUZZ_DERANDOMIZE"
TIMEOUT_S = 30
"""One audit taking longer than this is a hang (a runaway regex, an include loop)."""

STATUSES = frozenset(s.value for s in Status)
PLUGIN_CRASH = re.compile(r"^plugin \S+: auditor_\w+ raised ")


# -- settings -----------------------------------------------------------------------------


def fuzz_settings(examples: int = 40) -> settings:
    """Settings for one fuzz test: ``examples`` by default, the environment's count if set."""
    raised = os.environ.get(EXAMPLES_ENV, "").strip()
    count = int(raised) if raised.isdigit() and int(raised) > 0 else examples
    chosen = settings(
        max_examples=count,
        deadline=None,
        database=None,  # nothing written into the checkout; failures print a reproducer
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                               HealthCheck.filter_too_much,
                               HealthCheck.function_scoped_fixture],
    )
    # Randomness comes from the hypothesis profile (conftest.py): derandomized by default,
    # a fresh printed seed in CI. A raised count picks fresh inputs unless told not to.
    if raised:
        return settings(chosen, derandomize=os.environ.get(DERANDOMIZE_ENV, "") == "1")
    return chosen


# -- strategies: values -------------------------------------------------------------------

INTERESTING_STRINGS: tuple[str, ...] = (
    "", " ", "0", "-1", "1e400", "NaN", "nan", "inf", "true", "false", "yes", "no", "null",
    "~", "500m", "1Gi", "0.5", "1.5Gi", "-5Mi", "abc", "latest", "superset", "apache/superset",
    "apache/superset:latest", "apache/superset@sha256:", ":", "::", "a:b:c", "[::]:80",
    "0.0.0.0", "127.0.0.1", "0.0.0.0:8088:8088", "8088:8088", "65536", "99999999999999999999",
    "-1:-1", "1-2:3-4/udp", "$", "$$", "${X}", "${X:-y}", "${X:?err}", "${", "$(id)", "`id`",
    "%", "%i", "%(ENV_X)s", "'", '"', "\\", "\n", "\r\n", "\t", "\x00", "\x1b[31m", "\u202e",
    "\ufeff", "\u2028", "é", "日本", "🙂", "../../etc/passwd", "/etc/passwd", "/dev/null",
    "/proc/self/environ", "~/x", "*", "?", "[", "{", "}", "<script>alert(1)</script>",
    "postgresql://u:p@h:5432/db", "postgresql://", "sqlite:////tmp/x.db", "redis://:@[",
    "http://[::1", "superset run", "gunicorn -w 4 superset.app:create_app()",
    "celery --app=superset.tasks.celery_app:app worker", "CHANGE_ME_TO_A_COMPLEX_RANDOM_SECRET",
    "x" * 5000,
)

hostile_text = st.one_of(
    st.sampled_from(INTERESTING_STRINGS),
    st.text(max_size=40),
    st.text(st.characters(codec="ascii"), max_size=20),
    st.text(st.characters(categories=["Cc", "Cf", "Zl", "Zp", "Co"]), max_size=10),
)
"""Text a YAML or line-based file can hold (no lone surrogates: libyaml refuses them)."""

surrogate_text = st.text(
    st.characters(categories=["Cs"]) | st.characters(codec="ascii"), min_size=1, max_size=8)
"""Text with lone surrogates: what ``\\ud800`` escapes give in JSON."""

huge_ints = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 1, 2, 2**31, 2**31 - 1, 2**63, 2**64 + 1, 10**40, -(10**40)]),
)

scalars = st.one_of(
    st.none(), st.booleans(), huge_ints, st.floats(allow_nan=True, allow_infinity=True),
    hostile_text,
)
keys = st.one_of(hostile_text, st.integers(-5, 5), st.none(), st.booleans())


def junk_values(key_strategy: st.SearchStrategy[Any] = keys,
                leaf: st.SearchStrategy[Any] = scalars) -> st.SearchStrategy[Any]:
    return st.recursive(
        leaf,
        lambda inner: st.lists(inner, max_size=4)
        | st.dictionaries(key_strategy, inner, max_size=4),
        max_leaves=8,
    )


junk = junk_values()


# -- strategies: structural mutation of documents -----------------------------------------

Path_ = tuple[Any, ...]


def node_paths(doc: Any, limit: int = 4000) -> list[Path_]:
    """Paths (keys and indices) to every node of a plain document, the root first."""
    found: list[Path_] = [()]
    stack: list[tuple[Path_, Any]] = [((), doc)]
    while stack and len(found) < limit:
        path, node = stack.pop()
        children: Iterable[tuple[Any, Any]] = ()
        if isinstance(node, dict):
            children = node.items()
        elif isinstance(node, list):
            children = enumerate(node)
        for key, child in children:
            found.append((*path, key))
            stack.append(((*path, key), child))
    return found


def _parent(doc: Any, path: Path_) -> Any:
    node = doc
    for key in path[:-1]:
        node = node[key]
    return node


MUTATIONS = ("replace", "delete", "null", "duplicate", "wrap", "unwrap", "stringify",
             "rekey", "empty", "numeric", "add")


@st.composite
def mutated_document(draw: st.DrawFn, doc: Any, max_ops: int = 5,
                     values: st.SearchStrategy[Any] = junk) -> Any:
    """``doc`` with 1..max_ops random edits at random paths (types changed, keys lost)."""
    doc = copy.deepcopy(doc)
    for _ in range(draw(st.integers(1, max_ops))):
        paths = node_paths(doc)
        path = paths[draw(st.integers(0, len(paths) - 1))]
        op = draw(st.sampled_from(MUTATIONS))
        if not path:
            if op == "replace":
                doc = draw(values)
            elif op == "wrap":
                doc = [doc]
            continue
        parent = _parent(doc, path)
        key = path[-1]
        current = parent[key]
        if op == "replace":
            parent[key] = draw(values)
        elif op == "delete":
            del parent[key]
        elif op == "null":
            parent[key] = None
        elif op == "duplicate" and isinstance(parent, list):
            parent.insert(key, copy.deepcopy(current))
        elif op == "duplicate" and isinstance(current, list) and current:
            current.extend(copy.deepcopy(current))
        elif op == "wrap":
            parent[key] = [current] if draw(st.booleans()) else {"x": current}
        elif op == "unwrap" and isinstance(current, dict | list) and current:
            items = list(current.values()) if isinstance(current, dict) else current
            parent[key] = items[0] if draw(st.booleans()) else items
        elif op == "stringify":
            parent[key] = json.dumps(current, default=str) if draw(st.booleans()) else str(
                current)
        elif op == "rekey" and isinstance(parent, dict):
            value = parent.pop(key)
            parent[draw(keys)] = value
        elif op == "empty":
            parent[key] = draw(st.sampled_from(["", [], {}, 0, False]))
        elif op == "numeric":
            parent[key] = draw(huge_ints | st.floats(allow_nan=True, allow_infinity=True))
        elif op == "add" and isinstance(current, dict):
            current[draw(keys)] = draw(values)
        elif op == "add" and isinstance(current, list):
            current.append(draw(values))
        else:
            parent[key] = draw(values)
    return doc


def _stringify_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {("null" if k is None else str(k)): _stringify_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stringify_keys(v) for v in value]
    return value


def dump_yaml(documents: Sequence[Any]) -> str:
    import yaml

    return yaml.safe_dump_all(list(documents), allow_unicode=True, sort_keys=False,
                              default_flow_style=False, width=200)


def dump_json(document: Any, ascii: bool = False) -> str:
    """JSON text; ``ascii`` escapes everything (the only way to write lone surrogates)."""
    return json.dumps(_stringify_keys(document), ensure_ascii=ascii, indent=1, default=str)


# -- strategies: byte mutation ------------------------------------------------------------

JUNK_BYTES: tuple[bytes, ...] = (
    b"\xff", b"\xfe\xff", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\x00", b"\t", b"\r",
    b"\r\n", b"\n\n", b"{", b"}", b"[", b"]", b";", b"\"", b"'", b"\\", b"\\\n", b"${", b"$(",
    b"%", b"#", b":", b": ", b"- ", b"&a ", b"*a", b"<<: ", b"!!python/object:os.system ",
    b"\xef\xbb\xbf", b"=", b"==", b"[section", b"include ", b"\x1b[2J", b"\xe2\x80\xae",
)

BYTE_OPS = ("flip", "truncate", "delete_line", "duplicate_line", "swap_lines", "insert",
            "bom", "crlf", "tabs", "long_line", "latin1", "text_line", "delete_span")


@st.composite
def mutated_bytes(draw: st.DrawFn, original: bytes, max_ops: int = 4,
                  allow_nul: bool = True) -> bytes:
    """``original`` with 1..max_ops byte-level edits (results need not be valid anything)."""
    data = bytes(original)
    for _ in range(draw(st.integers(1, max_ops))):
        op = draw(st.sampled_from(BYTE_OPS))
        lines = data.split(b"\n")
        if op == "flip" and data:
            at = draw(st.integers(0, len(data) - 1))
            data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1:]
        elif op == "truncate":
            data = data[:draw(st.integers(0, len(data)))]
        elif op == "delete_line" and lines:
            del lines[draw(st.integers(0, len(lines) - 1))]
            data = b"\n".join(lines)
        elif op == "duplicate_line" and lines:
            at = draw(st.integers(0, len(lines) - 1))
            lines.insert(at, lines[at])
            data = b"\n".join(lines)
        elif op == "swap_lines" and len(lines) > 1:
            i = draw(st.integers(0, len(lines) - 1))
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
            data = b"\n".join(lines)
        elif op == "insert":
            at = draw(st.integers(0, len(data)))
            piece = draw(st.sampled_from(JUNK_BYTES) | st.binary(min_size=1, max_size=8))
            data = data[:at] + piece + data[at:]
        elif op == "bom":
            data = b"\xef\xbb\xbf" + data
        elif op == "crlf":
            data = data.replace(b"\n", b"\r\n")
        elif op == "tabs":
            data = re.sub(rb"(?m)^( +)", lambda m: b"\t" * max(1, len(m.group(1)) // 2), data)
        elif op == "long_line":
            at = draw(st.integers(0, len(lines)))
            lines.insert(at, draw(st.sampled_from([b"a", b"#", b" ", b"x=", b"{"])) * 20000)
            data = b"\n".join(lines)
        elif op == "latin1":
            data = data.decode("utf-8", "replace").encode("latin-1", "replace")
        elif op == "text_line":
            at = draw(st.integers(0, len(lines)))
            lines.insert(at, draw(hostile_text).encode("utf-8", "surrogatepass"))
            data = b"\n".join(lines)
        elif op == "delete_span" and data:
            start = draw(st.integers(0, len(data) - 1))
            data = data[:start] + data[start + draw(st.integers(1, 64)):]
    if not allow_nul:
        data = data.replace(b"\x00", b"")
    return data


# -- trees --------------------------------------------------------------------------------


SHM = Path("/dev/shm")


@contextlib.contextmanager
def workdir() -> Iterator[Path]:
    """A fresh directory per example (hypothesis reuses function-scoped fixtures), in memory
    where there is a tmpfs: thousands of trees are created and removed."""
    where = str(SHM) if SHM.is_dir() and os.access(SHM, os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="auditor-fuzz-", dir=where) as name:
        yield Path(name)


FileContent = str | bytes | None


def materialise(into: Path,
                files: Mapping[str, FileContent] | Mapping[str | bytes, FileContent],
                base: Path | None = None) -> Path:
    """``base`` copied to ``into`` (symlinks kept), then ``files`` written (None: deleted).

    A key may be bytes, for file names that are not UTF-8.
    """
    if base is not None:
        shutil.copytree(base, into, symlinks=True, dirs_exist_ok=True)
    into.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = Path(os.fsdecode(os.path.join(os.fsencode(into), os.fsencode(name))))
        if content is None:
            if path.is_symlink() or path.is_file():
                path.unlink()
            elif path.is_dir():
                shutil.rmtree(path)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_symlink():
            path.unlink()
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogateescape")
        path.write_bytes(content)
    return into


def fixture_files(base: Path, pattern: Callable[[str], bool]) -> list[str]:
    """Relative paths (posix) of the files under ``base`` that ``pattern`` accepts."""
    found = []
    for path in sorted(base.rglob("*")):
        rel = path.relative_to(base).as_posix()
        if path.is_file() and not path.is_symlink() and pattern(rel):
            found.append(rel)
    return found


def load_documents(path: Path) -> list[Any]:
    """Every YAML document of a fixture file (the starting shapes for mutation)."""
    import yaml

    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]


# -- auditing and the invariants ----------------------------------------------------------


@functools.cache
def session() -> Session:
    """One plugin session for every example: built-ins only, no entry points."""
    return open_session(autoload=False)


class Hang(BaseException):
    """An audit ran longer than :data:`TIMEOUT_S` (a BaseException: no check catches it)."""


@contextlib.contextmanager
def time_limit(seconds: int = TIMEOUT_S) -> Iterator[None]:
    def expired(signum: int, frame: FrameType | None) -> None:
        raise Hang(f"the audit took longer than {seconds} s (a hang)")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def audit(specs: Sequence[str], *, root: str | None = None, stdin_text: str | None = None,
          style: str | None = None) -> Report:
    """Audit in-process with ``--debug`` (error findings then carry their traceback)."""
    with time_limit():
        targets = parse_targets(list(specs), root=root, stdin_text=stdin_text)
        return audit_targets(targets, config=Config(), session=session(), style=style,
                             debug=True)


def plugin_tracebacks(specs: Sequence[str], *, root: str | None = None,
                      stdin_text: str | None = None) -> str:
    """The tracebacks a plugin error in ``problems`` hides: each built-in style's detection
    and collection called again, directly, on the same targets."""
    from auditor.checks.common.style import StylePlugin

    found = []
    for target in parse_targets(list(specs), root=root, stdin_text=stdin_text):
        for plugin in session().host.pm.get_plugins():
            if not isinstance(plugin, StylePlugin):
                continue
            for step in ("detect", "collect"):
                try:
                    with time_limit():
                        if step == "detect":
                            plugin.detect(target)
                        else:
                            plugin.collect(target, {"app": None})
                except Exception:
                    found.append(f"{plugin.style.value} {step}:\n{traceback.format_exc()}")
    return "\n".join(found)


def all_problems(report: Report) -> list[str]:
    return [*report.problems, *(p for t in report.targets for p in t.problems)]


FREE_TEXT = ("title", "message", "subject", "remediation")
"""Finding fields the schema constrains by type and length only (checked in _free_text)."""


def _text_shape(value: object) -> object:
    return ("text", bool(value)) if isinstance(value, str) else ("type", type(value).__name__)


def _shape(finding: dict[str, Any]) -> str:
    """What of a finding the schema can tell apart: free text reduced to its emptiness, line
    numbers to their type and sign, fingerprints to their characters' classes."""
    shape: dict[str, object] = {}
    for key, value in finding.items():
        if key in FREE_TEXT:
            shape[key] = _text_shape(value)
        elif key == "evidence" and isinstance(value, list):
            shape[key] = sorted({repr(_text_shape(v)) for v in value})
        elif key == "fingerprint" and isinstance(value, str):
            shape[key] = re.sub(r"[0-9a-f]", "h", value)
        elif key in ("location", "waiver") and isinstance(value, dict):
            shape[key] = {k: (_text_shape(v) if k in ("path", "reason", "source") else
                              (type(v).__name__, v >= 1) if k == "line" and type(v) is int
                              else v) for k, v in value.items()}
        else:
            shape[key] = value
    return json.dumps(shape, sort_keys=True, default=repr)


@functools.cache
def _free_text_is_plain() -> bool:
    """The premise of :func:`_shape`: the schema puts no pattern on free-text fields."""
    from auditor.reportschema import report_schema

    defs = report_schema()["$defs"]
    finding = defs["finding"]["properties"]
    plain = {"type", "minLength"}
    fields = [finding[k] for k in FREE_TEXT] + [finding["evidence"]["items"]]
    location = finding["location"]["oneOf"][1]["properties"]
    waiver = finding["waiver"]["oneOf"][1]["properties"]
    fields += [location["path"], waiver["reason"], waiver["source"]]
    return all(set(f) <= plain for f in fields) and set(location["line"]) <= {
        "type", "minimum"}


_VALIDATED: set[str] = set()
"""Finding shapes already validated in this process."""


def validate_report(parsed: dict[str, Any]) -> None:
    """The shipped schema, on the report with one finding of each shape not validated yet.

    Validating a finding costs about 1 ms (100 ms a report, most of an example's time);
    findings of the same shape validate alike, so each shape is validated once.
    """
    assert _free_text_is_plain(), "the schema now constrains free text: validate in full"
    fresh: dict[str, dict[str, Any]] = {}
    targets = []
    for target in parsed["targets"]:
        kept = []
        for finding in target["findings"]:
            assert finding["status"] in STATUSES, finding
            shape = _shape(finding)
            if shape not in _VALIDATED and shape not in fresh:
                fresh[shape] = finding
                kept.append(finding)
        targets.append({**target, "findings": kept})
    assert_valid_report({**parsed, "targets": targets})
    _VALIDATED.update(fresh)


def check_report(report: Report, *, named: Iterable[str] = (), styles: Iterable[str] = (),
                 diagnose: Callable[[], str] = lambda: "") -> dict[str, Any]:
    """Assert every invariant of the issue on one report; return its JSON data."""
    data = report_dict(report)
    text = json.dumps(data, ensure_ascii=False, allow_nan=False)
    text.encode("utf-8")  # a lone surrogate anywhere would make the report unwritable
    parsed: dict[str, Any] = json.loads(text)
    validate_report(parsed)
    errors = [f for t in report.targets for f in t.findings if f.status == Status.ERROR]
    assert not errors, "a check raised:\n" + "\n\n".join(
        f"{f.check_id} on {f.subject}: {f.message}\n" + "\n".join(f.evidence) for f in errors)
    problems = all_problems(report)
    crashes = [p for p in problems if PLUGIN_CRASH.match(p)]
    assert not crashes, f"a collector or detector raised: {crashes}\n{diagnose()}"
    for name in named:
        assert any(name in p for p in problems), f"no problem names {name!r}: {problems}"
    got = {t["style"] for t in parsed["targets"]}
    for style in styles:
        assert style in got, f"style {style} not audited (got {sorted(got)}): {problems}"
    return parsed


def audit_and_check(specs: Sequence[str], *, root: str | None = None,
                    stdin_text: str | None = None, style: str | None = None,
                    named: Iterable[str] = (), styles: Iterable[str] = ()) -> dict[str, Any]:
    return check_report(
        audit(specs, root=root, stdin_text=stdin_text, style=style), named=named,
        styles=styles,
        diagnose=lambda: plugin_tracebacks(specs, root=root, stdin_text=stdin_text))


def run_cli(args: Sequence[str], out: Path) -> tuple[int, str, dict[str, Any] | None]:
    """``auditor scan ARGS --format json --output OUT`` in-process: (exit code, stderr,
    the validated report or None).

    Exit 2 must come with exactly one line on standard error, never an internal error.
    """
    import io
    from contextlib import redirect_stderr, redirect_stdout

    from auditor.cli import main

    err, sink = io.StringIO(), io.StringIO()
    with time_limit(), redirect_stderr(err), redirect_stdout(sink):
        code = main(["scan", *args, "--quiet", "--format", "json", "--output", str(out)])
    stderr = err.getvalue()
    assert code in (0, 2), (code, stderr)
    if code == 2:
        lines = stderr.strip().splitlines()
        assert len(lines) == 1, f"exit 2 needs one line on stderr, got: {stderr!r}"
        assert "internal error" not in lines[0], lines[0]
        return code, stderr, None
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    assert_valid_report(data)
    return code, stderr, data

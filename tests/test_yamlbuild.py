"""checks/common/yamlbuild.py builds exactly what PyYAML's SafeConstructor builds: same
values, same types, same sharing, same errors (issue 16, item 2)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.checks.common.yamlbuild import build_document
from auditor.checks.kubernetes.loader import documents

ROOT = Path(__file__).resolve().parent.parent
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def both(text: str) -> tuple[list[object], list[object]]:
    """(SafeConstructor's documents, yamlbuild's documents) of ``text``."""
    expected = list(yaml.load_all(text, Loader=Loader))
    loader = Loader(text)
    built: list[object] = []
    try:
        while loader.check_node():
            built.append(build_document(loader, loader.get_node()))
    finally:
        loader.dispose()
    return expected, built


def same(a: object, b: object) -> bool:
    """Equal and of the same types all the way down (1 == True == 1.0 is not enough)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        assert isinstance(b, dict)
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a) and all(
            type(x) is type(y) for x, y in zip(a, b, strict=True))
    if isinstance(a, list):
        assert isinstance(b, list)
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and a != a:
        return b != b  # NaN
    return a == b


SCALARS = """\
plain: text
quoted: "yes"
single: 'null'
bools: [yes, No, on, OFF, true, False, y, n]
ints: [0, -12, +7, 0o17, 017, 0x1F, 0b101, 1_000, "42", 190:20:30]
floats: [1.5, -0.5e3, .inf, -.Inf, .nan, 6.8523015e+5, 685_230.15, 190:20:30.15]
nulls: [~, null, Null, , ""]
empty:
multi: |
  two
  lines
folded: >
  one
  line
key with spaces: value
123: numeric key
true: boolean key
~: null key
"""


@pytest.mark.parametrize("text", [
    SCALARS,
    "a: &x {b: 1, c: [1, 2]}\nd: *x\ne: [*x, *x]\n",
    "base: &base {cpu: 1, memory: 2Gi}\nlimits:\n  <<: *base\n  memory: 4Gi\n",
    "- &a {x: 1}\n- &b {y: 2}\n- <<: [*a, *b]\n  z: 3\n",
    "when: 2001-12-14\nstamp: 2001-12-14t21:59:43.10-05:00\nname: n\n",
    "data: !!binary aGVsbG8=\n",
    "s: !!set {a, b}\n",
    "o: !!omap [{a: 1}, {b: 2}]\n",
    "p: !!pairs [{a: 1}, {a: 2}]\n",
    "explicit: !!str 123\nint: !!int '7'\nfloat: !!float '1'\n",
    "---\na: 1\n---\n- b\n---\nplain scalar document\n--- 12\n...\n",
    "? [complex, key]\n: value\n",
    "? {a: 1}\n: value\n",
    "odd: !custom thing\n",
    "k: !!map scalar\n",
    "\n",
])
def test_every_kind_of_value_is_built_as_safe_constructor_builds_it(text: str) -> None:
    try:
        expected, _ = both(text)
    except yaml.YAMLError as exc:
        # The same error, by the same message, from both.
        with pytest.raises(yaml.YAMLError) as caught:
            both_built_only(text)
        assert str(caught.value) == str(exc)
        return
    _, built = both(text)
    assert same(expected, built), (expected, built)


def both_built_only(text: str) -> list[object]:
    loader = Loader(text)
    try:
        out = []
        while loader.check_node():
            out.append(build_document(loader, loader.get_node()))
        return out
    finally:
        loader.dispose()


def test_values_an_alias_shares_are_one_object_as_safe_constructor_makes_them() -> None:
    _, (built,) = both("a: &x {b: [1]}\nc: *x\nd: &l [1, 2]\ne: *l\n")
    assert isinstance(built, dict)
    assert built["a"] is built["c"]
    assert built["d"] is built["e"]
    (expected,) = yaml.load_all("a: &x {b: [1]}\nc: *x\n", Loader=Loader)
    assert expected["a"] is expected["c"]  # the behaviour copied, not invented


def test_timestamps_fall_back_to_safe_constructor_for_the_whole_document() -> None:
    _, (built,) = both("when: 2001-12-14\nlist: [a, 1]\n")
    assert built == {"when": dt.date(2001, 12, 14), "list": ["a", 1]}


def test_an_unhashable_key_is_the_error_safe_constructor_gives() -> None:
    with pytest.raises(yaml.constructor.ConstructorError) as caught:
        both_built_only("? [a]\n: 1\n")
    assert "found unhashable key" in str(caught.value)
    assert caught.value.problem_mark is not None and caught.value.problem_mark.line == 0


def test_every_manifest_in_the_repository_builds_the_same() -> None:
    texts = 0
    # The shared data (real helm template output of Superset's chart) when it is there.
    shared = ROOT.parent / "shared" / "data"
    for path in sorted([*ROOT.glob("examples/**/*.y*ml"), *ROOT.glob("tests/fixtures/**/*.y*ml"),
                        *ROOT.glob("charts/**/*.y*ml"), *shared.glob("**/*.y*ml")]):
        text = path.read_text(encoding="utf-8", errors="replace")
        if "{{" in text:
            continue  # a Helm template, not YAML
        try:
            expected, built = both(text)
        except (yaml.YAMLError, RecursionError):
            continue  # hostile fixtures: the loader's errors are tested elsewhere
        assert same(expected, built), path
        texts += 1
    assert texts >= 40


def test_the_loader_reads_documents_through_it() -> None:
    [(document, location)] = list(documents("a: &x [1]\nb: *x\nc: yes\n", "f.yaml"))
    assert document == {"a": [1], "b": [1], "c": True}
    assert isinstance(document, dict) and document["a"] is document["b"]
    assert (location.path, location.line) == ("f.yaml", 1)


leaves = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
    st.text(max_size=12), st.sampled_from(["yes", "no", "on", "~", "0x1F", "1_0", ".inf",
                                           "2001-12-14", "1:20", "<<", "&a", "*a", "", "-"]))
trees = st.recursive(leaves, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.one_of(st.text(max_size=8), st.integers(), st.booleans()), inner,
                    max_size=4)), max_leaves=25)


@settings(max_examples=300, deadline=None)
@given(trees, st.booleans())
def test_any_dumped_value_builds_the_same(value: object, flow: bool) -> None:
    # Shared subtrees make safe_dump write anchors and aliases.
    text = yaml.safe_dump([value, value], default_flow_style=flow, allow_unicode=True)
    expected, built = both(text)
    assert same(expected, built)

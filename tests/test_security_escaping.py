"""Hostile strings in audited objects stay data in every format (property-based).

Hypothesis builds strings from markup, quotes, template and format syntax, control and
invisible characters, and puts them into a Deployment's name, namespace, annotations, a
waiver reason, a container name and an image tag. Each report must keep its structure: the
HTML page and the Markdown (rendered as a forge does, with HTML passthrough on) have
exactly the tags and attributes of the same report made from harmless strings of the same
length; JUnit parses as XML, SARIF and JSON as JSON (the JSON against the schema),
Prometheus with prometheus_client's parser, each with as many elements, results or samples
as the harmless report; the terminal report should carry no control character from the data
(it does: an expected failure until reports/terminal.py filters them).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from html.parser import HTMLParser
from typing import Any, Literal

import yaml
from conftest import assert_valid_report
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from prometheus_client.parser import text_string_to_metric_families
from reportdata import render, session

from auditor.api import scan
from auditor.model import Report

SNIPPETS = (
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg onload=alert(2)>",
    "</textarea>", "</title>", "<!--", "-->", "]]>", "<![CDATA[", "<?xml ?>", "&amp;", "&lt;",
    "&#60;", '" onmouseover="x', "' autofocus onfocus='x", "javascript:alert(1)", "{{7*7}}",
    "{% raw %}", "${x}", "`code`", "**bold**", "[x](javascript:alert(1))", "<b>", "|", "\\",
    "# TYPE x counter", "\nfoo{a=\"b\"} 1\n", 'label="', "\n\n<div>", "@everyone", "\x1b[31m",
    "\x1b]8;;http://x\x07", "\x00", "\x07", "\r\n", "\u202e", "\u2028", "\ufeff", "\u200b",
    "\x85", "\x9b", "\U0001d518",
)
NO_SURROGATES: tuple[Literal["Cs"]] = ("Cs",)  # lone surrogates: see test_report_formats
ALPHABET = st.characters(codec="utf-8", exclude_categories=NO_SURROGATES)
HOSTILE = st.lists(st.one_of(st.sampled_from(SNIPPETS), st.text(ALPHABET, max_size=8)),
                   min_size=1, max_size=5).map("".join)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def manifest(name: str, note: str, reason: str, container: str, tag: str) -> str:
    # "/", ":" and "@" change what an image reference means (a registry path, a digest), not
    # only how it is shown: the image would no longer be Superset's, and the findings would
    # differ for a reason that has nothing to do with escaping.
    tag = re.sub(r"[/:@]", "_", tag)
    deployment: dict[str, Any] = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": f"x{name}", "namespace": f"n{name}", "labels": {"app": "superset"},
                     "annotations": {"note": note,
                                     "auditor.io/waive.K8S-RESOURCES-001": f"r{reason}"}},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "superset"}},
                 "template": {"metadata": {"labels": {"app": "superset"}}, "spec": {
                     "containers": [{"name": f"c{container}",
                                     "image": f"apache/superset:4{tag}"}]}}},
    }
    return json.dumps(deployment)  # JSON is YAML, and carries any string


def audit(*strings: str) -> Report:
    return scan(["-"], stdin_text=manifest(*strings), session=session())


def harmless(text: str) -> str:
    return "a" * len(text)


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: Counter[tuple[str, tuple[str, ...]]] = Counter()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "wbr" and not attrs:
            return  # a line-break opportunity after / : . _ in names: placement, not markup
        self.tags[(tag, tuple(sorted(name for name, _ in attrs)))] += 1

    handle_startendtag = handle_starttag


def tags(page: str) -> Counter[tuple[str, tuple[str, ...]]]:
    parser = Tags()
    parser.feed(page)
    parser.close()
    return parser.tags


MARKDOWN = MarkdownIt("commonmark", {"html": True})


def samples(text: str) -> int:
    return sum(len(family.samples) for family in text_string_to_metric_families(text))


def structure(report: Report) -> dict[str, object]:
    """What must not depend on the strings in the audited objects."""
    out: dict[str, object] = {}
    out["html"] = tags(render(report, "html"))
    out["markdown"] = tags(MARKDOWN.render(render(report, "markdown")))
    out["junit"] = sum(1 for _ in ET.fromstring(render(report, "junit").encode()).iter())
    sarif = json.loads(render(report, "sarif"))
    out["sarif"] = sum(len(run["results"]) for run in sarif["runs"])
    data = json.loads(render(report, "json"))
    assert_valid_report(data)
    out["json"] = sum(len(t["findings"]) for t in data["targets"])
    out["prometheus"] = samples(render(report, "prometheus"))
    out["codequality"] = len(json.loads(render(report, "codequality")))
    out["policyreport"] = sum(len(doc["results"]) for doc in
                              yaml.safe_load_all(render(report, "policyreport")) if doc)
    return out


@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.tuples(HOSTILE, HOSTILE, HOSTILE, HOSTILE, HOSTILE))
def test_hostile_strings_stay_data_in_every_format(strings: tuple[str, ...]) -> None:
    report = audit(*strings)
    benign = audit(*(harmless(s) for s in strings))
    got, expected = structure(report), structure(benign)
    for fmt in expected:
        assert got[fmt] == expected[fmt], fmt
    # The formats this test knows are every format there is (terminal: below).
    assert set(session().registry.renderers) <= {*expected, "terminal"}


def test_terminal_report_carries_no_control_character_from_the_data() -> None:
    controls = "".join(chr(c) for c in (*range(0x20), *range(0x7F, 0xA0)) if chr(c) not in "\n\t")
    report = audit(f"\x1b[31m{controls}", f"\x1b]0;title\x07{controls}", controls, controls,
                   f"\x9b31m{controls}")
    terminal = render(report, "terminal", verbose=True)
    assert not CONTROL.search(terminal), sorted({hex(ord(c)) for c in CONTROL.findall(terminal)})


def test_the_structure_check_sees_injected_markup() -> None:
    # Negative control: a tag smuggled into the page is counted.
    page = render(audit("a", "b", "c", "d", "e"), "html")
    assert tags(page.replace("</body>", "<img src=x></body>")) != tags(page)

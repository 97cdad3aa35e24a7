"""reports/html.py: one self-contained, escaped, printable page; checked by parsing it and
by loading it in Debian's Chromium (tests/browser.py)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import jinja2
import needs
import pytest
from browser import NO_BROWSER, Browser, history, unavailable
from reportdata import (
    HOSTILE_MARKUP,
    HOSTILE_SECRET,
    all_examples_report,
    example_report,
    hostile_report,
    options,
    render,
)

from auditor.compare import compare, snapshot_from_report
from auditor.history import run_from_report
from auditor.model import (
    Detection,
    Finding,
    Location,
    Report,
    Row,
    Score,
    Severity,
    Status,
    Style,
    TargetReport,
    WaiverOutcome,
    WaiverRef,
)
from auditor.reports.html import breakable, environment, render_html, trend
from auditor.scoring import Thresholds, formula, score_findings

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
VOID = {"meta", "br", "link", "img", "input", "hr", "source", "wbr", "area", "base", "col"}
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node] = field(default_factory=list)
    text: list[str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            yield from child.walk()

    def all(self, tag: str = "", cls: str = "", **attrs: str) -> list[Node]:
        return [n for n in self.walk()
                if (not tag or n.tag == tag) and (not cls or cls in n.classes)
                and all(n.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())]

    def one(self, tag: str = "", cls: str = "", **attrs: str) -> Node:
        found = self.all(tag, cls, **attrs)
        assert len(found) == 1, f"{len(found)} matches for {tag}.{cls} {attrs}"
        return found[0]

    def content(self) -> str:
        return "".join(self.text) + "".join(c.content() for c in self.children)


class TreeBuilder(HTMLParser):
    """Enough of a DOM for well-formed output: a stray end tag fails the test."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].text.append(data)


def parse(html: str) -> Node:
    builder = TreeBuilder()
    builder.feed(html)
    builder.close()
    assert builder.stack == [builder.root], "unclosed elements"
    return builder.root


def page(report: Report, **overrides: object) -> tuple[str, Node]:
    html = render(report, "html", **overrides)
    return html, parse(html)


def finding(check_id: str, status: Status, subject: str = "app", message: str = "msg",
            row: Row = Row.GITOPS, severity: Severity = Severity.MEDIUM,
            **extra: object) -> Finding:
    return Finding(check_id=check_id, row=row, style=Style.PIP, severity=severity,
                   status=status, title=f"title of {check_id}", message=message,
                   subject=subject, remediation="do the thing", **extra)  # type: ignore[arg-type]


def synthetic(findings: list[Finding], problems: tuple[str, ...] = (),
              label: str = "examples/pip-dev") -> Report:
    target = TargetReport(target=label, style=Style.PIP, app="superset",
                          detection=Detection(Style.PIP, 0.9, ("venv/",), "superset"),
                          score=score_findings(findings, Thresholds()),
                          findings=tuple(findings), problems=problems)
    return Report(tool_version="0.1.0", started_at="2026-11-28T16:00:00Z", duration_s=0.5,
                  score=score_findings(findings, Thresholds()), targets=(target,))


LONG_WORD = "x" * 5000
LONG_TEXT = "the message goes on and on " * 200
NASTY = "bell\x07 esc\x1b[31m nul\x00 cr\r del\x7f c1\x85 lone\udc81 rlo\u202eevil"


def long_report() -> Report:
    return synthetic([
        finding("PIP-GITOPS-001", Status.FAIL, subject=LONG_WORD, message=LONG_TEXT,
                evidence=(LONG_WORD, NASTY), location=Location("dir/" + LONG_WORD, 3)),
        finding("PIP-GITOPS-002", Status.PASS, subject=NASTY),
    ], problems=(NASTY,))


# --- structure -------------------------------------------------------------------------


def test_page_is_self_contained_and_complete() -> None:
    report = all_examples_report()
    html, doc = page(report)
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html.lower()
    assert doc.one("meta", http_equiv="Content-Security-Policy").attrs["content"] == CSP
    style = doc.one("style").content()
    assert "url(" not in style and "@import" not in style
    for node in doc.walk():
        assert "src" not in node.attrs, node
        assert node.tag not in ("link", "img", "iframe", "object", "embed", "base")
        if "href" in node.attrs:
            assert node.tag == "a"
            href = node.attrs["href"]
            assert href.startswith("#") or href.startswith(("https://", "http://")), href
    anchors = {n.attrs["id"] for n in doc.walk() if "id" in n.attrs}
    for link in doc.all("a"):
        if link.attrs["href"].startswith("#"):
            assert link.attrs["href"][1:] in anchors, link.attrs["href"]

    assert len(doc.all(cls="finding")) == sum(len(t.findings) for t in report.targets)
    for index, target in enumerate(report.targets, 1):
        section = doc.one("section", id=f"t{index}")
        assert target.target in section.one("h2").content()
        for evidence in target.detection.evidence:
            assert evidence in section.content()
        assert len(section.all(cls="finding")) == len(target.findings)
        for status in Status:
            expected = sum(1 for f in target.findings if f.status == status)
            assert len(section.all(data_status=status.value)) == expected, status
        for f in target.findings:
            assert f.subject in section.content()
        rows = section.one("table", cls="matrix").one("tbody").all("tr")
        assert [r.one("th").content() for r in rows] == [row.value for row in Row]
        for row, tr in zip(Row, rows, strict=True):
            counts = [int(td.content()) for td in tr.all("td", cls="n")]
            in_row = [f for f in target.findings if f.row == row]
            assert counts == [sum(1 for f in in_row if f.status == s) for s in
                              (Status.PASS, Status.WARN, Status.FAIL, Status.SKIP,
                               Status.ERROR, Status.WAIVED)]
    assert doc.one("pre", cls="formula").content() == formula(Thresholds())
    assert "4 targets" in doc.one("header", cls="masthead").content()


def test_failing_checks_say_why_and_link_references() -> None:
    report = example_report("kubernetes")
    _, doc = page(report)
    catalog = options().catalog
    failing = [a for a in doc.all("article", cls="check") if "st-fail" in a.classes]
    assert failing
    for article in failing:
        check = catalog[article.one("code", cls="cid").content()]
        assert check.rationale in article.one(cls="why").content()
        hrefs = [a.attrs["href"] for a in article.all("a")]
        assert hrefs == list(check.references)
        for finding_node in article.all(cls="finding"):
            assert finding_node.one(cls="subject").content()
    # Passing checks are summarised per row, inside a <details> that print expands.
    passed = [d for d in doc.all("details", cls="passed")]
    assert passed and all(n.attrs["data-status"] == "pass"
                          for d in passed for n in d.all(cls="finding"))


def test_attention_first_then_by_severity() -> None:
    report = synthetic([
        finding("PIP-GITOPS-001", Status.PASS),
        finding("PIP-GITOPS-002", Status.WARN, severity=Severity.LOW),
        finding("PIP-GITOPS-003", Status.FAIL, severity=Severity.LOW),
        finding("PIP-GITOPS-004", Status.FAIL, severity=Severity.CRITICAL),
        finding("PIP-GITOPS-005", Status.SKIP, message="fact missing: 403"),
    ])
    _, doc = page(report)
    order = [a.one("code", cls="cid").content() for a in doc.all("article", cls="check")]
    assert order == ["PIP-GITOPS-004", "PIP-GITOPS-003", "PIP-GITOPS-002", "PIP-GITOPS-005"]
    assert "fact missing: 403" in doc.one(data_status="skip").content()


def test_waivers_problems_and_run_notes() -> None:
    report = dataclasses.replace(
        hostile_report(), problems=("plugin broken-plugin failed to load: <oops>",),
        waivers=(WaiverOutcome("K8S-X-001", "*", "left over", "2020-01-01", "expired", 0,
                               "auditor.toml"),))
    _, doc = page(report)
    waived = [f for t in report.targets for f in t.findings if f.status == Status.WAIVED]
    assert waived
    nodes = doc.all(data_status="waived")
    assert len(nodes) == len(waived)
    for node, f in zip(nodes, waived, strict=True):
        assert f.waiver
        assert node.one(cls="waiver-reason").content() == f.waiver.reason
        assert f.waiver.source in node.one(cls="waiver").content()
    problems = [p.content() for p in doc.all("li", cls="problem")]
    assert "plugin broken-plugin failed to load: <oops>" in problems
    assert all(p in problems for t in report.targets for p in t.problems)
    assert all("expires never" in n.content() for n in nodes)
    dated = synthetic([finding("PIP-GITOPS-001", Status.WAIVED,
                               waiver=WaiverRef("until the move", "2027-01-31", "auditor.toml:7"))])
    note = page(dated)[1].one(cls="waiver").content()
    assert "until the move" in note and "expires 2027-01-31" in note and "auditor.toml:7" in note
    row = doc.one("tr", cls="waiver-expired")
    assert "K8S-X-001" in row.content() and "2020-01-01" in row.content()


def test_reference_links_only_for_web_urls() -> None:
    report = example_report("pip-dev")
    check_id = next(f.check_id for f in report.targets[0].findings if f.status == Status.FAIL)
    catalog = dict(options().catalog)
    catalog[check_id] = dataclasses.replace(catalog[check_id], references=(
        "javascript:alert(1)", "https://example.org/a\"onmouseover=\"alert(2)", "file:///etc"))
    html, doc = page(report, catalog=catalog)
    hrefs = [a.attrs["href"] for a in doc.all("a") if not a.attrs["href"].startswith("#")]
    assert "https://example.org/a\"onmouseover=\"alert(2)" in hrefs
    assert not any(h.startswith(("javascript:", "file:")) for h in hrefs)
    assert "javascript:alert(1)" in html  # shown as text
    assert not any(k.startswith("on") for n in doc.walk() for k in n.attrs)


def test_thresholds_in_formula() -> None:
    _, doc = page(example_report("pip-dev"), thresholds=Thresholds(score=72.5, coverage=0.6))
    text = doc.one("pre", cls="formula").content()
    assert text == formula(Thresholds(72.5, 0.6)) and "score >= 72.5" in text


def test_no_targets_and_no_score() -> None:
    empty = Report(tool_version="0.1.0", started_at="not a time", duration_s=0.0,
                   score=Score(None, None, False, None), targets=(),
                   problems=("examples/nothing: no deployment style detected",))
    _, doc = page(empty)
    assert "No target yielded" in doc.content()
    assert "n/a" in doc.one("svg", cls="dial").content()
    skipped = synthetic([finding("PIP-GITOPS-001", Status.SKIP)])
    _, doc = page(skipped)
    # one target: one gauge, the overall one, which is that target's
    (dial,) = doc.all("svg", cls="dial")
    assert len(dial.all("path", cls="dial-value")) == 0 and "n/a" in dial.content()


def test_autoescape_is_forced() -> None:
    # select_autoescape() would leave a ".j2" template unescaped; the page relies on this.
    assert environment().autoescape is True
    assert environment().from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"
    with pytest.raises(jinja2.UndefinedError):
        environment().from_string("{{ missing }}").render()


# --- hostile data ------------------------------------------------------------------------


def test_hostile_report_stays_text() -> None:
    report = hostile_report()
    html, doc = page(report)
    for markup in HOSTILE_MARKUP:
        assert markup not in html
    assert "&lt;script&gt;" in html and "&lt;svg onload" in html
    assert HOSTILE_SECRET not in html and "hostile-secret-VALUE" not in html
    assert not CONTROL.search(html)
    tags = {n.tag for n in doc.walk()}
    assert not tags & {"script", "iframe", "img", "b", "textarea"}
    assert not any(k.startswith("on") for n in doc.walk() for k in n.attrs)
    assert len(doc.all(cls="finding")) == len(report.targets[0].findings)
    assert "[U+202E]" in html  # the image name's right-to-left override is made visible


def test_markup_in_svg_titles_and_attributes_is_escaped() -> None:
    label = "<script>alert(1)</script>\" onload=\"x"
    report = synthetic([finding("PIP-GITOPS-001", Status.FAIL)], label=label)
    html, doc = page(report, history=history(report, 2))
    assert "<script>" not in html and '" onload="' not in html
    tips = doc.one("svg", cls="trend-chart").all("title")
    assert any(t.content().startswith(label) for t in tips)
    clipped = synthetic([finding("PIP-GITOPS-001", Status.FAIL, subject=label + "y" * 600)])
    html, doc = page(clipped)
    assert doc.one("span", cls="clipped").attrs["title"] == label + "y" * 600
    assert not any(k.startswith("on") for n in doc.walk() for k in n.attrs)


def test_control_characters_and_long_strings() -> None:
    html = render_html(long_report(), options())
    html.encode("utf-8")  # lone surrogates would make the page unwritable
    assert not CONTROL.search(html)
    assert not re.search("[\x80-\x9f\ud800-\udfff\u202e]", html)
    doc = parse(html)
    assert "bell esc[31m nul cr del c1 lone\ufffd rlo[U+202E]evil" in html
    subject = doc.one(cls="finding", data_status="fail").one(cls="subject")
    clipped = subject.one("span", cls="clipped")
    assert clipped.attrs["title"] == LONG_WORD and clipped.content() == "x" * 500
    assert "+4500 characters" in subject.content()


def test_finalize_cleans_what_the_view_model_missed() -> None:
    from auditor.reports.html import _finalize

    assert _finalize("a\x00b\u202ec\udc81\n\t") == "ab[U+202E]c\ufffd\n\t"
    assert _finalize(3) == 3


# --- history and baseline ----------------------------------------------------------------


def trend_points(doc: Node) -> list[list[tuple[float, float]]]:
    chart = doc.one("svg", cls="trend-chart")
    return [[(float(x), float(y)) for x, y in (p.split(",") for p in line.attrs["points"].split())]
            for line in chart.all("polyline")]


def test_trend_chart_one_line_per_target() -> None:
    report = all_examples_report()
    runs = history(report, 3)
    _, doc = page(report, history=runs)
    lines = trend_points(doc)
    assert len(lines) == len(report.targets)
    assert all(len(points) == 3 for points in lines)
    for points in lines:
        xs = [x for x, _ in points]
        assert xs == sorted(xs) and len(set(xs)) == 3
    # Even-numbered targets were lower in the past (history() moves them down by 6/run).
    first = lines[0]
    assert first[0][1] > first[-1][1]
    tips = [t.content() for t in doc.one("svg", cls="trend-chart").all("title")][1:]
    assert len(tips) == 3 * len(report.targets)
    assert any(report.started_at in tip for tip in tips)
    assert [t.content() for t in doc.one("svg", cls="trend-chart").all("text")
            if re.fullmatch(r"\d{4}-\d\d-\d\d", t.content())]


def test_trend_skips_runs_without_the_target_and_null_scores() -> None:
    report = example_report("pip-dev")
    runs = list(history(all_examples_report(), 3))
    runs[0] = dataclasses.replace(runs[0], targets=runs[0].targets[1:])
    runs[1] = dataclasses.replace(runs[1], targets=tuple(
        dataclasses.replace(p, value=None) for p in runs[1].targets))
    _, doc = page(report, history=tuple(runs))
    assert sorted(len(p) for p in trend_points(doc)) == [1, 2, 2, 2]


def test_one_run_gives_a_sentence() -> None:
    report = all_examples_report()
    _, doc = page(report, history=history(report, 1))
    section = doc.one("section", id="trend")
    assert not section.all("polyline") and not section.all("svg")
    assert "two runs" in section.one("p", cls="trend-none").content()
    # no --history-dir: no trend section and no link to one (nothing is recorded)
    _, doc = page(report)
    assert not doc.all("section", id="trend") and not doc.all("a", href="#trend")


def test_since_baseline_lists_new_and_fixed() -> None:
    old = snapshot_from_report(example_report("pip-dev"), "baseline/pip-dev.json")
    new_report = example_report("compose")
    comparison = compare(old, snapshot_from_report(new_report))
    assert comparison.new_failures and comparison.fixed
    _, doc = page(new_report, comparison=comparison)
    section = doc.one("section", id="baseline")
    new = section.all("li", data_change="new")
    fixed = section.all("li", data_change="fixed")
    assert len(new) == len(comparison.new_failures) and len(fixed) == len(comparison.fixed)
    for node, ref in zip(new, comparison.new_failures, strict=True):
        assert ref.check_id in node.content() and ref.subject in node.content()
    assert "baseline/pip-dev.json" in section.content()
    assert f"{comparison.score_delta:+.1f}" in section.one(cls="delta").content()
    _, plain = page(new_report)
    assert not plain.all(id="baseline")


# --- in Chromium ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    needs.opted_out(NO_BROWSER, "browser tests")
    reason = unavailable()
    if reason:
        needs.unavailable(reason)
    with Browser() as launched:
        yield launched


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    directory = tmp_path_factory.mktemp("html")

    def write(name: str) -> Path:
        path = directory / f"{name}.html"
        if not path.exists():
            makers: dict[str, Callable[[], Report]] = {
                "examples": all_examples_report, "hostile": hostile_report, "long": long_report}
            report = makers[name]()
            runs = history(report, 3) if name == "examples" else ()
            path.write_text(render(report, "html", history=runs), encoding="utf-8")
        return path

    return write


@pytest.mark.parametrize("width", [1280, 390])
def test_examples_in_chromium(browser: Browser, pages: Callable[[str], Path],
                              width: int) -> None:
    report = all_examples_report()
    with browser.visit(pages("examples"), width) as visit:
        assert visit.trouble == []
        assert visit.requests == [visit.url]
        assert visit.scroll_width() <= width
        assert visit.count(".finding") == sum(len(t.findings) for t in report.targets)
        assert visit.count("svg.trend-chart polyline") == len(report.targets)
        # one gauge per target, and the overall one
        assert visit.count("svg.dial") == len(report.targets) + 1
        # every contents link is on screen, none cut off in a row scrolled sideways
        assert visit.page.evaluate(
            "[...document.querySelectorAll('nav.toc a')].every(a => {"
            " const r = a.getBoundingClientRect(); return r.left >= 0 && r.right <= "
            f"{width}; }})")
        png = visit.page.screenshot()
        assert png.startswith(b"\x89PNG") and len(png) > 40_000


def test_print_expands_everything(browser: Browser, pages: Callable[[str], Path]) -> None:
    with browser.visit(pages("examples"), 1280) as visit:
        hidden = "s => [...document.querySelectorAll(s)].filter(e => !e.checkVisibility()).length"
        assert visit.page.evaluate(hidden, ".finding") > 0  # passing ones are collapsed
        visit.page.emulate_media(media="print")
        assert visit.page.evaluate(hidden, ".finding") == 0
        assert visit.page.evaluate(
            "getComputedStyle(document.querySelector('nav.toc')).display") == "none"
        assert not visit.page.evaluate(
            "[...document.querySelectorAll('*')].some("
            "e => ['sticky', 'fixed'].includes(getComputedStyle(e).position))")
        assert visit.trouble == []


@pytest.mark.parametrize("name", ["hostile", "long"])
def test_hostile_in_chromium(browser: Browser, pages: Callable[[str], Path], name: str) -> None:
    with browser.visit(pages(name), 390) as visit:
        assert visit.trouble == []
        assert visit.dialogs == []
        assert visit.count("script, iframe, img, b, textarea, object, embed") == 0
        assert visit.page.evaluate(
            "[...document.querySelectorAll('*')].every("
            "e => [...e.attributes].every(a => !a.name.startsWith('on')))")
        assert visit.scroll_width() <= 390
        if name == "hostile":
            text = visit.page.evaluate("document.body.innerText")
            assert "<script>alert('dep')</script>" in text


def test_csp_stops_what_escaping_would_miss(browser: Browser, tmp_path: Path) -> None:
    html = render(example_report("pip-dev"), "html")
    injected = html.replace("<main", '<script>alert("xss")</script>'
                            '<img src="http://127.0.0.1:9/beacon.png"><main', 1)
    path = tmp_path / "injected.html"
    path.write_text(injected, encoding="utf-8")
    with browser.visit(path, 1280) as visit:
        assert visit.dialogs == []
        blocked = [m for m in visit.console if "Content Security Policy" in m]
        assert any("inline script" in m for m in blocked)
        assert any("beacon.png" in m for m in blocked)


def test_detector_negative_control(browser: Browser, tmp_path: Path) -> None:
    path = tmp_path / "noisy.html"
    path.write_text("<!DOCTYPE html><title>noisy</title><p>noisy</p>"
                    "<script>console.error('boom'); console.warn('careful'); alert('hi');"
                    "setTimeout(() => { throw new Error('uncaught') });</script>"
                    '<img src="http://127.0.0.1:9/x.png">', encoding="utf-8")
    with browser.visit(path, 390) as visit:
        visit.page.wait_for_timeout(200)
        assert "error: boom" in visit.console and "warning: careful" in visit.console
        assert visit.dialogs == ["hi"]
        assert any("uncaught" in e for e in visit.page_errors)
        assert visit.foreign == ["http://127.0.0.1:9/x.png"]
        assert visit.trouble


def test_the_verdict_says_why() -> None:
    report = example_report("kubernetes")
    _, doc = page(report)
    lists = doc.all("ul", cls="ready-reasons")
    assert len(lists) == 1  # one target: its verdict is the overall one, said once
    shown = [li.content() for li in lists[0].all("li")]
    assert shown == list(report.score.ready_reasons)
    assert shown[0].startswith("score ") and shown[0].endswith(" is under the READY bar of 80")
    assert shown[1:] == [
        "unwaived critical failure: K8S-CONFIG-SECRETS-002, SUPERSET-CONFIG-SECRETS-001",
        "the critical failure caps the grade at D (the score alone gives C)"]


def test_trend_ticks_do_not_repeat_for_runs_seconds_apart() -> None:
    report = example_report("kubernetes")
    runs = [dataclasses.replace(run_from_report(report),
                                started_at=f"2026-12-07T16:00:{s:02d}Z") for s in (0, 5, 10, 15)]
    chart = trend(runs, 80.0)
    assert chart is not None
    assert [label for _, label, _ in chart.x_ticks] == ["16:00:00", "16:00:05", "16:00:10",
                                                        "16:00:15"]
    hours = [dataclasses.replace(r, started_at=f"2026-12-07T{h:02d}:00:00Z")
             for r, h in zip(runs, (1, 2, 3, 4), strict=True)]
    assert [label for _, label, _ in trend(hours, 80.0).x_ticks] == [  # type: ignore[union-attr]
        "12-07 01:00", "12-07 02:00", "12-07 03:00", "12-07 04:00"]


def test_long_names_break_between_their_parts() -> None:
    assert str(breakable("apps/v1/Deployment/superset/superset-worker")) == (
        "apps/<wbr>v1/<wbr>Deployment/<wbr>superset/<wbr>superset-worker")
    assert str(breakable("<script>a.b</script>")) == (
        "&lt;script&gt;a.<wbr>b&lt;/<wbr>script&gt;")
    html, _ = page(example_report("kubernetes"))
    assert "superset/<wbr>superset-celerybeat" in html

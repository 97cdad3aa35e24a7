"""A small harness around Playwright's sync API driving Debian's Chromium.

Tests open a page with :meth:`Browser.visit` and get back everything the page did that a
self-contained report must not do: console errors and warnings, uncaught errors, dialogs,
and every request other than the page itself. Run as a script it takes screenshots:

    python tests/browser.py --docs docs
        the README's screenshots of the bundled examples (with a three-run history)
    python tests/browser.py --screenshot PAGE.html OUT.png --width 1280 [--height 2000]
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import chdir, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Browser as PlaywrightBrowser
    from playwright.sync_api import Page, Playwright

    from auditor.history import HistoryRun
    from auditor.model import Report

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
NO_BROWSER = "AUDITOR_TESTS_NO_BROWSER"
"""Set to 1 to skip the browser tests (a developer's opt-out; never set in CI)."""


def unavailable() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        return f"chromium not installed ({CHROMIUM}): apt-get install chromium (or run .ci/run)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright not installed: pip install -e '.[test]'"
    return None


@dataclass
class Visit:
    """One page load and what it did."""

    page: Page
    url: str
    console: list[str] = field(default_factory=list)
    """Console messages of type error or warning, as ``type: text``."""
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    """Every request the page made, its own URL included."""
    failed: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    @property
    def foreign(self) -> list[str]:
        """Requests for anything but the page itself: a self-contained page makes none."""
        return [url for url in self.requests if url != self.url]

    @property
    def trouble(self) -> list[str]:
        return ([f"console {m}" for m in self.console]
                + [f"page error: {e}" for e in self.page_errors]
                + [f"request: {u}" for u in self.foreign]
                + [f"failed request: {u}" for u in self.failed]
                + [f"dialog: {d}" for d in self.dialogs])

    def scroll_width(self) -> int:
        return int(self.page.evaluate("document.documentElement.scrollWidth"))

    def count(self, selector: str) -> int:
        return int(self.page.evaluate("s => document.querySelectorAll(s).length", selector))


class Browser:
    """Chromium launched once; each visit gets a fresh context (no shared cache or state)."""

    def __init__(self, executable: str = CHROMIUM) -> None:
        self.executable = executable
        self._playwright: Playwright | None = None
        self._browser: PlaywrightBrowser | None = None

    def __enter__(self) -> Browser:
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(
                executable_path=self.executable, args=ARGS)
        except Exception:
            self._playwright.stop()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._browser:
            self._browser.close()
        if self._playwright:
            self._playwright.stop()

    @contextmanager
    def visit(self, path: Path, width: int, height: int = 900,
              scale: float = 1) -> Iterator[Visit]:
        assert self._browser, "use Browser as a context manager"
        context = self._browser.new_context(viewport={"width": width, "height": height},
                                            device_scale_factor=scale, java_script_enabled=True)
        try:
            page = context.new_page()
            visit = Visit(page, path.resolve().as_uri())
            page.on("console", lambda m: visit.console.append(f"{m.type}: {m.text}")
                    if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: visit.page_errors.append(str(e)))
            page.on("request", lambda r: visit.requests.append(r.url))
            page.on("requestfailed", lambda r: visit.failed.append(r.url))

            def dialog(d: object) -> None:
                visit.dialogs.append(str(getattr(d, "message", d)))
                getattr(d, "dismiss")()  # noqa: B009 - a dialog left open blocks the page

            page.on("dialog", dialog)
            # Anything else the page asks for over the network is recorded by the listener
            # above and refused here, so a test never waits on a real fetch.
            context.route("**/*", lambda route: route.continue_()
                          if route.request.url == visit.url else route.abort())
            page.goto(visit.url, wait_until="load")
            yield visit
        finally:
            context.close()

    def screenshot(self, page_path: Path, out: Path, width: int, height: int) -> Visit:
        """The top ``height`` CSS pixels of the page at ``width``, as PNG."""
        with self.visit(page_path, width, height=height) as visit:
            visit.page.screenshot(path=str(out))
            return visit


def history(report: Report, runs: int, step: float = 6.0) -> tuple[HistoryRun, ...]:
    """``runs`` runs ending with ``report``, one day apart, each earlier run's targets
    ``step`` points further from today's score (alternating up and down per target)."""
    from auditor.history import run_from_data
    from auditor.reports.json_report import report_dict

    latest = report_dict(report)
    end = datetime.fromisoformat(report.started_at.replace("Z", "+00:00"))
    out = []
    for i in range(runs):
        back = runs - 1 - i
        data = copy.deepcopy(latest)
        data["started_at"] = (end - timedelta(days=back)).strftime("%Y-%m-%dT%H:%M:%SZ")
        for n, target in enumerate(data["targets"]):
            value = target["score"]["value"]
            if value is not None:
                sign = -1 if n % 2 == 0 else 1
                target["score"]["value"] = max(0.0, min(100.0, value + sign * step * back))
        out.append(run_from_data(data, f"history/run-{i}.json"))
    return tuple(out)


def docs(directory: Path) -> list[Path]:
    """Render the bundled examples with a three-run history and photograph the page."""
    from reportdata import EXAMPLES, REPO, render, session

    from auditor.api import scan

    # Relative targets, as the README's commands give them, keep this machine's paths
    # out of the pictures.
    with chdir(REPO):
        report = scan([f"examples/{name}" for name in EXAMPLES], session=session())
    page = directory / "report-examples.html"
    directory.mkdir(parents=True, exist_ok=True)
    page.write_text(render(report, "html", history=history(report, 3)), encoding="utf-8")
    shots = [(directory / "report-desktop.png", 1280, 1900),
             (directory / "report-phone.png", 390, 2600)]
    try:
        with Browser() as browser:
            for out, width, height in shots:
                visit = browser.screenshot(page, out, width, height)
                if visit.trouble:
                    raise SystemExit(f"{out}: " + "; ".join(visit.trouble))
    finally:
        page.unlink()
    return [out for out, *_ in shots]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=Path, metavar="DIR",
                        help="write report-desktop.png and report-phone.png of the examples")
    parser.add_argument("--screenshot", nargs=2, type=Path, metavar=("PAGE", "PNG"))
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=1900)
    args = parser.parse_args(argv)
    if reason := unavailable():
        print(f"browser: {reason}", file=sys.stderr)
        return 2
    if args.docs:
        for out in docs(args.docs):
            print(f"{out} ({os.path.getsize(out) // 1024} KiB)")
    elif args.screenshot:
        page, out = args.screenshot
        with Browser() as browser:
            visit = browser.screenshot(page, out, args.width, args.height)
        for line in visit.trouble:
            print(line, file=sys.stderr)
        return 1 if visit.trouble else 0
    else:
        parser.error("give --docs DIR or --screenshot PAGE PNG")
    return 0


if __name__ == "__main__":
    sys.exit(main())

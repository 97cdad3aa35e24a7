"""Where an object of a rendered chart was written: the template file helm's ``# Source:``
comment names, and its line there when that can be told for certain.

A line of ``helm template``'s output is no line of any file, so forges annotated the chart
directory itself. Each rendered document follows a ``# Source: <chart>/templates/x.yaml``
comment (``<chart>/charts/<subchart>/templates/...`` for subcharts, named by their
Chart.yaml, not by their folder), which maps it back to a file of the audited chart.

A line is given only when the template holds the document's first two rendered lines,
verbatim and once: a line worked out any other way could be false, and a false location is
worse than none. Otherwise the file alone is given (a template whose object comes from a
``define`` elsewhere, or is written twice alike). A source that is no file of the audited
chart (a subchart packed as .tgz) keeps the rendered label and line.
"""

from __future__ import annotations

import bisect
import dataclasses
import os
import re
import stat
from collections.abc import Iterable
from pathlib import Path

from auditor.checks.kubernetes.helm import chart_identity
from auditor.checks.kubernetes.objects import Item
from auditor.model import Location

SOURCE = re.compile(r"^# Source: (\S[^\r\n]*)$")
MAX_TEMPLATE_BYTES = 4 * 1024 * 1024
"""Templates are small; a larger "template" is not read for lines (its file is still named)."""


ACTION = re.compile(r"\{\{.*?\}\}")
SILENT = re.compile(r"^\{\{-?\s*(?:(?:if|else|end|range|with|define|break|continue)\b"
                    r"|/\*|\$\w*\s*:?=)")
"""Actions that write nothing: control flow, comments, variable assignments."""
INDENTED = re.compile(r"\|\s*n?indent\s+(\d+)\s*-?\}\}$")
"""An action whose output is indented (``| nindent 4``): every line it writes starts with
that many spaces at least."""


def could_write(template_line: str, rendered_line: str) -> bool:
    """Whether ``template_line`` could have written ``rendered_line``: the same text, or an
    action whose literal text before it agrees (``{{- include ... }}`` could write anything,
    ``{{- if ... }}`` writes nothing). Errs toward yes: a yes only takes a line away."""
    if template_line == rendered_line:
        return True
    if "{{" not in template_line:
        return False
    actions = ACTION.findall(template_line)
    if actions and not ACTION.sub("", template_line).strip():
        depth = len(rendered_line) - len(rendered_line.lstrip(" "))
        if all(SILENT.match(action) or _indent(action) > depth for action in actions):
            return False
    return rendered_line.lstrip().startswith(template_line.split("{{", 1)[0].strip())


def _indent(action: str) -> int:
    match = INDENTED.search(action)
    return int(match[1]) if match else 0


class ChartSources:
    """The ``# Source:`` comments of one rendering of the chart in ``chart_dir``."""

    def __init__(self, chart_dir: Path, rendered: str) -> None:
        self._dir = chart_dir
        self._real = os.path.realpath(chart_dir)
        self._lines = rendered.splitlines()
        self._marks: list[int] = []
        self._sources: list[str] = []
        for number, text in enumerate(self._lines, start=1):
            match = SOURCE.match(text)
            if match and (number == 1 or self._lines[number - 2] == "---"):
                self._marks.append(number)
                self._sources.append(match[1].strip())
        self._files: dict[str, str | None] = {}
        self._templates: dict[str, list[str] | None] = {}
        self._subcharts: dict[str, dict[str, str]] = {}

    def locate(self, location: Location | None) -> Location | None:
        """The template location of the rendered document at ``location``; ``location``
        itself when its source is no file of the chart."""
        if location is None or location.line is None:
            return location
        at = bisect.bisect_left(self._marks, location.line) - 1
        if at < 0:
            return location
        source = self._sources[at]
        if source not in self._files:
            self._files[source] = self._file_of(source)
        file = self._files[source]
        if file is None:
            return location
        return Location(file, self._template_line(file, location.line))

    # files ---------------------------------------------------------------------------------

    def _file_of(self, source: str) -> str | None:
        """``top/charts/sub/templates/x.yaml`` as a path from the chart's folder, if that is
        a regular file inside it."""
        parts = source.split("/")
        if len(parts) < 3 or any(p in ("", ".", "..") for p in parts):
            return None
        folder: list[str] = []
        rest = parts[1:]
        while len(rest) >= 3 and rest[0] == "charts":
            found = self._subchart_folder("/".join(folder), rest[1])
            if found is None:
                return None
            folder += ["charts", found]
            rest = rest[2:]
        relative = "/".join(folder + rest)
        return relative if self._regular_inside(relative) else None

    def _subchart_folder(self, parent: str, name: str) -> str | None:
        """The folder under ``parent/charts`` of the subchart helm calls ``name``."""
        if parent not in self._subcharts:
            self._subcharts[parent] = self._subchart_names(parent)
        return self._subcharts[parent].get(name)

    def _subchart_names(self, parent: str) -> dict[str, str]:
        charts = self._dir / parent / "charts"
        names: dict[str, str] = {}
        try:
            folders = sorted(entry.name for entry in os.scandir(charts) if entry.is_dir())
        except OSError:
            return names
        for folder in folders:
            chart_yaml = charts / folder / "Chart.yaml"
            if self._regular_inside(os.path.relpath(chart_yaml, self._dir)):
                name, _ = chart_identity(chart_yaml)
                names.setdefault(name, folder)
        return names

    def _regular_inside(self, relative: str) -> bool:
        real = os.path.realpath(self._dir / relative)
        if not real.startswith(self._real.rstrip(os.sep) + os.sep):
            return False  # a link out of the chart: not the chart's file
        try:
            return stat.S_ISREG(os.stat(real).st_mode)
        except OSError:
            return False

    # lines ---------------------------------------------------------------------------------

    def _template_line(self, file: str, rendered_line: int) -> int | None:
        """The template's line of the document starting at ``rendered_line``: where its
        first two lines stand verbatim, when no other template line could have written
        the first (an action such as ``{{ include ... }}`` can write anything); else None."""
        if rendered_line + 1 > len(self._lines):
            return None
        first, second = (self._lines[rendered_line - 1].rstrip(),
                         self._lines[rendered_line].rstrip())
        if not first or SOURCE.match(second) or second == "---":
            return None
        template = self._template(file)
        if template is None:
            return None
        exact = [n for n in range(len(template) - 1)
                 if template[n] == first and template[n + 1] == second]
        if len(exact) != 1:
            return None
        writers = [n for n, line in enumerate(template) if could_write(line, first)]
        return exact[0] + 1 if writers == exact else None

    def _template(self, file: str) -> list[str] | None:
        if file not in self._templates:
            self._templates[file] = self._read(file)
        return self._templates[file]

    def _read(self, file: str) -> list[str] | None:
        path = self._dir / file
        try:
            if path.stat().st_size > MAX_TEMPLATE_BYTES:
                return None
            text = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        return [line.rstrip() for line in text.splitlines()]


def relocate(items: Iterable[Item], chart_dir: Path, rendered: str) -> list[Item]:
    """``items`` read from ``rendered`` (helm's output for the chart in ``chart_dir``), each
    located in the template that wrote it where helm says which."""
    sources = ChartSources(chart_dir, rendered)
    placed: list[Item] = []
    for item in items:
        location = sources.locate(item.location)
        placed.append(item if location == item.location
                      else dataclasses.replace(item, location=location))
    return placed

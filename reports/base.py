"""The renderer contract: a typed report (and what surrounds it) in, text out."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO, cast

from auditor.model import Check, Report
from auditor.scoring import Thresholds

if TYPE_CHECKING:
    from auditor.compare import Comparison
    from auditor.history import HistoryRun


@dataclass(frozen=True)
class RenderOptions:
    width: int = 80
    """Columns for text formats."""
    color: bool = False
    verbose: bool = False
    debug: bool = False
    catalog: Mapping[str, Check] = field(default_factory=dict)
    """Every registered check by id: rule metadata (rationale, references) for SARIF and HTML."""
    comparison: Comparison | None = None
    """This run against ``--baseline``, for formats that show new and fixed findings."""
    history: tuple[HistoryRun, ...] = ()
    """Earlier runs from ``--history-dir``, oldest first, this run last; for trends."""
    thresholds: Thresholds = field(default_factory=Thresholds)
    """The ``ready`` thresholds in force, for formats that print the scoring formula."""
    job: str = "deploy_auditor"
    """Job label for metrics formats."""


Render = Callable[[Report, RenderOptions], str]
Write = Callable[[Report, RenderOptions, TextIO], None]


@dataclass(frozen=True)
class Renderer:
    name: str
    description: str
    render: Render
    extension: str = "txt"
    write: Write | None = None
    """Optional streaming form of ``render`` for files, for reports too large to hold twice."""


def lazy(spec: str) -> Render:
    """``module:function`` imported on first use, so that registering every format costs
    nothing and ``auditor --version`` never imports jinja2 or rich."""
    module_name, _, attribute = spec.partition(":")

    def render(report: Report, options: RenderOptions) -> str:
        function = getattr(importlib.import_module(module_name), attribute)
        return cast(Render, function)(report, options)

    render.__qualname__ = f"lazy({spec})"
    return render

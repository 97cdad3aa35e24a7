"""The renderer contract: a typed report in, text out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from auditor.model import Report


@dataclass(frozen=True)
class RenderOptions:
    width: int = 80
    """Columns for text formats."""
    color: bool = False
    verbose: bool = False
    debug: bool = False


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

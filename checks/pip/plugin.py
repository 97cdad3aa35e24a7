"""The pip style plugin: detection, fact collection and the check list."""

from __future__ import annotations

from auditor.checks.common.style import StylePlugin
from auditor.checks.pip import checks_list, collect
from auditor.model import Style

plugin = StylePlugin(Style.PIP, checks_list.CHECKS, collect.detect, collect.collect)

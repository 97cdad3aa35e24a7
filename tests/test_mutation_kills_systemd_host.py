"""Unit tests that kill mutants of the systemd host checks the condition cases leave alive.

Each test pins a rule of one helper with literal inputs and outputs (issue 13, item 3);
the per-condition cases in tests/conditions/systemd_host.py cover the verdicts.
"""

from __future__ import annotations

import pytest

from auditor.checks.systemd.hostconf import apt_reads
from auditor.checks.systemd.storage import bool_off


@pytest.mark.parametrize(("value", "off"), [
    ("off", True), ("of", True), ("OFF", True), ("0", True), ("f", True), ("false", True),
    ("n", True), ("no", True), (" off ", True),
    ("on", False), ("o", False), ("1", False), ("t", False), ("yes", False), ("", False),
    ("offf", False), ("nope", False), ("00", False), ("fa1se", False),
])
def test_bool_off_reads_postgresql_booleans(value: str, off: bool) -> None:
    assert bool_off(value) is off


@pytest.mark.parametrize(("name", "read"), [
    ("20auto-upgrades", True), ("50unattended-upgrades", True), ("99local.conf", True),
    ("a:b", True), ("x_y", True),
    ("20auto-upgrades.dpkg-old", False), ("20auto-upgrades.bak", False), (".hidden", False),
    ("trailing.", False), ("with space", False), ("tilde~", False), ("x.conf.bak", False),
    ("ünicode", False),
])
def test_apt_reads_only_what_apt_reads(name: str, read: bool) -> None:
    assert apt_reads(name) is read

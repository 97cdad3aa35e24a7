"""Direct tests of the host web tier's helpers, for what the per-condition host trees
(tests/conditions/systemd_web.py) cannot reach or cannot tell apart: ``ufw status
verbose`` (read live only), nginx's time units and listen spellings, address kinds.
Expected values are literals.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.checks.common.tree import Tree
from auditor.checks.systemd.facts import Ufw, UfwRule
from auditor.checks.systemd.network import kind
from auditor.checks.systemd.nginx import is_loopback, seconds
from auditor.checks.systemd.ufw import load_ufw, parse_rules, parse_status

STATUS = """\
Status: active
Logging: on (low)
Default: deny (incoming), allow (outgoing), disabled (routed)
New profiles: skip

To                         Action      From
--                         ------      ----
22/tcp                     ALLOW IN    Anywhere
8088                       LIMIT IN    10.0.1.0/24
Nginx Full                 ALLOW IN    Anywhere
5432/tcp (v6)              DENY IN     Anywhere (v6)
"""
FILES = Ufw(installed=True, enabled=False, enabled_at="/etc/ufw/ufw.conf:2",
            default_input="ACCEPT", default_input_at="/etc/default/ufw:3",
            rules=(UfwRule("allow", "tcp", "80", "any", False, "/etc/ufw/user.rules", 4),))


def test_status_verbose_rules_default_and_switch() -> None:
    ufw = parse_status(STATUS, FILES)
    assert ufw is not None
    assert (ufw.installed, ufw.enabled, ufw.enabled_at) == (True, True, "ufw status verbose")
    assert (ufw.default_input, ufw.default_input_at) == ("DROP", "ufw status verbose")
    assert ufw.source == "ufw status verbose"
    assert [(r.action, r.proto, r.ports, r.source, r.v6, r.line) for r in ufw.rules] == [
        ("allow", "tcp", "22", "any", False, 8),
        ("limit", "any", "8088", "10.0.1.0/24", False, 9),
        ("allow", "any", "?", "any", False, 10),
        ("deny", "tcp", "5432", "any", True, 11),
    ]
    assert {r.path for r in ufw.rules} == {"ufw status verbose"}


@pytest.mark.parametrize(("word", "policy"), [("deny", "DROP"), ("reject", "REJECT"),
                                              ("allow", "ACCEPT")])
def test_status_default_policy_words(word: str, policy: str) -> None:
    text = STATUS.replace("Default: deny (incoming)", f"Default: {word} (incoming)")
    ufw = parse_status(text, FILES)
    assert ufw is not None and ufw.default_input == policy


def test_status_inactive_keeps_the_files_rules_and_default_without_a_default_line() -> None:
    text = "Status: inactive\n"
    ufw = parse_status(text, FILES)
    assert ufw is not None
    assert ufw.enabled is False
    assert ufw.rules == FILES.rules
    assert (ufw.default_input, ufw.default_input_at) == ("ACCEPT", "/etc/default/ufw:3")


def test_status_not_understood() -> None:
    assert parse_status("ERROR: You need to be root to run this script\n", FILES) is None


RULES = """\
### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in
### tuple ### deny_log udp 53 0.0.0.0/0 any 10.0.0.0/8 in_eth0 comment=dns%20block
### tuple ### allow tcp 8088 0.0.0.0/0 any 0.0.0.0/0 out
### tuple ### route:allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in
### tuple ### allow tcp 443
-A ufw-user-input -p tcp --dport 22 -j ACCEPT
 ### tuple ### allow tcp 9000 0.0.0.0/0 any 0.0.0.0/0 in
### tuple ### limit tcp 80,443 10.0.1.11 any 0.0.0.0/0 Nginx%20Full - in
"""


def test_saved_rules_in_only_with_their_lines() -> None:
    rules = parse_rules(RULES, "/etc/ufw/user6.rules", True)
    assert [(r.action, r.proto, r.ports, r.destination, r.source, r.line) for r in rules] == [
        ("allow", "tcp", "22", "0.0.0.0/0", "0.0.0.0/0", 1),
        ("deny", "udp", "53", "0.0.0.0/0", "10.0.0.0/8", 2),
        ("limit", "tcp", "80,443", "10.0.1.11", "0.0.0.0/0", 8),
    ]
    assert {(r.v6, r.path) for r in rules} == {(True, "/etc/ufw/user6.rules")}


def _tree(tmp_path: Path, files: dict[str, str]) -> Tree:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return Tree.at(tmp_path)


def test_load_ufw_reads_assignments_after_comments_and_blank_lines(tmp_path: Path) -> None:
    tree = _tree(tmp_path, {
        "etc/ufw/ufw.conf": "# ENABLED=no\n\nnot an assignment\n ENABLED = 'Yes' \n",
        "etc/default/ufw": 'IPV6=yes\nDEFAULT_INPUT_POLICY="reject"\n',
        "etc/ufw/user.rules": "### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n",
    })
    problems: dict[str, str] = {}
    ufw = load_ufw(tree, problems)
    assert (ufw.installed, ufw.enabled, ufw.enabled_at) == (True, True, "/etc/ufw/ufw.conf:4")
    assert (ufw.default_input, ufw.default_input_at) == ("REJECT", "/etc/default/ufw:2")
    assert [(r.ports, r.v6, r.line) for r in ufw.rules] == [("22", False, 1)]
    assert problems == {}


def test_load_ufw_without_ufw(tmp_path: Path) -> None:
    assert load_ufw(_tree(tmp_path, {"etc/hostname": "web1\n"}), {}) == Ufw(installed=False)


def test_load_ufw_names_an_unreadable_file(tmp_path: Path) -> None:
    tree = _tree(tmp_path, {"etc/ufw/ufw.conf": "ENABLED=yes\n"})
    (tmp_path / "etc/ufw/user.rules").mkdir()
    (tmp_path / "etc/default").mkdir()
    (tmp_path / "etc/default/ufw").mkdir()
    problems: dict[str, str] = {}
    ufw = load_ufw(tree, problems)
    assert ufw.enabled is True and ufw.default_input is None and ufw.rules == ()
    assert sorted(problems) == ["file /etc/default/ufw", "file /etc/ufw/user.rules"]


@pytest.mark.parametrize(("value", "expected"), [
    ("60", 60.0), ("60s", 60.0), ("1500ms", 1.5), ("2m", 120.0), ("1h", 3600.0),
    ("1d", 86400.0), ("1w", 604800.0), ("1M", 2592000.0), ("1y", 31536000.0),
    ("1m30s", 90.0), ("1h 30m", 5400.0), (" 90 ", 90.0), ("2.5s", 2.5),
    ("", None), ("s", None), ("1x", None), ("-5s", None), ("1m30x", None),
])
def test_nginx_time_units(value: str, expected: float | None) -> None:
    assert seconds(value) == expected


@pytest.mark.parametrize(("address", "expected"), [
    ("127.0.0.1:8088", True), ("127.1.2.3:80", True), ("localhost:8088", True),
    ("[::1]:8088", True), ("unix:/run/superset.sock", True),
    ("10.0.1.11:8088", False), ("[fd00::1]:8088", False), ("superset:8088", False),
])
def test_loopback_backends(address: str, expected: bool) -> None:
    assert is_loopback(address) is expected


@pytest.mark.parametrize(("address", "expected"), [
    ("127.0.0.1", "loopback"), ("localhost", "loopback"), ("unix:/run/s.sock", "loopback"),
    ("::1", "loopback"), ("[::1]", "loopback"), ("", "all"), ("*", "all"),
    ("0.0.0.0", "all"), ("::", "all"), ("[::]", "all"), ("10.0.0.1", "private"),
    ("[fd00::1]", "private"), ("8.8.8.8", "public"), ("db.example.com", "public"),
])
def test_address_kinds(address: str, expected: str) -> None:
    assert kind(address) == expected

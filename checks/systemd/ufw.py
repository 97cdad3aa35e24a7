"""UFW: its switch, its default policy and the rules it saved (``### tuple ###`` lines)."""

from __future__ import annotations

import re

from auditor.checks.common.tree import Tree, TreeError
from auditor.checks.systemd.facts import Ufw, UfwRule

CONF = "/etc/ufw/ufw.conf"
DEFAULTS = "/etc/default/ufw"
RULE_FILES = (("/etc/ufw/user.rules", False), ("/etc/ufw/user6.rules", True))


def _assignments(tree: Tree, path: str, problems: dict[str, str]) -> dict[str, tuple[str, int]]:
    try:
        text = tree.read_text(path)
    except TreeError as exc:
        reason = exc.reason
        if reason != "not found":
            problems[f"file {path}"] = reason
        return {}
    found: dict[str, tuple[str, int]] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        found[key.strip()] = (value.strip().strip("\"'"), number)
    return found


def load_ufw(tree: Tree, problems: dict[str, str]) -> Ufw:
    if not (tree.is_dir("/etc/ufw") or tree.exists(DEFAULTS)):
        return Ufw(installed=False)
    conf = _assignments(tree, CONF, problems)
    defaults = _assignments(tree, DEFAULTS, problems)
    enabled = conf.get("ENABLED")
    policy = defaults.get("DEFAULT_INPUT_POLICY")
    rules: list[UfwRule] = []
    for path, v6 in RULE_FILES:
        try:
            text = tree.read_text(path)
        except TreeError as exc:
            reason = exc.reason
            if reason != "not found":
                problems[f"file {path}"] = reason
            continue
        rules.extend(parse_rules(text, path, v6))
    return Ufw(
        installed=True,
        enabled=None if enabled is None else enabled[0].lower() == "yes",
        enabled_at=f"{CONF}:{enabled[1]}" if enabled else None,
        default_input=policy[0].upper() if policy else None,
        default_input_at=f"{DEFAULTS}:{policy[1]}" if policy else None,
        rules=tuple(rules),
    )


def parse_rules(text: str, path: str, v6: bool) -> list[UfwRule]:
    rules = []
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.startswith("### tuple ###"):
            continue
        words = [w for w in raw[len("### tuple ###"):].split() if not w.startswith("comment=")]
        if len(words) < 7 or words[0].startswith("route:"):
            continue
        action = words[0].split("_", 1)[0]
        direction = words[-1].split("_", 1)[0]
        if direction != "in":
            continue
        rules.append(UfwRule(action=action, proto=words[1], ports=words[2], destination=words[3],
                             source=words[5], v6=v6, path=path, line=number))
    return rules


STATUS_RULE = re.compile(r"^(?P<to>.+?)\s{2,}(?P<action>ALLOW|DENY|REJECT|LIMIT)(?: IN)?\s{2,}"
                         r"(?P<src>.+)$")


def parse_status(text: str, files: Ufw) -> Ufw | None:
    """``ufw status verbose`` (root only); None when the output is not understood."""
    status = re.search(r"^Status: (\w+)", text, re.M)
    if not status:
        return None
    active = status.group(1) == "active"
    default = re.search(r"^Default: (\w+) \(incoming\)", text, re.M)
    rules = []
    for number, line in enumerate(text.splitlines(), 1):
        match = STATUS_RULE.match(line.strip())
        if not match or match.group("to").startswith("To"):
            continue
        to = match.group("to").strip()
        v6 = "(v6)" in to
        spec = to.replace("(v6)", "").strip().split()[0]
        ports, _, proto = spec.partition("/")
        src = match.group("src").strip()
        source = "any" if src.startswith("Anywhere") else src.split()[0]
        rules.append(UfwRule(action=match.group("action").lower(), proto=proto or "any",
                             ports=ports if ports[:1].isdigit() else "?", source=source,
                             v6=v6, path="ufw status verbose", line=number))
    return Ufw(
        installed=True,
        enabled=active,
        enabled_at="ufw status verbose",
        default_input=({"deny": "DROP", "reject": "REJECT", "allow": "ACCEPT"}
                       .get(default.group(1)) if default else files.default_input),
        default_input_at="ufw status verbose" if default else files.default_input_at,
        rules=tuple(rules) if active else files.rules,
        source="ufw status verbose",
    )

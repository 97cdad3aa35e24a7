"""A unit's exposure rated the way ``systemd-analyze security`` rates it, from its settings.

The weights and ranges are systemd's (src/analyze/analyze-security.c); so is
the arithmetic: each setting contributes ceil(badness x weight / range), and
the exposure is ceil(100 x sum / sum of weights), in tenths, 0.0 to 10.0.
Settings systemd reports as "not applicable" (RemoveIPC= for a root service)
are left out of both sums. The result matches ``systemd-analyze security
--offline=true`` to within a few tenths (tests compare the two).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from auditor.checks.systemd.facts import Unit

LEVELS = ((100, "DANGEROUS"), (90, "UNSAFE"), (75, "EXPOSED"), (50, "MEDIUM"), (10, "OK"),
          (1, "SAFE"), (0, "PERFECT"))
# systemd's parse_boolean: every spelling it reads as true (NoNewPrivileges=y is on).
TRUE = frozenset({"1", "yes", "y", "true", "t", "on"})
SYSCALL_GROUPS = ("@swap", "@obsolete", "@clock", "@cpu-emulation", "@debug", "@mount",
                  "@module", "@raw-io", "@reboot", "@privileged", "@resources")
# Assessed groups that another group pulls in (an allow list of @system-service still
# permits chown and ioprio_set).
SYSCALL_CONTAINS = {
    "@system-service": {"@privileged", "@resources"},
    "@privileged": {"@privileged", "@clock", "@module", "@raw-io", "@reboot", "@swap"},
}
IMPLIED_CAP_DROPS = {
    "PrivateDevices": ("CAP_MKNOD", "CAP_SYS_RAWIO"),
    "ProtectKernelModules": ("CAP_SYS_MODULE",),
    "ProtectClock": ("CAP_SYS_TIME", "CAP_WAKE_ALARM"),
    "ProtectKernelLogs": ("CAP_SYSLOG",),
}
NAMESPACES = ("user", "mnt", "ipc", "pid", "cgroup", "net", "uts")


@dataclass(frozen=True)
class Finding:
    setting: str
    badness: int
    weight: int
    range: int


@dataclass(frozen=True)
class Exposure:
    tenths: int
    findings: tuple[Finding, ...]

    @property
    def score(self) -> float:
        return self.tenths / 10

    @property
    def level(self) -> str:
        return next(name for floor, name in LEVELS if self.tenths >= floor)

    @property
    def missing(self) -> tuple[str, ...]:
        """Settings that add exposure, the heaviest first (as systemd sorts them)."""
        bad = sorted((f for f in self.findings if f.badness),
                     key=lambda f: -(f.badness * f.weight / f.range))
        names: list[str] = []
        for f in bad:
            name = f.setting.split("~", 1)[0] if "~" in f.setting else f.setting
            if name not in names:
                names.append(name)
        return tuple(names)


class _Settings:
    def __init__(self, unit: Unit) -> None:
        self.unit = unit
        self.dynamic = self.flag("DynamicUser")
        user = unit.value("Service", "User") or ""
        self.user = user
        # systemd's rule: root by name or number, or no User= without DynamicUser=.
        self.privileged = user in ("0", "root") or (user == "" and not self.dynamic)

    def value(self, key: str) -> str | None:
        return self.unit.value("Service", key)

    def words(self, key: str) -> list[list[str]]:
        return [a.value.split() for a in self.unit.all("Service", key)]

    def flag(self, key: str) -> bool:
        return (self.unit.value("Service", key) or "").lower() in TRUE


def _bool(key: str, implied_by_dynamic: bool = False) -> Callable[[_Settings], int | None]:
    def judge(s: _Settings) -> int:
        return 0 if s.flag(key) or (implied_by_dynamic and s.dynamic) else 1
    return judge


def _user(s: _Settings) -> int:
    if s.user == "nobody":
        return 9
    return 10 if s.privileged else 0


def _protect_home(s: _Settings) -> int:
    value = (s.value("ProtectHome") or "").lower()
    if value in TRUE:
        return 0
    if value == "tmpfs":
        return 1
    return 5 if value == "read-only" or s.dynamic else 10


def _protect_system(s: _Settings) -> int:
    value = (s.value("ProtectSystem") or "").lower()
    if value == "strict" or s.dynamic:
        return 0
    if value == "full":
        return 3
    return 5 if value in TRUE else 10


def _capabilities(s: _Settings) -> set[str] | None:
    """The bounding set, or None for "every capability"."""
    allowed: set[str] | None = None
    removed: set[str] = set()
    for words in s.words("CapabilityBoundingSet"):
        if not words:
            allowed, removed = set(), set()
        elif words[0].startswith("~"):
            removed.update(w.lstrip("~").upper() for w in words)
        else:
            allowed = (allowed or set()) | {w.upper() for w in words}
    for key, caps in IMPLIED_CAP_DROPS.items():
        if s.flag(key):
            removed.update(caps)
    if allowed is None:
        return None if not removed else {"*"} | {f"-{c}" for c in removed}
    return allowed - removed


def _cap(*caps: str) -> Callable[[_Settings], int]:
    def judge(s: _Settings) -> int:
        bounding = _capabilities(s)
        if bounding is None:
            return 1
        if "*" in bounding:
            return 0 if all(f"-{c}" in bounding for c in caps) else 1
        return 1 if any(c in bounding for c in caps) else 0
    return judge


def _families(s: _Settings) -> tuple[set[str] | None, bool]:
    """(families named, allow-list?) after every RestrictAddressFamilies= line."""
    named: set[str] | None = None
    allow = True
    for words in s.words("RestrictAddressFamilies"):
        if not words:
            named = None
            continue
        if words == ["none"]:
            named, allow = set(), True
            continue
        if words[0].startswith("~"):
            if named is None:
                named, allow = set(), False
            items = {w.lstrip("~") for w in words}
            named = named | items if not allow else named - items
        else:
            if named is None or not allow:
                named, allow = set(), True
            named |= set(words)
    return named, allow


def _family(*families: str) -> Callable[[_Settings], int]:
    def judge(s: _Settings) -> int:
        named, allow = _families(s)
        if named is None:
            return 1
        if "other" in families:
            known = {"AF_INET", "AF_INET6", "AF_UNIX", "AF_NETLINK", "AF_PACKET"}
            return 1 if (allow and named - known) or not allow else 0
        if allow:
            return 1 if any(f in named for f in families) else 0
        return 0 if all(f in named for f in families) else 1
    return judge


def _namespace(kind: str) -> Callable[[_Settings], int]:
    def judge(s: _Settings) -> int:
        allowed: set[str] = set(NAMESPACES)
        for words in s.words("RestrictNamespaces"):
            text = " ".join(words).lower()
            if text in TRUE:
                allowed = set()
            elif text in ("no", "false", "0", "off", ""):
                allowed = set(NAMESPACES)
            elif text.startswith("~"):
                allowed = set(NAMESPACES) - {w.lstrip("~") for w in words}
            else:
                allowed = set(words)
        return 1 if kind in allowed else 0
    return judge


def _syscalls(group: str) -> Callable[[_Settings], int]:
    def judge(s: _Settings) -> int:
        lines = s.words("SystemCallFilter")
        if not lines:
            return 10
        allow = not lines[0][0].startswith("~") if lines[0] else True
        covered: set[str] = set()
        for words in lines:
            negative = bool(words) and words[0].startswith("~")
            names = {w.lstrip("~") for w in words}
            groups = set().union(*(SYSCALL_CONTAINS.get(n, {n}) for n in names)) if names else set()
            if allow and not negative:
                covered |= groups
            elif allow:
                covered -= groups
            elif negative:
                covered |= groups
        if allow:
            return 9 if group in covered else 0
        return 0 if group in covered else 10
    return judge


def _architectures(s: _Settings) -> int:
    found = [w for words in s.words("SystemCallArchitectures") for w in words]
    if not found:
        return 10
    return 0 if "native" in found else 8


def _ip(s: _Settings) -> int:
    deny = " ".join(w for words in s.words("IPAddressDeny") for w in words)
    if "any" not in deny.split() and not ("0.0.0.0/0" in deny and "::/0" in deny):
        return 10
    allowed = [w for words in s.words("IPAddressAllow") for w in words]
    local = {"localhost", "link-local", "127.0.0.0/8", "::1/128", "::1", "127.0.0.1"}
    if any(a not in local for a in allowed):
        return 5
    return 2 if allowed else 0


def _devices(s: _Settings) -> int:
    policy = (s.value("DevicePolicy") or "").lower()
    if s.flag("PrivateDevices"):
        policy = policy or "closed"
    if policy not in ("strict", "closed"):
        return 10
    # ProtectClock= adds "DeviceAllow=char-rtc r" of its own.
    return 5 if s.words("DeviceAllow") or s.flag("ProtectClock") else 0


def _umask(s: _Settings) -> int:
    try:
        mask = int(s.value("UMask") or "0022", 8)
    except ValueError:
        mask = 0o022
    if not mask & 0o002:
        return 10
    if not mask & 0o004:
        return 5
    if not mask & 0o020:
        return 2
    return 1 if not mask & 0o040 else 0


def _unprivileged(judge: Callable[[_Settings], int]) -> Callable[[_Settings], int | None]:
    def inner(s: _Settings) -> int | None:
        return None if s.privileged else judge(s)
    return inner


Judge = Callable[[_Settings], "int | None"]
TABLE: tuple[tuple[str, int, int, Judge], ...] = (
    ("User=/DynamicUser=", 2000, 10, _user),
    ("SupplementaryGroups=", 200, 1,
     _unprivileged(lambda s: 1 if s.value("SupplementaryGroups") else 0)),
    ("PrivateDevices=", 1000, 1, _bool("PrivateDevices")),
    ("PrivateMounts=", 1000, 1, _bool("PrivateMounts")),
    ("PrivateNetwork=", 2500, 1, _bool("PrivateNetwork")),
    ("PrivateTmp=", 1000, 1, _bool("PrivateTmp", implied_by_dynamic=True)),
    ("PrivateUsers=", 1000, 1, _bool("PrivateUsers")),
    ("ProtectControlGroups=", 1000, 1, _bool("ProtectControlGroups")),
    ("ProtectKernelModules=", 1000, 1, _bool("ProtectKernelModules")),
    ("ProtectKernelTunables=", 1000, 1, _bool("ProtectKernelTunables")),
    ("ProtectKernelLogs=", 1000, 1, _bool("ProtectKernelLogs")),
    ("ProtectClock=", 1000, 1, _bool("ProtectClock")),
    ("ProtectHome=", 1000, 10, _protect_home),
    ("ProtectHostname=", 50, 1, _bool("ProtectHostname")),
    ("ProtectSystem=", 1000, 10, _protect_system),
    ("RootDirectory=/RootImage=", 200, 1,
     lambda s: 0 if (s.value("RootDirectory") or s.value("RootImage") or "/") != "/" else 1),
    ("LockPersonality=", 100, 1, _bool("LockPersonality")),
    ("MemoryDenyWriteExecute=", 100, 1, _bool("MemoryDenyWriteExecute")),
    ("NoNewPrivileges=", 1000, 1, _bool("NoNewPrivileges", implied_by_dynamic=True)),
    ("CapabilityBoundingSet=~CAP_SYS_ADMIN", 1500, 1, _cap("CAP_SYS_ADMIN")),
    ("CapabilityBoundingSet=~CAP_SET(UID|GID|PCAP)", 1500, 1,
     _cap("CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP")),
    ("CapabilityBoundingSet=~CAP_SYS_PTRACE", 1500, 1, _cap("CAP_SYS_PTRACE")),
    ("CapabilityBoundingSet=~CAP_SYS_TIME", 1000, 1, _cap("CAP_SYS_TIME")),
    ("CapabilityBoundingSet=~CAP_NET_ADMIN", 1000, 1, _cap("CAP_NET_ADMIN")),
    ("CapabilityBoundingSet=~CAP_SYS_RAWIO", 1000, 1, _cap("CAP_SYS_RAWIO")),
    ("CapabilityBoundingSet=~CAP_SYS_MODULE", 1000, 1, _cap("CAP_SYS_MODULE")),
    ("CapabilityBoundingSet=~CAP_AUDIT_*", 500, 1,
     _cap("CAP_AUDIT_CONTROL", "CAP_AUDIT_READ", "CAP_AUDIT_WRITE")),
    ("CapabilityBoundingSet=~CAP_SYSLOG", 500, 1, _cap("CAP_SYSLOG")),
    ("CapabilityBoundingSet=~CAP_SYS_(NICE|RESOURCE)", 500, 1,
     _cap("CAP_SYS_NICE", "CAP_SYS_RESOURCE")),
    ("CapabilityBoundingSet=~CAP_MKNOD", 500, 1, _cap("CAP_MKNOD")),
    ("CapabilityBoundingSet=~CAP_(CHOWN|FSETID|SETFCAP)", 1000, 1,
     _cap("CAP_CHOWN", "CAP_FSETID", "CAP_SETFCAP")),
    ("CapabilityBoundingSet=~CAP_(DAC_*|FOWNER|IPC_OWNER)", 1000, 1,
     _cap("CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_IPC_OWNER")),
    ("CapabilityBoundingSet=~CAP_KILL", 500, 1, _cap("CAP_KILL")),
    ("CapabilityBoundingSet=~CAP_NET_(BIND_SERVICE|BROADCAST|RAW)", 500, 1,
     _cap("CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_RAW")),
    ("CapabilityBoundingSet=~CAP_SYS_BOOT", 100, 1, _cap("CAP_SYS_BOOT")),
    ("CapabilityBoundingSet=~CAP_MAC_*", 100, 1, _cap("CAP_MAC_ADMIN", "CAP_MAC_OVERRIDE")),
    ("CapabilityBoundingSet=~CAP_LINUX_IMMUTABLE", 75, 1, _cap("CAP_LINUX_IMMUTABLE")),
    ("CapabilityBoundingSet=~CAP_IPC_LOCK", 50, 1, _cap("CAP_IPC_LOCK")),
    ("CapabilityBoundingSet=~CAP_SYS_CHROOT", 50, 1, _cap("CAP_SYS_CHROOT")),
    ("CapabilityBoundingSet=~CAP_BLOCK_SUSPEND", 25, 1, _cap("CAP_BLOCK_SUSPEND")),
    ("CapabilityBoundingSet=~CAP_WAKE_ALARM", 25, 1, _cap("CAP_WAKE_ALARM")),
    ("CapabilityBoundingSet=~CAP_LEASE", 25, 1, _cap("CAP_LEASE")),
    ("CapabilityBoundingSet=~CAP_SYS_TTY_CONFIG", 25, 1, _cap("CAP_SYS_TTY_CONFIG")),
    ("CapabilityBoundingSet=~CAP_SYS_PACCT", 25, 1, _cap("CAP_SYS_PACCT")),
    ("CapabilityBoundingSet=~CAP_BPF", 25, 1, _cap("CAP_BPF")),
    ("UMask=", 100, 10, _umask),
    ("KeyringMode=", 1000, 1,
     lambda s: 0 if (s.value("KeyringMode") or "private") == "private" else 1),
    ("ProtectProc=", 1000, 3,
     lambda s: {"noaccess": 1, "invisible": 0, "ptraceable": 0}.get(
         (s.value("ProtectProc") or "").lower(), 3)),
    ("ProcSubset=", 10, 1, lambda s: 0 if (s.value("ProcSubset") or "") == "pid" else 1),
    ("NotifyAccess=", 1000, 1, lambda s: 1 if s.value("NotifyAccess") == "all" else 0),
    ("RemoveIPC=", 100, 1,
     _unprivileged(lambda s: 0 if s.flag("RemoveIPC") or s.dynamic else 1)),
    ("Delegate=", 100, 1, lambda s: 1 if s.flag("Delegate") else 0),
    ("RestrictRealtime=", 500, 1, _bool("RestrictRealtime")),
    ("RestrictSUIDSGID=", 1000, 1, _bool("RestrictSUIDSGID", implied_by_dynamic=True)),
    ("RestrictNamespaces=~user", 1500, 1, _namespace("user")),
    ("RestrictNamespaces=~mnt", 500, 1, _namespace("mnt")),
    ("RestrictNamespaces=~ipc", 500, 1, _namespace("ipc")),
    ("RestrictNamespaces=~pid", 500, 1, _namespace("pid")),
    ("RestrictNamespaces=~cgroup", 500, 1, _namespace("cgroup")),
    ("RestrictNamespaces=~net", 500, 1, _namespace("net")),
    ("RestrictNamespaces=~uts", 100, 1, _namespace("uts")),
    ("RestrictAddressFamilies=~AF_(INET|INET6)", 1500, 1, _family("AF_INET", "AF_INET6")),
    ("RestrictAddressFamilies=~AF_UNIX", 25, 1, _family("AF_UNIX")),
    ("RestrictAddressFamilies=~AF_NETLINK", 200, 1, _family("AF_NETLINK")),
    ("RestrictAddressFamilies=~AF_PACKET", 1000, 1, _family("AF_PACKET")),
    ("RestrictAddressFamilies=~…", 1250, 1, _family("other")),
    ("SystemCallArchitectures=", 1000, 10, _architectures),
    *((f"SystemCallFilter=~{g}", w, 10, _syscalls(g)) for g, w in (
        ("@swap", 1000), ("@obsolete", 250), ("@clock", 1000), ("@cpu-emulation", 250),
        ("@debug", 1000), ("@mount", 1000), ("@module", 1000), ("@raw-io", 1000),
        ("@reboot", 1000), ("@privileged", 700), ("@resources", 700))),
    ("IPAddressDeny=", 1000, 10, _ip),
    ("DeviceAllow=", 1000, 10, _devices),
    ("AmbientCapabilities=", 500, 1,
     lambda s: 1 if (s.value("AmbientCapabilities") or "").strip() else 0),
)
# Only in the "normal" boot phase (DefaultDependencies=yes) are these assessed.
DEFAULT_DEPENDENCIES_ONLY = frozenset({"PrivateTmp=", "ProtectHome=", "ProtectSystem=",
                                       "RootDirectory=/RootImage="})


def exposure(unit: Unit) -> Exposure:
    settings = _Settings(unit)
    default_deps = (unit.value("Unit", "DefaultDependencies") or "yes").lower() in TRUE
    findings: list[Finding] = []
    badness_sum = 0
    weight_sum = 0
    for name, weight, span, judge in TABLE:
        if name in DEFAULT_DEPENDENCIES_ONLY and not default_deps:
            continue
        badness = judge(settings)
        if badness is None:
            continue
        badness_sum += math.ceil(badness * weight / span)
        weight_sum += weight
        findings.append(Finding(name, badness, weight, span))
    tenths = math.ceil(badness_sum * 100 / weight_sum) if weight_sum else 0
    return Exposure(min(tenths, 100), tuple(findings))


def describe(found: Iterable[str], limit: int = 6) -> str:
    items = list(found)
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")

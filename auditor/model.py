"""The vocabulary of DESIGN.md as frozen, typed data. No I/O here."""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


class Row(enum.StrEnum):
    """The comparison rows (contract: ids are stable)."""

    SCALABILITY = "scalability"
    AVAILABILITY = "availability"
    SUPERVISION = "supervision"
    MONITORING = "monitoring"
    LOGGING = "logging"
    ROLLBACK = "rollback"
    ISOLATION = "isolation"
    RESOURCES = "resources"
    LOAD_BALANCING = "load-balancing"
    PROXY_TLS = "proxy-tls"
    STORAGE = "storage"
    BACKUPS = "backups"
    NETWORK = "network"
    CONFIG_SECRETS = "config-secrets"
    GITOPS = "gitops"
    UPDATES = "updates"
    APP_SECURITY = "app-security"


ROW_QUESTIONS: Mapping[Row, str] = {
    Row.SCALABILITY: "can capacity be added without redesign or downtime?",
    Row.AVAILABILITY: "does it survive the loss of one process, pod or node?",
    Row.SUPERVISION: "is every process supervised and restarted on failure, with health checks?",
    Row.MONITORING: "are health and metrics exposed and collected?",
    Row.LOGGING: "are logs kept, bounded, rotated or shipped?",
    Row.ROLLBACK: "can a bad release be rolled back; are versions pinned?",
    Row.ISOLATION: "is the app isolated (venv, container, namespace, non-root, least privilege)?",
    Row.RESOURCES: "are CPU and memory bounded and sufficient?",
    Row.LOAD_BALANCING: "is traffic spread over more than one instance?",
    Row.PROXY_TLS: "is there a TLS-terminating proxy or ingress, configured safely?",
    Row.STORAGE: "does state live on durable storage (not sqlite, not ephemeral)?",
    Row.BACKUPS: "are backups scheduled, recent and off the host?",
    Row.NETWORK: "is exposure minimal (firewall, network policies, bound ports)?",
    Row.CONFIG_SECRETS: "are secrets strong, not defaults, not in plain config?",
    Row.GITOPS: "is the deployment declarative and versioned?",
    Row.UPDATES: "are OS and app patches applied automatically or tracked?",
    Row.APP_SECURITY: "is the application itself configured for production?",
}


class Style(enum.StrEnum):
    """How a target is deployed. ``any`` is only a catalog style, for app checks."""

    PIP = "pip"
    SYSTEMD = "systemd"
    COMPOSE = "compose"
    KUBERNETES = "kubernetes"
    ANY = "any"


class Severity(enum.StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def weight(self) -> int:
        return _WEIGHTS[self]

    @property
    def rank(self) -> int:
        """Higher is more severe; used by ``--fail-on``."""
        return _WEIGHTS_ORDER.index(self)


_WEIGHTS = {
    Severity.CRITICAL: 10,
    Severity.HIGH: 5,
    Severity.MEDIUM: 3,
    Severity.LOW: 1,
    Severity.INFO: 0,
}
_WEIGHTS_ORDER = [Severity.INFO, Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL]


class Status(enum.StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"
    ERROR = "error"
    WAIVED = "waived"

    @property
    def credit(self) -> float | None:
        """Scoring credit; None for statuses that are left out of the score."""
        return _CREDIT.get(self)


_CREDIT = {Status.PASS: 1.0, Status.WARN: 0.5, Status.FAIL: 0.0}


class TargetKind(enum.StrEnum):
    PATH = "path"
    STDIN = "stdin"
    HOST = "host"
    KUBE = "kube"


@dataclass(frozen=True)
class Target:
    """What is audited, as given on the command line."""

    label: str
    """The target as the user wrote it (``examples/pip-dev``, ``host``, ``-``)."""
    kind: TargetKind
    root: str | None = None
    """Filesystem root the target's files are read from (None for stdin and kube)."""
    host_tree: bool = False
    """True when ``root`` is laid out like ``/`` (``host`` or ``--root``)."""
    live: bool = False
    """True when live facts of the running machine may be gathered (``host``)."""
    context: str | None = None
    stdin_text: str | None = None


@dataclass(frozen=True)
class Detection:
    """One style plugin's answer to "is this target yours?"."""

    style: Style
    confidence: float
    evidence: tuple[str, ...] = ()
    app: str | None = None


@dataclass(frozen=True, slots=True)
class Location:
    path: str
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Result:
    """A check's verdict on one subject. ``message`` defaults to the check's own."""

    subject: str
    status: Status
    message: str = ""
    evidence: tuple[str, ...] = ()
    location: Location | None = None


class FactMissing(Exception):
    """Raised by :meth:`Facts.get` when a fact was not collected for this target."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(reason)
        self.name = name
        self.reason = reason


@dataclass(frozen=True)
class Facts:
    """Everything collected about one target for one style, gathered once.

    ``values`` maps fact names (``"pip.project"``, ``"host.live"``,
    ``"superset.config"``) to frozen objects; ``problems`` maps the name of a
    fact that could not be had to the reason.
    """

    style: Style
    values: Mapping[str, object] = field(default_factory=dict)
    problems: Mapping[str, str] = field(default_factory=dict)
    app: str | None = None
    waivers: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Waivers the audited objects carry themselves: subject -> check id -> reason
    (Kubernetes annotations ``auditor.io/waive.<CHECK-ID>``)."""

    def get(self, name: str, kind: type[T]) -> T:
        if name in self.problems:
            raise FactMissing(name, self.problems[name])
        value = self.values.get(name)
        if value is None:
            raise FactMissing(name, f"{name} was not collected for this target")
        if not isinstance(value, kind):
            raise TypeError(f"fact {name} is {type(value).__name__}, not {kind.__name__}")
        return value

    def optional(self, name: str, kind: type[T]) -> T | None:
        """The fact, or None when it was not collected (live facts offline)."""
        try:
            return self.get(name, kind)
        except FactMissing:
            return None


@dataclass(frozen=True)
class Enrichment:
    """Facts an app pack adds to what a style's collector gathered (live probes)."""

    values: Mapping[str, object] = field(default_factory=dict)
    problems: Mapping[str, str] = field(default_factory=dict)


Evaluate = Callable[[Facts], Iterable[Result]]


@dataclass(frozen=True)
class Check:
    """One question about one row for one style: data plus a pure function of facts."""

    id: str
    style: Style
    row: Row
    severity: Severity
    title: str
    rationale: str
    remediation: str
    evaluate: Evaluate = field(compare=False, repr=False)
    success: str = ""
    """Default message for a passing subject."""
    failure: str = ""
    """Default message for a failing subject."""
    references: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    """Facts the check needs; if one could not be had the check is skipped with the reason."""
    app: str | None = None
    """For app checks (style ``any``): the app they apply to."""
    plugin: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "style": self.style.value,
            "row": self.row.value,
            "severity": self.severity.value,
            "title": self.title,
            "rationale": self.rationale,
            "remediation": self.remediation,
            "success": self.success,
            "failure": self.failure,
            "references": list(self.references),
            "requires": list(self.requires),
            "app": self.app,
            "plugin": self.plugin,
        }


@dataclass(frozen=True)
class AppProfile:
    """An application pack (``superset`` is built in)."""

    name: str
    description: str
    markers: tuple[str, ...] = ()
    """Words in images, commands or package names that reveal the app."""


@dataclass(frozen=True)
class WaiverRef:
    reason: str
    expires: str | None
    source: str


@dataclass(frozen=True, slots=True)
class Finding:
    check_id: str
    row: Row
    style: Style
    severity: Severity
    status: Status
    title: str
    message: str
    subject: str
    remediation: str
    location: Location | None = None
    evidence: tuple[str, ...] = ()
    waiver: WaiverRef | None = None

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.check_id, self.style, self.subject)


def fingerprint(check_id: str, style: str, subject: str) -> str:
    """Stable identity of a finding: never of line numbers or messages."""
    return hashlib.sha256(f"{check_id}\0{style}\0{subject}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class RowScore:
    value: float | None
    evaluated: int
    failed: int


@dataclass(frozen=True)
class Score:
    value: float | None
    grade: str | None
    ready: bool
    coverage: float | None
    rows: Mapping[Row, RowScore] = field(default_factory=dict)
    ready_reasons: tuple[str, ...] = ()
    """Each READY criterion that failed, and the grade cap when it applied (DESIGN,
    scoring 6); empty when ready and uncapped."""


@dataclass(frozen=True)
class WaiverOutcome:
    check: str
    subject: str
    reason: str
    expires: str | None
    state: str
    """``active`` (matched a finding), ``unused`` (matched nothing), ``expired``."""
    matched: int
    source: str


@dataclass(frozen=True)
class TargetReport:
    target: str
    style: Style
    app: str | None
    detection: Detection
    score: Score
    findings: tuple[Finding, ...]
    problems: tuple[str, ...]


@dataclass(frozen=True)
class Report:
    tool_version: str
    started_at: str
    duration_s: float
    score: Score
    targets: tuple[TargetReport, ...]
    waivers: tuple[WaiverOutcome, ...] = ()
    problems: tuple[str, ...] = ()
    """Run-wide problems: plugins that failed to load, targets that yielded nothing."""

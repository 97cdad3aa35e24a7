"""isolation: not root; no privileged mode, host namespaces or Docker socket."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.compose.common import each_project, flag, result
from auditor.checks.compose.facts import Service
from auditor.checks.compose.roles import image_user, is_root_user, user_name
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style

DANGEROUS_CAPS = frozenset({"ALL", "SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYS_MODULE",
                            "DAC_READ_SEARCH"})


def _user(service: Service) -> tuple[Status, str, str]:
    user = service.spec.get("user")
    if user is not None and str(user).strip():
        text = str(user)
        if not user_name(text):
            return (Status.WARN, f"user: {text} has no user name (an unset variable?): the "
                    "image's USER decides", f"user: {text}")
        if is_root_user(text):
            return Status.FAIL, f"runs as root (user: {text})", f"user: {text}"
        return Status.PASS, f"runs as {text}", f"user: {text}"
    built = service.built
    if built is not None and built.user is not None:
        who = built.user.value.strip()
        if not user_name(who) or "$" in who:
            return (Status.WARN, f"USER {who} in its Dockerfile depends on a build argument "
                    "that is not known", built.where(built.user))
        if is_root_user(who):
            return (Status.FAIL, f"the Dockerfile's last USER is {who}", built.where(built.user))
        return (Status.PASS, f"runs as {who} (USER in its Dockerfile)", built.where(built.user))
    if built is not None:
        known = image_user(built.base or "")
        if known is None:
            return (Status.WARN, f"no USER in {built.path} stage {built.stage} or the stages "
                    f"it is FROM; {built.base_unknown or 'no base image named'}, so who it "
                    "runs as is not known", f"{built.path}: no USER; FROM {built.base}")
        return (Status.FAIL if known.root else Status.PASS, known.why,
                f"{built.path}: no USER; FROM {built.base}")
    image = service.image or next(iter(service.build_from), "")
    known = image_user(image)
    if known is None:
        return (Status.WARN, "no user: set; the image's own USER decides, which cannot be "
                "known without pulling it", f"image: {image or 'built locally'}")
    if known.root:
        return Status.FAIL, known.why, f"image: {image}, no user:"
    return Status.PASS, known.why, f"image: {image}, no user:"


def _not_root(facts: Facts) -> Iterator[Result]:
    for project in each_project(facts):
        for service in project.services:
            status, message, evidence = _user(service)
            yield result(project, service, status, message, (evidence,), "user")


def _escapes(service: Service) -> list[str]:
    spec = service.spec
    found = []
    if flag(spec.get("privileged")):
        found.append(f"privileged: {str(spec['privileged']).lower()}")
    for key in ("network_mode", "pid", "ipc", "userns_mode", "uts"):
        if str(spec.get(key) or "") == "host":
            found.append(f"{key}: host")
    caps = spec.get("cap_add")
    for cap in caps if isinstance(caps, list) else []:
        name = str(cap).upper().removeprefix("CAP_")
        if name in DANGEROUS_CAPS:
            found.append(f"cap_add: {name}")
    options = spec.get("security_opt")
    for option in options if isinstance(options, list) else []:
        if "unconfined" in str(option):
            found.append(f"security_opt: {option}")
    for mount in service.mounts:
        if "docker.sock" in mount.source:
            found.append(f"mounts the Docker socket ({mount.source}): root on the host")
    return found


def _confined(facts: Facts) -> Iterator[Result]:
    for project in each_project(facts):
        for service in project.services:
            found = _escapes(service)
            if found:
                yield result(project, service, Status.FAIL,
                             "can reach the host beyond its container: " + found[0], found)
            else:
                yield result(project, service, Status.PASS,
                             "no privileged mode, host namespace or Docker socket")


CHECKS = (
    Check(
        id="COMPOSE-ISOLATION-001",
        style=Style.COMPOSE,
        row=Row.ISOLATION,
        severity=Severity.HIGH,
        title="Containers do not run as root",
        rationale=(
            "Superset's compose files set user: root; a code-execution bug (a template, a "
            "pickle, a driver) then runs as root inside the container, one kernel bug away "
            "from the host. The apache/superset image itself runs as user superset."
        ),
        remediation=(
            "Remove user: root (the apache/superset image runs as superset), or set a "
            "non-root user: \"1000:1000\"; fix file ownership of mounted directories instead "
            "of running as root."
        ),
        success="a non-root user",
        failure="root",
        references=("https://docs.docker.com/reference/compose-file/services/#user",
                    "https://docs.docker.com/engine/security/#linux-kernel-capabilities"),
        requires=("compose",),
        evaluate=_not_root,
    ),
    Check(
        id="COMPOSE-ISOLATION-002",
        style=Style.COMPOSE,
        row=Row.ISOLATION,
        severity=Severity.HIGH,
        title="No privileged mode, host namespaces or Docker socket",
        rationale=(
            "privileged: true, network_mode/pid: host, broad capabilities or a mounted "
            "/var/run/docker.sock give the container control of the host: isolation is gone."
        ),
        remediation=(
            "Remove privileged, host namespaces and added capabilities; do not mount the "
            "Docker socket (use a socket proxy with a read-only API if a tool needs it)."
        ),
        success="confined to its container",
        failure="privileged, host namespace, capability or Docker socket",
        references=("https://docs.docker.com/engine/security/#docker-daemon-attack-surface",),
        requires=("compose",),
        evaluate=_confined,
    ),
)

"""isolation: non-root, least privilege, no host access, own namespace and token."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from auditor.checks.kubernetes.common import kube, result
from auditor.checks.kubernetes.facts import Container, KubeFacts, Workload
from auditor.checks.kubernetes.objects import as_list, as_map
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style


def _effective(workload: Workload, container: Container, key: str) -> Any:
    if key in container.security:
        return container.security.get(key)
    return as_map(workload.pod_spec.get("securityContext")).get(key)


def _non_root(facts: Facts) -> Iterator[Result]:
    for workload in kube(facts).workloads:
        problems = []
        for container in workload.containers:
            user = _effective(workload, container, "runAsUser")
            non_root = _effective(workload, container, "runAsNonRoot")
            if user == 0:
                problems.append(f"{container.name}: runAsUser 0")
            elif non_root is not True and not (isinstance(user, int) and user > 0):
                problems.append(f"{container.name}: may run as root (no runAsNonRoot)")
        if problems:
            yield result(workload, Status.FAIL, "; ".join(problems), problems)
        else:
            yield result(workload, Status.PASS, "every container runs as non-root")


def _privileges(facts: Facts) -> Iterator[Result]:
    for workload in kube(facts).workloads:
        problems = []
        for container in workload.containers:
            security: Mapping[str, Any] = container.security
            if security.get("privileged") is True:
                problems.append(f"{container.name}: privileged")
            if security.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{container.name}: allowPrivilegeEscalation not false")
            capabilities = as_map(security.get("capabilities"))
            dropped = [str(c).upper() for c in as_list(capabilities.get("drop"))]
            if "ALL" not in dropped:
                problems.append(f"{container.name}: capabilities not dropped (drop: [ALL])")
            # The runtime drops first and adds after: drop [ALL] with add [SYS_ADMIN] keeps
            # SYS_ADMIN. The restricted Pod Security Standard allows NET_BIND_SERVICE only.
            added = [str(c) for c in as_list(capabilities.get("add"))
                     if str(c).upper().removeprefix("CAP_") != "NET_BIND_SERVICE"]
            if added:
                problems.append(f"{container.name}: capabilities added: {', '.join(added)}")
        if problems:
            yield result(workload, Status.FAIL, "; ".join(problems[:3]), problems)
        else:
            yield result(workload, Status.PASS, "no privilege escalation, all capabilities dropped")


def _hardening(facts: Facts) -> Iterator[Result]:
    for workload in kube(facts).workloads:
        problems = []
        for container in workload.containers:
            if container.security.get("readOnlyRootFilesystem") is not True:
                problems.append(f"{container.name}: writable root filesystem")
            seccomp = as_map(_effective(workload, container, "seccompProfile")).get("type")
            if seccomp not in ("RuntimeDefault", "Localhost"):
                problems.append(f"{container.name}: no seccomp profile")
        if problems:
            yield result(workload, Status.FAIL, "; ".join(problems[:3]), problems)
        else:
            yield result(workload, Status.PASS, "read-only root filesystem and seccomp")


def _host(facts: Facts) -> Iterator[Result]:
    for workload in kube(facts).workloads:
        spec = workload.pod_spec
        problems = [f"{key}: true" for key in ("hostNetwork", "hostPID", "hostIPC")
                    if spec.get(key) is True]
        problems += [f"hostPath volume {as_map(v).get('name')}"
                     for v in as_list(spec.get("volumes")) if as_map(v).get("hostPath")]
        problems += [f"{c.name}: hostPort {p.get('hostPort')}" for c in workload.containers
                     for p in as_list(c.spec.get("ports"))
                     if isinstance(p, Mapping) and p.get("hostPort")]
        if problems:
            yield result(workload, Status.FAIL, "shares the node: " + ", ".join(problems),
                         problems)
        else:
            yield result(workload, Status.PASS, "no host namespaces, ports or paths")


def _namespace_and_token(facts: Facts) -> Iterator[Result]:
    k = kube(facts)
    for workload in k.workloads:
        problems = []
        # Manifests without a namespace are usually applied with -n, and a chart gets its
        # namespace at install time: only an explicit (or live) default is reported, never
        # the ``default`` an absent namespace is related in (``Item.namespace``).
        if workload.item.declared_namespace == "default" and k.source != "chart":
            problems.append("in namespace default")
        automount = workload.pod_spec.get("automountServiceAccountToken")
        # serviceAccount is the deprecated spelling Kubernetes still honours; an account
        # named "default" is the namespace's default one, as if none were named.
        account = workload.pod_spec.get("serviceAccountName") or \
            workload.pod_spec.get("serviceAccount")
        if automount is None:
            automount = _account_automount(k, workload.item.namespace, "default")
        if automount is not False and account in (None, "", "default"):
            problems.append("default service account token mounted")
        if problems:
            yield result(workload, Status.FAIL, "; ".join(problems), problems)
        elif account not in (None, "", "default") and _mounts(k, workload, str(account)):
            # A dedicated account is what the check asks for, but "token not mounted" was
            # said of pods whose input mounts one (a chart's account with automount: true).
            yield result(workload, Status.PASS, f"own namespace; the token mounted is "
                         f"service account {account}'s, not the default one's",
                         (f"serviceAccountName {account}",))
        else:
            yield result(workload, Status.PASS, "own namespace; token not mounted needlessly")


def _mounts(k: KubeFacts, workload: Workload, account: str) -> bool:
    """Whether the input says the pods get a token: the pod's own setting, else the named
    account's (only an explicit true counts; an account not audited says nothing)."""
    automount = workload.pod_spec.get("automountServiceAccountToken")
    if automount is None:
        automount = _account_automount(k, workload.item.namespace, account)
    return automount is True


def _account_automount(k: KubeFacts, namespace: str, name: str) -> object:
    """The ServiceAccount's own automountServiceAccountToken (a pod that sets none inherits
    it: a default account patched to false mounts no token), None when not audited."""
    account = k.relations.named("ServiceAccount", namespace, name)
    return account.obj.get("automountServiceAccountToken") if account is not None else None


def _check(id_: str, severity: Severity, title: str, rationale: str, remediation: str,
           success: str, failure: str, evaluate: Any) -> Check:
    return Check(id=id_, style=Style.KUBERNETES, row=Row.ISOLATION, severity=severity,
                 title=title, rationale=rationale, remediation=remediation, success=success,
                 failure=failure, requires=("kubernetes",), evaluate=evaluate,
                 references=("https://kubernetes.io/docs/concepts/security/"
                             "pod-security-standards/",))


CHECKS = (
    _check("K8S-ISOLATION-001", Severity.HIGH, "Containers run as non-root",
           "Superset's chart defaults to runAsUser 0: a code-execution flaw (template "
           "processing, a dependency) then runs as root in the container.",
           "Set securityContext.runAsNonRoot: true and runAsUser: 1000 (pod or container).",
           "non-root everywhere", "root or possibly root", _non_root),
    _check("K8S-ISOLATION-002", Severity.HIGH, "No privilege escalation, capabilities dropped",
           "Privileged containers, setuid escalation and Linux capabilities widen what an "
           "attacker inside a pod can do to the node.",
           "Set allowPrivilegeEscalation: false, privileged: false and capabilities.drop: [ALL].",
           "least privilege", "escalation or capabilities allowed", _privileges),
    _check("K8S-ISOLATION-003", Severity.MEDIUM, "Read-only root filesystem and seccomp profile",
           "A writable root filesystem lets an intruder drop tools; seccomp RuntimeDefault "
           "blocks rarely needed, often exploited system calls.",
           "Set readOnlyRootFilesystem: true (mount emptyDir for /tmp) and "
           "seccompProfile.type: RuntimeDefault.",
           "hardened containers", "writable root or no seccomp", _hardening),
    _check("K8S-ISOLATION-004", Severity.HIGH, "No host namespaces, host ports or hostPath",
           "Host networking, PID or IPC namespaces and hostPath volumes break the isolation "
           "between the pod and the node.",
           "Remove hostNetwork/hostPID/hostIPC, hostPort and hostPath; use Services and PVCs.",
           "isolated from the node", "shares the node", _host),
    _check("K8S-ISOLATION-005", Severity.LOW, "Own namespace, service-account token not "
           "mounted needlessly",
           "The default namespace mixes unrelated workloads under the same policies; an "
           "automatically mounted token gives every pod API credentials it rarely needs.",
           "Deploy into a dedicated namespace and set automountServiceAccountToken: false "
           "(or a dedicated service account).",
           "own namespace and no needless token", "default namespace or default token",
           _namespace_and_token),
)

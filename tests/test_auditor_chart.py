"""The chart that runs the auditor as a CronJob (charts/deploy-auditor), rendered by the real helm.

What it grants is derived from what the live lister reads (checks/kubernetes/live.py), so the
two cannot drift apart; what it renders must pass the auditor's own Kubernetes checks.
"""

from __future__ import annotations

import json
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import scan_report
from helmbin import require_helm
from jsonschema import Draft7Validator
from kubeapi import FakeKubeAPI, Resource

from auditor.checks.kubernetes import live
from auditor.cli import build_parser
from auditor.config import load_config
from auditor.model import Severity

CHART = Path(__file__).resolve().parent.parent / "charts" / "deploy-auditor"
RELEASE, NAMESPACE = "audit", "auditor"
NAME = f"{RELEASE}-deploy-auditor"
READ_VERBS = {"get", "list", "watch"}
DIGEST = "sha256:" + "0123456789abcdef" * 4
Doc = dict[str, Any]


@pytest.fixture(scope="module")
def helm() -> str:
    return require_helm()


def helm_template(helm: str, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [helm, "template", RELEASE, str(CHART), "--namespace", NAMESPACE, *options],
        capture_output=True, text=True, timeout=120, check=False,
    )


def render(helm: str, *options: str) -> list[Doc]:
    done = helm_template(helm, *options)
    assert done.returncode == 0, done.stderr
    return [d for d in yaml.safe_load_all(done.stdout) if isinstance(d, dict)]


def render_error(helm: str, *options: str) -> str:
    done = helm_template(helm, *options)
    assert done.returncode != 0, f"rendered although it should not: {options}"
    return done.stderr


def sets(**values: str) -> list[str]:
    return [arg for key, value in values.items()
            for arg in ("--set", f"{key.replace('__', '.')}={value}")]


def of_kind(docs: list[Doc], kind: str) -> list[Doc]:
    return [d for d in docs if d.get("kind") == kind]


def one(docs: list[Doc], kind: str) -> Doc:
    found = of_kind(docs, kind)
    assert len(found) == 1, f"expected one {kind}, got {len(found)}"
    return found[0]


def pod_spec(docs: list[Doc]) -> Doc:
    spec: Doc = one(docs, "CronJob")["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return spec


def container(docs: list[Doc]) -> Doc:
    containers = pod_spec(docs)["containers"]
    assert len(containers) == 1
    return dict(containers[0])


def args(docs: list[Doc]) -> list[str]:
    return [str(a) for a in container(docs)["args"]]


def flag_values(argv: list[str], flag: str) -> list[str]:
    return [argv[i + 1] for i, a in enumerate(argv[:-1]) if a == flag]


def granted(rules: list[Doc]) -> set[tuple[str, str]]:
    return {(group, resource) for rule in rules for group in rule["apiGroups"]
            for resource in rule["resources"]}


def listed_by_auditor(*kinds: live.Kind) -> set[tuple[str, str]]:
    """(API group, resource) of the kinds the live lister requests."""
    return {(k.group_version.rsplit("/", 1)[0] if "/" in k.group_version else "", k.plural)
            for k in kinds}


# --- lint and schema ---------------------------------------------------------------------


def test_helm_lint_is_clean(helm: str) -> None:
    done = subprocess.run([helm, "lint", "--strict", str(CHART)], capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    notes = [line for line in done.stdout.splitlines() if line.startswith("[")]
    # The only remark: no icon (there is no URL to point it at that lint could check).
    assert notes == ["[INFO] Chart.yaml: icon is recommended"], done.stdout


def test_values_file_matches_its_schema() -> None:
    schema = json.loads((CHART / "values.schema.json").read_text())
    Draft7Validator.check_schema(schema)
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    errors = [e.message for e in Draft7Validator(schema).iter_errors(values)]
    assert not errors


@pytest.mark.parametrize(("setting", "why"), [
    ("schedul=0 3 * * *", "schedul"),                   # a typo at the top
    ("reports.persistance.enabled=false", "persistance"),  # a typo below
    ("image.digest=latest", "digest"),
    ("failOn=severe", "failOn"),
    ("failOnRegression=major", "failOnRegression"),
    ("backoffLimit=10", "backoffLimit"),
    ("securityContext.allowPrivilegeEscalation=true", "allowPrivilegeEscalation"),
    ("podSecurityContext.runAsUser=0", "runAsUser"),
    ("reports.formats={pdf}", "formats"),
    ("config.waivers[0].check=K8S-NETWORK-001", "reason"),  # a waiver must say why
])
def test_schema_rejects_typos_and_unsafe_values(helm: str, setting: str, why: str) -> None:
    error = render_error(helm, "--set", setting)
    assert "schema" in error and why in error, error


# --- RBAC ----------------------------------------------------------------------------------


def rbac(docs: list[Doc]) -> list[Doc]:
    return [d for d in docs if d["apiVersion"].startswith("rbac.authorization.k8s.io/")]


def assert_read_only(docs: list[Doc]) -> None:
    for role in of_kind(docs, "ClusterRole") + of_kind(docs, "Role"):
        for rule in role["rules"]:
            assert set(rule["verbs"]) <= READ_VERBS, role["metadata"]["name"]
            assert "*" not in rule["apiGroups"] + rule["resources"] + rule["verbs"]
            assert not rule.get("resourceNames") and not rule.get("nonResourceURLs")


def test_cluster_role_grants_exactly_what_the_lister_reads(helm: str) -> None:
    docs = render(helm)
    assert_read_only(docs)
    role = one(docs, "ClusterRole")
    assert granted(role["rules"]) == listed_by_auditor(*live.KINDS)
    assert all(set(rule["verbs"]) == READ_VERBS for rule in role["rules"])
    assert ("", "secrets") not in granted(role["rules"])
    assert not of_kind(docs, "Role") and not of_kind(docs, "RoleBinding")
    binding = one(docs, "ClusterRoleBinding")
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io",
                                  "kind": "ClusterRole", "name": NAME}
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": NAME,
                                    "namespace": NAMESPACE}]
    assert "--read-secrets" not in args(docs)


def test_helm_release_records_are_an_explicit_choice(helm: str) -> None:
    values = (CHART / "values.yaml").read_text()
    assert "metadata-only list still needs the `list` verb on secrets" in values
    docs = render(helm, *sets(helmReleases__enabled="true"))
    assert_read_only(docs)
    rules = one(docs, "ClusterRole")["rules"]
    assert granted(rules) == listed_by_auditor(*live.KINDS, live.HELM_RELEASES)
    assert live.HELM_RELEASES.metadata_only  # the lister still reads them as metadata only


def test_namespaced_audit_gets_a_role_not_a_cluster_role(helm: str) -> None:
    docs = render(helm, *sets(scan__namespace="analytics"))
    assert not of_kind(docs, "ClusterRole") and not of_kind(docs, "ClusterRoleBinding")
    role, binding = one(docs, "Role"), one(docs, "RoleBinding")
    assert role["metadata"]["namespace"] == binding["metadata"]["namespace"] == "analytics"
    assert granted(role["rules"]) == listed_by_auditor(*live.KINDS)
    assert binding["roleRef"]["kind"] == "Role"
    assert binding["subjects"][0]["namespace"] == NAMESPACE
    assert flag_values(args(docs), "--namespace") == ["analytics"]


def test_secrets_only_through_a_role_in_the_audited_namespace(helm: str) -> None:
    docs = render(helm, *sets(scan__namespace="analytics", readSecrets__enabled="true"))
    assert_read_only(docs)
    assert not of_kind(docs, "ClusterRole")
    secret_roles = [r for r in of_kind(docs, "Role") if ("", "secrets") in granted(r["rules"])]
    assert len(secret_roles) == 1
    assert secret_roles[0]["metadata"]["namespace"] == "analytics"
    assert granted(secret_roles[0]["rules"]) == {("", "secrets")}
    bindings = [b for b in of_kind(docs, "RoleBinding")
                if b["roleRef"]["name"] == secret_roles[0]["metadata"]["name"]]
    assert len(bindings) == 1 and bindings[0]["metadata"]["namespace"] == "analytics"
    assert "--read-secrets" in args(docs)
    assert flag_values(args(docs), "--secrets-namespace") == ["analytics"]
    # The same with the namespace spelled out.
    spelled = render(helm, *sets(scan__namespace="analytics", readSecrets__enabled="true"),
                     "--set", "readSecrets.namespaces={analytics}")
    assert rbac(spelled) == rbac(docs)


def test_cluster_wide_audit_reads_secrets_only_in_the_named_namespaces(helm: str) -> None:
    docs = render(helm, *sets(readSecrets__enabled="true"),
                  "--set", "readSecrets.namespaces={analytics,billing}")
    assert_read_only(docs)
    cluster_role = one(docs, "ClusterRole")
    assert ("", "secrets") not in granted(cluster_role["rules"])
    secret_roles = [r for r in of_kind(docs, "Role") if ("", "secrets") in granted(r["rules"])]
    assert sorted(r["metadata"]["namespace"] for r in secret_roles) == ["analytics", "billing"]
    assert flag_values(args(docs), "--secrets-namespace") == ["analytics", "billing"]
    assert "--namespace" not in args(docs)


POLICY_RULE = {"apiGroups": ["wgpolicyk8s.io"],
               "resources": ["policyreports", "clusterpolicyreports"],
               "verbs": ["create", "update", "patch"]}


def writes(docs: list[Doc]) -> list[Doc]:
    """Every rule of every role that grants a verb beyond get, list and watch."""
    return [rule for role in of_kind(docs, "ClusterRole") + of_kind(docs, "Role")
            for rule in role["rules"] if not set(rule["verbs"]) <= READ_VERBS]


def test_policy_reports_are_off_by_default_and_grant_nothing(helm: str) -> None:
    for options in ([], sets(scan__namespace="analytics")):
        docs = render(helm, *options)
        assert writes(docs) == []
        assert not [r for r in rbac(docs) if "policyreports" in r["metadata"]["name"]]
        assert "--apply-policyreports" not in args(docs)


def test_policy_reports_add_exactly_their_write_grant(helm: str) -> None:
    off, on = render(helm), render(helm, *sets(policyReports__enabled="true"))
    # The audit's own role is untouched and still read-only.
    audit_roles = [r for r in of_kind(on, "ClusterRole") if r["metadata"]["name"] == NAME]
    assert audit_roles == of_kind(off, "ClusterRole")
    [role] = [r for r in of_kind(on, "ClusterRole") if r["metadata"]["name"] != NAME]
    assert role["metadata"]["name"] == f"{NAME}-policyreports"
    assert role["rules"] == [POLICY_RULE]
    assert writes(on) == [POLICY_RULE]
    [binding] = [b for b in of_kind(on, "ClusterRoleBinding")
                 if b["metadata"]["name"] == f"{NAME}-policyreports"]
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io",
                                  "kind": "ClusterRole", "name": f"{NAME}-policyreports"}
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": NAME,
                                    "namespace": NAMESPACE}]
    assert len(rbac(on)) == len(rbac(off)) + 2
    argv = args(on)
    assert argv.count("--apply-policyreports") == 1
    assert build_parser().parse_args(argv).apply_policyreports is True


def test_a_namespaced_audit_may_write_policy_reports_only_there(helm: str) -> None:
    docs = render(helm, *sets(policyReports__enabled="true", scan__namespace="analytics"))
    assert not of_kind(docs, "ClusterRole") and not of_kind(docs, "ClusterRoleBinding")
    [role] = [r for r in of_kind(docs, "Role") if r["metadata"]["name"] == f"{NAME}-policyreports"]
    assert role["metadata"]["namespace"] == "analytics"
    # A Role cannot grant a cluster-scoped kind: the namespace's PolicyReport alone.
    assert role["rules"] == [{"apiGroups": ["wgpolicyk8s.io"], "resources": ["policyreports"],
                              "verbs": ["create", "update", "patch"]}]
    assert writes(docs) == role["rules"]
    [binding] = [b for b in of_kind(docs, "RoleBinding")
                 if b["metadata"]["name"] == f"{NAME}-policyreports"]
    assert binding["metadata"]["namespace"] == "analytics"
    assert binding["roleRef"]["kind"] == "Role"
    assert "--apply-policyreports" in args(docs)


@pytest.mark.parametrize(("options", "message"), [
    (sets(readSecrets__enabled="true"), "needs readSecrets.namespaces"),
    ([*sets(readSecrets__enabled="true", scan__namespace="analytics"),
      "--set", "readSecrets.namespaces={analytics,billing}"], "may only name"),
    ([*sets(readSecrets__enabled="true", scan__namespace="analytics"),
      "--set", "readSecrets.namespaces={billing}"], "may only name"),
])
def test_secret_grants_the_audit_would_not_use_are_refused(helm: str, options: list[str],
                                                          message: str) -> None:
    # Secrets are granted only by namespaced Roles, and only where the audit lists them.
    assert message in render_error(helm, *options)


def test_service_account_token_only_in_the_audit_pod(helm: str) -> None:
    docs = render(helm)
    account = one(docs, "ServiceAccount")
    assert account["automountServiceAccountToken"] is False
    spec = pod_spec(docs)
    assert spec["serviceAccountName"] == account["metadata"]["name"] == NAME
    assert spec["automountServiceAccountToken"] is True
    existing = render(helm, *sets(serviceAccount__create="false", serviceAccount__name="ops"))
    assert not of_kind(existing, "ServiceAccount")
    assert pod_spec(existing)["serviceAccountName"] == "ops"
    assert one(existing, "ClusterRoleBinding")["subjects"][0]["name"] == "ops"
    assert "serviceAccount.name is required" in render_error(
        helm, *sets(serviceAccount__create="false"))


# --- the CronJob ---------------------------------------------------------------------------


def test_cronjob_schedule_and_job_limits(helm: str) -> None:
    docs = render(helm)
    cronjob = one(docs, "CronJob")
    spec = cronjob["spec"]
    assert spec["schedule"] == "17 3 * * *"
    assert spec["concurrencyPolicy"] == "Forbid"
    assert spec["startingDeadlineSeconds"] > 0
    assert spec["successfulJobsHistoryLimit"] >= 1 and spec["failedJobsHistoryLimit"] >= 1
    assert spec["suspend"] is False and "timeZone" not in spec
    job = spec["jobTemplate"]["spec"]
    assert job["backoffLimit"] == 0
    assert 0 < job["activeDeadlineSeconds"] <= 3600
    assert job["ttlSecondsAfterFinished"] > 0
    assert job["template"]["spec"]["restartPolicy"] == "Never"
    assert len(cronjob["metadata"]["name"]) <= 52  # Jobs append 11 characters
    zoned = one(render(helm, *sets(timeZone="Europe/Berlin", schedule="5 1 * * 1")),
                "CronJob")
    assert zoned["spec"]["timeZone"] == "Europe/Berlin"
    assert zoned["spec"]["schedule"] == "5 1 * * 1"
    long = render(helm, *sets(fullnameOverride="a" * 70))
    assert len(one(long, "CronJob")["metadata"]["name"]) == 52


def test_pod_is_hardened(helm: str) -> None:
    docs = render(helm)
    spec = pod_spec(docs)
    assert spec["securityContext"] == {
        "runAsNonRoot": True, "runAsUser": 65532, "runAsGroup": 65532, "fsGroup": 65532,
        "fsGroupChangePolicy": "OnRootMismatch", "seccompProfile": {"type": "RuntimeDefault"},
    }
    box = container(docs)
    security = box["securityContext"]
    assert security["allowPrivilegeEscalation"] is False
    assert security["readOnlyRootFilesystem"] is True
    assert security["capabilities"] == {"drop": ["ALL"]}
    resources = box["resources"]
    assert {"cpu", "memory"} <= set(resources["requests"]) and {"cpu", "memory"} <= set(
        resources["limits"])
    mounts = {m["mountPath"]: m for m in box["volumeMounts"]}
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert "emptyDir" in volumes[mounts["/tmp"]["name"]]
    assert mounts["/etc/deploy-auditor"]["readOnly"] is True
    assert volumes[mounts["/etc/deploy-auditor"]["name"]]["configMap"]["name"] == NAME
    assert {"name": "HOME", "value": "/tmp"} in box["env"]
    assert not any(spec.get(k) for k in ("hostNetwork", "hostPID", "hostIPC"))
    # A stable host name: the Pushgateway groups a run's metrics by it.
    assert spec["hostname"] == one(docs, "CronJob")["metadata"]["name"]


def test_pod_placement_and_extras_come_from_values(helm: str, tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text(yaml.safe_dump({
        "nodeSelector": {"kubernetes.io/os": "linux"},
        "tolerations": [{"key": "audit", "operator": "Exists", "effect": "NoSchedule"}],
        "affinity": {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 1, "preference": {"matchExpressions": [
                {"key": "pool", "operator": "In", "values": ["ops"]}]}}]}},
        "podAnnotations": {"example.com/team": "platform"},
        "podLabels": {"team": "platform"},
        "priorityClassName": "low",
        "imagePullSecrets": [{"name": "registry"}],
        "extraEnv": [{"name": "TZ", "value": "UTC"}],
        "extraArgs": ["--verbose"],
    }))
    docs = render(helm, "-f", str(values))
    spec = pod_spec(docs)
    meta = one(docs, "CronJob")["spec"]["jobTemplate"]["spec"]["template"]["metadata"]
    assert spec["nodeSelector"] == {"kubernetes.io/os": "linux"}
    assert spec["tolerations"][0]["key"] == "audit"
    assert spec["affinity"]["nodeAffinity"]
    assert spec["priorityClassName"] == "low"
    assert spec["imagePullSecrets"] == [{"name": "registry"}]
    assert meta["annotations"] == {"example.com/team": "platform"}
    assert meta["labels"]["team"] == "platform"
    assert {"name": "TZ", "value": "UTC"} in container(docs)["env"]
    assert args(docs)[-1] == "--verbose"


def test_image_digest_wins_over_the_tag(helm: str) -> None:
    assert container(render(helm))["image"] == "deploy-auditor:0.1.0"
    assert container(render(helm, *sets(image__tag="0.1.1")))["image"] == "deploy-auditor:0.1.1"
    pinned = render(helm, *sets(image__repository="registry.example.com/ops/deploy-auditor",
                                image__tag="0.1.1", image__digest=DIGEST))
    assert container(pinned)["image"] == f"registry.example.com/ops/deploy-auditor@{DIGEST}"


def test_every_object_carries_the_standard_labels(helm: str) -> None:
    docs = render(helm, *sets(metrics__pushgateway__url="http://pgw:9091"))
    assert {d["kind"] for d in docs} == {
        "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "ConfigMap", "CronJob",
        "PersistentVolumeClaim", "NetworkPolicy"}
    for doc in docs:
        labels = doc["metadata"]["labels"]
        assert labels["helm.sh/chart"] == "deploy-auditor-0.1.0"
        assert labels["app.kubernetes.io/name"] == "deploy-auditor"
        assert labels["app.kubernetes.io/instance"] == RELEASE
        assert labels["app.kubernetes.io/managed-by"] == "Helm"
        assert labels["app.kubernetes.io/version"] == "0.1.0"
    pod_labels = one(docs, "CronJob")["spec"]["jobTemplate"]["spec"]["template"]["metadata"][
        "labels"]
    selector = one(docs, "NetworkPolicy")["spec"]["podSelector"]["matchLabels"]
    assert selector.items() <= pod_labels.items()


# --- arguments -----------------------------------------------------------------------------


def test_default_arguments(helm: str) -> None:
    assert args(render(helm)) == [
        "scan", "kube", "--quiet", "--log", "-",
        "--config", "/etc/deploy-auditor/auditor.toml", "--timeout", "30",
        "--report", "json=/reports/latest.json", "--report", "html=/reports/latest.html",
        "--history-dir", "/reports/history", "--history-keep", "100",
        "--history-max-age", "365", "--min-coverage", "0.8",
    ]


GATED = [
    # --set reads 1.5 as a string (helm parses only integers); --set-json keeps numbers.
    "--set-json", "scoreTolerance=1.5", "--set-json", "reports.history.maxAgeDays=90",
    *sets(failUnder="70", failOn="critical", failOnRegression="high",
          metrics__pushgateway__url="http://pgw.monitoring.svc:9091",
          metrics__textfile__enabled="true", scan__timeout="12",
          scan__annotationWaivers="false", reports__history__keep="30",
          reports__formats="{json,html,sarif,junit,markdown}"),
]


def test_arguments_from_values(helm: str) -> None:
    argv = args(render(helm, *GATED))
    assert argv[:5] == ["scan", "kube", "--quiet", "--log", "-"]
    assert flag_values(argv, "--fail-under") == ["70"]
    assert flag_values(argv, "--fail-on") == ["critical"]
    assert flag_values(argv, "--fail-on-regression") == ["high"]
    assert flag_values(argv, "--score-tolerance") == ["1.5"]
    assert flag_values(argv, "--pushgateway") == ["http://pgw.monitoring.svc:9091"]
    assert flag_values(argv, "--timeout") == ["12"]
    assert flag_values(argv, "--history-keep") == ["30"]
    assert flag_values(argv, "--history-max-age") == ["90"]
    assert "--no-annotation-waivers" in argv
    assert flag_values(argv, "--report") == [
        "json=/reports/latest.json", "html=/reports/latest.html",
        "sarif=/reports/latest.sarif", "junit=/reports/latest.xml",
        "markdown=/reports/latest.md", "prometheus=/reports/deploy-auditor.prom",
    ]
    none = args(render(helm, *sets(reports__history__enabled="false")))
    assert "--history-dir" not in none and "--history-keep" not in none


def test_the_coverage_gate_is_on_by_default(helm: str) -> None:
    assert flag_values(args(render(helm)), "--min-coverage") == ["0.8"]
    assert flag_values(args(render(helm, "--set-json", "minCoverage=0.5")),
                       "--min-coverage") == ["0.5"]
    assert "--min-coverage" not in args(render(helm, "--set-json", "minCoverage=null"))


def test_zero_gates_are_kept(helm: str) -> None:
    argv = args(render(helm, *sets(failUnder="0", scoreTolerance="0")))
    assert flag_values(argv, "--fail-under") == ["0"]
    assert flag_values(argv, "--score-tolerance") == ["0"]


@pytest.mark.parametrize("options", [[], GATED])
def test_rendered_arguments_are_accepted_by_the_cli(helm: str, options: list[str]) -> None:
    parsed = build_parser().parse_args(args(render(helm, *options)))
    assert parsed.targets == ["kube"] and parsed.quiet and parsed.log == "-"
    assert parsed.config == "/etc/deploy-auditor/auditor.toml"


# --- configuration ---------------------------------------------------------------------------


def test_configuration_round_trips_through_toml(helm: str, tmp_path: Path) -> None:
    hostile = 'staging "on purpose"\\ <b>&amp; \U0001f600\nsecond line = [x]'
    config = {
        "disable": ["PIP-*", "K8S-GITOPS-001"],
        "severity": {"K8S-UPDATES-001": "low", "K8S-*": "high"},
        "thresholds": {"ready_score": 85, "ready_coverage": 0.9, "max_score_drop": 2},
        "waivers": [
            {"check": "K8S-AVAILABILITY-001", "subject": "apps/v1/Deployment/staging/*",
             "reason": hostile, "expires": "2027-03-31"},
            {"check": "K8S-NETWORK-00?", "reason": "lab"},
        ],
    }
    values = tmp_path / "values.yaml"
    values.write_text(yaml.safe_dump({"config": config}))
    docs = render(helm, "-f", str(values))
    text = one(docs, "ConfigMap")["data"]["auditor.toml"]
    assert tomllib.loads(text)["waivers"][0]["reason"] == hostile
    path = tmp_path / "auditor.toml"
    path.write_text(text)
    loaded = load_config(path)
    assert loaded.disabled == frozenset(config["disable"])
    assert loaded.severity == {"K8S-UPDATES-001": Severity.LOW, "K8S-*": Severity.HIGH}
    assert (loaded.thresholds.score, loaded.thresholds.coverage, loaded.max_score_drop) == (
        85, 0.9, 2)
    first, second = loaded.waivers
    assert (first.check, first.subject, first.reason, str(first.expires)) == (
        "K8S-AVAILABILITY-001", "apps/v1/Deployment/staging/*", hostile, "2027-03-31")
    assert (second.check, second.subject, second.expires) == ("K8S-NETWORK-00?", "*", None)


def test_default_configuration_is_empty_and_valid(helm: str, tmp_path: Path) -> None:
    path = tmp_path / "auditor.toml"
    path.write_text(one(render(helm), "ConfigMap")["data"]["auditor.toml"])
    loaded = load_config(path)
    assert not loaded.disabled and not loaded.severity and not loaded.waivers


# --- reports ---------------------------------------------------------------------------------


def reports_volume(docs: list[Doc]) -> Doc:
    mounts = {m["mountPath"]: m["name"] for m in container(docs)["volumeMounts"]}
    return next(v for v in pod_spec(docs)["volumes"] if v["name"] == mounts["/reports"])


def test_reports_on_a_claim_by_default(helm: str) -> None:
    docs = render(helm)
    claim = one(docs, "PersistentVolumeClaim")
    assert claim["metadata"]["name"] == f"{NAME}-reports"
    assert claim["metadata"]["annotations"] == {"helm.sh/resource-policy": "keep"}
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert claim["spec"]["resources"]["requests"]["storage"] == "1Gi"
    assert "storageClassName" not in claim["spec"]
    assert reports_volume(docs)["persistentVolumeClaim"] == {"claimName": f"{NAME}-reports"}


def test_reports_claim_options(helm: str) -> None:
    sized = render(helm, *sets(reports__persistence__storageClass="fast",
                               reports__persistence__size="5Gi",
                               reports__persistence__keepOnUninstall="false"))
    claim = one(sized, "PersistentVolumeClaim")
    assert claim["spec"]["storageClassName"] == "fast"
    assert claim["spec"]["resources"]["requests"]["storage"] == "5Gi"
    assert "annotations" not in claim["metadata"]
    static = one(render(helm, *sets(reports__persistence__storageClass="-")),
                 "PersistentVolumeClaim")
    assert static["spec"]["storageClassName"] == ""
    existing = render(helm, *sets(reports__persistence__existingClaim="audit-history"))
    assert not of_kind(existing, "PersistentVolumeClaim")
    assert reports_volume(existing)["persistentVolumeClaim"] == {"claimName": "audit-history"}
    ephemeral = render(helm, *sets(reports__persistence__enabled="false"))
    assert not of_kind(ephemeral, "PersistentVolumeClaim")
    assert reports_volume(ephemeral) == {"name": "reports", "emptyDir": {}}


def test_no_configmap_output_because_the_identity_is_read_only() -> None:
    values = (CHART / "values.yaml").read_text()
    assert "writing a ConfigMap needs create/update, a write verb" in values


def test_textfile_metrics_on_their_own_claim(helm: str) -> None:
    docs = render(helm, *sets(metrics__textfile__enabled="true",
                              metrics__textfile__existingClaim="node-textfile"))
    assert "prometheus=/metrics/deploy-auditor.prom" in flag_values(args(docs), "--report")
    mounts = {m["mountPath"]: m["name"] for m in container(docs)["volumeMounts"]}
    volume = next(v for v in pod_spec(docs)["volumes"] if v["name"] == mounts["/metrics"])
    assert volume["persistentVolumeClaim"] == {"claimName": "node-textfile"}


# --- network policy --------------------------------------------------------------------------


def test_network_policy_allows_only_the_api_server(helm: str) -> None:
    policy = one(render(helm), "NetworkPolicy")["spec"]
    assert policy["policyTypes"] == ["Ingress", "Egress"]
    assert "ingress" not in policy  # no rule: nothing may connect
    assert policy["egress"] == [{"ports": [{"protocol": "TCP", "port": 443},
                                           {"protocol": "TCP", "port": 6443}]}]
    narrowed = one(render(helm, "--set", "networkPolicy.apiServer.cidrs={10.0.0.1/32}"),
                   "NetworkPolicy")["spec"]
    assert narrowed["egress"][0]["to"] == [{"ipBlock": {"cidr": "10.0.0.1/32"}}]
    assert not of_kind(render(helm, *sets(networkPolicy__enabled="false")), "NetworkPolicy")


ENDPOINTS = Resource("", "v1", "endpoints", "Endpoints", True, ("ep",), False)


def test_network_policy_narrows_to_the_api_servers_endpoints_when_it_can_look(
        helm: str, tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    endpoints = {"apiVersion": "v1", "kind": "Endpoints",
                 "metadata": {"name": "kubernetes", "namespace": "default"},
                 "subsets": [{"addresses": [{"ip": "172.18.0.2"}, {"ip": "fd00::2"}],
                              "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]}]}
    with FakeKubeAPI([endpoints], extra_resources=[*RBAC_RESOURCES, ENDPOINTS]) as api:
        api.write_kubeconfig(kubeconfig)
        done = subprocess.run(
            [helm, "template", RELEASE, str(CHART), "--namespace", NAMESPACE,
             "--dry-run=server", "--kubeconfig", str(kubeconfig)],
            capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    docs = [d for d in yaml.safe_load_all(done.stdout) if isinstance(d, dict)]
    egress = one(docs, "NetworkPolicy")["spec"]["egress"]
    assert egress == [{"ports": [{"protocol": "TCP", "port": 6443}],
                       "to": [{"ipBlock": {"cidr": "172.18.0.2/32"}},
                              {"ipBlock": {"cidr": "fd00::2/128"}}]}]


def test_notes_warn_when_the_api_server_could_not_be_looked_up(dry_run: Any) -> None:
    assert "allows egress on ports 443, 6443 to any address" in dry_run()
    narrowed = dry_run("--set", "networkPolicy.apiServer.cidrs={10.0.0.1/32}")
    assert "to any address" not in narrowed


@pytest.mark.parametrize(("url", "extra", "port"), [
    ("http://pgw.monitoring.svc:9091", [], 9091),
    ("https://pgw.example.com", [], 9091),
    ("http://pgw.monitoring.svc:80/", sets(networkPolicy__pushgateway__port="9095"), 9095),
    ("http://pgw.monitoring.svc:8080", [], 8080),
])
def test_network_policy_opens_the_pushgateway_and_dns(helm: str, url: str, extra: list[str],
                                                      port: int) -> None:
    egress = one(render(helm, *sets(metrics__pushgateway__url=url), *extra),
                 "NetworkPolicy")["spec"]["egress"]
    assert len(egress) == 3
    assert egress[1] == {"ports": [{"protocol": "TCP", "port": port}]}
    assert egress[2]["ports"] == [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
    assert egress[2]["to"][0]["podSelector"] == {"matchLabels": {"k8s-app": "kube-dns"}}


# --- NOTES (rendered by helm install, against the test API server) ----------------------------

RBAC_RESOURCES = [
    Resource("rbac.authorization.k8s.io", "v1", plural, kind, namespaced, (), False)
    for plural, kind, namespaced in (("clusterroles", "ClusterRole", False),
                                     ("clusterrolebindings", "ClusterRoleBinding", False),
                                     ("roles", "Role", True), ("rolebindings", "RoleBinding", True))
]


@pytest.fixture(scope="module")
def dry_run(helm: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    kubeconfig = tmp_path_factory.mktemp("notes") / "kubeconfig"
    with FakeKubeAPI(extra_resources=RBAC_RESOURCES) as api:
        api.write_kubeconfig(kubeconfig)

        def install(*options: str) -> str:
            done = subprocess.run(
                [helm, "install", RELEASE, str(CHART), "--namespace", NAMESPACE,
                 "--dry-run=client", "--disable-openapi-validation",
                 "--kubeconfig", str(kubeconfig), *options],
                capture_output=True, text=True, timeout=120, check=False)
            assert done.returncode == 0, done.stderr
            return done.stdout.split("NOTES:", 1)[1]

        yield install
        assert api.methods() == {"GET"}


def test_notes_say_how_to_run_and_read_an_audit(dry_run: Any) -> None:
    notes = dry_run()
    assert f"create job --from=cronjob/{NAME}" in notes
    assert "the whole cluster" in notes and "a ClusterRole" in notes
    assert f"claimName\":\"{NAME}-reports\"" in notes and "> latest.html" in notes
    assert "helmReleases.enabled=false" in notes
    assert 'placeholder "deploy-auditor"' in notes
    gated = dry_run(*sets(failUnder="0", metrics__pushgateway__url="http://pgw:9091",
                          scan__namespace="analytics", readSecrets__enabled="true",
                          helmReleases__enabled="true", reports__persistence__enabled="false",
                          image__repository="registry.example.com/deploy-auditor"))
    assert "KubeJobFailed" in gated and "deploy_auditor_ready == 0" in gated
    assert "a Role in analytics" in gated and "Secrets are read in analytics only" in gated
    assert "every Secret in scope" in gated and "emptyDir" in gated
    assert "placeholder" not in gated


def test_notes_name_the_policy_report_write(dry_run: Any) -> None:
    assert "PolicyReports" not in dry_run()
    notes = dry_run(*sets(policyReports__enabled="true"))
    assert ("Its one write: each run applies its PolicyReports (wgpolicyk8s.io: create, "
            "update, patch on policyreports and clusterpolicyreports, nothing else)") in notes
    assert "kubectl get policyreports -A -l app.kubernetes.io/managed-by=deploy-auditor" in notes


# --- the auditor's own verdict on the chart ---------------------------------------------------

OWN_ROWS = {"isolation", "resources", "network", "rollback", "supervision", "updates", "gitops"}


def own_findings(helm: str, tmp_path: Path, *options: str) -> list[Doc]:
    rendered = tmp_path / "rendered"
    rendered.mkdir()
    done = helm_template(helm, *options)
    assert done.returncode == 0, done.stderr
    (rendered / "deploy-auditor.yaml").write_text(done.stdout)
    report = scan_report(tmp_path, str(rendered), "--style", "kubernetes")
    (target,) = report["targets"]
    assert target["style"] == "kubernetes" and not target["problems"]
    return [f for f in target["findings"] if f"/{NAMESPACE}/{RELEASE}-" in f["subject"]]


def test_rendered_chart_passes_the_auditors_own_checks(helm: str, tmp_path: Path) -> None:
    findings = own_findings(helm, tmp_path, *sets(image__digest=DIGEST,
                                                  metrics__pushgateway__url="http://pgw:9091"))
    judged = {f["check_id"] for f in findings if f["row"] in OWN_ROWS}
    # Not vacuous: the checks that judge a CronJob's pod template did judge it.
    assert {"K8S-ISOLATION-001", "K8S-ISOLATION-002", "K8S-ISOLATION-003", "K8S-ISOLATION-004",
            "K8S-ISOLATION-005", "K8S-RESOURCES-001", "K8S-ROLLBACK-001"} <= judged
    not_passing = [(f["check_id"], f["status"], f["message"]) for f in findings
                   if f["status"] not in ("pass", "skip")]
    assert not not_passing
    assert {f["subject"] for f in findings} == {f"batch/v1/CronJob/{NAMESPACE}/{NAME}"}


def test_a_tag_without_digest_is_the_one_warning(helm: str, tmp_path: Path) -> None:
    findings = own_findings(helm, tmp_path)
    warned = [(f["check_id"], f["status"]) for f in findings if f["status"] != "pass"]
    assert warned == [("K8S-ROLLBACK-001", "warn")]

"""config-secrets: secrets kept in Secrets, and no published default passwords in use.

Values are compared in memory and never put into a message or evidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from auditor.checks.common.secretvalues import secret_kind
from auditor.checks.kubernetes.appconfig import encrypted_keys, object_data
from auditor.checks.kubernetes.common import kube, result
from auditor.checks.kubernetes.facts import KubeFacts, Workload
from auditor.checks.kubernetes.file_passwords import password_fields
from auditor.checks.kubernetes.kustomize import data_unknown
from auditor.checks.kubernetes.objects import Item, as_list, as_map
from auditor.checks.superset.defaults import (
    KNOWN_SECRET_KEYS,
    KNOWN_SECRET_PARTS,
    known_secret_key,
)
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style

SECRET_NAME = re.compile(r"(SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|PRIVATE_KEY|CREDENTIALS|"
                         r"DB_PASS|JWT)", re.I)
SECRET_MANAGERS = ("ExternalSecret", "SealedSecret", "SecretProviderClass", "VaultStaticSecret")
NOT_A_SECRET = re.compile(r"(^ALLOW_|_FILE$|_PATH$|_USER$|_USERNAME$|_ENABLED$|_KEY_ID$)", re.I)
FLAG_VALUES = frozenset({"yes", "no", "true", "false", "0", "1", "on", "off", ""})
DEFAULT_PASSWORDS = {
    "superset": "Superset's default database password",
    "admin": "the chart's default admin password",
    "CHANGE-ME": "the chart's default websocket jwtSecret",
    "test-guest-secret-change-me": "Superset's default GUEST_TOKEN_JWT_SECRET",
    "test-secret-change-me": "Superset's default GLOBAL_ASYNC_QUERIES_JWT_SECRET",
}

SECRET_KEY_LITERAL = re.compile(r"^\s*SECRET_KEY\s*=\s*[rbuRBU]?['\"]", re.M)
"""A config file assigning SECRET_KEY a string (r'...', b"..." too), not os.environ[...]."""
# superset fab create-admin ... --password admin, also --password=admin and quoted; not
# admin2 or admin-Xq7, which only start like it.
ADMIN_ADMIN = re.compile(r"--password(?:\s+|=)(['\"]?)admin\1(?=\s|;|$)")


def _looks_secret(name: str, value: str) -> bool:
    """A secret-named variable holding something other than a flag or a file path."""
    if not SECRET_NAME.search(name) or NOT_A_SECRET.search(name):
        return False
    return value.lower() not in FLAG_VALUES and not value.startswith("/")


def _placement(facts: Facts) -> Iterator[Result]:
    k = kube(facts)
    managed = [i.kind for i in k.items if i.kind in SECRET_MANAGERS]
    holding: set[tuple[str, str]] = set()  # (namespace, name) of ConfigMaps holding secrets
    for config_map in k.of("ConfigMap"):
        data = object_data(config_map)
        # By name as for env values: DB_PASSWORD_FILE, AUTH_TOKEN_ENABLED: "true" and an
        # empty DB_PASSWORD name a secret without holding one.
        found = [f"key {key}" for key, value in data.items() if _looks_secret(key, value)]
        # Named by the key that holds it: the config file may be called anything.
        found += [f"key {key}: SECRET_KEY written literally" for key, value in data.items()
                  if SECRET_KEY_LITERAL.search(value)]
        # By value too: a key named "config.json" may hold a private key or a cloud credential.
        found += [f"{kind} in ConfigMap {config_map.name} key {key} ({len(value)} characters)"
                  for key, value in data.items() if (kind := secret_kind(value))]
        # A file whose fields hold passwords (the chart's extraConfigs import_datasources.yaml
        # with `password:` per database, helm-nodeport-oauth-toolforge), or a URI with one.
        found += [f"key {key} line {line}: {what}" for key, value in data.items()
                  if not _looks_secret(key, value) and not SECRET_KEY_LITERAL.search(value)
                  and not secret_kind(value) for line, what in password_fields(key, value)[:3]]
        if found:
            holding.add((config_map.namespace, config_map.name))
            yield result(config_map, Status.FAIL, "secrets stored in a ConfigMap (readable by "
                         "anyone who can read ConfigMaps)", found)
    for workload in k.workloads:
        literal = [line for c in workload.containers for e in as_list(c.spec.get("env"))
                   if (line := _literal_secret(c.name, as_map(e)))]
        read = sorted(name for name in _config_maps_read(workload)
                      if (workload.item.namespace, name) in holding)
        if literal:
            yield result(workload, Status.FAIL, "secret values written into the pod spec",
                         literal)
        elif read:
            # helm-nodeport-oauth-toolforge: the pods mount superset-extra-config, whose
            # import_datasources.yaml holds the replica passwords: not "from Secrets".
            yield result(workload, Status.FAIL, "its pods read secrets from a ConfigMap",
                         [f"ConfigMap {name}" for name in read])
        elif workload.superset:
            note = f" (managed by {managed[0]})" if managed else ""
            yield result(workload, Status.PASS, "secrets come from Secrets" + note)


def _config_maps_read(workload: Workload) -> set[str]:
    """Names of the ConfigMaps the workload's pods mount or take variables from."""
    names = set()
    for volume in as_list(workload.pod_spec.get("volumes")):
        volume = as_map(volume)
        names.add(str(as_map(volume.get("configMap")).get("name") or ""))
        for source in as_list(as_map(volume.get("projected")).get("sources")):
            names.add(str(as_map(as_map(source).get("configMap")).get("name") or ""))
    for container in workload.containers:
        for source in as_list(container.spec.get("envFrom")):
            names.add(str(as_map(as_map(source).get("configMapRef")).get("name") or ""))
        for entry in as_list(container.spec.get("env")):
            ref = as_map(as_map(as_map(entry).get("valueFrom")).get("configMapKeyRef"))
            names.add(str(ref.get("name") or ""))
    names.discard("")
    return names


def _literal_secret(container: str, entry: Mapping[str, Any]) -> str | None:
    """Evidence for an env entry holding a secret literally (never the value), or None."""
    name, value = str(entry.get("name") or ""), entry.get("value")
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return None
    text = str(value)
    kind = secret_kind(text)
    if kind:
        return f"{container}: env {name} holds {kind} ({len(text)} characters)"
    if _looks_secret(name, text):
        return f"{container}: env {name} has a literal value"
    return None


def _defaults(facts: Facts) -> Iterator[Result]:
    k = kube(facts)
    if not k.secrets_read:
        yield Result("secrets", Status.SKIP, "Secrets were not read (give --read-secrets to "
                     "compare their values; they are never printed)")
        return
    for item in k.of("Secret", "ConfigMap"):
        hits = []
        for key, value in object_data(item).items():
            if label := _default(key, value):
                hits.append(f"key {key}: {label}")
            elif key.endswith(".py") or key.endswith(".sh"):
                whole = [label for known, label in KNOWN_SECRET_KEYS.items() if known in value]
                # A copy of a default with bytes added is named once, as a variant.
                parts = [label for part, label in KNOWN_SECRET_PARTS.items() if part in value]
                hits += [f"key {key} contains {label}" for label in whole or parts]
                if ADMIN_ADMIN.search(value):
                    hits.append(f"key {key}: creates the admin user with password 'admin'")
        shadowed = _shadowed_keys(k, item) if hits else {}
        if shadowed and all(hit.split(":", 1)[0] in shadowed for hit in hits):
            # Every container that reads the Secret sets these variables itself: the
            # defaults are dead text (helm-argocd-connections-data-on-eks: the chart's
            # DB_PASS 'superset' under extraEnvRaw DB_PASS from another Secret).
            yield result(item, Status.PASS, "no known default value in use",
                         [f"{hit}, but {shadowed[hit.split(':', 1)[0]]}" for hit in hits])
        elif hits:
            yield result(item, Status.FAIL, "publicly known default secrets are in use", hits)
        elif data_unknown(item):
            # Generated from a file the audit lacks: what it holds may be a default.
            yield result(item, Status.SKIP, f"{data_unknown(item)}, which the audited files "
                         "lack: its values cannot be compared")
        elif hidden := sorted(encrypted_keys(item)):
            # A SOPS file as committed (cberg-home-nextgen's superset-secrets): the
            # ciphertext is no value, and a pass would vouch for keys nobody compared.
            yield result(item, Status.SKIP, f"{len(hidden)} value(s) are SOPS-encrypted, "
                         "decrypted only when applied: they cannot be compared",
                         [f"key {key}" for key in hidden[:8]])
        elif item.kind == "Secret":
            yield result(item, Status.PASS, "no known default value")
    for workload in k.workloads:
        # One finding per workload, however many of its variables hold a default.
        found = [f"env {name}: {label}" for container in workload.containers
                 for entry in as_list(container.spec.get("env"))
                 if (label := _default(name := str(as_map(entry).get("name") or ""),
                                       str(as_map(entry).get("value") or "")))]
        if found:
            yield result(workload, Status.FAIL, "a publicly known default secret is set in "
                         "the pod spec", found)


def _shadowed_keys(k: KubeFacts, item: Item) -> dict[str, str]:
    """The keys of ``item`` (as ``key NAME``) that no container reads, with why: every
    container that takes the object whole through ``envFrom`` sets the same variable in its
    own ``env`` (which Kubernetes gives precedence), or is the chart's ``dockerize -wait``
    helper, which opens TCP connections and reads no password. Empty when the object is read
    any other way (a volume, a ``secretKeyRef``/``configMapKeyRef``, a projection) or by
    nothing among the audited objects: what reads it then cannot be told."""
    ref_key = "secretRef" if item.kind == "Secret" else "configMapRef"
    key_ref = "secretKeyRef" if item.kind == "Secret" else "configMapKeyRef"
    readers: list[tuple[str, Mapping[str, Any], bool]] = []  # (prefix, container, helper)
    # The namespace's own workloads, from the index: a scan of every workload per Secret
    # made corpus-charts at 16,000 documents 4x the YAML floor.
    for workload in k.workloads_in(item.namespace):
        if _mounts(workload.pod_spec, item):
            return {}
        for container in workload.containers:
            for entry in as_list(container.spec.get("env")):
                ref = as_map(as_map(as_map(entry).get("valueFrom")).get(key_ref))
                if ref and str(ref.get("name") or "") == item.name:
                    return {}
            for source in as_list(container.spec.get("envFrom")):
                ref = as_map(as_map(source).get(ref_key))
                if ref and str(ref.get("name") or "") == item.name:
                    readers.append((str(as_map(source).get("prefix") or ""), container.spec,
                                    container.init and _waits_only(container.command_text)))
    if not readers:
        return {}
    shadowed: dict[str, str] = {}
    for key in object_data(item):
        overridden = waiting = 0
        for prefix, spec, helper in readers:
            names = {str(as_map(e).get("name") or "") for e in as_list(spec.get("env"))}
            if prefix + key in names:
                overridden += 1
            elif helper:
                waiting += 1
            else:
                break
        else:
            if overridden:
                helpers = (", but for dockerize -wait init containers, which only open TCP "
                           "connections") if waiting else ""
                shadowed[f"key {key}"] = (
                    f"every container that reads {item.kind} {item.name} sets {key} itself "
                    f"(env wins over envFrom){helpers}: the default is not used")
    return shadowed


def _mounts(pod_spec: Mapping[str, Any], item: Item) -> bool:
    """Whether the pod mounts ``item`` as a volume (or in a projected volume)."""
    kind_key, name_key = (("secret", "secretName") if item.kind == "Secret"
                          else ("configMap", "name"))
    for volume in as_list(pod_spec.get("volumes")):
        volume = as_map(volume)
        if str(as_map(volume.get(kind_key)).get(name_key) or "") == item.name:
            return True
        for source in as_list(as_map(volume.get("projected")).get("sources")):
            if str(as_map(as_map(source).get(kind_key)).get("name") or "") == item.name:
                return True
    return False


def _waits_only(command: str) -> bool:
    """Superset's chart's init helper: ``dockerize -wait tcp://$DB_HOST:$DB_PORT ...``
    opens TCP connections and nothing else (no ``-template``, which would read variables
    into files)."""
    words = command.replace(";", " ").split()
    if "dockerize" not in words or "-template" in words:
        return False
    rest = command.split("dockerize", 1)[1]
    return not any(c in rest for c in ";&|`") and "$(" not in rest


def _default(name: str, value: str) -> str | None:
    """Which published default ``value`` is (a key under any name, a password under a
    secret name), or None. A value read from a file keeps its trailing newline, which
    Superset and the database drivers strip: compare without it."""
    value = value.strip()
    if label := known_secret_key(value):
        return label
    if SECRET_NAME.search(name) and value in DEFAULT_PASSWORDS:
        return DEFAULT_PASSWORDS[value]
    return None


CHECKS = (
    Check(
        id="K8S-CONFIG-SECRETS-001", style=Style.KUBERNETES, row=Row.CONFIG_SECRETS,
        severity=Severity.HIGH, title="Secrets live in Secrets, not ConfigMaps or pod specs",
        rationale="ConfigMaps and literal env values are readable by anyone with read access "
                  "to the namespace and end up in Git and CI logs.",
        remediation="Move SECRET_KEY and passwords into Secrets (ideally from an external "
                    "secret manager) and reference them with secretKeyRef/envFrom.",
        success="secrets referenced from Secrets", failure="secrets in ConfigMaps or literals",
        references=("https://kubernetes.io/docs/concepts/configuration/secret/",),
        requires=("kubernetes",), evaluate=_placement,
    ),
    Check(
        id="K8S-CONFIG-SECRETS-002", style=Style.KUBERNETES, row=Row.CONFIG_SECRETS,
        severity=Severity.CRITICAL, title="No published default key or password is in use",
        rationale="Superset's chart and docs publish a default SECRET_KEY and default "
                  "database and admin passwords; CVE-2023-27524 was exploited with exactly "
                  "such keys.",
        remediation="Generate a SECRET_KEY (openssl rand -base64 42) and passwords, store them "
                    "in Secrets, and rotate anything that used a default.",
        success="no default value found", failure="a published default is in use",
        references=("https://nvd.nist.gov/vuln/detail/CVE-2023-27524",),
        requires=("kubernetes",), evaluate=_defaults,
    ),
)

"""Superset's configuration as a Kubernetes deployment gives it to the web pods.

The environment comes from ``env`` (literals, ``secretKeyRef``,
``configMapKeyRef``) and ``envFrom``; ``superset_config.py`` from a Secret or
ConfigMap mounted into the pod (the chart's ``superset-config`` Secret).
Values are held in memory only; sources name the object and key.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import re
from collections.abc import Mapping
from typing import Any

from auditor.checks.common.images import image_env as common_image_env
from auditor.checks.common.images import parse_image
from auditor.checks.kubernetes.facts import KubeFacts, Workload
from auditor.checks.kubernetes.kustomize import data_unknown
from auditor.checks.kubernetes.objects import Item, as_list, as_map
from auditor.checks.kubernetes.routes import (
    Route,
    node_ports,
    sidecar_tls,
)
from auditor.checks.superset.configmodel import (
    ConfigSet,
    EnvValue,
    SupersetConfig,
    Topology,
    analyze,
    gunicorn_timeout,
)

CONFIG_KEY = "superset_config.py"


SOPS_VALUE = re.compile(r"^ENC\[[A-Z0-9_]+,data:.*\]$", re.S)
"""A value SOPS encrypted in place (``ENC[AES256_GCM,data:...,iv:...,tag:...,type:str]``)."""


def sops_encrypted(item: Item) -> bool:
    """Whether the object is a SOPS-encrypted file as committed (a top-level ``sops``
    block): Flux's kustomize-controller or ``sops -d`` decrypts it when it is applied, so
    its encrypted values are unknown here, not the text they are stored as."""
    return isinstance(item.obj.get("sops"), Mapping)


def encrypted_keys(item: Item) -> frozenset[str]:
    """The keys of a Secret or ConfigMap whose values are SOPS ciphertext."""
    if not sops_encrypted(item):
        return frozenset()
    return frozenset(str(key) for field in ("data", "stringData")
                     for key, value in as_map(item.obj.get(field)).items()
                     if isinstance(value, str) and SOPS_VALUE.match(value.strip()))


def object_data(item: Item) -> dict[str, str]:
    """Decoded data of a Secret or ConfigMap (stringData wins, as the API server does).
    SOPS ciphertext is no value: those keys are left out (``encrypted_keys`` names them)."""
    data: dict[str, str] = {}
    hidden = encrypted_keys(item)
    raw = as_map(item.obj.get("data"))
    for key, value in raw.items():
        if not isinstance(value, str):
            continue
        if item.kind == "Secret":
            try:
                data[str(key)] = base64.b64decode(value, validate=False).decode("utf-8", "replace")
            except (binascii.Error, ValueError):
                continue
        else:
            data[str(key)] = value
    for key, value in as_map(item.obj.get("stringData")).items():
        if isinstance(value, str | int | float | bool):
            data[str(key)] = str(value)
    for key in hidden:
        data.pop(key, None)
    return data


def _find(facts: KubeFacts, kind: str, namespace: str, name: str) -> Item | None:
    return facts.relations.named(kind, namespace, name)


@dataclasses.dataclass(frozen=True)
class _Counts:
    """Superset's processes in one namespace, counted once for all its web workloads."""

    web: int
    workers: int
    beats: int
    evidence: tuple[str, ...]
    """One tuple, shared by the topology of every configuration in the namespace."""


class _Sources:
    """What the configurations of one audit share, worked out once for all of them: the
    process counts per namespace and each distinct superset_config.py analysed once (one
    run's cache, dropped with it). Routes are the facts' own (``KubeFacts.routes``)."""

    def __init__(self, facts: KubeFacts) -> None:
        self.facts = facts
        self._counts: dict[str, _Counts] = {}
        self._analysed: dict[tuple[object, ...], SupersetConfig] = {}

    def counts(self, namespace: str) -> _Counts:
        if namespace not in self._counts:
            mine = self.facts.workloads_in(namespace)

            def replicas(role: str) -> int:
                return sum((w.replicas if w.replicas is not None else 1) for w in mine
                           if w.role == role and w.long_running)

            self._counts[namespace] = _Counts(
                replicas("web"), replicas("worker"), replicas("beat"),
                tuple(f"{w.kind} {w.item.name}: {w.role}" for w in mine if w.superset))
        return self._counts[namespace]

    def analyze(self, text: str | None, where: str | None, env: Mapping[str, EnvValue],
                unseen_env: str | None) -> SupersetConfig:
        """``configmodel.analyze``, once per distinct input (the file's text, where it is
        mounted from and the environment it reads)."""
        key = (text, where, tuple(env.items()), unseen_env)
        if key not in self._analysed:
            self._analysed[key] = analyze(text, where, env, unseen_env)
        return self._analysed[key]


def image_env(workload: Workload) -> dict[str, EnvValue]:
    """The environment the web containers' image gives them before the pod's own ``env``
    and ``envFrom`` (``checks/common/images.py``: only images whose Dockerfile is
    published): every main container must get the same, or nothing is assumed."""
    containers = workload.main_containers()
    given = {common_image_env(c.image) for c in containers}
    if len(given) != 1:
        return {}
    repository = parse_image(containers[0].image).repository
    return {name: EnvValue(value, f"ENV {name}={value} of the {repository} image")
            for name, value in given.pop()}


def pod_env(facts: KubeFacts, workload: Workload) -> dict[str, EnvValue]:
    namespace = workload.item.namespace
    env: dict[str, EnvValue] = {}
    owner = f"{workload.kind} {namespace or '-'}/{workload.item.name}"
    for container in workload.main_containers():
        for source in as_list(container.spec.get("envFrom")):
            source = as_map(source)
            for key, kind in (("secretRef", "Secret"), ("configMapRef", "ConfigMap")):
                ref = as_map(source.get(key))
                item = _find(facts, kind, namespace, str(ref.get("name") or ""))
                if item is None:
                    continue
                prefix = str(source.get("prefix") or "")
                for name, value in object_data(item).items():
                    env[prefix + name] = EnvValue(value, f"{kind} {item.name} key {name}")
                for name in sorted(encrypted_keys(item)):
                    where = f"{kind} {item.name} key {name}"
                    env[prefix + name] = EnvValue("", where, unknown=f"{where} is SOPS-"
                                                  "encrypted (decrypted when it is applied)")
        for entry in as_list(container.spec.get("env")):
            entry = as_map(entry)
            name = str(entry.get("name") or "")
            if not name:
                continue
            if "value" in entry:
                env[name] = EnvValue(str(entry.get("value") or ""), f"env {name} of {owner}")
                continue
            ref_from = as_map(entry.get("valueFrom"))
            for key, kind in (("secretKeyRef", "Secret"), ("configMapKeyRef", "ConfigMap")):
                ref = as_map(ref_from.get(key))
                if not ref:
                    continue
                ref_name = str(ref.get("name") or "")
                item = _find(facts, kind, namespace, ref_name)
                data = object_data(item) if item else {}
                wanted = str(ref.get("key") or "")
                where = f"{kind} {ref_name} key {wanted}"
                if wanted in data:
                    env[name] = EnvValue(data[wanted], where)
                elif item is not None and wanted in encrypted_keys(item):
                    env[name] = EnvValue("", where, unknown=f"{where} is SOPS-encrypted "
                                         "(decrypted when it is applied)")
                elif item is None or data_unknown(item) or (
                        kind == "Secret" and not facts.secrets_read):
                    # Provided at run time (an ExternalSecret, a Secret we may not read).
                    env[name] = EnvValue("", where, unknown=f"{where} is not among the "
                                         "audited objects")
    return env


def _mounted_config(facts: KubeFacts, workload: Workload) -> tuple[str, str] | None:
    namespace = workload.item.namespace
    for volume in as_list(workload.pod_spec.get("volumes")):
        volume = as_map(volume)
        for key, kind, name_key in (("secret", "Secret", "secretName"),
                                    ("configMap", "ConfigMap", "name")):
            ref: Mapping[str, Any] = as_map(volume.get(key))
            if not ref:
                continue
            item = _find(facts, kind, namespace, str(ref.get(name_key) or ""))
            if item is None:
                continue
            data = object_data(item)
            if CONFIG_KEY in data:
                return data[CONFIG_KEY], f"{kind} {item.name} key {CONFIG_KEY}"
    return None


def superset_configs(facts: KubeFacts) -> tuple[ConfigSet, dict[str, str]]:
    """One configuration per web workload (per release), else per Superset workload."""
    # Workers and beat run Superset's own code with the same config; the websocket server
    # (Node.js) only when nothing else runs Superset, since the collector asks for one.
    candidates = facts.role("web") or (*facts.role("worker"), *facts.role("beat")) or tuple(
        w for w in facts.workloads if w.superset)
    problems: dict[str, str] = {}
    if not facts.secrets_read:
        problems["superset.secrets"] = (
            "Secrets were not read (give --read-secrets): settings from Secrets are unknown"
        )
    sources = _Sources(facts)
    configs = tuple((w.subject, _config_of(sources, w))
                    for w in sorted(candidates, key=lambda w: w.subject))
    for subject, config in configs:
        # A mounted superset_config.py that could not be analysed (too large, not Python):
        # its settings are unknown (the checks skip), and the report says why.
        for problem in config.problems:
            problems[f"superset.config {subject}"] = problem
    return ConfigSet(configs), problems


def _config_of(sources: _Sources, workload: Workload) -> SupersetConfig:
    facts = sources.facts
    env = pod_env(facts, workload)
    mounted = _mounted_config(facts, workload)
    routes = sources.facts.routes.to(workload)
    behind_proxy, evidence = _proxy_in_front(sources, workload, routes)
    topology = _topology(sources, workload, env)
    urls = _ingress_urls(routes)
    unseen_env, unseen_config = _unseen_sources(facts, workload)
    if unseen_env is None:
        env = {**image_env(workload), **env}
    if mounted is None:
        return dataclasses.replace(sources.analyze(None, None, env, unseen_env),
                                   behind_proxy=behind_proxy, proxy_evidence=evidence,
                                   topology=topology, urls=urls, unseen=unseen_config)
    text, where = mounted
    config = sources.analyze(text, where, env, unseen_env)
    # The file lives inside an object, not on disk: keep the object and line in each
    # setting's source, but give no file location.
    settings = {name: dataclasses.replace(s, path=None) for name, s in config.settings.items()}
    return dataclasses.replace(config, settings=settings, behind_proxy=behind_proxy,
                               proxy_evidence=evidence, topology=topology, urls=urls)


def _unseen_sources(facts: KubeFacts, workload: Workload) -> tuple[str | None, str | None]:
    """(envFrom source, superset_config.py volume) the pods get from objects that are not
    among the audited ones (Kustomize generators, External Secrets): what they hold is
    unknown, not absent."""
    namespace = workload.item.namespace
    env_from: list[str] = []
    mount_dirs: set[str] = set()
    for container in workload.main_containers():
        for source in as_list(container.spec.get("envFrom")):
            for key, kind in (("secretRef", "Secret"), ("configMapRef", "ConfigMap")):
                name = str(as_map(as_map(source).get(key)).get("name") or "")
                found = _find(facts, kind, namespace, name) if name else None
                if found is not None and data_unknown(found):
                    # Generated from a file the audit lacks: any variable may be there.
                    env_from.append(data_unknown(found))
                elif name and (found is None or (kind == "Secret" and not facts.secrets_read)):
                    env_from.append(f"{kind} {name}")
        for mount in as_list(container.spec.get("volumeMounts")):
            mount = as_map(mount)
            path, sub = str(mount.get("mountPath") or ""), str(mount.get("subPath") or "")
            # Where Superset imports superset_config from: its image's /app/pythonpath,
            # a directory of Superset's (/etc/superset), or a file mounted by that name.
            if ("pythonpath" in path or "superset" in path.lower()
                    or path.endswith(CONFIG_KEY) or sub == CONFIG_KEY):
                mount_dirs.add(str(mount.get("name") or ""))
    config_from = None
    for volume in as_list(workload.pod_spec.get("volumes")):
        volume = as_map(volume)
        if str(volume.get("name") or "") not in mount_dirs:
            continue
        for key, kind, name_key in (("secret", "Secret", "secretName"),
                                    ("configMap", "ConfigMap", "name")):
            name = str(as_map(volume.get(key)).get(name_key) or "")
            found = _find(facts, kind, namespace, name) if name else None
            if name and found is None:
                config_from = f"{kind} {name}"
            elif found is not None and data_unknown(found) and CONFIG_KEY not in object_data(
                    found):
                config_from = data_unknown(found)
            elif found is not None and CONFIG_KEY in encrypted_keys(found):
                # Its text is ciphertext until applied: the settings are unknown, not
                # Superset's defaults.
                config_from = f"the SOPS-encrypted {kind} {name} (decrypted when applied)"
    return (", ".join(env_from) or None), config_from


def _proxy_in_front(sources: _Sources, workload: Workload, mine: list[Route],
                    ) -> tuple[bool | None, str]:
    """Whether a proxy fronts the web pods (``mine`` are the routes to them), and what it
    is; None when it cannot be told."""
    sidecar = sidecar_tls(workload)
    if mine or sidecar:
        return True, ", ".join([r.label for r in mine[:3]] + ([sidecar] if sidecar else []))
    # A route whose Service is not among the objects may still be this one's way in, and
    # so may a proxy outside the cluster in front of a NodePort.
    if sources.facts.routes.unresolved(workload.item.namespace) or node_ports(
            sources.facts, workload):
        return None, ""
    return False, ""


def _ingress_urls(routes: list[Route]) -> tuple[str, ...]:
    urls = []
    for route in routes:
        for host in route.hosts:
            if host and "*" not in host:
                secure = route.tls is True and host not in route.uncovered
                urls.append(f"{'https' if secure else 'http'}://{host}")
    return tuple(dict.fromkeys(urls))


def _topology(sources: _Sources, web: Workload, env: Mapping[str, EnvValue]) -> Topology:
    """Replicas of Superset's parts in the web workload's namespace (one release)."""
    counts = sources.counts(web.item.namespace)
    timeout = None
    for container in web.main_containers():
        if "gunicorn" in container.command_text:
            words = container.command_text.split()
            given = next((words[i + 1] for i, w in enumerate(words[:-1])
                          if w in ("-t", "--timeout")), None)
            timeout = gunicorn_timeout(given, "gunicorn")
        elif "GUNICORN_TIMEOUT" in env and not env["GUNICORN_TIMEOUT"].unknown:
            timeout = gunicorn_timeout(env["GUNICORN_TIMEOUT"].value, "gunicorn")
    return Topology(web=counts.web, workers=counts.workers, beats=counts.beats,
                    gunicorn_timeout=timeout, evidence=counts.evidence)

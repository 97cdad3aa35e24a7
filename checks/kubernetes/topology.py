"""Turning objects into workloads and telling Superset's parts apart."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any, Generic, TypeVar

from auditor.checks.kubernetes.facts import WORKLOAD_KINDS, Container, KubeFacts, Workload
from auditor.checks.kubernetes.objects import Item, as_list, as_map


def pod_template(item: Item) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    """(pod metadata, pod spec) of any workload kind."""
    spec = item.spec
    if item.kind == "Pod":
        return item.meta, spec
    if item.kind == "CronJob":
        job = as_map(as_map(spec.get("jobTemplate")).get("spec"))
        template = as_map(job.get("template"))
    else:
        template = as_map(spec.get("template"))
    return as_map(template.get("metadata")), as_map(template.get("spec"))


def containers_of(pod_spec: Mapping[str, Any]) -> tuple[Container, ...]:
    found = []
    for key, init in (("initContainers", True), ("containers", False)):
        for entry in as_list(pod_spec.get(key)):
            if isinstance(entry, Mapping):
                found.append(Container(str(entry.get("name") or "?"), entry, init))
    return tuple(found)


def classify(item: Item, containers: Iterable[Container]) -> str:
    """The workload's role, from what its main containers run (names and labels never decide).

    A pod whose main container runs Superset takes that container's role, whatever its
    sidecars are (an envoy TLS proxy, cloud-sql-proxy, a statsd exporter); a pod running
    no Superset process is a database, Redis, cache, websocket or proxy by its image, or
    ``other``.
    """
    if item.kind in ("Job", "CronJob"):
        return "job"
    mains = [c for c in containers if not c.init]
    found = {superset_role(c) for c in mains} - {None}
    for role in ("web", "worker", "beat"):
        if role in found:
            return role
    images = [c.image.lower().rsplit("@", 1)[0] for c in mains]
    for role, words in IMAGE_ROLES:
        if any(word in image for image in images for word in words):
            return role
    return "other"


# Roles of containers that run no Superset process, by image (the first match wins:
# a Bitnami PostgreSQL pod carries a metrics exporter, Redis pods a sentinel).
IMAGE_ROLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("websocket", ("superset-websocket",)),
    ("database", ("postgres", "mysql", "mariadb", "cloudnative-pg", "percona")),
    ("redis", ("redis", "valkey", "keydb", "dragonfly")),
    ("cache", ("memcached",)),
    ("proxy", ("nginx", "envoy", "haproxy", "traefik", "ghostunnel", "oauth2-proxy", "caddy")),
)
BOOTSTRAP_ROLES = {"app": "web", "app-gunicorn": "web", "worker": "worker", "beat": "beat"}
_CELERY_APP = re.compile(r"(?:-a|--app)[= ]+superset\b")
_GUNICORN_APP = re.compile(r"superset(?:\.app)?:(?:create_app\(|app\b)")


def superset_role(container: Container) -> str | None:
    """``web``, ``worker`` or ``beat`` when the container runs that Superset process, else None.

    Only the command line decides (or the official image's own entrypoint when no command is
    given): ``superset init``, ``db upgrade`` and ``npm run dev`` are not Superset processes.
    """
    text = container.command_text.lower()
    words = text.replace(";", " ").replace("&&", " ").split()
    if "celery" in text and _CELERY_APP.search(text):
        if "beat" in words:
            return "beat"
        if "flower" in words or "flower" in text:
            return None  # a monitoring UI over the broker, not a Superset worker
        return "worker" if "worker" in words else None
    if "gunicorn" in text and _GUNICORN_APP.search(text):
        return "web"
    if "superset run" in text or "run-server.sh" in text:
        return "web"
    if "flask run" in text and "superset" in _env_value(container, "FLASK_APP").lower():
        return "web"
    for index, word in enumerate(words):
        if word.endswith("docker-bootstrap.sh") and index + 1 < len(words):
            return BOOTSTRAP_ROLES.get(words[index + 1].strip("'\""))
    if not text and _runs_image_entrypoint(container.image.lower()):
        return "web"  # the image's entrypoint runs /usr/bin/run-server.sh (gunicorn)
    return None


def _runs_image_entrypoint(image: str) -> bool:
    """The official image (apache/superset, also via apachesuperset.docker.scarf.sh) or one
    whose repository is named exactly ``superset``: images built FROM it keep its entrypoint."""
    repository = image.rsplit("@", 1)[0].rsplit("/", 1)[-1]
    return repository.split(":", 1)[0] == "superset"


def _env_value(container: Container, name: str) -> str:
    for entry in as_list(container.spec.get("env")):
        if isinstance(entry, Mapping) and entry.get("name") == name:
            return str(entry.get("value") or "")
    return ""


def workloads(items: Iterable[Item]) -> tuple[Workload, ...]:
    found = []
    for item in items:
        if item.kind not in WORKLOAD_KINDS:
            continue
        owners = [o for o in as_list(item.meta.get("ownerReferences"))
                  if isinstance(o, Mapping) and o.get("controller")]
        if owners:
            continue  # its controller is audited instead (ReplicaSets, pods, Jobs of CronJobs)
        meta, spec = pod_template(item)
        containers = containers_of(spec)
        found.append(Workload(
            item=item,
            role=classify(item, containers),
            pod_spec=spec,
            pod_labels=as_map(meta.get("labels")),
            pod_annotations=as_map(meta.get("annotations")),
            containers=containers,
        ))
    return tuple(found)


def selects(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """Label selector semantics: matchLabels and matchExpressions (an empty one selects all)."""
    if selector is None:
        return False
    match = as_map(selector.get("matchLabels")) if "matchLabels" in selector or \
        "matchExpressions" in selector else selector
    for key, value in match.items():
        if labels.get(key) != value:
            return False
    for expression in as_list(selector.get("matchExpressions")):
        if not isinstance(expression, Mapping):
            continue
        key = str(expression.get("key"))
        op = expression.get("operator")
        values = [str(v) for v in as_list(expression.get("values"))]
        present = key in labels
        if (op == "In" and labels.get(key) not in values) or (
            op == "NotIn" and present and labels.get(key) in values) or (
            op == "Exists" and not present) or (op == "DoesNotExist" and present):
            return False
    return True


def workloads_selected(facts: KubeFacts, item: Item, selector: Mapping[str, Any] | None,
                       ) -> list[Workload]:
    """Workloads in ``item``'s namespace whose pods ``selector`` selects."""
    return list(facts.relations.workloads_selected(item.namespace, selector))


def service_selector(service: Item) -> Mapping[str, Any] | None:
    """A Service's ``spec.selector``: a plain label map; none or an empty one selects no pod
    (such a Service has its endpoints made by hand)."""
    return as_map(service.spec.get("selector")) or None


def label_selector(value: object) -> Mapping[str, Any] | None:
    """A LabelSelector field (``policy/v1`` PDBs): an empty one selects every pod of the
    namespace, a missing (null) one none."""
    return value if isinstance(value, Mapping) else None


SELECTOR_OF: Mapping[str, Callable[[Item], Mapping[str, Any] | None]] = {
    "Service": service_selector,
    "PodDisruptionBudget": lambda pdb: label_selector(pdb.spec.get("selector")),
}
"""How each kind that points at pods by labels names them (see :meth:`Relations.selecting`)."""

Member = TypeVar("Member")


Pair = tuple[Hashable, Hashable]


def _requirements(selector: Mapping[str, Any]) -> list[list[Pair]]:
    """What a pod must carry for ``selector`` to select it, as :func:`selects` compares:
    for each requirement, (label, value) pairs of which the pod carries at least one
    (``matchLabels`` give one pair each, an ``In`` expression one per value). Terms that
    cannot narrow the search are left out: unhashable values, ``None`` (which an absent
    label equals), the other operators."""
    match = as_map(selector.get("matchLabels")) if "matchLabels" in selector or \
        "matchExpressions" in selector else selector
    found: list[list[Pair]] = [[(key, value)] for key, value in match.items()
                               if value is not None and _hashable(value)]
    for expression in as_list(selector.get("matchExpressions")):
        if isinstance(expression, Mapping) and expression.get("operator") == "In":
            key = str(expression.get("key"))
            found.append([(key, str(v)) for v in as_list(expression.get("values"))])
    return found


def _hashable(value: object) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


class _LabelIndex(Generic[Member]):
    """The members of one namespace (workloads by pod labels, or objects by their own
    labels) under each (label, value) pair they carry, in their order."""

    def __init__(self, members: Sequence[Member], labels: Sequence[Mapping[str, Any]]) -> None:
        self.members = tuple(members)
        self.labels = tuple(labels)
        self.postings: dict[tuple[Hashable, Hashable], list[int]] = defaultdict(list)
        for position, found in enumerate(self.labels):
            for key, value in found.items():
                if _hashable(value):
                    self.postings[(key, value)].append(position)

    def candidates(self, selector: Mapping[str, Any] | None) -> Sequence[int]:
        """Positions of the members ``selector`` may select: the shortest posting list of
        its required labels, or every member when it requires none."""
        if selector is None:
            return ()
        narrowest: Sequence[int] | None = None
        for pairs in _requirements(selector):
            if len(pairs) == 1:
                found: Sequence[int] = self.postings.get(pairs[0], ())
            else:
                found = sorted({p for pair in pairs for p in self.postings.get(pair, ())})
            if narrowest is None or len(found) < len(narrowest):
                narrowest = found
        return range(len(self.members)) if narrowest is None else narrowest


class Relations:
    """Who selects whom among one audit's objects, found through indexes instead of a scan
    of the namespace for every workload (issue 16: 4,000 documents in one namespace took
    4.7 times as long as in 50).

    Held by the facts (``KubeFacts.relations``) and filled as checks ask: pod label
    indexes per namespace, object label indexes per (kind, namespace), objects by name,
    and every selector's answer per (selector, labels) pair, so that a Service matched
    against a workload by one check is not matched again by the next."""

    def __init__(self, facts: KubeFacts) -> None:
        self._facts = facts
        self._answers: dict[tuple[int, int], tuple[object, object, bool]] = {}
        self._pods: dict[str, _LabelIndex[Workload]] = {}
        self._objects: dict[tuple[str, str], _LabelIndex[Item]] = {}
        self._selected: dict[tuple[str, int], tuple[object, tuple[Workload, ...]]] = {}
        self._selecting: dict[tuple[str, str], dict[int, tuple[Item, ...]]] = {}
        self._named: dict[tuple[str, str], dict[str, Item]] = {}
        self._targeting: dict[tuple[str, str], dict[tuple[Hashable, Hashable], Item]] = {}
        self._present: dict[str, frozenset[tuple[str, str]]] = {}

    def matches(self, selector: Mapping[str, Any] | None, labels: Mapping[str, Any]) -> bool:
        """:func:`selects`, answered once per pair of objects (both are kept, so their ids
        stay theirs while the answer is remembered)."""
        key = (id(selector), id(labels))
        known = self._answers.get(key)
        if known is None:
            known = (selector, labels, selects(selector, labels))
            self._answers[key] = known
        return known[2]

    def workloads_selected(self, namespace: str, selector: Mapping[str, Any] | None,
                           ) -> tuple[Workload, ...]:
        """Workloads of ``namespace`` whose pods ``selector`` selects, in their order."""
        key = (namespace, id(selector))
        known = self._selected.get(key)
        if known is None or known[0] is not selector:
            index = self._pod_index(namespace)
            found = tuple(index.members[i] for i in index.candidates(selector)
                          if self.matches(selector, index.labels[i]))
            known = (selector, found)
            self._selected[key] = known
        return known[1]

    def objects_selected(self, kind: str, namespace: str,
                         selector: Mapping[str, Any] | None) -> tuple[Item, ...]:
        """Objects of ``kind`` in ``namespace`` whose own labels ``selector`` selects."""
        index = self._objects.get((kind, namespace))
        if index is None:
            items = self._facts.in_namespace(kind, namespace)
            index = _LabelIndex(items, [item.labels for item in items])
            self._objects[(kind, namespace)] = index
        return tuple(index.members[i] for i in index.candidates(selector)
                     if self.matches(selector, index.labels[i]))

    def selecting(self, kind: str, workload: Workload) -> tuple[Item, ...]:
        """Objects of ``kind`` (a key of :data:`SELECTOR_OF`) in the workload's namespace
        whose selector selects its pods, in their order."""
        namespace = workload.item.namespace
        by_workload = self._selecting.get((kind, namespace))
        if by_workload is None:
            found: dict[int, list[Item]] = defaultdict(list)
            selector_of = SELECTOR_OF[kind]
            for item in self._facts.in_namespace(kind, namespace):
                for selected in self.workloads_selected(namespace, selector_of(item)):
                    found[id(selected)].append(item)
            by_workload = {key: tuple(items) for key, items in found.items()}
            self._selecting[(kind, namespace)] = by_workload
        return by_workload.get(id(workload), ())

    def named(self, kind: str, namespace: str, name: str) -> Item | None:
        """The first object of ``kind`` named ``name`` in ``namespace``."""
        names = self._named.get((kind, namespace))
        if names is None:
            names = {}
            for item in self._facts.in_namespace(kind, namespace):
                names.setdefault(item.name, item)
            self._named[(kind, namespace)] = names
        return names.get(name)

    def present(self, kind: str) -> frozenset[tuple[str, str]]:
        """(namespace, name) of every object of ``kind``."""
        if kind not in self._present:
            self._present[kind] = frozenset((i.namespace, i.name) for i in self._facts.of(kind))
        return self._present[kind]

    def targeting(self, kind: str, workload: Workload) -> Item | None:
        """The first object of ``kind`` in the workload's namespace whose
        ``spec.scaleTargetRef`` names it by kind and name (an HPA, a VPA)."""
        namespace = workload.item.namespace
        targets = self._targeting.get((kind, namespace))
        if targets is None:
            targets = {}
            for item in self._facts.in_namespace(kind, namespace):
                ref = as_map(item.spec.get("scaleTargetRef"))
                pair = (ref.get("kind"), ref.get("name"))
                if _hashable(pair):
                    targets.setdefault(pair, item)
            self._targeting[(kind, namespace)] = targets
        return targets.get((workload.kind, workload.item.name))

    def _pod_index(self, namespace: str) -> _LabelIndex[Workload]:
        index = self._pods.get(namespace)
        if index is None:
            members = self._facts.workloads_in(namespace)
            index = _LabelIndex(members, [w.pod_labels for w in members])
            self._pods[namespace] = index
        return index


def controller_of(pod: Mapping[str, object]) -> tuple[str, str] | None:
    """(kind, name) of the workload behind a pod; a ReplicaSet stands for its Deployment."""
    kind, _, name = str(pod.get("owner") or "").partition("/")
    if kind == "ReplicaSet":
        return "Deployment", name.rsplit("-", 1)[0]
    if kind in ("StatefulSet", "DaemonSet"):
        return kind, name
    return None

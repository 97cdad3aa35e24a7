"""A second manifest generator, written from what clusters hold, not from the checks.

    python bench/gen_manifests2.py --docs 4000 --layout one-namespace --out DIR
    python bench/gen_manifests2.py --docs 4000 --layout many-namespaces --namespaces 50 --out DIR

``bench/gen_manifests.py`` was written next to the checks; this one was not
(nothing here was chosen by reading ``checks/``). It writes exactly ``--docs``
non-empty documents, deterministic for a ``--seed``, as a mix of applications:
web services, workers, databases and caches (StatefulSets), node agents
(DaemonSets), batch jobs (CronJobs, Jobs), Superset releases (a ConfigMap holding
``superset_config.py``), namespace plumbing (NetworkPolicies, quotas, RBAC), custom
resources of operators and their CRDs, and the odd very large ConfigMap. Each
application comes in one of three forms:

- Helm output: ``---`` then ``# Source: chart/templates/x.yaml`` before every
  document, now and then a template that rendered nothing;
- hand-written files for ``kubectl apply``: comments, anchors and aliases
  (``labels: &labels`` ... ``*labels``), YAML 1.1 merge keys (``<<: *probe``),
  several applications per file at times;
- JSON, one object per file.

Layouts: ``one-namespace`` puts everything in ``default`` (hand-written files
often name no namespace at all, as with ``kubectl apply -n``), so one namespace
holds thousands of workloads; ``many-namespaces`` spreads the applications over
``--namespaces`` namespaces, one directory each, every document naming its own.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from gen2_objects import DocTree, Objects  # noqa: E402
from yamltext import dump, plain  # noqa: E402

LAYOUTS = ("one-namespace", "many-namespaces")
ONE_NAMESPACE = "default"
FORMS = ("helm", "kubectl", "json")
FORM_WEIGHTS = (55, 38, 7)


@dataclass
class App:
    namespace: str
    name: str
    form: str
    docs: list[DocTree]


@dataclass
class Layout:
    """Where applications go and how their files are laid out."""

    mode: str
    namespaces: list[str]
    out: Path
    texts: dict[Path, list[str]] = field(default_factory=dict)
    open_kubectl: dict[str, tuple[Path, int]] = field(default_factory=dict)

    def folder(self, namespace: str) -> Path:
        return self.out if self.mode == "one-namespace" else self.out / namespace


def application_makers(objects: Objects) -> list[tuple[int, Callable[[str, str], list[DocTree]]]]:
    """Weighted kinds of application: mostly web services and workers, as in most clusters."""
    return [
        (30, objects.web_app),
        (15, objects.worker_app),
        (10, objects.stateful_app),
        (6, objects.node_agent_app),
        (10, objects.batch_app),
        (6, objects.superset_release),
        (8, objects.namespace_plumbing),
        (8, objects.custom_resources),
        (4, objects.big_config),
    ]


def applications(seed: int, layout: Layout) -> Iterator[App]:
    rng = random.Random(seed)
    objects = Objects(rng)
    makers = application_makers(objects)
    weights = [w for w, _ in makers]
    serial = 0
    while True:
        namespace = (ONE_NAMESPACE if layout.mode == "one-namespace"
                     else layout.namespaces[serial % len(layout.namespaces)])
        form = rng.choices(FORMS, FORM_WEIGHTS)[0]
        make = rng.choices(makers, weights)[0][1]
        objects.hand_written = form == "kubectl"
        # hand-written manifests applied with `kubectl apply -n` often name no namespace
        objects.omit_namespace = (layout.mode == "one-namespace" and form == "kubectl"
                                  and rng.random() < 0.5)
        name = objects.app_name(serial)
        yield App(namespace, name, form, make(namespace, name))
        serial += 1


def helm_text(app: App, docs: list[DocTree], rng: random.Random) -> str:
    parts: list[str] = []
    for doc in docs:
        parts.append(f"---\n# Source: {doc.source}\n{dump(doc.tree)}")
        if rng.random() < 0.04:  # a template whose condition was false renders nothing
            parts.append(f"---\n# Source: {app.name}/templates/tests/test-connection.yaml\n")
    return "".join(parts)


def kubectl_text(app: App, docs: list[DocTree], joined: bool) -> str:
    head = "" if joined else f"# {app.name}: applied with kubectl apply -f\n"
    return head + "".join(f"---\n# {doc.source.rsplit('/', 1)[-1]}\n{dump(doc.tree)}"
                          for doc in docs)


def write_app(app: App, docs: list[DocTree], layout: Layout, rng: random.Random) -> None:
    folder = layout.folder(app.namespace)
    if app.form == "json":
        for i, doc in enumerate(docs):
            path = folder / f"{app.name}-{i}.json"
            layout.texts[path] = [json.dumps(plain(doc.tree), indent=2) + "\n"]
        return
    if app.form == "helm":
        layout.texts[folder / f"{app.name}.yaml"] = [helm_text(app, docs, rng)]
        return
    current = layout.open_kubectl.get(app.namespace)
    if current is not None and current[1] < 60 and rng.random() < 0.4:
        path, count = current  # several applications in one all-in-one.yaml
        layout.texts[path].append(kubectl_text(app, docs, joined=True))
        layout.open_kubectl[app.namespace] = (path, count + len(docs))
        return
    path = folder / f"{app.name}.yaml"
    layout.texts[path] = [kubectl_text(app, docs, joined=False)]
    layout.open_kubectl[app.namespace] = (path, len(docs))


def generate(docs: int, out: Path, *, layout: str = "many-namespaces", namespaces: int = 50,
             seed: int = 1) -> list[Path]:
    """Write exactly ``docs`` non-empty documents under ``out``; the files written."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}")
    plan = Layout(layout, namespace_names(namespaces), out)
    rng = random.Random(seed * 7919 + 1)  # file grouping, apart from the objects
    remaining = docs
    for app in applications(seed, plan):
        if remaining <= 0:
            break
        take = app.docs[:remaining]
        remaining -= len(take)
        write_app(app, take, plan, rng)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path, chunks in plan.texts.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(chunks), encoding="utf-8")
        written.append(path)
    return sorted(written)


TEAM_NAMES = ("payments", "search", "analytics", "identity", "growth", "platform", "data",
              "ml", "checkout", "catalog", "billing", "support", "ads", "media", "ops",
              "risk", "fraud", "mobile")
STAGES = ("prod", "staging", "dev")


def namespace_names(count: int) -> list[str]:
    """team-stage, then team-stage-2 ... once every pair is taken."""
    pairs = len(TEAM_NAMES) * len(STAGES)
    return [f"{TEAM_NAMES[i % len(TEAM_NAMES)]}-{STAGES[(i // len(TEAM_NAMES)) % len(STAGES)]}"
            + (f"-{i // pairs + 1}" if i >= pairs else "") for i in range(max(1, count))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, required=True, help="exact number of documents")
    parser.add_argument("--out", type=Path, required=True, help="directory to write into")
    parser.add_argument("--layout", choices=LAYOUTS, default="many-namespaces")
    parser.add_argument("--namespaces", type=int, default=50,
                        help="namespaces of the many-namespaces layout (default 50)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.docs < 1 or args.namespaces < 1:
        parser.error("--docs and --namespaces must be positive")
    files = generate(args.docs, args.out, layout=args.layout, namespaces=args.namespaces,
                     seed=args.seed)
    size = sum(f.stat().st_size for f in files) / 1e6
    print(f"wrote {args.docs} documents in {len(files)} files ({size:.1f} MB) to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Real charts as benchmark input: ``../shared/corpus`` rendered by helm, replicated.

Every top-level chart under the corpus (a directory with ``Chart.yaml`` that is
not a subchart) is rendered with the real ``helm template``, once with its
default values and once with each ``*values*.yaml`` file beside the chart
directory. The renders are then copied, one namespace per copy, until there
are as many documents as asked: copy *k* is render ``k mod renders`` with its
namespace rewritten to ``corpus-kkkk``. Helm renders some objects without
``metadata.namespace`` (``kubectl apply -n`` places them); such documents get
the copy's namespace written in, so every copy is a namespace of its own.

Rendering once and rewriting the namespace keeps the set quick to build at
16,000 documents (hundreds of copies) while staying byte for byte what helm
wrote otherwise, ``# Source:`` lines included.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
RELEASE = "superset"
PLACEHOLDER = "bench-corpus-namespace"
DOC_SPLIT = re.compile(r"^---[ \t]*$", re.MULTILINE)
# Kinds without a namespace (apiserver's own list, the ones charts render).
CLUSTER_SCOPED = frozenset({
    "Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
    "PersistentVolume", "StorageClass", "PriorityClass", "IngressClass", "RuntimeClass",
    "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "APIService",
    "CSIDriver", "VolumeSnapshotClass",
})


class Skip(Exception):
    """The input set cannot be built here; the reason is reported, it is not an error."""


class RenderError(Exception):
    """helm failed on a chart of the corpus."""


@dataclass
class Render:
    name: str  # chart and values file, for the copy's file name
    docs: list[str]  # one text per non-empty document, "# Source:" line included


def find_helm() -> str | None:
    """``$HELM``, else helm on PATH, beside this Python, or in the tests' cache (helmbin.py)."""
    explicit = os.environ.get("HELM")
    if explicit:
        return shutil.which(explicit)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    for candidate in (Path(sys.executable).parent / "helm",
                      cache / "deploy-auditor-tests" / "helm" / "helm"):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return shutil.which("helm") or str(candidate)
    return shutil.which("helm")


def top_level_charts(corpus: Path) -> list[Path]:
    charts = sorted(p.parent for p in corpus.rglob("Chart.yaml"))
    return [c for c in charts if not any(o in c.parents for o in charts)]


def values_variants(chart: Path) -> list[Path | None]:
    beside = sorted(p for p in chart.parent.glob("*values*.y*ml") if p.is_file())
    return [None, *beside]


def with_namespace(doc: str) -> str:
    """``doc`` with ``metadata.namespace: PLACEHOLDER`` when it is namespaced and has none."""
    data = yaml.load(doc, Loader=Loader)
    if not isinstance(data, dict) or data.get("kind") in CLUSTER_SCOPED:
        return doc
    meta = data.get("metadata")
    if not isinstance(meta, dict) or meta.get("namespace") is not None:
        return doc
    lines = doc.split("\n")
    at = lines.index("metadata:")
    after = lines[at + 1] if at + 1 < len(lines) else ""
    indent = len(after) - len(after.lstrip(" ")) or 2
    lines.insert(at + 1, " " * indent + f"namespace: {PLACEHOLDER}")
    fixed = "\n".join(lines)
    if yaml.load(fixed, Loader=Loader)["metadata"].get("namespace") != PLACEHOLDER:
        raise RenderError(f"could not place a namespace in {data.get('kind')}")
    return fixed


def render(helm: str, chart: Path, values: Path | None, scratch: Path) -> Render:
    argv = [helm, "template", RELEASE, str(chart), "--namespace", PLACEHOLDER]
    if values is not None:
        argv += ["-f", str(values)]
    done = subprocess.run(argv, capture_output=True, text=True, cwd=scratch, check=False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RenderError(f"helm template {chart.name} exited {done.returncode}: {last}")
    docs = []
    for chunk in DOC_SPLIT.split(done.stdout):
        if yaml.load(chunk, Loader=Loader) is not None:
            docs.append(with_namespace(chunk.strip("\n") + "\n"))
    name = chart.name + ("" if values is None else "-" + values.stem)
    return Render(name, docs)


class CorpusInput:
    """Renders the corpus once (lazily), then writes copies of any size."""

    def __init__(self, corpus: Path) -> None:
        self.corpus = corpus
        self.renders: list[Render] | None = None

    def prepare(self, scratch: Path) -> list[Render]:
        if self.renders is not None:
            return self.renders
        if not self.corpus.is_dir():
            raise Skip(f"{self.corpus} not found (the shared corpus is not on this machine)")
        charts = top_level_charts(self.corpus)
        if not charts:
            raise Skip(f"no chart (Chart.yaml) under {self.corpus}")
        helm = find_helm()
        if helm is None:
            raise Skip("helm not found ($HELM, PATH, beside this Python, the tests' cache)")
        scratch.mkdir(parents=True, exist_ok=True)
        renders = [render(helm, c, v, scratch) for c in charts for v in values_variants(c)]
        self.renders = [r for r in renders if r.docs]
        if not self.renders:
            raise Skip(f"the charts under {self.corpus} rendered no documents")
        return self.renders

    def write(self, docs: int, out: Path, scratch: Path) -> list[Path]:
        """Exactly ``docs`` documents under ``out``, one file per copy (namespace)."""
        renders = self.prepare(scratch)
        out.mkdir(parents=True, exist_ok=True)
        written, remaining, copy = [], docs, 0
        while remaining > 0:
            source = renders[copy % len(renders)]
            namespace = f"corpus-{copy:04d}"
            take = source.docs[:remaining]
            text = "".join(f"---\n{d}" for d in take).replace(PLACEHOLDER, namespace)
            path = out / f"{namespace}-{source.name}.yaml"
            path.write_text(text, encoding="utf-8")
            written.append(path)
            remaining -= len(take)
            copy += 1
        return written

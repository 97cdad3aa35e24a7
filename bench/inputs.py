"""The input sets of the manifest benchmark: who wrote the manifests, and how.

- ``gen1``: ``bench/gen_manifests.py``, written next to the checks; 100
  documents per file, namespaces growing with the size (one per 40 documents);
- ``gen2-one-namespace`` / ``gen2-many-namespaces``: ``bench/gen_manifests2.py``,
  written without reading the checks; everything in one namespace (the case
  that is quadratic when relations are found by scanning a namespace), or
  spread over 50;
- ``corpus-charts``: the real charts of ``../shared/corpus`` rendered by helm and
  copied across namespaces (``bench/corpus_input.py``); skipped, with the
  reason, where the corpus or helm is missing.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import gen_manifests  # noqa: E402
import gen_manifests2  # noqa: E402
from corpus_input import CorpusInput, RenderError, Skip  # noqa: E402

DEFAULT_CORPUS = HERE.parent.parent / "shared" / "corpus"
__all__ = ["INPUT_NAMES", "InputSet", "RenderError", "Skip", "input_sets"]

Writer = Callable[[int, Path, Path, int], list[Path]]  # (docs, out, scratch, seed) -> files


@dataclass(frozen=True)
class InputSet:
    name: str
    about: str
    write: Writer


def _gen1(docs: int, out: Path, scratch: Path, seed: int) -> list[Path]:
    return gen_manifests.generate(docs, out, per_file=100, seed=seed)


def _gen2(layout: str) -> Writer:
    def write(docs: int, out: Path, scratch: Path, seed: int) -> list[Path]:
        return gen_manifests2.generate(docs, out, layout=layout, namespaces=50, seed=seed)
    return write


def input_sets(corpus: Path = DEFAULT_CORPUS) -> list[InputSet]:
    charts = CorpusInput(corpus)
    return [
        InputSet("gen1", "bench/gen_manifests.py (next to the checks), 1 namespace per 40 docs",
                 _gen1),
        InputSet("gen2-one-namespace",
                 "bench/gen_manifests2.py (independent), every object in one namespace",
                 _gen2("one-namespace")),
        InputSet("gen2-many-namespaces",
                 "bench/gen_manifests2.py (independent), 50 namespaces", _gen2("many-namespaces")),
        InputSet("corpus-charts", f"helm template of the charts in {corpus}, one copy per"
                 " namespace", lambda docs, out, scratch, seed: charts.write(docs, out, scratch)),
    ]


INPUT_NAMES = tuple(s.name for s in input_sets(Path("/nonexistent")))

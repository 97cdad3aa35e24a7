"""Where the memory of a manifest audit goes, and what issue 16's growth bound leaves.

    python bench/memory_budget.py                                   # 4,000 and 16,000
    python bench/memory_budget.py --inputs gen2-one-namespace --sizes 4000,16000

Issue 16 asks that the peak at 16,000 documents stay within 1.5x the peak at 4,000.
With a peak of ``base + N * m`` (``base``: the interpreter and the imported checks;
``m``: what each document keeps), that holds only while ``m <= base / 20,000``
(``base + 16,000m <= 1.5 * (base + 4,000m)``). This bench measures both parts in a
fresh interpreter per input (``--child``), after the facts are collected and after
the report is built:

- ``base``: resident memory after importing the auditor and the Kubernetes checks;
- the objects the collector keeps (``KubeFacts.items``: every manifest object, which
  every check reads, as DESIGN.md has facts gathered in full before any check runs);
- the findings the library's ``Report`` holds (``api.scan`` returns all of them).

Sizes are the objects' own (``sys.getsizeof``), each shared object counted once, so
they are a floor of what the allocator holds. Figures, not assertions: nothing here
fails on a number.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from inputs import DEFAULT_CORPUS, INPUT_NAMES, Skip, input_sets  # noqa: E402

GROWTH_BOUND = 1.5
SMALL, LARGE = 4000, 16000


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def deep_size(root: object, seen: set[int]) -> int:
    """Bytes of ``root`` and everything it holds that ``seen`` does not (iterative: a
    deep manifest must not exhaust the stack)."""
    total, stack = 0, [root]
    while stack:
        obj = stack.pop()
        if id(obj) in seen or obj is None or isinstance(obj, (bool, type)):
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        if isinstance(obj, dict):
            stack.extend(obj.keys())
            stack.extend(obj.values())
        elif isinstance(obj, (list, tuple, set, frozenset)):
            stack.extend(obj)
        elif hasattr(type(obj), "__slots__"):
            stack.extend(getattr(obj, slot) for cls in type(obj).__mro__
                         for slot in getattr(cls, "__slots__", ()) if hasattr(obj, slot))
        elif hasattr(obj, "__dict__") and not callable(obj):
            stack.append(vars(obj))
    return total


def child(directory: Path) -> dict[str, Any]:
    from auditor.api import scan
    from auditor.checks.kubernetes.collect import collect
    from auditor.targets import parse_targets

    base = rss_mb()
    [target] = parse_targets([str(directory)])
    facts = collect(target, {})
    kube = facts.values["kubernetes"]
    objects = deep_size([item.obj for item in kube.items], set())
    documents = len(kube.items)
    after_collect = rss_mb()
    del facts, kube
    report = scan([str(directory)], style="kubernetes")
    findings = [f for t in report.targets for f in t.findings]
    return {"documents": documents, "base_mb": base, "after_collect_mb": after_collect,
            "objects_bytes": objects, "findings": len(findings),
            "findings_bytes": deep_size(findings, set())}


def measure(directory: Path) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, "--child", str(directory)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"memory_budget: the child failed on {directory}:\n{done.stderr}")
    figures: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return figures


def lines(name: str, size: int, m: dict[str, Any]) -> list[str]:
    docs = m["documents"] or 1
    allowed = m["base_mb"] * 2**20 / 20000
    objects, findings = m["objects_bytes"] / docs, m["findings_bytes"] / docs
    return [
        f"{name} {size:,} documents: base {m['base_mb']:.0f} MB; after collect "
        f"{m['after_collect_mb']:.0f} MB",
        f"  objects {m['objects_bytes'] / 2**20:.1f} MB ({objects:,.0f} B per document);"
        f" findings {m['findings']:,}, {m['findings_bytes'] / 2**20:.1f} MB"
        f" ({findings:,.0f} B per document)",
        f"  the {GROWTH_BOUND}x growth bound allows {allowed:,.0f} B per document in all;"
        f" objects and findings alone keep {objects + findings:,.0f} B"
        f" ({(objects + findings) / allowed:.1f}x that)",
    ]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", default="gen2-one-namespace,corpus-charts",
                        help=f"comma-separated, of {', '.join(INPUT_NAMES)}")
    parser.add_argument("--sizes", default=f"{SMALL},{LARGE}")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.input_list = [s for s in args.inputs.split(",") if s]
    if set(args.input_list) - set(INPUT_NAMES):
        parser.error(f"--inputs: one of {', '.join(INPUT_NAMES)}")
    try:
        args.size_list = [int(s) for s in args.sizes.split(",") if s]
    except ValueError:
        parser.error("--sizes takes comma-separated integers")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child is not None:
        print(json.dumps(child(args.child)))
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        for inputs in input_sets(args.corpus):
            if inputs.name not in args.input_list:
                continue
            for size in args.size_list:
                out = Path(tmp) / f"{inputs.name}-{size}"
                try:
                    inputs.write(size, out, Path(tmp) / "scratch", 1)
                except Skip as why:
                    print(f"{inputs.name}: skipped ({why})")
                    break
                print("\n".join(lines(inputs.name, size, measure(out))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Start-up of a small audit against importing what it imports (issue 16, item 5).

A host-tree audit is mostly start-up. Its floor here is a fresh interpreter that
imports exactly the modules one such audit imported (recorded from a traced run of
the same command, in import order) and does nothing else: what any program built
from that code would pay before doing work. A second, lower floor imports only its
third-party packages (``pluggy``, ``crossplane`` ...): what a program that wrote
everything itself would still pay. The cold command and both floors take turns, the
median of ``rounds`` is reported; a run that fails is an error, never a figure.

    python bench/startup.py --root examples/manual-vm
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from measure import run  # noqa: E402
from wholeproc import RunFailed, auditor_command, run_checked  # noqa: E402

RECORD = """
import sys
from auditor.cli import main
try:
    code = main(sys.argv[2:])
except SystemExit as done:
    code = done.code
with open(sys.argv[1], "w", encoding="utf-8") as out:
    out.write("\\n".join(name for name in list(sys.modules) if name != "__main__"))
sys.exit(code if isinstance(code, int) else 0)
"""

IMPORT = """
import importlib, sys
names = open(sys.argv[1], encoding="utf-8").read().split()
failed = 0
for name in names:
    try:
        importlib.import_module(name)
    except Exception:  # a module that only its parent's import can set up
        failed += 1
print(len(names) - failed)
"""


@dataclass
class Startup:
    command: list[str]
    modules: int
    third_party: list[str]
    cold_s: float
    cold_cpu_s: float
    imports_s: float
    imports_cpu_s: float
    third_party_s: float
    rounds: int
    peak_mb: float

    @property
    def ratio(self) -> float:
        return self.cold_s / self.imports_s

    @property
    def third_party_ratio(self) -> float:
        return self.cold_s / self.third_party_s


def third_party(names: list[str]) -> list[str]:
    """Top-level packages that are neither the standard library nor the auditor."""
    ours = {"auditor", "__editable__", "_distutils_hack"}
    tops = dict.fromkeys(name.split(".")[0] for name in names)
    return [top for top in tops if top not in sys.stdlib_module_names and top not in ours
            and not top.startswith(("__editable__", "_"))]


def _python(code: str, args: list[str], scratch: Path, what: str) -> tuple[float, float, str]:
    out, err = scratch / "startup.out", scratch / "startup.err"
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        done = run([sys.executable, "-c", code, *args], stdout=stdout, stderr=stderr,
                   cwd=scratch)
    if done.exit_code not in (0, 1):
        raise RunFailed(f"{what} exited {done.exit_code}: "
                        f"{err.read_text(encoding='utf-8', errors='replace')[-200:]}")
    return done.wall_s, done.cpu_s, out.read_text(encoding="utf-8").strip()


def measure(scan_args: list[str], rounds: int = 5) -> Startup:
    """``auditor scan_args`` cold, against importing what it imports."""
    command = [*auditor_command(), *scan_args]
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        scratch = Path(tmp)
        listing = scratch / "modules.txt"
        _python(RECORD, [str(listing), *scan_args], scratch, "the traced audit")
        names = listing.read_text(encoding="utf-8").split()
        if not any(name.startswith("auditor.checks.") for name in names):
            raise RunFailed("the traced audit imported no checks: it did not audit")
        deps = third_party(names)
        deps_file = scratch / "deps.txt"
        deps_file.write_text("\n".join(deps), encoding="utf-8")
        cold, cold_cpu, imports, imports_cpu, bare, peaks = [], [], [], [], [], []
        for _ in range(rounds):  # taking turns: all three see the same load
            wall, cpu, _ = _python(IMPORT, [str(listing)], scratch, "the import floor")
            imports.append(wall)
            imports_cpu.append(cpu)
            wall, _, _ = _python(IMPORT, [str(deps_file)], scratch, "the third-party floor")
            bare.append(wall)
            sample = run_checked(command, scratch, "the cold command line")
            cold.append(sample.wall_s)
            cold_cpu.append(sample.cpu_s)
            peaks.append(sample.peak_mb)
    median = statistics.median
    return Startup(command=scan_args, modules=len(names), third_party=deps,
                   cold_s=median(cold), cold_cpu_s=median(cold_cpu), imports_s=median(imports),
                   imports_cpu_s=median(imports_cpu), third_party_s=median(bare), rounds=rounds,
                   peak_mb=max(peaks))


def describe(s: Startup) -> str:
    return "\n".join([
        f"start-up of `auditor {' '.join(s.command)}` (median of {s.rounds}, turns taken)",
        f"  cold command line   {s.cold_s * 1000:7.1f} ms (CPU {s.cold_cpu_s * 1000:.1f} ms),"
        f" {s.peak_mb:.0f} MB peak",
        f"  import its {s.modules} modules {s.imports_s * 1000:7.1f} ms"
        f" (CPU {s.imports_cpu_s * 1000:.1f} ms): {s.ratio:.2f}x",
        f"  import its third-party packages ({', '.join(s.third_party)})"
        f" {s.third_party_s * 1000:.1f} ms: {s.third_party_ratio:.2f}x",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=str(HERE.parent / "examples" / "manual-vm"),
                        help="host tree to audit (default examples/manual-vm)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", type=Path, metavar="OUT")
    args = parser.parse_args(argv)
    scan = ["scan", "--root", str(Path(args.root).resolve()), "--format", "json",
            "--output", "/dev/null", "--quiet"]
    try:
        result = measure(scan, args.rounds)
    except RunFailed as exc:
        print(f"startup: {exc}", file=sys.stderr)
        return 2
    print(describe(result))
    if args.json:
        data = {**asdict(result), "ratio": result.ratio,
                "third_party_ratio": result.third_party_ratio}
        args.json.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

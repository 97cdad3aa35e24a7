#!/usr/bin/env python3
"""Mutation testing with mutmut 3 over a chosen set of modules (issue 13, item 3).

Usage (from the repository, venv active, ``pip install -e '.[mutation]'``)::

    python bench/mutation.py core                 # scoring.py, gates.py, common/redact.py
    python bench/mutation.py checks-common        # one checks/ package; see --list
    python bench/mutation.py core --summary-only  # reprint the numbers of the last run
    python bench/mutation.py core --show SURVIVOR # the diff of one mutant

Why a script in bench/: like the benchmarks it is slow, run by hand and its results are
recorded in a Markdown file (docs/mutation.md); it is deliberately not part of .ci/run.

The setup, and why. mutmut 3 copies the code to mutate into ``mutants/`` next to the
current directory, rewrites the copy, puts ``mutants/`` first on ``sys.path`` and runs
pytest from inside it. Two things in this project get in its way:

* setuptools' package-dir mapping (``checks/`` -> ``auditor.checks``, ``reports/`` ->
  ``auditor.reports``). With the repository as the project, ``mutants/auditor`` would
  have no ``checks`` subpackage, and the editable install's finder would then serve
  ``auditor.checks`` from the *unmutated* ``checks/``: every mutant there would survive.
  So the script stages the installed layout, as ``.ci/typecheck`` does for mypy, but
  as real copies (mutmut walks and copies the tree and does not follow symlinks):
  ``STAGE/auditor`` = ``auditor/`` + ``checks/`` as ``auditor/checks`` + ``reports/`` as
  ``auditor/reports``. mutmut's source path is ``auditor``, so the mutant names are the
  import names (``auditor.checks.common.redact.x_redact_words__mutmut_3``) and the
  editable finder is never consulted (``mutants/auditor`` shadows it on ``sys.path``).
* Other engineers run tests in the working tree. mutmut writes ``mutants/`` into its
  current directory, so it runs only in the stage (default
  ``/tmp/deploy-auditor-mutation/<target>``), never in the repository: nothing in the
  working tree is rewritten. The stage's pyproject.toml is the repository's with a
  ``[tool.mutmut]`` table appended; everything else the tests read relative to the
  repository root (examples/, charts/, ...) is copied with ``also_copy``.

The stage is a copy of the files of a commit (``--rev``, default HEAD), so a run measures
committed code against committed tests whatever others are editing; ``--worktree`` stages
the working tree instead (tracked files plus untracked ones git would add), to try a test
before committing it.
Each run starts from an empty stage; ``--keep`` reuses the stage's earlier results
(mutmut's cache), which is quick but does not retest a survivor whose killing test was
added since.

Tests that run the auditor in a subprocess (``python -m auditor``): the subprocess imports
``auditor`` through the editable install, i.e. from the working tree, unmutated, so such a
test can never kill a mutant (and mutmut, which sees only in-process calls, never picks it
for one). Putting ``STAGE/mutants`` on ``PYTHONPATH`` would fix the subprocess but, tried
with mutmut 3.8.1, stops mutmut from recording any test for any mutant. The targets below
therefore leave such tests out (test_security_tree.py, test_cli.py): they would only slow
the clean run, and test_security_tree.py fails there since the subprocess reads files
outside the stage. The numbers are conservative: a mutant caught only end to end counts
as survived.

Per-mutant runs: mutmut first runs the selected test modules once recording which tests
reach which function, then runs, for each mutant, only the tests that reach the mutated
function. Keep each target's test list to the few fast modules that cover it.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import random
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from collections import Counter
from fnmatch import fnmatch
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STAGE_ROOT = Path("/tmp/deploy-auditor-mutation")

# name -> (files to mutate, as staged paths; test modules that cover them)
TARGETS: dict[str, tuple[list[str], list[str]]] = {
    "core": (
        ["auditor/scoring.py", "auditor/gates.py", "auditor/checks/common/redact.py"],
        ["tests/test_scoring.py", "tests/test_regression.py",
         "tests/test_security_secrets.py", "tests/test_mutation_kills.py",
         "tests/test_security_masking_structure.py"],
    ),
    "checks-common": (
        ["auditor/checks/common/*.py"],
        ["tests/test_security_secrets.py",
         "tests/test_image_pinning.py", "tests/test_host_debugger.py",
         "tests/test_memory_bounded.py", "tests/test_superset_styles.py",
         "tests/test_mutation_kills.py", "tests/test_conditions.py",
         "tests/test_mutation_kills_common.py"],
    ),
    # checks/common is reached mostly through the checks of each style: the same modules
    # with the style suites that call them in-process.
    "checks-common-wide": (
        ["auditor/checks/common/*.py"],
        ["tests/test_security_secrets.py", "tests/test_image_pinning.py",
         "tests/test_host_debugger.py", "tests/test_memory_bounded.py",
         "tests/test_superset_styles.py", "tests/test_systemd_units.py",
         "tests/test_systemd_hostconf.py", "tests/test_compose.py",
         "tests/test_kubernetes_files.py", "tests/test_mutation_kills.py",
         "tests/test_conditions.py",
         "tests/test_mutation_kills_common.py"],
    ),
    "checks-pip": (
        ["auditor/checks/pip/*.py"],
        ["tests/test_pip_detection.py", "tests/test_host_debugger.py",
         "tests/test_mutation_kills.py", "tests/test_conditions.py",
         "tests/test_mutation_kills_pip.py"],
    ),
    "checks-systemd": (
        ["auditor/checks/systemd/*.py"],
        ["tests/test_systemd_units.py", "tests/test_systemd_nginx.py",
         "tests/test_systemd_postgres.py", "tests/test_systemd_hostconf.py",
         "tests/test_systemd_detection.py", "tests/test_systemd_live.py",
         "tests/test_mutation_kills.py",
         "tests/test_boundaries_hosts.py", "tests/test_conditions.py",
         "tests/test_mutation_kills_systemd_web.py", "tests/test_mutation_kills_systemd_host.py"],
    ),
    "checks-superset": (
        ["auditor/checks/superset/*.py"],
        ["tests/test_superset_checks.py", "tests/test_superset_config.py",
         "tests/test_superset_config_idioms.py", "tests/test_superset_auth.py",
         "tests/test_superset_caches.py", "tests/test_mutation_kills.py",
         "tests/test_conditions.py",
         "tests/test_mutation_kills_superset.py"],
    ),
    "checks-compose": (
        ["auditor/checks/compose/*.py"],
        ["tests/test_compose.py", "tests/test_compose_context.py",
         "tests/test_compose_dotenv.py", "tests/test_compose_sources.py",
         "tests/test_dockerfile.py", "tests/test_mutation_kills.py",
         "tests/test_boundaries_compose.py", "tests/test_conditions.py",
         "tests/test_mutation_kills_compose.py"],
    ),
    "checks-kubernetes": (
        ["auditor/checks/kubernetes/*.py"],
        ["tests/test_kubernetes_files.py", "tests/test_kubernetes_ways_in.py",
         "tests/test_kubernetes_namespaces.py", "tests/test_kustomize.py",
         "tests/test_external_metadata_db.py", "tests/test_mutation_kills.py",
         "tests/test_boundaries_kubernetes.py", "tests/test_conditions.py",
         "tests/test_mutation_kills_k8s_workloads.py", "tests/test_mutation_kills_k8s_security.py"],
    ),
}

# Tests that cannot pass in a stage (they read the repository as a git checkout or build
# its wheel); a failing test in mutmut's first, clean run stops the whole run. The registry
# test kills no mutant in checks/ (it reads the catalog and the cases, not verdicts).
DESELECT = (
    "tests/test_dockerfile.py::test_dockerignore_keeps_the_context_small_and_complete",
    "tests/test_dockerfile.py::test_the_context_builds_a_complete_wheel",
    "tests/test_conditions.py::test_every_check_has_a_passing_and_a_failing_case",
)

# mutmut.stats.status_by_exit_code, reduced to the columns of docs/mutation.md
STATUS = {1: "killed", 3: "killed", 0: "survived", 36: "timeout", 24: "timeout",
          -24: "timeout", 152: "timeout", 255: "timeout", 5: "no tests", 33: "no tests",
          None: "not checked", 37: "killed"}


def staged_files(rev: str | None) -> dict[Path, bytes]:
    """The repository's files at ``rev`` (a commit), or in the working tree when None."""
    if rev is not None:
        archive = subprocess.run(["git", "archive", "--format=tar", rev], cwd=REPO,
                                 check=True, capture_output=True).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            return {Path(m.name): tar.extractfile(m).read()  # type: ignore[union-attr]
                    for m in tar.getmembers() if m.isfile()}
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, check=True, capture_output=True).stdout.decode()
    return {Path(p): (REPO / p).read_bytes() for p in out.split("\0")
            if p and (REPO / p).is_file()}


def stage(target: str, stage_dir: Path, fresh: bool, rev: str | None,
          extra_tests: list[str], deselect: list[str]) -> None:
    """Lay the repository out as installed (checks/ -> auditor/checks) in stage_dir."""
    mutate, tests = TARGETS[target]
    tests = tests + extra_tests
    if fresh and stage_dir.exists():
        shutil.rmtree(stage_dir)
    # Everything but mutants/ (mutmut's results, kept so unchanged mutants are not rerun).
    if stage_dir.exists():
        for entry in stage_dir.iterdir():
            # The sample drawn for these results stays with them (--prefix reads it).
            if entry.name not in ("mutants", "sample.json"):
                shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() \
                    else entry.unlink()
    stage_dir.mkdir(parents=True, exist_ok=True)
    mapping = {"checks": "auditor/checks", "reports": "auditor/reports"}
    top: set[str] = set()
    for rel, content in staged_files(rev).items():
        if rel.parts[0] in ("mutants", ".venv"):
            continue
        head = rel.parts[0]
        dest_rel = Path(mapping.get(head, head), *rel.parts[1:])
        dest = stage_dir / dest_rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(content)
        top.add(dest_rel.parts[0])
    # A test module not in this revision yet (e.g. tests/test_mutation_kills.py) is left out.
    tests = [t for t in tests if (stage_dir / t).is_file()]
    also_copy = sorted(t for t in top if t not in ("auditor", "tests", "pyproject.toml"))
    config = [
        "",
        "# Appended by bench/mutation.py in the staged copy only.",
        "[tool.mutmut]",
        'source_paths = ["auditor"]',
        f"only_mutate = {json.dumps(mutate)}",
        f"also_copy = {json.dumps(also_copy)}",
        f"pytest_add_cli_args_test_selection = {json.dumps(tests)}",
        # -p no:cacheprovider: no .pytest_cache written by 2 workers at once;
        # -x: one failing test is a kill, the rest need not run.
        "pytest_add_cli_args = " + json.dumps(
            ["-p", "no:cacheprovider", "-x", "-q"]
            + [arg for test in (*DESELECT, *deselect) for arg in ("--deselect", test)]),
        # The git-diff based cache invalidation would look at the stage, not a repo.
        "use_git_change_detection = false",
        "",
    ]
    with (stage_dir / "pyproject.toml").open("a") as f:
        f.write("\n".join(config))


def summarize(stage_dir: Path) -> dict[str, Counter[str]]:
    """Per mutated file: mutants generated and how many ended in each status."""
    per_file: dict[str, Counter[str]] = {}
    for meta in sorted((stage_dir / "mutants").rglob("*.py.meta")):
        data = json.loads(meta.read_text())
        codes = data.get("exit_code_by_key", {})
        if not codes:
            continue
        name = str(meta.relative_to(stage_dir / "mutants"))[: -len(".meta")]
        name = name.replace("auditor/checks/", "checks/").replace("auditor/reports/", "reports/")
        counts: Counter[str] = Counter(STATUS.get(c, "suspicious") for c in codes.values())
        counts["generated"] = len(codes)
        per_file[name] = counts
    return per_file


def print_summary(stage_dir: Path) -> None:
    sys.stdout.flush()
    per_file = summarize(stage_dir)
    cols = ["generated", "killed", "survived", "timeout", "no tests", "not checked",
            "suspicious"]
    print("| module | " + " | ".join(cols) + " | score |")
    print("|---" * (len(cols) + 2) + "|")
    total: Counter[str] = Counter()
    for name, counts in per_file.items():
        total.update(counts)
        print(f"| {name} | " + " | ".join(str(counts[c]) for c in cols) + f" | {score(counts)} |")
    print("| **total** | " + " | ".join(str(total[c]) for c in cols) + f" | {score(total)} |")
    sampled = stage_dir / "sample.json"
    if sampled.is_file():
        drawn = json.loads(sampled.read_text())
        ran = total["generated"] - total["not checked"]
        killed = total["killed"] + total["timeout"]
        low, high = wilson(killed, ran)
        print(f"\nsample (seed {drawn['seed']}): {len(drawn['names'])} of {drawn['of']} "
              f"mutants drawn, {ran} run, {killed} killed: {score(total)}, 95 % interval "
              f"{100 * low:.1f} % to {100 * high:.1f} % (\"not checked\" = not drawn or "
              "not reached before --minutes)")
    survivors = subprocess.run(["mutmut", "results"], cwd=stage_dir, capture_output=True,
                               text=True)
    print("\nmutmut results (survived, timeout, no tests):")
    print(survivors.stdout)


def score(counts: Counter[str]) -> str:
    """Killed (timeouts count as killed, as mutmut does) over the mutants run."""
    run = counts["generated"] - counts["not checked"]
    if not run:
        return "-"
    return f"{100 * (counts['killed'] + counts['timeout']) / run:.1f} %"


def run_mutmut(stage_dir: Path, children: int, names: list[str], minutes: float) -> None:
    started = time.monotonic()
    sys.stdout.flush()
    # Own process group, so a time-out stops mutmut and every worker it forked.
    proc = subprocess.Popen(["mutmut", "run", "--max-children", str(children), *names],
                            cwd=stage_dir, start_new_session=True)
    try:
        proc.wait(timeout=minutes * 60)
    except subprocess.TimeoutExpired:
        print(f"\nstopping mutmut after {minutes:g} minutes", file=sys.stderr)
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    print(f"\nmutmut ran {time.monotonic() - started:.0f} s in {stage_dir}")


def mutant_names(stage_dir: Path) -> list[str]:
    """Every mutant mutmut generated in the stage, by import name."""
    names: list[str] = []
    for meta in sorted((stage_dir / "mutants").rglob("*.py.meta")):
        names.extend(json.loads(meta.read_text()).get("exit_code_by_key", {}))
    return sorted(names)


def sample(names: list[str], size: int, seed: int) -> list[str]:
    """A uniform random sample: every mutant equally likely, so the killed fraction of the
    sample estimates the package's score (see wilson())."""
    return sorted(draw_order(names, size, seed))


def draw_order(names: list[str], size: int, seed: int) -> list[str]:
    """The sample in the order it was drawn: its first k are a uniform sample of k too.

    mutmut runs the mutants it is given module by module, so the part of a sample that a
    stopped run reached is not uniform; a prefix of the draw order is (``--prefix``)."""
    return random.Random(seed).sample(names, min(size, len(names)))


def prefix(stage_dir: Path, k: int, globs: list[str]) -> list[str]:
    """The first ``k`` of the stage's sample in draw order (see draw_order); ``globs``: the
    ones the sample was drawn with, when sample.json predates recording them."""
    drawn = json.loads((stage_dir / "sample.json").read_text())
    globs = drawn.get("globs") or globs
    everything = [n for n in mutant_names(stage_dir)
                  if not globs or any(fnmatch(n, p) for p in globs)]
    if len(everything) != drawn["of"]:
        raise SystemExit(f"{stage_dir}: {len(everything)} mutants match the sample's globs, "
                         f"it was drawn from {drawn['of']}: not the stage it was drawn in")
    order = draw_order(everything, len(drawn["names"]), drawn["seed"])
    return order[:k]


def exit_codes(stage_dir: Path) -> dict[str, int | None]:
    codes: dict[str, int | None] = {}
    for meta in (stage_dir / "mutants").rglob("*.py.meta"):
        codes.update(json.loads(meta.read_text()).get("exit_code_by_key", {}))
    return codes


def print_prefix(stage_dir: Path, k: int, globs: list[str]) -> None:
    """The score of the first ``k`` drawn: run, killed, and who survived."""
    first = prefix(stage_dir, k, globs)
    codes = exit_codes(stage_dir)
    ran = [n for n in first if codes.get(n) is not None]
    killed = [n for n in ran if STATUS.get(codes[n], "suspicious") in ("killed", "timeout")]
    low, high = wilson(len(killed), len(ran))
    print(f"\nfirst {k} of the sample in draw order (a uniform sample): {len(ran)} run, "
          f"{len(killed)} killed: {100 * len(killed) / max(1, len(ran)):.1f} %, 95 % interval "
          f"{100 * low:.1f} % to {100 * high:.1f} %"
          + (f"; {k - len(ran)} not run yet" if len(ran) < k else ""))
    for name in first:
        if name in ran and name not in killed:
            print(f"  {STATUS.get(codes[name], 'suspicious')}: {name}")


def wilson(killed: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson score interval of a proportion: honest near 0 and 1 and for small n,
    where the normal approximation is not."""
    if not n:
        return (0.0, 1.0)
    p = killed / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target", nargs="?", choices=sorted(TARGETS))
    parser.add_argument("mutants", nargs="*",
                        help="only these mutants (names or globs, e.g. "
                             "'auditor.checks.common.secretvalues.*')")
    parser.add_argument("--list", action="store_true", help="the targets and their tests")
    parser.add_argument("--stage", type=Path, help=f"default {STAGE_ROOT}/<target>")
    parser.add_argument("--max-children", type=int, default=2,
                        help="parallel mutant runs (default 2; the machine is shared)")
    parser.add_argument("--minutes", type=float, default=40,
                        help="stop mutmut after this long (default 40); results so far are kept")
    parser.add_argument("--keep", action="store_true",
                        help="reuse the stage's earlier results (mutmut 3.8.1 then does not "
                             "rerun a survivor after its killing test was added: measure "
                             "without --keep)")
    parser.add_argument("--rev", default="HEAD",
                        help="the commit to stage (default HEAD: committed code and tests only)")
    parser.add_argument("--worktree", action="store_true",
                        help="stage the working tree instead (uncommitted edits, new files)")
    parser.add_argument("--sample", type=int, metavar="N",
                        help="run a uniform random sample of N mutants of the target, or of those "
                             "matching the MUTANTS globs given (all of "
                             "checks/ is some 37,000 mutants: hours); the summary then "
                             "estimates the score with a 95 %% interval")
    parser.add_argument("--tests", nargs="+", default=[], metavar="MODULE",
                        help="more test modules for this run (tests/test_x.py), e.g. an "
                             "in-process live suite that reaches a module the target's do not")
    parser.add_argument("--deselect", action="append", default=[], metavar="TEST_ID",
                        help="leave this test out of the run (repeatable): a test failing at "
                             "the staged commit for reasons outside the target stops mutmut "
                             "before any mutant; leaving a test out can only lower the score")
    parser.add_argument("--seed", type=int, default=13, help="the sample's seed (default 13)")
    parser.add_argument("--prefix", type=int, metavar="K",
                        help="with --keep on a sampled stage: run the mutants of the first K of "
                             "the sample in draw order not run yet, and score those K (a "
                             "uniform sample, unlike the part a stopped run reached)")
    parser.add_argument("--summary-only", action="store_true")
    parser.add_argument("--show", metavar="MUTANT", help="print one mutant's diff")
    args = parser.parse_args()
    # --tests takes one or more words, so mutant globs written after it land there (and were
    # then silently dropped as missing test modules: the sample was drawn from the whole
    # target). Test modules end in .py; mutant names and globs never do.
    args.mutants += [word for word in args.tests if not word.endswith(".py")]
    args.tests = [word for word in args.tests if word.endswith(".py")]
    if args.list or not args.target:
        for name, (mutate, tests) in TARGETS.items():
            print(f"{name}:\n  mutate: {' '.join(mutate)}\n  tests:  {' '.join(tests)}")
        return 0
    stage_dir = args.stage or STAGE_ROOT / args.target
    if args.show:
        return subprocess.run(["mutmut", "show", args.show], cwd=stage_dir).returncode
    if not args.summary_only:
        stage(args.target, stage_dir, not args.keep, None if args.worktree else args.rev,
              args.tests, args.deselect)
        chosen = list(args.mutants)
        if args.prefix:
            codes = exit_codes(stage_dir)
            chosen = [n for n in prefix(stage_dir, args.prefix, args.mutants)
                      if codes.get(n) is None]
            print(f"first {args.prefix} drawn: {len(chosen)} not run yet")
        elif args.sample:
            # Generation and mutmut's one clean test run, no mutant run: a name that
            # matches nothing.
            run_mutmut(stage_dir, args.max_children, ["no.such.mutant"], args.minutes)
            everything = [n for n in mutant_names(stage_dir)
                          if not args.mutants or any(fnmatch(n, p) for p in args.mutants)]
            chosen = sample(everything, args.sample, args.seed)
            (stage_dir / "sample.json").write_text(json.dumps(
                {"seed": args.seed, "of": len(everything), "names": chosen,
                 "globs": list(args.mutants)}))
            print(f"sample: {len(chosen)} of {len(everything)} mutants, seed {args.seed}")
        if chosen or not args.prefix:  # no names would mean every mutant of the target
            run_mutmut(stage_dir, args.max_children, chosen, args.minutes)
    print_summary(stage_dir)
    if args.prefix:
        print_prefix(stage_dir, args.prefix, args.mutants)
    return 0


if __name__ == "__main__":
    sys.exit(main())

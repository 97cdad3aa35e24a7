"""Detection and fact collection for the pip style."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence

from auditor.checks.common.tree import Tree
from auditor.checks.pip.facts import Launch, PipProject
from auditor.checks.pip.project import scan_project
from auditor.checks.pip.shell import ShellState, launch_from_words
from auditor.checks.superset.configmodel import EnvValue, Topology, analyze, gunicorn_timeout
from auditor.model import Detection, Facts, Style, Target, TargetKind

COMPOSE_FILES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
HOST_PROJECT_DIRS = ("opt", "srv", "home", "var/www", "root", "app", "usr/local")
PROCESS_WORDS = ("superset", "gunicorn", "celery", "flask")
SUPERSET_MARKERS = ("apache-superset", "superset")


def _tree(target: Target) -> Tree | None:
    if target.root is None:
        return None
    return Tree.at(target.root)


def _base(target: Target, tree: Tree) -> str:
    return "." if tree.root.is_dir() else ""


def candidate_projects(target: Target, tree: Tree) -> list[str]:
    """Inner paths of directories that look like pip projects."""
    if not target.host_tree:
        return ["."] if tree.root.is_dir() else []
    found: list[str] = []
    for top in HOST_PROJECT_DIRS:
        for path in tree.walk(top, max_depth=4, skip=frozenset({"site-packages", "lib", ".git",
                                                                  "node_modules", "proc"})):
            if path.endswith("/pyvenv.cfg"):
                venv = path.rsplit("/", 1)[0]
                project = venv.rsplit("/", 1)[0] if "/" in venv else "."
                if project not in found:
                    found.append(project)
    return found


def _evidence(project: PipProject, config_path: str | None) -> tuple[float, list[str], bool]:
    score = 0.0
    evidence = []
    superset = False
    if project.venvs:
        score += 0.3
        evidence.append(f"virtualenv {project.venvs[0].path}/ (pyvenv.cfg)")
    names = {r.name for r in project.requirements}
    if names & {"apache-superset"}:
        score += 0.3
        superset = True
        evidence.append("apache-superset in " + ", ".join(project.requirement_files))
    elif project.requirement_files:
        score += 0.15
        evidence.append("requirements in " + ", ".join(project.requirement_files))
    if config_path:
        score += 0.2
        superset = True
        evidence.append(f"Superset configuration {config_path}")
    web = project.web
    if web:
        score += 0.3
        evidence.append(f"{web[0].kind} started from {web[0].where}")
        superset = superset or any("superset" in " ".join(w.argv) for w in web)
    return min(score, 0.95), evidence, superset


def _other_styles(tree: Tree, base: str, host_tree: bool) -> list[str]:
    prefix = "" if base in (".", "") else base + "/"
    found = [f"Compose file {prefix}{n}" for n in COMPOSE_FILES if tree.exists(prefix + n)]
    if tree.exists(prefix + "Chart.yaml"):
        found.append(f"Helm chart {prefix}Chart.yaml")
    if host_tree:
        units = [n for n in tree.listdir("etc/systemd/system")
                 if n.endswith(".service") and any(w in n for w in PROCESS_WORDS)]
        found.extend(f"systemd unit etc/systemd/system/{n}" for n in units)
    else:
        for name in tree.listdir(base or "."):
            if name.endswith(".service"):
                found.append(f"systemd unit {prefix}{name}")
            elif name.endswith((".yaml", ".yml")) and _looks_like_manifest(tree, prefix + name):
                found.append(f"Kubernetes manifest {prefix}{name}")
    return found


def _looks_like_manifest(tree: Tree, inner: str) -> bool:
    try:
        head = tree.read_text(inner, limit=256 * 1024)
    except Exception:
        return False
    return "apiVersion:" in head and "kind:" in head


def detect(target: Target) -> Detection | None:
    if target.kind not in (TargetKind.PATH, TargetKind.HOST):
        return None
    tree = _tree(target)
    if tree is None or not tree.root.is_dir():
        return None
    best: Detection | None = None
    for base in candidate_projects(target, tree):
        project, scan = scan_project(tree, base, base, target.host_tree, light=True)
        confidence, found, superset = _evidence(project, scan.config_path)
        if confidence == 0:
            continue
        others = _other_styles(tree, base, target.host_tree)
        if others:
            confidence *= 0.4
            found.append("but also " + "; ".join(others[:3]) + " (another style)")
        detection = Detection(Style.PIP, round(confidence, 2), tuple(found),
                              "superset" if superset else None)
        if best is None or detection.confidence > best.confidence:
            best = detection
    if target.live:
        live = _live_launches([])
        if live and (best is None or best.confidence < 0.6):
            running = tuple(f"running {launch.kind} (pid {launch.pid})" for launch in live[:3])
            best = Detection(Style.PIP, 0.6, running, "superset")
    return best


def collect(target: Target, options: Mapping[str, object]) -> Facts:
    tree = _tree(target)
    problems: dict[str, str] = {}
    values: dict[str, object] = {}
    if tree is None:
        return Facts(Style.PIP, problems={"pip.project": "the target has no files to read"})
    live_problems: list[str] = []
    live = _live_launches(live_problems) if target.live else []
    bases = candidate_projects(target, tree)
    for launch in live:
        cwd = launch.source.removeprefix("process ").split(" in ", 1)[-1]
        if cwd.startswith("/") and cwd.strip("/") not in bases:
            bases.append(cwd.strip("/") or ".")
    scored = []
    for base in bases:
        project, scan = scan_project(tree, base, _label(target, base), target.host_tree)
        confidence, _, _ = _evidence(project, scan.config_path)
        scored.append((confidence, project, scan))
    if not scored:
        return Facts(Style.PIP, problems={"pip.project": "no pip project found in the target"})
    scored.sort(key=lambda item: -item[0])
    _, project, scan = scored[0]
    if live:
        project = dataclasses.replace(project, launches=(*live, *project.launches))
        env = dict(scan.env)
        for launch in live:
            for key, value in launch.env.items():
                env.setdefault(key, EnvValue(value, f"process {launch.pid}"))
        scan.env = env
        from auditor.checks.common.live import host_state

        state = host_state(["/", *(f"/{b}" for b in bases)], live_problems)
        values["host.live"] = state
        project = dataclasses.replace(project, launches=tuple(
            dataclasses.replace(launch, listen=tuple(
                f"{addr}:{port}" for addr, port, pid in state.listeners if pid in launch.family
            )) if launch.live else launch
            for launch in project.launches
        ))
        for index, problem in enumerate(live_problems):
            problems[f"host.live.{index}"] = problem
    values["pip.project"] = project
    config = analyze(scan.config_text, scan.config_path, scan.env)
    if project.proxies:
        proxy = project.proxies[0]
        config = dataclasses.replace(config, behind_proxy=True,
                                     proxy_evidence=f"{proxy.server} ({proxy.path})")
    elif project.web:
        config = dataclasses.replace(config, behind_proxy=False,
                                     proxy_evidence="no proxy configuration found")
    config = dataclasses.replace(config, topology=_topology(project), urls=_urls(project))
    values["superset.config"] = config
    problems.update(scan.problems)
    for problem in config.problems:
        problems["superset.config"] = problem
    return Facts(Style.PIP, values=values, problems=problems, app="superset")


def _label(target: Target, base: str) -> str:
    return "." if base in (".", "") else "/" + base


RETITLED_GUNICORN = re.compile(r"^gunicorn: (?:master|worker) \[(?P<app>.+)\]\s*$")
"""gunicorn renames its processes ``gunicorn: master [APP]`` when setproctitle is installed
(its ``proc_name`` defaults to the app): the options are gone from the command line, the
app and the sockets (from psutil) are not."""


def argv_of(cmdline: Sequence[str]) -> list[str]:
    """A live process's words, with a setproctitle-renamed gunicorn read back as
    ``gunicorn APP`` (what the title still tells)."""
    # setproctitle writes over argv's memory: the title, then empty strings where the
    # other arguments stood.
    words = [w for w in cmdline if w]
    if len(words) == 1 and (match := RETITLED_GUNICORN.match(words[0])):
        return ["gunicorn", match.group("app")]
    return list(cmdline)


def _live_launches(problems: list[str]) -> list[Launch]:
    from auditor.checks.common.live import processes

    launches = []
    found = processes(PROCESS_WORDS, problems)
    matched = {proc.pid for proc in found}
    for proc in found:
        if proc.ppid in matched:
            continue  # a gunicorn or celery worker: its master is audited instead
        state = ShellState(env=dict(proc.environ or {}))
        launch = launch_from_words(argv_of(proc.cmdline), False, f"process {proc.pid} in "
                                   f"{proc.cwd or '?'}", None, state)
        if launch is None:
            continue
        launches.append(
            dataclasses.replace(
                launch,
                live=True,
                pid=proc.pid,
                family=(proc.pid, *(p.pid for p in found if p.ppid == proc.pid)),
                user=proc.user,
                supervisor=next((p for p in proc.parents if p in ("supervisord", "systemd",
                                                                   "runit", "s6-supervise")),
                                None),
                autorestart=any(p in ("supervisord", "runit", "s6-supervise")
                                for p in proc.parents),
            )
        )
    return launches


def _topology(project: PipProject) -> Topology:
    launches = project.launches
    web = project.web
    beats = [x for x in launches if x.kind == "celery-beat" or (
        x.kind == "celery-worker" and ("B" in x.options or "beat" in x.options))]
    return Topology(
        web=len(web),
        workers=sum(1 for x in launches if x.kind == "celery-worker"),
        beats=len(beats),
        gunicorn_timeout=gunicorn_timeout(web[0].option("timeout"), web[0].kind) if web else None,
        evidence=tuple(f"{x.kind} at {x.where}" for x in launches),
    )


def _urls(project: PipProject) -> tuple[str, ...]:
    urls = []
    for launch in project.web:
        for bind in launch.binds:
            if bind.startswith("unix:") or ":" not in bind:
                continue
            host, port = bind.rsplit(":", 1)
            # Every interface is reached on loopback; an IPv6 address keeps its brackets
            # (http://[::1]:9000, not http://::1:9000).
            host = "127.0.0.1" if host in ("0.0.0.0", "", "*", "[::]") else host
            urls.append(f"{'https' if launch.option('certfile') else 'http'}://{host}:{port}")
    return tuple(dict.fromkeys(urls))

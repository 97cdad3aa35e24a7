"""Reading one pip project (a directory, or a project inside a host tree) into facts."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from auditor.checks.common.tree import Tree, TreeError
from auditor.checks.compose.dotenv import parse_flask_dotenv
from auditor.checks.pip import gunicorn_conf, uwsgi_ini
from auditor.checks.pip.appspec import application, module_file
from auditor.checks.pip.facts import (
    BackupScript,
    Launch,
    PipProject,
    ProxyConfig,
    Requirement,
    Scheduled,
    Venv,
)
from auditor.checks.pip.shell import (
    ShellState,
    parse_options,
    scan_crontab,
    scan_script,
    scan_supervisor,
    split_words,
)
from auditor.checks.superset.configmodel import EnvValue

SKIP_DIRS = frozenset({".git", "node_modules", "site-packages", "__pycache__", "lib", "lib64",
                       "include", "share", ".tox", ".mypy_cache", "superset-frontend"})
REQUIREMENT_FILE = re.compile(r"^(requirements|constraints)[\w.-]*\.(txt|in)$")
LOCK_FILES = frozenset({"poetry.lock", "uv.lock", "Pipfile.lock", "pdm.lock",
                        "requirements.lock"})
SCRIPT_NAMES = frozenset({"Procfile", "Makefile", "start", "run", "serve", "entrypoint"})
SUPERVISOR_NAMES = frozenset({"supervisord.conf", "supervisor.conf"})
BACKUP_TOOLS = ("pg_dump", "pg_dumpall", "pg_basebackup", "pgbackrest", "barman", "wal-g",
                "sqlite3", "restic", "borg", "mysqldump")
OFF_HOST = ("rclone", "aws s3", "gsutil", "azcopy", "scp ", "rsync", "s3cmd", "restic",
            "borg", "wal-g", "pgbackrest", "barman", "gcloud storage")
SQLITE_COPY = re.compile(r"\b(cp|rsync|tar)\b.*\.db\b")
SQLITE_COPY_TOOL = "copy of the sqlite file"
UPDATE_WORDS = ("pip-audit", "safety check", "safety scan", "pip list --outdated",
                "dependabot", "renovate", "osv-scanner")
CONFIG_LOCATIONS = ("superset_config.py", "pythonpath/superset_config.py",
                    "config/superset_config.py", "conf/superset_config.py")


@dataclass
class ProjectScan:
    """Mutable while reading; frozen into :class:`PipProject` at the end."""

    tree: Tree
    base: str
    """The project's inner path in the tree (``.`` for a plain directory target)."""
    label: str
    problems: dict[str, str] = field(default_factory=dict)
    env: dict[str, EnvValue] = field(default_factory=dict)
    config_text: str | None = None
    config_path: str | None = None

    def inner(self, name: str) -> str:
        return name if self.base in (".", "") else f"{self.base}/{name}"

    def read(self, inner: str) -> str | None:
        try:
            return self.tree.read_text(inner)
        except TreeError as exc:
            self.problems[f"file {inner}"] = exc.reason
            return None


def scan_project(
    tree: Tree, base: str, label: str, host_tree: bool, *, light: bool = False
) -> tuple[PipProject, ProjectScan]:
    """Read a project; ``light`` stops after what detection weighs (virtualenvs,
    requirements, launches, the Superset configuration): schedules, backups, proxies and
    update tooling read every script and YAML file, a cost a manifest directory asked
    whether it is a pip project should not pay."""
    scan = ProjectScan(tree=tree, base=base, label=label)
    files = list(tree.walk(base, max_depth=3, skip=SKIP_DIRS))
    names = {path: path.rsplit("/", 1)[-1] for path in files}

    venvs = tuple(_venv(scan, path) for path in files if names[path] == "pyvenv.cfg")
    req_files = sorted(p for p in files if REQUIREMENT_FILE.match(names[p]) and _shallow(scan, p))
    requirements = tuple(r for p in req_files for r in _requirements(scan, p))
    locks = tuple(sorted(p for p in files if names[p] in LOCK_FILES))

    for path in files:
        if names[path] in (".env", ".flaskenv") or names[path].endswith(".env"):
            _dotenv(scan, path)

    launches: list[Launch] = []
    looked: list[str] = []
    state = ShellState(env={k: v.value for k, v in scan.env.items()})
    for path in sorted(files):
        name = names[path]
        depth = _depth(scan, path)
        if name.endswith(".sh") or (name in SCRIPT_NAMES and depth <= 1) or (
            depth == 2 and path.split("/")[-2] in ("bin", "scripts") and "." not in name
        ):
            text = scan.read(path)
            if text is None:
                continue
            looked.append(path)
            launches.extend(scan_script(text, _rel(scan, path), state))
        elif name in SUPERVISOR_NAMES or (name.endswith((".conf", ".ini")) and depth <= 2):
            text = scan.read(path)
            if text and "[program:" in text:
                looked.append(path)
                launches.extend(scan_supervisor(text, _rel(scan, path)))
    dotenv = {key: value.value for key, value in scan.env.items()}
    launches = [_uwsgi_settings(scan, _gunicorn_settings(scan, _with_dotenv(launch, dotenv)))
                for launch in launches
                if _runs_superset(scan, launch)]
    for key, value in state.env.items():
        scan.env.setdefault(key, EnvValue(value, state.env_sources.get(key, "script")))

    schedules: list[Scheduled] = []
    backups: tuple[BackupScript, ...] = ()
    proxies: tuple[ProxyConfig, ...] = ()
    update_tooling: tuple[str, ...] = ()
    logrotate: tuple[str, ...] = ()
    if not light:
        schedules = [s for p in files if names[p] in ("crontab",) or names[p].endswith(".cron")
                     for s in _crontab(scan, p, system=False)]
        if host_tree:
            schedules.extend(_host_crontabs(scan))
        scripts = [p for p in files if names[p].endswith(".sh")]
        backups = tuple(_backup_scripts(scan, scripts, schedules, host_tree))
        proxies = tuple(_proxies(scan, files, names, host_tree))
        update_tooling = tuple(_update_tooling(scan, files, names, schedules))
        logrotate = tuple(p for p in files if "logrotate" in p)
    if host_tree and not light:
        logrotate += tuple(
            f"etc/logrotate.d/{n}" for n in tree.listdir("etc/logrotate.d")
            if "superset" in n or "gunicorn" in n
        )
    _find_config(scan)
    versioned = ".git" if tree.exists(scan.inner(".git")) else None
    declarative = tuple(
        _rel(scan, p) for p in [*req_files, *locks] if p
    ) + ((scan.config_path,) if scan.config_path else ())
    project = PipProject(
        label=label,
        venvs=venvs,
        requirement_files=tuple(_rel(scan, p) for p in req_files),
        requirements=requirements,
        lock_files=tuple(_rel(scan, p) for p in locks),
        launches=tuple(launches),
        looked_in=tuple(_rel(scan, p) for p in looked),
        schedules=tuple(schedules),
        backup_scripts=backups,
        proxies=proxies,
        update_tooling=update_tooling,
        logrotate=logrotate,
        versioned=versioned,
        declarative=declarative,
        unreadable=_unreadable(scan),
    )
    return project, scan


def _unreadable(scan: ProjectScan) -> tuple[str, ...]:
    """What could not be read, each also a named problem: listing nothing from a directory
    that cannot be listed must not read as an empty one."""
    for directory, why in scan.tree.unreadable.items():
        scan.problems[f"directory {directory}"] = f"{why}: not read"
    denied = [key.removeprefix("file ") for key, why in scan.problems.items()
              if key.startswith("file ") and why == "permission denied"]
    return (*sorted(scan.tree.unreadable), *denied)


def _with_dotenv(launch: Launch, dotenv: dict[str, str]) -> Launch:
    """``superset run`` and ``flask run`` load the project's .env and .flaskenv themselves
    (python-dotenv), whoever starts them: a supervisor program sees FLASK_DEBUG or
    FLASK_RUN_HOST written there too. Its own environment= wins, as in Flask."""
    if not launch.dev_server:
        return launch
    return dataclasses.replace(launch, env={**dotenv, **launch.env})


def _gunicorn_settings(scan: ProjectScan, launch: Launch) -> Launch:
    """gunicorn's own precedence: its config file (``-c FILE``, else ./gunicorn.conf.py),
    then GUNICORN_CMD_ARGS, then the command line. Without this, workers or a bind set in
    the file read as gunicorn's defaults (one worker, 127.0.0.1:8000)."""
    if launch.kind != "gunicorn":
        return launch
    merged: dict[str, tuple[str, ...]] = {}
    named = launch.option("config") or "gunicorn.conf.py"
    # A path outside the project (the deployed /opt/superset/gunicorn.conf.py) is looked
    # for in the project by its file name; python:MODULE is not a file.
    inner = scan.inner(named.rsplit("/", 1)[-1] if named.startswith("/") else named)
    if not named.startswith("python:") and scan.tree.exists(inner):
        text = scan.read(inner) or ""
        refused = gunicorn_conf.refusal(text)
        if refused is not None:
            scan.problems[f"file {inner}"] = refused
        merged.update(gunicorn_conf.settings(text))
    cmd_args = launch.env.get("GUNICORN_CMD_ARGS")
    if cmd_args:
        merged.update(parse_options("gunicorn", split_words(cmd_args) or []))
    merged.update(launch.options)
    return dataclasses.replace(launch, options=merged)


def _uwsgi_settings(scan: ProjectScan, launch: Launch) -> Launch:
    """``uwsgi --ini FILE``: the file's settings (processes, socket, logto...) under the
    command line's own. Without it a server configured in its ini file read as one process
    on no socket, logging to the terminal."""
    if launch.kind != "uwsgi":
        return launch
    named = uwsgi_ini.ini_path(launch.argv)
    if named is None:
        return launch
    # A deployed absolute path is looked for in the project by its file name, as for
    # gunicorn's config file.
    inner = scan.inner(named.rsplit("/", 1)[-1] if named.startswith("/") else named)
    if not scan.tree.exists(inner):
        return launch
    merged = dict(uwsgi_ini.settings(scan.read(inner) or ""))
    merged.update({k: v for k, v in launch.options.items() if k != "ini"})
    return dataclasses.replace(launch, options=merged)


def _runs_superset(scan: ProjectScan, launch: Launch) -> bool:
    """A launch is Superset's when its command runs Superset; one that names another
    application (a Procfile's ``metrics: gunicorn exporter:app``) is not, however the
    project is named."""
    app = application(launch)
    if app is None or "superset" in app.lower():
        return True  # the command does not say: it stands in a Superset project
    relative = module_file(app)
    wrapper = scan.read(scan.inner(relative)) if relative else None
    if wrapper is not None:
        return "superset" in wrapper  # wsgi.py: app = create_app() from superset.app
    return any(key.startswith("SUPERSET_") for key in launch.env)


def _rel(scan: ProjectScan, inner: str) -> str:
    """A path for reports: relative to the target given (the tree root)."""
    return inner.lstrip("/")


def _depth(scan: ProjectScan, inner: str) -> int:
    base_depth = 0 if scan.base in (".", "") else scan.base.count("/") + 1
    return inner.count("/") + 1 - base_depth


def _shallow(scan: ProjectScan, inner: str) -> bool:
    return _depth(scan, inner) <= 2


def _venv(scan: ProjectScan, path: str) -> Venv:
    text = scan.read(path) or ""
    values = {}
    for line in text.splitlines():
        if "=" in line:
            key, value = line.split("=", 1)
            values[key.strip().lower()] = value.strip()
    directory = path.rsplit("/", 1)[0] if "/" in path else "."
    return Venv(
        path=_rel(scan, directory),
        python=values.get("version") or values.get("version_info"),
        system_site_packages=values.get("include-system-site-packages", "false").lower()
        == "true",
    )


REQ_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*(.*)$")


def _requirements(
    scan: ProjectScan, path: str, seen: set[str] | None = None
) -> Iterable[Requirement]:
    seen = seen if seen is not None else set()
    if path in seen:
        return
    seen.add(path)
    text = scan.read(path)
    if text is None:
        return
    directory = path.rsplit("/", 1)[0] if "/" in path else "."
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(("-r ", "--requirement", "-c ", "--constraint")):
            ref = line.split(None, 1)[-1].split("=", 1)[-1].strip()
            nested = ref if directory == "." else f"{directory}/{ref}"
            yield from _requirements(scan, nested, seen)
            continue
        if line.startswith("-"):
            continue
        hashed = "--hash" in line
        spec = line.split("--hash", 1)[0].strip().rstrip("\\").strip()
        if "@" in spec and "://" in spec:
            name = spec.split("@", 1)[0].strip()
            pinned = bool(re.search(r"@[0-9a-f]{40}\b", spec)) or "sha256=" in spec
        else:
            match = REQ_NAME.match(spec.split(";", 1)[0])
            if not match:
                continue
            name = match.group(1)
            constraint = match.group(3).strip()
            pinned = bool(re.fullmatch(r"===?\s*[\w.+!-]+", constraint)) and "*" not in constraint
        # PEP 503: apache_superset, Apache.Superset and apache-superset are one project.
        yield Requirement(name=re.sub(r"[-_.]+", "-", name).lower(), spec=spec, pinned=pinned,
                          hashed=hashed, source=_rel(scan, path), line=number)


def _dotenv(scan: ProjectScan, path: str) -> None:
    text = scan.read(path)
    if text is None:
        return
    # Read the way Superset reads it: flask/superset load .env with python-dotenv.
    parsed = parse_flask_dotenv(text)
    for number in parsed.bad_lines:
        scan.problems[f"file {_rel(scan, path)}:{number}"] = (
            "not a KEY=value line (python-dotenv skips it)")
    for key, entry in parsed.entries.items():
        scan.env.setdefault(key, EnvValue(entry.value, f"{_rel(scan, path)}:{entry.line}"))


def _crontab(scan: ProjectScan, path: str, system: bool) -> list[Scheduled]:
    text = scan.read(path)
    return scan_crontab(text, _rel(scan, path), system) if text else []


def _host_crontabs(scan: ProjectScan) -> list[Scheduled]:
    tree = scan.tree
    entries: list[Scheduled] = []
    if tree.exists("etc/crontab"):
        entries.extend(_crontab(scan, "etc/crontab", system=True))
    for name in tree.listdir("etc/cron.d"):
        entries.extend(_crontab(scan, f"etc/cron.d/{name}", system=True))
    for name in tree.listdir("var/spool/cron/crontabs"):
        entries.extend(_crontab(scan, f"var/spool/cron/crontabs/{name}", system=False))
    for period in ("hourly", "daily", "weekly", "monthly"):
        for name in tree.listdir(f"etc/cron.{period}"):
            path = f"etc/cron.{period}/{name}"
            text = scan.read(path)
            if text:
                entries.append(Scheduled(f"@{period}", text, path, 1))
    return entries


def _backup_tools(text: str) -> tuple[str, ...]:
    tools = [tool for tool in BACKUP_TOOLS if re.search(rf"\b{re.escape(tool)}\b", text)]
    if "sqlite3" in tools and ".backup" not in text and ".dump" not in text:
        tools.remove("sqlite3")
    if SQLITE_COPY.search(text):
        tools.append(SQLITE_COPY_TOOL)
    return tuple(tools)


def _backup_scripts(
    scan: ProjectScan, scripts: list[str], schedules: list[Scheduled], host_tree: bool
) -> Iterable[BackupScript]:
    for path in scripts:
        text = scan.read(path) or ""
        tools = _backup_tools(text)
        if tools:
            yield BackupScript(_rel(scan, path), tools, any(w in text for w in OFF_HOST),
                               _first_line(text, tools[0]))
    for entry in schedules:
        tools = _backup_tools(entry.command)
        if tools:
            yield BackupScript(entry.source, tools, any(w in entry.command for w in OFF_HOST),
                               entry.line)


def _first_line(text: str, tool: str) -> int:
    """The line the tool is first used on (for a copy of the sqlite file: the copy, not
    the first line that merely says "copy", such as ``rclone copy``)."""
    for number, line in enumerate(text.splitlines(), 1):
        if SQLITE_COPY.search(line) if tool == SQLITE_COPY_TOOL else tool in line:
            return number
    return 1


def _proxies(
    scan: ProjectScan, files: list[str], names: dict[str, str], host_tree: bool
) -> Iterable[ProxyConfig]:
    candidates = [p for p in files if names[p] in ("nginx.conf", "Caddyfile", "haproxy.cfg")
                  or (p.endswith(".conf") and "nginx" in p)]
    if host_tree:
        for folder in ("etc/nginx/sites-enabled", "etc/nginx/conf.d"):
            candidates += [f"{folder}/{n}" for n in scan.tree.listdir(folder)]
        candidates += [p for p in ("etc/caddy/Caddyfile", "etc/haproxy/haproxy.cfg")
                       if scan.tree.exists(p)]
    for path in candidates:
        if path.endswith(("Caddyfile",)):
            text = scan.read(path) or ""
            tls = not re.search(r"^\s*(http://|:80\b)", text, re.M) or "tls " in text
            yield ProxyConfig(_rel(scan, path), "caddy", tls, _upstreams(text))
        elif path.endswith("haproxy.cfg"):
            text = scan.read(path) or ""
            yield ProxyConfig(_rel(scan, path), "haproxy", " ssl crt " in text, ())
        else:
            proxy = _nginx(scan, path)
            if proxy:
                yield proxy


def _upstreams(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"(?:proxy_pass|reverse_proxy)\s+(\S+?);?\s*$", text, re.M))


def _nginx(scan: ProjectScan, path: str) -> ProxyConfig | None:
    import crossplane  # type: ignore[import-untyped]  # nginx syntax, no stubs published

    try:
        real = scan.tree.resolve(path)
    except TreeError as exc:
        scan.problems[f"file {path}"] = str(exc)
        return None
    payload = crossplane.parse(str(real), single=True, catch_errors=True, comments=False,
                               check_ctx=False, check_args=False)
    tls = False
    upstreams: list[str] = []
    for config in payload["config"]:  # one entry (single=True), errors or not
        for error in config["errors"]:  # crossplane gives every file both lists
            scan.problems[f"file {path}"] = f"nginx syntax: {error.get('error')}"
        for directive in _directives(config["parsed"]):
            name = directive.get("directive")
            raw_args = directive.get("args")
            args = [str(a) for a in raw_args] if isinstance(raw_args, list) else []
            if name == "ssl_certificate" or (name == "listen" and "ssl" in args):
                tls = True
            if name == "proxy_pass" and args:
                upstreams.append(args[0])
    return ProxyConfig(_rel(scan, path), "nginx", tls, tuple(upstreams))


def _directives(block: list[dict[str, object]]) -> Iterable[dict[str, object]]:
    for directive in block:
        yield directive
        children = directive.get("block")
        if isinstance(children, list):
            yield from _directives(children)


def _update_tooling(
    scan: ProjectScan, files: list[str], names: dict[str, str], schedules: list[Scheduled]
) -> Iterable[str]:
    for path in files:
        name = names[path]
        if name in ("dependabot.yml", "dependabot.yaml", "renovate.json", "renovate.json5",
                    ".renovaterc", ".renovaterc.json"):
            yield _rel(scan, path)
        elif name.endswith((".yml", ".yaml", ".sh")) or name in ("Makefile", "tox.ini",
                                                                 "noxfile.py"):
            text = scan.read(path) or ""
            if any(word in text for word in UPDATE_WORDS):
                yield _rel(scan, path)
    for entry in schedules:
        if any(word in entry.command for word in UPDATE_WORDS):
            yield f"{entry.source}:{entry.line}"


def _project_dir_var(scan: ProjectScan, source: str, value: str) -> str:
    """``$DIR/rest`` as ``rest`` in the project, when the script that sets the path first
    changes into ``$DIR`` (``cd "$DIR"``) and then activates the project's own
    ``venv/bin/activate`` relatively: the directory it runs in is the project itself, as the
    virtualenv it takes is. Anything else is left as written."""
    match = re.match(r"^\$\{?(\w+)\}?/(.+)$", value)
    if not match or "$" in match.group(2):
        return value
    name = match.group(1)
    text = scan.read(source.rsplit(":", 1)[0]) if ":" in source else None
    if not text:
        return value
    cd = re.search(r"^\s*cd\s+\"?\$\{?" + name + r"\}?\"?\s*(\|\||&&|;|$)", text, re.M)
    venv = re.search(r"^\s*(source|\.)\s+\"?(\./)?[\w.-]+/bin/activate\b", text[cd.end():],
                     re.M) if cd else None
    return match.group(2) if cd and venv else value


def _find_config(scan: ProjectScan) -> None:
    declared = scan.env.get("SUPERSET_CONFIG_PATH")
    candidates: list[str] = []
    unresolved = None
    if declared:
        value = re.sub(r"^\$\{?PWD\}?/", "", declared.value)
        value = _project_dir_var(scan, declared.source, value)
        if "$" in value:
            unresolved = re.search(r"\$\{?\w+\}?", value)
        else:
            candidates.append(value if value.startswith("/") else scan.inner(value))
    candidates += [scan.inner(c) for c in CONFIG_LOCATIONS]
    for candidate in candidates:
        if scan.tree.exists(candidate):
            try:
                scan.config_text = scan.tree.read_text(candidate)
            except TreeError as exc:
                scan.problems["superset.config"] = str(exc)
                return
            scan.config_path = _rel(scan, candidate)
            return
    if declared and unresolved:
        scan.problems["superset.config"] = (
            f"SUPERSET_CONFIG_PATH={declared.value} ({declared.source}) holds "
            f"{unresolved.group(0)}, which is known only by running the script: the "
            "configuration was not read")
    elif declared:
        scan.problems["superset.config"] = (
            f"SUPERSET_CONFIG_PATH={declared.value} ({declared.source}) is not in the audited tree"
        )

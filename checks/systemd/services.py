"""Superset's processes among the host's services: web server, celery worker, celery beat."""

from __future__ import annotations

import dataclasses
import fnmatch
import posixpath
import re

from auditor.checks.common.tree import Tree, TreeError
from auditor.checks.pip import gunicorn_conf, uwsgi_ini
from auditor.checks.pip.appspec import application, module_file
from auditor.checks.pip.facts import Launch
from auditor.checks.pip.shell import (
    ShellState,
    launch_from_words,
    parse_options,
    scan_script,
    split_words,
)
from auditor.checks.superset import parse_cost
from auditor.checks.superset.configmodel import EnvValue
from auditor.checks.systemd.facts import (
    Assignment,
    LogFile,
    Service,
    ServiceSet,
    SocketActivation,
    Unit,
)
from auditor.checks.systemd.unitfile import (
    env_file,
    environment_words,
    expand_command,
    split_quoted,
    strip_exec_prefixes,
)
from auditor.checks.systemd.units import UnitIndex

APP_WORDS = ("superset", "gunicorn", "celery", "flask")
SHELLS = frozenset({"sh", "bash", "dash", "zsh"})
ROLES = {"celery-worker": "worker", "celery-beat": "beat"}
# gunicorn.conf.py names -> the option names launch_from_words uses.
def collect_services(index: UnitIndex, problems: dict[str, str]) -> ServiceSet:
    names = [n for n in index.names(".service") if not n.endswith("@.service")]
    services: list[Service] = []
    for name in names:
        if not index.mentions(name, APP_WORDS):
            continue
        unit = index.load(name)
        if unit.masked or unit.path is None:
            continue
        service = _service(index.tree, unit, problems)
        if service is not None:
            socket = activating_socket(index, name)
            if socket is not None:
                service = dataclasses.replace(service, socket=socket,
                                              launch=_socket_binds(service.launch, socket))
            services.append(service)
    enabled = tuple(sorted(n for n in index.enabled if n.endswith(".service")))
    return ServiceSet(services=tuple(services), unit_names=tuple(names), enabled=enabled)


def activating_socket(index: UnitIndex, name: str) -> SocketActivation | None:
    """The socket unit that starts ``name`` on a connection: ``NAME.socket``, or any socket
    naming it in ``Service=``. An ``Accept=yes`` socket starts instances of a template
    (``NAME@.service``), not this unit; a masked one starts nothing."""
    for socket_name in index.names(".socket"):
        if socket_name.endswith("@.socket"):
            continue
        socket = index.load(socket_name)
        if socket.masked or socket.path is None:
            continue
        target = socket.value("Socket", "Service") or socket_name.removesuffix(".socket") + \
            ".service"
        accept = (socket.value("Socket", "Accept") or "no").lower()
        if target != name or accept in ("yes", "true", "1", "on"):
            continue
        listens = tuple(a.value for key in ("ListenStream", "ListenSequentialPacket")
                        for a in socket.all("Socket", key))
        return SocketActivation(socket_name, socket.path, listens, socket.enabled_by)
    return None


def _socket_binds(launch: Launch, socket: SocketActivation) -> Launch:
    """gunicorn started with the socket's file descriptors (LISTEN_FDS) serves those and
    ignores its own --bind: the socket unit's ListenStream= is where it listens."""
    if launch.kind != "gunicorn" or not socket.listens:
        return launch
    binds = tuple(_listen_address(value) for value in socket.listens)
    return dataclasses.replace(launch, options={**launch.options, "bind": binds})


def _listen_address(value: str) -> str:
    """ListenStream= as a gunicorn bind: ``8080`` is every interface, a path a unix
    socket."""
    value = value.strip()
    if value.startswith("/"):
        return "unix:" + value
    if value.isdigit():
        return f"0.0.0.0:{value}"
    return value


def unit_environment(
    tree: Tree, unit: Unit, problems: dict[str, str]
) -> tuple[dict[str, EnvValue], dict[str, Assignment]]:
    """Environment= then EnvironmentFile= (files override, as systemd documents)."""
    env: dict[str, EnvValue] = {}
    inline: dict[str, Assignment] = {}
    for item in unit.all("Service", "Environment"):
        for key, value in environment_words(item.value):
            env[key] = EnvValue(value, f"{item.path}:{item.line}")
            inline[key] = item
    for item in unit.all("Service", "EnvironmentFile"):
        optional = item.value.startswith("-")
        path = item.value.lstrip("-").strip()
        for inner in _expand_glob(tree, path):
            try:
                text = tree.read_text(inner)
            except TreeError as exc:
                reason = exc.reason
                if not (optional and reason == "not found"):
                    suffix = "" if optional else "; systemd refuses to start the unit without it"
                    problems[f"file {inner}"] = (
                        f"{reason} (EnvironmentFile= of {unit.name}{suffix})")
                continue
            env.update(env_file(text, inner))
    return env, inline


def _expand_glob(tree: Tree, path: str) -> list[str]:
    if not any(c in path for c in "*?["):
        return [path]
    directory, _, pattern = path.rpartition("/")
    return [f"{directory}/{n}" for n in tree.listdir(directory) if fnmatch.fnmatch(n, pattern)]


def _service(tree: Tree, unit: Unit, problems: dict[str, str]) -> Service | None:
    exec_start = unit.last("Service", "ExecStart")
    if exec_start is None:
        return None
    env, inline = unit_environment(tree, unit, problems)
    plain = {k: v.value for k, v in env.items()}
    command, at = strip_exec_prefixes(exec_start.value)
    words = expand_command(split_quoted(command), plain)
    if at and len(words) > 1:
        words = [words[0], *words[2:]]  # '@': the second word is argv[0], not an argument
    state = ShellState(env=plain)
    launch, via = _launch(tree, words, exec_start, state, problems)
    cannot_start = None
    if launch is None and via is None:
        launch, via = _unexecutable(tree, words, state)
        if via is not None:
            cannot_start = (f"{via} has no '#!' line on its first line: systemd executes "
                            "ExecStart= directly, without a shell, so starting the unit "
                            "fails with 'Exec format error' (status 203/EXEC)")
    if launch is None:
        return None
    workdir = (unit.value("Service", "WorkingDirectory") or "").lstrip("-") or None
    env = {**env, **_script_exports(launch, state, _script_pwd(tree, via, workdir))}
    if launch.kind == "gunicorn":
        launch = _gunicorn_settings(tree, launch, workdir, plain, problems)
    elif launch.kind == "uwsgi":
        launch = _uwsgi_settings(tree, launch, workdir, problems)
    role = ROLES.get(launch.kind, "web" if launch.is_web else "")
    if not role or not _is_superset(tree, unit, launch, env, workdir):
        return None
    notes: list[str] = []
    if launch.kind == "celery-worker" and ("B" in launch.options or "beat" in launch.options):
        notes.append("celery worker runs an embedded beat (-B)")
    return Service(
        unit=unit,
        role=role,
        launch=launch,
        exec_start=exec_start,
        env=env,
        inline_env=inline,
        log_files=_log_files(unit, launch, workdir),
        via=via,
        notes=tuple(notes),
        cannot_start=cannot_start,
    )


def _script_pwd(tree: Tree, via: str | None, workdir: str | None) -> str | None:
    """``$PWD`` in a wrapper script systemd starts: the unit's WorkingDirectory= (``/``
    without one, as for every system unit), while the script changes no directory; None
    when it does (``cd``, ``pushd``) or when it is no script."""
    if via is None or (workdir is not None and not workdir.startswith("/")):
        return None
    try:
        text = tree.read_text(via, limit=256 * 1024)
    except TreeError:
        return None
    if re.search(r"(^|[;&|(`]|\$\()\s*(cd|pushd|popd)\b", text, re.M):
        return None
    return workdir.rstrip("/") or "/" if workdir else "/"


def _script_exports(launch: Launch, state: ShellState,
                    pwd: str | None = None) -> dict[str, EnvValue]:
    """What a wrapper script (or ``sh -c``) exports before the line that starts the server:
    part of the server's environment, as the unit's own Environment= is (a script that runs
    ``export SUPERSET_CONFIG_PATH=...`` then gunicorn names the configuration Superset reads).
    Values holding ``$`` are left out: they cannot be known without running the script,
    except a leading ``$PWD`` when the directory the script runs in is known (``pwd``)."""
    found: dict[str, EnvValue] = {}
    for key, where in state.env_sources.items():
        value = launch.env.get(key)
        if value is None or value != state.env.get(key):
            continue  # set after the launch line, or changed again after it
        if pwd is not None:
            value = re.sub(r"^(\$PWD|\$\{PWD\})(?=/|$)",
                           lambda _: "" if pwd == "/" else pwd, value) or "/"
        if "$" in value:
            continue
        found[key] = EnvValue(value, where)
    return found


def _unexecutable(tree: Tree, words: list[str], state: ShellState,
                  ) -> tuple[Launch | None, str | None]:
    """The server a wrapper script without ``#!`` was written to start (as ``sh script``
    would run it), with the script's path; (None, None) for anything else. systemd cannot
    run such a script itself: the unit is Superset's all the same, and must be judged as
    one that never starts, not left out as a unit running something else."""
    if not words or not words[0].startswith("/"):
        return None, None
    try:
        text = tree.read_text(words[0], limit=256 * 1024)
    except TreeError:
        return None, None
    if text.startswith("#!") or "\0" in text[:1024]:
        return None, None  # a real interpreter line, or a binary: not this case
    for launch in scan_script(text, words[0], state):
        if launch.is_web or launch.kind in ROLES:
            return launch, words[0]
    return None, None


def _launch(
    tree: Tree, words: list[str], where: Assignment, state: ShellState, problems: dict[str, str]
) -> tuple[Launch | None, str | None]:
    if not words:
        return None, None
    program = words[0].rsplit("/", 1)[-1]
    if program in SHELLS and "-c" in words[:3]:
        script = words[words.index("-c") + 1] if words.index("-c") + 1 < len(words) else ""
        found = [launch for launch in scan_script(script, where.path, state)]
        return (dataclasses.replace(found[0], line=where.line) if found else None), None
    launch = launch_from_words(words, False, where.path, where.line, state)
    if launch is not None or not words[0].startswith("/"):
        return launch, None
    # ExecStart runs a wrapper script: the real command is inside it.
    try:
        text = tree.read_text(words[0], limit=256 * 1024)
    except TreeError as exc:
        if "not found" not in str(exc):
            problems[f"file {words[0]}"] = exc.reason
        return None, None
    if not text.startswith("#!"):
        return None, None
    for launch in scan_script(text, words[0], state):
        if launch.is_web or launch.kind in ROLES:
            return launch, words[0]
    return None, None


def _is_superset(tree: Tree, unit: Unit, launch: Launch, env: dict[str, EnvValue],
                 workdir: str | None) -> bool:
    """Whether the unit runs Superset, decided by what its command runs: a unit named
    ``superset-exporter`` running ``gunicorn exporter:app`` is not Superset's web tier."""
    configured = any(k.startswith("SUPERSET_") for k in env)
    app = application(launch) or (
        launch.option("wsgi-app") if launch.kind == "gunicorn" else None)
    if app is not None:
        if "superset" in app.lower():
            return True
        wrapper = _wrapper_text(tree, launch, app, workdir)
        if wrapper is not None:
            return "superset" in wrapper
        # An application module the tree does not hold (an installed package): only the
        # Superset configuration the unit hands it says it is Superset.
        return configured
    # The command does not name its application (a uwsgi ini, CELERY_APP set elsewhere):
    # the unit's own context is the only evidence left.
    text = " ".join(launch.argv).lower()
    return (
        "superset" in text
        or "superset" in unit.name.lower()
        or configured
        or "superset" in (workdir or "").lower()
    )


def _wrapper_text(tree: Tree, launch: Launch, app: str, workdir: str | None) -> str | None:
    """The module of ``gunicorn wsgi:app`` (wsgi.py in the working directory), read, never
    executed; None when the tree does not hold it."""
    relative = module_file(app)
    base = launch.option("chdir") or workdir
    if relative is None or not base:
        return None
    try:
        return tree.read_text(posixpath.join(base, relative), limit=256 * 1024)
    except TreeError:
        return None


def _gunicorn_settings(
    tree: Tree, launch: Launch, workdir: str | None, env: dict[str, str],
    problems: dict[str, str],
) -> Launch:
    """gunicorn's own precedence: config file, then GUNICORN_CMD_ARGS, then the command line."""
    merged: dict[str, tuple[str, ...]] = {}
    chdir = launch.option("chdir") or workdir or "/"
    config = launch.option("config")
    path = None
    if config and not config.startswith("python:"):
        path = config if config.startswith("/") else posixpath.join(chdir, config)
    elif config is None:
        default = posixpath.join(chdir, "gunicorn.conf.py")
        path = default if tree.exists(default) else None
    if path:
        try:
            text = tree.read_text(path, limit=parse_cost.MAX_CONFIG_BYTES)
        except TreeError as exc:
            problems[f"file {path}"] = exc.reason
        else:
            refused = gunicorn_conf.refusal(text)
            if refused is not None:
                problems[f"file {path}"] = refused
            merged.update(gunicorn_conf.settings(text))
    cmd_args = env.get("GUNICORN_CMD_ARGS")
    if cmd_args:
        merged.update(parse_options("gunicorn", split_words(cmd_args) or []))
    merged.update(launch.options)
    options = {k: v for k, v in merged.items() if k != "config"}
    if config:
        options["config"] = (config,)
    return dataclasses.replace(launch, options=options)


def _uwsgi_settings(
    tree: Tree, launch: Launch, workdir: str | None, problems: dict[str, str]
) -> Launch:
    """``uwsgi --ini FILE``: the file's settings (processes, socket, logto...), then the
    command line's own options over them. Without it a unit whose whole configuration is
    the ini file read as one worker on no socket."""
    config = uwsgi_ini.ini_path(launch.argv)
    if config is None:
        return launch
    path = config if config.startswith("/") else posixpath.join(workdir or "/", config)
    try:
        text = tree.read_text(path, limit=parse_cost.MAX_CONFIG_BYTES)
    except TreeError as exc:
        problems[f"file {path}"] = exc.reason
        return launch
    merged = dict(uwsgi_ini.settings(text))
    merged.update({k: v for k, v in launch.options.items() if k != "ini"})
    return dataclasses.replace(launch, options=merged)


def _log_files(unit: Unit, launch: Launch, workdir: str | None) -> tuple[LogFile, ...]:
    base = workdir or "/"
    found: list[LogFile] = []
    for option, how in (("access-logfile", "gunicorn --access-logfile"),
                        ("error-logfile", "gunicorn --error-logfile"),
                        ("logfile", "celery --logfile"),
                        ("logto", "uwsgi logto")):
        value = launch.option(option)
        if value and value != "-":
            found.append(LogFile(posixpath.join(base, value), how))
    if launch.kind.startswith("celery") and "-f" in launch.argv:
        index = launch.argv.index("-f")
        if index + 1 < len(launch.argv):
            found.append(LogFile(posixpath.join(base, launch.argv[index + 1]), "celery -f"))
    for key in ("StandardOutput", "StandardError"):
        value = unit.value("Service", key) or ""
        kind, _, path = value.partition(":")
        if kind in ("append", "file", "truncate") and path:
            found.append(LogFile(path, f"{key}={kind}:"))
    if launch.stdout and launch.stdout not in ("/dev/null",) and launch.source != unit.path:
        found.append(LogFile(posixpath.join(base, launch.stdout), f"redirected in {launch.source}"))
    unique: dict[str, LogFile] = {}
    for item in found:
        unique.setdefault(item.path, item)
    return tuple(unique.values())


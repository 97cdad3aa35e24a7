"""Reading launch commands out of shell scripts, Procfiles, supervisor and cron files.

Nothing here runs a shell: lines are split with :mod:`shlex` and read as data.
"""

from __future__ import annotations

import configparser
import re
import shlex
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from auditor.checks.pip.facts import Launch, Scheduled

ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
SEPARATORS = {"&&", "||", ";", "|"}
WRAPPERS = {"nohup", "exec", "sudo", "env", "setsid", "nice", "ionice", "time", "stdbuf",
            "chpst", "runuser", "su"}
KEYWORDS = {"then", "else", "do", "{", "!"}
"""Shell words that open the command after them (``if ...; then superset run``)."""
REDIRECT = re.compile(r"^(\d?>>?|&>>?)(.*)$")

# Options that take a value, per server; everything else is a flag.
VALUE_OPTIONS: Mapping[str, Mapping[str, str]] = {
    "gunicorn": {
        "-w": "workers", "--workers": "workers", "-b": "bind", "--bind": "bind",
        "-t": "timeout", "--timeout": "timeout", "-k": "worker-class",
        "--worker-class": "worker-class", "--threads": "threads",
        "--max-requests": "max-requests", "--max-requests-jitter": "max-requests-jitter",
        "--certfile": "certfile", "--keyfile": "keyfile", "--access-logfile": "access-logfile",
        "--error-logfile": "error-logfile", "--log-file": "error-logfile",
        "--log-config": "log-config", "--statsd-host": "statsd-host", "-c": "config",
        "--config": "config", "--limit-request-line": "limit-request-line",
        "-u": "user", "--user": "user", "--graceful-timeout": "graceful-timeout",
        "--worker-tmp-dir": "worker-tmp-dir", "-e": "env", "--env": "env",
        "--chdir": "chdir", "--pythonpath": "pythonpath", "--log-level": "log-level",
        "--forwarded-allow-ips": "forwarded-allow-ips", "-p": "pid", "--pid": "pid",
        # The rest of gunicorn's settings that take a value (gunicorn.org/en/stable/settings):
        # unknown, each would leave its value behind as a positional word.
        "--wsgi-app": "wsgi-app", "--backlog": "backlog",
        "--worker-connections": "worker-connections", "--keep-alive": "keep-alive",
        "--limit-request-fields": "limit-request-fields",
        "--limit-request-field_size": "limit-request-field_size", "-n": "name",
        "--name": "name", "-g": "group", "--group": "group", "-m": "umask", "--umask": "umask",
        "--access-logformat": "access-logformat", "--statsd-prefix": "statsd-prefix",
        "--dogstatsd-tags": "dogstatsd-tags", "--proxy-allow-from": "proxy-allow-from",
        "--paste": "paste", "--paster": "paste", "--reload-engine": "reload-engine",
        "--reload-extra-file": "reload-extra-file", "--ssl-version": "ssl-version",
        "--cert-reqs": "cert-reqs", "--ca-certs": "ca-certs", "--ciphers": "ciphers",
        "--tmp-upload-dir": "tmp-upload-dir", "--logger-class": "logger-class",
        "--log-syslog-to": "log-syslog-to", "--log-syslog-prefix": "log-syslog-prefix",
        "--log-syslog-facility": "log-syslog-facility",
    },
    "superset-run": {
        "-h": "host", "--host": "host", "-p": "port", "--port": "port",
        "--cert": "cert", "--key": "key",
    },
    "flask-run": {
        "-h": "host", "--host": "host", "-p": "port", "--port": "port",
        "--cert": "cert", "--key": "key", "--app": "app", "-A": "app",
    },
    "uwsgi": {
        "--http": "http", "--socket": "socket", "-s": "socket", "--processes": "processes",
        "-p": "processes", "--workers": "workers", "--threads": "threads",
        "--max-requests": "max-requests", "--limit-as": "limit-as",
        "--reload-on-rss": "reload-on-rss", "--harakiri": "harakiri",
        "--logto": "logto", "--uid": "uid", "--https": "https", "--ini": "ini",
        "--module": "module", "--mount": "mount", "--wsgi-file": "wsgi-file",
    },
    "waitress": {"--listen": "listen", "--host": "host", "--port": "port",
                 "--threads": "threads"},
    "celery-worker": {"-c": "concurrency", "--concurrency": "concurrency",
                      "-A": "app", "--app": "app", "-l": "loglevel", "--loglevel": "loglevel"},
    "celery-beat": {"-A": "app", "--app": "app", "-s": "schedule", "--schedule": "schedule"},
}


@dataclass
class ShellState:
    """What earlier lines of a script set up for later ones."""

    env: dict[str, str] = field(default_factory=dict)
    env_sources: dict[str, str] = field(default_factory=dict)
    venv: str | None = None
    ulimit_memory: bool = False


def logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Lines with backslash continuations joined and comments dropped."""
    buffer = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not buffer:
            start = number
        if line.endswith("\\"):
            buffer += line[:-1] + " "
            continue
        buffer += line
        stripped = buffer.strip()
        buffer = ""
        if stripped and not stripped.startswith("#"):
            yield start, stripped


def split_words(line: str) -> list[str] | None:
    try:
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|<>")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        return list(lexer)
    except ValueError:
        return None


def _is_operator(word: str) -> bool:
    return bool(word) and set(word) <= set("<>&") and ("<" in word or ">" in word)


def _segments(words: Sequence[str]) -> Iterator[tuple[list[str], bool]]:
    """Commands of a line, each with whether it is sent to the background."""
    current: list[str] = []
    for word in words:
        if word in SEPARATORS or word == "&":
            if current:
                yield current, word == "&"
            current = []
        else:
            current.append(word)
    if current:
        yield current, False


def _redirections(words: Sequence[str]) -> tuple[list[str], str | None]:
    """The words without redirections, and where standard output goes."""
    clean: list[str] = []
    stdout: str | None = None
    i = 0
    while i < len(words):
        word = words[i]
        if _is_operator(word):
            fd = clean.pop() if clean and clean[-1].isdigit() else ""
            target = words[i + 1] if i + 1 < len(words) else ""
            i += 2
            if word.endswith("&") and target.isdigit():
                continue  # 2>&1: a duplication, not a destination
            if word.startswith("<"):
                continue
            if fd in ("", "1") or word.startswith("&"):
                stdout = target
            continue
        clean.append(word)
        i += 1
    return clean, stdout


def venv_of(program: str) -> str | None:
    """``venv/bin/gunicorn`` -> ``venv``."""
    parts = program.split("/")
    if len(parts) >= 3 and parts[-2] == "bin":
        prefix = "/".join(parts[:-2])
        if prefix in ("", "/usr", "/usr/local", "/opt/homebrew"):
            return None  # the system's own interpreter, not a virtualenv
        return prefix
    return None


def classify(words: Sequence[str]) -> tuple[str, int] | None:
    """(kind, index where the server's own arguments start), or None."""
    names = [w.rsplit("/", 1)[-1] for w in words]
    for i, name in enumerate(names):
        following = names[i + 1 : i + 3]
        if name in ("python", "python3") or re.fullmatch(r"python3\.\d+", name):
            continue
        if name == "-m" and i + 1 < len(names):
            continue
        if name == "superset" and following[:1] == ["run"]:
            return "superset-run", i + 2
        if name == "flask" and (run := _flask_run(names, i + 1)) is not None:
            return "flask-run", run + 1
        if name == "gunicorn":
            return "gunicorn", i + 1
        if name in ("uwsgi", "uwsgi-core"):
            return "uwsgi", i + 1
        if name in ("waitress-serve", "waitress"):
            return "waitress", i + 1
        if name == "celery":
            rest = names[i + 1 :]
            if "beat" in rest:
                return "celery-beat", i + 1
            # ``celery multi start NODES``: workers, daemonized by celery itself.
            if "worker" in rest or "multi" in rest:
                return "celery-worker", i + 1
            return None
        # The first real word is some other program.
        if (i == 0 or names[i - 1] != "-m") and name not in WRAPPERS and not ASSIGNMENT.match(
            words[i]
        ):
            return None
    return None


FLASK_GLOBAL_VALUES = frozenset({"--app", "-A", "--env-file", "-e"})
"""flask's own options that take a value, given before the sub-command."""


def _flask_run(names: Sequence[str], start: int) -> int | None:
    """The index of ``run`` when it is flask's sub-command: ``flask run``, and after
    flask's global options (``flask --app superset.app:create_app --debug run``)."""
    i = start
    while i < len(names):
        word = names[i]
        if word == "run":
            return i
        if not word.startswith("-"):
            return None  # another sub-command (flask db upgrade)
        i += 2 if word in FLASK_GLOBAL_VALUES else 1
    return None


def parse_options(kind: str, args: Sequence[str]) -> dict[str, tuple[str, ...]]:
    table = VALUE_OPTIONS.get(kind, {})
    options: dict[str, list[str]] = {}
    i = 0
    while i < len(args):
        word = args[i]
        if word.startswith("-") and "=" in word and word.startswith("--"):
            key, value = word.split("=", 1)
            options.setdefault(table.get(key, key.lstrip("-")), []).append(value)
        elif word in table:
            value = args[i + 1] if i + 1 < len(args) else ""
            options.setdefault(table[word], []).append(value)
            i += 1
        elif word.startswith("-") and len(word) > 2 and word[:2] in table and word[1] != "-":
            options.setdefault(table[word[:2]], []).append(word[2:])  # -w4
        elif word.startswith("-"):
            options.setdefault(word.lstrip("-"), [])
        i += 1
    return {key: tuple(values) for key, values in options.items()}


VARIABLE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


def _expand(word: str, env: Mapping[str, str]) -> list[str]:
    """``$VAR`` and ``${VAR}`` the script or its unit's environment set, as the shell
    expands them (``celery multi start -A $CELERY_APP $CELERYD_OPTS`` with both from an
    EnvironmentFile); a word that is one variable is split on blanks. An unknown variable
    stays as written: its value is not in the input."""
    whole = VARIABLE.fullmatch(word)
    if whole is not None:
        name = whole.group(1) or whole.group(2)
        return env[name].split() if name in env else [word]
    return [VARIABLE.sub(lambda m: env.get(m.group(1) or m.group(2), m.group(0)), word)]


def launch_from_words(
    words: Sequence[str], background: bool, source: str, line: int | None, state: ShellState
) -> Launch | None:
    env = dict(state.env)
    plain, stdout = _redirections(words)
    clean: list[str] = []
    for word in plain:
        if not clean and ASSIGNMENT.match(word):
            key, value = word.split("=", 1)
            env[key] = value
            continue
        clean.extend(_expand(word, env))
    found = classify(clean)
    if found is None:
        return None
    kind, start = found
    program = next((w for w in clean if w not in WRAPPERS and not ASSIGNMENT.match(w)), None)
    venv = venv_of(program) if program else None
    nohup = "nohup" in clean[:start]
    return Launch(
        kind=kind,
        argv=tuple(clean),
        source=source,
        line=line,
        program=program,
        venv=venv or (state.venv if program and "/" not in program else None),
        env=env,
        background=background or nohup,
        stdout=stdout or ("nohup.out" if nohup else None),
        options=parse_options(kind, clean[start:]),
    )


def scan_script(text: str, source: str, state: ShellState | None = None) -> list[Launch]:
    """Launch commands in a shell script (or a Procfile/Makefile recipe)."""
    state = state or ShellState()
    launches = []
    for number, line in logical_lines(text):
        if source.endswith("Procfile") and ":" in line.split()[0]:
            line = line.split(":", 1)[1]
        words = split_words(line.lstrip("\t@-"))
        if not words:
            continue
        for segment, background in _segments(words):
            while segment and segment[0] in KEYWORDS:  # ``then gunicorn ...`` runs gunicorn
                segment = segment[1:]
            if not segment or _setup(segment, state, f"{source}:{number}"):
                continue
            launch = launch_from_words(segment, background, source, number, state)
            if launch is not None:
                launches.append(launch)
    return launches


def _setup(words: list[str], state: ShellState, where: str) -> bool:
    """Lines that set up later ones: export, source venv/bin/activate, ulimit."""
    head = words[0]
    if head == "export" or (len(words) == 1 and ASSIGNMENT.match(head)):
        for word in words[1:] if head == "export" else words:
            if ASSIGNMENT.match(word):
                key, value = word.split("=", 1)
                state.env[key] = value
                state.env_sources[key] = where
        return True
    if head in ("source", ".") and len(words) > 1 and words[1].endswith("bin/activate"):
        state.venv = words[1][: -len("/bin/activate")] or "."
        return True
    if head == "ulimit":
        if any(flag in words for flag in ("-v", "-m", "-Sv", "-Hv")):
            state.ulimit_memory = True
        return True
    return False


def scan_supervisor(text: str, source: str) -> list[Launch]:
    """``[program:x]`` sections of supervisord configuration."""
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    try:
        parser.read_string(text)  # a broken file is no program (its error is not shown)
    except configparser.Error:
        return []
    launches = []
    for section in parser.sections():
        if not section.startswith("program:"):
            continue
        # Option names as configparser gives them (lower case): supervisord reads them so.
        program = dict(parser.items(section))
        command = program.get("command", "")
        words = split_words(command) or []
        env = {}
        for item in program.get("environment", "").split(","):
            if "=" in item:
                key, value = item.split("=", 1)
                env[key.strip()] = value.strip().strip('"')
        state = ShellState(env=env)
        launch = launch_from_words(words, False, source, _line_of(text, section), state)
        if launch is None:
            continue
        autorestart = program.get("autorestart")  # unset: supervisord's "unexpected"
        # Unset (None): supervisord's default, 50MB. configparser strips values.
        maxbytes = program.get("stdout_logfile_maxbytes")
        launches.append(
            Launch(
                **{
                    **launch.__dict__,
                    "supervisor": "supervisord",
                    "autorestart": autorestart is None
                    or autorestart.lower() in ("true", "unexpected"),
                    "log_bounded": maxbytes not in ("0", "0MB", "0KB", "0GB"),
                    "stdout": program.get("stdout_logfile", "AUTO"),
                    # supervisord starts the program as this user (itself, usually root,
                    # when unset: not known from the file).
                    "user": program.get("user"),
                }
            )
        )
    return launches


def _line_of(text: str, section: str) -> int | None:
    needle = f"[{section}]"
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip() == needle:
            return number
    return None


CRON_LINE = re.compile(r"^(@\w+|(?:\S+\s+){4}\S+)\s+(.*)$")


def scan_crontab(text: str, source: str, system: bool) -> list[Scheduled]:
    """Entries of a crontab; system crontabs carry a user field before the command."""
    entries = []
    for number, line in logical_lines(text):
        if ASSIGNMENT.match(line):
            continue
        match = CRON_LINE.match(line)
        if not match:
            continue
        schedule, command = match.group(1), match.group(2)
        if system and not schedule.startswith("@"):
            parts = command.split(None, 1)
            command = parts[1] if len(parts) > 1 else ""
        elif system:
            parts = command.split(None, 1)
            command = parts[1] if len(parts) > 1 else command
        entries.append(Scheduled(schedule=schedule, command=command, source=source, line=number))
    return entries

"""A uwsgi ini file's ``[uwsgi]`` section, read as uwsgi reads it: the settings a launch
``uwsgi --ini FILE`` takes from it. Shared by the pip and systemd styles, which both start
uwsgi. Only options the checks judge are kept, under their command-line names."""

from __future__ import annotations

UWSGI_SETTINGS = {
    "socket": "socket", "uwsgi-socket": "socket",
    # http-socket: uwsgi speaks HTTP on it itself, as exposed as --http.
    "http": "http", "http-socket": "http", "https": "https",
    "processes": "processes", "workers": "workers",
    "threads": "threads", "max-requests": "max-requests", "limit-as": "limit-as",
    "reload-on-rss": "reload-on-rss", "harakiri": "harakiri", "uid": "uid",
    "logto": "logto", "logto2": "logto", "daemonize": "logto",
    "module": "module", "wsgi": "module", "wsgi-file": "wsgi-file",
    "file": "wsgi-file", "mount": "mount",
}
"""ini key -> the option name the checks read (``--logto``, ``--processes``...)."""


def ini_path(argv: tuple[str, ...] | list[str]) -> str | None:
    """The ini file of ``uwsgi --ini FILE``, ``--ini=FILE`` or ``uwsgi FILE.ini``; a
    ``FILE:section`` suffix names another section, which is not read (None)."""
    for i, word in enumerate(argv):
        if word == "--ini" and i + 1 < len(argv):
            path = argv[i + 1]
        elif word.startswith("--ini="):
            path = word.split("=", 1)[1]
        elif i > 0 and not word.startswith("-") and word.endswith(".ini"):
            path = word  # after "--ini" the first branch has returned already
        else:
            continue
        return path if ":" not in path else None
    return None


def settings(text: str) -> dict[str, tuple[str, ...]]:
    """``key = value`` lines of the ``[uwsgi]`` section, under their option names; a key
    given twice keeps every value (uwsgi stacks sockets; the last wins for the rest).

    uwsgi reads a number's leading digits, so ``max-requests=100    # respawn`` (a comment
    after the value, common in generated files) is 100."""
    found: dict[str, list[str]] = {}
    section = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith((";", "#")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
            continue
        if section != "uwsgi":
            continue
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep:
            value = "true"  # a bare flag (enable-threads)
        value = value.strip()
        head = value.split("#", 1)[0].strip()
        if head.isdigit():
            value = head
        name = UWSGI_SETTINGS.get(key)
        if name is None or not value:
            continue
        if name == "socket" and value.startswith("/"):
            value = "unix:" + value  # a bare path is a unix socket, as gunicorn spells it
        found.setdefault(name, []).append(value)
    return {key: tuple(values) for key, values in found.items()}

"""Reading a JSON file that someone else may have written (a baseline from a pull
request, an entry of a shared history directory) without hanging or blowing up.

A FIFO, a device or a directory is refused before it is read (opening a FIFO for
reading would wait for a writer forever; ``/dev/zero`` never ends), the size is capped,
and what ``json`` raises on hostile text (nesting deep enough to exhaust the stack, an
integer of thousands of digits) becomes a one-line reason.
"""

from __future__ import annotations

import json
import os
import stat
from typing import Any

MAX_BYTES = 128 * 1024 * 1024
"""Far above any report written so far (a few MB for thousands of findings)."""


class JsonFileError(Exception):
    """Why the file could not be read, in a few words (without the path)."""


class NotJson(JsonFileError):
    """The file was read, but its text is not (usable) JSON; ``line`` where known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def read_json_file(path: str | os.PathLike[str], limit: int = MAX_BYTES) -> Any:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise JsonFileError(exc.strerror or str(exc)) from exc
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise JsonFileError("not a regular file")
        if info.st_size > limit:
            raise JsonFileError(f"larger than {limit // (1024 * 1024)} MiB")
        try:
            data = handle.read(limit + 1)
        except OSError as exc:
            raise JsonFileError(exc.strerror or str(exc)) from exc
    if len(data) > limit:  # grew while being read
        raise JsonFileError(f"larger than {limit // (1024 * 1024)} MiB")
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise NotJson(f"not UTF-8 text: {exc.reason} at byte {exc.start}") from exc
    except json.JSONDecodeError as exc:
        raise NotJson(str(exc), exc.lineno) from exc
    except RecursionError:
        raise NotJson("JSON nested too deeply to read") from None
    except ValueError as exc:  # an integer longer than Python converts (4,300 digits)
        raise NotJson(str(exc).split(";")[0].split(":")[0]) from exc

"""The SARIF 2.1.0 JSON schema (draft-04), fetched once and cached for the SARIF tests.

OASIS publishes the schema on its site only; the npm package ``@microsoft/jest-sarif``
(a Microsoft test matcher for SARIF) ships it as ``sarif-2.1.0-rtm.5.json``: rtm.5 is the
last release candidate, the one that became 2.1.0; its title says "Version 2.1.0" and its
``version`` accepts exactly ``"2.1.0"`` (both checked below).

``npm pack`` fetches the package through npm's own client (integrity checked against the
registry); the schema's bytes are pinned here too, so a changed download is refused.

Cache: ``$XDG_CACHE_HOME/deploy-auditor-tests/sarif-schema-2.1.0.json`` (``~/.cache`` by
default). CI fetches it before the tests with ``python tests/sarifschema.py``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

PACKAGE = "@microsoft/jest-sarif@1.0.0-beta.0"
MEMBER = "package/lib/schemas/sarif-2.1.0-rtm.5.json"
SHA256 = "2d99159ae54a3eea97f81781cff48780548657c35949f4b7f25e99a2ba4de4f8"
TITLE = "Static Analysis Results Format (SARIF) Version 2.1.0"
NPM_TIMEOUT_S = 300


class SchemaUnavailable(Exception):
    """The schema could not be had; the message is one line saying why."""


def cache_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "deploy-auditor-tests" / "sarif-schema-2.1.0.json"


def fetch() -> Path:
    """The cached schema file, fetched with ``npm pack`` when missing or not the pinned one."""
    path = cache_path()
    if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == SHA256:
        return path
    data = _from_npm()
    digest = hashlib.sha256(data).hexdigest()
    if digest != SHA256:
        raise SchemaUnavailable(f"{PACKAGE}: {MEMBER} has sha256 {digest}, expected {SHA256}")
    _check(json.loads(data))
    path.parent.mkdir(parents=True, exist_ok=True)
    # Atomic: concurrent test runs may fetch at once; each renames a complete file.
    handle, staged = tempfile.mkstemp(dir=path.parent, prefix=".sarif-schema-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(staged, 0o644)  # mkstemp makes it private; it is a public document
        os.replace(staged, path)
    except BaseException:
        Path(staged).unlink(missing_ok=True)
        raise
    return path


def _from_npm() -> bytes:
    npm = shutil.which("npm")
    if npm is None:
        raise SchemaUnavailable(f"npm not installed: cannot fetch {PACKAGE} "
                                f"(or put the schema at {cache_path()})")
    with tempfile.TemporaryDirectory(prefix="sarif-schema-") as work:
        try:
            done = subprocess.run(
                [npm, "pack", PACKAGE, "--json", "--ignore-scripts"], cwd=work,
                capture_output=True, text=True, timeout=NPM_TIMEOUT_S, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SchemaUnavailable(f"npm pack {PACKAGE} failed: {exc}") from exc
        tarballs = sorted(Path(work).glob("*.tgz"))
        if done.returncode != 0 or len(tarballs) != 1:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise SchemaUnavailable(f"npm pack {PACKAGE} failed ({done.returncode}): {last}")
        # Read the one member in memory: nothing from the archive touches the filesystem.
        with tarfile.open(tarballs[0], "r:gz") as archive:
            try:
                member = archive.getmember(MEMBER)
            except KeyError as exc:
                raise SchemaUnavailable(f"{PACKAGE} has no {MEMBER}") from exc
            stream = archive.extractfile(member) if member.isfile() else None
            if stream is None:
                raise SchemaUnavailable(f"{PACKAGE}: {MEMBER} is not a regular file")
            return stream.read()


def _check(schema: Any) -> None:
    if not (isinstance(schema, dict)
            and schema.get("$schema") == "http://json-schema.org/draft-04/schema#"
            and str(schema.get("title", "")).startswith(TITLE)
            and schema.get("properties", {}).get("version", {}).get("enum") == ["2.1.0"]):
        raise SchemaUnavailable(f"{PACKAGE}: {MEMBER} is not the SARIF 2.1.0 draft-04 schema")


@functools.cache
def _load() -> dict[str, Any] | str:
    """The schema, or why it could not be had: tried once per test run, not once per test."""
    try:
        schema = json.loads(fetch().read_bytes())
        _check(schema)
    except SchemaUnavailable as exc:
        return str(exc)
    loaded: dict[str, Any] = schema
    return loaded


def sarif_schema() -> dict[str, Any]:
    """The schema as a dict; skips the calling test (fails it under
    AUDITOR_TESTS_REQUIRE_ALL=1, see tests/needs.py) when it cannot be had."""
    schema = _load()
    if isinstance(schema, str):
        from needs import unavailable

        unavailable(f"SARIF 2.1.0 schema unavailable: {schema}; apt-get install npm "
                    "and run python tests/sarifschema.py (or run .ci/run)")
    return schema


if __name__ == "__main__":
    try:
        print(fetch())
    except SchemaUnavailable as exc:
        print(f"sarifschema: {exc}", file=sys.stderr)
        sys.exit(1)

"""What the image a Compose ``build:`` produces says about itself, from its Dockerfile.

The Dockerfile is parsed with dockerfile-parse, never built and nothing in it is run. The
stage built (``build.target``, else the last one) inherits from the stages it is ``FROM``,
up to an external base image, which cannot be seen offline: what it sets (its USER, its
HEALTHCHECK) stays unknown and is said to be so. Docker's inheritance rules applied here:
the last HEALTHCHECK, USER, ENTRYPOINT and CMD along the chain win, EXPOSE accumulates,
``HEALTHCHECK NONE`` disables an inherited check, and an ENTRYPOINT set in a stage clears
the CMD inherited from its parent.
"""

from __future__ import annotations

import io
import json
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dockerfile_parse import DockerfileParser

MAX_DOCKERFILE_BYTES = 256 * 1024
"""Larger Dockerfiles are not read (a named problem): real ones are a few KiB."""
MAX_STAGES = 64
INHERITED = ("HEALTHCHECK", "USER", "ENTRYPOINT", "CMD")
ARG_TRAILER = re.compile(r"(?im)^(\s*ARG\s+[A-Za-z_][A-Za-z0-9_]*(?:=\S*)?)\s+#.*$")
"""``ARG UID=1000  # default value 1000`` (EpiGraphHub): Docker reads comments only at the
start of a line and ignores the extra words here, dockerfile-parse refuses them; the words
after the declared name are cut before parsing (line numbers are kept)."""
VARIABLE = re.compile(
    r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-+]([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")


@dataclass(frozen=True)
class Instruction:
    keyword: str
    value: str
    line: int
    """1-based line of the instruction in the Dockerfile."""
    stage: str
    """The stage it is written in (its ``AS`` name, or ``#N``)."""
    workdir: str | None = None
    """The WORKDIR in effect at a COPY/ADD (None: not set along the stages read, or set
    from a variable): a relative destination is taken from it."""


@dataclass(frozen=True)
class BuiltImage:
    """The stage a service builds, with what it inherits."""

    path: str
    """The Dockerfile as a project path, or ``<service> dockerfile_inline``."""
    stage: str
    chain: tuple[str, ...]
    """The stage built, then each stage it is FROM, ending with the external base."""
    base: str | None
    """The external base image at the end of the chain (``scratch`` included), if named."""
    healthcheck: Instruction | None = None
    user: Instruction | None = None
    entrypoint: Instruction | None = None
    cmd: Instruction | None = None
    expose: tuple[Instruction, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    copies: tuple[Instruction, ...] = ()
    """COPY/ADD from the build context (not ``--from`` another stage) along the chain."""
    context: str | None = None
    """The build context as a project path (None: outside the project, or unknown)."""

    def copied_sources(self) -> list[str]:
        """Build-context paths COPY/ADD take files from (the destination left out)."""
        found: list[str] = []
        for instruction in self.copies:
            words = exec_words(instruction.value).split()
            sources = [w for w in words if not w.startswith("--")][:-1]
            found.extend(w for w in sources if "://" not in w and "$" not in w)
        return found

    def copy_targets(self) -> list[tuple[tuple[str, ...], str, Instruction]]:
        """Each COPY/ADD from the build context as (sources, destination, instruction), in
        Dockerfile order: a later one hides what an earlier one put at the same path."""
        found: list[tuple[tuple[str, ...], str, Instruction]] = []
        for instruction in self.copies:
            words = [w for w in exec_words(instruction.value).split() if not w.startswith("--")]
            if len(words) < 2 or any(w.startswith("<<") for w in words):
                continue  # a heredoc writes its own text, not a file of the context
            sources = tuple(w for w in words[:-1] if "://" not in w and "$" not in w)
            if sources and "$" not in words[-1]:
                found.append((sources, _destination(words[-1], instruction.workdir),
                              instruction))
        return found

    def where(self, instruction: Instruction) -> str:
        """Evidence: ``Dockerfile:53 HEALTHCHECK in stage lean, inherited by dev``."""
        text = f"{self.path}:{instruction.line} {instruction.keyword} in stage " \
               f"{instruction.stage}"
        return text if instruction.stage == self.stage else f"{text}, inherited by {self.stage}"

    @property
    def healthcheck_disabled(self) -> bool:
        return self.healthcheck is not None and \
            self.healthcheck.value.strip().upper() == "NONE"

    @property
    def base_unknown(self) -> str:
        """What cannot be known about the external base (for messages)."""
        return f"the base image {self.base} is not visible offline" if self.base else ""

    def process(self) -> str:
        """ENTRYPOINT then CMD, as words joined by spaces (exec or shell form)."""
        return " ".join(exec_words(i.value) for i in (self.entrypoint, self.cmd)
                        if i is not None)


class DockerfileError(Exception):
    """The Dockerfile cannot be used; the message names the line where there is one."""


@dataclass
class _Stage:
    name: str
    source: str
    line: int
    own: list[Instruction]


def read_image(text: str, path: str, build_args: Mapping[str, str],
               target: str | None) -> BuiltImage:
    """The built stage of ``text`` (raises :class:`DockerfileError`)."""
    if len(text.encode("utf-8", "replace")) > MAX_DOCKERFILE_BYTES:
        raise DockerfileError(f"larger than {MAX_DOCKERFILE_BYTES // 1024} KiB, not read")
    text = ARG_TRAILER.sub(r"\1", text)
    try:
        parser = DockerfileParser(fileobj=io.BytesIO(text.encode("utf-8", "replace")),
                                  build_args=dict(build_args), env_replace=True)
        structure: list[dict[str, Any]] = parser.structure
        contexts = parser.context_structure
        parents: list[str] = parser.parent_images
    except Exception as exc:  # dockerfile-parse raises what its regexes and json meet
        raise DockerfileError(f"cannot be parsed ({type(exc).__name__})") from None
    stages: list[_Stage] = []
    froms = iter(parents)
    envs: dict[str, dict[str, str]] = {}
    workdirs: dict[str, str | None] = {}
    """stage name (lower case) -> its WORKDIR at its end, for the stages FROM it."""
    workdir: str | None = None
    for index, item in enumerate(structure):
        keyword = str(item.get("instruction") or "")
        line = int(item.get("startline", 0)) + 1
        if keyword == "FROM":
            image = next(froms, "")
            name = _stage_name(str(item.get("value") or "")) or f"#{len(stages)}"
            if not image:
                raise DockerfileError(f"line {line}: FROM without an image")
            if stages:
                workdirs[stages[-1].name.lower()] = workdir
            # FROM an earlier stage starts in its WORKDIR; an external base's is not known.
            workdir = workdirs.get(image.lower())
            stages.append(_Stage(name, image, line, []))
            if len(stages) > MAX_STAGES:
                raise DockerfileError(f"line {line}: more than {MAX_STAGES} stages")
            continue
        if keyword == "WORKDIR":
            workdir = _workdir(workdir, str(item.get("value") or ""))
            continue
        if keyword in ("COMMENT", "ARG") or not keyword:
            continue
        if not stages:
            raise DockerfileError(f"line {line}: {keyword} before the first FROM")
        stage = stages[-1]
        copied = keyword in ("COPY", "ADD") and "--from" not in str(item.get("value") or "")
        if keyword in (*INHERITED, "EXPOSE") or copied:
            stage.own.append(Instruction(keyword, str(item.get("value") or ""), line,
                                         stage.name, workdir if copied else None))
        elif keyword == "ENV" and index < len(contexts):
            envs[stage.name] = dict(contexts[index].envs)
    if not stages:
        raise DockerfileError("no FROM instruction")
    chosen = stages[-1]
    if target:
        found = [s for s in stages if s.name.lower() == target.lower()]
        if not found:
            raise DockerfileError(f"build target {target} is not a stage of the Dockerfile")
        chosen = found[0]
    return _resolve(path, chosen, stages, envs)


def _resolve(path: str, chosen: _Stage, stages: list[_Stage],
             envs: Mapping[str, Mapping[str, str]]) -> BuiltImage:
    chain: list[_Stage] = []
    current: _Stage | None = chosen
    while current is not None and current not in chain:
        chain.append(current)
        earlier = stages[:stages.index(current)]
        # A FROM names an earlier stage by its AS name, case-insensitively; else an image.
        current = next((s for s in reversed(earlier)
                        if s.name.lower() == current.source.lower()), None)
    base = chain[-1].source
    found: dict[str, Instruction | None] = dict.fromkeys(INHERITED)
    expose: list[Instruction] = []
    copies: list[Instruction] = []
    env: dict[str, str] = {}
    for stage in reversed(chain):  # the base first, so later stages win
        env.update(envs.get(stage.name, {}))
        for instruction in stage.own:
            if instruction.keyword in ("COPY", "ADD"):
                copies.append(instruction)
                continue
            if instruction.keyword == "EXPOSE":
                expose.append(instruction)
                continue
            inherited_cmd = found["CMD"]
            found[instruction.keyword] = instruction
            if instruction.keyword == "ENTRYPOINT" and inherited_cmd is not None and \
                    inherited_cmd.stage != stage.name:
                found["CMD"] = None  # Docker: an ENTRYPOINT resets the CMD of the base
    expose = [Instruction(i.keyword, _expand(i.value, env), i.line, i.stage) for i in expose]
    return BuiltImage(
        path=path, stage=chosen.name, chain=(*(s.name for s in chain), base), base=base,
        healthcheck=found["HEALTHCHECK"], user=found["USER"], entrypoint=found["ENTRYPOINT"],
        cmd=found["CMD"], expose=tuple(expose), env=tuple(sorted(env.items())),
        copies=tuple(copies))


def _workdir(current: str | None, value: str) -> str | None:
    """The WORKDIR after ``WORKDIR value``: an absolute path, or one relative to the WORKDIR
    before it (unknown when that is unknown or the value names a variable)."""
    value = value.strip().strip("\"'")
    if not value or "$" in value:
        return None
    if value.startswith("/"):
        return posixpath.normpath(value)
    return posixpath.normpath(posixpath.join(current, value)) if current else None


def _destination(dest: str, workdir: str | None) -> str:
    """A COPY destination as an absolute path when the WORKDIR it is relative to is known
    (``COPY superset_config.py .`` under ``WORKDIR /app`` is ``/app/``); else as written."""
    if dest.startswith("/") or workdir is None:
        return dest
    joined = posixpath.normpath(posixpath.join(workdir, dest))
    # "." and "dir/" name a directory the sources go into, as "/app/" does.
    folder = dest.rstrip("/") in ("", ".") or dest.endswith("/")
    return joined.rstrip("/") + "/" if folder else joined


def _stage_name(value: str) -> str | None:
    words = value.split()
    for index, word in enumerate(words[:-1]):
        if word.lower() == "as":
            return words[index + 1]
    return None


def exec_words(value: str) -> str:
    """An exec-form JSON array or a shell-form command, as space-separated words."""
    text = value.strip()
    if text.startswith("["):
        try:
            parsed = json.loads(text)
        except ValueError:
            return text
        if isinstance(parsed, list):
            return " ".join(str(w) for w in parsed)
    return text


def _expand(value: str, env: Mapping[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(3)
        return env.get(name) or match.group(2) or match.group(0)

    return VARIABLE.sub(replace, value)

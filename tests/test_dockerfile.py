"""The container image's Dockerfile, read with dockerfile-parse (no Docker engine runs here).

What is checked is what the chart relies on and what a reviewer would ask of a production
image: multi-stage with nothing of the builder in the final image, a pinned base, a numeric
non-root user matching the chart's runAsUser, the auditor as entry point. The build context
that .dockerignore leaves is built into a wheel for real, so a needed file cannot be ignored.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from dockerfile_parse import DockerfileParser
from needs import unavailable

REPO = Path(__file__).resolve().parent.parent
DOCKERFILE = REPO / "Dockerfile"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
# An exact release of an official image: python:MAJOR.MINOR.PATCH-<variant>, optionally
# @sha256 (which CI/release adds; see the Dockerfile's header).
PINNED = re.compile(r"^python:(?P<version>\d+\.\d+\.\d+)-slim-[a-z]+(@sha256:[0-9a-f]{64})?$")
BUILD_TOOLS = re.compile(r"(?<![\w.-])(gcc|g\+\+|cc|clang|make|build-essential|python3-dev|"
                         r"libc6-dev|libpq-dev|rustc|cargo)(?![\w.-])")


@dataclass
class Stage:
    image: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def values(self, instruction: str) -> list[str]:
        return [value for name, value in self.instructions if name == instruction]


def stages() -> list[Stage]:
    parser = DockerfileParser(path=str(DOCKERFILE))
    found: list[Stage] = []
    for entry in parser.structure:
        instruction, value = entry["instruction"], entry["value"]
        if instruction == "FROM":
            image, _, name = value.partition(" AS ")
            found.append(Stage(image.strip(), name.strip() or None))
        elif instruction != "COMMENT":
            assert found, f"{instruction} before the first FROM"
            found[-1].instructions.append((instruction, value))
    return found


def final() -> Stage:
    return stages()[-1]


def test_multi_stage_build() -> None:
    built = stages()
    assert len(built) >= 2
    builder = built[0]
    assert builder.name == "builder"
    assert any("pip wheel" in run for run in builder.values("RUN"))


def test_base_images_are_pinned_to_a_patch_release() -> None:
    images = {stage.image for stage in stages()}
    # One base for both stages: wheels are built for the Python that installs them.
    assert len(images) == 1
    (image,) = images
    match = PINNED.match(image)
    assert match, f"base image {image!r} is not pinned to an exact python release"
    assert "latest" not in image
    version = tuple(int(part) for part in match["version"].split("."))
    required = PYPROJECT["project"]["requires-python"].removeprefix(">=")
    assert version[:2] >= tuple(int(part) for part in required.split("."))


def test_base_digest_pinning_is_left_to_release_with_a_reason() -> None:
    header = DOCKERFILE.read_text()
    assert "@sha256:<digest>" in header and "no Docker engine" in header


def test_final_user_is_numeric_non_root_and_matches_the_chart() -> None:
    users = final().values("USER")
    assert users, "the final stage sets no USER: it would run as root"
    uid, _, gid = users[-1].partition(":")
    assert uid.isdigit() and int(uid) > 0, "USER must be numeric so runAsNonRoot can verify it"
    assert gid.isdigit() and int(gid) > 0
    values = yaml.safe_load((REPO / "charts" / "deploy-auditor" / "values.yaml").read_text())
    pod = values["podSecurityContext"]
    assert (int(uid), int(gid)) == (pod["runAsUser"], pod["runAsGroup"])


def test_entrypoint_is_the_auditor_in_exec_form() -> None:
    stage = final()
    assert json.loads(stage.values("ENTRYPOINT")[-1]) == ["auditor"]
    command = json.loads(stage.values("CMD")[-1])
    assert isinstance(command, list) and command[0] == "scan"
    assert stage.values("HEALTHCHECK") == ["NONE"]  # a CronJob: the exit code is the health


def test_environment_and_labels() -> None:
    parser = DockerfileParser(path=str(DOCKERFILE))
    env = parser.envs  # the final stage's
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert env["PIP_NO_CACHE_DIR"] == "1"
    assert env["PATH"].startswith(env["VIRTUAL_ENV"] + "/bin:")
    labels = parser.labels
    assert labels["org.opencontainers.image.title"] == PYPROJECT["project"]["name"]
    assert labels["org.opencontainers.image.version"] == PYPROJECT["project"]["version"]
    assert labels["org.opencontainers.image.licenses"] == PYPROJECT["project"]["license"]["text"]
    assert labels["org.opencontainers.image.base.name"].endswith(final().image)


def test_nothing_is_fetched_from_urls_and_nothing_is_compiled() -> None:
    for stage in stages():
        for instruction, value in stage.instructions:
            assert instruction != "ADD", "ADD fetches URLs and unpacks archives: use COPY"
            if instruction == "RUN":
                assert not re.search(r"\b(curl|wget)\b", value), value
                assert "apt-get install" not in value and "apk add" not in value, value
                assert not BUILD_TOOLS.search(value), value
    builder_run = " ".join(stages()[0].values("RUN"))
    assert "--only-binary=:all:" in builder_run  # a missing wheel fails instead of compiling


def test_final_stage_takes_only_installed_wheels_from_the_builder() -> None:
    stage = final()
    assert not any("--from=" in copy for copy in stage.values("COPY")), (
        "the final stage copies files from another stage")
    installs = [run for run in stage.values("RUN") if "install" in run and "/wheels" in run]
    assert len(installs) == 1
    install = installs[0]
    assert "--mount=type=bind,from=builder,source=/wheels,target=/wheels" in install
    assert "--no-index" in install and "--find-links /wheels" in install
    assert "--without-pip" in install  # the venv at run time has no pip


# --- the build context ----------------------------------------------------------------------


def ignore_patterns() -> list[str]:
    lines = (REPO / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _matches(pattern: str, parts: list[str]) -> bool:
    """A pattern matches a path when it matches the path or one of its parent folders."""
    if pattern.startswith("**/"):
        return any(fnmatch.fnmatchcase(part, pattern[3:]) for part in parts)
    return any(fnmatch.fnmatchcase("/".join(parts[:n]), pattern) for n in range(1, len(parts) + 1))


def ignored(relative: str, patterns: list[str]) -> bool:
    """.dockerignore semantics for the patterns used here: the last matching line wins,
    ``!`` re-includes, ``**/`` matches at any depth."""
    parts = relative.split("/")
    excluded = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        if _matches(pattern.removeprefix("!").strip("/"), parts):
            excluded = not negated
    return excluded


def copied_sources() -> list[str]:
    sources = []
    for stage in stages():
        for copy in stage.values("COPY"):
            words = [w for w in copy.split() if not w.startswith("--")]
            sources += words[:-1]
    return sources


def test_dockerignore_keeps_the_context_small_and_complete() -> None:
    patterns = ignore_patterns()
    for unwanted in (".git/config", ".venv", "tests/conftest.py", "bench", "docs", "examples",
                     "charts/deploy-auditor/Chart.yaml", "Dockerfile", "a-folder-added-later",
                     "auditor/__pycache__/cli.cpython-311.pyc", "checks/x/y.pyc",
                     "deploy_auditor.egg-info/PKG-INFO"):
        assert ignored(unwanted, patterns), unwanted
    for needed in copied_sources():
        assert (REPO / needed).exists(), f"COPY {needed}: not in the repository"
        assert not ignored(needed, patterns), f"COPY {needed} is excluded by .dockerignore"
    # Every package folder setuptools installs is copied.
    folders = {folder.split("/")[0] for folder in [
        *PYPROJECT["tool"]["setuptools"]["package-dir"].values(), "auditor"]}
    assert folders <= set(copied_sources())


def build_context(target: Path) -> None:
    """Copy what the Dockerfile's COPY lines take, minus .dockerignore, into target."""
    patterns = ignore_patterns()
    for source in copied_sources():
        path = REPO / source
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for file in files:
            relative = file.relative_to(REPO).as_posix()
            if not ignored(relative, patterns):
                (target / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(file, target / relative)


def test_the_context_builds_a_complete_wheel(tmp_path: Path) -> None:
    context, wheels = tmp_path / "context", tmp_path / "wheels"
    context.mkdir()
    build_context(context)
    # As the builder stage does, less the dependencies (offline here): --no-deps, and the
    # test environment's setuptools instead of an isolated build environment.
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(wheels), str(context)],
        capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0 and "No module named" in done.stderr and "setuptools" in done.stderr:
        unavailable("setuptools not installed: pip install -e '.[test]'")
    assert done.returncode == 0, done.stderr[-2000:]
    (wheel,) = wheels.glob("deploy_auditor-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("auditor/cli.py", "auditor/schema/report.schema.json",
                   "auditor/checks/kubernetes/live.py", "auditor/reports/__init__.py"):
        assert needed in names, needed
    assert any(n.startswith("auditor/reports/templates/") and n.endswith(".j2") for n in names)
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "auditor = auditor.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()

"""Direct tests of the helpers in checks/common that kill mutants of
``python bench/mutation.py checks-common-wide`` (docs/mutation/common.md).

The helpers decide what the auditor may read (bounds.py, tree.py), how far a YAML alias
graph expands (yamlgraph.py) and what the live host looks like (live.py); a wrong answer in
any of them is a wrong verdict in every style. Expected values are literals (paths, sizes,
messages), never taken from the code under test.
"""

from __future__ import annotations

import os
import signal
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import pytest
import yaml

from auditor.checks.common import live
from auditor.checks.common.bounds import (
    ProjectTree,
    climb,
    describe,
    inside,
    levels_up,
    repository_root,
    tree_top,
)
from auditor.checks.common.style import StylePlugin
from auditor.checks.common.tree import Tree, TreeError
from auditor.checks.common.yamlgraph import RecursiveAlias, measure
from auditor.checks.pip.facts import HostLive
from auditor.model import Detection, Style, Target, TargetKind

# --- helpers ---------------------------------------------------------------------------------


def write(root: Path, inner: str, text: str = "x") -> Path:
    path = root / inner
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def link(root: Path, inner: str, to: str) -> None:
    path = root / inner
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(to)


def reason(tree: Tree, inner: str) -> str:
    with pytest.raises(TreeError) as caught:
        tree.resolve(inner)
    return str(caught.value)


def read_error(tree: Tree, inner: str, limit: int | None = None) -> str:
    with pytest.raises(TreeError) as caught:
        if limit is None:
            tree.read_text(inner)
        else:
            tree.read_text(inner, limit)
    return str(caught.value)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HOME is the test's folder: the repository walk stops there."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home.resolve()


# --- bounds.py: repository_root --------------------------------------------------------------


def test_repository_root_is_the_nearest_folder_with_git(home: Path) -> None:
    (home / "repo" / ".git").mkdir(parents=True)
    (home / "repo" / "a" / "b").mkdir(parents=True)
    assert repository_root(home / "repo" / "a" / "b") == home / "repo"
    assert repository_root(home / "repo") == home / "repo"


def test_a_git_file_marks_a_worktree_or_submodule_root(home: Path) -> None:
    write(home, "sub/.git", "gitdir: ../.git/modules/sub")
    (home / "sub" / "docker").mkdir()
    assert repository_root(home / "sub" / "docker") == home / "sub"


def test_a_git_symlink_marks_a_root_even_when_dangling(home: Path) -> None:
    (home / "repo").mkdir()
    (home / "repo" / ".git").symlink_to(home / "nowhere")
    assert repository_root(home / "repo") == home / "repo"


def test_without_git_there_is_no_repository_root(home: Path) -> None:
    (home / "plain" / "docker").mkdir(parents=True)
    assert repository_root(home / "plain" / "docker") is None


def test_the_home_directory_is_never_a_repository_root(home: Path) -> None:
    (home / ".git").mkdir()
    (home / "project").mkdir()
    assert repository_root(home / "project") is None
    assert repository_root(home) is None


def test_without_home_the_walk_goes_up_to_the_repository(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOME", raising=False)
    (tmp_path / ".git").mkdir()
    (tmp_path / "p").mkdir()
    assert repository_root(tmp_path.resolve() / "p") == tmp_path.resolve()


def test_an_empty_home_is_no_stop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "")
    (tmp_path / ".git").mkdir()
    (tmp_path / "p").mkdir()
    assert repository_root(tmp_path.resolve() / "p") == tmp_path.resolve()


def test_the_filesystem_root_is_never_a_repository_root() -> None:
    assert repository_root(Path("/")) is None


def test_the_walk_climbs_at_most_32_folders(home: Path) -> None:
    (home / "repo" / ".git").mkdir(parents=True)
    deep = home / "repo"
    for _ in range(31):
        deep = deep / "d"
    deep.mkdir(parents=True)
    assert repository_root(deep) == home / "repo"  # 31 folders up: the 32nd looked at
    (deep / "e").mkdir()
    assert repository_root(deep / "e") is None  # 32 folders up: not looked at


# --- bounds.py: climb, ProjectTree, describe -------------------------------------------------


@pytest.mark.parametrize(("levels", "path"), [(0, "."), (1, ".."), (3, "../../..")])
def test_climb(levels: int, path: str) -> None:
    assert climb(levels) == path


def test_a_folder_outside_any_repository_is_a_plain_tree(home: Path) -> None:
    (home / "p").mkdir()
    tree = ProjectTree.for_project(home / "p")
    assert type(tree) is Tree
    assert tree.root == home / "p"
    assert levels_up(tree) == 0
    assert tree_top(tree) == "."
    assert describe(tree) == "the project folder: no git repository above it"


def test_a_repository_root_is_a_plain_tree(home: Path) -> None:
    (home / "repo" / ".git").mkdir(parents=True)
    tree = ProjectTree.for_project(str(home / "repo" / "." ))
    assert type(tree) is Tree
    assert tree.root == home / "repo"


def test_a_project_below_its_repository_root_reaches_up_to_it(home: Path) -> None:
    (home / "repo" / ".git").mkdir(parents=True)
    write(home, "repo/.env", "A=1")
    (home / "repo" / "deploy" / "docker").mkdir(parents=True)
    tree = ProjectTree.for_project(home / "repo" / "deploy" / "docker")
    assert isinstance(tree, ProjectTree)
    assert tree.root == home / "repo" / "deploy" / "docker"
    assert tree.outer is not None and tree.outer.root == home / "repo"
    assert tree.prefix == "deploy/docker"
    assert tree.up == 2
    assert levels_up(tree) == 2
    assert tree_top(tree) == "../.."
    assert describe(tree) == "the git repository around the project, up to ../.."
    assert describe(tree, host_tree=True) == "the host tree"
    assert tree.resolve("../../.env") == home / "repo" / ".env"
    assert tree.read_text("../../.env") == "A=1"
    assert tree.resolve("x.yaml") == home / "repo" / "deploy" / "docker" / "x.yaml"


def test_a_project_tree_never_climbs_above_its_repository(home: Path) -> None:
    (home / "repo" / ".git").mkdir(parents=True)
    (home / "repo" / "docker").mkdir()
    tree = ProjectTree.for_project(home / "repo" / "docker")
    assert reason(tree, "../../x") == "../../x: leads out of the audited tree"
    # the reason is the outer tree's, named by the path as written, whatever it holds
    assert reason(tree, "a: b/../../../x") == "a: b/../../../x: leads out of the audited tree"


def test_a_symlink_in_a_project_is_resolved_against_the_repository(home: Path) -> None:
    (home / "repo" / ".git").mkdir(parents=True)
    write(home, "repo/shared/.env", "B=2")
    link(home, "repo/docker/env", "/shared/.env")  # absolute: from the repository's top
    link(home, "repo/docker/out", "../../..")
    tree = ProjectTree.for_project(home / "repo" / "docker")
    assert tree.resolve("env") == home / "repo" / "shared" / ".env"
    assert reason(tree, "out/etc") == "out/etc: symlink leads out of the audited tree"


def test_an_absolute_path_in_a_project_is_under_the_project_folder(home: Path) -> None:
    (home / "repo" / ".git").mkdir(parents=True)
    (home / "repo" / "docker").mkdir()
    tree = ProjectTree.for_project(home / "repo" / "docker")
    assert tree.resolve("/etc/passwd") == home / "repo" / "docker" / "etc" / "passwd"
    assert tree.resolve("\\etc\\passwd") == home / "repo" / "docker" / "etc" / "passwd"
    assert reason(tree, "/../x") == "/../x: leads out of the audited tree"
    # through the repository it would be inside; from the project's "/" it is not
    assert reason(tree, "\\..\\x") == "\\..\\x: leads out of the audited tree"


def test_a_project_tree_without_outer_tree_reaches_nothing_above(tmp_path: Path) -> None:
    tree = ProjectTree(tmp_path, None, "docker")
    assert tree.up == 0
    assert reason(tree, "../x") == "../x: leads out of the audited tree"
    assert ProjectTree(tmp_path, Tree(tmp_path), "").up == 0
    assert ProjectTree(tmp_path, Tree(tmp_path), "a").up == 1


# --- bounds.py: inside -----------------------------------------------------------------------


@pytest.fixture
def contexts(tmp_path: Path) -> Tree:
    write(tmp_path, "ctx/Dockerfile")
    write(tmp_path, "ctxx/Dockerfile")
    write(tmp_path, "Xctx/Dockerfile")  # X: the filler of mutmut's string mutants
    write(tmp_path, "other/f")
    link(tmp_path, "ctx/out", "../other")
    link(tmp_path, "ctx/in", "Dockerfile")
    return Tree(tmp_path)


@pytest.mark.parametrize(("top", "inner", "within"), [
    ("ctx", "ctx/Dockerfile", True),
    ("ctx", "ctx", True),
    ("ctx", "/ctx", True),
    ("ctx", "//ctx/", True),
    ("./", "other/f", True),
    ("Xctx", "/Xctx", True),
    ("Xctx/", "/Xctx/Dockerfile", True),
    ("Xctx", "ctx/Dockerfile", False),
    ("ctx/", "/ctx/Dockerfile", True),
    ("/ctx", "ctx/in", True),
    ("ctx", "ctxx/Dockerfile", False),  # a name that only starts like the context
    ("ctx", "other/f", False),
    ("ctx", "ctx/out/f", False),  # a symlink out of the context
    ("ctx", "ctx/../other/f", False),
    (".", "other/f", True),
    ("", "other/f", True),
    (".", "../x", False),  # out of the tree: not inside anything
    ("", "ctx/out/f", True),
])
def test_inside(contexts: Tree, top: str, inner: str, within: bool) -> None:
    assert inside(contexts, top, inner) is within


def test_inside_a_looping_link_is_false(tmp_path: Path) -> None:
    link(tmp_path, "a", "b")
    link(tmp_path, "b", "a")
    assert inside(Tree(tmp_path), ".", "a") is False


# --- tree.py: resolve ------------------------------------------------------------------------


def test_resolve_keeps_paths_under_the_root(tmp_path: Path) -> None:
    tree = Tree.at(tmp_path)
    root = tmp_path.resolve()
    assert tree.root == root
    assert tree.resolve("a/b") == root / "a" / "b"
    assert tree.resolve("/a/b") == root / "a" / "b"
    assert tree.resolve("./a//b/.") == root / "a" / "b"
    assert tree.resolve("a\\b") == root / "a" / "b"
    assert tree.resolve("//a/b") == root / "a" / "b"  # POSIX's own root "//": still the tree's
    assert tree.resolve("\\\\a") == root / "a"
    assert tree.resolve("///a") == root / "a"
    assert tree.resolve("/Xa/XXXX/XX.XX") == root / "Xa" / "XXXX" / "XX.XX"  # mutmut's filler
    assert tree.resolve("a/..") == root
    assert tree.resolve("") == root
    assert reason(tree, "..") == "..: leads out of the audited tree"
    assert reason(tree, "a/../..") == "a/../..: leads out of the audited tree"
    assert reason(tree, "/../etc") == "/../etc: leads out of the audited tree"


def test_an_absolute_symlink_resolves_from_the_tree_root(tmp_path: Path) -> None:
    write(tmp_path, "etc/passwd", "root:x:0:0")
    link(tmp_path, "srv/etc", "/etc")
    tree = Tree(tmp_path)
    assert tree.resolve("srv/etc/passwd") == tmp_path / "etc" / "passwd"
    assert tree.resolve("srv/etc") == tmp_path / "etc"
    assert tree.read_text("srv/etc/passwd") == "root:x:0:0"


def test_a_double_slash_never_reaches_the_machine(tmp_path: Path) -> None:
    write(tmp_path, "etc/hostname", "tree")
    link(tmp_path, "l", "//etc/hostname")
    link(tmp_path, "m", "//proc/self/environ")
    tree = Tree(tmp_path)
    assert tree.read_text("//etc/hostname") == "tree"
    assert tree.read_text("l") == "tree"
    assert read_error(tree, "m") == "m: not found"
    assert read_error(tree, "//proc/self/environ") == "//proc/self/environ: not found"


def test_a_relative_symlink_resolves_from_its_folder(tmp_path: Path) -> None:
    write(tmp_path, "real/x", "1")
    link(tmp_path, "d/ldir", "../real")
    link(tmp_path, "d/e/up", "../../real/x")
    link(tmp_path, "self", ".")
    tree = Tree(tmp_path)
    assert tree.resolve("d/ldir/x") == tmp_path / "real" / "x"
    assert tree.resolve("d/ldir") == tmp_path / "real"
    assert tree.resolve("d/e/up") == tmp_path / "real" / "x"
    assert tree.resolve("self/real/x") == tmp_path / "real" / "x"
    assert tree.resolve("d/ldir/../d") == tmp_path / "d"


@pytest.mark.parametrize(("to", "inner"), [
    ("..", "l"),
    ("..", "l/x"),
    ("../outside", "l"),
    ("a/../../x", "l"),
    ("/../x", "l"),
])
def test_a_symlink_out_of_the_tree_is_refused(tmp_path: Path, to: str, inner: str) -> None:
    link(tmp_path, "l", to)
    expected = ("leads out of the audited tree" if to.startswith("/")
                else "symlink leads out of the audited tree")
    assert reason(Tree(tmp_path), inner) == f"{inner}: {expected}"


def test_a_symlink_deeper_down_may_climb_inside_the_tree(tmp_path: Path) -> None:
    write(tmp_path, "f", "top")
    link(tmp_path, "a/b/l", "../../f")
    assert Tree(tmp_path).resolve("a/b/l") == tmp_path / "f"
    link(tmp_path, "a/b/m", "../../../f")
    assert reason(Tree(tmp_path), "a/b/m") == "a/b/m: symlink leads out of the audited tree"


def test_a_symlink_loop_is_named(tmp_path: Path) -> None:
    link(tmp_path, "a", "b")
    link(tmp_path, "b", "a")
    tree = Tree(tmp_path)
    assert reason(tree, "a") == "a: symbolic link loop"
    assert read_error(tree, "a") == "a: symbolic link loop"
    assert tree.why_missing("a/x") == "symbolic link loop"


def test_absolute_links_count_towards_the_limit(tmp_path: Path) -> None:
    link(tmp_path, "a", "/b")
    link(tmp_path, "b", "/a")
    assert reason(Tree(tmp_path), "a") == "a: symbolic link loop"
    write(tmp_path, "f", "end")
    for i in range(40):  # 40 absolute links in a row are followed, a 41st is not
        link(tmp_path, f"m{i}", f"/m{i + 1}" if i + 1 < 40 else "/f")
    assert Tree(tmp_path).resolve("m0") == tmp_path / "f"
    link(tmp_path, "n", "/m0")
    assert reason(Tree(tmp_path), "n") == "n: symbolic link loop"


def chain(root: Path, links: int) -> None:
    """l0 -> l1 -> ... -> l<links-1> -> f: ``links`` symbolic links to follow."""
    write(root, "f", "end")
    for i in range(links):
        link(root, f"l{i}", f"l{i + 1}" if i + 1 < links else "f")


def test_forty_links_are_followed(tmp_path: Path) -> None:
    chain(tmp_path, 40)
    assert Tree(tmp_path).resolve("l0") == tmp_path / "f"


def test_a_forty_first_link_is_a_loop(tmp_path: Path) -> None:
    chain(tmp_path, 41)
    assert reason(Tree(tmp_path), "l0") == "l0: symbolic link loop"


def test_a_name_too_long_is_named(tmp_path: Path) -> None:
    name = "n" * 300
    assert reason(Tree(tmp_path), name) == f"{name}: file name too long"


# --- tree.py: relative, read_text ------------------------------------------------------------


def test_relative(tmp_path: Path) -> None:
    tree = Tree(tmp_path)
    assert tree.relative(tmp_path / "a" / "b") == "a/b"
    assert tree.relative(tmp_path) == "."
    assert tree.relative(Path("/elsewhere/name.yaml")) == "name.yaml"


def test_read_text_at_and_beyond_the_limit(tmp_path: Path) -> None:
    write(tmp_path, "at", "a" * 2048)
    write(tmp_path, "over", "a" * 2049)
    tree = Tree(tmp_path)
    assert tree.read_text("at", 2048) == "a" * 2048
    assert read_error(tree, "over", 2048) == "over: larger than 2 KiB, not read"


def test_read_text_default_limit_is_two_mib(tmp_path: Path) -> None:
    write(tmp_path, "at", "a" * (2 * 1024 * 1024))
    write(tmp_path, "over", "a" * (2 * 1024 * 1024 + 1))
    tree = Tree(tmp_path)
    assert len(tree.read_text("at")) == 2 * 1024 * 1024
    assert read_error(tree, "over") == "over: larger than 2048 KiB, not read"


def test_a_file_that_reads_longer_than_its_size_is_refused() -> None:
    # /proc files claim size 0 and are regular: what is read is what counts.
    tree = Tree(Path("/"))
    assert read_error(tree, "/proc/self/status", 1024) == (
        "/proc/self/status: larger than 1 KiB, not read")


def test_read_text_refuses_what_is_not_a_regular_file(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    os.mkfifo(tmp_path / "p")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(tmp_path / "s"))
        tree = Tree(tmp_path)
        assert read_error(tree, "d") == "d: is a directory"
        assert read_error(tree, "p") == "p: a FIFO, not a regular file; not read"
        assert read_error(tree, "s") == "s: a socket, not a regular file; not read"
    assert read_error(Tree(Path("/")), "/dev/null") == (
        "/dev/null: a device, not a regular file; not read")


def test_a_fifo_swapped_in_after_the_check_is_refused_without_blocking(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The race the second check is for: a regular file when stat() looked, a FIFO by the
    # time it is opened. Opened without O_NONBLOCK, a FIFO with no writer blocks the audit.
    write(tmp_path, "regular")
    os.mkfifo(tmp_path / "p")
    real_stat = os.stat

    def stat(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        if Path(path) == tmp_path / "p":
            return real_stat(tmp_path / "regular")
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", stat)
    # A blocked open uses no CPU, so no CPU-time limit would ever end it: an alarm does.
    previous = signal.signal(signal.SIGALRM, blocked)
    signal.alarm(5)
    try:
        assert read_error(Tree(tmp_path), "p") == "p: a FIFO, not a regular file; not read"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


class Blocked(BaseException):
    """Raised by the alarm in a read that blocks: no except clause of the code catches it."""


def blocked(signum: int, frame: object) -> None:
    raise Blocked("the read blocked on a FIFO")


def test_a_file_this_user_may_not_read_is_named(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The tests run as root, whom chmod does not stop: the refusal is what os.open raises.
    write(tmp_path, "private")

    def refuse(*args: Any, **kwargs: Any) -> int:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "open", refuse)
    assert read_error(Tree(tmp_path), "private") == "private: permission denied"


def test_a_symlink_swapped_in_after_resolving_is_not_followed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # resolve() answered a plain file; by the open it is a link to a file outside the tree.
    write(tmp_path, "outside", "secret")
    link(tmp_path, "tree/f", str(tmp_path / "outside"))
    tree = Tree(tmp_path / "tree")
    monkeypatch.setattr(Tree, "resolve", lambda self, inner: tmp_path / "tree" / "f")
    assert read_error(tree, "f") == "f: cannot read (Too many levels of symbolic links)"


def test_a_recursion_while_resolving_is_a_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    def resolve(self: Tree, inner: str) -> Path:
        raise RecursionError

    monkeypatch.setattr(Tree, "resolve", resolve)
    assert read_error(Tree(Path("/")), "a") == "a: symbolic link loop"


def test_read_text_names_missing_and_unreadable_paths(tmp_path: Path) -> None:
    write(tmp_path, "f", "text")
    link(tmp_path, "dangling", "nowhere")
    tree = Tree(tmp_path)
    assert read_error(tree, "missing") == "missing: not found"
    assert read_error(tree, "dangling") == "dangling: not found"
    assert read_error(tree, "f/x") == "f/x: cannot read (Not a directory)"
    assert read_error(tree, "a\0b") == "a\0b: not a valid path (NUL byte)"
    assert read_error(tree, "../x") == "../x: leads out of the audited tree"


def test_read_text_refuses_binary_and_decodes_text(tmp_path: Path) -> None:
    (tmp_path / "bin").write_bytes(b"ab\0cd")
    (tmp_path / "utf8").write_bytes("caf\u00e9".encode())
    (tmp_path / "latin1").write_bytes(b"caf\xe9")
    (tmp_path / "empty").write_bytes(b"")
    tree = Tree(tmp_path)
    assert read_error(tree, "bin") == "bin: binary file, not read"
    assert tree.read_text("utf8") == "caf\u00e9"
    assert tree.read_text("latin1") == "caf\u00e9"
    assert tree.read_text("empty") == ""


def test_read_text_does_not_follow_a_final_symlink_out(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write(outside, "secret", "s3cret")
    inner = tmp_path / "tree"
    link(inner, "leak", str(outside / "secret"))  # absolute: means tree/<that path>
    assert read_error(Tree(inner), "leak") == "leak: not found"


# --- tree.py: why_missing, exists, is_dir, listdir, walk -------------------------------------


def test_why_missing(tmp_path: Path) -> None:
    write(tmp_path, "f")
    tree = Tree(tmp_path)
    assert tree.why_missing("../x") == "leads out of the audited tree"
    assert tree.why_missing("nothing") == "not found"
    assert tree.why_missing("f") == "not found"


def test_exists_and_is_dir(tmp_path: Path) -> None:
    write(tmp_path, "d/f")
    link(tmp_path, "loop", "loop")
    tree = Tree(tmp_path)
    assert (tree.exists("d"), tree.exists("d/f"), tree.exists("x")) == (True, True, False)
    assert (tree.is_dir("d"), tree.is_dir("d/f"), tree.is_dir("x")) == (True, False, False)
    assert (tree.exists(".."), tree.is_dir(".."), tree.exists("/..")) == (False, False, False)
    assert (tree.exists("loop"), tree.is_dir("loop")) == (False, False)
    assert (tree.exists("a\0b"), tree.is_dir("a\0b")) == (False, False)


def test_listdir(tmp_path: Path) -> None:
    for name in ("b", "a", "c/x"):
        write(tmp_path, name)
    tree = Tree(tmp_path)
    assert tree.listdir(".") == ["a", "b", "c"]
    assert tree.listdir("c") == ["x"]
    assert tree.listdir("a") == []  # a file
    assert tree.listdir("missing") == []
    assert tree.listdir("..") == []
    assert tree.listdir("a\0b") == []


@pytest.fixture
def walked(tmp_path: Path) -> Tree:
    for name in ("a/b/c.txt", "a/b/d/e.txt", "a/f", "skip/x", "z"):
        write(tmp_path, name)
    link(tmp_path, "link", "a")
    return Tree(tmp_path)


def test_walk_lists_files_and_folders_depth_first(walked: Tree) -> None:
    assert list(walked.walk(".", 9)) == [
        "a", "link", "skip", "z", "skip/x", "a/b", "a/f", "a/b/c.txt", "a/b/d", "a/b/d/e.txt"]


def test_walk_stops_at_the_depth_given(walked: Tree) -> None:
    assert list(walked.walk(".", 1)) == ["a", "link", "skip", "z"]
    assert list(walked.walk(".", 2)) == ["a", "link", "skip", "z", "skip/x", "a/b", "a/f"]
    assert list(walked.walk(".", 3)) == [
        "a", "link", "skip", "z", "skip/x", "a/b", "a/f", "a/b/c.txt", "a/b/d"]
    assert list(walked.walk(".", 0)) == ["a", "link", "skip", "z"]


def test_walk_skips_names_and_never_follows_links(walked: Tree) -> None:
    assert list(walked.walk("", 9, frozenset({"skip", "d"}))) == [
        "a", "link", "skip", "z", "a/b", "a/f", "a/b/c.txt", "a/b/d"]


def test_walk_below_a_folder(walked: Tree) -> None:
    assert list(walked.walk("a/", 2)) == ["a/b", "a/f", "a/b/c.txt", "a/b/d"]
    assert list(walked.walk("/a", 1)) == ["/a/b", "/a/f"]
    assert list(walked.walk("/a", 2)) == ["/a/b", "/a/f", "/a/b/c.txt", "/a/b/d"]


def test_walk_below_a_folder_whose_name_ends_in_x(tmp_path: Path) -> None:
    write(tmp_path, "aX/f")
    write(tmp_path, "a/g")
    assert list(Tree(tmp_path).walk("aX/", 1)) == ["aX/f"]


def test_walk_through_a_linked_folder_stays_in_the_tree(tmp_path: Path) -> None:
    # srv -> /data is the tree's /data; the machine's /data (or /etc) is never looked at.
    write(tmp_path, "data/sub/f")
    link(tmp_path, "srv", "/data")
    assert list(Tree(tmp_path).walk("srv", 3)) == ["srv/sub", "srv/sub/f"]


# --- yamlgraph.py ----------------------------------------------------------------------------


def measures(text: str) -> list[tuple[str, int, int, int, int]]:
    return [(m.node.tag.rsplit(":", 1)[-1], m.size, m.depth, m.written, m.line)
            for m in measure(yaml.compose(text))]


def test_measure_counts_values_depth_and_written_nodes() -> None:
    assert measures("a: [1, 2]\nb: {c: 3}\n") == [
        ("map", 3, 2, 3, 2), ("seq", 3, 2, 6, 1), ("map", 9, 3, 9, 1)]


def test_measure_follows_every_alias_but_counts_written_nodes_once() -> None:
    assert measures("a: &x [1, 1]\nb: &y [*x, *x, *x]\nc: [*y, *y]\n") == [
        ("seq", 3, 2, 3, 1), ("seq", 10, 3, 4, 2), ("seq", 21, 4, 5, 3), ("map", 38, 5, 9, 1)]


def test_an_alias_to_a_scalar_adds_no_written_node() -> None:
    assert measures("s: &s v\nt: [*s, *s]\n") == [("seq", 3, 2, 2, 2), ("map", 7, 3, 5, 1)]


def test_measure_nesting() -> None:
    assert measures("- [[[1]]]\n") == [
        ("seq", 2, 2, 2, 1), ("seq", 3, 3, 3, 1), ("seq", 4, 4, 4, 1), ("seq", 5, 5, 5, 1)]
    assert measures("a: []\n") == [("seq", 1, 1, 1, 1), ("map", 3, 2, 3, 1)]


def test_a_scalar_document_has_no_collection_to_measure() -> None:
    assert measures("just text") == []


def test_a_shared_collection_is_measured_once() -> None:
    assert measures("a: &x {k: v}\nb: [*x, *x]\nc: *x\n") == [
        ("map", 3, 2, 3, 1), ("seq", 7, 3, 4, 2), ("map", 17, 4, 8, 1)]
    assert measures("- &x [1]\n- [*x]\n") == [
        ("seq", 2, 2, 2, 1), ("seq", 3, 3, 3, 2), ("seq", 6, 4, 4, 1)]


@pytest.mark.parametrize(("text", "line"), [
    ("a: &x [1, *x]\n", 1),
    ("top:\n  b: &y\n    c: *y\n", 2),
    ("- 1\n- &z [[*z]]\n", 2),
])
def test_a_recursive_alias_is_named_with_its_line(text: str, line: int) -> None:
    with pytest.raises(RecursiveAlias) as caught:
        list(measure(yaml.compose(text)))
    assert caught.value.line == line
    assert str(caught.value) == f"line {line}: recursive alias"


# --- live.py: processes ----------------------------------------------------------------------


@dataclass
class FakeProcess:
    """What live.processes reads of a psutil.Process; a method raises what it is given."""

    pid: int
    info: dict[str, Any]
    ppid_value: int = 1
    cwd_value: str | Exception = "/srv"
    environ_value: dict[str, str] | Exception = field(default_factory=dict)
    parent_names: tuple[str, ...] = ("systemd",)
    fail: Exception | None = None

    def cwd(self) -> str:
        if isinstance(self.cwd_value, Exception):
            raise self.cwd_value
        return self.cwd_value

    def environ(self) -> dict[str, str]:
        if isinstance(self.environ_value, Exception):
            raise self.environ_value
        return self.environ_value

    def ppid(self) -> int:
        if self.fail is not None:
            raise self.fail
        return self.ppid_value

    def parents(self) -> list[FakeParent]:
        return [FakeParent(name) for name in self.parent_names]


@dataclass
class FakeParent:
    value: str

    def name(self) -> str:
        return self.value


def fake_processes(monkeypatch: pytest.MonkeyPatch, procs: list[FakeProcess]) -> list[Any]:
    asked: list[Any] = []

    def process_iter(attrs: list[str]) -> Iterator[FakeProcess]:
        asked.append(attrs)
        return iter(procs)

    monkeypatch.setattr(psutil, "process_iter", process_iter)
    return asked


def test_processes_are_matched_on_their_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = fake_processes(monkeypatch, [
        FakeProcess(10, {"name": "gunicorn", "cmdline": ["gunicorn", "superset.app"],
                         "username": "superset"}, ppid_value=3, cwd_value="/app",
                    environ_value={"FLASK_DEBUG": "0"}, parent_names=("bash", "systemd")),
        FakeProcess(11, {"name": "nginx", "cmdline": ["nginx", "-g"], "username": "root"}),
        FakeProcess(12, {"name": "kworker", "cmdline": None, "username": "root"}),
    ])
    problems: list[str] = []
    found = live.processes(["superset", "celery"], problems)
    assert asked == [["pid", "name", "cmdline", "username"]]
    assert found == [live.ProcessInfo(pid=10, ppid=3, name="gunicorn",
                                      cmdline=("gunicorn", "superset.app"), user="superset",
                                      cwd="/app", parents=("bash", "systemd"),
                                      environ={"FLASK_DEBUG": "0"})]
    assert problems == []


def test_a_process_matches_a_word_anywhere_in_its_arguments(
        monkeypatch: pytest.MonkeyPatch) -> None:
    fake_processes(monkeypatch, [
        FakeProcess(20, {"name": None, "cmdline": ["python", "-m", "celery", "worker"]}),
    ])
    found = live.processes(iter(["superset", "celery"]), [])
    assert [(p.pid, p.name, p.user, p.cmdline) for p in found] == [
        (20, "", None, ("python", "-m", "celery", "worker"))]


def test_unreadable_details_are_none_and_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_processes(monkeypatch, [
        FakeProcess(30, {"name": "a", "cmdline": ["superset"]},
                    cwd_value=psutil.AccessDenied(30), environ_value=psutil.AccessDenied(30)),
        FakeProcess(31, {"name": "b", "cmdline": ["superset"]},
                    cwd_value=psutil.ZombieProcess(31), environ_value=psutil.ZombieProcess(31)),
        FakeProcess(32, {"name": "c", "cmdline": ["superset"]},
                    environ_value=psutil.AccessDenied(32)),
    ])
    problems: list[str] = []
    found = live.processes(["superset"], problems)
    assert [(p.pid, p.cwd, p.environ) for p in found] == [
        (30, None, None), (31, None, None), (32, "/srv", None)]
    assert problems == ["2 process(es) could not be fully read (permission denied)"]


def test_a_process_that_vanishes_or_is_denied_is_left_out(
        monkeypatch: pytest.MonkeyPatch) -> None:
    fake_processes(monkeypatch, [
        FakeProcess(40, {"name": "a", "cmdline": ["superset"]}, fail=psutil.NoSuchProcess(40)),
        FakeProcess(41, {"name": "b", "cmdline": ["superset"]}, fail=psutil.ZombieProcess(41)),
        FakeProcess(42, {"name": "c", "cmdline": ["superset"]}, fail=psutil.AccessDenied(42)),
        FakeProcess(43, {"name": "d", "cmdline": ["superset"]}),
    ])
    problems: list[str] = []
    assert [p.pid for p in live.processes(["superset"], problems)] == [43]
    assert problems == ["1 process(es) could not be fully read (permission denied)"]


def test_processes_of_this_test_run_are_found() -> None:
    # The real psutil on this very process: its command line holds the interpreter.
    problems: list[str] = []
    with open("/proc/self/cmdline") as cmdline:
        first = cmdline.read().split("\0")[0]
    found = live.processes([first], problems)
    mine = [p for p in found if p.pid == os.getpid()]
    assert len(mine) == 1
    assert mine[0].ppid == os.getppid()
    assert mine[0].cwd == os.getcwd()
    assert mine[0].environ is not None and mine[0].environ.get("HOME") == os.environ.get("HOME")


# --- live.py: host_state ---------------------------------------------------------------------


@dataclass
class Addr:
    ip: str
    port: int


@dataclass
class Conn:
    status: str
    laddr: Addr | tuple[()]
    pid: int | None


def fake_host(monkeypatch: pytest.MonkeyPatch, conns: list[Conn] | Exception,
              names: dict[int, str | Exception], cpus: int | None = 4) -> list[str]:
    kinds: list[str] = []

    class Memory:
        total = 8_000
        available = 3_000

    class Usage:
        def __init__(self, total: int, free: int) -> None:
            self.total, self.free = total, free

    def disk_usage(path: str) -> Usage:
        if path == "/missing":
            raise FileNotFoundError(path)
        return Usage(100, 40) if path == "/" else Usage(50, 5)

    def net_connections(kind: str) -> list[Conn]:
        kinds.append(kind)
        if isinstance(conns, Exception):
            raise conns
        return conns

    class Process:
        def __init__(self, pid: int) -> None:
            self.pid = pid

        def name(self) -> str:
            value = names[self.pid]
            if isinstance(value, Exception):
                raise value
            return value

    monkeypatch.setattr(psutil, "virtual_memory", Memory)
    monkeypatch.setattr(psutil, "disk_usage", disk_usage)
    monkeypatch.setattr(psutil, "net_connections", net_connections)
    monkeypatch.setattr(psutil, "Process", Process)
    monkeypatch.setattr(psutil, "cpu_count", lambda: cpus)
    return kinds


def test_host_state(monkeypatch: pytest.MonkeyPatch) -> None:
    kinds = fake_host(monkeypatch, [
        Conn(psutil.CONN_LISTEN, Addr("0.0.0.0", 8088), 7),
        Conn(psutil.CONN_LISTEN, Addr("127.0.0.1", 5432), 8),
        Conn(psutil.CONN_LISTEN, Addr("::", 80), 7),
        Conn(psutil.CONN_LISTEN, Addr("127.0.0.1", 6379), None),
        Conn(psutil.CONN_ESTABLISHED, Addr("10.0.0.1", 443), 9),
        Conn(psutil.CONN_LISTEN, (), 10),
        Conn(psutil.CONN_LISTEN, Addr("127.0.0.1", 9000), 11),
        Conn(psutil.CONN_LISTEN, Addr("127.0.0.1", 9001), 12),
        Conn(psutil.CONN_LISTEN, Addr("127.0.0.1", 9002), 13),
    ], {7: "gunicorn", 8: "postgres", 11: psutil.NoSuchProcess(11),
        12: psutil.AccessDenied(12), 13: "celery"})
    problems: list[str] = []
    # an unreadable disk or process in the middle: the ones after it are still read
    state = live.host_state(["/", "/missing", "/var"], problems)
    assert kinds == ["tcp"]
    assert state == HostLive(
        memory_total=8_000, memory_available=3_000, cpu_count=4,
        disk_free={"/": (100, 40), "/var": (50, 5)},
        listeners=(("0.0.0.0", 8088, 7), ("127.0.0.1", 5432, 8), ("::", 80, 7),
                   ("127.0.0.1", 6379, None), ("127.0.0.1", 9000, 11),
                   ("127.0.0.1", 9001, 12), ("127.0.0.1", 9002, 13)),
        process_names={7: "gunicorn", 8: "postgres", 13: "celery"})
    assert problems == []


def test_host_state_without_socket_access(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_host(monkeypatch, psutil.AccessDenied(), {}, cpus=None)
    problems: list[str] = []
    state = live.host_state([], problems)
    assert state == HostLive(memory_total=8_000, memory_available=3_000, cpu_count=1,
                             disk_free={}, listeners=(), process_names={})
    assert problems == ["listening sockets: permission denied (run as root to see all)"]


# --- style.py --------------------------------------------------------------------------------


def test_style_plugin_delegates_to_its_functions() -> None:
    seen: list[tuple[str, object]] = []

    def detect(target: Target) -> Detection | None:
        seen.append(("detect", target.label))
        return Detection(Style.COMPOSE, 0.5)

    def collect(target: Target, options: Any) -> Any:
        seen.append(("collect", dict(options)))
        return "facts"

    plugin = StylePlugin(Style.COMPOSE, (), detect, collect)
    target = Target(label="t", kind=TargetKind.PATH, root="/x")
    assert plugin.auditor_register_checks(None) == []
    assert plugin.auditor_detect(target) == Detection(Style.COMPOSE, 0.5)
    assert plugin.auditor_collect(target, Style.COMPOSE, {"k": 1}) == "facts"
    assert plugin.auditor_collect(target, Style.PIP, {"k": 2}) is None
    assert seen == [("detect", "t"), ("collect", {"k": 1})]

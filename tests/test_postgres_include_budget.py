"""PostgreSQL includes are read up to a budget: a file that includes itself more than once
must not be read an exponential number of times (the fuzz test hung on one)."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.checks.common.tree import Tree
from auditor.checks.systemd.postgres import MAX_FILES, load_postgres

MAIN = "etc/postgresql/16/main"


@pytest.mark.parametrize(("name", "line"), [
    ("postgresql.conf", "include = 'postgresql.conf'\n"),
    ("pg_hba.conf", "include pg_hba.conf\n"),
])
def test_a_file_including_itself_four_times_is_read_within_the_budget(
        tmp_path: Path, name: str, line: str) -> None:
    main = tmp_path / MAIN
    main.mkdir(parents=True)
    (main / "postgresql.conf").write_text("port = 5432\n")
    (main / "pg_hba.conf").write_text("local all all peer\n")
    (main / name).write_text(line * 4 + (main / name).read_text())
    problems: dict[str, str] = {}
    (cluster,) = load_postgres(Tree.at(tmp_path), problems).clusters
    # 4**10 reads without the budget; with it, the first MAX_FILES, then a problem.
    assert any(f"more than {MAX_FILES} files included" in p for p in problems.values())
    if name == "postgresql.conf":
        assert cluster.settings["port"].value == "5432"
    else:
        assert len(cluster.hba) == MAX_FILES

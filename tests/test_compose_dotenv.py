"""``.env`` lines as Compose reads them where its parser and python-dotenv's disagree.

Real pattern: insight-infrastructure/superset-docker-compose keeps ``POSTGRES_PASSWORD:
superset`` in its ``.env``. Compose (compose-go's dotenv parser) takes ``:`` for ``=``, so
the project runs with that password; python-dotenv rejects the line. Calling the file
broken was a false problem, and it hid a published default password.
"""

from __future__ import annotations

import json
from pathlib import Path

from auditor.checks.compose.dotenv import parse_dotenv, parse_flask_dotenv
from auditor.cli import main


def test_yaml_style_line_is_a_binding_for_compose() -> None:
    text = "# settings\nPOSTGRES_PASSWORD: superset\nexport MODE: \"a b\"\nTAG: 4.1 # pinned\n"
    parsed = parse_dotenv(text, {})
    assert {k: (e.value, e.line) for k, e in parsed.entries.items()} == {
        "POSTGRES_PASSWORD": ("superset", 2), "MODE": ("a b", 3), "TAG": ("4.1", 4)}
    assert parsed.bad_lines == []


def test_yaml_style_line_stays_bad_for_python_dotenv() -> None:
    """Flask and the superset CLI load .env with python-dotenv, which skips the line."""
    parsed = parse_flask_dotenv("POSTGRES_PASSWORD: superset\nA=1\n")
    assert parsed.bad_lines == [1]
    assert set(parsed.entries) == {"A"}


def test_a_line_compose_rejects_is_still_bad() -> None:
    assert parse_dotenv("not a binding at all\nA=1\n", {}).bad_lines == [1]


def test_yaml_style_default_password_is_found(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / ".env").write_text("POSTGRES_PASSWORD: superset\n")
    (project / "docker-compose.yml").write_text(
        "services:\n"
        "  postgres:\n"
        "    image: postgres:15.6\n"
        "    environment:\n"
        "      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}\n")
    out = tmp_path / "report.json"
    assert main(["scan", str(project / "docker-compose.yml"), "--style", "compose",
                 "--format", "json", "--output", str(out)]) == 0
    target = json.loads(out.read_text())["targets"][0]
    assert not [p for p in target["problems"] if ".env" in p]
    secrets = [f for f in target["findings"] if f["check_id"] == "COMPOSE-CONFIG-SECRETS-001"
               and f["subject"] == "service/postgres"]
    assert [f["status"] for f in secrets] == ["fail"]
    assert "POSTGRES_PASSWORD" in " ".join(secrets[0]["evidence"])

"""The Superset configuration model: read with ast, never executed, sources remembered."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from auditor.checks.superset.configmodel import EnvValue, Unknown, analyze
from auditor.checks.superset.defaults import KNOWN_SECRET_KEYS
from auditor.cli import main

EXAMPLE = Path(__file__).parents[1] / "examples" / "pip-dev"


def test_config_that_would_write_a_file_is_never_executed(tmp_path: Path) -> None:
    project = tmp_path / "p"
    shutil.copytree(EXAMPLE, project)
    canary = tmp_path / "executed"
    (project / "superset_config.py").write_text(
        "import os, pathlib\n"
        f"pathlib.Path({str(canary)!r}).write_text('ran')\n"
        f"os.system('touch {canary}')\n"
        f"SECRET_KEY = open({str(canary)!r}, 'w').name\n"
    )
    out = tmp_path / "r.json"
    assert main(["scan", str(project), "--format", "json", "--output", str(out)]) == 0
    assert not canary.exists()
    report = json.loads((tmp_path / "r.json").read_text())
    (secret,) = [f for f in report["targets"][0]["findings"]
                 if f["check_id"] == "SUPERSET-CONFIG-SECRETS-001"]
    assert secret["status"] == "skip" and "could not be determined" in secret["message"]


def test_env_lookups_defaults_and_sources() -> None:
    text = (
        "import os; from elsewhere import UNDEFINED_NAME\n"
        "SECRET_KEY = os.environ.get('SUPERSET_SECRET_KEY', 'fallback')\n"
        "SQLALCHEMY_DATABASE_URI = os.getenv('DB_URI', 'sqlite:///x.db')\n"
        "ROW_LIMIT = 10\n"
        "CACHE = f'{ROW_LIMIT}'\n"
        "URI = f\"postgresql://{os.getenv('DB_USER')}@{os.getenv('DB_HOST', 'db')}/x\"\n"
        "OTHER = f'{UNDEFINED_NAME}-x'\n"
        "if os.environ.get('PROD'):\n    DEBUG = True\n"
        "FEATURE_FLAGS = {'ALERT_REPORTS': True}\n"
        "FEATURE_FLAGS.update({'EMBEDDED_SUPERSET': True})\n"
    )
    env = {"SUPERSET_SECRET_KEY": EnvValue("k" * 40, ".env:1")}
    conf = analyze(text, "superset_config.py", env)
    key = conf.get("SECRET_KEY")
    assert key.value == "k" * 40 and key.env_var == "SUPERSET_SECRET_KEY" and ".env:1" in key.source
    uri = conf.get("SQLALCHEMY_DATABASE_URI")
    assert uri.value == "sqlite:///x.db" and uri.line == 3 and "unset" in uri.source
    assert conf.get("ROW_LIMIT").value == 10
    assert conf.get("CACHE").value == "10"  # f-strings of known parts are evaluated
    assert isinstance(conf.get("URI").value, Unknown)  # DB_USER is unset: not guessed
    assert isinstance(conf.get("OTHER").value, Unknown)
    assert isinstance(conf.get("DEBUG").value, Unknown)
    assert conf.feature("ALERT_REPORTS") is True and conf.feature("EMBEDDED_SUPERSET") is True
    assert conf.get("TALISMAN_ENABLED").from_default


def test_superset_env_and_feature_variables_without_a_file() -> None:
    env = {"SUPERSET_SECRET_KEY": EnvValue("s" * 50, "run.sh:2"),
           "SUPERSET_FEATURE_ALERT_REPORTS": EnvValue("true", "run.sh:3"),
           "SUPERSET_HOME": EnvValue("/srv/ss", "run.sh:4")}
    conf = analyze(None, None, env)
    assert conf.get("SECRET_KEY").value == "s" * 50
    assert conf.feature("ALERT_REPORTS") is True
    assert conf.get("SQLALCHEMY_DATABASE_URI").value == "sqlite:////srv/ss/superset.db"


def test_syntax_error_is_a_named_problem(tmp_path: Path) -> None:
    project = tmp_path / "p"
    shutil.copytree(EXAMPLE, project)
    (project / "superset_config.py").write_text("SECRET_KEY = (\n")
    out = tmp_path / "r.json"
    assert main(["scan", str(project), "--format", "json", "--output", str(out)]) == 0
    target = json.loads(out.read_text())["targets"][0]
    assert any("superset_config.py:1" in p and "not valid Python" in p for p in target["problems"])
    skipped = [f for f in target["findings"] if f["check_id"] == "SUPERSET-CONFIG-SECRETS-001"]
    assert skipped and skipped[0]["status"] == "skip"


@pytest.mark.parametrize("key", sorted(KNOWN_SECRET_KEYS), ids=lambda k: KNOWN_SECRET_KEYS[k][:30])
def test_every_known_key_is_caught_and_never_printed(
    key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "p"
    shutil.copytree(EXAMPLE, project)
    (project / "superset_config.py").write_text(f"SECRET_KEY = {key!r}\n")
    out = tmp_path / "r.json"
    term = tmp_path / "r.txt"
    assert main(["scan", str(project), "-v", "--report", f"json={out}",
                 "--report", f"terminal={term}"]) == 0
    stdout = capsys.readouterr().out
    report = json.loads(out.read_text())
    (finding,) = [f for f in report["targets"][0]["findings"]
                  if f["check_id"] == "SUPERSET-CONFIG-SECRETS-001"]
    assert finding["status"] == "fail"
    assert KNOWN_SECRET_KEYS[key] in finding["message"]
    for text in (out.read_text(), term.read_text(), stdout):
        assert key not in text
        assert json.dumps(key)[1:-1] not in text


def test_settings_from_unaudited_sources_are_unknown_not_defaults() -> None:
    """Kustomize's secretGenerator/configMapGenerator (NeatPlus): the pod reads
    SUPERSET_SECRET_KEY through envFrom and superset_config.py from a generated ConfigMap,
    neither among the manifests. The checks judged Superset's defaults (the built-in key,
    sqlite) as if the deployment used them."""
    from auditor.checks.superset.configmodel import SupersetConfig

    config = analyze("import os\nSECRET_KEY = os.environ.get('SUPERSET_SECRET_KEY', 'x')\n",
                     "superset_config.py", {}, unseen_env="Secret superset-secret")
    assert not config.get("SECRET_KEY").known
    assert "Secret superset-secret" in str(config.get("SECRET_KEY").value)
    assert not analyze(None, None, {}, unseen_env="Secret s").get("SECRET_KEY").known
    assert not SupersetConfig(unseen="ConfigMap superset-config-map").get(
        "SQLALCHEMY_DATABASE_URI").known
    # Without such a source, an unset variable still means the default.
    assert analyze(None, None, {}).get("SECRET_KEY").known

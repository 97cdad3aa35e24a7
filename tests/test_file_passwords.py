"""Passwords written literally in ConfigMap files (K8S-CONFIG-SECRETS-001), never values.

A superset_config.py that names a password without holding one (an environment lookup,
a helper function, a variable) must not fail as "set literally": the common shape of a
config mounted from a ConfigMap, as in Superset's own docker/pythonpath_dev.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.api import scan
from auditor.checks.kubernetes.file_passwords import password_fields
from auditor.model import Status

NOT_LITERAL = {
    "env helper": 'SECRET_KEY = get_env_variable("SUPERSET_SECRET_KEY")\n',
    "variable": "import os\npassword = db_password\n",
    "name": "SECRET_KEY = SECRET\n",
    "reader function": 'SECRET_KEY = read_secret("/run/secrets/key")\n',
    "percent format URI": 'URI = "postgresql://%s:%s@%s/db" % (u, p, h)\n',
    "brace format URI": 'URI = "postgresql://{}:{}@{}/db".format(u, p, h)\n',
    "f-string URI": 'URI = f"postgresql://{user}:{password}@db/s"\n',
    "os.environ in a dict": 'import os\nD = {"password": os.environ["PW"]}\n',
    "empty": 'password = ""\n',
}
LITERAL = {
    "URI": ('URI = "postgresql://superset:superset@db/s"\n', "a URI with a password (8"),
    "f-string host only": ('URI = f"postgresql://superset:hunter22@{host}/s"\n',
                           "a URI with a password (8"),
    "OAuth client_secret": ('OAUTH_PROVIDERS = [{"remote_app": {"client_secret": "abc123x"}}]\n',
                            "client_secret set literally (7"),
    "keyword": ('X = dict(password="hunter2")\n', "password set literally (7"),
}


@pytest.mark.parametrize("text", NOT_LITERAL.values(), ids=NOT_LITERAL.keys())
def test_python_naming_a_password_holds_none(text: str) -> None:
    assert password_fields("superset_config.py", text) == []


@pytest.mark.parametrize(("text", "what"), LITERAL.values(), ids=LITERAL.keys())
def test_python_literal_password_is_found_without_its_value(text: str, what: str) -> None:
    found = password_fields("superset_config.py", text)
    assert found and found[0][1].startswith(what)
    assert not any(secret in found[0][1] for secret in ("superset", "hunter2", "abc123x"))


@pytest.mark.parametrize(("key", "text", "line"), [
    ("import_datasources.yaml", "databases:\n- database_name: x\n  password: hunter2\n", 3),
    ("flat.yaml", "password: hunter2\n", 1),
    ("db.ini", "[db]\npassword = hunter2\n", 2),
    ("app.conf", "url: postgresql://app:hunter2@db/app\n", 1),
])
def test_other_files_are_read_line_by_line(key: str, text: str, line: int) -> None:
    assert [n for n, _ in password_fields(key, text)] == [line]


@pytest.mark.parametrize("text", [
    "databases:\n  password: ENC[AES256_GCM,data:abc,type:str]\n",  # SOPS, decrypted on apply
    'password: "{{ .Values.db.password }}"\n',
    "password: ${DB_PASSWORD}\n",
    "url: postgresql://app:%s@db/app\n",
])
def test_other_files_references_hold_none(text: str) -> None:
    assert password_fields("x.yaml", text) == []


CONFIG_MAP = """apiVersion: v1
kind: ConfigMap
metadata: {{name: superset-config, namespace: s}}
data:
  superset_config.py: |
    import os
    def get_env_variable(name):
        return os.environ[name]
    SECRET_KEY = get_env_variable("SUPERSET_SECRET_KEY")
    DATABASE_PASSWORD = get_env_variable("DATABASE_PASSWORD")
    password = DATABASE_PASSWORD
    {extra}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: superset, namespace: s}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: superset}}}}
  template:
    metadata: {{labels: {{app: superset}}}}
    spec:
      containers:
      - name: superset
        image: apache/superset:4.1.1
        command: ["/usr/bin/run-server.sh"]
        volumeMounts: [{{name: config, mountPath: /app/pythonpath}}]
      volumes:
      - name: config
        configMap: {{name: superset-config}}
"""


@pytest.mark.parametrize(("extra", "status"), [
    ("", Status.PASS),
    ('SQLALCHEMY_DATABASE_URI = "postgresql://superset:superset@db/superset"', Status.FAIL),
])
def test_config_map_with_superset_config(tmp_path: Path, extra: str, status: Status) -> None:
    (tmp_path / "cm.yaml").write_text(CONFIG_MAP.format(extra=extra), encoding="utf-8")
    report = scan([str(tmp_path)], style="kubernetes")
    verdicts = {f.subject.split("/")[-3]: f for t in report.targets for f in t.findings
                if f.check_id == "K8S-CONFIG-SECRETS-001"}
    assert verdicts["Deployment"].status is status, verdicts["Deployment"].message
    if status is Status.FAIL:
        assert verdicts["ConfigMap"].status is Status.FAIL
        assert "superset:superset" not in " ".join(verdicts["ConfigMap"].evidence)
    else:
        assert "ConfigMap" not in verdicts


def test_a_costly_python_file_is_not_parsed() -> None:
    # issue 14's attack: one f-string of many fields takes ast.parse a minute.
    head = 'import os\nURI = "postgresql://superset:superset@db/s"\n'
    bomb = head + 'B = f"' + "{a}" * 293_000 + '"\n'
    assert password_fields("superset_config.py", bomb) == []
    assert password_fields("notes.txt", "password: hunter2\n" + "x" * 300_000) == [
        (1, "password set literally (7 characters)")]

"""Per-condition cases for SUPERSET-CONFIG-SECRETS-004 (see tests/conditions/__init__.py):
Superset can import superset_config.py. Fail when the file is not valid Python, or when
code that runs at import reads a name nothing binds before it (a NameError: the QiMata
Ansible role's ``SESSION_COOKIE_SECURE = false``); pass otherwise; skip when the file was
not analysed. A name is reported only where the error is certain.

Also :func:`import_first`, which the other modules use to make the files of their cases
importable (a case about a setting "defined outside the file" imports the name)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

from conditions import Case, dedent

CHECK = "SUPERSET-CONFIG-SECRETS-004"
CONFIG = "superset_config.py"
REQ = "apache-superset==6.0.0\n"
K8S = "apps/v1/Deployment/default/superset:superset_config.py"


def import_first(cases: Iterable[Case], statements: Mapping[str, str]) -> list[Case]:
    """``cases`` with ``statements[case.id]`` put before the first line of the case's
    superset_config.py, on that line (``from x import y; ...``) so no line number moves."""
    done: set[str] = set()
    out: list[Case] = []
    for case in cases:
        statement = statements.get(case.id)
        if statement is not None:
            files = dict(case.files)
            files[CONFIG] = f"{statement}; {dedent(files[CONFIG])}"
            case = dataclasses.replace(case, files=files)
            done.add(case.id)
        out.append(case)
    assert set(statements) == done, sorted(set(statements) - done)
    return out


def pip(config: str) -> dict[str, str]:
    return {"requirements.txt": REQ, CONFIG: config}


def _kubernetes(config: str) -> dict[str, str]:
    body = "".join(f"    {line}\n" for line in config.splitlines())
    return {"superset.yaml": f"""
apiVersion: v1
kind: ConfigMap
metadata: {{name: config}}
data:
  superset_config.py: |
{body}---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: superset}}
spec:
  selector: {{matchLabels: {{app: superset}}}}
  template:
    metadata: {{labels: {{app: superset}}}}
    spec:
      containers:
      - name: superset
        image: apache/superset:6.0.0
        volumeMounts: [{{name: config, mountPath: /app/pythonpath}}]
      volumes: [{{name: config, configMap: {{name: config}}}}]
"""}


def _compose(config: str) -> dict[str, str]:
    return {"compose.yaml": "services:\n  superset:\n    image: apache/superset:6.0.0\n"
                            '    volumes: ["./superset_config.py:/app/pythonpath/'
                            'superset_config.py"]\n',
            CONFIG: config}


GOOD = 'import os\nSECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]\nSESSION_COOKIE_SECURE = True\n'
LOADS = "superset_config.py is valid Python and reads no undefined name at import"


def _name_error(name: str, line: int, path: str = CONFIG) -> str:
    return (f"{path} raises NameError at import: name '{name}' is not defined (line {line}); "
            "Superset will not start")


CASES: list[Case] = [
    Case(CHECK, "valid, every name bound", pip(GOOD), "pass",
         evidence=("inspected superset_config.py",), message=LOADS,
         location=(CONFIG, None)),
    Case(CHECK, "lowercase false", pip(GOOD.replace("= True", "= false")), "fail",
         evidence=("superset_config.py:3: name 'false' is not defined: read by code that runs "
                   "whenever the module is imported",),
         message=_name_error("false", 3), location=(CONFIG, 3)),
    Case(CHECK, "lowercase true in a dict", pip('FEATURE_FLAGS = {"ALERT_REPORTS": true}\n'),
         "fail", message=_name_error("true", 1), location=(CONFIG, 1)),
    Case(CHECK, "null", pip("PUBLIC_ROLE_LIKE = null\n"), "fail",
         message=_name_error("null", 1)),
    Case(CHECK, "no import os", pip(GOOD.replace("import os\n", "")), "fail",
         message=_name_error("os", 1), location=(CONFIG, 1)),
    Case(CHECK, "a setting updated before it is assigned",
         pip('FEATURE_FLAGS["ALERT_REPORTS"] = True\n'), "fail",
         message=_name_error("FEATURE_FLAGS", 1)),
    Case(CHECK, "a name defined after its use", pip("A = B\nB = 1\n"), "fail",
         message=_name_error("B", 1)),
    Case(CHECK, "an unquoted secret is not shown", pip("SECRET_KEY = hunter2Secret99\n"),
         "fail", message="raises NameError at import: a name that is not defined (not shown",
         absent=("hunter2Secret99",)),
    Case(CHECK, "not valid Python", pip('import os\nSECRET_KEY = ("x"\n'), "fail",
         evidence=("superset_config.py:2: SyntaxError: ",),
         message="superset_config.py is not valid Python: ", location=(CONFIG, 2)),
    Case(CHECK, "a syntax error only the compiler finds", pip("X = 1\nreturn X\n"), "fail",
         message="superset_config.py is not valid Python: 'return' outside function "
                 "(line 2); Superset will not start"),
    Case(CHECK, "false only inside a function", pip("def f():\n    return false\n"), "pass",
         message=LOADS),
    Case(CHECK, "false after a star import",
         pip("from superset_config_docker import *\nX = false\n"), "pass", message=LOADS),
    Case(CHECK, "false in a try that catches NameError",
         pip("try:\n    X = false\nexcept NameError:\n    X = False\n"), "pass",
         message=LOADS),
    Case(CHECK, "false in a try that catches ImportError only",
         pip("try:\n    X = false\nexcept ImportError:\n    X = False\n"), "fail",
         message=_name_error("false", 2)),
    Case(CHECK, "false bound in a branch that may run",
         pip("import os\nif os.environ.get('X'):\n    false = False\nY = false\n"), "pass",
         message=LOADS),
    Case(CHECK, "too large to analyse",
         pip(GOOD + "# padding, not code\n" * 14_000), "skip",
         message="could not be checked: superset_config.py: larger than 256 KiB"),
    Case(CHECK, "compose: lowercase false", _compose(GOOD.replace("= True", "= false")),
         "fail", message=_name_error("false", 3), location=(CONFIG, 3)),
    Case(CHECK, "compose: valid", _compose(GOOD), "pass", message=LOADS),
    Case(CHECK, "kubernetes ConfigMap: lowercase false",
         _kubernetes(GOOD.replace("= True", "= false")), "fail", subject=K8S,
         evidence=("ConfigMap config key superset_config.py:3: name 'false' is not defined",),
         message=_name_error("false", 3, "ConfigMap config key superset_config.py"),
         args=("--style", "kubernetes")),
    Case(CHECK, "kubernetes ConfigMap: valid", _kubernetes(GOOD), "pass", subject=K8S,
         args=("--style", "kubernetes")),
]

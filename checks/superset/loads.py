"""config-secrets: Superset can import its superset_config.py (the file is valid Python and
no code that runs at import reads an undefined name)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from auditor.checks.superset.configmodel import ConfigSet, SupersetConfig, scoped
from auditor.model import (
    Check,
    FactMissing,
    Facts,
    Location,
    Result,
    Row,
    Severity,
    Status,
    Style,
)

SUBJECT = "superset_config.py"
CONFIG = "superset.config"


def _configs(facts: Facts) -> Iterable[tuple[str, SupersetConfig]]:
    """Every configuration, also one the collector reported as a problem: a file that
    cannot be imported is the problem this check judges, not a reason to skip it."""
    many = facts.values.get("superset.configs")
    if isinstance(many, ConfigSet) and many.items:
        return many.items
    one = facts.values.get(CONFIG)
    if isinstance(one, SupersetConfig):
        return (("", one),)
    raise FactMissing(CONFIG, facts.problems.get(CONFIG,
                                                 f"{CONFIG} was not collected for this target"))


def _evaluate(facts: Facts) -> Iterator[Result]:
    for scope, config in _configs(facts):
        result = _judge(scoped(scope, SUBJECT), config)
        if result is not None:
            yield result


def _location(path: str, line: int | None = None) -> Location | None:
    # A file inside a ConfigMap or Secret ("ConfigMap x key superset_config.py") is no path.
    return None if " " in path else Location(path, line)


def _judge(subject: str, config: SupersetConfig) -> Result | None:
    failure = config.load_failure
    if failure is not None:
        if failure.error == "NameError":
            evidence = (f"{failure.path}:{failure.line}: {failure.detail}: read by code that "
                        "runs whenever the module is imported, and nothing in the file binds "
                        "it before (no import, assignment or definition; no star import, "
                        "exec or globals())",)
        else:
            evidence = (f"{failure.path}:{failure.line}: SyntaxError: {failure.detail}",)
        return Result(subject, Status.FAIL, failure.message, evidence,
                      _location(failure.path, failure.line))
    path = config.config_path
    if path is None:
        # No file: Superset starts with its own defaults. A file from objects that were not
        # audited (a generated ConfigMap, an unread Secret): every setting check already
        # skips naming it, and this one has nothing to read either.
        return None
    if config.unparsed:
        return Result(subject, Status.SKIP, f"could not be checked: {config.unparsed}",
                      (f"{path} (not analysed)",), _location(path))
    return Result(subject, Status.PASS, f"{path} is valid Python and reads no undefined name "
                  "at import", (f"inspected {path}",), _location(path))


CHECKS = (
    Check(
        id="SUPERSET-CONFIG-SECRETS-004",
        style=Style.ANY,
        app="superset",
        row=Row.CONFIG_SECRETS,
        severity=Severity.CRITICAL,
        title="Superset can import superset_config.py",
        rationale=(
            "Superset imports superset_config.py at start-up and re-raises any error it "
            "raises: a file that is not valid Python, or that reads a name nothing defines "
            "(lowercase false/true/null, a missing import, a setting updated before it is "
            "assigned), stops every Superset process. None of its settings is in force."
        ),
        remediation=(
            "Fix the line the finding names: Python spells True, False and None with "
            "capitals, string values need quotes, and a module or setting must be imported "
            "or assigned before it is used. Then run 'superset version' with the same "
            "PYTHONPATH or SUPERSET_CONFIG_PATH as the service before restarting it."
        ),
        success="superset_config.py is valid Python and reads no undefined name at import",
        failure="superset_config.py raises at import; Superset will not start",
        references=(
            "https://superset.apache.org/docs/configuration/configuring-superset/",
            "https://docs.python.org/3/reference/executionmodel.html#resolution-of-names",
        ),
        evaluate=_evaluate,
    ),
)

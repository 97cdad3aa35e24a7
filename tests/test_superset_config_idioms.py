"""Idioms of real ``superset_config.py`` files, resolved without running them.

Real patterns: Superset's own docker config and the configs derived from it
(insight-infrastructure/superset-docker-compose, NeatPlus/server's Kustomize deployment)
define ``get_env_variable(var_name, default=None)`` that returns ``os.environ[var_name]``,
falls back to ``default``, and raises when neither is there; their metadata URI is built
with ``"%s://%s:%s@%s:%s/%s" % (...)``. Before, both were "computed by a function call" or
"an expression": a published fallback key went unseen, and nothing said why.
"""

from __future__ import annotations

from auditor.checks.superset.configmodel import EnvValue, SupersetConfig, Unknown, analyze

GETTER = '''
import os

def get_env_variable(var_name, default=None):
    """Get the environment variable or raise exception."""
    try:
        return os.environ[var_name]
    except KeyError:
        if default is not None:
            return default
        raise EnvironmentError("The environment variable {} was missing".format(var_name))

DATABASE_DIALECT = get_env_variable("DATABASE_DIALECT", "postgresql")
DATABASE_USER = get_env_variable("DATABASE_USER", "superset")
DATABASE_HOST = get_env_variable("DATABASE_HOST")
SQLALCHEMY_DATABASE_URI = "%s://%s@%s/superset" % (DATABASE_DIALECT, DATABASE_USER, DATABASE_HOST)
SECRET_KEY = get_env_variable("SECRET_KEY", default="thisISaSECRET_1234")
'''


def _value(config: SupersetConfig, name: str) -> object:
    return config.get(name).value


def test_getter_default_is_the_value_when_the_variable_is_unset() -> None:
    config = analyze(GETTER, "superset_config.py", {})
    assert _value(config, "SECRET_KEY") == "thisISaSECRET_1234"
    assert "env SECRET_KEY unset" in config.get("SECRET_KEY").source


def test_getter_reads_the_environment_the_deployment_gives() -> None:
    env = {"SECRET_KEY": EnvValue("x" * 40, "docker-compose.yml"),
           "DATABASE_HOST": EnvValue("db", "docker-compose.yml")}
    config = analyze(GETTER, "superset_config.py", env)
    assert _value(config, "SECRET_KEY") == "x" * 40
    assert _value(config, "SQLALCHEMY_DATABASE_URI") == "postgresql://superset@db/superset"


def test_a_getter_that_raises_without_default_is_unknown_not_unset() -> None:
    """Superset would refuse to load the config: the URI is not sqlite, it is unknown."""
    config = analyze(GETTER, "superset_config.py", {})
    uri = _value(config, "SQLALCHEMY_DATABASE_URI")
    assert isinstance(uri, Unknown)
    assert "DATABASE_HOST" in uri.reason


def test_a_function_that_does_not_read_the_environment_is_not_a_getter() -> None:
    text = "def pick(name, default=None):\n    return default\nSECRET_KEY = pick('X', 'abc')\n"
    assert isinstance(_value(analyze(text, "c.py", {}), "SECRET_KEY"), Unknown)


def test_percent_formatting_with_an_unknown_part_stays_unknown() -> None:
    text = "import os\nSQLALCHEMY_DATABASE_URI = 'postgresql://%s@db/x' % os.environ['U']\n"
    assert isinstance(_value(analyze(text, "c.py", {}), "SQLALCHEMY_DATABASE_URI"), Unknown)
    text = "SQLALCHEMY_DATABASE_URI = 'postgresql://%s@db/%s' % ('u', 'x')\n"
    assert _value(analyze(text, "c.py", {}), "SQLALCHEMY_DATABASE_URI") == "postgresql://u@db/x"

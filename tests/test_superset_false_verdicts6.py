"""False verdicts of the Superset pack found in real deployments (session 6): each test
names the deployment that showed it and fails without the fix."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

from conftest import scan_report

from auditor.checks.common.images import image_env, image_env_known
from auditor.checks.superset import secrets, security, services
from auditor.checks.superset.configmodel import EnvValue, SupersetConfig, Topology, analyze
from auditor.model import Status, Style

PUPPET_TEXT = "Sensitive [value redacted]"
REALWORLD = Path(__file__).resolve().parent / "fixtures" / "realworld"


def _config(text: str, env: dict[str, str] | None = None) -> SupersetConfig:
    given = {k: EnvValue(v, "unit:1") for k, v in (env or {}).items()}
    return analyze(text, "superset_config.py", given)


# -- 1. Puppet's Sensitive#to_s as a key (jortencio/superset) ------------------------------

def test_puppet_sensitive_text_is_a_known_secret_key() -> None:
    """jortencio/superset's template interpolates its Sensitive[String] key without .unwrap:
    every host gets the same text, judged before only as '26 bytes'."""
    result = secrets._judge("SECRET_KEY", _config(f"SECRET_KEY = {PUPPET_TEXT!r}\n"))
    assert result.status is Status.FAIL
    assert "Puppet" in result.message and "Sensitive#to_s" in result.message
    assert "publicly known" in result.message
    shown = result.message + " ".join(result.evidence)
    assert "[value redacted]" not in shown and "26 bytes" not in shown


def test_puppet_sensitive_text_in_the_environment_is_known() -> None:
    result = secrets._judge("SECRET_KEY", _config("", {"SUPERSET_SECRET_KEY": PUPPET_TEXT}))
    assert result.status is Status.FAIL and "Puppet" in result.message


def test_puppet_sensitive_text_as_guest_token_secret_is_known() -> None:
    config = _config("FEATURE_FLAGS = {'EMBEDDED_SUPERSET': True}\n"
                     f"GUEST_TOKEN_JWT_SECRET = {PUPPET_TEXT!r}\n")
    verdict = services._jwt("GUEST_TOKEN_JWT_SECRET", "EMBEDDED_SUPERSET")(config)
    assert verdict is not None
    status, message, _ = verdict
    assert status is Status.FAIL and "Puppet" in message, message


def test_a_key_that_only_mentions_sensitive_is_judged_by_its_length() -> None:
    """Only Puppet's exact text is public; a long key with the word in it is not."""
    key = "Sensitive-9f8e7d6c5b4a39281706f5e4d3c2b1a0-private"
    result = secrets._judge("SECRET_KEY", _config(f"SECRET_KEY = {key!r}\n"))
    assert result.status is Status.PASS, result


# -- 2. The ENV of an image whose Dockerfile is not in the input (data-on-eks) -------------

def _ratelimit_for(image: str, env: dict[str, str] | None = None) -> tuple[Status, str]:
    given = {name: EnvValue(value, f"ENV {name}={value} of the {image} image")
             for name, value in image_env(image)}
    given.update({k: EnvValue(v, "pod env") for k, v in (env or {}).items()})
    verdict = security._rate_limits(analyze(None, None, given))
    assert verdict is not None
    return verdict[0], verdict[1]


def test_custom_image_leaves_superset_env_unknown() -> None:
    """awslabs/data-on-eks runs public.ecr.aws/data-on-eks/data-stacks:superset-v0.0.2, built
    FROM apache/superset:5.0.0 (ENV SUPERSET_ENV=production): RATELIMIT_ENABLED was failed as
    off because an image not known was taken to set nothing."""
    status, message = _ratelimit_for("public.ecr.aws/data-on-eks/data-stacks:superset-v0.0.2")
    assert status is Status.SKIP
    assert "public.ecr.aws/data-on-eks/data-stacks:superset-v0.0.2" in message
    assert "SUPERSET_ENV" in message


def test_custom_image_with_superset_env_in_the_pod_is_judged() -> None:
    image = "tech4dev/superset:6.1.0"
    assert _ratelimit_for(image, {"SUPERSET_ENV": "development"})[0] is Status.FAIL
    assert _ratelimit_for(image, {"SUPERSET_ENV": "production"})[0] is Status.PASS


def test_images_known_to_set_nothing_stay_off() -> None:
    for image in ("python:3.11", "docker.io/library/python:3.11-slim", "ubuntu",
                  "public.ecr.aws/docker/library/python:3.12", "apache/superset:2.0.1",
                  "amancevice/superset:4.1.1"):
        assert _ratelimit_for(image)[0] is Status.FAIL, image
    assert _ratelimit_for("apache/superset:5.0.0")[0] is Status.PASS


def test_a_same_named_image_of_another_registry_is_not_the_official_one() -> None:
    assert not image_env_known("registry.example.com/python:3.11")
    assert _ratelimit_for("registry.example.com/python:3.11")[0] is Status.SKIP


def test_unknown_image_env_keeps_the_variable_unknown_in_the_file() -> None:
    given = {n: EnvValue(v, "image") for n, v in image_env("ghcr.io/acme/bi:1.2")}
    config = analyze("import os\nX_ENV = os.environ.get('SUPERSET_ENV', 'dev')\n",
                     "superset_config.py", given)
    assert not config.get("X_ENV").known


# -- 3. Roles from a custom security manager (toolforge) -----------------------------------

TOOLFORGE = """\
from flask_appbuilder.security.manager import AUTH_OAUTH
from superset.security import SupersetSecurityManager
AUTH_TYPE = AUTH_OAUTH
admin_users = ["someone"]

class WikiSecurityManager(SupersetSecurityManager):
    def oauth_user_info(self, provider, response=None):
        if provider in admin_users:
            return {"role_keys": ["ADMINS"]}
        return {"role_keys": ["USERS"]}

AUTH_ROLES_MAPPING = {"ADMINS": ["Admin"], "USERS": ["Alpha", "sql_lab"]}
CUSTOM_SECURITY_MANAGER = WikiSecurityManager
AUTH_USER_REGISTRATION = True
"""


def _provider(text: str) -> tuple[Status, str, tuple[str, ...]]:
    verdict = security._provider_registration(_config(text))
    assert verdict is not None
    return verdict


def test_custom_oauth_user_info_with_a_mapping_to_admin_is_a_warning() -> None:
    """toolforge/superset-deploy: every MediaWiki account got Alpha through the manager's
    role keys; 011 passed it as 'get role Public on first login'."""
    status, message, evidence = _provider(TOOLFORGE)
    assert status is Status.WARN
    assert "role Public" not in message and "Admin and Alpha" in message
    assert "WikiSecurityManager" in message
    assert not any("regist" in line.lower() for line in (message, *evidence))


def test_custom_manager_with_a_harmless_mapping_is_unknown() -> None:
    text = TOOLFORGE.replace('["Admin"]', '["Gamma"]').replace('"Alpha", ', "")
    status, message, evidence = _provider(text)
    assert status is Status.SKIP and "cannot be read from the config" in message
    assert "role Public" not in message
    assert any("Gamma, sql_lab" in line for line in evidence)
    overridden = text.replace("def oauth_user_info", "def auth_user_oauth")
    status, message, _ = _provider(overridden)
    assert status is Status.SKIP and "cannot be read from the config" in message
    assert "role Public" not in message


def test_custom_manager_imported_from_elsewhere_is_unknown() -> None:
    text = ("from flask_appbuilder.security.manager import AUTH_LDAP\n"
            "from my_security import CustomSecurityManager\n"
            "AUTH_TYPE = AUTH_LDAP\nAUTH_USER_REGISTRATION = True\n"
            "CUSTOM_SECURITY_MANAGER = CustomSecurityManager\n")
    status, message, _ = _provider(text)
    assert status is Status.SKIP and "role Public" not in message


def test_custom_manager_without_login_methods_changes_nothing() -> None:
    text = ("from flask_appbuilder.security.manager import AUTH_OAUTH\n"
            "from superset.security import SupersetSecurityManager\n"
            "class Views(SupersetSecurityManager):\n    def register_views(self):\n"
            "        pass\n"
            "AUTH_TYPE = AUTH_OAUTH\nAUTH_USER_REGISTRATION = True\n"
            "CUSTOM_SECURITY_MANAGER = Views\n")
    status, message, _ = _provider(text)
    assert status is Status.PASS and "role Public on first login" in message


def test_registration_into_admin_with_custom_role_keys_still_fails() -> None:
    text = TOOLFORGE + "AUTH_USER_REGISTRATION_ROLE = 'Admin'\n"
    assert _provider(text)[0] is Status.FAIL


def test_stock_provider_mapping_is_named_in_the_pass() -> None:
    text = ("from flask_appbuilder.security.manager import AUTH_OAUTH\n"
            "AUTH_TYPE = AUTH_OAUTH\nAUTH_USER_REGISTRATION = True\n"
            "AUTH_ROLES_MAPPING = {'superset_admins': ['Admin']}\n")
    status, message, _ = _provider(text)
    assert status is Status.PASS
    assert "plus the roles AUTH_ROLES_MAPPING gives their provider groups (Admin)" in message


# -- 4. A required variable read through a helper that raises when it is unset -------------

def test_helper_whose_environ_subscript_raises_is_not_an_empty_key() -> None:
    """``def get_env_variable(name): return os.environ[name]`` raises KeyError when the
    variable is unset (no ``raise`` statement): the key was judged 'SECRET_KEY is empty'."""
    text = ("import os\ndef get_env_variable(name):\n    return os.environ[name]\n"
            "SECRET_KEY = get_env_variable('SUPERSET_SECRET_KEY')\n")
    result = secrets._judge("SECRET_KEY", _config(text))
    assert result.status is Status.SKIP
    assert "empty" not in result.message and "refuses to load" in result.message
    assert not any("its default" in line for line in result.evidence), result.evidence
    set_here = secrets._judge("SECRET_KEY", _config(text, {"SUPERSET_SECRET_KEY": "x" * 40}))
    assert set_here.status is Status.PASS


def test_helper_that_reads_under_a_condition_is_unknown_not_refusing() -> None:
    text = ("import os\ndef get_env_variable(name, default=None):\n"
            "    if name in os.environ:\n        return os.environ[name]\n    return default\n"
            "SECRET_KEY = get_env_variable('SUPERSET_SECRET_KEY')\n")
    result = secrets._judge("SECRET_KEY", _config(text))
    assert result.status is Status.SKIP
    assert "empty" not in result.message and "refuses" not in result.message


def test_superset_docker_helper_without_default_is_unknown() -> None:
    text = ("import os\ndef get_env_variable(var_name, default=None):\n    try:\n"
            "        return os.environ[var_name]\n    except KeyError:\n"
            "        if default is not None:\n            return default\n        else:\n"
            "            raise EnvironmentError('missing')\n"
            "SECRET_KEY = get_env_variable('SECRET_KEY')\n")
    result = secrets._judge("SECRET_KEY", _config(text))
    assert result.status is Status.SKIP and "empty" not in result.message


def test_unset_lookup_with_none_fallback_names_the_variable() -> None:
    text = "import os\nSECRET_KEY = os.environ.get('MY_KEY')\n"
    result = secrets._judge("SECRET_KEY", _config(text))
    assert result.status is Status.FAIL
    assert "MY_KEY" in result.message and "nothing in the input sets" in result.message


def test_unseen_environment_is_named_in_the_evidence() -> None:
    text = ("import os\ndef get_env_variable(name):\n    return os.environ[name]\n"
            "SECRET_KEY = get_env_variable('SECRET_KEY')\n")
    config = analyze(text, "superset_config.py", {}, unseen_env="Secret s (generated)")
    result = secrets._judge("SECRET_KEY", config)
    assert result.status is Status.SKIP
    assert any("maybe from Secret s (generated)" in line for line in result.evidence)


# -- 5. ENABLE_PROXY_FIX with clients reaching Superset directly --------------------------

def test_proxy_fix_without_a_proxy_says_why_and_what_is_forged() -> None:
    config = dataclasses.replace(_config("ENABLE_PROXY_FIX = True\n"), behind_proxy=False,
                                 proxy_evidence="no proxy service in the Compose project")
    verdict = services._proxy_fix(config)
    assert verdict is not None
    status, message, _ = verdict
    assert status is Status.WARN
    assert "no proxy service in the Compose project" in message
    assert "X-Forwarded-Proto" in message and "rate limits" in message


def test_proxy_fix_where_the_proxy_is_unknown_is_not_judged() -> None:
    config = _config("ENABLE_PROXY_FIX = True\n")
    assert config.behind_proxy is None
    assert services._proxy_fix(config) is None


def test_data_on_eks_rate_limit_is_a_skip_naming_the_image(tmp_path: Path) -> None:
    folder = "helm-argocd-connections-data-on-eks"
    shutil.copytree(REALWORLD / folder, tmp_path / folder)
    report = scan_report(tmp_path, str(tmp_path / folder / "manifests"), "--style",
                         "kubernetes", "--namespace", "superset")
    (finding,) = [f for t in report["targets"] for f in t["findings"]
                  if f["check_id"] == "SUPERSET-APP-SECURITY-008"]
    assert finding["status"] == "skip", finding
    assert "public.ecr.aws/data-on-eks/data-stacks:superset-v0.0.2" in finding["message"]


# -- SUPERSET-SCALABILITY-002: what an unset RESULTS_BACKEND does (HISP-Uganda) -----------

def test_unset_results_backend_fails_queries_not_pending_forever() -> None:
    """superset/sql_lab.py raises SupersetResultsBackendNotConfigureException for a database
    with allow_run_async and no results backend: the query fails with that error shown."""
    config = dataclasses.replace(_config("CELERY_CONFIG = {'broker_url': 'redis://r'}\n"),
                                 topology=Topology(web=1, workers=1, beats=0))
    verdict = services._results(config, Style.SYSTEMD)
    assert verdict is not None
    status, message, _ = verdict
    assert status is Status.FAIL
    assert "Results backend is not configured" in message and "Pending" not in message


def test_custom_manager_extending_an_imported_class_is_unknown() -> None:
    text = ("from flask_appbuilder.security.manager import AUTH_OAUTH\n"
            "from my_sso import CompanySecurityManager\n"
            "class Mine(CompanySecurityManager):\n    def register_views(self):\n"
            "        pass\n"
            "AUTH_TYPE = AUTH_OAUTH\nAUTH_USER_REGISTRATION = True\n"
            "CUSTOM_SECURITY_MANAGER = Mine\n")
    status, message, _ = _provider(text)
    assert status is Status.SKIP and "role Public" not in message

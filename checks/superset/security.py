"""app-security: Superset's own settings for production (cookies, CSRF, CSP, debug, roles,
CORS, rate limits, risky feature flags)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from auditor.checks.superset.configmodel import UNSEEN_BASE, Setting, SupersetConfig, Unknown
from auditor.checks.superset.defaults import AUTH_DB, AUTH_NAMES
from auditor.checks.superset.judge import Verdict, on, per_config, source, unknown
from auditor.model import Check, Row, Severity, Status, Style

DOCS = "https://superset.apache.org/docs/security/"
CONFIG_DOCS = "https://superset.apache.org/docs/configuration/configuring-superset/"
AUTH_DOCS = "https://flask-appbuilder.readthedocs.io/en/latest/security.html"
PRIVILEGED_ROLES = ("Admin", "Alpha", "Gamma", "sql_lab")
ADMIN_ROLES = ("Admin", "Alpha")
"""Roles that can change what others see: Admin manages users, Alpha edits every source."""
RISKY_FLAGS = {
    "ENABLE_JAVASCRIPT_CONTROLS": "lets chart authors run JavaScript in viewers' browsers",
    "DYNAMIC_PLUGINS": "loads chart plugins from URLs at run time",
}
CAREFUL_FLAGS = {
    "ENABLE_TEMPLATE_PROCESSING": "Jinja in SQL: powerful, and behind past template-injection "
    "advisories",
}


def _cookies(config: SupersetConfig) -> Verdict:
    secure, httponly = config.get("SESSION_COOKIE_SECURE"), config.get("SESSION_COOKIE_HTTPONLY")
    for setting in (secure, httponly):
        if not setting.known:
            return unknown(setting)
    evidence = (f"{source(secure)}: {secure.value}", f"{source(httponly)}: {httponly.value}")
    problems = [name for name, setting in (("Secure", secure), ("HttpOnly", httponly))
                if not on(setting)]
    if problems:
        return Status.FAIL, "the session cookie is not " + " or ".join(problems), evidence
    return Status.PASS, "session cookie is Secure and HttpOnly", evidence


def _csrf(config: SupersetConfig) -> Verdict:
    setting = config.get("WTF_CSRF_ENABLED")
    if not setting.known:
        return unknown(setting)
    if not on(setting):
        return Status.FAIL, "CSRF protection is off", (source(setting),)
    return Status.PASS, "CSRF protection is on", (source(setting),)


def _talisman(config: SupersetConfig) -> Verdict:
    enabled, policy = config.get("TALISMAN_ENABLED"), config.get("TALISMAN_CONFIG")
    if not enabled.known:
        return unknown(enabled)
    if not on(enabled):
        return Status.FAIL, "Talisman is off: no CSP, no HSTS or frame protection from " \
            "Superset", (source(enabled),)
    # Flask-Talisman's init_app defaults content_security_policy to its own policy
    # (default-src 'self'): only a key given as None, {} or "" leaves the CSP out.
    if isinstance(policy.value, dict) and "content_security_policy" in policy.value \
            and not policy.value["content_security_policy"]:
        return Status.WARN, "Talisman is on but its content security policy is empty", (
            source(enabled), source(policy))
    return Status.PASS, "Talisman sets a content security policy", (source(enabled),)


def _debug(config: SupersetConfig) -> Verdict:
    setting = config.get("DEBUG")
    if not setting.known:
        return unknown(setting)
    if on(setting):
        # superset/initialization and views/error_handling read DEBUG; the Werkzeug debugger
        # itself comes only with the development server (SYSTEMD/PIP/K8S-APP-SECURITY-002).
        return Status.FAIL, "DEBUG is on: Superset applies TALISMAN_DEV_CONFIG (a looser " \
            "content security policy), answers errors with exception messages instead of its " \
            "error pages, and starts even with its built-in default SECRET_KEY", (
                source(setting),)
    return Status.PASS, "DEBUG is off", (source(setting),)


def _public_role(config: SupersetConfig) -> Verdict:
    # Anonymous visitors hold the role AUTH_ROLE_PUBLIC names (Flask-AppBuilder's, "Public"
    # by default); PUBLIC_ROLE_LIKE copies another role's permissions into it. Naming a
    # built-in role there hands visitors that role itself.
    public, setting = config.get("AUTH_ROLE_PUBLIC"), config.get("PUBLIC_ROLE_LIKE")
    if public.known and public.value in PRIVILEGED_ROLES:
        return Status.FAIL, f"anonymous visitors get role {public.value} itself " \
            "(AUTH_ROLE_PUBLIC)", (source(public),)
    if not setting.known:
        return unknown(setting)
    if not public.known:
        return unknown(public)
    if setting.value in PRIVILEGED_ROLES:
        return Status.FAIL, f"anonymous visitors get the permissions of {setting.value}", (
            source(setting),)
    if setting.value:
        return Status.WARN, f"anonymous visitors get a copy of role {setting.value}", (
            source(setting),)
    if public.value not in (None, "Public"):
        return Status.WARN, f"anonymous visitors get role {public.value} (AUTH_ROLE_PUBLIC), " \
            "whose permissions are granted in Superset's database, not in its files", (
                source(public),)
    return Status.PASS, "anonymous visitors get no permissions", (source(setting),)


def _auth_type(config: SupersetConfig) -> tuple[int | None, str]:
    """(Flask-AppBuilder's AUTH_TYPE number or None when unknown, how to name it)."""
    setting = config.get("AUTH_TYPE")
    value = setting.value
    if isinstance(value, bool) or not isinstance(value, int):
        return None, getattr(value, "reason", f"AUTH_TYPE is {value!r}")
    return value, AUTH_NAMES.get(value, f"AUTH_TYPE {value}")


def _registration(config: SupersetConfig) -> Verdict:
    """Database login: /register is open to anyone who reaches the site."""
    enabled, role = config.get("AUTH_USER_REGISTRATION"), config.get(
        "AUTH_USER_REGISTRATION_ROLE")
    if not enabled.known:
        return unknown(enabled)
    number, name = _auth_type(config)
    auth = config.get("AUTH_TYPE")
    if number is not None and number != AUTH_DB:
        return None  # SUPERSET-APP-SECURITY-011 judges sign-up through an identity provider
    if not on(enabled):
        return Status.PASS, "self-registration is off", (source(enabled),)
    if number is None:
        return Status.SKIP, f"self-registration is on but AUTH_TYPE could not be determined " \
            f"({name}): with AUTH_DB anyone could register, with an identity provider only " \
            "the accounts it admits", (source(enabled), source(auth))
    if not role.known:
        return unknown(role)
    evidence = (f"{source(auth)}: AUTH_DB", source(enabled), f"{source(role)}: {role.value}")
    if role.value in ADMIN_ROLES:
        return Status.FAIL, f"with AUTH_DB anyone who reaches the site can sign up on " \
            f"/register and become {role.value}", evidence
    return Status.WARN, f"with AUTH_DB anyone who reaches the site can sign up on /register " \
        f"(into role {role.value})", evidence


def _provider_registration(config: SupersetConfig) -> Verdict:
    """OAuth, LDAP, REMOTE_USER, OID, SAML: accounts are created on first login."""
    number, name = _auth_type(config)
    if number is None or number == AUTH_DB:
        return None
    enabled, role = config.get("AUTH_USER_REGISTRATION"), config.get(
        "AUTH_USER_REGISTRATION_ROLE")
    if not enabled.known:
        return unknown(enabled)
    auth = config.get("AUTH_TYPE")
    if not on(enabled):
        return Status.PASS, f"with {name}, accounts are not created on first login (an " \
            "administrator adds each user)", (f"{source(auth)}: {name}", source(enabled))
    computed = config.get("AUTH_USER_REGISTRATION_ROLE_JMESPATH")
    if computed.value or not computed.known:
        # FAB then takes the role from the provider's user info, not from the setting.
        return Status.SKIP, f"with {name}, the first-login role is computed from the " \
            "provider's user info by AUTH_USER_REGISTRATION_ROLE_JMESPATH: not judged " \
            "statically", (f"{source(auth)}: {name}", source(computed))
    if not role.known:
        return unknown(role)
    mapping = config.get("AUTH_ROLES_MAPPING")
    mapped = _mapped_roles(mapping)
    shown = f"unknown: {mapped.reason}" if isinstance(mapped, Unknown) else ", ".join(mapped)
    manager = _custom_manager(config, mapped != ())
    if manager is not None and (manager.decides_roles or role.value not in ADMIN_ROLES):
        # The security manager's own code decides what each account's user info holds (or
        # which roles it gets): the config shows at most which roles the mapping can give.
        evidence = [f"{source(auth)}: {name}",
                    f"accounts are created on first login ({enabled.source})", manager.evidence]
        if mapped != ():
            evidence.append(f"{source(mapping)}: maps keys to {shown}")
        granted = [r for r in ADMIN_ROLES if isinstance(mapped, tuple) and r in mapped]
        if role.value in ADMIN_ROLES:
            granted.insert(0, str(role.value))
        if granted:
            return Status.WARN, f"with {name}, the roles new accounts get come from a " \
                f"custom security manager ({manager.why}), and the config lets them include " \
                f"{' and '.join(dict.fromkeys(granted))}: which accounts get them is in its " \
                "code, not in the config", tuple(evidence)
        return Status.SKIP, f"with {name}, the roles new accounts get come from a custom " \
            f"security manager ({manager.why}): they cannot be read from the config", \
            tuple(evidence)
    evidence = [f"{source(auth)}: {name}", source(enabled), f"{source(role)}: {role.value}"]
    if mapped != ():
        groups = f"{len(mapping.value)} group(s)" if isinstance(mapping.value, dict) else \
            "groups"
        evidence.append(f"{source(mapping)}: {groups} mapped; the registration role is "
                        f"added to the mapped ones ({shown})")
    if role.value in ADMIN_ROLES:
        return Status.FAIL, f"with {name}, every account the identity provider admits gets " \
            f"role {role.value} on first login; restrict the provider (e.g. allowed domains) " \
            "or register into a minimal role", tuple(evidence)
    also = f", plus the roles AUTH_ROLES_MAPPING gives their provider groups ({shown})" \
        if mapped != () else ""
    return Status.PASS, f"with {name}, accounts the identity provider admits get role " \
        f"{role.value} on first login{also}", tuple(evidence)


ROLE_METHODS = ("_oauth_calculate_user_roles", "_ldap_calculate_user_roles", "add_user",
                "get_roles_from_keys")
"""Flask-AppBuilder security-manager methods that decide a new account's roles (with every
``auth_user_*`` login method)."""
INFO_METHODS = ("oauth_user_info", "get_oauth_user_info")
"""Methods that build the user info whose ``role_keys`` AUTH_ROLES_MAPPING maps."""
SECURITY_MANAGER_SETTINGS = ("CUSTOM_SECURITY_MANAGER", "FAB_SECURITY_MANAGER_CLASS")
OWN_MANAGERS = ("superset.security.SupersetSecurityManager",
                "superset.security.manager.SupersetSecurityManager")


@dataclass(frozen=True)
class _Manager:
    evidence: str
    why: str
    decides_roles: bool
    """Whether it may change the roles themselves (a login or role method, or methods not
    seen), not only the role keys AUTH_ROLES_MAPPING maps (the registration role is then
    still added)."""


def _mapped_roles(mapping: Setting) -> tuple[str, ...] | Unknown:
    """The roles AUTH_ROLES_MAPPING can give (in the order written), or why unknown."""
    value = mapping.value
    if isinstance(value, Unknown):
        return value
    if not isinstance(value, dict):
        return ()
    roles: list[str] = []
    for item in value.values():
        if isinstance(item, Unknown):
            return item
        if not isinstance(item, list | tuple):
            return Unknown("a mapped value is not a list of role names")
        for name in item:
            if not isinstance(name, str):
                return Unknown("a mapped role name is not a plain string")
            roles.append(name)
    return tuple(dict.fromkeys(roles))


def _custom_manager(config: SupersetConfig, mapping_used: bool) -> _Manager | None:
    """A custom security manager that may decide new accounts' roles: it overrides a login
    or role method, or the user info AUTH_ROLES_MAPPING reads, or it is not a class of the
    file (its methods are unknown). None when none is set, or the one set changes none of
    that."""
    for name in SECURITY_MANAGER_SETTINGS:
        setting = config.get(name)
        if setting.from_default or setting.value is None:
            continue
        if isinstance(setting.value, str) and setting.value in OWN_MANAGERS:
            continue
        if setting.class_name is None:
            reason = getattr(setting.value, "reason", f"{setting.value!r}"[:80])
            return _Manager(f"{source(setting)}: not a class of the audited file ({reason})",
                            f"{name}, whose methods are not in the audited files", True)
        if UNSEEN_BASE in setting.methods:
            return _Manager(f"{source(setting)}: {setting.class_name} extends a class defined "
                            "outside the audited file",
                            f"{setting.class_name}, whose base class is not in the audited "
                            "files", True)
        roles = [m for m in setting.methods if m in ROLE_METHODS or m.startswith("auth_user_")]
        info = [m for m in setting.methods if m in INFO_METHODS]
        listed = ", ".join(roles + info) or "no login or role method"
        evidence = f"{source(setting)}: {setting.class_name} defines {listed}"
        if roles:
            return _Manager(evidence, f"{setting.class_name} overrides {', '.join(roles)}",
                            True)
        if info and mapping_used:
            return _Manager(evidence, f"{setting.class_name}.{info[0]} builds the role keys "
                            "AUTH_ROLES_MAPPING maps", False)
    return None


def _cors(config: SupersetConfig) -> Verdict:
    enabled, options = config.get("ENABLE_CORS"), config.get("CORS_OPTIONS")
    if not enabled.known:
        return unknown(enabled)
    # Superset 6 ships ENABLE_CORS = True (origins: its two map tile servers); earlier
    # releases ship it off. With ENABLE_CORS unset, CORS_OPTIONS set in the file take effect
    # on 6.x, so they are judged; with both unset, neither release lets other sites in.
    if not on(enabled) and not (enabled.from_default and not options.from_default):
        if enabled.from_default:
            return Status.PASS, "CORS is off, or limited to Superset's map tile servers " \
                "(ENABLE_CORS unset: Superset 6 allows tile.openstreetmap.org and tile.osm.ch, " \
                "earlier releases nothing)", (source(enabled),)
        return Status.PASS, "CORS is off", (source(enabled),)
    if not isinstance(options.value, dict):
        return unknown(options)
    origins = options.value.get("origins", "*")
    origin_list = origins if isinstance(origins, list | tuple) else [origins]
    raw = options.value.get("supports_credentials")
    credentials: bool | None = None if isinstance(raw, Unknown) else bool(raw)
    evidence = (source(enabled) + (" (Superset 6 enables CORS by default)"
                                   if enabled.from_default else ""),
                f"{source(options)}: origins {_shown_origins(origin_list)}, "
                f"supports_credentials {'unknown' if credentials is None else credentials}")
    if "*" in origin_list and credentials:
        return Status.FAIL, "CORS allows any origin with credentials: any site can act as " \
            "the logged-in user", evidence
    if "*" in origin_list:
        return Status.WARN, "CORS allows any origin", evidence
    unread = [o for o in origin_list if not isinstance(o, str)]
    if unread:
        # os.environ["CORS_ORIGINS"].split(",") from a Secret the audit lacks: the origins
        # are unknown, so "limited to named origins" would be a guess (DalgoT4D's config).
        reason = next((o.reason for o in unread if isinstance(o, Unknown)),
                      "an origin is not a plain string")
        return Status.SKIP, f"CORS is on but its origins could not be determined: {reason}", \
            evidence
    return Status.PASS, "CORS is limited to named origins", evidence


def _shown_origins(origins: list[object] | tuple[object, ...]) -> str:
    return "[" + ", ".join(repr(o) if isinstance(o, str) else "unknown" for o in origins) + "]"


def _rate_limits(config: SupersetConfig) -> Verdict:
    # Flask-AppBuilder applies AUTH_RATE_LIMIT through its one Flask-Limiter, and
    # Flask-Limiter's init_app returns without installing anything when RATELIMIT_ENABLED is
    # False: that switch turns off the login limit too, not only RATELIMIT_APPLICATION.
    app, auth = config.get("RATELIMIT_ENABLED"), config.get("AUTH_RATE_LIMITED")
    for setting in (app, auth):
        if not setting.known:
            return unknown(setting)
    evidence = (f"{source(app)}: {app.value}", f"{source(auth)}: {auth.value}")
    if not on(app):
        return Status.FAIL, "RATELIMIT_ENABLED is off, which turns Flask-Limiter off: " \
            "neither logins (AUTH_RATE_LIMITED) nor RATELIMIT_APPLICATION are limited, so " \
            "passwords can be guessed at full speed", evidence
    if not on(auth):
        return Status.FAIL, "login attempts are not rate limited (AUTH_RATE_LIMITED is off): " \
            "only RATELIMIT_APPLICATION's per-client limit applies", evidence
    return Status.PASS, "Flask-Limiter is on: logins and every request are rate limited", \
        evidence


def _feature_flags(config: SupersetConfig) -> Verdict:
    flags = config.get("FEATURE_FLAGS")
    if not isinstance(flags.value, dict):
        return unknown(flags)
    risky = [f"{name}: {why}" for name, why in RISKY_FLAGS.items() if config.feature(name) is True]
    careful = [f"{name}: {why}" for name, why in CAREFUL_FLAGS.items()
               if config.feature(name) is True]
    if risky:
        return Status.FAIL, "risky feature flags are on", tuple(risky + careful)
    if careful:
        return Status.WARN, "feature flags that need care are on", tuple(careful)
    unread = [name for name in (*RISKY_FLAGS, *CAREFUL_FLAGS)
              if isinstance(config.feature(name), Unknown)]
    if unread:
        # {"ENABLE_JAVASCRIPT_CONTROLS": env_flag("JS")}: on or off depends on what the
        # auditor cannot see, so "no risky flag is on" would be a guess.
        return Status.SKIP, "feature flags could not be determined: " + ", ".join(unread), (
            source(flags),)
    return Status.PASS, "no risky feature flag is on", (source(flags),)


def _check(number: int, severity: Severity, title: str, rationale: str, remediation: str,
           success: str, failure: str, subject: str, judge: Callable[[SupersetConfig], Verdict],
           docs: str = DOCS) -> Check:
    return Check(
        id=f"SUPERSET-APP-SECURITY-{number:03d}", style=Style.ANY, app="superset",
        row=Row.APP_SECURITY, severity=severity, title=title, rationale=rationale,
        remediation=remediation, success=success, failure=failure, references=(docs,),
        requires=("superset.config",), evaluate=per_config(subject, judge),
    )


CHECKS = (
    _check(1, Severity.HIGH, "Session cookies are Secure and HttpOnly",
           "Without Secure the session cookie is sent over plain HTTP; without HttpOnly any "
           "injected script can read it. Superset defaults SESSION_COOKIE_SECURE to False.",
           "Set SESSION_COOKIE_SECURE = True (serve over HTTPS) and keep "
           "SESSION_COOKIE_HTTPONLY = True.",
           "Secure and HttpOnly", "cookie without Secure or HttpOnly", "SESSION_COOKIE",
           _cookies),
    _check(2, Severity.HIGH, "CSRF protection is on",
           "WTF_CSRF_ENABLED = False lets any web page submit forms as a logged-in user.",
           "Keep WTF_CSRF_ENABLED = True; exempt single API endpoints with "
           "WTF_CSRF_EXEMPT_LIST instead.", "CSRF on", "CSRF off", "WTF_CSRF_ENABLED", _csrf),
    _check(3, Severity.MEDIUM, "Talisman sets a content security policy",
           "Talisman adds CSP, HSTS and frame options; turning it off (a common fix for "
           "embedding problems) removes the browser-side defences.",
           "Keep TALISMAN_ENABLED = True and adjust TALISMAN_CONFIG instead of disabling it.",
           "Talisman with CSP", "Talisman off or empty CSP", "TALISMAN_ENABLED", _talisman),
    _check(4, Severity.CRITICAL, "DEBUG is off",
           "DEBUG = True (FLASK_DEBUG=1 by default) makes Superset use TALISMAN_DEV_CONFIG, "
           "show exception messages instead of error pages and start with its built-in "
           "default SECRET_KEY; under 'superset run' or 'flask run' it also serves Werkzeug's "
           "debugger, which runs code typed into it.",
           "Set DEBUG = False (the default) and unset FLASK_DEBUG.", "DEBUG off", "DEBUG on",
           "DEBUG", _debug),
    _check(5, Severity.HIGH, "Anonymous visitors get no permissions",
           "PUBLIC_ROLE_LIKE copies a role's permissions to everyone who is not logged in; "
           "Gamma or Alpha exposes dashboards and data to the internet.",
           "Leave PUBLIC_ROLE_LIKE = None, or give the Public role only what must be public.",
           "no public permissions", "public gets a privileged role", "PUBLIC_ROLE_LIKE",
           _public_role),
    _check(6, Severity.CRITICAL, "Database self-registration does not grant a privileged role",
           "With AUTH_TYPE = AUTH_DB, AUTH_USER_REGISTRATION opens Flask-AppBuilder's "
           "/register form to anyone who reaches the site; with AUTH_USER_REGISTRATION_ROLE "
           "'Admin' or 'Alpha' they sign themselves up with that role. (Sign-up through an "
           "identity provider is SUPERSET-APP-SECURITY-011.)",
           "Turn off AUTH_USER_REGISTRATION or register users into a minimal role.",
           "registration off or minimal", "anyone can register as Admin/Alpha",
           "AUTH_USER_REGISTRATION", _registration),
    _check(7, Severity.HIGH, "CORS does not allow any origin with credentials",
           "ENABLE_CORS with origins '*' and supports_credentials lets any website call the "
           "API with the visitor's session.",
           "List the origins that embed Superset in CORS_OPTIONS['origins'].",
           "CORS off or limited", "any origin with credentials", "CORS_OPTIONS", _cors),
    _check(8, Severity.MEDIUM, "Logins and the API are rate limited",
           "Without rate limits passwords can be guessed at full speed and one client can "
           "exhaust the workers. Superset sets RATELIMIT_ENABLED only when "
           "SUPERSET_ENV=production, and when it is off Flask-Limiter enforces nothing: "
           "not RATELIMIT_APPLICATION and not Flask-AppBuilder's login limit "
           "(AUTH_RATE_LIMITED).",
           "Set RATELIMIT_ENABLED = True (or SUPERSET_ENV=production), keep "
           "AUTH_RATE_LIMITED = True, and give a shared RATELIMIT_STORAGE_URI (Redis) so "
           "the limits hold across workers.",
           "both limited", "rate limiting off or logins not limited", "RATELIMIT",
           _rate_limits),
    _check(9, Severity.HIGH, "Risky feature flags are off",
           "ENABLE_JAVASCRIPT_CONTROLS runs chart authors' JavaScript for every viewer; "
           "DYNAMIC_PLUGINS loads code from URLs; template processing needs trusted authors.",
           "Turn off ENABLE_JAVASCRIPT_CONTROLS and DYNAMIC_PLUGINS; allow template "
           "processing only with trusted SQL Lab users.",
           "no risky flag", "risky flags on", "FEATURE_FLAGS", _feature_flags, CONFIG_DOCS),
    _check(11, Severity.HIGH, "Identity-provider sign-up does not grant a privileged role",
           "With OAuth, LDAP, REMOTE_USER, OpenID or SAML login, AUTH_USER_REGISTRATION "
           "creates an account for every user the provider admits on first login, with "
           "AUTH_USER_REGISTRATION_ROLE (added to any AUTH_ROLES_MAPPING roles). Unlike "
           "database sign-up it is limited to the provider's users, but 'Admin' or 'Alpha' "
           "makes each of them an administrator or editor.",
           "Register into a minimal role (Gamma or a custom one) and grant more through "
           "AUTH_ROLES_MAPPING from provider groups; restrict who the provider admits "
           "(allowed domains, tenant, 'whitelist' in OAUTH_PROVIDERS).",
           "provider sign-up into a minimal role", "every provider user becomes Admin/Alpha",
           "AUTH_TYPE", _provider_registration, AUTH_DOCS),
)

"""Masking secrets in text shown anywhere: commands, environment assignments, URLs, messages.

Reports quote commands and settings so a person can find them. Masking goes by structure,
not only by the names people give secrets (``DB_CONN=...`` holds a password as surely as
``DB_PASSWORD=...``):

* the value of every environment assignment (``NAME=VALUE`` with an upper-case name, or
  any name after ``-e``/``--env``) is masked unless it is known harmless: a number, a
  boolean, a bind address, a path, a URL (masked inside), a variable reference, a constant;
* the argument of every option whose name says it carries a credential (``--password X``,
  ``--db-pass=X``, ``--requirepass X``), the password half of ``-u user:X``, the value of an
  ``Authorization:`` header, mysql's glued ``-pX`` and redis-cli's ``-a X``;
* in every URL, the password of the user information (``scheme://user:X@host``, also
  without ``//``: ``redis:X@host``), a user alone where tokens go (``https://TOKEN@host``),
  and query parameters named like secrets (``?token=X``).

One module for every style, every format and stderr: checks mask the commands they quote
(:func:`redact`), and the runner passes every message, evidence line and problem through
:func:`mask_text` before any renderer sees it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

SECRET_WORD = re.compile(
    r"(?i)(password|passwd|passphrase|pwd|secret|token|api[_-]?key|access[_-]?key|credential"
    r"|(?:pass|auth)(?![\w-]))"
)
"""A name or option whose value is a secret (``--password``, ``SMTP_PASSWORD``, ``--api-key``;
ending in pass or auth: ``DB_PASS``, ``REDIS_AUTH``, ``--requirepass``, ``--masterauth``)."""
URL_PASSWORD = re.compile(
    r"(?i)([a-z][a-z0-9+.-]{0,63}://[^:/?#@\s\"']*):(?:[^@\s\"]|@(?=[^\s\"/?#]*@))+@")
"""The password in a URL's user information (``https://user:PASSWORD@host``): up to the last
``@`` of the authority, as URL parsers split it (``user:p@ss@host``), quotes included."""
BARE_PASSWORD = re.compile(
    r"(?i)(?<![^\s?#\"'=])((?:[a-z][a-z0-9+.-]{0,63}:)?[^\s:/?#@\"'=]*):"
    r"(?!//)([^\s/?#@\"']+)@(?!sha\d+:)(?=[\w\[])")
"""``user:PASSWORD@host`` with no ``//`` (``redis:PW@cache``, ``amqp:guest:PW@mq``, a
``curl -u`` argument glued to a host). An image digest (``nginx:1.25@sha256:...``) is not one.

It starts only at the start of the text or after whitespace, ``?``, ``#``, a quote or
``=``: never inside a word, a path or a URL (after a word character or one of ``/ : . @
-``, as before), and no longer after other punctuation inside a run of user characters
(``+``, ``(``, ``,``), where the run's own start reaches the same ``:`` and masks as much
or more; only a run that starts after ``/`` (``path/x+redis:pw@h``) is no longer masked.
Every such start scanned to that ``:``: quadratic, 0.6 s for 20 KB of ``a.b-c+``, hours for
a megabyte."""
URL_TOKEN_USER = re.compile(r"(?i)\b((?:git\+)?https?://)([^:/?#@\s\"']+)@")
"""A user alone in an http(s) URL is where forges and registries take a token
(``https://ghp_...@github.com``): masked whole."""
QUERY_SECRET = re.compile(
    r"(?i)([?&;](?:[\w.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key"
    r"|credential|signature|auth)[\w.-]*|key|sig|code)=)[^&;#\s\"']*")
"""A query parameter whose name says it carries a secret: ``?token=X``, ``&X-Amz-Signature=X``."""
MASK = "***"

_HARMLESS = re.compile(
    r"""(?x)
      [-+]?\d+(?:\.\d+)?(?:ms|us|s|m|h|d|w|[kKMGTP]i?[bB]?|%)?  # numbers, durations, sizes
    | (?i:true|false|yes|no|on|off|y|n|t|f|enabled?|disabled?|none|null|nil)
    | (?:\[[0-9a-fA-F:.]*\]|[0-9.]+|\*|localhost)(?::\d+)?   # bind addresses
    | unix:[\w./@-]+
    | (?:~|\.{1,2})?/[\w.@-]*(?:/[\w.@-]*)*              # paths
    | \$[A-Za-z_]\w*|\$\{[A-Za-z_]\w*\}                   # variable references, no default
    | [A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+                       # constants: AUTH_DB, LOG_INFO
    | [A-Z]{1,8}                                          # a metavar: FMT=PATH, KEY=VALUE
    | [a-z][a-z0-9-]*(?:\.[a-z0-9-]+)+(?::\d+)?           # DNS names: db.internal:5432
    | [A-Za-z_]\w*(?:\.\w+)+:\w+(?:\(\))?                 # import paths: superset.app:create_app()
    | C|POSIX|C\.[\w-]+|[a-z]{2,3}_[A-Z]{2}(?:\.[\w-]+)?  # locales
    | (?i:debug|info|warning|warn|error|critical|fatal|trace|notice|verbose|quiet)
    | (?i:development|production|staging|testing|test|dev|prod|local)
    | @(?:yearly|annually|monthly|weekly|daily|hourly|midnight|reboot)  # cron schedules
    | \.\.\.|…|<redacted>|<hidden>                         # a check's own placeholder
    | [a-z][a-z0-9+.-]{0,63}://\S*                       # a URL, after its own masking
    | [a-z][a-z0-9+.-]{0,63}:(?:[^\s:@]*:)?\*\*\*@\S*        # redis:***@host, masked
    """
)
"""Values shown in an environment assignment: none of them can be a credential."""
_ENV_NAME = re.compile(r"(?:^|[^\w.-])([A-Z](?:[A-Z0-9_]*[A-Z0-9])?)$")
_SETTING_NAME = re.compile(
    r"(?:^|_)(?:HOST|HOSTNAME|PORT|USER|USERNAME|DB|NAME|ENV|DIR|PATH|HOME|LEVEL|MODE"
    r"|ENABLED|DEBUG|TIMEOUT|WORKERS|THREADS|EXAMPLES|DIALECT|VERSION|APP|TZ|LANG|LOCALE"
    r"|FORMAT|CLASS|TYPE|SIZE|COUNT|LIMIT|PROTOCOL|SCHEME|DRIVER|BACKEND|METHOD|POLICY"
    r"|STRATEGY|SCHEDULE|CRON|INTERVAL|RETENTION)$"
    r"|^LC_[A-Z]+$")
"""Names of settings, not credentials (``SUPERSET_LOAD_EXAMPLES``, ``REDIS_HOST``,
``FLASK_ENV``): their values are what checks judge and show. URLs in them are still masked,
and a name that also says secret (``DB_PASSWORD_ENV``) is masked by its secret word first."""
_CLOSERS = "\"'`]),;}"
_ENV_OPTIONS = frozenset({"-e", "--env", "--environment", "--set-env"})
_USER_OPTIONS = frozenset({"-u", "--user", "--proxy-user"})
_AUTH_HEADER = re.compile(r"(?i)^[\"']?(?:proxy-)?authorization:$")
_HEADER_NAME = re.compile(r"(?i)^[\"']?(?:x-[\w-]+|private-token|api-key|auth-token):$")
"""Header names that carry a credential, as free text quotes them (curl -H, a probe)."""
_AUTH_SCHEMES = frozenset({"basic", "bearer", "token", "digest", "negotiate", "bot", "apikey"})
_FILE_OPTION = re.compile(r"(?i)(?:file|path|dir|env|command|cmd)$")
"""``--password-file /run/secrets/x`` names where a secret is, not the secret."""
_PATH_VALUE = re.compile(r"(?:[\w.-]+:)?(?:~|\.{1,2})?/[\w.@-]+(?:/[\w.@-]*)*")
"""What a name ending in FILE/PATH/DIR (``DB_PASSWORD_FILE``) or systemd's ``LoadCredential``
(``ID:PATH``) holds: where the secret is, shown like any path."""
_PATH_NAME = re.compile(r"(?i)(?:file|path|dir|loadcredential|loadcredentialencrypted)$")
_PLACEHOLDERS = frozenset({"***", "...", "…", "<redacted>", "<hidden>"})
"""What a check writes in place of a value it will not show: shown as it is."""
_PASS_DIRECTIVE = re.compile(r"(?:proxy|fastcgi|uwsgi|scgi|grpc|memcached)_pass;?$")
"""nginx's ``proxy_pass URL``: an upstream, masked inside like any URL, not a password."""


def redact_url(text: str) -> str:
    """Every URL in ``text`` with its password, token user and secret query values masked."""
    if "@" not in text and "?" not in text and "&" not in text and ";" not in text:
        return text  # every rule needs an "@" or a query mark: most words have none (speed)
    text = _TOKEN.sub(_url_passwords, text) if "://" in text else text
    text = URL_TOKEN_USER.sub(rf"\1{MASK}@", text)
    text = BARE_PASSWORD.sub(rf"\1:{MASK}@", text)
    return QUERY_SECRET.sub(rf"\1{MASK}", text)


_TOKEN = re.compile(r'[^\s"]+')
"""What one ``URL_PASSWORD`` match lies within: it holds no whitespace and no ``"``."""


def _url_passwords(token: re.Match[str]) -> str:
    """``URL_PASSWORD`` masked in one token, searched only up to the token's last ``@``,
    where every match ends: past it, each ``scheme://user:`` of a long token without one
    scanned to the token's end, quadratic in hostile input (16 s for 60 KB)."""
    text = token.group()
    cut = text.rfind("@") + 1
    if not cut or "://" not in text[:cut]:
        return text
    return URL_PASSWORD.sub(rf"\1:{MASK}@", text[:cut]) + text[cut:]


def harmless(value: str) -> bool:
    """Whether ``value`` (an environment value, masked URLs included) can be shown."""
    return value == "" or value == MASK or _HARMLESS.fullmatch(value) is not None


def _split_closers(value: str) -> tuple[str, str]:
    core = value.rstrip(_CLOSERS)
    return core, value[len(core):]


def _assignment(word: str, after_env_option: bool) -> str | None:
    """``word`` masked as an assignment, or None when it assigns nothing worth masking."""
    parts = word.split("=")
    for at in range(1, len(parts)):
        name = parts[at - 1]
        value = "=".join(parts[at:])
        if SECRET_WORD.search(name) and "/" not in name:
            # NAME=X, and the NAME=X inside --env=NAME=X: all after the first secret name goes,
            # unless it is a placeholder already or the name says it holds a path.
            core, closers = _split_closers(value)
            if core in _PLACEHOLDERS or (_PATH_NAME.search(name) and _PATH_VALUE.fullmatch(core)):
                return None
            return redact_url("=".join(parts[:at])) + "=" + MASK + closers
        env_name = _ENV_NAME.search(name)
        if env_name is not None and _SETTING_NAME.search(env_name.group(1)):
            return None
        if env_name is not None or (after_env_option and at == 1):
            masked = redact_url(value)
            core, closers = _split_closers(masked)
            if harmless(core.strip("\"'")) or harmless(masked):
                return None
            return redact_url("=".join(parts[:at])) + "=" + MASK + closers
    return None


def _hidden(word: str) -> str:
    """A secret word masked, the quotes or brackets closing around it kept."""
    return MASK + _split_closers(word)[1]


def _user_password(value: str) -> str:
    """``user:X`` as ``user:***`` unless what follows the colon is harmless (a uid:gid)."""
    user, colon, secret = value.partition(":")
    core, closers = _split_closers(secret)
    if not colon or harmless(core):
        return value
    return f"{user}:{MASK}{closers}"


class _Masker:
    """The state of one command line or text, word by word: what the previous word says the
    next one is (``expect``), and the tools met so far. ``command``: every word naming a
    secret hides the next (``mysqladmin password X``); in free text only option-like words
    do, so prose stays readable."""

    def __init__(self, command: bool) -> None:
        self.command = command
        self.expect = ""
        """``secret`` (mask it), ``user`` (user:password), ``env`` (an assignment),
        ``scheme`` (an Authorization scheme, then the credential), or nothing."""
        self.tools: set[str] = set()

    def word(self, word: str) -> str:
        expect, self.expect = self.expect, ""
        if not expect or expect == "env":
            return self._plain(word, after_env=bool(expect))
        return _EXPECTED[expect](self, word)

    def _user(self, word: str) -> str:
        return _user_password(redact_url(word))

    def _scheme(self, word: str) -> str:
        if word.lower() in _AUTH_SCHEMES:
            self.expect = "secret"
            return word
        return _hidden(word)

    def _plain(self, word: str, after_env: bool) -> str:
        base = word[word.rfind("/") + 1:]
        if base.startswith(("mysql", "mariadb")) or base == "redis-cli":
            self.tools.add("redis-cli" if base == "redis-cli" else "mysql")
        if word in _ENV_OPTIONS or word in _USER_OPTIONS:
            self.expect = "env" if word in _ENV_OPTIONS else "user"
            return word
        if _AUTH_HEADER.match(word) or self._secret_header(word):
            self.expect = "scheme"
            return word
        if "mysql" in self.tools and word.startswith("-p") and len(word) > 2:
            return "-p" + MASK
        if "redis-cli" in self.tools and word == "-a":
            self.expect = "secret"
            return word
        masked = _assignment(word, after_env)
        if masked is not None:
            return masked
        for option in ("-u", "--user="):
            if word.startswith(option) and ":" in word:
                return option + _user_password(redact_url(word[len(option):]))
        if self._hides_next(word):
            self.expect = "secret"
        return redact_url(word)

    def _secret_header(self, word: str) -> bool:
        """``X-Api-Key: X``. In prose only a header's own name does: ``superset-secret:`` or
        ``token:`` there name an object or start a sentence."""
        if not word.endswith(":") or not SECRET_WORD.search(word):
            return False
        return self.command or _HEADER_NAME.match(word) is not None

    def _hides_next(self, word: str) -> bool:
        if "=" in word or "/" in word or not SECRET_WORD.search(word):
            return False
        if _FILE_OPTION.search(word.rstrip(_CLOSERS)) or _PASS_DIRECTIVE.search(word):
            return False
        return self.command or word.startswith("-")


_EXPECTED: dict[str, Callable[[_Masker, str], str]] = {
    "secret": lambda _masker, word: _hidden(word),
    "user": _Masker._user,
    "scheme": _Masker._scheme,
}
"""What a word announced for the next one, and how that next word is shown."""


def redact_words(words: Iterable[str]) -> list[str]:
    """Command words with secret values masked (see the module's docstring)."""
    masker = _Masker(command=True)
    return [masker.word(word) for word in words]


_WORD = re.compile(r"\S+")


def _mask(text: str, command: bool) -> str:
    """Word by word, the blanks between them kept as they are."""
    masker = _Masker(command=command)
    return _WORD.sub(lambda match: masker.word(match.group()), text)


def redact(text: str) -> str:
    """A command line or setting as evidence, masked word by word, spacing kept."""
    return _mask(text, command=True)


def mask_text(text: str) -> str:
    """Free text (a message, an evidence line, a problem) with every secret it quotes masked:
    what :func:`redact` masks, but a word like "token" in prose does not hide the next."""
    return _mask(text, command=False)

"""Masking as a property: no generated secret appears in any output (issue 13, item 6).

Secrets are generated from letters that no report, option name or host name here uses in a
run of four (``JQXZjqxz``), joined by the characters that trip parsers: a raw ``@`` in a URL
password, percent-escapes, URL sub-delimiters, quotes, ``=`` and ``:``. They are put into
command lines (``--password X``, ``--pwd=X``, ``-e DB_PASS=X``, ``--env REDIS_AUTH=X``,
``--env=DB_PASSWORD=X``, ``--requirepass X``), URLs with user information and environment
assignments, then

* through the masking module (:mod:`auditor.checks.common.redact`), and
* for some, through a full audit (the command of a pip project's run.sh, of a Compose web
  service, of a Kubernetes web container), rendered in every registered format;

and no run of four secret letters may survive anywhere. What is not a secret stays shown:
option names, user names, hosts and ports.

``-p X`` is not masked on purpose: ``superset run -p 8088`` and ``psql -p 5432`` give a
port there (mysql's ``-pX`` password is glued to the option).
"""

from __future__ import annotations

import re
import shlex
import shutil
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

from fuzzlib import EXAMPLES, audit, dump_yaml, fuzz_settings, workdir
from hypothesis import example, given
from hypothesis import strategies as st
from reportdata import render, session

from auditor.checks.common.redact import redact, redact_url, redact_words

LETTERS = "JQXZjqxz"
LEAK = re.compile(f"[{LETTERS}]{{4,}}")
"""Four letters of a secret in a row: no output, option or host here has such a run."""
FORMATS = sorted(session().registry.renderers)

chunks = st.text(alphabet=LETTERS, min_size=4, max_size=9)
URL_SPECIALS = ("@", "%40", "%2F", "%3F", "%23", "%25", "!", "$", "&", "'", "(", ")", "*",
                "+", ",", ";", "=", ":", "-", ".", "_", "~")
"""What a URL password can hold and still work: sub-delimiters, ``:``, percent-escapes, and a
raw ``@`` (urllib, so redis-py and kombu, split the authority at its last one). A raw ``/``,
``?`` or ``#`` ends the authority for every parser, so a working URL has them escaped."""
WORD_SPECIALS = ("@", "%", "!", "$", "&", "'", "(", ")", "*", "+", ",", ";", "=", ":",
                 "-", ".", "_", "~", "/", "#", "?", "^", "{", "}", "|", "<", ">")
"""What an option or environment value can hold (no blanks, no double quote)."""


@st.composite
def secrets(draw: st.DrawFn, specials: Iterable[str]) -> str:
    parts = [draw(chunks)]
    for _ in range(draw(st.integers(0, 2))):
        parts += [draw(st.sampled_from(tuple(specials))), draw(chunks)]
    return "".join(parts)


url_passwords = secrets(URL_SPECIALS)
word_values = secrets(WORD_SPECIALS)


def leaks(text: str) -> list[str]:
    return sorted(set(LEAK.findall(text)))


# -- what carries a secret ----------------------------------------------------------------

OPTION_FORMS = (
    "--password {}", "--password={}", "--pwd={}", "--pwd {}", "--passwd {}",
    "--api-key {}", "--api_key={}", "--token={}", "--secret {}", "--requirepass {}",
    "--masterauth {}", "-e DB_PASS={}", "-e DB_PASSWORD={}", "--env REDIS_AUTH={}",
    "--env=DB_PASSWORD={}", "-e=SMTP_PASSWORD={}", "--set-env=PGPASSWORD={}",
)
ENV_NAMES = ("PASSWORD", "DB_PASS", "DB_PASSWORD", "POSTGRES_PASSWORD", "REDIS_AUTH",
             "REDIS_PASSWORD", "SUPERSET_SECRET_KEY", "SECRET_KEY", "MAPBOX_API_KEY",
             "SMTP_PASSWORD", "GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY", "PGPASSWORD",
             "OAUTH_CLIENT_SECRET", "LDAP_BIND_PASSWD", "SSL_PASSPHRASE", "CREDENTIALS")
SCHEMES = ("postgresql", "postgresql+psycopg2", "mysql", "mysql+mysqldb", "redis", "rediss",
           "amqp", "https", "http", "ftp", "sqlalchemy+odbc")
USERS = ("superset", "", "u%40corp", "svc.account", "admin")
HOSTS = ("db.example", "10.0.0.7", "[::1]", "redis-master.bi.svc")
URL_CARRIERS = ("{}", "--broker={}", "DATABASE_URL={}", "-e SQLALCHEMY_DATABASE_URI={}",
                "--url {}", "--result-backend={}")


@st.composite
def option_forms(draw: st.DrawFn) -> tuple[str, str, str]:
    """(text, secret, what stays shown) for one secret option or assignment."""
    secret = draw(word_values)
    form = draw(st.sampled_from(OPTION_FORMS))
    shown = form.split("{}")[0].rstrip("= ").split(" ")[-1]
    return form.format(secret), secret, shown


@st.composite
def env_forms(draw: st.DrawFn) -> tuple[str, str, str]:
    secret = draw(word_values)
    name = draw(st.sampled_from(ENV_NAMES))
    prefix = draw(st.sampled_from(["", "export ", "-e ", "--env "]))
    return f"{prefix}{name}={secret}", secret, name


@st.composite
def urls(draw: st.DrawFn) -> tuple[str, str, str]:
    """(URL, its password, its host)."""
    password = draw(url_passwords)
    if draw(st.booleans()):
        password = quote(password, safe="")  # as a careful user writes it
    host = draw(st.sampled_from(HOSTS))
    port = draw(st.sampled_from(["", ":5432", ":6379"]))
    url = (f"{draw(st.sampled_from(SCHEMES))}://{draw(st.sampled_from(USERS))}:{password}@"
           f"{host}{port}{draw(st.sampled_from(['', '/superset', '/0', '/db?sslmode=require']))}")
    return url, password, host


@st.composite
def url_forms(draw: st.DrawFn) -> tuple[str, str, str]:
    url, password, host = draw(urls())
    return draw(st.sampled_from(URL_CARRIERS)).format(url), password, host


secret_forms = st.one_of(option_forms(), env_forms(), url_forms())

LAUNCHERS = (
    ("gunicorn", "-w", "4", "-b", "0.0.0.0:8088", "superset.app:create_app()"),
    ("superset", "run", "-h", "0.0.0.0", "-p", "8088"),
    ("celery", "--app=superset.tasks.celery_app:app", "worker"),
)
TAILS = ((), ("--timeout", "120"), ("--email", "admin@example.com"), ("--log-level", "info"))


@st.composite
def command_lines(draw: st.DrawFn) -> tuple[list[str], list[str], list[str]]:
    """(words, secrets, words that stay shown): a launcher with secret options among others."""
    words = list(draw(st.sampled_from(LAUNCHERS)))
    found, shown = [], []
    for _ in range(draw(st.integers(1, 3))):
        text, secret, keep = draw(secret_forms)
        words += text.split(" ")
        found.append(secret)
        shown.append(keep)
        words += draw(st.sampled_from(TAILS))
    return words, found, shown


# -- the masking module -------------------------------------------------------------------


def assert_masked(original: str, masked: str, shown: Iterable[str] = ()) -> None:
    assert not leaks(masked), f"{original!r} shown as {masked!r}: leaks {leaks(masked)}"
    for keep in shown:
        assert keep in masked, f"{keep!r} lost from {original!r}: {masked!r}"


@given(form=secret_forms)
@example(form=("-e DB_PASS=QXZJqxzj", "QXZJqxzj", "DB_PASS"))
@example(form=("--env REDIS_AUTH=QXZJqxzj", "QXZJqxzj", "REDIS_AUTH"))
@example(form=("--env=DB_PASSWORD=QXZJqxzj", "QXZJqxzj", "--env"))
@example(form=("--requirepass QXZJqxzj", "QXZJqxzj", "--requirepass"))
@example(form=("postgresql://superset:QXZJ@jqxz@db.example/superset", "QXZJ@jqxz",
               "db.example"))
@example(form=("DATABASE_URL=mysql://admin:QXZJ'jqxz@10.0.0.7:5432", "QXZJ'jqxz", "10.0.0.7"))
@fuzz_settings(300)
def test_redact_masks_every_generated_secret(form: tuple[str, str, str]) -> None:
    text, _, shown = form
    assert_masked(text, redact(text), [shown])
    assert_masked(text, " ".join(redact_words(text.split())), [shown])


@given(form=url_forms())
@example(form=("postgresql://superset:QXZJ@jqxz@db.example:5432/superset", "QXZJ@jqxz",
               "db.example"))
@example(form=("see https://u:QXZJ@jq@xz@h and ftp://c:jjjj@e", "QXZJ@jq@xz", "ftp://c:"))
@fuzz_settings(200)
def test_redact_url_masks_every_generated_password(form: tuple[str, str, str]) -> None:
    text, _, shown = form
    assert_masked(text, redact_url(text), [shown])


@given(words=command_lines())
@fuzz_settings(150)
def test_redact_masks_whole_command_lines(words: tuple[list[str], list[str], list[str]]
                                          ) -> None:
    argv, _, shown = words
    text = " ".join(argv)
    assert_masked(text, redact(text), [argv[0], *shown])
    assert redact_words(argv) == redact(text).split()


def test_what_is_not_a_secret_stays_shown() -> None:
    # Ports, hosts, paths and plain options are evidence: masking them hides the verdict.
    for text in ("superset run -h 0.0.0.0 -p 8088 --with-threads",
                 "psql -h db.example -p 5432 -U superset",
                 "gunicorn -w 4 -b 127.0.0.1:8088 --timeout 120 superset.app:create_app()",
                 "curl -f https://bi.example.com/health?email=a@b.example",
                 "AUTH_TYPE=AUTH_DB SUPERSET_CONFIG_PATH=/etc/superset/superset_config.py",
                 "celery --app=superset.tasks.celery_app:app worker --pool=prefork -O fair"):
        assert redact(text) == text, text
    assert redact("https://u:p@h/x?next=a@b") == "https://u:***@h/x?next=a@b"


# -- the whole audit, every format --------------------------------------------------------
#
# Commands as people write them: the launcher's own options carry the secrets (gunicorn's
# -e/--env, celery's --broker and --result-backend), an admin is created with --password
# before the server starts, and run.sh exports secret variables.

PIP_DEV = EXAMPLES / "pip-dev"
PIP_LAUNCH = "nohup superset run -h 0.0.0.0 -p 8088 --with-threads --reload --debugger"
GUNICORN_SECRETS = ("-e {}={}", "--env {}={}", "--env={}={}")
CELERY_SECRETS = ("--broker={}", "-b {}", "--result-backend={}")
CREATE_ADMIN = ("superset", "fab", "create-admin", "--username", "admin", "--password")


Deployment = tuple[list[str], list[str], list[str], list[tuple[str, str]]]
"""The web server's argv, the worker's, an admin-creating argv, exported variables."""


@st.composite
def deployments(draw: st.DrawFn) -> Deployment:
    web = list(LAUNCHERS[0])
    for _ in range(draw(st.integers(0, 2))):
        name, value = draw(st.sampled_from(ENV_NAMES)), draw(word_values)
        if draw(st.booleans()):
            name, value = "SQLALCHEMY_DATABASE_URI", draw(urls())[0]
        web += draw(st.sampled_from(GUNICORN_SECRETS)).format(name, value).split(" ")
    worker = list(LAUNCHERS[2])
    for _ in range(draw(st.integers(0, 2))):
        worker += draw(st.sampled_from(CELERY_SECRETS)).format(draw(urls())[0]).split(" ")
    admin = [*CREATE_ADMIN, draw(word_values), "--email", "admin@example.com"]
    exported = [(draw(st.sampled_from(ENV_NAMES)), draw(word_values))
                for _ in range(draw(st.integers(0, 2)))]
    return web, worker, admin, exported


def project(carrier: str, deployment: Deployment, into: Path) -> Path:
    """A project of the carrier's style that runs the deployment."""
    web, worker, admin, exported = deployment
    if carrier == "pip":
        tree = into / "pip"
        shutil.copytree(PIP_DEV, tree, symlinks=True)
        script = tree / "run.sh"
        text = script.read_text()
        assert PIP_LAUNCH in text
        lines = [*(f"export {name}={shlex.quote(value)}" for name, value in exported),
                 shlex.join(admin), f"nohup {shlex.join(worker)} &", "nohup " + shlex.join(web)]
        script.write_text(text.replace(PIP_LAUNCH, "\n".join(lines)))
        return tree
    # sh -c as Superset's chart and compose files do; the words are not shell-quoted
    # (the secrets hold no blank), so the text is what the auditor reads.
    command = ["sh", "-c", " ".join(admin) + " && exec " + " ".join(web)]
    if carrier == "compose":
        def escaped(words: list[str]) -> list[str]:  # $ starts a variable in Compose files
            return [w.replace("$", "$$") for w in words]

        (into / "compose.yaml").write_text(dump_yaml([{"services": {
            "superset": {"image": "apache/superset:4.1.1", "command": escaped(command)},
            "superset-worker": {"image": "apache/superset:4.1.1",
                                "command": escaped(worker)}}}]))
        return into
    docs = []
    for name, argv in (("superset", command), ("superset-worker", worker)):
        labels = {"app": "superset", "component": name}
        docs.append({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": "bi"},
            "spec": {"replicas": 2, "selector": {"matchLabels": labels}, "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": name, "image": "apache/superset:4.1.1",
                                         "command": argv[:1], "args": argv[1:]}]}}}})
    (into / "superset.yaml").write_text(dump_yaml(docs))
    return into


@given(carrier=st.sampled_from(["pip", "compose", "kubernetes"]), deployment=deployments())
@example(carrier="pip", deployment=(
    [*LAUNCHERS[0], "-e", "DB_PASS=QXZJqxzj"], [*LAUNCHERS[2]], [*CREATE_ADMIN, "jjjjqqqq"],
    [("REDIS_AUTH", "zzzzxxxx")]))
@example(carrier="compose", deployment=(
    [*LAUNCHERS[0]], [*LAUNCHERS[2], "--broker=redis://:QXZJ@qqxx@redis:6379/0"],
    [*CREATE_ADMIN, "jjjjqqqq"], []))
@example(carrier="kubernetes", deployment=(
    [*LAUNCHERS[0], "--env=DB_PASSWORD=QXZJqxzj"], [*LAUNCHERS[2]],
    [*CREATE_ADMIN, "jjjjqqqq"], []))
@example(carrier="pip", deployment=(
    [*LAUNCHERS[0], "--env", "REDIS_AUTH=qZqj", "--env=SUPERSET_SECRET_KEY=ZqXXZQJjq|JQjj|qX"],
    [*LAUNCHERS[2], "--result-backend=amqp://u%40corp:XqQZzZZZx@[::1]/superset"],
    [*CREATE_ADMIN, "JXQXxxjjj|XQxJX"], [("SSL_PASSPHRASE", "jXQQqJ>Qxzq")]))
@example(carrier="compose", deployment=(  # written $$ in the file, as Compose wants
    [*LAUNCHERS[0]], [*LAUNCHERS[2]], [*CREATE_ADMIN, "JJJJ$JJJJ"], []))
@fuzz_settings(12)
def test_no_generated_secret_in_any_format(carrier: str, deployment: Deployment) -> None:
    with workdir() as work:
        report = audit([str(project(carrier, deployment, work))], style=carrier)
    assert report.targets and report.targets[0].findings, carrier
    # The temporary directory's random name is in the target path: not a secret.
    outputs = {fmt: render(report, fmt).replace(work.name, "WORK") for fmt in FORMATS}
    found = {fmt: leaks(text) for fmt, text in outputs.items() if leaks(text)}
    assert not found, f"{carrier} running {deployment} shows {found}"
    if carrier != "kubernetes":  # (Kubernetes quotes a command only for a dev server)
        assert "gunicorn -w 4" in outputs["json"], "the command is quoted as evidence"

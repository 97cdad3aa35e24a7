"""Fuzzing the pip style: run scripts, Procfiles, supervisor configuration, requirements files
(with ``-r`` includes), crontabs, ``.env`` files and non-UTF-8 file names."""

from __future__ import annotations

from pathlib import Path

from fuzzlib import (
    EXAMPLES,
    FIXTURES,
    audit_and_check,
    fixture_files,
    fuzz_settings,
    hostile_text,
    materialise,
    mutated_bytes,
    run_cli,
    workdir,
)
from hypothesis import example, given
from hypothesis import strategies as st

PROJECTS = (
    *sorted(p for p in (FIXTURES / "pip").iterdir() if p.is_dir()),
    EXAMPLES / "pip-dev",
)
HARDENED = FIXTURES / "pip" / "pass-hardened"
FileMap = dict[str | bytes, str | bytes | None]


def audit_project(root: Path, named: list[str] | None = None) -> None:
    audit_and_check([str(root)], style="pip", named=named or [])


@st.composite
def lines_of(draw: st.DrawFn, vocabulary: st.SearchStrategy[str], max_lines: int = 12) -> str:
    lines = draw(st.lists(vocabulary | hostile_text, max_size=max_lines))
    text = "\n".join(lines)
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    if draw(st.booleans()):
        text = "\ufeff" + text
    return text


READ_FOR_SURE = ("requirements.txt", "start.sh", "run.sh", "backup.sh", "Procfile",
                 "deploy/backup.sh")


@given(data=st.data())
@fuzz_settings(40)
def test_mutated_project_bytes(data: st.DataObject) -> None:
    project = data.draw(st.sampled_from(PROJECTS), label="project")
    names = fixture_files(project, lambda rel: not rel.endswith(".md"))
    chosen = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True),
                       label="files")
    files: FileMap = {name: data.draw(mutated_bytes((project / name).read_bytes()), label=name)
                      for name in chosen}
    named = [name for name, content in files.items()
             if isinstance(name, str) and isinstance(content, bytes) and b"\0" in content
             and name in READ_FOR_SURE]
    with workdir() as tmp:
        audit_project(materialise(tmp / "p", files, base=project), named)


COMMANDS = st.sampled_from([
    "gunicorn -w 4 -b 0.0.0.0:8088 'superset.app:create_app()'", "gunicorn", "gunicorn -w",
    "gunicorn -w abc --timeout -5 -b", "gunicorn --bind=unix:/tmp/x.sock --certfile=",
    "gunicorn -b [::1 -b :8088 -b 0.0.0.0: -k gevent --threads 99999999999999999999",
    "venv/bin/gunicorn -c gunicorn.conf.py", "/usr/bin/python3 -m gunicorn",
    "superset run -p 8088 --with-threads --reload --debugger", "superset run -h",
    "superset run -p abc", "superset", "python -m superset run", "flask run --host=0.0.0.0",
    "flask --app superset run -p", "celery --app=superset.tasks.celery_app:app worker -c x",
    "celery -A superset.tasks beat -s", "celery worker -B", "celery", "uwsgi --http :8088",
    "uwsgi --socket", "waitress-serve --listen=*:8088 superset.app:create_app",
    "sudo -u superset gunicorn", "sudo", "exec", "nohup", "env A=1 B= gunicorn", "env",
    "nice -n 10 gunicorn", "setsid -f superset run", "runuser -u x --", "su - x -c 'gunicorn'",
    "time", "stdbuf -oL gunicorn", "chpst -u x gunicorn",
])
SCRIPT_LINES = st.one_of(
    COMMANDS,
    COMMANDS.map(lambda c: f"exec {c}"),
    COMMANDS.map(lambda c: f"nohup {c} > log 2>&1 &"),
    COMMANDS.map(lambda c: f"{c} &> /dev/null &"),
    COMMANDS.map(lambda c: f"cd /opt/superset && {c} || exit 1"),
    st.sampled_from([
        "#!/bin/sh", "set -euo pipefail", "source venv/bin/activate", ". /opt/x/bin/activate",
        "source", ". ", "export SUPERSET_CONFIG_PATH=$PWD/superset_config.py",
        "export SUPERSET_CONFIG_PATH=", "export SUPERSET_CONFIG_PATH=/etc/\\x00",
        "export SUPERSET_CONFIG_PATH=../../../etc/passwd", "export SUPERSET_CONFIG_PATH=${PWD}/",
        "export", "export A", "export =1", "A=1 B=2", "ulimit -v 1000000", "ulimit -Sv",
        "ulimit", "cd", "cd ..", "cd \"$(dirname \"$0\")\"", "echo 'unterminated",
        "echo \"unterminated", "cat <<EOF", "EOF", "gunicorn \\", "  --timeout 120 \\", "\\",
        "|", "||", "&&", ";", "& &", ">", "2>&1", "$(gunicorn)", "`superset run`",
        "if [ -f x ]; then gunicorn; fi", "pg_dump superset > /backup/db.sql",
        "pip-audit -r requirements.txt", "rclone copy /backup remote:", "# comment",
    ]),
)
SCRIPT_NAMES = st.sampled_from([
    "run.sh", "start.sh", "Procfile", "Makefile", "entrypoint", "bin/serve", "scripts/run",
    "deploy/start.sh", "a/b/c/deep.sh", "serve",
])


@given(scripts=st.dictionaries(SCRIPT_NAMES, lines_of(SCRIPT_LINES), min_size=1, max_size=3),
       procfile=st.one_of(st.none(), lines_of(st.one_of(
           COMMANDS.map(lambda c: f"web: {c}"), COMMANDS.map(lambda c: f"worker: {c}"),
           st.sampled_from(["web:", ":", "web", "release: superset db upgrade", "web: \\"])),
           max_lines=4)))
@fuzz_settings(40)
@example(scripts={"run.sh": "gunicorn -w"}, procfile="web: gunicorn -b")
@example(scripts={"run.sh": "export SUPERSET_CONFIG_PATH=/\nsuperset run"}, procfile=None)
def test_scripts(scripts: dict[str, str], procfile: str | None) -> None:
    files: FileMap = {}
    files.update(scripts)
    if procfile is not None:
        files["Procfile"] = procfile
    files["requirements.txt"] = "apache-superset==6.0.0\n"
    with workdir() as tmp:
        audit_project(materialise(tmp / "p", files))


SUPERVISOR_LINES = st.one_of(
    COMMANDS.map(lambda c: f"command={c}"),
    st.sampled_from([
        "[supervisord]", "[program:superset]", "[program:superset-worker]", "[program:]",
        "[program:x", "[group:g]", "[include]", "files = /etc/supervisor/conf.d/*.conf",
        "command=", "command", "  --timeout 120", "\t--bind 0.0.0.0:8088",
        "environment=A=\"1\",B=2,SUPERSET_SECRET_KEY=\"x,y\"", "environment=,,,=,A",
        "environment=%(ENV_HOME)s", "directory=%(here)s", "autorestart=maybe",
        "autorestart=", "stdout_logfile_maxbytes=0", "stdout_logfile_maxbytes=-1KB",
        "stdout_logfile=%(program_name)s.log", "stdout_logfile=", "user=root", "user=",
        "numprocs=abc", "process_name=%(program_name)s_%(process_num)02d", "; comment",
        "# comment", "=", "key", "[program:superset]\ncommand=gunicorn",
    ]),
)


@given(conf=lines_of(SUPERVISOR_LINES, max_lines=16),
       name=st.sampled_from(["supervisord.conf", "supervisor.conf", "deploy/superset.conf",
                             "conf/x.ini", "a/b/c.conf"]))
@fuzz_settings(40)
@example(conf="[program:x]\ncommand=gunicorn\n[program:x]\ncommand=celery", name="x.conf")
def test_supervisor(conf: str, name: str) -> None:
    with workdir() as tmp:
        audit_project(materialise(tmp / "p", {name: "[program:superset]\n" + conf},
                                  base=HARDENED))


REQUIREMENT_LINES = st.sampled_from([
    "apache-superset==6.0.0", "apache-superset", "apache_superset[postgres]>=4",
    "Apache-Superset === 6.0.0", "apache-superset==*", "apache-superset==6.*",
    "apache-superset @ git+https://github.com/apache/superset@" + "a" * 40,
    "apache-superset @ https://x/y.whl#sha256=abc", "apache-superset==6.0.0 \\",
    "    --hash=sha256:" + "0" * 64, "--hash", "-r requirements.txt", "-r other.txt",
    "-r ../../../../etc/passwd", "-r /etc/passwd", "-r", "-r ", "--requirement=base.txt",
    "-c constraints.txt", "--constraint", "-r dir", "-r loop.txt", "-e .", "-e",
    "--index-url https://x", "-i", ".", "./local", "-", "--", "gunicorn==23.0.0; python_version",
    "psycopg2-binary>=2.9 ; sys_platform == 'linux'", "[extra]", "==1.0", "name==", "a" * 3000,
    "# comment", " # indented comment", "x==1 # trailing",
])


@given(requirements=lines_of(REQUIREMENT_LINES),
       other=st.one_of(st.none(), lines_of(REQUIREMENT_LINES, max_lines=5)))
@fuzz_settings(40)
@example(requirements="-r requirements.txt\n-r other.txt", other="-r requirements.txt")
def test_requirements(requirements: str, other: str | None) -> None:
    files: FileMap = {"requirements.txt": requirements, "requirements-dev.in": requirements}
    if other is not None:
        files["other.txt"] = other
        files["base.txt"] = other
    with workdir() as tmp:
        root = materialise(tmp / "p", files, base=HARDENED)
        (root / "loop.txt").symlink_to("loop.txt")
        (root / "dir").mkdir()
        audit_project(root)


@given(env=lines_of(st.sampled_from([
    "SUPERSET_SECRET_KEY=x", "SUPERSET_SECRET_KEY=", "SUPERSET_SECRET_KEY='\"'", "'", "=",
    "export =", "export", "SUPERSET_CONFIG_PATH=/", "SUPERSET_CONFIG_PATH=superset_config.py",
    "SUPERSET_CONFIG_PATH=../x", "SUPERSET_CONFIG_PATH=${PWD}/x.py", "FLASK_DEBUG=1",
    "TALISMAN_ENABLED=maybe", "SUPERSET_FEATURE_X=true", "SUPERSET_FEATURE_=1",
    "SUPERSET_HOME={SUPERSET_HOME}", "SUPERSET_ENV=production", "DATABASE_URL=sqlite://",
])), crontab=lines_of(st.sampled_from([
    "15 2 * * * /opt/superset/deploy/backup.sh", "@daily pg_dump x", "* * *", "@",
    "*/5 * * * * curl -f http://localhost:8088/health", "MAILTO=x", "", "# m h dom mon dow",
    "0 0 * * * pip-audit", "0 0 * * * \\",
])))
@fuzz_settings(40)
def test_env_and_crontab(env: str, crontab: str) -> None:
    with workdir() as tmp:
        audit_project(materialise(tmp / "p", {".env": env, "deploy/crontab": crontab,
                                              "x.cron": crontab, ".flaskenv": env},
                                  base=HARDENED))


@given(names=st.lists(st.sampled_from([
    b"\xff.sh", b"run\xfe.sh", b"requirements\xff.txt", b"\xc3.env", b"bin/\xff",
    b"superset_config\xff.py", b"x\xff.conf", b"venv\xff/pyvenv.cfg", b"\xe2\x80\xae.sh",
    "sp ace.sh", "new\nline.sh", "tab\t.sh",
]), min_size=1, max_size=4, unique=True))
@fuzz_settings(20)
def test_non_utf8_file_names(names: list[str | bytes]) -> None:
    files: FileMap = {name: "[program:x]\ncommand=gunicorn -w 2\nsuperset run\n"
                      for name in names}
    with workdir() as tmp:
        audit_project(materialise(tmp / "p", files, base=HARDENED))


@given(data=st.data())
@fuzz_settings(15)
def test_cli(data: st.DataObject) -> None:
    """A pip project through the command line: exit 0 with a valid report, or 2 with one line."""
    project = data.draw(st.sampled_from(PROJECTS), label="project")
    names = fixture_files(project, lambda rel: not rel.endswith(".md"))
    name = data.draw(st.sampled_from(names), label="file")
    mutated = data.draw(mutated_bytes((project / name).read_bytes(), max_ops=6), label="bytes")
    with workdir() as tmp:
        run_cli([str(materialise(tmp / "p", {name: mutated}, base=project))],
                tmp / "report.json")

"""Detection of the pip style, and the parsing it relies on."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from auditor.checks.pip import collect
from auditor.checks.pip.shell import scan_crontab, scan_script, scan_supervisor
from auditor.cli import main
from auditor.model import Style
from auditor.targets import parse_target

EXAMPLE = Path(__file__).parents[1] / "examples" / "pip-dev"


def test_example_is_detected_as_pip_with_superset() -> None:
    detection = collect.detect(parse_target(str(EXAMPLE)))
    assert detection is not None
    assert detection.style == Style.PIP
    assert detection.app == "superset"
    assert detection.confidence >= 0.9
    joined = " ".join(detection.evidence)
    assert "pyvenv.cfg" in joined and "apache-superset" in joined and "run.sh" in joined


def test_compose_file_beside_a_venv_lowers_confidence(tmp_path: Path) -> None:
    project = tmp_path / "p"
    shutil.copytree(EXAMPLE, project)
    (project / "docker-compose.yml").write_text("services:\n  superset:\n    image: x\n")
    detection = collect.detect(parse_target(str(project)))
    assert detection is not None and detection.confidence < 0.5
    assert any("Compose file" in e for e in detection.evidence)


def test_unconfident_target_exits_2_and_style_forces_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "p"
    shutil.copytree(EXAMPLE, project)
    (project / "compose.yaml").write_text("services: {}\n")
    assert main(["scan", str(project)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--style" in err[0]
    assert main(["scan", str(project), "--style", "pip", "--format", "json"]) == 0


def test_empty_directory_is_not_pip(tmp_path: Path) -> None:
    assert collect.detect(parse_target(str(tmp_path))) is None


def test_host_tree_finds_the_project_under_opt(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLE, tmp_path / "opt" / "superset")
    target = parse_target("host", root=str(tmp_path))
    detection = collect.detect(target)
    assert detection is not None and detection.style == Style.PIP
    facts = collect.collect(target, {})
    project = facts.values["pip.project"]
    assert project.label == "/opt/superset"


def test_script_parsing_reads_venv_background_redirect_and_options() -> None:
    text = (
        "source venv/bin/activate\n"
        "export FLASK_DEBUG=1\n"
        "nohup superset run -h 0.0.0.0 -p 8088 --reload \\\n  --debugger > s.log 2>&1 &\n"
        "venv/bin/gunicorn -w4 --bind=127.0.0.1:8000 'superset.app:create_app()'\n"
        "echo gunicorn is great\n"
    )
    dev, prod = scan_script(text, "run.sh")
    assert (dev.kind, dev.venv, dev.background, dev.stdout) == ("superset-run", "venv", True,
                                                                "s.log")
    assert dev.binds == ("0.0.0.0:8088",) and dev.debugger and dev.line == 3
    assert (prod.kind, prod.workers, prod.binds) == ("gunicorn", 4, ("127.0.0.1:8000",))
    assert not prod.background and prod.venv == "venv"


def test_system_interpreter_is_not_a_venv() -> None:
    (launch,) = scan_script("/usr/bin/python3 -m gunicorn app:app\n", "x.sh")
    assert launch.kind == "gunicorn" and launch.venv is None


def test_supervisor_and_crontab_parsing() -> None:
    (launch,) = scan_supervisor(
        "[program:web]\ncommand=/srv/v/bin/gunicorn -w 3 app:app\nautorestart=false\n",
        "supervisord.conf",
    )
    assert launch.supervisor == "supervisord" and not launch.autorestart and launch.workers == 3
    entries = scan_crontab("SHELL=/bin/sh\n0 3 * * * root /usr/local/bin/backup\n", "c", True)
    assert [(e.schedule, e.command) for e in entries] == [("0 3 * * *", "/usr/local/bin/backup")]


def test_a_script_and_a_supervisor_program_are_two_web_subjects(tmp_path: Path) -> None:
    """A project started both by run.sh and by supervisord (the security fixture's layout):
    each launch is its own subject, so their verdicts are neither merged nor share a
    fingerprint; a project with one launch keeps the short subject ``web/gunicorn``."""
    import json

    project = tmp_path / "proj"
    (project / "venv" / "bin").mkdir(parents=True)
    (project / "venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (project / "requirements.txt").write_text("apache-superset==4.1.1\n")
    (project / "run.sh").write_text(
        '#!/bin/sh\nexec ./venv/bin/gunicorn -w 4 -b 0.0.0.0:8088 "superset.app:create_app()"\n')
    out = tmp_path / "one.json"
    assert main(["scan", str(project), "--style", "pip", "--format", "json",
                 "--output", str(out)]) == 0
    subjects = {f["subject"] for t in json.loads(out.read_text())["targets"]
                for f in t["findings"] if f["subject"].startswith("web/")}
    assert subjects == {"web/gunicorn"}
    (project / "supervisord.conf").write_text(
        "[program:superset]\ncommand=/srv/superset/venv/bin/gunicorn -w 4 -b 127.0.0.1:8088 "
        '"superset.app:create_app()"\n')
    out = tmp_path / "two.json"
    assert main(["scan", str(project), "--style", "pip", "--format", "json",
                 "--output", str(out)]) == 0
    findings = [f for t in json.loads(out.read_text())["targets"] for f in t["findings"]]
    subjects = {f["subject"] for f in findings if f["subject"].startswith("web/")}
    assert subjects == {"web/gunicorn@run.sh", "web/gunicorn@supervisord.conf"}
    bound = {f["subject"]: f["status"] for f in findings if f["check_id"] == "PIP-NETWORK-001"}
    assert bound.get("web/gunicorn@run.sh") != bound.get("web/gunicorn@supervisord.conf")


def test_a_setproctitle_renamed_gunicorn_is_still_a_gunicorn_launch() -> None:
    """With setproctitle installed (celery and many hosts bring it), gunicorn renames its
    processes "gunicorn: master [APP]" and psutil reads that title followed by empty
    strings: the live collector found no gunicorn at all, and the worker count (from the
    lost -w option) fell back to 1. The title still names the app; the running master's
    children are its workers."""
    import dataclasses

    from auditor.checks.pip.collect import argv_of
    from auditor.checks.pip.shell import ShellState, launch_from_words

    title = ("gunicorn: master [superset.app:create_app()]", "", "", "")
    assert argv_of(title) == ["gunicorn", "superset.app:create_app()"]
    assert argv_of(("gunicorn: worker [superset.app:create_app()]", "")) == [
        "gunicorn", "superset.app:create_app()"]
    plain = ("/srv/venv/bin/gunicorn", "-w", "4", "superset.app:create_app()")
    assert argv_of(plain) == list(plain)
    launch = launch_from_words(argv_of(title), False, "process 10", None, ShellState())
    assert launch is not None and launch.kind == "gunicorn"
    live = dataclasses.replace(launch, live=True, pid=10, family=(10, 11, 12, 13))
    assert live.workers == 3
    assert dataclasses.replace(launch, live=True, pid=10, family=(10,)).workers == 1


def test_gunicorn_options_that_take_a_value_keep_it() -> None:
    # An option the table did not know left its value behind as a positional word:
    # `--wsgi-app X` gave no wsgi-app option at all.
    from auditor.checks.pip.shell import ShellState, launch_from_words

    words = ["gunicorn", "--backlog", "2048", "--wsgi-app", "superset.app:create_app()",
             "--keep-alive", "5", "-w", "4", "-n", "superset", "--umask", "007"]
    launch = launch_from_words(words, False, "x", None, ShellState(env={}))
    assert launch is not None
    assert (launch.option("wsgi-app"), launch.option("backlog"), launch.option("keep-alive"),
            launch.option("workers"), launch.option("name"), launch.option("umask")) == (
        "superset.app:create_app()", "2048", "5", "4", "superset", "007")

"""The GitHub Action's step (``action.yml``): run the audit from the action's inputs, put the
Markdown report in the job summary, the verdict in step outputs, and exit with the gate's
code.

Inputs arrive as environment variables (``INPUT_TARGETS``, ``INPUT_FAIL_UNDER``...), set
in ``action.yml``'s ``env:`` from ``${{ inputs.* }}``: never interpolated into a shell
script, where a crafted input or branch name could run commands. The command line is built
as a list and run in-process, with no shell.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

SARIF_DEFAULT = "deploy-auditor.sarif"


def _words(text: str) -> list[str]:
    return [w for w in text.split() if w]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def scan_argv(env: Mapping[str, str], markdown: str, json_path: str) -> list[str]:
    """``auditor scan`` arguments for the inputs in ``env``."""
    argv = ["scan", *(_words(env.get("INPUT_TARGETS", "")) or ["."]), "--quiet",
            "--report", f"markdown={markdown}", "--report", f"json={json_path}"]
    sarif = env.get("INPUT_SARIF_FILE", SARIF_DEFAULT).strip()
    if sarif:
        argv += ["--report", f"sarif={sarif}"]
    for name, option in (("STYLE", "--style"), ("NAMESPACE", "--namespace"),
                         ("FAIL_UNDER", "--fail-under"), ("FAIL_ON", "--fail-on"),
                         ("MIN_COVERAGE", "--min-coverage"), ("BASELINE", "--baseline"),
                         ("CONFIG", "--config")):
        value = env.get(f"INPUT_{name}", "").strip()
        if value:
            argv += [option, value]
    for values_file in _lines(env.get("INPUT_VALUES", "")):
        argv += ["--values", values_file]
    return argv


def _append(path: str | None, text: str) -> None:
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(text)


def _outputs(json_path: str, code: int) -> str:
    lines = [f"exit-code={code}"]
    try:
        score = json.loads(Path(json_path).read_text(encoding="utf-8"))["score"]
    except (OSError, ValueError, KeyError, TypeError):
        return "\n".join(lines) + "\n"
    value = score.get("value")
    lines += [f"score={'' if value is None else value}",
              f"grade={score.get('grade') or ''}",
              f"ready={'true' if score.get('ready') else 'false'}",
              f"coverage={'' if score.get('coverage') is None else score['coverage']}"]
    return "\n".join(lines) + "\n"


def run(env: Mapping[str, str]) -> int:
    from auditor.cli import main

    with tempfile.TemporaryDirectory(prefix="deploy-auditor-") as scratch:
        markdown = os.path.join(scratch, "report.md")
        json_path = os.path.join(scratch, "report.json")
        code = main(scan_argv(env, markdown, json_path))
        if os.path.isfile(markdown):
            _append(env.get("GITHUB_STEP_SUMMARY"),
                    Path(markdown).read_text(encoding="utf-8") + "\n")
        _append(env.get("GITHUB_OUTPUT"), _outputs(json_path, code))
    return code


def main() -> int:
    return run(os.environ)


if __name__ == "__main__":
    sys.exit(main())

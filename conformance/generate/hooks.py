"""What the templates' hooks do: validate answers, trim, render shared files, record, commit.

The hook scripts in `cookiecutters/*/hooks/` are thin: they pass the rendered context here, so
this logic is ordinary tested Python and both templates share it.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from conformance.generate.answers import (
    AnswerError,
    fleet_notes,
    validate_infrastructure_answers,
    validate_lambda_answers,
)
from conformance.generate.git_repo import head_commit, initialise, origin_url
from conformance.generate.record import TEMPLATE_DIRECTORIES
from conformance.generate.shared_files import render_shared_files
from conformance.paths import PROJECT_ROOT

ANSWERS_FILE = ".cruft.json"
# Context keys that describe the machine that rendered, not the repository (`_commit`: cruft's re-render).
MACHINE_KEYS = ("_output_dir", "_repo_dir", "_template", "_checkout", "_commit")


def is_lambda(context: dict[str, Any]) -> bool:
    return "lambda_name" in context


def pre_generate(context: dict[str, Any]) -> int:
    """Refuse answers that cannot make a valid repository: one line each on stderr, exit 1.

    Cookiecutter has already written its replay file by now; it goes first, valid or not.
    """
    forget_replay(context)
    try:
        if is_lambda(context):
            for note in fleet_notes(context, validate_lambda_answers(context)):
                print(f"note: {note}", file=sys.stderr)
        else:
            validate_infrastructure_answers(context)
    except AnswerError as error:
        for line in str(error).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return 1
    return 0


def files_that_do_not_apply(context: dict[str, Any]) -> list[str]:
    """Kind-specific files of the lambda template that this Lambda must not have."""
    if not is_lambda(context):
        return []
    drop = []
    if context["kind"] != "api":
        drop.append("terraform/api_gateway_integration.tf")
    if context["kind"] != "sqs":
        drop.append("terraform/sqs_event_source.tf")
    if context["dynamodb"] != "yes":
        drop += ["src/repositories", "tests/unit/test_repository.py"]
    return drop


def remove(project: Path, relative: str) -> None:
    path = project / relative
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def kit_source(context: dict[str, Any]) -> tuple[str, str | None]:
    """(git URL, commit) of the kit this render comes from.

    A re-render from a recorded URL (cruft's, or `python -m conformance fleet`) names both in the
    context (`_template`, `_commit`), so it records exactly what was recorded before. Otherwise the
    kit checkout running the hook: its `origin` remote (or its own folder) and its HEAD.
    """
    if context.get("_commit"):
        return str(context["_template"]), str(context["_commit"])
    return origin_url(PROJECT_ROOT), head_commit(PROJECT_ROOT)


def answers_record(context: dict[str, Any]) -> dict[str, Any]:
    """A cruft-compatible answers file: the kit's git URL, the template folder in it, the commit and
    the full context, so `cruft check`, `cruft diff` and `fleet status` can re-render the repository."""
    template, commit = kit_source(context)
    kept = {k: v for k, v in sorted(context.items()) if k not in MACHINE_KEYS}
    return {
        "template": template,
        "commit": commit,
        "checkout": None,
        "directory": TEMPLATE_DIRECTORIES["lambda" if is_lambda(context) else "infrastructure"],
        "context": {"cookiecutter": kept},
        "skip": [".git"],
    }


def forget_replay(context: dict[str, Any]) -> None:
    """Remove the replay file cookiecutter wrote for this very run (under the user's home).

    The answers live in the generated repository instead, so generation leaves nothing behind
    outside its output folder. A replay file from another run is left alone.
    """
    try:
        from cookiecutter.config import get_user_config
    except ImportError:
        return
    if not context.get("_repo_dir"):  # rendered without cookiecutter's main (cruft): no replay was written
        return
    replay_dir = Path(get_user_config()["replay_dir"])
    replay = replay_dir / f"{Path(context['_repo_dir']).name}.json"
    try:
        recorded = json.loads(replay.read_text(encoding="utf-8"))["cookiecutter"]
    except (OSError, ValueError, KeyError):
        return
    if all(recorded.get(k) == context.get(k) for k in ("_output_dir", "_repo_dir", "_template")):
        replay.unlink()
        if replay_dir.is_dir() and not any(replay_dir.iterdir()):
            replay_dir.rmdir()


def post_generate(context: dict[str, Any], project: Path) -> int:
    """Finish a rendered repository: trim, shared files, answers, replay cleanup, first commit."""
    for relative in files_that_do_not_apply(context):
        remove(project, relative)
    render_shared_files(context, project)
    record = json.dumps(answers_record(context), indent=2, sort_keys=True) + "\n"
    (project / ANSWERS_FILE).write_text(record, encoding="utf-8")
    if os.environ.get("BBWS_GENERATE_NO_GIT") != "1":
        initialise(project, "Initial commit: generated from the BBWS platform spec")
    return 0

"""Render a recorded repository at a kit commit, as cruft does, into a folder of files.

The same steps cruft takes (cookiecutter's generate_context, prompt_for_config without input,
generate_files), so `fleet status` and `cruft diff` see the same render: the answers are the
recorded ones, `_platform` comes from the template at the commit. The templates' own hooks run
(the kit's at that commit: `_repo_dir` names its tree), writing the per-env shared files and
`.cruft.json`; the first commit is left out (BBWS_GENERATE_NO_GIT).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cookiecutter.exceptions import CookiecutterException
from cookiecutter.generate import generate_context, generate_files
from cookiecutter.prompt import prompt_for_config

from conformance.evidence.files import MAX_BYTES
from conformance.fleet.kit import FleetError, Kit
from conformance.generate.record import Record


@contextmanager
def _no_git() -> Iterator[None]:
    previous = os.environ.get("BBWS_GENERATE_NO_GIT")
    os.environ["BBWS_GENERATE_NO_GIT"] = "1"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("BBWS_GENERATE_NO_GIT", None)
        else:
            os.environ["BBWS_GENERATE_NO_GIT"] = previous


def render_at(kit: Kit, record: Record, commit: str, output: Path, answers: dict[str, Any] | None = None) -> Path:
    """Render `record`'s template at `commit` with its answers into `output`; return the repository folder."""
    template = kit.tree(commit) / record.directory
    if not (template / "cookiecutter.json").is_file():
        raise FleetError(f"{kit.url}@{commit[:12]}: expected a template in {record.directory}, found none")
    context = generate_context(
        context_file=str(template / "cookiecutter.json"),
        default_context={},
        extra_context=record.answers if answers is None else answers,
    )
    context["cookiecutter"] = prompt_for_config(context, no_input=True)
    context["cookiecutter"].update(
        _template=record.template, _commit=commit, _repo_dir=str(template), _output_dir=str(output)
    )
    output.mkdir(parents=True, exist_ok=True)
    try:
        with _no_git():
            rendered = generate_files(repo_dir=str(template), context=context, output_dir=str(output))
    except CookiecutterException as error:
        raise FleetError(f"{record.repo.name}: the template at {commit[:12]} does not render ({error})") from None
    return Path(rendered)


def files_of(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` but `.git`, by its relative POSIX path: a regular file's bytes, a link's
    target (as git keeps a link; never followed, so nothing outside is read), a file over the size limit
    or a FIFO, socket or device by what it is (never opened: never read whole, never blocked on)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if relative.parts[0] == ".git":
            continue
        mode = path.lstat().st_mode
        if stat.S_ISLNK(mode):
            found[relative.as_posix()] = b"\0link to " + os.fsencode(os.readlink(path))
        elif stat.S_ISREG(mode):
            size = path.lstat().st_size
            found[relative.as_posix()] = path.read_bytes() if size <= MAX_BYTES else b"\0%d bytes" % size
        elif not stat.S_ISDIR(mode):
            found[relative.as_posix()] = b"\0not a regular file"
    return found

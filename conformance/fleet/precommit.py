"""`python -m conformance precommit`: the static suite on the one repository pre-commit runs in.

Until the suite checks a single repository by itself (`--repo DIR`, phase 2), this runs it on the
folder holding the repository (`--repos-root` = its parent) and keeps only this repository's cases
(`-k`): the checkout's folder must be named as the repository, and the cross-repository checks of a
Lambda repository (data.tf against the infrastructure's outputs) need the infrastructure repository
checked out beside it. The spec is `--platform FILE`, or the kit's own: the checkout this package
runs from, or the kit clone pre-commit installed it from (pre-commit keeps the hook's virtualenv
inside that clone).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conformance.paths import DEFAULT_PLATFORM
from conformance.suite_command import suite_command

SPEC = Path("infra") / "platform.yaml"
NO_TESTS_COLLECTED = 5


class PrecommitError(RuntimeError):
    """What stops the hook before the suite runs (one line)."""


def kit_spec() -> Path:
    """The kit's spec: beside this package's checkout, or in the clone holding this virtualenv (pre-commit)."""
    for candidate in (DEFAULT_PLATFORM, *(folder / SPEC for folder in Path(sys.prefix).resolve().parents)):
        if candidate.is_file():
            return candidate
    raise PrecommitError(f"no {SPEC.as_posix()} beside the kit or its virtualenv ({sys.prefix}); pass --platform FILE")


def repository_of(folder: Path) -> Path:
    if not folder.is_dir():
        found = "a file" if folder.exists() else "nothing"
        raise PrecommitError(f"{folder}: expected a git repository, found {found}")
    result = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"], cwd=folder, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise PrecommitError(f"{folder}: expected a git repository, found none")
    return Path(result.stdout.strip()).resolve()


def selection(name: str) -> str:
    """`-k` for one repository's cases: ids end in `[repo]` or `[repo-env]` (never another repo's prefix)."""
    return f"[{name}] or [{name}-"


def precommit_command(repo: Path, platform: Path | None, pytest_args: list[str]) -> list[str]:
    repo = repository_of(repo)
    spec = platform or kit_spec()
    return suite_command(repo.parent, marker="static", platform=spec, extra=["-k", selection(repo.name), *pytest_args])


def run_precommit(repo: Path, platform: Path | None, pytest_args: list[str]) -> int:
    """Run the static suite for `repo`; its exit code (no case for the repository is a failure, said once)."""
    try:
        command = precommit_command(repo, platform, pytest_args)
    except PrecommitError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    # From the folder holding the repository, so pytest takes none of the repository's own settings or conftest.
    code = subprocess.run(command, check=False, cwd=repository_of(repo).parent).returncode
    if code == NO_TESTS_COLLECTED:
        name = repository_of(repo).name
        print(
            f"error: the suite has no case for {name!r}: expected the checkout's folder to be named as a "
            "repository of the spec",
            file=sys.stderr,
        )
        return 1
    return code

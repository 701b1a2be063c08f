"""`python -m conformance precommit`: the static suite on the one repository pre-commit runs in.

It runs the suite's per-repository mode (`--repo` = the repository's top folder): that repository's
cases, whatever its folder is called (its `.cruft.json` says which of the spec's it is). A Lambda
repository's check of data.tf against the infrastructure's outputs is reported skipped, saying why
(`--infra-repo DIR` after `--` checks it against a checkout of the infrastructure repository). The
spec is `--platform FILE`, or the kit's own: the checkout this package runs from, or the kit clone
pre-commit installed it from (pre-commit keeps the hook's virtualenv inside that clone).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conformance.paths import DEFAULT_PLATFORM
from conformance.suite_command import suite_command

SPEC = Path("infra") / "platform.yaml"


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


def precommit_command(repo: Path, platform: Path | None, pytest_args: list[str]) -> list[str]:
    spec = platform or kit_spec()
    return suite_command(repo=repository_of(repo), marker="static", platform=spec, extra=pytest_args)


def run_precommit(repo: Path, platform: Path | None, pytest_args: list[str]) -> int:
    """Run the static suite for `repo`; its exit code (a folder that is no repository of the spec: one line)."""
    try:
        command = precommit_command(repo, platform, pytest_args)
    except PrecommitError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    # From the folder holding the repository, so pytest takes none of the repository's own settings or conftest.
    return subprocess.run(command, check=False, cwd=repository_of(repo).parent).returncode

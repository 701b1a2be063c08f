"""Turn a rendered folder into a git repository with one first commit."""

from __future__ import annotations

import subprocess
from pathlib import Path

# Used only where the machine has no git identity, so the first commit still works in CI.
FALLBACK_IDENTITY = ("BBWS platform generator", "platform-generator@bbws.invalid")


def _git(project: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=project, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed in {project}: {result.stderr.strip()}")
    return result.stdout.strip()


def has_identity(project: Path) -> bool:
    for key in ("user.name", "user.email"):
        result = subprocess.run(["git", "config", key], cwd=project, capture_output=True, check=False)
        if result.returncode != 0:
            return False
    return True


def initialise(project: Path, message: str) -> str:
    """`git init -b main`, add everything, commit; return the commit id."""
    _git(project, "init", "--quiet", "--initial-branch=main")
    _git(project, "add", "--all")
    identity: list[str] = []
    if not has_identity(project):
        name, email = FALLBACK_IDENTITY
        identity = ["-c", f"user.name={name}", "-c", f"user.email={email}"]
    _git(project, *identity, "commit", "--quiet", "--no-verify", "--no-gpg-sign", "-m", message)
    return _git(project, "rev-parse", "HEAD")


def head_commit(folder: Path) -> str | None:
    """The commit checked out in `folder`, or None when it is not a git repository with commits."""
    result = subprocess.run(["git", "rev-parse", "HEAD"], cwd=folder, capture_output=True, text=True, check=False)
    return result.stdout.strip() if result.returncode == 0 else None


def origin_url(folder: Path) -> str:
    """Where the checkout in `folder` came from (`git remote get-url origin`), or the folder itself."""
    result = subprocess.run(
        ["git", "remote", "get-url", "origin"], cwd=folder, capture_output=True, text=True, check=False
    )
    url = result.stdout.strip() if result.returncode == 0 else ""
    if not url:
        return str(folder)
    if "://" not in url and ":" not in url.split("/")[0] and (folder / url).exists():
        return str((folder / url).resolve())  # a relative local path, made absolute
    return url

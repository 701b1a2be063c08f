"""`fleet update`: bring each repository to a newer kit commit, cruft-style, on a new branch.

Both renders come from the recorded answers (at the recorded commit and at the new one); their
difference is merged into the repository's own files (`merge.py`). The result is committed on a
new branch `kit-update/<short sha>` through a temporary index, so the working tree, the checked-out
branch and the index are never touched: the branch exists whole or not at all. A conflict stops
that repository, naming the files, and creates nothing. A repository with uncommitted changes is
refused. Nothing is pushed.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from conformance.fleet.kit import FleetError, Kits, git, git_command, git_env
from conformance.fleet.merge import Merged, merge_file
from conformance.fleet.render import files_of, render_at
from conformance.generate.record import RECORD, RecordError, fleet_repos

BRANCH = "kit-update/{short}"


@dataclass(frozen=True)
class RepoUpdate:
    name: str
    outcome: str  # "current", "updated", "conflict", "refused"
    detail: str
    branch: str | None = None
    files: tuple[str, ...] = ()

    def line(self) -> str:
        return f"{self.name}: {self.detail}"


@dataclass
class FleetUpdate:
    repos: list[RepoUpdate] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.outcome in ("current", "updated") for r in self.repos)


def _commit_on_branch(repo: Path, branch: str, changes: list[Merged], rendered: Path, message: str) -> str:
    """Commit `changes` on top of HEAD as `branch`, through a temporary index; HEAD and the tree stay put."""
    with tempfile.TemporaryDirectory(prefix="kit-update-") as scratch:
        env = git_env(repo, GIT_INDEX_FILE=str(Path(scratch) / "index"))

        def run(*args: str, data: bytes | None = None) -> str:
            command = git_command(*args)
            result = subprocess.run(command, cwd=repo, env=env, input=data, capture_output=True, check=False)
            if result.returncode != 0:
                raise FleetError(f"git {args[0]} failed in {repo}: {result.stderr.decode(errors='replace').strip()}")
            return result.stdout.decode().strip()

        run("read-tree", "HEAD")
        for change in changes:
            if change.content is None:
                run("update-index", "--force-remove", "--", change.path)
                continue
            blob = run("hash-object", "-w", "--stdin", data=change.content)
            source = next((f for f in (rendered / change.path, repo / change.path) if f.is_file()), None)
            mode = source.stat().st_mode if source else 0o644
            run(
                "update-index", "--add", "--cacheinfo", f"{'100755' if mode & 0o111 else '100644'},{blob},{change.path}"
            )
        tree = run("write-tree")
        identity = (
            []
            if git(repo, "config", "user.email", check=False)
            else ["-c", "user.name=BBWS kit", "-c", "user.email=kit@bbws.invalid"]
        )
        commit = run(*identity, "commit-tree", tree, "-p", "HEAD", "-m", message)
        run("update-ref", f"refs/heads/{branch}", commit, "")
        return commit


def update_repo(repo: Path, kits: Kits, scratch: Path, ref: str | None) -> RepoUpdate:
    try:
        record = kits.record(repo.parent, repo)
        if dirty := git(repo, "status", "--porcelain"):
            first = dirty.splitlines()[0][3:]
            return RepoUpdate(
                repo.name, "refused", f"refused: uncommitted changes ({first} ...); commit or stash them first"
            )
        kit = kits.get(record.template)
        kit.require(repo / RECORD, record.commit)
        target = kit.resolve(ref or record.checkout)
        if target == record.commit:
            return RepoUpdate(repo.name, "current", f"up to date ({target[:12]})")
        branch = BRANCH.format(short=target[:12])
        if git(repo, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}", check=False):
            return RepoUpdate(repo.name, "refused", f"refused: branch {branch} already exists")
        old = files_of(render_at(kit, record, record.commit, Path(tempfile.mkdtemp(prefix="old-", dir=scratch))))
        rendered = render_at(kit, record, target, Path(tempfile.mkdtemp(prefix="new-", dir=scratch)))
        new = files_of(rendered)
        ours = files_of(repo)
        changes = [
            m
            for path in sorted(old.keys() | new.keys())
            if (m := merge_file(path, old.get(path), ours.get(path), new.get(path)))
        ]
        conflicts = [m for m in changes if m.conflict]
        if conflicts:
            named = "; ".join(f"{m.path} ({m.conflict})" for m in conflicts)
            return RepoUpdate(
                repo.name, "conflict", f"conflict, nothing changed: {named}", files=tuple(m.path for m in conflicts)
            )
        if not changes:
            return RepoUpdate(repo.name, "current", f"nothing to change from {record.commit[:12]} to {target[:12]}")
        message = f"Update from the kit: {record.commit[:12]} -> {target[:12]} (python -m conformance fleet update)"
        _commit_on_branch(repo, branch, changes, rendered, message)
        files = tuple(m.path for m in changes)
        return RepoUpdate(repo.name, "updated", f"updated on branch {branch}: {', '.join(files)}", branch, files)
    except (FleetError, RecordError) as error:
        return RepoUpdate(repo.name, "refused", f"error: {error}")


def fleet_update(
    repos_root: Path, ref: str | None = None, kit: str | None = None, only: tuple[str, ...] = ()
) -> FleetUpdate:
    """Update every repository in `repos_root` (or those named in `only`) to `ref` (default: the kit's head)."""
    repos_root = repos_root.resolve()
    repos = [r for r in fleet_repos(repos_root) if not only or r.name in only]
    result = FleetUpdate()
    with tempfile.TemporaryDirectory(prefix=".fleet-", dir=repos_root) as scratch:
        kits = Kits(Path(scratch), kit)
        for repo in repos:
            result.repos.append(update_repo(repo, kits, Path(scratch), ref))
    return result

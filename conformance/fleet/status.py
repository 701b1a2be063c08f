"""`fleet status`: each repository up to date, behind the kit by N commits, and/or changed locally.

"Changed locally" is measured against what the recorded commit renders with the recorded answers
(what `cruft diff` shows): a file of the template edited or deleted. Files the team added that the
template does not have are the team's own and never reported.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from conformance.fleet.kit import FleetError, Kits
from conformance.fleet.render import files_of, render_at
from conformance.generate.record import RECORD, RecordError, fleet_repos


@dataclass(frozen=True)
class RepoStatus:
    name: str
    commit: str = ""
    latest: str = ""
    behind: int = 0
    changed: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    error: str | None = None

    @property
    def current(self) -> bool:
        return self.error is None and self.behind == 0 and not self.changed and not self.deleted

    def line(self) -> str:
        if self.error:
            return f"{self.name}: error: {self.error}"
        parts = [
            "up to date" if self.behind == 0 else f"behind the kit by {self.behind} commit{'s' * (self.behind != 1)}"
        ]
        parts[0] += f" ({self.commit[:12]}" + (f" -> {self.latest[:12]})" if self.behind else ")")
        if self.changed:
            parts.append(f"locally changed: {', '.join(self.changed)}")
        if self.deleted:
            parts.append(f"deleted locally: {', '.join(self.deleted)}")
        return f"{self.name}: {'; '.join(parts)}"


@dataclass
class FleetStatus:
    repos: list[RepoStatus] = field(default_factory=list)

    @property
    def current(self) -> bool:
        return all(r.current for r in self.repos)


def local_changes(repo_files: dict[str, bytes], rendered: dict[str, bytes]) -> tuple[list[str], list[str]]:
    """(changed, deleted): the rendered files whose content differs in the repository, and those it lacks."""
    changed = [p for p, data in rendered.items() if p in repo_files and repo_files[p] != data]
    deleted = [p for p in rendered if p not in repo_files]
    return changed, deleted


def repo_status(repo: Path, kits: Kits, scratch: Path, ref: str | None = None) -> RepoStatus:
    try:
        record = kits.record(repo.parent, repo)
        kit = kits.get(record.template)
        kit.require(repo / RECORD, record.commit)
        latest = kit.resolve(ref or record.checkout)
        rendered = render_at(kit, record, record.commit, Path(tempfile.mkdtemp(prefix="status-", dir=scratch)))
        changed, deleted = local_changes(files_of(repo), files_of(rendered))
        behind = kit.behind(record.commit, latest)
        return RepoStatus(repo.name, record.commit, latest, behind, tuple(changed), tuple(deleted))
    except (FleetError, RecordError) as error:
        return RepoStatus(repo.name, error=str(error))


def fleet_status(repos_root: Path, kit: str | None = None, ref: str | None = None) -> FleetStatus:
    """The status of every repository in `repos_root`; scratch clones live inside it and are removed."""
    repos_root = repos_root.resolve()
    repos = fleet_repos(repos_root)
    status = FleetStatus()
    with tempfile.TemporaryDirectory(prefix=".fleet-", dir=repos_root) as scratch:
        kits = Kits(Path(scratch), kit)
        for repo in repos:
            status.repos.append(repo_status(repo, kits, Path(scratch), ref))
    return status

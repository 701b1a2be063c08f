"""FLEET-TEMPLATE-CURRENT: every repository was rendered from the kit's current templates (platform profile).

Each generated repository records in `.cruft.json` the kit commit it was rendered from. A repository
whose record is behind the kit running this suite misses template fixes (the drift the scheduled
check should surface); `python -m conformance fleet update` brings it up. A repository that is not
the kit's (no record) fails too: this is the kit's own convention, not the requirement's.
"""

from __future__ import annotations

from conformance.core import Problem, SkipCase
from conformance.criteria.base import Criterion, Profile, RepoScope, Requirement
from conformance.evidence.fleet import FleetEvidence, RepoView
from conformance.generate.behind import CRITERION, behind_problems, kit_commit
from conformance.generate.record import RECORD

KIT_COMMIT = ("kit commit",)


def template_current(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    refused = evidence.unreadable(view.name, RECORD)
    if refused is not None:
        return [Problem(f"{refused.file}:{refused.line}", f"cannot be read: {refused.reason}")]
    if KIT_COMMIT not in evidence.scratch:
        evidence.scratch[KIT_COMMIT] = kit_commit()
    known = evidence.scratch[KIT_COMMIT]
    if known is None:
        raise SkipCase("the kit's own commit is not known here (neither a git checkout nor installed from git)")
    folder = evidence.files.local_path(view.name)
    if folder is None:
        raise SkipCase(f"{RECORD} is compared on a checkout on this machine (the repos are read through --hosts)")
    commit, checkout = known
    return behind_problems(folder, commit, checkout)


CRITERIA = [
    Criterion(
        id=CRITERION,
        profile=Profile.PLATFORM,
        title="Rendered from the kit's current templates (.cruft.json records the kit's commit)",
        requirement=Requirement.FLEET_TEMPLATE,
        scope=RepoScope.EVERY_REPO,
        files=(RECORD,),
        static=template_current,
        per_env=False,
    ),
]

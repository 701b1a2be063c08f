"""Plan and run criteria over a fleet: plain Python, so it is testable without pytest.

A case is one criterion for one repository (and one environment when the criterion is per
environment). A missing repository fails once, under REPO-PRESENT; its other cases skip.

A live case is the same (criterion, repository, environment) checked against the deployed
resources. Each cause of a failed read is reported once (see conformance.live.errors): a
missing resource under the criterion that owns its kind (`owns=`), anything else by the first
case that met it; the other cases skip, naming where it was reported. `live_evidence` makes the
run's one AWS reader, handing it what the catalogue knows (the allow-list and the owners).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from conformance.catalogue import OWNERS, allowed_operations
from conformance.core import Problem, SkipCase, Stop
from conformance.criteria.base import Criterion
from conformance.criteria.hcl_checks import unresolved
from conformance.evidence.evaluate import Unresolvable
from conformance.evidence.fleet import FleetEvidence, RepoView
from conformance.live.errors import LiveError, Missing
from conformance.live.session import LiveEvidence
from conformance.live.view import LiveView
from conformance.platform.model import LambdaFunction, Platform

PRESENT = "REPO-PRESENT"
STATIC = "static"
LIVE = "live"


@dataclass(frozen=True)
class Case:
    criterion: Criterion
    repo: str
    env: str | None
    function: LambdaFunction | None
    source: str = STATIC

    @property
    def id(self) -> str:
        return f"{self.criterion.id}[{self.repo}{'-' + self.env if self.env else ''}]"


@dataclass(frozen=True)
class Outcome:
    status: str  # passed | failed | skipped
    message: str = ""
    problems: tuple[Problem, ...] = ()


def repositories(platform: Platform) -> list[tuple[str, LambdaFunction | None]]:
    return [(platform.infrastructure.repo, None)] + [(platform.lambda_repo(f), f) for f in platform.lambdas.functions]


def plan_cases(platform: Platform, criteria: Iterable[Criterion], envs: list[str]) -> list[Case]:
    cases = []
    for criterion in criteria:
        for repo, function in repositories(platform):
            probe = RepoView(None, repo, None, function)  # type: ignore[arg-type]
            if not criterion.applies_to(probe):
                continue
            for env in envs if criterion.per_env else [None]:
                if env is None or criterion.env_applies is None or criterion.env_applies(platform, env):
                    cases.append(Case(criterion, repo, env, function))
    return cases


def plan_live_cases(platform: Platform, criteria: Iterable[Criterion], envs: list[str]) -> list[Case]:
    """Every (criterion with a live check, repository, env): live checks are always per env."""
    cases = []
    for criterion in criteria:
        if criterion.live is None:
            continue
        for repo, function in repositories(platform):
            probe = RepoView(None, repo, None, function)  # type: ignore[arg-type]
            if not criterion.applies_to(probe):
                continue
            for env in envs:
                if criterion.env_applies is None or criterion.env_applies(platform, env):
                    cases.append(Case(criterion, repo, env, function, LIVE))
    return cases


def live_evidence(
    platform: Platform, endpoint_url: str | None = None, *, retries: dict[str, Any] | None = None
) -> LiveEvidence:
    """The run's one reader of AWS, guarded by the catalogue's declared reads."""
    return LiveEvidence(platform, endpoint_url, allowed=allowed_operations(platform), owners=OWNERS, retries=retries)


def run_live_case(case: Case, evidence: LiveEvidence) -> Outcome:
    check = case.criterion.live
    if check is None or case.env is None:
        return Outcome("skipped", f"{case.criterion.id} has no live check")
    live = evidence.env(case.env)
    try:
        live.require_account()  # before any other read: never a check against the wrong account
        problems = check(LiveView(live, case.repo, case.function))
    except Stop as stop:
        problems = stop.problems
    except SkipCase as reason:
        return Outcome("skipped", str(reason))
    except LiveError as error:
        owner = evidence.owner(error.kind) if isinstance(error, Missing) else None
        if owner is not None:
            if owner != case.criterion.id:
                return Outcome("skipped", f"{error.resource} is missing (reported once under {owner})")
        elif error.reported_by is not None and error.reported_by != case.id:
            return Outcome("skipped", f"{error.line} (reported once under {error.reported_by})")
        error.reported_by = case.id
        problems = [error.problem()]
    if problems:
        message = "\n".join(p.render(case.criterion.id) for p in problems)
        return Outcome("failed", message, tuple(problems))
    return Outcome("passed")


def run_case(case: Case, evidence: FleetEvidence) -> Outcome:
    if not evidence.exists(case.repo):
        if case.criterion.id == PRESENT:
            return Outcome(
                "failed", f"{case.repo}: {PRESENT}: expected the repository under {evidence.root}, found none"
            )
        return Outcome("skipped", f"{case.repo} is missing (reported once under {PRESENT})")
    check = case.criterion.static
    if check is None:
        return Outcome("skipped", f"{case.criterion.id} has no static check")
    view = RepoView(evidence, case.repo, case.env, case.function)
    try:
        problems = check(view, evidence)
    except Stop as stop:
        problems = stop.problems
    except SkipCase as reason:
        return Outcome("skipped", str(reason))
    except Unresolvable as error:
        problems = [unresolved(view, error)]
    if problems:
        return Outcome("failed", "\n".join(p.render(case.criterion.id) for p in problems))
    return Outcome("passed")

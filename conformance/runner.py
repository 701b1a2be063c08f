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

import contextlib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from conformance.catalogue import OWNERS, allowed_operations
from conformance.core import Problem, SkipCase, Stop
from conformance.criteria import terraform_cli
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
# Threads that read ahead: botocore's connection pool per client holds 10 (max_pool_connections),
# so no thread ever waits for a connection, whichever service they all read at once.
READ_AHEAD_THREADS = 10


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


def read_ahead(cases: Iterable[Case], evidence: LiveEvidence, threads: int = READ_AHEAD_THREADS) -> int:
    """Make the live cases' AWS reads before they run, concurrently; returns how many reads were made.

    Each case runs once on a twin of `evidence` (same session, guard, clients, counters; verdicts of
    its own, thrown away) in a pool of `threads`: the account guard first, then the check's reads in
    the check's own order, so a read that needs another's answer (a queue's URL, an API's ID) waits
    for it, and independent reads overlap. A read two threads need is made once (conformance.live.
    concurrent). The cases then run in order on `evidence`, which finds every read made and reports
    it as a run without read-ahead would: same calls, same outcomes, under the same cases.
    """
    planned = [c for c in cases if c.source == LIVE and c.criterion.live is not None and c.env is not None]
    if len(planned) < 2 or threads < 2:
        return 0
    twin = evidence.twin()

    def rehearse(case: Case) -> None:
        with contextlib.suppress(Exception):  # whatever it met, the case meets again, in order, on `evidence`
            run_live_case(case, twin)

    with ThreadPoolExecutor(min(threads, len(planned)), thread_name_prefix="read-ahead") as pool:
        list(pool.map(rehearse, planned))
    return len(evidence.ahead)


def prepare_static(cases: Iterable[Case], evidence: FleetEvidence) -> None:
    """Start, in the background, the slow work the static cases will wait for: terraform's checks."""
    terraform_cli.prepare(evidence, [(c.criterion.id, c.repo) for c in cases if c.source == STATIC])


def finish_static(evidence: FleetEvidence) -> None:
    """Stop what `prepare_static` started and is still running (a run cut short), and clean up."""
    terraform_cli.finish(evidence)


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

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
import functools
import gc
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from conformance.catalogue import ACCOUNT_GUARD, OWNERS, allowed_operations
from conformance.core import Problem, SkipCase, Stop
from conformance.criteria import terraform_cli
from conformance.criteria.base import Criterion
from conformance.criteria.hcl_checks import unresolved
from conformance.evidence.evaluate import Unresolvable
from conformance.evidence.fleet import FleetEvidence, RepoView
from conformance.live import apigateway as apigateway_live
from conformance.live import cloudwatch as cloudwatch_live
from conformance.live import dynamodb as dynamodb_live
from conformance.live import iam as iam_live
from conformance.live import lambda_ as lambda_live
from conformance.live import s3 as s3_live
from conformance.live import sns as sns_live
from conformance.live import sqs as sqs_live
from conformance.live import state as state_live
from conformance.live.concurrent import READ_AHEAD_THREADS
from conformance.live.errors import LiveError, Missing
from conformance.live.permissions import planned_reads
from conformance.live.session import LiveEnv, LiveEvidence
from conformance.live.view import LiveView
from conformance.platform.model import LambdaFunction, Platform

PRESENT = "REPO-PRESENT"
YOUNG_THRESHOLD = 50_000  # allocations between collections of young objects during a run (Python: 700)
STATIC = "static"
LIVE = "live"
# The reader of each read a live check declares, by (service, operation), called with the env's
# reader and the resource's name: read ahead on their own, right after the account guard, the
# reads do not wait for the check that needs them to come round (INF-IAM-ROLES reads every
# execution role in turn, a Lambda's API trigger its function, then the API, then its resources).
# The reader itself makes the read, so it is made exactly as the check makes it: the same call,
# the same key (a read made differently would be an extra call, and the call-count tests fail).
READ_BY_RESOURCE: dict[tuple[str, str], Callable[[LiveEnv, str], object]] = {
    ("apigateway", "GetRestApis"): lambda live, _: apigateway_live.rest_api(live),
    ("apigateway", "GetResources"): lambda live, _: apigateway_live.resources(live),
    ("cloudwatch", "DescribeAlarms"): lambda live, _: cloudwatch_live.alarms(live),
    ("dynamodb", "DescribeTable"): lambda live, _: dynamodb_live.table(live),
    ("dynamodb", "DescribeContinuousBackups"): lambda live, _: dynamodb_live.continuous_backups(live),
    ("iam", "GetRole"): lambda live, name: iam_live.role(live, name),
    ("iam", "ListAttachedRolePolicies"): lambda live, name: iam_live.attached_policies(live, name, "role"),
    ("lambda", "GetFunctionConfiguration"): lambda live, name: lambda_live.configuration(live, _function(live, name)),
    ("lambda", "ListEventSourceMappings"): lambda live, name: lambda_live.event_source_mappings(
        live, _function(live, name)
    ),
    ("s3", "GetBucketLocation"): lambda live, _: s3_live.region(live),
    ("s3", "GetBucketLifecycleConfiguration"): lambda live, _: s3_live.lifecycle_rules(live),
    ("s3", "GetPublicAccessBlock"): lambda live, _: s3_live.public_access_block(live),
    ("s3", "GetBucketEncryption"): lambda live, _: s3_live.encryption_rules(live),
    ("s3", "GetBucketVersioning"): lambda live, _: s3_live.versioning(live),
    ("s3", "GetObject"): lambda live, _: state_live.document(live),
    ("sns", "GetTopicAttributes"): lambda live, _: sns_live.attributes(live),
    ("sqs", "GetQueueUrl"): lambda live, name: sqs_live.queue_url(live, _queue(live, name)),
    ("sqs", "GetQueueAttributes"): lambda live, name: sqs_live.attributes(live, _queue(live, name)),
}


def _queue(live: LiveEnv, name: str) -> str:
    """Which of the spec's queues `name` is (the SQS readers take `queue`, `dead_letter` or `audit_queue`)."""
    for which in sqs_live.WHAT:
        if getattr(live.names, which) == name:
            return which
    raise LookupError(f"{name} is not one of the spec's queues")


def _function(live: LiveEnv, name: str) -> LambdaFunction:
    """The spec's Lambda deployed as `name` in the env."""
    for function in live.platform.lambdas.functions:
        if live.names.function(function) == name:
            return function
    raise LookupError(f"{name} is not one of the spec's Lambda functions")


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


def plan_repo_live_cases(
    platform: Platform, criteria: Iterable[Criterion], envs: list[str], repo: str, per_repo: Iterable[Criterion] = ()
) -> list[Case]:
    """A per-repository live run: each env's account guard (under `repo`), `repo`'s own live cases, and
    the checks only a per-repository run plans (`per_repo`: the output contract against the deployed state)."""
    function = dict(repositories(platform))[repo]
    cases: list[Case] = []
    for case in plan_live_cases(platform, criteria, envs):
        if case.criterion.id == ACCOUNT_GUARD:
            cases.append(Case(case.criterion, repo, case.env, function, LIVE))
        elif case.repo == repo:
            cases.append(case)
    return cases + [c for c in plan_live_cases(platform, per_repo, envs) if c.repo == repo]


def owners_within(cases: Iterable[Case]) -> dict[str, str]:
    """The owner of each resource kind, among the criteria these cases check.

    A per-repository run does not plan the criterion that owns, say, the API: a Lambda repository's
    check that finds the API missing then reports it itself, rather than point at a case not run.
    """
    planned = {c.criterion.id for c in cases}
    return {kind: owner for kind, owner in OWNERS.items() if owner in planned}


def live_evidence(
    platform: Platform,
    endpoint_url: str | None = None,
    *,
    retries: dict[str, Any] | None = None,
    owners: dict[str, str] | None = None,
) -> LiveEvidence:
    """The run's one reader of AWS, guarded by the catalogue's declared reads (the same for every run)."""
    return LiveEvidence(
        platform,
        endpoint_url,
        allowed=allowed_operations(platform),
        owners=OWNERS if owners is None else owners,
        retries=retries,
    )


def read_ahead(cases: Iterable[Case], evidence: LiveEvidence, threads: int = READ_AHEAD_THREADS) -> int:
    """Make the live cases' AWS reads before they run, concurrently; returns how many reads were made.

    Each case runs once on a twin of `evidence` (same session, guard, clients, counters; verdicts of
    its own, thrown away) in a pool of `threads`: the account guard first, then the check's reads in
    the check's own order, so a read that needs another's answer (a queue's URL, an API's ID) waits
    for it, and independent reads overlap. A read two threads need is made once (conformance.live.
    concurrent). Meanwhile each service's client is made (CPU while the account guard's call is on
    the wire), a read that one check makes for several resources in turn (READ_BY_RESOURCE) is made
    for each resource on its own, and the cases with the most reads start first. The cases then run
    in order on `evidence`, which finds every read made and reports it as a run without read-ahead
    would: the same calls, the same outcomes, under the same cases.
    """
    planned = [c for c in cases if c.source == LIVE and c.criterion.live is not None and c.env is not None]
    if len(planned) < 2 or threads < 2:
        return 0
    twin = evidence.twin()
    reads = {id(c): planned_reads(evidence.platform, [(c.criterion, c.env, c.function)]) for c in planned}
    envs = list(dict.fromkeys(str(c.env) for c in planned))
    # Each service's client, the most read first: making one is CPU, done while calls are on the wire.
    clients = Counter(
        (service, twin.env(c.env).region) for c in planned for _, service, _ in reads[id(c)] if c.env is not None
    )
    by_resource = sorted(
        {
            (str(c.env), resource, service, operation)
            for c in planned
            for resource, service, operation in reads[id(c)]
            if (service, operation) in READ_BY_RESOURCE
        }
    )

    def quietly(job: Callable[[], object]) -> None:
        with contextlib.suppress(Exception):  # whatever it met, the case meets again, in order, on `evidence`
            job()

    jobs: list[Callable[[], object]] = [twin.env(env).require_account for env in envs]
    jobs += [functools.partial(twin.client, service, region) for (service, region), _ in clients.most_common()]
    jobs += [functools.partial(READ_BY_RESOURCE[(s, o)], twin.env(e), r) for e, r, s, o in by_resource]
    jobs += [functools.partial(run_live_case, c, twin) for c in sorted(planned, key=lambda c: -len(reads[id(c)]))]
    with ThreadPoolExecutor(min(threads, len(jobs)), thread_name_prefix="read-ahead") as pool:
        for done in [pool.submit(quietly, job) for job in jobs]:
            done.result()
    return len(evidence.ahead)


@contextlib.contextmanager
def long_lived_heap(young: int = YOUNG_THRESHOLD) -> Iterator[None]:
    """Python's cyclic collector, set for a run that keeps what it reads until it ends.

    The evidence keeps every file's parse tree for the whole run (each file is parsed once), and
    with the default thresholds (a collection every 700 allocations, the oldest generation swept
    again each time it grew by a quarter) the collector walks that growing heap over and over while
    nothing in it is garbage. What exists when the cases start (modules, the spec, the collected
    cases) is frozen out of every collection, and young objects are collected every `young`
    allocations instead; garbage is still collected, only less often. Restored at the end.
    """
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(young, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def prepare_static(cases: Iterable[Case], evidence: FleetEvidence) -> None:
    """Start, in the background, the slow work the static cases will wait for: terraform's checks."""
    terraform_cli.prepare(evidence, [(c.criterion.id, c.repo) for c in cases if c.source == STATIC])


def finish_static(evidence: FleetEvidence) -> None:
    """Stop what `prepare_static` started and is still running (a run cut short), and clean up."""
    terraform_cli.finish(evidence)


def run_live_case(case: Case, evidence: LiveEvidence, files: FleetEvidence | None = None) -> Outcome:
    """One live case; `files` is the run's reader of the repositories, for a check that compares them."""
    check = case.criterion.live
    if check is None or case.env is None:
        return Outcome("skipped", f"{case.criterion.id} has no live check")
    live = evidence.env(case.env)
    try:
        live.require_account()  # before any other read: never a check against the wrong account
        problems = check(LiveView(live, case.repo, case.function, files))
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

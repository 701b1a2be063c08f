"""Every criterion the suite knows, in report order: the one registry.

A criterion is declared in the area module of what it checks (`conformance.criteria.*`, the
infrastructure's per AWS service) and takes effect by that module being listed in `AREAS` here;
see the README's "Adding a criterion". `CRITERIA` are the criteria with a static check (some
also have a live one, under the same ID); `LIVE_ONLY` the facts that exist only once deployed.
`LIVE_CRITERIA` is what a live run plans: every criterion with a live check, the account guard
first. What the live half needs from the registry is derived here and handed down (the guard's
allow-list, the owner of each kind of resource), never imported by conformance.live.
"""

from __future__ import annotations

from functools import partial
from types import ModuleType
from typing import Any

from conformance.criteria import (
    backend,
    fleet_template,
    lambda_function,
    other_workflows,
    readable,
    remote_state,
    repo_files,
    terraform_cli,
    workflows,
)
from conformance.criteria.base import Criterion, Profile
from conformance.criteria.infrastructure import (
    account,
    apigateway,
    cloudwatch,
    conformance_role,
    dynamodb,
    iam,
    outputs,
    s3,
    sns,
    sqs,
)
from conformance.live import permissions
from conformance.platform.model import Platform

ACCOUNT_GUARD = "LIVE-ACCOUNT"

# (area module, its criteria) in report order. INF-CONFORMANCE-ROLE judges the live suite's
# reads, so it is handed the live criteria (read when its check runs, once they all exist).
AREAS: list[tuple[ModuleType, list[Criterion]]] = [
    (repo_files, repo_files.CRITERIA),
    (readable, readable.CRITERIA),
    (account, account.CRITERIA),
    (dynamodb, dynamodb.CRITERIA),
    (sqs, sqs.CRITERIA),
    (s3, s3.CRITERIA),
    (sns, sns.CRITERIA),
    (apigateway, apigateway.CRITERIA),
    (iam, iam.CRITERIA),
    (cloudwatch, cloudwatch.CRITERIA),
    (outputs, outputs.CRITERIA),
    (conformance_role, conformance_role.register(lambda: LIVE_CRITERIA)),
    (remote_state, remote_state.CRITERIA),
    (lambda_function, lambda_function.CRITERIA),
    (backend, backend.CRITERIA),
    (workflows, workflows.CRITERIA),
    (other_workflows, other_workflows.CRITERIA),
    (fleet_template, fleet_template.CRITERIA),
    (terraform_cli, terraform_cli.CRITERIA),
]

_DECLARED = [c for _, criteria in AREAS for c in criteria]

CRITERIA: list[Criterion] = [c for c in _DECLARED if c.static is not None]

LIVE_ONLY: list[Criterion] = [c for c in _DECLARED if c.static is None]

ALL_CRITERIA: list[Criterion] = [*CRITERIA, *LIVE_ONLY]

LIVE_CRITERIA: list[Criterion] = [
    *(c for c in LIVE_ONLY if c.id == ACCOUNT_GUARD),
    *(c for c in CRITERIA if c.live is not None),
    *(c for c in LIVE_ONLY if c.id != ACCOUNT_GUARD),
]


# Live checks only a per-repository run (`--repo DIR -m live`) plans: the cross-repository contract
# checked against the deployed state, as the infrastructure's checkout is not there to read.
PER_REPO_LIVE: list[Criterion] = [remote_state.CONTRACT_FROM_STATE]


def in_profile(criteria: list[Criterion], profile: str) -> list[Criterion]:
    """The criteria a `--profile` run plans: `requirement` only those, `platform` every one."""
    if Profile(profile) is Profile.PLATFORM:
        return list(criteria)
    return [c for c in criteria if c.profile is Profile.REQUIREMENT]


def by_id() -> dict[str, Criterion]:
    return {c.id: c for c in ALL_CRITERIA}


def _owners() -> dict[str, str]:
    found: dict[str, str] = {}
    for criterion in ALL_CRITERIA:
        for kind in criterion.owns:
            if kind in found:
                raise ValueError(f"{criterion.id}: owns {kind!r}, which {found[kind]} owns already")
            found[kind] = criterion.id
    return found


OWNERS: dict[str, str] = _owners()  # resource kind -> the criterion that reports it missing


def allowed_operations(platform: Platform) -> frozenset[str]:
    """The read-only guard's allow-list: every read the live criteria declare."""
    return permissions.allowed_operations(platform, LIVE_CRITERIA)


def needed_actions(platform: Platform) -> dict[str, list[str]]:
    """IAM action -> the calls that need it: what the drift check's role must grant."""
    return permissions.needed_actions(platform, LIVE_CRITERIA)


def _area(criterion: Criterion) -> str:
    return next(module.__name__ for module, criteria in AREAS if any(c is criterion for c in criteria))


def where(criterion: Criterion, half: str) -> str:
    """`module:function` of the criterion's static or live check ("" when it has none).

    A check declared as data (`value=`) is shown where it is declared: the criterion's module
    and ID, and what it compares.
    """
    check: Any = criterion.static if half == "static" else criterion.live
    if check is None:
        return ""
    if criterion.value is not None and getattr(criterion.value, half) is not None:
        area = _area(criterion)
        return f"{area}:{criterion.id} (declared {criterion.value.describe(half, area)})"
    if isinstance(check, partial):
        check = check.func
    return f"{check.__module__}:{check.__qualname__}"

"""What the live suite reads, derived from the checks' declarations, never written by hand.

The live checks declare their reads (`Criterion.live_reads`); the union of those declarations,
with the account guard's one STS read, is the run's allow-list (handed to the session by the
runner, which knows the catalogue). The read-only guard refuses any other operation, so "what the
live suite can call" is exactly this set; the conformance role the infrastructure repository
creates must grant exactly its IAM actions (criterion INF-CONFORMANCE-ROLE). `planned_reads` is
the same declarations per resource: the number of AWS calls a run makes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Protocol

from conformance.core import Read
from conformance.live.guard import ACCOUNT_READ

if TYPE_CHECKING:
    from conformance.platform.model import LambdaFunction, Platform

# IAM actions whose name is not `<service>:<Operation>`.
IAM_ACTIONS = {
    ("s3", "GetBucketLifecycleConfiguration"): "s3:GetLifecycleConfiguration",
    ("s3", "GetBucketEncryption"): "s3:GetEncryptionConfiguration",
    ("s3", "GetPublicAccessBlock"): "s3:GetBucketPublicAccessBlock",
    ("s3", "HeadBucket"): "s3:ListBucket",
    ("s3", "HeadObject"): "s3:GetObject",
}
# Calls that need no permission at all: any identity may ask who it is.
NO_PERMISSION = frozenset({"sts:GetCallerIdentity"})
# IAM actions that take no resource-level permission: "*" is the only resource AWS accepts.
UNSCOPED_ACTIONS = frozenset({"lambda:ListEventSourceMappings", "sns:GetSubscriptionAttributes"})


class DeclaresReads(Protocol):
    """A criterion as this module sees it: an ID and, when it has a live check, its declared reads."""

    @property
    def id(self) -> str: ...

    @property
    def live_reads(self) -> Callable[[Platform, LambdaFunction | None], Iterable[Read]] | None: ...


def iam_action(service: str, operation: str) -> str:
    """The IAM action that allows `service:Operation` (API Gateway's control plane is by HTTP verb)."""
    if service == "apigateway":
        return "apigateway:GET" if operation.startswith(("Get", "Head")) else f"apigateway:{operation}"
    return IAM_ACTIONS.get((service, operation), f"{service}:{operation}")


def declared_operations(platform: Platform, criteria: Iterable[DeclaresReads]) -> dict[str, set[str]]:
    """`service:Operation` -> the IDs of the criteria that read it, over every case of the spec."""
    found: dict[str, set[str]] = defaultdict(set)
    # The account guard's read is made before any check: allowed whichever criteria run.
    found.setdefault(f"{ACCOUNT_READ.service}:{ACCOUNT_READ.operation}", set())
    for criterion in criteria:
        if criterion.live_reads is None:
            continue
        for function in (None, *platform.lambdas.functions):
            for read in criterion.live_reads(platform, function):
                found[f"{read.service}:{read.operation}"].add(criterion.id)
    return dict(found)


def state_objects(platform: Platform) -> frozenset[tuple[str, str]]:
    """(bucket, key) of every env's infrastructure state: the only S3 objects the live checks read."""
    return frozenset((platform.names(env).state_bucket, platform.names(env).state_key) for env in platform.environments)


def allowed_operations(platform: Platform, criteria: Iterable[DeclaresReads]) -> frozenset[str]:
    """The read-only guard's allow-list: every declared `service:Operation`."""
    return frozenset(declared_operations(platform, criteria))


def needed_actions(platform: Platform, criteria: Iterable[DeclaresReads]) -> dict[str, list[str]]:
    """IAM action -> the `service:Operation` calls that need it: what the conformance role must grant."""
    needed: dict[str, list[str]] = defaultdict(list)
    for operation in sorted(declared_operations(platform, criteria)):
        if operation in NO_PERMISSION:
            continue
        service, _, name = operation.partition(":")
        needed[iam_action(service, name)].append(operation)
    return dict(needed)


def planned_reads(
    platform: Platform, cases: Iterable[tuple[DeclaresReads, str, LambdaFunction | None]]
) -> set[tuple[str, str, str]]:
    """Every distinct (resource, service, operation) the cases' live checks declare.

    Resource names hold the env, so this is also per env; the account guard's one read is part
    of every live case. Each read is made once per run, so for APIs that answer in one page (all
    of them on moto, and on AWS at this platform's size) the size of this set is the number of
    AWS calls a full live run makes.
    """
    found = set()
    for criterion, env, function in cases:
        if criterion.live_reads is None:
            continue
        names = platform.names(env)
        for read in (ACCOUNT_READ, *criterion.live_reads(platform, function)):
            for resource in names.of(read.resource, function):
                found.add((resource, read.service, read.operation))
    return found

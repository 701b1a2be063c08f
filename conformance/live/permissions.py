"""What the live suite may call, and the IAM actions that lets it: one list, derived, never written.

The live checks declare their reads (`Criterion.live_reads`); the union of those declarations,
with the account guard's one STS read, is the run's allow-list. The read-only guard refuses any
other operation, so "what the live suite can call" is exactly this set; the conformance role the
infrastructure repository creates must grant exactly its IAM actions (criterion INF-CONFORMANCE-ROLE).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conformance.criteria.base import Criterion
    from conformance.platform.model import Platform

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
UNSCOPED_ACTIONS = frozenset({"lambda:ListEventSourceMappings"})


def iam_action(service: str, operation: str) -> str:
    """The IAM action that allows `service:Operation` (API Gateway's control plane is by HTTP verb)."""
    if service == "apigateway":
        return "apigateway:GET" if operation.startswith(("Get", "Head")) else f"apigateway:{operation}"
    return IAM_ACTIONS.get((service, operation), f"{service}:{operation}")


def declared_operations(platform: Platform, criteria: Iterable[Criterion] | None = None) -> dict[str, set[str]]:
    """`service:Operation` -> the IDs of the criteria that read it, over every case of the spec."""
    from conformance.live.resources import ACCOUNT_READ

    if criteria is None:
        from conformance.catalogue import LIVE_CRITERIA

        criteria = LIVE_CRITERIA
    found: dict[str, set[str]] = defaultdict(set)
    found[f"{ACCOUNT_READ.service}:{ACCOUNT_READ.operation}"].add("LIVE-ACCOUNT")
    for criterion in criteria:
        if criterion.live_reads is None:
            continue
        for function in (None, *platform.lambdas.functions):
            for read in criterion.live_reads(platform, function):
                found[f"{read.service}:{read.operation}"].add(criterion.id)
    return dict(found)


def needed_actions(platform: Platform, criteria: Iterable[Criterion] | None = None) -> dict[str, list[str]]:
    """IAM action -> the `service:Operation` calls that need it: what the conformance role must grant."""
    needed: dict[str, list[str]] = defaultdict(list)
    for operation in sorted(declared_operations(platform, criteria)):
        if operation in NO_PERMISSION:
            continue
        service, _, name = operation.partition(":")
        needed[iam_action(service, name)].append(operation)
    return dict(needed)

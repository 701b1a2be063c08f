"""Why a live read gave no answer, each cause as one line that is reported once.

- `Missing`: the resource is not there (or not one thing). It names the resource's *kind*
  (`table`, `queue`, ...); the criterion that owns that kind (`owns=("table",)`, the one whose
  subject is the resource's existence) fails with it, every other case that needs it skips.
- `CallFailed`: the call itself failed (access denied, naming the missing permission; AWS kept
  throttling; any other AWS error). The first case that meets it fails; later ones skip.
- `Stopped`: nothing live can run for the env (no credentials, the endpoint unreachable, the
  wrong account). The first case fails with the one line; every other live case skips.

`classify` turns what boto3 raised into one of these (or `Absent`, "not configured"); the
session caches the result, so each cause is met once per run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from conformance.core import Problem
from conformance.live.guard import ReadOnlyViolation
from conformance.live.permissions import iam_action

MAX_ATTEMPTS = 8  # in all, the first attempt included

# Error codes that mean "the resource is not there", across the services read here.
MISSING_CODES = frozenset(
    {
        "ResourceNotFoundException",  # dynamodb describe_table, lambda
        "TableNotFoundException",  # dynamodb describe_continuous_backups
        "AWS.SimpleQueueService.NonExistentQueue",
        "QueueDoesNotExist",
        "NoSuchBucket",
        "NoSuchKey",
        "NotFound",  # sns get_topic_attributes
        "NotFoundException",  # apigateway
        "NoSuchEntity",  # iam
        "404",
    }
)
ACCESS_DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "AuthorizationError",
        "AuthorizationErrorException",
        "UnauthorizedOperation",
        "Forbidden",
        "403",
    }
)
CREDENTIAL_CODES = frozenset(
    {
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidToken",
    }
)
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "SlowDown",
    }
)
NOT_AUTHORIZED = re.compile(r"not authorized to perform:? ([\w-]+:[\w*]+)")


class LiveError(Exception):
    """A cause that ends a live check; `reported_by` is the case that failed with it."""

    def __init__(self, where: str, line: str) -> None:
        super().__init__(line)
        self.where = where
        self.line = line
        self.reported_by: str | None = None

    def problem(self) -> Problem:
        return Problem(self.where, self.line)


class Missing(LiveError):
    """The resource a read needs is absent (or ambiguous); `kind` says which of the spec's resources."""

    def __init__(self, resource: str, what: str, kind: str, found: str, call: str) -> None:
        self.drift = Problem.drift(resource, what, found, call)
        super().__init__(resource, self.drift.message)
        self.resource = resource
        self.kind = kind

    def problem(self) -> Problem:
        return self.drift


class CallFailed(LiveError):
    """The AWS call failed for a reason other than a missing resource."""


class Stopped(LiveError):
    """No live check may run for the env: credentials, endpoint or account."""


class Absent(CallFailed):
    """A "not configured" answer (no lifecycle rules, ...): the read returns None."""

    def __init__(self, resource: str, code: str) -> None:
        super().__init__(resource, code)


@dataclass(frozen=True)
class Subject:
    """What a read is about: the resource, how to name it, and its kind (for `Missing`).

    Without a kind, a "not found" answer is an ordinary failed call (nothing owns it).
    """

    resource: str
    what: str
    kind: str | None = None
    absent: tuple[str, ...] = ()  # error codes meaning "not configured": the read returns None


def snake(operation: str) -> str:
    from botocore import xform_name

    return xform_name(operation)


def permission(service: str, operation: str, message: str) -> str:
    """The IAM action a denied call needed: from AWS's message when it says, else derived."""
    if match := NOT_AUTHORIZED.search(message or ""):
        return match.group(1)
    return iam_action(service, operation)


def classify(
    error: Exception,
    service: str,
    operation: str,
    subject: Subject,
    where: str,
    endpoint: str | None,
    attempts: int = MAX_ATTEMPTS,
) -> LiveError | None:
    """The cause behind what a read raised, as one line; None when it is not an AWS answer (a bug)."""
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        ConnectionError,
        HTTPClientError,
        NoCredentialsError,
        PartialCredentialsError,
    )

    call = snake(operation)
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        code = str(details.get("Code") or status or "")
        message = str(details.get("Message") or "")
        if code in subject.absent:
            return Absent(subject.resource, code)
        if code in CREDENTIAL_CODES:
            return Stopped(where, f"AWS rejected the credentials ({call} → {code}: {message}); no live check ran")
        if code in ACCESS_DENIED_CODES:
            action = permission(service, operation, message)
            return CallFailed(subject.resource, f"access denied: missing permission {action} ({call} → {code})")
        if subject.kind and code in MISSING_CODES:
            return Missing(subject.resource, subject.what, subject.kind, "none", f"{call} → {code}")
        if code in THROTTLING_CODES:
            return CallFailed(subject.resource, f"AWS kept throttling {call} ({code}) for {attempts} attempts")
        return CallFailed(subject.resource, f"{call} → {code}: {message}")
    if isinstance(error, NoCredentialsError | PartialCredentialsError):
        return Stopped(
            where,
            "no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
            "or give --endpoint-url for an emulator; no live check ran",
        )
    if isinstance(error, ConnectionError | HTTPClientError):
        reached = endpoint or f"AWS's {service} endpoint"
        return Stopped(where, f"cannot reach {reached} ({call}: {error}); no live check ran")
    if isinstance(error, ReadOnlyViolation):
        return CallFailed(subject.resource, str(error))
    if isinstance(error, BotoCoreError):
        return CallFailed(subject.resource, f"{call}: {error}")
    return None

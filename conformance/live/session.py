"""The live run's one boto3 session, its clients and its shared, counted, cached reads.

`LiveEvidence` is to AWS what `FleetEvidence` is to the repositories: one object per pytest
session that every live check asks. It holds

- one boto3 Session, with the read-only guard installed before any client exists;
- one client per (service, region), with adaptive retries so throttling is ridden out;
- a cache keyed by (service, region, operation, params): each read is made once per run and
  shared by every check that needs it; a failure is cached too, and reported once;
- counters: AWS calls by operation (a page is a call; retries are not) and retries.

`LiveEnv` is the reader of one environment: its region, its names, and the account guard that
runs before any other call (STS get_caller_identity must name the env's account).
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from conformance.live.errors import CallFailed, LiveError, Missing, Stopped
from conformance.live.guard import ReadOnlyViolation, account_mismatch, install_read_only
from conformance.live.permissions import declared_operations, iam_action
from conformance.live.resources import Names
from conformance.platform.model import Platform

MAX_ATTEMPTS = 8  # in all, the first attempt included
RETRIES = {"mode": "adaptive", "total_max_attempts": MAX_ATTEMPTS}
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 30

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
ATTEMPT = re.compile(r"attempt=(\d+)")


def snake(operation: str) -> str:
    from botocore import xform_name

    return xform_name(operation)


def permission(service: str, operation: str, message: str) -> str:
    """The IAM action a denied call needed: from AWS's message when it says, else derived."""
    if match := NOT_AUTHORIZED.search(message or ""):
        return match.group(1)
    return iam_action(service, operation)


@dataclass(frozen=True)
class Target:
    """What a read is about: the resource, how to name it, and the criterion that owns its existence."""

    resource: str
    what: str
    owner: str | None = None
    absent: tuple[str, ...] = ()  # error codes meaning "not configured": the read returns None


class LiveEvidence:
    """Cached, counted, read-only AWS reads for one conformance run."""

    def __init__(
        self,
        platform: Platform,
        endpoint_url: str | None = None,
        *,
        retries: dict[str, Any] | None = None,
        allowed: frozenset[str] | None = None,
    ) -> None:
        self.platform = platform
        # The guard's allow-list: the live checks' declared reads (see conformance.live.permissions).
        self.allowed = allowed if allowed is not None else frozenset(declared_operations(platform))
        self.endpoint_url = endpoint_url or None
        self.retries = dict(retries or RETRIES)
        self.calls: Counter[str] = Counter()
        self.retried = 0
        self.stopped: Stopped | None = None
        self._session: Any = None
        self._clients: dict[tuple[str, str], Any] = {}
        self._cache: dict[tuple[str, str, str, str], tuple[bool, Any]] = {}
        self._envs: dict[str, LiveEnv] = {}

    # -- the session and its clients ----------------------------------------------------------

    @property
    def endpoint(self) -> str | None:
        """The emulator (or other endpoint) every client talks to, if not AWS's own."""
        return self.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None

    @property
    def session(self) -> Any:
        """The run's one boto3 Session; the guard and counters are hooked in before any client."""
        if self._session is None:
            import boto3
            import botocore.session

            core = botocore.session.get_session()
            if self.endpoint and core.get_credentials() is None:
                # An emulator checks no signature; dummy keys beat "no credentials" there.
                core.set_credentials("testing", "testing")
            session = boto3.session.Session(botocore_session=core)
            install_read_only(session.events, self.allowed)
            session.events.register("before-call", self._count_call, unique_id="bbws-conformance-count")
            session.events.register_first("before-send", self._count_attempt, unique_id="bbws-conformance-attempts")
            self._session = session
        return self._session

    def client(self, service: str, region: str) -> Any:
        key = (service, region)
        if key not in self._clients:
            from botocore.config import Config

            # botocore rewrites the retries dict it is given: give each client its own copy.
            config = Config(retries=dict(self.retries), connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT)
            self._clients[key] = self.session.client(
                service, region_name=region, endpoint_url=self.endpoint_url, config=config
            )
        return self._clients[key]

    def _count_call(self, model: Any, **_: Any) -> None:
        self.calls[f"{model.service_model.service_name}:{model.name}"] += 1

    def _count_attempt(self, request: Any, **_: Any) -> None:
        header = request.headers.get("amz-sdk-request", "")
        match = ATTEMPT.search(header.decode() if isinstance(header, bytes) else str(header))
        if match and int(match.group(1)) > 1:
            self.retried += 1

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    def env(self, name: str) -> LiveEnv:
        if name not in self._envs:
            self._envs[name] = LiveEnv(self, name)
        return self._envs[name]

    # -- reads -------------------------------------------------------------------------------

    def call(
        self,
        service: str,
        region: str,
        operation: str,
        params: dict[str, Any],
        target: Target,
        where: str,
        post: Callable[[dict[str, Any]], Any] | None = None,
    ) -> Any:
        """`operation(**params)` once per run: its response (without metadata), or its error again.

        `post` turns the response into what is kept (a streamed body must be read once, here).
        """

        def read(client: Any) -> Any:
            response = getattr(client, snake(operation))(**params)
            response.pop("ResponseMetadata", None)
            return post(response) if post else response

        return self._once(service, region, operation, params, target, where, read)

    def pages(
        self,
        service: str,
        region: str,
        operation: str,
        params: dict[str, Any],
        items: str,
        target: Target,
        where: str,
    ) -> list[Any]:
        """Every item of a paginated read (its `items` key over all pages), read once per run."""

        def read(client: Any) -> list[Any]:
            found: list[Any] = []
            for page in client.get_paginator(snake(operation)).paginate(**params):
                found.extend(page.get(items, []))
            return found

        return self._once(service, region, operation, params, target, where, read)

    def _once(
        self,
        service: str,
        region: str,
        operation: str,
        params: dict[str, Any],
        target: Target,
        where: str,
        read: Callable[[Any], Any],
    ) -> Any:
        key = (service, region, operation, json.dumps(params, sort_keys=True, default=str))
        if key in self._cache:
            ok, value = self._cache[key]
            if ok:
                return value
            raise value
        if self.stopped is not None:
            raise self.stopped
        try:
            response = read(self.client(service, region))
        except Exception as error:
            failure = self._failure(error, service, operation, target, where)
            if failure is None:
                raise  # not an AWS answer: a bug, shown as it is
            if isinstance(failure, _Absent):
                self._cache[key] = (True, None)
                return None
            if isinstance(failure, Stopped):
                self.stopped = failure
            self._cache[key] = (False, failure)
            raise failure from None
        self._cache[key] = (True, response)
        return response

    def _failure(self, error: Exception, service: str, operation: str, target: Target, where: str) -> Any:
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
            if code in target.absent:
                return _Absent(target.resource, code)
            if code in CREDENTIAL_CODES:
                return Stopped(where, f"AWS rejected the credentials ({call} → {code}: {message}); no live check ran")
            if code in ACCESS_DENIED_CODES:
                action = permission(service, operation, message)
                return CallFailed(target.resource, f"access denied: missing permission {action} ({call} → {code})")
            if target.owner and code in MISSING_CODES:
                return Missing(target.resource, target.what, target.owner, "none", f"{call} → {code}")
            if code in THROTTLING_CODES:
                attempts = self.retries.get("total_max_attempts", MAX_ATTEMPTS)
                return CallFailed(target.resource, f"AWS kept throttling {call} ({code}) for {attempts} attempts")
            return CallFailed(target.resource, f"{call} → {code}: {message}")
        if isinstance(error, NoCredentialsError | PartialCredentialsError):
            return Stopped(
                where,
                "no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
                "or give --endpoint-url for an emulator; no live check ran",
            )
        if isinstance(error, ConnectionError | HTTPClientError):
            endpoint = self.endpoint or f"AWS's {service} endpoint"
            return Stopped(where, f"cannot reach {endpoint} ({call}: {error}); no live check ran")
        if isinstance(error, ReadOnlyViolation):
            return CallFailed(target.resource, str(error))
        if isinstance(error, BotoCoreError):
            return CallFailed(target.resource, f"{call}: {error}")
        return None


class _Absent(CallFailed):
    """Internal: a "not configured" answer (no lifecycle rules, ...), read as None."""

    def __init__(self, resource: str, code: str) -> None:
        super().__init__(resource, code)


class LiveEnv:
    """One environment's reads: every call first passes the account guard."""

    def __init__(self, evidence: LiveEvidence, env: str) -> None:
        spec = evidence.platform.environments[env]
        self.evidence = evidence
        self.env = env
        self.region = spec.region
        self.account = spec.account_id
        self.names = Names(evidence.platform, env)
        self._verified = False
        self._stop: Stopped | None = None

    @property
    def platform(self) -> Platform:
        return self.evidence.platform

    def identity(self) -> dict[str, Any]:
        target = Target(f"caller-identity@{self.region}", "the caller identity")
        return self.evidence.call("sts", self.region, "GetCallerIdentity", {}, target, self.env)

    def require_account(self) -> None:
        """Stop every live read for the env unless the credentials are the env's own account's."""
        if self._verified:
            return
        if self._stop is not None:
            raise self._stop
        try:
            identity = self.identity()
        except Stopped:
            raise
        except LiveError as error:
            self._stop = Stopped(self.env, f"cannot verify the account: {error.line}; no live check ran for {self.env}")
            raise self._stop from None
        if line := account_mismatch(self.env, self.account, identity):
            self._stop = Stopped(self.env, line)
            raise self._stop
        self._verified = True

    @property
    def partition(self) -> str:
        arn = str(self.identity().get("Arn", "arn:aws:"))
        return arn.split(":")[1] or "aws"

    def call(
        self,
        service: str,
        operation: str,
        params: dict[str, Any],
        target: Target,
        post: Callable[[dict[str, Any]], Any] | None = None,
    ) -> Any:
        self.require_account()
        return self.evidence.call(service, self.region, operation, params, target, self.env, post)

    def pages(self, service: str, operation: str, params: dict[str, Any], items: str, target: Target) -> list[Any]:
        self.require_account()
        return self.evidence.pages(service, self.region, operation, params, items, target, self.env)


def summary_lines(calls: Counter[str], retried: int) -> Iterable[str]:
    """`-v` output: the calls of the run by operation, then the total."""
    width = max((len(k) for k in calls), default=0)
    for operation, count in sorted(calls.items()):
        yield f"{operation.ljust(width)}  {count}"
    yield f"{sum(calls.values())} AWS calls, {retried} retries"

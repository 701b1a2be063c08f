"""The live run's one boto3 session, its clients and its shared, counted, cached reads.

`LiveEvidence` is to AWS what `FleetEvidence` is to the repositories: one object per pytest
session that every live check asks. It holds

- one boto3 Session, with the read-only guard installed before any client exists;
- one client per (service, region), with adaptive retries so throttling is ridden out;
- a cache keyed by (service, region, operation, params): each read is made once per run and
  shared by every check that needs it; a failure is cached too, and reported once;
- counters: AWS calls by operation (a page is a call; retries are not) and retries.

It is handed, never imports, what the catalogue knows: the allow-list of reads and the owner of
each resource kind (conformance.runner.live_evidence). Why a read failed is conformance.live.errors'.

`LiveEnv` is the reader of one environment: its region, its names, and the account guard that
runs before any other call (STS get_caller_identity must name the env's account).
"""

from __future__ import annotations

import copy
import json
import os
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from conformance.live.concurrent import READ_AHEAD_THREADS, ReadAhead
from conformance.live.errors import MAX_ATTEMPTS, Absent, LiveError, Stopped, Subject, classify, snake
from conformance.live.guard import (
    ACCOUNT_READ,
    GUARD_GONE,
    GuardIntact,
    ReadOnlyViolation,
    account_mismatch,
    install_read_only,
    probe,
)
from conformance.live.permissions import state_objects
from conformance.platform.model import Names, Platform

RETRIES = {"mode": "adaptive", "total_max_attempts": MAX_ATTEMPTS}
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 30
ATTEMPT = re.compile(r"attempt=(\d+)")


class LiveEvidence:
    """Cached, counted, read-only AWS reads for one conformance run."""

    def __init__(
        self,
        platform: Platform,
        endpoint_url: str | None = None,
        *,
        allowed: frozenset[str],
        owners: Mapping[str, str],
        retries: dict[str, Any] | None = None,
        repos: frozenset[str] | None = None,
    ) -> None:
        self.platform = platform
        # The repositories the run checks (None: the whole fleet). A fact that holds only once other
        # repositories deployed (the stage serving every Lambda's method) is judged for these only.
        self.repos = repos
        # Both come from the catalogue, through the runner (conformance.runner.live_evidence):
        # the guard's allow-list, the live checks' declared reads (conformance.live.permissions),
        # and which criterion owns each kind of resource (it reports the resource missing).
        self.allowed = allowed
        self.objects = state_objects(platform)  # the S3 objects the guard lets through: each env's state
        self.owners = dict(owners)
        self.endpoint_url = endpoint_url or None
        self.retries = dict(retries or RETRIES)
        self.calls: Counter[str] = Counter()
        self.retried = 0
        self.stopped: Stopped | None = None
        self._session: Any = None
        self._clients: dict[tuple[str, str], Any] = {}
        self._cache: dict[tuple[str, str, str, str], tuple[bool, Any]] = {}
        self._envs: dict[str, LiveEnv] = {}
        # Concurrency (conformance.live.concurrent): the raw outcome of every read, made once
        # whichever thread asks first; a lock for making the session and clients (slow, rare) and
        # one for the counters (taken on every call, never held for long).
        self.ahead = ReadAhead()
        self._lock = threading.RLock()
        self._count_lock = threading.Lock()

    # -- the session and its clients ----------------------------------------------------------

    @property
    def endpoint(self) -> str | None:
        """The emulator (or other endpoint) every client talks to, if not AWS's own."""
        return self.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None

    @property
    def session(self) -> Any:
        """The run's one boto3 Session; the guard and counters are hooked in before any client."""
        with self._lock:
            return self._make_session()

    def _make_session(self) -> Any:
        if self._session is None:
            import boto3
            import botocore.session

            core = botocore.session.get_session()
            if self.endpoint and core.get_credentials() is None:
                # An emulator checks no signature; dummy keys beat "no credentials" there.
                core.set_credentials("testing", "testing")
            session = boto3.session.Session(botocore_session=core)
            install_read_only(session.events, self.allowed, self.objects)
            session.events.register("before-call", self._count_call, unique_id="bbws-conformance-count")
            session.events.register_first("before-send", self._count_attempt, unique_id="bbws-conformance-attempts")
            self._session = session
        return self._session

    def client(self, service: str, region: str) -> Any:
        made = self._clients.get((service, region))
        if made is not None:  # a client is thread-safe once made; making one is not
            return made
        with self._lock:
            return self._make_client(service, region)

    def _make_client(self, service: str, region: str) -> Any:
        key = (service, region)
        if key not in self._clients:
            from botocore.config import Config

            # botocore rewrites the retries dict it is given: give each client its own copy.
            config = Config(
                retries=dict(self.retries),
                connect_timeout=CONNECT_TIMEOUT,
                read_timeout=READ_TIMEOUT,
                max_pool_connections=READ_AHEAD_THREADS,  # concurrency: a connection per thread reading ahead
            )
            self._clients[key] = self.session.client(
                service, region_name=region, endpoint_url=self.endpoint_url, config=config
            )
        return self._clients[key]

    @staticmethod
    def ensure_guarded(client: Any, operation: str) -> None:
        """Before every call: the guard still answers on this client's own events, or nothing is sent.

        A client copies the session's handlers when it is made, so a hook taken off it later
        would leave it unguarded; the probe reaches the hook only if it is still registered.
        """
        service = client.meta.service_model
        model = service.operation_model(operation)
        event = f"before-parameter-build.{service.service_id.hyphenize()}.{operation}"
        try:
            client.meta.events.emit(event, params=probe(), model=model, context={})
        except GuardIntact:
            return
        raise ReadOnlyViolation(service=service.service_name, operation=operation, reason=GUARD_GONE)

    def _guarded_read(self, service: str, region: str, operation: str, read: Callable[[Any], Any]) -> Any:
        """The one place a read leaves the process: the guard is checked on the client first, every time."""
        client = self.client(service, region)
        self.ensure_guarded(client, operation)
        return read(client)

    def _count_call(self, model: Any, **_: Any) -> None:
        with self._count_lock:
            self.calls[f"{model.service_model.service_name}:{model.name}"] += 1

    def _count_attempt(self, request: Any, **_: Any) -> None:
        header = request.headers.get("amz-sdk-request", "")
        match = ATTEMPT.search(header.decode() if isinstance(header, bytes) else str(header))
        if match and int(match.group(1)) > 1:
            with self._count_lock:
                self.retried += 1

    def owner(self, kind: str) -> str | None:
        """The ID of the criterion that reports a missing resource of this kind."""
        return self.owners.get(kind)

    def covers(self, repo: str) -> bool:
        """Whether `repo` is among the repositories this run checks."""
        return self.repos is None or repo in self.repos

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
        subject: Subject,
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

        return self._once(service, region, operation, params, subject, where, read)

    def pages(
        self,
        service: str,
        region: str,
        operation: str,
        params: dict[str, Any],
        items: str,
        subject: Subject,
        where: str,
    ) -> list[Any]:
        """Every item of a paginated read (its `items` key over all pages), read once per run."""

        def read(client: Any) -> list[Any]:
            found: list[Any] = []
            for page in client.get_paginator(snake(operation)).paginate(**params):
                found.extend(page.get(items, []))
            return found

        return self._once(service, region, operation, params, subject, where, read)

    def _once(
        self,
        service: str,
        region: str,
        operation: str,
        params: dict[str, Any],
        subject: Subject,
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
            response = self.ahead.take(key, lambda: self._guarded_read(service, region, operation, read))
        except Exception as error:
            attempts = self.retries.get("total_max_attempts", MAX_ATTEMPTS)
            failure = classify(error, service, operation, subject, where, self.endpoint, attempts)
            if failure is None:
                raise  # not an AWS answer: a bug, shown as it is
            if isinstance(failure, Absent):
                self._cache[key] = (True, None)
                return None
            if isinstance(failure, Stopped):
                self.stopped = failure
            self._cache[key] = (False, failure)
            raise failure from None
        self._cache[key] = (True, response)
        return response

    # -- concurrency (conformance.live.concurrent) ----------------------------------------------

    def twin(self) -> LiveEvidence:
        """A reader for threads that read ahead: this run's session, clients, counters and raw reads,
        but verdicts of its own (classified answers, stops, account checks), to be thrown away."""
        with self._lock:
            self._make_session()  # made here, once: the twin must share it, not make its own
        twin = copy.copy(self)
        twin._cache = {}
        twin._envs = {}
        twin.stopped = None
        return twin


class LiveEnv:
    """One environment's reads: every call first passes the account guard."""

    def __init__(self, evidence: LiveEvidence, env: str) -> None:
        spec = evidence.platform.environments[env]
        self.evidence = evidence
        self.env = env
        self.region = spec.region
        self.account = spec.account_id
        self.names: Names = evidence.platform.names(env)
        self._verified = False
        self._stop: Stopped | None = None

    @property
    def platform(self) -> Platform:
        return self.evidence.platform

    def identity(self) -> dict[str, Any]:
        subject = Subject(self.names.of(ACCOUNT_READ.resource)[0], "the caller identity")
        return self.evidence.call("sts", self.region, ACCOUNT_READ.operation, {}, subject, self.env)

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
        subject: Subject,
        post: Callable[[dict[str, Any]], Any] | None = None,
    ) -> Any:
        self.require_account()
        return self.evidence.call(service, self.region, operation, params, subject, self.env, post)

    def pages(self, service: str, operation: str, params: dict[str, Any], items: str, subject: Subject) -> list[Any]:
        self.require_account()
        return self.evidence.pages(service, self.region, operation, params, items, subject, self.env)


def summary_lines(calls: Counter[str], retried: int) -> Iterable[str]:
    """`-v` output: the calls of the run by operation, then the total."""
    width = max((len(k) for k in calls), default=0)
    for operation, count in sorted(calls.items()):
        yield f"{operation.ljust(width)}  {count}"
    yield f"{sum(calls.values())} AWS calls, {retried} retries"

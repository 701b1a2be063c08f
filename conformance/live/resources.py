"""The env's deployed resources as the spec names them, and what a live check is handed.

Every name comes from the platform spec (`Platform.name`, `state_bucket`, `state_key`), never
from a literal here, so the live half checks exactly what the generators deploy.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from conformance.criteria.base import Criterion, Read
from conformance.platform.model import LambdaFunction, Platform

if TYPE_CHECKING:
    from conformance.live.session import LiveEnv

RESOURCE_KINDS = (
    "account",
    "table",
    "queue",
    "dead_letter",
    "audit_queue",
    "audit_bucket",
    "alert_topic",
    "rest_api",
    "dlq_alarm",
    "conformance_role",
    "state",
    "roles",
    "function",
)


@dataclass(frozen=True)
class Names:
    """The names of one env's resources."""

    platform: Platform
    env: str

    def _name(self, thing: str) -> str:
        return self.platform.name(thing, self.env)

    @property
    def table(self) -> str:
        return self._name(self.platform.infrastructure.table.thing)

    @property
    def queue(self) -> str:
        return self._name(self.platform.infrastructure.queue.thing)

    @property
    def dead_letter(self) -> str:
        return self._name(self.platform.infrastructure.queue.dead_letter.thing)

    @property
    def audit_queue(self) -> str:
        """The audit function's own queue, subscribed to the events topic like the change queue."""
        return self._name(self.platform.infrastructure.audit_queue.thing)

    @property
    def events_topic_arn(self) -> str:
        """The topic the API Lambdas publish change events to (its ARN from the spec's names)."""
        env = self.platform.environments[self.env]
        topic = self._name(self.platform.infrastructure.events_topic.thing)
        return f"arn:aws:sns:{env.region}:{env.account_id}:{topic}"

    @property
    def audit_bucket(self) -> str:
        return self._name(self.platform.infrastructure.audit_bucket.thing)

    @property
    def alert_topic(self) -> str:
        return self._name(self.platform.infrastructure.alert_topic.thing)

    @property
    def rest_api(self) -> str:
        return self._name(self.platform.infrastructure.rest_api.thing)

    @property
    def dlq_alarm(self) -> str:
        return self._name(self.platform.infrastructure.dlq_alarm.thing)

    @property
    def conformance_role(self) -> str:
        return self.platform.conformance_role(self.env)

    @property
    def state_bucket(self) -> str:
        return self.platform.state_bucket(self.env)

    @property
    def state_key(self) -> str:
        """The infrastructure state's key: the one the Lambda repos' data.tf reads."""
        return self.platform.state_key(self.platform.infrastructure.repo)

    @property
    def state(self) -> str:
        return f"s3://{self.state_bucket}/{self.state_key}"

    def function(self, function: LambdaFunction) -> str:
        return self._name(function.dashed)

    def role(self, function: LambdaFunction) -> str:
        return self._name(function.role_thing)

    def of(self, kind: str, function: LambdaFunction | None = None) -> list[str]:
        """The resource names behind a `Read.resource` kind (one, or every role)."""
        if kind == "account":  # the caller identity, asked once per region whatever the env
            return [f"caller-identity@{self.platform.environments[self.env].region}"]
        if kind == "roles":
            return [self.role(f) for f in self.platform.lambdas.functions]
        if kind == "function":
            if function is None:
                raise ValueError("a `function` read needs a Lambda case")
            return [self.function(function)]
        if kind not in RESOURCE_KINDS:
            raise ValueError(f"unknown resource kind {kind!r}; expected one of {', '.join(RESOURCE_KINDS)}")
        return [getattr(self, kind)]


@dataclass(frozen=True)
class LiveView:
    """One live case as its check sees it: the env's reader, the repository, its Lambda."""

    live: LiveEnv
    repo: str
    function: LambdaFunction | None

    @property
    def platform(self) -> Platform:
        return self.live.platform

    @property
    def env(self) -> str:
        return self.live.env

    @property
    def names(self) -> Names:
        return self.live.names


ACCOUNT_READ = Read("sts", "GetCallerIdentity", "account")


def planned_reads(
    platform: Platform, cases: Iterable[tuple[Criterion, str, LambdaFunction | None]]
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
        names = Names(platform, env)
        for read in (ACCOUNT_READ, *criterion.live_reads(platform, function)):
            for resource in names.of(read.resource, function):
                found.add((resource, read.service, read.operation))
    return found

"""The suite's shared vocabulary: what every layer says, so that no layer needs another to say it.

Imports nothing of the project (an import-linter contract holds it to that). A check returns
`Problem`s; it stops early with `Stop`, declines to run with `SkipCase`, and a live check
declares the AWS `Read`s it makes. Readers of files (conformance.evidence) and of AWS
(conformance.live) speak the same words as the criteria, without knowing any criterion.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class SkipCase(Exception):
    """A check that cannot run here (a tool missing, a feature switched off): skipped with the reason."""


@dataclass(frozen=True)
class Problem:
    """One failed expectation: `repo/path:line: ID: expected X, found Y` once formatted.

    A live problem (drift) also carries its parts: the resource (`where`), what was expected,
    what was found and the AWS call that showed it, so a drift report can use them as data.
    """

    where: str
    message: str
    expected: str | None = None
    found: str | None = None
    call: str | None = None

    def render(self, criterion_id: str) -> str:
        return f"{self.where}: {criterion_id}: {self.message}"

    @property
    def resource(self) -> str:
        return self.where

    @classmethod
    def drift(cls, resource: str, wanted: object, found: object, call: str) -> Problem:
        """`resource: ID: expected X, found Y (call → field)` with the parts kept apart."""
        wanted, found = str(wanted), str(found)
        return cls(resource, f"expected {wanted}, found {found} ({call})", wanted, found, call)

    def as_drift(self) -> dict[str, str | None]:
        return {"resource": self.where, "expected": self.expected, "found": self.found, "call": self.call}


class Stop(Exception):
    """A check cannot go on; carries the problems found so far (they are its result)."""

    def __init__(self, *problems: Problem) -> None:
        self.problems = list(problems)


@dataclass(frozen=True)
class Read:
    """One AWS read a live check needs: `service:Operation` on one kind of resource of the env.

    `resource` is a resource kind of the spec (conformance.platform.model.RESOURCE_KINDS):
    `table`, `queue`, `dead_letter`, `audit_queue`, `audit_bucket`, `alert_topic`, `events_topic`,
    `subscriptions` (each consumer queue's subscription to the events topic), `rest_api`,
    `api_stage`, `dlq_alarm`, `conformance_role`, `state`, `account`, `roles` (every Lambda's
    execution role) or `function` (the case's Lambda).
    """

    service: str
    operation: str
    resource: str

    @classmethod
    def parse(cls, text: str) -> Read:
        call, _, resource = text.partition("@")
        service, _, operation = call.partition(":")
        return cls(service, operation, resource)

    def __str__(self) -> str:
        return f"{self.service}:{self.operation}@{self.resource}"


def expected(what: str, found: object) -> str:
    return f"expected {what}, found {found}"


def describe(value: Any) -> str:
    """A found value as a message shows it: strings quoted, anything else as it prints."""
    return repr(value) if isinstance(value, str) else str(value)

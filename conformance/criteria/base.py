"""What a criterion is: a stable ID, a title, the requirement line it enforces, and checks.

A check is a small function over evidence that returns the problems it found (an empty list
is a pass). The same ID is used by the static check (files) and the live check (AWS), so a
report can say "INF-DDB-PITR" whether the HCL or the deployed table is wrong. A live check also
declares the AWS reads it needs (`live_reads`), so the number of calls of a run is known ahead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conformance.evidence.fleet import FleetEvidence, RepoView
    from conformance.live.resources import LiveView
    from conformance.platform.model import LambdaFunction, Platform


class Scope(StrEnum):
    """Which repositories a criterion applies to."""

    INFRASTRUCTURE = "infrastructure"
    LAMBDA = "lambda"
    EVERY_REPO = "every repo"


class Requirement(StrEnum):
    """The [criterion] lines of the requirement (section / line), quoted in every report."""

    INFRA_FILES = "Infrastructure repository / Files: every file of the tree"
    INFRA_RESOURCES = "Infrastructure repository / Resources: checked statically in the HCL and live after deploy"
    INFRA_OUTPUTS = "Infrastructure repository / Outputs: in outputs.tf and present in the deployed state"
    INFRA_WORKFLOWS = (
        "Infrastructure repository / Workflows: manual dispatch, OIDC, sit approval gate, prod typed confirmation"
    )
    LAMBDA_FILES = "Each Lambda repository / Files: every file of the tree"
    LAMBDA_DATA = "Each Lambda repository / terraform/data.tf reads the infrastructure state"
    BACKEND = "Each Lambda repository / Backend: S3 state with locking, a separate key per repository"
    GIT = "Each Lambda repository / Every repository: a git repository with at least one commit"
    # Not a line of the requirement: the project's scheduled drift check (issue 6) needs it.
    DRIFT_ROLE = "Scheduled drift check / A read-only role per env for the conformance repository"


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


@dataclass(frozen=True)
class Read:
    """One AWS read a live check needs: `service:Operation` on one kind of resource of the env.

    `resource` names a resource of the spec (see conformance.live.resources.RESOURCE_KINDS):
    `table`, `queue`, `dead_letter`, `audit_bucket`, `alert_topic`, `rest_api`, `dlq_alarm`,
    `state`, `account`, `roles` (every Lambda's execution role) or `function` (the case's Lambda).
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


StaticCheck = Callable[["RepoView", "FleetEvidence"], list[Problem]]
LiveCheck = Callable[["LiveView"], list[Problem]]
LiveReads = Callable[["Platform", "LambdaFunction | None"], Iterable[Read]]


def reads(*texts: str) -> LiveReads:
    """A fixed list of reads, written `service:Operation@resource`."""
    parsed = tuple(Read.parse(t) for t in texts)
    return lambda _platform, _function: parsed


@dataclass(frozen=True)
class Criterion:
    id: str
    title: str
    requirement: Requirement
    scope: Scope
    files: tuple[str, ...]
    static: StaticCheck | None = None
    per_env: bool = True
    applies: Callable[[RepoView], bool] | None = None
    env_applies: Callable[[Platform, str], bool] | None = None
    live: LiveCheck | None = None
    live_reads: LiveReads | None = None

    def __post_init__(self) -> None:
        if self.live is not None and self.live_reads is None:
            raise ValueError(f"{self.id}: a live check must declare the AWS reads it needs (live_reads)")

    def applies_to(self, repo: RepoView) -> bool:
        if self.scope is Scope.INFRASTRUCTURE and not repo.is_infrastructure:
            return False
        if self.scope is Scope.LAMBDA and repo.is_infrastructure:
            return False
        return self.applies is None or self.applies(repo)


def expected(what: str, found: object) -> str:
    return f"expected {what}, found {found}"

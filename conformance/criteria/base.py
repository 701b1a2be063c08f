"""What a criterion is: a stable ID, a title, the requirement line it enforces, and its checks.

A check is a small function over evidence that returns the problems it found (an empty list
is a pass). The same ID is used by the static check (files) and the live check (AWS), so a
report can say "INF-DDB-PITR" whether the HCL or the deployed table is wrong. A live check also
declares the AWS reads it needs (`live_reads`), so the calls of a run are known ahead, and a
criterion whose subject is a resource's existence says so (`owns=("table",)`): a reader that
finds the resource missing reports it under that criterion, once.

Criteria are declared with keywords (everything after `files` is keyword-only), so a new field
(say a `profile`) is one default here and one keyword where it differs. Simple value checks can
be declared as data (`value=`, conformance.criteria.values) instead of written as functions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import KW_ONLY, dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from conformance.core import Problem, Read
from conformance.platform.model import RESOURCE_KINDS

if TYPE_CHECKING:
    from conformance.evidence.fleet import FleetEvidence, RepoView
    from conformance.live.view import LiveView
    from conformance.platform.model import LambdaFunction, Platform


class RepoScope(StrEnum):
    """Which repositories a criterion applies to."""

    INFRASTRUCTURE = "infrastructure"
    LAMBDA = "lambda"
    EVERY_REPO = "every repo"


class Profile(StrEnum):
    """Where a criterion comes from, and so which runs include it (`--profile`).

    `requirement`: a [criterion] line of the requirement; any conforming fleet passes these,
    whatever its style. `platform`: this kit's own hardening and conventions on top (pinned
    actions, encryption, the drift role, ...); the default profile runs both.
    """

    REQUIREMENT = "requirement"
    PLATFORM = "platform"


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
    # Not a line of the requirement either: template drift across the fleet (issue 15).
    FLEET_TEMPLATE = "Template drift / Every repository rendered from the kit's current templates"


StaticCheck = Callable[["RepoView", "FleetEvidence"], list[Problem]]
LiveCheck = Callable[["LiveView"], list[Problem]]
LiveReads = Callable[["Platform", "LambdaFunction | None"], Iterable[Read]]


class ValueCheck(Protocol):
    """A check declared as data (conformance.criteria.values): it gives the static half, the live half or both."""

    @property
    def static(self) -> StaticCheck | None: ...

    @property
    def live(self) -> LiveCheck | None: ...

    def describe(self, half: str, home: str) -> str: ...


def reads(*texts: str) -> LiveReads:
    """A fixed list of reads, written `service:Operation@resource`."""
    parsed = tuple(Read.parse(t) for t in texts)
    return lambda _platform, _function: parsed


@dataclass(frozen=True)
class Criterion:
    id: str
    title: str
    requirement: Requirement
    scope: RepoScope
    files: tuple[str, ...]
    _: KW_ONLY
    static: StaticCheck | None = None
    per_env: bool = True
    applies: Callable[[RepoView], bool] | None = None
    env_applies: Callable[[Platform, str], bool] | None = None
    live: LiveCheck | None = None
    live_reads: LiveReads | None = None
    owns: tuple[str, ...] = ()  # resource kinds whose existence this criterion reports
    value: ValueCheck | None = None  # a declared check: fills `static` and/or `live`
    profile: Profile = Profile.REQUIREMENT  # PLATFORM: the kit's own hardening, not a requirement line

    def __post_init__(self) -> None:
        if self.value is not None:
            for half in ("static", "live"):
                declared = getattr(self.value, half)
                if declared is None:
                    continue
                if getattr(self, half) is not None:
                    raise ValueError(f"{self.id}: a {half} check and a declared value: give one")
                object.__setattr__(self, half, declared)
        if self.live is not None and self.live_reads is None:
            raise ValueError(f"{self.id}: a live check must declare the AWS reads it needs (live_reads)")
        unknown = [kind for kind in self.owns if kind not in RESOURCE_KINDS]
        if unknown:
            raise ValueError(f"{self.id}: owns {unknown[0]!r}; expected one of {', '.join(RESOURCE_KINDS)}")

    def applies_to(self, repo: RepoView) -> bool:
        if self.scope is RepoScope.INFRASTRUCTURE and not repo.is_infrastructure:
            return False
        if self.scope is RepoScope.LAMBDA and repo.is_infrastructure:
            return False
        return self.applies is None or self.applies(repo)

"""What a criterion is: a stable ID, a title, the requirement line it enforces, and checks.

A check is a small function over evidence that returns the problems it found (an empty list
is a pass). The same ID is used by the static check (files) and the live check (AWS), so a
report can say "INF-DDB-PITR" whether the HCL or the deployed table is wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conformance.evidence.fleet import FleetEvidence, RepoView
    from conformance.platform.model import Platform


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


class SkipCase(Exception):
    """A check that cannot run here (a tool missing, a feature switched off): skipped with the reason."""


@dataclass(frozen=True)
class Problem:
    """One failed expectation: `repo/path:line: ID: expected X, found Y` once formatted."""

    where: str
    message: str

    def render(self, criterion_id: str) -> str:
        return f"{self.where}: {criterion_id}: {self.message}"


StaticCheck = Callable[["RepoView", "FleetEvidence"], list[Problem]]


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

    def applies_to(self, repo: RepoView) -> bool:
        if self.scope is Scope.INFRASTRUCTURE and not repo.is_infrastructure:
            return False
        if self.scope is Scope.LAMBDA and repo.is_infrastructure:
            return False
        return self.applies is None or self.applies(repo)


def expected(what: str, found: object) -> str:
    return f"expected {what}, found {found}"

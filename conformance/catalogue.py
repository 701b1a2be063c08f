"""Every criterion the suite knows, in report order. Adding a criterion is adding it here."""

from __future__ import annotations

from conformance.criteria import (
    backend,
    infrastructure,
    lambda_function,
    remote_state,
    repo_files,
    terraform_cli,
    workflows,
)
from conformance.criteria.base import Criterion

CRITERIA: list[Criterion] = [
    *repo_files.CRITERIA,
    *infrastructure.CRITERIA,
    *remote_state.CRITERIA,
    *lambda_function.CRITERIA,
    *backend.CRITERIA,
    *workflows.CRITERIA,
    *terraform_cli.CRITERIA,
]


def by_id() -> dict[str, Criterion]:
    return {c.id: c for c in CRITERIA}

"""Every criterion the suite knows, in report order. Adding a criterion is adding it here.

`CRITERIA` are the criteria with a static check (some also have a live one, under the same
ID); `LIVE_ONLY` the facts that exist only once deployed. `LIVE_CRITERIA` is what a live run
plans: every criterion with a live check, the account guard first.
"""

from __future__ import annotations

from conformance.criteria import (
    backend,
    conformance_role,
    infrastructure,
    lambda_function,
    live_only,
    remote_state,
    repo_files,
    terraform_cli,
    workflows,
)
from conformance.criteria.base import Criterion

CRITERIA: list[Criterion] = [
    *repo_files.CRITERIA,
    *infrastructure.CRITERIA,
    *conformance_role.CRITERIA,
    *remote_state.CRITERIA,
    *lambda_function.CRITERIA,
    *backend.CRITERIA,
    *workflows.CRITERIA,
    *terraform_cli.CRITERIA,
]

LIVE_ONLY: list[Criterion] = list(live_only.CRITERIA)

ALL_CRITERIA: list[Criterion] = [*CRITERIA, *LIVE_ONLY]

LIVE_CRITERIA: list[Criterion] = [
    *(c for c in LIVE_ONLY if c.id == "LIVE-ACCOUNT"),
    *(c for c in CRITERIA if c.live is not None),
    *(c for c in LIVE_ONLY if c.id != "LIVE-ACCOUNT"),
]


def by_id() -> dict[str, Criterion]:
    return {c.id: c for c in ALL_CRITERIA}

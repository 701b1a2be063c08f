"""Every criterion the suite knows, in report order. Adding a criterion is adding it here."""

from __future__ import annotations

from conformance.criteria import infrastructure
from conformance.criteria.base import Criterion

CRITERIA: list[Criterion] = [
    *infrastructure.CRITERIA,
]


def by_id() -> dict[str, Criterion]:
    return {c.id: c for c in CRITERIA}

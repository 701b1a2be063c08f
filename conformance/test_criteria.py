"""The conformance suite as pytest collects it: two tests, parametrised with every case.

`test_criterion` (marker `static`) checks the repositories' files; `test_live_criterion`
(marker `live`) checks the deployed resources of each requested env. `-m static` runs the first
only and never needs AWS; `-m live` the second; `-m "static or live"` both.
"""

from __future__ import annotations

import pytest

from conformance.runner import Case, Outcome, run_case, run_live_case

PROBLEMS_PROPERTY = "conformance_problems"


def _report(outcome: Outcome) -> None:
    if outcome.status == "skipped":
        pytest.skip(outcome.message)
    if outcome.status == "failed":
        pytest.fail(outcome.message, pytrace=False)


@pytest.mark.static
def test_criterion(conformance_case: Case, conformance_evidence) -> None:
    _report(run_case(conformance_case, conformance_evidence))


@pytest.mark.live
def test_live_criterion(conformance_live_case: Case, conformance_live, request: pytest.FixtureRequest) -> None:
    outcome = run_live_case(conformance_live_case, conformance_live)
    request.node.user_properties.append((PROBLEMS_PROPERTY, [p.as_drift() for p in outcome.problems]))
    _report(outcome)

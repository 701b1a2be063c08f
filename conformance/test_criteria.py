"""The conformance suite as pytest collects it: one test, parametrised with every case."""

from __future__ import annotations

import pytest

from conformance.runner import Case, run_case


@pytest.mark.static
def test_criterion(conformance_case: Case, conformance_evidence) -> None:
    outcome = run_case(conformance_case, conformance_evidence)
    if outcome.status == "skipped":
        pytest.skip(outcome.message)
    if outcome.status == "failed":
        pytest.fail(outcome.message, pytrace=False)

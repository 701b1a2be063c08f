"""The conformance suite as pytest collects it: two tests, parametrised with every case.

`test_criterion` (marker `static`) checks the repositories' files; `test_live_criterion`
(marker `live`) checks the deployed resources of each requested env. `-m static` runs the first
only and never needs AWS; `-m live` the second; `-m "static or live"` both.

Before the first case of each half runs, the slow work of every case the session will run
(after `-m`, `-k` and deselection) is started: terraform's checks in the background
(`prepare_static`), and the live reads, made concurrently (`read_ahead`). The cases then report
one by one, in order, as they would without it. A pytest-xdist worker does neither: it runs only
some of the cases it collected, each of which does its own work. While the static cases run,
Python's collector leaves alone what existed when they started (`long_lived_heap`).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conformance.runner import (
    LIVE,
    STATIC,
    Case,
    Outcome,
    finish_static,
    long_lived_heap,
    prepare_static,
    read_ahead,
    run_case,
    run_live_case,
)

PROBLEMS_PROPERTY = "conformance_problems"


def _report(outcome: Outcome) -> None:
    if outcome.status == "skipped":
        pytest.skip(outcome.message)
    if outcome.status == "failed":
        pytest.fail(outcome.message, pytrace=False)


def _planned(request: pytest.FixtureRequest, source: str) -> list[Case]:
    """The cases of `source` this session runs, in order (none on a pytest-xdist worker)."""
    if hasattr(request.config, "workerinput"):
        return []
    found = []
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None:
            found += [p for p in callspec.params.values() if isinstance(p, Case) and p.source == source]
    return found


@pytest.fixture(scope="session")
def conformance_static_run(conformance_evidence, request: pytest.FixtureRequest) -> Iterator[object]:
    """The session's evidence, with terraform's checks of every planned case started in the background
    and the collector set for a heap that only grows until the run ends (`long_lived_heap`)."""
    with long_lived_heap():
        prepare_static(_planned(request, STATIC), conformance_evidence)
        yield conformance_evidence
        finish_static(conformance_evidence)


@pytest.fixture(scope="session")
def conformance_live_run(conformance_live, request: pytest.FixtureRequest) -> object:
    """The session's AWS reader, with every planned case's reads already made (concurrently)."""
    read_ahead(_planned(request, LIVE), conformance_live)
    return conformance_live


@pytest.mark.static
def test_criterion(conformance_case: Case, conformance_static_run) -> None:
    _report(run_case(conformance_case, conformance_static_run))


@pytest.mark.live
def test_live_criterion(
    conformance_live_case: Case, conformance_live_run, conformance_evidence, request: pytest.FixtureRequest
) -> None:
    outcome = run_live_case(conformance_live_case, conformance_live_run, conformance_evidence)
    request.node.user_properties.append((PROBLEMS_PROPERTY, [p.as_drift() for p in outcome.problems]))
    _report(outcome)

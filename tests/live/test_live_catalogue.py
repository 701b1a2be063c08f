"""The live criteria: IDs shared with the static checks, and reads that are real, read-only calls."""

from __future__ import annotations

import botocore.session
import pytest

from conformance.__main__ import main
from conformance.catalogue import CRITERIA, LIVE_CRITERIA, LIVE_ONLY
from conformance.live.guard import is_read
from conformance.platform import Platform
from conformance.platform.model import RESOURCE_KINDS


def test_live_checks_reuse_the_static_ids_and_only_live_facts_get_new_ones() -> None:
    static = {c.id for c in CRITERIA}
    assert {c.id for c in LIVE_CRITERIA} == {c.id for c in CRITERIA if c.live} | {c.id for c in LIVE_ONLY}
    assert not {c.id for c in LIVE_ONLY} & static
    assert {c.id for c in LIVE_ONLY} == {"LIVE-ACCOUNT", "INF-STATE-OUTPUTS"}
    assert LIVE_CRITERIA[0].id == "LIVE-ACCOUNT"  # the guard's case runs first


def test_every_declared_read_is_a_real_read_only_operation(platform: Platform) -> None:
    core = botocore.session.get_session()
    for criterion in LIVE_CRITERIA:
        assert criterion.live_reads is not None, criterion.id
        for function in (None, *platform.lambdas.functions):
            for read in criterion.live_reads(platform, function):
                assert read.resource in RESOURCE_KINDS, (criterion.id, read)
                assert read.operation in core.get_service_model(read.service).operation_names, (criterion.id, read)
                assert is_read(read.operation), (criterion.id, read)


def test_a_live_check_must_declare_its_reads() -> None:
    from conformance.criteria.base import Criterion, RepoScope, Requirement

    with pytest.raises(ValueError, match="must declare the AWS reads"):
        Criterion("X-Y", "t", Requirement.INFRA_RESOURCES, RepoScope.INFRASTRUCTURE, (), live=lambda view: [])


def test_the_catalogue_command_lists_the_live_reads(capsys) -> None:
    assert main(["criteria"]) == 0
    out = capsys.readouterr().out
    assert "| live reads |" in out
    assert "dynamodb:DescribeContinuousBackups@table" in out
    assert all(f"| {c.id} |" in out for c in LIVE_ONLY)


def test_every_kind_a_reader_reports_missing_has_exactly_one_owner() -> None:
    """A missing resource fails under one criterion (`owns=`); none may be reported under nobody."""
    from conformance.catalogue import ALL_CRITERIA, OWNERS

    owned = [kind for c in ALL_CRITERIA for kind in c.owns]
    assert len(owned) == len(set(owned)), owned
    # The caller identity ("account") is never missing: its failures stop the env under LIVE-ACCOUNT.
    assert set(OWNERS) == set(RESOURCE_KINDS) - {"account"}
    assert OWNERS["table"] == "INF-DDB-TABLE" and OWNERS["function"] == "LAMBDA-FUNCTION"


def test_a_criterion_owns_only_known_kinds_and_declares_each_half_once() -> None:
    from conformance.criteria.base import Criterion, RepoScope, Requirement
    from conformance.criteria.values import Exists

    with pytest.raises(ValueError, match="owns 'queues'; expected one of"):
        Criterion("X-Y", "t", Requirement.INFRA_RESOURCES, RepoScope.INFRASTRUCTURE, (), owns=("queues",))
    with pytest.raises(ValueError, match="a static check and a declared value"):
        Criterion(
            "X-Y",
            "t",
            Requirement.INFRA_RESOURCES,
            RepoScope.INFRASTRUCTURE,
            (),
            static=lambda view, evidence: [],
            value=Exists(hcl=lambda view: None),
        )

"""The drift check's role grants exactly what the live suite calls: derived from a recorded full run.

The operations come from a full live run against a conformant deployment (the calls botocore
made, counted by the run's own session), and must be exactly the read-only guard's allow-list;
the role's policy is read from the generated infrastructure repository. Removing any one action
from that policy must show up as that action missing, in this test's own comparison and in the
suite's static criterion INF-CONFORMANCE-ROLE.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conformance.catalogue import by_id, needed_actions
from conformance.criteria.hcl_checks import instances_of, named, refers_to, value
from conformance.criteria.iam_policy import Statement, statements
from conformance.evidence.fleet import FleetEvidence, RepoView
from conformance.live.guard import is_read
from conformance.live.permissions import NO_PERMISSION, iam_action
from conformance.paths import DEFAULT_PLATFORM
from conformance.platform import Platform, load_platform
from conformance.runner import live_evidence
from tests.live.conftest import run_live
from tests.live.deploy import Deployment

ROLE_FILE = "terraform/conformance_role.tf"
NOTIFY_ACTIONS = {"sns:Publish", "kms:Decrypt", "kms:GenerateDataKey"}
SPEC = load_platform(DEFAULT_PLATFORM)


def role_policies(root: Path, platform: Platform, env: str) -> dict[str, list[Statement]]:
    """The conformance role's inline policies (by name) as the generated HCL states them for `env`."""
    view = RepoView(FleetEvidence(root, platform), platform.infrastructure.repo, env, None)
    role = named(view, "aws_iam_role", platform.conformance_role(env))
    return {
        str(value(view, policy, "name")): [s for s in statements(view, policy, "policy") if s.allows]
        for policy in instances_of(view, "aws_iam_role_policy")
        if refers_to(value(view, policy, "role", None), role)
    }


def granted_actions(policies: dict[str, list[Statement]]) -> set[str]:
    return {action for grants in policies.values() for s in grants for action in s.actions}


def is_read_action(action: str) -> bool:
    service, _, name = action.partition(":")
    return action == "apigateway:GET" or (service != "apigateway" and is_read(name))


def test_the_role_grants_exactly_what_a_full_live_run_calls_and_no_write(
    deployment: Deployment, platform: Platform, fleet: Path
) -> None:
    evidence = live_evidence(platform)
    assert {o.status for o in run_live(platform, evidence).values()} == {"passed"}
    recorded = set(evidence.calls)
    # A full run calls every operation the guard allows, and the guard allows nothing else.
    assert recorded == set(evidence.allowed)
    needed = {iam_action(*op.split(":")) for op in recorded if op not in NO_PERMISSION}
    assert needed == set(needed_actions(platform))  # the derivation the criterion uses agrees

    for env in platform.environments:
        policies = role_policies(fleet, platform, env)
        read, notify = (
            policies[f"{platform.conformance_role(env)}-read"],
            policies[f"{platform.conformance_role(env)}-notify"],
        )
        assert set(policies) == {f"{platform.conformance_role(env)}-read", f"{platform.conformance_role(env)}-notify"}
        read_actions = {a for s in read for a in s.actions}
        assert read_actions == needed, (sorted(needed - read_actions), sorted(read_actions - needed))
        assert all(is_read_action(a) for a in read_actions)
        # The notify step's own permission: publish to the topic (and use its key), nothing else.
        assert {a for s in notify for a in s.actions} == NOTIFY_ACTIONS
        writes = {a for a in granted_actions(policies) if not is_read_action(a)}
        assert writes == NOTIFY_ACTIONS


def drop_action(text: str, action: str) -> str:
    """The policy text without one action (in a list of several, or alone)."""
    quoted = re.escape(f'"{action}"')
    changed, count = re.subn(rf"{quoted},\s*|,\s*{quoted}(?=\s*[\],])|{quoted}", "", text, count=1)
    assert count == 1, f"{action} is not in the role's policy"
    return changed


@pytest.mark.parametrize("action", sorted(needed_actions(SPEC)))
def test_removing_an_operation_from_the_policy_is_caught(
    action: str, platform: Platform, fleet: Path, tmp_path: Path
) -> None:
    repo = platform.infrastructure.repo
    shutil.copytree(fleet / repo / "terraform", tmp_path / repo / "terraform")
    path = tmp_path / repo / ROLE_FILE
    path.write_text(drop_action(path.read_text(encoding="utf-8"), action), encoding="utf-8")

    assert action in granted_actions(role_policies(fleet, platform, "dev"))
    assert needed_actions(platform).keys() - granted_actions(role_policies(tmp_path, platform, "dev")) == {action}

    view = RepoView(FleetEvidence(tmp_path, platform), repo, "dev", None)
    problems = by_id()["INF-CONFORMANCE-ROLE"].static(view, view.evidence)
    assert [p.message for p in problems if action in p.message] == [
        f"expected {action} (the live suite calls {', '.join(needed_actions(platform)[action])}), found no grant"
    ]

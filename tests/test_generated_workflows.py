"""Deploy workflows: dispatch, OIDC into the env's account, sit gate, prod confirmation, pinned."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.workflow_linters import assert_valid_against_githubs_schema, assert_zizmor_finds_nothing, load_workflow

PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def test_every_workflow_validates_against_githubs_schema(fleet: Path, repo_name: str) -> None:
    assert_valid_against_githubs_schema(sorted((fleet / repo_name / ".github" / "workflows").glob("*.yml")))


def test_zizmor_offline_reports_nothing(fleet: Path, repo_name: str) -> None:
    assert_zizmor_finds_nothing(fleet / repo_name / ".github" / "workflows")


@pytest.mark.parametrize("env", ["dev", "sit", "prod"])
def test_deploy_workflow_shape(fleet: Path, repo_name: str, env: str, platform) -> None:
    spec = platform.environments[env]
    workflow = load_workflow(fleet / repo_name / ".github" / "workflows" / f"deploy-{env}.yml")
    assert "workflow_dispatch" in workflow["on"]
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    steps = job["steps"]
    uses = [s["uses"] for s in steps if "uses" in s]
    assert all(PINNED.match(u) for u in uses), uses
    (aws,) = [s for s in steps if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@")]
    # The repository's own deploy role, which trusts only its jobs in the env's GitHub environment.
    assert aws["with"]["role-to-assume"] == platform.repo_deploy_role_arn(repo_name, env)
    assert aws["with"]["aws-region"] == spec.region
    assert job.get("environment") == platform.github_environment(env) == (spec.approval_environment or env)
    inputs = (workflow["on"]["workflow_dispatch"] or {}).get("inputs", {})
    if spec.confirmation:
        assert inputs["confirm"]["required"] is True
        first = steps[0]
        assert first["env"] == {"CONFIRMATION": "${{ inputs.confirm }}", "EXPECTED": spec.confirmation}
        assert '[ "$CONFIRMATION" != "$EXPECTED" ]' in first["run"] and "exit 1" in first["run"]
    else:
        assert "confirm" not in inputs
    # Spec values reach the shell through env: only; the run: lines name the variables.
    assert job["env"]["DEPLOY_ENV"] == env
    runs = [s.get("run", "") for s in steps]
    assert not [r for r in runs if env in r.split() or spec.region in r or spec.account_id in r]
    # The deploy is the repository's own script (package, init, gates, plan, apply), after the OIDC step.
    names = [s.get("name") for s in steps]
    (deploy,) = [s for s in steps if s.get("run") == 'scripts/deploy.sh "$DEPLOY_ENV"']
    assert names.index(deploy["name"]) > names.index(aws["name"])
    script = (fleet / repo_name / "scripts" / "deploy.sh").read_text(encoding="utf-8")
    assert '-backend-config="environments/${ENV}.backend.hcl"' in script
    assert '-var-file="environments/${ENV}.tfvars" -out=tfplan' in script
    # The kit, pinned by the spec, checked out without credentials and installed before the deploy.
    (kit,) = [s for s in steps if s.get("with", {}).get("path") == ".conformance-kit"]
    assert kit["uses"] == platform.github.actions["checkout"].split(" #")[0]
    assert kit["with"] == {
        "repository": f"{platform.github.organisation}/{platform.conformance.repository}",
        "ref": platform.conformance.kit_ref,
        "path": ".conformance-kit",
        "persist-credentials": False,
    }
    assert names.index("Install the conformance kit") < names.index(deploy["name"])
    assert deploy["env"]["CONFORMANCE_PLATFORM"] == ".conformance-kit/infra/platform.yaml"

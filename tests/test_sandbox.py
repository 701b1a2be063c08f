"""End to end: the fleet deployed with the real Terraform into the emulator, checked, drifted, caught.

One deployment for the module, made as `sandbox.py deploy` makes it and then made again (about
four minutes on 2 cores): the account bootstrap first (local state, then migrated into the bucket
it created), the infrastructure, the Lambda repositories side by side; the second time everything
is re-applied from the state in the bucket. Then: the stage serves every API method and an event
published where the API Lambdas publish reaches every consumer's queue, the suite passes,
`terraform plan` shows no change in any repository (the bootstrap included), replacing a Lambda
repository's deployment moves the stage without the "Active stages" failure, each drift scenario
is applied (and caught by the live half of the suite where the plugin has it), and nothing is
left running at the end.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from conformance.generate.fleet import generate_fleet
from conformance.paths import PROJECT_ROOT
from conformance.platform import Platform
from conformance.sandbox import bootstrap, served
from conformance.sandbox import deploy as deploying
from conformance.sandbox.cli import uses_managed_policies
from conformance.sandbox.drift import SCENARIOS, apply_drift
from conformance.sandbox.emulator import Emulator, aws_client
from conformance.sandbox.suite import live_supported, run_suite
from conformance.sandbox.target import Target
from tests.test_project_workflows import suite_command

pytestmark = [pytest.mark.terraform, pytest.mark.slow]

ENV = "dev"


@dataclass
class Sandbox:
    emulator: Emulator
    target: Target
    pid: int
    env: dict[str, str]
    deploys: list[list[deploying.RepoOutcome]]


def _explain(outcomes: list[deploying.RepoOutcome]) -> str:
    return "\n".join(f"{o.error}\n{o.output_tail}" for o in outcomes if not o.ok)


def _processes_under(folder: Path) -> list[str]:
    """Processes whose working directory is inside `folder` (Terraform or its provider left behind)."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cwd = Path(os.readlink(proc / "cwd"))
        except OSError:
            continue
        if cwd == folder or folder in cwd.parents:
            command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            found.append(f"{proc.name}: {command[:120]}")
    return found


@pytest.fixture(scope="module")
def sandbox(platform: Platform, terraform_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    root = tmp_path_factory.mktemp("sandbox")
    repos = root / "repos"
    results = generate_fleet(platform, repos)
    assert not [r for r in results if r.error], [r.error for r in results]
    emulator = Emulator(
        platform.environments[ENV].account_id,
        managed_policies=uses_managed_policies(repos),
        log_path=root / "emulator.log",
    )
    emulator.start()
    try:
        target = Target(emulator.url, ENV, platform, repos, root / "work")
        deploys = [deploy_everything(target, terraform_env) for _ in range(2)]
        yield Sandbox(emulator, target, emulator.pid or 0, terraform_env, deploys)
    finally:
        emulator.stop()


def deploy_everything(target: Target, env: dict[str, str]) -> list[deploying.RepoOutcome]:
    """What `sandbox.py deploy` does: the bootstrap, then every repository, then what they serve."""
    first = bootstrap.apply_bootstrap(target, env)
    assert first.ok, _explain([first])
    outcomes = deploying.deploy(target, base_env=env)
    assert all(o.ok for o in outcomes), _explain(outcomes)
    assert [o.repo for o in outcomes] == target.platform.repo_names
    return [first, *outcomes, served.verify(target)]


def test_the_bootstrap_applied_first_then_its_state_moved_into_the_bucket(sandbox: Sandbox) -> None:
    target = sandbox.target
    first, again = (deploy[0] for deploy in sandbox.deploys)
    assert [s.name for s in first.steps] == ["init", "apply", "migrate"]
    assert [s.name for s in again.steps] == ["init", "apply"]  # the second time, from the bucket
    assert bootstrap.state_in_bucket(target)
    folder = bootstrap.folder(target)
    assert not [p.name for p in folder.iterdir() if p.name.startswith("terraform.tfstate")]
    assert not (folder / bootstrap.FIRST_APPLY_OVERRIDE.name).exists()
    iam = aws_client("iam", target.endpoint_url, target.region)
    for repo in target.platform.repo_names:
        role = iam.get_role(RoleName=target.platform.repo_deploy_role(repo, ENV))["Role"]
        trust = role["AssumeRolePolicyDocument"]["Statement"]
        subjects = [s["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"] for s in trust]
        assert subjects == [target.platform.deploy_subject(repo, ENV)]


def test_every_repository_deployed_through_its_own_deploy_script(sandbox: Sandbox) -> None:
    """The workflows' steps, run by the repos' scripts/deploy.sh (timed by its step markers)."""
    infra = sandbox.target.platform.infrastructure.repo
    gated = ["init", "static-gate", "plan", "apply", "live-gate"]
    for deploy in sandbox.deploys:
        for outcome in deploy[1:-1]:
            wanted = [*gated, "validate"] if outcome.repo == infra else ["package", *gated]
            assert [step.name for step in outcome.steps] == wanted, outcome.repo
        log = sandbox.target.log_path(infra, "deploy").read_text(encoding="utf-8")
        assert f"$ bash {deploying.DEPLOY_SCRIPT} {ENV}\n" in log
        assert "deploy.sh: the static conformance gate is off (CONFORMANCE_GATE=off): skipped" in log


def test_the_stage_serves_every_method_and_an_event_reaches_both_consumers(sandbox: Sandbox) -> None:
    for deploy in sandbox.deploys:
        assert deploy[-1].ok, _explain([deploy[-1]])
    assert served.stage_problems(sandbox.target) == []
    assert served.fan_out_problems(sandbox.target) == []


def test_replacing_a_lambda_repos_deployment_moves_the_stage(sandbox: Sandbox) -> None:
    """A changed method replaces the repo's deployment: create_before_destroy moves the stage first."""
    target = sandbox.target
    function = next(f for f in target.platform.lambdas.functions if f.http_method)
    repo = target.platform.lambda_repo(function)
    env = deploying.terraform_environment(target, sandbox.env)
    apigateway = aws_client("apigateway", target.endpoint_url, target.region)
    name = target.platform.name(target.platform.infrastructure.rest_api.thing, ENV)
    (api,) = [a for a in apigateway.get_rest_apis()["items"] if a["name"] == name]
    before = apigateway.get_stage(restApiId=api["id"], stageName=ENV)["deploymentId"]
    with deploying.remote_state_at_the_emulator(target, repo, env):
        result = deploying.run_terraform(
            [
                "apply",
                "-auto-approve",
                "-input=false",
                "-no-color",
                deploying.var_file(target),
                "-replace=aws_api_gateway_deployment.this",
            ],
            target.terraform_dir(repo),
            env,
        )
    assert result.ok, result.output[-3000:]
    after = apigateway.get_stage(restApiId=api["id"], stageName=ENV)["deploymentId"]
    deployments = {d["id"] for d in apigateway.get_deployments(restApiId=api["id"])["items"]}
    assert after != before and after in deployments
    assert served.stage_problems(target) == []


def test_the_suite_passes_against_the_deployment(sandbox: Sandbox) -> None:
    target = sandbox.target
    report = target.workdir / "suite.json"
    result = run_suite(target.repos_root, ENV, target.endpoint_url, target.region, report, quiet=True)
    failures = "\n".join(f"{f['criterion']} {f['repo']}: {f['message']}" for f in result.failures)
    assert result.passed, failures or result.output[-3000:]
    assert result.summary.get("passed", 0) > 0
    assert result.live and live_supported()


def test_terraform_plan_shows_no_change_in_any_repository(sandbox: Sandbox) -> None:
    outcomes = bootstrap.plan_with_bootstrap(sandbox.target, base_env=sandbox.env)
    assert [o.repo for o in outcomes] == [bootstrap.name(sandbox.target), *sandbox.target.platform.repo_names]
    assert all(o.ok for o in outcomes), _explain(outcomes)
    changed = {o.repo: o.output_tail for o in outcomes if o.changes}
    assert not changed, "\n".join(f"{repo}:\n{lines}" for repo, lines in changed.items())


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_each_drift_applies_and_the_live_checks_catch_it(sandbox: Sandbox, name: str) -> None:
    target = sandbox.target
    drift = apply_drift(name, target.platform, ENV, target.endpoint_url)
    try:
        assert drift.changed
        report = target.workdir / f"drift-{name}.json"
        result = run_suite(
            target.repos_root, ENV, target.endpoint_url, target.region, report, quiet=True, marker="live"
        )
        failed = sorted({f["criterion"] for f in result.failures})
        expected = SCENARIOS[name].caught_by
        assert not result.passed, f"{name} ({drift.changed}) was not caught by the live checks"
        assert expected in failed, f"{name}: expected {expected} to fail, found {failed or result.output[-2000:]}"
    finally:
        drift.restore()


def sandbox_command(sandbox: Sandbox, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "scripts" / "sandbox.py"), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def validator(sandbox: Sandbox) -> subprocess.CompletedProcess[str]:
    """The infrastructure repo's own post-deploy validator, boto3 alone, against the emulator."""
    repo = sandbox.target.repos_root / sandbox.target.platform.infrastructure.repo
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    return subprocess.run(
        [
            sys.executable,
            "scripts/validate_infrastructure.py",
            "--env",
            ENV,
            "--endpoint-url",
            sandbox.target.endpoint_url,
        ],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )


def test_the_generated_validator_passes_then_catches_a_drift(sandbox: Sandbox) -> None:
    before = validator(sandbox)
    assert before.returncode == 0, before.stdout + before.stderr
    drift = apply_drift("pitr-disabled", sandbox.target.platform, ENV, sandbox.target.endpoint_url)
    try:
        after = validator(sandbox)
    finally:
        drift.restore()
    assert after.returncode == 1, after.stdout + after.stderr
    assert any(line.startswith("FAIL") and "ENABLED" in line for line in after.stdout.splitlines()), after.stdout


def test_the_check_command_exits_1_naming_the_criterion(sandbox: Sandbox) -> None:
    target = sandbox.target
    drift = apply_drift("dlq-receive-count", target.platform, ENV, target.endpoint_url)
    try:
        result = sandbox_command(
            sandbox,
            "check",
            "--endpoint-url",
            target.endpoint_url,
            "--repos-root",
            str(target.repos_root),
            "--env",
            ENV,
        )
    finally:
        drift.restore()
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-2000:]
    assert "INF-SQS-RECEIVE-COUNT" in result.stdout + result.stderr


def test_the_drift_jobs_command_exits_non_zero_naming_criterion_resource_expected_found(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """The scheduled drift job's own suite step (drift.yml, resolved through tox.ini), run here."""
    target = sandbox.target
    reports = tmp_path / "reports"
    command = suite_command(ENV, target.repos_root, reports)
    credentials = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    env = {**os.environ, **sandbox.env, **credentials, "AWS_ENDPOINT_URL": target.endpoint_url}
    drift = apply_drift("pitr-disabled", target.platform, ENV, target.endpoint_url)
    try:
        result = subprocess.run(
            command, cwd=tmp_path, env=env, capture_output=True, text=True, check=False, timeout=900
        )
    finally:
        drift.restore()
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-2000:]
    summary = (reports / f"drift-{ENV}.md").read_text(encoding="utf-8")
    table = target.platform.name(target.platform.infrastructure.table.thing, ENV)
    call = "describe_continuous_backups → PointInTimeRecoveryDescription.PointInTimeRecoveryStatus"
    assert f"| `INF-DDB-PITR` | {ENV} | `{table}` | ENABLED | DISABLED | `{call}` |" in summary, summary
    assert (reports / f"drift-{ENV}.xml").is_file() and (reports / f"drift-{ENV}.json").is_file()


def test_a_repository_edited_after_generation_fails_its_gate_and_the_drift_job(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """Checked-out repositories, two of them changed by a push after generation (PITR turned off, the
    OIDC step removed from a deploy workflow): the infrastructure's own deploy script stops at its
    static gate, before any plan, and drift.yml's check step (resolved through tox.ini) fails naming both."""
    target = sandbox.target
    fleet = tmp_path / "fleet"
    for repo in target.platform.repo_names:
        subprocess.run(["git", "clone", "--quiet", str(target.repo_dir(repo)), str(fleet / repo)], check=True)
    infra = target.platform.infrastructure.repo
    lambda_repo = target.platform.lambda_repo(target.platform.lambdas.functions[0])
    table = fleet / infra / "terraform" / "dynamodb.tf"
    text = table.read_text(encoding="utf-8")
    pitr = "point_in_time_recovery {\n    enabled = "
    pitr_off = text.replace(pitr + "true", pitr + "false")
    assert pitr_off != text
    table.write_text(pitr_off, encoding="utf-8")
    workflow = fleet / lambda_repo / ".github" / "workflows" / f"deploy-{ENV}.yml"
    text = workflow.read_text(encoding="utf-8")
    start, end = text.index("      - name: Configure AWS credentials (OIDC)"), text.index("      - name: Deploy")
    workflow.write_text(text[:start] + text[end:], encoding="utf-8")
    for repo in (infra, lambda_repo):
        git = ["git", "-C", str(fleet / repo), "-c", "user.name=t", "-c", "user.email=t@example.com"]
        subprocess.run([*git, "commit", "--quiet", "-am", "a change pushed after generation"], check=True)

    clones = Target(target.endpoint_url, ENV, target.platform, fleet, tmp_path / "work", target.spec)
    env = deploying.terraform_environment(clones, sandbox.env)
    _, code, output = deploying.run_deploy_script(clones, infra, env, plan_only=True, gates=True)
    assert code != 0 and deploying.failed_step(output) == "static-gate", output[-3000:]
    assert "INF-DDB-PITR" in output and "deploy.sh: plan" not in output

    reports = tmp_path / "reports"
    credentials = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    env = {**os.environ, **sandbox.env, **credentials, "AWS_ENDPOINT_URL": target.endpoint_url}
    result = subprocess.run(
        suite_command(ENV, fleet, reports), cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-2000:]
    report = json.loads((reports / f"drift-{ENV}.json").read_text(encoding="utf-8"))
    failed = {(r["criterion"], r["repo"]): r["message"] for r in report["results"] if r["outcome"] == "failed"}
    assert f"{infra}/terraform/dynamodb.tf:" in failed[("INF-DDB-PITR", infra)]
    assert f"{lambda_repo}/.github/workflows/deploy-{ENV}.yml" in failed[("WF-OIDC", lambda_repo)]
    assert {repo for _, repo in failed} == {infra, lambda_repo}, sorted(failed)


def test_restored_drifts_leave_a_passing_deployment(sandbox: Sandbox) -> None:
    target = sandbox.target
    report = target.workdir / "after-drifts.json"
    result = run_suite(target.repos_root, ENV, target.endpoint_url, target.region, report, quiet=True, marker="live")
    failures = "\n".join(f"{f['criterion']} {f['repo']}: {f['message']}" for f in result.failures)
    assert result.passed, failures or result.output[-3000:]


def test_the_served_checks_catch_a_queue_left_out_of_the_fan_out(sandbox: Sandbox) -> None:
    """Late in the module: the subscription made again has a new ARN, which Terraform would re-create."""
    target = sandbox.target
    sns = aws_client("sns", target.endpoint_url, target.region)
    audit_queue = target.platform.name(target.platform.infrastructure.audit_queue.thing, ENV)
    topic = target.platform.name(target.platform.infrastructure.events_topic.thing, ENV)
    subscriptions = sns.list_subscriptions()["Subscriptions"]
    (audit,) = [s for s in subscriptions if s["Endpoint"].endswith(f":{audit_queue}") and s["TopicArn"].endswith(topic)]
    sns.unsubscribe(SubscriptionArn=audit["SubscriptionArn"])
    try:
        assert served.fan_out_problems(target) == [
            f"queue {audit_queue} (audit_logger): expected the message sent to "
            f"{target.names.events_topic_arn}, found none"
        ]
    finally:
        sns.subscribe(
            TopicArn=audit["TopicArn"],
            Protocol="sqs",
            Endpoint=audit["Endpoint"],
            Attributes={"RawMessageDelivery": "true"},
        )


def test_the_served_checks_catch_a_stage_serving_a_deployment_without_the_methods(sandbox: Sandbox) -> None:
    """The stage pointed back at its first deployment (the root method only): every API method is missing."""
    target = sandbox.target
    apigateway = aws_client("apigateway", target.endpoint_url, target.region)
    name = target.platform.name(target.platform.infrastructure.rest_api.thing, ENV)
    (api,) = [a for a in apigateway.get_rest_apis()["items"] if a["name"] == name]
    serving = apigateway.get_stage(restApiId=api["id"], stageName=ENV)["deploymentId"]
    deployments = apigateway.get_deployments(restApiId=api["id"])["items"]
    first = min(deployments, key=lambda d: d["createdDate"])["id"]  # the infrastructure's, before any Lambda

    def point_at(deployment: str) -> None:
        operation = {"op": "replace", "path": "/deploymentId", "value": deployment}
        apigateway.update_stage(restApiId=api["id"], stageName=ENV, patchOperations=[operation])

    point_at(first)
    try:
        problems = served.stage_problems(target)
    finally:
        point_at(serving)
    methods = [f for f in target.platform.lambdas.functions if f.http_method]
    assert len(problems) == len(methods)
    for function, problem in zip(methods, problems, strict=True):
        assert problem.endswith(
            f"{function.http_method} {function.path}: expected the method of {function.name}, found none"
        )
    assert served.stage_problems(target) == []


def test_nothing_is_left_running(sandbox: Sandbox) -> None:
    sandbox.emulator.stop()
    with pytest.raises(ProcessLookupError):
        os.kill(sandbox.pid, 0)
    assert not deploying.CHILDREN._running
    assert _processes_under(sandbox.target.repos_root) == []

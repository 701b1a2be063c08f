"""The sandbox's parts that need no Terraform: override files, host and port rules, the emulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from conformance.evidence.hcl import ParseFailure, parse_hcl
from conformance.sandbox import cli
from conformance.sandbox.emulator import LOOPBACK, Emulator, EmulatorError, check_host, check_port
from conformance.sandbox.overrides import (
    REMOTE_STATE_OVERRIDE,
    emulator_settings,
    remote_states,
    render_remote_state_override,
    write_remote_state_override,
)

URL = "http://127.0.0.1:4566"

DATA_TF = """\
# remote state, written in an unusual style on purpose
data "terraform_remote_state" "infrastructure" {
  backend = "s3"

  config = {
    bucket = "bbws-terraform-state-${var.environment}"
    key    = format("%s/terraform.tfstate", local.infra_repo)
    "region" = var.aws_region
    use_path_style = false
  }
}

data "terraform_remote_state" "shared" {
  backend = "s3"
  config  = local.shared_state_config
}

data "terraform_remote_state" "local_one" {
  backend = "local"
  config = {
    path = "../x.tfstate"
  }
}
"""


def _config_entries(text: str, name: str) -> dict[str, str]:
    body = parse_hcl(text, "override.tf")
    assert not isinstance(body, ParseFailure), body
    block = next(b for b in body.blocks_of("data") if b.labels == ("terraform_remote_state", name))
    return {"config": block.body.attributes["config"].text}


def test_override_restates_the_original_expressions(tmp_path: Path) -> None:
    (tmp_path / "data.tf").write_text(DATA_TF, encoding="utf-8")
    written = write_remote_state_override(tmp_path, URL)
    assert written == tmp_path / REMOTE_STATE_OVERRIDE
    text = written.read_text(encoding="utf-8")
    config = _config_entries(text, "infrastructure")["config"]
    # The original expressions, exactly as written (not values worked out by the sandbox).
    assert 'bucket = "bbws-terraform-state-${var.environment}"' in config
    assert 'key = format("%s/terraform.tfstate", local.infra_repo)' in config
    assert '"region" = var.aws_region' in config
    # The emulator's settings replace the ones they name; nothing else is dropped.
    assert "use_path_style = false" not in config
    for key in emulator_settings(URL):
        assert f"{key} =" in config
    assert f's3 = "{URL}"' in config


def test_override_merges_a_config_that_is_not_an_object_literal(tmp_path: Path) -> None:
    (tmp_path / "data.tf").write_text(DATA_TF, encoding="utf-8")
    text = render_remote_state_override(remote_states(tmp_path), URL)
    config = _config_entries(text, "shared")["config"]
    assert config.startswith("merge(local.shared_state_config, {")
    assert "use_path_style = true" in config


def test_override_leaves_other_backends_alone(tmp_path: Path) -> None:
    (tmp_path / "data.tf").write_text(DATA_TF, encoding="utf-8")
    text = render_remote_state_override(remote_states(tmp_path), URL)
    assert '"local_one"' not in text


def test_override_ignores_existing_overrides_and_is_removed_when_unneeded(tmp_path: Path) -> None:
    (tmp_path / "data.tf").write_text(DATA_TF, encoding="utf-8")
    write_remote_state_override(tmp_path, URL)
    again = write_remote_state_override(tmp_path, "http://127.0.0.1:5000")
    assert again is not None
    assert "5000" in again.read_text(encoding="utf-8")
    assert "4566" not in again.read_text(encoding="utf-8")
    (tmp_path / "data.tf").write_text('resource "x" "y" {}\n', encoding="utf-8")
    assert write_remote_state_override(tmp_path, URL) is None
    assert not (tmp_path / REMOTE_STATE_OVERRIDE).exists()


def test_override_of_a_generated_lambda_repo(fleet: Path, platform) -> None:
    repo = fleet / platform.lambda_repo(platform.lambdas.functions[0]) / "terraform"
    states = remote_states(repo)
    assert [s.name for s in states] == ["infrastructure"]
    original = (repo / "data.tf").read_text(encoding="utf-8")
    for _key, text in states[0].entries or ():
        # Each entry restated is a slice of data.tf, character for character.
        assert text in original


@pytest.mark.parametrize("host", ["0.0.0.0", "localhost", "::", "192.168.1.10", ""])
def test_emulator_listens_on_loopback_only(host: str) -> None:
    with pytest.raises(EmulatorError, match=r"127\.0\.0\.1 only"):
        check_host(host)
    assert check_host(LOOPBACK) == LOOPBACK


def test_emulator_process_refuses_another_address() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "conformance.sandbox.emulator", "--host", "0.0.0.0", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "127.0.0.1 only" in result.stderr


@pytest.mark.parametrize("port", [-1, 65536])
def test_port_range(port: int) -> None:
    with pytest.raises(EmulatorError):
        check_port(port)


@pytest.mark.parametrize(
    "url",
    ["http://0.0.0.0:5000", "http://localhost:5000", "https://127.0.0.1:5000", "http://127.0.0.1", "https://sqs.aws"],
)
def test_endpoint_url_must_be_the_local_emulator(url: str) -> None:
    with pytest.raises(cli.SandboxExit, match=r"expected http://127\.0\.0\.1:PORT"):
        cli.check_endpoint_url(url)
    assert cli.check_endpoint_url("http://127.0.0.1:5000/") == "http://127.0.0.1:5000"


def test_missing_terraform_stops_with_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    from conformance.tooling import terraform

    def missing() -> str:
        raise terraform.TerraformUnavailable("terraform is not on the PATH: install Terraform >= 1.10 to run this")

    monkeypatch.setattr(terraform, "terraform_binary", missing)
    assert cli.main(["run", "--sandbox-dir", "unused"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: terraform is not on the PATH: install Terraform >= 1.10 to run this"]


@pytest.fixture(scope="module")
def emulator():
    with Emulator("111122223333") as running:
        pid = running.pid
        yield running
    with pytest.raises(ProcessLookupError):  # stopped, and nothing left behind
        os.kill(pid, 0)


def _client(service: str, url: str):
    return boto3.client(
        service, region_name="eu-west-1", endpoint_url=url, aws_access_key_id="x", aws_secret_access_key="x"
    )


def test_emulator_is_on_loopback_with_the_env_account(emulator: Emulator) -> None:
    assert emulator.url.startswith(f"http://{LOOPBACK}:")
    assert emulator.port > 0
    assert _client("sts", emulator.url).get_caller_identity()["Account"] == "111122223333"


def test_emulator_keeps_redrive_allow_policy_and_answers_compact_json(emulator: Emulator) -> None:
    sqs = _client("sqs", emulator.url)
    dlq = sqs.create_queue(QueueName="patch-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    main = sqs.create_queue(
        QueueName="patch-main",
        Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"})},
    )["QueueUrl"]
    main_arn = sqs.get_queue_attributes(QueueUrl=main, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    allow = json.dumps({"redrivePermission": "byQueue", "sourceQueueArns": [main_arn]})
    sqs.set_queue_attributes(QueueUrl=dlq, Attributes={"RedriveAllowPolicy": allow})

    read = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["RedriveAllowPolicy"])["Attributes"]
    assert json.loads(read["RedriveAllowPolicy"]) == json.loads(allow)
    assert "RedriveAllowPolicy" in sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["All"])["Attributes"]
    redrive = sqs.get_queue_attributes(QueueUrl=main, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"]
    assert redrive == f'{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":3}}'

    # An empty value removes it, as on AWS; a malformed one is refused, as on AWS.
    sqs.set_queue_attributes(QueueUrl=dlq, Attributes={"RedriveAllowPolicy": ""})
    assert "RedriveAllowPolicy" not in sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["All"])["Attributes"]
    with pytest.raises(sqs.exceptions.ClientError, match="RedriveAllowPolicy"):
        sqs.set_queue_attributes(QueueUrl=dlq, Attributes={"RedriveAllowPolicy": '{"redrivePermission": "some"}'})


def test_emulator_lists_event_source_mappings_by_function_name(emulator: Emulator) -> None:
    import io
    import zipfile

    iam = _client("iam", emulator.url)
    role = iam.create_role(RoleName="patch-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return None\n")
    lambda_ = _client("lambda", emulator.url)
    function = lambda_.create_function(
        FunctionName="patch-fn",
        Runtime="python3.12",
        Role=role,
        Handler="handler.handler",
        Code={"ZipFile": package.getvalue()},
    )["FunctionArn"]
    sqs = _client("sqs", emulator.url)
    queue = sqs.create_queue(QueueName="patch-source")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    # Created with the function's ARN (as Terraform does), found by its name (as AWS does).
    lambda_.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=function, BatchSize=10)
    by_name = lambda_.list_event_source_mappings(FunctionName="patch-fn")["EventSourceMappings"]
    by_arn = lambda_.list_event_source_mappings(FunctionName=function)["EventSourceMappings"]
    assert [m["EventSourceArn"] for m in by_name] == [queue_arn]
    assert [m["EventSourceArn"] for m in by_arn] == [queue_arn]
    assert lambda_.list_event_source_mappings(FunctionName="another-fn")["EventSourceMappings"] == []


def test_target_paths_are_absolute(platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from conformance.sandbox.target import Target

    monkeypatch.chdir(tmp_path)
    target = Target(URL, "dev", platform, Path("sandbox/repos"), Path("sandbox/.work"))
    assert target.repos_root == tmp_path / "sandbox" / "repos"
    assert target.workdir.is_absolute()
    assert target.log_path("repo", "apply") == tmp_path / "sandbox" / ".work" / "logs" / "repo.apply.log"


def test_a_busy_port_is_reported_in_one_line(emulator: Emulator) -> None:
    with pytest.raises(EmulatorError, match=rf"did not start \(exit \d+\): .*{emulator.port}"):
        Emulator("111122223333", port=emulator.port).start()


def test_emulator_keeps_the_queue_policy_when_other_attributes_change(emulator: Emulator) -> None:
    """Terraform writes the policy and the redrive allow policy in parallel; both must stay."""
    sqs = _client("sqs", emulator.url)
    queue = sqs.create_queue(QueueName="patch-policy")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "sqs:*", "Resource": arn}],
        }
    )
    sqs.set_queue_attributes(QueueUrl=queue, Attributes={"Policy": policy})
    allow = json.dumps({"redrivePermission": "denyAll"})
    sqs.set_queue_attributes(QueueUrl=queue, Attributes={"RedriveAllowPolicy": allow})
    read = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    assert json.loads(read["Policy"]) == json.loads(policy)
    assert json.loads(read["RedriveAllowPolicy"]) == json.loads(allow)


def _tls_only(bucket: str, *extra: dict) -> str:
    deny = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [deny, *extra]})


def test_emulator_lets_tls_standing_requests_through_a_tls_only_bucket_policy(emulator: Emulator) -> None:
    s3 = _client("s3", emulator.url)
    s3.create_bucket(Bucket="patch-state", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_bucket_policy(Bucket="patch-state", Policy=_tls_only("patch-state"))

    s3.put_object(Bucket="patch-state", Key="a/terraform.tfstate", Body=b"{}")
    assert s3.get_object(Bucket="patch-state", Key="a/terraform.tfstate")["Body"].read() == b"{}"

    # Any other deny still applies, as on AWS.
    other = {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::patch-state/*"}
    s3.put_bucket_policy(Bucket="patch-state", Policy=_tls_only("patch-state", other))
    with pytest.raises(s3.exceptions.ClientError, match=r"403|Forbidden|AccessDenied"):
        s3.get_object(Bucket="patch-state", Key="a/terraform.tfstate")


def _api_with_a_method(apigateway, name: str, path: str = "items") -> tuple[str, str]:
    api = apigateway.create_rest_api(name=name)["id"]
    root = apigateway.get_resources(restApiId=api)["items"][0]["id"]
    resource = apigateway.create_resource(restApiId=api, parentId=root, pathPart=path)["id"]
    apigateway.put_method(restApiId=api, resourceId=resource, httpMethod="GET", authorizationType="NONE")
    apigateway.put_integration(restApiId=api, resourceId=resource, httpMethod="GET", type="MOCK")
    return api, resource


def test_emulator_redeploys_a_stage_keeping_its_settings_and_frees_the_old_deployment(emulator: Emulator) -> None:
    apigateway = _client("apigateway", emulator.url)
    api, resource = _api_with_a_method(apigateway, "patch-stage")
    first = apigateway.create_deployment(restApiId=api)["id"]
    apigateway.create_stage(restApiId=api, stageName="dev", deploymentId=first, description="owned elsewhere")
    apigateway.update_stage(
        restApiId=api,
        stageName="dev",
        patchOperations=[{"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "7"}],
    )
    # A method added after the first deployment, then a deployment naming the stage (as a Lambda repo does).
    apigateway.put_method(restApiId=api, resourceId=resource, httpMethod="POST", authorizationType="AWS_IAM")
    apigateway.put_integration(restApiId=api, resourceId=resource, httpMethod="POST", type="MOCK")
    second = apigateway.create_deployment(restApiId=api, stageName="dev")["id"]

    stage = apigateway.get_stage(restApiId=api, stageName="dev")
    assert stage["deploymentId"] == second
    assert stage["description"] == "owned elsewhere"
    assert stage["methodSettings"]["*/*"]["throttlingBurstLimit"] == 7
    # Each deployment is the API as it was when it was made.
    summary = apigateway.get_deployment(restApiId=api, deploymentId=second, embed=["apisummary"])["apiSummary"]
    assert summary == {
        "/items": {
            "GET": {"authorizationType": "NONE", "apiKeyRequired": False},
            "POST": {"authorizationType": "AWS_IAM", "apiKeyRequired": False},
        }
    }
    assert list(apigateway.get_deployment(restApiId=api, deploymentId=first, embed=["apisummary"])["apiSummary"]) == [
        "/items"
    ]
    assert "apiSummary" not in apigateway.get_deployment(restApiId=api, deploymentId=first)
    # The stage's deployment cannot go; the one it left can.
    with pytest.raises(apigateway.exceptions.BadRequestException, match="Active stages"):
        apigateway.delete_deployment(restApiId=api, deploymentId=second)
    apigateway.delete_deployment(restApiId=api, deploymentId=first)
    assert [d["id"] for d in apigateway.get_deployments(restApiId=api)["items"]] == [second]


def test_the_deploy_script_gets_the_emulators_settings_through_its_environment(platform, tmp_path: Path) -> None:
    from conformance.sandbox.deploy import script_environment
    from conformance.sandbox.target import Target

    target = Target(URL, "dev", platform, tmp_path / "repos", tmp_path / "work", tmp_path / "spec.yaml")
    env = script_environment({"PATH": "/bin", "GITHUB_STEP_SUMMARY": "/tmp/summary"}, target)
    assert "GITHUB_STEP_SUMMARY" not in env and env["PATH"] == "/bin"
    assert env["TF_CLI_ARGS_init"].split() == [
        "-no-color",
        "-reconfigure",
        "-backend-config=use_path_style=true",
        "-backend-config=skip_credentials_validation=true",
        "-backend-config=skip_requesting_account_id=true",
        "-backend-config=skip_metadata_api_check=true",
    ]
    assert (env["PACKAGE_ARGS"], env["PYTHON"]) == ("--no-deps", sys.executable)
    # The gates run as in a workflow, against the emulator, by the sandbox's spec (terraform left to `check`).
    assert (env["CONFORMANCE_GATE"], env["CONFORMANCE_PLATFORM"]) == ("off", str(tmp_path / "spec.yaml"))
    assert script_environment({}, target, gates=True)["CONFORMANCE_GATE"] == "on"
    assert env["CONFORMANCE_ARGS"].split() == ["--endpoint-url", URL, "--terraform", "off"]
    assert "-lock=false" not in env["TF_CLI_ARGS_plan"]
    assert script_environment({}, target, plan_only=True)["TF_CLI_ARGS_plan"].endswith(" -lock=false")


def test_the_deploy_scripts_step_markers_are_its_timings() -> None:
    from conformance.sandbox.deploy import failed_step, step_timings

    output = (
        "::group::deploy.sh: init\nInitializing...\n::endgroup::\ndeploy.sh: init took 1.25 s\n"
        "::group::deploy.sh: plan\nError: boom\n"
    )
    assert [(s.name, s.seconds) for s in step_timings(output)] == [("init", 1.25)]
    assert failed_step(output) == "plan"
    assert failed_step("error: scripts/deploy.sh ENV: expected one of dev, found 'qa'\n") == "its checks"

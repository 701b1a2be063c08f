"""What the deployed fleet serves, read back through the emulator after a deploy.

- **The stage**: the REST API's stage named after the env exists, keeps its access log and
  throttling, and the deployment it serves holds every API Lambda's method with the spec's
  authorisation (`GetDeployment(embed=apisummary)`: the methods recorded when the deployment
  was made, i.e. what the stage serves, not merely what the API's draft holds).
- **The fan-out**: one message published where the API Lambdas publish (the events topic)
  arrives, raw, in every event-driven Lambda's own queue. The probe is deleted again.

Each finding is one line; the outcome fails when any does.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from conformance.platform.model import Kind
from conformance.sandbox.deploy import RepoOutcome, Step
from conformance.sandbox.emulator import aws_client
from conformance.sandbox.target import Target

NAME = "stage and fan-out"
PROBE_ATTRIBUTE = "event_type"
RECEIVE_SECONDS = 10.0


def _name(target: Target, thing: str) -> str:
    return target.platform.name(thing, target.env)


def stage_problems(target: Target) -> list[str]:
    platform, env = target.platform, target.env
    apigateway = aws_client("apigateway", target.endpoint_url, target.region)
    api_name = target.names.rest_api
    apis = [a for a in apigateway.get_rest_apis(limit=500).get("items", []) if a.get("name") == api_name]
    if len(apis) != 1:
        return [f"REST API {api_name}: expected exactly one, found {len(apis)}"]
    api_id = apis[0]["id"]
    try:
        stage = apigateway.get_stage(restApiId=api_id, stageName=env)
    except apigateway.exceptions.NotFoundException:
        return [f"REST API {api_name}: expected a stage {env}, found none"]
    problems = []
    access_logs = f":log-group:{target.names.api_access_log_group}"
    destination = (stage.get("accessLogSettings") or {}).get("destinationArn", "")
    if access_logs not in destination:
        problems.append(f"stage {env}: expected access logs to ...{access_logs}, found {destination or 'none'}")
    spec = platform.infrastructure.api_stage
    settings = (stage.get("methodSettings") or {}).get("*/*", {})
    wanted = {"throttlingBurstLimit": spec.throttling_burst_limit, "throttlingRateLimit": spec.throttling_rate_limit}
    for key, value in wanted.items():
        if settings.get(key) is None or float(settings[key]) != float(value):
            problems.append(f"stage {env} */* {key}: expected {value}, found {settings.get(key)}")
    deployment = apigateway.get_deployment(restApiId=api_id, deploymentId=stage["deploymentId"], embed=["apisummary"])
    summary: dict[str, Any] = deployment.get("apiSummary") or {}
    for function in platform.lambdas.functions:
        if function.kind is not Kind.API:
            continue
        served = summary.get(function.path or "", {}).get(function.http_method or "")
        what = f"stage {env} (deployment {stage['deploymentId']}) {function.http_method} {function.path}"
        if served is None:
            problems.append(f"{what}: expected the method of {function.name}, found none")
        elif served.get("authorizationType") != platform.authorization(function):
            problems.append(
                f"{what}: expected authorization {platform.authorization(function)}, "
                f"found {served.get('authorizationType')}"
            )
    return problems


def _receive(sqs: Any, url: str, body: str) -> dict[str, Any] | None:
    """The probe from the queue (deleted once read), or None within RECEIVE_SECONDS."""
    deadline = time.monotonic() + RECEIVE_SECONDS
    while time.monotonic() < deadline:
        for message in sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, MessageAttributeNames=["All"]
        ).get("Messages", []):
            if message.get("Body") == body:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                return message
    return None


def fan_out_problems(target: Target) -> list[str]:
    platform = target.platform
    sns = aws_client("sns", target.endpoint_url, target.region)
    sqs = aws_client("sqs", target.endpoint_url, target.region)
    topic_arn = target.names.events_topic_arn
    body = json.dumps({"sandbox_probe": str(uuid.uuid4())})
    attribute = {PROBE_ATTRIBUTE: {"DataType": "String", "StringValue": "sandbox-probe"}}
    try:
        sns.publish(TopicArn=topic_arn, Message=body, MessageAttributes=attribute)
    except sns.exceptions.NotFoundException:
        return [f"events topic {topic_arn}: expected it to exist, found none"]
    problems = []
    for function in platform.lambdas.functions:
        if function.consumed_queue is None:
            continue
        queue = _name(target, platform.infrastructure.queue_spec(function.consumed_queue).thing)
        url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
        message = _receive(sqs, url, body)
        if message is None:
            problems.append(f"queue {queue} ({function.name}): expected the message sent to {topic_arn}, found none")
            continue
        found = (message.get("MessageAttributes") or {}).get(PROBE_ATTRIBUTE, {}).get("StringValue")
        if found != "sandbox-probe":
            problems.append(f"queue {queue}: expected the attribute {PROBE_ATTRIBUTE} (raw delivery), found {found}")
    return problems


def verify(target: Target) -> RepoOutcome:
    """The stage and the fan-out, as one outcome of the deploy (failed when anything is missing)."""
    outcome = RepoOutcome(NAME)
    problems: list[str] = []
    for step, check in (("stage", stage_problems), ("fan-out", fan_out_problems)):
        started = time.perf_counter()
        problems += check(target)
        outcome.steps.append(Step(step, time.perf_counter() - started))
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        outcome.error = f"{NAME}: {problems[0]}{more}"
        outcome.output_tail = "\n".join(problems)
    return outcome

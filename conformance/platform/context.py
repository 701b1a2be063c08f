"""The context the cookiecutter templates render from, derived from the platform model.

Templates never spell a name, region, account or number: they read them from here. Names
are given in their Terraform form (`bbws-products-${var.environment}`) so that one rendered
file serves every environment, and in their concrete form per environment where a file is
written once per environment (tfvars, backend settings, workflows).
"""

from __future__ import annotations

from typing import Any

from conformance.platform.model import LAMBDA_LOGS_KEY_THING, LAMBDA_ROLE_THING, LambdaFunction, Platform

HCL_ENVIRONMENT = "${var.environment}"


def hcl_name(platform: Platform, thing: str) -> str:
    """A resource name as a Terraform string template over `var.environment`."""
    return platform.name(thing, HCL_ENVIRONMENT)


def _key(attribute: Any) -> dict[str, str] | None:
    return None if attribute is None else {"name": attribute.name, "type": attribute.type}


def function_context(platform: Platform, function: LambdaFunction) -> dict[str, Any]:
    """Everything one Lambda repository needs to know about its own function."""
    return {
        "name": function.name,
        "dashed": function.dashed,
        "repo": platform.lambda_repo(function),
        "kind": function.kind.value,
        "operation": function.operation.value,
        "dynamodb": function.dynamodb,
        "publishes_changes": function.publishes_changes,
        "http_method": function.http_method,
        "path": function.path,
        "function_name": hcl_name(platform, function.dashed),
        "role_name": hcl_name(platform, function.role_thing),
        "authorization": platform.authorization(function),
        "queue": function.consumed_queue,
    }


def _queue(queue: Any) -> dict[str, int]:
    return {
        "message_retention_seconds": queue.message_retention_seconds,
        "visibility_timeout_seconds": queue.visibility_timeout_seconds,
        "dead_letter_max_receive_count": queue.dead_letter.max_receive_count,
        "dead_letter_retention_seconds": queue.dead_letter.message_retention_seconds,
    }


def deploy_context(platform: Platform) -> dict[str, Any]:
    """The fan-out, the stage and the account bootstrap, as the templates use them."""
    infra = platform.infrastructure
    return {
        "names": {
            "events_topic": hcl_name(platform, infra.events_topic.thing),
            "audit_queue": hcl_name(platform, infra.audit_queue.thing),
            "audit_dead_letter": hcl_name(platform, infra.audit_queue.dead_letter.thing),
            "api_access_logs": hcl_name(platform, infra.api_stage.access_log_thing),
            "apigateway_logs_role": hcl_name(platform, infra.bootstrap.apigateway_logs_role),
        },
        "audit_queue": _queue(infra.audit_queue),
        "api_stage": {
            "throttling_burst_limit": infra.api_stage.throttling_burst_limit,
            "throttling_rate_limit": infra.api_stage.throttling_rate_limit,
        },
        "extra_outputs": dict(infra.extra_outputs),
        "api_authorization": dict(platform.lambdas.authorization),
        "extra_remote_state_locals": dict(platform.lambdas.extra_remote_state_locals),
        "bootstrap": {
            "state_key": platform.bootstrap_state_key,
            "state_bucket": platform.state.bucket.format(env=HCL_ENVIRONMENT),
            "lock_table": platform.state.lock_table.format(env=HCL_ENVIRONMENT),
            "repo_deploy_role": platform.github.repo_deploy_role.replace("{env}", HCL_ENVIRONMENT),
            "github_environments": {name: platform.github_environment(name) for name in platform.environments},
        },
    }


def platform_context(platform: Platform) -> dict[str, Any]:
    """The `_platform` value of both templates: the whole spec, names resolved."""
    infra = platform.infrastructure
    table = infra.table
    return {
        "project": platform.project,
        "env_names": list(platform.environments),
        "environments": {
            name: {
                "name": name,
                "log_retention_days": env.log_retention_days,
                "approval_environment": env.approval_environment,
                "confirmation": env.confirmation,
                "state_bucket": platform.state_bucket(name),
                "lock_table": platform.lock_table(name),
            }
            for name, env in platform.environments.items()
        },
        "naming_hcl": platform.naming.replace("{env}", HCL_ENVIRONMENT),
        "lambda_repo": platform.lambdas.repo,
        "lambda_role_thing": LAMBDA_ROLE_THING,
        "state": {
            "bucket": platform.state.bucket.format(env=HCL_ENVIRONMENT),
            "key_pattern": platform.state.key,
            "infrastructure_key": platform.state_key(infra.repo),
        },
        "github": platform.github.model_dump(),
        "infrastructure_repo": infra.repo,
        "conformance": {
            "repository": f"{platform.github.organisation}/{platform.conformance.repository}",
            "kit_ref": platform.conformance.kit_ref,
            "role_name": hcl_name(platform, platform.conformance.readonly_role),
            "subjects": platform.conformance_subjects(HCL_ENVIRONMENT),
        },
        "names": {
            "table": hcl_name(platform, table.thing),
            "queue": hcl_name(platform, infra.queue.thing),
            "dead_letter": hcl_name(platform, infra.queue.dead_letter.thing),
            "audit_bucket": hcl_name(platform, infra.audit_bucket.thing),
            "alert_topic": hcl_name(platform, infra.alert_topic.thing),
            "rest_api": hcl_name(platform, infra.rest_api.thing),
            "dlq_alarm": hcl_name(platform, infra.dlq_alarm.thing),
            "lambda_logs_key": hcl_name(platform, LAMBDA_LOGS_KEY_THING),
        },
        "table": {
            "billing_mode": table.billing_mode.value,
            "point_in_time_recovery": table.point_in_time_recovery,
            "hash_key": _key(table.hash_key),
            "range_key": _key(table.range_key),
            "attributes": [{"name": n, "type": t} for n, t in table.attributes.items()],
            "global_secondary_indexes": [
                {"name": gsi.name, "hash_key": _key(gsi.hash_key), "range_key": _key(gsi.range_key)}
                for gsi in table.global_secondary_indexes
            ],
        },
        "queue": _queue(infra.queue),
        "audit_bucket": {
            "glacier_after_days": infra.audit_bucket.glacier_after_days,
            "abort_incomplete_uploads_after_days": infra.audit_bucket.abort_incomplete_uploads_after_days,
        },
        "dlq_alarm": {"threshold": infra.dlq_alarm.threshold, "period_seconds": infra.dlq_alarm.period_seconds},
        "outputs": dict(infra.outputs),
        "lambdas": {
            "runtime": platform.lambdas.runtime,
            "memory_mb": platform.lambdas.memory_mb,
            "timeout_seconds": platform.lambdas.timeout_seconds,
            "batch_size": platform.lambdas.batch_size,
            "remote_state_locals": dict(platform.lambdas.remote_state_locals),
        },
        "functions": [function_context(platform, f) for f in platform.lambdas.functions],
        "api_paths": sorted({f.path for f in platform.lambdas.functions if f.path}),
        "deploy": deploy_context(platform),
    }


def environment_answers(platform: Platform) -> dict[str, str]:
    """Region and account per env: answers of both templates, so a user can set them."""
    answers: dict[str, str] = {}
    for name, env in platform.environments.items():
        answers[f"{name}_region"] = env.region
        answers[f"{name}_account_id"] = env.account_id
    return answers


def infrastructure_answers(platform: Platform) -> dict[str, Any]:
    """The answers that render the infrastructure repository."""
    return {
        "repo_name": platform.infrastructure.repo,
        **environment_answers(platform),
        "_platform": platform_context(platform),
    }


def lambda_answers(platform: Platform, function: LambdaFunction) -> dict[str, Any]:
    """The answers that render one Lambda repository (the same keys as its cookiecutter.json)."""
    return {
        "lambda_name": function.name,
        "kind": function.kind.value,
        "operation": function.operation.value,
        "http_method": function.http_method or "",
        "path": function.path or "",
        "dynamodb": "yes" if function.dynamodb else "no",
        **environment_answers(platform),
        "_platform": platform_context(platform),
    }

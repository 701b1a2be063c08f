"""IAM: an execution role per Lambda, trusted by the Lambda service (the drift check's role: conformance_role)."""

from __future__ import annotations

import json
from typing import Any

from conformance.core import Problem, expected
from conformance.criteria.base import Criterion, reads
from conformance.criteria.hcl_checks import named, value, where
from conformance.criteria.infrastructure import INFRASTRUCTURE, RESOURCES, TERRAFORM
from conformance.evidence.evaluate import decode_json
from conformance.evidence.fleet import FleetEvidence, RepoView
from conformance.evidence.module import Instance
from conformance.live import iam as iam_live
from conformance.live.errors import Missing
from conformance.live.view import LiveView

LAMBDA_SERVICE = "lambda.amazonaws.com"


def _trusts_lambda(view: RepoView, role: Instance) -> bool:
    policy = value(view, role, "assume_role_policy", None)
    if policy is None:
        return False
    try:
        text = json.dumps(decode_json(policy), default=str)
    except (ValueError, TypeError):
        text = str(policy)
    if LAMBDA_SERVICE in text:
        return True
    # A policy document data source: look for the service principal in it.
    reference = getattr(policy, "target", None)
    document = view.module.resource(reference) if reference else None
    return document is not None and any(
        LAMBDA_SERVICE in json.dumps(value(view, i, "identifiers", []))
        for statement in view.values.instances(document)
        for s in statement.nested("statement")
        for i in s.nested("principals")
    )


def iam_roles(view: RepoView, _: FleetEvidence) -> list[Problem]:
    problems = []
    for function in view.platform.lambdas.functions:
        role = named(view, "aws_iam_role", view.names.role(function))
        if not _trusts_lambda(view, role):
            problems.append(
                Problem(where(role, "assume_role_policy"), expected("a trust policy for lambda.amazonaws.com", "none"))
            )
    return problems


def _lambda_may_assume(document: Any) -> bool:
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    for statement in statements if isinstance(statements, list) else [statements]:
        services = (statement.get("Principal") or {}).get("Service", [])
        actions = statement.get("Action", [])
        if (
            statement.get("Effect") == "Allow"
            and LAMBDA_SERVICE in ([services] if isinstance(services, str) else services)
            and "sts:AssumeRole" in ([actions] if isinstance(actions, str) else actions)
        ):
            return True
    return False


def iam_roles_live(view: LiveView) -> list[Problem]:
    problems = []
    for function in view.platform.lambdas.functions:
        name = view.names.role(function)
        try:
            role = iam_live.role(view.live, name)
        except Missing as gone:
            problems.append(gone.problem())
            continue
        document = role.get("AssumeRolePolicyDocument")
        if not _lambda_may_assume(document):
            principals = [s.get("Principal") for s in (document or {}).get("Statement", [])]
            problems.append(
                Problem.drift(
                    name,
                    "a trust policy letting lambda.amazonaws.com sts:AssumeRole",
                    json.dumps(principals),
                    "get_role → Role.AssumeRolePolicyDocument",
                )
            )
    return problems


CRITERIA = [
    Criterion(
        id="INF-IAM-ROLES",
        title="An execution role per Lambda, trusted by Lambda",
        requirement=RESOURCES,
        scope=INFRASTRUCTURE,
        files=TERRAFORM,
        static=iam_roles,
        live=iam_roles_live,
        live_reads=reads("iam:GetRole@roles"),
        owns=("roles",),
    ),
]

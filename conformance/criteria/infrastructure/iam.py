"""IAM: the base Lambda execution roles (the drift check's role: conformance_role).

"IAM: base Lambda execution roles" names no roles: one per Lambda, one per kind or one shared
role all conform, as long as there is at least one, each is trusted by Lambda (`sts:AssumeRole`
for lambda.amazonaws.com) and each may write its logs (`logs:CreateLogStream` and
`logs:PutLogEvents`: the AWSLambdaBasicExecutionRole managed policy, or a policy of its own).
The roles' names from the spec, one per Lambda, are this kit's convention (platform profile,
INF-IAM-ROLE-NAMES), which the live half reads by name.

A role's permissions can be written in many places (managed policy attachments, the role's own
`managed_policy_arns` and `inline_policy`, `aws_iam_role_policy`, the exclusive-set resources):
every one is read, a Deny anywhere wins, and two mechanisms that both manage the same set fight.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from conformance.core import Problem, Stop, expected
from conformance.criteria.base import Criterion, Profile, reads
from conformance.criteria.hcl_checks import (
    config,
    configured_twice,
    instances_of,
    named,
    none_found,
    points_at,
    unresolved,
    value,
    where,
)
from conformance.criteria.iam_policy import Statement, covers, granted, statements
from conformance.criteria.infrastructure import INFRASTRUCTURE, RESOURCES, TERRAFORM
from conformance.evidence.evaluate import Ref, Template, Unresolvable
from conformance.evidence.fleet import FleetEvidence, RepoView
from conformance.evidence.module import Instance
from conformance.live import iam as iam_live
from conformance.live.errors import Missing
from conformance.live.view import LiveView

LAMBDA_SERVICE = "lambda.amazonaws.com"
ASSUME = "sts:AssumeRole"
LOGGING = ("logs:CreateLogStream", "logs:PutLogEvents")
# AWS managed policies that grant a Lambda its logs (each holds logs:CreateLogStream and logs:PutLogEvents).
LOGGING_POLICIES = (
    "AWSLambdaBasicExecutionRole",
    "AWSLambdaVPCAccessExecutionRole",
    "AWSLambdaSQSQueueExecutionRole",
    "AWSLambdaDynamoDBExecutionRole",
    "AWSLambdaKinesisExecutionRole",
    "AWSLambdaMSKExecutionRole",
)
ROLE = ("name", "id")  # an aws_iam_role's id is its name


# -- trust -------------------------------------------------------------------------------------


def _lambda_principal(statement: Statement) -> bool:
    return LAMBDA_SERVICE in [str(s) for s in statement.principals.get("Service", ())]


def _anyone(statement: Statement) -> bool:
    return any("*" in [str(i) for i in identifiers] for identifiers in statement.principals.values())


def trusts_lambda(found: list[Statement]) -> bool:
    """An Allow of sts:AssumeRole for lambda.amazonaws.com, and no Deny of it (for Lambda or anyone)."""
    about_lambda = [s for s in found if _lambda_principal(s) or (s.effect == "Deny" and _anyone(s))]
    return granted(about_lambda, ASSUME)


def lambda_roles(view: RepoView) -> list[Instance]:
    """Every role (root module and local modules) that Lambda may assume."""
    return [r for r in instances_of(view, "aws_iam_role") if trusts_lambda(statements(view, r, "assume_role_policy"))]


# -- what a role may do ------------------------------------------------------------------------


@dataclass
class Grants:
    """Everything a role is given: managed policies (ARN or name) and statements, with where each is set."""

    managed: list[Any]
    statements: list[Statement]
    places: dict[str, list[tuple[str, str]]]  # "managed policies" / "inline policies" -> (what, where)


def _role_of(view: RepoView, instance: Instance, attribute: str, role: Instance, name: str) -> bool:
    return points_at(value(view, instance, attribute, None), role, ROLE, literal=name)


def _policy_statements(view: RepoView, arn: Any) -> tuple[list[Statement], Any]:
    """A customer managed policy's statements (aws_iam_policy), or what names an existing policy (its ARN or name)."""
    reference = arn.parts[0] if isinstance(arn, Template) and len(arn.parts) == 1 else arn
    if not isinstance(reference, Ref):
        return [], arn
    found = config(view).block(reference.target)
    if found is None:
        return [], arn
    env_module, block = found
    try:
        policies = [p for p in env_module.instances(block) if reference.key is None or p.key == reference.key]
    except Unresolvable as error:
        raise Stop(unresolved(view, error)) from None
    if block.type == "data":  # data "aws_iam_policy": an existing policy, known by its ARN or name
        names = [value(view, p, "arn", None) or value(view, p, "name", None) for p in policies]
        return [], names[0] if names else arn
    return [s for p in policies for s in statements(view, p, "policy")], arn


def grants(view: RepoView, role: Instance) -> Grants:
    name = value(view, role, "name", None)
    managed: list[Any] = []
    found: list[Statement] = []
    places: dict[str, list[tuple[str, str]]] = {"managed policies": [], "inline policies": []}
    own = value(view, role, "managed_policy_arns", None)
    if own is not None:
        places["managed policies"].append((f"{role.address}.managed_policy_arns", where(role, "managed_policy_arns")))
        managed += list(own)
    attachments = [
        a for a in instances_of(view, "aws_iam_role_policy_attachment") if _role_of(view, a, "role", role, name)
    ]
    for attachment in attachments:
        places["managed policies"].append((attachment.address, where(attachment)))
        managed.append(value(view, attachment, "policy_arn", None))
    for attachment in instances_of(view, "aws_iam_policy_attachment"):
        if any(points_at(r, role, ROLE, literal=name) for r in value(view, attachment, "roles", []) or []):
            managed.append(value(view, attachment, "policy_arn", None))
    exclusive = [
        a
        for a in instances_of(view, "aws_iam_role_policy_attachments_exclusive")
        if _role_of(view, a, "role_name", role, name)
    ]
    if exclusive:  # only these stay attached
        managed = [arn for a in exclusive for arn in value(view, a, "policy_arns", []) or []]
    inline_blocks = role.nested("inline_policy")
    if inline_blocks:
        places["inline policies"].append((f"{role.address} (inline_policy)", where(inline_blocks[0])))
    inline = [(b, value(view, b, "name", None)) for b in inline_blocks if value(view, b, "policy", None) is not None]
    policies = [p for p in instances_of(view, "aws_iam_role_policy") if _role_of(view, p, "role", role, name)]
    places["inline policies"] += [(p.address, where(p)) for p in policies]
    inline += [(p, value(view, p, "name", None)) for p in policies]
    kept = [
        a for a in instances_of(view, "aws_iam_role_policies_exclusive") if _role_of(view, a, "role_name", role, name)
    ]
    if kept:  # inline policies not named there are removed
        names = {n for a in kept for n in value(view, a, "policy_names", []) or []}
        inline = [(p, n) for p, n in inline if n in names]
    for policy, _ in inline:
        found += statements(view, policy, "policy")
    known = []
    for arn in managed:
        more, read = _policy_statements(view, arn)
        found += more
        known.append(read)
    return Grants(known, found, places)


def _aws_logging_policy(arn: Any) -> bool:
    """An AWS managed logging policy by its ARN (`arn:<partition>:iam::aws:policy/...`) or its bare name."""
    text = str(arn)
    return text in LOGGING_POLICIES or (":iam::aws:policy/" in text and text.rsplit("/", 1)[-1] in LOGGING_POLICIES)


def logs_granted(given: Grants) -> bool:
    """The role may write its logs: a logging managed policy or its own statements, and no Deny of either."""
    if any(s.effect == "Deny" and covers(s, action) for s in given.statements for action in LOGGING):
        return False
    if any(_aws_logging_policy(arn) for arn in given.managed):
        return True
    return all(granted(given.statements, action) for action in LOGGING)


def fights(role: Instance, given: Grants) -> list[Problem]:
    """The role's managed (or inline) policies set both on the role and by separate resources."""
    problems = []
    for what, places in given.places.items():
        on_role = [p for p in places if p[0].startswith(f"{role.address}.") or p[0].startswith(f"{role.address} (")]
        if on_role and len(places) > 1:
            problems += configured_twice(f"the {what} of {role.address}", places)
    return problems


# -- static ------------------------------------------------------------------------------------


def iam_roles(view: RepoView, _: FleetEvidence) -> list[Problem]:
    """At least one role Lambda may assume; each one may write its logs."""
    roles = lambda_roles(view)
    if not roles:
        seen = sorted(str(value(view, r, "name", None)) for r in instances_of(view, "aws_iam_role"))
        found = f"none among {', '.join(seen)}" if seen else "no aws_iam_role at all"
        raise none_found(
            view,
            Problem(
                f"{view.name}/terraform", expected(f"an aws_iam_role trusted by {LAMBDA_SERVICE} ({ASSUME})", found)
            ),
        )
    problems = []
    for role in roles:
        given = grants(view, role)
        problems += fights(role, given)
        if not logs_granted(given):
            what = "logs:CreateLogStream and logs:PutLogEvents (e.g. the AWSLambdaBasicExecutionRole managed policy)"
            problems.append(Problem(where(role), f"{role.address}: {expected(what, 'not granted')}"))
    return problems


def iam_role_names(view: RepoView, _: FleetEvidence) -> list[Problem]:
    """The kit's convention: a role per Lambda, named by the spec, trusted by Lambda."""
    problems = []
    for function in view.platform.lambdas.functions:
        role = named(view, "aws_iam_role", view.names.role(function))
        if not trusts_lambda(statements(view, role, "assume_role_policy")):
            problems.append(
                Problem(where(role, "assume_role_policy"), expected(f"a trust policy for {LAMBDA_SERVICE}", "none"))
            )
    return problems


# -- live --------------------------------------------------------------------------------------


def _lambda_may_assume(document: Any) -> bool:
    statements_ = document.get("Statement", []) if isinstance(document, dict) else []
    for statement in statements_ if isinstance(statements_, list) else [statements_]:
        services = (statement.get("Principal") or {}).get("Service", [])
        actions = statement.get("Action", [])
        if (
            statement.get("Effect") == "Allow"
            and LAMBDA_SERVICE in ([services] if isinstance(services, str) else services)
            and ASSUME in ([actions] if isinstance(actions, str) else actions)
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
                    f"a trust policy letting {LAMBDA_SERVICE} {ASSUME}",
                    json.dumps(principals),
                    "get_role → Role.AssumeRolePolicyDocument",
                )
            )
    return problems


CRITERIA = [
    Criterion(
        id="INF-IAM-ROLES",
        title="Base Lambda execution roles: trusted by Lambda, each may write its logs",
        requirement=RESOURCES,
        scope=INFRASTRUCTURE,
        files=TERRAFORM,
        static=iam_roles,
    ),
    Criterion(
        id="INF-IAM-ROLE-NAMES",
        profile=Profile.PLATFORM,
        title="An execution role per Lambda, named by the spec, trusted by Lambda",
        requirement=RESOURCES,
        scope=INFRASTRUCTURE,
        files=TERRAFORM,
        static=iam_role_names,
        live=iam_roles_live,
        live_reads=reads("iam:GetRole@roles"),
        owns=("roles",),
    ),
]

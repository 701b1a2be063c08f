"""The drift check's read-only role: trusted by the conformance repository's OIDC for one env,
allowed exactly the live suite's reads (derived from the live checks' declarations), plus a
narrow, separate permission to publish to the alert topic.

This criterion judges the live suite itself, so it cannot import the catalogue (which imports
it): the catalogue hands it the live criteria through `register(live_criteria)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial

from conformance.core import Problem, Stop, describe, expected
from conformance.criteria.base import Criterion, Profile, Requirement, reads
from conformance.criteria.hcl_checks import instances_of, named, refers_to, unresolved, value, where
from conformance.criteria.iam_policy import Statement, json_statements, statements
from conformance.criteria.infrastructure import INFRASTRUCTURE, TERRAFORM
from conformance.criteria.infrastructure.sns import alert_topic
from conformance.evidence.evaluate import Unresolvable
from conformance.evidence.fleet import FleetEvidence, RepoView
from conformance.evidence.module import Instance
from conformance.live import iam as iam_live
from conformance.live.errors import Missing
from conformance.live.permissions import UNSCOPED_ACTIONS, DeclaresReads, needed_actions
from conformance.live.view import LiveView

LiveCriteria = Callable[[], Iterable[DeclaresReads]]

ID = "INF-CONFORMANCE-ROLE"
KIND = "conformance_role"
GITHUB_OIDC = "token.actions.githubusercontent.com"
OIDC_PROVIDER_SUFFIX = f":oidc-provider/{GITHUB_OIDC}"
ASSUME = "sts:AssumeRoleWithWebIdentity"
AUDIENCE = "sts.amazonaws.com"
SUBJECT_TESTS = ("StringEquals", "StringLike")
PUBLISH = "sns:Publish"
# Publishing to a topic encrypted with a customer-managed key uses that key through SNS.
PUBLISH_KEY_ACTIONS = frozenset({"kms:Decrypt", "kms:GenerateDataKey"})


def _attached(view: RepoView, resource_type: str, role: Instance, role_name: str) -> list[Instance]:
    """Policies attached to the role, by reference or by its name.

    A block whose instances cannot be computed (`for_each` over another role's instances) is
    passed over when neither its `role` nor its `for_each` mentions this role.
    """
    found = []
    for block in view.module.resources(resource_type):
        try:
            instances = view.values.instances(block)
        except Unresolvable as error:
            texts = [a.text for k, a in block.body.attributes.items() if k in ("role", "for_each")]
            if any(role.block.address in text for text in texts):
                raise Stop(unresolved(view, error)) from None
            continue
        for instance in instances:
            attached_to = value(view, instance, "role", None)
            if refers_to(attached_to, role) or attached_to == role_name:
                found.append(instance)
    return found


# -- trust -------------------------------------------------------------------------------------


def _federated_github(statement: Statement) -> bool:
    identifiers = statement.principals.get("Federated", ())
    return (
        set(statement.principals) == {"Federated"}
        and bool(identifiers)
        and all(str(i).endswith(OIDC_PROVIDER_SUFFIX) for i in identifiers)
    )


@dataclass(frozen=True)
class TrustFinding:
    """One way a trust policy differs from the drift check's: which part, expected, found."""

    statement: Statement | None
    part: str
    wanted: str
    found: str


def trust_findings(documents: list[Statement], subjects: list[str]) -> list[TrustFinding]:
    """What differs from "only the conformance repository's OIDC subjects of this env"."""
    wanted = sorted(subjects)
    allowed = [s for s in documents if s.allows]
    if not allowed:
        return [TrustFinding(None, "trust", "a statement allowing " + ASSUME, "none")]
    findings = []
    for statement in allowed:
        if set(statement.actions) != {ASSUME} or statement.not_actions:
            found = describe(list(statement.actions or statement.not_actions))
            findings.append(TrustFinding(statement, "trust actions", repr([ASSUME]), found))
        if not _federated_github(statement):
            found = describe({k: [str(i) for i in v] for k, v in statement.principals.items()})
            findings.append(
                TrustFinding(statement, "trust principal", f"only the Federated {GITHUB_OIDC} provider", found)
            )
        audience = statement.conditions.get(("StringEquals", f"{GITHUB_OIDC}:aud"))
        if audience is None or list(audience) != [AUDIENCE]:
            found = describe(list(audience)) if audience is not None else "no StringEquals condition on it"
            findings.append(TrustFinding(statement, f"{GITHUB_OIDC}:aud", repr([AUDIENCE]), found))
        found_subjects = sorted(
            {
                str(v)
                for (test, variable), values in statement.conditions.items()
                for v in values
                if variable == f"{GITHUB_OIDC}:sub" and test in SUBJECT_TESTS
            }
        )
        if found_subjects != wanted:
            found = (
                describe(found_subjects) if found_subjects else "no condition on it: any repository may assume the role"
            )
            findings.append(TrustFinding(statement, f"{GITHUB_OIDC}:sub", f"exactly {wanted}", found))
    return findings


def trust_problems(view: RepoView, role: Instance) -> list[Problem]:
    assert view.env is not None
    findings = trust_findings(
        statements(view, role, "assume_role_policy"), view.platform.conformance_subjects(view.env)
    )
    return [
        Problem(
            f.statement.location if f.statement else where(role, "assume_role_policy"),
            f"{f.part}: {expected(f.wanted, f.found)}" if f.statement else expected(f.wanted, f.found),
        )
        for f in findings
    ]


# -- permissions -------------------------------------------------------------------------------


def _publish_problems(statement: Statement, topic: Instance) -> list[Problem]:
    narrow = (
        set(statement.actions) == {PUBLISH}
        and statement.resources
        and all(refers_to(r, topic) for r in statement.resources)
    )
    if narrow:
        return []
    found = f"actions {list(statement.actions)} on {[str(r) for r in statement.resources]}"
    return [
        Problem(statement.location, expected(f"{PUBLISH} in a statement of its own, on the alert topic only", found))
    ]


def _publish_key_problems(view: RepoView, statement: Statement, topic: Instance) -> list[Problem]:
    key = value(view, topic, "kms_master_key_id", None)
    keys = [i for i in instances_of(view, "aws_kms_key") if refers_to(key, i)]
    if statement.resources and all(any(refers_to(r, k) for k in keys) for r in statement.resources):
        return []
    found = [str(r) for r in statement.resources]
    return [Problem(statement.location, expected("the alert topic's KMS key as the only resource", found))]


def permission_problems(view: RepoView, role: Instance, role_name: str, needed: dict[str, list[str]]) -> list[Problem]:
    problems: list[Problem] = []
    for attachment in _attached(view, "aws_iam_role_policy_attachment", role, role_name):
        arn = value(view, attachment, "policy_arn", None)
        problems.append(
            Problem(where(attachment), expected("only the inline read and notify policies", f"attached {arn}"))
        )
    policies = _attached(view, "aws_iam_role_policy", role, role_name)
    granted = [s for p in policies for s in statements(view, p, "policy") if s.allows]
    topic = alert_topic(view)
    seen: set[str] = set()
    for statement in granted:
        if statement.not_actions or statement.not_resources:
            problems.append(Problem(statement.location, expected("Action and Resource lists", "NotAction/NotResource")))
        for action in statement.actions:
            seen.add(action)
            if action in needed:
                if action not in UNSCOPED_ACTIONS and "*" in statement.resources:
                    problems.append(
                        Problem(statement.location, expected(f"{action} on the env's own resources", '"*"'))
                    )
            elif action == PUBLISH:
                problems.extend(_publish_problems(statement, topic))
            elif action in PUBLISH_KEY_ACTIONS:
                problems.extend(_publish_key_problems(view, statement, topic))
            else:
                wanted = "only the live suite's reads and " + PUBLISH
                problems.append(
                    Problem(statement.location, expected(wanted, f"{action}, which the live suite never calls"))
                )
    anchor = where(policies[0]) if policies else where(role)
    for action, operations in sorted(needed.items()):
        if action not in seen:
            problems.append(
                Problem(anchor, expected(f"{action} (the live suite calls {', '.join(operations)})", "no grant"))
            )
    if PUBLISH not in seen:
        problems.append(
            Problem(anchor, expected(f"{PUBLISH} on the alert topic (the drift check's notify step)", "no grant"))
        )
    return problems


def readonly_role(view: RepoView, _: FleetEvidence, *, live_criteria: LiveCriteria) -> list[Problem]:
    name = view.names.conformance_role
    role = named(view, "aws_iam_role", name)
    needed = needed_actions(view.platform, live_criteria())
    return trust_problems(view, role) + permission_problems(view, role, name, needed)


# -- live: the deployed role -------------------------------------------------------------------


TRUST_CALL = "get_role → Role.AssumeRolePolicyDocument"


def readonly_role_live(view: LiveView) -> list[Problem]:
    """The deployed role still trusts only this env's subjects and has no managed policy attached."""
    name = view.names.conformance_role
    try:
        role = iam_live.role(view.live, name, "the drift check's read-only role", KIND)
    except Missing as gone:
        return [gone.problem()]
    document = role.get("AssumeRolePolicyDocument") or {}
    problems = [
        Problem.drift(name, f"{f.part}: {f.wanted}", f.found, TRUST_CALL)
        for f in trust_findings(json_statements(document, name), view.platform.conformance_subjects(view.env))
    ]
    attached = [p.get("PolicyArn") for p in iam_live.attached_policies(view.live, name, KIND)]
    if attached:
        call = "list_attached_role_policies → AttachedPolicies[].PolicyArn"
        problems.append(
            Problem.drift(name, "no managed policy attached (only its inline read and notify policies)", attached, call)
        )
    return problems


def register(live_criteria: LiveCriteria) -> list[Criterion]:
    """The criterion, its static check given the live suite's criteria (called when it runs)."""
    return [
        Criterion(
            id=ID,
            profile=Profile.PLATFORM,
            title="The drift check's read-only role: its env's OIDC subjects, the live suite's reads only",
            requirement=Requirement.DRIFT_ROLE,
            scope=INFRASTRUCTURE,
            files=TERRAFORM,
            static=partial(readonly_role, live_criteria=live_criteria),
            live=readonly_role_live,
            live_reads=reads("iam:GetRole@conformance_role", "iam:ListAttachedRolePolicies@conformance_role"),
            owns=(KIND,),
        ),
    ]

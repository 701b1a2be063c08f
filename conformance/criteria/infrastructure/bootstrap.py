"""The account bootstrap (bootstrap/ of the infrastructure repository, applied once per env account): the
state bucket and lock table every backend uses, the GitHub OIDC provider, and each repository's deploy role
trusted only by that repository's deploy jobs in the env's GitHub environment.

The bootstrap is a Terraform root of its own, judged like terraform/ (the same evaluation, with the env's
terraform/environments/<env>.tfvars, which its commands read too). Names come from the spec: state.bucket,
state.lock_table, github.repo_deploy_role.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from conformance.core import Problem, Stop, describe, expected
from conformance.criteria.base import Criterion, Profile
from conformance.criteria.hcl_checks import instances_of, named, none_found, refers_to, value, where
from conformance.criteria.iam_policy import Statement, statements
from conformance.criteria.infrastructure import INFRASTRUCTURE, RESOURCES
from conformance.criteria.infrastructure.conformance_role import ASSUME, AUDIENCE, GITHUB_OIDC, OIDC_PROVIDER_SUFFIX
from conformance.criteria.infrastructure.dynamodb import enabled_block
from conformance.criteria.infrastructure.s3 import (
    companions,
    encryption_problems,
    public_access_problems,
    versioning_problems,
)
from conformance.evidence.fleet import FleetEvidence, RepoView
from conformance.evidence.module import Instance

FOLDER = "bootstrap"
FILES = ("bootstrap/*.tf", "terraform/environments/{env}.tfvars")
GITHUB_OIDC_URL = f"https://{GITHUB_OIDC}"
LOCK_KEY = "LockID"  # the hash key Terraform's S3 backend writes its locks under
SUBJECT = f"{GITHUB_OIDC}:sub"


def bootstrap(view: RepoView) -> RepoView:
    """The infrastructure repository's bootstrap root, for the view's env."""
    return dataclasses.replace(view, folder=FOLDER)


def collect(*checks: Callable[[], list[Problem]]) -> list[Problem]:
    """Every check's problems: one that cannot go on (Stop) does not hide the others'."""
    problems = []
    for check in checks:
        try:
            problems += check()
        except Stop as stop:
            problems += stop.problems
    return problems


# -- the state bucket --------------------------------------------------------------------------


def _denies_plain_http(statement: Statement) -> bool:
    """Deny, to everyone, every S3 action (or every action) when the request is not over TLS."""
    everyone = any("*" in [str(i) for i in ids] for ids in statement.principals.values())
    every_action = any(str(a) in ("s3:*", "*") for a in statement.actions)
    insecure = [str(v).lower() for v in statement.conditions.get(("Bool", "aws:SecureTransport"), ())]
    return statement.effect == "Deny" and everyone and every_action and insecure == ["false"]


def tls_only_problems(view: RepoView, bucket: Instance, name: str) -> list[Problem]:
    """A bucket policy that denies every request without TLS, to the bucket and to its objects."""
    policies = [(p, "policy") for p in companions(view, "aws_s3_bucket_policy", bucket, name)]
    if value(view, bucket, "policy", None):
        policies.append((bucket, "policy"))
    what = "a bucket policy denying s3:* to every principal when aws:SecureTransport is false (TLS only)"
    if not policies:
        raise none_found(view, Problem(where(bucket), expected(what, "no bucket policy")))
    denials = [s for instance, attribute in policies for s in statements(view, instance, attribute)]
    denials = [s for s in denials if _denies_plain_http(s)]
    if not denials:
        return [Problem(where(policies[0][0], "policy"), expected(what, "no such statement"))]
    problems = []
    for statement in denials:
        resources = statement.resources
        whole = any(refers_to(r, bucket, ("arn",)) or r == f"arn:aws:s3:::{name}" for r in resources)
        objects = any(str(r).endswith("/*") for r in resources)
        if not (whole and objects):
            wanted = f"the bucket's ARN and its objects ({bucket.address}.arn and .../*)"
            found = f"[{', '.join(str(r) for r in resources)}]"
            problems.append(Problem(statement.location, f"resources: {expected(wanted, found)}"))
    return problems


def state_bucket(view: RepoView, _: FleetEvidence) -> list[Problem]:
    """The spec's state bucket: versioned, encrypted, public access blocked, TLS only."""
    b = bootstrap(view)
    name = b.names.state_bucket
    bucket = named(b, "aws_s3_bucket", name, "bucket")
    return collect(
        lambda: versioning_problems(b, bucket, name),
        lambda: encryption_problems(b, bucket, name),
        lambda: public_access_problems(b, bucket, name),
        lambda: tls_only_problems(b, bucket, name),
    )


# -- the lock table ----------------------------------------------------------------------------


def lock_table(view: RepoView, _: FleetEvidence) -> list[Problem]:
    """The spec's lock table: keyed by LockID (what the S3 backend writes), point-in-time recovery on."""
    b = bootstrap(view)
    table = named(b, "aws_dynamodb_table", b.names.lock_table)
    problems = []
    key = value(b, table, "hash_key", None)
    if key != LOCK_KEY:
        problems.append(Problem(where(table, "hash_key"), f"hash_key: {expected(repr(LOCK_KEY), describe(key))}"))
    return problems + enabled_block(b, table, "point_in_time_recovery")


# -- the GitHub OIDC provider ------------------------------------------------------------------


def github_providers(view: RepoView) -> list[Instance]:
    return [
        p
        for p in instances_of(view, "aws_iam_openid_connect_provider")
        if str(value(view, p, "url", "")).removeprefix("https://") == GITHUB_OIDC
    ]


def oidc_provider(view: RepoView, _: FleetEvidence) -> list[Problem]:
    """One provider for GitHub's token issuer, accepting the audience the roles trust (sts.amazonaws.com)."""
    b = bootstrap(view)
    providers = github_providers(b)
    if not providers:
        what = f"an aws_iam_openid_connect_provider with url {GITHUB_OIDC_URL!r}"
        found = [str(value(b, p, "url", None)) for p in instances_of(b, "aws_iam_openid_connect_provider")]
        raise none_found(b, Problem(f"{b.name}/{FOLDER}", expected(what, ", ".join(found) or "none")))
    problems = []
    if len(providers) > 1:
        places = ", ".join(f"{p.address} at {where(p)}" for p in providers[1:])
        problems.append(Problem(where(providers[0]), f"the GitHub OIDC provider configured twice: {places}"))
    for provider in providers:
        audiences = value(b, provider, "client_id_list", None) or []
        if AUDIENCE not in audiences:
            found = describe(list(audiences)) if audiences else "none"
            problems.append(
                Problem(where(provider, "client_id_list"), f"client_id_list: {expected(repr([AUDIENCE]), found)}")
            )
    return problems


# -- the deploy roles --------------------------------------------------------------------------


def _from_github(view: RepoView, identifier: object) -> bool:
    """The account's GitHub OIDC provider: a reference to it, or its ARN written out."""
    if str(identifier).endswith(OIDC_PROVIDER_SUFFIX):
        return True
    return any(refers_to(identifier, p, ("arn", "id")) for p in github_providers(view))


def trust_problems(view: RepoView, role: Instance, subject: str) -> list[Problem]:
    """Only `subject` (StringEquals, no wildcard), audience sts.amazonaws.com, through GitHub's OIDC provider."""
    allowed = [s for s in statements(view, role, "assume_role_policy") if s.allows]
    if not allowed:
        return [Problem(where(role, "assume_role_policy"), expected(f"a statement allowing {ASSUME}", "none"))]
    problems = []
    for statement in allowed:

        def problem(part: str, wanted: str, found: str, at: Statement = statement) -> None:
            problems.append(Problem(at.location, f"{part}: {expected(wanted, found)}"))

        if set(statement.actions) != {ASSUME} or statement.not_actions:
            problem("trust actions", repr([ASSUME]), describe(list(statement.actions or statement.not_actions)))
        federated = statement.principals.get("Federated", ())
        if set(statement.principals) != {"Federated"} or not all(_from_github(view, i) for i in federated):
            found = describe({k: [str(i) for i in v] for k, v in statement.principals.items()})
            problem("trust principal", f"only the Federated {GITHUB_OIDC} provider", found)
        audience = statement.conditions.get(("StringEquals", f"{GITHUB_OIDC}:aud"))
        if audience is None or list(audience) != [AUDIENCE]:
            found = describe(list(audience)) if audience is not None else "no StringEquals condition on it"
            problem(f"{GITHUB_OIDC}:aud", repr([AUDIENCE]), found)
        for (test, variable), values in statement.conditions.items():
            if variable == SUBJECT and test != "StringEquals":
                problem(SUBJECT, f"StringEquals {[subject]}", f"{test} {describe(list(values))}")
        exact = statement.conditions.get(("StringEquals", SUBJECT))
        if exact is None or list(exact) != [subject]:
            found = describe(list(exact)) if exact else "no StringEquals condition on it: any repository may assume it"
            problem(SUBJECT, f"exactly {[subject]}", found)
    return problems


def deploy_roles(view: RepoView, _: FleetEvidence) -> list[Problem]:
    """Each repository's deploy role (github.repo_deploy_role), trusted only by its own jobs in the env's
    GitHub environment."""
    b = bootstrap(view)
    assert b.env is not None
    platform = b.platform
    repos = [platform.infrastructure.repo] + [platform.lambda_repo(f) for f in platform.lambdas.functions]
    checks = [
        lambda repo=repo: trust_problems(
            b,
            named(b, "aws_iam_role", platform.repo_deploy_role(repo, b.env or "")),
            platform.deploy_subject(repo, b.env or ""),
        )
        for repo in repos
    ]
    return collect(*checks)


CRITERIA = [
    Criterion(
        id="INF-BOOTSTRAP-STATE-BUCKET",
        profile=Profile.PLATFORM,
        title="Bootstrap: the state bucket is versioned, encrypted, not public and TLS only",
        requirement=RESOURCES,
        scope=INFRASTRUCTURE,
        files=FILES,
        static=state_bucket,
    ),
    Criterion(
        id="INF-BOOTSTRAP-LOCK-TABLE",
        profile=Profile.PLATFORM,
        title="Bootstrap: the lock table is keyed by LockID with point-in-time recovery",
        requirement=RESOURCES,
        scope=INFRASTRUCTURE,
        files=FILES,
        static=lock_table,
    ),
    Criterion(
        id="INF-BOOTSTRAP-OIDC",
        profile=Profile.PLATFORM,
        title="Bootstrap: the GitHub OIDC provider, audience sts.amazonaws.com",
        requirement=RESOURCES,
        scope=INFRASTRUCTURE,
        files=FILES,
        static=oidc_provider,
    ),
    Criterion(
        id="INF-BOOTSTRAP-DEPLOY-ROLES",
        profile=Profile.PLATFORM,
        title="Bootstrap: each repository's deploy role trusted only by its own jobs in the env's GitHub environment",
        requirement=RESOURCES,
        scope=INFRASTRUCTURE,
        files=FILES,
        static=deploy_roles,
    ),
]

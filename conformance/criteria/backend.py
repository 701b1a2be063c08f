"""Backend: S3 state with locking and one key per repository; tfvars: region and account per env."""

from __future__ import annotations

import re
from typing import Any

from conformance.core import Problem, Stop, describe, expected
from conformance.criteria.base import Criterion, RepoScope, Requirement
from conformance.criteria.hcl_checks import parse_failures, truthy, unresolved
from conformance.evidence.evaluate import Evaluator, Scope, Unresolvable
from conformance.evidence.fleet import FleetEvidence, RepoView
from conformance.evidence.hcl import ParseFailure

BACKEND_FILE_SUFFIXES = (".hcl", ".tfbackend")


def backend_files(view: RepoView, evidence: FleetEvidence) -> list[str]:
    """Partial backend settings for the env: `terraform/**/<...env...>.hcl|.tfbackend`."""
    assert view.env is not None
    candidates = evidence.list(view.name, "terraform", BACKEND_FILE_SUFFIXES, recursive=True)
    return [path for path in candidates if view.env in re.split(r"[._-]", path.rsplit("/", 1)[-1])]


BACKEND_FLAG = re.compile(r"""-backend-config[= ]["']?(\w+)=([^"'\s]+)""")


def workflow_backend_flags(view: RepoView, evidence: FleetEvidence) -> dict[str, tuple[Any, str]]:
    """`terraform init -backend-config=key=value` flags in the env's deploy workflow."""
    relative = f".github/workflows/deploy-{view.env}.yml"
    text = evidence.text(view.name, relative) or ""
    found: dict[str, tuple[Any, str]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if "terraform" in line and "init" in line:
            for key, raw in BACKEND_FLAG.findall(line):
                found[key] = ({"true": True, "false": False}.get(raw, raw), view.where(relative, number))
    return found


def backend_settings(view: RepoView, evidence: FleetEvidence) -> tuple[str, dict[str, tuple[Any, str]]]:
    """(backend type, setting -> (value, where)) with the env's partial config merged in."""
    block = view.module.backend()
    if block is None:
        raise (
            Stop(*parse_failures(view))
            if view.module.failures
            else Stop(Problem(view.where("terraform"), expected("a terraform { backend ... } block", "none")))
        )
    plain = Evaluator(Scope({}, {}))
    settings: dict[str, tuple[Any, str]] = {}

    def take(attributes: dict, where: str) -> None:
        for name, attribute in attributes.items():
            try:
                settings[name] = (plain.attribute(attribute), f"{where}:{attribute.location.line}")
            except Unresolvable as error:
                raise Stop(Problem(f"{where}:{attribute.location.line}", str(error))) from None

    take(block.body.attributes, block.location.file)
    for name, (setting, where) in workflow_backend_flags(view, evidence).items():
        settings[name] = (setting, where)
    for relative in backend_files(view, evidence):
        body = evidence.hcl(view.name, relative)
        if isinstance(body, ParseFailure):
            raise Stop(Problem(f"{body.file}:{body.line}", f"does not parse: {body.reason}"))
        if body is not None:
            take(body.attributes, view.where(relative))
    return block.labels[0], settings


def backend_s3(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    kind, settings = backend_settings(view, evidence)
    if kind != "s3":
        return [Problem(view.where("terraform/backend.tf"), expected('backend "s3"', f'backend "{kind}"'))]
    wanted = view.names.state_bucket
    bucket, where = settings.get("bucket", (None, view.where("terraform/backend.tf")))
    if bucket != wanted:
        return [Problem(where, f"bucket: {expected(repr(wanted), describe(bucket))}")]
    return []


def backend_lock(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    _, settings = backend_settings(view, evidence)
    table, _ = settings.get("dynamodb_table", (None, ""))
    lockfile, _ = settings.get("use_lockfile", (None, ""))
    if (isinstance(table, str) and table) or truthy(lockfile):
        return []
    return [
        Problem(
            view.where("terraform/backend.tf"), expected("dynamodb_table or use_lockfile = true", "no state locking")
        )
    ]


def backend_key(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    _, settings = backend_settings(view, evidence)
    wanted = view.platform.state_key(view.name)
    key, where = settings.get("key", (None, view.where("terraform/backend.tf")))
    return [] if key == wanted else [Problem(where, f"key: {expected(repr(wanted), describe(key))}")]


def tfvars(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    assert view.env is not None
    relative = f"terraform/environments/{view.env}.tfvars"
    loaded = evidence.tfvars(view.name, view.env)
    if loaded is None:
        return [Problem(view.where(relative), expected("the file", "none"))]
    if isinstance(loaded, ParseFailure):
        return [Problem(f"{loaded.file}:{loaded.line}", f"does not parse: {loaded.reason}")]
    values, errors = loaded
    problems = [unresolved(view, e) for e in errors.values()]
    spec = view.platform.environments[view.env]
    providers = [
        b for b in view.module.of_type("provider") if b.labels == ("aws",) and "alias" not in b.body.attributes
    ]
    if not providers:
        return [*problems, Problem(view.where("terraform"), expected('a provider "aws" block', "none"))]
    provider = providers[0]
    for name, wanted in (("region", spec.region),):
        attribute = provider.body.attributes.get(name)
        found = view.values.value(attribute) if attribute else None
        if found != wanted:
            problems.append(
                Problem(
                    f"{provider.location}", f"provider {name} for {view.env}: {expected(repr(wanted), describe(found))}"
                )
            )
    allowed = provider.body.attributes.get("allowed_account_ids")
    if allowed is not None:
        found = view.values.value(allowed)
        if found != [spec.account_id]:
            problems.append(
                Problem(
                    str(allowed.location), f"allowed_account_ids for {view.env}: {expected([spec.account_id], found)}"
                )
            )
    elif spec.account_id not in [str(v) for v in values.values()]:
        problems.append(Problem(view.where(relative), expected(f"the account id {spec.account_id}", "none")))
    return problems


B = Requirement.BACKEND
EVERY = RepoScope.EVERY_REPO
BACKEND_FILES = ("terraform/backend.tf", "terraform/environments/{env}.backend.hcl")
CRITERIA = [
    Criterion(
        id="REPO-BACKEND-S3",
        title="S3 backend, in the env's state bucket",
        requirement=B,
        scope=EVERY,
        files=BACKEND_FILES,
        static=backend_s3,
    ),
    Criterion(
        id="REPO-BACKEND-LOCK",
        title="State locking (DynamoDB table or S3 lock file)",
        requirement=B,
        scope=EVERY,
        files=BACKEND_FILES,
        static=backend_lock,
    ),
    Criterion(
        id="REPO-BACKEND-KEY",
        title="A state key of its own: <repo>/terraform.tfstate",
        requirement=B,
        scope=EVERY,
        files=BACKEND_FILES,
        static=backend_key,
    ),
    Criterion(
        id="REPO-TFVARS",
        title="Region and account per env in environments/<env>.tfvars",
        requirement=Requirement.INFRA_FILES,
        scope=EVERY,
        files=("terraform/environments/{env}.tfvars", "terraform/*.tf"),
        static=tfvars,
    ),
]

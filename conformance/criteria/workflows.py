"""Deploy workflows: manual dispatch, OIDC into the env's account, the sit gate, the prod confirmation."""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any

from conformance.core import Problem, Stop, expected
from conformance.criteria.base import Criterion, Profile, RepoScope, Requirement
from conformance.evidence.fleet import FleetEvidence, RepoView, YamlFailure
from conformance.platform.model import Platform

MANUAL_TRIGGERS = {"workflow_dispatch", "workflow_call"}
CREDENTIALS_ACTION = "aws-actions/configure-aws-credentials@"
ROLE_ARN = re.compile(r"^arn:aws:iam::(\d{12}):role/[\w+=,.@/-]+$")
PINNED = re.compile(r"^[^@\s]+@[0-9a-f]{40}$")
# How a step fails in shell, Python or github-script.
FAILS = re.compile(r"\bexit [1-9]|\bfalse\b|\bsys\.exit\((?!0\))|\braise\b|core\.setFailed")


def workflow_path(env: str) -> str:
    return f".github/workflows/deploy-{env}.yml"


def workflow(view: RepoView, evidence: FleetEvidence) -> dict[str, Any]:
    assert view.env is not None
    relative = workflow_path(view.env)
    data = evidence.yaml(view.name, relative)
    if data is None:
        raise Stop(Problem(view.where(relative), expected("the workflow", "none")))
    if isinstance(data, YamlFailure):
        raise Stop(Problem(f"{data.file}:{data.line}", f"does not parse: {data.reason}"))
    return data


def triggers(data: dict[str, Any]) -> dict[str, Any]:
    on = data.get("on")
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(on)
    return on if isinstance(on, dict) else {}


def deploy_jobs(view: RepoView, data: dict[str, Any]) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(job id, job, credentials step) for every job that assumes an AWS role."""
    found = []
    for job_id, job in (data.get("jobs") or {}).items():
        for step in job.get("steps") or []:
            if str(step.get("uses", "")).startswith(CREDENTIALS_ACTION):
                found.append((job_id, job, step))
    if not found:
        raise Stop(
            Problem(
                view.where(workflow_path(view.env or "")), expected(f"a step using {CREDENTIALS_ACTION}<sha>", "none")
            )
        )
    return found


def dispatch(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    on = triggers(workflow(view, evidence))
    where = view.where(workflow_path(view.env or ""))
    if "workflow_dispatch" not in on:
        return [Problem(where, expected("on: workflow_dispatch", sorted(on) or "no trigger"))]
    automatic = sorted(set(on) - MANUAL_TRIGGERS)
    if automatic:
        return [Problem(where, expected("manual dispatch only", f"also on: {', '.join(automatic)}"))]
    return []


def grants_id_token(permissions: Any) -> bool:
    return permissions == "write-all" or (isinstance(permissions, dict) and permissions.get("id-token") == "write")


def oidc(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    data = workflow(view, evidence)
    spec = view.platform.environments[view.env or ""]
    where = view.where(workflow_path(view.env or ""))
    problems = []
    for job_id, job, step in deploy_jobs(view, data):
        permissions = job.get("permissions", data.get("permissions"))
        if not grants_id_token(permissions):
            problems.append(
                Problem(where, f"jobs.{job_id}.permissions: {expected('id-token: write', json.dumps(permissions))}")
            )
        settings = step.get("with") or {}
        if "aws-access-key-id" in settings or "aws-secret-access-key" in settings:
            problems.append(Problem(where, f"jobs.{job_id}: {expected('OIDC (no stored keys)', 'aws-access-key-id')}"))
        role = str(settings.get("role-to-assume", ""))
        match = ROLE_ARN.match(role)
        if not match or match.group(1) != spec.account_id:
            problems.append(
                Problem(
                    where,
                    f"jobs.{job_id} role-to-assume: {expected(f'a role in account {spec.account_id}', role or 'none')}",
                )
            )
        region = settings.get("aws-region")
        if region != spec.region:
            problems.append(Problem(where, f"jobs.{job_id} aws-region: {expected(spec.region, region)}"))
    return problems


def environment_name(job: dict[str, Any]) -> str | None:
    environment = job.get("environment")
    return environment.get("name") if isinstance(environment, dict) else environment


def approval(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    wanted = view.platform.environments[view.env or ""].approval_environment
    # Without a gate, the job may still run in the env's (unprotected) GitHub environment.
    allowed = {wanted} if wanted else {None, view.platform.github_environment(view.env or "")}
    data = workflow(view, evidence)
    return [
        Problem(
            view.where(workflow_path(view.env or "")),
            f"jobs.{job_id}.environment: {expected(repr(wanted), repr(environment_name(job)))}",
        )
        for job_id, job, _ in deploy_jobs(view, data)
        if environment_name(job) not in allowed
    ]


def checks_confirmation(step: dict[str, Any], inputs: list[str], confirmation: str) -> bool:
    """A step that reads a dispatch input, compares it with the confirmation text and fails otherwise.

    A step that may be skipped (`if:`) or whose failure is ignored (`continue-on-error`) guards nothing.
    """
    if "if" in step or step.get("continue-on-error") not in (None, False):
        return False
    text = json.dumps({k: step.get(k) for k in ("env", "run", "if", "with")})
    reads_input = any(re.search(rf"(github\.event\.)?inputs\.{re.escape(i)}\b", text) for i in inputs)
    fails = bool(FAILS.search(str(step.get("run", "")) + str(step.get("with", ""))))
    return reads_input and confirmation in text and fails


def confirmation(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    spec = view.platform.environments[view.env or ""]
    wanted = spec.confirmation or ""
    data = workflow(view, evidence)
    where = view.where(workflow_path(view.env or ""))
    dispatch_trigger = triggers(data).get("workflow_dispatch") or {}
    inputs = [name for name, body in (dispatch_trigger.get("inputs") or {}).items() if (body or {}).get("required")]
    if not inputs:
        return [Problem(where, expected("a required workflow_dispatch input for the typed confirmation", "none"))]
    problems = []
    jobs = data.get("jobs") or {}
    for job_id, job, _ in deploy_jobs(view, data):
        first_steps = [(job.get("steps") or [{}])[0]]
        needs = job.get("needs") or []
        for needed in [needs] if isinstance(needs, str) else needs:
            first_steps.append(((jobs.get(needed) or {}).get("steps") or [{}])[0])
        if not any(checks_confirmation(step, inputs, wanted) for step in first_steps):
            problems.append(
                Problem(
                    where,
                    f"jobs.{job_id}: {expected(f'a first step that fails unless the input reads {wanted!r}', 'none')}",
                )
            )
    return problems


@cache
def workflow_schema() -> dict[str, Any]:
    schema = resources.files("check_jsonschema") / "builtin_schemas" / "vendor" / "github-workflows.json"
    return json.loads(schema.read_text(encoding="utf-8"))


def schema(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    import jsonschema

    data = workflow(view, evidence)
    validator = jsonschema.Draft7Validator(workflow_schema())
    where = view.where(workflow_path(view.env or ""))
    problems = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))[:5]:
        # "is not valid under any of the given schemas" hides the cause: report the deepest one.
        cause = max(error.context or [error], key=lambda e: len(e.absolute_path))
        path = ".".join(map(str, cause.absolute_path)) or "(top)"
        problems.append(Problem(where, f"{path}: {cause.message[:200]}"))
    return problems


def pinned(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    data = workflow(view, evidence)
    where = view.where(workflow_path(view.env or ""))
    return [
        Problem(where, f"jobs.{job_id}: {expected('an action pinned to a full commit SHA', step['uses'])}")
        for job_id, job in (data.get("jobs") or {}).items()
        for step in job.get("steps") or []
        if "uses" in step and not str(step["uses"]).startswith("./") and not PINNED.match(str(step["uses"]))
    ]


def has_approval(platform: Platform, env: str) -> bool:
    return platform.environments[env].approval_environment is not None


def has_confirmation(platform: Platform, env: str) -> bool:
    return platform.environments[env].confirmation is not None


W = Requirement.INFRA_WORKFLOWS
EVERY = RepoScope.EVERY_REPO
FILES = (".github/workflows/deploy-{env}.yml",)
CRITERIA = [
    Criterion(
        id="WF-DISPATCH",
        title="Deploys start by manual dispatch",
        requirement=W,
        scope=EVERY,
        files=FILES,
        static=dispatch,
    ),
    Criterion(
        id="WF-OIDC",
        title="OIDC: id-token write and a role in the env's account, no stored keys",
        requirement=W,
        scope=EVERY,
        files=FILES,
        static=oidc,
    ),
    Criterion(
        id="WF-APPROVAL",
        title="The deploy waits for the env's protected GitHub environment",
        requirement=W,
        scope=EVERY,
        files=FILES,
        static=approval,
        env_applies=has_approval,
    ),
    Criterion(
        id="WF-CONFIRM",
        title="A typed confirmation is checked before anything else runs",
        requirement=W,
        scope=EVERY,
        files=FILES,
        static=confirmation,
        env_applies=has_confirmation,
    ),
    Criterion(
        id="WF-SCHEMA",
        title="Valid against GitHub's workflow schema",
        requirement=W,
        scope=EVERY,
        files=FILES,
        static=schema,
    ),
    Criterion(
        id="WF-PINNED",
        profile=Profile.PLATFORM,
        title="Actions pinned to full commit SHAs",
        requirement=W,
        scope=EVERY,
        files=FILES,
        static=pinned,
    ),
]

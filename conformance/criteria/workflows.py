"""Deploy workflows: manual dispatch, OIDC into the env's account, the sit gate, the prod confirmation.

Judged by what a run would do (conformance.evidence.workflow_run), not by how the YAML is
written: values through `env:` at any level and `${{ }}`, any job layout (a plan job beside
the gated apply job, a confirmation job the deploy `needs`, a job-level `if:`), and a
confirmation checked in bash, `test`, `[[ ]]`, `case`, `grep` or Python. What cannot be
resolved (secrets, vars) fails with "cannot resolve", naming the line.

Over 400 lines as one idea: the deploy workflow's criteria, each a question about its runs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import cache, partial
from importlib import resources
from typing import Any

from conformance.core import Problem, Stop, expected
from conformance.criteria.backend import MODULE_FOLDER, TerraformCall, as_init, deploy_calls, join_path
from conformance.criteria.base import Criterion, Profile, RepoScope, Requirement
from conformance.criteria.deploy_workflow import cannot_resolve, load, workflow_path
from conformance.evidence.fleet import FleetEvidence, RepoView
from conformance.evidence.github_expressions import Evaluator, Unknown, resolve, to_text
from conformance.evidence.workflow_run import CREDENTIALS_ACTION, Run, Step, Workflow, assumes_role
from conformance.platform.model import Platform

MANUAL_TRIGGERS = {"workflow_dispatch", "workflow_call"}
ROLE_ARN = re.compile(r"^arn:aws:iam::(\d{12}):role/[\w+=,.@/-]+$")
PINNED = re.compile(r"^[^@\s]+@[0-9a-f]{40}$")
STORED_KEYS = ("aws-access-key-id", "aws-secret-access-key", "aws-session-token")
STORED_KEY_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
TYPED_INPUTS = (None, "string")


def dispatch(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    workflow = load(view, evidence)
    on = workflow.triggers()
    where = workflow.file.where("on")
    if "workflow_dispatch" not in on:
        return [Problem(where, expected("on: workflow_dispatch", sorted(on) or "no trigger"))]
    automatic = sorted(set(on) - MANUAL_TRIGGERS)
    if automatic:
        return [Problem(where, expected("manual dispatch only", f"also on: {', '.join(automatic)}"))]
    return []


# -- OIDC ----------------------------------------------------------------------------------------


def grants_id_token(permissions: Any) -> bool:
    return permissions == "write-all" or (isinstance(permissions, dict) and permissions.get("id-token") == "write")


def credential_steps(workflow: Workflow) -> list[Step]:
    return [step for job_id in workflow.jobs for step in workflow.steps(job_id) if assumes_role(step.data)]


def resolved_setting(run: Run, step: Step, name: str) -> Any:
    settings = step.data.get("with")
    raw = settings.get(name) if isinstance(settings, dict) else None
    return raw, resolve(raw, run.evaluator(step.job, step)) if raw is not None else None


def oidc(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    workflow = load(view, evidence)
    spec = view.platform.environments[view.env or ""]
    steps = credential_steps(workflow)
    if not steps:
        return [Problem(workflow.file.where(), expected(f"a step using {CREDENTIALS_ACTION}<ref> (OIDC)", "none"))]
    problems = []
    assuming = {step.job for step in steps}
    for job_id in workflow.deploying_jobs():
        if job_id in workflow.unread:
            problems.append(Problem(workflow.jobs[job_id].where("uses"), f"jobs.{job_id}: {workflow.unread[job_id]}"))
        elif job_id not in assuming:
            problems.append(
                Problem(
                    workflow.jobs[job_id].where(),
                    f"jobs.{job_id}: {expected(f'a role assumed through {CREDENTIALS_ACTION}<ref>', 'none')}",
                )
            )
    problems += stored_keys(workflow)
    run = Run(workflow, workflow.default_inputs(), workflow.deploy_rule)
    for step in steps:
        problems += step_oidc(workflow, run, step, spec.account_id, spec.region)
    return problems


def stored_keys(workflow: Workflow) -> list[Problem]:
    """AWS keys in an `env:` at any level (workflow, called workflow, job, step), at the key's line."""
    places: list[tuple[Any, Callable[[str], str]]] = []
    files = {id(job.file): job.file for job in workflow.jobs.values()}
    places += [(file.data.get("env"), partial(file.where, "env")) for file in files.values()]
    for job_id, job in workflow.jobs.items():
        places.append((job.data.get("env"), partial(job.where, "env")))
        places += [
            (step.data.get("env"), partial(job.where, "steps", step.index, "env")) for step in workflow.steps(job_id)
        ]
    return [
        Problem(where(name), expected("OIDC (no stored keys)", name))
        for env, where in places
        if isinstance(env, dict)
        for name in STORED_KEY_VARIABLES
        if name in env
    ]


def effective_permissions(workflow: Workflow, job_id: str) -> list[tuple[Any, str]]:
    """(permissions, where) from the job outwards: the job's or its file's, then the calling job's, and so on.

    A called workflow's token can only narrow its caller's, so every level written must grant id-token.
    """
    levels = []
    current: str | None = job_id
    while current is not None:
        job = workflow.jobs[current]
        if "permissions" in job.data:
            levels.append((job.data["permissions"], job.where("permissions")))
        elif "permissions" in job.file.data:
            levels.append((job.file.data["permissions"], job.file.where("permissions")))
        current = job.parent
    return levels


def step_oidc(workflow: Workflow, run: Run, step: Step, account: str, region: str) -> list[Problem]:
    job_id = step.job
    job = workflow.jobs[job_id]
    at = ("steps", step.index)
    problems = []
    levels = effective_permissions(workflow, job_id)
    refusing = next(((p, w) for p, w in levels if not grants_id_token(p)), None)
    if refusing is not None or not levels:
        permissions, where = refusing or (None, job.where())
        problems.append(
            Problem(where, f"jobs.{job_id}.permissions: {expected('id-token: write', json.dumps(permissions))}")
        )
    settings = step.data.get("with") if isinstance(step.data.get("with"), dict) else {}
    stored = [key for key in STORED_KEYS if key in settings]
    if stored:
        problems.append(
            Problem(job.where(*at, "with", stored[0]), f"jobs.{job_id}: {expected('OIDC (no stored keys)', stored[0])}")
        )
    raw, role = resolved_setting(run, step, "role-to-assume")
    where = job.where(*at, "with", "role-to-assume")
    if isinstance(role, Unknown):
        problems.append(Problem(where, f"jobs.{job_id} role-to-assume: {cannot_resolve(raw, role)}"))
    else:
        match = ROLE_ARN.match(to_text(role))
        if not match or match.group(1) != account:
            found = to_text(role) or "none"
            problems.append(
                Problem(where, f"jobs.{job_id} role-to-assume: {expected(f'a role in account {account}', found)}")
            )
    raw, found_region = resolved_setting(run, step, "aws-region")
    where = job.where(*at, "with", "aws-region")
    if isinstance(found_region, Unknown):
        problems.append(Problem(where, f"jobs.{job_id} aws-region: {cannot_resolve(raw, found_region)}"))
    elif found_region != region:
        problems.append(Problem(where, f"jobs.{job_id} aws-region: {expected(region, found_region)}"))
    return problems


def deploy_role(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    """The kit's convention: the role is the repository's own deploy role from the spec
    (`github.repo_deploy_role`, e.g. `bbws-deploy-<repo>-<env>`), which the bootstrap creates."""
    workflow = load(view, evidence)
    wanted = view.platform.repo_deploy_role_arn(view.name, view.env or "")
    run = Run(workflow, workflow.default_inputs(), workflow.deploy_rule)
    problems = []
    for step in credential_steps(workflow):
        raw, role = resolved_setting(run, step, "role-to-assume")
        where = workflow.jobs[step.job].where("steps", step.index, "with", "role-to-assume")
        if isinstance(role, Unknown):
            problems.append(Problem(where, f"jobs.{step.job} role-to-assume: {cannot_resolve(raw, role)}"))
        elif role != wanted:
            problems.append(Problem(where, f"jobs.{step.job} role-to-assume: {expected(wanted, role)}"))
    return problems


# -- the approval gate ---------------------------------------------------------------------------


def environment_name(run: Run, job_id: str) -> Any:
    """The job's environment (`environment: sit` or `{name: sit}`), its `${{ }}` evaluated."""
    environment = run.workflow.jobs[job_id].data.get("environment")
    name = environment.get("name") if isinstance(environment, dict) else environment
    return resolve(name, Evaluator(run.contexts(job_id, None))) if name is not None else None


def approval(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    """Nothing that deploys runs unless the env's protected environment let a job of its chain start."""
    wanted = view.platform.environments[view.env or ""].approval_environment
    workflow = load(view, evidence)
    return gate_problems(workflow, wanted or "")


def gate_problems(workflow: Workflow, wanted: str) -> list[Problem]:
    typed = workflow.typed_inputs()  # an environment named by an input is whatever someone types
    probe = Run(workflow, typed, workflow.deploy_rule)
    names = {job_id: environment_name(probe, job_id) for job_id in workflow.jobs}
    gated = frozenset(job_id for job_id, name in names.items() if isinstance(name, str) and name == wanted)
    run = Run(workflow, typed, workflow.deploy_rule, blocked=gated)
    problems = []
    for job_id in deploying_jobs_or_stop(workflow):
        index = run.first_deploy(job_id)
        if index is None:
            continue
        found = names[job_id]
        job = workflow.jobs[job_id].data
        if isinstance(found, Unknown):
            environment = job.get("environment")
            shown = cannot_resolve(environment.get("name") if isinstance(environment, dict) else environment, found)
        else:
            shown = "none" if found is None else repr(found)
        where = workflow.jobs[job_id].where("environment") if "environment" in job else workflow.jobs[job_id].where()
        problems.append(
            Problem(
                where,
                f"jobs.{job_id}.environment: {expected(f'{wanted!r} (on the job or on a job it needs)', shown)}: "
                f"{deploy_label(workflow, job_id, index)} runs without approval",
            )
        )
    return problems


def deploy_label(workflow: Workflow, job_id: str, index: int) -> str:
    if index < 0:
        return f"the reusable workflow of jobs.{job_id}"
    step = workflow.steps(job_id)[index] if index < len(workflow.steps(job_id)) else None
    return f"step {step.label!r} (line {workflow.jobs[job_id].line('steps', index)})" if step else "a step"


def deploying_jobs_or_stop(workflow: Workflow) -> list[str]:
    jobs = workflow.deploying_jobs()
    if not jobs:
        raise Stop(
            Problem(
                workflow.file.where("jobs"),
                expected("a job that deploys (terraform apply, a deploy command, or assuming an AWS role)", "none"),
            )
        )
    return jobs


# -- the typed confirmation ----------------------------------------------------------------------


def wrong_values(word: str) -> list[str]:
    """What someone might type instead: empty, near misses, other words. Case is not judged (GitHub's == ignores it)."""
    candidates = ["", "no", "yes", "true", "prod", word[:-1], word + "x", "x" + word, word.split("-")[0], f"{word} now"]
    return [c for c in dict.fromkeys(candidates) if c.casefold() != word.casefold()]


def confirmation(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    word = view.platform.environments[view.env or ""].confirmation or ""
    workflow = load(view, evidence)
    return confirmation_problems(workflow, word)


def confirmation_problems(workflow: Workflow, word: str) -> list[Problem]:
    inputs = workflow.dispatch_inputs()
    typed = [  # a default that is the word itself would be a confirmation nobody types
        name
        for name, body in inputs.items()
        if body.get("required") is True
        and body.get("type") in TYPED_INPUTS
        and str(body.get("default", "")).casefold() != word.casefold()
    ]
    if not typed:
        return [
            Problem(
                workflow.file.where("on", "workflow_dispatch"),
                expected("a required workflow_dispatch input (type string) for the typed confirmation", "none"),
            )
        ]
    deploying = deploying_jobs_or_stop(workflow)
    reports: list[list[Problem]] = []
    for name in typed:
        problems = guard_problems(workflow, deploying, name, word)
        if not problems:
            return []
        reports.append(problems)
    return reports[0]


def guard_problems(workflow: Workflow, deploying: list[str], name: str, word: str) -> list[Problem]:
    """Problems unless every deploying step is stopped for every wrong value and one can run for the word."""
    unknown = workflow.typed_inputs()
    for wrong in wrong_values(word):
        run = Run(workflow, {**unknown, name: wrong}, workflow.deploy_rule)
        leaks = [(job_id, run.first_deploy(job_id)) for job_id in deploying]
        leaks = [(job_id, index) for job_id, index in leaks if index is not None]
        if leaks:
            wanted = f"nothing that deploys to run unless {name} reads {word!r}"
            return [
                Problem(
                    workflow.jobs[job_id].where("steps", index) if index >= 0 else workflow.jobs[job_id].where(),
                    f"jobs.{job_id}: "
                    + expected(wanted, f"{deploy_label(workflow, job_id, index)} runs when it reads {wrong!r}"),
                )
                for job_id, index in leaks
            ]
    run = Run(workflow, {**unknown, name: word}, workflow.deploy_rule)
    if all(run.first_deploy(job_id) is None for job_id in deploying):
        return [
            Problem(
                workflow.jobs[deploying[0]].where(),
                f"jobs.{deploying[0]}: {expected(f'the deploy to run when {name} reads {word!r}', 'it never does')}",
            )
        ]
    return []


# -- schema and pins -----------------------------------------------------------------------------


@cache
def workflow_schema() -> dict[str, Any]:
    schema = resources.files("check_jsonschema") / "builtin_schemas" / "vendor" / "github-workflows.json"
    return json.loads(schema.read_text(encoding="utf-8"))


def schema(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    import jsonschema

    workflow = load(view, evidence)
    validator = jsonschema.Draft7Validator(workflow_schema())
    problems = []
    for error in sorted(validator.iter_errors(workflow.data), key=lambda e: list(map(str, e.absolute_path)))[:5]:
        # "is not valid under any of the given schemas" hides the cause: report the deepest one.
        cause = max(error.context or [error], key=lambda e: len(e.absolute_path))
        path = ".".join(map(str, cause.absolute_path)) or "(top)"
        problems.append(Problem(workflow.file.where(*cause.absolute_path), f"{path}: {cause.message[:200]}"))
    return problems


def pinned(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    workflow = load(view, evidence)
    return [
        Problem(
            workflow.jobs[step.job].where("steps", step.index, "uses"),
            f"jobs.{step.job}: {expected('an action pinned to a full commit SHA', step.data['uses'])}",
        )
        for job_id in workflow.jobs
        for step in workflow.steps(job_id)
        if "uses" in step.data
        and not str(step.data["uses"]).startswith("./")
        and not PINNED.match(str(step.data["uses"]))
    ]


# -- what the deploy runs -------------------------------------------------------------------------


VAR_FILE = re.compile(r"^--?var-file(?:=(.*))?$", re.S)


def var_files(call: TerraformCall) -> list[str]:
    """The -var-file paths of a plan or apply, relative to the repository (those it can tell)."""
    found = []
    words = [word for word, _ in call.arguments]
    for index, word in enumerate(words):
        match = VAR_FILE.match(word) if isinstance(word, str) else None
        if not match:
            continue
        value = match.group(1) if match.group(1) is not None else (words[index + 1] if index + 1 < len(words) else "")
        path = join_path(call.directory, value) if isinstance(value, str) else value
        if isinstance(path, str):
            found.append(path)
    return found


def terraform_deploy(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    """The deploy (its steps, or a repository script a step calls) inits the backend, plans or applies
    with the env's variables and applies, init first."""
    workflow = load(view, evidence)
    calls = deploy_calls(view, evidence)
    where = workflow.file.where("jobs")
    inits = [index for index, call in enumerate(calls) if as_init(call) is not None]
    applies = [index for index, call in enumerate(calls) if call.subcommand == "apply"]
    wanted = f"{MODULE_FOLDER}/environments/{view.env}.tfvars"
    given = [path for call in calls if call.subcommand in ("plan", "apply") for path in var_files(call)]
    problems = []
    if not inits:
        problems.append(Problem(where, expected(f"terraform init with the backend {IN_THE_DEPLOY}", "none")))
    if not applies:
        problems.append(Problem(where, expected(f"terraform apply {IN_THE_DEPLOY}", "none")))
    if wanted not in given:
        shown = ", ".join(dict.fromkeys(given)) or "none"
        problems.append(Problem(where, expected(f"terraform plan or apply with -var-file {wanted}", shown)))
    if inits and applies and inits[0] > applies[-1]:
        problems.append(
            Problem(calls[applies[-1]].where, expected("terraform init before terraform apply", "apply first"))
        )
    return problems


IN_THE_DEPLOY = "(in a job that deploys, or a repository script it calls)"


# -- which envs ----------------------------------------------------------------------------------


def gated_only(platform: Platform, env: str) -> bool:
    """The requirement's approval gate: an env with a protected environment and no typed confirmation (sit)."""
    spec = platform.environments[env]
    return spec.approval_environment is not None and spec.confirmation is None


def gated_and_confirmed(platform: Platform, env: str) -> bool:
    """The kit also gates the confirmed env (prod) with its protected environment: not a requirement line."""
    spec = platform.environments[env]
    return spec.approval_environment is not None and spec.confirmation is not None


def has_confirmation(platform: Platform, env: str) -> bool:
    return platform.environments[env].confirmation is not None


W = Requirement.INFRA_WORKFLOWS
EVERY = RepoScope.EVERY_REPO
FILES = (workflow_path("{env}"),)
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
        title="OIDC: id-token write and a role in the env's account and region, no stored keys",
        requirement=W,
        scope=EVERY,
        files=FILES,
        static=oidc,
    ),
    Criterion(
        id="WF-DEPLOY-ROLE",
        profile=Profile.PLATFORM,
        title="The role assumed is the spec's deploy role of the env",
        requirement=W,
        scope=EVERY,
        files=FILES,
        static=deploy_role,
    ),
    Criterion(
        id="WF-APPROVAL",
        title="Nothing deploys before the env's protected GitHub environment approves (sit)",
        requirement=W,
        scope=EVERY,
        files=FILES,
        static=approval,
        env_applies=gated_only,
    ),
    Criterion(
        id="WF-APPROVAL-CONFIRMED",
        profile=Profile.PLATFORM,
        title="The confirmed deploy (prod) also waits for its protected GitHub environment",
        requirement=W,
        scope=EVERY,
        files=FILES,
        static=approval,
        env_applies=gated_and_confirmed,
    ),
    Criterion(
        id="WF-CONFIRM",
        title="Nothing that deploys runs unless the typed confirmation input reads the env's word",
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
        id="WF-TERRAFORM-DEPLOY",
        profile=Profile.PLATFORM,
        title="The deploy runs terraform init, plan or apply with the env's variables, and apply",
        requirement=W,
        scope=EVERY,
        files=(*FILES, "scripts/deploy.sh"),
        static=terraform_deploy,
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

"""Only the deploy workflows deploy: any other workflow that applies would skip their gates.

The approval (sit), the typed confirmation (prod) and the deploy role are judged on
`deploy-<env>.yml` and the local reusable workflows it calls. A second workflow of the repository
(`hotfix.yml` on push, applying prod) would deploy around all of them, so every other workflow is
read too, and one with a job that deploys fails naming the job and step. Deploying is judged as
for the deploy workflows (conformance.evidence.workflow_run: `terraform apply`/`destroy`, deploy
tools and scripts, AWS writes, actions that deploy, steps that are not read here), but assuming a
role alone is not (a plan or read-only workflow may do that). A workflow started only by
`workflow_call` runs through a caller, where its jobs are judged.
"""

from __future__ import annotations

from conformance.core import Problem, expected
from conformance.criteria.base import Criterion, Profile, RepoScope, Requirement
from conformance.criteria.deploy_workflow import local_workflows, workflow_file, workflow_path
from conformance.evidence.fleet import FleetEvidence, RepoView, YamlFailure
from conformance.evidence.workflow_run import DeployRule, Run, Workflow

WORKFLOWS = ".github/workflows"
SUFFIXES = (".yml", ".yaml")


def only_deploy_workflows_deploy(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    deploy_files = {workflow_path(env) for env in view.platform.environments}
    refused = evidence.refusal(view.name, WORKFLOWS)  # the repository or its workflows folder
    if refused is not None:  # nothing listed is not "no other workflow": it cannot be told
        return [Problem(refused.where, f"cannot be read: {refused.reason}")]
    problems: list[Problem] = []
    for relative in sorted(evidence.list(view.name, WORKFLOWS, SUFFIXES)):
        if relative in deploy_files:
            continue
        found = workflow_file(view, evidence, relative)
        if isinstance(found, YamlFailure):
            problems.append(Problem(f"{found.file}:{found.line}", f"does not parse: {found.reason}"))
            continue
        if found is None:
            continue
        workflow = Workflow(found, local_workflows(view, evidence))
        if set(workflow.triggers()) == {"workflow_call"}:
            continue
        run = Run(workflow, workflow.typed_inputs(), DeployRule())
        for job_id in workflow.jobs:
            if job_id in workflow.unread:
                job = workflow.jobs[job_id]
                problems.append(
                    Problem(
                        job.where("uses"),
                        expected(
                            f"only {', '.join(sorted(deploy_files))} to deploy",
                            f"job {job_id}: {workflow.unread[job_id]}, so it may",
                        ),
                    )
                )
                continue
            if workflow.jobs[job_id].calls:
                continue
            step = next((s for s in workflow.steps(job_id) if run.step_deploys(s)), None)
            if step is not None:
                problems.append(
                    Problem(
                        workflow.step_where(step),
                        expected(
                            f"only {', '.join(sorted(deploy_files))} to deploy (their gates: approval, confirmation)",
                            f"job {job_id} deploys in step '{step.label}'",
                        ),
                    )
                )
    return problems


CRITERIA = [
    Criterion(
        id="WF-ONLY-DEPLOY-WORKFLOWS",
        profile=Profile.PLATFORM,
        title="No other workflow deploys around the deploy workflows' gates",
        requirement=Requirement.INFRA_WORKFLOWS,
        scope=RepoScope.EVERY_REPO,
        files=(f"{WORKFLOWS}/*.yml",),
        static=only_deploy_workflows_deploy,
        per_env=False,
    ),
]

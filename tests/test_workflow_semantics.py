"""Workflow semantics: every conforming way of writing a gate, a confirmation or an indirection passes,
and every way of breaking one fails, saying what and where.

Each case is a small synthetic workflow written into an infrastructure repo in a temporary
folder and judged by the real criterion (`WF-*`, `REPO-BACKEND-*`), so these tests hold the
criteria to GitHub's and bash's semantics, not to the generated templates.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from conformance.catalogue import by_id
from conformance.core import Stop
from conformance.evidence.fleet import FleetEvidence, RepoView
from conformance.evidence.github_expressions import Evaluator, Partial, Status, Unknown, condition, resolve
from conformance.evidence.shell_run import Start, endings
from conformance.evidence.shell_syntax import parse_script
from conformance.evidence.workflow_run import deploying_command
from conformance.platform import Platform

REPO = "2_1_bbws_product_infrastructure"
PROD_ROLE = "arn:aws:iam::093646564004:role/bbws-github-deploy-prod"
SIT_ROLE = "arn:aws:iam::815856636111:role/bbws-github-deploy-sit"
DEV_ROLE = "arn:aws:iam::536580886816:role/bbws-github-deploy-dev"


def judge(
    tmp_path: Path, platform: Platform, criterion: str, env: str, workflow: str, files: dict[str, str] | None = None
) -> list[str]:
    """The criterion's failure lines for a repo holding this workflow (and these files)."""
    repo = tmp_path / "fleet" / REPO
    for relative, text in {f".github/workflows/deploy-{env}.yml": workflow, **(files or {})}.items():
        path = repo / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    evidence = FleetEvidence(tmp_path / "fleet", platform, {"terraform": "off"})
    check = by_id()[criterion].static
    assert check is not None
    try:
        problems = check(RepoView(evidence, REPO, env, None), evidence)
    except Stop as stop:
        problems = stop.problems
    return [p.render(criterion) for p in problems]


def header(env: str, inputs: str = "", extra: str = "") -> str:
    dispatch = (
        "  workflow_dispatch:\n" + textwrap.indent(textwrap.dedent(inputs), "    ")
        if inputs
        else "  workflow_dispatch:\n"
    )
    return f"name: deploy {env}\non:\n{dispatch}permissions:\n  id-token: write\n  contents: read\n{extra}jobs:\n"


def assume(role: str, region: str) -> str:
    return (
        "      - uses: aws-actions/configure-aws-credentials@v4\n"
        f"        with:\n          role-to-assume: {role}\n          aws-region: {region}\n"
    )


CONFIRM_INPUT = """\
inputs:
  confirm:
    description: Type deploy-prod
    required: true
    type: string
"""
PROD_ASSUME = assume(PROD_ROLE, "af-south-1")
APPLY = "      - name: Terraform apply\n        run: terraform apply -auto-approve\n"


def prod(jobs: str, inputs: str = CONFIRM_INPUT, extra: str = "") -> str:
    return header("prod", inputs, extra) + jobs


def check_step(script: str, env: str = "CONFIRM: ${{ inputs.confirm }}", extra: str = "") -> str:
    body = textwrap.indent(textwrap.dedent(script).strip("\n"), " " * 10)
    return f"      - name: Check the confirmation\n{extra}        env:\n          {env}\n        run: |\n{body}\n"


def deploy_job(first: str = "", condition_: str = "", needs: str = "", name: str = "deploy") -> str:
    lines = [f"  {name}:", "    runs-on: ubuntu-latest"]
    if needs:
        lines.append(f"    needs: {needs}")
    if condition_:
        lines.append(f"    if: {condition_}")
    return "\n".join(lines) + "\n    steps:\n" + first + PROD_ASSUME + APPLY


def confirm_job(script: str, extra: str = "") -> str:
    return f"  confirm:\n    runs-on: ubuntu-latest\n{extra}    steps:\n" + check_step(script)


# -- the typed confirmation (prod) ---------------------------------------------------------------

CONFIRMING = {
    "job-level if": deploy_job(condition_="inputs.confirm == 'deploy-prod'"),
    "job-level if on github.event.inputs, wrapped": deploy_job(
        condition_="${{ github.event.inputs.confirm == 'deploy-prod' }}"
    ),
    "job-level if with success()": deploy_job(condition_="success() && inputs.confirm == 'deploy-prod'"),
    "a confirm job in bash [[ ]], the deploy needs it": confirm_job(
        """\
        if [[ "$CONFIRM" == "deploy-prod" ]]; then
          echo "Confirmed."
        else
          echo "::error::Type deploy-prod"
          exit 1
        fi
        """
    )
    + deploy_job(needs="confirm"),
    "needs through a chain": confirm_job('[ "$CONFIRM" = deploy-prod ] || exit 1')
    + "  build:\n    runs-on: ubuntu-latest\n    needs: [confirm]\n    steps:\n      - run: terraform plan\n"
    + deploy_job(needs="[build]"),
    "a first step: test, bare (bash -e)": deploy_job(first=check_step('test "$CONFIRM" = deploy-prod')),
    "a first step: [ ] || exit 1": deploy_job(first=check_step('[ "$CONFIRM" = "deploy-prod" ] || exit 1')),
    "a first step: if [ != ]; then exit 1": deploy_job(
        first=check_step('if [ "$CONFIRM" != "deploy-prod" ]; then\n  echo "::error::no"\n  exit 1\nfi')
    ),
    "a first step: case": deploy_job(
        first=check_step('case "$CONFIRM" in\n  deploy-prod) echo ok ;;\n  *) echo no; exit 1 ;;\nesac')
    ),
    "a first step: grep -qx on a here-string": deploy_job(
        first=check_step("grep -qxF 'deploy-prod' <<< \"$CONFIRM\" || { echo no; exit 1; }")
    ),
    "a first step: echo | grep with pipefail": deploy_job(
        first=check_step('echo "$CONFIRM" | grep -qx deploy-prod', extra="        shell: bash\n")
    ),
    "a first step: shell python": deploy_job(
        first=check_step(
            'import os, sys\nif os.environ["CONFIRM"].strip() != "deploy-prod":\n    sys.exit("not confirmed")',
            extra="        shell: python\n",
        )
    ),
    "a first step: python -c": deploy_job(
        first=check_step(
            'python3 -c \'import os, sys; sys.exit(0 if os.environ["CONFIRM"] == "deploy-prod" else "no")\''
        )
    ),
    "a first step: python heredoc": deploy_job(
        first=check_step('python - <<EOF\nimport sys\nsys.exit(0 if "$CONFIRM" == "deploy-prod" else 1)\nEOF')
    ),
    "the input interpolated into the script": deploy_job(
        first=check_step('[[ "${{ inputs.confirm }}" == deploy-prod ]] || exit 1')
    ),
    "lower-cased in bash": deploy_job(first=check_step('[[ "${CONFIRM,,}" == deploy-prod ]] || exit 1')),
    "the same step, before the apply": "  deploy:\n    runs-on: ubuntu-latest\n    steps:\n"
    + PROD_ASSUME
    + check_step('[ "$CONFIRM" = deploy-prod ] || exit 1\nterraform apply -auto-approve'),
    "after a checkout (nothing deploys before it)": deploy_job(
        first="      - uses: actions/checkout@v4\n" + check_step('[ "$CONFIRM" = deploy-prod ] || exit 1')
    ),
    "a plan job ungated, the apply job confirmed": "  plan:\n    runs-on: ubuntu-latest\n    steps:\n"
    + PROD_ASSUME
    + "      - run: terraform plan\n"
    + deploy_job(condition_="inputs.confirm == 'deploy-prod'", needs="plan"),
}


@pytest.mark.parametrize("jobs", CONFIRMING.values(), ids=CONFIRMING.keys())
def test_a_confirmation_written_any_way_passes(jobs: str, tmp_path: Path, platform: Platform) -> None:
    assert judge(tmp_path, platform, "WF-CONFIRM", "prod", prod(jobs)) == []


def test_the_input_through_env_at_three_levels_passes(tmp_path: Path, platform: Platform) -> None:
    """Workflow env holds the input, the job env the word, the step env renames it: `[ "$TYPED" = "$GATE" ]`."""
    jobs = (
        "  deploy:\n    runs-on: ubuntu-latest\n    env:\n      WANTED: deploy-prod\n    steps:\n"
        + check_step('[ "$TYPED" = "$GATE" ] || exit 1', env="GATE: ${{ env.WANTED }}")
        + PROD_ASSUME
        + APPLY
    )
    workflow = prod(jobs, extra="env:\n  TYPED: ${{ inputs.confirm }}\n")
    assert judge(tmp_path, platform, "WF-CONFIRM", "prod", workflow) == []


LEAK = "WF-CONFIRM: jobs.deploy: expected nothing that deploys to run unless confirm reads 'deploy-prod', found "
NEVER = "WF-CONFIRM: jobs.deploy: expected the deploy to run when confirm reads 'deploy-prod', found it never does"
BROKEN = {
    "a check that only warns": (
        deploy_job(first=check_step('if [ "$CONFIRM" != deploy-prod ]; then echo "::warning::not confirmed"; fi')),
        LEAK + "step 'Terraform apply' (line 25) runs when it reads ''",
    ),
    "the wrong word": (deploy_job(first=check_step('[ "$CONFIRM" = deploy-production ] || exit 1')), NEVER),
    "another input, not declared": (
        deploy_job(first=check_step('[ "$CONFIRM" = deploy-prod ] || exit 1', env="CONFIRM: ${{ inputs.other }}")),
        NEVER,
    ),
    "after the apply": (
        "  deploy:\n    runs-on: ubuntu-latest\n    steps:\n"
        + PROD_ASSUME
        + APPLY
        + check_step('[ "$CONFIRM" = deploy-prod ] || exit 1'),
        LEAK + "step 'Terraform apply' (line 20) runs when it reads ''",
    ),
    "a check whose failure is ignored": (
        deploy_job(first=check_step('[ "$CONFIRM" = deploy-prod ]', extra="        continue-on-error: true\n")),
        LEAK + "step 'Terraform apply'",
    ),
    "a check that may be skipped": (
        deploy_job(
            first=check_step('[ "$CONFIRM" = deploy-prod ]', extra="        if: github.ref == 'refs/heads/main'\n")
        ),
        LEAK + "step 'Terraform apply'",
    ),
    "set +e before a bare test": (
        deploy_job(first=check_step('set +e\n[ "$CONFIRM" = deploy-prod ]\necho checked')),
        LEAK + "step 'Terraform apply'",
    ),
    "&& exit 1 as the last line (fails for the right word too)": (
        deploy_job(first=check_step('[ "$CONFIRM" != deploy-prod ] && exit 1')),
        NEVER,
    ),
    "the deploy needs the confirm job but runs always()": (
        confirm_job('[ "$CONFIRM" = deploy-prod ] || exit 1') + deploy_job(needs="confirm", condition_="always()"),
        LEAK + "step 'Terraform apply'",
    ),
    "the confirm job may fail (continue-on-error)": (
        confirm_job('[ "$CONFIRM" = deploy-prod ] || exit 1', extra="    continue-on-error: true\n")
        + deploy_job(needs="confirm"),
        LEAK + "step 'Terraform apply'",
    ),
    "a confirm job the deploy does not need": (
        confirm_job('[ "$CONFIRM" = deploy-prod ] || exit 1') + deploy_job(),
        LEAK + "step 'Terraform apply'",
    ),
    "an if: of text and ${{ }} (always true)": (
        deploy_job(condition_="${{ inputs.confirm }} == 'deploy-prod'"),
        LEAK + "step 'Terraform apply'",
    ),
    "startsWith, not equality": (
        deploy_job(condition_="startsWith(inputs.confirm, 'deploy')"),
        LEAK + "step 'Terraform apply' (line 21) runs when it reads 'deploy-pro'",
    ),
    "a job-level if of another word": (deploy_job(condition_="inputs.confirm == 'yes'"), LEAK + "step"),
    # Steps whose commands are not read here may deploy: a local (composite) action, a container image.
    "a local action before the check": (
        deploy_job(first="      - uses: ./.github/actions/go\n" + check_step('[ "$CONFIRM" = deploy-prod ] || exit 1')),
        LEAK + "step './.github/actions/go' (line 16) runs when it reads ''",
    ),
    "a container image before the check": (
        deploy_job(first="      - uses: docker://hashicorp/terraform:1.11\n" + check_step('[ "$CONFIRM" = x ]')),
        LEAK + "step 'docker://hashicorp/terraform:1.11' (line 16) runs when it reads ''",
    ),
}


@pytest.mark.parametrize(("jobs", "message"), BROKEN.values(), ids=BROKEN.keys())
def test_a_confirmation_that_does_not_stop_the_deploy_fails(
    jobs: str, message: str, tmp_path: Path, platform: Platform
) -> None:
    problems = judge(tmp_path, platform, "WF-CONFIRM", "prod", prod(jobs))
    assert problems and all(p.startswith(f"{REPO}/.github/workflows/deploy-prod.yml:") for p in problems), problems
    assert message in "\n".join(problems)


def test_an_input_that_bypasses_the_confirmation_fails(tmp_path: Path, platform: Platform) -> None:
    inputs = CONFIRM_INPUT + "  force:\n    type: boolean\n    default: false\n"
    workflow = prod(deploy_job(condition_="inputs.confirm == 'deploy-prod' || inputs.force"), inputs=inputs)
    assert LEAK + "step 'Terraform apply'" in "\n".join(judge(tmp_path, platform, "WF-CONFIRM", "prod", workflow))


def test_a_confirmation_of_an_optional_input_fails(tmp_path: Path, platform: Platform) -> None:
    inputs = CONFIRM_INPUT.replace("required: true", "required: false")
    workflow = prod(deploy_job(condition_="inputs.confirm == 'deploy-prod'"), inputs=inputs)
    assert judge(tmp_path, platform, "WF-CONFIRM", "prod", workflow) == [
        f"{REPO}/.github/workflows/deploy-prod.yml:3: WF-CONFIRM: expected a required workflow_dispatch input "
        "(type string) for the typed confirmation, found none"
    ]


def test_a_workflow_that_deploys_nothing_cannot_be_judged(tmp_path: Path, platform: Platform) -> None:
    jobs = "  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hello\n"
    assert judge(tmp_path, platform, "WF-CONFIRM", "prod", prod(jobs)) == [
        f"{REPO}/.github/workflows/deploy-prod.yml:12: WF-CONFIRM: expected a job that deploys "
        "(terraform apply, a deploy command, or assuming an AWS role), found none"
    ]


# -- the approval gate (sit) ---------------------------------------------------------------------

SIT_ASSUME = assume(SIT_ROLE, "eu-west-1")


def sit(jobs: str, inputs: str = "") -> str:
    return header("sit", inputs) + jobs


def job(name: str, body: str, environment: str = "", needs: str = "", condition_: str = "") -> str:
    lines = [f"  {name}:", "    runs-on: ubuntu-latest"]
    lines += [f"    needs: {needs}"] if needs else []
    lines += [f"    if: {condition_}"] if condition_ else []
    lines += [f"    environment: {environment}"] if environment else []
    return "\n".join(lines) + "\n    steps:\n" + body


PLAN = SIT_ASSUME + "      - run: terraform plan -out=tfplan\n"
SIT_APPLY = SIT_ASSUME + APPLY

GATED = {
    "the deploy job in the environment": job("deploy", SIT_APPLY, environment="sit"),
    "the environment as a mapping": job("deploy", SIT_APPLY, environment="\n      name: sit\n      url: https://x"),
    "a plan job without environment, the apply job gated after it": job("plan", PLAN)
    + job("apply", SIT_APPLY, environment="sit", needs="plan"),
    "a gated job the deploy needs": job("approve", "      - run: echo approved\n", environment="sit")
    + job("deploy", SIT_APPLY, needs="approve"),
    "a gated job at the start of a needs chain": job("approve", "      - run: echo ok\n", environment="sit")
    + job("build", "      - run: make build\n", needs="approve")
    + job("deploy", SIT_APPLY, needs="[build]"),
    "make deploy in the gated job": job("deploy", SIT_ASSUME + "      - run: make deploy\n", environment="sit"),
    "no deploy command: the job assuming the role is gated": job("plan", "      - run: terraform plan\n")
    + job("release", SIT_ASSUME + "      - run: ./scripts/release.sh\n", environment="sit"),
    "the environment from a one-value matrix": job("deploy", SIT_APPLY, environment="${{ matrix.target }}").replace(
        "    runs-on:", "    strategy:\n      matrix:\n        target: [sit]\n    runs-on:"
    ),
}


@pytest.mark.parametrize("jobs", GATED.values(), ids=GATED.keys())
def test_a_gate_written_any_way_passes(jobs: str, tmp_path: Path, platform: Platform) -> None:
    assert judge(tmp_path, platform, "WF-APPROVAL", "sit", sit(jobs)) == []


GATE = "WF-APPROVAL: jobs.{job}.environment: expected 'sit' (on the job or on a job it needs), found {found}: "
UNGATED = {
    "the plan job applies": (
        job("plan", SIT_APPLY) + job("apply", SIT_APPLY, environment="sit", needs="plan"),
        "deploy-sit.yml:8: " + GATE.format(job="plan", found="none") + "step 'Terraform apply' (line 15)",
    ),
    "another environment": (
        job("deploy", SIT_APPLY, environment="staging"),
        "deploy-sit.yml:10: " + GATE.format(job="deploy", found="'staging'"),
    ),
    "needs the gate but runs always()": (
        job("approve", "      - run: echo ok\n", environment="sit")
        + job("deploy", SIT_APPLY, needs="approve", condition_="always()"),
        GATE.format(job="deploy", found="none"),
    ),
    "a gated job the deploy does not need": (
        job("approve", "      - run: echo ok\n", environment="sit") + job("deploy", SIT_APPLY),
        GATE.format(job="deploy", found="none"),
    ),
    "the job assuming the role, ungated, when nothing else deploys": (
        job("release", SIT_ASSUME + "      - run: ./scripts/release.sh\n"),
        GATE.format(job="release", found="none") + "step 'aws-actions/configure-aws-credentials@v4'",
    ),
}


@pytest.mark.parametrize(("jobs", "message"), UNGATED.values(), ids=UNGATED.keys())
def test_a_deploy_that_runs_without_approval_fails(jobs: str, message: str, tmp_path: Path, platform: Platform) -> None:
    problems = judge(tmp_path, platform, "WF-APPROVAL", "sit", sit(jobs))
    assert message in "\n".join(problems), problems


def test_an_environment_named_by_an_input_cannot_be_trusted(tmp_path: Path, platform: Platform) -> None:
    inputs = "inputs:\n  target:\n    type: string\n    default: sit\n"
    workflow = sit(job("deploy", SIT_APPLY, environment="${{ inputs.target }}"), inputs=inputs)
    assert GATE.format(
        job="deploy", found="cannot resolve ${{ inputs.target }} (inputs.target is typed at dispatch)"
    ) in "\n".join(judge(tmp_path, platform, "WF-APPROVAL", "sit", workflow))


# -- OIDC through indirection --------------------------------------------------------------------


def dev(steps: str, extra: str = "", job_extra: str = "") -> str:
    return (
        header("dev", extra=extra) + f"  deploy:\n    runs-on: ubuntu-latest\n{job_extra}    steps:\n" + steps + APPLY
    )


OIDC_CONFORMING = {
    "account and region from the workflow env": dev(
        assume("arn:aws:iam::${{ env.AWS_ACCOUNT_ID }}:role/deployer", "${{ env.AWS_REGION }}"),
        extra='env:\n  AWS_ACCOUNT_ID: "536580886816"\n  AWS_REGION: eu-west-1\n',
    ),
    "from the job env": dev(
        assume("${{ env.ROLE }}", "${{ env.REGION }}"),
        job_extra=f"    env:\n      ROLE: {DEV_ROLE}\n      REGION: eu-west-1\n",
    ),
    "from the step env, built on the job env": dev(
        assume("arn:aws:iam::${{ env.ACCOUNT }}:role/deployer", "eu-west-1").replace(
            "        with:", "        env:\n          ACCOUNT: ${{ env.DEV_ACCOUNT }}\n        with:"
        ),
        job_extra='    env:\n      DEV_ACCOUNT: "536580886816"\n',
    ),
    "from a one-value matrix": dev(
        assume("arn:aws:iam::${{ matrix.account }}:role/deployer", "${{ matrix.region }}"),
        job_extra="    strategy:\n      matrix:\n        account: ['536580886816']\n        region: [eu-west-1]\n",
    ),
    "from an input's default": dev(assume("${{ inputs.role }}", "eu-west-1")).replace(
        "  workflow_dispatch:\n", f"  workflow_dispatch:\n    inputs:\n      role:\n        default: {DEV_ROLE}\n"
    ),
    "built with format()": dev(
        assume("${{ format('arn:aws:iam::{0}:role/deployer', env.ACCOUNT) }}", "eu-west-1"),
        extra='env:\n  ACCOUNT: "536580886816"\n',
    ),
    "permissions: write-all": dev(assume(DEV_ROLE, "eu-west-1")).replace(
        "permissions:\n  id-token: write\n  contents: read\n", "permissions: write-all\n"
    ),
}


@pytest.mark.parametrize("workflow", OIDC_CONFORMING.values(), ids=OIDC_CONFORMING.keys())
def test_oidc_values_through_indirection_pass(workflow: str, tmp_path: Path, platform: Platform) -> None:
    assert judge(tmp_path, platform, "WF-OIDC", "dev", workflow) == []


OIDC_BROKEN = {
    "a role from a secret": (
        dev(assume("${{ secrets.DEPLOY_ROLE }}", "eu-west-1")),
        "deploy-dev.yml:13: WF-OIDC: jobs.deploy role-to-assume: cannot resolve ${{ secrets.DEPLOY_ROLE }} "
        "(secrets.DEPLOY_ROLE is not known before the run)",
    ),
    "an account from vars": (
        dev(assume("arn:aws:iam::${{ vars.ACCOUNT }}:role/x", "eu-west-1")),
        "cannot resolve arn:aws:iam::${{ vars.ACCOUNT }}:role/x (vars.ACCOUNT is not known before the run)",
    ),
    "the account of another env through env": (
        dev(assume("arn:aws:iam::${{ env.ACCOUNT }}:role/x", "eu-west-1"), extra='env:\n  ACCOUNT: "815856636111"\n'),
        "role-to-assume: expected a role in account 536580886816, found arn:aws:iam::815856636111:role/x",
    ),
    "the region of another env through env": (
        dev(assume(DEV_ROLE, "${{ env.REGION }}"), extra="env:\n  REGION: af-south-1\n"),
        "deploy-dev.yml:16: WF-OIDC: jobs.deploy aws-region: expected eu-west-1, found af-south-1",
    ),
    "job permissions without id-token": (
        dev(assume(DEV_ROLE, "eu-west-1"), job_extra="    permissions:\n      contents: read\n"),
        'deploy-dev.yml:10: WF-OIDC: jobs.deploy.permissions: expected id-token: write, found {"contents": "read"}',
    ),
    "stored keys in the env": (
        dev(assume(DEV_ROLE, "eu-west-1"), extra="env:\n  AWS_ACCESS_KEY_ID: ${{ secrets.KEY }}\n"),
        "deploy-dev.yml:8: WF-OIDC: expected OIDC (no stored keys), found AWS_ACCESS_KEY_ID",
    ),
    "a deploying job that assumes no role": (
        header("dev")
        + "  auth:\n    runs-on: ubuntu-latest\n    steps:\n"
        + assume(DEV_ROLE, "eu-west-1")
        + "  deploy:\n    runs-on: ubuntu-latest\n    steps:\n"
        + APPLY,
        "deploy-dev.yml:15: WF-OIDC: jobs.deploy: expected a role assumed through "
        "aws-actions/configure-aws-credentials@<ref>, found none",
    ),
    "no role assumed at all": (
        header("dev") + "  deploy:\n    runs-on: ubuntu-latest\n    steps:\n" + APPLY,
        "deploy-dev.yml:1: WF-OIDC: expected a step using aws-actions/configure-aws-credentials@<ref> (OIDC), "
        "found none",
    ),
}


@pytest.mark.parametrize(("workflow", "message"), OIDC_BROKEN.values(), ids=OIDC_BROKEN.keys())
def test_oidc_breakage_fails_naming_the_line(workflow: str, message: str, tmp_path: Path, platform: Platform) -> None:
    assert message in "\n".join(judge(tmp_path, platform, "WF-OIDC", "dev", workflow))


# -- the backend the deploy's terraform init configures ------------------------------------------

PARTIAL_BACKEND = {"terraform/backend.tf": 'terraform {\n  backend "s3" {}\n}\n'}
DEV_FILE = 'bucket = "bbws-terraform-state-dev"\nkey = "2_1_bbws_product_infrastructure/terraform.tfstate"\n'
KEY = "-backend-config=key=2_1_bbws_product_infrastructure/terraform.tfstate"


def init_workflow(run: str, extra: str = "", step_extra: str = "", job_extra: str = "", plan: str = "") -> str:
    body = textwrap.indent(textwrap.dedent(run).strip("\n"), " " * 10)
    return (
        header("dev", extra=extra)
        + plan
        + f"  deploy:\n    runs-on: ubuntu-latest\n{job_extra}    steps:\n"
        + assume(DEV_ROLE, "eu-west-1")
        + f"      - name: Init\n{step_extra}        run: |\n{body}\n"
        + APPLY
    )


def files_with(**extra: str) -> dict[str, str]:
    return {**PARTIAL_BACKEND, **{k.replace("__", "/").replace("_dot_", "."): v for k, v in extra.items()}}


BACKEND_CONFORMING = {
    "key=value flags from shell variables of the workflow env": (
        init_workflow(
            f"""\
            cd terraform
            terraform init \\
              -backend-config="bucket=bbws-terraform-state-${{TF_ENVIRONMENT}}" \\
              -backend-config="{KEY[16:]}" \\
              -backend-config="dynamodb_table=bbws-terraform-locks-$TF_ENVIRONMENT"
            """,
            extra="env:\n  TF_ENVIRONMENT: dev\n",
        ),
        PARTIAL_BACKEND,
    ),
    "a default in the expansion, use_lockfile": (
        init_workflow(
            "terraform -chdir=terraform init -backend-config=bucket=bbws-terraform-state-${ENV:-dev} "
            f"{KEY} -backend-config=use_lockfile=true"
        ),
        PARTIAL_BACKEND,
    ),
    "a .tfbackend file under the job's default working directory": (
        init_workflow(
            "terraform init -backend-config=environments/dev.s3.tfbackend -backend-config=use_lockfile=true",
            job_extra="    defaults:\n      run:\n        working-directory: terraform\n",
        ),
        {**PARTIAL_BACKEND, "terraform/environments/dev.s3.tfbackend": DEV_FILE},
    ),
    "a file given as a separate word, any name": (
        init_workflow(
            "terraform init -backend-config ${{ env.CONFIG }} -backend-config=dynamodb_table=t",
            extra="env:\n  CONFIG: state/development.conf\n",
            step_extra="        working-directory: terraform\n",
        ),
        {**PARTIAL_BACKEND, "terraform/state/development.conf": DEV_FILE},
    ),
    "only the deploying job's init counts": (
        init_workflow(
            f"terraform -chdir=terraform init -backend-config=bucket=bbws-terraform-state-dev {KEY} "
            "-backend-config=dynamodb_table=t",
            plan="  plan:\n    runs-on: ubuntu-latest\n    steps:\n"
            "      - run: terraform -chdir=terraform init -backend-config=bucket=somewhere-else\n"
            "      - run: terraform -chdir=terraform plan\n",
        ),
        PARTIAL_BACKEND,
    ),
}


@pytest.mark.parametrize(("workflow", "files"), BACKEND_CONFORMING.values(), ids=BACKEND_CONFORMING.keys())
def test_a_backend_configured_at_init_passes(
    workflow: str, files: dict[str, str], tmp_path: Path, platform: Platform
) -> None:
    for criterion in ("REPO-BACKEND-S3", "REPO-BACKEND-LOCK", "REPO-BACKEND-KEY"):
        assert judge(tmp_path, platform, criterion, "dev", workflow, files) == [], criterion


def test_without_an_init_in_the_workflow_the_env_files_are_judged(tmp_path: Path, platform: Platform) -> None:
    workflow = header("dev") + "  deploy:\n    runs-on: ubuntu-latest\n    steps:\n" + assume(DEV_ROLE, "eu-west-1")
    workflow += "      - run: make deploy ENV=dev\n"
    files = {**PARTIAL_BACKEND, "terraform/dev.hcl": DEV_FILE + 'dynamodb_table = "t"\n'}
    for criterion in ("REPO-BACKEND-S3", "REPO-BACKEND-LOCK", "REPO-BACKEND-KEY"):
        assert judge(tmp_path, platform, criterion, "dev", workflow, files) == [], criterion


BACKEND_BROKEN = {
    "a bucket from a secret": (
        "REPO-BACKEND-S3",
        init_workflow(f'terraform -chdir=terraform init -backend-config="bucket=${{{{ secrets.BUCKET }}}}" {KEY}'),
        "deploy-dev.yml:17: REPO-BACKEND-S3: bucket: cannot resolve -backend-config=bucket=... "
        "(secrets.BUCKET is not known before the run)",
    ),
    "a variable the step does not set": (
        "REPO-BACKEND-S3",
        init_workflow(f"terraform -chdir=terraform init -backend-config=bucket=bbws-terraform-state-$ENV {KEY}"),
        "bucket: cannot resolve -backend-config=bucket=bbws-terraform-state-... ($ENV is not set in the step's env)",
    ),
    "the key of another repo": (
        "REPO-BACKEND-KEY",
        init_workflow("terraform -chdir=terraform init -backend-config=key=2_1_bbws_get_product/terraform.tfstate"),
        "deploy-dev.yml:17: REPO-BACKEND-KEY: key: expected '2_1_bbws_product_infrastructure/terraform.tfstate', "
        "found '2_1_bbws_get_product/terraform.tfstate'",
    ),
    "no lock": (
        "REPO-BACKEND-LOCK",
        init_workflow(f"terraform -chdir=terraform init -backend-config=bucket=bbws-terraform-state-dev {KEY}"),
        "deploy-dev.yml:17: REPO-BACKEND-LOCK: expected dynamodb_table or use_lockfile = true, found no state locking",
    ),
    "a file that is not there": (
        "REPO-BACKEND-KEY",
        init_workflow(
            "terraform init -backend-config=environments/dev.hcl", step_extra="        working-directory: terraform\n"
        ),
        "deploy-dev.yml:18: REPO-BACKEND-KEY: -backend-config=environments/dev.hcl: expected the file "
        "terraform/environments/dev.hcl, found none",
    ),
    "a file outside the repository": (
        "REPO-BACKEND-S3",
        init_workflow("terraform -chdir=terraform init -backend-config=../../shared/dev.hcl"),
        "-backend-config=../../shared/dev.hcl: cannot resolve the file (outside the repository)",
    ),
    "the deploying job's init is wrong, the plan job's right": (
        "REPO-BACKEND-S3",
        init_workflow(
            f"terraform -chdir=terraform init -backend-config=bucket=bbws-terraform-state-sit {KEY}",
            plan="  plan:\n    runs-on: ubuntu-latest\n    steps:\n"
            "      - run: terraform -chdir=terraform init -backend-config=bucket=bbws-terraform-state-dev\n",
        ),
        "REPO-BACKEND-S3: bucket: expected 'bbws-terraform-state-dev', found 'bbws-terraform-state-sit'",
    ),
}


@pytest.mark.parametrize(("criterion", "workflow", "message"), BACKEND_BROKEN.values(), ids=BACKEND_BROKEN.keys())
def test_a_backend_breakage_at_init_fails_naming_the_line(
    criterion: str, workflow: str, message: str, tmp_path: Path, platform: Platform
) -> None:
    assert message in "\n".join(judge(tmp_path, platform, criterion, "dev", workflow, PARTIAL_BACKEND))


# -- the pieces: expressions and scripts ---------------------------------------------------------

CONTEXTS = {
    "inputs": {"confirm": "Deploy-Prod", "count": 3},
    "env": {"EMPTY": "", "WORD": "deploy-prod"},
    "github": Partial("github", {"event_name": "workflow_dispatch"}),
}
EXPRESSIONS = [
    ("inputs.confirm == 'deploy-prod'", True),  # strings compare ignoring case
    ("inputs.count == '3'", True),  # other types compare as numbers
    ("env.EMPTY == 0", True),
    ("env.MISSING == null", True),  # a missing property is null
    ("!env.EMPTY", True),
    ("env.EMPTY || env.WORD", "deploy-prod"),  # || and && return an operand
    ("env.WORD && inputs.count", 3),
    ("contains(inputs.confirm, 'PROD')", True),
    ("startsWith(env.WORD, 'deploy')", True),
    ("format('{0}-{1}', env.WORD, inputs.count)", "deploy-prod-3"),
    ("fromJSON('[1, 2]')[1]", 2),
    ("inputs.count > 2 && inputs.count <= 3", True),
    ("github.event_name == 'workflow_dispatch'", True),
]


@pytest.mark.parametrize(("expression", "value"), EXPRESSIONS, ids=[e for e, _ in EXPRESSIONS])
def test_github_expressions_evaluate_as_github_does(expression: str, value: object) -> None:
    assert resolve("${{ " + expression + " }}", Evaluator(CONTEXTS)) == value


def test_what_a_run_only_knows_stays_unknown_and_conditions_stay_three_valued() -> None:
    evaluator = Evaluator(CONTEXTS, Status(success=True, failure=False))
    assert isinstance(resolve("${{ secrets.TOKEN }}", evaluator), Unknown)
    assert isinstance(resolve("x-${{ vars.X }}", evaluator), Unknown)
    assert isinstance(condition("github.ref == 'main'", evaluator), Unknown)
    assert condition("github.ref == 'main' && env.EMPTY", evaluator).truthy is False
    assert condition("github.ref == 'main' || env.WORD", evaluator).truthy is True
    assert condition("env.WORD", Evaluator(CONTEXTS, Status(success=False, failure=True))) is False  # success() implied
    assert condition("always() && env.WORD", Evaluator(CONTEXTS, Status(success=False, failure=True))) == "deploy-prod"
    assert condition("${{ env.EMPTY }} == 'x'", evaluator) is True  # text and ${{ }}: a non-empty string


SCRIPTS = [
    ('[ "$V" = deploy-prod ]', {"deploy-prod": {0}, "": {1}}),
    ("[ $V = deploy-prod ]", {"deploy-prod": {0}, "": {2}}),  # unquoted empty: `[ = x ]` is malformed
    ('test "$V" = deploy-prod && echo ok', {"deploy-prod": {0}, "x": {1}}),  # the && list's status ends the script
    ('[[ "$V" == deploy-* ]]', {"deploy-prod": {0}, "deploy-x": {0}, "prod": {1}}),  # unquoted: a pattern
    ('[[ "$V" == "deploy-*" ]]', {"deploy-x": {1}}),  # quoted: literal
    ("[[ $V =~ ^deploy-(prod|sit)$ ]]", {"deploy-prod": {0}, "deploy-dev": {1}}),
    ('if ! [ "$V" = deploy-prod ]; then exit 3; fi', {"deploy-prod": {0}, "x": {3}}),
    ("case $V in deploy-prod|yes) true ;; *) false ;; esac", {"yes": {0}, "no": {1}}),
    ('false || [ "$V" = ok ]', {"ok": {0}, "no": {1}}),
    ("set -e\nfalse\necho never", {"any": {1}}),
    ("set +e\nfalse\necho reached", {"any": {0}}),
    ('X=${V:-empty}\n[ "$X" = empty ]', {"": {0}, "set": {1}}),
    ('[ -z "$V" ] && exit 4\nexit 0', {"": {4}, "x": {0}}),
    ('grep -qi "^DEPLOY-PROD$" <<< "$V"', {"deploy-prod": {0}, "deploy-pro": {1}}),
    ('printf "%s\\n" "$V" | grep -qxF deploy-prod', {"deploy-prod": {0}, "x": {1}}),
    ('some-tool --check "$V"', {"deploy-prod": {0, 1}}),  # an unknown command may fail (bash -e) or not
    ("python3 -c 'import sys; sys.exit(2)'", {"any": {1}}),
]


@pytest.mark.parametrize(("script", "cases"), SCRIPTS, ids=[s for s, _ in SCRIPTS])
def test_scripts_end_as_bash_would(script: str, cases: dict[str, set[int]]) -> None:
    parsed = parse_script(script)
    for value, statuses in cases.items():
        found = {e.status for e in endings(parsed, Start({"V": value}), deploying_command)}
        assert found == statuses, (value, found)


def test_deploying_commands_are_told_from_reads() -> None:
    deploying = [
        ["terraform", "apply", "-auto-approve"],
        ["terraform", "-chdir=terraform", "destroy"],
        ["terraform", "state", "rm", "x"],
        ["aws", "--region", "eu-west-1", "lambda", "update-function-code"],
        ["aws", "s3", "cp", "dist/lambda.zip", "s3://bucket/x.zip"],
        ["sam", "deploy"],
        ["make", "deploy"],
        ["./scripts/deploy.sh"],
        ["terraform", Unknown("$ACTION")],
    ]
    reading = [
        ["terraform", "plan"],
        ["terraform", "init", "-backend-config=x"],
        ["terraform", "state", "pull"],
        ["aws", "sts", "get-caller-identity"],
        ["aws", "s3", "cp", "s3://bucket/plan", "."],
        ["aws", "dynamodb", "describe-table", "--table-name", "t"],
        ["echo", "deploying to prod"],
        ["python", "scripts/validate_infrastructure.py"],
    ]
    assert all(deploying_command(words) for words in deploying)
    assert not any(deploying_command(words) for words in reading)


# -- a local reusable workflow: its jobs are judged as the caller's ---------------------------------

CALLED = """\
name: deploy (reusable)
on:
  workflow_call:
    inputs:
      environment:
        type: string
        required: true
      account:
        type: string
        required: true
      region:
        type: string
        default: eu-west-1
permissions:
  id-token: write
  contents: read
env:
  TF_IN_AUTOMATION: "true"
jobs:
  apply:
    runs-on: ubuntu-latest
    environment: ${{ inputs.environment }}
    defaults:
      run:
        working-directory: terraform
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::${{ inputs.account }}:role/deployer
          aws-region: ${{ inputs.region }}
      - run: terraform init -backend-config=environments/${{ inputs.environment }}.hcl
      - name: Terraform apply
        run: terraform apply -auto-approve
"""
SIT_FILE = 'bucket = "bbws-terraform-state-sit"\nkey = "2_1_bbws_product_infrastructure/terraform.tfstate"\n'
SIT_FILES = {
    ".github/workflows/deploy.yml": CALLED,
    **PARTIAL_BACKEND,
    "terraform/environments/sit.hcl": SIT_FILE + "use_lockfile = true\n",
}


def caller(env: str, inputs: str = "", jobs: str = "", with_: str = "") -> str:
    account = {"sit": "815856636111", "prod": "093646564004"}[env]
    return header(env, inputs) + (
        f"{jobs}  deploy:\n    uses: ./.github/workflows/deploy.yml\n"
        f"    with:\n      environment: {env}\n      account: '{account}'\n{with_}"
    )


@pytest.mark.parametrize(
    "criterion", ["WF-APPROVAL", "WF-OIDC", "REPO-BACKEND-S3", "REPO-BACKEND-LOCK", "REPO-BACKEND-KEY"]
)
def test_a_reusable_workflow_s_jobs_are_judged_with_the_caller_s_inputs(
    criterion: str, tmp_path: Path, platform: Platform
) -> None:
    assert judge(tmp_path, platform, criterion, "sit", caller("sit"), SIT_FILES) == []


def test_a_confirm_job_the_reusable_call_needs_guards_its_deploy(tmp_path: Path, platform: Platform) -> None:
    confirm = confirm_job('[ "$CONFIRM" = deploy-prod ] || exit 1')
    guarded = caller("prod", CONFIRM_INPUT, confirm).replace("    uses:", "    needs: confirm\n    uses:")
    assert judge(tmp_path, platform, "WF-CONFIRM", "prod", guarded, {".github/workflows/deploy.yml": CALLED}) == []
    ungated = caller("prod", CONFIRM_INPUT, confirm)
    assert judge(tmp_path / "2", platform, "WF-CONFIRM", "prod", ungated, {".github/workflows/deploy.yml": CALLED}) == [
        f"{REPO}/.github/workflows/deploy.yml:32: WF-CONFIRM: jobs.deploy/apply: expected nothing that deploys to run "
        "unless confirm reads 'deploy-prod', found step 'Terraform apply' (line 32) runs when it reads ''"
    ]


def test_a_reusable_workflow_called_with_another_environment_is_not_gated(tmp_path: Path, platform: Platform) -> None:
    workflow = caller("sit").replace("environment: sit", "environment: staging")
    assert judge(tmp_path, platform, "WF-APPROVAL", "sit", workflow, SIT_FILES) == [
        f"{REPO}/.github/workflows/deploy.yml:22: WF-APPROVAL: jobs.deploy/apply.environment: expected 'sit' "
        "(on the job or on a job it needs), found 'staging': step 'Terraform apply' (line 32) runs without approval"
    ]


def test_a_caller_that_withholds_id_token_fails_the_called_job(tmp_path: Path, platform: Platform) -> None:
    workflow = caller("sit").replace(
        "permissions:\n  id-token: write\n  contents: read\n", "permissions:\n  contents: read\n"
    )
    assert judge(tmp_path, platform, "WF-OIDC", "sit", workflow, SIT_FILES) == [
        f"{REPO}/.github/workflows/deploy-sit.yml:4: WF-OIDC: jobs.deploy/apply.permissions: expected id-token: write, "
        'found {"contents": "read"}'
    ]


def test_a_reusable_workflow_that_cannot_be_read_fails_instead_of_passing(tmp_path: Path, platform: Platform) -> None:
    workflow = caller("sit").replace("./.github/workflows/deploy.yml", "bbws/shared/.github/workflows/deploy.yml@v1")
    oidc = judge(tmp_path, platform, "WF-OIDC", "sit", workflow, SIT_FILES)
    assert oidc == [
        f"{REPO}/.github/workflows/deploy-sit.yml:1: WF-OIDC: expected a step using "
        "aws-actions/configure-aws-credentials@<ref> (OIDC), found none"
    ]
    approval = judge(tmp_path / "2", platform, "WF-APPROVAL", "sit", workflow, SIT_FILES)
    assert approval == [
        f"{REPO}/.github/workflows/deploy-sit.yml:8: WF-APPROVAL: jobs.deploy.environment: expected 'sit' (on the job "
        "or on a job it needs), found none: the reusable workflow of jobs.deploy runs without approval"
    ]


def test_a_confirmation_prefilled_with_the_word_is_not_typed(tmp_path: Path, platform: Platform) -> None:
    inputs = CONFIRM_INPUT + "    default: deploy-prod\n"
    workflow = prod(deploy_job(condition_="inputs.confirm == 'deploy-prod'"), inputs=inputs)
    assert "expected a required workflow_dispatch input (type string) for the typed confirmation, found none" in (
        "\n".join(judge(tmp_path, platform, "WF-CONFIRM", "prod", workflow))
    )
    harmless = prod(
        deploy_job(condition_="inputs.confirm == 'deploy-prod'"), inputs=CONFIRM_INPUT + "    default: ''\n"
    )
    assert judge(tmp_path / "2", platform, "WF-CONFIRM", "prod", harmless) == []


# -- WF-ONLY-DEPLOY-WORKFLOWS: no other workflow deploys around the gates ------------------------------

HOTFIX = """\
name: hotfix
on: push
permissions:
  id-token: write
jobs:
  apply:
    runs-on: ubuntu-latest
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::093646564004:role/x
          aws-region: af-south-1
      - run: terraform apply -auto-approve -var-file=environments/prod.tfvars
"""
PLAN_ONLY = HOTFIX.replace("name: hotfix", "name: ci").replace(
    "terraform apply -auto-approve", "terraform plan -input=false"
)
CALLED_ONLY = HOTFIX.replace("on: push", "on:\n  workflow_call: {}")
CALLS_REMOTE = "on: push\njobs:\n  go:\n    uses: someone/else/.github/workflows/apply.yml@main\n"


def other_workflows(tmp_path: Path, platform: Platform, files: dict[str, str]) -> list[str]:
    repo = tmp_path / "fleet" / REPO
    for relative, text in files.items():
        (repo / relative).parent.mkdir(parents=True, exist_ok=True)
        (repo / relative).write_text(text, encoding="utf-8")
    evidence = FleetEvidence(tmp_path / "fleet", platform, {"terraform": "off"})
    check = by_id()["WF-ONLY-DEPLOY-WORKFLOWS"].static
    assert check is not None
    return [p.render("WF-ONLY-DEPLOY-WORKFLOWS") for p in check(RepoView(evidence, REPO, None, None), evidence)]


ONLY_DEPLOY = (
    "WF-ONLY-DEPLOY-WORKFLOWS: expected only .github/workflows/deploy-dev.yml, .github/workflows/deploy-prod.yml, "
    ".github/workflows/deploy-sit.yml to deploy"
)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {".github/workflows/hotfix.yml": HOTFIX},
            [
                f"hotfix.yml:13: {ONLY_DEPLOY} (their gates: approval, "
                "confirmation), found job apply deploys in step 'terraform apply "
                "-auto-approve -var-file=environments/prod.tf'"
            ],
        ),
        ({".github/workflows/hotfix.yaml": HOTFIX}, ["hotfix.yaml:13: "]),
        (
            {".github/workflows/x.yml": CALLS_REMOTE},
            [
                f"x.yml:4: {ONLY_DEPLOY}, found job go: the reusable workflow "
                "someone/else/.github/workflows/apply.yml@main cannot be read "
                "here, so it may"
            ],
        ),
        ({".github/workflows/x.yml": "on: push\njobs: [\n"}, ["x.yml:3: WF-ONLY-DEPLOY-WORKFLOWS: does not parse"]),
    ],
    ids=["push-applies-prod", "yaml-suffix", "unread-reusable", "broken"],
)
def test_another_workflow_that_deploys_fails_naming_it(
    files: dict[str, str], expected: list[str], tmp_path: Path, platform: Platform
) -> None:
    problems = other_workflows(tmp_path, platform, files)
    assert len(problems) == len(expected), problems
    for problem, start in zip(problems, expected, strict=True):
        assert problem.startswith(f"{REPO}/.github/workflows/{start}"), problem


@pytest.mark.parametrize(
    "files",
    [
        {".github/workflows/ci.yml": PLAN_ONLY},  # assumes a role to plan: no deploy
        {".github/workflows/apply.yml": CALLED_ONLY},  # runs only through a caller, judged there
        {".github/workflows/deploy-prod.yml": HOTFIX},  # the deploy workflows are judged by their own criteria
        {},
    ],
    ids=["plan-only", "workflow-call-only", "the-deploy-workflow-itself", "none"],
)
def test_workflows_that_do_not_deploy_pass(files: dict[str, str], tmp_path: Path, platform: Platform) -> None:
    assert other_workflows(tmp_path, platform, files) == []

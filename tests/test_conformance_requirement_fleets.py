"""Fleets written from the requirement alone pass the requirement profile, and each breakage of them fails.

tests/fixtures/requirement_fleet_a and requirement_fleet_b were written by people who saw only
the requirement (BLIND_FLEETS.md), tests/fixtures/handwritten_fleet by hand in other styles.
Each is copied and made into git repositories once per module.

1. `--profile requirement` through the plugin: no failure on any of them (the infrastructure
   criteria are judged too: that part holds once the INF-* checks accept their styles).
2. The criteria of the workflow, backend, repository-file, Lambda and remote-state areas pass on
   each of them, and on semantics-preserving rewrites of them (other layouts, other spellings).
3. FIXTURE_MUTATIONS: for each of those requirement criteria, and each fact it checks, a small
   edit in the fixture's own style that fails it with the exact message, and changes nothing
   else in that repository.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

from conformance.catalogue import AREAS, CRITERIA, in_profile
from conformance.criteria import backend, lambda_function, remote_state, repo_files, workflows
from conformance.criteria.base import Profile
from conformance.evidence.fleet import FleetEvidence
from conformance.platform import Platform
from conformance.runner import PRESENT, Outcome, plan_cases, run_case
from tests.test_conformance_mutations import (
    INFRA,
    Mutation,
    append,
    assert_useful_failure,
    delete,
    empty,
    repo_of,
    sub,
    workflow,
)
from tests.test_conformance_static import run_suite

FIXTURES = Path(__file__).parent / "fixtures"
FLEETS = ("requirement_fleet_a", "requirement_fleet_b", "handwritten_fleet")
BLIND = ("requirement_fleet_a", "requirement_fleet_b")
# The areas this file holds to the requirement (the infrastructure's are held in their own tests).
AREA_MODULES = (repo_files, remote_state, lambda_function, backend, workflows)
REQUIREMENT_CRITERIA = in_profile(CRITERIA, "requirement")
AREA_IDS = {
    c.id for module, criteria in AREAS if module in AREA_MODULES for c in criteria if c.profile is Profile.REQUIREMENT
}
ENVS = ["dev", "sit", "prod"]
Key = tuple[str, str, str | None]


def git_init(root: Path) -> None:
    for repo in sorted(p for p in root.iterdir() if p.is_dir()):
        for args in (
            ["init", "-q"],
            ["add", "-A"],
            ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "from the requirement"],
        ):
            subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture(scope="module")
def fleets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each fixture copied once and made into git repositories with one commit each."""
    found = {}
    for name in FLEETS:
        root = tmp_path_factory.mktemp(name) / "fleet"
        shutil.copytree(FIXTURES / name, root)
        git_init(root)
        found[name] = root
    return found


def outcomes(root: Path, platform: Platform, repo: str | None = None) -> dict[Key, Outcome]:
    """Every requirement case (of one repository) on this fleet, in process."""
    evidence = FleetEvidence(root, platform, {"terraform": "off"})
    cases = plan_cases(platform, REQUIREMENT_CRITERIA, ENVS)
    return {(c.criterion.id, c.repo, c.env): run_case(c, evidence) for c in cases if repo is None or c.repo == repo}


@pytest.fixture(scope="module")
def baselines(fleets: dict[str, Path], platform: Platform) -> dict[str, dict[Key, str]]:
    return {name: {k: o.status for k, o in outcomes(root, platform).items()} for name, root in fleets.items()}


def test_the_fixtures_hold_the_eight_repos(platform: Platform) -> None:
    for name in FLEETS:
        assert sorted(p.name for p in (FIXTURES / name).iterdir()) == sorted(platform.repo_names), name


@pytest.mark.parametrize("name", FLEETS)
def test_the_requirement_profile_passes_on_a_fleet_written_from_the_requirement(
    name: str, fleets: dict[str, Path], tmp_path: Path
) -> None:
    """Every requirement criterion, through the plugin. The INF-* part needs the infrastructure criteria
    to accept these fleets' styles (branch req-infra); the rest is held below on this branch alone."""
    result, report = run_suite(fleets[name], tmp_path, "--env", "all", "--terraform", "off", "--profile", "requirement")
    failed = [r["message"].splitlines()[0] for r in report.get("results", []) if r["outcome"] == "failed"]
    assert result.returncode == 0 and not failed, failed[:20] or result.stdout[-3000:]
    assert report["summary"]["passed"] > 300
    assert {r["profile"] for r in report["results"]} == {"requirement"}


@pytest.mark.parametrize("name", FLEETS)
def test_the_workflow_backend_file_and_lambda_criteria_pass_on_it(
    name: str, baselines: dict[str, dict[Key, str]]
) -> None:
    judged = {k: s for k, s in baselines[name].items() if k[0] in AREA_IDS}
    assert judged and {k: s for k, s in judged.items() if s != "passed"} == {}
    assert {k[0] for k in judged} == AREA_IDS


# -- rewrites that keep a fleet conforming ---------------------------------------------------------

HANDLER_AT_SRC_ROOT = sub(
    "terraform/lambda.tf", r'handler(\s+)= "src\.handler\.handler"', r'handler\1= "handler.handler"'
)
VARIANTS: dict[str, tuple[str, str, list]] = {
    "the zip's root is src/ (handler handler.handler)": ("requirement_fleet_b", "get_product", [HANDLER_AT_SRC_ROOT]),
    "the handler assigned, not defined": (
        "requirement_fleet_b",
        "list_products",
        [
            sub("terraform/lambda.tf", r'"src\.handler\.handler"', '"src.handler.entry"'),
            append("src/handler.py", "\nentry = handler\n"),
        ],
    ),
    "the log group named by format()": (
        "requirement_fleet_b",
        "audit_logger",
        [
            sub(
                "terraform/cloudwatch.tf",
                r'"/aws/lambda/\$\{aws_lambda_function\.this\.function_name\}"',
                'format("/aws/lambda/%s", local.function_name)',
            )
        ],
    ),
    "coverage and setup told another way": (
        "requirement_fleet_a",
        "get_product",
        [sub("README.md", r"^pip install -r requirements-dev\.txt$", "python -m pip install -r requirements-dev.txt")],
    ),
    "the validate script with click": (
        "requirement_fleet_b",
        INFRA,
        [
            sub(
                "scripts/validate_infrastructure.py",
                r'^if __name__ == "__main__":\n    sys\.exit\(main\(\)\)\n',
                "import click\n\n\n@click.command()\n@click.option(\"--environment\", type=click.Choice(['dev', 'sit', "
                "'prod']), default='dev')\ndef cli(environment):\n    sys.exit(main(['--env', environment]))\n\n\n"
                'if __name__ == "__main__":\n    cli()\n',
            )
        ],
    ),
    "the backend key given as a flag instead of in the file": (
        "requirement_fleet_b",
        "create_product",
        [
            sub("terraform/environments/dev.s3.tfbackend", r"^key\s+= .*\n", ""),
            sub(
                workflow("dev"),
                r"(-backend-config=environments/dev\.s3\.tfbackend)$",
                r'\1 -backend-config="key=2_1_bbws_${REPO}/terraform.tfstate"',
            ),
            sub(workflow("dev"), r"^jobs:$", "env:\n  REPO: create_product\n\njobs:"),
        ],
    ),
    "the confirmation as a case statement in a confirm job": (
        "requirement_fleet_b",
        "create_product",
        [
            sub(
                workflow("prod"),
                r'^          if \[ "\$CONFIRMATION" != "deploy-prod" \]; then\n.*\n            exit 1\n          fi\n',
                '          case "$CONFIRMATION" in\n            deploy-prod) ;;\n            *) exit 1 ;;\n          '
                "esac\n",
            )
        ],
    ),
}


@pytest.mark.parametrize(("name", "role", "edits"), VARIANTS.values(), ids=VARIANTS.keys())
def test_a_rewrite_that_keeps_the_meaning_keeps_the_verdict(
    name: str, role: str, edits: list, fleets: dict[str, Path], baselines: dict[str, dict[Key, str]], platform, tmp_path
) -> None:
    root = tmp_path / "fleet"
    shutil.copytree(fleets[name], root, symlinks=True)
    repo = repo_of(platform, role)
    for edit in edits:
        edit(root / repo)
    after = {k: o for k, o in outcomes(root, platform, repo).items()}
    changed = {k: o.message for k, o in after.items() if o.status != baselines[name][k]}
    assert changed == {}


# -- breakages in each fixture's own style -----------------------------------------------------------

A, B = "requirement_fleet_a", "requirement_fleet_b"
FIXTURE_MUTATIONS: list[tuple[str, Mutation]] = [
    # fleet a ---------------------------------------------------------------------------------------
    (A, Mutation("a-repo-deleted", PRESENT, "audit_logger", delete(""), "expected the repository under")),
    (
        A,
        Mutation(
            "a-infra-gitignore-deleted",
            "INF-FILES",
            INFRA,
            delete(".gitignore"),
            ".gitignore: INF-FILES: expected the file, found none",
        ),
    ),
    (
        A,
        Mutation(
            "a-events-model-deleted",
            "LAMBDA-FILES",
            "get_product",
            delete("src/models/events.py"),
            "src/models/events.py: LAMBDA-FILES: expected the file, found none",
        ),
    ),
    (
        A,
        Mutation(
            "a-git-removed",
            "REPO-GIT",
            "product_creator",
            delete(".git"),
            "REPO-GIT: expected a git repository with at least one commit, found not a git repository",
        ),
    ),
    (
        A,
        Mutation(
            "a-gitignore-without-env",
            "REPO-GITIGNORE",
            "list_products",
            sub(".gitignore", r"^\.env\n", ""),
            ".gitignore: REPO-GITIGNORE: expected .env ignored, found no .env entry",
        ),
    ),
    (
        A,
        Mutation(
            "a-claude-md-emptied",
            "REPO-DOCS",
            INFRA,
            empty("CLAUDE.md"),
            "CLAUDE.md: REPO-DOCS: expected a non-empty file, found an empty file",
        ),
    ),
    (
        A,
        Mutation(
            "a-inf-readme-title-only",
            "INF-README",
            INFRA,
            sub("README.md", r"\A[\s\S]*\Z", "# BBWS product infrastructure\n"),
            "README.md: INF-README: expected deployment instructions: (",
        ),
    ),
    (
        A,
        Mutation(
            "a-lambda-readme-title-only",
            "LAMBDA-README",
            "get_product",
            sub("README.md", r"\A[\s\S]*\Z", "# get_product\n\nOne product by id.\n"),
            "README.md: LAMBDA-README: expected setup instructions: (",
        ),
    ),
    (
        A,
        Mutation(
            "a-validate-script-without-env",
            "INF-VALIDATE-SCRIPT",
            INFRA,
            sub("scripts/validate_infrastructure.py", r'^        "--env",$', '        "--stage",'),
            "validate_infrastructure.py: INF-VALIDATE-SCRIPT: expected the env to check as --env or --environment "
            "(argparse or click), found none",
        ),
    ),
    (
        A,
        Mutation(
            "a-validate-script-default-env",
            "INF-VALIDATE-SCRIPT",
            INFRA,
            sub("scripts/validate_infrastructure.py", r'^(        default=)"dev",$', r'\1"qa",'),
            "INF-VALIDATE-SCRIPT: --env default: expected dev or sit or prod, found 'qa'",
        ),
    ),
    (
        A,
        Mutation(
            "a-requirements-without-black",
            "LAMBDA-REQUIREMENTS",
            "delete_product",
            sub("requirements-dev.txt", r"^black.*\n", ""),
            "requirements-dev.txt: LAMBDA-REQUIREMENTS: expected pytest, moto, black, found no black",
        ),
    ),
    (
        A,
        Mutation(
            "a-pytest-ini-section",
            "LAMBDA-PYTEST-INI",
            "update_product",
            sub("pytest.ini", r"^\[pytest\]$", "[tool:pytest]"),
            "expected a [pytest] section, found sections ['tool:pytest']",
        ),
    ),
    (
        A,
        Mutation(
            "a-remote-state-key",
            "LAMBDA-REMOTE-STATE",
            "get_product",
            sub("terraform/data.tf", r'(key\s+= )"2_1_bbws_product_infrastructure/', r'\1"2_1_bbws_get_product/'),
            "config.key: expected '2_1_bbws_product_infrastructure/terraform.tfstate', found "
            "'2_1_bbws_get_product/terraform.tfstate'",
        ),
    ),
    (
        A,
        Mutation(
            "a-remote-state-local",
            "LAMBDA-REMOTE-STATE-LOCALS",
            "get_product",
            sub(
                "terraform/data.tf",
                r"(s3_audit_bucket\s+= data\.terraform_remote_state\.infrastructure\.outputs\.)s3_audit_bucket_name",
                r"\1sns_topic_arn",
            ),
            "local.s3_audit_bucket: expected "
            "data.terraform_remote_state.infrastructure.outputs.s3_audit_bucket_name, found "
            "data.terraform_remote_state.infrastructure.outputs.sns_topic_arn",
        ),
    ),
    (
        A,
        Mutation(
            "a-output-unknown",
            "LAMBDA-OUTPUT-CONTRACT",
            "get_product",
            sub(
                "terraform/data.tf",
                r"(sns_topic_arn\s+= data\.terraform_remote_state\.infrastructure\.outputs\.)sns_topic_arn",
                r"\1alert_topic_arn",
            ),
            "expected an output of 2_1_bbws_product_infrastructure/terraform/outputs.tf, found alert_topic_arn",
        ),
    ),
    (
        A,
        Mutation(
            "a-runtime",
            "LAMBDA-FUNCTION",
            "create_product",
            sub("terraform/lambda.tf", r'(runtime\s+= )"python3\.12"', r'\1"python3.11"'),
            "runtime: expected 'python3.12', found 'python3.11'",
        ),
    ),
    (
        A,
        Mutation(
            "a-handler-function",
            "LAMBDA-HANDLER",
            "get_product",
            sub("terraform/lambda.tf", r'"src\.handler\.handle"', '"src.handler.handled"'),
            "lambda.tf:7: LAMBDA-HANDLER: handler 'src.handler.handled': expected a function handled in src/handler.py",
        ),
    ),
    (
        A,
        Mutation(
            "a-source-syntax",
            "LAMBDA-HANDLER",
            "list_products",
            append("src/services/product_service.py", "\nif True\n"),
            "LAMBDA-HANDLER: does not parse: expected ':'",
        ),
    ),
    (
        A,
        Mutation(
            "a-log-retention",
            "LAMBDA-LOG-GROUP",
            "update_product",
            sub("terraform/cloudwatch.tf", r"^  retention_in_days = var\.log_retention_days\n", ""),
            "cloudwatch.tf:1: LAMBDA-LOG-GROUP: expected retention_in_days (logs that expire), found none",
        ),
    ),
    (
        A,
        Mutation(
            "a-log-group-name",
            "LAMBDA-LOG-GROUP",
            "audit_logger",
            sub("terraform/cloudwatch.tf", r'format\("/aws/lambda/%s"', 'format("/aws/lambda/%s-x"'),
            "LAMBDA-LOG-GROUP: expected an aws_cloudwatch_log_group named '/aws/lambda/bbws-audit-logger-{env}', "
            "found /aws/lambda/bbws-audit-logger-{env}-x",
        ),
    ),
    (
        A,
        Mutation(
            "a-integration-type",
            "LAMBDA-API-TRIGGER",
            "get_product",
            sub("terraform/api_gateway_integration.tf", r'(type\s+= )"AWS_PROXY"', r'\1"HTTP_PROXY"'),
            "expected an aws_api_gateway_integration of type AWS_PROXY, found none",
        ),
    ),
    (
        A,
        Mutation(
            "a-event-source",
            "LAMBDA-SQS-TRIGGER",
            "product_creator",
            sub(
                "terraform/sqs_event_source.tf",
                r"(event_source_arn = )local\.sqs_queue_arn",
                r"\1local.dynamodb_table_arn",
            ),
            "sqs_event_source.tf:6: LAMBDA-SQS-TRIGGER: expected "
            "data.terraform_remote_state.infrastructure.outputs.sqs_queue_arn (or the ARN of "
            "bbws-product-change-{env}), found "
            "${data.terraform_remote_state.infrastructure.outputs.dynamodb_table_arn}",
        ),
    ),
    (
        A,
        Mutation(
            "a-backend-bucket-flag",
            "REPO-BACKEND-S3",
            INFRA,
            sub(workflow("dev"), r'(bucket=bbws-terraform-state-\$\{TF_ENVIRONMENT\})"', r'\1-old"'),
            "deploy-dev.yml:47: REPO-BACKEND-S3: bucket: expected 'bbws-terraform-state-dev', found "
            "'bbws-terraform-state-dev-old'",
            envs=("dev",),
        ),
    ),
    (
        A,
        Mutation(
            "a-backend-bucket-file",
            "REPO-BACKEND-S3",
            "audit_logger",
            sub("terraform/environments/sit.backend.hcl", r'"bbws-terraform-state-sit"', '"bbws-terraform-state-dev"'),
            "sit.backend.hcl:1: REPO-BACKEND-S3: bucket: expected 'bbws-terraform-state-sit', found "
            "'bbws-terraform-state-dev'",
            envs=("sit",),
        ),
    ),
    (
        A,
        Mutation(
            "a-backend-unresolvable",
            "REPO-BACKEND-S3",
            INFRA,
            sub(
                workflow("prod"),
                r"bucket=bbws-terraform-state-\$\{TF_ENVIRONMENT\}",
                "bucket=bbws-terraform-state-${TF_ENV}",
            ),
            "deploy-prod.yml:69: REPO-BACKEND-S3: bucket: cannot resolve "
            "-backend-config=bucket=bbws-terraform-state-... ($TF_ENV is not set in the step's env)",
            envs=("prod",),
        ),
    ),
    (
        A,
        Mutation(
            "a-backend-lock-flag",
            "REPO-BACKEND-LOCK",
            "get_product",
            sub(workflow("prod"), r'^ +-backend-config="dynamodb_table=.*\n', ""),
            "deploy-prod.yml:81: REPO-BACKEND-LOCK: expected dynamodb_table or use_lockfile = true, found no state "
            "locking",
            envs=("prod",),
        ),
    ),
    (
        A,
        Mutation(
            "a-backend-lock-file",
            "REPO-BACKEND-LOCK",
            "create_product",
            sub("terraform/environments/dev.backend.hcl", r"^dynamodb_table.*\n", ""),
            "REPO-BACKEND-LOCK: expected dynamodb_table or use_lockfile = true, found no state locking",
            envs=("dev",),
        ),
    ),
    (
        A,
        Mutation(
            "a-backend-key-flag",
            "REPO-BACKEND-KEY",
            "update_product",
            sub(workflow("sit"), r"key=2_1_bbws_update_product/", "key=2_1_bbws_get_product/", count=2),
            "REPO-BACKEND-KEY: key: expected '2_1_bbws_update_product/terraform.tfstate', found "
            "'2_1_bbws_get_product/terraform.tfstate'",
            envs=("sit",),
        ),
    ),
    (
        A,
        Mutation(
            "a-backend-key-block",
            "REPO-BACKEND-KEY",
            "product_creator",
            sub("terraform/backend.tf", r'"2_1_bbws_product_creator/terraform\.tfstate"', '"terraform.tfstate"'),
            "backend.tf:10: REPO-BACKEND-KEY: key: expected '2_1_bbws_product_creator/terraform.tfstate', found "
            "'terraform.tfstate'",
        ),
    ),
    (
        A,
        Mutation(
            "a-tfvars-region",
            "REPO-TFVARS",
            "get_product",
            sub("terraform/environments/prod.tfvars", r'(aws_region\s+= )"af-south-1"', r'\1"eu-west-1"'),
            "provider region for prod: expected 'af-south-1', found 'eu-west-1'",
            envs=("prod",),
            also=("LAMBDA-REMOTE-STATE",),
        ),
    ),  # data.tf reads the state in var.aws_region too
    (
        A,
        Mutation(
            "a-dispatch",
            "WF-DISPATCH",
            INFRA,
            sub(workflow("dev"), r"^  workflow_dispatch:$", "  push:"),
            "deploy-dev.yml:3: WF-DISPATCH: expected on: workflow_dispatch, found ['push']",
            envs=("dev",),
        ),
    ),
    (
        A,
        Mutation(
            "a-oidc-account-in-env",
            "WF-OIDC",
            INFRA,
            sub(workflow("dev"), r'^(  AWS_ACCOUNT_ID: )"536580886816"', r'\1"815856636111"'),
            "deploy-dev.yml:34: WF-OIDC: jobs.deploy role-to-assume: expected a role in account 536580886816, found "
            "arn:aws:iam::815856636111:role/bbws-github-actions-deploy",
            envs=("dev",),
        ),
    ),
    (
        A,
        Mutation(
            "a-oidc-region-in-env",
            "WF-OIDC",
            "get_product",
            sub(workflow("sit"), r"^(  AWS_REGION: )eu-west-1$", r"\1af-south-1"),
            "WF-OIDC: jobs.plan aws-region: expected eu-west-1, found af-south-1",
            envs=("sit",),
        ),
    ),
    (
        A,
        Mutation(
            "a-oidc-id-token",
            "WF-OIDC",
            "list_products",
            sub(workflow("dev"), r"^  id-token: write\n", ""),
            'deploy-dev.yml:6: WF-OIDC: jobs.deploy.permissions: expected id-token: write, found {"contents": "read"}',
            envs=("dev",),
        ),
    ),
    (
        A,
        Mutation(
            "a-approval-removed",
            "WF-APPROVAL",
            INFRA,
            sub(workflow("sit"), r"^    environment: sit\n", ""),
            "deploy-sit.yml:69: WF-APPROVAL: jobs.apply.environment: expected 'sit' (on the job or on a job it "
            "needs), found none: step 'Terraform apply' (line 109) runs without approval",
            envs=("sit",),
        ),
    ),
    (
        A,
        Mutation(
            "a-approval-plan-applies",
            "WF-APPROVAL",
            "get_product",
            sub(
                workflow("sit"),
                r"^          terraform plan -input=false \\\n",
                "          terraform apply -auto-approve -input=false \\\n",
            ),
            "deploy-sit.yml:22: WF-APPROVAL: jobs.plan.environment: expected 'sit' (on the job or on a job it "
            "needs), found none: step 'Terraform plan' (line 76) runs without approval",
            envs=("sit",),
        ),
    ),
    (
        A,
        Mutation(
            "a-confirm-job-not-needed",
            "WF-CONFIRM",
            INFRA,
            sub(workflow("prod"), r"^    needs: confirm\n", ""),
            "WF-CONFIRM: jobs.deploy: expected nothing that deploys to run unless confirm reads 'deploy-prod', found "
            "step 'Terraform apply' (line 80) runs when it reads ''",
            envs=("prod",),
        ),
    ),
    (
        A,
        Mutation(
            "a-confirm-job-level-if",
            "WF-CONFIRM",
            "list_products",
            sub(workflow("prod"), r"^    if: inputs\.confirm == 'deploy-prod'\n", ""),
            "WF-CONFIRM: jobs.deploy: expected nothing that deploys to run unless confirm reads 'deploy-prod', found "
            "step 'Terraform apply'",
            envs=("prod",),
        ),
    ),
    (
        A,
        Mutation(
            "a-confirm-test-word",
            "WF-CONFIRM",
            "get_product",
            sub(workflow("prod"), r'test "\$CONFIRM" = "deploy-prod"', 'test "$CONFIRM" = "deploy-prd"'),
            "deploy-prod.yml:27: WF-CONFIRM: jobs.deploy: expected the deploy to run when confirm reads "
            "'deploy-prod', found it never does",
            envs=("prod",),
        ),
    ),
    (
        A,
        Mutation(
            "a-confirm-python-inverted",
            "WF-CONFIRM",
            "create_product",
            sub(
                workflow("prod"), r'os\.environ\["CONFIRM"\] == "deploy-prod"', 'os.environ["CONFIRM"] != "deploy-prod"'
            ),
            "WF-CONFIRM: jobs.deploy: expected nothing that deploys to run unless confirm reads 'deploy-prod', found "
            "step 'Terraform apply'",
            envs=("prod",),
        ),
    ),
    (
        A,
        Mutation(
            "a-schema",
            "WF-SCHEMA",
            "delete_product",
            sub(workflow("dev"), r"^    runs-on: ubuntu-latest\n", ""),
            "WF-SCHEMA: jobs.deploy: 'runs-on' is a required property",
            envs=("dev",),
        ),
    ),
    # fleet b ---------------------------------------------------------------------------------------
    (B, Mutation("b-repo-deleted", PRESENT, "update_product", delete(""), "expected the repository under")),
    (
        B,
        Mutation(
            "b-infra-gitignore-deleted",
            "INF-FILES",
            INFRA,
            delete(".gitignore"),
            ".gitignore: INF-FILES: expected the file, found none",
        ),
    ),
    (
        B,
        Mutation(
            "b-conftest-deleted",
            "LAMBDA-FILES",
            "get_product",
            delete("tests/conftest.py"),
            "tests/conftest.py: LAMBDA-FILES: expected the file, found none",
        ),
    ),
    (B, Mutation("b-git-removed", "REPO-GIT", INFRA, delete(".git"), "not a git repository")),
    (
        B,
        Mutation(
            "b-gitignore-without-pycache",
            "REPO-GITIGNORE",
            "get_product",
            sub(".gitignore", r"^__pycache__/\n", ""),
            ".gitignore: REPO-GITIGNORE: expected the Python entry __pycache__/, found none",
        ),
    ),
    (
        B,
        Mutation(
            "b-readme-emptied",
            "REPO-DOCS",
            INFRA,
            empty("README.md"),
            "README.md: REPO-DOCS: expected a non-empty file, found an empty file",
            also=("INF-README",),
        ),
    ),
    (
        B,
        Mutation(
            "b-inf-readme-title-only",
            "INF-README",
            INFRA,
            sub("README.md", r"\A[\s\S]*\Z", "# Infrastructure\n"),
            "README.md: INF-README: expected deployment instructions: (",
        ),
    ),
    (
        B,
        Mutation(
            "b-lambda-readme-title-only",
            "LAMBDA-README",
            "get_product",
            sub("README.md", r"\A[\s\S]*\Z", "# get_product\n"),
            "README.md: LAMBDA-README: expected setup instructions: (",
        ),
    ),
    (
        B,
        Mutation(
            "b-validate-script-not-run",
            "INF-VALIDATE-SCRIPT",
            INFRA,
            sub("scripts/validate_infrastructure.py", r'^if __name__ == "__main__":\n    sys\.exit\(main\(\)\)\n', ""),
            'validate_infrastructure.py: INF-VALIDATE-SCRIPT: expected an entry point (if __name__ == "__main__":), '
            "found none",
        ),
    ),
    (
        B,
        Mutation(
            "b-validate-script-syntax",
            "INF-VALIDATE-SCRIPT",
            INFRA,
            append("scripts/validate_infrastructure.py", "\nprint('unclosed'\n"),
            "INF-VALIDATE-SCRIPT: does not parse: '(' was never closed",
        ),
    ),
    (
        B,
        Mutation(
            "b-requirements-without-boto3",
            "LAMBDA-REQUIREMENTS",
            "get_product",
            sub("requirements.txt", r"^boto3.*\n", ""),
            "requirements.txt: LAMBDA-REQUIREMENTS: expected boto3, pydantic, found no boto3",
        ),
    ),
    (
        B,
        Mutation(
            "b-pytest-ini-section",
            "LAMBDA-PYTEST-INI",
            "audit_logger",
            sub("pytest.ini", r"^\[pytest\]$", "[tool:pytest]"),
            "expected a [pytest] section, found sections ['tool:pytest']",
        ),
    ),
    (
        B,
        Mutation(
            "b-remote-state-fixed-region",
            "LAMBDA-REMOTE-STATE",
            "product_creator",
            sub("terraform/data.tf", r"(region = )var\.aws_region", r'\1"af-south-1"'),
            {
                "dev": "config.region: expected 'eu-west-1', found 'af-south-1'",
                "sit": "config.region: expected 'eu-west-1', found 'af-south-1'",
                "prod": "expected config.region = var.aws_region, found a fixed region",
            },
        ),
    ),
    (
        B,
        Mutation(
            "b-remote-state-local",
            "LAMBDA-REMOTE-STATE-LOCALS",
            "product_creator",
            sub(
                "terraform/data.tf",
                r"(dynamodb_table_name = data\.terraform_remote_state\.infrastructure\.outputs\.)dynamodb_table_name",
                r"\1dynamodb_table_arn",
            ),
            "local.dynamodb_table_name: expected "
            "data.terraform_remote_state.infrastructure.outputs.dynamodb_table_name, found "
            "data.terraform_remote_state.infrastructure.outputs.dynamodb_table_arn",
        ),
    ),
    (
        B,
        Mutation(
            "b-output-unknown",
            "LAMBDA-OUTPUT-CONTRACT",
            "product_creator",
            sub(
                "terraform/data.tf",
                r"(dynamodb_table_arn  = data\.terraform_remote_state\.infrastructure\.outputs\.)dynamodb_table_arn",
                r"\1table_arn",
            ),
            "expected an output of 2_1_bbws_product_infrastructure/terraform/outputs.tf, found table_arn",
        ),
    ),
    (
        B,
        Mutation(
            "b-runtime",
            "LAMBDA-FUNCTION",
            "get_product",
            sub("terraform/lambda.tf", r'(runtime\s+= )"python3\.12"', r'\1"python3.13"'),
            "runtime: expected 'python3.12', found 'python3.13'",
        ),
    ),
    (
        B,
        Mutation(
            "b-handler-module",
            "LAMBDA-HANDLER",
            "delete_product",
            sub("terraform/lambda.tf", r'"src\.handler\.handler"', '"src.handlers.handler"'),
            "handler 'src.handlers.handler': expected a module src.handlers in src/ (src/handlers.py or "
            "src/src/handlers.py), found none",
        ),
    ),
    (
        B,
        Mutation(
            "b-handler-signature",
            "LAMBDA-HANDLER",
            "get_product",
            sub(
                "src/handler.py",
                r"^def handler\(event: dict\[str, Any\], context: Any\)",
                "def handler(event: dict[str, Any])",
            ),
            "expected handler(event, context) in src/handler.py, found handler(event: dict[str, Any])",
        ),
    ),
    (
        B,
        Mutation(
            "b-log-group-of-another-name",
            "LAMBDA-LOG-GROUP",
            "get_product",
            sub("terraform/cloudwatch.tf", r'\.function_name\}"', '.function_name}-logs"'),
            "LAMBDA-LOG-GROUP: expected an aws_cloudwatch_log_group named '/aws/lambda/bbws-get-product-{env}', "
            "found /aws/lambda/bbws-get-product-{env}-logs",
        ),
    ),
    (
        B,
        Mutation(
            "b-log-retention",
            "LAMBDA-LOG-GROUP",
            "audit_logger",
            sub("terraform/cloudwatch.tf", r"^  retention_in_days = 30\n", ""),
            "LAMBDA-LOG-GROUP: expected retention_in_days (logs that expire), found none",
        ),
    ),
    (
        B,
        Mutation(
            "b-permission-principal",
            "LAMBDA-API-TRIGGER",
            "get_product",
            sub("terraform/api_gateway_integration.tf", r'"apigateway\.amazonaws\.com"', '"lambda.amazonaws.com"'),
            "expected an aws_lambda_permission for apigateway.amazonaws.com, found none",
        ),
    ),
    (
        B,
        Mutation(
            "b-event-source",
            "LAMBDA-SQS-TRIGGER",
            "audit_logger",
            sub(
                "terraform/sqs_event_source.tf",
                r"(event_source_arn\s+= )local\.sqs_queue_arn",
                r'\1"arn:aws:sqs:eu-west-1:815856636111:bbws-product-change-dlq-sit"',
            ),
            "found arn:aws:sqs:eu-west-1:815856636111:bbws-product-change-dlq-sit",
        ),
    ),
    (
        B,
        Mutation(
            "b-backend-bucket-file",
            "REPO-BACKEND-S3",
            "get_product",
            sub(
                "terraform/environments/prod.s3.tfbackend", r'"bbws-terraform-state-prod"', '"bbws-terraform-state-sit"'
            ),
            "prod.s3.tfbackend:1: REPO-BACKEND-S3: bucket: expected 'bbws-terraform-state-prod', found "
            "'bbws-terraform-state-sit'",
            envs=("prod",),
        ),
    ),
    (
        B,
        Mutation(
            "b-backend-file-of-dev",
            "REPO-BACKEND-S3",
            INFRA,
            sub(workflow("sit"), r"environments/sit\.s3\.tfbackend", "environments/dev.s3.tfbackend"),
            "dev.s3.tfbackend:1: REPO-BACKEND-S3: bucket: expected 'bbws-terraform-state-sit', found "
            "'bbws-terraform-state-dev'",
            envs=("sit",),
        ),
    ),
    (
        B,
        Mutation(
            "b-backend-lockfile-off",
            "REPO-BACKEND-LOCK",
            INFRA,
            sub("terraform/environments/prod.s3.tfbackend", r"(use_lockfile = )true", r"\1false"),
            "REPO-BACKEND-LOCK: expected dynamodb_table or use_lockfile = true, found no state locking (False)",
            envs=("prod",),
        ),
    ),
    (
        B,
        Mutation(
            "b-backend-lock-table",
            "REPO-BACKEND-LOCK",
            "list_products",
            sub("terraform/environments/dev.s3.tfbackend", r"^dynamodb_table.*\n", ""),
            "REPO-BACKEND-LOCK: expected dynamodb_table or use_lockfile = true, found no state locking",
            envs=("dev",),
        ),
    ),
    (
        B,
        Mutation(
            "b-backend-key",
            "REPO-BACKEND-KEY",
            "audit_logger",
            sub("terraform/environments/sit.s3.tfbackend", r'"2_1_bbws_audit_logger/', '"2_1_bbws_product_creator/'),
            "sit.s3.tfbackend:2: REPO-BACKEND-KEY: key: expected '2_1_bbws_audit_logger/terraform.tfstate', found "
            "'2_1_bbws_product_creator/terraform.tfstate'",
            envs=("sit",),
        ),
    ),
    (
        B,
        Mutation(
            "b-backend-file-missing",
            "REPO-BACKEND-KEY",
            "delete_product",
            sub(workflow("dev"), r"environments/dev\.s3\.tfbackend", "environments/dev.tfbackend"),
            "deploy-dev.yml:56: REPO-BACKEND-KEY: -backend-config=environments/dev.tfbackend: expected the file "
            "terraform/environments/dev.tfbackend, found none",
            envs=("dev",),
            also=("REPO-BACKEND-S3", "REPO-BACKEND-LOCK"),
        ),
    ),
    (
        B,
        Mutation(
            "b-tfvars-account",
            "REPO-TFVARS",
            "get_product",
            sub("terraform/environments/sit.tfvars", r'"815856636111"', '"536580886816"'),
            "allowed_account_ids for sit: expected ['815856636111'], found ['536580886816']",
            envs=("sit",),
        ),
    ),
    (
        B,
        Mutation(
            "b-dispatch-and-push",
            "WF-DISPATCH",
            "get_product",
            sub(workflow("dev"), r"^  workflow_dispatch:$", "  workflow_dispatch:\n  push:"),
            "deploy-dev.yml:3: WF-DISPATCH: expected manual dispatch only, found also on: push",
            envs=("dev",),
        ),
    ),
    (
        B,
        Mutation(
            "b-oidc-account",
            "WF-OIDC",
            INFRA,
            sub(workflow("sit"), r"arn:aws:iam::815856636111:", "arn:aws:iam::536580886816:"),
            "deploy-sit.yml:32: WF-OIDC: jobs.deploy role-to-assume: expected a role in account 815856636111, found "
            "arn:aws:iam::536580886816:role/bbws-github-actions-deploy-sit",
            envs=("sit",),
        ),
    ),
    (
        B,
        Mutation(
            "b-oidc-region",
            "WF-OIDC",
            "get_product",
            sub(workflow("prod"), r"^(          aws-region: )af-south-1$", r"\1eu-west-1"),
            "deploy-prod.yml:68: WF-OIDC: jobs.deploy aws-region: expected af-south-1, found eu-west-1",
            envs=("prod",),
        ),
    ),
    (
        B,
        Mutation(
            "b-oidc-id-token",
            "WF-OIDC",
            "list_products",
            sub(workflow("dev"), r"^      id-token: write\n", ""),
            'WF-OIDC: jobs.deploy.permissions: expected id-token: write, found {"contents": "read"}',
            envs=("dev",),
        ),
    ),
    (
        B,
        Mutation(
            "b-oidc-stored-keys",
            "WF-OIDC",
            "create_product",
            sub(
                workflow("dev"),
                r"^(          aws-region: eu-west-1\n)",
                r"\1          aws-secret-access-key: ${{ secrets.AWS_SECRET }}\n",
            ),
            "WF-OIDC: jobs.deploy: expected OIDC (no stored keys), found aws-secret-access-key",
            envs=("dev",),
        ),
    ),
    (
        B,
        Mutation(
            "b-approval-removed",
            "WF-APPROVAL",
            INFRA,
            sub(workflow("sit"), r"^    environment: sit\n", ""),
            "deploy-sit.yml:11: WF-APPROVAL: jobs.deploy.environment: expected 'sit' (on the job or on a job it "
            "needs), found none: step 'Terraform apply' (line 41) runs without approval",
            envs=("sit",),
        ),
    ),
    (
        B,
        Mutation(
            "b-confirm-never-stops",
            "WF-CONFIRM",
            INFRA,
            sub(workflow("prod"), r"^            exit 1\n", ""),
            "deploy-prod.yml:54: WF-CONFIRM: jobs.deploy: expected nothing that deploys to run unless confirmation "
            "reads 'deploy-prod', found step 'Terraform apply' (line 54) runs when it reads ''",
            envs=("prod",),
        ),
    ),
    (
        B,
        Mutation(
            "b-confirm-job-if-inverted",
            "WF-CONFIRM",
            "list_products",
            sub(workflow("prod"), r"confirmation == 'deploy-prod'", "confirmation != 'deploy-prod'"),
            "WF-CONFIRM: jobs.deploy: expected nothing that deploys to run unless confirmation reads 'deploy-prod', "
            "found step 'Terraform apply'",
            envs=("prod",),
        ),
    ),
    (
        B,
        Mutation(
            "b-confirm-optional",
            "WF-CONFIRM",
            "get_product",
            sub(workflow("prod"), r"^        required: true\n", "        required: false\n"),
            "deploy-prod.yml:4: WF-CONFIRM: expected a required workflow_dispatch input (type string) for the typed "
            "confirmation, found none",
            envs=("prod",),
        ),
    ),
    (
        B,
        Mutation(
            "b-schema",
            "WF-SCHEMA",
            "update_product",
            sub(workflow("sit"), r"^    runs-on: ubuntu-latest\n", ""),
            "WF-SCHEMA: jobs.deploy: 'runs-on' is a required property",
            envs=("sit",),
        ),
    ),
]


def test_every_requirement_criterion_of_these_areas_has_a_mutation_on_each_blind_fixture() -> None:
    for name in BLIND:
        covered = {m.criterion for fixture, m in FIXTURE_MUTATIONS if fixture == name}
        assert AREA_IDS - covered == set(), (name, sorted(AREA_IDS - covered))
    ids = [m.id for _, m in FIXTURE_MUTATIONS]
    assert len(ids) == len(set(ids))


def expected_changes(mutation: Mutation, repo: str, baseline: Mapping[Key, str]) -> set[Key]:
    keys = set()
    for criterion in (mutation.criterion, *mutation.also):
        keys |= {k for k in baseline if k[0] == criterion and k[1] == repo and (k[2] is None or k[2] in mutation.envs)}
    return keys


@pytest.mark.parametrize(("name", "mutation"), FIXTURE_MUTATIONS, ids=[m.id for _, m in FIXTURE_MUTATIONS])
def test_a_breakage_in_the_fixture_s_own_style_fails_its_criterion_and_nothing_else(
    name: str, mutation: Mutation, fleets: dict[str, Path], baselines: dict[str, dict[Key, str]], platform, tmp_path
) -> None:
    root = tmp_path / "fleet"
    shutil.copytree(fleets[name], root, symlinks=True)
    repo = repo_of(platform, mutation.repo)
    mutation.edit(root / repo)
    after = outcomes(root, platform, repo)
    baseline = {k: s for k, s in baselines[name].items() if k[1] == repo}
    must_fail = expected_changes(mutation, repo, baseline)
    assert must_fail, f"{mutation.id}: no case of {mutation.criterion} for {repo}"
    for key in sorted(must_fail, key=str):
        assert baseline[key] == "passed", f"{mutation.id}: {key} does not pass before the edit"
        if key[0] == mutation.criterion:
            assert_useful_failure(after[key], mutation, repo, key[2])
        else:
            assert after[key].status == "failed", f"{mutation.id}: co-failure {key}: {after[key]}"
    changed = {k for k in baseline if after[k].status != baseline[k]}
    if mutation.criterion == PRESENT:
        gone = {k for k in baseline if k[0] != PRESENT and baseline[k] == "passed"}
        assert all(after[k].status == "skipped" for k in gone)
        changed -= gone
    assert changed == must_fail, {k: after[k].message for k in changed ^ must_fail}


def test_each_python_file_is_parsed_once_however_many_checks_read_it(fleets: dict[str, Path], platform) -> None:
    from conformance.evidence.python_source import parse_counts

    evidence = FleetEvidence(fleets["requirement_fleet_a"], platform, {"terraform": "off"})
    for case in plan_cases(platform, CRITERIA, ENVS):
        run_case(case, evidence)
    counts = parse_counts(evidence)
    assert counts and max(counts.values()) == 1
    assert "2_1_bbws_product_infrastructure/scripts/validate_infrastructure.py" in counts
    assert "2_1_bbws_get_product/src/handler.py" in counts

"""Content, not only presence: each rule of the README, validate-script, handler, log group and coverage
criteria, proven by a small repository that meets it in one style or breaks it in one way.

Every case writes a few files into a repository in a temporary folder and runs the real criterion.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from conformance.catalogue import by_id
from conformance.core import Stop
from conformance.evidence.fleet import FleetEvidence, RepoView
from conformance.platform import Platform

INFRA = "2_1_bbws_product_infrastructure"
LAMBDA = "2_1_bbws_get_product"


def judge(
    tmp_path: Path, platform: Platform, criterion: str, files: dict[str, str], env: str | None = None
) -> list[str]:
    repo = INFRA if criterion.startswith("INF-") else LAMBDA
    for relative, text in files.items():
        path = tmp_path / "fleet" / repo / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    evidence = FleetEvidence(tmp_path / "fleet", platform, {"terraform": "off"})
    function = None if repo == INFRA else platform.function("get_product")
    check = by_id()[criterion].static
    assert check is not None
    try:
        problems = check(RepoView(evidence, repo, env, function), evidence)
    except Stop as stop:
        problems = stop.problems
    return [p.render(criterion) for p in problems]


# -- README --------------------------------------------------------------------------------------

DEPLOY_README = {
    "init with -backend-config flags, -var-file": """\
        # Infrastructure
        terraform init -backend-config="bucket=bbws-terraform-state-dev" -backend-config="key=x"
        terraform plan -var-file=environments/dev.tfvars -out=tfplan
        terraform apply tfplan
        """,
    "-chdir and a backend file": """\
        terraform -chdir=terraform init -backend-config=environments/dev.s3.tfbackend
        terraform -chdir=terraform apply -var-file environments/dev.tfvars
        """,
    "the deploy workflow, dispatched": """\
        ## Deploy
        Open Actions, pick `.github/workflows/deploy-sit.yml` and press "Run workflow".
        """,
    "gh workflow run": "Deploy: `gh workflow run deploy-prod.yml -f confirm=deploy-prod`\n",
}


@pytest.mark.parametrize("text", DEPLOY_README.values(), ids=DEPLOY_README.keys())
def test_deployment_instructions_written_any_way_pass(text: str, tmp_path: Path, platform: Platform) -> None:
    assert judge(tmp_path, platform, "INF-README", {"README.md": text}) == []


NOT_DEPLOYMENT = {
    "no init": ("terraform apply -var-file=dev.tfvars # backend\n", "found no terraform init"),
    "no backend": ("terraform init\nterraform apply -var-file=dev.tfvars\n", "found no the backend config"),
    "no env variables": ("terraform init -backend-config=dev.hcl\nterraform apply\n", "found no the env's variables"),
    "no apply": ("terraform init -backend-config=x\nterraform plan -var-file=dev.tfvars\n", "found no terraform apply"),
    "the workflow named, not how to start it": (
        "Layout: .github/workflows/deploy-dev.yml\n",
        "found no terraform init",
    ),
    "a title": ("# 2_1_bbws_product_infrastructure\n", "found no terraform init"),
}


@pytest.mark.parametrize(("text", "message"), NOT_DEPLOYMENT.values(), ids=NOT_DEPLOYMENT.keys())
def test_a_readme_without_deployment_instructions_fails(
    text: str, message: str, tmp_path: Path, platform: Platform
) -> None:
    problems = judge(tmp_path, platform, "INF-README", {"README.md": text})
    assert len(problems) == 1 and problems[0].startswith(f"{INFRA}/README.md: INF-README: expected deployment")
    assert message in problems[0]


SETUP_README = {
    "pip install -r": "pip install -r requirements-dev.txt\n",
    "python -m pip": "python3.12 -m pip install -r requirements.txt\n",
    "uv sync": "uv sync\n",
    "poetry": "poetry install\n",
    "make install": "make install\n",
    "the deploy commands": "terraform init -backend-config=x\nterraform apply -var-file=environments/dev.tfvars\n",
}


@pytest.mark.parametrize("text", SETUP_README.values(), ids=SETUP_README.keys())
def test_setup_instructions_written_any_way_pass(text: str, tmp_path: Path, platform: Platform) -> None:
    assert judge(tmp_path, platform, "LAMBDA-README", {"README.md": text}) == []


def test_a_lambda_readme_of_prose_fails(tmp_path: Path, platform: Platform) -> None:
    problems = judge(tmp_path, platform, "LAMBDA-README", {"README.md": "# get_product\n\nReturns one product.\n"})
    assert problems == [
        f"{LAMBDA}/README.md: LAMBDA-README: expected setup instructions: (installing the requirements (pip install, "
        "uv, poetry, pipenv, conda, make or a setup script)) or (terraform init, the backend config (-backend-config "
        "or the backend file), the env's variables (-var-file or <env>.tfvars), terraform apply), found no installing "
        "the requirements (pip install, uv, poetry, pipenv, conda, make or a setup script)"
    ]


# -- scripts/validate_infrastructure.py ------------------------------------------------------------

SCRIPT = "scripts/validate_infrastructure.py"
VALIDATORS = {
    "argparse --env, default dev": """\
        import argparse
        def main():
            parser = argparse.ArgumentParser()
            parser.add_argument("--env", default="dev", choices=["dev", "sit", "prod"])
            return parser.parse_args()
        if __name__ == "__main__":
            main()
        """,
    "argparse --environment, computed choices": """\
        import argparse, sys
        ENVS = {"dev": 1, "sit": 2, "prod": 3}
        parser = argparse.ArgumentParser()
        parser.add_argument("-e", "--environment", default="sit", choices=sorted(ENVS))
        sys.exit(run(parser.parse_args()))
        """,
    "the default from the environment, dev as its fallback": """\
        import argparse, os
        parser = argparse.ArgumentParser()
        parser.add_argument("--env", default=os.environ.get("DEPLOY_ENV", "dev"))
        parser.parse_args()
        """,
    "a positional env": """\
        import argparse
        parser = argparse.ArgumentParser()
        parser.add_argument("env", nargs="?", default="dev")
        parser.parse_args()
        """,
    "a dest named env": """\
        import argparse
        parser = argparse.ArgumentParser()
        parser.add_argument("-t", "--target", dest="env", default="dev")
        parser.parse_args()
        """,
    "click": """\
        import click
        @click.command()
        @click.option("--env", type=click.Choice(["dev", "sit", "prod"]), default="dev")
        def main(env):
            print(env)
        if __name__ == "__main__":
            main()
        """,
}


@pytest.mark.parametrize("text", VALIDATORS.values(), ids=VALIDATORS.keys())
def test_a_validate_script_taking_the_env_any_way_passes(text: str, tmp_path: Path, platform: Platform) -> None:
    assert judge(tmp_path, platform, "INF-VALIDATE-SCRIPT", {SCRIPT: text}) == []


BROKEN_VALIDATORS = {
    "a syntax error": ("import argparse\ndef main(:\n    pass\n", f"{SCRIPT}:2: INF-VALIDATE-SCRIPT: does not parse"),
    "nothing runs it": (
        'import argparse\ndef main():\n    argparse.ArgumentParser().add_argument("--env")\n',
        'INF-VALIDATE-SCRIPT: expected an entry point (if __name__ == "__main__":), found none',
    ),
    "no env option": (
        'import argparse\np = argparse.ArgumentParser()\np.add_argument("--region")\np.parse_args()\n',
        "expected the env to check as --env or --environment (argparse or click), found none",
    ),
    "choices without prod": (
        'import argparse\np = argparse.ArgumentParser()\np.add_argument("--env", choices=["dev", "sit"])\n'
        "p.parse_args()\n",
        f"{SCRIPT}:3: INF-VALIDATE-SCRIPT: --env: expected dev, sit, prod, found choices ['dev', 'sit']",
    ),
    "a required --env (the requirement runs it bare)": (
        'import argparse\np = argparse.ArgumentParser()\np.add_argument("--env", required=True)\np.parse_args()\n',
        f"{SCRIPT}:3: INF-VALIDATE-SCRIPT: --env default: expected dev or sit or prod, "
        "found required=True (the requirement runs the script bare)",
    ),
    "no default": (
        'import argparse\np = argparse.ArgumentParser()\np.add_argument("--env")\np.parse_args()\n',
        "INF-VALIDATE-SCRIPT: --env default: expected dev or sit or prod, found no default",
    ),
    "a required positional": (
        'import argparse\np = argparse.ArgumentParser()\np.add_argument("env")\np.parse_args()\n',
        "found a required positional argument (the requirement runs the script bare)",
    ),
    "a default that cannot be told": (
        'import argparse, os\np = argparse.ArgumentParser()\np.add_argument("--env", default=os.environ["E"])\n'
        "p.parse_args()\n",
        "INF-VALIDATE-SCRIPT: --env default: expected dev or sit or prod, found os.environ['E'], which cannot be told",
    ),
    "a default that is no env": (
        'import argparse\np = argparse.ArgumentParser()\np.add_argument("--env", default="qa")\np.parse_args()\n',
        f"{SCRIPT}:3: INF-VALIDATE-SCRIPT: --env default: expected dev or sit or prod, found 'qa'",
    ),
}


@pytest.mark.parametrize(("text", "message"), BROKEN_VALIDATORS.values(), ids=BROKEN_VALIDATORS.keys())
def test_a_validate_script_that_cannot_take_the_env_fails(
    text: str, message: str, tmp_path: Path, platform: Platform
) -> None:
    assert message in "\n".join(judge(tmp_path, platform, "INF-VALIDATE-SCRIPT", {SCRIPT: text}))


# -- the handler and src/ --------------------------------------------------------------------------

TERRAFORM = {
    "terraform/variables.tf": 'variable "environment" {\n  type = string\n}\n',
    "terraform/environments/dev.tfvars": 'environment = "dev"\n',
}


def lambda_tf(handler: str, log_group: str = "") -> dict[str, str]:
    return {
        **TERRAFORM,
        "terraform/lambda.tf": f"""\
            resource "aws_lambda_function" "fn" {{
              function_name = "bbws-get-product-${{var.environment}}"
              runtime       = "python3.12"
              handler       = "{handler}"
              filename      = "lambda.zip"
            }}
            """,
        "terraform/cloudwatch.tf": log_group,
    }


HANDLERS = {
    "src.handler.fn, the zip's root the repository": (
        "src.handler.handler",
        {"src/handler.py": "def handler(event, context):\n    return {}\n"},
    ),
    "handler.fn, the zip's root src/": (
        "handler.handler",
        {"src/handler.py": "def handler(event, _context):\n    pass\n"},
    ),
    "async, with defaults after": (
        "src.handler.handle",
        {"src/handler.py": "async def handle(event, context=None, *, extra=1):\n    pass\n"},
    ),
    "assigned": ("src.handler.main", {"src/handler.py": "def _h(e, c):\n    pass\nmain = _h\n"}),
    "imported": ("src.handler.handler", {"src/handler.py": "from src.app import handler\n", "src/app.py": ""}),
    "a package": ("src.entry.handler", {"src/entry/__init__.py": "def handler(*args):\n    pass\n"}),
}


@pytest.mark.parametrize(("handler", "sources"), HANDLERS.values(), ids=HANDLERS.keys())
def test_a_handler_that_exists_in_src_passes(
    handler: str, sources: dict[str, str], tmp_path: Path, platform: Platform
) -> None:
    assert judge(tmp_path, platform, "LAMBDA-HANDLER", {**lambda_tf(handler), **sources}, "dev") == []


BROKEN_HANDLERS = {
    "no such module": (
        "src.main.handler",
        {"src/handler.py": "def handler(e, c):\n    pass\n"},
        "lambda.tf:4: LAMBDA-HANDLER: handler 'src.main.handler': expected a module src.main in src/ "
        "(src/main.py or src/src/main.py), found none",
    ),
    "no such function": (
        "src.handler.main",
        {"src/handler.py": "def handler(e, c):\n    pass\ndef helper():\n    pass\n"},
        "handler 'src.handler.main': expected a function main in src/handler.py, found handler, helper",
    ),
    "one parameter": (
        "src.handler.handler",
        {"src/handler.py": "def handler(event):\n    pass\n"},
        "handler 'src.handler.handler': expected handler(event, context) in src/handler.py, found handler(event)",
    ),
    "three required parameters": (
        "src.handler.handler",
        {"src/handler.py": "def handler(event, context, more):\n    pass\n"},
        "found handler(event, context, more)",
    ),
    "outside src/": ("lib.handler.handler", {"lib/handler.py": "def handler(e, c):\n    pass\n"}, "found none"),
    "another file of src/ does not parse": (
        "src.handler.handler",
        {"src/handler.py": "def handler(e, c):\n    pass\n", "src/utils/logger.py": "import os\nif True\n"},
        f"{LAMBDA}/src/utils/logger.py:2: LAMBDA-HANDLER: does not parse: expected ':'",
    ),
}


@pytest.mark.parametrize(("handler", "sources", "message"), BROKEN_HANDLERS.values(), ids=BROKEN_HANDLERS.keys())
def test_a_handler_that_does_not_resolve_fails(
    handler: str, sources: dict[str, str], message: str, tmp_path: Path, platform: Platform
) -> None:
    assert message in "\n".join(judge(tmp_path, platform, "LAMBDA-HANDLER", {**lambda_tf(handler), **sources}, "dev"))


# -- the function's log group ----------------------------------------------------------------------

HANDLER = {"src/handler.py": "def handler(e, c):\n    pass\n"}
LOG_GROUPS = {
    "a string with the variable": 'name = "/aws/lambda/bbws-get-product-${var.environment}"',
    "format()": 'name = format("/aws/lambda/bbws-get-product-%s", var.environment)',
    "the function's function_name": 'name = "/aws/lambda/${aws_lambda_function.fn.function_name}"',
    "a local": "name = local.group",
}


@pytest.mark.parametrize("name", LOG_GROUPS.values(), ids=LOG_GROUPS.keys())
def test_a_log_group_named_for_the_function_passes(name: str, tmp_path: Path, platform: Platform) -> None:
    group = (
        'locals {\n  group = "/aws/lambda/bbws-get-product-${var.environment}"\n}\n'
        f'resource "aws_cloudwatch_log_group" "logs" {{\n  {name}\n  retention_in_days = 30\n}}\n'
    )
    assert (
        judge(tmp_path, platform, "LAMBDA-LOG-GROUP", {**lambda_tf("src.handler.handler", group), **HANDLER}, "dev")
        == []
    )


BROKEN_LOG_GROUPS = {
    "none": (
        "",
        "cloudwatch.tf: LAMBDA-LOG-GROUP: expected an aws_cloudwatch_log_group named "
        "'/aws/lambda/bbws-get-product-dev', found none",
    ),
    "another name": (
        'resource "aws_cloudwatch_log_group" "logs" {\n  name = "/aws/lambda/get-product"\n'
        "  retention_in_days = 7\n}\n",
        "found /aws/lambda/get-product",
    ),
    "no retention": (
        'resource "aws_cloudwatch_log_group" "logs" {\n  name = "/aws/lambda/bbws-get-product-dev"\n}\n',
        "cloudwatch.tf:1: LAMBDA-LOG-GROUP: expected retention_in_days (logs that expire), found none",
    ),
    "a retention of 0 (never expires)": (
        'resource "aws_cloudwatch_log_group" "logs" {\n  name = "/aws/lambda/bbws-get-product-dev"\n'
        "  retention_in_days = 0\n}\n",
        "cloudwatch.tf:3: LAMBDA-LOG-GROUP: retention_in_days: expected a number of days, found 0",
    ),
}


@pytest.mark.parametrize(("group", "message"), BROKEN_LOG_GROUPS.values(), ids=BROKEN_LOG_GROUPS.keys())
def test_a_missing_or_endless_log_group_fails(group: str, message: str, tmp_path: Path, platform: Platform) -> None:
    files = {**lambda_tf("src.handler.handler", group), **HANDLER}
    assert message in "\n".join(judge(tmp_path, platform, "LAMBDA-LOG-GROUP", files, "dev"))


# -- the coverage gate (platform) ------------------------------------------------------------------

DEV_REQUIREMENTS = "pytest\npytest-cov>=5\nmoto\nblack\n"
COVERAGE = {
    "one line": "[pytest]\naddopts = --cov=src --cov-fail-under=80\n",
    "separate words, above the floor": "[pytest]\naddopts = --cov --cov-fail-under 95\n",
    "over several lines": "[pytest]\naddopts =\n    -ra\n    --cov=src\n    --cov-fail-under=85.5\n",
}


@pytest.mark.parametrize("ini", COVERAGE.values(), ids=COVERAGE.keys())
def test_a_coverage_gate_written_any_way_passes(ini: str, tmp_path: Path, platform: Platform) -> None:
    files = {"pytest.ini": ini, "requirements-dev.txt": DEV_REQUIREMENTS}
    assert judge(tmp_path, platform, "LAMBDA-COVERAGE", files) == []


NO_COVERAGE = {
    "under 80": (
        "[pytest]\naddopts = --cov=src --cov-fail-under=79\n",
        DEV_REQUIREMENTS,
        "expected --cov-fail-under=80 or more, found --cov-fail-under=79",
    ),
    "not measured": (
        "[pytest]\naddopts = --cov-fail-under=90\n",
        DEV_REQUIREMENTS,
        "expected --cov (coverage measured",
    ),
    "pytest-cov missing": (
        "[pytest]\naddopts = --cov=src --cov-fail-under=80\n",
        "pytest\nmoto\nblack\n",
        f"{LAMBDA}/requirements-dev.txt: LAMBDA-COVERAGE: expected pytest-cov (for --cov), found none",
    ),
}


@pytest.mark.parametrize(("ini", "requirements", "message"), NO_COVERAGE.values(), ids=NO_COVERAGE.keys())
def test_a_missing_coverage_gate_fails(
    ini: str, requirements: str, message: str, tmp_path: Path, platform: Platform
) -> None:
    files = {"pytest.ini": ini, "requirements-dev.txt": requirements}
    assert message in "\n".join(judge(tmp_path, platform, "LAMBDA-COVERAGE", files))

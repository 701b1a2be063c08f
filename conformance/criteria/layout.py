"""The file trees the requirement asks for, per repository kind.

Paths holding `{env}` exist once per environment of the spec. Kind-specific paths are present
exactly where they apply and absent elsewhere.
"""

from __future__ import annotations

from conformance.platform.model import Kind, LambdaFunction, Platform

INFRASTRUCTURE_FILES = (
    "terraform/api_gateway.tf",
    "terraform/dynamodb.tf",
    "terraform/sqs.tf",
    "terraform/s3.tf",
    "terraform/sns.tf",
    "terraform/iam.tf",
    "terraform/variables.tf",
    "terraform/outputs.tf",
    "terraform/backend.tf",
    "terraform/environments/{env}.tfvars",
    ".github/workflows/deploy-{env}.yml",
    "scripts/validate_infrastructure.py",
    "README.md",
    ".gitignore",
    "CLAUDE.md",
)

LAMBDA_FILES = (
    "src/handler.py",
    "src/models/product.py",
    "src/models/events.py",
    "src/services/product_service.py",
    "src/utils/response_builder.py",
    "src/utils/logger.py",
    "tests/unit/test_handler.py",
    "tests/unit/test_service.py",
    "tests/integration/test_api_integration.py",
    "tests/conftest.py",
    "terraform/main.tf",
    "terraform/lambda.tf",
    "terraform/iam.tf",
    "terraform/cloudwatch.tf",
    "terraform/variables.tf",
    "terraform/outputs.tf",
    "terraform/data.tf",
    "terraform/backend.tf",
    "terraform/environments/{env}.tfvars",
    ".github/workflows/deploy-{env}.yml",
    "requirements.txt",
    "requirements-dev.txt",
    "pytest.ini",
    ".gitignore",
    "README.md",
    "CLAUDE.md",
)

DYNAMODB_FILES = ("src/repositories/product_repository.py", "tests/unit/test_repository.py")
API_FILES = ("terraform/api_gateway_integration.tf",)
SQS_FILES = ("terraform/sqs_event_source.tf",)


def expand(paths: tuple[str, ...], platform: Platform) -> list[str]:
    """Paths with `{env}` written out for every environment of the spec."""
    expanded: list[str] = []
    for path in paths:
        if "{env}" in path:
            expanded += [path.format(env=env) for env in platform.environments]
        else:
            expanded.append(path)
    return expanded


def lambda_layout(function: LambdaFunction, platform: Platform) -> tuple[list[str], list[str]]:
    """(files that must exist, files that must not) for one Lambda repository."""
    required = expand(LAMBDA_FILES, platform)
    forbidden: list[str] = []
    for applies, paths in (
        (function.dynamodb, DYNAMODB_FILES),
        (function.kind is Kind.API, API_FILES),
        (function.kind is Kind.SQS, SQS_FILES),
    ):
        (required if applies else forbidden).extend(paths)
    return required, forbidden


def infrastructure_layout(platform: Platform) -> list[str]:
    return expand(INFRASTRUCTURE_FILES, platform)

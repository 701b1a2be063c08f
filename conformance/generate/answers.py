"""Template answers: building the cookiecutter.json files and validating what a user answered.

The validation reuses the platform model's own rules, so the pre-generation hook and the spec
loader can never disagree about what a valid Lambda name, region or account id is.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from conformance.platform.context import infrastructure_answers, lambda_answers
from conformance.platform.load import describe_errors
from conformance.platform.model import (
    HTTP_METHODS,
    Kind,
    LambdaFunction,
    Operation,
    Platform,
    check_account_id,
    check_region,
    check_repo_name,
)

# Cookiecutter creates the project folder, named from the answers, before any hook can refuse them:
# a name that is not plainly snake_case becomes this placeholder (inside the output folder, removed
# again when the pre-generation hook refuses the answer), never a path such as `x/../../elsewhere`.
REFUSED_NAME = "refused-answer"
LOWER = "abcdefghijklmnopqrstuvwxyz"
SAFE_LAMBDA_NAME = (
    f"(cookiecutter.lambda_name if cookiecutter.lambda_name is string and cookiecutter.lambda_name | length > 0 "
    f"and cookiecutter.lambda_name | length <= 64 and cookiecutter.lambda_name[0] in '{LOWER}' "
    f"and cookiecutter.lambda_name | reject('in', '{LOWER}0123456789_') | list | length == 0 "
    f"else '{REFUSED_NAME}')"
)

ALNUM = LOWER + LOWER.upper() + "0123456789"
SAFE_REPO_NAME = (
    f"(cookiecutter.repo_name if cookiecutter.repo_name is string and cookiecutter.repo_name | length > 0 "
    f"and cookiecutter.repo_name | length <= 100 and cookiecutter.repo_name[0] in '{ALNUM}_' "
    f"and cookiecutter.repo_name | reject('in', '{ALNUM}_.-') | list | length == 0 "
    f"else '{REFUSED_NAME}')"
)
# The infrastructure template's folder name, computed the same way from the `repo_name` answer.
INFRASTRUCTURE_COMPUTED = {"__repo_name": f"{{{{ {SAFE_REPO_NAME} }}}}"}

# Private values cookiecutter computes from the answers (rendered in order, after `_platform`).
LAMBDA_COMPUTED = {
    "__repo_name": f"{{{{ cookiecutter._platform.lambda_repo.replace('{{name}}', {SAFE_LAMBDA_NAME}) }}}}",
    "__dashed": "{{ cookiecutter.lambda_name.replace('_', '-') }}",
    "__function_name": "{{ cookiecutter._platform.naming_hcl.replace('{thing}', cookiecutter.__dashed) }}",
    "__role_name": (
        "{{ cookiecutter._platform.naming_hcl.replace('{thing}', "
        "cookiecutter._platform.lambda_role_thing.replace('{dashed}', cookiecutter.__dashed)) }}"
    ),
}

# Plain strings, not cookiecutter choice lists: a bad answer then reaches the pre-generation
# hook and gets its one-line message instead of a cookiecutter traceback.
LAMBDA_PROMPTS = {
    "lambda_name": "Lambda name (snake_case, e.g. get_product)",
    "kind": f"Trigger ({' | '.join(k.value for k in Kind)}: REST API or the change queue)",
    "operation": f"Operation ({' | '.join(o.value for o in Operation)})",
    "http_method": f"HTTP method ({' | '.join(HTTP_METHODS)}; api Lambdas only)",
    "path": "API path, e.g. /products/{id} (api Lambdas only)",
    "dynamodb": "Accesses the DynamoDB table? (yes | no)",
}


def lambda_template_json(platform: Platform) -> dict[str, Any]:
    """The lambda template's cookiecutter.json: defaults are the spec's first Lambda."""
    answers = lambda_answers(platform, platform.lambdas.functions[0])
    return {**answers, **LAMBDA_COMPUTED, "__prompts__": LAMBDA_PROMPTS}


def infrastructure_template_json(platform: Platform) -> dict[str, Any]:
    """The infrastructure template's cookiecutter.json."""
    return {**infrastructure_answers(platform), **INFRASTRUCTURE_COMPUTED}


def lambda_render_json(platform: Platform, name: str) -> dict[str, Any]:
    """The cookiecutter.json that renders one spec Lambda without prompting."""
    return {**lambda_answers(platform, platform.function(name)), **LAMBDA_COMPUTED}


class AnswerError(ValueError):
    """Answers that cannot make a valid repository; one line per problem."""


def _environment_errors(context: dict[str, Any]) -> list[str]:
    errors = []
    for env in context["_platform"]["env_names"]:
        for key, check in ((f"{env}_region", check_region), (f"{env}_account_id", check_account_id)):
            try:
                check(str(context.get(key, "")))
            except ValueError as error:
                errors.append(f"{key}: {error}")
    return errors


ANSWER_FIELDS = {"name": "lambda_name"}


def validate_lambda_answers(context: dict[str, Any]) -> LambdaFunction:
    """The Lambda the answers describe, or AnswerError naming each bad answer."""
    errors = _environment_errors(context)
    if context.get("dynamodb") not in ("yes", "no"):
        errors.append(f"dynamodb: expected yes or no, found {context.get('dynamodb')!r}")
    is_api = context.get("kind") == Kind.API.value
    method = str(context.get("http_method") or "").upper() or None
    if is_api and method not in HTTP_METHODS:
        errors.append(f"http_method: expected one of {', '.join(HTTP_METHODS)}, found {context.get('http_method')!r}")
    data = {
        "name": context.get("lambda_name", ""),
        "kind": context.get("kind", ""),
        "operation": context.get("operation", ""),
        "dynamodb": context.get("dynamodb") == "yes",
        "http_method": method if is_api else None,
        "path": (context.get("path") or None) if is_api else None,
    }
    refused = {line.split(":", 1)[0] for line in errors}  # answers refused already: said once, not again
    function = None
    try:
        function = LambdaFunction.model_validate(data)
    except ValidationError as error:
        for line in describe_errors("", error).splitlines():
            field, _, message = line.removeprefix(": ").partition(": ")
            field = ANSWER_FIELDS.get(field, field)
            if field in refused or (field == "(top level)" and refused):  # a consequence of an answer refused
                continue
            errors.append(message if field == "(top level)" else f"{field}: {message}")
    if errors:
        raise AnswerError("\n".join(errors))
    assert function is not None
    return function


def validate_infrastructure_answers(context: dict[str, Any]) -> None:
    """Raise AnswerError when the repository name or an env's region or account id is not valid."""
    errors = _environment_errors(context)
    try:
        check_repo_name(str(context.get("repo_name", "")))
    except ValueError as error:
        errors.append(f"repo_name: {error}")
    if errors:
        raise AnswerError("\n".join(errors))


def add_lambda_command(function: LambdaFunction, name: str = "", method: str = "", path: str = "") -> str:
    """The one command that adds this Lambda to the spec, its repository and the infrastructure's side
    (`name`, `method`, `path` replace the answers where the answers are what must change)."""
    words = ["python -m conformance fleet add-lambda", name or function.name, "--kind", function.kind.value]
    if function.http_method and function.path:
        words += ["--method", method or function.http_method, "--path", path or function.path]
    words += ["--operation", function.operation.value, "--repos-root", "DIR"]
    return " ".join(words)


def _route(entry: dict[str, Any]) -> str:
    trigger = f"{entry.get('http_method')} {entry.get('path')}" if entry.get("path") else "the change queue"
    return f"{entry['kind']} {trigger}, {entry['operation']}"


def fleet_notes(context: dict[str, Any], function: LambdaFunction) -> list[str]:
    """Refuse, in one line each, a Lambda that would clash with the spec's fleet; notes for one it lacks.

    A name the spec gives another Lambda, a method + path another Lambda owns (API Gateway refuses a
    second method there: the first apply fails) and a path the infrastructure repository does not serve
    (the plan fails) are refused, each saying what to do. A new Lambda that clashes with nothing renders,
    with a note that the infrastructure gives it an execution role only once the spec lists it.
    """
    platform = context["_platform"]
    spec = {entry["name"]: entry for entry in platform["functions"]}
    command = add_lambda_command(function)
    answered = {
        "kind": function.kind.value,
        "operation": function.operation.value,
        "http_method": function.http_method,
        "path": function.path,
        "dynamodb": function.dynamodb,
    }
    own = spec.get(function.name)
    if own is not None:
        if any(own[key] != value for key, value in answered.items()):
            raise AnswerError(
                f"lambda_name: {function.name} is already in the spec as {_route(own)}; render it with those "
                f"answers, or choose a new name and add it with `{add_lambda_command(function, name='NAME')}`"
            )
        return []
    if function.http_method and function.path:
        for entry in spec.values():
            if (entry.get("http_method"), entry.get("path")) == (function.http_method, function.path):
                raise AnswerError(
                    f"http_method, path: {function.http_method} {function.path} is already served by "
                    f"{entry['name']} (a second method there fails on AWS); choose a free method or path "
                    f"and add the Lambda with `{add_lambda_command(function, method='METHOD', path='PATH')}`"
                )
        if function.path not in platform["api_paths"]:
            raise AnswerError(
                f"path: {function.path} is not served by {platform['infrastructure_repo']} (it serves "
                f"{', '.join(platform['api_paths']) or 'no path'}); add the Lambda to infra/platform.yaml "
                f"with `{command}`"
            )
    return [
        f"{function.name} is not in the spec: {platform['infrastructure_repo']} gives it no execution role "
        f"until it is added with `{command}`"
    ]

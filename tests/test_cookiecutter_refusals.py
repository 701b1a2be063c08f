"""The Lambda template refuses, before anything is written, a Lambda that would clash with the spec's fleet.

`cookiecutter cookiecutters/lambda lambda_name=search_products`, tried as a new user would, takes the
first Lambda's defaults: `GET /products`, which `list_products` owns (API Gateway refuses a second
method there, so the first apply fails); `/products/search` is a path the infrastructure repository
does not serve (the plan fails). Each is one line saying what to do.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.paths import LAMBDA_TEMPLATE
from tests.test_cookiecutter_cli import leftovers, run_cookiecutter

ADD = "python -m conformance fleet add-lambda"


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (
            ["lambda_name=search_products"],
            "error: http_method, path: GET /products is already served by list_products (a second method there "
            "fails on AWS); choose a free method or path and add the Lambda with "
            f"`{ADD} search_products --kind api --method METHOD --path PATH --operation list --repos-root DIR`",
        ),
        (
            ["lambda_name=search_products", "path=/products/search"],
            "error: path: /products/search is not served by 2_1_bbws_product_infrastructure (it serves /products, "
            "/products/{id}); add the Lambda to infra/platform.yaml with "
            f"`{ADD} search_products --kind api --method GET --path /products/search --operation list "
            "--repos-root DIR`",
        ),
        (
            ["lambda_name=get_product", "http_method=PATCH", "operation=update", "path=/products/{id}"],
            "error: lambda_name: get_product is already in the spec as api GET /products/{id}, get; render it with "
            "those answers, or choose a new name and add it with "
            f"`{ADD} NAME --kind api --method PATCH --path /products/{{id}} --operation update --repos-root DIR`",
        ),
        (
            ["lambda_name=audit_logger", "kind=sqs", "operation=persist", "http_method=", "path="],
            "error: lambda_name: audit_logger is already in the spec as sqs the change queue, audit; render it with "
            f"those answers, or choose a new name and add it with `{ADD} NAME --kind sqs --operation persist "
            "--repos-root DIR`",
        ),
    ],
    ids=["method-and-path-taken", "path-not-served", "name-taken-api", "name-taken-sqs"],
)
def test_a_clash_with_the_fleet_is_one_line_and_writes_nothing(
    tmp_path: Path, answers: list[str], expected: str
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    out = tmp_path / "out"
    result = run_cookiecutter(LAMBDA_TEMPLATE, out, home, *answers)
    assert result.returncode != 0
    ours = [line for line in result.stderr.splitlines() if line.startswith(("error: ", "note: "))]
    assert ours == [expected], result.stderr
    assert not out.exists() or list(out.iterdir()) == []
    assert leftovers(home) in ([], [".cookiecutter_replay"]) and not list(home.rglob("*.json"))


@pytest.mark.parametrize(
    "answers",
    [
        [],  # the spec's own first Lambda, as the defaults give it
        ["lambda_name=product_creator", "kind=sqs", "operation=persist", "http_method=", "path="],
    ],
    ids=["spec-lambda-api", "spec-lambda-sqs"],
)
def test_the_spec_s_own_lambdas_render_without_a_note(tmp_path: Path, answers: list[str]) -> None:
    """(A new Lambda on a free route renders with a note: tests/test_cookiecutter_cli.py.)"""
    home = tmp_path / "home"
    home.mkdir()
    result = run_cookiecutter(LAMBDA_TEMPLATE, tmp_path / "out", home, *answers)
    assert result.returncode == 0, result.stderr
    assert [p.name for p in (tmp_path / "out").iterdir()] != []
    assert "note: " not in result.stderr and "error: " not in result.stderr


SQS = ["kind=sqs", "operation=persist", "http_method=", "path="]


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (
            ["lambda_name=../../escape", *SQS],
            "error: lambda_name: expected a snake_case Lambda name like get_product, found '../../escape'",
        ),
        (
            ["lambda_name=price_feed", "kind=api", "operation=list", 'http_method=GET"; echo INJ', "path=/products"],
            "error: http_method: expected one of GET, POST, PUT, PATCH, DELETE, found 'GET\"; echo INJ'",
        ),
        (["lambda_name=price_feed", *SQS, "dynamodb=maybe"], "error: dynamodb: expected yes or no, found 'maybe'"),
        (
            ["lambda_name=price_feed", *SQS, "dev_region=eu-west-1 "],
            "error: dev_region: expected an AWS region like eu-west-1, found 'eu-west-1 '",
        ),
    ],
    ids=["traversal", "method-injection", "dynamodb-maybe", "region-space"],
)
def test_a_bad_answer_is_said_once_and_writes_nothing(tmp_path: Path, answers: list[str], expected: str) -> None:
    """One `error:` line per bad answer, never a second one that follows from it (the method upper-cased,
    the operation that needs the table). Cookiecutter's own "Stopping generation" log and its traceback
    follow: it logs them for every hook that exits non-zero (README, "Answers")."""
    home = tmp_path / "home"
    home.mkdir()
    out = tmp_path / "out"
    result = run_cookiecutter(LAMBDA_TEMPLATE, out, home, *answers)
    assert result.returncode != 0
    ours = [line for line in result.stderr.splitlines() if line.startswith(("error: ", "note: "))]
    assert ours == [expected], result.stderr
    assert not out.exists() or list(out.iterdir()) == []

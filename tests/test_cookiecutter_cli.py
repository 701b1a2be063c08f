"""`cookiecutter cookiecutters/lambda` used directly, as a team would for a ninth Lambda."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conformance.paths import INFRASTRUCTURE_TEMPLATE, LAMBDA_TEMPLATE

COOKIECUTTER = str(Path(sys.executable).parent / "cookiecutter")


def run_cookiecutter(template: Path, out: Path, home: Path, *answers: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin:/usr/local/bin", "HOME": str(home)}
    return subprocess.run(
        [COOKIECUTTER, "--no-input", "--output-dir", str(out), str(template), *answers],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )


@pytest.fixture()
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    return home


def leftovers(home: Path) -> list[str]:
    return sorted(str(p.relative_to(home)) for p in home.rglob("*"))


def test_a_lambda_the_spec_does_not_know(tmp_path: Path, home: Path) -> None:
    """A free method on a path the infrastructure serves renders, with a note that the spec lacks it."""
    answers = ("lambda_name=search_products", "http_method=PATCH", "path=/products/{id}", "operation=update")
    result = run_cookiecutter(LAMBDA_TEMPLATE, tmp_path / "out", home, *answers)
    assert result.returncode == 0, result.stderr
    assert "note: search_products is not in the spec: 2_1_bbws_product_infrastructure gives it no execution role" in (
        result.stderr
    )
    repo = tmp_path / "out" / "2_1_bbws_search_products"
    assert (repo / "terraform" / "api_gateway_integration.tf").is_file()
    assert not (repo / "terraform" / "sqs_event_source.tf").exists()
    assert "bbws-search-products-${var.environment}" in (repo / "terraform" / "lambda.tf").read_text(encoding="utf-8")
    log = subprocess.run(["git", "log", "--oneline"], cwd=repo, capture_output=True, text=True, check=True)
    assert len(log.stdout.splitlines()) == 1
    assert leftovers(home) == [], "cookiecutter left files outside the output folder"


def test_an_sqs_lambda_without_dynamodb(tmp_path: Path, home: Path) -> None:
    result = run_cookiecutter(
        LAMBDA_TEMPLATE,
        tmp_path / "out",
        home,
        "lambda_name=price_watcher",
        "kind=sqs",
        "operation=audit",
        "dynamodb=no",
        "http_method=",
        "path=",
    )
    assert result.returncode == 0, result.stderr
    repo = tmp_path / "out" / "2_1_bbws_price_watcher"
    assert (repo / "terraform" / "sqs_event_source.tf").is_file()
    assert not (repo / "terraform" / "api_gateway_integration.tf").exists()
    assert not (repo / "src" / "repositories").exists()
    assert not (repo / "tests" / "unit" / "test_repository.py").exists()


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (
            ["lambda_name=Get-Product"],
            "error: lambda_name: expected a snake_case Lambda name like get_product, found 'Get-Product'",
        ),
        (["lambda_name="], "error: lambda_name: expected a snake_case Lambda name like get_product, found ''"),
        (["kind=cron"], "error: kind: expected 'api' or 'sqs', found 'cron'"),
        (
            ["dev_account_id=53658088681"],
            "error: dev_account_id: expected a 12-digit AWS account id, found '53658088681'",
        ),
        (["prod_region=mars-1"], "error: prod_region: expected an AWS region like eu-west-1, found 'mars-1'"),
        (
            ["kind=sqs", "operation=list"],
            "error: list_products: expected persist or audit for an sqs Lambda, found 'list'",
        ),
    ],
    ids=["not-snake-case", "empty", "unknown-kind", "11-digit-account", "bad-region", "kind-operation-mismatch"],
)
def test_bad_answers_get_one_line_and_leave_nothing(tmp_path: Path, home: Path, answers, expected: str) -> None:
    out = tmp_path / "out"
    result = run_cookiecutter(LAMBDA_TEMPLATE, out, home, *answers)
    assert result.returncode != 0
    ours = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert ours == [expected], result.stderr
    assert not out.exists() or list(out.iterdir()) == []
    assert leftovers(home) in ([], [".cookiecutter_replay"]) and not list(home.rglob("*.json"))


def test_the_infrastructure_template_validates_accounts_too(tmp_path: Path, home: Path) -> None:
    result = run_cookiecutter(INFRASTRUCTURE_TEMPLATE, tmp_path / "out", home, "sit_account_id=8158566361110")
    assert result.returncode != 0
    assert "error: sit_account_id: expected a 12-digit AWS account id, found '8158566361110'" in result.stderr
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []

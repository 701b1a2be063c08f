"""The templates' cookiecutter.json files are derived from the spec and must be current."""

from __future__ import annotations

import json

from conformance.__main__ import main
from conformance.generate.template_json import stale_template_json
from conformance.paths import LAMBDA_TEMPLATE


def test_checked_in_cookiecutter_json_matches_the_spec(platform) -> None:
    assert stale_template_json(platform) == [], "run `python -m conformance sync-templates`"


def test_lambda_defaults_are_the_specs_first_lambda(platform) -> None:
    defaults = json.loads((LAMBDA_TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8"))
    first = platform.lambdas.functions[0]
    assert defaults["lambda_name"] == first.name
    assert defaults["kind"] == first.kind.value
    assert defaults["operation"] == first.operation.value
    assert (defaults["http_method"], defaults["path"]) == (first.http_method, first.path)
    assert defaults["dynamodb"] == ("yes" if first.dynamodb else "no")
    for name, env in platform.environments.items():
        assert defaults[f"{name}_region"] == env.region
        assert defaults[f"{name}_account_id"] == env.account_id


def test_sync_check_reports_a_spec_change(tmp_path, capsys) -> None:
    """A spec that differs from the checked-in templates is reported, and nothing is written."""
    from conformance.paths import DEFAULT_PLATFORM

    spec = tmp_path / "platform.yaml"
    spec.write_text(
        DEFAULT_PLATFORM.read_text(encoding="utf-8").replace("log_retention_days: 14", "log_retention_days: 7")
    )
    before = (LAMBDA_TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8")
    assert main(["--platform", str(spec), "sync-templates", "--check"]) == 1
    out = capsys.readouterr().out
    assert "lambda/cookiecutter.json: out of date" in out and "infrastructure/cookiecutter.json: out of date" in out
    assert (LAMBDA_TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8") == before

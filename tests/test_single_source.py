"""One source of truth: no spec value is written a second time in the templates.

Every name, region, account, number and key the spec holds must reach a generated repository
through the template context. This test reads every template file and fails on a literal copy.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conformance.paths import TEMPLATES
from conformance.platform import Platform

TEMPLATE_TREES = [p for p in TEMPLATES.glob("*/{{cookiecutter.*}}")] + [TEMPLATES / "_shared"]


def template_files() -> list[Path]:
    return sorted(f for tree in TEMPLATE_TREES for f in tree.rglob("*") if f.is_file())


def spec_literals(platform: Platform) -> dict[str, str]:
    """Literal -> what it is, for every value that must come from the spec."""
    infra = platform.infrastructure
    literals: dict[str, str] = {}
    for name, env in platform.environments.items():
        literals[env.account_id] = f"{name} account id"
        literals[env.region] = f"{name} region"
        literals[platform.state_bucket(name)] = f"{name} state bucket"
        literals[platform.lock_table(name)] = f"{name} lock table"
    things = [
        infra.table.thing,
        infra.queue.thing,
        infra.queue.dead_letter.thing,
        infra.audit_bucket.thing,
        infra.alert_topic.thing,
        infra.rest_api.thing,
        infra.dlq_alarm.thing,
    ]
    for thing in things:
        literals[platform.naming.split("{thing}")[0] + thing] = f"resource name {thing}"
    literals[platform.state.bucket.split("{env}")[0]] = "state bucket pattern"
    literals[infra.repo] = "infrastructure repo name"
    for number in (
        infra.queue.message_retention_seconds,
        infra.queue.dead_letter.message_retention_seconds,
        infra.audit_bucket.glacier_after_days,
    ):
        literals[str(number)] = "a number from the spec"
    for gsi in infra.table.global_secondary_indexes:
        literals[gsi.name] = "index name"
        for key in (gsi.hash_key, gsi.range_key):
            if key is not None:
                literals[key.name] = "index key attribute"
    for output in infra.outputs:
        literals[output] = "infrastructure output name"
    for function in platform.lambdas.functions:
        literals[platform.lambda_repo(function)] = "Lambda repo name"
    return literals


def test_the_templates_exist() -> None:
    assert len(TEMPLATE_TREES) == 3 and len(template_files()) > 40


def scan(paths: list[Path], literals: dict[str, str], root: Path) -> list[str]:
    """`file:line: literal (what it is)` for each spec literal found in `paths`."""
    alternatives = sorted(literals, key=len, reverse=True)
    pattern = re.compile("|".join(rf"(?<![\w-]){re.escape(v)}(?![\w])" for v in alternatives))
    found = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in pattern.finditer(line):
                found.append(f"{path.relative_to(root)}:{number}: {match.group()} ({literals[match.group()]})")
    return found


def test_no_spec_value_is_written_in_a_template(platform: Platform) -> None:
    found = scan(template_files(), spec_literals(platform), TEMPLATES)
    assert found == [], "\n".join(found)


@pytest.mark.parametrize(
    "line",
    ['  account = "536580886816"', 'name = "bbws-products-dev"', "retention = 345600", "index ProductsByNameIndex"],
)
def test_the_scan_catches_a_copy(platform: Platform, tmp_path: Path, line: str) -> None:
    copy = tmp_path / "main.tf"
    copy.write_text(f"# fine\n{line}\n", encoding="utf-8")
    assert [hit.split(":")[:2] for hit in scan([copy], spec_literals(platform), tmp_path)] == [["main.tf", "2"]]

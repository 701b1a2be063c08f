"""Hostile platform specs: every class is refused in one line naming the file and field, at every entry point.

Each class is probed with several inputs of its kind; the shipped spec and real regions keep passing.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.paths import DEFAULT_PLATFORM, PROJECT_ROOT
from conformance.platform import PlatformError, load_platform, parse_platform
from conformance.platform.names import aws_regions

Mutate = Callable[[dict[str, Any]], None]


def full_width(text: str) -> str:
    """ASCII digits as their full-width forms (U+FF10...): digits to `\\d`, not to `[0-9]`."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)


def arabic_indic(text: str) -> str:
    return "".join(chr(ord(c) - ord("0") + 0x660) if c.isdigit() else c for c in text)


CYRILLIC_I = "\u0456"
FIRST_ACTION = "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2"


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    return yaml.safe_load(DEFAULT_PLATFORM.read_text(encoding="utf-8"))


def at(path: str, value: Any) -> Mutate:
    """Set the spec's value at a dotted path (list items by index)."""
    *parents, last = path.split(".")

    def mutate(data: dict[str, Any]) -> None:
        node: Any = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return mutate


def refusal(raw: dict[str, Any], *mutations: Mutate) -> str:
    data = copy.deepcopy(raw)
    for mutate in mutations:
        mutate(data)
    with pytest.raises(PlatformError) as caught:
        parse_platform(data, "platform.yaml")
    message = str(caught.value)
    assert "\n" not in message, message
    return message


ASCII_AND_WHITESPACE = [
    ("environments.dev.account_id", full_width("536580886816")),
    ("environments.dev.account_id", "536580886816\n"),
    ("environments.dev.account_id", " 536580886816"),
    ("environments.sit.account_id", arabic_indic("815856636111")),
    ("environments.prod.region", "xx-nowhere-9"),
    ("environments.prod.region", "af-south-1\n"),
    ("environments.prod.region", "AF-SOUTH-1"),
    ("environments.prod.confirmation", "deploy-prod\n"),
    ("environments.sit.approval_environment", "sit "),
    ("project", "bbws\n"),
    ("github.organisation", "bbws\n"),
    ("github.terraform_version", "1.11.4\n"),
    ("github.terraform_version", full_width("1") + ".11.4"),
    ("github.python_version", "3." + full_width("1") + "2"),
    ("conformance.repository", "bbws-platform-conformance\n"),
    ("conformance.readonly_role", "conformance-readonly\n"),
    ("infrastructure.repo", "2_1_bbws_product_infrastructure\n"),
    ("infrastructure.table.thing", "prod\u00fccts"),
    ("infrastructure.table.hash_key.name", "PK\n"),
    ("infrastructure.table.global_secondary_indexes.0.name", "ProductsByPriceIndex\n"),
    ("lambdas.runtime", "python3." + arabic_indic("12")),
    ("lambdas.functions.0.name", "list_products\n"),
    ("lambdas.functions.0.name", f"l{CYRILLIC_I}st_products"),
    ("lambdas.functions.0.path", "/products\n"),
]


@pytest.mark.parametrize(("field", "value"), ASCII_AND_WHITESPACE, ids=[f"{f}={v!r}" for f, v in ASCII_AND_WHITESPACE])
def test_ids_regions_and_names_are_ascii_without_stray_whitespace(raw, field: str, value: str) -> None:
    message = refusal(raw, at(field, value))
    assert message.startswith(f"platform.yaml: {field}: expected "), message
    assert message.endswith(f"found {value!r}"), message


def test_the_exact_line_for_a_full_width_account_and_an_unknown_region(raw) -> None:
    assert refusal(raw, at("environments.dev.account_id", full_width("536580886816"))) == (
        "platform.yaml: environments.dev.account_id: expected a 12-digit AWS account id, found "
        + repr(full_width("536580886816"))
    )
    assert refusal(raw, at("environments.prod.region", "xx-nowhere-9")) == (
        "platform.yaml: environments.prod.region: expected an AWS region like eu-west-1, found 'xx-nowhere-9'"
    )


@pytest.mark.parametrize(
    "region",
    ["af-south-1", "us-gov-west-1", "cn-north-1", "cn-northwest-1", "eu-west-1", "ap-southeast-7", "il-central-1"],
)
def test_every_region_botocore_knows_passes(raw, region: str) -> None:
    data = copy.deepcopy(raw)
    data["environments"]["prod"]["region"] = region
    assert parse_platform(data).environments["prod"].region == region
    assert region in aws_regions()


def test_botocores_region_list_spans_every_partition() -> None:
    regions = aws_regions()
    assert {"us-east-1", "us-gov-east-1", "cn-north-1"} <= regions and len(regions) > 30
    assert not [r for r in regions if not r.isascii()]


WRONG_TYPES = [
    ("environments.dev.account_id", None, "expected a 12-digit AWS account id as a string, found None"),
    ("environments.dev.account_id", 1.5, "expected a 12-digit AWS account id as a string, found 1.5"),
    ("environments.dev.account_id", ["536580886816"], "expected a 12-digit AWS account id as a string, found ['5"),
    ("environments.dev.account_id", True, "expected a 12-digit AWS account id as a string, found True"),
    # Unquoted in YAML: `093646564004` stays a string but `012345670123` becomes the octal 1402433619.
    ("environments.dev.account_id", 536580886816, "expected a 12-digit AWS account id as a quoted string"),
    ("environments.dev.log_retention_days", True, "expected a valid integer, found True"),
    ("environments.dev.log_retention_days", "14", "expected a valid integer, found '14'"),
    ("lambdas.functions.0.dynamodb", "yes", "expected a valid boolean, found 'yes'"),
    ("infrastructure.table.point_in_time_recovery", 1, "expected a valid boolean, found 1"),
    ("github.terraform_version", 1.11, "expected a valid string, found 1.11"),
    ("github.actions", ["checkout"], "expected a valid dictionary, found ['checkout']"),
    ("conformance.organisation_id", "184467201", "expected a valid integer, found '184467201'"),
    ("environments", [], "expected a valid dictionary, found []"),
]


@pytest.mark.parametrize(("field", "value", "expected"), WRONG_TYPES, ids=[f"{f}={v!r}" for f, v, _ in WRONG_TYPES])
def test_a_value_of_the_wrong_type_is_one_line(raw, field: str, value: Any, expected: str) -> None:
    message = refusal(raw, at(field, value))
    assert message.startswith(f"platform.yaml: {field}: {expected}"), message


def test_an_unquoted_account_id_explains_why_it_is_refused(tmp_path: Path) -> None:
    spec = tmp_path / "platform.yaml"
    spec.write_text(DEFAULT_PLATFORM.read_text(encoding="utf-8").replace('"012345670123"', "x"), encoding="utf-8")
    text = DEFAULT_PLATFORM.read_text(encoding="utf-8").replace(
        'account_id: "536580886816"', "account_id: 012345670123"
    )
    spec.write_text(text, encoding="utf-8")
    with pytest.raises(PlatformError) as caught:
        load_platform(spec)
    assert str(caught.value) == (
        f"{spec}: environments.dev.account_id: expected a 12-digit AWS account id as a quoted string "
        "(YAML reads unquoted digits as a number and drops leading zeros), found 1402433619"
    )


PLACEHOLDERS = [
    ("naming", "bbws-{thing}-{env}-{x}", "expected only the placeholders {thing}, {env}, found '{x}'"),
    ("naming", "bbws-{thing}-{env}-{0}", "expected only the placeholders {thing}, {env}, found '{0}'"),
    ("naming", "bbws-{thing}-{}-{env}", "expected only the placeholders {thing}, {env}, found '{}'"),
    ("naming", "bbws-{thing!r}-{env}", "expected only the placeholders {thing}, {env}, found '{thing!r}'"),
    ("naming", "bbws-{thing:>9}-{env}", "expected only the placeholders {thing}, {env}, found '{thing:>9}'"),
    ("naming", "{thing.__class__}-{env}", "expected only the placeholders {thing}, {env}, found '{thing.__class__}'"),
    ("naming", "bbws-{thing}-{env", "expected a pattern with balanced braces"),
    ("naming", "bbws-{thing}}-{env}", "expected a pattern with balanced braces"),
    ("naming", "bbws-{{thing}}-{env}", "expected only a-z, 0-9 and '-' around the placeholders"),
    ("naming", "bbws-{thing}", "expected a pattern holding {env}"),
    ("state.bucket", "state-{x}-{env}", "expected only the placeholders {env}, found '{x}'"),
    ("state.key", "{repo}/{env}.tfstate", "expected only the placeholders {repo}, found '{env}'"),
    ("state.lock_table", "locks-{env}-{0}", "expected only the placeholders {env}, found '{0}'"),
    ("lambdas.repo", "2_1_{name}_{x}", "expected only the placeholders {name}, found '{x}'"),
    ("lambdas.repo", "2_1_bbws", "expected a pattern holding {name}"),
    (
        "github.repo_deploy_role",
        "bbws-deploy-{repo}-{oops}",
        "expected only the placeholders {repo}, {env}, found '{oops}'",
    ),
    (
        "conformance.immutable_subject",
        "{organisation_id}/{repository_id}/{org}",
        "expected only the placeholders {organisation}, {organisation_id}, {repository}, {repository_id}, "
        "found '{org}'",
    ),
]


@pytest.mark.parametrize(("field", "value", "expected"), PLACEHOLDERS, ids=[f"{f}={v}" for f, v, _ in PLACEHOLDERS])
def test_a_pattern_takes_only_its_documented_placeholders(raw, field: str, value: str, expected: str) -> None:
    message = refusal(raw, at(field, value))
    assert message.startswith(f"platform.yaml: {field}: {expected}"), message


RENDERED = [
    ("naming", "BBWS-{thing}-{env}", "expected only a-z, 0-9 and '-' around the placeholders"),
    ("naming", "-{thing}-{env}", "expected an S3 bucket name for the audit bucket in dev"),
    ("naming", "xn--{thing}-{env}", "expected an S3 bucket name for the audit bucket in dev"),
    ("naming", "{thing}-{env}-s3alias", "expected an S3 bucket name for the audit bucket in dev"),
    ("naming", "a-rather-long-prefix-for-every-bbws-resource-{thing}-{env}", "expected an S3 bucket name"),
    ("state.bucket", "State-{env}", "expected only a-z, 0-9, '.' and '-' around the placeholders"),
    ("state.bucket", "{env}.", "expected an S3 bucket name in dev (3 to 63 characters"),
    ("state.bucket", "bbws..state-{env}", "expected an S3 bucket name in dev (no '.' next to '.' or '-')"),
    ("state.key", "../{repo}/terraform.tfstate", "expected an S3 key for 2_1_bbws_product_infrastructure"),
    ("state.key", "/{repo}/terraform.tfstate", "expected an S3 key for 2_1_bbws_product_infrastructure"),
    ("state.lock_table", "t" * 253 + "{env}", "expected a DynamoDB table name in dev"),
    ("github.repo_deploy_role", "bbws-github-deploy-role-for-the-product-platform-{repo}-{env}", "at most 64"),
    ("github.repo_deploy_role", "bbws deploy {repo} {env}", "expected only letters, digits and '+=,.@_-' around"),
    ("lambdas.repo", "../{name}", "expected only letters, digits, '_', '.' and '-' around the placeholders"),
    ("lambdas.repo", "{name}/x", "expected only letters, digits, '_', '.' and '-' around the placeholders"),
    ("lambdas.repo", ".{name}", "for list_products: expected a repository name"),
    ("lambdas.repo", "{name}.git", "for list_products: expected a repository name"),
]


def test_a_long_lambda_name_is_refused_by_the_names_it_renders_to(raw) -> None:
    """One line per field the name breaks: its execution role and its repository's deploy role."""
    name = "synchronise_the_product_catalogue_with_the_warehouse"
    data = copy.deepcopy(raw)
    at("lambdas.functions.0.name", name)(data)
    with pytest.raises(PlatformError) as caught:
        parse_platform(data, "platform.yaml")
    assert str(caught.value).splitlines() == [
        "platform.yaml: naming: expected a name for the role of synchronise_the_product_catalogue_with_the_warehouse "
        "in dev (at most 64 characters), found 'bbws-synchronise-the-product-catalogue-with-the-warehouse-role-dev'",
        "platform.yaml: github.repo_deploy_role: expected an IAM role name in dev (at most 64 characters), "
        "found 'bbws-deploy-2_1_bbws_synchronise_the_product_catalogue_with_the_warehouse-dev'",
    ]


@pytest.mark.parametrize(("field", "value", "expected"), RENDERED, ids=[f"{f}={v}" for f, v, _ in RENDERED])
def test_what_a_pattern_renders_to_must_be_a_valid_name(raw, field: str, value: str, expected: str) -> None:
    message = refusal(raw, at(field, value))
    assert message.startswith(f"platform.yaml: {field}: ") and expected in message, message


def add_function(**fields: Any) -> Mutate:
    return lambda data: data["lambdas"]["functions"].append(
        {"kind": "api", "operation": "get", "dynamodb": True, "http_method": "GET", **fields}
    )


CONSISTENCY = [
    (
        at("infrastructure.table.global_secondary_indexes.1.hash_key", {"name": "GSI1_PK", "type": "N"}),
        "platform.yaml: infrastructure.table: expected one type per key attribute, "
        "found 'GSI1_PK' declared as S and as N",
    ),
    (
        at("infrastructure.table.range_key", {"name": "PK", "type": "N"}),
        "platform.yaml: infrastructure.table: expected one type per key attribute, found 'PK' declared as S and as N",
    ),
    (
        at("infrastructure.table.global_secondary_indexes.1.name", "ProductsByPriceIndex"),
        "platform.yaml: infrastructure.table: expected unique index names, found 'ProductsByPriceIndex' twice",
    ),
    (
        add_function(name="find_product", path="/products/{id}"),
        "platform.yaml: lambdas.functions: expected one Lambda per API method and path, found GET /products/{id} twice",
    ),
    (
        add_function(name="find_product", path="/products/{product_id}/name"),
        "platform.yaml: lambdas.functions: expected one path parameter under /products, found {id} and {product_id}",
    ),
    (
        at("lambdas.functions.2.name", "list_products"),
        "platform.yaml: (top level): expected unique repository names, found '2_1_bbws_list_products' twice",
    ),
    (
        at("infrastructure.repo", "2_1_BBWS_LIST_PRODUCTS"),
        "platform.yaml: (top level): expected unique repository names, found '2_1_BBWS_LIST_PRODUCTS' twice",
    ),
    (
        at("conformance.readonly_role", "products"),
        "platform.yaml: (top level): expected unique resource names, found 'products' twice",
    ),
    (
        at("environments.dev.name", "prod"),
        "platform.yaml: environments: dev.name: expected 'dev' (the key) or nothing, found 'prod'",
    ),
    (at("lambdas.functions", []), "platform.yaml: lambdas.functions: expected at least one Lambda, found none"),
    # Values AWS itself refuses at apply time: refused when the spec is read, not on the first deploy.
    (
        at("lambdas.timeout_seconds", 300),
        "platform.yaml: lambdas.timeout_seconds: expected at most the visibility timeout of queue (60 s), which "
        "product_creator reads (AWS refuses the event source mapping otherwise), found 300",
    ),
    (
        at("infrastructure.audit_queue.visibility_timeout_seconds", 5),
        "platform.yaml: lambdas.timeout_seconds: expected at most the visibility timeout of audit_queue (5 s), which "
        "audit_logger reads (AWS refuses the event source mapping otherwise), found 10",
    ),
    (
        at("lambdas.batch_size", 100),
        "platform.yaml: lambdas.batch_size: expected at most 10 (an SQS event source without a batching window), "
        "found 100",
    ),
    (
        at("infrastructure.dlq_alarm.period_seconds", 90),
        "platform.yaml: infrastructure.dlq_alarm.period_seconds: expected a multiple of 60 seconds (CloudWatch "
        "refuses others), found 90",
    ),
    (at("environments", {}), "platform.yaml: environments: expected at least one environment, found none"),
    (
        lambda data: data["github"]["actions"].pop("setup_terraform"),
        "platform.yaml: github.actions: expected the actions the deploy workflows use (checkout, setup_python, "
        "setup_terraform, configure_aws_credentials), found no setup_terraform",
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), CONSISTENCY, ids=[e.split(": ", 2)[2][:60] for _, e in CONSISTENCY])
def test_inconsistent_or_duplicated_declarations_are_one_line(raw, mutate: Mutate, expected: str) -> None:
    assert refusal(raw, mutate) == expected


INJECTION = [
    ("environments.prod.confirmation", 'deploy-prod" ] || echo INJECTED-$(id -u) || [ "'),
    ("environments.prod.confirmation", "deploy prod"),
    ("environments.prod.confirmation", "deploy-prod'\n        run: id"),
    ("environments.sit.approval_environment", "sit\n    runs-on: evil"),
    ("environments.sit.approval_environment", "${{ github.event.inputs.x }}"),
    ("project", 'bbws"\n  Injected = "x'),
    ("project", "${var.environment}"),
    ("github.organisation", 'bbws"}'),
    ("github.terraform_version", '1.11.4"\n          evil: "x'),
    ("github.terraform_version", "latest"),
    ("github.python_version", "3.12; id"),
    ("github.repo_deploy_role", "bbws-$(id)-{repo}-{env}"),
    ("conformance.immutable_subject", '{organisation_id}"/{repository_id}'),
    ("lambdas.repo", "2_1_${name}"),
    ("github.actions.checkout", FIRST_ACTION + "\n      - run: id"),
    ("github.actions.checkout", FIRST_ACTION.replace("@", "@$(id)")),
]


@pytest.mark.parametrize(("field", "value"), INJECTION, ids=[f"{f}={v!r}" for f, v in INJECTION])
def test_values_that_would_break_yaml_hcl_or_shell_are_refused(raw, field: str, value: str) -> None:
    message = refusal(raw, at(field, value))
    named = "github.actions" if field.startswith("github.actions.") else field
    assert message.startswith(f"platform.yaml: {named}: "), message
    assert repr(value) in message, message


# -- YAML itself ---------------------------------------------------------------------------


def spec_text(**replacements: str) -> str:
    text = DEFAULT_PLATFORM.read_text(encoding="utf-8")
    for old, new in replacements.items():
        assert old in text
        text = text.replace(old, new, 1)
    return text


BILLION_LAUGHS = "\n".join(
    ['x-lol: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"x-{b}: &{b} [{','.join(['*' + a] * 9)}]" for a, b in zip("abcdefgh", "bcdefghi", strict=True)]
)
SPEC_LINES = DEFAULT_PLATFORM.read_text(encoding="utf-8").splitlines()
DEV_REGION_LINE = SPEC_LINES.index("    region: eu-west-1") + 1
DEV_RETENTION = "    log_retention_days: 14\n"
PROJECT_LINE = SPEC_LINES.index("project: bbws") + 1

YAML_CLASSES = [
    (
        {DEV_RETENTION: DEV_RETENTION + "    region: eu-west-2\n"},
        f":{DEV_REGION_LINE + 3}: expected each key once, found 'region' again (first at line {DEV_REGION_LINE})",
    ),
    ({"state:\n": "state:\n  bucket: x-{env}\n"}, ": expected each key once, found 'bucket' again (first at line"),
    ({"project: bbws\n": "project: bbws\nproject: other\n"}, ": expected each key once, found 'project' again"),
    ({"project: bbws\n": "project: &p bbws\nx: *p\n"}, ": expected no YAML aliases, found *p"),
    (
        {"project: bbws\n": BILLION_LAUGHS + "\nproject: bbws\n"},
        f":{PROJECT_LINE + 1}: expected no YAML aliases, found *a",
    ),
    ({"project: bbws\n": "project: !!python/name:os.system\n"}, ": not valid YAML (could not determine a constructor"),
    ({"project: bbws\n": "project: bbws\n" + "# padding\n" * 100_000}, ": expected at most 1000000 bytes of YAML"),
]


@pytest.mark.parametrize(
    ("replacements", "expected"),
    YAML_CLASSES,
    ids=["duplicate-key", "duplicate-nested", "duplicate-top", "alias", "billion-laughs", "python-tag", "too-big"],
)
def test_yaml_that_could_mislead_or_exhaust_is_one_line_naming_file_and_line(
    tmp_path: Path, replacements: dict[str, str], expected: str
) -> None:
    spec = tmp_path / "platform.yaml"
    spec.write_text(spec_text(**replacements), encoding="utf-8")
    with pytest.raises(PlatformError) as caught:
        load_platform(spec)
    message = str(caught.value)
    assert message.startswith(str(spec)) and expected in message and "\n" not in message, message


@pytest.mark.parametrize(
    ("text", "found"), [("", "nothing"), ("# only a comment\n", "nothing"), ("- a\n", "list"), ("bbws\n", "str")]
)
def test_a_spec_that_is_not_a_mapping_is_one_line(tmp_path: Path, text: str, found: str) -> None:
    spec = tmp_path / "platform.yaml"
    spec.write_text(text, encoding="utf-8")
    with pytest.raises(PlatformError) as caught:
        load_platform(spec)
    assert str(caught.value) == f"{spec}: expected a mapping at the top level, found {found}"


def test_a_spec_that_is_not_a_file_is_never_read(tmp_path: Path) -> None:
    fifo = tmp_path / "platform.yaml"
    os.mkfifo(fifo)
    with pytest.raises(PlatformError, match=rf"^{fifo}: expected a file, found a pipe$"):
        load_platform(fifo)
    with pytest.raises(PlatformError, match=rf"^{tmp_path}: expected a file, found a folder$"):
        load_platform(tmp_path)


# -- every entry point: one line, exit 2, no traceback, nothing written ----------------------

ENTRY_POINT_SPECS = {
    "duplicate-key": spec_text(**{DEV_RETENTION: DEV_RETENTION + "    region: eu-west-2\n"}),
    "full-width-account": spec_text(**{'"536580886816"': 'full_width("536580886816")'}),
    "naming-placeholder": spec_text(**{'naming: "bbws-{thing}-{env}"': 'naming: "bbws-{thing}-{env}-{x}"'}),
    "deploy-role-placeholder": spec_text(**{"bbws-deploy-{repo}-{env}": "bbws-deploy-{repo}-{oops}"}),
    "gsi-two-types": spec_text(**{"{name: GSI2_PK, type: S}": "{name: GSI1_PK, type: N}"}),
    "account-null": spec_text(**{'account_id: "536580886816"': "account_id: null"}),
    "billion-laughs": spec_text(**{"project: bbws\n": BILLION_LAUGHS + "\nproject: bbws\n"}),
}


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(cwd)}
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=env, timeout=120, check=False)


@pytest.mark.parametrize("case", sorted(ENTRY_POINT_SPECS))
def test_every_entry_point_gives_the_same_one_line(tmp_path: Path, case: str) -> None:
    spec = tmp_path / "platform.yaml"
    spec.write_text(ENTRY_POINT_SPECS[case], encoding="utf-8")
    with pytest.raises(PlatformError) as caught:
        load_platform(spec)
    line = str(caught.value)
    assert "\n" not in line and line.startswith(f"{spec}:"), line

    out = tmp_path / "out"
    generated = run([sys.executable, str(PROJECT_ROOT / "scripts" / "generate_repos.py"), "--output", str(out),
                     "--platform", str(spec)], tmp_path)  # fmt: skip
    assert (generated.returncode, generated.stderr) == (2, f"error: {line}\n")
    assert not out.exists()

    listed = run([sys.executable, "-m", "conformance", "--platform", str(spec), "criteria"], tmp_path)
    assert (listed.returncode, listed.stderr, listed.stdout) == (2, f"error: {line}\n", "")

    repos = tmp_path / "repos"
    repos.mkdir()
    suite = run([sys.executable, "-m", "pytest", "--pyargs", "conformance", "--platform", str(spec),
                 "--repos-root", str(repos), "-p", "no:cacheprovider", "-q"], tmp_path)  # fmt: skip
    assert suite.returncode == 4, suite.stdout + suite.stderr
    assert suite.stderr.strip() == f"ERROR: conformance: {line}", suite.stderr
    assert "Traceback" not in suite.stdout + suite.stderr

"""The audit bucket's criteria, fact by fact, on a repository of one small s3.tf (static) and on the
answers of the S3 reads (live): each flag, the rule's status and scope, the transition's class and
days, the expiration, the algorithm, versioning; each in its exact message.

Fast on purpose (no fleet is rendered): with tests/test_hcl_evaluate.py and the guards' rules they
are the test selection of the mutation run (tox -e mutation) for conformance/criteria/infrastructure/s3.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest

from conformance.core import Stop
from conformance.criteria.infrastructure import s3
from conformance.evidence.fleet import FleetEvidence, RepoView
from conformance.live import s3 as s3_live
from conformance.live.view import LiveView
from conformance.platform import Platform

REPO = "2_1_bbws_product_infrastructure"
BUCKET = "bbws-product-audit-logs-dev"
HEAD = f'resource "aws_s3_bucket" "audit" {{\n  bucket = "{BUCKET}"\n}}\n'
WHERE = f"{REPO}/terraform/s3.tf"


def judge(tmp_path: Path, platform: Platform, check: Callable, body: str, head: str = HEAD) -> list[str]:
    path = tmp_path / REPO / "terraform" / "s3.tf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(head + body, encoding="utf-8")
    evidence = FleetEvidence(tmp_path, platform, {"terraform": "off"})
    try:
        problems = check(RepoView(evidence, REPO, "dev", None), evidence)
    except Stop as stop:
        problems = stop.problems
    return [p.render("X") for p in problems]


# -- the Glacier rule (static) -----------------------------------------------------------------------


def lifecycle(rule: str) -> str:
    return (
        'resource "aws_s3_bucket_lifecycle_configuration" "audit" {\n'
        "  bucket = aws_s3_bucket.audit.id\n"
        f'  rule {{\n    id = "archive"\n{rule}  }}\n}}\n'
    )


ENABLED = '    status = "Enabled"\n'
GLACIER = '    transition {\n      days = 365\n      storage_class = "GLACIER"\n    }\n'
MISSING = f"{WHERE}:1: X: expected an enabled lifecycle rule moving objects to GLACIER after 365 days, found "


@pytest.mark.parametrize(
    "rule",
    [
        ENABLED + GLACIER,
        ENABLED + '    filter {\n      prefix = ""\n    }\n' + GLACIER,
        ENABLED + "    filter {}\n" + GLACIER,
        ENABLED + GLACIER + "    expiration {\n      days = 365\n    }\n",
        ENABLED + GLACIER + "    expiration {\n      days = 3650\n    }\n",
        ENABLED + GLACIER + '    transition {\n      days = 30\n      storage_class = "STANDARD_IA"\n    }\n',
        ENABLED + "    filter {\n      object_size_less_than = 0\n    }\n" + GLACIER,  # a limit of 0 narrows nothing
    ],
)
def test_an_enabled_whole_bucket_rule_to_glacier_at_the_days_passes(
    rule: str, tmp_path: Path, platform: Platform
) -> None:
    assert judge(tmp_path, platform, s3.s3_glacier, lifecycle(rule)) == []


def test_the_inline_lifecycle_rule_passes_and_is_judged_too(tmp_path: Path, platform: Platform) -> None:
    inline = (
        f'resource "aws_s3_bucket" "audit" {{\n  bucket = "{BUCKET}"\n  lifecycle_rule {{\n    enabled = true\n'
        '    transition {\n      days = 365\n      storage_class = "GLACIER"\n    }\n  }\n}\n'
    )
    assert judge(tmp_path, platform, s3.s3_glacier, "", head=inline) == []
    disabled = inline.replace("enabled = true", "enabled = false")
    assert judge(tmp_path, platform, s3.s3_glacier, "", head=disabled) == [MISSING + "no enabled GLACIER transition"]


@pytest.mark.parametrize(
    ("rule", "found"),
    [
        ('    status = "Disabled"\n' + GLACIER, "no enabled GLACIER transition"),
        ('    status = "enabled"\n' + GLACIER, "no enabled GLACIER transition"),  # AWS spells it Enabled
        (ENABLED + '    filter {\n      prefix = "logs/"\n    }\n' + GLACIER, "no enabled GLACIER transition"),
        (ENABLED + '    prefix = "logs/"\n' + GLACIER, "no enabled GLACIER transition"),
        (
            ENABLED + '    filter {\n      tag {\n        key = "a"\n        value = "b"\n      }\n    }\n' + GLACIER,
            "no enabled GLACIER transition",
        ),
        (
            ENABLED + "    filter {\n      object_size_greater_than = 10\n    }\n" + GLACIER,
            "no enabled GLACIER transition",
        ),
        (ENABLED + GLACIER.replace("365", "30"), "GLACIER transitions at [30] days"),
        (ENABLED + GLACIER.replace("GLACIER", "DEEP_ARCHIVE"), "no enabled GLACIER transition"),
    ],
)
def test_each_fact_of_the_rule_fails_alone(rule: str, found: str, tmp_path: Path, platform: Platform) -> None:
    assert judge(tmp_path, platform, s3.s3_glacier, lifecycle(rule)) == [MISSING + found]


def test_an_expiration_before_the_transition_fails_naming_its_days(tmp_path: Path, platform: Platform) -> None:
    rule = ENABLED + GLACIER + "    expiration {\n      days = 364\n    }\n"
    assert judge(tmp_path, platform, s3.s3_glacier, lifecycle(rule)) == [
        f"{WHERE}:14: X: expected objects kept until their GLACIER transition at 365 days, found expired after 364"
    ]
    narrowed = ENABLED + '    prefix = "tmp/"\n    expiration {\n      days = 1\n    }\n'  # not the whole bucket
    other = lifecycle(ENABLED + GLACIER).replace('"archive"', '"a"')
    two = other.replace("  }\n}\n", f'  }}\n  rule {{\n    id = "tmp"\n{narrowed}  }}\n}}\n', 1)
    assert judge(tmp_path, platform, s3.s3_glacier, two) == []


def test_no_lifecycle_and_two_lifecycles_are_named(tmp_path: Path, platform: Platform) -> None:
    assert judge(tmp_path, platform, s3.s3_glacier, "") == [MISSING + "no enabled GLACIER transition"]
    second = lifecycle(ENABLED + GLACIER).replace('"audit" {', '"again" {')
    problems = judge(tmp_path / "two", platform, s3.s3_glacier, lifecycle(ENABLED + GLACIER) + second)
    assert len(problems) == 1 and "the lifecycle configuration of aws_s3_bucket.audit" in problems[0]
    assert "aws_s3_bucket_lifecycle_configuration.audit" in problems[0]
    assert "aws_s3_bucket_lifecycle_configuration.again" in problems[0]


# -- public access, encryption, versioning (static) -----------------------------------------------------

BLOCK_FLAGS = ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")


def public_access(**flags: str) -> str:
    lines = "".join(f"  {flag} = {flags.get(flag, 'true')}\n" for flag in BLOCK_FLAGS if flags.get(flag) != "-")
    return f'resource "aws_s3_bucket_public_access_block" "audit" {{\n  bucket = aws_s3_bucket.audit.id\n{lines}}}\n'


def test_all_four_flags_pass(tmp_path: Path, platform: Platform) -> None:
    assert judge(tmp_path, platform, s3.s3_public_access, public_access()) == []


@pytest.mark.parametrize("flag", BLOCK_FLAGS)
def test_each_public_access_flag_fails_alone_false_or_missing(flag: str, tmp_path: Path, platform: Platform) -> None:
    line = 6 + BLOCK_FLAGS.index(flag)  # the bucket: lines 1-3, the block from line 4
    assert judge(tmp_path / "f", platform, s3.s3_public_access, public_access(**{flag: "false"})) == [
        f"{WHERE}:{line}: X: {flag}: expected true, found False"
    ]
    assert judge(tmp_path / "m", platform, s3.s3_public_access, public_access(**{flag: "-"})) == [
        f"{WHERE}:4: X: {flag}: expected true, found None"
    ]


def test_no_public_access_block_is_named(tmp_path: Path, platform: Platform) -> None:
    assert judge(tmp_path, platform, s3.s3_public_access, "") == [
        f"{WHERE}:1: X: expected an aws_s3_bucket_public_access_block for the bucket, found none"
    ]


def sse(algorithm: str) -> str:
    return (
        'resource "aws_s3_bucket_server_side_encryption_configuration" "audit" {\n'
        "  bucket = aws_s3_bucket.audit.id\n  rule {\n    apply_server_side_encryption_by_default {\n"
        f'      sse_algorithm = "{algorithm}"\n    }}\n  }}\n}}\n'
    )


@pytest.mark.parametrize("algorithm", ["AES256", "aws:kms", "aws:kms:dsse"])
def test_each_encryption_algorithm_passes(algorithm: str, tmp_path: Path, platform: Platform) -> None:
    assert judge(tmp_path, platform, s3.s3_encryption, sse(algorithm)) == []


def test_another_algorithm_no_rule_and_no_encryption_fail(tmp_path: Path, platform: Platform) -> None:
    wanted = "rule.apply_server_side_encryption_by_default with sse_algorithm AES256 or aws:kms or aws:kms:dsse"
    label = "aws_s3_bucket_server_side_encryption_configuration.audit"
    assert judge(tmp_path / "a", platform, s3.s3_encryption, sse("DES")) == [
        f"{WHERE}:4: X: {label}: expected {wanted}, found ['DES']"
    ]
    empty = f'resource "aws_s3_bucket_server_side_encryption_configuration" "audit" {{\n  bucket = "{BUCKET}"\n}}\n'
    assert judge(tmp_path / "b", platform, s3.s3_encryption, empty) == [
        f"{WHERE}:4: X: {label}: expected {wanted}, found none"
    ]
    assert judge(tmp_path / "c", platform, s3.s3_encryption, "") == [
        f"{WHERE}:1: X: expected default encryption for the bucket, found none"
    ]
    inline = HEAD.replace(
        "}\n",
        "  server_side_encryption_configuration {\n    rule {\n      apply_server_side_encryption_by_default {\n"
        '        sse_algorithm = "AES256"\n      }\n    }\n  }\n}\n',
    )
    assert judge(tmp_path / "d", platform, s3.s3_encryption, "", head=inline) == []


def versioning(status: str) -> str:
    return (
        'resource "aws_s3_bucket_versioning" "audit" {\n  bucket = aws_s3_bucket.audit.id\n'
        f'  versioning_configuration {{\n    status = "{status}"\n  }}\n}}\n'
    )


def test_versioning_enabled_passes_and_anything_else_fails(tmp_path: Path, platform: Platform) -> None:
    assert judge(tmp_path / "a", platform, s3.s3_versioning, versioning("Enabled")) == []
    assert judge(tmp_path / "b", platform, s3.s3_versioning, versioning("Suspended")) == [
        f"{WHERE}:7: X: expected versioning Enabled on the bucket, found status 'Suspended'"
    ]
    bare = 'resource "aws_s3_bucket_versioning" "audit" {\n  bucket = aws_s3_bucket.audit.id\n}\n'
    assert judge(tmp_path / "c", platform, s3.s3_versioning, bare) == [
        f"{WHERE}:4: X: expected versioning Enabled on the bucket, found status None"
    ]
    assert judge(tmp_path / "d", platform, s3.s3_versioning, "") == [
        f"{WHERE}:1: X: expected versioning Enabled on the bucket, found none"
    ]
    inline = HEAD.replace("}\n", "  versioning {\n    enabled = true\n  }\n}\n")
    assert judge(tmp_path / "e", platform, s3.s3_versioning, "", head=inline) == []
    assert judge(tmp_path / "f", platform, s3.s3_versioning, "", head=inline.replace("true", "false")) == [
        f"{WHERE}:4: X: expected versioning Enabled on the bucket, found status 'not enabled'"
    ]


# -- the live halves, on the answers of the reads ------------------------------------------------------


def live_view(platform: Platform) -> LiveView:
    env = SimpleNamespace(platform=platform, env="dev", names=platform.names("dev"), region="eu-west-1")
    view = LiveView(env, REPO, None)  # type: ignore[arg-type]
    READER.append(env)
    return view


READER: list = []  # the reader of the last view made: the reads below must be handed that one


def read(answer):
    """A stand-in for one of conformance.live.s3's reads: the answer, for the view's own reader only."""

    def reader(live):
        assert live is READER[-1], "the read is made with the view's reader"
        return answer

    return reader


def drifts(problems) -> list[str]:
    return [p.render("X") for p in problems]


def test_the_bucket_in_another_region_is_drift(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(s3_live, "region", read("eu-west-1"))
    assert s3.s3_bucket_live(live_view(platform)) == []
    monkeypatch.setattr(s3_live, "region", read("us-east-1"))
    assert drifts(s3.s3_bucket_live(live_view(platform))) == [
        f"{BUCKET}: X: expected eu-west-1, found us-east-1 (get_bucket_location → LocationConstraint)"
    ]


LIVE_GLACIER = {"Status": "Enabled", "Filter": {}, "Transitions": [{"Days": 365, "StorageClass": "GLACIER"}]}
NOT_MOVED = (
    f"{BUCKET}: X: expected an enabled lifecycle rule moving objects to GLACIER after 365 days, found "
    "no enabled GLACIER transition on the whole bucket "
    "(get_bucket_lifecycle_configuration → Rules[].Status, Filter, Transitions)"
)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (LIVE_GLACIER, []),
        ({**LIVE_GLACIER, "Filter": {"Prefix": ""}}, []),
        ({k: v for k, v in LIVE_GLACIER.items() if k != "Filter"}, []),
        ({**LIVE_GLACIER, "Expiration": {"Days": 400}}, []),
        ({**LIVE_GLACIER, "Status": "Disabled"}, [NOT_MOVED]),
        ({**LIVE_GLACIER, "Prefix": "logs/"}, [NOT_MOVED]),
        ({**LIVE_GLACIER, "Filter": {"Prefix": "logs/"}}, [NOT_MOVED]),
        ({**LIVE_GLACIER, "Filter": {"Tag": {"Key": "a", "Value": "b"}}}, [NOT_MOVED]),
        ({**LIVE_GLACIER, "Filter": {"And": {}}}, [NOT_MOVED]),
        ({**LIVE_GLACIER, "Filter": {"ObjectSizeGreaterThan": 1}}, [NOT_MOVED]),
        ({**LIVE_GLACIER, "Filter": {"ObjectSizeLessThan": 1}}, [NOT_MOVED]),
        ({**LIVE_GLACIER, "Transitions": [{"Days": 365, "StorageClass": "GLACIER_IR"}]}, [NOT_MOVED]),
        ({**LIVE_GLACIER, "Transitions": None}, [NOT_MOVED]),
        (
            {**LIVE_GLACIER, "Transitions": [{"Days": 30, "StorageClass": "GLACIER"}]},
            [
                f"{BUCKET}: X: expected an enabled lifecycle rule moving objects to GLACIER after 365 days, found "
                "GLACIER transitions at [30] days "
                "(get_bucket_lifecycle_configuration → Rules[].Status, Filter, Transitions)"
            ],
        ),
        (
            {**LIVE_GLACIER, "Expiration": {"Days": 364}},
            [
                f"{BUCKET}: X: expected objects kept until their GLACIER transition at 365 days, found expired after "
                "364 (get_bucket_lifecycle_configuration → Rules[].Expiration.Days)"
            ],
        ),
        ({**LIVE_GLACIER, "Expiration": {"Days": 365}}, []),
        ({**LIVE_GLACIER, "Expiration": None}, []),
    ],
)
def test_each_fact_of_the_live_rule(rule: dict, expected: list[str], platform: Platform, monkeypatch) -> None:
    monkeypatch.setattr(s3_live, "lifecycle_rules", read([rule]))
    assert drifts(s3.s3_glacier_live(live_view(platform))) == expected


def test_no_live_lifecycle_is_drift(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(s3_live, "lifecycle_rules", read(None))
    assert drifts(s3.s3_glacier_live(live_view(platform))) == [
        f"{BUCKET}: X: expected an enabled lifecycle rule moving objects to GLACIER after 365 days, found no "
        "lifecycle configuration (get_bucket_lifecycle_configuration → NoSuchLifecycleConfiguration)"
    ]


ALL_BLOCKED = dict.fromkeys(s3.PUBLIC_ACCESS_FLAGS, True)


def test_the_live_public_access_block_each_flag(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    assert s3.PUBLIC_ACCESS_FLAGS == (
        "BlockPublicAcls",
        "IgnorePublicAcls",
        "BlockPublicPolicy",
        "RestrictPublicBuckets",
    )
    monkeypatch.setattr(s3_live, "public_access_block", read(ALL_BLOCKED))
    assert s3.s3_public_access_live(live_view(platform)) == []
    for flag in s3.PUBLIC_ACCESS_FLAGS:
        for block, found in [({**ALL_BLOCKED, flag: False}, "False"), ({**ALL_BLOCKED, flag: "true"}, "true")]:
            monkeypatch.setattr(s3_live, "public_access_block", read(block))
            assert drifts(s3.s3_public_access_live(live_view(platform))) == [
                f"{BUCKET}: X: expected {flag} true, found {found} "
                f"(get_public_access_block → PublicAccessBlockConfiguration.{flag})"
            ]
        missing = {k: v for k, v in ALL_BLOCKED.items() if k != flag}
        monkeypatch.setattr(s3_live, "public_access_block", read(missing))
        assert drifts(s3.s3_public_access_live(live_view(platform))) == [
            f"{BUCKET}: X: expected {flag} true, found none "
            f"(get_public_access_block → PublicAccessBlockConfiguration.{flag})"
        ]
    monkeypatch.setattr(s3_live, "public_access_block", read(None))
    assert drifts(s3.s3_public_access_live(live_view(platform))) == [
        f"{BUCKET}: X: expected a public access block, found none "
        "(get_public_access_block → NoSuchPublicAccessBlockConfiguration)"
    ]


def test_the_live_encryption(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    for algorithm in ("AES256", "aws:kms", "aws:kms:dsse"):
        rules = [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": algorithm}}]
        monkeypatch.setattr(s3_live, "encryption_rules", read(rules))
        assert s3.s3_encryption_live(live_view(platform)) == []
    call = "get_bucket_encryption → Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm"
    for rules, found in [([{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "DES"}}], "DES"), ([{}], "none")]:
        monkeypatch.setattr(s3_live, "encryption_rules", read(rules))
        assert drifts(s3.s3_encryption_live(live_view(platform))) == [
            f"{BUCKET}: X: expected AES256 or aws:kms or aws:kms:dsse, found {found} ({call})"
        ]
    for nothing in (None, []):
        monkeypatch.setattr(s3_live, "encryption_rules", read(nothing))
        assert drifts(s3.s3_encryption_live(live_view(platform))) == [
            f"{BUCKET}: X: expected default encryption, found none "
            "(get_bucket_encryption → ServerSideEncryptionConfigurationNotFoundError)"
        ]


# -- two places configuring one setting, and a setting left empty ---------------------------------------


def test_two_places_configuring_a_setting_are_named_with_the_setting(tmp_path: Path, platform: Platform) -> None:
    block = public_access()
    two_blocks = block + block.replace('"audit" {', '"again" {')
    problems = judge(tmp_path / "a", platform, s3.s3_public_access, two_blocks)
    assert problems == [
        f"{WHERE}:11: X: the public access block of aws_s3_bucket.audit configured twice: "
        f"aws_s3_bucket_public_access_block.audit at {WHERE}:4 and "
        f"aws_s3_bucket_public_access_block.again at {WHERE}:11"
    ]
    inline_sse = HEAD.replace(
        "}\n",
        "  server_side_encryption_configuration {\n    rule {\n      apply_server_side_encryption_by_default {\n"
        '        sse_algorithm = "AES256"\n      }\n    }\n  }\n}\n',
    )
    problems = judge(tmp_path / "b", platform, s3.s3_encryption, sse("AES256"), head=inline_sse)
    assert problems == [
        f"{WHERE}:11: X: the default encryption of aws_s3_bucket.audit configured twice: "
        f"aws_s3_bucket.audit (server_side_encryption_configuration) at {WHERE}:3 and "
        f"aws_s3_bucket_server_side_encryption_configuration.audit at {WHERE}:11"
    ]
    inline_versioning = HEAD.replace("}\n", "  versioning {\n    enabled = true\n  }\n}\n")
    problems = judge(tmp_path / "c", platform, s3.s3_versioning, versioning("Enabled"), head=inline_versioning)
    assert problems == [
        f"{WHERE}:7: X: the versioning of aws_s3_bucket.audit configured twice: "
        f"aws_s3_bucket.audit (versioning) at {WHERE}:3 and aws_s3_bucket_versioning.audit at {WHERE}:7"
    ]


def test_a_setting_written_without_its_value_fails_as_none(tmp_path: Path, platform: Platform) -> None:
    no_algorithm = sse("AES256").replace('      sse_algorithm = "AES256"\n', "")
    label = "aws_s3_bucket_server_side_encryption_configuration.audit"
    wanted = "rule.apply_server_side_encryption_by_default with sse_algorithm AES256 or aws:kms or aws:kms:dsse"
    assert judge(tmp_path / "a", platform, s3.s3_encryption, no_algorithm) == [
        f"{WHERE}:4: X: {label}: expected {wanted}, found [None]"
    ]
    no_status = versioning("Enabled").replace('    status = "Enabled"\n', "")
    assert judge(tmp_path / "b", platform, s3.s3_versioning, no_status) == [
        f"{WHERE}:4: X: expected versioning Enabled on the bucket, found status None"
    ]
    inline_empty = HEAD.replace("}\n", "  versioning {\n  }\n}\n")
    assert judge(tmp_path / "c", platform, s3.s3_versioning, "", head=inline_empty) == [
        f"{WHERE}:3: X: expected versioning Enabled on the bucket, found status 'not enabled'"
    ]


def test_rules_are_each_judged_and_a_rule_without_status_is_not_enabled(tmp_path: Path, platform: Platform) -> None:
    disabled_first = lifecycle('    status = "Disabled"\n').replace(
        "  }\n}\n", f'  }}\n  rule {{\n    id = "second"\n{ENABLED}{GLACIER}  }}\n}}\n', 1
    )
    assert judge(tmp_path / "a", platform, s3.s3_glacier, disabled_first) == []  # the second rule is judged too
    assert judge(tmp_path / "b", platform, s3.s3_glacier, lifecycle(GLACIER)) == [
        MISSING + "no enabled GLACIER transition"
    ]


def test_a_transition_without_a_class_or_days(tmp_path: Path, platform: Platform) -> None:
    classless = ENABLED + "    transition {\n      days = 30\n    }\n" + GLACIER
    assert judge(tmp_path / "a", platform, s3.s3_glacier, lifecycle(classless)) == []
    dayless = ENABLED + '    transition {\n      storage_class = "GLACIER"\n    }\n'
    assert judge(tmp_path / "b", platform, s3.s3_glacier, lifecycle(dayless)) == [
        MISSING + "GLACIER transitions at [None] days"
    ]


def test_an_inline_rule_and_a_lifecycle_resource_are_configured_twice(tmp_path: Path, platform: Platform) -> None:
    inline = (
        f'resource "aws_s3_bucket" "audit" {{\n  bucket = "{BUCKET}"\n  lifecycle_rule {{\n    enabled = true\n'
        '    transition {\n      days = 365\n      storage_class = "GLACIER"\n    }\n  }\n}\n'
    )
    assert judge(tmp_path, platform, s3.s3_glacier, lifecycle(ENABLED + GLACIER), head=inline) == [
        f"{WHERE}:3: X: the lifecycle configuration of aws_s3_bucket.audit configured twice: "
        f"aws_s3_bucket_lifecycle_configuration.audit at {WHERE}:11 and "
        f"aws_s3_bucket.audit (lifecycle_rule) at {WHERE}:3"
    ]

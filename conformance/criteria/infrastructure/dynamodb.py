"""DynamoDB: the products table (on-demand, PITR, keys, both indexes, encryption), static and live."""

from __future__ import annotations

from typing import Any

from conformance.core import Problem, describe, expected
from conformance.criteria.base import Criterion, Profile, reads
from conformance.criteria.hcl_checks import check_equal, configured_twice, named, truthy, value, where
from conformance.criteria.infrastructure import INFRASTRUCTURE, RESOURCES, TERRAFORM
from conformance.criteria.values import AwsValue, Equals, HclValue
from conformance.evidence.fleet import FleetEvidence, RepoView
from conformance.evidence.module import Instance
from conformance.live import dynamodb as dynamodb_live
from conformance.live.view import LiveView
from conformance.platform.model import Platform

DESCRIBE_TABLE = "describe_table → Table"
PITR_STATUS = "PointInTimeRecoveryDescription.PointInTimeRecoveryStatus"


def table(view: RepoView) -> Instance:
    return named(view, "aws_dynamodb_table", view.names.table)


def enabled_block(view: RepoView, instance: Instance, block_type: str) -> list[Problem]:
    """`block_type { enabled = true }` in the resource (Terraform also takes the string "true"); only one of them."""
    blocks = instance.nested(block_type)
    if not blocks:
        return [Problem(where(instance), expected(f"{block_type} {{ enabled = true }}", f"no {block_type} block"))]
    places = ((f"{instance.address} ({block_type})", where(b)) for b in blocks)
    problems = configured_twice(f"the {block_type} of {instance.address}", places)
    for block in blocks:
        enabled = value(view, block, "enabled", False)
        if not truthy(enabled):
            problems.append(
                Problem(where(block), expected(f"{block_type} {{ enabled = true }}", f"enabled = {describe(enabled)}"))
            )
    return problems


def _key_type(view: RepoView, instance: Instance, attribute: str) -> tuple[str | None, list[Problem]]:
    """The declared type of a key attribute, and a problem when two `attribute` blocks declare it."""
    declared = [b for b in instance.nested("attribute") if value(view, b, "name", None) == attribute]
    places = ((f"attribute {attribute!r}", where(b)) for b in declared)
    problems = configured_twice(f"the type of {attribute} in {instance.address}", places)
    return (value(view, declared[0], "type", None) if declared else None), problems


def _type_problems(view: RepoView, instance: Instance, keys: list[Any], seen: set[str]) -> list[Problem]:
    problems = []
    for key in keys:
        if key.name in seen:
            continue
        seen.add(key.name)
        found, twice = _key_type(view, instance, key.name)
        problems += twice
        if found != key.type:
            problems.append(
                Problem(where(instance), f"attribute {key.name}: {expected(f'type {key.type!r}', describe(found))}")
            )
    return problems


# -- static ------------------------------------------------------------------------------------


def ddb_pitr(view: RepoView, _: FleetEvidence) -> list[Problem]:
    return enabled_block(view, table(view), "point_in_time_recovery")


def ddb_keys(view: RepoView, _: FleetEvidence) -> list[Problem]:
    spec = view.platform.infrastructure.table
    instance = table(view)
    problems = check_equal(view, instance, "hash_key", spec.hash_key.name)
    range_key = value(view, instance, "range_key", None)
    wanted = spec.range_key.name if spec.range_key else None
    if range_key != wanted:
        problems.append(
            Problem(where(instance, "range_key"), f"range_key: {expected(describe(wanted), describe(range_key))}")
        )
    return problems + _type_problems(view, instance, [k for k in (spec.hash_key, spec.range_key) if k], set())


def ddb_indexes(view: RepoView, _: FleetEvidence) -> list[Problem]:
    instance = table(view)
    indexes: dict[Any, list[Instance]] = {}
    for gsi in instance.nested("global_secondary_index"):
        indexes.setdefault(value(view, gsi, "name", None), []).append(gsi)
    problems = []
    typed: set[str] = set()
    for spec in view.platform.infrastructure.table.global_secondary_indexes:
        found = indexes.get(spec.name)
        if not found:
            problems.append(
                Problem(where(instance), expected(f"global_secondary_index {spec.name!r}", sorted(map(str, indexes))))
            )
            continue
        problems += configured_twice(
            f"global_secondary_index {spec.name!r} of {instance.address}", ((spec.name, where(g)) for g in found)
        )
        for gsi in found:
            hash_key = value(view, gsi, "hash_key", None)
            if hash_key != spec.hash_key.name:
                wanted = describe(spec.hash_key.name)
                problems.append(
                    Problem(where(gsi, "hash_key"), f"{spec.name} hash_key: {expected(wanted, describe(hash_key))}")
                )
            range_key = value(view, gsi, "range_key", None)
            wanted = spec.range_key.name if spec.range_key else None
            if range_key != wanted:
                problems.append(
                    Problem(
                        where(gsi, "range_key"),
                        f"{spec.name} range_key: {expected(describe(wanted), describe(range_key))}",
                    )
                )
        problems += _type_problems(view, instance, [k for k in (spec.hash_key, spec.range_key) if k], typed)
    return problems


def ddb_encryption(view: RepoView, _: FleetEvidence) -> list[Problem]:
    return enabled_block(view, table(view), "server_side_encryption")


# -- live --------------------------------------------------------------------------------------


def ddb_table_live(view: LiveView) -> list[Problem]:
    found = dynamodb_live.table(view.live)
    name = view.names.table
    problems = []
    if found.get("TableStatus") != "ACTIVE":
        problems.append(Problem.drift(name, "ACTIVE", found.get("TableStatus"), f"{DESCRIBE_TABLE}.TableStatus"))
    wanted = view.platform.infrastructure.table.billing_mode.value
    # Absent for tables that were always provisioned.
    billing = (found.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED")
    if billing != wanted:
        problems.append(Problem.drift(name, wanted, billing, f"{DESCRIBE_TABLE}.BillingModeSummary.BillingMode"))
    return problems


def _keys(schema: list[dict[str, Any]]) -> dict[str, str]:
    return {k.get("KeyType", ""): k.get("AttributeName", "") for k in schema or []}


def _key_problems(
    where_: str, what: str, wanted: dict[str, Any], schema: list[dict[str, Any]], types: dict[str, str], field: str
) -> list[Problem]:
    found = _keys(schema)
    problems = []
    for role, label in (("HASH", "hash key"), ("RANGE", "range key")):
        key = wanted.get(role)
        expected_key = f"{key.name} ({key.type})" if key else "none"
        actual = found.get(role)
        actual_key = f"{actual} ({types.get(actual, '?')})" if actual else "none"
        if expected_key != actual_key:
            problems.append(Problem.drift(where_, f"{what}{label} {expected_key}", actual_key, field))
    return problems


def ddb_keys_live(view: LiveView) -> list[Problem]:
    spec = view.platform.infrastructure.table
    found = dynamodb_live.table(view.live)
    types = {a["AttributeName"]: a["AttributeType"] for a in found.get("AttributeDefinitions", [])}
    wanted = {"HASH": spec.hash_key, "RANGE": spec.range_key}
    field = f"{DESCRIBE_TABLE}.KeySchema, AttributeDefinitions"
    return _key_problems(view.names.table, "", wanted, found.get("KeySchema", []), types, field)


def ddb_indexes_live(view: LiveView) -> list[Problem]:
    found = dynamodb_live.table(view.live)
    name = view.names.table
    types = {a["AttributeName"]: a["AttributeType"] for a in found.get("AttributeDefinitions", [])}
    indexes = {g.get("IndexName"): g for g in found.get("GlobalSecondaryIndexes") or []}
    problems = []
    for spec in view.platform.infrastructure.table.global_secondary_indexes:
        gsi = indexes.get(spec.name)
        field = f"{DESCRIBE_TABLE}.GlobalSecondaryIndexes"
        if gsi is None:
            problems.append(
                Problem.drift(name, f"index {spec.name}", sorted(indexes) or "none", f"{field}[].IndexName")
            )
            continue
        wanted = {"HASH": spec.hash_key, "RANGE": spec.range_key}
        problems += _key_problems(
            name, f"{spec.name} ", wanted, gsi.get("KeySchema", []), types, f"{field}[].KeySchema"
        )
        if gsi.get("IndexStatus", "ACTIVE") != "ACTIVE":
            problems.append(
                Problem.drift(name, f"{spec.name} ACTIVE", gsi.get("IndexStatus"), f"{field}[].IndexStatus")
            )
    return problems


def pitr_status(platform: Platform) -> str:
    # PointInTimeRecoveryStatus, not ContinuousBackupsStatus: that one is ENABLED even with PITR off.
    return "ENABLED" if platform.infrastructure.table.point_in_time_recovery else "DISABLED"


# -- register ----------------------------------------------------------------------------------

DESCRIBE = reads("dynamodb:DescribeTable@table")
CRITERIA = [
    Criterion(
        id="INF-DDB-TABLE",
        title="DynamoDB table exists, on-demand",
        requirement=RESOURCES,
        scope=INFRASTRUCTURE,
        files=TERRAFORM,
        value=Equals(
            expected=lambda spec: spec.infrastructure.table.billing_mode.value,
            hcl=HclValue(table, "billing_mode", default="PROVISIONED"),  # the provider's default
        ),
        live=ddb_table_live,
        live_reads=DESCRIBE,
        owns=("table",),
    ),
    Criterion(
        id="INF-DDB-PITR",
        title="DynamoDB point-in-time recovery enabled",
        requirement=RESOURCES,
        scope=INFRASTRUCTURE,
        files=TERRAFORM,
        static=ddb_pitr,
        value=Equals(
            expected=pitr_status,
            aws=AwsValue(
                dynamodb_live.continuous_backups,
                PITR_STATUS,
                "table",
                f"describe_continuous_backups → {PITR_STATUS}",
                missing="none",
            ),
        ),
        live_reads=reads("dynamodb:DescribeContinuousBackups@table"),
    ),
    Criterion(
        id="INF-DDB-KEYS",
        title="DynamoDB hash key PK (S), range key SK (S)",
        requirement=RESOURCES,
        scope=INFRASTRUCTURE,
        files=TERRAFORM,
        static=ddb_keys,
        live=ddb_keys_live,
        live_reads=DESCRIBE,
    ),
    Criterion(
        id="INF-DDB-GSI",
        title="Both global secondary indexes with their keys",
        requirement=RESOURCES,
        scope=INFRASTRUCTURE,
        files=TERRAFORM,
        static=ddb_indexes,
        live=ddb_indexes_live,
        live_reads=DESCRIBE,
    ),
    Criterion(
        id="INF-DDB-SSE",
        profile=Profile.PLATFORM,
        title="DynamoDB server-side encryption",
        requirement=RESOURCES,
        scope=INFRASTRUCTURE,
        files=TERRAFORM,
        static=ddb_encryption,
        value=Equals(
            expected="ENABLED",
            aws=AwsValue(
                dynamodb_live.table, "SSEDescription.Status", "table", f"{DESCRIBE_TABLE}.SSEDescription.Status", "none"
            ),
        ),
        live_reads=DESCRIBE,
    ),
]

"""DynamoDB reads: the products table and its continuous backups."""

from __future__ import annotations

from typing import Any

from conformance.live.session import LiveEnv, Target

OWNER = "INF-DDB-TABLE"


def _target(live: LiveEnv) -> Target:
    return Target(live.names.table, "the DynamoDB table", OWNER)


def table(live: LiveEnv) -> dict[str, Any]:
    """`describe_table(...)['Table']`."""
    return live.call("dynamodb", "DescribeTable", {"TableName": live.names.table}, _target(live))["Table"]


def continuous_backups(live: LiveEnv) -> dict[str, Any]:
    """`describe_continuous_backups(...)['ContinuousBackupsDescription']`."""
    response = live.call("dynamodb", "DescribeContinuousBackups", {"TableName": live.names.table}, _target(live))
    return response["ContinuousBackupsDescription"]

"""DynamoDB reads: the products table and its continuous backups."""

from __future__ import annotations

from typing import Any

from conformance.live.errors import Subject
from conformance.live.session import LiveEnv

KIND = "table"


def _subject(live: LiveEnv) -> Subject:
    return Subject(live.names.table, "the DynamoDB table", KIND)


def table(live: LiveEnv) -> dict[str, Any]:
    """`describe_table(...)['Table']`."""
    return live.call("dynamodb", "DescribeTable", {"TableName": live.names.table}, _subject(live))["Table"]


def continuous_backups(live: LiveEnv) -> dict[str, Any]:
    """`describe_continuous_backups(...)['ContinuousBackupsDescription']`."""
    response = live.call("dynamodb", "DescribeContinuousBackups", {"TableName": live.names.table}, _subject(live))
    return response["ContinuousBackupsDescription"]

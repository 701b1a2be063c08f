"""S3 reads: the audit bucket's region, lifecycle, public access block, encryption, versioning."""

from __future__ import annotations

from typing import Any

from conformance.live.errors import Subject
from conformance.live.session import LiveEnv

KIND = "audit_bucket"


def _subject(live: LiveEnv, *absent: str) -> Subject:
    return Subject(live.names.audit_bucket, "the audit bucket", KIND, absent)


def _bucket(live: LiveEnv) -> dict[str, Any]:
    return {"Bucket": live.names.audit_bucket}


def region(live: LiveEnv) -> str:
    """The bucket's region (`get_bucket_location`: None is us-east-1, the legacy `EU` eu-west-1)."""
    constraint = live.call("s3", "GetBucketLocation", _bucket(live), _subject(live)).get("LocationConstraint")
    return {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(constraint, constraint)


def lifecycle_rules(live: LiveEnv) -> list[dict[str, Any]] | None:
    """The lifecycle rules, or None when the bucket has no lifecycle configuration."""
    subject = _subject(live, "NoSuchLifecycleConfiguration")
    response = live.call("s3", "GetBucketLifecycleConfiguration", _bucket(live), subject)
    return None if response is None else response.get("Rules", [])


def public_access_block(live: LiveEnv) -> dict[str, bool] | None:
    """The bucket's four public access flags, or None when it has no public access block."""
    subject = _subject(live, "NoSuchPublicAccessBlockConfiguration")
    response = live.call("s3", "GetPublicAccessBlock", _bucket(live), subject)
    return None if response is None else response.get("PublicAccessBlockConfiguration", {})


def encryption_rules(live: LiveEnv) -> list[dict[str, Any]] | None:
    """The default encryption rules, or None when none is configured (moto; AWS always has SSE-S3)."""
    subject = _subject(live, "ServerSideEncryptionConfigurationNotFoundError")
    response = live.call("s3", "GetBucketEncryption", _bucket(live), subject)
    return None if response is None else response.get("ServerSideEncryptionConfiguration", {}).get("Rules", [])


def versioning(live: LiveEnv) -> dict[str, Any]:
    """`get_bucket_versioning`: no `Status` key until versioning was ever set."""
    return live.call("s3", "GetBucketVersioning", _bucket(live), _subject(live))

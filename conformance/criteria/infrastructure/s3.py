"""S3: the audit bucket (region, Glacier lifecycle, public access block, encryption, versioning)."""

from __future__ import annotations

from conformance.core import Problem, describe, expected
from conformance.criteria.base import Criterion, Profile, reads
from conformance.criteria.hcl_checks import instances_of, named, refers_to, truthy, value, where
from conformance.criteria.infrastructure import INFRASTRUCTURE, RESOURCES, TERRAFORM
from conformance.criteria.values import AwsValue, Equals, Exists
from conformance.evidence.fleet import FleetEvidence, RepoView
from conformance.evidence.module import Instance
from conformance.live import s3 as s3_live
from conformance.live.view import LiveView

PUBLIC_ACCESS_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
ENCRYPTION_ALGORITHMS = ("AES256", "aws:kms", "aws:kms:dsse")


def audit_bucket(view: RepoView) -> Instance:
    return named(view, "aws_s3_bucket", view.names.audit_bucket, "bucket")


def attached(view: RepoView, resource_type: str, target: Instance, via: str = "bucket") -> list[Instance]:
    """Companion resources (lifecycle, encryption, ...) whose `via` refers to `target`."""
    return [i for i in instances_of(view, resource_type) if refers_to(value(view, i, via, None), target)]


# -- static ------------------------------------------------------------------------------------


def _whole_bucket(view: RepoView, rule: Instance) -> bool:
    """A rule without a prefix (or with an empty one) applies to every object of the bucket."""
    prefixes = [value(view, rule, "prefix", "")] + [value(view, f, "prefix", "") for f in rule.nested("filter")]
    return all(not p for p in prefixes)


def _glacier_days(view: RepoView, rule: Instance) -> list[int]:
    if str(value(view, rule, "status", value(view, rule, "enabled", None))) not in ("Enabled", "True", "true"):
        return []
    if not _whole_bucket(view, rule):
        return []
    return [
        value(view, t, "days", None)
        for t in rule.nested("transition")
        if value(view, t, "storage_class", None) == "GLACIER"
    ]


def s3_glacier(view: RepoView, _: FleetEvidence) -> list[Problem]:
    bucket = audit_bucket(view)
    wanted = view.platform.infrastructure.audit_bucket.glacier_after_days
    rules = [r for c in attached(view, "aws_s3_bucket_lifecycle_configuration", bucket) for r in c.nested("rule")]
    rules += bucket.nested("lifecycle_rule")  # the inline form of older configurations
    days = [d for rule in rules for d in _glacier_days(view, rule)]
    if wanted not in days:
        found = f"GLACIER transitions at {days} days" if days else "no enabled GLACIER transition"
        return [
            Problem(
                where(bucket),
                expected(f"an enabled lifecycle rule moving objects to GLACIER after {wanted} days", found),
            )
        ]
    return []


def s3_public_access(view: RepoView, _: FleetEvidence) -> list[Problem]:
    bucket = audit_bucket(view)
    blocks = attached(view, "aws_s3_bucket_public_access_block", bucket)
    if not blocks:
        return [Problem(where(bucket), expected("an aws_s3_bucket_public_access_block for the bucket", "none"))]
    flags = ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    return [
        Problem(where(blocks[0], flag), f"{flag}: {expected('true', describe(value(view, blocks[0], flag, None)))}")
        for flag in flags
        if value(view, blocks[0], flag, None) is not True
    ]


def s3_encryption(view: RepoView, _: FleetEvidence) -> list[Problem]:
    bucket = audit_bucket(view)
    found = attached(view, "aws_s3_bucket_server_side_encryption_configuration", bucket)
    inline = bucket.nested("server_side_encryption_configuration")
    if not found and not inline:
        return [Problem(where(bucket), expected("default encryption for the bucket", "none"))]
    return []


def s3_versioning(view: RepoView, _: FleetEvidence) -> list[Problem]:
    bucket = audit_bucket(view)
    statuses = []
    for versioning in attached(view, "aws_s3_bucket_versioning", bucket):
        configs = versioning.nested("versioning_configuration")
        statuses += [value(view, c, "status", None) for c in configs]
        if "Enabled" in statuses:
            return []
    inline = bucket.nested("versioning")
    if inline and truthy(value(view, inline[0], "enabled", None)):
        return []
    if statuses:
        return [Problem(where(bucket), expected("versioning Enabled on the bucket", f"status {statuses[0]!r}"))]
    return [Problem(where(bucket), expected("versioning Enabled on the bucket", "none"))]


# -- live --------------------------------------------------------------------------------------


def s3_bucket_live(view: LiveView) -> list[Problem]:
    found = s3_live.region(view.live)
    if found != view.live.region:
        return [
            Problem.drift(view.names.audit_bucket, view.live.region, found, "get_bucket_location → LocationConstraint")
        ]
    return []


def s3_glacier_live(view: LiveView) -> list[Problem]:
    wanted = view.platform.infrastructure.audit_bucket.glacier_after_days
    rules = s3_live.lifecycle_rules(view.live)
    what = f"an enabled lifecycle rule moving objects to GLACIER after {wanted} days"
    if rules is None:
        call = "get_bucket_lifecycle_configuration → NoSuchLifecycleConfiguration"
        return [Problem.drift(view.names.audit_bucket, what, "no lifecycle configuration", call)]
    days = [
        t.get("Days")
        for rule in rules
        if rule.get("Status") == "Enabled"
        for t in rule.get("Transitions") or []
        if t.get("StorageClass") == "GLACIER"
    ]
    if wanted not in days:
        found = f"GLACIER transitions at {days} days" if days else "no enabled GLACIER transition"
        call = "get_bucket_lifecycle_configuration → Rules[].Status, Transitions"
        return [Problem.drift(view.names.audit_bucket, what, found, call)]
    return []


def s3_public_access_live(view: LiveView) -> list[Problem]:
    block = s3_live.public_access_block(view.live)
    bucket = view.names.audit_bucket
    if block is None:
        call = "get_public_access_block → NoSuchPublicAccessBlockConfiguration"
        return [Problem.drift(bucket, "a public access block", "none", call)]
    return [
        Problem.drift(
            bucket,
            f"{flag} true",
            block.get(flag, "none"),
            f"get_public_access_block → PublicAccessBlockConfiguration.{flag}",
        )
        for flag in PUBLIC_ACCESS_FLAGS
        if block.get(flag) is not True
    ]


def s3_encryption_live(view: LiveView) -> list[Problem]:
    rules = s3_live.encryption_rules(view.live)
    bucket = view.names.audit_bucket
    if not rules:
        call = "get_bucket_encryption → ServerSideEncryptionConfigurationNotFoundError"
        return [Problem.drift(bucket, "default encryption", "none", call)]
    algorithm = (rules[0].get("ApplyServerSideEncryptionByDefault") or {}).get("SSEAlgorithm")
    if algorithm not in ENCRYPTION_ALGORITHMS:
        call = "get_bucket_encryption → Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm"
        return [Problem.drift(bucket, " or ".join(ENCRYPTION_ALGORITHMS), algorithm or "none", call)]
    return []


# -- register ----------------------------------------------------------------------------------

CRITERIA = [
    Criterion(
        id="INF-S3-BUCKET",
        title="Audit bucket exists",
        requirement=RESOURCES,
        scope=INFRASTRUCTURE,
        files=TERRAFORM,
        value=Exists(hcl=audit_bucket),
        live=s3_bucket_live,
        live_reads=reads("s3:GetBucketLocation@audit_bucket"),
        owns=("audit_bucket",),
    ),
    Criterion(
        id="INF-S3-GLACIER",
        title="Audit objects move to Glacier after a year",
        requirement=RESOURCES,
        scope=INFRASTRUCTURE,
        files=TERRAFORM,
        static=s3_glacier,
        live=s3_glacier_live,
        live_reads=reads("s3:GetBucketLifecycleConfiguration@audit_bucket"),
    ),
    Criterion(
        id="INF-S3-PUBLIC-ACCESS",
        profile=Profile.PLATFORM,
        title="Audit bucket blocks all public access",
        requirement=RESOURCES,
        scope=INFRASTRUCTURE,
        files=TERRAFORM,
        static=s3_public_access,
        live=s3_public_access_live,
        live_reads=reads("s3:GetPublicAccessBlock@audit_bucket"),
    ),
    Criterion(
        id="INF-S3-SSE",
        profile=Profile.PLATFORM,
        title="Audit bucket default encryption",
        requirement=RESOURCES,
        scope=INFRASTRUCTURE,
        files=TERRAFORM,
        static=s3_encryption,
        live=s3_encryption_live,
        live_reads=reads("s3:GetBucketEncryption@audit_bucket"),
    ),
    Criterion(
        id="INF-S3-VERSIONING",
        profile=Profile.PLATFORM,
        title="Audit bucket versioning",
        requirement=RESOURCES,
        scope=INFRASTRUCTURE,
        files=TERRAFORM,
        static=s3_versioning,
        value=Equals(
            expected="Enabled",
            aws=AwsValue(
                read=s3_live.versioning,
                field="Status",
                kind="audit_bucket",
                call="get_bucket_versioning → Status",
                missing="never enabled",
            ),
        ),
        live_reads=reads("s3:GetBucketVersioning@audit_bucket"),
    ),
]

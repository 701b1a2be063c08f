"""S3: the audit bucket (region, Glacier lifecycle, public access block, encryption, versioning)."""

from __future__ import annotations

from conformance.core import Problem, describe, expected
from conformance.criteria.base import Criterion, Profile, reads
from conformance.criteria.hcl_checks import (
    attached,
    configured_twice,
    named,
    none_found,
    number,
    truthy,
    unseen,
    value,
    where,
)
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


def companions(view: RepoView, resource_type: str, bucket: Instance, name: str | None = None) -> list[Instance]:
    """The bucket's companion resources of a type (`bucket` = its id, its name, or the name itself); the audit
    bucket's unless `name` says which."""
    literal = name or view.names.audit_bucket
    return attached(view, resource_type, bucket, "bucket", ("id", "bucket"), literal=literal)


def settings(
    view: RepoView, resource_type: str, inline: str, bucket: Instance, name: str
) -> list[tuple[Instance, str]]:
    """Every (instance, label) configuring one of the bucket's settings: the inline block(s) and the resources.

    Two of them fight on every apply; the criterion says so (`configured_twice`) and judges each.
    """
    found = [(block, f"{bucket.address} ({inline})") for block in bucket.nested(inline)]
    found += [(c, c.address) for c in companions(view, resource_type, bucket, name)]
    return found


def twice(what: str, bucket: Instance, found: list[tuple[Instance, str]]) -> list[Problem]:
    return configured_twice(f"the {what} of {bucket.address}", ((label, where(i)) for i, label in found))


# -- static: the Glacier rule -------------------------------------------------------------------

# A filter that narrows a rule to part of the bucket (a prefix is judged by its value).
NARROWING = ("tag", "and", "object_size_greater_than", "object_size_less_than", "tags")


def _whole_bucket(view: RepoView, rule: Instance) -> bool:
    """A rule without a prefix (or with an empty one), a tag or a size limit applies to every object."""
    scopes = [rule, *rule.nested("filter")]
    if any(value(view, s, "prefix", "") for s in scopes):
        return False
    if any(value(view, s, n, None) not in (None, {}, 0) for s in scopes for n in NARROWING):
        return False
    return not any(s.nested(n) for s in scopes for n in NARROWING)


def _enabled(view: RepoView, rule: Instance) -> bool:
    """`status = "Enabled"` (AWS spells it so exactly), or the inline form's `enabled = true`."""
    status = value(view, rule, "status", None)
    if status is not None:
        return status == "Enabled"
    return truthy(value(view, rule, "enabled", None))


def s3_glacier(view: RepoView, _: FleetEvidence) -> list[Problem]:
    wanted = view.platform.infrastructure.audit_bucket.glacier_after_days
    bucket = audit_bucket(view)
    inline = bucket.nested("lifecycle_rule")  # the older inline form: its rules are one configuration
    configs = companions(view, "aws_s3_bucket_lifecycle_configuration", bucket)
    sources = [(c.address, where(c)) for c in configs]
    sources += [(f"{bucket.address} (lifecycle_rule)", where(inline[0]))] if inline else []
    problems = configured_twice(f"the lifecycle configuration of {bucket.address}", sources)
    rules = [r for c in configs for r in c.nested("rule")] + inline
    days = []
    for rule in rules:
        if not (_enabled(view, rule) and _whole_bucket(view, rule)):
            continue
        for transition in rule.nested("transition"):
            if value(view, transition, "storage_class", None) == "GLACIER":
                days.append(number(value(view, transition, "days", None)))
        for expiration in rule.nested("expiration"):
            gone = number(value(view, expiration, "days", None))
            if gone is not None and gone < wanted:
                problems.append(
                    Problem(
                        where(expiration, "days"),
                        expected(
                            f"objects kept until their GLACIER transition at {wanted} days", f"expired after {gone}"
                        ),
                    )
                )
    if wanted not in days:
        found_days = f"GLACIER transitions at {days} days" if days else "no enabled GLACIER transition"
        what = f"an enabled lifecycle rule moving objects to GLACIER after {wanted} days"
        problems.append(Problem(where(bucket), expected(what, found_days)))
        problems += unseen(view) if not rules else []
    return problems


# -- static: public access, encryption, versioning ---------------------------------------------

PUBLIC_ACCESS = ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")


def s3_public_access(view: RepoView, _: FleetEvidence) -> list[Problem]:
    return public_access_problems(view, audit_bucket(view), view.names.audit_bucket)


def public_access_problems(view: RepoView, bucket: Instance, name: str) -> list[Problem]:
    """An aws_s3_bucket_public_access_block for the bucket (one), every flag true."""
    blocks = companions(view, "aws_s3_bucket_public_access_block", bucket, name)
    if not blocks:
        raise none_found(
            view, Problem(where(bucket), expected("an aws_s3_bucket_public_access_block for the bucket", "none"))
        )
    problems = twice("public access block", bucket, [(b, b.address) for b in blocks])
    for block in blocks:
        for flag in PUBLIC_ACCESS:
            found = value(view, block, flag, None)
            if not truthy(found):
                problems.append(Problem(where(block, flag), f"{flag}: {expected('true', describe(found))}"))
    return problems


def s3_encryption(view: RepoView, _: FleetEvidence) -> list[Problem]:
    return encryption_problems(view, audit_bucket(view), view.names.audit_bucket)


def encryption_problems(view: RepoView, bucket: Instance, name: str) -> list[Problem]:
    """Default encryption (configured once) with one of ENCRYPTION_ALGORITHMS."""
    resource_type = "aws_s3_bucket_server_side_encryption_configuration"
    found = settings(view, resource_type, "server_side_encryption_configuration", bucket, name)
    if not found:
        raise none_found(view, Problem(where(bucket), expected("default encryption for the bucket", "none")))
    problems = twice("default encryption", bucket, found)
    for config, label in found:
        defaults = [d for rule in config.nested("rule") for d in rule.nested("apply_server_side_encryption_by_default")]
        algorithms = [value(view, d, "sse_algorithm", None) for d in defaults]
        if not algorithms or any(a not in ENCRYPTION_ALGORITHMS for a in algorithms):
            wanted = (
                f"rule.apply_server_side_encryption_by_default with sse_algorithm {' or '.join(ENCRYPTION_ALGORITHMS)}"
            )
            problems.append(
                Problem(where(config), f"{label}: {expected(wanted, describe(algorithms) if algorithms else 'none')}")
            )
    return problems


def s3_versioning(view: RepoView, _: FleetEvidence) -> list[Problem]:
    return versioning_problems(view, audit_bucket(view), view.names.audit_bucket)


def versioning_problems(view: RepoView, bucket: Instance, name: str) -> list[Problem]:
    """Versioning Enabled (configured once), inline or by an aws_s3_bucket_versioning."""
    found = settings(view, "aws_s3_bucket_versioning", "versioning", bucket, name)
    if not found:
        raise none_found(view, Problem(where(bucket), expected("versioning Enabled on the bucket", "none")))
    problems = twice("versioning", bucket, found)
    for config, _label in found:
        if config.block.type == "resource":
            statuses = [value(view, c, "status", None) for c in config.nested("versioning_configuration")]
            status = statuses[0] if statuses else None
            path = "versioning_configuration.status"
        else:
            status = "Enabled" if truthy(value(view, config, "enabled", None)) else "not enabled"
            path = "enabled"
        if status != "Enabled":
            problems.append(
                Problem(where(config, path), expected("versioning Enabled on the bucket", f"status {status!r}"))
            )
    return problems


# -- live --------------------------------------------------------------------------------------


def s3_bucket_live(view: LiveView) -> list[Problem]:
    found = s3_live.region(view.live)
    if found != view.live.region:
        return [
            Problem.drift(view.names.audit_bucket, view.live.region, found, "get_bucket_location → LocationConstraint")
        ]
    return []


def _whole_bucket_live(rule: dict) -> bool:
    """A rule with no prefix (or an empty one), no tag and no size limit applies to every object."""
    scope = rule.get("Filter") or {}
    if rule.get("Prefix") or scope.get("Prefix"):
        return False
    return not any(k in scope for k in ("Tag", "And", "ObjectSizeGreaterThan", "ObjectSizeLessThan"))


def s3_glacier_live(view: LiveView) -> list[Problem]:
    wanted = view.platform.infrastructure.audit_bucket.glacier_after_days
    rules = s3_live.lifecycle_rules(view.live)
    what = f"an enabled lifecycle rule moving objects to GLACIER after {wanted} days"
    bucket = view.names.audit_bucket
    if rules is None:
        call = "get_bucket_lifecycle_configuration → NoSuchLifecycleConfiguration"
        return [Problem.drift(bucket, what, "no lifecycle configuration", call)]
    applying = [r for r in rules if r.get("Status") == "Enabled" and _whole_bucket_live(r)]
    days = [t.get("Days") for r in applying for t in r.get("Transitions") or [] if t.get("StorageClass") == "GLACIER"]
    problems = []
    expiring = [(r.get("Expiration") or {}).get("Days") for r in applying]
    for gone in (d for d in expiring if isinstance(d, int) and d < wanted):
        call = "get_bucket_lifecycle_configuration → Rules[].Expiration.Days"
        problems.append(
            Problem.drift(
                bucket, f"objects kept until their GLACIER transition at {wanted} days", f"expired after {gone}", call
            )
        )
    if wanted not in days:
        found = f"GLACIER transitions at {days} days" if days else "no enabled GLACIER transition on the whole bucket"
        call = "get_bucket_lifecycle_configuration → Rules[].Status, Filter, Transitions"
        problems.append(Problem.drift(bucket, what, found, call))
    return problems


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

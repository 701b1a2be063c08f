{%- set glacier_after_days = cookiecutter._platform.audit_bucket.glacier_after_days -%}
{%- set abort_after_days = cookiecutter._platform.audit_bucket.abort_incomplete_uploads_after_days -%}
# The audit log bucket: private, versioned, encrypted with its own key, TLS only, archived to
# Glacier.
resource "aws_s3_bucket" "audit_bucket" {
  #checkov:skip=CKV_AWS_18:Server access logs need a second (log) bucket per env that the platform spec does not define; object-level auditing is CloudTrail data events, set per account outside this repository
  #checkov:skip=CKV2_AWS_62:Nothing reacts to new audit records: they are written once and read only when investigating
  #checkov:skip=CKV_AWS_144:Each environment lives in one region; versioning and the Glacier archive keep the records, and a replica bucket in a second region is out of the platform's scope
  bucket = "{{ cookiecutter._platform.names.audit_bucket }}"
}

resource "aws_s3_bucket_ownership_controls" "audit_bucket" {
  bucket = aws_s3_bucket.audit_bucket.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "audit_bucket" {
  bucket = aws_s3_bucket.audit_bucket.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "audit_bucket" {
  bucket = aws_s3_bucket.audit_bucket.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "audit_bucket" {
  bucket = aws_s3_bucket.audit_bucket.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.audit_bucket.arn
    }
    bucket_key_enabled = true
  }
}

data "aws_iam_policy_document" "audit_bucket" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.audit_bucket.arn, "${aws_s3_bucket.audit_bucket.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "audit_bucket" {
  bucket = aws_s3_bucket.audit_bucket.id
  policy = data.aws_iam_policy_document.audit_bucket.json

  # Apply the policy once public policies are blocked, so it is never briefly public.
  depends_on = [aws_s3_bucket_public_access_block.audit_bucket]
}

resource "aws_s3_bucket_lifecycle_configuration" "audit_bucket" {
  bucket = aws_s3_bucket.audit_bucket.id

  rule {
    id     = "archive-to-glacier"
    status = "Enabled"

    # An empty filter: the rule applies to every object in the bucket.
    filter {}

    transition {
      days          = {{ glacier_after_days }}
      storage_class = "GLACIER"
    }

    # Overwritten or deleted audit records are archived on the same schedule, never expired.
    noncurrent_version_transition {
      noncurrent_days = {{ glacier_after_days }}
      storage_class   = "GLACIER"
    }
  }

  # Multipart uploads that never completed are billed but can never be read.
  rule {
    id     = "abort-incomplete-uploads"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = {{ abort_after_days }}
    }
  }

  # Lifecycle rules on noncurrent versions need versioning to be on first.
  depends_on = [aws_s3_bucket_versioning.audit_bucket]
}

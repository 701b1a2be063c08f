{%- set glacier_after_days = cookiecutter._platform.audit_bucket.glacier_after_days -%}
# The audit log bucket: private, versioned, encrypted, TLS only, archived to Glacier.
resource "aws_s3_bucket" "audit_bucket" {
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
      sse_algorithm = "AES256"
    }
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

  # Lifecycle rules on noncurrent versions need versioning to be on first.
  depends_on = [aws_s3_bucket_versioning.audit_bucket]
}

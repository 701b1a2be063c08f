{%- set b = cookiecutter._platform.deploy.bootstrap -%}
# Terraform's state for every repository of this env: one bucket (a key per repository) and one
# lock table, encrypted with their own key. Both outlive any `terraform destroy` of this root.

data "aws_iam_policy_document" "state_key" {
  #checkov:skip=CKV_AWS_109:A key policy; its resource "*" is the key itself, administered by its own account
  #checkov:skip=CKV_AWS_111:A key policy; its resource "*" is the key itself, administered by its own account
  #checkov:skip=CKV_AWS_356:A key policy; its resource "*" is the key itself, administered by its own account
  statement {
    sid = "AccountAdministersTheKey"
    actions = [
      "kms:CancelKeyDeletion",
      "kms:Create*",
      "kms:Decrypt",
      "kms:Delete*",
      "kms:Describe*",
      "kms:Disable*",
      "kms:Enable*",
      "kms:Encrypt",
      "kms:GenerateDataKey*",
      "kms:Get*",
      "kms:List*",
      "kms:Put*",
      "kms:ReEncrypt*",
      "kms:Revoke*",
      "kms:ScheduleKeyDeletion",
      "kms:TagResource",
      "kms:UntagResource",
      "kms:Update*",
    ]
    # In a key policy the resource is always the key itself, written "*".
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [local.account_root_arn]
    }
  }
}

# The state's key: the deploy roles may use it through S3 and DynamoDB only (deploy_roles.tf).
resource "aws_kms_key" "state" {
  description         = "Encrypts the Terraform state bucket and lock table {{ b.state_bucket }}, {{ b.lock_table }}"
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.state_key.json

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_kms_alias" "state" {
  name          = "alias/{{ b.state_bucket }}"
  target_key_id = aws_kms_key.state.key_id
}

resource "aws_s3_bucket" "state" {
  #checkov:skip=CKV_AWS_18:Server access logs need a second (log) bucket per account; object-level auditing is CloudTrail data events, set per account outside this repository
  #checkov:skip=CKV2_AWS_62:Nothing reacts to a new state version
  #checkov:skip=CKV_AWS_144:Each env lives in one region; versioning keeps every state version, and a replica in a second region is out of the platform's scope
  #checkov:skip=CKV2_AWS_61:Every state version is kept: each one is a recovery point
  bucket = "{{ b.state_bucket }}"

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket_ownership_controls" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "state" {
  bucket = aws_s3_bucket.state.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "state" {
  bucket = aws_s3_bucket.state.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.state.arn
    }
    bucket_key_enabled = true
  }
}

data "aws_iam_policy_document" "state_bucket" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.state.arn, "${aws_s3_bucket.state.arn}/*"]

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

resource "aws_s3_bucket_policy" "state" {
  bucket = aws_s3_bucket.state.id
  policy = data.aws_iam_policy_document.state_bucket.json

  # Apply the policy once public policies are blocked, so it is never briefly public.
  depends_on = [aws_s3_bucket_public_access_block.state]
}

resource "aws_dynamodb_table" "lock" {
  name                        = "{{ b.lock_table }}"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "LockID"
  deletion_protection_enabled = true

  attribute {
    name = "LockID"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.state.arn
  }

  lifecycle {
    prevent_destroy = true
  }
}

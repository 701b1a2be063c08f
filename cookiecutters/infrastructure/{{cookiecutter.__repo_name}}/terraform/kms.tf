# Customer-managed KMS keys, one per purpose, each rotated every year. Every key policy starts
# with the same statement: the account administers the key and delegates its use to IAM
# policies, so each execution role (iam.tf) is granted exactly the use its function needs.
data "aws_iam_policy_document" "key_administration" {
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

# The alert topic's key. CloudWatch alarms publish to the topic, so CloudWatch may use the key:
# the AWS-managed key alias/aws/sns cannot be granted to other AWS services, and alarm
# notifications to a topic encrypted with it are silently dropped.
data "aws_iam_policy_document" "alert_topic_key" {
  source_policy_documents = [data.aws_iam_policy_document.key_administration.json]

  statement {
    sid       = "CloudWatchAlarmsEncryptNotifications"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.aws_account_id]
    }
  }
}

resource "aws_kms_key" "alert_topic" {
  description         = "Encrypts the SNS topic {{ cookiecutter._platform.names.alert_topic }}"
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.alert_topic_key.json
}

resource "aws_kms_alias" "alert_topic" {
  name          = "alias/{{ cookiecutter._platform.names.alert_topic }}"
  target_key_id = aws_kms_key.alert_topic.key_id
}

# The products table's key. The execution roles of the functions that use the table may use it
# only through DynamoDB (iam.tf).
resource "aws_kms_key" "table" {
  description         = "Encrypts the DynamoDB table {{ cookiecutter._platform.names.table }}"
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.key_administration.json
}

resource "aws_kms_alias" "table" {
  name          = "alias/{{ cookiecutter._platform.names.table }}"
  target_key_id = aws_kms_key.table.key_id
}

# The audit bucket's key. Only the audit function's role may use it, only through S3, to write
# records (iam.tf); the bucket key keeps the KMS requests per object low.
resource "aws_kms_key" "audit_bucket" {
  description         = "Encrypts the S3 bucket {{ cookiecutter._platform.names.audit_bucket }}"
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.key_administration.json
}

resource "aws_kms_alias" "audit_bucket" {
  name          = "alias/{{ cookiecutter._platform.names.audit_bucket }}"
  target_key_id = aws_kms_key.audit_bucket.key_id
}

# The key of the Lambda functions' log groups and of the API's access log group. Each Lambda
# repository creates its own log group and finds this key by its alias, as it finds its execution
# role by name. CloudWatch Logs may use the key for those log groups only: the encryption context
# it sends names the group.
data "aws_iam_policy_document" "lambda_logs_key" {
  source_policy_documents = [data.aws_iam_policy_document.key_administration.json]

  statement {
    sid       = "CloudWatchLogsEncryptsTheFunctionLogGroups"
    actions   = ["kms:Decrypt*", "kms:Describe*", "kms:Encrypt*", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${var.aws_region}.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values = [
{%- for function in cookiecutter._platform.functions %}
        "${local.lambda_log_groups}/{{ function.function_name }}",
{%- endfor %}
        local.api_access_log_group_arn,
      ]
    }
  }
}

resource "aws_kms_key" "lambda_logs" {
  description         = "Encrypts the log groups of the Lambda functions"
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.lambda_logs_key.json
}

resource "aws_kms_alias" "lambda_logs" {
  name          = "alias/{{ cookiecutter._platform.names.lambda_logs_key }}"
  target_key_id = aws_kms_key.lambda_logs.key_id
}

# The product events topic's key. Only the roles of the functions that publish change events may
# use it, through SNS (iam.tf); the subscribed queues have their own SQS-managed keys.
resource "aws_kms_key" "events_topic" {
  description         = "Encrypts the SNS topic {{ cookiecutter._platform.deploy.names.events_topic }}"
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.key_administration.json
}

resource "aws_kms_alias" "events_topic" {
  name          = "alias/{{ cookiecutter._platform.deploy.names.events_topic }}"
  target_key_id = aws_kms_key.events_topic.key_id
}

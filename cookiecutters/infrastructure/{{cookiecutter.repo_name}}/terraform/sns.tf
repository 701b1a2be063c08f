# The alert topic. CloudWatch alarms publish to it, so it is encrypted with a customer-managed
# key that CloudWatch may use: the AWS-managed key alias/aws/sns cannot be granted to other AWS
# services, and alarm notifications to a topic encrypted with it are silently dropped.
data "aws_iam_policy_document" "alert_topic_key" {
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

resource "aws_sns_topic" "alert_topic" {
  name              = "{{ cookiecutter._platform.names.alert_topic }}"
  kms_master_key_id = aws_kms_key.alert_topic.arn
}

data "aws_iam_policy_document" "alert_topic" {
  statement {
    sid       = "CloudWatchAlarmsPublish"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alert_topic.arn]

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

resource "aws_sns_topic_policy" "alert_topic" {
  arn    = aws_sns_topic.alert_topic.arn
  policy = data.aws_iam_policy_document.alert_topic.json
}

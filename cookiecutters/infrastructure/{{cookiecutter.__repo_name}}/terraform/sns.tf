# The alert topic. CloudWatch alarms publish to it; it is encrypted with its own key (kms.tf),
# which CloudWatch may use.
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

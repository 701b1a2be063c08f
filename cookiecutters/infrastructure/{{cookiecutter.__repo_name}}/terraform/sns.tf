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
{%- set d = cookiecutter._platform.deploy %}

# The product change events. The API Lambdas that write products publish each change here, and
# the topic delivers a copy to every subscribed queue (sqs.tf), as the raw event (raw message
# delivery: the message body is the event itself, its attributes become the message's). Encrypted
# with its own key (kms.tf), which the publishing roles may use through SNS only (iam.tf).
resource "aws_sns_topic" "events_topic" {
  name              = "{{ d.names.events_topic }}"
  kms_master_key_id = aws_kms_key.events_topic.arn
}

locals {
  # The topic's ARN from its name: the queues' policies name it when the queues are created,
  # without waiting for the topic (and its key).
  events_topic_arn = "arn:${data.aws_partition.current.partition}:sns:${var.aws_region}:${var.aws_account_id}:{{ d.names.events_topic }}"
}

# One subscription per consumer's queue (local.subscribed_queues, sqs.tf).
resource "aws_sns_topic_subscription" "events" {
  for_each = {
    queue       = aws_sqs_queue.queue.arn
    audit_queue = aws_sqs_queue.audit_queue.arn
  }

  topic_arn            = aws_sns_topic.events_topic.arn
  protocol             = "sqs"
  endpoint             = each.value
  raw_message_delivery = true
}

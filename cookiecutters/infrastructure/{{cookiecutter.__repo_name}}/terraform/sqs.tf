{%- set p = cookiecutter._platform -%}
{%- set d = p.deploy -%}
{%- set queue = p.queue -%}
{%- set audit = d.audit_queue -%}
# The consumers' queues, each with its own dead-letter queue. The events topic (sns.tf) delivers a
# copy of every product change event to each subscribed queue, so each event-driven Lambda reads a
# queue of its own and none misses an event another one consumed:
#   {{ p.names.queue | replace("${var.environment}", "<env>") }} -> {% for f in p.functions if f.queue == "queue" %}{{ f.name }}{% endfor %}
#   {{ d.names.audit_queue | replace("${var.environment}", "<env>") }} -> {% for f in p.functions if f.queue == "audit_queue" %}{{ f.name }}{% endfor %}
#
# Every queue is encrypted with an SQS-managed key and refuses requests without TLS; a subscribed
# queue accepts messages from the events topic only. Each queue's policy (and each dead-letter
# queue's redrive allow policy) is written when the queue is created, from ARNs built from the
# names: one write per queue, which the provider reads back for 25 s, instead of two in a row.

locals {
  sqs_arn_prefix = "arn:${data.aws_partition.current.partition}:sqs:${var.aws_region}:${var.aws_account_id}"
  queue_arns = {
    queue             = "${local.sqs_arn_prefix}:{{ p.names.queue }}"
    dead_letter       = "${local.sqs_arn_prefix}:{{ p.names.dead_letter }}"
    audit_queue       = "${local.sqs_arn_prefix}:{{ d.names.audit_queue }}"
    audit_dead_letter = "${local.sqs_arn_prefix}:{{ d.names.audit_dead_letter }}"
  }
  # The queues the events topic delivers to (sns.tf).
  subscribed_queues = ["queue", "audit_queue"]
}

data "aws_iam_policy_document" "queue" {
  for_each = local.queue_arns

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [each.value]

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

  dynamic "statement" {
    for_each = contains(local.subscribed_queues, each.key) ? [each.value] : []

    content {
      sid       = "EventsTopicDelivers"
      actions   = ["sqs:SendMessage"]
      resources = [statement.value]

      principals {
        type        = "Service"
        identifiers = ["sns.amazonaws.com"]
      }

      condition {
        test     = "ArnEquals"
        variable = "aws:SourceArn"
        values   = [local.events_topic_arn]
      }
    }
  }
}

resource "aws_sqs_queue" "dead_letter" {
  name                      = "{{ p.names.dead_letter }}"
  message_retention_seconds = {{ queue.dead_letter_retention_seconds }}
  sqs_managed_sse_enabled   = true
  policy                    = data.aws_iam_policy_document.queue["dead_letter"].json

  # Only the product-change queue may use this dead-letter queue.
  redrive_allow_policy = var.restrict_dead_letter_sources ? jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [local.queue_arns.queue]
  }) : null
}

resource "aws_sqs_queue" "queue" {
  name                       = "{{ p.names.queue }}"
  message_retention_seconds  = {{ queue.message_retention_seconds }}
  visibility_timeout_seconds = {{ queue.visibility_timeout_seconds }}
  sqs_managed_sse_enabled    = true
  policy                     = data.aws_iam_policy_document.queue["queue"].json

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letter.arn
    maxReceiveCount     = {{ queue.dead_letter_max_receive_count }}
  })
}

resource "aws_sqs_queue" "audit_dead_letter" {
  name                      = "{{ d.names.audit_dead_letter }}"
  message_retention_seconds = {{ audit.dead_letter_retention_seconds }}
  sqs_managed_sse_enabled   = true
  policy                    = data.aws_iam_policy_document.queue["audit_dead_letter"].json

  # Only the audit queue may use this dead-letter queue.
  redrive_allow_policy = var.restrict_dead_letter_sources ? jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [local.queue_arns.audit_queue]
  }) : null
}

resource "aws_sqs_queue" "audit_queue" {
  name                       = "{{ d.names.audit_queue }}"
  message_retention_seconds  = {{ audit.message_retention_seconds }}
  visibility_timeout_seconds = {{ audit.visibility_timeout_seconds }}
  sqs_managed_sse_enabled    = true
  policy                     = data.aws_iam_policy_document.queue["audit_queue"].json

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.audit_dead_letter.arn
    maxReceiveCount     = {{ audit.dead_letter_max_receive_count }}
  })
}

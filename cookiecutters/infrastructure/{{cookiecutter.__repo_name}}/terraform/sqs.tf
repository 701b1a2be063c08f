{%- set queue = cookiecutter._platform.queue -%}
# The product-change queue and its dead-letter queue. Both are encrypted with SQS-managed keys
# and refuse requests that do not use TLS.
resource "aws_sqs_queue" "dead_letter" {
  name                      = "{{ cookiecutter._platform.names.dead_letter }}"
  message_retention_seconds = {{ queue.dead_letter_retention_seconds }}
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue" "queue" {
  name                       = "{{ cookiecutter._platform.names.queue }}"
  message_retention_seconds  = {{ queue.message_retention_seconds }}
  visibility_timeout_seconds = {{ queue.visibility_timeout_seconds }}
  sqs_managed_sse_enabled    = true

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letter.arn
    maxReceiveCount     = {{ queue.dead_letter_max_receive_count }}
  })
}

# Only the product-change queue may use the dead-letter queue.
resource "aws_sqs_queue_redrive_allow_policy" "dead_letter" {
  count = var.restrict_dead_letter_sources ? 1 : 0

  queue_url = aws_sqs_queue.dead_letter.id

  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.queue.arn]
  })
}

locals {
  queues = {
    queue       = aws_sqs_queue.queue
    dead_letter = aws_sqs_queue.dead_letter
  }
}

data "aws_iam_policy_document" "queue_tls_only" {
  for_each = local.queues

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [each.value.arn]

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

resource "aws_sqs_queue_policy" "tls_only" {
  for_each = local.queues

  queue_url = each.value.id
  policy    = data.aws_iam_policy_document.queue_tls_only[each.key].json
}

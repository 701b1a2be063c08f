{%- set conformance = cookiecutter._platform.conformance -%}
# The role the scheduled drift check assumes ({{ conformance.repository }}, .github/workflows/drift.yml).
# It may read exactly what the live conformance suite reads, and nothing else: the suite's
# read-only guard refuses every other call, and criterion INF-CONFORMANCE-ROLE checks that this
# policy grants those reads and no more. Publishing a drift alert is a separate, narrow policy.

locals {
  # The account's GitHub OIDC provider, which the deploy roles trust as well.
  github_oidc_provider_arn = "arn:${data.aws_partition.current.partition}:iam::${var.aws_account_id}:oidc-provider/token.actions.githubusercontent.com"
}

# Only the drift check's jobs for this env's GitHub environment, in both subject formats GitHub
# issues (by name, and by immutable IDs for newer repositories).
data "aws_iam_policy_document" "conformance_assume_role" {
  statement {
    sid     = "DriftCheckOfThisEnvironment"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.github_oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = {{ conformance.subjects | tojson }}
    }
  }
}

resource "aws_iam_role" "conformance_readonly" {
  name                 = "{{ conformance.role_name }}"
  description          = "Read-only: the scheduled conformance drift check of {{ conformance.repository }}"
  assume_role_policy   = data.aws_iam_policy_document.conformance_assume_role.json
  max_session_duration = 3600
}

data "aws_iam_policy_document" "conformance_read" {
  statement {
    sid       = "ReadTheTable"
    actions   = ["dynamodb:DescribeContinuousBackups", "dynamodb:DescribeTable"]
    resources = [aws_dynamodb_table.table.arn]
  }

  # The audit queue too: the audit consumer's trigger check reads its own queue.
  statement {
    sid       = "ReadTheQueues"
    actions   = ["sqs:GetQueueAttributes", "sqs:GetQueueUrl"]
    resources = [aws_sqs_queue.queue.arn, aws_sqs_queue.dead_letter.arn, aws_sqs_queue.audit_queue.arn]
  }

  statement {
    sid = "ReadTheAuditBucketSettings"
    actions = [
      "s3:GetBucketLocation",
      "s3:GetBucketPublicAccessBlock",
      "s3:GetBucketVersioning",
      "s3:GetEncryptionConfiguration",
      "s3:GetLifecycleConfiguration",
    ]
    resources = [aws_s3_bucket.audit_bucket.arn]
  }

  # The outputs the Lambda repositories import, compared with the live resources.
  statement {
    sid       = "ReadTheInfrastructureState"
    actions   = ["s3:GetObject"]
    resources = ["arn:${data.aws_partition.current.partition}:s3:::{{ cookiecutter._platform.state.bucket }}/{{ cookiecutter._platform.state.infrastructure_key }}"]
  }

  statement {
    sid       = "ReadTheAlertTopic"
    actions   = ["sns:GetTopicAttributes"]
    resources = [aws_sns_topic.alert_topic.arn]
  }

  # The fan-out: the events topic's subscriptions, then each consumer queue's subscription.
  statement {
    sid       = "ListTheEventsTopicSubscriptions"
    actions   = ["sns:ListSubscriptionsByTopic"]
    resources = [aws_sns_topic.events_topic.arn]
  }

  # GetSubscriptionAttributes takes no resource-level permission: "*" is the only resource AWS accepts.
  statement {
    #checkov:skip=CKV_AWS_356:sns:GetSubscriptionAttributes takes no resource-level permission
    sid       = "ReadTheSubscriptions"
    actions   = ["sns:GetSubscriptionAttributes"]
    resources = ["*"]
  }

  # The REST API is found by name among the account's APIs, then its resources, its stage and the
  # deployment the stage serves (made by the Lambda repositories: any of the API's) are read.
  statement {
    sid     = "ReadTheRestApi"
    actions = ["apigateway:GET"]
    resources = [
      "arn:${data.aws_partition.current.partition}:apigateway:${var.aws_region}::/restapis",
      "arn:${data.aws_partition.current.partition}:apigateway:${var.aws_region}::/restapis/${aws_api_gateway_rest_api.rest_api.id}/resources",
      "arn:${data.aws_partition.current.partition}:apigateway:${var.aws_region}::/restapis/${aws_api_gateway_rest_api.rest_api.id}/stages/${aws_api_gateway_stage.stage.stage_name}",
      "arn:${data.aws_partition.current.partition}:apigateway:${var.aws_region}::/restapis/${aws_api_gateway_rest_api.rest_api.id}/deployments/*",
    ]
  }

  statement {
    sid       = "ReadTheDeadLetterAlarm"
    actions   = ["cloudwatch:DescribeAlarms"]
    resources = [aws_cloudwatch_metric_alarm.dlq_alarm.arn]
  }

  # The Lambdas' execution roles, and this role itself (its trust policy).
  statement {
    sid     = "ReadTheRoles"
    actions = ["iam:GetRole"]
    resources = [
{%- for function in cookiecutter._platform.functions %}
      aws_iam_role.{{ function.name }}.arn,
{%- endfor %}
      aws_iam_role.conformance_readonly.arn,
    ]
  }

  # The check also reads this role itself: that no managed policy was attached to it.
  statement {
    sid       = "ReadThisRolesManagedPolicies"
    actions   = ["iam:ListAttachedRolePolicies"]
    resources = [aws_iam_role.conformance_readonly.arn]
  }

  # The functions are deployed by their own repositories: named here as they name them.
  statement {
    sid     = "ReadTheFunctions"
    actions = ["lambda:GetFunctionConfiguration"]
    resources = [
{%- for function in cookiecutter._platform.functions %}
      "arn:${data.aws_partition.current.partition}:lambda:${var.aws_region}:${var.aws_account_id}:function:{{ function.function_name }}",
{%- endfor %}
    ]
  }

  # ListEventSourceMappings takes no resource-level permission: "*" is the only resource AWS accepts.
  statement {
    #checkov:skip=CKV_AWS_356:lambda:ListEventSourceMappings takes no resource-level permission
    sid       = "ListTheEventSourceMappings"
    actions   = ["lambda:ListEventSourceMappings"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "conformance_read" {
  name   = "{{ conformance.role_name }}-read"
  role   = aws_iam_role.conformance_readonly.id
  policy = data.aws_iam_policy_document.conformance_read.json
}

# The notify step of the drift check (never the suite) publishes one message per drifted env.
data "aws_iam_policy_document" "conformance_notify" {
  statement {
    sid       = "PublishDriftAlerts"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alert_topic.arn]
  }

  # The topic is encrypted with its own key (kms.tf): usable only through SNS.
  statement {
    sid       = "EncryptDriftAlertsThroughSns"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.alert_topic.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["sns.${var.aws_region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "conformance_notify" {
  name   = "{{ conformance.role_name }}-notify"
  role   = aws_iam_role.conformance_readonly.id
  policy = data.aws_iam_policy_document.conformance_notify.json
}

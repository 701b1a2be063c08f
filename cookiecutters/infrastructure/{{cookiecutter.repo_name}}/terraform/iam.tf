{#- Operations that only read the table; every other DynamoDB operation also writes. -#}
{%- set read_only_operations = ["list", "get"] %}
{%- set dynamodb_read_actions = ["dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"] %}
{%- set dynamodb_write_actions = ["dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:UpdateItem"] %}
{%- set xray_actions = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"] %}
{%- set sqs_consume_actions = ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"] -%}
# Base execution roles, one per Lambda. Each Lambda repository looks its role up by name and
# attaches it to its function; the permissions live here, next to the resources they reach,
# each role with only what its own function does.

data "aws_iam_policy_document" "lambda_assume_role" {
  statement {
    sid     = "LambdaAssumesTheRole"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

locals {
  lambda_log_groups = "arn:${data.aws_partition.current.partition}:logs:${var.aws_region}:${var.aws_account_id}:log-group:/aws/lambda"
}
{%- for function in cookiecutter._platform.functions %}

# {{ function.function_name | replace("${var.environment}", "<env>") }}: {{ function.kind }} Lambda, operation {{ function.operation }}.
resource "aws_iam_role" "{{ function.name }}" {
  name               = "{{ function.role_name }}"
  description        = "Execution role of the Lambda {{ function.function_name }}"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume_role.json
}

data "aws_iam_policy_document" "{{ function.name }}" {
  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.lambda_log_groups}/{{ function.function_name }}:*"]
  }

  # The functions trace with X-Ray (tracing_config Active), whose write actions take no
  # resource-level permissions: "*" is the only resource AWS accepts for them.
  statement {
    sid       = "WriteTraces"
    actions   = {{ xray_actions | tojson }}
    resources = ["*"]
  }
{%- if function.dynamodb %}

  statement {
    sid       = "ReadProducts"
    actions   = {{ dynamodb_read_actions | tojson }}
    resources = [aws_dynamodb_table.table.arn, "${aws_dynamodb_table.table.arn}/index/*"]
  }
{%- if function.operation not in read_only_operations %}

  statement {
    sid       = "WriteProducts"
    actions   = {{ dynamodb_write_actions | tojson }}
    resources = [aws_dynamodb_table.table.arn]
  }
{%- endif %}
{%- endif %}
{%- if function.publishes_changes %}

  statement {
    sid       = "PublishProductChanges"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.queue.arn]
  }
{%- endif %}
{%- if function.kind == "sqs" %}

  statement {
    sid       = "ConsumeProductChanges"
    actions   = {{ sqs_consume_actions | tojson }}
    resources = [aws_sqs_queue.queue.arn]
  }
{%- endif %}
{%- if function.operation == "audit" %}

  statement {
    sid       = "WriteAuditRecords"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.audit_bucket.arn}/*"]
  }
{%- endif %}
}

resource "aws_iam_role_policy" "{{ function.name }}" {
  name   = "{{ function.role_name }}"
  role   = aws_iam_role.{{ function.name }}.id
  policy = data.aws_iam_policy_document.{{ function.name }}.json
}
{%- endfor %}

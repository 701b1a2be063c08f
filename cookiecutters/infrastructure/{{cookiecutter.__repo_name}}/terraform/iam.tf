{#- Operations that only read the table; every other DynamoDB operation also writes. -#}
{%- set read_only_operations = ["list", "get"] %}
{%- set dynamodb_read_actions = ["dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"] %}
{%- set dynamodb_write_actions = ["dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:UpdateItem"] %}
{%- set table_key_actions = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"] %}
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

  # The table is encrypted with its own key (kms.tf): usable only through DynamoDB.
  statement {
    sid       = "UseTheTableKeyThroughDynamoDB"
    actions   = {{ table_key_actions | tojson }}
    resources = [aws_kms_key.table.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["dynamodb.${var.aws_region}.amazonaws.com"]
    }
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

  # The bucket is encrypted with its own key (kms.tf): S3 asks for a data key on each write.
  statement {
    sid       = "EncryptAuditRecordsThroughS3"
    actions   = ["kms:GenerateDataKey"]
    resources = [aws_kms_key.audit_bucket.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${var.aws_region}.amazonaws.com"]
    }
  }
{%- endif %}
}

resource "aws_iam_role_policy" "{{ function.name }}" {
  name   = "{{ function.role_name }}"
  role   = aws_iam_role.{{ function.name }}.id
  policy = data.aws_iam_policy_document.{{ function.name }}.json
}
{%- endfor %}

{#- The table operations each function's code makes, exactly: the Lambda template's repository
    calls these and nothing else (tests/test_lambda_permissions.py of the generator project records
    them from each Lambda repository's own tests and compares them with these grants). -#}
{%- set table_actions = {
  "list": ["dynamodb:Query"],
  "get": ["dynamodb:GetItem"],
  "create": ["dynamodb:PutItem"],
  "update": ["dynamodb:UpdateItem"],
  "delete": ["dynamodb:UpdateItem"],
  "persist": ["dynamodb:PutItem", "dynamodb:UpdateItem"],
} %}
{#- Operations that read through the table's indexes rather than the table itself. -#}
{%- set index_operations = ["list"] %}
{%- set table_key_actions = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"] %}
{%- set xray_actions = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"] %}
{%- set sqs_consume_actions = ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"] %}
{%- set consumed = {"queue": "aws_sqs_queue.queue", "audit_queue": "aws_sqs_queue.audit_queue"} -%}
# Base execution roles, one per Lambda. Each Lambda repository looks its role up by name and
# attaches it to its function; the permissions live here, next to the resources they reach,
# each role with exactly what its own function calls: its table operations (none but those), the
# events topic for the functions that publish changes, its own queue for an event-driven function,
# the audit bucket for the audit function; plus what Lambda does on the function's behalf (its
# log stream, X-Ray traces) and the keys' use through the service that holds the data.

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
    sid       = "{{ "QueryProductIndexes" if function.operation in index_operations else "UseProducts" }}"
    actions   = {{ table_actions[function.operation] | tojson }}
{%- if function.operation in index_operations %}
    resources = ["${aws_dynamodb_table.table.arn}/index/*"]
{%- else %}
    resources = [aws_dynamodb_table.table.arn]
{%- endif %}
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
{%- endif %}
{%- if function.publishes_changes %}

  statement {
    sid       = "PublishProductChanges"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.events_topic.arn]
  }

  # The events topic is encrypted with its own key (kms.tf): usable only through SNS.
  statement {
    sid       = "EncryptProductChangesThroughSns"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.events_topic.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["sns.${var.aws_region}.amazonaws.com"]
    }
  }
{%- endif %}
{%- if function.queue %}

  # Used by the function's SQS event source mapping, which polls its own queue with this role.
  statement {
    sid       = "ConsumeItsOwnQueue"
    actions   = {{ sqs_consume_actions | tojson }}
    resources = [{{ consumed[function.queue] }}.arn]
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

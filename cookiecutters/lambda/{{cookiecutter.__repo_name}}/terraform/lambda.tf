{%- set platform = cookiecutter._platform %}
{%- set op = cookiecutter.operation %}
{%- set ns = namespace() %}
{#- The function's own queue (event-driven Lambdas): its spec entry says which; a Lambda the spec
    does not list reads the change queue. #}
{%- set function = platform.functions | selectattr('name', 'equalto', cookiecutter.lambda_name) | first | default(none) %}
{%- set queue_key = (function.queue if function else 'queue') if cookiecutter.kind == 'sqs' else none %}
{#- The locals of data.tf this file reads, found by the resource attribute their output exports. #}
{%- for local_name, output in platform.lambdas.remote_state_locals.items() %}
{%- if platform.outputs[output] == 'table.name' %}{% set ns.table_name = local_name %}{% endif %}
{%- if queue_key and platform.outputs[output] == queue_key ~ '.url' %}{% set ns.queue_url = local_name %}{% endif %}
{%- if platform.outputs[output] == 'audit_bucket.bucket' %}{% set ns.audit_bucket = local_name %}{% endif %}
{%- endfor %}
{%- set variables = [('ENVIRONMENT', 'var.environment'), ('LOG_LEVEL', '"INFO"')] %}
{%- if cookiecutter.dynamodb == 'yes' %}
{%- set variables = variables + [('TABLE_NAME', 'local.' ~ ns.table_name)] %}
{%- endif %}
{#- The topic the API Lambdas publish to, and the function's own queue when it is not the change queue. #}
{%- for local_name, output in platform.deploy.extra_remote_state_locals.items() %}
{%- if platform.deploy.extra_outputs[output] == 'events_topic.arn' %}{% set ns.events_topic = local_name %}{% endif %}
{%- if queue_key and platform.deploy.extra_outputs[output] == queue_key ~ '.url' %}{% set ns.queue_url = local_name %}{% endif %}
{%- endfor %}
{%- if op in ['create', 'update', 'delete'] %}
{%- set variables = variables + [('TOPIC_ARN', 'local.' ~ ns.events_topic)] %}
{%- endif %}
{%- if cookiecutter.kind == 'sqs' %}
{%- set variables = variables + [('QUEUE_URL', 'local.' ~ ns.queue_url)] %}
{%- endif %}
{%- if op == 'audit' %}
{%- set variables = variables + [('AUDIT_BUCKET', 'local.' ~ ns.audit_bucket)] %}
{%- endif %}
{%- set width = variables | map('first') | map('length') | max -%}
# The function. Its code is the zip scripts/package_lambda.py builds (src/ as a package at the
# zip root, dependencies beside it), hence the handler src.handler.handler.
resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_115:No per-function limit until the platform spec sets one; reserved concurrency is taken from the account's unreserved pool, which new accounts cannot spare
{%- if cookiecutter.kind == 'api' %}
  #checkov:skip=CKV_AWS_116:Invoked only synchronously, by the API Gateway proxy integration, which returns errors to the caller; a function DLQ catches asynchronous invocations only
{%- else %}
  #checkov:skip=CKV_AWS_116:Invoked only by the SQS event source mapping; failed messages go to the queue's own dead-letter queue, a function DLQ catches asynchronous invocations only
{%- endif %}
  #checkov:skip=CKV_AWS_117:No VPC in this platform; the function calls only AWS APIs over TLS
  #checkov:skip=CKV_AWS_173:The variables hold resource names and the log level, no secret; Lambda encrypts them at rest with its AWS-managed key
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile and signed artifacts in S3; the zip is built, tested and deployed by this repository's OIDC workflow
  function_name    = "{{ cookiecutter.__function_name }}"
  description      = "{% if cookiecutter.kind == 'api' %}{{ cookiecutter.http_method | upper }} {{ cookiecutter.path }} of the product API ({{ op }}){% else %}Consumer of the product change events ({{ op }}){% endif %}"
  role             = data.aws_iam_role.execution.arn
  runtime          = "{{ platform.lambdas.runtime }}"
  handler          = "src.handler.handler"
  filename         = var.lambda_zip_path
  source_code_hash = filebase64sha256(var.lambda_zip_path)
  memory_size      = {{ platform.lambdas.memory_mb }}
  timeout          = {{ platform.lambdas.timeout_seconds }}

  environment {
    variables = {
{%- for name, value in variables %}
      {{ name.ljust(width) }} = {{ value }}
{%- endfor %}
    }
  }

  tracing_config {
    mode = "Active"
  }

  depends_on = [aws_cloudwatch_log_group.this]
}

{#- Where each resource of infra/platform.yaml lives in this configuration. -#}
{%- set addresses = {
  "rest_api": "aws_api_gateway_rest_api.rest_api",
  "table": "aws_dynamodb_table.table",
  "queue": "aws_sqs_queue.queue",
  "dead_letter": "aws_sqs_queue.dead_letter",
  "audit_bucket": "aws_s3_bucket.audit_bucket",
  "alert_topic": "aws_sns_topic.alert_topic",
} %}
{%- set attributes = {
  "id": "ID",
  "arn": "ARN",
  "name": "name",
  "url": "URL",
  "bucket": "name",
  "execution_arn": "execution ARN (for Lambda invoke permissions)",
  "root_resource_id": "root resource ID",
} -%}
# The outputs the Lambda repositories read through terraform_remote_state. Renaming or removing
# one breaks them: the names are fixed in infra/platform.yaml.
{%- for output, source in cookiecutter._platform.outputs.items() %}
{%- set resource, attribute = source.split(".", 1) %}

output "{{ output }}" {
  description = "The {{ attributes[attribute] }} of {{ cookiecutter._platform.names[resource] | replace('${var.environment}', '<env>') }}"
  value       = {{ addresses[resource] }}.{{ attribute }}
}
{%- endfor %}

{#- Where each resource of infra/platform.yaml lives in this configuration. -#}
{%- set addresses = {
  "rest_api": "aws_api_gateway_rest_api.rest_api",
  "table": "aws_dynamodb_table.table",
  "queue": "aws_sqs_queue.queue",
  "dead_letter": "aws_sqs_queue.dead_letter",
  "audit_bucket": "aws_s3_bucket.audit_bucket",
  "alert_topic": "aws_sns_topic.alert_topic",
  "events_topic": "aws_sns_topic.events_topic",
  "audit_queue": "aws_sqs_queue.audit_queue",
  "audit_dead_letter": "aws_sqs_queue.audit_dead_letter",
  "api_stage": "aws_api_gateway_stage.stage",
} %}
{%- set names = dict(cookiecutter._platform.names, **cookiecutter._platform.deploy.names) %}
{%- set names = dict(names, api_stage="the stage of " ~ cookiecutter._platform.names.rest_api) %}
{%- set attributes = {
  "id": "ID",
  "arn": "ARN",
  "name": "name",
  "url": "URL",
  "bucket": "name",
  "execution_arn": "execution ARN (for Lambda invoke permissions)",
  "root_resource_id": "root resource ID",
  "stage_name": "name",
  "invoke_url": "invoke URL",
} -%}
# The outputs the Lambda repositories read through terraform_remote_state. Renaming or removing
# one breaks them: the names are fixed in infra/platform.yaml.
{%- for output, source in cookiecutter._platform.outputs.items() %}
{%- set resource, attribute = source.split(".", 1) %}

output "{{ output }}" {
  description = "The {{ attributes[attribute] }} of {{ names[resource] | replace('${var.environment}', '<env>') }}"
  value       = {{ addresses[resource] }}.{{ attribute }}
}
{%- endfor %}

# Beyond the nine the requirement names: the fan-out and the stage (extra_outputs in the spec).
{%- for output, source in cookiecutter._platform.deploy.extra_outputs.items() %}
{%- set resource, attribute = source.split(".", 1) %}

output "{{ output }}" {
  description = "The {{ attributes[attribute] }} of {{ names[resource] | replace('${var.environment}', '<env>') }}"
  value       = {{ addresses[resource] }}.{{ attribute }}
}
{%- endfor %}

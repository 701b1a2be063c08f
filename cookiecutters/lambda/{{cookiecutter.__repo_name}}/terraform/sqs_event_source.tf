{%- set platform = cookiecutter._platform %}
{%- set ns = namespace() %}
{#- The function's own queue: its spec entry says which (a Lambda the spec does not list reads the change queue). #}
{%- set function = platform.functions | selectattr('name', 'equalto', cookiecutter.lambda_name) | first | default(none) %}
{%- set queue_key = (function.queue if function else none) or 'queue' %}
{%- for local_name, output in platform.lambdas.remote_state_locals.items() %}
{%- if platform.outputs[output] == queue_key ~ '.arn' %}{% set ns.queue_arn = local_name %}{% endif %}
{%- endfor %}
{%- for local_name, output in platform.deploy.extra_remote_state_locals.items() %}
{%- if platform.deploy.extra_outputs[output] == queue_key ~ '.arn' %}{% set ns.queue_arn = local_name %}{% endif %}
{%- endfor -%}
# This function's own queue feeds it in batches. The events topic delivers every product change
# event to each consumer's queue, so no other function takes messages from this one.
# ReportBatchItemFailures: the handler returns the ids of the messages it could not process, and
# only those go back to the queue (then to its dead-letter queue after the redrive limit).
resource "aws_lambda_event_source_mapping" "this" {
  event_source_arn        = local.{{ ns.queue_arn }}
  function_name           = aws_lambda_function.this.arn
  batch_size              = {{ platform.lambdas.batch_size }}
  enabled                 = true
  function_response_types = ["ReportBatchItemFailures"]
}

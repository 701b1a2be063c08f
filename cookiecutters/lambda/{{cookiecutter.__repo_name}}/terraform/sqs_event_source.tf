{%- set platform = cookiecutter._platform %}
{%- set ns = namespace() %}
{%- for local_name, output in platform.lambdas.remote_state_locals.items() %}
{%- if platform.outputs[output] == 'queue.arn' %}{% set ns.queue_arn = local_name %}{% endif %}
{%- endfor -%}
# The product change queue feeds the function in batches. ReportBatchItemFailures: the handler
# returns the ids of the messages it could not process, and only those go back to the queue
# (then to its dead-letter queue after the redrive limit).
resource "aws_lambda_event_source_mapping" "this" {
  event_source_arn        = local.{{ ns.queue_arn }}
  function_name           = aws_lambda_function.this.arn
  batch_size              = {{ platform.lambdas.batch_size }}
  enabled                 = true
  function_response_types = ["ReportBatchItemFailures"]
}

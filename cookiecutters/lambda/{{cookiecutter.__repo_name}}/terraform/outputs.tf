output "function_name" {
  description = "Name of the Lambda function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the Lambda function."
  value       = aws_lambda_function.this.arn
}

output "log_group_name" {
  description = "CloudWatch log group of the function."
  value       = aws_cloudwatch_log_group.this.name
}
{%- if cookiecutter.kind == 'api' %}

output "api_resource_path" {
  description = "REST API resource the function serves."
  value       = data.aws_api_gateway_resource.this.path
}

output "api_http_method" {
  description = "HTTP method of the REST API method the function serves."
  value       = aws_api_gateway_method.this.http_method
}
{%- else %}

output "event_source_mapping_uuid" {
  description = "ID of the SQS event source mapping that feeds the function."
  value       = aws_lambda_event_source_mapping.this.uuid
}
{%- endif %}

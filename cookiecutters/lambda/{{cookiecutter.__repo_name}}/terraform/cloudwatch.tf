# The function's log group, created before the function (see depends_on in lambda.tf) so that
# Terraform owns it and its retention, instead of Lambda creating one that never expires.
resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/lambda/{{ cookiecutter.__function_name }}"
  retention_in_days = var.log_retention_days
  kms_key_id        = data.aws_kms_alias.logs.target_key_arn
}

# The log group's KMS key belongs to the infrastructure repository, like the execution role
# (iam.tf): its key policy lets CloudWatch Logs use it for this function's log group only.
data "aws_kms_alias" "logs" {
  name = "alias/{{ cookiecutter._platform.names.lambda_logs_key }}"
}

# No alarm here: the alert topic and the alarm thresholds belong to the infrastructure
# repository, and its topic is not among the outputs this repository reads (data.tf).

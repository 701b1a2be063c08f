# Values shared by several files of this configuration.
data "aws_partition" "current" {}

locals {
  # The account itself as a principal: key policies name it to delegate access to IAM policies.
  account_root_arn = "arn:${data.aws_partition.current.partition}:iam::${var.aws_account_id}:root"
  # The ARN prefix of the Lambda functions' log groups (iam.tf, kms.tf).
  lambda_log_groups = "arn:${data.aws_partition.current.partition}:logs:${var.aws_region}:${var.aws_account_id}:log-group:/aws/lambda"
  # The REST API stage's access log group (api_gateway.tf), and its ARN from its name (kms.tf).
  api_access_log_group     = "{{ cookiecutter._platform.deploy.names.api_access_log_group }}"
  api_access_log_group_arn = "arn:${data.aws_partition.current.partition}:logs:${var.aws_region}:${var.aws_account_id}:log-group:${local.api_access_log_group}"
}

variable "restrict_dead_letter_sources" {
  description = "Give each dead-letter queue a redrive allow policy so that only its own queue may use it. Set it to false only against an emulator that ignores RedriveAllowPolicy (plain moto 5), where Terraform would wait for that attribute until it times out."
  type        = bool
  default     = true
}

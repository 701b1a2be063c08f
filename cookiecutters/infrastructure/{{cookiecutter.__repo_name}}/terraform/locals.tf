# Values shared by several files of this configuration.
data "aws_partition" "current" {}

locals {
  # The account itself as a principal: key policies name it to delegate access to IAM policies.
  account_root_arn = "arn:${data.aws_partition.current.partition}:iam::${var.aws_account_id}:root"
  # The ARN prefix of the Lambda functions' log groups (iam.tf, kms.tf).
  lambda_log_groups = "arn:${data.aws_partition.current.partition}:logs:${var.aws_region}:${var.aws_account_id}:log-group:/aws/lambda"
}

variable "restrict_dead_letter_sources" {
  description = "Attach a redrive allow policy so that only the product-change queue may use the dead-letter queue. Set it to false only against an emulator that ignores RedriveAllowPolicy (moto 5), where Terraform would wait for that attribute until it times out."
  type        = bool
  default     = true
}

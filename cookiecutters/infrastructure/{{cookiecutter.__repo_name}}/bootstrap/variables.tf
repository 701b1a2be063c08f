{%- set p = cookiecutter._platform -%}
# The same variables as terraform/variables.tf, set from the same terraform/environments/<env>.tfvars.
variable "environment" {
  description = "Deployment environment; selects ../terraform/environments/<environment>.tfvars."
  type        = string

  validation {
    condition     = contains({{ p.env_names | tojson }}, var.environment)
    error_message = "The environment must be one of {{ p.env_names | join(', ') }}."
  }
}

variable "aws_region" {
  description = "AWS region of the environment."
  type        = string
}

variable "aws_account_id" {
  description = "The only AWS account this configuration may touch (provider allowed_account_ids)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.aws_account_id))
    error_message = "The AWS account id must be 12 digits."
  }
}

variable "log_retention_days" {
  description = "Set by the shared tfvars for terraform/; the bootstrap creates no log group."
  type        = number
}
